"""split: pages become documents with stable ids."""

from __future__ import annotations

from scripts.split import doc_id, split_record
from tests.conftest import add_raw_file, build, read_table


def segment(label: str, *paragraphs: str) -> dict:
    return {"label": label, "first_line": 1, "paragraphs": [[n, p] for n, p in enumerate(paragraphs, 1)],
            "truncated": False, "missing_chars": None, "script_original": "simplified", "script_variants": [],
            "pinyin_removed": 0, "mojibake": [], "placeholders": 0}


def page(*segments: dict, **meta: str) -> dict:
    return {"source_id": "007_example", "source": {}, "site": "", "site_key": "", "meta": meta,
            "script_original": "simplified", "segments": list(segments), "removals": [], "suspects": []}


def test_compilation_page_becomes_one_document_per_item_titled_by_its_label():
    result = split_record(page(segment("讲话 篇1", "同志们：", "谢谢！"), segment("讲话 篇2", "各位领导："),
                               collection="讲话"))
    assert [(d["doc_id"], d["title"], d["n_paragraphs"]) for d in result["documents"]] == [
        ("007_example-001", "讲话 篇1", 2), ("007_example-002", "讲话 篇2", 1)]
    assert {d["collection_title"] for d in result["documents"]} == {"讲话"}


def test_single_document_page_takes_the_page_title():
    (document,) = split_record(page(segment("", "今年以来，工作顺利。"), title="卫生局工作报告"))["documents"]
    assert (document["title"], document["n_chars"]) == ("卫生局工作报告", 10)


def test_doc_id_is_source_id_and_position():
    assert doc_id("000_8eea56606f75eb69", 17) == "000_8eea56606f75eb69-017"


def test_fixture_compilations_split_into_their_items(repo):
    documents = read_table(repo / "clean" / "documents.csv")
    per_source = {}
    for row in documents:
        per_source.setdefault(row["source_id"], []).append(row["title"])
    assert per_source["f000_ruiwen"] == ["卫生工作会议讲话 篇1", "卫生工作会议讲话 篇2"]
    assert per_source["f003_nav"] == ["卫生局工作计划范文第1篇", "卫生局工作计划范文第2篇"]
    assert len(per_source["f001_wm114"]) == len(per_source["f004_summary"]) == 1


def test_truncated_document_carries_its_missing_characters(repo):
    (speech,) = [r for r in read_table(repo / "clean" / "documents.csv") if r["source_id"] == "f001_wm114"]
    assert (speech["truncated"], speech["missing_chars"]) == ("true", "3298")


def test_suspect_lines_name_the_document_they_are_in():
    record = page(segment("篇1", "同志们："), segment("篇2", "各位领导："))
    record["segments"][1]["first_line"] = 10
    record["suspects"] = [{"line": 3, "score": 2.5, "detail": "下载", "text": "下载"},
                          {"line": 12, "score": 3.0, "detail": "分享", "text": "分享"}]
    assert [s["doc_id"] for s in split_record(record)["suspects"]] == ["007_example-001", "007_example-002"]


def test_adding_a_page_renumbers_no_other_document(repo):
    before = {r["doc_id"]: r["title"] for r in read_table(repo / "clean" / "documents.csv")}
    add_raw_file(repo, "raw/new/000_aaaa.txt", "卫生局工作总结\n今年以来，全局工作顺利推进。".encode("gbk"))
    assert build(repo).returncode == 0
    after = {r["doc_id"]: r["title"] for r in read_table(repo / "clean" / "documents.csv")}
    assert set(after) - set(before) == {"000_aaaa-001"}
    assert {k: after[k] for k in before} == before
