"""The one driver every stage runs under.

Stages are pure functions over one page record (a dict); this module does everything else once:
streaming JSON Lines in and out, content-hash caching (never file times: a fresh clone has
arbitrary mtimes), a process pool, progress on a terminal, atomic writes, and collecting every
page's error before failing.

It also makes every way out clean: one build at a time per checkout (``build_lock``), Ctrl-C stops
a pooled stage at once with one line (``handle_stop_signals``), a write error is one line naming the
file, and a change to several files is committed whole through a journal (``commit_files``), so a
kill at any moment leaves the old files, the new ones, or a journal the next run rolls forward.

A stage's output record carries ``key``: the hash of the stage's own fingerprint (its code, its
rule files, the library versions that shape it) and the input record's key. Keys chain from the raw
bytes, so an unchanged key means an unchanged result, and the previous output can be reused by a
streaming merge join on ``source_id`` (inputs and outputs are sorted by it), with constant memory.
Outputs are cut into content-defined segments of pages (build/<stage>/, see ``Segment``): a segment
whose input did not change is not even read, so one changed page costs one segment in every stage.
"""

from __future__ import annotations

import bisect
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from multiprocessing import Pipe, Process
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable, Iterable, Iterator, NoReturn

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"

# Below this many pages to compute, a pool costs more than it saves.
POOL_MIN_PAGES = 16
# Pages held in memory while a batch is computed: memory is bounded by this, not by the corpus
# (measured with make bench-build: 64 keeps strip under ~60 MB at 1,000 pages; 256 took 104 MB).
BATCH_PAGES = 64
# Reused pages held behind a page being computed, at most (they are written in order after it).
HELD_BYTES = 16 << 20


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


# Content hashes of files, remembered with the file's stat (size, mtime, inode, ctime) as git's index
# does: a file whose stat is unchanged is not read again. What is rebuilt is still decided by
# content hashes; the stat only saves re-reading bytes (a fresh clone has no cache and hashes all).
# An entry is trusted only if the file was last modified well before it was hashed ("racy git": a
# write within the file system's time resolution after hashing would otherwise go unseen).
DIGEST_CACHE = BUILD / "digest-cache.json"
RACY_NS = 2_000_000_000
_digests: dict[str, list] | None = None
_digests_changed = False


def _stat_key(stat: os.stat_result) -> list:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns]


def read_cache(path: Path) -> dict:
    """A cache file of build/ (JSON): its dict, or {} when it is missing, torn or not a dict. A
    cache only saves work: a damaged one is a slower run, never an error."""
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) else {}


def _digest_cache() -> dict:
    global _digests
    if _digests is None:
        _digests = read_cache(DIGEST_CACHE)
    return _digests


def cached_file_digest(path: Path) -> str:
    """sha256 of a file, from the digest cache when its stat is unchanged (save_digest_cache keeps it)."""
    global _digests_changed
    cache = _digest_cache()
    key = os.path.abspath(path)
    stat = os.stat(path)
    entry = cache.get(key)
    if entry is not None and entry[:4] == _stat_key(stat) and entry[4] - stat.st_mtime_ns > RACY_NS:
        return entry[5]
    checked = time.time_ns()
    digest = file_digest(path)
    cache[key] = [*_stat_key(stat), checked, digest]
    _digests_changed = True
    return digest


def remember_digest(path: Path, digest: str) -> None:
    """Record the sha256 of a file this process wrote (hashed as it was written), so a later run
    need not read it again. Trusted like any entry: only once its stat is RACY_NS older than now."""
    global _digests_changed
    _digest_cache()[os.path.abspath(path)] = [*_stat_key(os.stat(path)), time.time_ns(), digest]
    _digests_changed = True


def save_digest_cache() -> None:
    """Write the digest cache if it learnt anything (entries for files gone are dropped)."""
    global _digests_changed
    if not _digests_changed or _digests is None:
        return
    kept = {key: entry for key, entry in _digests.items() if os.path.exists(key)}
    BUILD.mkdir(exist_ok=True)
    with atomic_write(DIGEST_CACHE) as handle:
        json.dump(kept, handle, sort_keys=True)
    _digests_changed = False


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


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def dump_json_line(record: dict) -> str:
    """One record per line, ``source_id`` and ``key`` first: a reader that only needs to know which
    page and which version a line holds (to reuse it) need not parse the page."""
    if "source_id" not in record or "key" not in record:
        return _dumps(record) + "\n"
    body = _dumps({k: v for k, v in record.items() if k not in ("source_id", "key")})
    head = f'{{"source_id":{_dumps(record["source_id"])},"key":{_dumps(record["key"])}'
    return head + ("}" if body == "{}" else "," + body[1:]) + "\n"


_HEAD = re.compile(rb'\{"source_id":("(?:[^"\\]|\\.)*"),"key":"([0-9a-f]*)"')


@dataclass(frozen=True)
class Line:
    """A record as a stage wrote it, read only as far as the driver needs: its page and its key.
    A reused page is copied as these bytes, never decoded; only a page to compute is parsed (at
    10,000 pages a stage's output is about 1 GB)."""
    source_id: str
    key: str
    data: bytes

    def load(self) -> dict:
        return json.loads(self.data)


def read_lines(path: Path) -> Iterator[Line]:
    with open(path, "rb") as handle:
        for data in handle:
            head = _HEAD.match(data)
            if head is None:  # written before source_id and key came first
                record = json.loads(data)
                yield Line(record["source_id"], record["key"], dump_json_line(record).encode("utf-8"))
            else:
                yield Line(json.loads(head.group(1)), head.group(2).decode("ascii"), data)


def indexed(source: str, index: str, fingerprint: str, extract: Callable[[dict], dict],
            reuse: bool = True) -> Iterator[dict]:
    """Each page of stage ``source`` as ``extract`` takes it (with its source_id and key): what a
    corpus-wide stage needs of a page, kept as a small stage of its own (build/<index>/), so that a
    page is parsed only when it changed and an unchanged segment is not read at all (an unchanged
    10,000-page corpus is 1 GB of JSON, its index a small part of it). ``reuse=False`` trusts none
    of it."""
    run_stage(index, extract, (), fingerprint, jobs=1, force=not reuse, input_digest=output_digest(source),
              segments=lambda: stage_segments(source))
    for line in read_stage(index):
        yield line.load()


# --- Stage stamps: nothing changed, nothing done ---------------------------------------------------

def stamp_path(name: str) -> Path:
    return BUILD / f"{name}.stamp.json"


def read_stamp(name: str) -> dict | None:
    try:
        return json.loads(stamp_path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def output_digest(name: str) -> str | None:
    """The content hash of a stage's last complete output, as its stamp records it: what the next
    stage keys its own stamp on, without reading the file."""
    stamp = read_stamp(name)
    return stamp.get("output") if stamp else None


def current_stamp(name: str, input_digest: str | None, fingerprint: str, output: Path | None = None) -> dict | None:
    """The stamp of the stage's last run if it was for these inputs and this fingerprint and its
    output is still there: then there is nothing to do."""
    if input_digest is None:
        return None
    stamp = read_stamp(name)
    output = output or BUILD / f"{name}.jsonl"
    if stamp and stamp.get("input") == input_digest and stamp.get("fingerprint") == fingerprint \
            and output.exists():
        return stamp
    return None


def write_stamp(name: str, input_digest: str | None, fingerprint: str, output: Path | None = None,
                output_digest: str | None = None, **facts) -> None:
    """Record what a successful run was for, and the hash of what it wrote (``output_digest`` when
    the writer hashed it on the way, else read from the file)."""
    if input_digest is None:
        stamp_path(name).unlink(missing_ok=True)
        return
    output = output or BUILD / f"{name}.jsonl"
    stamp = {"input": input_digest, "fingerprint": fingerprint,
             "output": output_digest or file_digest(output), **facts}
    with atomic_write(stamp_path(name)) as handle:
        json.dump(stamp, handle, sort_keys=True)


def display(path: Path | str) -> str:
    """A path as a user reads it in a message: relative to the repository when it is inside."""
    path = Path(os.fsdecode(path))
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def describe_os_error(error: OSError) -> str:
    """'clean/paragraphs.csv: No space left on device': the file and the cause, on one line."""
    cause = error.strerror or str(error)
    return f"{display(error.filename)}: {cause}" if error.filename is not None else cause


@contextmanager
def writing(path: Path, *aliases: Path):
    """Name ``path`` in an OSError from the block: a failed write() names no file, and a temp's
    name (an alias) means nothing to the user, who asked for ``path``."""
    try:
        yield
    except OSError as error:
        if error.filename is None or Path(os.fsdecode(error.filename)) in aliases:
            error.filename = str(path)
        raise


def remove_quietly(path: Path) -> None:
    """Delete a temp file during cleanup; failing to is not worth hiding the error being reported."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def _fsync_dir(directory: Path) -> None:
    """Make renames in ``directory`` durable (a rename lives in the directory, not the file)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_write(path: Path, mode: str = "w", newline: str | None = None):
    """Write to a temporary file beside ``path`` and rename it into place only on success.

    The temp is removed on every way out but kill -9 (and the next write of ``path`` reuses its
    name); an OSError names ``path``, not the temp.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    encoding = None if "b" in mode else "utf-8"
    try:
        with writing(path, tmp):
            with open(tmp, mode, encoding=encoding, newline=newline) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())  # else a crash after the rename can leave an empty file
            os.replace(tmp, path)
    finally:
        remove_quietly(tmp)


def temp_path(final: Path) -> Path:
    """Where ``commit_files`` expects the new version of ``final``: hidden, beside it (one file
    system, so the rename is atomic), and a fixed name, so a rerun replaces a leftover."""
    return final.with_name(f".{final.name}.tmp")


# --- One build at a time -----------------------------------------------------------------------

_lock_handle = None  # the open build/.lock while this process holds it (the lock is reentrant)


@contextmanager
def build_lock(holder: str):
    """Hold build/.lock while a stage reads its input and replaces its output.

    A second build in the same checkout says once who holds it and waits. flock, not a pid file:
    the kernel releases it when the holder exits by any path, kill -9 included, so it never goes
    stale. Per stage process, not per make run, so stages run by hand are covered too; each stage
    still reads a complete input and writes a complete output.
    """
    global _lock_handle
    if _lock_handle is not None:
        yield
        return
    path = BUILD / ".lock"
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "pid unknown"
            print(f"another build holds {display(path)} ({owner}); waiting…", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        with writing(path):
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}, {holder}\n")
            handle.flush()
        _lock_handle = handle
        yield
    finally:
        _lock_handle = None
        handle.close()


# --- Signals -----------------------------------------------------------------------------------

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_stopped_by: int | None = None


def _stop(signum, frame) -> None:
    """The first Ctrl-C (or SIGTERM) raises where the program is; later ones are ignored, so the
    cleanup that follows (terminating the pool, removing temps) runs to its end, untraced."""
    global _stopped_by
    _stopped_by = signum
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)
    raise KeyboardInterrupt


def handle_stop_signals() -> None:
    """For command-line entry points: SIGINT and SIGTERM become one KeyboardInterrupt."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _stop)


def exit_interrupted() -> NoReturn:
    """One line and the shell's status for a signal (130 for Ctrl-C), instead of a traceback."""
    signum = _stopped_by or signal.SIGINT
    print("interrupted" if signum == signal.SIGINT else "terminated", file=sys.stderr)
    sys.exit(128 + signum)


@contextmanager
def deferred_signals():
    """Hold SIGINT/SIGTERM back for a few renames, then deliver them: a commit is never left
    half done by Ctrl-C (kill -9 is left to ``recover_commit``)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: received.append(signum)) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for stop_signal, handler in previous.items():
            signal.signal(stop_signal, handler)
        if received:
            signal.raise_signal(received[0])


@contextmanager
def _signals_blocked():
    """Block SIGINT/SIGTERM while the pool forks: a worker never runs the parent's handlers."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# --- Committing several files as one change ----------------------------------------------------

def commit_files(renames: dict[Path, Path], journal: Path, deletes: Iterable[Path] = ()) -> None:
    """Rename every complete temp onto its final path as one change: all of them, or (after a
    kill) all of them on the next ``recover_commit``, never a mix.

    The temps are fsynced first, then ``journal`` lists the renames (itself written by rename),
    then the renames run and the journal is deleted. A journal therefore always points at complete
    files, and rolling forward is the only repair ever needed. ``deletes`` are files the change
    drops (parts of a table that are gone): removed after the renames, on recovery too.
    """
    for temp, final in renames.items():
        with writing(final, temp):
            fd = os.open(temp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    # Relative to the journal, so a checkout moved after a kill still recovers.
    entries = [[os.path.relpath(temp, journal.parent), os.path.relpath(final, journal.parent)]
               for temp, final in renames.items()]
    with deferred_signals():
        with atomic_write(journal) as handle:
            dropped = [os.path.relpath(path, journal.parent) for path in deletes]
            handle.write(json.dumps({"renames": entries, "deletes": dropped}, indent=1) + "\n")
        with writing(journal):
            _fsync_dir(journal.parent)
        _roll_forward(journal)


def _roll_forward(journal: Path) -> None:
    content = json.loads(journal.read_text(encoding="utf-8"))
    entries = content["renames"]
    directories = {journal.parent}
    for temp_name, final_name in entries:
        temp, final = journal.parent / temp_name, journal.parent / final_name
        if temp.exists():
            with writing(final, temp):
                os.replace(temp, final)
        elif not final.exists():
            raise FileNotFoundError(errno.ENOENT, f"listed in {display(journal)} but gone; rebuild", str(final))
        directories.add(final.parent)
    for name in content.get("deletes", []):
        path = journal.parent / name
        with writing(path):
            path.unlink(missing_ok=True)
        directories.add(path.parent)
    for directory in directories:
        with writing(directory):
            _fsync_dir(directory)
    with writing(journal):
        journal.unlink()
        _fsync_dir(journal.parent)


def recover_commit(journal: Path, finals: Iterable[Path] = ()) -> bool:
    """Finish a ``commit_files`` that a kill interrupted (True if there was one), then delete the
    temps of ``finals`` that no journal claims (a kill before the journal was written).

    Whatever reads or rewrites the files a journal covers calls this first: until then the files
    may be half old, half new. Takes the build lock, so it never races a commit in progress.
    """
    with build_lock("recovering " + display(journal)):
        found = journal.exists()
        if found:
            with deferred_signals():
                _roll_forward(journal)
        remove_quietly(journal.with_name(journal.name + ".tmp"))
        for final in finals:
            remove_quietly(temp_path(final))
        return found


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
    output_digest: str | None = None  # sha256 of the output, hashed as it was written

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


# --- Stage outputs on disk: segments of pages --------------------------------------------------
#
# A stage's output is build/<name>/: the pages cut into segments, each a JSON Lines file named by
# its content hash, and manifest.json listing them in order with what each was made from. A segment
# starts at a page whose source_id hashes to 0 modulo SEGMENT_PAGES (content-defined: adding or
# changing a page never moves the other segments' boundaries), so when one page changes, every
# stage reads and writes one segment and leaves the others' files as they are, unread.

SEGMENT_PAGES = 256
MANIFEST = "manifest.json"


def source_hash(source_id: str) -> int:
    """A page's place in content-defined cuts (stage segments, the parts of clean/'s tables)."""
    return int(hashlib.sha256(source_id.encode("utf-8")).hexdigest()[:8], 16)


def starts_segment(source_id: str) -> bool:
    return source_hash(source_id) % SEGMENT_PAGES == 0


@dataclass(frozen=True)
class Segment:
    """A run of pages (sorted by source_id) a stage reads and writes as one: ``digest`` is the hash
    of everything the stage reads for them, ``records`` gives them (dicts, or Lines parsed only if
    a page must be computed)."""
    first: str
    digest: str
    pages: int
    records: Callable[[], Iterable[dict | Line]]


def segments_of(records: list[dict]) -> list[Segment]:
    """Records held in memory (sorted, each with its key) cut into segments."""
    groups: list[list[dict]] = []
    for record in records:
        if not groups or starts_segment(record["source_id"]):
            groups.append([])
        groups[-1].append(record)
    return [Segment(group[0]["source_id"], sha256_hex(*(f"{r['source_id']} {r['key']}" for r in group)),
                    len(group), lambda group=group: group) for group in groups]


def stage_dir(name: str) -> Path:
    return BUILD / name


def read_manifest(name: str, build: Path | None = None) -> dict | None:
    """A stage's manifest (under ``build``, default BUILD), or None when there is none to trust."""
    # Missing, or torn by hand or by a disk error: the stage is computed again.
    manifest = read_cache((build or BUILD) / name / MANIFEST)
    return manifest if isinstance(manifest.get("segments"), list) else None


def stage_segments(name: str) -> list[Segment]:
    """A stage's output as the next stage's input: each segment's digest is its file's content hash."""
    manifest = read_manifest(name)
    if manifest is None:
        path = stage_dir(name) / MANIFEST
        raise FileNotFoundError(errno.ENOENT, f"missing; run `make {name}` (or `make all`) first", str(path))
    folder = stage_dir(name)
    return [Segment(entry["first"], entry["output"], entry["pages"], lambda path=folder / entry["file"]: read_lines(path))
            for entry in manifest["segments"]]


def stage_files(name: str) -> list[Path]:
    """The segment files of a stage's output, in page order."""
    return stage_files_in(BUILD, name)


def stage_files_in(build: Path, name: str) -> list[Path]:
    """The segment files of a stage's output under another build/ (a test's, a benchmark's copy)."""
    manifest = read_manifest(name, build) or {"segments": []}
    return [build / name / entry["file"] for entry in manifest["segments"]]


def read_stage(name: str) -> Iterator[Line]:
    """Every page of a stage's output, in source_id order."""
    for segment in stage_segments(name):
        yield from segment.records()


def read_pages(name: str, source_ids: set[str]) -> Iterator[Line]:
    """The pages of a stage's output with these source_ids: only the segments that hold them are read."""
    segments = stage_segments(name)
    firsts = [segment.first for segment in segments]
    wanted = sorted({max(0, bisect.bisect_right(firsts, source_id) - 1) for source_id in source_ids})
    for index in wanted:
        for line in segments[index].records():
            if line.source_id in source_ids:
                yield line


class StageReader:
    """A stage's pages looked up by source_id, in increasing order: only the segment files that
    hold the pages asked for are read (a forward merge join, constant memory)."""

    @classmethod
    def of(cls, name: str) -> "StageReader":
        return cls(stage_dir(name), (read_manifest(name) or {"segments": []})["segments"])

    def __init__(self, folder: Path, entries: list[dict]):
        self.folder, self.entries = folder, entries
        self.firsts = [entry["first"] for entry in entries]
        self.index = -1
        self.lines: Iterator[Line] = iter(())
        self.current: Line | None = None

    def get(self, source_id: str) -> Line | None:
        index = bisect.bisect_right(self.firsts, source_id) - 1
        if index < 0:
            return None
        if index != self.index:
            path = self.folder / self.entries[index]["file"]
            self.index, self.lines = index, (read_lines(path) if path.exists() else iter(()))
            self.current = next(self.lines, None)
        while self.current is not None and self.current.source_id < source_id:
            self.current = next(self.lines, None)
        return self.current if self.current is not None and self.current.source_id == source_id else None


def run_stage(
    name: str,
    transform: Callable[[dict], dict],
    records: Iterable[dict] = (),
    fingerprint: str = "",
    jobs: int | None = None,
    force: bool = False,
    total: int | None = None,
    known_errors: list[str] | None = None,
    input_digest: str | None = None,
    segments: Callable[[], list[Segment]] | None = None,
) -> StageReport:
    """Run ``transform`` over every input page and write build/<name>/.

    The input is ``segments()`` (the previous stage's output, see stage_segments) or ``records``
    (dicts held in memory, sorted by ``source_id``, each with its ``key``). A segment whose input
    digest and this fingerprint are those of the last run keeps its file, unread; in a segment to
    compute, a page whose derived key matches the previous output's is reused, not recomputed. If
    any page fails, every failure is printed (one line per page) and the previous output stays in
    place. ``known_errors`` are problems found before the stage ran (a file missing from raw/, say):
    the pages are still all tried, so the user sees every problem at once. It holds the build lock
    throughout.

    ``input_digest`` is the content hash of everything the stage reads (the previous stage's output
    hash, or the raw bytes): when it and the fingerprint are those of the last successful run, the
    stage does nothing at all, before reading a page.
    """
    with build_lock(name):
        if not force and not known_errors:
            stamp = current_stamp(name, input_digest, fingerprint, output=stage_dir(name) / MANIFEST)
            if stamp is not None:
                pages = stamp.get("pages", 0)
                return StageReport(name, pages=pages, cached=pages)
        parts = segments() if segments is not None else segments_of(list(records))
        report = _run_stage(name, transform, parts, fingerprint, jobs, force, total, known_errors)
        write_stamp(name, input_digest, fingerprint, output=stage_dir(name) / MANIFEST,
                    output_digest=report.output_digest, pages=report.pages)
        # The segments found intact were hashed: kept, the next run trusts their stat (measured:
        # each stage re-hashed all its segments, 0.7 s a stage after one changed page at 10,000 pages).
        save_digest_cache()
        return report


@dataclass
class _Planned:
    source_id: str
    key: str
    payload: dict | Line

    def record(self) -> dict:
        record = self.payload.load() if isinstance(self.payload, Line) else dict(self.payload)
        record["key"] = self.key
        return record


def _run_stage(name, transform, segments, fingerprint, jobs, force, total, known_errors) -> StageReport:
    folder = stage_dir(name)
    report = StageReport(name, errors=list(known_errors or []))
    old_manifest = None if force else read_manifest(name)
    old_entries = old_manifest["segments"] if old_manifest and old_manifest.get("fingerprint") == fingerprint else []
    # Per-page reuse does not need the same fingerprint: a page's key already hashes it.
    previous = StageReader(folder, old_manifest["segments"] if old_manifest else [])
    kept = {entry["first"]: entry for entry in old_entries}
    jobs = jobs or os.cpu_count() or 1
    entries: list[dict] = []
    written: list[Path] = []  # files of this run not yet listed by a manifest
    folder.mkdir(parents=True, exist_ok=True)
    bar = progress(None, name, total or sum(segment.pages for segment in segments))
    try:
        with computer(transform, jobs) as compute:
            for segment in segments:
                old = kept.get(segment.first)
                if old is not None and old["input"] == segment.digest and old["pages"] == segment.pages \
                        and _intact(folder / old["file"], old["output"]):
                    entries.append(old)  # nothing it is made of changed: its file stays, unread
                    report.pages += old["pages"]
                    report.cached += old["pages"]
                    bar.update(old["pages"])
                    continue
                entry = _compute_segment(name, folder, segment, fingerprint, compute, previous, report, bar)
                if entry is not None:
                    entries.append(entry)
                    written.append(folder / entry["file"])
        if report.errors:
            raise StageFailed(report)
        manifest = {"fingerprint": fingerprint,
                    "segments": entries}
        with atomic_write(folder / MANIFEST) as handle:
            json.dump(manifest, handle, sort_keys=True, indent=0)
        outputs = {entry["file"]: entry["output"] for entry in entries}
        for path in written:  # hashed while written: the next run trusts their stat, not reads them
            remember_digest(path, outputs[path.name])
        written.clear()
    finally:
        bar.close()
        previous_files = {e["file"] for e in old_manifest["segments"]} if old_manifest else set()
        for path in written:  # a failed run leaves the previous output as it was
            if path.name not in previous_files:
                remove_quietly(path)
    listed = {entry["file"] for entry in entries} | {MANIFEST}
    for path in folder.iterdir():
        if path.name not in listed:
            remove_quietly(path)  # segments no manifest lists any more, temps of a killed run
    remove_quietly(BUILD / f"{name}.jsonl")  # the one-file output of builds before segments
    report.output_digest = sha256_hex(*(f"{e['first']} {e['output']}" for e in entries))
    return report


def _intact(path: Path, digest: str) -> bool:
    return path.is_file() and cached_file_digest(path) == digest


def _compute_segment(name, folder, segment, fingerprint, compute, previous, report, bar) -> dict | None:
    """One segment through the stage: reused pages copied as bytes, the others computed in bounded
    batches; its file is named by its content hash (same bytes, same file). None if a page failed."""
    digest = hashlib.sha256()
    temp = folder / f".{segment.first}.jsonl.tmp"
    pages = 0
    with writing(folder, temp, temp.with_name(temp.name + ".tmp")), atomic_write(temp, "wb") as out:
        def write(data: bytes) -> None:
            out.write(data)
            digest.update(data)

        pending: list[dict] = []
        ordered: list[tuple[_Planned, Line | None]] = []
        held = [0]  # bytes of reused pages held behind a page to compute

        def flush() -> None:
            """Compute the pending pages (in a pool if there are many) and write in order."""
            results = compute(pending)
            for planned, reuse in ordered:
                if reuse is not None:
                    if not report.errors:
                        write(reuse.data)  # the same key: the same bytes, never decoded
                    continue
                result, error = next(results)
                if error is not None:
                    report.errors.append(error)
                elif not report.errors:
                    result["key"] = planned.key
                    result["source_id"] = planned.source_id
                    write(dump_json_line(result).encode("utf-8"))
            pending.clear()
            ordered.clear()
            held[0] = 0

        for record in segment.records():
            if isinstance(record, Line):
                planned = _Planned(record.source_id, sha256_hex(fingerprint, record.key), record)
            else:
                planned = _Planned(record["source_id"], sha256_hex(fingerprint, record["key"]), record)
            reuse = previous.get(planned.source_id)
            if reuse is not None and reuse.key != planned.key:
                reuse = None
            pages += 1
            report.pages += 1
            bar.update(1)
            if reuse is not None:
                report.cached += 1
                if not ordered:  # nothing waits to be computed before it: written at once, not held
                    if not report.errors:
                        write(reuse.data)
                    continue
                held[0] += len(reuse.data)
            else:
                report.computed += 1
                pending.append(planned.record())
            ordered.append((planned, reuse))
            # Bounded batches keep memory flat however large the corpus is.
            if len(pending) >= BATCH_PAGES or len(ordered) >= 16 * BATCH_PAGES or held[0] >= HELD_BYTES:
                flush()
        flush()
    if report.errors:  # the stage fails: every page is still tried, none of it kept
        remove_quietly(temp)
        return None
    sha = digest.hexdigest()
    final = folder / f"{sha[:32]}.jsonl"
    os.replace(temp, final)
    return {"first": segment.first, "input": segment.digest, "output": sha, "file": final.name, "pages": pages}


def _worker_init(parent: int) -> None:
    """A worker leaves Ctrl-C to its parent, which kills it; it lets go of the build lock it
    inherited by fork; and it dies with its parent (kill -9 of the parent otherwise leaves workers
    that hold the lock and wait forever)."""
    global _lock_handle
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if _lock_handle is not None:
        _lock_handle.close()  # this copy only: the parent's descriptor still holds the lock
        _lock_handle = None
    if sys.platform == "linux":
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _serve(applier: "_Applier", connection, parent: int) -> None:
    """A worker's loop: a chunk of pages in, their results out, until told to stop (None)."""
    _worker_init(parent)
    while (chunk := connection.recv()) is not None:
        connection.send([applier(record) for record in chunk])


class _Computer:
    """Computes batches of pages; worker processes for the whole stage, started only if a batch
    is big.

    Not multiprocessing.Pool: its terminate() can hang for good when a worker is stopped while
    writing a large result under the result queue's lock (measured: Ctrl-C on decode with 4,000
    pages hung). Here each worker has its own pipe and one chunk in flight, so stopping is just
    killing the workers: no shared lock to leave held, nothing to drain.
    """

    CHUNK = 8

    def __init__(self, transform: Callable[[dict], dict], jobs: int):
        self.applier = _Applier(transform)
        self.jobs = jobs
        self.workers: list[tuple[Process, Connection]] = []

    def __enter__(self) -> "_Computer":
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            for _, connection in self.workers:
                connection.send(None)
        else:
            # Ctrl-C or an error: the pages in flight are not wanted, so do not wait for them.
            for process, _ in self.workers:
                process.kill()
        for process, connection in self.workers:
            process.join()
            connection.close()

    def _start(self) -> None:
        with _signals_blocked():  # a worker never runs the parent's handlers, even before _worker_init
            for _ in range(self.jobs):
                mine, theirs = Pipe()
                process = Process(target=_serve, args=(self.applier, theirs, os.getpid()), daemon=True)
                process.start()
                theirs.close()
                self.workers.append((process, mine))

    def __call__(self, pending: list[dict]) -> Iterator[tuple[dict | None, str | None]]:
        if self.jobs <= 1 or len(pending) < POOL_MIN_PAGES:
            return iter([self.applier(record) for record in pending])
        if not self.workers:
            self._start()
        chunks = [pending[i:i + self.CHUNK] for i in range(0, len(pending), self.CHUNK)]
        results: list[list | None] = [None] * len(chunks)
        busy: dict[Connection, int] = {}
        next_chunk = 0
        idle = [connection for _, connection in self.workers]
        while next_chunk < len(chunks) or busy:
            while idle and next_chunk < len(chunks):
                connection = idle.pop()
                connection.send(chunks[next_chunk])
                busy[connection] = next_chunk
                next_chunk += 1
            for connection in wait(list(busy)):
                try:
                    results[busy.pop(connection)] = connection.recv()
                except EOFError:
                    raise SystemExit("error: a worker process died (out of memory?); rerun with "
                                     "--jobs 1 to find the page; build/ left as it was") from None
                idle.append(connection)
        return (result for chunk in results for result in chunk)


def computer_local(transform: Callable, jobs: int | None = None) -> "_Computer":
    """Worker processes for any per-item work (validate's text checks): forked, so ``transform`` may
    hold what cannot be pickled (compiled RE2 sets, OpenCC)."""
    return _Computer(transform, jobs or os.cpu_count() or 1)


def computer(transform: Callable[[dict], dict], jobs: int):
    """The executor that computes a stage's pages: the local worker processes (the default, what
    tests and CI use), or a Dask cluster when ``EXECUTOR=dask`` (an optional extra: see
    scripts/dask_executor.py). Both give the same results in the same order, so the same bytes."""
    executor = os.environ.get("EXECUTOR", "local") or "local"
    if executor == "local":
        return _Computer(transform, jobs)
    if executor == "dask":
        from scripts.dask_executor import DaskComputer

        return DaskComputer(transform, jobs)
    raise SystemExit(f"error: EXECUTOR={executor!r} is not an executor; use local (the default) or dask")


class StageFailed(Exception):
    def __init__(self, report: StageReport):
        super().__init__(f"{report.name}: {len(report.errors)} page(s) failed")
        self.report = report


def main_for_stage(run: Callable[[], StageReport]) -> None:
    """Run a stage, print its one-line summary, and turn every failure into one line per problem
    and an exit status: 1 for failed pages or a file error, 130 for Ctrl-C. Never a traceback."""
    handle_stop_signals()
    try:
        report = run()
    except StageFailed as failure:
        for error in failure.report.errors:
            print(f"error: {error}", file=sys.stderr)
        print(f"{failure}; build/{failure.report.name}/ left as it was", file=sys.stderr)
        sys.exit(1)
    except OSError as error:
        print(f"error: {describe_os_error(error)}; build/ left as it was", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        exit_interrupted()
    print(report.line())
