"""The one driver every stage runs under.

Stages are pure functions over one page record (a dict); this module does everything else once:
streaming JSON Lines in and out, content-hash caching (never file times: a fresh clone has
arbitrary mtimes), a process pool, progress on a terminal, atomic writes, and collecting every
page's error before failing.

A stage's output record carries ``key``: the hash of the stage's own fingerprint (its code, its
rule files, the library versions that shape it) and the input record's key. Keys chain from the raw
bytes, so an unchanged key means an unchanged result, and the previous output can be reused by a
streaming merge join on ``source_id`` (inputs and outputs are sorted by it), with constant memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from multiprocessing import Pool
from pathlib import Path
from typing import Callable, Iterable, Iterator

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"

# Below this many pages to compute, a pool costs more than it saves.
POOL_MIN_PAGES = 16
# Pages held in memory while a batch is computed: memory is bounded by this, not by the corpus
# (measured with make bench-build: 64 keeps strip under ~60 MB at 1,000 pages; 256 took 104 MB).
BATCH_PAGES = 64


class PageError(Exception):
    """A problem with one page, reported with its path after all pages were tried."""


def sha256_hex(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in blocks (SHA256SUMS, datapackage hashes, Zenodo's MD5s)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()


def library_versions(*names: str) -> dict[str, str]:
    return {name: metadata.version(name) for name in names}


def stage_fingerprint(files: Iterable[Path], versions: dict[str, str]) -> str:
    """Hash of what decides a stage's output besides its input: code, rule files, libraries."""
    parts: list[bytes | str] = [json.dumps(versions, sort_keys=True)]
    for path in sorted(Path(f) for f in files):
        parts.append(str(path.relative_to(ROOT)))
        parts.append(path.read_bytes())
    return sha256_hex(*parts)


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def dump_json_line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


@contextmanager
def atomic_write(path: Path, mode: str = "w", newline: str | None = None):
    """Write to a temporary file beside ``path`` and rename it into place only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    encoding = None if "b" in mode else "utf-8"
    try:
        with open(tmp, mode, encoding=encoding, newline=newline) as handle:
            yield handle
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def progress(iterable: Iterable, desc: str, total: int | None = None):
    """A bar on a terminal; nothing in CI logs (tqdm disables itself off a TTY)."""
    return tqdm(iterable, desc=desc, total=total, unit="page", disable=None, leave=False)


@dataclass
class StageReport:
    name: str
    pages: int = 0
    cached: int = 0
    computed: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"{self.name}: {self.pages} pages ({self.computed} computed, {self.cached} reused)"


def _apply(transform: Callable[[dict], dict], record: dict) -> tuple[dict | None, str | None]:
    try:
        return transform(record), None
    except PageError as error:
        path = record.get("path") or record.get("source", {}).get("path") or record.get("source_id")
        return None, f"{path}: {error}"


class _Applier:
    """Picklable wrapper so a pool can run the stage's transform."""

    def __init__(self, transform: Callable[[dict], dict]):
        self.transform = transform

    def __call__(self, record: dict) -> tuple[dict | None, str | None]:
        return _apply(self.transform, record)


def _previous_outputs(path: Path) -> Iterator[dict]:
    if path.exists():
        yield from read_jsonl(path)


def run_stage(
    name: str,
    transform: Callable[[dict], dict],
    records: Iterable[dict],
    fingerprint: str,
    jobs: int | None = None,
    force: bool = False,
    total: int | None = None,
    known_errors: list[str] | None = None,
) -> StageReport:
    """Run ``transform`` over every input record and write ``build/<name>.jsonl``.

    Input records must be sorted by ``source_id`` and carry ``key``. A page whose derived key
    matches the previous output's is reused, not recomputed. If any page fails, every failure is
    printed (one line per page) and the previous output stays in place. ``known_errors`` are
    problems found before the stage ran (a file missing from raw/, say): the pages are still all
    tried, so the user sees every problem at once.
    """
    output = BUILD / f"{name}.jsonl"
    report = StageReport(name, errors=list(known_errors or []))
    previous = _previous_outputs(output) if not force else iter(())
    old = next(previous, None)

    def keyed(record: dict) -> dict:
        record = dict(record)
        record["key"] = sha256_hex(fingerprint, record["key"])
        return record

    def plan() -> Iterator[tuple[dict, dict | None]]:
        """Pair each input with its reusable previous output (or None), streaming."""
        nonlocal old
        for record in records:
            record = keyed(record)
            while old is not None and old["source_id"] < record["source_id"]:
                old = next(previous, None)
            reuse = old if old is not None and old["source_id"] == record["source_id"] else None
            if reuse is not None and reuse["key"] != record["key"]:
                reuse = None
            yield record, reuse

    jobs = jobs or os.cpu_count() or 1
    with atomic_write(output) as out, _Computer(transform, jobs) as compute:
        pending: list[dict] = []
        ordered: list[tuple[dict, dict | None]] = []

        def flush() -> None:
            """Compute the pending pages (in a pool if there are many) and write in order."""
            results = compute(pending)
            for record, reuse in ordered:
                if reuse is not None:
                    result, error = reuse, None
                else:
                    result, error = next(results)
                if error is not None:
                    report.errors.append(error)
                elif not report.errors:
                    result["key"] = record["key"]
                    result["source_id"] = record["source_id"]
                    out.write(dump_json_line(result))
            pending.clear()
            ordered.clear()

        for record, reuse in progress(plan(), name, total):
            report.pages += 1
            if reuse is not None:
                report.cached += 1
            else:
                report.computed += 1
                pending.append(record)
            ordered.append((record, reuse))
            # Bounded batches keep memory flat however large the corpus is.
            if len(pending) >= BATCH_PAGES or len(ordered) >= 16 * BATCH_PAGES:
                flush()
        flush()
        if report.errors:
            # Leave the previous output untouched: the atomic writer discards the temp file.
            raise StageFailed(report)
    return report


class _Computer:
    """Computes batches of pages; one pool for the whole stage, started only if a batch is big."""

    def __init__(self, transform: Callable[[dict], dict], jobs: int):
        self.applier = _Applier(transform)
        self.jobs = jobs
        self.pool = None

    def __enter__(self) -> "_Computer":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()

    def __call__(self, pending: list[dict]) -> Iterator[tuple[dict | None, str | None]]:
        if self.jobs > 1 and len(pending) >= POOL_MIN_PAGES:
            if self.pool is None:
                self.pool = Pool(self.jobs)
            return iter(self.pool.map(self.applier, pending, chunksize=8))
        return iter([self.applier(record) for record in pending])


class StageFailed(Exception):
    def __init__(self, report: StageReport):
        super().__init__(f"{report.name}: {len(report.errors)} page(s) failed")
        self.report = report


def main_for_stage(run: Callable[[], StageReport]) -> None:
    """Run a stage, print its one-line summary, and turn page failures into exit status 1."""
    try:
        report = run()
    except StageFailed as failure:
        for error in failure.report.errors:
            print(f"error: {error}", file=sys.stderr)
        print(f"{failure}; build/{failure.report.name}.jsonl left as it was", file=sys.stderr)
        sys.exit(1)
    print(report.line())
