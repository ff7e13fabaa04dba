"""classify: the line classifier's data-driven shapes (cut markers, reply headers, dividers)."""

from __future__ import annotations

import pytest

from scripts import classify
from scripts.profiles import fold


@pytest.mark.parametrize("line, missing", [
    ("—— 试读已结束,余下 4,816 字请下载后阅读 ——", 4816),
    ("本文共5860字,已省略4120字,开通会员可阅读全文", 4120),
    ("试读结束 · 剩余 7 页", None),
])
def test_cut_markers_say_how_much_is_missing(line, missing):
    assert classify.cut_marker(fold(line)) == (True, missing)


@pytest.mark.parametrize("line", ["全年剩余资金用于设备采购。", "今年以来,我院认真落实各项工作。"])
def test_text_is_not_a_cut_marker(line):
    assert classify.cut_marker(fold(line)) == (False, None)


@pytest.mark.parametrize("line, expected", [
    ("沙发 发表于 2023-7-6 21:02", True), ("5# 发表于 2023-7-8 19:33", True), ("其他回答(2)", True),
    ("楼主 发表于 2023-7-6 20:15:31", False), ("他发表于2023年的文章", False), ("回答问题要全面。", False),
])
def test_reply_headers(line, expected):
    assert classify.opens_replies(fold(line)) is expected


@pytest.mark.parametrize("line", ["—— 广告 ——", "- END -", "— 2 —", "▽", "◆◆◆"])
def test_dividers_score_as_chrome(line):
    assert classify.score_line(fold(line)).value >= classify.classifier().remove


def test_a_compilation_count_keeps_its_title_out_of_the_chrome():
    score = classify.score_line(fold("医院年度工作总结1500字（精选范文4篇）"))
    assert score.value < classify.classifier().suspect and "collection_count" in score.shapes


def test_a_signoff_date_is_recognised_and_a_date_inside_a_sentence_is_not():
    assert "signoff_date" in classify.shapes_of("2024年1月12日")
    assert "signoff_date" in classify.shapes_of("二〇二四年一月十二日")
    assert "signoff_date" not in classify.shapes_of("2024年1月12日召开会议")


@pytest.mark.parametrize("line", [
    "编者按：1月12日，南岭市召开会议。主任在会上作了讲话，现将讲话摘要刊发如下。",
    "温馨提示：1. 部分文档预览时可能显示错乱，下载后可正常查看。2. 本文档由用户上传，版权归原作者所有。",
    "【题记】春节前整理电脑，翻出两篇旧稿，也供同行参考。",
    "本文为原创，转载请注明出处并附上原文链接，谢谢。",
    "▲ 会议现场。 杨XX 摄",
    "24小时热榜 1 冬季流感高发，专家提醒做好防护 2 县域医共体建设迈入新阶段 3 多地推进检查检验结果互认",
    "来源丨青溪县卫生健康局",
    "蓝天社区 - 机关干部的网上家园",
    "查看: 1862｜回复: 3",
    "这是 http://www.example.com/html/2017/0106/612.html 的快照，是该网页在 2017年3月14日 09:27:51 的显示情况。",
    "（搜寻与该网页的作者无关，不对其内容负责。快照仅在原网页无法访问时供参考。）",
    "OCR识别文本（系统自动识别，可能存在错误，请以原件扫描图为准）",
    "GMT+8, 2024-7-18 10:12 , Processed in 0.048 second(s), 25 queries .",
    "27 Jun 2013 - 9 Aug 2018",
    "今天是：2013年6月27日　星期四",
    "#卫生健康# #述职报告# #精华#",
    "（院办　供稿）",
    "http://www.example.com/print.jsp?id=88153&type=art　　2/3",
    "※ 引述《nurse_amy (阿咪)》之銘言：",
    "以下是衞生署署長林嘉宏醫生今日在基層醫療健康研討會的致辭：",
    "2023年11月20日（星期一）",
    "香港時間16時30分",
    "一、XX镇卫生院2023年工作总结……………………………………1",
    "2/7",
    "基层医疗　卫生院　公文写作",
    "回复　解决",
    "中级会员",
    "1.  公文写作教程．高等教育出版社．2019",
    "搜索你感兴趣的内容…",
    "Lv.6　　吧务",
    "回复(1)",
    "医保电子凭证 >",
    "卫健系统年终总结模板｜附写作思路　　赞 4410",
    "瓴山小护士：马了，明天就要交　12-20 21:40　回复",
    "DOI：10.99999/j.jcwsgl.2023.06.012",
    "──────────── 分页符 ────────────",
    "广告",
    "關鍵詞：基本公共衛生服務；網格化管理；家庭醫生；質量控制",
    "23-12-29 17:46　来自 iPhone客户端　　已编辑",
    "#疾控中心  #工作计划  #公共卫生  #体制内",
])
def test_notices_captions_widgets_and_mastheads_score_as_chrome_despite_their_sentence_marks(line):
    assert classify.score_line(fold(line)).value + classify.classifier().features["edge"] >= classify.classifier().remove


@pytest.mark.parametrize("line", [
    "今年以来，我院认真落实上级部署，各项工作顺利推进。",
    "一、加强领导，明确责任",
    "会议指出，要坚持预防为主，转载和推广先进经验。",
    "以下是今年工作的几点体会，与大家交流：",
    "（2023年11月20日）",
])
def test_sentences_are_not_scored_as_notices(line):
    assert classify.score_line(fold(line)).value < classify.classifier().suspect


def test_marks_inside_a_web_address_are_not_sentence_marks():
    assert classify.sentence_marks("http://www.example.com/show.asp?id=86;p=2") == 0
    assert classify.sentence_marks("详见www.example.com/a?b=1，请查阅。") == 2


@pytest.mark.parametrize("line, expected", [
    ("推 medstu01: 推分享，格式真的很制式      01/09 21:30", True),
    ("板凳", True),
    ("推进分级诊疗：落实基层首诊。", False),
])
def test_board_pushes_and_floors_open_replies(line, expected):
    assert classify.opens_replies(fold(line)) is expected


def test_list_openers_are_headings_not_menus():
    assert classify.is_list_opener(fold("· 往期精彩 ·")) and classify.is_list_opener(fold("喜欢此内容的人还喜欢"))
    assert not classify.is_list_opener(fold("首页 论坛 群组 空间 排行榜 登录 注册"))


def test_headline_items_may_carry_a_question_mark_but_not_a_full_stop():
    def headline(text):
        return classify.is_headline_item(fold(text), classify.score_line(fold(text)))
    assert headline("▶ 家庭医生签约，你签了吗？")
    assert not headline("今年以来,我院各项工作顺利推进。") and not headline("一、指导思想")


def test_best_answer_headers_and_comment_headers_are_recognised():
    assert classify.opens_answer(fold("✔ 最佳答案")) and not classify.opens_answer(fold("最佳答案是什么"))
    assert classify.opens_replies(fold("老周（邻镇卫生院） 於 2024-02-04 09:03 說："))
    assert classify.opens_replies(fold("評論 (4)"))


def test_a_shape_id_used_twice_is_refused_with_both_problems(tmp_path):
    # Lines are matched against the set of shape ids: two shapes with one id would answer as one.
    data = classify.read_data().copy()
    shapes = list(data["shape"])
    data["shape"] = shapes + [dict(shapes[0], pattern="重复"), {"id": "broken", "weight": 1, "pattern": "("}]
    path = tmp_path / "boilerplate.toml"
    path.write_text(_toml(data), encoding="utf-8")
    with pytest.raises(classify.ClassifierDataError) as error:
        classify.load(path)
    assert f"shape id {shapes[0]['id']!r} is used twice" in str(error.value)
    assert "shape broken: bad pattern" in str(error.value)


def _toml(data: dict) -> str:
    """Enough of a TOML writer for the classifier's data: tables of strings, numbers, booleans, lists."""
    import json

    def value(item):
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, (int, float)):
            return repr(item)
        if isinstance(item, str):
            return json.dumps(item, ensure_ascii=False)
        return "[" + ", ".join(value(x) for x in item) + "]"

    out = []
    for key, section in data.items():
        if isinstance(section, list):
            for entry in section:
                out.append(f"[[{key}]]")
                out += [f"{name} = {value(item)}" for name, item in entry.items()]
        elif isinstance(section, dict):
            out.append(f"[{key}]")
            out += [f"{name} = {value(item)}" for name, item in section.items()]
    return "\n".join(out) + "\n"


def test_a_cue_word_or_list_header_listed_twice_is_refused(tmp_path):
    # One word, one weight: a second listing is either dead or overrules the first unseen.
    data = classify.read_data().copy()
    word = data["cue"][0]["words"][0]
    data["cue"] = list(data["cue"]) + [{"weight": 1.0, "words": [word]}]
    data["lists"] = dict(data["lists"], headers=list(data["lists"]["headers"]) + [data["lists"]["headers"][0]])
    path = tmp_path / "boilerplate.toml"
    path.write_text(_toml(data), encoding="utf-8")
    with pytest.raises(classify.ClassifierDataError) as error:
        classify.load(path)
    assert f"cue word {word!r} is listed twice" in str(error.value)
    assert f"lists.headers lists {data['lists']['headers'][0]!r} twice" in str(error.value)
