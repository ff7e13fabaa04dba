"""pipeline: the driver's ways out. Ctrl-C, a second build, a full disk and a kill leave the
previous outputs intact, no temp files, and one line saying what happened."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts import pipeline
from tests.conftest import ROOT, run_module

# A stage of 400 pages at 0.2 s each over a pool of two: 40 s unless something stops it. BUILD is
# pointed at the test's directory, so nothing here touches the repository's build/.
SLOW_STAGE = """
import sys, time
from pathlib import Path
from scripts import pipeline

pipeline.BUILD = Path(sys.argv[1])

def slow(record):
    (pipeline.BUILD / "started").touch()
    time.sleep(0.2)
    return {"n": record["n"]}

def records(pages):
    for n in range(pages):
        yield {"source_id": f"{n:05d}", "key": str(n), "n": n}

if __name__ == "__main__":
    if sys.argv[2] == "full-disk":
        real_open = open
        def full_open(path, mode="r", **kwargs):
            if not str(path).endswith(".tmp"):
                return real_open(path, mode, **kwargs)
            real_open(path, mode, **kwargs).close()  # the temp exists, as on a disk that filled up
            return real_open("/dev/full", mode, **kwargs)
        pipeline.open = full_open
    pages = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    pipeline.main_for_stage(lambda: pipeline.run_stage("slow", slow, records(pages), "fingerprint",
                                                       jobs=2, force=True))
"""


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    path = tmp_path / "build"
    (path / "slow").mkdir(parents=True)
    (path / "slow" / "manifest.json").write_text(PREVIOUS, encoding="utf-8")
    return path


PREVIOUS = '{"segments": []}\n'  # a previous output that lists no segment


def left_as_it_was(build_dir: Path) -> bool:
    """The stage's output is its previous one: the same manifest, no new segment, no temp."""
    folder = build_dir / "slow"
    return (folder / "manifest.json").read_text(encoding="utf-8") == PREVIOUS and \
        sorted(p.name for p in folder.iterdir()) == ["manifest.json"]


def start_stage(tmp_path: Path, build_dir: Path, mode: str = "run", pages: int = 400) -> subprocess.Popen:
    script = tmp_path / "slow_stage.py"
    script.write_text(SLOW_STAGE, encoding="utf-8")
    # Its own session, so a signal can go to the whole process group, as Ctrl-C on a terminal does.
    return subprocess.Popen([sys.executable, str(script), str(build_dir), mode, str(pages)],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")


def wait_for(path: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def group_is_gone(pgid: int, seconds: float = 3) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def temps(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_stops_a_pooled_stage_within_a_second_with_one_line(tmp_path, build_dir, presses):
    stage = start_stage(tmp_path, build_dir)
    wait_for(build_dir / "started")
    pressed = time.monotonic()
    for _ in range(presses):
        os.killpg(stage.pid, signal.SIGINT)  # parent and workers, like a terminal
        time.sleep(0.05)
    stdout, stderr = stage.communicate(timeout=10)
    assert time.monotonic() - pressed < 1.0
    assert (stage.returncode, stdout, stderr) == (130, "", "interrupted\n")
    assert left_as_it_was(build_dir) and temps(build_dir) == []
    assert group_is_gone(stage.pid), "pool workers outlived their stage"


def test_sigterm_stops_a_pooled_stage_the_same_way(tmp_path, build_dir):
    stage = start_stage(tmp_path, build_dir)
    wait_for(build_dir / "started")
    stage.send_signal(signal.SIGTERM)  # the parent only, as `kill PID` or a CI cancel does
    stdout, stderr = stage.communicate(timeout=10)
    assert (stage.returncode, stderr) == (128 + signal.SIGTERM, "terminated\n")
    assert left_as_it_was(build_dir) and temps(build_dir) == []
    assert group_is_gone(stage.pid)


def test_a_full_disk_is_one_line_naming_the_output_and_leaves_it_as_it_was(tmp_path, build_dir):
    stage = start_stage(tmp_path, build_dir, "full-disk", pages=16)
    stdout, stderr = stage.communicate(timeout=30)
    assert stage.returncode == 1
    assert stderr == f"error: {build_dir / 'slow'}: No space left on device; build/ left as it was\n"
    assert left_as_it_was(build_dir) and temps(build_dir) == []


def test_a_second_build_says_who_holds_the_lock_and_waits_for_it(tmp_path, build_dir, monkeypatch):
    monkeypatch.setattr(pipeline, "BUILD", build_dir)
    with pipeline.build_lock("package"):
        stage = start_stage(tmp_path, build_dir, pages=3)
        time.sleep(2)  # ample time to start and reach the lock
        assert stage.poll() is None, "the second build did not wait"
        assert not (build_dir / "started").exists()
    stdout, stderr = stage.communicate(timeout=30)
    assert stage.returncode == 0, stderr
    assert stderr == f"another build holds {build_dir / '.lock'} (pid {os.getpid()}, package); waiting…\n"
    assert stdout == "slow: 3 pages (3 computed, 0 reused)\n"


def test_kill_9_releases_the_lock_and_takes_the_pool_workers_with_it(tmp_path, build_dir):
    stage = start_stage(tmp_path, build_dir)
    wait_for(build_dir / "started")
    stage.kill()
    stage.wait()
    assert group_is_gone(stage.pid), "pool workers outlived their killed parent"
    with open(build_dir / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError if still held


def test_atomic_write_removes_its_temp_and_names_the_file_when_the_disk_is_full(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")

    def full_open(path, mode="r", **kwargs):
        open(path, mode, **kwargs).close()
        return open("/dev/full", mode, **kwargs)

    monkeypatch.setattr(pipeline, "open", full_open, raising=False)
    with pytest.raises(OSError) as failure:
        with pipeline.atomic_write(target) as handle:
            handle.write("new")
    assert failure.value.errno == errno.ENOSPC
    assert pipeline.describe_os_error(failure.value) == f"{target}: No space left on device"
    assert target.read_text(encoding="utf-8") == "old"
    assert temps(tmp_path) == []


def test_describe_os_error_shows_repository_paths_relative():
    error = PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(ROOT / "clean" / "sources.csv"))
    assert pipeline.describe_os_error(error) == "clean/sources.csv: Permission denied"


# --- commit_files / recover_commit --------------------------------------------------------------

class Killed(BaseException):
    """Stands for kill -9 in-process: nothing catches it, so no cleanup of ours runs."""


@pytest.fixture
def files(tmp_path: Path, monkeypatch) -> tuple[dict[Path, Path], Path]:
    """Three old files and their complete new versions as temps, and where the journal goes."""
    monkeypatch.setattr(pipeline, "BUILD", tmp_path / "build")
    data = tmp_path / "data"
    data.mkdir()
    renames = {}
    for name in ("a.csv", "b.csv", "c.json"):
        (data / name).write_text(f"old {name}", encoding="utf-8")
        temp = pipeline.temp_path(data / name)
        temp.write_text(f"new {name}", encoding="utf-8")
        renames[temp] = data / name
    return renames, data / ".commit.json"


def contents(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.iterdir())}


def test_commit_files_replaces_every_file_and_leaves_no_journal(files):
    renames, journal = files
    pipeline.commit_files(renames, journal)
    assert contents(journal.parent) == {"a.csv": "new a.csv", "b.csv": "new b.csv", "c.json": "new c.json"}


def killed_after(replaces: int):
    """An os.replace that does ``replaces`` renames, then dies (the journal's own is the first)."""
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(src)
        if len(calls) > replaces:
            raise Killed
        real_replace(src, dst)
    return replace


@pytest.mark.parametrize("renamed", [0, 1, 2])
def test_recover_commit_rolls_a_killed_commit_forward(files, monkeypatch, renamed):
    renames, journal = files
    monkeypatch.setattr(pipeline.os, "replace", killed_after(1 + renamed))
    with pytest.raises(Killed):
        pipeline.commit_files(renames, journal)
    monkeypatch.setattr(pipeline.os, "replace", os.rename)
    assert journal.exists()
    assert pipeline.recover_commit(journal) is True
    assert contents(journal.parent) == {"a.csv": "new a.csv", "b.csv": "new b.csv", "c.json": "new c.json"}
    assert pipeline.recover_commit(journal) is False


def test_a_journal_still_applies_after_the_checkout_moves(files, monkeypatch, tmp_path):
    renames, journal = files
    monkeypatch.setattr(pipeline.os, "replace", killed_after(1))
    with pytest.raises(Killed):
        pipeline.commit_files(renames, journal)
    monkeypatch.setattr(pipeline.os, "replace", os.rename)
    moved = Path(shutil.move(journal.parent, tmp_path / "moved"))
    assert pipeline.recover_commit(moved / journal.name) is True
    assert contents(moved) == {"a.csv": "new a.csv", "b.csv": "new b.csv", "c.json": "new c.json"}


def test_temps_without_a_journal_are_deleted_and_the_old_files_kept(files):
    renames, journal = files
    assert pipeline.recover_commit(journal, finals=renames.values()) is False
    assert contents(journal.parent) == {"a.csv": "old a.csv", "b.csv": "old b.csv", "c.json": "old c.json"}


def test_a_stage_whose_inputs_did_not_change_reads_no_page(repo):
    """strip is keyed on decode's recorded output hash: unchanged, it does not open decode's output."""
    for decoded in pipeline.stage_files_in(repo / "build", "decode"):
        decoded.write_text("not json\n", encoding="utf-8")  # would fail any reader
    result = run_module(repo, "strip")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "strip: 5 pages (0 computed, 5 reused)"


def test_a_changed_page_is_recomputed_and_the_others_are_copied(repo):
    with open(repo / "raw" / "unknown" / "f004_summary.txt", "ab") as handle:
        handle.write("\n补充一段文字，说明工作情况。".encode("utf-8"))
    for stage, line in (("decode", "decode: 5 pages (1 computed, 4 reused)"),
                        ("strip", "strip: 5 pages (1 computed, 4 reused)"),
                        ("normalize", "normalize: 5 pages (1 computed, 4 reused)")):
        result = run_module(repo, stage)
        assert result.stdout.strip().endswith(line), result.stdout + result.stderr


def test_a_file_digest_is_reused_while_its_stat_holds_and_recomputed_when_it_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "DIGEST_CACHE", tmp_path / "digest-cache.json")
    monkeypatch.setattr(pipeline, "_digests", None)
    page = tmp_path / "page.txt"
    page.write_bytes("卫生工作总结".encode("utf-8"))
    old = time.time_ns() - 60_000_000_000
    os.utime(page, ns=(old, old))
    reads = []
    real = pipeline.file_digest
    monkeypatch.setattr(pipeline, "file_digest", lambda path, *a: reads.append(path) or real(path, *a))
    first = pipeline.cached_file_digest(page)
    pipeline.save_digest_cache()
    monkeypatch.setattr(pipeline, "_digests", None)  # a new process: the cache is read from disk
    assert pipeline.cached_file_digest(page) == first and len(reads) == 1
    # Same size, same mtime, other bytes: the ctime (which no one can set) gives it away.
    page.write_bytes("卫生工作计划".encode("utf-8"))
    os.utime(page, ns=(old, old))
    assert pipeline.cached_file_digest(page) == real(page) != first and len(reads) == 2


def test_a_file_modified_just_before_it_was_hashed_is_hashed_again(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "DIGEST_CACHE", tmp_path / "digest-cache.json")
    monkeypatch.setattr(pipeline, "_digests", None)
    page = tmp_path / "page.txt"
    page.write_bytes(b"x")  # mtime now: within the racy window
    reads = []
    real = pipeline.file_digest
    monkeypatch.setattr(pipeline, "file_digest", lambda path, *a: reads.append(path) or real(path, *a))
    pipeline.cached_file_digest(page)
    pipeline.cached_file_digest(page)
    assert len(reads) == 2


def test_one_changed_page_rewrites_one_segment_and_reads_no_other(tmp_path, monkeypatch):
    """A stage's output is cut into content-defined segments: after one page changed, the stage
    computes that page, rewrites its segment's file, and neither reads nor rewrites the others."""
    monkeypatch.setattr(pipeline, "BUILD", tmp_path)
    monkeypatch.setattr(pipeline, "SEGMENT_PAGES", 4)
    computed: list[str] = []

    def step(record: dict) -> dict:
        computed.append(record["source_id"])
        return {"text": record["text"]}

    def records(changed: str = "") -> list[dict]:
        return [{"source_id": f"p{n:03d}", "key": "k2" if f"p{n:03d}" == changed else "k1",
                 "text": f"page {n}" + (" changed" if f"p{n:03d}" == changed else "")} for n in range(40)]

    pipeline.run_stage("step", step, records(), "f", jobs=1)
    files = {path.name: path.stat() for path in pipeline.stage_files("step")}
    assert len(files) >= 4 and len(computed) == 40
    read: list[str] = []
    real_read_lines = pipeline.read_lines
    monkeypatch.setattr(pipeline, "read_lines", lambda path: read.append(path.name) or real_read_lines(path))
    computed.clear()
    report = pipeline.run_stage("step", step, records("p017"), "f", jobs=1)
    assert computed == ["p017"] and (report.computed, report.cached) == (1, 39)
    after = {path.name: path.stat() for path in pipeline.stage_files("step")}
    new = sorted(set(after) - set(files))
    assert len(new) == 1 and len(set(files) - set(after)) == 1  # one segment's file replaced
    assert read == sorted(set(files) - set(after))  # only that segment's previous file was read
    for name in set(files) & set(after):
        assert (after[name].st_ino, after[name].st_mtime_ns) == (files[name].st_ino, files[name].st_mtime_ns)
    assert [line.load()["text"] for line in pipeline.read_stage("step")][17] == "page 17 changed"
    assert sorted(p.name for p in (tmp_path / "step").iterdir()) == sorted([*after, "manifest.json"])


def test_a_digest_remembered_at_write_time_is_trusted_only_once_its_stat_is_old(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "_digests", {})
    monkeypatch.setattr(pipeline, "_digests_changed", False)
    path = tmp_path / "segment.jsonl"
    path.write_bytes(b"written\n")
    pipeline.remember_digest(path, "0" * 64)  # not the real hash: shows whether the entry is used
    assert pipeline.cached_file_digest(path) == pipeline.file_digest(path)  # just written: racy, read
    old = time.time_ns() - 10 * pipeline.RACY_NS
    os.utime(path, ns=(old, old))
    pipeline.remember_digest(path, "0" * 64)
    assert pipeline.cached_file_digest(path) == "0" * 64  # old enough: the stat is trusted
