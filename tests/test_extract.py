"""extract: an HTML page's article in lines, every other visible line a removal, bad HTML refused."""

from __future__ import annotations

import csv
import json

import pytest

from scripts import extract, ruleset
from scripts.decode import detect_html, normalize_newlines
from scripts.profiles import ProfileError, load_profile
from tests.conftest import FIXTURES, add_raw_file, build, read_table, run_module, table_rows

HTML = FIXTURES / "html"
PAGES = {page["file"]: page for page in json.loads((HTML / "pages.json").read_text(encoding="utf-8"))["pages"]}


def page_text(name: str) -> str:
    return normalize_newlines(detect_html((HTML / name).read_bytes(), PAGES[name]["content_type"]).text)


def visible_chars(html: str) -> int:
    """Counted apart from the renderer: every text node outside script, style, template and head
    (the <title> excepted), after the ruby rewrite."""
    root = extract.parse(html)
    total = 0
    for node in root.xpath("//text()"):
        owner = node.getparent().getparent() if node.is_tail else node.getparent()
        ancestors = {owner.tag} | {element.tag for element in owner.iterancestors()}
        if ancestors & {"script", "style", "template"}:
            continue
        if "head" in ancestors and "title" not in ancestors:
            continue
        total += sum(1 for char in node.replace("\u00a0", " ") if not char.isspace())
    return total


def test_article_lines_are_kept_and_the_site_chrome_becomes_removals():
    result = extract.extract_page(page_text("gbk-declared-gb2312.html"))
    kept = [line for line in result.text.split("\n") if line]
    assert kept == PAGES["gbk-declared-gb2312.html"]["body"]
    removed = {r["text"] for r in result.removals}
    assert {"相关推荐", "热门范文", "网友评论", "分享到：微信 微博 QQ空间", "本站部分内容来源于网络，如有侵权请联系删除。"} <= removed
    assert all(r["rule"] == "html.extract" and r["column"] == 1 for r in result.removals)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_visible_character_is_in_the_text_or_a_removal(name):
    html = page_text(name)
    result = extract.extract_page(html)
    count = lambda s: sum(1 for char in s if not char.isspace())
    assert count(result.text) + sum(count(r["text"]) for r in result.removals) == visible_chars(html)


def test_a_removal_sits_on_the_line_it_would_have_had_in_the_text():
    result = extract.extract_page(page_text("paywall.html"))
    lines = result.text.split("\n")
    for removal in result.removals:
        assert lines[removal["line"] - 1] == ""


def test_lines_separated_by_br_stay_lines_and_nbsp_indents_go():
    result = extract.extract_page(page_text("http-meta-disagree.html"))
    kept = [line for line in result.text.split("\n") if line]
    assert kept == PAGES["http-meta-disagree.html"]["body"]


def test_entities_are_decoded():
    result = extract.extract_page(page_text("entities.html"))
    assert "推进“健康城市”建设——这是全年工作的重中之重。" in result.text
    assert "同比增长8.1%&以上。" in result.text
    assert "&#x" not in result.text and "&nbsp;" not in result.text and "\u00a0" not in result.text


def test_ruby_markup_becomes_the_pinyin_form_normalize_removes():
    html = "<html><body><p><ruby>衛<rp>(</rp><rt>wèi</rt><rp>)</rp></ruby><ruby>生<rt>shēng</rt></ruby>工作</p></body></html>"
    lines = extract.visible_lines(extract.parse(html))
    assert [line.text for line in lines] == ["衛(wèi)生(shēng)工作"]


def test_headings_and_list_items_are_lines_of_their_own():
    result = extract.extract_page(page_text("utf8-declared-gb2312.html"))
    lines = result.text.split("\n")
    assert "二、2023年重点工作" in lines
    assert "加强基层卫生人才队伍建设，招聘本科以上医学毕业生60名。" in lines


def test_drop_selectors_take_out_what_the_extractor_kept():
    result = extract.extract_page(page_text("utf8-declared-gb2312.html"), (".content h2",))
    assert "一、2022年工作回顾" not in result.text.split("\n")
    dropped = [r for r in result.removals if r["text"] == "一、2022年工作回顾"]
    assert dropped and dropped[0]["detail"] == "drop_selectors .content h2"


def test_page_metadata_fills_title_date_and_canonical_url():
    assert extract.extract_page(page_text("gbk-declared-gb2312.html")).meta == {
        "title": "2023年全县卫生健康工作会议讲话", "published": "2023-03-15"}
    meta = extract.extract_page(page_text("utf8-declared-gb2312.html")).meta
    assert meta["url_canonical"] == "https://www.weisheng-fanwen.example/baogao/2023/101.html"


def test_a_ruby_title_is_metadata_without_its_pinyin():
    assert extract.extract_page(page_text("ruby.html")).meta["title"] == "在全县卫生工作会议上的讲话"


BODY = "<p>" + "同志们：今天我们召开全县卫生工作会议，总结去年的工作，部署今年的任务。" * 3 + "</p>"


@pytest.mark.parametrize("html, reason", [
    (f"<html><body><div>{BODY}<div class='side'><ul><li>相关", "truncated download"),
    ("<html><head><title>卫生工作报告</title></head><body><script>var a=1;</script></body></html>", "no body"),
    ("<html><body><form><p>用户登录</p><input name=u><input type=password name=p><button>登录</button></form>"
     "</body></html>", "a login wall"),
    ("<html><head><meta http-equiv='refresh' content='0; url=https://fanwen.example/a/1.html'></head>"
     "<body><p>正在跳转……</p></body></html>", "only a redirect (meta refresh to https://fanwen.example/a/1.html)"),
    ("<html><body><script>window.location.href = '/a/2.html';</script><p>跳转中</p></body></html>",
     "only a redirect (script to /a/2.html)"),
])
def test_bad_html_is_refused_with_the_reason(html, reason):
    with pytest.raises(extract.ExtractError, match="^" + reason.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        extract.extract_page(html)


def test_a_profile_with_a_bad_selector_is_refused_with_its_file(tmp_path):
    path = tmp_path / "somesite.toml"
    path.write_text('[profile]\nid = "somesite"\ndrop_selectors = ["div.side", "div[[x"]\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"somesite\.toml: \[profile\]: drop_selectors 'div\[\[x' is not a CSS selector"):
        load_profile(path)


def _with_content_type_column(repo) -> None:
    table = repo / "raw" / "sources.csv"
    with open(table, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0]) + ["content_type"]
    with open(table, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_html_pages_build_like_text_pages(repo):
    _with_content_type_column(repo)
    for name in ("gbk-declared-gb2312.html", "http-meta-disagree.html", "ruby.html", "compilation.html",
                 "paywall.html", "big5.html"):
        add_raw_file(repo, f"raw/html-site/{name}", (HTML / name).read_bytes(),
                     content_type=PAGES[name]["content_type"])
    result = build(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    sources = {row["source_id"]: row for row in read_table(repo / "clean" / "sources.csv")}
    assert sources["gbk-declared-gb2312"]["encoding"] == "gb18030"
    assert sources["gbk-declared-gb2312"]["encoding_declared"] == "meta:gb2312"
    assert sources["gbk-declared-gb2312"]["published"] == "2023-03-15"
    assert sources["gbk-declared-gb2312"]["title"] == "2023年全县卫生健康工作会议讲话"
    assert sources["http-meta-disagree"]["encoding"] == "gb18030"
    assert sources["http-meta-disagree"]["encoding_declared"] == "http:iso-8859-1 meta:gbk"
    assert sources["big5"]["encoding"] == "big5hkscs"

    documents = read_table(repo / "clean" / "documents.csv")
    by_source = {}
    for row in documents:
        by_source.setdefault(row["source_id"], []).append(row)
    assert len(by_source["compilation"]) == 3
    assert [d["truncated"] for d in by_source["paywall"]] == ["true"]
    assert int(by_source["ruby"][0]["pinyin_removed"]) > 0

    html_docs = {d["doc_id"] for d in documents if sources[d["source_id"]]["path"].endswith(".html")}
    paragraphs = [row["text"] for row in table_rows(repo, "paragraphs") if row["doc_id"] in html_docs]
    assert "（一）医疗服务能力稳步提升。县人民医院（院长张喆、副院长李珺、朱镕）新建住院楼投入使用，新增床位200张；" \
           "乡镇卫生院标准化建设全部完成，村卫生室实现全覆盖。" in paragraphs
    assert "这次会议的主要任务是总结去年卫生工作，部署今年重点任务。" in paragraphs
    assert "过去一年，本局坚持以市民健康为中心，推动基层医疗服务，加强传染病防控，各项工作取得显著成效。" in paragraphs
    text = "\n".join(paragraphs)
    for chrome in ("相关推荐", "热门范文", "网友评论", "版权所有", "当前位置", "<", "&nbsp;", "&#", "(wèi)", "_hmt"):
        assert chrome not in text, chrome
    removals = [row for row in table_rows(repo, "removals") if row["source_id"] == "gbk-declared-gb2312"]
    assert {"相关推荐", "热门范文", "网友评论"} <= {row["text"] for row in removals if row["rule"] == "html.extract"}
    validation = run_module(repo, "validate")
    assert validation.returncode == 0, validation.stdout + validation.stderr


def test_a_bad_html_page_fails_the_build_with_one_line_naming_it(repo):
    add_raw_file(repo, "raw/html-site/login.html",
                 "<html><body><form>用户登录<input type=password></form></body></html>".encode("utf-8"))
    result = build(repo)
    assert result.returncode != 0
    assert "raw/html-site/login.html: a login wall" in result.stdout + result.stderr


def test_a_site_profile_drop_selectors_apply_in_strip(tmp_path, monkeypatch):
    from scripts import strip

    path = tmp_path / "fanwen-html.toml"
    path.write_text('[profile]\nid = "fanwen-html"\ndrop_selectors = [".content h2"]\n', encoding="utf-8")
    profiles = dict(strip.load_profiles())
    profiles["fanwen-html"] = load_profile(path)
    for module in (strip, ruleset):  # the page logic and the rule engine both load profiles
        monkeypatch.setattr(module, "load_profiles", lambda: profiles)
    strip.rule_set.cache_clear()
    source = {"row": {"site": "fanwen-html"}, "path": "raw/fanwen-html/p.html", "format": "html"}
    result = strip.strip_record({"source": source, "text": page_text("utf8-declared-gb2312.html")})
    strip.rule_set.cache_clear()
    kept = [text for segment in result["segments"] for _, text in segment["lines"]]
    assert "一、2022年工作回顾" not in kept and "同志们：" in kept
    assert {"rule": "html.extract", "text": "一、2022年工作回顾", "detail": "drop_selectors .content h2"}.items() <= \
        next(r for r in result["removals"] if r["text"] == "一、2022年工作回顾").items()
