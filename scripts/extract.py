"""extract: an HTML page -> its article text, and every visible line the extractor left out.

strip calls this first for an HTML page (decode says `format: html`). The extractor (trafilatura,
compared with readability-lxml and jusText by `make bench-html`) only *decides* which lines are
the article; the text strip goes on with is rendered here, from the page itself:

- the visible text (everything outside script, style, template and comments; entities decoded;
  whitespace collapsed as a browser does, `&nbsp;` as a space) is cut into lines at block elements
  (p, div, h1-h6, li, tr, td …) and at `<br>`: one line per paragraph, heading or list item;
- ruby markup becomes the `字(pinyin)` form the pinyin pass of normalize removes and records;
- a line the extractor kept stays; a line it left out (navigation, 相关推荐 and 热门 lists,
  comment widgets, footers), and a line inside an element a profile's `drop_selectors` names,
  becomes an empty line and a removal (rule `html.extract`, the line's text, column 1).

So line N of the extracted text is the N-th visible line of the page whether it was kept or not,
and every visible character is either in the text or in a removal. Refused, with one line each: a
page that is only a redirect, a login wall, a page without visible body text, a truncated download,
and a page whose article the extractor cannot find.

    python -m scripts.extract FILE.html     # the extracted text, removed lines marked ⟦like this⟧
"""

from __future__ import annotations

import argparse
import copy
import logging
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import lxml.etree
import lxml.html

from scripts.chinese import ruby_annotations
from scripts.pipeline import PageError

RULE_ID = "html.extract"
HTML_SUFFIXES = (".html", ".htm")
# Elements whose text is not visible (comments and processing instructions are skipped by type).
INVISIBLE = {"script", "style", "template", "head"}
# Elements that start and end a line (a browser lays them out as blocks).
BLOCKS = {
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "hr", "li", "main", "menu", "nav", "ol", "option", "p", "pre", "section",
    "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul", "body", "html",
    "noscript", "select", "textarea", "button", "legend",
}
_SPACES = re.compile(r"[ \t\n\r\f\u00a0]+")
_NOT_MATCHED = re.compile(r"[\s|\-–—•·]+")  # what extractors add or drop around lines (list dashes, cell bars)
# Lines the extractor keeps in part (an ad span cut out) still count as kept when at least this
# share of the line, and this many characters, came through in order.
PARTIAL_MIN_SHARE = 0.6
PARTIAL_MIN_CHARS = 8
# A page with less visible body text than this and a password field or a redirect is nothing else.
WALL_MAX_CHARS = 200
_REFRESH = re.compile(r"""^\s*\d*\s*[;,]?\s*url\s*=\s*['"]?([^'"\s>]+)""", re.IGNORECASE)
_SCRIPT_REDIRECT = re.compile(r"""(?:window\.|document\.|top\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*['"]([^'"]+)""")
_TITLE_SUFFIX = re.compile(r"\s*[_|｜\-–—]+\s*[^_|｜\-–—]{1,20}$")


class ExtractError(PageError):
    pass


@dataclass
class Line:
    text: str
    selector: str = ""  # the profile selector that dropped it, if one did
    head: bool = False  # the <title>: visible in the tab, never part of the article


@dataclass
class Extraction:
    text: str  # the visible lines, those left out as empty lines
    removals: list[dict] = field(default_factory=list)  # {"rule", "line", "column", "text", "detail"}
    meta: dict[str, str] = field(default_factory=dict)  # title, published, url_canonical


def is_html(path: str, text: str = "") -> bool:
    """A page saved as .html/.htm, or whose text starts as an HTML document does."""
    if path.lower().endswith(HTML_SUFFIXES):
        return True
    head = text[:512].lstrip("\ufeff \t\r\n").lower()
    return head.startswith(("<!doctype html", "<html"))


def parse(html: str) -> lxml.html.HtmlElement:
    # The text is already decoded: re-encode it as UTF-8 and say so, or libxml2 obeys the page's
    # <meta charset> a second time. An XML prologue naming an encoding would be refused by lxml.
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except (lxml.etree.ParserError, ValueError) as error:
        raise ExtractError(f"not readable as HTML: {error}") from None
    _ruby_as_text(root)
    return root


def _ruby_as_text(root) -> None:
    """<ruby>衛<rt>wèi</rt></ruby> -> 衛(wèi): the form normalize recognises, removes and records."""
    for rp in root.iter("rp"):
        rp.text = ""
    for rp in list(root.iter("rp")):
        rp.drop_tree()
    for rt in root.iter("rt"):
        rt.tag = "span"
        rt.text = f"({rt.text_content().strip()})"
        for child in list(rt):
            rt.remove(child)


@lru_cache(maxsize=256)
def _selector(css: str):
    from lxml.cssselect import CSSSelector  # cssselect: only needed when a profile names selectors

    return CSSSelector(css)


def check_selector(css: str) -> str | None:
    """Why ``css`` is not a usable selector, or None (profiles.py reports it with the file)."""
    try:
        _selector(css)
    except Exception as error:  # cssselect raises SelectorSyntaxError / ExpressionError
        return f"{type(error).__name__}: {error}"
    return None


def visible_lines(root, selectors: tuple[str, ...] = ()) -> list[Line]:
    """The page's visible text, one Line per block or <br>-separated line, in document order."""
    dropped: dict[object, str] = {}
    for css in selectors:
        for element in _selector(css)(root):
            dropped.setdefault(element, css)
    lines: list[Line] = []
    buffer: list[str] = []
    state = {"selector": ""}

    def flush() -> None:
        text = _SPACES.sub(" ", "".join(buffer)).strip()
        buffer.clear()
        if text:
            lines.append(Line(text, state["selector"]))

    def walk(element, selector: str) -> None:
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is None or tag.lower() in INVISIBLE:
            return
        tag = tag.lower()
        selector = selector or dropped.get(element, "")
        if tag in BLOCKS or tag == "br" or selector != state["selector"]:
            flush()
        state["selector"] = selector
        if element.text:
            buffer.append(element.text)
        for child in element:
            walk(child, selector)
            if child.tail:
                if state["selector"] != selector:
                    flush()
                    state["selector"] = selector
                buffer.append(child.tail)
        if tag in BLOCKS:
            flush()

    head = root.find("head")
    title = head.find("title") if head is not None else None
    if title is not None and title.text_content().strip():
        lines.append(Line(_SPACES.sub(" ", title.text_content()).strip(), head=True))
    walk(root, "")
    flush()
    return lines


def _squash(text: str) -> str:
    return _NOT_MATCHED.sub("", text)


def kept_lines(lines: list[Line], extracted: str) -> list[bool]:
    """Which lines the extractor kept: its output is walked in order, and a line is kept where it
    continues that output (whitespace, list dashes and table bars aside)."""
    stream = _squash(extracted)
    cursor = 0
    kept = []
    for line in lines:
        key = _squash(line.text)
        if not key or line.selector or line.head:
            kept.append(False)
            continue
        if stream.startswith(key, cursor):
            kept.append(True)
            cursor += len(key)
            continue
        common = 0
        limit = min(len(key), len(stream) - cursor)
        while common < limit and key[common] == stream[cursor + common]:
            common += 1
        if common >= PARTIAL_MIN_CHARS and common >= PARTIAL_MIN_SHARE * len(key):
            kept.append(True)
            cursor += common
            continue
        kept.append(False)
    return kept


def trafilatura_text(html: str) -> str:
    """The reference extractor: trafilatura, offline (it is given the markup, never a URL)."""
    import trafilatura

    # Its "discarding data" warnings would be one stderr line per page; what it drops is in removals.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    return trafilatura.extract(html, output_format="txt", include_comments=False, include_tables=True,
                               include_images=False, include_links=False, deduplicate=False,
                               with_metadata=False, config=_trafilatura_config()) or ""


@lru_cache(maxsize=1)
def _trafilatura_config():
    from trafilatura.settings import use_config

    config = use_config()
    # No alarm signal in pool workers (the driver owns signals); no date search in the body text.
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
    # 范文 articles are short and Chinese is dense: 250 characters is a long paragraph, not a minimum.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "50")
    return config


# The extractor in use: trafilatura (benchmarks/html.py swaps in the alternatives to compare them).
article_text: Callable[[str], str] = trafilatura_text


def refusal(root, html: str, lines: list[Line]) -> str | None:
    """Why this HTML is not a page to extract from, or None."""
    body_text = _SPACES.sub("", "".join(line.text for line in lines if not line.head))
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").lower() == "refresh":
            match = _REFRESH.match(meta.get("content") or "")
            if match and len(body_text) < WALL_MAX_CHARS:
                return f"only a redirect (meta refresh to {match.group(1)}); save the page it leads to"
    for script in root.iter("script"):
        match = _SCRIPT_REDIRECT.search(script.text or "")
        if match and len(body_text) < WALL_MAX_CHARS:
            return f"only a redirect (script to {match.group(1)}); save the page it leads to"
    passwords = [i for i in root.iter("input") if (i.get("type") or "").lower() == "password"]
    if passwords and len(body_text) < WALL_MAX_CHARS:
        return (f"a login wall: a password field and {len(body_text)} characters of text; "
                "save the page as a logged-in reader sees it")
    if not body_text:
        return "no body: the HTML has no visible text in <body>"
    if not re.search(r"</(?:body|html)\s*>", html[-4096:], re.IGNORECASE):
        return "truncated download: the HTML ends before </body> or </html>; fetch it again"
    return None


def page_meta(root) -> dict[str, str]:
    """Title, publication date and canonical URL, when the markup states them."""
    meta: dict[str, str] = {}

    def content(*names: str) -> str:
        for element in root.iter("meta"):
            key = (element.get("property") or element.get("name") or element.get("itemprop") or "").lower()
            if key in names and (element.get("content") or "").strip():
                return element.get("content").strip()
        return ""

    title = content("og:title")
    if not title:
        h1 = next(iter(root.iter("h1")), None)
        title = _SPACES.sub(" ", h1.text_content()).strip() if h1 is not None else ""
    if not title:
        element = root.find(".//title")
        title = _TITLE_SUFFIX.sub("", _SPACES.sub(" ", element.text_content()).strip()) if element is not None else ""
    if title:
        # A title is metadata, not text: its ruby annotations are not kept (normalize never sees it).
        for match in reversed(ruby_annotations(title)):
            title = title[:match.start()] + title[match.end():]
        meta["title"] = title
    published = content("article:published_time", "publishdate", "pubdate", "datepublished", "date")
    if not published:
        time = next((t for t in root.iter("time") if t.get("datetime")), None)
        published = time.get("datetime") if time is not None else ""
    date = re.match(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", published)
    if date:
        meta["published"] = "{:04d}-{:02d}-{:02d}".format(*(int(n) for n in date.groups()))
    canonical = next((link.get("href") for link in root.iter("link")
                      if "canonical" in (link.get("rel") or "").lower().split() and link.get("href")), "")
    canonical = canonical or content("og:url")
    if canonical.startswith(("http://", "https://")):
        meta["url_canonical"] = canonical.strip()
    return meta


def extract_page(html: str, selectors: tuple[str, ...] = (),
                 extractor: Callable[[str], str] | None = None) -> Extraction:
    """The pure step: HTML in, the article's lines and a removal for every other visible line out."""
    root = parse(html)
    lines = visible_lines(root, selectors)
    reason = refusal(root, html, lines)
    if reason:
        raise ExtractError(reason)
    pruned = copy.deepcopy(root)
    for css in selectors:
        for element in _selector(css)(pruned):
            element.drop_tree()
    extracted = (extractor or article_text)(lxml.html.tostring(pruned, encoding="unicode"))
    kept = kept_lines(lines, extracted)
    if not any(kept):
        raise ExtractError(f"no article: the extractor found none in {len(lines)} visible lines")
    out, removals = [], []
    for number, (line, keep) in enumerate(zip(lines, kept), start=1):
        out.append(line.text if keep else "")
        if not keep:
            removals.append({"rule": RULE_ID, "line": number, "column": 1, "text": line.text,
                             "score": None, "detail": f"drop_selectors {line.selector}" if line.selector else ""})
    return Extraction("\n".join(out), removals, page_meta(root))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.extract", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--selector", action="append", default=[], help="CSS selector to drop (repeatable)")
    args = parser.parse_args(argv)
    from scripts.decode import detect_html

    try:
        detection = detect_html(args.file.read_bytes())
        result = extract_page(detection.text, tuple(args.selector))
    except PageError as error:
        raise SystemExit(f"{args.file}: {error}") from None
    removed = {r["line"]: r["text"] for r in result.removals}
    for number, line in enumerate(result.text.split("\n"), start=1):
        print(f"⟦{removed[number]}⟧" if number in removed else line)
    print(result.meta, file=sys.stderr)


if __name__ == "__main__":
    main()
