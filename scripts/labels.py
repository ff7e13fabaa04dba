"""Compilation item labels by shape: where a page of several essays starts its next one.

The generic profile's boundary rules know the common label forms; the shapes here (data in
rules/boilerplate.toml, [[label]]) add the ones sites vary on: a bullet before the label (▍篇三),
brackets ([第1篇]), a qualifier (精选范文4), a Chinese numeral after the title (…总结 篇一). One
decision is shared by every label, whichever rule found it: a label's base that reads as a sentence
is the item's first sentence with the label glued to it, so only the label goes and the sentence
stays (a whole-line removal there would lose body text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import re2

from scripts import classify
from scripts.patterns import compile_pattern, pattern_set

RULE_PREFIX = "labels."
# A label's title run into the item's first words (模板三：…工作计划为扎实做好…): the title ends at a
# document's kind, where one of the words an item opens with begins.
GLUED_TITLE = re.compile(
    r"[^,，。；;!！?？:：]{2,40}?(?:讲话|报告|计划|总结|方案|要点|述职|汇报|发言|致辞|心得|体会)(?:稿|范文)?"
    r"(?=同志|各位|尊敬|今年|新的一年|一年来|过去|回顾|参加|随着|当前|目前|去年|近年来|按照|根据|我是|作为|本人|20[\dX]{2}|"
    r"为(?:了|进一步|扎实|全面|认真|切实|深入|贯彻|落实|加强|做好|确保))")
# A base this long with a sentence mark is a sentence, not a title (titles rarely carry a comma).
SENTENCE_MIN_CHARS = 16


@dataclass(frozen=True)
class LabelShape:
    id: str
    pattern: "re2._Regexp"
    glued: bool = False  # its base is always the item's first words, however short (a wrapped line)


@dataclass(frozen=True)
class Label:
    """A label found on a line (its shadow, stripped): the label is ``[0, end)``; ``glued`` when a
    sentence follows it on the same line."""
    rule: str
    end: int
    base: str
    glued: bool


@lru_cache(maxsize=1)
def shapes() -> tuple[LabelShape, ...]:
    found, problems = [], []
    for index, entry in enumerate(classify.read_data().get("label", []), start=1):
        shape_id = entry.get("id", f"label {index}")
        try:
            found.append(LabelShape(RULE_PREFIX + shape_id, compile_pattern(entry.get("pattern", "")),
                                    entry.get("glued") is True))
        except re2.error as error:
            problems.append(f"rules/boilerplate.toml: label {shape_id}: bad pattern: {error}")
    if problems:
        raise classify.ClassifierDataError("\n".join(problems))
    return tuple(found)


def is_sentence(text: str) -> bool:
    """Does a label's base read as running text (the item's first sentence) rather than a title?"""
    text = text.strip()
    if not text:
        return False
    marks = classify.sentence_marks(text)
    if marks >= 1 and classify.visible_length(text) >= SENTENCE_MIN_CHARS:
        return True
    # A salutation (同志们:) or a finished clause is the start of the text, never a title.
    return text.endswith((":", "：", "。", "；", "！")) or classify.is_body_like(text, classify.score_line(text))


def shape_sources() -> list[str]:
    """The label shapes as whole-line patterns, as shape_set holds them."""
    return [f"^(?:{shape.pattern.pattern})$" for shape in shapes()]


@lru_cache(maxsize=1)
def shape_set():
    """Every label shape as one RE2 set: one scan says which shapes a line could be (most: none)."""
    return pattern_set(shape_sources())


def find(shadow_line: str) -> Label | None:
    """The label a line (its shadow, stripped) starts with or consists of, if any."""
    all_shapes = shapes()
    hits = shape_set().Match(shadow_line) if all_shapes else None
    for index in sorted(hits or ()):
        shape = all_shapes[index]
        match = shape.pattern.fullmatch(shadow_line)
        if match is None:
            continue
        base = match.group("base") or ""
        if not (shape.glued and base.strip()) and not is_sentence(base):
            return Label(shape.id, len(shadow_line), base.strip(), False)
        separated = "sep" in shape.pattern.groupindex and match.group("sep") is not None
        base_start = match.start(shape.pattern.groupindex["base"])
        if separated and base_start > 0:
            title = GLUED_TITLE.match(shadow_line, base_start)
            return Label(shape.id, title.end() if title else base_start, "", True)
    return None


def glued_split(base_start: int, base: str) -> int | None:
    """For a whole-line label rule whose base is a sentence: where the label ends (the sentence is
    body), else None (a true label line)."""
    if base_start > 0 and is_sentence(base):
        return base_start
    return None


# --- the next label of a page's series, run into its item's text -----------------------------------
# A compilation numbers its items in one style (例文Ⅰ, 例文Ⅱ …; 【No.01】 …; 范本甲, 范本乙 …); a site
# that loses a line break glues the next one to its item's first words (例文Ⅲ一年来，…). The style the
# page's own labels set is the evidence: the line must start as the last label did, with the next number.
SERIES_RULE_ID = RULE_PREFIX + "series_run_in"
NUMBER = re.compile(r"[一二三四五六七八九十]{1,3}|\d{1,3}|[①-⑳]|[Ⅰ-Ⅻ]|[甲乙丙丁戊己庚辛壬癸]")
SERIES_HEAD_MAX_CHARS = 12
# What follows a label's number: a unit (篇, 节), closing brackets, a separator, a decoration.
SERIES_TAIL = re.compile(r"[篇节章则份]?[\s】\]〕〗)）:：.、—=~-]*")
SERIES_WORD = re.compile(r"[^\W\d_]")
ROMAN, STEMS = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ", "甲乙丙丁戊己庚辛壬癸"
CHINESE = "一二三四五六七八九十"


CHINESE_DIGITS = {char: index + 1 for index, char in enumerate(CHINESE)}


def numeral_value(numeral: str) -> int:
    """一 -> 1 … 十九 -> 19, 二十三 -> 23 (what labels and headings count to); not a numeral (二三) -> 0."""
    if "十" not in numeral:
        return CHINESE_DIGITS.get(numeral, 0)
    tens, _, ones = numeral.partition("十")  # 十十 reads as 10: a bad numeral never raises
    return (CHINESE_DIGITS.get(tens, 1) if tens else 1) * 10 + CHINESE_DIGITS.get(ones, 0)


def number_value(token: str) -> tuple[str, int]:
    """(series, value) of a label's number: 三 -> ("chinese", 3), ③ -> ("circled", 3), 03 -> ("digits", 3)."""
    if "①" <= token <= "⑳":  # before isdigit(), which is true of ① too
        return "circled", ord(token) - ord("①") + 1
    if token.isdigit():
        return "digits", int(token)
    for name, series in (("roman", ROMAN), ("stems", STEMS)):
        if token in series:
            return name, series.index(token) + 1
    return "chinese", numeral_value(token)


def _parts(text: str) -> tuple[str, tuple[str, int], str, int] | None:
    """(what stands before the number, the number, what follows it, where that ends) of a label line."""
    number = NUMBER.search(text, 0, SERIES_HEAD_MAX_CHARS + 3)
    # A head of words (例文, 范本, 第, No.): a bare number (二、, 3.) is how a text numbers its own headings.
    if number is None or number.start() > SERIES_HEAD_MAX_CHARS or not SERIES_WORD.search(text, 0, number.start()):
        return None
    tail = SERIES_TAIL.match(text, number.end())
    return text[:number.start()], number_value(number.group()), tail.group().strip(), tail.end()


def next_in_series(label_line: str, text: str) -> Label | None:
    """``text`` as the next label of ``label_line``'s series glued to its item's first words: the same
    head and tail around the next number; a document's title after it goes with the label."""
    label, found = _parts(label_line), _parts(text)
    if label is None or found is None or (found[0], found[2]) != (label[0], label[2]):
        return None
    (series, value), (found_series, found_value) = label[1], found[1]
    if found_series != series or found_value != value + 1:
        return None
    title = GLUED_TITLE.match(text, found[3])
    end = title.end() if title else found[3]
    return Label(SERIES_RULE_ID, end, "", True) if text[end:].strip() else None
