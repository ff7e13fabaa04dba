"""describe: what a document is, and the hashes that find the same text elsewhere.

Pure functions over one document's title and paragraphs, called by split for every document:

- ``fold`` / ``paragraph_hash`` / ``document_sha256``: the text with whitespace, punctuation and
  symbols removed and Latin letters lower-cased, then hashed. Digits are kept, so the 2020 and 2021
  reports of one bureau stay apart.
- ``describe``: ``doc_type``, ``year``, ``admin_level`` and ``region``, each with its evidence
  (where it was found and the text that decided it). A value the text does not support is empty,
  never guessed. The keywords are data (rules/metadata.toml); places come from a pinned gazetteer
  (rules/gazetteer.csv, see rules/gazetteer.NOTICE.md).

    python -m scripts.describe "标题" < text.txt    # prints the metadata of one text (debugging aid)
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scripts.pipeline import ROOT

RULES = ROOT / "rules" / "metadata.toml"
GAZETTEER = ROOT / "rules" / "gazetteer.csv"
FILES = [Path(__file__), RULES, GAZETTEER]

# Opening lines: where a speech names its meeting, a plan its year, a report its bureau.
OPENING_PARAGRAPHS = 3
OPENING_CHARS = 400
CLOSING_PARAGRAPHS = 2
# Years the extractor accepts; validate narrows the upper end to the page's retrieval year.
FIRST_YEAR, LAST_YEAR = 1949, 2099

DIGIT_YEAR = re.compile(r"(?<![0-9A-Za-z])((?:19|20)[0-9]{2})(?=\s*年)")
HANZI_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})(?=年)")
HANZI_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")


# --- Hashes ---------------------------------------------------------------------------------------

def _folded_away() -> re.Pattern:
    """One character class of every BMP character in categories Z, P, S and C: deleting with it is
    one C-level scan instead of a Python call per character (measured: 7x faster on the seeds)."""
    ranges, start = [], None
    for code in range(0x10000):
        gone = unicodedata.category(chr(code))[0] in "ZPSC"
        if gone and start is None:
            start = code
        elif not gone and start is not None:
            ranges.append((start, code - 1))
            start = None
    if start is not None:
        ranges.append((start, 0xFFFF))
    return re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]+")


FOLDED_AWAY = _folded_away()
ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def fold(text: str) -> str:
    """Text as the hashes see it: NFC, Latin lower-cased, every space, punctuation mark and symbol
    (category Z, P, S, C) removed. 20XX and 20xx fold together; 2020 and 2021 do not."""
    text = unicodedata.normalize("NFC", text).lower()
    if ASTRAL.search(text) is None:  # (a scan in C; max(text) made a string per character)
        return FOLDED_AWAY.sub("", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "ZPSC")  # beyond the BMP


def paragraph_hash(text: str, folded: str | None = None) -> str:
    """64 bits of SHA-256 of the folded paragraph: enough to count repeats across the corpus.
    ``folded`` is fold(text) when the caller has it (split folds each paragraph once)."""
    folded = fold(text) if folded is None else folded
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:16]


def document_sha256(paragraphs: list[str], folded: list[str] | None = None) -> str:
    """SHA-256 of the folded paragraphs, one per line (paragraphs folding to nothing dropped)."""
    folded = [fold(text) for text in paragraphs] if folded is None else folded
    return hashlib.sha256("\n".join(f for f in folded if f).encode("utf-8")).hexdigest()


# --- Rules and gazetteer --------------------------------------------------------------------------

@cache
def rules() -> dict:
    return tomllib.loads(RULES.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Place:
    adcode: str
    name: str
    level: str  # province, city, county
    parent: str


@cache
def gazetteer() -> dict[str, Place]:
    with open(GAZETTEER, encoding="utf-8", newline="") as handle:
        return {row["adcode"]: Place(**row) for row in csv.DictReader(handle)}


@cache
def place_names() -> tuple[dict[str, tuple[Place, ...]], int]:
    """Name -> its places (通州区 is two), for the names safe to look for; and the longest name."""
    region = rules()["region"]
    never = set(region["never"])
    names: dict[str, list[Place]] = {}
    for place in gazetteer().values():
        if len(place.name) >= region["min_chars"] and place.name not in never:
            names.setdefault(place.name, []).append(place)
    return {name: tuple(places) for name, places in names.items()}, max(map(len, names))


def ancestors(adcode: str) -> list[str]:
    places = gazetteer()
    found = []
    while adcode in places and places[adcode].parent:
        adcode = places[adcode].parent
        found.append(adcode)
    return found


# --- Metadata -------------------------------------------------------------------------------------

def opening(paragraphs: list[str]) -> list[tuple[int, str]]:
    """(seq, text) of the opening paragraphs, cut at OPENING_CHARS in all."""
    lines, budget = [], OPENING_CHARS
    for seq, text in enumerate(paragraphs[:OPENING_PARAGRAPHS], start=1):
        if budget <= 0:
            break
        lines.append((seq, text[:budget]))
        budget -= len(text)
    return lines


def evidence(where: str, text: str, **more) -> dict:
    return {"from": where, "text": text, **more}


def doc_type(title: str, paragraphs: list[str]) -> tuple[str, dict | None]:
    """The kind of document: the title's last keyword; else the first and last lines, agreeing."""
    table = rules()["doc_type"]
    best = None  # (end, length, type, keyword)
    for kind, keywords in table["title"].items():
        for keyword in keywords:
            end = title.rfind(keyword)
            if end >= 0:
                candidate = (end + len(keyword), len(keyword), kind, keyword)
                best = max(best, candidate) if best else candidate
    if best:
        return best[2], evidence("title", best[3])
    n = len(paragraphs)
    votes: dict[str, dict] = {}
    for part, lines in (("first_lines", list(enumerate(paragraphs[:OPENING_PARAGRAPHS], start=1))),
                        ("last_lines", list(enumerate(paragraphs, start=1))[max(0, n - CLOSING_PARAGRAPHS):])):
        for kind, keywords in table.get(part, {}).items():
            for seq, text in lines:
                keyword = next((k for k in keywords if k in text), None)
                if keyword and kind not in votes:
                    votes[kind] = evidence(f"paragraph {seq}", keyword)
    if len(votes) == 1:
        (kind, found), = votes.items()
        return kind, found
    return "", None  # nothing, or the opening and the close disagree


def year(title: str, paragraphs: list[str]) -> tuple[str, dict | None]:
    """The first year the title names, else the first the opening lines name (2021年, 二〇二一年);
    20XX and the like are no year."""
    for where, text in [("title", title)] + [(f"paragraph {seq}", t) for seq, t in opening(paragraphs)]:
        found = []
        for match in DIGIT_YEAR.finditer(text):
            found.append((match.start(), int(match.group(1)), match.group(0) + "年"))
        for match in HANZI_YEAR.finditer(text):
            digits = match.group(1).translate(HANZI_DIGITS)
            found.append((match.start(), int(digits), match.group(0) + "年"))
        for _, value, matched in sorted(found):
            if FIRST_YEAR <= value <= LAST_YEAR:
                return str(value), evidence(where, matched)
    return "", None


def admin_level(title: str, paragraphs: list[str]) -> tuple[str, dict | None]:
    """The issuing body's level: the title decides when it names one level; else the opening
    lines' weighted mentions (我县 3, 全县 2, 县卫生局 1), with a clear winner."""
    levels = rules()["admin_level"]
    weights = {"own": 3, "all": 2, "body": 1}

    def scores(text: str) -> dict[str, tuple[int, str]]:
        result = {}
        for level, words in levels.items():
            score, first = 0, ""
            for kind, weight in weights.items():
                for word in words[kind]:
                    count = text.count(word)
                    score += weight * count
                    if count and not first:
                        first = word
            if score:
                result[level] = (score, first)
        return result

    in_title = scores(title)
    if len(in_title) == 1:
        (level, (_, word)), = in_title.items()
        return level, evidence("title", word)
    lines = opening(paragraphs)
    in_opening = scores("\n".join(text for _, text in lines))
    ranked = sorted(in_opening.items(), key=lambda item: (-item[1][0], item[0]))
    if ranked:
        level, (score, word) = ranked[0]
        runner_up = ranked[1][1][0] if len(ranked) > 1 else 0
        if score >= 2 and score >= 2 * runner_up:
            seq = next((seq for seq, text in lines if word in text), 1)
            return level, evidence(f"paragraph {seq}", word, score=score, runner_up=runner_up)
    return "", None


def mask(text: str) -> str:
    """Placeholders (XX县, 某某市, **区) and self-references (全县, 我市) blanked to 〼, length kept."""
    region = rules()["region"]
    chars = re.escape(region["placeholder_chars"])
    text = re.sub(f"[{chars}]+[省市县区镇乡州盟旗]?", lambda m: "〼" * len(m.group(0)), text)
    for word in region["self_names"]:
        text = text.replace(word, "〼" * len(word))
    return text


@cache
def _place_pattern():
    """Every name as one RE2 alternation, leftmost-longest: at each position the longest name that
    starts there, then on after it, as a scan by hand would find them, in one linear pass."""
    import re2

    options = re2.Options()
    options.max_mem = 64 << 20
    options.longest_match = True
    names, _ = place_names()
    return re2.compile("|".join(re.escape(name) for name in sorted(names)), options)


def find_places(text: str) -> list[tuple[int, str]]:
    """(position, name) of gazetteer names in the masked text, longest match first, no overlaps."""
    if not place_names()[0]:
        return []
    return [(match.start(), match.group(0)) for match in _place_pattern().finditer(text)]


def region(title: str, paragraphs: list[str]) -> tuple[str, str, dict | None]:
    """(name, adcode, evidence): the most specific place named in the title and opening lines when
    every other place named there contains it; empty when they name unrelated places."""
    names, _ = place_names()
    mentions: list[tuple[str, str]] = []  # (where, name)
    for where, text in [("title", title)] + [(f"paragraph {seq}", t) for seq, t in opening(paragraphs)]:
        mentions += [(where, name) for _, name in find_places(mask(text))]
    if not mentions:
        return "", "", None
    named = {name for _, name in mentions}
    # Each name's readings (通州区: Beijing's or Nantong's), narrowed by the other names' places.
    codes = {name: {p.adcode for p in names[name]} for name in named}
    all_codes = set().union(*codes.values())
    for name in named:
        codes[name] = {c for c in codes[name] if set(ancestors(c)) & all_codes} or codes[name]
    # The most specific: a name whose every reading has all other names among its ancestors.
    best = None
    for name in sorted(named, key=lambda n: (-len(ancestors(next(iter(codes[n])))), n)):
        fits = [c for c in codes[name]
                if all(other == name or codes[other] & (set(ancestors(c)) | {c}) for other in named)]
        if fits:
            best = (name, fits)
            break
    if best is None:
        return "", "", None
    name, fits = best
    where = next(w for w, n in mentions if n == name)
    adcode = fits[0] if len(fits) == 1 else ""
    return name, adcode, evidence(where, name, adcodes=sorted(fits))


def describe(title: str, paragraphs: list[str]) -> dict:
    """The metadata of one document: doc_type, year, admin_level, region, region_code, and
    metadata_evidence (JSON: per filled field, where it came from and the text that decided it)."""
    found = {}
    kind, found["doc_type"] = doc_type(title, paragraphs)
    when, found["year"] = year(title, paragraphs)
    level, found["admin_level"] = admin_level(title, paragraphs)
    place, code, found["region"] = region(title, paragraphs)
    return {
        "doc_type": kind, "year": when, "admin_level": level, "region": place, "region_code": code,
        "metadata_evidence": {k: v for k, v in found.items() if v is not None},
    }


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    title = args[0] if args else ""
    paragraphs = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
    print(json.dumps(describe(title, paragraphs), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
