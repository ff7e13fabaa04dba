"""package: clean/ and datapackage.json, byte for byte the same from the same inputs."""

from __future__ import annotations

import json

from tests.conftest import ROOT, build, read_table

RESOURCES = ["sources", "documents", "paragraphs", "removals"]


def test_descriptor_names_the_four_resources_with_their_schemas():
    package = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == RESOURCES
    for resource in package["resources"]:
        assert resource["schema"] == f"schemas/{resource['name']}.schema.json"
        assert resource["path"] == f"clean/{resource['name']}.csv"
    assert {"name", "title", "description", "licenses", "sources"} <= set(package)


def test_descriptor_records_the_tools_that_shape_the_output():
    from importlib import metadata

    tools = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["x_build"]["tools"]
    assert tools == {name: metadata.version(name) for name in ("opencc", "chardet", "frictionless")}


def test_tables_have_exactly_their_schema_columns():
    for name in RESOURCES:
        schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        header = (ROOT / "clean" / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
        assert header.split(",") == [field["name"] for field in schema["fields"]]


def test_sources_record_decoding_and_script():
    sources = {r["source_id"]: r for r in read_table(ROOT / "clean" / "sources.csv")}
    assert sources["000_8eea56606f75eb69"]["script_original"] == "traditional"
    assert sources["002_396dc7a8cdb8c5a8"]["published"] == "2022-11-28"
    assert sources["004_5928ad22fc79e100"]["site"] == ""
    assert {r["encoding"] for r in sources.values()} == {"utf-8"}


def test_full_rebuild_reproduces_committed_outputs_byte_for_byte(repo):
    """Same inputs, same bytes: no build times, fixed orders (also catches a forgotten rebuild)."""
    result = build(repo, "--force")
    assert result.returncode == 0, result.stderr
    for name in RESOURCES:
        assert (repo / "clean" / f"{name}.csv").read_bytes() == (ROOT / "clean" / f"{name}.csv").read_bytes(), name
    assert (repo / "datapackage.json").read_bytes() == (ROOT / "datapackage.json").read_bytes()


def test_second_build_reuses_every_page(repo):
    assert build(repo).returncode == 0
    for stage in ("decode", "strip", "normalize", "split"):
        from tests.conftest import run_module

        result = run_module(repo, stage)
        assert "(0 computed, 5 reused)" in result.stdout, (stage, result.stdout)


def test_a_failing_page_leaves_clean_and_descriptor_untouched(repo):
    before = {p.name: p.read_bytes() for p in (repo / "clean").iterdir()}
    # A profile rule that eats a whole long line makes strip refuse the page.
    (repo / "profiles" / "ruiwen.toml").write_text(
        (repo / "profiles" / "ruiwen.toml").read_text(encoding="utf-8")
        + '\n[[rule]]\nid = "ruiwen.greedy"\nwhere = "line"\npattern = \'.{150,}\'\n', encoding="utf-8")
    result = build(repo)
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert line.startswith("error: raw/ruiwen/000_8eea56606f75eb69.txt: strip would remove 85%")
    assert "rule ruiwen.greedy would remove line" in line
    assert {p.name: p.read_bytes() for p in (repo / "clean").iterdir()} == before
