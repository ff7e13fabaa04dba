"""validate: a descriptor is valid only if every resource was really read as a table with rows."""

from __future__ import annotations

import json
import shutil

from scripts.validate import check_package
from tests.conftest import ROOT

EXPECTED = ("sources", "documents", "paragraphs", "removals")


def test_committed_package_is_valid_and_every_resource_was_read():
    problems, summary, _ = check_package()
    assert problems == []
    assert [line.split(":")[0] for line in summary] == list(EXPECTED)


def copy_package(tmp_path):
    for name in ("clean", "schemas"):
        shutil.copytree(ROOT / name, tmp_path / name)
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    return descriptor


def write(tmp_path, descriptor, name="datapackage.json"):
    path = tmp_path / name
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    return path


def test_yaml_descriptor_that_frictionless_reads_as_a_plain_file_fails(tmp_path):
    descriptor = copy_package(tmp_path)
    path = tmp_path / "datapackage.yml"
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")  # JSON is valid YAML
    problems, _, _ = check_package(path, EXPECTED)
    assert any("sources: resource missing" in p for p in problems), problems


def test_missing_resource_fails(tmp_path):
    descriptor = copy_package(tmp_path)
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "removals"]
    problems, _, _ = check_package(write(tmp_path, descriptor), EXPECTED)
    assert problems == ["removals: resource missing from datapackage.json, or frictionless did not read it"]


def test_resource_with_no_rows_fails(tmp_path):
    descriptor = copy_package(tmp_path)
    header = (tmp_path / "clean" / "removals.csv").read_text(encoding="utf-8").split("\n", 1)[0] + "\n"
    (tmp_path / "clean" / "removals.csv").write_text(header, encoding="utf-8")
    for resource in descriptor["resources"]:
        resource.pop("hash", None), resource.pop("bytes", None)
    problems, _, _ = check_package(write(tmp_path, descriptor), EXPECTED)
    assert any(p.startswith("removals: 0 rows read") for p in problems), problems


def test_row_breaking_the_schema_fails_with_the_resource_named(tmp_path):
    descriptor = copy_package(tmp_path)
    documents = tmp_path / "clean" / "documents.csv"
    lines = documents.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace(",traditional,", ",klingon,", 1)
    documents.write_text("\n".join(lines), encoding="utf-8")
    for resource in descriptor["resources"]:
        resource.pop("hash", None), resource.pop("bytes", None)
    problems, _, _ = check_package(write(tmp_path, descriptor), EXPECTED)
    assert any(p.startswith("documents:") and "klingon" in p for p in problems), problems


def test_edited_table_no_longer_matches_its_recorded_hash(tmp_path):
    descriptor = copy_package(tmp_path)
    with open(tmp_path / "clean" / "paragraphs.csv", "a", encoding="utf-8") as handle:
        handle.write("000_8eea56606f75eb69-001,999,1,后来加的一段。\n")
    problems, _, _ = check_package(write(tmp_path, descriptor), EXPECTED)
    assert any(p.startswith("paragraphs:") and "hash" in p.lower() for p in problems), problems
