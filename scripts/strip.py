"""strip: site boilerplate out, every removed span recorded, metadata kept, documents delimited.

The page logic. What is boilerplate is decided by data: the site's profile and the generic one
(profiles/*.toml, loaded by scripts/profiles.py) and, for sites no profile knows, the line classifier
(scripts/classify.py, data in rules/boilerplate.toml) with the evidence only the corpus has: a line
that recurs on several pages of the same site. This module decides where each applies:

- the header is the run of lines before the first body-like line, the footer the run after the
  last; every rule may match any line there, and the classifier is bolder there;
- elsewhere `line`, `inline` and `block` rules and the classifier apply;
- the title is the first line of the header that nothing calls boilerplate;
- item labels (篇1, 【篇一】, 第1篇 …, also glued to their first sentence) start documents, and a
  stretch without body text is not a document;
- a document is truncated when any truncation marker was removed within it, whichever rule removed
  it, or when it ends in a trailing ellipsis (scripts/cuts.py).

Removing more than a profile allows (a share of the page, or one long line) fails the page: body
text never goes silently.

    python -m scripts.strip      # build/decode/ -> build/strip/
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import urlsplit

import numpy as np

from scripts import chinese, classify, cuts, extract, labels, layout, pipeline
# The rule engine's names are strip's too (checks, tests and benchmarks use strip.rule_set, drop_span).
from scripts.ruleset import (WHOLE_LINE, RuleSet, choose_profile, drop_span, glued_label, group,  # noqa: F401
                             rule_set, without_inline)
from scripts.pipeline import ROOT, PageError
# ProfileError, Rule, Shadow and load_profile are strip's public names too (tests and checks use them).
from scripts.profiles import (GENERIC, PROFILES, Profile, ProfileError, Rule, Shadow, load_profile,  # noqa: F401
                              FILE_EXTENSION, fold, fold_lines, load_profiles, make_shadow, title_key)

CHINESE_NUMERALS = "一二三四五六七八九十"
NUMERAL_MARKER = re.compile(rf"^([{CHINESE_NUMERALS}]{{1,3}})、")
NOT_A_DOCUMENT = "generic.not_a_document"
# What a title carries on a document site: the file's extension (….docx), the page of a document
# split over several addresses (… 第2页). The title is judged without it.
TITLE_TAIL = re.compile(rf"{FILE_EXTENSION.pattern}|\s+第\s*\d{{1,3}}\s*页$", re.IGNORECASE)
# Lines longer than this are never counted for site repetition: boilerplate lines are short.
REPEAT_MAX_CHARS = 80


@dataclass
class Removal:
    rule: str
    score: float | None = None
    detail: str = ""


@dataclass
class PageStrip:
    lines: list[str]
    shadows: list[Shadow]
    removed: dict[int, Removal] = field(default_factory=dict)  # line index -> why (whole line)
    spans: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)  # inline removals
    boundaries: dict[int, dict] = field(default_factory=dict)  # line index -> label
    meta: dict[str, str] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)  # metadata name -> line index it came from
    suspects: list[dict] = field(default_factory=list)

    def live(self):
        """Indexes of non-blank lines not yet removed."""
        for index, line in enumerate(self.lines):
            if index not in self.removed and line.strip():
                yield index

    def add_span(self, index: int, start: int, end: int, rule_id: str) -> tuple[int, int]:
        """An inline removal given on the line's shadow, kept on the real line with the spans it
        already has (the earlier, longer of two overlapping wins); returns it on the real line."""
        start, end = self.shadows[index].to_line(start, end, len(self.lines[index]))
        self.spans[index] = _disjoint(self.spans.get(index, []) + [(start, end, rule_id)])
        return start, end

    def capture(self, match, rule: Rule, index: int, titles: bool = True) -> None:
        """Named groups become metadata, taken from the real line (the shadow is only for matching);
        a title or collection only where ``titles`` (above the text: below it, a title is a link's)."""
        line, shadow = self.lines[index], self.shadows[index]
        offset = len(shadow.text) - len(shadow.text.lstrip())  # rules match the stripped shadow
        for name in ("title", "collection", "published") if titles else ("published",):
            span = group(match, rule, name)
            if span:
                start, end = shadow.to_line(span[0] + offset, span[1] + offset, len(line))
                if name not in self.meta:
                    self.meta[name] = line[start:end].strip()
                    self.meta_lines[name] = index


# --- the pure step -------------------------------------------------------------------------------

# What a page repeats or says about itself, found before any line is judged (scripts/layout.py).
LAYOUT_PASSES = (
    (layout.outline, layout.CONTENTS_ENTRY_RULE_ID, "<an outline of the text below>"),
    (layout.excerpts, layout.EXCERPT_RULE_ID, "<the opening of a text below it>"),
    (layout.writing_guide, layout.GUIDE_RULE_ID, "<a guide to writing the template below>"),
    (layout.heading_echoes, layout.CONTENTS_ENTRY_RULE_ID, "<a contents of the text's headings>"),
)

def strip_page(text: str, rules: RuleSet, repeats: dict[int, int] | None = None) -> PageStrip:
    lines = text.split("\n")
    page = PageStrip(lines, [make_shadow(line, folded) for line, folded in zip(lines, fold_lines(lines))])
    # A viewer's line numbers go first: every rule and the classifier judge the file's line, not the gutter.
    for index, end in layout.line_numbers([shadow.text for shadow in page.shadows]).items():
        page.add_span(index, 0, end, layout.GUTTER_RULE_ID)
        shadow = page.shadows[index]
        page.shadows[index] = Shadow(" " * end + shadow.text[end:], shadow.origin)
    repeats = repeats or {}
    model = classify.classifier()
    stripped = [shadow.text.strip() for shadow in page.shadows]
    _blocks(page, rules, stripped)  # a profile's blocks know their site better than any guess
    # A paged or compiled document's layout: its running heads and a site's outline of its headings.
    for index, count in layout.running_heads(list(page.live()), stripped).items():
        page.removed[index] = Removal(classify.RUNNING_RULE_ID, None, f"<on {count} lines of the page>")
    for find, rule_id, detail in LAYOUT_PASSES:  # each on what the ones before it left
        for index in find(list(page.live()), stripped):
            page.removed[index] = Removal(rule_id, None, detail)
    live = list(page.live())
    matches = {index: rules.whole_matches(stripped[index]) for index in live}
    # A line is judged without its inline boilerplate: a sentence carrying a watermark is a sentence.
    judged = {index: without_inline(rules, stripped[index]) for index in live}
    scores = {index: classify.score_line(judged[index], repeats.get(index, 0)) for index in live}

    # Label shapes no rule knows (▍篇三, [第1篇], …总结 篇一): only on lines no whole-line rule took.
    shaped_labels = {index: label for index in live if not matches[index]
                     for label in [labels.find(stripped[index])] if label is not None}
    # A table of contents names documents whose titles recur below: its entries are not labels even
    # when they look like one (1. 在…会上的讲话), and the recurrences are labels of its kind.
    contents_headings, contents_entries = layout.contents(live, stripped, {index for index in live if not matches[index]})
    for index in [i for i, label in shaped_labels.items() if label.rule == RUN_IN_LABEL]:
        if not _continues_labels(index, stripped):
            del shaped_labels[index]
    for index in contents_entries:
        shaped_labels.pop(index, None)
    shaped_labels.update(contents_headings)
    _series_labels(live, stripped, matches, shaped_labels)

    def labelled(index: int) -> bool:
        return (any(rule.boundary for rule, _ in matches[index]) or index in shaped_labels
                or bool(glued_label(rules, stripped[index])))

    # The headlines a list opener (往期推荐, 延伸阅读, 喜欢此内容的人还喜欢) introduces are links, wherever
    # the list stands; they are never body text, so they neither end the header nor extend the body.
    list_items = _headline_lists(live, stripped, matches, scores)
    # A sentence the site prints on several of its pages (a blog's tagline, a standing notice) is the
    # site's: it neither opens nor closes the body. A salutation or heading is a document's, however common.
    minimum = model.features["repeat_min_pages"]

    def site_sentence(index: int) -> bool:
        return repeats.get(index, 0) >= minimum and classify.sentence_marks(judged[index]) > 0 \
            and not scores[index].shapes & {"salutation", "numbered_heading"}

    body = [i for i in live if not matches[i] and i not in list_items and classify.is_body_like(judged[i], scores[i])]
    site_sentences = {i for i in body if site_sentence(i)}
    if 2 * len(site_sentences) >= len(body):
        site_sentences = set()  # most of the text recurs: the site has the page more than once, not a tagline
    body = [i for i in body if i not in site_sentences]
    for index in _notice_run(live, stripped, matches, scores, body):
        list_items[index] = "<item of a site's numbered notice>"
        body.remove(index)
    punctuated_title = _punctuated_title(live, matches, scores, judged, labelled)
    if punctuated_title in body:
        body.remove(punctuated_title)  # a title that reads like a sentence is still the header's
    # A thread whose floors end in their floor line: other posters' floors are the thread's, the
    # starter's later floors the document's; else everything from the first reply header on.
    other_floors = layout.thread_floors(live, stripped)
    body = [i for i in body if i not in other_floors]
    first_body = min([i for i in live if labelled(i) and i not in other_floors] + body[:1], default=len(lines))
    replies_from = len(lines) if other_floors else _reply_start(live, stripped, first_body)
    body = [i for i in body if i < replies_from]
    last_body = body[-1] if body else -1

    deferred: list[int] = []
    long_line = load_profiles()[GENERIC].max_removed_line_chars
    for index in live:
        edge = index < first_body or index > last_body
        allowed = WHOLE_LINE if edge else ("line",)
        found = [(rule, match) for rule, match in matches[index] if rule.where in allowed]
        if found:
            rule, match = found[0]
            base = group(match, rule, "base") if rule.boundary else None
            if base and labels.glued_split(base[0], stripped[index][base[0]:base[1]]):
                _mark_label(page, index, labels.Label(rule.id, base[0], "", True))
                continue
            page.removed[index] = Removal(rule.id)
            page.capture(match, rule, index, titles=index < first_body)
            if rule.boundary:
                base = group(match, rule, "base")
                page.boundaries[index] = {"label": lines[index].strip(),
                                          "base": stripped[index][base[0]:base[1]].strip() if base else ""}
            continue
        if index >= replies_from:
            page.removed[index] = Removal(classify.REPLY_RULE_ID, None, "<after the first reply's header>")
            continue
        if index in other_floors:
            page.removed[index] = Removal(classify.REPLY_RULE_ID, None, "<another poster's floor>")
            continue
        if index in shaped_labels:
            _mark_label(page, index, shaped_labels[index])
            continue
        if index in contents_entries:
            page.removed[index] = Removal(layout.CONTENTS_ENTRY_RULE_ID)
            continue
        if index in list_items:
            page.removed[index] = Removal(classify.LIST_RULE_ID, None, list_items[index])
            continue
        if edge and index in site_sentences:
            page.removed[index] = Removal(classify.REPEAT_RULE_ID, round(scores[index].value, 2),
                                          f"<a sentence on {repeats[index]} pages of the site>")
            continue
        score = scores[index].value + (model.features["edge"] if edge else 0.0)
        if edge and index < first_body and TITLE_TAIL.search(stripped[index]) \
                and classify.score_line(TITLE_TAIL.sub("", stripped[index])).value < model.suspect:
            deferred.append(index)  # a document site's file name or page heading: the title rule decides
            continue
        named = TITLE_AFTER_NAME.match(stripped[index]) if edge and index < first_body else None
        if named and classify.names_a_document(COUNT_SUFFIX.sub("", named.group("title"))) \
                and classify.score_line(named.group("title")).value < model.suspect:
            deferred.append(index)  # a title after its account's name: the title rule decides
            continue
        if score >= model.remove and not edge and classify.looks_like_text(judged[index]):
            score = model.remove - 0.01  # text between body lines is only ever suspected, never removed
        repeat_only = scores[index].value - model.features["repeat"] < model.suspect
        if score >= model.remove and repeat_only and _above_signoff_date(live, index, scores):
            score = model.remove - 0.01  # the signature: the site's name, but the document's last words
        if score >= model.remove and _visible(stripped[index]) > long_line and chinese.HANZI_RE.search(stripped[index]):
            score = model.remove - 0.01  # the guard's long line: a guess never takes it, a rule may
        if score >= model.remove:
            rule_id = classify.REPEAT_RULE_ID if repeats.get(index, 0) >= model.features["repeat_min_pages"] \
                and scores[index].value - model.features["repeat"] < model.remove else classify.RULE_ID
            page.removed[index] = Removal(rule_id, round(score, 2), scores[index].detail)
        elif score >= model.suspect:
            page.suspects.append({"line": index + 1, "score": round(score, 2), "detail": scores[index].detail,
                                  "text": lines[index].strip()})

    _title(page, rules, stripped, scores, first_body, punctuated_title)
    _header_strays(page, stripped, first_body)
    for index in deferred:
        if index not in page.removed:
            page.removed[index] = Removal(classify.RULE_ID, scores[index].value, scores[index].detail)
    _link_lists(page, stripped, first_body, last_body)
    _enclosed_runs(page, stripped, scores, first_body, last_body)
    _inline(page, rules)
    _own_names(page)
    _chunk_numbers(page, stripped)
    _repeated_titles(page, rules)
    # A suspect line that inline rules emptied, or that another rule removed, is no longer kept.
    page.suspects = [s for s in page.suspects if s["line"] - 1 not in page.removed
                     and _rest(page, s["line"] - 1).strip()]
    return page


RUN_IN_LABEL = labels.RULE_PREFIX + "nth_item_run_in"
NTH = re.compile(r"^\W{0,2}(?:[【\[][^】\]]{1,4}[】\]]\s*)?第\s*([一二三四五六七八九十]{1,3}|\d{1,3})\s*篇")


def _series_labels(live: list[int], stripped: list[str], matches: dict, shaped: dict) -> None:
    """The next label of the page's series glued to its item's text (例文Ⅲ一年来，… after 例文Ⅱ),
    added to ``shaped``: only after a label line, as its successor."""
    last = None
    for index in live:
        if index in shaped or any(rule.boundary for rule, _ in matches[index]):
            last = index
            continue
        if last is None or matches[index]:
            continue
        label = labels.next_in_series(stripped[last], stripped[index])
        if label is not None:
            shaped[index] = label
            last = index


def _continues_labels(index: int, stripped: list[str]) -> bool:
    """A 第N篇 run into a sentence is a label only below a line that starts with 第N-1篇 and none
    that starts with 第N篇 (a chat's 第三篇太长了… after the third item's own label)."""
    def number(line: str) -> int | None:
        found = NTH.search(line)
        if found is None:
            return None
        value = found.group(1)
        return int(value) if value.isdigit() else labels.numeral_value(value)

    wanted = number(stripped[index])
    numbers = {number(line) for line in stripped[:index]}
    return wanted is not None and wanted - 1 in numbers and wanted not in numbers


def _mark_label(page: PageStrip, index: int, label: labels.Label) -> None:
    """A label line goes whole; a label glued to its first sentence goes as a span. Either starts
    a document."""
    line, shadow = page.lines[index], page.shadows[index]
    if not label.glued:
        page.removed[index] = Removal(label.rule)
        page.boundaries[index] = {"label": line.strip(), "base": label.base}
        return
    lead = len(shadow.text) - len(shadow.text.lstrip())
    start, end = page.add_span(index, lead, lead + label.end, label.rule)
    page.boundaries[index] = {"label": line[start:end].strip(), "base": "", "glued": True}


def _rest(page: PageStrip, index: int) -> str:
    """What inline removals leave of a line."""
    line, cursor, pieces = page.lines[index], 0, []
    for start, end, _ in page.spans.get(index, []):
        pieces.append(line[cursor:start])
        cursor = end
    return "".join(pieces) + line[cursor:]


def _span_removals(page: PageStrip, index: int) -> list[dict]:
    line = page.lines[index]
    return [{"rule": rule_id, "line": index + 1, "column": start + 1, "text": line[start:end]}
            for start, end, rule_id in page.spans.get(index, [])]


def _link_lists(page: PageStrip, stripped: list[str], first_body: int, last_body: int) -> None:
    """In the header and footer, the items of a list (related essays, tags, contents) go with the
    line that opened it: short lines without sentence marks, up to the first that is not one."""
    open_list = False
    for index, line in enumerate(page.lines):
        if first_body <= index <= last_body or not line.strip():
            open_list = False  # a list runs on consecutive lines
            continue
        if index in page.removed:
            open_list = open_list or classify.is_list_opener(stripped[index])
            continue
        if open_list and classify.is_list_item(stripped[index]):
            page.removed[index] = Removal(classify.LIST_RULE_ID)
            page.suspects = [s for s in page.suspects if s["line"] != index + 1]
        else:
            open_list = False


# A site's notice heading alone on its line (友情提示, 下载说明：), over numbered items of its own.
NOTICE_HEADING = re.compile(r"^\W{0,3}(?:温馨提示|友情提示|特别提示|下载说明|下载须知|下载提示|下载帮助|下载声明|免责声明|购买须知|使用说明)\W{0,3}$")
NOTICE_ITEM = re.compile(r"^\s*\d{1,2}\s*[、.．)）]")


def _headline_lists(live: list[int], stripped: list[str], matches: dict, scores: dict) -> dict[int, str]:
    """Lines that follow a list opener the classifier or a rule calls chrome, on consecutive lines,
    while they read as linked headlines (short, no full stop); and under a site's notice heading
    (友情提示), its numbered items while each names something of the site (下载, 本站, 浏览器), however
    long: 2、PDF文件下载后，可能会被浏览器默认打开，…"""
    model = classify.classifier()
    items: dict[int, str] = {}  # line index -> why it goes
    notices: list[list[int]] = []  # the numbered lines under each notice heading
    open_list, open_notice, previous = False, False, -2
    for index in live:
        if index != previous + 1:
            open_list = open_notice = False  # a list runs on consecutive lines
        previous = index
        text = stripped[index]
        chrome = any(not rule.boundary for rule, _ in matches[index]) \
            or scores[index].value + model.features["edge"] >= model.remove
        if chrome and classify.is_list_opener(text):
            open_list = True
        elif chrome and NOTICE_HEADING.match(text):
            open_notice = True
            notices.append([])
        elif open_list and not matches[index] and classify.is_headline_item(text, scores[index]):
            items[index] = "<headline after a list opener>"
        elif open_notice and not matches[index] and NOTICE_ITEM.match(text):
            notices[-1].append(index)
        else:
            open_list = chrome and open_list
            open_notice = False
    for run in notices:  # the site's, when most of its items name something of the site
        named = sum(scores[index].names_the_site for index in run)
        if run and 2 * named >= len(run):
            items.update((index, "<item of a site's notice>") for index in run)
    return items


def _notice_run(live: list[int], stripped: list[str], matches: dict, scores: dict, body: list[int]) -> list[int]:
    """A site's numbered notice without a heading, above or below all of the text (1. 本文由网友投稿，
    版权归原作者所有… 2. …需开通会员后方可阅读… 3. 本站资源均来源于…): consecutive numbered lines,
    one of them chrome outright and most naming something of the site. A list of the text's own
    has body lines on both sides of it or names nothing of a site."""
    model = classify.classifier()
    runs: list[list[int]] = []
    for index in live:
        if NOTICE_ITEM.match(stripped[index]) and not any(rule.boundary for rule, _ in matches[index]):
            if runs and runs[-1][-1] == index - 1:
                runs[-1].append(index)
            else:
                runs.append([index])
    found: list[int] = []
    for run in runs:
        if len(run) < 2 or not any(matches[index] or scores[index].value >= model.remove for index in run):
            continue
        named = sum(scores[index].names_the_site for index in run)
        members = set(run)
        rest = [index for index in body if index not in members]
        edge = rest and (rest[-1] < run[0] or rest[0] > run[-1])
        if 2 * named >= len(run) and edge:
            found += [index for index in run if index in body]
    return found


# A run of this many short lines at most, enclosed by chrome, is chrome (an infobox, a widget).
ENCLOSED_MAX_LINES = 12


def _enclosed_runs(page: PageStrip, stripped: list[str], scores: dict, first_body: int, last_body: int) -> None:
    """Between the first and last body lines, a run of short sentence-free lines that are not body
    text (an infobox's fields, a table of contents, a rating row), with chrome the classifier or a
    rule removed directly above and below it (blank lines aside), is part of that chrome."""
    live = [index for index, line in enumerate(page.lines) if line.strip()]
    chrome = {index for index, why in page.removed.items()
              if why.rule != classify.TITLE_RULE_ID and index not in page.boundaries}
    position = 0
    while position < len(live):
        index = live[position]
        if index in page.removed or index in page.spans or not first_body < index < last_body:
            position += 1
            continue
        end = position
        while end < len(live) and live[end] not in page.removed and live[end] not in page.spans \
                and live[end] not in page.boundaries and _field_like(stripped[live[end]], scores.get(live[end])):
            end += 1
        run = live[position:end]
        # A run that ends in a date is a document's sign-off (述职人：XXX / 2024年1月), whatever encloses it.
        signed = bool(run) and scores.get(run[-1]) is not None and "signoff_date" in scores[run[-1]].shapes
        if run and not signed and len(run) <= ENCLOSED_MAX_LINES and position > 0 and end < len(live) \
                and live[position - 1] in chrome and live[end] in chrome:
            for inner in run:
                page.removed[inner] = Removal(classify.RULE_ID, None, "<short line enclosed by chrome>")
        position = max(end, position + 1)
    page.suspects = [s for s in page.suspects if s["line"] - 1 not in page.removed]


def _field_like(shadow: str, score) -> bool:
    """A short line that is not text: a field, a name, a contents entry."""
    return (score is not None and classify.visible_length(shadow) <= classify.classifier().item_max_chars
            and not any(mark in shadow for mark in "。;；!！?？")
            and shadow.count(",") + shadow.count("，") == 0
            and not classify.is_body_like(shadow, score))


TITLE_MIN_CHARS = 5  # shorter header lines are category names (职场, 工作总结), not titles


def _above_signoff_date(live: list[int], index: int, scores: dict) -> bool:
    position = live.index(index)
    following = live[position + 1: position + 2]
    return bool(following) and "signoff_date" in scores[following[0]].shapes


# A poster's name (and rank) line above a reply's header is at most this long.
POSTER_MAX_CHARS = 16


def _reply_start(live: list[int], stripped: list[str], first_body: int) -> int:
    """Where a thread's replies begin (the page's end when it has none): the first reply header
    after the first body line, with the poster's name lines directly above it."""
    for position, index in enumerate(live):
        if index <= first_body or not classify.opens_replies(stripped[index]):
            continue
        start = index
        while position > 0 and live[position - 1] == start - 1 and classify.is_list_item(stripped[start - 1]) \
                and classify.visible_length(stripped[start - 1]) <= POSTER_MAX_CHARS:
            position -= 1
            start = live[position]
        return start
    return len(stripped)


TITLE_MAX_CHARS = layout.TITLE_MAX_CHARS
# A repost or status tag before a title ([转载], 【置顶】, (转)): the site's, not the title's ([原创], the
# author's claim, stays).
TITLE_TAG = re.compile(r"^\s*[\[【(（〔]\s*(?:转载|轉載|转|轉|转帖|轉帖|置顶|置頂|精华|精華|推荐|推薦)\s*[\]】)）〕]\s*")
# A speech's subtitle (——在全县卫生健康工作会议上的讲话) is the text's, never the page title.
SUBTITLE = re.compile(r"\s*(?:——|—|--)\s*\S")
# A date on its own line (（2024年2月20日）, under a speech's title) is the text's, never a title.
DATE_LINE = re.compile(r"[(（]?\s*(?:19|20)\d\d\s*[年./-]\s*\d{1,2}\s*[月./-]?\s*(?:\d{1,2}\s*日?)?\s*[)）]?")
# A title candidate ending so is a sentence or a salutation, never a title.
SENTENCE_ENDS = ("。", ":", "：", ";", "；")


def _punctuated_title(live: list[int], matches: dict, scores: dict, judged: dict, labelled) -> int | None:
    """A title with punctuation (…怎么写？求一篇范文, 权威发布｜…, …（完整版，可直接套用）) reads
    like a sentence to the body test. It is the title when it is the page's first line that is not
    chrome or a short name (a site's, a category's), is title-sized, and chrome (a byline, a stamp)
    follows it before any text."""
    model = classify.classifier()
    edge = model.features["edge"]

    def chrome(index: int) -> bool:
        whole = [rule for rule, _ in matches[index] if not rule.boundary]
        return bool(whole) or scores[index].value + edge >= model.remove

    for position, index in enumerate(live):
        text = judged[index]
        # The site's name and category names above the title (问答圈, 公文写作): navigation.
        if chrome(index) or (classify.visible_length(text) < TITLE_MIN_CHARS and classify.sentence_marks(text) == 0
                             and not labelled(index)):
            continue
        if (labelled(index) or scores[index].value >= model.suspect or text.endswith(SENTENCE_ENDS)
                or not TITLE_MIN_CHARS <= classify.visible_length(text) <= TITLE_MAX_CHARS
                or scores[index].shapes & {"salutation", "closing", "numbered_heading"}):
            return None
        following = live[position + 1: position + 2]
        return index if following and chrome(following[0]) else None
    return None


# Header lines this short between two chrome lines are chrome too (a poster's name, a rank, a widget).
STRAY_MAX_CHARS = 16


def _header_strays(page: PageStrip, stripped: list[str], first_body: int) -> None:
    """Below the title and above the first body line, a short sentence-free line with chrome on
    both sides is part of that chrome (a forum's poster name and rank between stamp lines)."""
    live = [index for index, line in enumerate(page.lines) if line.strip() and index < first_body]
    title = _untagged_key(page.meta.get("title", ""))
    # The title printed again (an SEO page's heading, three times) is chrome too: it goes as a repeat.
    chrome = {index for index in live if index in page.removed or (title and title_key(page.lines[index]) == title)}
    for before, index, after in zip(live, live[1:], live[2:]):
        if index in chrome or before not in chrome or after not in chrome:
            continue
        if (before in page.removed and page.removed[before].rule == classify.TITLE_RULE_ID) or index in page.boundaries:
            continue
        if classify.is_list_item(stripped[index]) and classify.visible_length(stripped[index]) <= STRAY_MAX_CHARS:
            page.removed[index] = Removal(classify.RULE_ID, None, "<short line inside the header's chrome>")
    page.suspects = [s for s in page.suspects if s["line"] - 1 not in page.removed]


def _title(page: PageStrip, rules: RuleSet, stripped: list[str], scores: dict, first_body: int,
           punctuated_title: int | None = None) -> None:
    """The page title: among the header lines nothing calls boilerplate that a title rule takes (and
    below the collection title, if the page has one), the one that names a kind of document (报告,
    计划…), the longest, else the first. Short title-like lines above it are the site's navigation
    (category names) and go."""
    model = classify.classifier()
    anchor = page.meta_lines.get("collection", -1) if page.meta_lines.get("collection", -1) < first_body else -1
    title_like, candidates = [], []
    # Below a chosen answer's header (最佳答案), a title is the answer's own: body text.
    answer = next((i for i in range(first_body) if stripped[i] and classify.opens_answer(stripped[i])), first_body)
    # Below a heading the page prints again further down (an SEO page's heading, a keyword line, the
    # heading again), a line between the copies is not the title: the heading is.
    heading = title_key(page.lines[anchor]) if anchor >= 0 else ""
    again = max((index for index in range(anchor + 1, first_body) if heading and title_key(page.lines[index]) == heading),
                default=-1)
    for index in page.live():
        if index >= min(first_body, answer):
            break
        if anchor < index < again:
            continue
        text = TITLE_TAIL.sub("", stripped[index])  # a document site's file name is its title
        # A title printed after its account's name (苕源卫健 | 局长在…上的讲话) is judged without it.
        named = TITLE_AFTER_NAME.match(text)
        score = classify.score_line(named.group("title") if named else text)
        # A numbered line (一、…) is a heading or an item of a compilation, never the page's title.
        if score.value >= model.suspect or "numbered_heading" in score.shapes or DATE_LINE.fullmatch(text) \
                or SUBTITLE.match(text):
            continue
        for rule in rules.first_line:
            match = rule.pattern.fullmatch(stripped[index])
            if match is not None:
                title_like.append((index, text))
                if index > anchor and classify.visible_length(text) >= TITLE_MIN_CHARS:
                    candidates.append((index, rule, match, text))
                break
    top = anchor
    # A punctuated title above the rule candidates wins unless one of them names a document: the
    # short lines below it are a byline or a poster's name.
    if punctuated_title is not None and punctuated_title not in page.removed \
            and max(anchor, again) < punctuated_title < first_body \
            and all(index > punctuated_title and not classify.names_a_document(text)
                    for index, _, _, text in candidates):
        page.removed[punctuated_title] = Removal(classify.TITLE_RULE_ID)
        page.meta.setdefault("title", page.lines[punctuated_title].strip())
        page.meta_lines.setdefault("title", punctuated_title)
        top = punctuated_title
    elif candidates:
        chosen = max(candidates, key=lambda c: (classify.names_a_document(c[3]),
                                                classify.visible_length(c[3]), -c[0]))
        chosen, variants = _keyword_variants(page, candidates, chosen, first_body)
        index, rule, match, _ = chosen
        page.removed[index] = Removal(rule.id)
        page.capture(match, rule, index)
        for other in variants:
            page.removed[other] = Removal(rule.id, None, "<a keyword variant of the title>")
        top = index
    for other, text in title_like:
        if other < top and other not in page.removed and classify.visible_length(text) <= 12:
            page.removed[other] = Removal(classify.RULE_ID, None, "<short line above the title>")
    page.suspects = [s for s in page.suspects if s["line"] - 1 not in page.removed]


# A line whose characters are mostly the title's is a rewording of it (县医保局年度工作总结范文 under
# 县医疗保障局2023年工作总结及2024年工作计划): the share of its characters the title has.
VARIANT_OVERLAP = 0.6
# The title the site prints first is this long at least: shorter lines above it are category names.
VARIANT_TITLE_MIN_CHARS = 13


def _overlap(line: str, title: str) -> float:
    chars = [char for char in line if not char.isspace()]
    have = set(title)
    return sum(char in have for char in chars) / len(chars) if chars else 0.0


def _keyword_variants(page: PageStrip, candidates: list, chosen: tuple, first_body: int) -> tuple[tuple, list[int]]:
    """(the title, its keyword variants). A site prints the title, then rewordings of it for search
    engines (县卫健局局长在2024年全县…的讲话, 20XX年卫生健康工作会议讲话稿), each a document's name, on
    consecutive lines: the first is the title even when a variant is longer, and the variants go. The
    last line of the run stays when the text follows it at once: that is the document's own heading."""
    naming = {c[0]: c for c in candidates if classify.names_a_document(c[3])}
    if chosen[0] not in naming or len(naming) < 2:
        return chosen, []
    # Consecutive among the lines with text, removed or not: a stamp between two titles parts them.
    live = [index for index, line in enumerate(page.lines[:first_body + 1]) if line.strip()]
    position = {index: p for p, index in enumerate(live)}
    run = [chosen[0]]
    while position[run[0]] > 0 and live[position[run[0]] - 1] in naming:
        run.insert(0, live[position[run[0]] - 1])
    while position[run[-1]] + 1 < len(live) and live[position[run[-1]] + 1] in naming:
        run.append(live[position[run[-1]] + 1])
    first = naming[run[0]]
    if first is not chosen and (classify.visible_length(first[3]) < VARIANT_TITLE_MIN_CHARS
                                or _overlap(chosen[3], first[3]) < VARIANT_OVERLAP):
        return chosen, []  # a category name above the title, not the title above its variants
    variants = [index for index in run[1:] if _overlap(naming[index][3], first[3]) >= VARIANT_OVERLAP]
    if variants and variants[-1] == run[-1] and live[position[run[-1]] + 1:position[run[-1]] + 2] == [first_body]:
        variants.pop()  # the text begins under it: the document's heading
    return first, variants


def _blocks(page: PageStrip, rules: RuleSet, stripped: list[str]) -> None:
    for rule in rules.blocks:
        live = list(page.live())
        position = 0
        while position < len(live):
            index = live[position]
            if rule.start.fullmatch(stripped[index]):
                window = live[position + 1: position + 1 + rule.max_lines]
                ends = [i for i in window if rule.end.fullmatch(stripped[i])]
                if ends:
                    # Blank lines inside the block are layout: only lines with text become removals.
                    for inner in live[position: live.index(ends[0]) + 1]:
                        page.removed[inner] = Removal(rule.id)
                    position = live.index(ends[0]) + 1
                    continue
            position += 1


def _inline(page: PageStrip, rules: RuleSet) -> None:
    # A span some pages show once in text (a heading ending in 编辑) is boilerplate only where the page
    # repeats it: those rules are kept for pages where they match on enough lines.
    minimum = {rule.id: count for rule, count in classify.inline_rules() if count > 1}
    found: dict[str, list[int]] = {}
    for index in list(page.live()):
        shadow, line = page.shadows[index], page.lines[index]
        candidates = rules.inline_rules(shadow.text)
        if not candidates:
            continue
        spans = []
        lead = len(shadow.text) - len(shadow.text.lstrip())
        for rule in candidates:
            for match in rule.pattern.finditer(shadow.text):
                span_start, span_end = drop_span(rule, match)
                if span_end == span_start:
                    continue
                if rule.boundary:
                    if match.start() != lead or match.end() >= len(shadow.text.rstrip()):
                        continue
                    page.boundaries[index] = {"label": line[:shadow.to_line(span_start, span_end, len(line))[1]].strip(),
                                              "base": "", "glued": True}
                start, end = shadow.to_line(span_start, span_end, len(line))
                spans.append((start, end, rule.id))
                page.capture(match, rule, index)
                if rule.id in minimum:
                    found.setdefault(rule.id, []).append(index)
        if spans:
            page.spans[index] = _disjoint(page.spans.get(index, []) + spans)
    for rule_id, indexes in found.items():
        if len(set(indexes)) < minimum[rule_id]:
            for index in set(indexes):
                page.spans[index] = [span for span in page.spans[index] if span[2] != rule_id]
                if not page.spans[index]:
                    del page.spans[index]


def _own_names(page: PageStrip) -> None:
    """The site's own name, as its rights line gives it, inside a kept line is a watermark
    (…基本公千文阁共卫生服务…): a span, wherever it stands."""
    names = layout.own_names([page.shadows[index].text for index in page.removed])
    if not names:
        return
    for index in list(page.live()):
        for start, end in layout.own_name_spans(page.shadows[index].text, names):
            page.add_span(index, start, end, layout.OWN_NAME_RULE_ID)


def _chunk_numbers(page: PageStrip, stripped: list[str]) -> None:
    """A document viewer's chunk numbers at the start of its page-long lines go as spans."""
    for index, length in layout.chunk_numbers(list(page.live()), stripped).items():
        lead = len(page.shadows[index].text) - len(page.shadows[index].text.lstrip())
        page.add_span(index, lead, lead + length, layout.CHUNK_RULE_ID)


# The most characters other than spaces a collection suffix takes off a title (【精选100篇】).
TITLE_SUFFIX_CHARS = 10


def _untagged_key(title: str) -> str:
    """A title's key without a repost's tag: [转载]… is repeated as …."""
    return title_key(TITLE_TAG.sub("", title))


def _repeated_titles(page: PageStrip, rules: RuleSet) -> None:
    titles = {_untagged_key(value) for key, value in page.meta.items() if key in ("title", "collection")}
    titles.discard("")
    if not titles or not rules.repeat:
        return
    # Each line's key once (not once per rule), and only for lines whose length could make a title:
    # a key drops at most a collection suffix's characters (TITLE_SUFFIX_CHARS) besides spaces.
    shortest = min(len(title) for title in titles)
    longest = max(len(title) for title in titles) + TITLE_SUFFIX_CHARS
    repeated = [index for index in page.live() if index not in page.spans
                and len(page.lines[index].strip()) >= shortest
                and len("".join(page.shadows[index].text.split())) <= longest
                and title_key(page.lines[index]) in titles]
    for rule in rules.repeat:
        for index in repeated:
            if index not in page.removed:
                page.removed[index] = Removal(rule.id)
    _template_titles_glued(page, [title for title in titles if TEMPLATE_TITLE.search(title)], rules.repeat[0].id)


# A title printed after its account's or site's name (苕源卫健 | 局长在…会议上的讲话).
TITLE_AFTER_NAME = re.compile(r"^[^|｜:：,，。]{2,12}\s*[|｜]\s*(?P<title>[^|｜]{4,60})$")
COUNT_SUFFIX = re.compile(r"\s*\d{1,3}\s*篇$")  # …述职报告范文3篇: a collection of that document


# A title that names a site's template (…工作计划范例, …实施方案模板): never the author's words, so
# also a repeat where it runs into the first sentence of its text.
TEMPLATE_TITLE = re.compile(r".{6}(?:范文|范例|范本|模板|样本|例文)$")


def _template_titles_glued(page: PageStrip, titles: list[str], rule_id: str) -> None:
    if not titles:
        return
    for index in list(page.live()):
        shadow = page.shadows[index].text
        lead = len(shadow) - len(shadow.lstrip())
        title = next((title for title in titles if shadow.startswith(title, lead)
                      and labels.is_sentence(shadow[lead + len(title):])), None)
        if title is not None:
            page.add_span(index, lead, lead + len(title), rule_id)


def _marker_fits(kept: list[tuple[int, str]], position: int, value: int) -> bool:
    """Does a heading numbered ``value`` at ``position`` continue the numbering before it?"""
    for _, text in reversed(kept[:position]):
        match = NUMERAL_MARKER.match(text)
        if match:
            return value == labels.numeral_value(match.group(1)) + 1
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
                and not _marker_fits(kept, position, labels.numeral_value(match.group(1)))):
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
    return len("".join(text.split()))  # split() drops every kind of whitespace, in C


def page_text(source: dict, text: str, profiles: dict) -> tuple[str, "extract.Extraction | None", "Profile | None"]:
    """The lines strip works on (an HTML page's article, a text page as it is), the extraction if
    there was one, and the page's profile."""
    site = source["row"].get("site", "")
    if source.get("format") != "html":
        return text, None, choose_profile(site, text, profiles)
    # The article first (scripts/extract.py): strip then works on its lines like any text page,
    # and what the extractor left out is already a removal each. A profile found only by its
    # fingerprint in the extracted text gets a second extraction with its own selectors.
    named = profiles.get(site)
    selectors = named.drop_selectors if named is not None and named.id != GENERIC else ()
    extraction = extract.extract_page(text, selectors)
    profile = choose_profile(site, extraction.text, profiles)
    if profile is not None and profile.drop_selectors != selectors:
        extraction = extract.extract_page(text, profile.drop_selectors)
    return extraction.text, extraction, profile


def strip_record(record: dict) -> dict:
    """The stage's pure step over one decoded page."""
    profiles = load_profiles()
    source = record["source"]
    # An HTML page's repeated lines were counted on its article's lines too (_page_line_hashes).
    text, extraction, profile = page_text(source, record["text"], profiles)
    rules = rule_set(profile.id if profile else "")
    repeats = {int(index): count for index, count in record.get("repeats", {}).items()}
    page = strip_page(text, rules, repeats)

    removals = []
    for index in sorted(page.removed):
        why = page.removed[index]
        removals.append({"rule": why.rule, "line": index + 1, "column": 1, "text": page.lines[index],
                         "score": why.score, "detail": why.detail})
    kept_lines: dict[int, str] = {}
    for index in page.live():
        removals += _span_removals(page, index)
        line = _rest(page, index)
        if line.strip():  # a line left blank once its spans went is layout, not text
            kept_lines[index] = line.strip()
    for rule in rules.join:
        removals += join_broken_lines(page, kept_lines, rule.id)

    segments = _segments(page, kept_lines, removals)
    removals.sort(key=lambda r: (r["line"], r["column"]))
    _guard(text, removals, profile, profiles[GENERIC])
    if extraction is not None:
        # After the guard: the extractor's choices are its own, each recorded; a paywall notice it
        # left out still flags the document it cut.
        removals = sorted(extraction.removals + removals, key=lambda r: (r["line"], r["column"]))
        # A paywall notice follows the text it cuts; the site menu's 开通会员 above the article does not.
        start = segments[0]["lines"][0][0] if segments else 1
        cuts.flag(segments, [r for r in removals if r["rule"] != extract.RULE_ID or r["line"] > start], rules)
    else:
        cuts.flag(segments, removals, rules)

    meta = dict(page.meta)
    if meta.get("title"):
        meta["title"] = TITLE_TAG.sub("", meta["title"]).strip() or meta["title"]
    if extraction is not None:
        for key, value in extraction.meta.items():
            meta.setdefault(key, value)  # what the text states wins; the markup fills the gaps
    published = meta.get("published")
    if published:
        meta["published"] = _iso_date(published)
    return {
        "source": source,
        "site": profile.id if profile else "",
        "site_key": site_key(source["row"]),
        "meta": meta,
        "segments": segments,
        "removals": removals,
        "suspects": page.suspects,
    }


def _guard(text: str, removals: list[dict], profile: Profile | None, generic: Profile) -> None:
    def limit(name):
        value = getattr(profile, name) if profile else None
        return value if value is not None else getattr(generic, name)

    # Navigation, stamps and notices may be most of a short excerpt; what must not go unnoticed is
    # text: removed lines shaped like sentences count against the share. The corpus's text is
    # Chinese: a line without a Chinese character (a translation beside each paragraph of a
    # bilingual page, a long URL) is never the text the guard protects.
    total = _visible(text)
    removed = sum(_visible(r["text"]) for r in removals if classify.looks_like_text(fold(r["text"])))
    share_limit = limit("max_removed_share")
    problems = []
    if total >= limit("share_min_page_chars") and removed / total > share_limit:
        problems.append(
            f"strip would remove {removed / total:.0%} of the page's characters in sentence-like lines "
            f"(limit {share_limit:.0%}); check the rules, or raise max_removed_share in the site's profile "
            "if that is right"
        )
    # A long line a rule's pattern takes is a pattern gone wide; the lead-in above a compilation's item
    # one goes by the page's structure (the share limit above still holds for it).
    line_limit = limit("max_removed_line_chars")
    for removal in removals:
        if removal["column"] == 1 and _visible(removal["text"]) > line_limit and removal["rule"] != NOT_A_DOCUMENT \
                and chinese.HANZI_RE.search(removal["text"]):
            problems.append(
                f"rule {removal['rule']} would remove line {removal['line']}, {_visible(removal['text'])} "
                f"characters long (limit {line_limit}): {removal['text'][:40]}…"
            )
    if problems:
        shown = problems[:5] + ([f"and {len(problems) - 5} more"] if len(problems) > 5 else [])
        raise PageError("; ".join(shown))


def _has_body(lines: list[list]) -> bool:
    for _, text in lines:
        shadow = fold(text)
        if len(text) >= 30 or classify.is_body_like(shadow, classify.score_line(shadow)):
            return True
    return False


def _segments(page: PageStrip, kept_lines: dict[int, str], removals: list[dict]) -> list[dict]:
    """Kept lines grouped into documents at the labels strip found. A stretch without body text (a
    header's leftovers, a table of contents entry), or above a compilation's item one, is not a
    document: its lines become removals."""
    segments: list[dict] = []
    current = {"label": "", "label_base": "", "first_line": 1, "lines": []}
    for index in sorted(set(kept_lines) | set(page.boundaries)):
        boundary = page.boundaries.get(index)
        if boundary is not None:
            if current["lines"] or current["label"]:
                segments.append(current)
            current = {"label": boundary["label"], "label_base": boundary["base"], "first_line": index + 1,
                       "lines": []}
            if not boundary.get("glued"):
                continue
        if index in kept_lines:
            current["lines"].append([index + 1, kept_lines[index]])
    segments.append(current)
    segments = [s for s in segments if s["lines"]]
    # A compilation's item one is its first document: what stands above it is the site's lead-in.
    lead_in = segments[0] if len(segments) > 2 and not segments[0]["label"] and _label_number(segments[1]) == 1 else None
    if len(segments) > 1:
        documents = [s for s in segments if _has_body(s["lines"]) and s is not lead_in] or segments[:1]
        for segment in segments:
            if not any(segment is d for d in documents):
                for number, text in segment["lines"]:
                    line = page.lines[number - 1]
                    removals.append({"rule": NOT_A_DOCUMENT, "line": number, "column": line.index(text[0]) + 1,
                                     "text": text})
        segments = documents
    return segments


def _label_number(segment: dict) -> int | None:
    """The number a label gives its item (篇一, …计划1, 【第1篇】, ①, 例文Ⅰ, 范本甲), outside its title."""
    label = segment["label"].replace(segment["label_base"], "") if segment["label_base"] else segment["label"]
    found = labels.NUMBER.search(label)
    return labels.number_value(found.group())[1] if found is not None else None


def _iso_date(value: str) -> str:
    numbers = re.findall(r"\d+", value)
    year, month, day = (int(n) for n in numbers[:3])
    return f"{year:04d}-{month:02d}-{day:02d}"


# --- the stage: site repetition counted once over all pages, then the pure step per page --------

def site_key(row: dict) -> str:
    """Which pages share boilerplate: the site column, else the URL's host, else none."""
    if row.get("site"):
        return row["site"]
    host = urlsplit(row.get("url", "")).hostname or ""
    return host.removeprefix("www.")


def _line_hash(site: str, key: str) -> bytes:
    return hashlib.blake2b(f"{site}\n{key}".encode("utf-8"), digest_size=8).digest()


def _repeat_keys(text: str) -> dict[int, bytes]:
    keys = {}
    for index, line in enumerate(fold_lines(text.split("\n"))):
        stripped = line.strip()
        if stripped and len(stripped) <= REPEAT_MAX_CHARS:
            keys[index] = classify.repeat_key(stripped)
    return keys


# Each page's line hashes, a small stage of its own over decode's output (build/strip-repeat-keys/):
# after one page changed, recounting the corpus reads one segment of pages and these hashes.
REPEAT_KEYS = "strip-repeat-keys"


def _page_line_hashes(record: dict) -> list[str]:
    """The page's short lines as (site, folded line) hashes, by line: [[index, hex], ...]."""
    site = site_key(record["row"])
    if not site:
        return []
    text = record["text"]
    if record.get("format") == "html":
        # Counted on the lines strip will see: the article the extractor keeps, not the markup's.
        source = {k: v for k, v in record.items() if k not in ("source_id", "key", "text")}
        try:
            text = page_text(source, text, load_profiles())[0]
        except extract.ExtractError:
            return []  # strip reports the page itself
    return [[index, _line_hash(site, key).hex()] for index, key in _repeat_keys(text).items()]


def _line_hashes_of(record: dict) -> dict:
    """The repeat-keys stage's step: a decoded page's line hashes."""
    return {"lines": _page_line_hashes(record)}


def count_repeats(pages: Iterable[tuple[object, list]]) -> dict[str, int]:
    """Pages per (site, line) over the corpus, streaming: each page's distinct 8-byte hashes go into
    one flat array (8 bytes each; a dict of them took about 120), counted by one sort at the end,
    and only lines seen on two pages or more survive the count."""
    seen = array("Q")
    for _, hashes in pages:
        seen.extend({int(digest, 16) for _, digest in hashes})
    if not seen:
        return {}
    values, counts = np.unique(np.frombuffer(seen, dtype=np.uint64), return_counts=True)
    repeated = counts >= 2
    return {f"{int(value):016x}": int(count) for value, count in zip(values[repeated], counts[repeated])}


@dataclass(frozen=True)
class _StripInput(pipeline.Line):
    """A decoded page as strip's input, parsed only if the page must be computed: its key joins the
    counts of its repeated lines, which are all that it depends on of the other pages."""
    repeats: str = "{}"

    def load(self) -> dict:
        record = json.loads(self.data)
        source = {k: v for k, v in record.items() if k not in ("source_id", "key", "text")}
        return {"source_id": record["source_id"], "key": self.key, "source": source, "text": record["text"],
                "repeats": json.loads(self.repeats)}


def fingerprint() -> str:
    code = ["chinese", "profiles", "patterns", "classify", "labels", "layout", "ruleset", "extract", "cuts"]
    files = [Path(__file__), *(ROOT / "scripts" / f"{name}.py" for name in code), classify.DATA,
             *sorted(PROFILES.glob("*.toml"))]
    return pipeline.stage_fingerprint(files, pipeline.library_versions("opencc", "google-re2", "trafilatura", "lxml"))


def run(force: bool = False, jobs: int | None = None) -> pipeline.StageReport:
    input_digest, stage_fingerprint = pipeline.output_digest("decode"), fingerprint()
    manifest = pipeline.stage_dir("strip") / pipeline.MANIFEST
    if not force and pipeline.current_stamp("strip", input_digest, stage_fingerprint, output=manifest):
        # Nothing changed: not even the repetition count reads a page, nor are the rules compiled
        # (the profiles are those of the last successful run: the fingerprint hashes them).
        return pipeline.run_stage("strip", strip_record, (), stage_fingerprint, jobs, force,
                                  input_digest=input_digest)
    load_profiles()  # a broken profile fails here, once, with every problem listed
    classify.classifier()
    pipeline.run_stage(REPEAT_KEYS, _line_hashes_of, (), stage_fingerprint, jobs, force, input_digest=input_digest,
                       segments=lambda: pipeline.stage_segments("decode"))
    counts = count_repeats((None, line.load()["lines"]) for line in pipeline.read_stage(REPEAT_KEYS))
    return pipeline.run_stage("strip", strip_record, (), stage_fingerprint, jobs, force, input_digest=input_digest,
                              segments=lambda: _input_segments(counts))


def _input_segments(counts: dict[str, int]) -> list[pipeline.Segment]:
    """decode's segments as strip's input: a segment's digest joins the repetition counts of its
    pages' lines, all that a page depends on of the others. Each page's counts are taken once (a
    short JSON object, mostly "{}") and kept for the segments that are computed."""
    segments = []
    for decoded, hashed in zip(pipeline.stage_segments("decode"), pipeline.stage_segments(REPEAT_KEYS), strict=True):
        if decoded.first != hashed.first:
            raise OSError(f"build/{REPEAT_KEYS}/ does not follow build/decode/; run strip again")
        pages = [(line.source_id, _repeats_text(line, counts)) for line in hashed.records()]
        repeats = pipeline.sha256_hex(decoded.digest, *(text for _, text in pages))
        segments.append(pipeline.Segment(decoded.first, repeats, decoded.pages,
                                         lambda decoded=decoded, pages=pages: _as_input(decoded, pages)))
    return segments


def _repeats(hashes: list, counts: dict[str, int]) -> dict[str, int]:
    """Line index -> pages of the site it is on, for the page's lines on enough of them."""
    minimum = classify.classifier().features["repeat_min_pages"]
    return {str(index): counts[digest] for index, digest in hashes if counts.get(digest, 0) >= minimum}


def _repeats_text(line: pipeline.Line, counts: dict[str, int]) -> str:
    return json.dumps(_repeats(line.load()["lines"], counts), sort_keys=True)


def _as_input(decoded: pipeline.Segment, pages: list[tuple[str, str]]) -> Iterator[_StripInput]:
    for line, (source_id, text) in zip(decoded.records(), pages, strict=True):
        if line.source_id != source_id:
            raise OSError(f"build/{REPEAT_KEYS}/ does not follow build/decode/; run strip again")
        # The page's result depends on the other pages only through these counts: they join its key.
        yield _StripInput(line.source_id, pipeline.sha256_hex(line.key, text), line.data, text)


def inputs_in_memory(records: list[dict]) -> list[dict]:
    """strip's inputs for decoded records held in memory (suggest, the benchmark, tests): the same
    repetition counts and keys as the stage, over these pages."""
    pages = [(record, _page_line_hashes(record)) for record in records]
    counts = count_repeats(pages)
    inputs = []
    for record, hashes in pages:
        repeats = _repeats(hashes, counts)
        source = {k: v for k, v in record.items() if k not in ("source_id", "key", "text")}
        inputs.append({"source_id": record["source_id"],
                       "key": pipeline.sha256_hex(record["key"], json.dumps(repeats, sort_keys=True)),
                       "source": source, "text": record["text"], "repeats": repeats})
    return inputs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.strip", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="ignore cached results")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    try:
        pipeline.main_for_stage(lambda: run(args.force, args.jobs))
    except (ProfileError, classify.ClassifierDataError) as error:
        raise SystemExit("\n".join(f"error: {line}" for line in str(error).splitlines())) from None


if __name__ == "__main__":
    main()
