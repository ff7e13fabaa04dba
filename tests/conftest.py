"""Shared fixtures: a throw-away copy of the repository to run real stage commands in."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STAGES = ["decode", "strip", "normalize", "split", "package"]
COPIED = ["scripts", "profiles", "rules", "schemas", "raw", "clean"]
COPIED_FILES = ["datapackage.json", "LICENSE", "CITATION.cff"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the toolkit, raw/ and clean/; stages run in it see it as their repository."""
    for name in COPIED:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in COPIED_FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def run_module(repo: Path, module: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", f"scripts.{module}", *args],
                          cwd=repo, capture_output=True, text=True, encoding="utf-8", env=environment)


def build(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """Run every stage in order like `make all`, stopping at the first that fails."""
    result = None
    for stage in STAGES:
        result = run_module(repo, stage, *(args if stage != "package" else ()))
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
