"""strip: site boilerplate out, every removal recorded, nothing else lost."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scripts import ruleset, strip
from scripts.pipeline import PageError
from tests.conftest import read_table, run_module, table_rows


def strip_text(text: str, site: str = "") -> dict:
    record = {"source": {"row": {"site": site}, "path": "test.txt"}, "text": text}
    return strip.strip_record(record)


def kept(result: dict) -> list[str]:
    return [text for segment in result["segments"] for _, text in segment["lines"]]


def title_and_kept(page: str) -> tuple[str | None, list[str]]:
    """What strip makes of a page: its title and the lines it keeps."""
    result = strip_text(page)
    return result["meta"].get("title"), kept(result)


def removed(result: dict) -> list[tuple[str, str]]:
    return [(r["rule"], r["text"]) for r in result["removals"]]


def speech_with(line: str, at_end: bool = False) -> str:
    """A short speech with ``line`` between its sentences, or after them (where a footer stands)."""
    text = ["同志们：", "今年以来，全县卫生健康系统认真落实各项任务。", "群众满意度不断提高，各项指标圆满完成。"]
    return "\n".join(text + [line] if at_end else text[:2] + [line] + text[2:])


SHORT_SPEECH = ["同志们:", "今天我们召开会议,研究部署工作。", "谢谢大家!"]


def with_footer(footer: str) -> str:
    """SHORT_SPEECH with ``footer`` under it: whatever the footer holds, the speech is what stays."""
    return "\n".join(SHORT_SPEECH) + "\n" + footer


def two_items(first: str, second: str) -> str:
    """A compilation of two items, each headed by its label line."""
    return (f"卫生工作材料汇编\n{first}\n各位领导、同志们：一年来，我们认真履行职责，各项工作取得新进展。\n"
            f"{second}\n尊敬的各位领导、同志们：现将本人一年来的工作情况报告如下，请予评议。")


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
        ("generic.collection_title", "衛生工作會議講話(精選2篇)"),
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
    assert {"wm114.paywall_tail", "wm114.bookmark"} <= set(rules)


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
    ("位置 ▸ 首页 ▸ 工作汇报 ▸ 卫生系统汇报", "generic.breadcrumb"),
    ("首页 工作计划 卫生院公共卫生科工作计划", "generic.breadcrumb"),
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
    ("加强卫生监督第 3 页 / 共 5 页执法力度。", "第 3 页 / 共 5 页", "generic.page_mark"),
    ("提高医疗质量(www.example.com)和服务水平。", "(www.example.com)", "generic.watermark_url"),
    ("做好防疫工作……此处隐藏2463个字……", "……此处隐藏2463个字……", "generic.hidden_chars"),
    ("落实各项措施下载后可任意编辑。", "下载后可任意编辑", "generic.edit_after_download"),
    # A bracketed notice ends at its bracket: the sentence after it stays.
    ("全部建成中医馆，【此处隐藏1260字，加入后查看】县中医医院创建重点专科。", "【此处隐藏1260字，加入后查看】",
     "generic.hidden_chars"),
    ("住院分娩率100%；范文大全网完成传染病直报112例。", "范文大全网", "generic.site_name_spliced"),
    ("规范管理率65.1%，4 ^, f. Y血糖控制率52.7%。", "4 ^, f. Y", "classifier.inline.forum_jammer"),
    ("义诊活动受到群众欢迎。（记者 陈晓 摄）", "（记者 陈晓 摄）", "classifier.inline.credit_spliced"),
    ("— 2 —在肯定成绩的同时，也要看到不足。", "— 2 —", "classifier.inline.page_number_leading"),
    ("落实核查制度。精选优质文档-----倾情为你奉上（四）加强培训。", "精选优质文档-----倾情为你奉上",
     "classifier.inline.shared_doc_header"),
    ("圆满完成全年任务。【公文达人】一键生成同类讲话稿，点此试用>>", "【公文达人】一键生成同类讲话稿，点此试用>>",
     "classifier.inline.advert_glued_end"),
    ("均高于全市平均水平。【AI写材料】输入主题，点此免费试用>>这些成绩来之不易。", "【AI写材料】输入主题，点此免费试用>>",
     "classifier.inline.advert_glued_end"),
    ("新招聘医学毕业生4名，- 2 -卫生院队伍结构进一步优化。", "- 2 -", "classifier.inline.page_number_inside"),
    ("完整率均达98%。疾控中心工作总结2023 疾控中心个人总结范文 卫生院半年总结ppt",
     "疾控中心工作总结2023 疾控中心个人总结范文 卫生院半年总结ppt", "classifier.inline.keyword_run"),
    ("本文关键词：基层行，卫生院，迎检汇报。尊敬的各位领导：", "本文关键词：基层行，卫生院，迎检汇报。",
     "classifier.inline.keyword_note_glued"),
    ("范文仅供参考，自行编辑使用回顾今年，我科认真履行职责。", "范文仅供参考，自行编辑使用", "classifier.inline.usage_note_glued"),
    ("切实抓好（单字替换）各项工作的落实。", "（单字替换）", "classifier.inline.replace_instruction"),
    ("3同志们：今天召开全县基层卫生工作会议。", "3", "classifier.inline.stray_digit_leading"),
    ("妇幼保健工作取得新成效（编辑：晓晴）。", "（编辑：晓晴）", "classifier.inline.credit_spliced"),
    ("【www.tongyu-wendang.example - 个人工作总结】我是村卫生室的一名乡村医生。",
     "【www.tongyu-wendang.example - 个人工作总结】", "classifier.inline.site_watermark"),
])
def test_generic_inline_spans_go_and_the_sentence_stays(text, span, rule):
    result = strip_text(f"同志们:\n{text}")
    assert (rule, span) in [(r, t.strip()) for r, t in removed(result)]
    assert kept(result)[1] == text.replace(span, "")


def test_an_expander_glued_to_the_cut_text_flags_the_document_truncated():
    result = strip_text("同志们:\n今天开会。\n三是家庭医生签约服务提质扩面。全县组建家庭医生团队62个，重点人群签约率达到75.3%，为…展开全文c")
    assert ("generic.expander_glued", "展开全文c") in removed(result)
    assert result["segments"][0]["truncated"] is True


def test_a_short_cut_sentence_glued_to_its_expander_keeps_its_text():
    result = strip_text("同志们:\n今天开会。\n全县组建家庭医生团队62个，为…展开全文")
    assert kept(result)[-1] == "全县组建家庭医生团队62个，为…"
    assert result["segments"][0]["truncated"] is True


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
    for module in (strip, ruleset):  # the page logic and the rule engine both load profiles
        monkeypatch.setattr(module, "load_profiles", lambda: profiles)
    body = "\n".join(["今天召开全县卫生工作会议,研究部署今年的卫生工作,总结去年的成绩,分析当前面临的形势和任务。"] * 20)
    with pytest.raises(PageError, match=r"would remove \d+% of the page's characters in sentence-like lines \(limit 30%\)"):
        strip_text(f"同志们:\n{body}\n谢谢!", "greedy")


def test_bad_profile_is_reported_with_file_and_rule(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[profile]\nid = "bad"\n[[rule]]\nid = "bad.broken"\nwhere = "line"\npattern = "(unclosed"\n',
                   encoding="utf-8")
    with pytest.raises(strip.ProfileError, match=r"bad.toml: rule bad.broken: bad pattern: missing \)"):
        strip.load_profile(bad)


def test_a_site_without_a_profile_gets_the_generic_rules_and_the_classifier():
    result = strip_text("当前位置：首页 > 工作总结\n卫生院工作总结\n今年以来，我院认真落实各项工作，成效明显。", "new-site")
    assert result["site"] == "" and result["meta"]["title"] == "卫生院工作总结"
    assert kept(result) == ["今年以来，我院认真落实各项工作，成效明显。"]


def test_the_sites_own_name_from_its_rights_line_goes_from_inside_the_text():
    text = speech_with("千文阁 qianwen-ge.example 版权所有", at_end=True).replace("全县卫生", "全县千文阁卫生")
    result = strip_text(text, "new-site")
    assert kept(result)[1] == "今年以来，全县卫生健康系统认真落实各项任务。"
    assert ("classifier.own_name", "千文阁") in removed(result)
    bureau = speech_with("某县卫生健康局 版权所有", at_end=True).replace("全县卫生健康系统", "某县卫生健康局")
    assert kept(strip_text(bureau, "new-site"))[1] == "今年以来，某县卫生健康局认真落实各项任务。"


def test_a_viewers_chunk_numbers_go_and_a_lists_numbers_stay():
    sentence = "全院职工围绕年度目标，扎实推进基本公共卫生服务项目，老年人健康管理率稳步提高，"
    chunks = f"1、{sentence * 6}群众满意\n2、度明显提升。{sentence * 5}各项工作取得新成效。"
    result = strip_text(f"卫生院工作总结\n{chunks}", "new-site")
    assert [t for r, t in removed(result) if r == "classifier.chunk_number"] == ["1、", "2、"]
    assert kept(result)[0].startswith("全院职工")
    points = f"1、{sentence * 6}成效明显。\n2、{sentence * 5}成效明显。"  # each item ends its sentence
    assert not [r for r, _ in removed(strip_text(f"卫生院工作总结\n{points}", "new-site")) if r == "classifier.chunk_number"]


def test_a_bracketed_label_takes_the_title_its_qualifier_closes():
    result = strip_text(two_items("【第1篇】医院科室年度工作总结（内科）自今年以来，内科认真落实各项制度。",
                                  "【第2篇】医院科室年度工作总结（外科）2023年，外科在院党委领导下开展工作。"), "new-site")
    assert [s["label"] for s in result["segments"]][-2:] == ["【第1篇】医院科室年度工作总结（内科）", "【第2篇】医院科室年度工作总结（外科）"]


def test_a_keyword_run_glued_to_a_sentence_keeps_its_first_title_rather_than_lose_text():
    text = "网络直报及时率、完整率均达疾控中心工作总结2023 疾控中心个人总结范文 卫生院半年总结ppt"
    result = strip_text(speech_with(text))
    assert kept(result)[2] == "网络直报及时率、完整率均达疾控中心工作总结2023"


def test_labels_titled_with_a_numeral_in_brackets_or_tongyong_n_split_the_page():
    result = strip_text(two_items("县医院院长述职报告范文【一】", "县医院院长述职报告范文【二】"), "new-site")
    assert [s["label"] for s in result["segments"]][-2:] == ["县医院院长述职报告范文【一】", "县医院院长述职报告范文【二】"]
    result = strip_text(two_items("如何写卫生院年度工作总结通用一", "卫生院年度工作总结通用二"), "new-site")
    assert len(result["segments"]) >= 2 and result["segments"][-1]["label"] == "卫生院年度工作总结通用二"
    glued = strip_text(two_items("【范本一】医院门诊部工作总结", "【范本二】医院检验科工作总结20XX年，检验科围绕中心工作。"), "new-site")
    assert "20XX年，检验科围绕中心工作。" in kept(glued)
    assert glued["segments"][-1]["label"] == "【范本二】医院检验科工作总结"


def test_a_template_title_run_into_the_first_sentence_goes_and_a_plain_one_stays():
    page = "2024年乡镇卫生院工作计划范例(二篇)\n2024年乡镇卫生院工作计划范例为全面提升服务水平，制定本计划。"
    assert kept(strip_text(page, "new-site")) == ["为全面提升服务水平，制定本计划。"]
    plain = "2023年卫生院爱国卫生工作总结\n2023年卫生院爱国卫生工作总结今年以来，我院扎实开展爱国卫生运动。"
    assert kept(strip_text(plain, "new-site"))[-1].startswith("2023年卫生院爱国卫生工作总结今年")


def test_a_collection_title_below_the_text_is_a_link_not_the_pages_title():
    page = ("县医院院长述职报告范文最新精选5篇\n各位领导、同志们：本人一年来认真履行职责，现报告如下。\n"
            "延伸阅读\n医院院长年度述职述廉报告范文（通用8篇）")
    result = strip_text(page, "new-site")
    assert result["meta"].get("collection") == "县医院院长述职报告范文"
    assert "医院院长年度述职述廉报告" not in result["meta"].get("title", "")


def test_a_download_offer_below_a_complete_text_is_not_a_cut():
    result = strip_text(speech_with("文档为doc格式，共3页　　下载本文档", at_end=True), "new-site")
    assert ("文档为doc格式，共3页　　下载本文档" in [t for _, t in removed(result)])
    assert not result["segments"][0]["truncated"]


def test_a_sites_lead_in_above_item_one_is_not_a_document_and_text_above_item_two_is():
    intro = "医疗保障事关人民群众切身利益，是重大民生工程，写好工作总结要用数据说话。"
    result = strip_text(f"医保局工作总结范文\n{intro}\n" + two_items("篇一", "篇二"), "new-site")
    assert ("generic.not_a_document", intro) in removed(result) and len(result["segments"]) == 2
    first = "今年以来，我局把医保基金监管作为首要任务，成效明显。"
    result = strip_text(f"医保局工作总结范文\n{first}\n" + two_items("篇二", "篇三"), "new-site")
    assert kept(result)[0] == first and len(result["segments"]) == 3


@pytest.mark.parametrize("line", [
    "以上就是关于疾控中心工作总结的全部内容，希望对您有所帮助。",
    "1. 1、本文档共6页，可免费预览前3页，如需阅读全部内容请下载。",
    "END",
    "[ 文档下载 ]",
])
def test_a_sites_closing_words_notice_lists_and_end_marks_go_below_the_text(line):
    result = strip_text(speech_with(line, at_end=True), "new-site")
    assert line in [t for _, t in removed(result)] and len(kept(result)) == 3


def test_a_title_after_its_accounts_name_is_the_pages_title_and_zero_padded_numbers_label_items():
    page = "苕源卫健 | 卫生院院长述职报告范文2篇\n" + two_items("01", "02")
    result = strip_text(page, "new-site")
    assert result["meta"]["title"] == "苕源卫健 | 卫生院院长述职报告范文2篇"
    assert [s["label"] for s in result["segments"]][-2:] == ["01", "02"]


def test_a_label_takes_the_title_run_into_its_first_words_and_numbered_titles_split_the_page():
    page = two_items("模板一：卫生院工作计划", "模板二：中心卫生院年度工作计划为扎实做好今年工作，制定本计划。")
    result = strip_text(page, "new-site")
    assert result["segments"][-1]["label"] == "模板二：中心卫生院年度工作计划"
    assert "为扎实做好今年工作，制定本计划。" in kept(result)
    glued = strip_text(two_items("卫生院年度工作总结（一）", "卫生院年度工作总结（二）一年来，我院认真落实各项工作。"), "new-site")
    assert "一年来，我院认真落实各项工作。" in kept(glued) and glued["segments"][-1]["label"] == "卫生院年度工作总结（二）"
    speeches = strip_text(two_items("1.在全县卫生健康工作会议上的讲话", "2.在全县基层卫生工作会议上的讲话"), "new-site")
    assert [s["label"] for s in speeches["segments"]][-2:] == ["1.在全县卫生健康工作会议上的讲话", "2.在全县基层卫生工作会议上的讲话"]


def test_a_numbered_list_of_links_after_its_opener_goes_and_a_summary_under_its_tag_goes():
    links = "看了“卫生院工作计划”的人还看了：\n1.乡镇卫生院工作计划范文\n2.卫生院公共卫生工作计划3篇"
    result = strip_text(speech_with(links.split("\n")[0], at_end=True) + "\n" + "\n".join(links.split("\n")[1:]), "new-site")
    assert len(kept(result)) == 3
    summary = "【材料简介】本材料为区中医院年度工作总结，突出中医药特色优势发挥，附有下一年工作安排。"
    result = strip_text(f"区中医院年度工作总结\n{summary}\n" + speech_with("").strip(), "new-site")
    assert summary in [t for _, t in removed(result)]


def test_a_breadcrumb_ending_in_a_count_is_not_the_collection_title():
    page = "当前位置：翰墨范文网>工作总结>卫生院年度工作总结（通用3篇）\n卫生院年度工作总结（通用3篇）\n" + speech_with("")
    result = strip_text(page, "new-site")
    assert result["meta"]["collection"] == "卫生院年度工作总结"


def test_a_keyword_row_naming_a_kind_of_document_goes_and_a_texts_enumeration_stays():
    result = strip_text("村卫生室乡村医生个人工作总结\n乡村医生,村卫生室,个人,工作总结\n" + speech_with(""), "new-site")
    assert "乡村医生,村卫生室,个人,工作总结" in [t for _, t in removed(result)]
    enumeration = "一是抓学习，二是抓制度，三是抓落实，四是抓考核"
    assert enumeration in kept(strip_text(speech_with(enumeration), "new-site"))


def test_titles_with_a_bracketed_pian_number_split_the_page():
    result = strip_text(two_items("乡镇卫生院工作总结（精选篇1）", "乡镇卫生院工作总结（精选篇2）"), "new-site")
    assert [s["label"] for s in result["segments"]][-2:] == ["乡镇卫生院工作总结（精选篇1）", "乡镇卫生院工作总结（精选篇2）"]


def test_generic_as_a_site_name_is_refused():
    with pytest.raises(PageError, match="site 'generic' is the rules for every page"):
        strip_text("同志们:\n今天开会。", "generic")


def test_site_is_found_from_fingerprints_when_sources_csv_leaves_it_empty():
    result = strip_text("同志们:\n今天开会。\n……(新文秘网http://www.wm114.cn省略10字,正式会员可完整阅读)……")
    assert result["site"] == "wm114"


# --- the fixture corpus, as built ---------------------------------------------------------------

def test_no_built_paragraph_still_contains_boilerplate(repo):
    strings = ["瑞文范文网", "来源:", "来源：", "热门标签", "新文秘网", "省略1004字", "未完，全文共", "收藏《",
               "导语", "不代表本站观点", "为您整理", "[nextpage]", "上一篇", "下一篇", "时间：20", "目录/提纲"]
    for row in table_rows(repo, "paragraphs"):
        for string in strings:
            assert string not in row["text"], (row["doc_id"], string)


def test_every_removed_character_is_accounted_for(repo):
    """Per page: visible characters decoded = visible characters kept by strip + removed."""
    from scripts.decode import detect, normalize_newlines

    for row in read_table(repo / "clean" / "sources.csv"):
        text = normalize_newlines(detect((repo / row["path"]).read_bytes()).text)
        result = strip.strip_record({"source": {"row": {"site": row["site"]}, "path": row["path"]}, "text": text})
        visible = lambda s: sum(1 for c in s if not c.isspace())
        kept_chars = sum(visible(t) for t in kept(result))
        removed_chars = sum(visible(r["text"]) for r in result["removals"])
        assert kept_chars + removed_chars == visible(text), row["path"]


def test_fanwen_nav_fixture_splits_into_its_plans(repo):
    rows = [r for r in read_table(repo / "clean" / "documents.csv") if r["source_id"] == "f003_nav"]
    assert [r["title"] for r in rows] == [f"卫生局工作计划范文第{n}篇" for n in (1, 2)]


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


def test_fixture_plan_has_its_broken_sentence_repaired(repo):
    paragraphs = [r["text"] for r in table_rows(repo, "paragraphs") if r["doc_id"] == "f003_nav-001"]
    assert any("坚持安全第一、质量优先的原则" in text for text in paragraphs)
    assert not any(text.endswith("坚持安全第") for text in paragraphs)


# --- pages from sites no profile knows: the classifier, repetition, regions, labels, cuts ---------

def test_chrome_of_an_unknown_site_goes_and_each_removal_carries_its_score():
    page = ("欢迎光临学优范文网\n登录 | 注册\n您现在的位置：网站首页 » 工作计划 » 卫生院工作计划\n"
            "2024年乡镇卫生院工作计划\n时间:2024-01-05 工作计划 我要投稿\n"
            "下面是学优范文网小编给大家整理的卫生院工作计划，供大家参考！\n"
            "一、指导思想\n以习近平新时代中国特色社会主义思想为指导，全面落实新时代卫生与健康工作方针。\n"
            "相关推荐\n村卫生室工作计划\n卫生院护理工作计划（通用5篇）\n"
            "Copyright © 2015-2024 学优范文网 All Rights Reserved 京ICP备12345678号")
    result = strip_text(page)
    assert kept(result) == ["一、指导思想", "以习近平新时代中国特色社会主义思想为指导，全面落实新时代卫生与健康工作方针。"]
    assert result["meta"]["title"] == "2024年乡镇卫生院工作计划"
    scored = [r for r in result["removals"] if r["rule"] == "classifier.chrome"]
    assert scored and all(r["score"] >= 4 and r["detail"] for r in scored)
    assert ("classifier.link_list", "村卫生室工作计划") in removed(result)


def test_a_stray_line_in_the_header_does_not_end_it_and_is_never_the_title():
    page = "-\n返回\n卫生局2024年工作要点\n发布时间:2024-02-01 查看人数:1523\n同志们：\n今年是全面贯彻落实党的二十大精神的关键之年。"
    assert title_and_kept(page) == ("卫生局2024年工作要点", ["同志们：", "今年是全面贯彻落实党的二十大精神的关键之年。"])


def test_content_with_chrome_words_is_kept_and_at_most_suspected():
    lines = ["做好居民健康档案登录和更新工作，及时下载并学习防控指南。", "健全县乡村三级医疗卫生服务网",
             "发挥党员先锋模范作用，医共体成员单位全部完成会员制改革。", "详见附件第3页。"]
    result = strip_text("同志们：\n" + "\n".join(lines) + "\n谢谢大家！")
    assert kept(result) == ["同志们：", *lines, "谢谢大家！"]


def test_a_line_recurring_on_pages_of_one_site_is_removed_with_its_count():
    pages = [{"source_id": f"p{n}", "key": "", "path": f"raw/x/p{n}.txt", "row": {"site": "", "url": f"https://www.x.example/{n}.html"},
              "text": f"小站精品文稿第{n}期\n{title}\n{body}"}
             for n, (title, body) in enumerate([("卫生院工作总结", "今年以来，我院各项工作顺利推进。"),
                                                ("卫生局工作计划", "明年我局将重点抓好基本医疗。"),
                                                ("疾控中心工作要点", "全年传染病报告发病率持续下降。")])]
    records = strip.inputs_in_memory(pages)
    assert records[0]["repeats"] == {"0": 3}
    result = strip.strip_record(records[0])
    assert [(r["rule"], r["text"]) for r in result["removals"]][0] == ("classifier.site_repeat", "小站精品文稿第0期")
    assert "on 3 pages of the site" in result["removals"][0]["detail"]


def test_a_sentence_on_every_page_of_a_site_is_the_sites_and_neither_opens_the_text_nor_hides_the_title():
    speeches = [("卫生院院长年度述职报告", "尊敬的各位领导、同志们：", "现将本人一年来的履职情况报告如下，请予评议。"),
                ("医院感染管理科工作计划", "为进一步做好医院感染防控工作，结合我院实际，制定本计划。", "一、加强组织领导。"),
                ("县卫生健康局局长讲话", "同志们：", "今天我们召开全县爱国卫生运动大会，部署今年的工作任务。")]
    pages = [{"source_id": f"p{n}", "key": "", "path": f"raw/x/p{n}.txt",
              "row": {"site": "", "url": f"https://blog.x.example/post/{n}"},
              "text": f"晴岚的记事本\n工作点滴、公文范文与生活随笔，欢迎交流。\n\n{title}\n\n" + "\n".join(body)}
             for n, (title, *body) in enumerate(speeches)]
    for record, (title, *body) in zip(strip.inputs_in_memory(pages), speeches):
        result = strip.strip_record(record)
        assert result["meta"]["title"] == title
        assert kept(result) == body
        assert ("classifier.site_repeat", "工作点滴、公文范文与生活随笔，欢迎交流。") in removed(result)
    # The same page three times is a copy, not a tagline: its text stays.
    copies = [dict(pages[1], source_id=f"c{n}", path=f"raw/x/c{n}.txt") for n in range(3)]
    for record in strip.inputs_in_memory(copies):
        assert kept(strip.strip_record(record))[-2:] == list(speeches[1][1:])


def test_a_numbered_label_with_its_title_glued_to_the_first_sentence_starts_a_document():
    result = strip_text(two_items("第1篇丨院长在年度工作总结暨表彰大会上的讲话",
                                  "第2篇丨妇幼保健院院长在年终工作总结会上的讲话岁末年初，我们召开年终总结大会，回顾一年工作。"))
    assert [s["label"] for s in result["segments"]][-2:] == ["第1篇丨院长在年度工作总结暨表彰大会上的讲话",
                                                             "第2篇丨妇幼保健院院长在年终工作总结会上的讲话"]
    assert result["segments"][-1]["lines"][0][1] == "岁末年初，我们召开年终总结大会，回顾一年工作。"


def test_a_sign_off_between_separator_lines_stays_and_an_english_post_date_goes():
    page = ("Dec 28 Thu 2023 20:14\n卫生院院长述职报告\n\n尊敬的各位领导、同事们：\n?\n"
            "一年来，我认真履行院长职责，带领全院职工圆满完成各项任务，群众满意度稳步提升。\n?\n述职人：XXX\n2024年1月\n?\n"
            "以上报告，请予评议。各位领导、同事们，谢谢大家的支持与帮助。")
    result = strip_text(page)
    assert "述职人：XXX" in kept(result) and "2024年1月" in kept(result)
    assert "Dec 28 Thu 2023 20:14" not in kept(result)


@pytest.mark.parametrize("label_line, text", [
    ("篇1同志们：", "同志们："), ("【篇一】同志们：", "同志们："), ("第二篇：各位代表：", "各位代表："),
    ("第三篇各位领导、各位同事：", "各位领导、各位同事："), ("第3篇一年来，我在院党支部领导下工作。", "一年来，我在院党支部领导下工作。"), ("模板二今年以来，我院认真落实。", "今年以来，我院认真落实。"),
])
def test_a_label_glued_to_its_first_sentence_starts_a_document(label_line, text):
    page = f"卫生工作会议讲话（精选2篇）\n篇0\n同志们：今天开会，研究工作，部署任务，确保完成。\n{label_line}\n今年工作很多，任务很重，大家要努力。"
    result = strip_text(page)
    assert [segment["lines"][0][1] for segment in result["segments"]][1] == text
    assert len(result["segments"]) == 2


def test_a_numbered_label_with_a_title_and_a_length_starts_a_document():
    page = ("卫生院工作总结（精选2篇）\n第1篇 卫生院工作总结 1850字\n今年以来，我院认真贯彻落实上级部署，各项工作顺利推进。\n"
            "第一篇：乡镇卫生院年度工作总结\n一年来，我院在县卫生健康局的领导下，圆满完成了全年任务。")
    result = strip_text(page)
    assert [s["label"] for s in result["segments"]] == ["第1篇 卫生院工作总结 1850字", "第一篇：乡镇卫生院年度工作总结"]


def test_lines_before_the_first_label_without_body_are_removals_not_a_document():
    page = "卫生工作计划（精选2篇）\n目录\n篇一：卫生院工作计划\n篇二：卫生室工作计划\n【篇一】\n一、指导思想\n全面落实卫生工作方针，提高服务水平。\n【篇二】\n今年重点抓好基本医疗和公共卫生，确保任务完成。"
    result = strip_text(page)
    assert len(result["segments"]) == 2
    assert [s["lines"][0][1] for s in result["segments"]] == ["一、指导思想", "今年重点抓好基本医疗和公共卫生，确保任务完成。"]


@pytest.mark.parametrize("cut", ["查看全文", "本站部分文稿需要会员才可阅读或下载", "请先登录\n>"])
def test_cut_markers_flag_the_document_whichever_rule_removes_them(cut):
    result = strip_text(f"同志们：\n今年以来，全县卫生工作取得明显成效，群众满意度不断提高。\n{cut}")
    assert result["segments"][0]["truncated"] is True


def test_a_marker_without_a_count_above_the_text_or_with_the_text_going_on_is_no_cut():
    """A download button in the header, or an expander (展开全文) with the text shown below it, cuts
    nothing; the same marker below the text does, and a stated count cuts wherever it is."""
    body = "今年以来，全县卫生工作取得明显成效，群众满意度不断提高。"
    header = strip_text(f"下载文档到电脑，查找使用更方便　开通VIP，免费下载本文档\n同志们：\n{body}\n{body}")
    assert header["segments"][0]["truncated"] is False
    expander = strip_text(f"同志们：\n{body}\n展开全文\n{body}")
    assert expander["segments"][0]["truncated"] is False
    assert ("generic.paywall_notice", "展开全文") in removed(expander)
    below = strip_text(f"同志们：\n{body}\n展开全文")
    assert below["segments"][0]["truncated"] is True
    counted = strip_text(f"同志们：\n{body}\n此处隐藏1200个字\n{body}")
    assert counted["segments"][0]["truncated"] is True and counted["segments"][0]["missing_chars"] == 1200


def test_a_sites_tag_before_the_title_is_not_part_of_it():
    result = strip_text("[转载]在全镇卫生健康工作会议上的讲话\n(2012-03-05 10:21:33)\n同志们：\n今天召开会议，研究部署今年的卫生健康工作。")
    assert result["meta"]["title"] == "在全镇卫生健康工作会议上的讲话"


def test_a_date_under_the_title_is_the_texts_not_the_title():
    result = strip_text("在全县卫生健康工作会议上的讲话\n（2024年2月20日）\n同志们：\n今天召开会议，研究部署今年的卫生健康工作。")
    assert "（2024年2月20日）" in kept(result)


@pytest.mark.parametrize("line, gone", [
    ("【#工作总结# 导语】总结是对过去一定时期的工作进行回顾和分析的书面材料。以下是本站整理的范文，欢迎阅读。", True),
    ("馆主按：转自某县卫健局网站，留作学习资料，写计划时可参考其框架。", True),
    ("2月20日，全县卫生健康工作会议召开，局长作工作报告。现将讲话全文刊发如下：", True),
    ("乡村医生老李　2012-03-06 08:11:24　[举报]", True),
    ("现将今年以来的工作情况汇报如下：", False),
    ("图为医院党员志愿服务队在乡村开展义诊活动。（县人民医院供图）", True),
    ("（作者单位：XX县卫生健康局）", True),
])
def test_editor_lines_and_comment_bylines_go_the_texts_own_handover_stays(line, gone):
    body = "今年以来，全县卫生工作取得明显成效，群众满意度不断提高，基层服务能力持续增强。"
    result = strip_text(f"卫生院工作总结\n{line}\n{body}\n{body}")
    assert (line not in kept(result)) is gone


def test_a_trailing_ellipsis_after_a_half_sentence_flags_the_cut():
    result = strip_text("同志们：\n今年以来，全县卫生工作取得明显成效，医联体建设..")
    assert result["segments"][0]["truncated"] is True
    done = strip_text("同志们：\n今年以来，全县卫生工作取得明显成效。")
    assert done["segments"][0]["truncated"] is False


def test_a_block_over_blank_lines_writes_no_empty_removal():
    page = "目录/提纲：……\n\n一、总体要求\n\n二、主要任务\n\n……\n同志们：\n今天召开会议，研究部署工作。"
    result = strip_text(page)
    assert [r["text"] for r in result["removals"] if r["rule"] == "generic.outline"] == [
        "目录/提纲：……", "一、总体要求", "二、主要任务", "……"]
    assert all(r["text"] for r in result["removals"])


def test_any_rule_kind_may_capture_metadata(tmp_path, monkeypatch):
    site = tmp_path / "stamped.toml"
    site.write_text('[profile]\nid = "stamped"\n[[rule]]\nid = "stamped.inline_date"\nwhere = "inline"\n'
                    "pattern = '【(?P<published>\\d{4}-\\d{2}-\\d{2})】'\n", encoding="utf-8")
    profiles = dict(strip.load_profiles())
    profiles["stamped"] = strip.load_profile(site)
    for module in (strip, ruleset):  # the page logic and the rule engine both load profiles
        monkeypatch.setattr(module, "load_profiles", lambda: profiles)
    strip.rule_set.cache_clear()
    result = strip_text("同志们：\n今天召开会议【2024-03-05】，研究部署工作。", "stamped")
    strip.rule_set.cache_clear()
    assert result["meta"]["published"] == "2024-03-05"


# --- profiles are data: typed, linear-time patterns -------------------------------------------------

def write_profile(tmp_path, body: str):
    path = tmp_path / "site.toml"
    path.write_text('[profile]\nid = "site"\n' + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("body, message", [
    ('[[rule]]\nid = 5\nwhere = "line"\npattern = "x"\n', "id must be a string starting with 'site.', not 5"),
    ('[[rule]]\nid = "site.a"\nwhere = "block"\nstart = "a"\nend = "b"\nmax_lines = "many"\n', "max_lines must be a whole number"),
    ('[[rule]]\nid = "site.a"\nwhere = "line"\npattern = "x"\nboundary = "false"\n', "boundary must be true or false, not 'false'"),
    ('[[rule]]\nid = "site.a"\nwhere = "line"\npattern = "(?=x)y"\n', "bad pattern"),
    ('[[rule]]\nid = "site.a"\nwhere = "line"\npattern = "x"\nboundry = true\n', "unknown key 'boundry'"),
])
def test_profile_type_errors_name_the_rule_and_the_key(tmp_path, body, message):
    with pytest.raises(strip.ProfileError) as error:
        strip.load_profile(write_profile(tmp_path, body))
    assert "site.toml: rule" in str(error.value) and message in str(error.value)


def test_every_problem_of_a_profile_is_reported_at_once(tmp_path):
    body = ('[[rule]]\nid = "site.a"\nwhere = "line"\npattern = "(x"\n'
            '[[rule]]\nid = "site.b"\nwhere = "nowhere"\npattern = "y"\n')
    with pytest.raises(strip.ProfileError) as error:
        strip.load_profile(write_profile(tmp_path, body))
    assert len(str(error.value).splitlines()) == 2


@pytest.mark.parametrize("pattern", [r"(.|.)*X", r"(?:a|a?)+$", r"\s*\s*\s*X", r"(.*a){10}", r"(\w+\s?)*$"])
def test_patterns_that_backtrack_elsewhere_run_in_linear_time_here(tmp_path, pattern):
    rule = strip.load_profile(write_profile(
        tmp_path, f"[[rule]]\nid = \"site.slow\"\nwhere = \"inline\"\npattern = '{pattern}'\n")).rules[0]
    rule.pattern.search(" " * 100_000 + "!")  # RE2: linear; Python's re takes minutes here
    rule.pattern.search("a" * 20_000 + "!")


def test_the_shipped_rules_stay_linear_on_100kb_of_whitespace():
    strip_text("同志们：\n" + " " * 100_000 + "\n今天召开会议，研究部署工作。")


# --- the development set: nothing of the body is ever lost ----------------------------------------

def test_no_body_text_is_lost_on_the_development_set():
    from benchmarks.devset import DEVSET, pages
    from benchmarks.strip import build, score_page

    corpus = pages(DEVSET / "dev")
    records, failures = build(corpus)
    assert failures == []
    lost = {page.name: result["lost"] for page in corpus if (result := score_page(page, records[page.name]))["lost"]}
    assert lost == {}


# --- shapes for sites no profile knows: labels, titles, threads, cuts -----------------------------

def test_a_label_rule_whose_title_is_a_sentence_keeps_the_sentence():
    sentence = "今年以来,我中心结核病防治工作在上级业务部门的指导下,认真落实各项防治措施,现将工作开展情况报告如下。"
    result = strip_text(f"范文一:\n同志们:\n今天开会。\n范文四:{sentence}\n1.病人发现。")
    assert [s["lines"][0][1] for s in result["segments"]] == ["同志们:", sentence]
    assert ("generic.item_label_fanwen_n", "范文四:") in removed(result)


@pytest.mark.parametrize("label", ["▍篇二\u3000乡镇卫生院公共卫生工作计划", "【第2篇】", "卫生院医保工作总结 篇二",
                                   "精选范文2\u3000医院药剂科年度工作总结", "▍篇二", "模板二：社区卫生服务中心工作总结",
                                   "范例二", "范文（二）", "第二份：XX社区爱国卫生月活动实施方案", "No.2 中心卫生院年度工作总结",
                                   "爱国卫生月工作计划 2", "（二）关于基层医疗卫生人才队伍建设的调研报告"])
def test_label_shapes_no_rule_knows_start_documents(label):
    result = strip_text(f"【第1篇】\n同志们:\n今天开会。\n{label}\n各位同事:\n明天开会。")
    assert [[t for _, t in s["lines"]] for s in result["segments"]] == [["同志们:", "今天开会。"], ["各位同事:", "明天开会。"]]
    assert result["segments"][1]["label"] == label


def test_a_punctuated_title_above_a_byline_is_the_title():
    page = ("首页 / 健康 / 政务 / 正文\n权威发布|青溪县2024年卫生健康工作要点\n健康青溪 · 2024年3月8日 17:42 · 阅读 3,208\n"
            "2024年是实施“十四五”规划的关键一年,全县卫生健康工作要坚持以人民健康为中心。")
    assert title_and_kept(page) == ("权威发布|青溪县2024年卫生健康工作要点", ["2024年是实施“十四五”规划的关键一年,全县卫生健康工作要坚持以人民健康为中心。"])


def test_a_sentence_first_line_without_chrome_below_is_not_taken_for_a_title():
    page = "今年以来,我院认真落实各项工作,成效明显。\n一、医疗工作\n门诊人次增长。"
    result = strip_text(page)
    assert "title" not in result["meta"]
    assert kept(result)[0] == "今年以来,我院认真落实各项工作,成效明显。"


def test_a_poster_name_between_header_chrome_lines_goes():
    page = ("2023年乡镇卫生院工作总结\n[复制链接]\n卫生院老王\n主题 12 帖子 87 积分 403\n"
            "楼主 发表于 2023-7-6 20:15:31 | 只看该作者 | 倒序浏览\n上半年,我院扎实推进各项工作,现将上半年工作总结如下:\n一、医疗工作")
    result = strip_text(page)
    assert ("classifier.chrome", "卫生院老王") in removed(result)
    assert kept(result)[0].startswith("上半年")


def test_replies_after_the_first_post_go_with_the_poster_name_above_them():
    page = ("同志们:\n今天我们召开院周会,讲一讲医疗安全。\n谢谢大家!\n回复 引用 举报\n\n基层小护士\n"
            "沙发 发表于 2023-9-19 07:52\n讲得太对了,我们院也经常强调查对制度\n普外刘\n板凳 发表于 2023-9-19 12:30\nmark")
    result = strip_text(page)
    assert kept(result) == ["同志们:", "今天我们召开院周会,讲一讲医疗安全。", "谢谢大家!"]
    assert ("classifier.thread_reply", "讲得太对了,我们院也经常强调查对制度") in removed(result)
    assert ("classifier.thread_reply", "基层小护士") in removed(result)


def test_a_reply_shape_above_the_first_body_line_does_not_end_the_document():
    page = "沙发 发表于 2023-9-19 07:52\n同志们:\n今天开会,研究工作。\n谢谢大家!"
    assert kept(strip_text(page)) == ["同志们:", "今天开会,研究工作。", "谢谢大家!"]


@pytest.mark.parametrize("marker, missing", [
    ("—— 试读已结束,余下 4,816 字请下载后阅读 ——", 4816),
    ("游客,本帖隐藏的内容需要回复才可以浏览", None),
    ("(剩余约2600字,下载文档查看全文)", 2600),
])
def test_cut_marker_shapes_flag_the_document_with_the_count(marker, missing):
    result = strip_text(f"同志们:\n今天我们召开会议,研究部署工作。\n一是人才队伍……\n{marker}\n相关文档")
    (segment,) = result["segments"]
    assert (segment["truncated"], segment["missing_chars"]) == (True, missing)
    assert marker not in kept(result)


def test_an_ellipsis_line_the_classifier_removes_still_flags_the_cut():
    result = strip_text("同志们:\n今天我们召开会议,研究部署工作。\n对依从性低的科室进行约谈和\n……\n点击下载完整文档")
    assert result["segments"][0]["truncated"] is True
    assert "……" not in kept(result)


def test_a_signature_the_site_repeats_is_kept_above_its_date():
    page = "青山县卫生健康局\n同志们:\n今天我们召开会议,研究部署工作。\n青山县卫生健康局\n2024年1月12日\n关闭窗口"
    record = {"source": {"row": {"site": "qingshan"}, "path": "test.txt"}, "text": page, "repeats": {"0": 3, "3": 3}}
    result = strip.strip_record(record)
    assert kept(result)[-2:] == ["青山县卫生健康局", "2024年1月12日"]
    assert ("classifier.site_repeat", "青山县卫生健康局") in removed(result)  # the header's copy still goes


@pytest.mark.parametrize("line", ["—— 广告 ——", "- END -", "— 2 —", "▽", "上篇文章:卫生监督所2023年工作报告"])
def test_dividers_page_numbers_and_prev_next_links_go_between_body_lines(line):
    result = strip_text(f"同志们:\n今天我们召开会议,研究部署工作。\n{line}\n一、提高站位,加强领导,落实责任。")
    assert line not in kept(result)


def test_headlines_after_a_list_opener_go_even_with_a_question_mark_and_do_not_extend_the_body():
    result = strip_text(with_footer("- END -\n觉得有用,就点个在看吧!\n"
                                    "往期推荐\n▶ 卫生院年终总结怎么写？附5篇范文\n▶ 家庭医生签约，你签了吗？"))
    assert kept(result) == SHORT_SPEECH
    assert ("classifier.link_list", "▶ 卫生院年终总结怎么写？附5篇范文") in removed(result)


def test_a_lists_own_heading_opens_it_in_the_footer_and_a_sites_name_does_not():
    result = strip_text(with_footer("\n【下载Word】　【复制全文】\n相关公文\n· 在全市卫生健康工作会议上的讲话\n"
                                    "· 县长在全县卫生健康大会上的讲话\n\n类似文章　更多\n医保局长在全县医保工作会议上的讲话"))
    assert kept(result) == SHORT_SPEECH
    assert ("classifier.link_list", "· 县长在全县卫生健康大会上的讲话") in removed(result)
    assert ("classifier.link_list", "医保局长在全县医保工作会议上的讲话") in removed(result)
    from scripts import classify
    assert classify.opens_list("相关公文") and classify.opens_list("· 最新范例 ·")
    assert not classify.opens_list("精选文集网") and not classify.opens_list("相关")
    # Between body lines such a heading is the text's own (suspected at most, never removed).
    own = "为做好今年的卫生健康工作，结合本县实际，制定本方案。\n相关要求\n各单位要高度重视，认真组织实施，确保取得实效。"
    assert kept(strip_text(own)) == own.split("\n")


def test_a_sites_notice_goes_with_its_numbered_items_and_a_documents_own_list_stays():
    notice = ("友情提示\n2、PDF文件下载后，可能会被浏览器默认打开，请保存到桌面后再下载。\n"
              "3、本站不支持迅雷下载，请使用浏览器自带的下载功能。\n4、试题类文档如果标题没有说明有答案，则都视为没有答案。\n")
    page = notice + "卫生院工作计划.docx\n为做好今年工作，结合我院实际，制定本计划。\n一、工作目标\n全年门诊量增长5%以上。"
    result = strip_text(page)
    assert kept(result)[0] == "为做好今年工作，结合我院实际，制定本计划。"
    assert [rule for rule, text in removed(result) if text.startswith("4、")] == ["classifier.link_list"]
    # A document's own notes under 注意事项 name nothing of a site: they stay.
    own = ("为做好今年工作，结合我院实际，制定本计划。\n注意事项\n1、各科室要按时报送数据，确保准确。\n"
           "2、遇到问题及时向院办报告，不得拖延。")
    assert kept(strip_text(own)) == own.split("\n")


def test_a_forums_jammer_goes_on_its_own_line_and_glued_and_the_sentences_punctuation_stays():
    page = ("同志们：\n今天召开会议，部署今年工作。⟦9 S3 x( h! F7 e# P, j⟧\n* X2 k0 ]' A8 Q% d\" p\n"
            "⟦3 k! T/ f% h8 D+ z* w ⟧一、肯定成绩，坚定信心。\n完成体检2146人，⟦5 E( O! v6⟧签约率达到71.6%。")
    result = strip_text(page.replace("⟦", "").replace("⟧", ""))
    assert kept(result) == ["同志们：", "今天召开会议，部署今年工作。", "一、肯定成绩，坚定信心。", "完成体检2146人，签约率达到71.6%。"]
    assert ("generic.jammer", "* X2 k0 ]' A8 Q% d\" p") in removed(result)
    # A list's letters and numbers are not a jammer.
    assert kept(strip_text("同志们：\n选项有 A. B. C. D. 四个，1. 2. 3. 依次作答。")) == ["同志们：", "选项有 A. B. C. D. 四个，1. 2. 3. 依次作答。"]


def test_the_first_title_is_the_title_and_its_keyword_variants_under_it_go():
    page = ("首页 > 讲话稿 > 正文\n县卫健局局长在全县卫生健康工作会议上的讲话\n\n县卫健局局长在2024年全县卫生健康工作会议上的讲话\n"
            "20XX年卫生健康工作会议讲话稿\n\n一、回顾\n二、形势\n三、任务\n\n同志们：\n今天召开会议，部署工作。\n一、回顾\n去年各项工作进展顺利。")
    result = strip_text(page)
    assert result["meta"]["title"] == "县卫健局局长在全县卫生健康工作会议上的讲话"
    assert "县卫健局局长在2024年全县卫生健康工作会议上的讲话" not in kept(result)
    assert "20XX年卫生健康工作会议讲话稿" not in kept(result)
    # The document's own heading right above its text stays, however like the title it reads.
    heading = ("县卫健局2023年工作总结\nXX县卫生健康局2023年工作总结\n"
               "2023年，我局在县委、县政府的领导下，扎实推进各项工作，取得明显成效。")
    result = strip_text(heading)
    assert result["meta"]["title"] == "县卫健局2023年工作总结"
    assert kept(result)[0] == "XX县卫生健康局2023年工作总结"
    # A category name above the title is not the title.
    category = "卫生院工作总结范文大全\nXX镇卫生院2023年度工作总结\n\n2023年，我院扎实推进各项工作，取得明显成效。"
    assert strip_text(category)["meta"]["title"] == "XX镇卫生院2023年度工作总结"


def test_a_menu_holding_a_list_word_does_not_open_a_list():
    page = "首页 论坛 排行榜 | 登录 注册\n卫生院安全检查情况汇报\n查看: 1862｜回复: 3\n为做好安全工作,现将检查情况汇报如下。"
    assert title_and_kept(page) == ("卫生院安全检查情况汇报", ["为做好安全工作,现将检查情况汇报如下。"])


def test_short_fields_enclosed_by_chrome_inside_the_body_go():
    page = ("同志们:\n家庭医生签约服务是深化医改的重要内容,对分级诊疗具有重要意义。\n中文名\n家庭医生签约服务\n"
            "推行时间\n2016年\n目录\n1 基本概念\n2 服务内容\n\n一、基本概念\n家庭医生是为群众提供签约服务的第一责任人。")
    result = strip_text(page)
    assert "推行时间" not in kept(result) and "2016年" not in kept(result) and "1 基本概念" not in kept(result)
    assert kept(result)[-2:] == ["一、基本概念", "家庭医生是为群众提供签约服务的第一责任人。"]


def test_an_encyclopedia_edit_link_goes_from_its_heading_only_when_the_page_repeats_it():
    page = ("同志们:\n今天我们召开会议,研究部署工作。\n基本概念编辑\n家庭医生是第一责任人。\n"
            "服务内容编辑\n涵盖常见病、多发病的诊治。\n项目背景播报编辑\n项目实施以来,补助标准逐步提高。")
    assert kept(strip_text(page))[2::2] == ["基本概念", "服务内容", "项目背景"]
    single = strip_text("同志们:\n今天我们召开会议,研究部署工作。\n新闻编辑\n做好宣传报道工作。")
    assert "新闻编辑" in kept(single)


def test_a_bracketed_site_name_and_domain_goes_from_the_sentence():
    result = strip_text("同志们:\n全年接种疫苗6.8万剂次（文秘苑 wenmiyuan.example）,接种率保持在95%以上。\n谢谢大家!")
    assert kept(result)[1] == "全年接种疫苗6.8万剂次,接种率保持在95%以上。"
    aside = strip_text("同志们:\n全年接种疫苗6.8万剂次（含 A 类疫苗）,接种率保持在95%以上。\n谢谢大家!")
    assert kept(aside)[1] == "全年接种疫苗6.8万剂次（含 A 类疫苗）,接种率保持在95%以上。"


def test_a_qa_answers_own_title_below_the_best_answer_header_is_body():
    page = ("卫生院工作总结怎么写？求一篇范文\n提问者：匿名用户 | 2023-11-02 19:36 | 浏览 1.8万次\n"
            "问题补充：单位要求年底交，大概两千字，有没有大神给个范文，谢谢各位了\n✔ 最佳答案\n"
            "XX镇卫生院2023年工作总结\n2023年，我院认真贯彻落实各项要求，现将全年工作总结如下：")
    assert title_and_kept(page) == ("卫生院工作总结怎么写？求一篇范文", ["XX镇卫生院2023年工作总结", "2023年，我院认真贯彻落实各项要求，现将全年工作总结如下："])


def test_blog_comments_after_a_comment_header_go():
    result = strip_text(with_footer("\n评论 (1)\n老周 于 2024-02-04 09:03 说：\n第二篇很受用，借用了，多谢分享。\n回复"))
    assert kept(result) == SHORT_SPEECH


COUNTED_STRIP = """
from scripts import strip
calls = []
real = strip._page_line_hashes
strip._page_line_hashes = lambda record: calls.append(record["source_id"]) or real(record)
report = strip.run()
print(report.computed, sorted(calls))
"""


def test_after_one_page_changed_only_that_page_is_read_to_recount_site_repetition(repo):
    with open(repo / "raw" / "unknown" / "f004_summary.txt", "ab") as handle:
        handle.write("\n补充一段文字，说明工作情况。\n".encode("utf-8"))
    assert run_module(repo, "decode").returncode == 0
    result = subprocess.run([sys.executable, "-c", COUNTED_STRIP], cwd=repo, capture_output=True, text=True,
                            encoding="utf-8")
    assert result.returncode == 0, result.stderr
    computed, read = result.stdout.strip().split(" ", 1)
    assert read == "['f004_summary']"  # the others' line hashes come from build/strip-repeat-keys/
    assert int(computed) >= 1


def test_an_address_the_sentence_points_to_stays_a_watermark_goes():
    """The keep group of an inline rule: context that makes the span the text's own."""
    from scripts import checks

    pointed = "市民如欲了解更多资料，可浏览卫生防护中心网页（www.chp.gov.hk），或致电热线查询。"
    spliced = "今年以来，全县卫生工作（www.fanwen.com）取得明显成效，群众满意度不断提高。"
    result = strip_text(f"同志们：\n{pointed}\n{spliced}")
    assert pointed in kept(result)
    assert "今年以来，全县卫生工作取得明显成效，群众满意度不断提高。" in kept(result)
    assert ("generic.watermark_url", "（www.fanwen.com）") in removed(result)
    rules = checks.text_rules()["generic"]
    assert [rule for rule, _ in rules.found(strip.make_shadow(pointed).text)] == []
    assert "generic.watermark_url" in [rule for rule, _ in rules.found(strip.make_shadow(spliced).text)]


@pytest.mark.parametrize("thread", [
    "12 条评论\n小城医生\n这句说到心坎上了。", "引用 阿木木 的发言：\n这句写得好，我借鉴了。",
    "评论　[发评论]\n乡村医生老李　2012-03-06 08:11:24　[举报]\n写得很实在，收藏了。",
])
def test_a_comment_thread_below_the_text_goes_whole(thread):
    body = "今年以来，全县卫生工作取得明显成效，群众满意度不断提高，基层服务能力持续增强。"
    result = strip_text(f"同志们：\n{body}\n谢谢大家！\n{thread}")
    assert kept(result) == ["同志们：", body, "谢谢大家！"]


def test_a_posters_lead_in_goes_a_post_title_that_shares_stays_the_title():
    body = "今年以来，全县卫生工作取得明显成效，群众满意度不断提高，基层服务能力持续增强。"
    result = strip_text(f"分享一篇分管副县长在全县健康扶贫工作推进会上的讲话\n"
                        f"年底了，熬了两个晚上写的讲话稿，发上来给同行参考，也请大家提提意见。\n同志们：\n{body}")
    assert result["meta"]["title"] == "分享一篇分管副县长在全县健康扶贫工作推进会上的讲话"
    assert kept(result) == ["同志们：", body]


def test_a_member_wall_below_the_text_flags_the_cut():
    body = "今年以来，全县卫生工作取得明显成效，群众满意度不断提高，基层服务能力持续增强。"
    result = strip_text(f"同志们：\n{body}\n关注博主即可阅读全文")
    assert result["segments"][0]["truncated"] is True


def test_a_line_recurring_in_the_articles_of_an_html_sites_pages_is_removed():
    """Site repetition on HTML pages counts the lines the extractor keeps (the article's), which are
    the lines strip sees: a sign-off the site puts inside every article goes like any repeated line."""
    bodies = ["今年以来，我院认真贯彻落实上级部署，基本公共卫生服务各项工作顺利推进，群众满意度不断提高。",
              "明年我局将重点抓好基本医疗和公共卫生服务，推进紧密型县域医共体建设，提升基层服务能力。",
              "全年传染病报告发病率持续下降，预防接种、慢病管理和健康教育等工作均完成了年度目标任务。"]
    pages = [{"source_id": f"p{n}", "key": "", "path": f"raw/x/p{n}.html", "format": "html",
              "row": {"site": "", "url": f"https://www.x.example/{n}.html"},
              "text": (f"<html><head><title>卫生工作文稿{n}</title></head><body><nav>首页 | 范文 | 总结</nav>"
                       f"<article><h1>卫生工作文稿{n}</h1><p>{body}</p><p>{body}</p>"
                       f"<p>青山健康文摘第{n}期</p></article><footer>联系我们</footer></body></html>")}
             for n, body in enumerate(bodies)]
    records = strip.inputs_in_memory(pages)
    results = [strip.strip_record(record) for record in records]
    for n, result in enumerate(results):
        assert bodies[n] in kept(result)
        assert ("classifier.site_repeat", f"青山健康文摘第{n}期") in removed(result)


@pytest.mark.parametrize("text", ["开展HPV DNA检测，A+ B级医院达到3家。", "采用PDCA 循环，推进COVID-19 检测。"])
def test_latin_words_in_a_sentence_are_not_a_forum_jammer(text):
    assert kept(strip_text(f"同志们:\n{text}"))[1] == text


def test_a_numbered_line_is_never_the_page_title():
    # Under a compilation's title, its first item's numbered heading (一、…总结) is an item, not the title.
    result = strip_text("卫生院工作总结汇编（4篇）\n一、XX镇卫生院2023年工作总结\n"
                        "2023年，在县卫健局和镇党委、政府的领导下，我院扎实做好基本医疗和公共卫生服务。\n")
    assert result["meta"].get("title", "") != "一、XX镇卫生院2023年工作总结"
    assert result["segments"][0]["label"] == "一、XX镇卫生院2023年工作总结"  # the item's label (labels.numbered_unit_title)


CONTENTS_PAGE = """卫生健康系统述职报告汇编.docx
目　　录
县人民医院院长述职报告……………………1
县中医医院院长述职报告……………………3
──────── 分页符 ────────
县人民医院院长述职报告
2023年，我在县卫生健康局党委的领导下，主持县人民医院全面工作，现将履职情况报告如下。
一、主要工作
全年门急诊人次增长百分之八，出院患者增长百分之六，各项指标完成良好。
县中医医院院长述职报告
2023年，我认真履行院长职责，突出中医特色，推进医院高质量发展，现报告如下。
一、突出中医特色
骨伤科、针灸科门诊量均有增长，群众满意度进一步提高。"""


def test_a_contents_that_names_documents_splits_the_page_where_the_names_recur():
    result = strip_text(CONTENTS_PAGE)
    assert [s["label_base"] for s in result["segments"]] == ["县人民医院院长述职报告", "县中医医院院长述职报告"]
    assert [s["lines"][0][1][:5] for s in result["segments"]] == ["2023年", "2023年"]
    assert ("generic.contents_heading", "目　　录") in removed(result)


def test_a_contents_of_sections_splits_nothing():
    page = CONTENTS_PAGE.replace("县人民医院院长述职报告", "一、主要工作").replace("县中医医院院长述职报告", "一、突出中医特色")
    result = strip_text(page)
    assert len(result["segments"]) == 1
    assert "一、主要工作" in kept(result) and "一、突出中医特色" in kept(result)


def test_a_running_head_repeated_at_page_breaks_goes_and_a_repeated_signature_stays():
    head = "泺南县人民医院　　　　　　　　　　内部资料"
    signature = "泺南县人民医院　　　　　　　　2024年1月5日"
    page = (f"{head}\n2024年工作计划\n全年门急诊人次达到七十二万人次，出院患者四万三千人次。\n{signature}\n— 1 —\n{head}\n"
            f"二、重点工作\n实施重点学科提升计划，重点支持心血管内科、神经内科发展。\n{signature}\n"
            "附：重点专科建设任务分解表已另文印发，请各科室对照落实。")
    result = strip_text(page)
    assert [rule for rule, text in removed(result) if text == head] == ["classifier.running_head"] * 2
    assert kept(result).count(signature) == 2


def test_a_papers_front_matter_goes_however_many_sentences_its_abstract_holds():
    page = ("以网格化管理推动基本公共卫生服务提质增效的实践\n"
            "摘要：总结了某区以网格化管理推进基本公共卫生服务的做法，即划分服务网格、组建网格团队、实施网格考核，"
            "实践表明网格化管理提高了重点人群管理率。\n分类号：R197.1\n"
            "基本公共卫生服务是政府向全体居民免费提供的公共产品，近年来，某区针对基本公共卫生服务中存在的问题开展了探索。")
    result = strip_text(page)
    assert kept(result)[0].startswith("基本公共卫生服务是政府")
    assert {rule for rule, text in removed(result) if text.startswith(("摘要", "分类号"))} == {"classifier.chrome"}


def test_a_title_given_as_a_file_name_is_the_same_title_without_its_extension():
    from scripts.profiles import title_key
    assert title_key("卫生健康系统述职报告汇编.docx") == title_key("卫生健康系统 述职报告汇编")


def test_a_translation_beside_each_paragraph_goes_and_english_inside_chinese_stays():
    english = ("The city carried out the Patriotic Health Campaign in depth and added four national hygienic towns, "
               "and the health literacy level of residents reached 29.6 percent, up 2.1 percentage points from the "
               "previous year, while average life expectancy reached 79.2 years across all of the counties.")
    assert len(english) > 200  # longer than the guard lets a rule remove: the guard protects Chinese text
    page = (f"同志们：\n深入开展爱国卫生运动，新增国家卫生乡镇4个，居民健康素养水平达到29.6%。\n{english}\n"
            "全市推广HPV DNA检测和PDCA循环管理，宫颈癌筛查覆盖率进一步提高。")
    result = strip_text(page)
    assert english not in kept(result)
    assert "全市推广HPV DNA检测和PDCA循环管理，宫颈癌筛查覆盖率进一步提高。" in kept(result)


def test_a_chat_export_loses_its_headers_and_stickers_and_a_form_its_choices():
    page = ("周科长　　09:12\n同志们：\n今年要重点抓好家庭医生签约服务，确保重点人群签约率达到百分之七十五以上。\n"
            "[图片]\n李医生（檀口卫生院）　　09:14\n○ A. 70%　　○ B. 75%　　○ C. 80%\n"
            "各单位要对照目标任务，细化工作措施，确保各项工作落到实处。")
    result = strip_text(page)
    assert kept(result) == ["同志们：", "今年要重点抓好家庭医生签约服务，确保重点人群签约率达到百分之七十五以上。",
                            "各单位要对照目标任务，细化工作措施，确保各项工作落到实处。"]


def test_a_similarity_checkers_marker_goes_from_inside_the_sentence():
    result = strip_text("同志们：\n全年完成家庭医生签约〔此处有 118 字相似〕12.3万人，签约率达到百分之七十。")
    assert "全年完成家庭医生签约12.3万人，签约率达到百分之七十。" in kept(result)
    assert [rule for rule, text in removed(result) if "相似" in text] == ["classifier.inline.similarity_marker"]


def test_a_cut_that_states_what_kind_of_characters_remain_still_counts_them():
    result = strip_text("同志们：\n今年以来，全市基层卫生服务能力稳步提升，群众满意度不断提高。\n"
                        "本文剩余中文约1860字及对应英文译文为VIP会员专享，开通VIP即可阅读全文")
    assert result["segments"][0]["truncated"] is True
    assert result["segments"][0]["missing_chars"] == 1860


def test_a_contents_of_numbered_speech_titles_without_page_numbers_splits_at_their_repeats():
    speeches = ["1. 在全县医共体建设推进会上的讲话", "2. 在全镇家庭医生签约服务工作会议上的讲话"]
    page = ("基层卫生会议讲话汇编\n目录\n" + "\n".join(speeches) + "\n"
            f"{speeches[0]}\n同志们：\n今天召开全县医共体建设推进会，主要任务是总结工作、部署任务。\n"
            f"{speeches[1]}\n同志们：\n家庭医生签约服务是推进分级诊疗的重要举措，大家要高度重视。")
    result = strip_text(page)
    assert [s["label"] for s in result["segments"]] == speeches
    assert [rule for rule, text in removed(result) if text in speeches] == \
        ["labels.contents_entry"] * 2 + ["labels.contents_heading"] * 2


@pytest.mark.parametrize("label", ["一、在全县医共体建设推进会上的讲话", "二、青杉县妇幼保健院院长2023年度述职报告",
                                   "第二节　柘塘镇中心卫生院2023年工作总结", "【本期范文②】芦湾镇卫生院2023年工作总结"])
def test_a_numbered_title_of_a_speech_a_post_or_a_chapter_starts_a_document(label):
    page = (f"卫生健康文稿选编\n各位领导、同志们：\n一年来，我们认真履行职责，各项工作取得新进展，现将有关情况报告如下。\n{label}\n"
            "按照县卫生健康局的统一安排，现将本人一年来的工作情况报告如下，请予评议。")
    result = strip_text(page)
    assert len(result["segments"]) == 2 and result["segments"][1]["label"] == label


def test_a_section_heading_that_names_a_task_is_no_label():
    page = ("卫生院工作总结\n一年来，我院各项工作取得新进展，现将有关情况报告如下。\n一、在服务能力上下功夫\n"
            "新开展适宜技术6项，门急诊人次同比增长百分之九。\n二、存在的问题\n人才短缺问题依然突出，业务用房陈旧。")
    assert len(strip_text(page)["segments"]) == 1


def test_a_sharers_words_above_the_text_go_and_the_same_words_inside_it_are_only_suspected():
    lead = "最近在做基层医疗的比较报告，找到一篇卫生院的年度工作总结，格式很典型，转贴给大家参考，数字都是范本改过的。"
    page = (f"{lead}\n2023年，我院在县卫生健康局的正确领导下，坚持以人民健康为中心，各项工作取得新进展。\n"
            f"一、主要工作\n{lead}\n全年门急诊人次同比增长百分之九，住院人次同比增长百分之七。")
    result = strip_text(page)
    assert kept(result)[0].startswith("2023年") and kept(result).count(lead) == 1
    assert any(s["text"] == lead for s in result["suspects"])


@pytest.mark.parametrize("where", ["above", "below"])
def test_a_notice_that_content_is_withheld_flags_the_cut_wherever_it_stands(where):
    notice = "半年总结会上的讲话稿，前面部分先放出来，全文回复可见。" if where == "above" else "游客，如果您要查看本帖隐藏内容请回复"
    body = "同志们：\n今天召开全院职工大会，主要是对上半年工作进行总结，对下半年工作进行部署。"
    signature = "三十年乡镇卫生院，一辈子的事业。"  # a poster's signature left below: the text seems to go on
    page = f"{notice}\n{body}" if where == "above" else f"{body}\n{notice}\n{signature}"
    assert strip_text(page)["segments"][0]["truncated"] is True


def test_a_sites_usage_note_after_the_text_and_a_shown_in_part_notice_go():
    page = ("同志们：\n今年以来，全县卫生健康系统认真落实各项任务，群众满意度不断提高。\n"
            "以上范文仅供学习参考，请结合本单位实际修改使用，切勿照搬照抄。\n笔记内容较长，当前仅展示部分内容")
    result = strip_text(page)
    assert kept(result) == ["同志们：", "今年以来，全县卫生健康系统认真落实各项任务，群众满意度不断提高。"]
    assert result["segments"][0]["truncated"] is True


def test_authors_affiliations_above_a_paper_go_and_a_signature_below_a_text_stays():
    page = ("以网格化管理推动基本公共卫生服务提质增效的实践\n某区卫生健康局；某区疾病预防控制中心\n"
            "基本公共卫生服务是政府向全体居民免费提供的公共产品，近年来，某区开展了网格化管理的探索。\n"
            "网格化管理提高了重点人群管理率和服务真实性，群众满意度持续提升。\n某区卫生健康局")
    result = strip_text(page)
    assert "某区卫生健康局；某区疾病预防控制中心" not in kept(result)
    assert kept(result)[-1] == "某区卫生健康局"


def test_a_title_with_a_bracketed_number_glued_to_the_first_sentence_starts_a_document_and_a_count_does_not():
    page = ("在全县卫生健康工作会议上的讲话【三篇】\n领导讲话稿【篇一】　同志们：今天召开会议，主要任务是总结工作、部署任务。\n"
            "全县卫生健康系统要紧紧围绕中心工作，推动各项任务落实。\n领导讲话稿【篇二】　同志们：这次会议很重要，大家要认真贯彻落实。")
    result = strip_text(page)
    assert [s["lines"][0][1] for s in result["segments"]] == ["同志们：今天召开会议，主要任务是总结工作、部署任务。",
                                                              "同志们：这次会议很重要，大家要认真贯彻落实。"]
    assert result["meta"]["title"] == "在全县卫生健康工作会议上的讲话【三篇】"


def test_an_outline_of_the_headings_above_the_text_goes_and_the_headings_stay():
    outline = ["一、2023年工作取得新成效", "二、准确把握面临的形势", "三、突出重点，扎实做好2024年工作"]
    page = ("在2024年全市卫生健康工作会议上的讲话\n" + "\n".join(outline) + "\n同志们：\n"
            "今天召开全市卫生健康工作会议，主要任务是总结工作、部署任务。\n" + outline[0] + "\n"
            "过去一年，全市卫生健康系统坚决贯彻决策部署，各项工作取得新成效。\n" + outline[1] + "\n"
            "当前，我市卫生健康事业发展正处于爬坡过坎、提质增效的关键时期。")
    result = strip_text(page)
    assert kept(result)[0] == "同志们："
    assert kept(result).count(outline[0]) == 1 and outline[2] not in kept(result)
    assert [rule for rule, text in removed(result) if text in outline] == ["labels.contents_entry"] * 3


def test_headings_at_the_start_of_a_text_without_a_repeat_are_the_text():
    page = ("卫生院2024年工作计划\n一、指导思想\n二、工作目标\n三、主要措施\n"
            "以习近平新时代中国特色社会主义思想为指导，全面落实新时代卫生与健康工作方针。")
    assert kept(strip_text(page))[:3] == ["一、指导思想", "二、工作目标", "三、主要措施"]


@pytest.mark.parametrize("line", ["_ueditor_page_break_tag_", "1　2　3　下一页　尾页", "（全文完）", "★ 卫生院年终工作总结范文5篇 ★"])
def test_editor_tokens_pagers_end_marks_and_starred_links_go(line):
    assert line not in kept(strip_text(speech_with(line)))


def test_a_watermark_of_random_letters_and_a_site_name_goes_from_inside_the_sentence():
    result = strip_text("同志们：\n全年完成家庭医生签约kQm好范文12.3万人，推广PDCA循环管理，签约率达到百分之七十。")
    assert "全年完成家庭医生签约12.3万人，推广PDCA循环管理，签约率达到百分之七十。" in kept(result)


@pytest.mark.parametrize("spliced, rule", [
    ("学习吧范文网www.xuexiba.example", "classifier.inline.site_address_spliced"),
    ("本文由公文高手网整理编辑，微信搜索“公文高手”获取更多范文。", "classifier.inline.credit_spliced_sentence")])
def test_a_sites_address_or_credit_spliced_into_the_text_goes_and_an_official_address_stays(spliced, rule):
    text = f"全年护理文书合格率达到97.5%。{spliced}住院患者不良事件发生率较上年下降18%，详见中国政府网www.gov.cn公布的数据。"
    result = strip_text(f"同志们：\n{text}")
    assert "全年护理文书合格率达到97.5%。住院患者不良事件发生率较上年下降18%，详见中国政府网www.gov.cn公布的数据。" in kept(result)
    assert [r for r, t in removed(result) if t.strip() == spliced.strip()] == [rule]


def test_a_cut_stating_how_many_characters_are_still_there_counts_them():
    result = strip_text("县人大常委会：\n现将全县卫生健康工作情况报告如下，请予审议。\n—— 还有2156字，下载APP免费看全文 ——")
    assert (result["segments"][0]["truncated"], result["segments"][0]["missing_chars"]) == (True, 2156)


@pytest.mark.parametrize("line", ["（本篇字数：1,284字）", "本文共3篇模板，约3600字，阅读需要8分钟", "格式：DOCX　，页数：9　，大小：31.42KB",
                                  "（广告）卫生系统公文写作高级研修班火热报名中，详询微信 wmbd-2024"])
def test_length_notes_file_facts_and_marked_ads_go(line):
    assert line not in kept(strip_text(speech_with(line)))


@pytest.mark.parametrize("label", ["范本二：乡镇卫生院2012年工作计划", "讲话稿二"])
def test_a_model_or_a_numbered_speech_label_starts_a_document(label):
    page = ("卫生院工作计划（三篇）\n范本一：县人民医院2012年工作计划\n2012年是实施十二五规划的关键一年，我院将以创建为抓手，推动发展。\n"
            f"{label}\n新的一年，我院将以提升服务能力为重点，扎实推进各项工作。")
    result = strip_text(page)
    assert len(result["segments"]) == 2 and result["segments"][1]["label"] == label


def test_a_speech_label_glued_to_the_salutation_goes_and_the_salutation_stays():
    page = "院长讲话稿（3篇）\n讲话稿一同志们：今天我们召开全院职工大会，总结工作，部署任务。\n讲话稿二同志们：这次会议的主要任务是部署下半年工作。"
    result = strip_text(page)
    assert [s["lines"][0][1][:4] for s in result["segments"]] == ["同志们：", "同志们："]


def test_a_site_name_appended_to_the_last_paragraph_goes_and_a_placeholder_signature_stays():
    result = strip_text("同志们：\n让我们凝心聚力，推动全县卫生健康事业取得新的更大成效。书屋范文网\n述职人：蓼塘镇卫生院　XXX\n2024年1月5日")
    assert kept(result) == ["同志们：", "让我们凝心聚力，推动全县卫生健康事业取得新的更大成效。", "述职人：蓼塘镇卫生院　XXX", "2024年1月5日"]


def test_a_tagged_title_starts_a_document_and_a_page_counter_glued_before_a_heading_goes():
    page = ("卫生院年终工作总结精选3篇\n【精选】XX镇卫生院2023年工作总结\n2023年，我院在县卫生健康局的领导下，各项工作取得新进展。\n"
            "2/7二、主要措施\n全面加强基本医疗服务，门急诊人次同比增长百分之九。\n"
            "【精选】卫生院院长2023年个人述职报告\n本人自2021年3月起担任院长，现将履职情况报告如下。")
    result = strip_text(page)
    assert [s["label"] for s in result["segments"]] == ["【精选】XX镇卫生院2023年工作总结", "【精选】卫生院院长2023年个人述职报告"]
    assert "二、主要措施" in kept(result)


@pytest.mark.parametrize("pager, cut", [("1　2　3　下一页　尾页", True), ("【1】【2】【3】 下一页", True),
                                        ("共3页: 上一页　1　2　3　下一页", True), ("共1页：上一页　1　下一页", False)])
def test_a_pager_that_shows_a_second_page_flags_the_article_cut(pager, cut):
    result = strip_text(f"同志们：\n今年以来，全县卫生健康系统认真落实各项任务，群众满意度不断提高。\n{pager}")
    assert pager not in kept(result) and result["segments"][0]["truncated"] is cut


def test_entities_continuation_marks_cms_debris_and_account_names_go_from_the_text():
    page = ("同志们：\n（接上页）三、坚持改革创新，激发&ldquo;医共体&rdquo;活力#p#分页标题#e#，全面推进各项工作（公众号：笔杆文汇）。\n"
            "TAG标签：卫健局　工作报告　年度报告")
    assert kept(strip_text(page)) == ["同志们：", "三、坚持改革创新，激发医共体活力，全面推进各项工作。"]


def test_a_sites_summary_of_the_text_above_it_goes():
    page = ("小编寄语：一篇结构完整的乡镇卫生院年度总结，成绩部分用数据说话，问题部分不回避，打算部分有抓手。\n"
            "2023年，杉岭乡卫生院在县卫生健康局的领导下，各项工作取得新进展。")
    assert kept(strip_text(page)) == ["2023年，杉岭乡卫生院在县卫生健康局的领导下，各项工作取得新进展。"]


# Label styles the sets brought, each pair the labels of a two-item compilation.
ITEM_LABELS = [
    # bracketed, padded and tagged titles
    ("（范文一）2013年XX镇卫生院院长述职报告", "（范文二）中心卫生院院长任期述职报告"),
    ("01　县卫生健康局2023年工作总结", "02　澧桥镇中心卫生院2023年工作总结"),
    ("【精选范文】卫生院院长在年度工作会议上的讲话", "【精选范文】在医院行风建设动员大会上的讲话"),
    # heldout11
    ("文章一　县医院内科医生个人述职报告", "文章二　乡镇卫生院全科医生述职报告"),
    ("材料一：2024年基本公共卫生服务项目实施方案", "材料二：卫生院优质服务基层行活动实施方案"),
    ("〔一〕门诊医生改善医疗服务行动心得体会", "〔二〕护士长改善医疗服务心得体会"),
    ("(1)基层医生学习卫生健康工作会议精神心得体会", "(2)护理人员学习卫生健康工作会议精神心得体会"),
    ("◆篇一◆", "◆篇二◆"), ("【第一部分】", "【第二部分】"),
    ("乡镇卫生院年度工作总结（一）", "乡镇卫生院年度工作总结（二）"), ("卫生院院长述职报告之一", "卫生院院长述职报告之二"),
    ("一、县委书记在全县卫生健康工作会议上的讲话", "二、县长在全县卫生健康工作会议上的讲话"),
    # heldout18
    ("例一：XX县卫生监督所2023年工作总结", "例二：卫生监督所公共场所监督工作总结"),
    ("范文第1篇：乡镇卫生院2023年度工作总结", "范文第2篇：中心卫生院年终工作总结"),
    ("參考文本一：學習基本醫療衛生法心得體會", "參考文本二：衛生監督執法工作心得"),
    # heldout19
    ("NO.1｜XX镇卫生院2023年度工作总结", "NO.2｜卫生院公共卫生科年度工作总结"), ("范文【1】", "范文【2】"),
    ("第1篇", "【推荐】第2篇"), ("述职材料之一：县人民医院院长2023年度述职报告", "述职材料之二：县妇幼保健院院长2023年度述职报告"),
    ("【其一】", "【其二】"),
    # heldout20
    ("【范文精选一】", "【范文精选二】"), ("样稿一", "样稿二"),
    ("乡镇卫生院院长年度述职报告（范文一）", "社区卫生服务中心主任述职报告（范文二）"),
    ("一、XX镇卫生院2024年工作计划", "二、XX乡卫生院2024年度工作计划"),
]


@pytest.mark.parametrize("first, second", ITEM_LABELS)
def test_item_label_styles_start_documents(first, second):
    assert [s["label"] for s in strip_text(two_items(first, second))["segments"]] == [first, second]


@pytest.mark.parametrize("label, sentence", [("第三则", "作为一名从事护理工作二十年的护士，我深感责任重大。"),
                                             ("样本四", "一年来，我在药房岗位上认真履行职责，圆满完成各项任务。"),
                                             ("乡镇卫生院工作计划篇3", "新的一年，我院将紧紧围绕群众看病就医需求，提升服务能力。")])
def test_more_labels_glued_to_the_opening_words_start_documents(label, sentence):
    page = f"卫生工作范文\n同志们：\n今年以来，我们认真落实各项任务，群众满意度不断提高。\n{label}{sentence}"
    result = strip_text(page)
    assert len(result["segments"]) == 2 and result["segments"][1]["lines"][0][1] == sentence


def test_a_part_heading_without_brackets_is_the_texts_own():
    page = ("县疾控中心工作总结\n2023年，县疾控中心在县卫健局的领导下，各项工作取得新进展。\n第一部分　2023年工作回顾\n"
            "全年报告法定传染病23例，及时报告率100%。\n第二部分　2024年重点任务\n继续做好传染病防控和免疫规划工作。")
    result = strip_text(page)
    assert len(result["segments"]) == 1 and "第一部分　2023年工作回顾" in kept(result)


def test_a_copyright_notice_glued_after_the_last_sentence_goes_and_the_sentence_stays():
    last = "我们将以这次检查为契机，对照标准查漏补缺，持续巩固创建成果，努力把卫生院建设成为群众满意的健康守护站。谢谢各位领导！"
    result = strip_text(f"尊敬的各位领导：\n今年以来，我院认真落实各项任务，群众满意度不断提高。\n{last}本文版权归云笺材料网所有，未经授权禁止转载。")
    assert kept(result)[-1] == last


@pytest.mark.parametrize("line", ["·妇幼保健工作计划　　·2011年妇幼卫生工作要点　　·儿童保健科工作计划", "顶 (12)　　踩 (0)",
                                  "6 W. n# Q: C/ ^2 a", "[!--empirenews.page--]", "本文标题：县妇幼保健院2011年工作计划",
                                  "（推荐：贝叶文秘网VIP会员，万篇精品材料一键下载）", "【AI写材料】输入主题，三秒生成讲话稿，点此免费试用>>",
                                  "您查询的关键词已被标出：卫生院　上半年　工作总结"])
def test_heldout11_chrome_goes(line):
    assert line not in kept(strip_text(speech_with(line)))


def test_a_notice_that_the_rest_shows_after_a_comment_flags_the_cut():
    result = strip_text("尊敬的调研组各位领导：\n今年以来，我院认真落实各项任务，群众满意度不断提高。\n此处内容已隐藏，评论本文并刷新页面后即可查看！")
    assert result["segments"][0]["truncated"] is True


def test_a_signature_date_on_every_page_of_a_site_is_not_site_chrome():
    pages = [{"source_id": f"p{n}", "key": f"k{n}", "row": {"site": "fanli"}, "path": f"p{n}.txt",
              "text": f"同志们：\n今年以来，第{n}项工作稳步推进，群众满意度不断提高，各项指标圆满完成。\n桐湾镇中心卫生院\n2023年11月{20 + n}日"}
             for n in range(3)]
    for record in strip.inputs_in_memory(pages):
        result = strip.strip_record(record)
        assert kept(result)[-1].startswith("2023年11月"), removed(result)


@pytest.mark.parametrize("line", ["衛生院年度工作總結提要:加強宣傳。通過宣傳欄廣泛宣傳政策，提高群眾知曉率。",
                                  "2023-06-21　　凌云阁主　　阅 1,286　　转 37", "专心---专注---专业",
                                  "以上内容仅代表作者个人观点，不代表积云图书馆立场。如发现有害或侵权内容，请点击一键举报。", "# 实施方案 # 慢病防控 # 卫生院"])
def test_heldout12_chrome_goes(line):
    assert line not in kept(strip_text(speech_with(line, at_end=True)))


@pytest.mark.parametrize("first, second", [("① 在全县卫生健康系统党风廉政建设工作会议上的讲话", "② 卫健局党组书记在警示教育大会上的讲话"),
                                           ("其一　参加县级医院进修学习心得", "其二　护理人文关怀培训心得体会")])
def test_circled_and_qi_numbered_titles_start_documents_and_a_point_does_not(first, second):
    page = (f"卫生工作材料汇编\n{first}\n同志们：今天我们召开会议，总结工作，部署任务，大家要认真贯彻落实。\n"
            f"{second}\n同志们：这次会议很重要，大家要认真贯彻落实。")
    assert [s["label"] for s in strip_text(page)["segments"]] == [first, second]
    point = strip_text("卫生院工作总结\n一年来，我院各项工作取得新进展。\n其一、加强组织领导\n成立领导小组，明确责任分工。")
    assert len(point["segments"]) == 1


# --- heldout18's mechanisms ------------------------------------------------------------------------

def test_a_document_sites_file_name_after_its_type_label_is_the_title():
    page = ("文档分类　上传文档　登录\n类型县妇幼保健院2024年工作计划.docx\n上传人：文***\n"
            "县妇幼保健院2024年工作计划\n2024年，我院将围绕妇女儿童健康需求，统筹做好各项工作，现制定计划如下。\n一、提升服务能力")
    result = strip_text(page)
    assert result["meta"]["title"] == "县妇幼保健院2024年工作计划"
    assert kept(result)[0].startswith("2024年，我院")


def test_a_download_statements_numbered_items_go_with_it():
    statement = ("【下载声明】\n1. 本站全部文档均由用户上传，下载后可能存在格式错乱，请谨慎下单。\n"
                 "2. 本页资料由用户主动上传，本站仅提供信息存储空间，若侵犯了您的版权请联系客服删除！\n")
    result = strip_text(statement + "卫生院工作计划.docx\n为做好今年工作，结合我院实际，制定本计划。\n一、工作目标\n全年门诊量增长5%以上。")
    assert kept(result)[0] == "为做好今年工作，结合我院实际，制定本计划。"


def test_a_numbered_notice_without_heading_goes_below_the_text_and_a_documents_own_list_stays():
    text = "2023年，我院各项工作稳步推进。\n1. 加强制度建设，修订制度12项。\n2. 强化培训考核，全年培训6次。\n下一步，我们将继续努力。"
    notice = ("\n1. 本文由网友投稿，版权归原作者所有，仅供学习参考。\n2. 为防止资源被随意传播，本站部分文稿需开通会员后方可阅读全文或下载！\n"
              "3. 本站资源均来源于网友上传或网络，如有侵权请联系站长删除！")
    result = strip_text(text + notice)
    assert kept(result) == text.split("\n")


def test_an_uploaded_files_banner_goes_inside_the_text_and_a_sentence_with_dashes_stays():
    banner = "-------------各类专业好文档，值得你下载，教育，管理，论文，制度，方案手册，应有尽有--------------"
    heading = "一是抓监测——全年监测出院患者2万例，发现感染病例136例。"
    page = (f"同志们：\n今年以来，全县卫生健康系统认真落实各项任务，做了大量工作。\n{banner}\n{heading}\n"
            "群众满意度不断提高，各项指标圆满完成。")
    result = strip_text(page)
    assert banner not in kept(result) and heading in kept(result)


@pytest.mark.parametrize("line", ["10 积分", "此文档下载收益归作者所有", "< 前一篇[转载]2024年卫生院工作计划", "后一篇 >冬至随笔",
                                  "评论加载中，请稍候...", "2023-12-20 · TA获得超过3,812个赞"])
def test_heldout18_chrome_goes(line):
    assert line not in kept(strip_text(speech_with(line, at_end=True)))


def test_a_word_files_footer_glued_to_a_paragraph_goes():
    last = "全年开展健康教育讲座12次，群众健康素养水平稳步提升。"
    result = strip_text(f"同志们：\n今年以来，我院认真落实各项任务，群众满意度不断提高。\n{last}word版本可编辑.欢迎下载支持.")
    assert kept(result)[-1] == last


@pytest.mark.parametrize("marker, cut", [("展开阅读全文", False), ("查看全文", False), ("剩余1,050字，开通会员查看", True)])
def test_an_expander_under_a_signed_and_dated_document_is_no_cut_and_a_count_is(marker, cut):
    page = f"各位领导：\n今年以来，我院认真落实各项任务，群众满意度不断提高。\nXX镇卫生院\n2024年1月8日\n{marker}"
    assert strip_text(page)["segments"][0]["truncated"] is cut


def test_a_reposters_note_that_only_part_was_copied_flags_the_cut():
    result = strip_text("同志们：\n今天我们召开会议，研究部署工作，大家要认真贯彻落实。\n（原文较长，博客只转了前半部分，全文请点上面的原文地址）")
    assert result["segments"][0]["truncated"] is True and len(kept(result)) == 2


def test_a_reposts_title_repeated_without_its_tag_goes():
    page = "[转载]乡镇卫生院2023年度工作总结\n(2024-01-12 10:22:33)\n乡镇卫生院2023年度工作总结\n2023年，我院在县卫健局的领导下，各项工作稳步推进。"
    result = strip_text(page)
    assert kept(result) == ["2023年，我院在县卫健局的领导下，各项工作稳步推进。"]


def test_a_case_numbered_like_an_example_is_the_texts_own():
    page = ("县卫生监督所工作总结\n2023年，我所依法开展卫生监督执法工作。\n例一：某诊所超范围执业，我所依法给予警告并罚款。\n"
            "例二：某美容院未取得许可证，我所责令其停业整改。")
    assert len(strip_text(page)["segments"]) == 1


def test_an_answerers_own_words_before_the_template_go():
    page = ("卫生院工作总结怎么写？\n最佳回答\n杏林晓雨\n2023-12-20 · TA获得超过3,812个赞\n"
            "给你一篇我们院去年报上去的，把数字改成你们自己的就能用：\n2023年，我院在上级主管部门的领导下，各项工作稳步推进。\n"
            "一、主要工作完成情况\n为你推荐：\n社区卫生服务中心年度工作总结\n社区医院院长述职述廉报告")
    assert kept(strip_text(page)) == ["2023年，我院在上级主管部门的领导下，各项工作稳步推进。", "一、主要工作完成情况"]


def test_a_numbered_title_run_into_its_first_words_by_wrapping_starts_a_document():
    page = ("卫生院公共卫生服务工作总结（通用2篇）\n卫生院公共卫生服务工作总结1\n2023年，我院在县卫生健康局的领导下，各项工作稳步推进。\n"
            "卫生院公共卫生服务工作总结22023年，我院公共卫\n生科在院领导班子的带领下，认真履职。")
    result = strip_text(page)
    assert [s["lines"][0][1] for s in result["segments"]] == ["2023年，我院在县卫生健康局的领导下，各项工作稳步推进。", "2023年，我院公共卫"]


def test_a_bulleted_model_label_glued_to_the_salutation_leaves_no_bullet():
    page = "卫生院院长讲话（2篇）\n◆ 范文1 ◆\n同志们：\n今天我们召开大会，表彰先进。\n◆ 范文2 ◆全院职工同志们：\n一年来，大家辛苦了。"
    assert [s["lines"][0][1] for s in strip_text(page)["segments"]] == ["同志们：", "全院职工同志们："]


def test_a_keyword_line_between_copies_of_an_seo_pages_heading_is_not_its_title():
    heading = "乡镇卫生院公共卫生服务工作总结(通用2篇)"
    page = (f"首页 > 专栏\n{heading}\n更新时间:2024-01-09 16:40:21 阅读: 评论:0\n青石巷-体温枪校准\n{heading}\n"
            f"2024年1月9日发(作者:七年级下册地理填图)\n{heading}\n乡镇卫生院公共卫生服务工作总结1\n"
            "2023年，我院在县卫生健康局的领导下，各项工作稳步推进。\n乡镇卫生院公共卫生服务工作总结2\n今年以来，我院认真落实各项任务。")
    result = strip_text(page)
    assert result["meta"].get("title") != "青石巷-体温枪校准" and "青石巷-体温枪校准" not in kept(result)


def test_the_page_of_a_document_split_over_several_addresses_keeps_its_title():
    page = "当前位置：首页 > 卫生管理\n卫生院院长述职报告 第2页\n上一页　1　2　3　下一页\n诊疗规范的学习，每周组织一次业务学习，每月开展一次病历质量检查。"
    assert strip_text(page)["meta"]["title"] == "卫生院院长述职报告"


@pytest.mark.parametrize("advert", ["（点击下方卡片关注，后台回复“调研”获取Word版）", "【打开笔杆写作APP，3秒生成同类讲话稿】"])
def test_a_bracketed_call_to_an_account_or_app_glued_to_a_paragraph_goes(advert):
    last = "乡村医生收入主要来源于基本公共卫生服务补助，养老保障水平不高。"
    result = strip_text(f"同志们：\n今年以来，我们认真落实各项任务，群众满意度不断提高。\n{last}{advert}")
    assert kept(result)[-1] == last


def test_a_wechat_collection_line_is_not_the_title():
    page = ("卫生院院长讲话（2篇）\n原创 笔杆老周 基层卫健笔记 2024-01-12 07:30 发表于河南\n收录于合集 #卫健材料 86个\n"
            "篇一\n同志们：\n今天我们召开大会，表彰先进。\n篇二\n各位同事：\n一年来，大家辛苦了。")
    result = strip_text(page)
    assert "收录于合集 #卫健材料 86个" not in (result["meta"].get("title"), *kept(result))


def test_a_question_title_under_the_sites_name_and_categories_is_the_title():
    page = ("问答圈\n首页　发现　等你来答\n公文写作\n工作总结\n社区卫生服务中心年终工作总结怎么写比较出彩？\n"
            "关注问题　写回答　邀请回答　好问题 12　添加评论　分享\n2023年，我中心在区卫生健康局的领导下，各项工作稳步推进。")
    assert title_and_kept(page) == ("社区卫生服务中心年终工作总结怎么写比较出彩？", ["2023年，我中心在区卫生健康局的领导下，各项工作稳步推进。"])


def test_a_comments_dotted_date_and_reply_button_go():
    assert "2023.12.20　回复" not in kept(strip_text(speech_with("2023.12.20　回复", at_end=True)))


# --- heldout19's mechanisms ------------------------------------------------------------------------

def test_a_long_lead_in_above_a_compilation_goes_without_stopping_the_page():
    lead = "【导读】" + "讲话稿是在各种会议上发表的讲话文稿，院长讲话稿则是院长在各类会议上的讲话，" * 5 + "下面是小编整理的范文，欢迎阅读。"
    first = "今天我们召开全院年终总结大会，回顾一年来的工作，查找存在的不足，谋划明年的发展。" * 6
    second = "辞旧迎新之际，我们欢聚一堂，共贺新春，向全院干部职工致以新春的祝福和诚挚的问候。" * 6
    page = (f"医院院长讲话稿精选2篇\n{lead}\n精选范文（一）：院长在年终总结大会上的讲话\n同志们：\n{first}\n"
            f"精选范文（二）：院长在新年团拜会上的致辞\n各位同事：\n{second}")
    result = strip_text(page)
    assert [s["lines"][0][1] for s in result["segments"]] == ["同志们：", "各位同事："]
    assert lead not in kept(result)


def test_a_thread_starters_later_floors_are_the_document_and_other_floors_go():
    page = ("卫生院院长在表彰大会上的讲话\n杏林老周　　楼主　　Lv.9\n同志们：\n今天，我们召开年度总结表彰大会，回顾一年来的工作。\n"
            "来自Android客户端　　1楼　　2024-01-22 21:36　　回复(3)\n石头记0815　　Lv.4\n前排，正好下周我们也要开表彰会\n"
            "2楼　　2024-01-22 21:41　　回复\n杏林老周　　楼主　　Lv.9\n新的一年，我们要重点抓好人才、服务和管理三件事。\n谢谢大家！\n"
            "来自Android客户端　　3楼　　2024-01-22 21:44　　回复(1)\n公文小学生　　Lv.1\n感谢楼主分享，收藏了\n4楼　　2024-01-23 10:05　　回复")
    assert kept(strip_text(page)) == ["同志们：", "今天，我们召开年度总结表彰大会，回顾一年来的工作。",
                                      "新的一年，我们要重点抓好人才、服务和管理三件事。", "谢谢大家！"]


def test_nth_run_into_a_sentence_starts_a_document_only_where_it_continues_the_labels():
    items = "文章汇编\n第1篇\n2023年，检验科在院领导的带领下，各项工作稳步推进。\n第2篇\n一年来，影像科全体医技人员团结协作，圆满完成任务。\n"
    result = strip_text(items + "第3篇急诊科是医院抢救危重病人的前沿阵地，全年抢救成功率达到96%。")
    assert [s["lines"][0][1] for s in result["segments"]][-1] == "急诊科是医院抢救危重病人的前沿阵地，全年抢救成功率达到96%。"
    chat = strip_text("同志们：\n今天我们召开会议，研究部署工作。\n第三篇太长了一条发不完，后面的你看文件吧，大家见谅。")
    assert len(chat["segments"]) == 1


def test_a_comment_count_opens_the_comments_below_the_text():
    page = "同志们：\n今天我们召开会议，研究部署工作，大家要认真贯彻落实。\n评论 12\n杏林小吴：写得实在，收藏了\n2024-01-06 · 回复 · 赞 5"
    assert kept(strip_text(page)) == ["同志们：", "今天我们召开会议，研究部署工作，大家要认真贯彻落实。"]


def test_html_line_breaks_left_in_the_text_go_and_a_comparison_stays():
    result = strip_text("同志们：\n全年收缩压控制在<140的患者占85%。<br/><br/>\n今天我们召开会议。<br />")
    assert kept(result) == ["同志们：", "全年收缩压控制在<140的患者占85%。", "今天我们召开会议。"]


def test_a_wap_pages_screen_counter_flags_the_cut_and_its_links_go():
    page = ("同志们：\n今天我们召开全院安全生产工作会议，部署安全生产工作。\n一要抓好消防安全。\n-----------\n[第1/3屏] [下一屏] [末屏]\n"
            "本文共3屏,当前第1屏\n<<返回讲话稿\n相关:\n1.乡村医生年终工作总结\n2.村卫生室工作总结范文")
    result = strip_text(page)
    assert result["segments"][0]["truncated"] is True
    assert kept(result) == ["同志们：", "今天我们召开全院安全生产工作会议，部署安全生产工作。", "一要抓好消防安全。"]


def test_a_columns_counter_is_not_a_collection_title():
    page = ("乡镇卫生院院长2023年度述职报告\n本文收录于付费专栏《基层卫生公文范文精选100篇》　　第37篇 / 共100篇\n"
            "各位领导、同志们：\n一年来，在县卫健局的领导下，我认真履行院长职责。")
    result = strip_text(page)
    assert result["meta"].get("title") == "乡镇卫生院院长2023年度述职报告" and "collection" not in result["meta"]


def test_a_writing_tools_echo_of_the_request_and_its_field_row_go_and_the_title_is_found():
    page = ("公文写作 > 工作总结 > 生成结果\n写作要求：写一篇县卫生监督所2023年工作总结，包括监督检查、专项整治，800字左右\n"
            "文体：工作总结　　风格：正式　　篇幅：中等\n卫生监督所2023年工作总结\n生成于 2024-01-08 09:32:15\n"
            "2023年，XX县卫生监督所在县卫生健康局的领导下，坚持依法行政，各项工作稳步推进。")
    assert title_and_kept(page) == ("卫生监督所2023年工作总结", ["2023年，XX县卫生监督所在县卫生健康局的领导下，坚持依法行政，各项工作稳步推进。"])
    heading = strip_text("工作计划的写法\n一、写作要求\n写作要求\n计划要具体，措施要可行，时限要明确。")
    assert "写作要求" in kept(heading)


def test_a_count_of_what_is_still_there_is_read():
    result = strip_text("各位领导：\n任期内通过公开招聘引进医学专业毕业生9名，同时建立绩效考核办法，拉开\n（本文尚有约1,260字，登录会员后可继续阅读）")
    assert result["segments"][0]["truncated"] is True and result["segments"][0]["missing_chars"] == 1260


@pytest.mark.parametrize("notice, cut", [
    ("内容仅供学习，如需复制请赞助VIP会员，赞助后即可全站范文免费复制！\n赞助会员请点击：开通会员", False),
    ("开通会员后可阅读全文\n赞助会员请点击：开通会员", True)])
def test_a_wall_in_front_of_copying_cuts_nothing_and_one_in_front_of_reading_does(notice, cut):
    page = f"同志们：\n希望大家再接再厉，为建设人民满意的医院作出新的更大贡献！\n最后，祝大家节日快乐！\n{notice}"
    assert strip_text(page)["segments"][0]["truncated"] is cut


def test_a_preview_that_reached_its_last_page_is_no_cut():
    page = ("2024年，我院将以“优质服务基层行”为抓手，提升服务能力。\n三是第3页共3页深化医防融合，推行慢病一体化门诊。\n"
            "四是强化考核促落实，每季度考核一次。\n全文预览已结束，本文档共3页")
    assert strip_text(page)["segments"][0]["truncated"] is False


# --- heldout20's mechanisms ------------------------------------------------------------------------

def test_a_reports_own_dated_section_headings_split_nothing():
    page = ("县卫生健康局2023年工作总结和2024年工作计划\n2023年，全县卫生健康工作稳步推进。\n一、2023年工作总结\n"
            "全年完成各项任务，群众满意度不断提高。\n二、2024年工作计划\n继续深化医改，提升基层服务能力。")
    assert len(strip_text(page)["segments"]) == 1


@pytest.mark.parametrize("line", [
    "标签云：工作总结　工作计划　述职报告　讲话稿　心得体会　调研报告　实施方案　年终总结　半年总结　述职述廉",
    "位置：鸿宇文档 / 计划方案 / 医疗卫生", "写作提示：①开头不要太长，开门见山；②成绩部分用数字说话，问题部分点到为止。",
    "主 题 词：卫生健康　家庭医生　签约服务　方案", "2024-01-04　　栏目：卫生工作计划　　共2篇，约1,300字"])
def test_heldout20_chrome_above_the_text_goes(line):
    page = f"{line}\n同志们：\n今年以来，全县卫生健康系统认真落实各项任务。\n群众满意度不断提高，各项指标圆满完成。"
    assert line not in kept(strip_text(page))


def test_a_placeholder_signature_is_no_bullet():
    page = "各位代表：\n113年度本所將持續以民眾需求為導向，強化跨單位合作。\n○○市衛生所\n中華民國113年1月"
    assert "○○市衛生所" in kept(strip_text(page))


def test_a_notice_that_the_rest_is_paid_for_flags_the_cut():
    page = "同志们：\n20XX年，传染病防制科认真履行职责，全力做好传染病监测。\n🔒 样稿三余下内容需支付10知音币查看　　[立即查看]"
    assert strip_text(page)["segments"][0]["truncated"] is True


def test_a_glued_title_ends_where_i_am_begins():
    page = two_items("模板1：护士医德医风专题教育心得体会", "模板2：乡镇卫生院职工医德医风学习心得我是一名在乡镇卫生院工作了八年的基层医务人员，感触很深。")
    assert strip_text(page)["segments"][1]["lines"][0][1] == "我是一名在乡镇卫生院工作了八年的基层医务人员，感触很深。"


def test_a_netdisk_viewers_gutter_goes_as_spans_and_the_labels_under_it_split_the_file():
    numbered = ["卫生院院长讲话稿2篇", "", "==== 第一篇 ====", "同志们:", "今天我们召开全院职工大会,总结去年工作。",
                "", "==== 第二篇 ====", "各位同事:", "春节将至,我代表院班子向大家拜个早年!"]
    text = "\n".join(["白云网盘 首页 | 客户端下载", "文本预览 编码:GBK"]
                     + [f"{number}│{line}" for number, line in enumerate(numbered, start=1)])
    result = strip_text(text)
    assert [segment["lines"][0][1] for segment in result["segments"]] == ["同志们:", "各位同事:"]
    assert all("│" not in line for line in kept(result))
    assert ("classifier.line_number", "4│") in removed(result)  # the span before 同志们:
    assert ("labels.nth_item", "3│==== 第一篇 ====") in removed(result)  # a removed line goes whole, once


def test_markdown_emphasis_goes_and_a_placeholder_or_masked_name_stays():
    result = strip_text(speech_with("**一、总体目标**全年门诊人次增长10%,由李***同志牵头落实**市卫生局的部署。"))
    assert "一、总体目标全年门诊人次增长10%,由李***同志牵头落实**市卫生局的部署。" in kept(result)
    assert sorted(rule for rule, text in removed(result) if text == "**") == \
        ["classifier.inline.markdown_close", "classifier.inline.markdown_open"]
    placeholders = "认真贯彻落实《**市人民政府关于加强农村卫生工作的意见》,促进**卫生事业再上新台阶。"
    assert placeholders in kept(strip_text(speech_with(placeholders)))


@pytest.mark.parametrize("line", [
    "帮我写一份县妇幼保健院2024年的工作计划,1000字左右,要有目标和保障措施",
    "县卫健局要写一个乡村医生队伍建设的调研报告,包括基本情况和对策建议,2500字",
    "好的,下面是一篇关于乡村医生队伍建设的调研报告:",
    "如果需要加入具体的表彰名单,可以把资料发给我,我帮您补充进去。",
    "编辑手记:方案类公文,四段式最稳妥,时间节点写具体,就不会被打回来。",
    "小镇卫生员:数据部分改一下就能用,感谢作者",
    "年底又到了写工作报告的季节,把今年的版本整理一下放上来,同业参考就好喔!",
])
def test_chat_newsletter_and_comment_lines_around_a_text_go(line):
    assert line not in kept(strip_text(with_footer(line)))
    assert line not in kept(strip_text(line + "\n" + "\n".join(SHORT_SPEECH)))


def test_a_speech_ending_in_thanks_keeps_its_last_line():
    text = "\n".join(SHORT_SPEECH[:2] + ["同志们:请大家把意见和建议随时告诉我,感谢大家!"])
    assert kept(strip_text(text))[-1] == "同志们:请大家把意见和建议随时告诉我,感谢大家!"
