"""A page's layout beyond its lines: what a paged or compiled document repeats about itself.

A Word export repeats its running head at every page break; a site puts an outline of a text's
headings above it; a compilation's table of contents names the documents whose titles recur below.
None of these is a line any pattern can judge alone: each is found from where the same text stands
twice on one page. Every function takes a page's live lines (indexes) and their shadows and returns
line indexes; strip records the removals and labels.
"""

from __future__ import annotations

import re
from functools import lru_cache

from scripts import classify, labels

# A running head or foot of a paged document: two parts set apart by a wide gap (泺南县人民医院　　…　　内部资料).
RUNNING_HEAD = re.compile(r"^\S.*?\S\s{4,}\S")
RUNNING_HEAD_MAX_CHARS = 120  # a head is a line's width, not a paragraph
RUNNING_HEAD_DATE = re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*日|(?:19|20)\d\d\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}")

OUTLINE_MIN_LINES = 3
OUTLINE_MAX_CHARS = 60
SENTENCE_END = re.compile(r"[。！？!?；;]")  # a heading may hold a comma (三、突出重点，扎实做好…), not a full stop

# A table of contents' entry: its heading (numbered or not), then leader dots and a page number
# (县人民医院院长述职报告……1, 2.…上的工作部署…4).
CONTENTS_ENTRY = re.compile(r"^(?:\d{1,2}[.、．]\s*)?(?P<heading>.+?)\s*(?:…+|\.{4,}|·{4,}|-{4,})\s*\d{1,3}$")
CONTENTS_MAX_CHARS = 160  # a title with its leader dots and page number
TITLE_MAX_CHARS = 60  # a title is at most this long (visible characters); strip uses it too
CONTENTS_RULE_ID = labels.RULE_PREFIX + "contents_heading"
CONTENTS_ENTRY_RULE_ID = labels.RULE_PREFIX + "contents_entry"


def _key(text: str) -> str:
    return "".join(text.split())


def running_heads(live: list[int], stripped: list[str]) -> dict[int, int]:
    """Line index -> lines of the page it is on, for a line set out as a running head (parts apart
    by a wide gap, no sentence) that the page repeats: a paged document's head or foot. A signature
    (a name, a wide gap, a date) is the text's however often a compilation repeats it."""
    seen: dict[str, list[int]] = {}
    for index in live:
        text = stripped[index]
        if len(text) <= RUNNING_HEAD_MAX_CHARS and RUNNING_HEAD.match(text) and not classify.sentence_marks(text) \
                and not RUNNING_HEAD_DATE.search(text):
            seen.setdefault(" ".join(text.split()), []).append(index)
    return {index: len(indexes) for indexes in seen.values() if len(indexes) >= 2 for index in indexes}


def _is_heading(text: str) -> bool:
    """A numbered heading on a line of its own (一、…, （一）…): short, no full stop (a comma may be)."""
    return len(text) <= OUTLINE_MAX_CHARS and not SENTENCE_END.search(text) \
        and "numbered_heading" in classify.shapes_of(text)


def outline(live: list[int], stripped: list[str]) -> list[int]:
    """A site's outline of the text above it: a run of numbered headings (一、…, （一）…) with no text
    between them, before the page's first sentence, whose first heading recurs below as the text's
    own. The run goes (an outline generated from the text; the text's headings stay); only the first
    needs to recur, for a cut text keeps only its first sections."""
    run: list[int] = []
    for position, index in enumerate(live + [None]):
        text = stripped[index] if index is not None else ""
        if index is not None and _is_heading(text):
            run.append(index)
            continue
        if len(run) >= OUTLINE_MIN_LINES:
            first = _key(stripped[run[0]])
            return run if any(_key(stripped[later]) == first for later in live[position:]) else []
        run = []
        if index is not None and SENTENCE_END.search(text) and classify.is_body_like(text, classify.score_line(text)):
            return []  # the text has begun: an outline stands above it
    return []


# A generated table of contents numbers the headings it lists (1. 一、指导思想).
NUMBERED_ENTRY = re.compile(r"^\d{1,2}[.、．]\s*(?P<heading>\S.*)$")


def heading_echoes(live: list[int], stripped: list[str]) -> list[int]:
    """A blog's or viewer's table of contents elsewhere on the page: a run of numbered lines, each
    a heading the text has on a line of its own (1. 一、指导思想 when 一、指导思想 is in the text), at
    least OUTLINE_MIN_LINES of them. The text's headings stay."""
    entries = {}  # line index -> the heading it names, for numbered lines that name one
    for index in live:
        entry = NUMBERED_ENTRY.match(stripped[index]) if len(stripped[index]) <= OUTLINE_MAX_CHARS + 4 else None
        if entry is not None and _is_heading(entry.group("heading")):
            entries[index] = _key(entry.group("heading"))
    if len(entries) < OUTLINE_MIN_LINES:
        return []  # most pages: no line to look up, the text's lines are not keyed
    headings = {_key(stripped[index]) for index in live if index not in entries and _is_heading(stripped[index])}
    found, run = [], []
    for index in live + [None]:
        if index in entries and entries[index] in headings:
            run.append(index)
            continue
        if len(run) >= OUTLINE_MIN_LINES:
            found += run
        run = []
    return found


def contents(live: list[int], stripped: list[str], candidates: set[int]) -> tuple[dict[int, labels.Label], set[int]]:
    """A compilation's table of contents names its documents (…院长述职报告……1, 1. 在…会上的讲话);
    where those names recur below it as lines of their own, each starts a document titled by it.
    Returns the headings (as labels) and the entries, among ``candidates`` (lines no rule took).
    Entries that name sections (一、…, 存在的问题) split nothing: only names of documents count, at
    least two, every entry above every heading."""
    named: dict[str, list[int]] = {}
    for index in live:
        if index not in candidates or len(stripped[index]) > CONTENTS_MAX_CHARS:
            continue
        entry = CONTENTS_ENTRY.match(stripped[index])
        heading = entry.group("heading") if entry else stripped[index]
        if classify.visible_length(heading) <= TITLE_MAX_CHARS and classify.names_a_document(heading):
            named.setdefault(_key(heading), []).append(index)
    pairs = [indexes for indexes in named.values() if len(indexes) >= 2]
    if len(pairs) < 2 or max(indexes[-2] for indexes in pairs) > min(indexes[-1] for indexes in pairs):
        return {}, set()
    headings = {indexes[-1]: labels.Label(CONTENTS_RULE_ID, len(stripped[indexes[-1]]), stripped[indexes[-1]], False)
                for indexes in pairs}
    return headings, {index for indexes in pairs for index in indexes[:-1]}


# A 范文 page's writing guide above its template: a heading asking how a document type is written
# (…工作总结怎么写, …计划的作用和意义, 如何写好述职报告), the site's prose and lists, then the heading
# that opens the template (…工作总结范文).
_DOC_TYPE = r"(?:总结|计划|报告|讲话稿?|方案|心得体会|心得|体会|发言稿?|致辞|汇报|材料|要点|意见|规划|简报)"
GUIDE_HEADING = re.compile(
    rf"^(?:[^，。,；;！!]{{2,30}}?{_DOC_TYPE}的?(?:怎么写|如何写|怎样写|写法|写作格式|格式|格式要求|写作要点|写作技巧|写作方法|"
    rf"包括哪些(?:内容|方面)?|有哪些(?:内容)?|的?作用(?:和|与|及)?(?:意义)?|意义|是什么|注意事项)|"
    rf"(?:如何|怎样|怎么)写好?[^，。,；;！!]{{0,30}}{_DOC_TYPE})[?？]?$")
TEMPLATE_HEADING = re.compile(
    r"^[^，。,；;！!]{2,40}?(?:范文|范例|模板|范本|样本|例文|示例)(?:\s*[(（]?(?:通用|精选|最新)?\s*\d{0,2}\s*篇?[)）]?)?$")
# An editor's line that hands over to the template (以下是一篇乡镇卫生院工作计划范文，供参考：).
TEMPLATE_INTRO = re.compile(
    r"^(?:以下|下面)(?:是|为|就是)?[^。！!？?]{0,40}?(?:范文|范例|模板|范本|样本|例文|示例)[^。！!？?]{0,20}[:：]$")
GUIDE_MAX_LINES = 20
TITLE_MIN_STEM = 4  # characters of a title a guide's heading repeats before its question
GUIDE_RULE_ID = "classifier.writing_guide"


def writing_guide(live: list[int], stripped: list[str]) -> list[int]:
    """The lines from a writing guide's first heading to the template's heading or the editor's line
    that introduces it (both included), when one follows within GUIDE_MAX_LINES lines and the
    template's text (or its first item's label) follows it (a Q&A page titled …怎么写 answers with the
    text itself, and its related links below name 范文). Under the page's title (…述职报告, then
    …述职报告怎么写) the guide may also end where the text opens with a salutation or a label."""
    for position, index in enumerate(live):
        if not GUIDE_HEADING.match(stripped[index]):
            continue
        under_title = _names_stem(stripped[index], [stripped[other] for other in live[:position]])
        for end in range(position + 1, min(position + GUIDE_MAX_LINES, len(live) - 1)):
            heading, after = stripped[live[end]], stripped[live[end + 1]]
            if (TEMPLATE_HEADING.match(heading) or TEMPLATE_INTRO.match(heading)) and not GUIDE_HEADING.match(heading):
                opens_text = classify.is_body_like(after, classify.score_line(after)) or labels.find(after) is not None
                return live[position:end + 1] if opens_text else []
            if under_title and (labels.find(after) is not None or "salutation" in classify.score_line(after).shapes):
                return live[position:end + 1]
        return []
    return []


def _names_stem(heading: str, above: list[str]) -> bool:
    """Is the guide's heading a line above it with the question added (…述职报告 / …述职报告怎么写)?"""
    key = _key(heading)
    return any(len(stem) >= TITLE_MIN_STEM and key.startswith(stem) and key != stem
               for stem in (_key(line) for line in above))


# A site's excerpt of the text above it: the text's opening words, cut with an ellipsis, after a label
# or the title (导读 👀 2023年，市中心血站在…为中心..., <title>2023年，县疾控中心在…).
EXCERPT_END = re.compile(r"(?:\.{3,}|…+)$")
EXCERPT_MIN_CHARS = 20  # of the text's words repeated: a phrase shorter than this may recur by chance
EXCERPT_MAX_LEAD = 40  # a label or title before the repeated words
EXCERPT_RULE_ID = "classifier.excerpt"


def excerpts(live: list[int], stripped: list[str]) -> list[int]:
    """Lines ending in an ellipsis whose words before it, after at most EXCERPT_MAX_LEAD characters of
    label or title, open a later line of the page: an excerpt of the text, not the text."""
    candidates = [index for index in live if EXCERPT_END.search(stripped[index])
                  and len(stripped[index]) >= EXCERPT_MIN_CHARS]
    if not candidates:
        return []  # most pages: no line ends in an ellipsis
    keys = [(index, _key(stripped[index])) for index in live]  # once per line, not once per candidate
    found = []
    for index in candidates:
        core = _key(EXCERPT_END.sub("", stripped[index]))
        later = [key for other, key in keys if other > index]
        for lead in range(min(EXCERPT_MAX_LEAD, len(core) - EXCERPT_MIN_CHARS) + 1):
            words = core[lead:]
            if any(text.startswith(words) for text in later):
                found.append(index)
                break
    return found


# A document viewer numbers the chunks it shows the text in (1、…, 2、…): page-long lines whose breaks
# fall inside sentences, which a list's items never do.
CHUNK_MARK = re.compile(r"^(?P<number>\d{1,3})、")
CHUNK_MIN_CHARS = 150
CHUNK_RULE_ID = "classifier.chunk_number"
SENTENCE_CLOSE = re.compile(r"[。！？!?；;…”」』）)]$")


def chunk_numbers(live: list[int], stripped: list[str]) -> dict[int, int]:
    """Line index -> length of its chunk number, for a run of lines numbered in order (1、2、3…, or
    2、3… after an unnumbered first chunk), each at least CHUNK_MIN_CHARS long, with at least one
    line before the last (the first chunk included) ending inside a sentence."""
    if not any(stripped[index][:1].isdigit() for index in live):
        return {}  # most pages: no line starts with a number
    found: dict[int, int] = {}
    run: list[int] = []  # the chunks in order, an unnumbered first one included
    last = 0  # the number of the run's last chunk

    def close() -> None:
        marks = {line: CHUNK_MARK.match(stripped[line]) for line in run}
        if len(run) >= 2 and any(not SENTENCE_CLOSE.search(stripped[line]) for line in run[:-1]):
            found.update({line: mark.end() for line, mark in marks.items() if mark is not None})

    previous = None
    for index in live:
        mark = CHUNK_MARK.match(stripped[index])
        number = int(mark.group("number")) if mark is not None else 0
        long = len(stripped[index]) >= CHUNK_MIN_CHARS
        if mark is not None and long and run and number == last + 1:
            run.append(index)
            last = number
        else:
            close()
            run, last = [], 0
            if mark is not None and long and number == 1:
                run, last = [index], 1
            elif mark is not None and long and number == 2 and previous is not None \
                    and len(stripped[previous]) >= CHUNK_MIN_CHARS and not CHUNK_MARK.match(stripped[previous]):
                run, last = [previous, index], 2  # chunk 1 carries no number
        previous = index
    close()
    return found


# A viewer's line-number gutter (12│…): a netdisk's or code host's preview of a text file numbers every
# line of the file, blank ones too, and the number is glued to the line's start. A table's row number is
# followed by more of its separators, so a line with a second one is not a gutter's.
GUTTER = re.compile(r"^\s*(\d{1,5})\s?[│┃|¦]\s?")
GUTTER_SEPARATORS = re.compile(r"[│┃|¦]")
GUTTER_MIN_LINES = 5
GUTTER_RULE_ID = "classifier.line_number"


def line_numbers(shadows: list[str]) -> dict[int, int]:
    """Line index -> where its gutter ends, for runs of at least GUTTER_MIN_LINES lines numbered
    n, n+1, n+2 … by a viewer (the page's own blank lines may stand between them)."""
    found: dict[int, int] = {}
    run: list[tuple[int, int]] = []
    last = -1
    for index, text in enumerate(shadows):
        mark = GUTTER.match(text)
        if mark is not None and not GUTTER_SEPARATORS.search(text, mark.end()):
            number = int(mark.group(1))
            if not run or number != last + 1:
                if len(run) >= GUTTER_MIN_LINES:
                    found.update(run)
                run = []
            run.append((index, mark.end()))
            last = number
        elif text.strip():
            if len(run) >= GUTTER_MIN_LINES:
                found.update(run)
            run = []
    if len(run) >= GUTTER_MIN_LINES:
        found.update(run)
    return found


# --- a thread whose posts end in their floor line (… 2楼　2024-01-22 21:41　回复) ------------------------
# A floor's last line: its number with 楼 and the time it was posted.
FLOOR_FOOTER = re.compile(r"(?:^|\s)\d{1,4}\s*楼\s.*?(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}")
# The thread starter's badge on a poster's line (杏林老周　楼主　Lv.9), not a sentence.
STARTER = re.compile(r"(?:^|\s)(?:楼主|樓主|LZ)(?:\s|$)")


def thread_floors(live: list[int], stripped: list[str]) -> set[int]:
    """The lines of other posters' floors in a thread whose floors end in their floor line and whose
    starter carries a badge (楼主): the starter's later floors (a speech too long for one post, 分两楼发)
    are the document's, every other floor (a reply, a quote, a folded floor) is the thread's. Empty
    when the page is not such a thread."""
    footers = [index for index in live if "楼" in stripped[index] and FLOOR_FOOTER.search(stripped[index])]
    if len(footers) < 2:
        return set()
    first = [index for index in live if index <= footers[0]]
    if not any(STARTER.search(stripped[index]) for index in first):
        return set()
    replies: set[int] = set()
    for previous, footer in zip(footers, footers[1:]):
        floor = [index for index in live if previous < index <= footer]
        if not any(STARTER.search(stripped[index]) and classify.sentence_marks(stripped[index]) == 0 for index in floor):
            replies.update(floor)
    return replies


# --- the site's own name, spliced into the text as a watermark ------------------------------------

OWN_NAME_RULE_ID = "classifier.own_name"
HAN = "\u3400-\u9fff"
_NAME = rf"[{HAN}][{HAN}0-9]{{2,11}}"
_DOMAIN = r"(?:https?://)?(?:www\.|m\.|wap\.)?(?P<domain>[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,})"
# A page names its site where it claims the rights (千文阁 qianwen-ge.com 版权所有, © 2024 易档文库 …).
COPYRIGHT = re.compile(r"©|\(c\)|copyright|版权所有|all rights reserved", re.IGNORECASE)
OWNER_NAMES = (
    re.compile(rf"(?P<name>{_NAME}?)\s*(?:{_DOMAIN}\S*)?\s*(?:版权所有|all rights reserved)", re.IGNORECASE),
    re.compile(rf"(?:©|\(c\)|copyright)\s*(?:(?:19|20)\d\d\s*(?:[-–—~至]\s*(?:19|20)\d\d)?)?\s*(?P<name>{_NAME})"
               rf"(?:\s*{_DOMAIN})?", re.IGNORECASE),
)
DOMAIN = re.compile(rf"(?<![\w.@-]){_DOMAIN}", re.IGNORECASE)
# … or where it writes its name beside its address (筠竹公文素材　www.yunzhu-ziliao.com, 翠微范文网 网址：…).
NAME_AND_DOMAIN = re.compile(rf"(?P<name>[{HAN}][{HAN}0-9]{{2,11}})\s*(?:网址\s*[:：]\s*)?{_DOMAIN}", re.IGNORECASE)
# An institution's name is its text's subject (XX县卫生健康局 版权所有 on a bureau's own site): never a watermark.
INSTITUTION = re.compile(r"(?:[局委院所厅部办处科室府会馆队站]|中心|公司|集团|学校|协会|学会)$")
NOT_A_NAME = re.compile(r"^(?:本|该|此|网站|网络|转载)")


def own_names(chrome: list[str]) -> list[str]:
    """The names and domains a page gives its site in its chrome (the text of removed lines, as
    shadows): in its rights line, or a name beside a domain. Longest first: a site that writes its
    name into the text marks it as its own."""
    names: set[str] = set()
    for text in chrome:
        if not COPYRIGHT.search(text):
            continue  # a name beside its domain (below) needs no rights line
        for pattern in OWNER_NAMES:
            for match in pattern.finditer(text):
                if _site_name(match.group("name")):
                    names.add(match.group("name"))
        for match in DOMAIN.finditer(text):
            names.add(match.group("domain").lower())
    for text in chrome:
        for match in NAME_AND_DOMAIN.finditer(text):
            if _site_name(match.group("name")):
                names.update((match.group("name"), match.group("domain").lower()))
    return sorted(names, key=lambda name: (-len(name), name))


def _site_name(name: str | None) -> bool:
    return bool(name) and not INSTITUTION.search(name) and not NOT_A_NAME.match(name)


def own_name_spans(text: str, names: list[str]) -> list[tuple[int, int]]:
    """Where a line holds the site's own name or domain (with a bracket around it, or a scheme and
    path on the domain): the spans to take out."""
    if not names:
        return []
    pattern = _own_name_pattern(tuple(names))
    return [match.span() for match in pattern.finditer(text)]


_OPEN, _CLOSE = "（(〔【[［〖<《", "）)〕】]］〗>》"


@lru_cache(maxsize=256)
def _own_name_pattern(names: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(
        rf"(?:https?://)?(?:www\.|m\.|wap\.)?{re.escape(name)}(?:/[\w./?=&%-]*)?" if name.isascii() else re.escape(name)
        for name in names)
    bracketed = rf"[{re.escape(_OPEN)}]\s*(?:{alternatives})(?:\s+(?:{alternatives}))?\s*[{re.escape(_CLOSE)}]"
    return re.compile(rf"{bracketed}|(?:{alternatives})", re.IGNORECASE)
