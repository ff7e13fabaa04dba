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
