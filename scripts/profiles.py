"""Site profiles: strip's rules as data, loaded, type-checked and compiled once.

A profile is a TOML file a contributor writes without Python (profiles/<site>.toml); this module
refuses a bad one with one line per problem (file, rule, key, cause) before anything uses it, and
compiles its patterns with RE2 (scripts/patterns.py): no pattern in any profile can hang the build,
however it is written.

Rules match a *shadow* of each line: Simplified characters (a length-preserving character map),
full-width ASCII folded to half-width, ruby pinyin taken out, with positions mapped back to the real
line. So one pattern written in Simplified with half-width punctuation serves 來源：, 来源: and
來(lái)源:, on the page and in clean/ alike.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import re2

from scripts import chinese
from scripts.patterns import compile_pattern
from scripts.pipeline import ROOT

PROFILES = ROOT / "profiles"
GENERIC = "generic"
WHERE = ("header", "footer", "line", "inline", "block", "repeat", "join")
PATTERN_KEYS = {"header": ("pattern",), "footer": ("pattern",), "line": ("pattern",),
                "inline": ("pattern",), "block": ("start", "end"), "repeat": (), "join": ()}
RULE_KEYS = {"id", "where", "pattern", "start", "end", "max_lines", "boundary", "truncation", "first_line", "checked",
             "note"}
PROFILE_KEYS = {"id", "name", "fingerprints", "max_removed_share", "max_removed_line_chars",
                "share_min_page_chars", "drop_selectors"}
# Named groups a pattern may use: they become metadata (or a document label's parts). An inline
# rule may also name `drop` (the span it removes, the rest of the match being context that stays)
# and `keep` (context that, when matched, means the span is the text's own: nothing is removed).
CAPTURES = {"title", "collection", "published", "missing", "total", "shown", "base", "seq"}


class ProfileError(Exception):
    """A profile that cannot be used; one line per problem, each naming the file and the rule."""


@dataclass(frozen=True)
class Rule:
    id: str
    where: str
    profile: str
    pattern: "re2._Regexp | None" = None
    start: "re2._Regexp | None" = None
    end: "re2._Regexp | None" = None
    max_lines: int = 50
    boundary: bool = False
    truncation: bool = False
    first_line: bool = False
    checked: bool = True  # validate looks for the pattern in clean text too
    source: str = ""  # the pattern as written, for messages and for validate's variants


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    fingerprints: tuple[str, ...]
    rules: tuple[Rule, ...]
    max_removed_share: float | None = None
    max_removed_line_chars: int | None = None
    share_min_page_chars: int | None = None
    drop_selectors: tuple[str, ...] = ()


def _typed(problems: list[str], where: str, key: str, value, kind, allowed: str) -> bool:
    # bool is an int in Python: a TOML `true` must not pass for a number, nor 1 for a boolean.
    ok = isinstance(value, kind) and not (kind in (int, float, (int, float)) and isinstance(value, bool))
    if not ok:
        problems.append(f"{where}: {key} must be {allowed}, not {value!r}")
    return ok


def _rule(path: Path, profile_id: str, index: int, entry: dict, problems: list[str]) -> Rule | None:
    name = path.name
    if not isinstance(entry, dict):
        problems.append(f"{name}: [[rule]] number {index} is not a table")
        return None
    rule_id = entry.get("id")
    where = f"{name}: rule {rule_id}" if isinstance(rule_id, str) and rule_id else f"{name}: rule number {index}"
    before = len(problems)
    if not isinstance(rule_id, str) or not rule_id.startswith(f"{profile_id}."):
        problems.append(f"{where}: id must be a string starting with '{profile_id}.', not {rule_id!r}")
    for key in sorted(set(entry) - RULE_KEYS):
        problems.append(f"{where}: unknown key {key!r} (known: {', '.join(sorted(RULE_KEYS))})")
    kind = entry.get("where")
    if kind not in WHERE:
        problems.append(f"{where}: where must be one of {', '.join(WHERE)}, not {kind!r}")
        return None
    flags = {}
    for key in ("boundary", "truncation", "first_line", "checked"):
        if key in entry and _typed(problems, where, key, entry[key], bool, "true or false"):
            flags[key] = entry[key]
    max_lines = entry.get("max_lines", 50)
    if _typed(problems, where, "max_lines", max_lines, int, "a whole number") and not 1 <= max_lines <= 1000:
        problems.append(f"{where}: max_lines must be between 1 and 1000, not {max_lines}")
    compiled = {}
    for key in PATTERN_KEYS[kind]:
        source = entry.get(key)
        if not isinstance(source, str) or not source:
            problems.append(f"{where}: {key} must be a non-empty string (where = {kind!r} needs it)")
            continue
        try:
            pattern = compile_pattern(source)
        except re2.error as error:
            message = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
            problems.append(f"{where}: bad {key}: {message} (patterns are RE2: no lookaround or backreferences)")
            continue
        allowed = CAPTURES | ({"drop", "keep"} if kind == "inline" else set())
        unknown = set(pattern.groupindex) - allowed
        if unknown:
            problems.append(f"{where}: {key} has named group(s) {', '.join(sorted(unknown))}; "
                            f"known: {', '.join(sorted(allowed))}")
        compiled[key] = pattern
    for key in set(("pattern", "start", "end")) - set(PATTERN_KEYS[kind]):
        if key in entry:
            problems.append(f"{where}: {key} is not used by where = {kind!r}")
    if len(problems) > before:
        return None
    return Rule(id=rule_id, where=kind, profile=profile_id, max_lines=max_lines,
                source=entry.get("pattern", ""), **flags, **compiled)


def load_profile(path: Path) -> Profile:
    """One profile file, every problem in it reported at once."""
    name = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ProfileError(f"{name}: not UTF-8 (byte offset {error.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{name}: not valid TOML: {error}") from None
    problems: list[str] = []
    head = data.get("profile")
    if not isinstance(head, dict):
        raise ProfileError(f"{name}: a [profile] table with id = {path.stem!r} is needed")
    profile_id = head.get("id")
    if profile_id != path.stem:
        problems.append(f"{name}: [profile] id must be {path.stem!r} (the file name), not {profile_id!r}")
    for key in sorted(set(head) - PROFILE_KEYS):
        problems.append(f"{name}: [profile] unknown key {key!r} (known: {', '.join(sorted(PROFILE_KEYS))})")
    for key in sorted(set(data) - {"profile", "rule"}):
        problems.append(f"{name}: unknown table {key!r}")
    where = f"{name}: [profile]"
    if "name" in head:
        _typed(problems, where, "name", head["name"], str, "a string")
    limits = {}
    for key, kind, allowed, low, high in (
        ("max_removed_share", (int, float), "a number between 0 and 1", 0, 1),
        ("max_removed_line_chars", int, "a whole number", 1, 100_000),
        ("share_min_page_chars", int, "a whole number", 0, 10_000_000),
    ):
        if key in head and _typed(problems, where, key, head[key], kind, allowed):
            if not low <= head[key] <= high:
                problems.append(f"{where}: {key} must be between {low} and {high}, not {head[key]}")
            limits[key] = head[key]
    lists = {}
    for key in ("fingerprints", "drop_selectors"):
        value = head.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            problems.append(f"{where}: {key} must be a list of non-empty strings")
        else:
            lists[key] = tuple(value)
    for css in lists.get("drop_selectors", ()):
        from scripts.extract import check_selector  # lxml and cssselect only for profiles that use it

        reason = check_selector(css)
        if reason:
            problems.append(f"{where}: drop_selectors {css!r} is not a CSS selector ({reason})")
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        problems.append(f"{name}: rules must be [[rule]] tables")
        entries = []
    rules, seen = [], set()
    for index, entry in enumerate(entries, start=1):
        rule = _rule(path, str(profile_id), index, entry, problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(f"{name}: rule id {rule.id!r} is used twice")
        seen.add(rule.id)
        rules.append(rule)
    if problems:
        raise ProfileError("\n".join(problems))
    return Profile(id=profile_id, name=head.get("name", profile_id), rules=tuple(rules),
                   fingerprints=lists.get("fingerprints", ()), drop_selectors=lists.get("drop_selectors", ()),
                   **limits)


def load_all(directory: Path = PROFILES) -> dict[str, Profile]:
    """Every profile in ``directory``, generic included; all problems of all files at once."""
    profiles, problems = {}, []
    for path in sorted(directory.glob("*.toml")):
        try:
            profiles[path.stem] = load_profile(path)
        except ProfileError as error:
            problems.append(str(error))
    if GENERIC not in profiles and not any(line.startswith(f"{GENERIC}.toml") for p in problems for line in p.splitlines()):
        problems.append(f"{GENERIC}.toml: missing; it holds the rules for every page")
    if problems:
        raise ProfileError("\n".join(problems))
    return profiles


@lru_cache(maxsize=1)
def load_profiles() -> dict[str, Profile]:
    return load_all()


def problems() -> list[str]:
    """Every problem of every profile, one line each (prefixed profiles/), for validate."""
    load_profiles.cache_clear()
    try:
        load_profiles()
    except ProfileError as error:
        return [f"profiles/{line}" for line in str(error).splitlines()]
    return []


# --- the shadow: what rules see -----------------------------------------------------------------

# Full-width ASCII (！ to ～) to half-width, ideographic and no-break spaces to a space: one
# character for one, so positions stay.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0xA0: 0x20})


@lru_cache(maxsize=1)
def shadow_map() -> dict[int, int | str]:
    table: dict[int, int | str] = dict(chinese.char_map("t2s"))
    table.update(_FOLD)
    return table


@dataclass
class Shadow:
    """A line as rules see it, with positions mapped back to the real line."""
    text: str
    origin: list[int] | None  # origin[i] = index in the real line of shadow char i; None = identity

    def to_line(self, start: int, end: int, line_length: int) -> tuple[int, int]:
        if self.origin is None:
            return start, end
        real_start = self.origin[start] if start < len(self.origin) else line_length
        real_end = self.origin[end] if end < len(self.origin) else line_length
        return real_start, real_end


def fold(text: str) -> str:
    """Simplified characters and half-width ASCII, length-preserving: the shadow without pinyin."""
    return text.translate(shadow_map())


@lru_cache(maxsize=1)
def _fold_table() -> np.ndarray:
    """shadow_map as a lookup table over every code point (4.4 MB): one index per character."""
    table = np.arange(0x110000, dtype=np.uint32)
    for key, value in shadow_map().items():
        if isinstance(value, str):
            if len(value) != 1:
                raise ValueError(f"the shadow map must keep lengths: U+{key:04X} -> {value!r}")
            value = ord(value)
        table[key] = value
    return table


def fold_many(text: str) -> str:
    """fold of a long text in numpy, the same characters: str.translate looks each one up in a dict
    (measured: 3.5 s of strip's 24 on 1,000 pages), this indexes one array for all of them."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return _fold_table()[codes].tobytes().decode("utf-32-le")


def fold_lines(lines: list[str]) -> list[str]:
    """fold of every line of a page at once (lines hold no newline: the page was split on them)."""
    return fold_many("\n".join(lines)).split("\n")


def make_shadow(line: str, folded: str | None = None) -> Shadow:
    """The line as rules see it; ``folded`` is fold(line) when the caller has it already."""
    folded = fold(line) if folded is None else folded
    if "(" not in folded:
        return Shadow(folded, None)
    annotations = chinese.ruby_annotations(folded)
    if not annotations:
        return Shadow(folded, None)
    keep = [True] * len(line)
    for match in annotations:
        for index in range(match.start(), match.end()):
            keep[index] = False
    origin = [index for index, kept in enumerate(keep) if kept]
    return Shadow("".join(folded[index] for index in origin), origin)


# Suffixes that turn a title into a collection title: "X(精选17篇)", "X范文".
COLLECTION_SUFFIX = re.compile(r"(?:\s*[(【]\s*(?:精选|热门|推荐|通用|优秀)?\s*[一二三四五六七八九十\d]{1,3}\s*篇\s*[)】]|\s*共\s*\d{1,3}\s*篇|范文(?:大全)?)$")


# A document site's file name: the title with its extension (…工作报告.docx).
FILE_EXTENSION = re.compile(r"\.(?:docx?|pdf|wps|txt|pptx?)$", re.IGNORECASE)


def title_key(text: str) -> str:
    """What two titles must share to be the same title: no pinyin, no spaces, no collection suffix."""
    shadow = FILE_EXTENSION.sub("", make_shadow(text.strip()).text)
    return re.sub(r"\s+", "", COLLECTION_SUFFIX.sub("", shadow))
