"""split: pages become documents with stable ids."""

from __future__ import annotations

from scripts.split import doc_id, split_record
from tests.conftest import ROOT, add_raw_file, build, read_table


def segment(label: str, *paragraphs: str) -> dict:
    return {"label": label, "first_line": 1, "paragraphs": [[n, p] for n, p in enumerate(paragraphs, 1)],
            "truncated": False, "missing_chars": None, "script_original": "simplified", "script_variants": [],
            "pinyin_removed": 0, "mojibake": [], "placeholders": 0}


def page(*segments: dict, **meta: str) -> dict:
    return {"source_id": "007_example", "source": {}, "site": "", "meta": meta,
            "script_original": "simplified", "segments": list(segments), "removals": []}


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


def test_seeds_give_thirty_documents():
    documents = read_table(ROOT / "clean" / "documents.csv")
    per_source = {}
    for row in documents:
        per_source[row["source_id"]] = per_source.get(row["source_id"], 0) + 1
    assert len(documents) == 30
    assert per_source == {"000_8eea56606f75eb69": 17, "001_a1d90d7132cf1ab2": 1, "002_396dc7a8cdb8c5a8": 1,
                          "003_92a7eb5f272008d1": 10, "004_5928ad22fc79e100": 1}
    speeches = [r["title"] for r in documents if r["source_id"] == "000_8eea56606f75eb69"]
    assert speeches == [f"卫生工作会议讲话 篇{n}" for n in range(1, 18)]


def test_truncated_document_carries_its_missing_characters():
    (speech,) = [r for r in read_table(ROOT / "clean" / "documents.csv") if r["source_id"].startswith("001_")]
    assert (speech["truncated"], speech["missing_chars"]) == ("true", "3298")


def test_adding_a_page_renumbers_no_other_document(repo):
    before = {r["doc_id"]: r["title"] for r in read_table(repo / "clean" / "documents.csv")}
    add_raw_file(repo, "raw/new/000_aaaa.txt", "卫生局工作总结\n今年以来，全局工作顺利推进。".encode("gbk"))
    assert build(repo).returncode == 0
    after = {r["doc_id"]: r["title"] for r in read_table(repo / "clean" / "documents.csv")}
    assert set(after) - set(before) == {"000_aaaa-001"}
    assert {k: after[k] for k in before} == before
