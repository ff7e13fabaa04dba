"""The line classifier: is a line web chrome (navigation, stamps, ads, notices, widgets) or text?

For pages of sites no profile knows. The evidence is data (rules/boilerplate.toml): a cue lexicon
with weights, shape patterns (URLs, dates, separators, counts) and the shapes of body text (numbered
headings, salutations, sentences) as negative weights, plus what only the page can tell: where the
line stands (above the first body line, below the last) and whether it recurs on other pages of the
same site. A score decides remove / suspect (kept, reported) / keep.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import re2

from scripts import chinese
from scripts.pipeline import ROOT
from scripts.patterns import compile_pattern, pattern_set
from scripts.profiles import Rule

DATA = ROOT / "rules" / "boilerplate.toml"
RULE_ID = "classifier.chrome"
LIST_RULE_ID = "classifier.link_list"
REPEAT_RULE_ID = "classifier.site_repeat"
TITLE_RULE_ID = "classifier.title"
RUNNING_RULE_ID = "classifier.running_head"  # a paged document's head or foot, repeated on the page
REPLY_RULE_ID = "classifier.thread_reply"  # a reply after a thread's first post or a page's best answer
SENTENCE_MARKS = "，。；！？,;!?"
# An address's ? and ; (print.jsp?id=86) are not a sentence's.
_ADDRESS = re.compile(r"(?:https?://|www\.)[^\s，。；！？、（）()]+")


def sentence_marks(text: str) -> int:
    """Sentence marks in the line, those inside a web address left out."""
    if "http" in text or "www." in text:
        text = _ADDRESS.sub("", text)
    return sum(text.count(mark) for mark in SENTENCE_MARKS)


class ClassifierDataError(Exception):
    """rules/boilerplate.toml cannot be used; names the entry and the cause."""


@dataclass(frozen=True)
class Classifier:
    remove: float
    suspect: float
    cues: "re2._Regexp"  # one alternation of every cue word, longest first
    cue_weight: dict[str, float]
    shapes: tuple[tuple[str, float, "re2._Regexp"], ...]
    shape_set: object  # the same patterns as one RE2 set: one scan per line says which match
    features: dict[str, float]
    list_headers: re.Pattern  # a line that opens a list of links (related essays, tags, contents)
    item_max_chars: int
    # Shapes that mark where a site cut the text (a paywall, a preview's end): wherever a line showing
    # one is removed, strip flags the document truncated; a `missing` group says how much is gone.
    truncation_shapes: tuple[tuple[str, "re2._Regexp"], ...] = ()
    # Shapes of a line that opens the replies of a forum thread or a Q&A page (沙发 发表于…, 其他回答):
    # the document is the first post or the best answer, and what follows is the site's.
    reply_shapes: tuple[tuple[str, "re2._Regexp"], ...] = ()
    # Shapes of the line that opens a Q&A page's chosen answer (✔ 最佳答案): a title below it is the
    # answer's own, body text.
    answer_shapes: tuple[tuple[str, "re2._Regexp"], ...] = ()
    # Truncation shapes that say content is withheld (本帖隐藏的内容, 全文回复可见): a cut wherever the
    # line stands, where a bare expander or download button above the text cuts nothing.
    withheld_shapes: frozenset = frozenset()


def _number(problems: list[str], where: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"rules/boilerplate.toml: {where} must be a number, not {value!r}")
        return 0.0
    return float(value)


@lru_cache(maxsize=4)
def read_data(path: Path = DATA) -> dict:
    """rules/boilerplate.toml parsed, once: the classifier, its inline spans and the label shapes
    (scripts/labels.py) all read their part of it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ClassifierDataError(f"rules/boilerplate.toml: not valid TOML: {error}") from None


def load(path: Path = DATA) -> Classifier:
    """The classifier's data, every problem reported at once."""
    data = read_data(path)
    problems: list[str] = []
    thresholds = data.get("thresholds", {})
    remove = _number(problems, "thresholds.remove", thresholds.get("remove"))
    suspect = _number(problems, "thresholds.suspect", thresholds.get("suspect"))
    if not problems and suspect > remove:
        problems.append("rules/boilerplate.toml: thresholds.suspect must not exceed thresholds.remove")
    weights: dict[str, float] = {}
    for index, cue in enumerate(data.get("cue", []), start=1):
        weight = _number(problems, f"cue {index} weight", cue.get("weight"))
        words = cue.get("words")
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            problems.append(f"rules/boilerplate.toml: cue {index} words must be a list of non-empty strings")
            continue
        for word in words:
            if word in weights:  # one word, one weight: a second listing would be dead or overrule the first
                problems.append(f"rules/boilerplate.toml: cue word {word!r} is listed twice")
            weights[word] = max(weights.get(word, weight), weight)
    shapes, truncation_shapes, reply_shapes, answer_shapes, withheld = [], [], [], [], set()
    for index, shape in enumerate(data.get("shape", []), start=1):
        shape_id = shape.get("id", f"shape {index}")
        if any(shape_id == known for known, _, _ in shapes):
            # Lines are matched against the set of shape ids (shapes_of): two shapes with one id would
            # make one answer for both.
            problems.append(f"rules/boilerplate.toml: shape id {shape_id!r} is used twice")
        weight = _number(problems, f"shape {shape_id} weight", shape.get("weight"))
        try:
            pattern = compile_pattern(shape.get("pattern", ""))
        except re2.error as error:
            problems.append(f"rules/boilerplate.toml: shape {shape_id}: bad pattern: {error}")
            continue
        shapes.append((shape_id, weight, pattern))
        if shape.get("truncation", False) is True:
            truncation_shapes.append((shape_id, pattern))
            if shape.get("withheld", False) is True:
                withheld.add(shape_id)
        if shape.get("replies", False) is True:
            reply_shapes.append((shape_id, pattern))
        if shape.get("answer", False) is True:
            answer_shapes.append((shape_id, pattern))
    features = {key: _number(problems, f"features.{key}", value) for key, value in data.get("features", {}).items()}
    for key in ("short_chars", "short", "sentence", "sentence_max", "long_chars", "long", "edge", "repeat",
                "repeat_min_pages"):
        if key not in features:
            problems.append(f"rules/boilerplate.toml: features.{key} is missing")
    lists = data.get("lists", {})
    headers = lists.get("headers", [])
    if not isinstance(headers, list) or not headers or not all(isinstance(w, str) and w for w in headers):
        problems.append("rules/boilerplate.toml: lists.headers must be a non-empty list of strings")
        headers = ["-"]
    problems += [f"rules/boilerplate.toml: lists.headers lists {word!r} twice"
                 for word in sorted({word for word in headers if headers.count(word) > 1})]
    item_max_chars = int(_number(problems, "lists.item_max_chars", lists.get("item_max_chars")))
    if problems:
        raise ClassifierDataError("\n".join(problems))
    # Literal words only (escaped): an alternation of literals is linear to scan.
    # In RE2: Python's re tries the alternation at every position (3x slower on 20 MB of lines).
    cues = compile_pattern("|".join(re.escape(word) for word in sorted(weights, key=len, reverse=True)))
    list_pattern = re.compile("|".join(re.escape(word) for word in sorted(headers, key=len, reverse=True)))
    shape_set = pattern_set([pattern.pattern for _, _, pattern in shapes])
    return Classifier(remove, suspect, cues, weights, tuple(shapes), shape_set, features, list_pattern, item_max_chars,
                      tuple(truncation_shapes), tuple(reply_shapes), tuple(answer_shapes), frozenset(withheld))


@lru_cache(maxsize=1)
def classifier() -> Classifier:
    return load()


@dataclass(frozen=True)
class Score:
    value: float
    evidence: tuple[str, ...]
    shapes: frozenset = frozenset()  # ids of the shapes the line shows

    @property
    def detail(self) -> str:
        return " ".join(self.evidence)

    @property
    def names_the_site(self) -> bool:
        """Does the line hold a cue word (下载, 本站, 浏览器 …), not only chrome's shapes (<short>)?"""
        return any(not evidence.startswith("<") for evidence in self.evidence)


INLINE_RULE_PREFIX = "classifier.inline."


@lru_cache(maxsize=1)
def inline_rules() -> tuple[tuple[Rule, int], ...]:
    """The [[inline]] spans of rules/boilerplate.toml as strip's inline rules, each with the number
    of lines of a page that must show it (min_lines, default 1)."""
    found, problems = [], []
    for index, entry in enumerate(read_data().get("inline", []), start=1):
        shape_id = entry.get("id", f"inline {index}")
        source = entry.get("pattern", "")
        min_lines = entry.get("min_lines", 1)
        if isinstance(min_lines, bool) or not isinstance(min_lines, int) or min_lines < 1:
            problems.append(f"rules/boilerplate.toml: inline {shape_id}: min_lines must be a whole number >= 1")
            continue
        try:
            pattern = compile_pattern(source)
        except re2.error as error:
            problems.append(f"rules/boilerplate.toml: inline {shape_id}: bad pattern: {error}")
            continue
        found.append((Rule(id=INLINE_RULE_PREFIX + shape_id, where="inline", profile="classifier", pattern=pattern,
                           source=source), min_lines))
    if problems:
        raise ClassifierDataError("\n".join(problems))
    return tuple(found)


def visible_length(text: str) -> int:
    return len(text) - text.count(" ") - text.count("\t")


# Lines remembered per worker: a site's chrome recurs, a body line does not, so a few thousand
# suffice; 65,536 held ~55 MB more of body lines at 1,000 pages (strip 241 -> 186 MB), as fast.
LINE_CACHE = 1 << 13


@lru_cache(maxsize=LINE_CACHE)
def shapes_of(text: str) -> frozenset:
    model = classifier()
    hits = model.shape_set.Match(text) if text else None
    return frozenset(model.shapes[index][0] for index in hits or ())


# A site's chrome recurs on every page a worker strips: the same line is scored once.
@lru_cache(maxsize=LINE_CACHE)
def score_line(shadow: str, repeated: int = 0, edge: bool = False) -> Score:
    """The chrome score of one line (its shadow: Simplified, half-width), with the evidence."""
    model = classifier()
    text = shadow.strip()
    value, evidence = 0.0, []
    seen = set()
    for match in model.cues.finditer(text):
        word = match.group(0)
        if word not in seen:
            seen.add(word)
            value += model.cue_weight[word]
            evidence.append(word)
    shapes = shapes_of(text)
    for shape_id, weight, _ in model.shapes:
        if shape_id in shapes:
            value += weight
            evidence.append(f"<{shape_id}>")
    features = model.features
    length = visible_length(text)
    if length <= features["short_chars"]:
        value += features["short"]
    marks = sentence_marks(text)
    if marks:
        value += features["sentence"] * min(marks, features["sentence_max"])
    if length >= features["long_chars"]:
        value += features["long"]
    if edge:
        value += features["edge"]
    # A date alone (the signature's 2023年11月20日) folds to one line on every page of a site: its
    # repetition says nothing (it took the dates of three documents on one site as chrome).
    if repeated >= features["repeat_min_pages"] and "signoff_date" not in shapes:
        value += features["repeat"]
        evidence.append(f"<on {repeated} pages of the site>")
    return Score(round(value, 2), tuple(evidence), shapes)


def is_body_like(shadow: str, score: Score) -> bool:
    """Text a header or footer cannot hold: a sentence, a salutation, a numbered heading."""
    model = classifier()
    if score.value >= model.suspect:
        return False
    text = shadow.strip()
    shapes = score.shapes
    if shapes & {"salutation", "closing"}:
        return True
    # A numbered line that names a document (1.卫生院院长述职报告) is a link in a list, not a heading.
    if "numbered_heading" in shapes and "doc_type_title" not in shapes:
        return True
    marks = sentence_marks(text)
    return visible_length(text) >= 16 and marks >= 1


def names_a_document(shadow: str) -> bool:
    """Does the line end like a document's title (…工作报告, …实施方案)?"""
    return "doc_type_title" in shapes_of(shadow.strip())


# A list's heading that lists.headers does not name (相关公文, 类似文章　更多): the shape says it.
LIST_HEADING_SHAPE = "list_heading"


def opens_list(shadow: str) -> bool:
    return classifier().list_headers.search(shadow) is not None or LIST_HEADING_SHAPE in shapes_of(shadow.strip())


# An opener is a heading (相关推荐, · 往期精彩 ·), not a menu that happens to hold the word (首页 论坛 排行榜 登录).
OPENER_MAX_CHARS = 30
OPENER_MAX_WORDS = 3


def is_list_opener(shadow: str) -> bool:
    text = shadow.strip()
    return (opens_list(text) and visible_length(text) <= OPENER_MAX_CHARS
            and len(text.split()) <= OPENER_MAX_WORDS)


def is_list_item(shadow: str) -> bool:
    text = shadow.strip()
    marks = sentence_marks(text)
    return marks == 0 and visible_length(text) <= classifier().item_max_chars


# A linked headline is at most this long (visible characters).
HEADLINE_MAX_CHARS = 40


def is_headline_item(shadow: str, score: Score) -> bool:
    """An item of a list of linked headlines (▶ 注意！这些春季传染病要警惕): short, no full stop,
    not a numbered heading or a salutation. A headline may carry a comma or a question mark."""
    text = shadow.strip()
    # A link numbered 1. 2. … to a document (猜你喜欢：1.…工作计划范文, 3.…总结3篇) is an item; other numbered
    # lines (一、…, （一）…, 2.…协议书（样本）) are the text's headings and attachments.
    link = LINK_NUMBER.match(text) is not None and ("doc_type_title" in score.shapes or COUNT_END.search(text) is not None)
    numbered = "numbered_heading" in score.shapes and not link
    return (0 < visible_length(text) <= HEADLINE_MAX_CHARS and "。" not in text
            and not numbered and not score.shapes & {"salutation", "closing", "signoff_date"})


LINK_NUMBER = re.compile(r"\d{1,2}[.．]\s*\S")
COUNT_END = re.compile(r"\d{1,3}\s*篇$")


def looks_like_text(shadow: str) -> bool:
    """Chinese sentences, by shape alone (no cue counts): what strip's guard must not remove
    unnoticed. A line without a Chinese character (a translation beside a paragraph) is not the
    corpus's text, however many sentences it holds."""
    text = shadow.strip()
    marks = sentence_marks(text)
    return visible_length(text) >= 40 and marks >= 2 and chinese.HANZI_RE.search(text) is not None


# Digits and dates folded: "发布时间:2024-01-05 查看人数:1523" is the same line on every page.
_DIGITS = re.compile(r"\d+(?:[.,:/-]\d+)*")


def repeat_key(shadow: str) -> str:
    return re.sub(r"\s+", "", _DIGITS.sub("0", shadow))


def _has_shape(shadow: str, kind: tuple[tuple[str, "re2._Regexp"], ...]) -> bool:
    """Does any shape of ``kind`` match? One scan of the shape set (cached per line), not one
    search per shape: measured 3.5 s of strip's 27 on 1,000 pages as a search per shape."""
    found = shapes_of(shadow.strip())
    return any(shape_id in found for shape_id, _ in kind)


def opens_replies(shadow: str) -> bool:
    """Is the line the header of a reply (a forum floor, another answer)?"""
    return _has_shape(shadow, classifier().reply_shapes)


def opens_answer(shadow: str) -> bool:
    """Is the line the header of a Q&A page's chosen answer (最佳答案)?"""
    return _has_shape(shadow, classifier().answer_shapes)


def cut_marker(shadow: str) -> tuple[bool, int | None]:
    """Does the line mark where the site cut the text, and how many characters does it say are
    missing (4,816 read as 4816; the larger figure when several shapes say)?"""
    found, counts = False, []
    shapes = shapes_of(shadow.strip())
    for shape_id, pattern in classifier().truncation_shapes:
        match = pattern.search(shadow) if shape_id in shapes else None
        if match is None:
            continue
        found = True
        count = stated_missing(match)
        if count is not None:
            counts.append(count)
    return found, max(counts) if counts else None


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def stated_missing(match) -> int | None:
    """The characters a cut marker says are gone: its ``missing`` group, or ``total`` less ``shown``
    (全文共2,942字，当前显示472字); thousands separators read (4,816 is 4816)."""
    groups = match.groupdict()
    if groups.get("missing"):
        return _count(groups["missing"])
    if groups.get("total") and groups.get("shown"):
        return max(0, _count(groups["total"]) - _count(groups["shown"]))
    return None


def says_withheld(shadow: str) -> bool:
    """Does the line say the page withholds content (本帖隐藏的内容…回复, 全文回复可见)?"""
    return bool(shapes_of(shadow.strip()) & classifier().withheld_shapes)
