"""Character-level facts about Chinese text that more than one stage needs.

Kept in one place so strip (which must match Simplified patterns on Traditional pages) and normalize
(which converts them) agree on what a hanzi is, what a ruby-pinyin annotation looks like, and which
characters are Traditional-only.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

HANZI_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HANZI = f"[{HANZI_RANGES}]"
HANZI_RE = re.compile(HANZI)

# One pinyin syllable with or without tone marks (ü, v, and the marked vowels included).
_TONED_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_SYLLABLE_CHARS = f"a-z{_TONED_VOWELS}"
# Ruby pinyin flattened into text: a hanzi, "(", one lowercase syllable, ")". Only that shape:
# (一), (DIP), (2024), (试行) and (men) after Latin text are content.
# Written to start with the literal "(" (the hanzi is checked looking back from it), so a scan jumps
# from one parenthesis to the next: measured 0.02 ms instead of 0.5 ms on 110 KB of text.
# normalize shields mojibake spans behind a private-use marker: an annotation right after a span
# (医┽t(yī)疗: the hanzi it belonged to was misread) is still an annotation, the span stays as found.
_SPAN_MARKER = "[\ue000-\uf8ff]"
RUBY_PINYIN = re.compile(rf"\((?:(?<={HANZI}\()|(?<={_SPAN_MARKER}\()|(?<={_SPAN_MARKER}[A-Za-z]\())"
                         rf"([{_SYLLABLE_CHARS}]{{1,6}})\)")
TONE_MARK = re.compile(f"[{_TONED_VOWELS.replace('ü', '')}]")


def _strip_tones(syllable: str) -> str:
    table = str.maketrans(
        "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ", "aaaaeeeeiiiioooouuuuüüüünnnm"
    )
    return syllable.translate(table).replace("ü", "v")


# Every Mandarin syllable without tone (v for ü): an annotation must be one of these.
_INITIALS = "b p m f d t n l g k h j q x zh ch sh r z c s y w".split()
_FINALS = (
    "a o e ai ei ao ou an en ang eng ong i ia ie iao iu ian in iang ing iong u ua uo uai ui uan un "
    "uang ueng v ve van vn ue er"
).split()
_WHOLE = {
    "a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "er",
    "yi", "ya", "ye", "yao", "you", "yan", "yin", "yang", "ying", "yong", "yu", "yue", "yuan", "yun",
    "wu", "wa", "wo", "wai", "wei", "wan", "wen", "wang", "weng",
    "zhi", "chi", "shi", "ri", "zi", "ci", "si", "m", "n", "ng", "hm", "hng",
}


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    syllables = set(_WHOLE)
    for initial in _INITIALS:
        if initial in ("y", "w"):
            continue
        for final in _FINALS:
            if final in ("ve", "van", "vn", "v") and initial in ("j", "q", "x"):
                syllables.add(initial + final.replace("v", "u"))
            syllables.add(initial + final)
    return frozenset(syllables)


def is_pinyin(syllable: str) -> bool:
    return _strip_tones(syllable) in pinyin_syllables()


def ruby_annotations(text: str, annotated: bool | None = None) -> list[re.Match]:
    """The ruby-pinyin annotations in ``text``: toned ones always; toneless ones (neutral tone, 们(men))
    only in an annotated text, one with at least three toned annotations, so that (a) in prose stays.
    ``annotated`` lets a caller decide that for a whole document rather than one line."""
    matches = [m for m in RUBY_PINYIN.finditer(text) if is_pinyin(m.group(1))]
    if annotated is None:
        annotated = count_toned(matches) >= 3
    if annotated:
        return matches
    return [m for m in matches if TONE_MARK.search(m.group(1))]


def count_toned(matches: list[re.Match]) -> int:
    return sum(1 for m in matches if TONE_MARK.search(m.group(1)))


def is_annotated(lines: list[str]) -> bool:
    """Does this document carry ruby pinyin (three toned annotations or more)?"""
    toned = 0
    for line in lines:
        if "(" in line:
            toned += count_toned([m for m in RUBY_PINYIN.finditer(line) if is_pinyin(m.group(1))])
            if toned >= 3:
                return True
    return False


@lru_cache(maxsize=None)
def converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(f"{config}.json")


@lru_cache(maxsize=None)
def char_map(config: str) -> dict[int, str]:
    """Single-character conversions of an OpenCC config over all CJK ideographs.

    Measured: t2s maps every ideograph in U+3400-U+9FFF to exactly one character, so a line
    translated with this map keeps its length and positions; that is what strip matches on.
    """
    chars = [chr(c) for c in range(0x3400, 0xA000)] + [chr(c) for c in range(0xF900, 0xFB00)]
    converted = converter(config).convert("\n".join(chars)).split("\n")
    table = {}
    for source, target in zip(chars, converted, strict=True):
        if target != source and len(target) == 1:
            table[ord(source)] = target
    return table


def to_simplified_chars(text: str) -> str:
    """Length-preserving character-by-character t2s: for matching, not for output."""
    return text.translate(char_map("t2s"))


@lru_cache(maxsize=1)
def simplified_only_chars() -> frozenset[str]:
    """Characters s2t changes: a text that uses them is Simplified."""
    return frozenset(chr(c) for c in char_map("s2t"))


@lru_cache(maxsize=1)
def traditional_only_chars() -> frozenset[str]:
    """Characters that t2s changes, or that t2s misses and hk2t catches (衞): Traditional text."""
    chars = {chr(c) for c in char_map("t2s")}
    t2s = char_map("t2s")
    chars |= {chr(c) for c, target in char_map("hk2t").items() if ord(target) in t2s}
    return frozenset(chars - simplified_only_chars())


@lru_cache(maxsize=1)
def variant_forms() -> dict[str, frozenset[str]]:
    """Forms that tell the Taiwan and Hong Kong conventions from OpenCC's standard Traditional.

    For each Simplified character, compare what s2t and s2tw (s2hk) make of it: where they differ,
    the s2tw form (為, 眾, 裡) is Taiwan evidence and the s2t form (爲, 衆, 裏) standard evidence.
    Measured on the seeds: 000 (standard) has 11 Taiwan-form against 915 standard-form characters,
    002 (Taiwan) 89 against 0; round trips of the Simplified seeds separate just as cleanly.
    """
    chars = [chr(c) for c in range(0x3400, 0xA000)]

    def convert(config: str) -> list[str]:
        return converter(config).convert("\n".join(chars)).split("\n")

    standard, taiwan, hong_kong = convert("s2t"), convert("s2tw"), convert("s2hk")
    forms: dict[str, set[str]] = {"tw": set(), "tw_standard": set(), "hk": set(), "hk_standard": set()}
    for index, char in enumerate(chars):
        if standard[index] == char or len(standard[index]) != 1:
            continue
        for name, variant in (("tw", taiwan[index]), ("hk", hong_kong[index])):
            if variant != standard[index] and len(variant) == 1:
                forms[name].add(variant)
                forms[f"{name}_standard"].add(standard[index])
    return {name: frozenset(values) for name, values in forms.items()}
