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
