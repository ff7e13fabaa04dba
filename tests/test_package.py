"""package: clean/ and datapackage.json, byte for byte the same from the same inputs, and replaced
whole or not at all."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import package as package_module
from scripts import parts
from scripts.package import MULTIPART, SHAPING_TOOLS, RESOURCES as PACKAGED
from tests.conftest import ROOT, add_raw_file, build, first_part, read_table, run_module

CORE = ["sources", "documents", "paragraphs", "removals"]
JOURNAL = Path("clean") / ".package-commit.json"


def package_bytes(repo: Path) -> dict[str, bytes]:
    """Everything package writes, and any file it left beside it (temps, a journal)."""
    files = {p.relative_to(repo).as_posix(): p.read_bytes() for p in (repo / "clean").rglob("*") if p.is_file()}
    files.update({p.name: p.read_bytes() for p in repo.glob("*datapackage.json*")})
    return files


def test_descriptor_names_every_table_with_its_schema(repo):
    package = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == PACKAGED
    assert PACKAGED[:4] == CORE
    for resource in package["resources"]:
        assert resource["schema"] == f"schemas/{resource['name']}.schema.json"
        if resource["name"] in MULTIPART:
            assert resource["path"] == [f"clean/{resource['name']}/{resource['name']}-f000_ruiwen.csv"]
            assert [part["path"] for part in resource["x_parts"]] == resource["path"]
        else:
            assert resource["path"] == f"clean/{resource['name']}.csv"
    assert {"name", "title", "description", "licenses", "sources"} <= set(package)


def test_descriptor_records_the_tools_that_shape_the_output(repo):
    from importlib import metadata

    tools = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))["x_build"]["tools"]
    assert tools == {name: metadata.version(name) for name in SHAPING_TOOLS}
    assert {"opencc", "chardet", "frictionless", "google-re2", "trafilatura"} <= set(tools)


def test_tables_have_exactly_their_schema_columns(repo):
    for name in PACKAGED:
        schema = json.loads((repo / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        header = first_part(repo, name).read_text(encoding="utf-8").split("\n", 1)[0]
        assert header.split(",") == [field["name"] for field in schema["fields"]]


def test_sources_record_decoding_and_script(repo):
    sources = {r["source_id"]: r for r in read_table(repo / "clean" / "sources.csv")}
    assert sources["f000_ruiwen"]["script_original"] == "traditional"
    assert sources["f002_mirror"]["published"] == "2022-11-28"
    assert sources["f004_summary"]["site"] == ""
    assert {r["encoding"] for r in sources.values()} == {"utf-8"}


def test_forced_rebuild_reproduces_the_first_build_byte_for_byte(repo):
    """Same inputs, same bytes: no build times, fixed orders."""
    first = package_bytes(repo)
    result = build(repo, "--force")
    assert result.returncode == 0, result.stderr
    assert package_bytes(repo) == first


def test_second_build_reuses_every_page(repo):
    assert build(repo).returncode == 0
    for stage in ("decode", "strip", "normalize", "split"):
        result = run_module(repo, stage)
        assert "(0 computed, 5 reused)" in result.stdout, (stage, result.stdout)


def test_a_failing_page_leaves_clean_and_descriptor_untouched(repo):
    before = package_bytes(repo)
    # A profile rule that eats a whole long line makes strip refuse the page.
    (repo / "profiles" / "ruiwen.toml").write_text(
        (repo / "profiles" / "ruiwen.toml").read_text(encoding="utf-8")
        + '\n[[rule]]\nid = "ruiwen.greedy"\nwhere = "line"\npattern = \'.{150,}\'\n', encoding="utf-8")
    result = build(repo)
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert line.startswith("error: raw/ruiwen/f000_ruiwen.txt: strip would remove")
    assert "rule ruiwen.greedy would remove line" in line
    assert package_bytes(repo) == before


# --- Failures while writing: one line, no temps, clean/ as it was -----------------------------

FULL_DISK = """
import errno, os, sys
from scripts import package, parts

real_open = open

class FullDisk:
    '''A file on a disk that fills up after the header.'''
    def __init__(self, handle):
        self.handle, self.writes = handle, 0
    def write(self, text):
        self.writes += 1
        if self.writes > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.handle.write(text)
    def close(self):
        self.handle.close()
    @property
    def closed(self):
        return self.handle.closed

def full_open(path, *args, **kwargs):
    handle = real_open(path, *args, **kwargs)
    return FullDisk(handle) if str(path).endswith(sys.argv[1]) else handle

parts.open = full_open
package.main([])
"""


def test_a_full_disk_is_one_line_naming_the_table_and_leaves_clean_as_it_was(repo):
    (repo / "build" / "package.stamp.json").unlink()  # so that package writes again, every part
    (repo / "build" / "package-segments.json").unlink()
    before = package_bytes(repo)
    result = subprocess.run([sys.executable, "-c", FULL_DISK, ".paragraphs-f000_ruiwen.csv.tmp"], cwd=repo,
                            capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 1
    assert result.stderr == ("error: clean/paragraphs/paragraphs-f000_ruiwen.csv: No space left on device; "
                             "clean/ left as it was\n")
    assert package_bytes(repo) == before  # no temps left either


def test_an_unwritable_descriptor_is_one_line_naming_it(repo):
    (repo / "build" / "package.stamp.json").unlink()  # so that package writes again
    before = package_bytes(repo)
    result = subprocess.run(
        [sys.executable, "-c", "import errno, os, pathlib\n"
         "from scripts import package\n"
         "def refuse(self, *args, **kwargs): raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))\n"
         "pathlib.Path.write_text = refuse\n"
         "package.main([])"],
        cwd=repo, capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 1
    assert result.stderr == "error: datapackage.json: Permission denied; clean/ left as it was\n"
    assert package_bytes(repo) == before


def test_temps_without_a_journal_are_deleted_by_the_next_run(repo):
    before = package_bytes(repo)
    (repo / "clean" / "paragraphs" / ".paragraphs-f000_ruiwen.csv.tmp").write_text("half a table", encoding="utf-8")
    (repo / "clean" / ".documents.csv.tmp").write_text("half a table", encoding="utf-8")
    (repo / ".datapackage.json.tmp").write_text("{", encoding="utf-8")
    result = run_module(repo, "package")
    assert result.returncode == 0, result.stderr
    assert package_bytes(repo) == before


# --- A kill during the renames: the next run completes the new package -------------------------

# Runs package and dies (os._exit, like kill -9: no cleanup runs) before the Nth os.replace.
# The 1st replace puts the journal in place; the others rename the tables, then the descriptor.
KILLED_AT_REPLACE = """
import os, sys
from scripts import package

real_replace, calls = os.replace, [0]

def replace(src, dst):
    if "build" not in os.path.relpath(dst).split(os.sep):  # the commit's renames, not build/'s caches
        calls[0] += 1
        if calls[0] == int(sys.argv[1]):
            os._exit(9)
    real_replace(src, dst)

os.replace = replace
package.main([])
"""


@pytest.fixture
def changed_corpus(repo: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """``repo`` with one more page built up to split, its old package, and the new package that
    package makes of it (built in a copy)."""
    old = package_bytes(repo)
    add_raw_file(repo, "raw/unknown/f005_extra.txt",
                 "卫生局2023年工作总结\n\n今年以来，全局上下认真贯彻落实各项卫生工作部署，成效明显。\n".encode() * 3)
    for stage in ("decode", "strip", "normalize", "split"):
        result = run_module(repo, stage)
        assert result.returncode == 0, result.stderr
    reference = shutil.copytree(repo, tmp_path / "reference", symlinks=True)
    assert run_module(reference, "package").returncode == 0
    new = package_bytes(reference)
    assert new != old
    return repo, old, new


@pytest.mark.parametrize("killed_at", range(1, len(PACKAGED) + 3))
def test_a_kill_during_the_commit_leaves_old_or_new_and_the_next_run_completes_it(changed_corpus, killed_at):
    repo, old, new = changed_corpus
    killed = subprocess.run([sys.executable, "-c", KILLED_AT_REPLACE, str(killed_at)], cwd=repo,
                            capture_output=True, text=True, encoding="utf-8")
    if killed.returncode == 0:  # fewer renames than killed_at: unchanged parts are not rewritten
        assert package_bytes(repo) == new
        return
    assert killed.returncode == 9, killed.stderr
    visible = {name: data for name, data in package_bytes(repo).items() if not name.endswith(".tmp")}
    if (repo / JOURNAL).exists():
        # Mid-commit: the journal says so, and recovery alone rolls forward to the new package.
        result = subprocess.run([sys.executable, "-c", "from scripts import package; print(package.recover())"],
                                cwd=repo, capture_output=True, text=True, encoding="utf-8")
        assert result.stdout == "True\n", result.stderr
        assert package_bytes(repo) == new
    else:
        # Killed before the journal was in place (the old package, untouched), or after the commit
        # (writing the stage's stamp: the new one). Never a mix.
        assert visible in (old, new)
    assert run_module(repo, "package").returncode == 0
    assert package_bytes(repo) == new


def test_package_completes_an_interrupted_commit_before_anything_else(changed_corpus):
    repo, old, new = changed_corpus
    subprocess.run([sys.executable, "-c", KILLED_AT_REPLACE, "4"], cwd=repo, capture_output=True)
    assert (repo / JOURNAL).exists()
    shutil.rmtree(repo / "build" / "split")  # package cannot rebuild, but it still repairs
    result = run_module(repo, "package")
    assert result.returncode == 1
    assert "build/split/ is missing" in result.stderr
    assert package_bytes(repo) == new


def test_package_does_nothing_when_nothing_changed_and_rebuilds_over_a_hand_edit(repo):
    result = run_module(repo, "package")
    assert result.returncode == 0 and (repo / "build" / "package.stamp.json").exists()
    table = first_part(repo, "paragraphs")
    built = table.read_bytes()
    table.write_bytes(built.replace("同志们".encode(), "同事们".encode(), 1))
    assert run_module(repo, "package").returncode == 0
    assert table.read_bytes() == built


# --- Multipart tables -----------------------------------------------------------------------------

def write_segments(clean: Path, pages: list[str], text_of=lambda source_id: "第{seq}段。"):
    """Paragraph rows for ``pages`` (each page's text made by ``text_of``, which is also its key)
    written by package's multipart writer under ``clean``, temps renamed into place and segments
    saved as package does; (writer, {part name: bytes}, names of the parts written)."""
    def render(source_id: str) -> dict[str, list[dict]]:
        return {"paragraphs": [{"doc_id": f"{source_id}-001", "seq": seq, "line": seq,
                                "text": text_of(source_id).format(seq=seq), "text_hash": "0" * 16,
                                "hash_documents": 1, "hash_sites": 1} for seq in (1, 2)]}

    writer = parts.MultipartWriter({"paragraphs": package_module.schema_columns("paragraphs")}, clean, "f",
                                   render, clean / "segments.json")
    for source_id in pages:
        writer.page(source_id, text_of(source_id), source_id)
    files = writer.close()["paragraphs"]
    for file in files:
        if file.temp is not None:
            file.temp.replace(file.final)
    writer.save()
    return writer, {file.final.name: file.final.read_bytes() for file in files}, \
        sorted(file.final.name for file in files if file.temp is not None)


def write_parts(clean: Path, pages: list[str]) -> dict[str, bytes]:
    return write_segments(clean, pages)[1]


def test_parts_start_at_content_defined_pages_and_an_added_page_touches_one_part(tmp_path, monkeypatch):
    monkeypatch.setattr(parts, "PART_PAGES", 4)
    pages = [f"p{n:03d}" for n in range(60)]
    before = write_parts(tmp_path / "a", pages)
    starts = [p for p in pages[1:] if parts.starts_part(p)]
    assert sorted(before) == sorted([f"paragraphs-{pages[0]}.csv"] + [f"paragraphs-{p}.csv" for p in starts])
    assert 5 <= len(before) <= 40  # about one part per PART_PAGES pages
    for data in before.values():
        assert data.startswith(b"doc_id,seq,line,text,")  # every part has its header
    new_page = next(f"p030{c}" for c in "abcdefgh" if not parts.starts_part(f"p030{c}"))
    after = write_parts(tmp_path / "b", sorted(pages + [new_page]))
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    assert len(changed) == 1  # the part the new page falls in; no boundary moved
    # (a page that starts a part itself splits the part it lands in: two files, the rest untouched)


def test_a_segment_whose_pages_did_not_change_is_not_rendered_again(tmp_path, monkeypatch):
    monkeypatch.setattr(parts, "PART_PAGES", 4)
    pages = [f"p{n:03d}" for n in range(40)]
    writer, first, written = write_segments(tmp_path, pages)
    assert written == sorted(first) and writer.reused == 0 and len(first) > 3
    writer, again, written = write_segments(tmp_path, pages)
    assert again == first and written == [] and writer.rendered == 0 and writer.reused == len(first)
    # One page changes: its segment alone is rendered again, and holds the new text.
    edited = pages[17]
    segment = max(p for p in [pages[0], *(p for p in pages[1:] if parts.starts_part(p))] if p <= edited)
    writer, changed, written = write_segments(
        tmp_path, pages, lambda source_id: "改过的{seq}段。" if source_id == edited else "第{seq}段。")
    assert writer.rendered == 1 and written == [f"paragraphs-{segment}.csv"]
    assert "改过的1段".encode() in changed[written[0]]
    assert {name: data for name, data in changed.items() if name not in written} == \
        {name: data for name, data in first.items() if name not in written}
    # A hand edit of a kept part is seen by its hash: that segment is written again, as it was.
    target = tmp_path / "paragraphs" / f"paragraphs-{pages[0]}.csv"
    target.write_bytes(target.read_bytes().replace("第1段".encode(), "第9段".encode(), 1))
    writer, _, written = write_segments(
        tmp_path, pages, lambda source_id: "改过的{seq}段。" if source_id == edited else "第{seq}段。")
    assert written == [target.name] and target.read_bytes() == first[target.name]


def test_a_part_is_cut_when_it_reaches_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(parts, "PART_PAGES", 10**9)
    monkeypatch.setattr(parts, "PART_MAX_BYTES", 200)
    written = write_parts(tmp_path, [f"p{n:03d}" for n in range(10)])
    assert len(written) > 2 and all(len(data) < 400 for data in written.values())


def test_a_key_duplicated_across_two_parts_is_caught_by_frictionless_and_by_validate(tmp_path, monkeypatch):
    from frictionless import Package

    from scripts.tablecheck import TableChecker

    monkeypatch.setattr(parts, "PART_PAGES", 1)  # every page its own part
    written = write_parts(tmp_path / "clean", ["a", "b"])
    second = tmp_path / "clean" / "paragraphs" / "paragraphs-b.csv"
    second.write_bytes(second.read_bytes().replace(b"b-001,1,", b"a-001,2,", 1))  # a's key again
    schema = json.loads((ROOT / "schemas" / "paragraphs.schema.json").read_text(encoding="utf-8"))
    schema.pop("foreignKeys")
    descriptor = {"name": "t", "resources": [{
        "name": "paragraphs", "type": "table", "scheme": "multipart", "format": "csv",
        "path": [f"clean/paragraphs/{name}" for name in sorted(written)], "schema": schema}]}
    report = Package(descriptor, basepath=str(tmp_path)).validate()
    errors = [error.message for task in report.tasks for error in task.errors]
    assert report.tasks[0].stats["rows"] == 4
    assert any("primary key" in message for message in errors), errors
    checked = TableChecker("paragraphs", schema).check_files(
        [tmp_path / "clean" / "paragraphs" / name for name in sorted(written)])
    assert checked.problems == ["paragraphs: paragraphs-b.csv row 2: primary key {'doc_id': 'a-001', 'seq': 2} "
                                "is the key of the row before (tables are kept sorted by their key)"]
