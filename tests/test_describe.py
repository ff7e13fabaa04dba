"""describe: what a document is, each value with its evidence, empty when the text does not say."""

from __future__ import annotations

import csv

from scripts.describe import describe
from tests.conftest import read_table, run_module


def test_title_decides_the_kind_by_its_last_keyword():
    assert describe("在全县卫生工作总结表彰大会上的讲话", [])["doc_type"] == "讲话"
    assert describe("卫生局工作计划范文第1篇", [])["doc_type"] == "工作计划"


def test_without_a_title_a_speech_is_known_by_its_first_and_last_lines():
    found = describe("", ["同志们：", "今年的工作很重要。", "谢谢大家！"])
    assert found["doc_type"] == "讲话"
    assert found["metadata_evidence"]["doc_type"] == {"from": "paragraph 1", "text": "同志们："}


def test_opening_and_closing_that_disagree_leave_the_kind_empty():
    assert describe("", ["现将全年工作总结如下。", "正文。", "谢谢大家！"])["doc_type"] == ""


def test_year_from_chinese_numerals_and_never_from_a_placeholder():
    assert describe("二〇二一年卫生院工作总结", [])["year"] == "2021"
    assert describe("二○一五年县卫生局工作总结", [])["year"] == "2015"
    assert describe("20XX年卫生局工作计划", ["20xx年，我局工作顺利。"])["year"] == ""


def test_placeholders_and_self_references_never_match_a_place():
    found = describe("在XX县卫生工作会议上的讲话", ["同志们：", "全县卫生工作取得成效，某某市卫生局给予指导。"])
    assert found["region"] == "" and "region" not in found["metadata_evidence"]
    assert found["admin_level"] == "县"


def test_region_is_the_most_specific_place_when_the_others_contain_it():
    found = describe("深圳市南山区2023年慢性病防治实施方案", ["为加强我区慢性病防治工作，制定本方案。"])
    assert (found["region"], found["region_code"]) == ("南山区", "440305")
    assert found["metadata_evidence"]["region"]["adcodes"] == ["440305"]


def test_unrelated_places_leave_the_region_empty():
    found = describe("工作经验交流", ["冀州市卫生局、桃城区卫生局、枣强县卫生局分别作了典型发言。"])
    assert found["region"] == ""


def test_admin_level_needs_a_clear_winner():
    assert describe("", ["今年我县卫生工作，县委、县政府高度重视。"])["admin_level"] == "县"
    assert describe("", ["传达全市会议精神。", "落实全县任务。"])["admin_level"] == ""


def test_documents_csv_carries_the_metadata_and_its_evidence(repo):
    rows = read_table(repo / "clean" / "documents.csv")
    assert {"doc_type", "year", "admin_level", "region", "region_code", "metadata_evidence"} <= set(rows[0])
    speech = next(row for row in rows if row["source_id"] == "f001_wm114")
    assert (speech["doc_type"], speech["year"], speech["admin_level"]) == ("讲话", "2024", "区")
    assert '"year": {"from": "paragraph' in speech["metadata_evidence"]


def test_validate_rejects_a_year_after_the_page_was_retrieved(repo):
    path = repo / "clean" / "sources.csv"
    rows = read_table(path)
    for row in rows:
        if row["source_id"] == "f001_wm114":
            row["retrieved"] = "2020-05-01"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = run_module(repo, "validate")
    assert result.returncode == 1
    assert "year 2024 outside 1949–2020" in result.stderr
