"""Multipart tables: the tables that grow with the text (paragraphs, removals) in part files that a
changed page rewrites one of, and that are not even rendered again when their pages did not change.

Pages (in source_id order) fall into segments: a segment starts at a page whose source_id hashes to
0 modulo PART_PAGES (content-defined, so adding or changing a page never moves the other segments'
boundaries). Each segment is written to its own parts, clean/<name>/<name>-<first source_id>.csv,
each with its header, and cut again at a page boundary when a part reaches PART_MAX_BYTES: no file
near the 50 MB the repository allows. A segment's key is the hash of its pages' keys (what they are
made of); build/package-segments.json remembers each segment's key and files, so a segment whose key
and files are unchanged is kept as it is: one changed page renders one segment, not the corpus.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from scripts import pipeline

# Expected segment: PART_PAGES pages (about 2.5 MB of paragraphs at 10 kB of text a page).
PART_PAGES = 256
PART_MAX_BYTES = 40 << 20
SEGMENTS = pipeline.BUILD / "package-segments.json"


def starts_part(source_id: str) -> bool:
    return pipeline.source_hash(source_id) % PART_PAGES == 0


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(rows: list[dict], columns: list[str]) -> str:
    """``rows`` as CSV lines (no header), every cell as ``cell`` writes it, a missing one empty (as
    csv.DictWriter does); a key that is no column is a bug, not a dropped value."""
    extra = set(rows[0]).difference(columns) if rows else set()
    if extra:
        raise ValueError(f"no such column(s): {sorted(extra)}")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([cell(row.get(column)) for column in columns] for row in rows)
    return buffer.getvalue()


def header_text(columns: list[str]) -> str:
    return csv_text([dict(zip(columns, columns))], columns)


@dataclass(frozen=True)
class PartFile:
    """One written file: ``temp`` holds its new bytes, or is None when the file is kept as it is."""
    final: Path
    temp: Path | None
    bytes: int
    sha256: str


class CsvFile:
    """A CSV being written beside its final path: bytes go to the temp and into the hash at once
    (the descriptor's hash needs no second read)."""

    def __init__(self, final: Path, columns: list[str]):
        self.final, self.temp = final, pipeline.temp_path(final)
        self.columns = columns
        final.parent.mkdir(parents=True, exist_ok=True)
        with pipeline.writing(final, self.temp):
            self.handle = open(self.temp, "wb")
        self.hash, self.size = hashlib.sha256(), 0
        self._write(header_text(columns).encode("utf-8"))

    def write(self, rows: list[dict]) -> None:
        if rows:
            self._write(csv_text(rows, self.columns).encode("utf-8"))

    def write_csv(self, text: str) -> None:
        """Rows already written as CSV (by ``csv_text`` with this file's columns)."""
        if text:
            self._write(text.encode("utf-8"))

    def _write(self, data: bytes) -> None:
        with pipeline.writing(self.final, self.temp):  # a failed write() names no file: say which
            self.handle.write(data)
        self.hash.update(data)
        self.size += len(data)

    def close(self) -> PartFile:
        if not self.handle.closed:
            with pipeline.writing(self.final, self.temp):
                self.handle.close()  # flushes: a full disk often shows here, not in write()
        return PartFile(self.final, self.temp, self.size, self.hash.hexdigest())

    def discard(self) -> None:
        if not self.handle.closed:
            self.handle.close()
        pipeline.remove_quietly(self.temp)


class MultipartWriter:
    """Every multipart table of one package: pages go in with their key and a payload, segments
    come out as part files, rendered by ``render(payload) -> {table: rows}`` only when needed."""

    def __init__(self, tables: dict[str, list[str]], clean: Path, fingerprint: str,
                 render: Callable[[object], dict[str, list[dict]]], segments: Path = SEGMENTS,
                 remember: bool = True):
        self.tables, self.clean, self.fingerprint, self.render = tables, clean, fingerprint, render
        self.segments_path = segments
        self.previous = pipeline.read_cache(segments) if remember else {}  # torn or missing: rendered again
        self.segments: dict[str, dict] = {}
        self.files: dict[str, list[PartFile]] = {name: [] for name in tables}
        self.pending: list[tuple[str, object]] = []
        self.key = hashlib.sha256()
        self.reused = self.rendered = 0
        self._written: list[CsvFile] = []  # every file this writer opened, for ``discard``

    def page(self, source_id: str, key: str, payload) -> None:
        if self.pending and starts_part(source_id):
            self._flush()
        if not self.pending:
            self.key = hashlib.sha256(self.fingerprint.encode("utf-8"))
        self.pending.append((source_id, payload))
        self.key.update(f"{len(source_id)}:{source_id}{len(key)}:{key}".encode("utf-8"))

    def _flush(self) -> None:
        first, key = self.pending[0][0], self.key.hexdigest()
        old = self.previous.get(first)
        if old is not None and old.get("key") == key and self._intact(old["files"]):
            files = {name: [PartFile(self.clean.parent / path, None, size, sha)
                            for path, size, sha in old["files"].get(name, [])] for name in self.tables}
            self.reused += 1
        else:
            files = self._render_segment()
            self.rendered += 1
        for name, parts in files.items():
            self.files[name].extend(parts)
        self.segments[first] = {"key": key, "files": {
            name: [[part.final.relative_to(self.clean.parent).as_posix(), part.bytes, part.sha256]
                   for part in parts] for name, parts in files.items() if parts}}
        self.pending = []

    def _intact(self, files: dict[str, list]) -> bool:
        """Every file the segment wrote is still there with the bytes it wrote (a hand edit is rebuilt)."""
        for name in self.tables:
            for path, _, sha in files.get(name, []):
                final = self.clean.parent / path
                if not final.is_file() or pipeline.cached_file_digest(final) != sha:
                    return False
        return True

    def _render_segment(self) -> dict[str, list[PartFile]]:
        current: dict[str, CsvFile | None] = {name: None for name in self.tables}
        files: dict[str, list[PartFile]] = {name: [] for name in self.tables}
        first = self.pending[0][0]
        for source_id, payload in self.pending:
            for name, rows in self.render(payload).items():
                if not rows:
                    continue
                part = current[name]
                if part is not None and part.size >= PART_MAX_BYTES:
                    files[name].append(part.close())
                    part = None
                if part is None:
                    # The segment's first part is named by its first page, so its name does not
                    # depend on which of its pages have rows; a part cut for size by its first page.
                    part = current[name] = self._open(name, f"{name}-{source_id if files[name] else first}")
                part.write(rows)
        for name, part in current.items():
            if part is not None:
                files[name].append(part.close())
        return files

    def _open(self, name: str, stem: str) -> CsvFile:
        part = CsvFile(self.clean / name / f"{stem}.csv", self.tables[name])
        self._written.append(part)
        return part

    def close(self) -> dict[str, list[PartFile]]:
        """Every table's parts in order; a table with no row at all gets one part with its header."""
        if self.pending:
            self._flush()
        for name, parts in self.files.items():
            if not parts:
                parts.append(self._open(name, name).close())
        return self.files

    def discard(self) -> None:
        """Drop every temp this writer made (a failed package)."""
        for part in self._written:
            part.discard()

    def save(self) -> None:
        """Remember the segments of the package just committed (advisory: a missing or stale file
        only means segments are rendered again)."""
        with pipeline.atomic_write(self.segments_path) as handle:
            json.dump(self.segments, handle, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
