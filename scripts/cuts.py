"""Where a site cut a document: strip's removals read for cut markers (查看全文, 剩余1,050字, 本帖隐藏的内容),
a trailing ellipsis after a half sentence, and the facts that say a page shows a document whole (its
sign-off date, a preview's last page, a wall in front of copying rather than reading). The flag never
depends on which rule removed the marker or in what order.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Removed:
    """A removal read once for what it says of a cut: its shadow, a cut-marker shape's verdict and
    count, and the matches of the truncation rules."""
    line: int
    rule: str
    shadow: str
    cut: bool
    missing: int | None
    matches: tuple

    @property
    def marker(self) -> bool:
        return self.cut or bool(self.matches)


def shown_whole(segments: list[dict], removed: list[Removed], owner, last_lines: list[int]) -> list[bool]:
    """Per document, does the page show it whole, so that a marker stating nothing under it (展开阅读全文,
    a member notice) cuts nothing: its last line is its sign-off date (2024年1月8日); a preview's page
    marker inside it says its last page (第3页共3页); or the notices under it wall off copying, not
    reading (内容仅供学习，如需复制请赞助VIP会员)."""
    whole = [bool(segment["lines"]) and "signoff_date" in classify.shapes_of(fold(segment["lines"][-1][1]).strip())
             for segment in segments]
    below: dict[int, list[Removed]] = {}
    for item in removed:
        position = owner(item.line)
        pages = PAGE_OF.search(item.shadow)
        if pages is not None and pages.group(1) == pages.group(2) and item.line <= last_lines[position]:
            whole[position] = True
        if item.line > last_lines[position]:
            below.setdefault(position, []).append(item)
    for position, items in below.items():
        if any(COPY_WALL.search(item.shadow) for item in items) \
                and not any(READING.search(item.shadow) for item in items if item.marker):
            whole[position] = True
    return whole


def flag(segments: list[dict], removals: list[dict], rules: RuleSet) -> None:
    """Flag cut documents from every removed text, whichever rule removed it, and from a trailing
    ellipsis (kept: the author's or the site's, it cannot be told); the larger of two figures for
    the missing characters wins."""
    if not segments:
        return  # nothing kept, nothing to flag
    starts = [segment["first_line"] for segment in segments]

    def owner(line: int) -> int:  # the document a line belongs to (the first, above them all)
        return max(bisect_right(starts, line) - 1, 0)

    found: dict[int, list[int | None]] = {}
    last_lines = [segment["lines"][-1][0] if segment["lines"] else 0 for segment in segments]
    removed = [Removed(removal["line"], removal["rule"], shadow, *classify.cut_marker(shadow),
                       tuple(match for rule in rules.truncation if (match := rule.pattern.search(shadow))))
               for removal in removals for shadow in [make_shadow(removal["text"]).text]]
    whole = shown_whole(segments, removed, owner, last_lines)
    for item in removed:
        # A marker that states no count is a cut only below the text it cuts: above the first
        # document it is the page's download button, with the document going on below it an
        # expander (展开全文) whose text the page shows anyway, and under a document shown whole
        # the site's standing expander or notice. One that says content is withheld (本帖隐藏的内容)
        # cuts wherever it stands.
        position = owner(item.line)
        stated_nothing = item.line < starts[0] or item.line < last_lines[position] or whole[position]
        # An ellipsis on its own line after the text (the classifier took it as a divider) is where
        # the site cut the text, as a trailing one is.
        if item.rule.startswith("classifier.") and item.line > starts[0] and ELLIPSIS_LINE.fullmatch(item.shadow):
            found.setdefault(position, []).append(None)
        if item.cut and not (stated_nothing and item.missing is None and not classify.says_withheld(item.shadow)):
            found.setdefault(position, []).append(item.missing)
        for match in item.matches:
            if not (stated_nothing and classify.stated_missing(match) is None):
                found.setdefault(position, []).append(classify.stated_missing(match))
    for position, segment in enumerate(segments):
        last = segment["lines"][-1][1] if segment["lines"] else ""
        if TRAILING_ELLIPSIS.search(last) and not re.search(r"[。！？!?]\s*(?:\.{2,}|…+)\s*$", last):
            found.setdefault(position, []).append(None)
    for position, segment in enumerate(segments):
        counts = [missing for missing in found.get(position, []) if missing is not None]
        segment["truncated"] = position in found
        segment["missing_chars"] = max(counts) if counts else None
