"""strip: site boilerplate out, every removal recorded, nothing else lost."""

from __future__ import annotations

import re

import pytest

from scripts import strip
from scripts.pipeline import PageError
from tests.conftest import ROOT, read_table


def strip_text(text: str, site: str = "") -> dict:
    record = {"source": {"row": {"site": site}, "path": "test.txt"}, "text": text}
    return strip.strip_record(record)


def kept(result: dict) -> list[str]:
    return [text for segment in result["segments"] for _, text in segment["lines"]]


def removed(result: dict) -> list[tuple[str, str]]:
    return [(r["rule"], r["text"]) for r in result["removals"]]


# --- one fixture page per profile ---------------------------------------------------------------

def test_strip_removes_ruiwen_header_labels_and_footer():
    page = ("衛生工作會議講話(精選2篇)\n\n來源:瑞文範文網 2.3W\n\n衛生工作會議講話 篇1\n\n同志們:\n\n"
            "衛生工作會議講話(精選2篇)\n\n今天召開會議。\n\n謝謝!\n\n衛生工作會議講話 篇2\n\n各位領導:\n\n"
            "今年工作很多。\n\n熱門標籤")
    result = strip_text(page, "ruiwen")
    assert [s["label"] for s in result["segments"]] == ["衛生工作會議講話 篇1", "衛生工作會議講話 篇2"]
    assert [[t for _, t in s["lines"]] for s in result["segments"]] == [
        ["同志們:", "今天召開會議。", "謝謝!"], ["各位領導:", "今年工作很多。"]]
    assert removed(result) == [
        ("generic.collection_title", "衛生工作會議講話(精選2篇)"),
        ("ruiwen.source_stamp", "來源:瑞文範文網 2.3W"),
        ("generic.item_label_pian_n", "衛生工作會議講話 篇1"),
        ("generic.repeated_title", "衛生工作會議講話(精選2篇)"),
        ("generic.item_label_pian_n", "衛生工作會議講話 篇2"),
        ("ruiwen.hot_tags", "熱門標籤"),
    ]
    assert result["meta"] == {"collection": "衛生工作會議講話"}


def test_strip_wm114_outline_paywall_and_tail_mark_the_document_truncated():
    page = ("目录/提纲:……\n一、提高站位\n二、总结成效\n……\n在全区卫生工作会议上的讲话\n同志们:\n"
            "今天我们召开会议,看得上病、看\n"
            "……(新文秘网http://www.wm114.cn省略1004字,正式会员可完整阅读)……\n"
            "一、提高站位\n加强医联 ……(未完,全文共6117字,当前仅显示2819字,请阅读下面提示信息。\n"
            "收藏《在全区卫生工作会议上的讲话》)")
    result = strip_text(page, "wm114")
    (segment,) = result["segments"]
    assert kept(result) == ["同志们:", "今天我们召开会议,看得上病、看", "一、提高站位", "加强医联"]
    assert (segment["truncated"], segment["missing_chars"]) == (True, 3298)  # the larger figure wins
    assert result["meta"]["title"] == "在全区卫生工作会议上的讲话"
    rules = [rule for rule, _ in removed(result)]
    assert rules.count("wm114.outline") == 4
    assert {"wm114.paywall_cut", "wm114.paywall_tail", "wm114.bookmark", "generic.repeated_title"} <= set(rules)


def test_strip_pinyin_mirror_header_matches_with_annotations_in_place():
    page = ("衛(wèi)生局工作報告\n\n時間:2022-11-28 09:41:18\n\n"
            "導語:衛(wèi)生局工作報告一文來源于網(wǎng)友上傳,不代表本站觀點,歡迎參考。\n\n"
            "衛(wèi)生局工作報告\n\n今年以來,區衛(wèi)生局開展活動。")
    result = strip_text(page, "pinyin-mirror")
    assert kept(result) == ["今年以來,區衛(wèi)生局開展活動。"]
    assert result["meta"] == {"title": "衛(wèi)生局工作報告", "published": "2022-11-28"}
    assert [rule for rule, _ in removed(result)] == [
        "generic.page_title", "generic.stamp_line", "generic.intro_disclaimer", "generic.repeated_title"]


def test_strip_fanwen_nav_labels_injection_and_navigation():
    page = ("卫生局工作计划范文\n\n时间:2023-03-05 13:15:58\n\n卫生局工作计划\n\n卫生局工作计划范文第1篇\n\n"
            "一、狠抓合作医疗由[]为您整理,感谢作者。\n\n坚持预防为主。\n\n卫生局工作计划范文第2篇\n\n"
            "[nextpage](4)加强艾滋病防治。\n\n上一篇:卫生计生工作计划范文 下一篇:语文工作计划范文")
    result = strip_text(page, "fanwen-nav")
    assert [[t for _, t in s["lines"]] for s in result["segments"]] == [
        ["一、狠抓合作医疗", "坚持预防为主。"], ["(4)加强艾滋病防治。"]]
    assert result["meta"] == {"collection": "卫生局工作计划范文", "published": "2023-03-05"}
    assert ("fanwen-nav.credit_injection", "由[]为您整理,感谢作者。") in removed(result)
    assert ("generic.prev_next", "上一篇:卫生计生工作计划范文 下一篇:语文工作计划范文") in removed(result)


# --- generic families, with lines that look alike but are content -------------------------------

@pytest.mark.parametrize("line, rule", [
    ("发布时间:2023-01-05 来源:网络 人气:1.82W", "generic.stamp_line"),
    ("时间:2023-03-05", "generic.stamp_line"),
    ("浏览次数:1234", "generic.stamp_line"),
    ("首页 > 工作计划 > 正文", "generic.breadcrumb"),
    ("导语:以下是为大家整理的工作总结,仅供参考。", "generic.intro_disclaimer"),
])
def test_generic_header_stamps_go(line, rule):
    result = strip_text(f"{line}\n同志们:\n今天开会。")
    assert removed(result) == [(rule, line)]
    assert kept(result) == ["同志们:", "今天开会。"]


@pytest.mark.parametrize("line, rule", [
    ("以下是小编整理的卫生局工作总结,供大家参考。", "generic.editor_intro"),
    ("全文预览已结束,请下载本文档", "generic.paywall_notice"),
])
def test_generic_lines_go_anywhere(line, rule):
    result = strip_text(f"同志们:\n今天开会。\n{line}\n谢谢大家!")
    assert removed(result) == [(rule, line)]


@pytest.mark.parametrize("text, span, rule", [
    ("加强卫生监督第 1 页 共 16 页执法力度。", "第 1 页 共 16 页", "generic.page_mark"),
    ("提高医疗质量(www.example.com)和服务水平。", "(www.example.com)", "generic.watermark_url"),
    ("做好防疫工作……此处隐藏2463个字……", "……此处隐藏2463个字……", "generic.hidden_chars"),
    ("落实各项措施下载后可任意编辑。", "下载后可任意编辑", "generic.edit_after_download"),
])
def test_generic_inline_spans_go_and_the_sentence_stays(text, span, rule):
    result = strip_text(f"同志们:\n{text}")
    assert (rule, span) in [(r, t.strip()) for r, t in removed(result)]
    assert kept(result)[1] == text.replace(span, "")


def test_hidden_chars_marks_truncation_with_count():
    result = strip_text("同志们:\n做好防疫工作……此处隐藏2463个字……")
    assert (result["segments"][0]["truncated"], result["segments"][0]["missing_chars"]) == (True, 2463)


@pytest.mark.parametrize("line", [
    "同志们:", "各位领导、同志们:", "谢谢大家!", "谢谢!", "一、提高政治站位", "(一)医药卫生改革持续深化",
    "1、加强领导", "①克服满足现状思想。", "全面实施按病种分值付费(DIP)改革。", "20XX年,我局在区委领导下。",
    "全区居民电子健康档案建档率达到*%。", "在□□搞试点。", "完善公立医院管理_和运行机制。",
    "标签化管理是一项重要工作。", "下一步工作打算", "第一篇章:回顾过去", "本篇讲话分三部分。",
    "全县卫生工作会议第3篇报告由县长作出,要求各单位认真学习贯彻,确保各项任务落到实处,不断开创新局面。",
])
def test_content_that_looks_like_furniture_is_kept(line):
    result = strip_text(f"同志们:\n{line}\n今天开会,研究工作。")
    assert line in kept(result), removed(result)


def test_guard_fails_a_page_when_rules_would_remove_too_much(tmp_path, monkeypatch):
    greedy = tmp_path / "greedy.toml"
    greedy.write_text('[profile]\nid = "greedy"\n[[rule]]\nid = "greedy.everything"\nwhere = "line"\npattern = \'.*\'\n',
                      encoding="utf-8")
    profiles = dict(strip.load_profiles())
    profiles["greedy"] = strip.load_profile(greedy)
    monkeypatch.setattr(strip, "load_profiles", lambda: profiles)
    body = "\n".join(["今天召开全县卫生工作会议,研究部署今年的卫生工作。"] * 20)  # 500 characters
    with pytest.raises(PageError, match=r"would remove 100% of the page's characters \(limit 30%\)"):
        strip_text(f"同志们:\n{body}\n谢谢!", "greedy")


def test_bad_profile_is_reported_with_file_and_rule(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[profile]\nid = "bad"\n[[rule]]\nid = "bad.broken"\nwhere = "line"\npattern = "(unclosed"\n',
                   encoding="utf-8")
    with pytest.raises(strip.ProfileError, match=r"bad.toml: rule bad.broken: bad pattern: missing \)"):
        strip.load_profile(bad)


def test_unknown_site_is_an_error_not_a_silent_generic_run():
    with pytest.raises(PageError, match="site 'no-such-site' has no profile"):
        strip_text("同志们:\n今天开会。", "no-such-site")


def test_site_is_found_from_fingerprints_when_sources_csv_leaves_it_empty():
    result = strip_text("同志们:\n今天开会。\n……(新文秘网http://www.wm114.cn省略10字,正式会员可完整阅读)……")
    assert result["site"] == "wm114"


# --- the seeds, as built ------------------------------------------------------------------------

def boilerplate_patterns() -> list[tuple[str, re.Pattern]]:
    patterns = []
    for profile in strip.load_profiles().values():
        for rule in profile.rules:
            if rule.pattern is not None:
                patterns.append((rule.id, rule.pattern))
    return patterns


def test_no_seed_paragraph_still_contains_boilerplate():
    strings = ["瑞文范文网", "来源:", "来源：", "热门标签", "新文秘网", "省略1004字", "未完，全文共", "收藏《",
               "导语", "不代表本站观点", "为您整理", "[nextpage]", "上一篇", "下一篇", "时间：20", "目录/提纲"]
    paragraphs = read_table(ROOT / "clean" / "paragraphs.csv")
    for row in paragraphs:
        for string in strings:
            assert string not in row["text"], (row["doc_id"], string)
        shadow = strip.make_shadow(row["text"]).text
        for rule_id, pattern in boilerplate_patterns():
            rule = next(r for p in strip.load_profiles().values() for r in p.rules if r.id == rule_id)
            if rule.where == "inline":
                assert not pattern.search(shadow), (row["doc_id"], rule_id)


def test_every_removed_character_is_accounted_for():
    """Per page: visible characters decoded = visible characters kept by strip + removed."""
    from scripts.decode import detect, normalize_newlines

    for row in read_table(ROOT / "clean" / "sources.csv"):
        text = normalize_newlines(detect((ROOT / row["path"]).read_bytes()).text)
        result = strip.strip_record({"source": {"row": {"site": row["site"]}, "path": row["path"]}, "text": text})
        visible = lambda s: sum(1 for c in s if not c.isspace())
        kept_chars = sum(visible(t) for t in kept(result))
        removed_chars = sum(visible(r["text"]) for r in result["removals"])
        assert kept_chars + removed_chars == visible(text), row["path"]


def test_fanwen_nav_seed_splits_into_its_ten_plans():
    rows = [r for r in read_table(ROOT / "clean" / "documents.csv") if r["source_id"].startswith("003_")]
    assert [r["title"] for r in rows] == [f"卫生局工作计划范文第{n}篇" for n in range(1, 11)]


# --- line repair ---------------------------------------------------------------------------------

def test_line_broken_before_a_misplaced_list_marker_is_joined_and_recorded():
    page = "二、加强卫生行业管理\n\n加强监督。坚持安全第\n\n一、质量优先的原则,严格落实各项操作规程。\n\n三、加强公共卫生体系建设"
    result = strip_text(page)
    assert kept(result) == ["二、加强卫生行业管理", "加强监督。坚持安全第一、质量优先的原则,严格落实各项操作规程。",
                            "三、加强公共卫生体系建设"]
    assert [(r["rule"], r["line"], r["text"]) for r in result["removals"]] == [
        ("generic.broken_list_marker", 3, "\n\n")]


def test_list_marker_that_fits_the_numbering_is_not_joined():
    page = "一、总体要求\n\n深入学习第\n\n二、主要任务"
    assert kept(strip_text(page)) == ["一、总体要求", "深入学习第", "二、主要任务"]


def test_real_gap_in_the_text_is_left_alone():
    # 000: a line ends 爲加快和諧 and the next begins 新的貢獻!: text is missing, not broken.
    page = "努力推動全鎮衛生事業再上一個新的臺階,爲加快和諧\n\n新的貢獻!\n\n謝謝大家!"
    assert kept(strip_text(page)) == ["努力推動全鎮衛生事業再上一個新的臺階,爲加快和諧", "新的貢獻!", "謝謝大家!"]


def test_seed_plan_has_its_broken_sentence_repaired():
    paragraphs = [r["text"] for r in read_table(ROOT / "clean" / "paragraphs.csv") if r["doc_id"] == "003_92a7eb5f272008d1-001"]
    assert any("坚持安全第一、质量优先的原则" in text for text in paragraphs)
    assert not any(text.endswith("坚持安全第") for text in paragraphs)
