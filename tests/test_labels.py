"""labels: compilation item labels by shape, and the sentence a label may be glued to."""

from __future__ import annotations

import pytest

from scripts import labels
from scripts.profiles import fold


@pytest.mark.parametrize("line, base", [
    ("▍篇三", ""), ("▍篇一 乡镇卫生院2024年工作计划", "乡镇卫生院2024年工作计划"), ("【第1篇】", ""),
    ("精选范文4 医院药剂科年度工作总结", "医院药剂科年度工作总结"), ("卫生院医保工作总结 篇一", "卫生院医保工作总结"),
    ("医院年度工作总结1500字 精选范文1", "医院年度工作总结1500字"), ("第3篇:卫生院工作计划", "卫生院工作计划"),
    ("📌模板二：社区卫生服务中心公共卫生工作总结", "社区卫生服务中心公共卫生工作总结"),
    ("范文②：XX社区卫生服务中心2024年工作计划", "XX社区卫生服务中心2024年工作计划"),
    ("参考1：XX县卫健局副局长述职报告", "XX县卫健局副局长述职报告"),
])
def test_label_lines_are_found_with_their_base(line, base):
    label = labels.find(fold(line))
    assert label is not None and not label.glued and label.base == base


@pytest.mark.parametrize("line, label_text", [
    ("范文四:今年以来,我中心结核病防治工作在上级业务部门的指导下,认真落实各项措施。", "范文四:"),
    ("【篇二】同志们:", "【篇二】"),
    ("第2篇 各位领导、同志们:", "第2篇 "),
])
def test_a_label_glued_to_a_sentence_ends_before_it(line, label_text):
    shadow = fold(line)
    label = labels.find(shadow)
    assert label is not None and label.glued and shadow[:label.end] == fold(label_text)


@pytest.mark.parametrize("line", ["第一篇章:回顾过去", "本篇讲话分三部分。", "篇幅有限,不再赘述。", "范文网站很多",
                                  "一、提高站位", "下一步工作打算", "参考文献", "参考上级文件精神制定本方案。"])
def test_lines_that_only_look_like_labels_are_not(line):
    assert labels.find(fold(line)) is None


def test_glued_split_keeps_a_title_whole_and_cuts_a_sentence():
    assert labels.glued_split(4, "县疾控中心上半年工作报告") is None
    assert labels.glued_split(4, "今年以来,我中心认真落实各项措施。") == 4


@pytest.mark.parametrize("label_line, line, label_text", [
    ("例文Ⅱ", "例文Ⅲ一年来,我院围绕消防安全开展排查整治。", "例文Ⅲ"),
    ("【No.02】", "【No.03】新的一年,我院公共卫生工作将紧紧围绕服务项目。", "【No.03】"),
    ("范本乙 XX乡卫生院年度工作总结", "范本丙 乡镇中心卫生院创建工作总结今年以来,我院以创建为抓手。", "范本丙 乡镇中心卫生院创建工作总结"),
    ("—— 本期范文 ② ——", "—— 本期范文 ③ ——2023年,我镇预防接种工作取得了成效。", "—— 本期范文 ③ ——"),
    ("第二节 院办主任述职报告", "第三节 药剂科主任述职报告各位领导、同事们:", "第三节 药剂科主任述职报告"),
])
def test_the_next_label_of_a_pages_series_glued_to_its_text_ends_before_the_text(label_line, line, label_text):
    label = labels.next_in_series(label_line, line)
    assert label is not None and label.glued and line[:label.end].strip() == label_text


@pytest.mark.parametrize("label_line, line", [
    ("例文Ⅱ", "例文Ⅱ一年来,我院围绕消防安全开展排查整治。"),  # the same number, not the next
    ("例文Ⅱ", "例文Ⅳ一年来,我院围绕消防安全开展排查整治。"),  # a number skipped
    ("例文Ⅱ", "范文Ⅲ一年来,我院围绕消防安全开展排查整治。"),  # another head
    ("一、2023年工作总结", "二、存在问题。人员不足,设备陈旧。"),  # a text's own numbered headings
    ("1.完善制度", "2.加强管理。对重点部门实行每月检查。"),
    ("【No.02】", "【No.03】"),  # nothing glued: a label line is the label shapes' to judge
    ("第十十节 总结", "第十一十节 总结今年以来,我院工作成效明显。"),  # numerals that make no number
])
def test_a_line_that_does_not_continue_the_series_is_not_its_next_label(label_line, line):
    assert labels.next_in_series(label_line, line) is None
