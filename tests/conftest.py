"""Shared fixtures: a throw-away repository, built from tests/fixtures/corpus, to run real stage
commands in.

Tests never read the committed raw/ or clean/: the corpus grows by pull requests, and a test that
pins its counts fails every one of them. What must hold for the whole corpus is a data check in
`make validate`; tests assert behaviour on pages they bring themselves."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# Five small pages cut from the seeds, one per seed site: the corpus every `repo` starts with.
FIXTURE_CORPUS = FIXTURES / "corpus"
STAGES = ["decode", "strip", "normalize", "split", "duplicates", "package", "report"]
TOOLKIT = ["scripts", "profiles", "rules", "schemas"]
TOOLKIT_FILES = ["LICENSE", "CITATION.cff"]


def new_repo(path: Path, corpus: Path = FIXTURE_CORPUS) -> Path:
    """The toolkit and ``corpus``'s raw/ at ``path``, not yet built."""
    for name in TOOLKIT:
        shutil.copytree(ROOT / name, path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in TOOLKIT_FILES:
        shutil.copy(ROOT / name, path / name)
    shutil.copytree(corpus / "raw", path / "raw")
    return path


@pytest.fixture(scope="session")
def built_fixture_repo(tmp_path_factory) -> Path:
    """The fixture corpus built once per test session (clean/, datapackage.json and build/)."""
    path = new_repo(tmp_path_factory.mktemp("fixture-repo") / "repo")
    result = build(path)
    assert result.returncode == 0, result.stdout + result.stderr
    return path


@pytest.fixture
def repo(built_fixture_repo: Path, tmp_path: Path) -> Path:
    """A built copy of the fixture corpus to change at will; stages run in it see it as their
    repository."""
    path = tmp_path / "repo"
    shutil.copytree(built_fixture_repo, path, symlinks=True)
    return path


def run_module(repo: Path, module: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", f"scripts.{module}", *args],
                          cwd=repo, capture_output=True, text=True, encoding="utf-8", env=environment)


def build(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """Run every stage in order like `make all`, stopping at the first that fails."""
    result = None
    for stage in STAGES:
        result = run_module(repo, stage, *(args if stage not in ("package", "report") else ()))
        if result.returncode != 0:
            return result
    return result


def add_raw_file(repo: Path, rel: str, data: bytes, site: str = "", **columns: str) -> None:
    """Put a page into raw/ and list it in raw/sources.csv, as a contributor would."""
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    list_raw_file(repo, rel, site, **columns)


def list_raw_file(repo: Path, rel: str, site: str = "", **columns: str) -> None:
    table = repo / "raw" / "sources.csv"
    with open(table, encoding="utf-8", newline="") as handle:
        fields = next(csv.reader(handle))
    row = {"path": rel, "site": site, "license": "unknown", **columns}
    with open(table, "a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=fields, lineterminator="\n").writerow(row)


def read_table(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def table_rows(repo: Path, name: str) -> list[dict]:
    """Every row of clean table ``name`` of ``repo`` (all parts of a multipart one)."""
    from scripts.package import read_rows

    return list(read_rows(name, repo / "clean"))


def first_part(repo: Path, name: str, clean: str = "clean") -> Path:
    """The file of a clean table, or the first part of a multipart one (where its first rows are);
    ``clean`` is the tables' folder under ``repo``."""
    from scripts.package import table_files

    return table_files(name, repo / clean if clean else repo)[0]


def last_part(repo: Path, name: str) -> Path:
    from scripts.package import table_files

    return table_files(name, repo / "clean")[-1]


def stop(process: subprocess.Popen, timeout: float) -> None:
    """Ask a test's server or worker to stop; kill it if it has not within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
