"""validate: the schemas, the data checks beyond them, and proof that every resource was read."""

from __future__ import annotations

import json
import shutil

import pytest

from scripts import strip
from scripts.validate import check_package
from tests.conftest import ROOT, run_module

EXPECTED = ("sources", "documents", "paragraphs", "removals")


def test_committed_package_is_valid_and_every_resource_was_read():
    problems, summary, _ = check_package()
    assert problems == []
    assert [line.split(":")[0] for line in summary] == list(EXPECTED)


@pytest.fixture
def package(tmp_path):
    """A copy of the package and raw/; returns (root, descriptor dict, write-descriptor function)."""
    for name in ("clean", "schemas", "raw"):
        shutil.copytree(ROOT / name, tmp_path / name)
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))

    def write(edited: dict, unhash: bool = True):
        if unhash:  # a hand edit: the recorded sizes and hashes no longer apply
            for resource in edited["resources"]:
                resource.pop("hash", None), resource.pop("bytes", None)
        path = tmp_path / "datapackage.json"
        path.write_text(json.dumps(edited, ensure_ascii=False), encoding="utf-8")
        return path

    return tmp_path, descriptor, write


def add_paragraph(root, text: str, doc_id: str = "003_92a7eb5f272008d1-002") -> None:
    with open(root / "clean" / "paragraphs.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{doc_id},99,1,{text}\n")


def problems_for(write, descriptor) -> list[str]:
    return check_package(write(descriptor), EXPECTED)[0]


def test_resource_not_read_as_a_table_fails(package):
    root, descriptor, write = package
    removals = next(r for r in descriptor["resources"] if r["name"] == "removals")
    for key in ("type", "schema"):
        removals.pop(key)
    removals.update(format="txt", mediatype="text/plain")
    assert "removals: read as 'text', not as a table; nothing in it was checked" in problems_for(write, descriptor)


def test_missing_resource_fails(package):
    root, descriptor, write = package
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "removals"]
    assert problems_for(write, descriptor) == [
        "removals: resource missing from datapackage.json, or frictionless did not read it"]


def test_resource_with_no_rows_fails(package):
    root, descriptor, write = package
    header = (root / "clean" / "removals.csv").read_text(encoding="utf-8").split("\n", 1)[0] + "\n"
    (root / "clean" / "removals.csv").write_text(header, encoding="utf-8")
    assert any(p.startswith("removals: 0 rows read") for p in problems_for(write, descriptor))


def test_row_breaking_the_schema_fails_with_the_resource_named(package):
    root, descriptor, write = package
    documents = root / "clean" / "documents.csv"
    lines = documents.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace(",traditional,", ",klingon,", 1)
    documents.write_text("\n".join(lines), encoding="utf-8")
    assert any(p.startswith("documents:") and "klingon" in p for p in problems_for(write, descriptor))


def test_edited_table_no_longer_matches_its_recorded_hash(package):
    root, descriptor, write = package
    add_paragraph(root, "后来加的一段。")
    problems = check_package(write(descriptor, unhash=False), EXPECTED)[0]
    assert any(p.startswith("paragraphs:") and "hash" in p.lower() for p in problems), problems


def test_boilerplate_put_back_into_paragraphs_is_caught(package):
    root, descriptor, write = package
    add_paragraph(root, "上一篇：卫生计生工作计划范文 下一篇：语文工作计划范文")
    problems = problems_for(write, descriptor)
    assert any("paragraph 99: boilerplate left, rule generic.prev_next" in p for p in problems), problems


def test_traditional_character_left_is_caught(package):
    root, descriptor, write = package
    add_paragraph(root, "加强卫生監督工作。")
    assert any("paragraph 99: Traditional characters left (監)" in p for p in problems_for(write, descriptor))


def test_pinyin_annotation_left_is_caught(package):
    root, descriptor, write = package
    add_paragraph(root, "卫（wèi）生工作。")
    assert any("paragraph 99: ruby pinyin left ((wèi))" in p for p in problems_for(write, descriptor))


def test_private_use_character_in_an_unflagged_document_is_caught(package):
    root, descriptor, write = package
    add_paragraph(root, "纳入\ue2f0范围。")
    assert any("paragraph 99: U+E2F0 in a document not flagged for mojibake" in p
               for p in problems_for(write, descriptor))


def test_document_counts_that_disagree_with_paragraphs_are_caught(package):
    root, descriptor, write = package
    add_paragraph(root, "多出来的一段。")
    problems = problems_for(write, descriptor)
    assert any("003_92a7eb5f272008d1-002: n_paragraphs/n_chars say 4/" in p for p in problems), problems


def test_sha256_that_does_not_match_the_raw_bytes_is_caught(package):
    root, descriptor, write = package
    sources = root / "clean" / "sources.csv"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace("3fb8710fc5dd", "000000000000", 1), encoding="utf-8")
    problems = problems_for(write, descriptor)
    assert any("raw/ruiwen/000_8eea56606f75eb69.txt: raw bytes changed since the build" in p for p in problems)


def test_raw_file_changed_without_rebuilding_is_caught(repo):
    with open(repo / "raw" / "unknown" / "004_5928ad22fc79e100.txt", "ab") as handle:
        handle.write("补充一句。".encode("utf-8"))
    result = run_module(repo, "validate")
    assert result.returncode == 1
    assert "raw/unknown/004_5928ad22fc79e100.txt: raw bytes changed since the build" in result.stderr


def test_raw_file_without_a_sources_row_is_caught(repo):
    (repo / "raw" / "unknown" / "005_new.txt").write_bytes("卫生局工作总结".encode("utf-8"))
    result = run_module(repo, "validate")
    assert result.returncode == 1
    assert "raw/unknown/005_new.txt: present in raw/ but not listed in raw/sources.csv" in result.stderr


def test_slow_pattern_is_refused_with_its_rule_id_and_a_fine_one_is_not(tmp_path, repo):
    slow = "[[rule]]\nid = \"ruiwen.slow\"\nwhere = \"inline\"\npattern = '(\\w+\\s?)*$'\n"
    fine = "[[rule]]\nid = \"ruiwen.fine\"\nwhere = \"inline\"\npattern = '(?:\\w+\\s?){1,8}$'\n"
    profile = repo / "profiles" / "ruiwen.toml"
    original = profile.read_text(encoding="utf-8")
    profile.write_text(original + fine, encoding="utf-8")
    assert strip.load_profile(profile).rules[-1].id == "ruiwen.fine"
    profile.write_text(original + slow, encoding="utf-8")
    result = run_module(repo, "validate")
    assert result.returncode == 1
    assert "rule ruiwen.slow: pattern has a quantifier inside a repeat that is unbounded" in result.stderr
