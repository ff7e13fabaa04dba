"""Where a site cut a document: strip's removals read for cut markers (查看全文, 剩余1,050字, 本帖隐藏的内容),
a trailing ellipsis after a half sentence, and the facts that say a page shows a document whole (its
sign-off date, a preview's last page, a wall in front of copying rather than reading). The flag never
depends on which rule removed the marker or in what order.
"""

from __future__ import annotations

import re

from scripts import classify
from scripts.profiles import fold, make_shadow
from scripts.ruleset import RuleSet

TRAILING_ELLIPSIS = re.compile(r"(?:\.{2,}|…+|。。+)\s*$")
ELLIPSIS_LINE = re.compile(r"\s*(?:\.{2,}|…+|。。+)\s*")

# A preview's page marker on its last page (第3页共3页, 第 3 页 / 共 3 页).
PAGE_OF = re.compile(r"第\s*(\d{1,3})\s*页\s*[/／]?\s*共\s*(\d{1,3})\s*页")
# A wall in front of copying, not reading (如需复制请赞助VIP会员, 开通后即可免费复制); 禁止复制 is a rights line.
COPY_WALL = re.compile(r"(?:如需|需要|想要|才能|方可|才可|即可|免费|付费)复制|复制(?:请|需|要)")
READING = re.compile(r"阅读|查看|浏览|全文|剩余|还剩|余下|隐藏|预览|省略")


def shown_whole(segments: list[dict], removals: list[dict], shadows: list[str], owner, last_lines: list[int],
                 rules: RuleSet) -> list[bool]:
    """Per document, does the page show it whole, so that a marker stating nothing under it (展开阅读全文,
    a member notice) cuts nothing: its last line is its sign-off date (2024年1月8日); a preview's page
    marker inside it says its last page (第3页共3页); or the notices under it wall off copying, not
    reading (内容仅供学习，如需复制请赞助VIP会员)."""
    whole = [bool(segment["lines"]) and "signoff_date" in classify.shapes_of(fold(segment["lines"][-1][1]).strip())
             for segment in segments]
    below: dict[int, list[str]] = {}
    for removal, shadow in zip(removals, shadows):
        position = owner(removal["line"])
        pages = PAGE_OF.search(shadow)
        if pages is not None and pages.group(1) == pages.group(2) and removal["line"] <= last_lines[position]:
            whole[position] = True
        if removal["line"] > last_lines[position]:
            below.setdefault(position, []).append(shadow)
    for position, texts in below.items():
        markers = [text for text in texts if classify.cut_marker(text)[0]
                   or any(rule.pattern.search(text) for rule in rules.truncation)]
        if any(COPY_WALL.search(text) for text in texts) and not any(READING.search(text) for text in markers):
            whole[position] = True
    return whole


def flag(segments: list[dict], removals: list[dict], rules: RuleSet) -> None:
    """Flag cut documents from every removed text, whichever rule removed it, and from a trailing
    ellipsis (kept: the author's or the site's, it cannot be told); the larger of two figures for
    the missing characters wins."""
    starts = [segment["first_line"] for segment in segments]

    def owner(line: int) -> int:
        position = 0
        for number, start in enumerate(starts):
            if start <= line:
                position = number
        return position

    found: dict[int, list[int | None]] = {}
    last_lines = [segment["lines"][-1][0] if segment["lines"] else 0 for segment in segments]
    shadows = [make_shadow(removal["text"]).text for removal in removals]
    whole = shown_whole(segments, removals, shadows, owner, last_lines, rules)
    for removal, shadow in zip(removals, shadows):
        # A marker that states no count is a cut only below the text it cuts: above the first
        # document it is the page's download button, with the document going on below it an
        # expander (展开全文) whose text the page shows anyway, and under a document shown whole
        # the site's standing expander or notice. One that says content is withheld (本帖隐藏的内容)
        # cuts wherever it stands.
        line = removal["line"]
        stated_nothing = not starts or line < starts[0] or line < last_lines[owner(line)] or whole[owner(line)]
        # An ellipsis on its own line after the text (the classifier took it as a divider) is where
        # the site cut the text, as a trailing one is.
        if removal["rule"].startswith("classifier.") and starts and removal["line"] > starts[0] \
                and ELLIPSIS_LINE.fullmatch(shadow):
            found.setdefault(owner(removal["line"]), []).append(None)
        cut, missing = classify.cut_marker(shadow)
        if cut and not (stated_nothing and missing is None and not classify.says_withheld(shadow)):
            found.setdefault(owner(line), []).append(missing)
        for rule in rules.truncation:
            match = rule.pattern.search(shadow)
            if match is not None and not (stated_nothing and classify.stated_missing(match) is None):
                found.setdefault(owner(line), []).append(classify.stated_missing(match))
    for position, segment in enumerate(segments):
        last = segment["lines"][-1][1] if segment["lines"] else ""
        if TRAILING_ELLIPSIS.search(last) and not re.search(r"[。！？!?]\s*(?:\.{2,}|…+)\s*$", last):
            found.setdefault(position, []).append(None)
    for position, segment in enumerate(segments):
        counts = [missing for missing in found.get(position, []) if missing is not None]
        segment["truncated"] = position in found
        segment["missing_chars"] = max(counts) if counts else None
