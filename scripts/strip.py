"""strip: site boilerplate out, every removed span recorded, metadata kept.

Rules are data (profiles/*.toml, read by a contributor without Python); this module only interprets
them. It matches Simplified patterns against a length-preserving Simplified shadow of each line with
ruby pinyin removed, so one rule serves Traditional, Simplified and annotated pages. Removing more
than a profile allows (share of the page, or one long line) fails the page: body text never goes
silently.

    python -m scripts.strip      # build/decode.jsonl -> build/strip.jsonl
"""

from __future__ import annotations

import argparse
import re
import re._constants as sre_constants
import re._parser as sre_parser
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from scripts import chinese, pipeline
from scripts.pipeline import ROOT, PageError

PROFILES = ROOT / "profiles"
GENERIC = "generic"
WHERE = {"header", "footer", "line", "inline", "block", "repeat", "join"}
CHINESE_NUMERALS = "一二三四五六七八九十"
NUMERAL_MARKER = re.compile(rf"^([{CHINESE_NUMERALS}]{{1,3}})、")
# Fingerprints are looked for only this far into the page and from its end.
FINGERPRINT_WINDOW = 4000
# Suffixes that turn a title into a collection title: "X(精选17篇)", "X范文".
COLLECTION_SUFFIX = re.compile(r"(?:\s*[(（【]\s*(?:精选|热门|推荐|通用)?\s*\d{1,3}\s*篇\s*[)）】]|\s*共\s*\d{1,3}\s*篇|范文)$")


class ProfileError(Exception):
    """A profile file that cannot be used; names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    id: str
    where: str
    pattern: re.Pattern | None = None
    start: re.Pattern | None = None
    end: re.Pattern | None = None
    max_lines: int = 50
    boundary: bool = False
    truncation: bool = False
    first_line: bool = False


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    fingerprints: tuple[str, ...]
    rules: tuple[Rule, ...]
    max_removed_share: float | None = None
    max_removed_line_chars: int | None = None
    share_min_page_chars: int | None = None


# A repeat may hold another repeat only if it is bounded by at most this: (?:\s*X){1,6} is fine,
# (a+)+ and (\w+\s?)* can take exponential time on a line that almost matches.
MAX_OUTER_REPEAT = 10
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT}


def nested_quantifier(pattern: str) -> str | None:
    """Describe the first quantifier nested in an unbounded one, or None if there is none."""

    def children(op, av):
        if op in _REPEATS:
            return [av[2]]
        if op == sre_constants.SUBPATTERN:
            return [av[3]]
        if op == sre_constants.BRANCH:
            return list(av[1])
        if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            return [av[1]]
        if op == sre_constants.ATOMIC_GROUP:
            return [av]
        if op == sre_constants.GROUPREF_EXISTS:
            return [branch for branch in av[1:] if branch is not None]
        return []

    def has_repeat(tree) -> bool:
        for op, av in tree:
            if op in _REPEATS and av[1] > 1:
                return True
            if any(has_repeat(child) for child in children(op, av)):
                return True
        return False

    def walk(tree) -> str | None:
        for op, av in tree:
            if op in _REPEATS and av[1] > MAX_OUTER_REPEAT and has_repeat(av[2]):
                upper = "unbounded" if av[1] == sre_constants.MAXREPEAT else f"up to {av[1]}"
                return f"a quantifier inside a repeat that is {upper}"
            for child in children(op, av):
                found = walk(child)
                if found:
                    return found
        return None

    return walk(sre_parser.parse(pattern))


def _compile(path: Path, rule_id: str, key: str, source: object) -> re.Pattern:
    if not isinstance(source, str) or not source:
        raise ProfileError(f"{path.name}: rule {rule_id}: '{key}' must be a non-empty string")
    try:
        compiled = re.compile(source)
    except re.error as error:
        raise ProfileError(f"{path.name}: rule {rule_id}: bad {key}: {error}") from None
    nested = nested_quantifier(source)
    if nested:
        raise ProfileError(
            f"{path.name}: rule {rule_id}: {key} has {nested}, which can take exponential time "
            f"(catastrophic backtracking); bound the outer repeat (at most {{1,{MAX_OUTER_REPEAT}}}) or rewrite it"
        )
    return compiled


def load_profile(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{path.name}: not valid TOML: {error}") from None
    head = data.get("profile", {})
    profile_id = head.get("id")
    if profile_id != path.stem:
        raise ProfileError(f"{path.name}: [profile] id must be {path.stem!r} (the file name), not {profile_id!r}")
    rules = []
    seen = set()
    for entry in data.get("rule", []):
        rule_id = entry.get("id", "")
        if not rule_id.startswith(f"{profile_id}."):
            raise ProfileError(f"{path.name}: rule id {rule_id!r} must start with '{profile_id}.'")
        if rule_id in seen:
            raise ProfileError(f"{path.name}: rule id {rule_id!r} is used twice")
        seen.add(rule_id)
        where = entry.get("where")
        if where not in WHERE:
            raise ProfileError(f"{path.name}: rule {rule_id}: where must be one of {sorted(WHERE)}, not {where!r}")
        kwargs = {}
        if where == "block":
            kwargs["start"] = _compile(path, rule_id, "start", entry.get("start"))
            kwargs["end"] = _compile(path, rule_id, "end", entry.get("end"))
            kwargs["max_lines"] = int(entry.get("max_lines", 50))
        elif where not in ("repeat", "join"):
            kwargs["pattern"] = _compile(path, rule_id, "pattern", entry.get("pattern"))
        rules.append(Rule(
            id=rule_id, where=where, boundary=bool(entry.get("boundary", False)),
            truncation=bool(entry.get("truncation", False)),
            first_line=bool(entry.get("first_line", False)), **kwargs,
        ))
    return Profile(
        id=profile_id, name=head.get("name", profile_id),
        fingerprints=tuple(head.get("fingerprints", [])), rules=tuple(rules),
        max_removed_share=head.get("max_removed_share"),
        max_removed_line_chars=head.get("max_removed_line_chars"),
        share_min_page_chars=head.get("share_min_page_chars"),
    )


@lru_cache(maxsize=1)
def load_profiles() -> dict[str, Profile]:
    """Every profile in profiles/, generic included; all errors at once."""
    profiles, errors = {}, []
    for path in sorted(PROFILES.glob("*.toml")):
        try:
            profiles[path.stem] = load_profile(path)
        except ProfileError as error:
            errors.append(str(error))
    if errors:
        raise ProfileError("\n".join(errors))
    if GENERIC not in profiles:
        raise ProfileError(f"profiles/{GENERIC}.toml is missing")
    return profiles


def choose_profile(site: str, text: str, profiles: dict[str, Profile]) -> Profile | None:
    """The site named in raw/sources.csv, else the first profile whose fingerprint the page shows."""
    if site:
        if site not in profiles or site == GENERIC:
            raise PageError(f"site {site!r} has no profile: add profiles/{site}.toml or leave site empty")
        return profiles[site]
    window = chinese.to_simplified_chars(text[:FINGERPRINT_WINDOW] + "\n" + text[-FINGERPRINT_WINDOW:])
    for profile in profiles.values():
        if profile.id != GENERIC and any(mark in window for mark in profile.fingerprints):
            return profile
    return None


# --- matching on the shadow ----------------------------------------------------------------------

@dataclass
class Shadow:
    """A line as rules see it: Simplified characters, ruby pinyin out, positions mapped back."""
    text: str
    origin: list[int] | None  # origin[i] = index in the real line of shadow char i; None = identity

    def to_line(self, start: int, end: int, line_length: int) -> tuple[int, int]:
        if self.origin is None:
            return start, end
        real_start = self.origin[start] if start < len(self.origin) else line_length
        real_end = self.origin[end] if end < len(self.origin) else line_length
        return real_start, real_end


def make_shadow(line: str) -> Shadow:
    simplified = chinese.to_simplified_chars(line)
    if "(" not in line:
        return Shadow(simplified, None)
    annotations = chinese.ruby_annotations(line)
    if not annotations:
        return Shadow(simplified, None)
    keep = [True] * len(line)
    for match in annotations:
        for index in range(match.start(), match.end()):
            keep[index] = False
    origin = [index for index, kept in enumerate(keep) if kept]
    return Shadow("".join(simplified[index] for index in origin), origin)


def title_key(text: str) -> str:
    """What two titles must share to be the same title: no pinyin, no spaces, no collection suffix."""
    shadow = make_shadow(text.strip()).text
    return re.sub(r"\s+", "", COLLECTION_SUFFIX.sub("", shadow))


# --- the pure step -------------------------------------------------------------------------------

@dataclass
class PageStrip:
    lines: list[str]
    shadows: list[Shadow]
    removed: dict[int, str] = field(default_factory=dict)  # line index -> rule id (whole line)
    spans: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)  # inline removals
    boundaries: dict[int, dict] = field(default_factory=dict)
    truncations: list[tuple[int, str, int | None]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def live(self):
        """Indexes of non-blank lines not yet removed."""
        for index, line in enumerate(self.lines):
            if index not in self.removed and line.strip():
                yield index

    def capture(self, match: re.Match, index: int) -> None:
        """Named groups become metadata, taken from the real line (the shadow is only for matching)."""
        line, shadow = self.lines[index], self.shadows[index]
        offset = len(shadow.text) - len(shadow.text.lstrip())  # rules match the stripped shadow
        for name in ("title", "collection", "published"):
            if name in match.re.groupindex and match.group(name):
                start, end = shadow.to_line(match.start(name) + offset, match.end(name) + offset, len(line))
                self.meta.setdefault(name, line[start:end].strip())


def _edge_rules(page: PageStrip, rules: list[Rule], order: list[int]) -> None:
    """Header/footer: remove lines from one end while some rule matches the whole line."""
    first = True
    for index in order:
        if index in page.removed or not page.lines[index].strip():
            continue
        shadow = page.shadows[index].text.strip()
        for rule in rules:
            if rule.first_line and not first:
                continue
            match = rule.pattern.fullmatch(shadow)
            if match:
                page.removed[index] = rule.id
                page.capture(match, index)
                break
        else:
            return
        first = False


def _missing_from(match: re.Match) -> int | None:
    groups = match.groupdict()
    if groups.get("missing"):
        return int(groups["missing"])
    if groups.get("total") and groups.get("shown"):
        return max(0, int(groups["total"]) - int(groups["shown"]))
    return None


def strip_page(text: str, rules: list[Rule]) -> PageStrip:
    lines = text.split("\n")
    page = PageStrip(lines, [make_shadow(line) for line in lines])
    by_where: dict[str, list[Rule]] = {}
    for rule in rules:
        by_where.setdefault(rule.where, []).append(rule)

    _edge_rules(page, by_where.get("header", []), list(range(len(lines))))
    _edge_rules(page, by_where.get("footer", []), list(range(len(lines) - 1, -1, -1)))

    for rule in by_where.get("block", []):
        live = list(page.live())
        position = 0
        while position < len(live):
            index = live[position]
            if rule.start.fullmatch(page.shadows[index].text.strip()):
                window = live[position + 1: position + 1 + rule.max_lines]
                ends = [i for i in window if rule.end.fullmatch(page.shadows[i].text.strip())]
                if ends:
                    for inner in range(index, ends[0] + 1):
                        page.removed[inner] = rule.id
                    position = live.index(ends[0]) + 1
                    continue
            position += 1

    line_rules = by_where.get("line", [])
    inline_rules = by_where.get("inline", [])
    for index in list(page.live()):
        shadow = page.shadows[index]
        stripped = shadow.text.strip()
        for rule in line_rules:
            match = rule.pattern.fullmatch(stripped)
            if match:
                page.removed[index] = rule.id
                if rule.boundary:
                    page.boundaries[index] = {"label": stripped, "base": (match.groupdict().get("base") or "").strip()}
                if rule.truncation:
                    page.truncations.append((index, rule.id, _missing_from(match)))
                break
        else:
            spans = []
            for rule in inline_rules:
                for match in rule.pattern.finditer(shadow.text):
                    if match.end() == match.start():
                        continue
                    start, end = shadow.to_line(match.start(), match.end(), len(lines[index]))
                    spans.append((start, end, rule.id))
                    if rule.truncation:
                        page.truncations.append((index, rule.id, _missing_from(match)))
            if spans:
                page.spans[index] = _disjoint(spans)

    titles = {title_key(value) for key, value in page.meta.items() if key in ("title", "collection")}
    titles.discard("")
    for rule in by_where.get("repeat", []):
        for index in list(page.live()):
            if index not in page.spans and title_key(lines[index]) in titles:
                page.removed[index] = rule.id
    return page


def numeral_value(numeral: str) -> int:
    """一 -> 1 ... 十九 -> 19, 二十三 -> 23 (the range headings use)."""
    digits = {char: index + 1 for index, char in enumerate(CHINESE_NUMERALS)}
    if "十" not in numeral:
        return digits.get(numeral, 0)
    tens, _, ones = numeral.partition("十")
    return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)


def _marker_fits(kept: list[tuple[int, str]], position: int, value: int) -> bool:
    """Does a heading numbered ``value`` at ``position`` continue the numbering before it?"""
    for _, text in reversed(kept[:position]):
        match = NUMERAL_MARKER.match(text)
        if match:
            return value == numeral_value(match.group(1)) + 1
    return value == 1


def join_broken_lines(page: PageStrip, kept_lines: dict[int, str], rule_id: str) -> list[dict]:
    """Join a line ending in 第 to the next when that line's 一、-style marker does not fit the
    numbering: the site broke 第一、 apart. Each join is recorded (the removed line breaks)."""
    joins = []
    order = sorted(kept_lines)
    kept = [(index, kept_lines[index]) for index in order]
    position = 0
    while position + 1 < len(kept):
        (first, text), (second, following) = kept[position], kept[position + 1]
        between = range(first + 1, second)
        only_blank = all(index not in page.removed and not page.lines[index].strip() for index in between)
        match = NUMERAL_MARKER.match(following)
        if (text.endswith("第") and match and only_blank and second not in page.boundaries
                and not _marker_fits(kept, position, numeral_value(match.group(1)))):
            joins.append({"rule": rule_id, "line": first + 1, "column": len(page.lines[first]) + 1,
                          "text": "\n" * (second - first)})
            kept_lines[first] = text + following
            del kept_lines[second]
            kept[position] = (first, text + following)
            del kept[position + 1]
            continue
        position += 1
    return joins


def _disjoint(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping matches of different rules: the earlier, longer one wins."""
    result: list[tuple[int, int, str]] = []
    for start, end, rule_id in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if result and start < result[-1][1]:
            continue
        result.append((start, end, rule_id))
    return result


def _visible(text: str) -> int:
    return sum(1 for char in text if not char.isspace())


def strip_record(record: dict) -> dict:
    """The stage's pure step over one decoded page."""
    profiles = load_profiles()
    source = record["source"]
    text = record["text"]
    profile = choose_profile(source["row"]["site"], text, profiles)
    generic = profiles[GENERIC]
    rules = list(profile.rules if profile else ()) + list(generic.rules)
    # Rules are tried in file order, the site's before the generic ones; "repeat" runs last.
    page = strip_page(text, rules)

    removals = []
    for index in sorted(page.removed):
        removals.append({"rule": page.removed[index], "line": index + 1, "column": 1, "text": page.lines[index]})
    kept_lines: dict[int, str] = {}
    for index in page.live():
        line = page.lines[index]
        if index in page.spans:
            pieces, cursor = [], 0
            for start, end, rule_id in page.spans[index]:
                pieces.append(line[cursor:start])
                removals.append({"rule": rule_id, "line": index + 1, "column": start + 1, "text": line[start:end]})
                cursor = end
            pieces.append(line[cursor:])
            line = "".join(pieces)
        if line.strip():  # a line left blank once its spans went is layout, not text
            kept_lines[index] = line.strip()
    for rule in (r for r in rules if r.where == "join"):
        removals += join_broken_lines(page, kept_lines, rule.id)
    removals.sort(key=lambda r: (r["line"], r["column"]))

    _guard(text, removals, profile, generic)

    segments = _segments(page, kept_lines)
    meta = dict(page.meta)
    published = meta.get("published")
    if published:
        meta["published"] = _iso_date(published)
    return {
        "source": source,
        "site": profile.id if profile else "",
        "meta": meta,
        "segments": segments,
        "removals": removals,
    }


def _guard(text: str, removals: list[dict], profile: Profile | None, generic: Profile) -> None:
    def limit(name):
        value = getattr(profile, name) if profile else None
        return value if value is not None else getattr(generic, name)

    total = _visible(text)
    removed = sum(_visible(r["text"]) for r in removals)
    share_limit = limit("max_removed_share")
    problems = []
    if total >= limit("share_min_page_chars") and removed / total > share_limit:
        problems.append(
            f"strip would remove {removed / total:.0%} of the page's characters (limit {share_limit:.0%}); "
            "check the rules, or raise max_removed_share in the site's profile if that is right"
        )
    line_limit = limit("max_removed_line_chars")
    for removal in removals:
        if removal["column"] == 1 and _visible(removal["text"]) > line_limit:
            problems.append(
                f"rule {removal['rule']} would remove line {removal['line']}, {_visible(removal['text'])} "
                f"characters long (limit {line_limit}): {removal['text'][:40]}…"
            )
    if problems:
        shown = problems[:5] + ([f"and {len(problems) - 5} more"] if len(problems) > 5 else [])
        raise PageError("; ".join(shown))


def _segments(page: PageStrip, kept_lines: dict[int, str]) -> list[dict]:
    """Kept lines grouped into documents at the boundaries (item labels) strip found."""
    starts = sorted(page.boundaries)
    segments: list[dict] = []
    current = {"label": "", "label_base": "", "first_line": 1, "lines": []}
    for index in sorted(set(kept_lines) | set(starts)):
        if index in page.boundaries:
            if current["lines"] or current["label"]:
                segments.append(current)
            boundary = page.boundaries[index]
            current = {"label": page.lines[index].strip(), "label_base": boundary["base"],
                       "first_line": index + 1, "lines": []}
            continue
        current["lines"].append([index + 1, kept_lines[index]])
    segments.append(current)
    segments = [s for s in segments if s["lines"]]
    for segment in segments:
        numbers = {number for number, _ in segment["lines"]} | {segment["first_line"]}
        last = max(numbers)
        found = [(rule, missing) for index, rule, missing in page.truncations
                 if segment["first_line"] <= index + 1 <= last]
        counts = [missing for _, missing in found if missing is not None]
        segment["truncated"] = bool(found)
        # Two markers in one document count the same loss twice: the larger figure wins.
        segment["missing_chars"] = max(counts) if counts else None
    return segments


def _iso_date(value: str) -> str:
    numbers = re.findall(r"\d+", value)
    year, month, day = (int(n) for n in numbers[:3])
    return f"{year:04d}-{month:02d}-{day:02d}"


def fingerprint() -> str:
    files = [Path(__file__), ROOT / "scripts" / "chinese.py", *sorted(PROFILES.glob("*.toml"))]
    return pipeline.stage_fingerprint(files, pipeline.library_versions("opencc"))


def run(force: bool = False, jobs: int | None = None) -> pipeline.StageReport:
    load_profiles()  # a broken profile fails here, once, with every problem listed
    records = pipeline.read_jsonl(pipeline.BUILD / "decode.jsonl")
    return pipeline.run_stage("strip", strip_record, _as_input(records), fingerprint(), jobs, force)


def _as_input(records):
    for record in records:
        # Everything decode says about the page travels on to package, whatever decode adds.
        source = {k: v for k, v in record.items() if k not in ("source_id", "key", "text")}
        yield {"source_id": record["source_id"], "key": record["key"], "source": source, "text": record["text"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.strip", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="ignore cached results")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    try:
        pipeline.main_for_stage(lambda: run(args.force, args.jobs))
    except ProfileError as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
