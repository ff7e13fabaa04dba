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
    r"为(?:了|进一步|扎实|全面|认真|切实|深入|贯彻|加强|做好))")
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
