"""release: a zip that validates on its own anywhere, with exports that round-trip."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pandas as pd
import pytest
from frictionless import Package

from scripts.package import MULTIPART, RESOURCES
from scripts.release import VERSION
from tests.conftest import build, read_table, run_module

NAME = "zh-health-work-reports-0.1.0"


@pytest.fixture
def released(repo):
    result = run_module(repo, "release", "0.1.0")
    assert result.returncode == 0, result.stderr
    return repo


def test_release_folder_holds_the_package_and_its_companions(released):
    folder = released / "dist" / NAME
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    figures = [name for name in names if name.startswith("report/")]
    tables = [f"clean/{name}/{name}-f000_ruiwen.csv" if name in MULTIPART else f"clean/{name}.csv"
              for name in RESOURCES] + [f"schemas/{name}.schema.json" for name in RESOURCES]
    assert "report/README.md" in figures and any(name.endswith(".png") for name in figures)
    assert names == sorted(["CITATION.cff", "LICENSE", "README.md", "SHA256SUMS", "datapackage.json",
                                        "documents.jsonl", "documents.parquet", "documents-unique.jsonl",
                                        "documents-unique.parquet", "corpus.db", *tables, *figures])
    assert json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["version"] == "0.1.0"
    assert "version: 0.1.0" in (folder / "CITATION.cff").read_text(encoding="utf-8")


def test_sha256sums_match_every_file(released):
    folder = released / "dist" / NAME
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    files = [p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS"]
    assert len(lines) == len(files)  # every file but SHA256SUMS itself
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_zip_validates_standalone_after_unpacking_anywhere(released, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(released / "dist" / f"{NAME}.zip") as zipped:
        zipped.extractall(elsewhere)
    package = Package(f"{NAME}/datapackage.json", basepath=str(elsewhere))
    report = package.validate()
    assert report.valid, report.flatten(["message"])
    rows = {task.name: task.stats.get("rows") for task in report.tasks}
    assert sorted(rows) == sorted(RESOURCES)
    assert {name: rows[name] for name in ("sources", "documents", "paragraphs", "removals")} == {
        "sources": 5, "documents": 7, "paragraphs": 144, "removals": 288}
    assert all(task.type == "table" for task in report.tasks)


def test_exports_round_trip_with_the_paragraphs(released):
    folder = released / "dist" / NAME
    parquet = pd.read_parquet(folder / "documents.parquet")
    jsonl = pd.read_json(folder / "documents.jsonl", lines=True)
    paragraphs = pd.concat([pd.read_csv(path, keep_default_na=False)
                            for path in sorted((folder / "clean" / "paragraphs").glob("*.csv"))])
    joined = paragraphs.groupby("doc_id", sort=True)["text"].agg("\n".join)
    assert len(parquet) == len(jsonl) == len(read_table(folder / "clean" / "documents.csv")) == 7
    assert list(parquet["doc_id"]) == list(jsonl["doc_id"]) == list(joined.index)
    assert list(parquet["text"]) == list(jsonl["text"]) == list(joined)
    assert parquet.loc[parquet["doc_id"] == "f001_wm114-001", "missing_chars"].item() == 3298


def test_data_card_has_a_hugging_face_header_and_the_known_limits(released):
    card = (released / "dist" / NAME / "README.md").read_text(encoding="utf-8")
    header = card.split("---\n")[1]
    assert "license: odc-by" in header and "- zh" in header and "path: documents.parquet" in header
    assert "1 document(s) are cut by a site paywall" in card
    assert "2 document(s) contain mojibake" in card


def test_release_is_reproducible_and_the_version_survives_a_rebuild(released):
    first = (released / "dist" / f"{NAME}.zip").read_bytes()
    assert run_module(released, "release", "0.1.0").returncode == 0
    assert (released / "dist" / f"{NAME}.zip").read_bytes() == first
    assert build(released).returncode == 0
    assert json.loads((released / "datapackage.json").read_text(encoding="utf-8"))["version"] == "0.1.0"


@pytest.mark.parametrize("version", ["v1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "1.2.3\n", " 1.2.3",
                                     "1.2.3-rc.1", "1.2.3+build", "１.２.３"])
def test_bad_version_is_refused_and_nothing_is_written(repo, version):
    descriptor = (repo / "datapackage.json").read_bytes()
    result = run_module(repo, "release", version)
    assert result.returncode == 1 and f"version {version!r} is not x.y.z" in result.stderr
    assert (repo / "datapackage.json").read_bytes() == descriptor and not (repo / "dist").exists()


@pytest.mark.parametrize("version", ["0.0.0", "0.1.0", "1.2.3", "10.20.300"])
def test_plain_versions_are_accepted(version):
    assert VERSION.fullmatch(version)


def test_exports_are_sharded_with_row_groups_and_read_back_whole(repo, tmp_path):
    import pyarrow.parquet as pq

    from scripts import release

    count, names = release.write_exports(repo / "clean", tmp_path, row_group_bytes=2_000, shard_bytes=6_000)
    assert len(names) > 1 and names[0] == f"documents-00000-of-{len(names):05d}.parquet"
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == names  # no temp left
    files = [pq.ParquetFile(tmp_path / name) for name in names]
    assert all(f.metadata.num_row_groups >= 1 for f in files) and sum(f.metadata.num_row_groups for f in files) > len(names)
    whole = pd.concat([pd.read_parquet(tmp_path / name) for name in names], ignore_index=True)
    jsonl = pd.read_json(tmp_path / "documents.jsonl", lines=True)
    assert len(whole) == count == len(jsonl) and list(whole["doc_id"]) == list(jsonl["doc_id"])
    card = release.data_card({"name": "x", "version": "1.0.0", "title": "t", "description": "d", "resources": []},
                             release.statistics(repo / "clean"), shards={"documents": names, "documents-unique": ["u.parquet"]})
    header = card.split("---")[1]
    assert all(f"- {name}" in header for name in names) and "path: u.parquet" in header
