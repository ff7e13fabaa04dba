"""ruleset: a profile's rules compiled into sets, and what a match takes from a line."""

from __future__ import annotations

from scripts import ruleset
from scripts.profiles import make_shadow


def test_an_inline_rule_takes_its_drop_group_and_nothing_when_its_keep_group_took_part():
    rules = ruleset.rule_set("")
    watermark = next(rule for rule in rules.inline if rule.id == "generic.watermark_url")
    spliced = make_shadow("提高医疗质量（www.fanwen.com）和服务水平。").text
    match = watermark.pattern.search(spliced)
    assert spliced[slice(*ruleset.drop_span(watermark, match))] == "(www.fanwen.com)"
    referred = make_shadow("请登录官网（www.wsjkw.gov.cn）查询。").text
    match = watermark.pattern.search(referred)
    start, end = ruleset.drop_span(watermark, match)
    assert start == end  # the sentence points the reader to it: the text's own


def test_a_line_is_judged_without_its_inline_spans_and_whole_line_rules_come_in_rule_order():
    rules = ruleset.rule_set("")
    line = make_shadow("加强卫生监督第 1 页 共 16 页执法力度。").text
    assert ruleset.without_inline(rules, line) == "加强卫生监督执法力度。"
    assert [rule.id for rule, _ in rules.whole_matches("首页 > 工作计划 > 正文")] == ["generic.breadcrumb"]
    assert rules.whole_matches("今年以来，我院认真落实各项工作。") == []
