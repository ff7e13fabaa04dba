"""The Dask executor (EXECUTOR=dask): the same bytes as the local executor, and one line for every
way it can fail. Skipped when dask is not installed (`make env-dask` installs it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from scripts import pipeline  # noqa: E402
from scripts.dask_executor import DaskComputer, WorkerRefused, checkout_digest, compute_chunk  # noqa: E402
from tests.conftest import build, list_raw_file, new_repo, read_table, run_module, stop  # noqa: E402

PER_PAGE_STAGES = ["decode", "strip", "normalize", "split"]
# The fixture corpus is five pages, under POOL_MIN_PAGES: eight copies of each make one batch of 40
# pages, big enough to go to the cluster.
COPIES = 8


def distinct_copy(text: str, index: int) -> str:
    """The page with the clauses of its long lines rotated by ``index``: the same characters, a
    different page, so strip's count of lines repeated across a site sees what a real corpus gives
    it (as benchmarks/build.py makes its corpus)."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        clauses = line.split("，")
        if len(line) >= 40 and len(clauses) > 2:
            shift = index % len(clauses)
            lines[number] = "，".join(clauses[shift:] + clauses[:shift])
    return "\n".join(lines)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The fixture corpus and its copies, not yet built."""
    path = new_repo(tmp_path_factory.mktemp("dask-corpus") / "repo")
    rows = read_table(path / "raw" / "sources.csv")
    for index in range(1, COPIES):
        for row in rows:
            source = path / row["path"]
            rel = str(Path(row["path"]).with_name(f"c{index}{source.name}"))
            (path / rel).write_text(distinct_copy(source.read_text(encoding="utf-8"), index), encoding="utf-8")
            list_raw_file(path, rel, row["site"], notes=f"copy of {row['path']}")
    assert len(rows) * COPIES >= pipeline.POOL_MIN_PAGES
    return path


@pytest.fixture(scope="module")
def local_build(corpus: Path, tmp_path_factory) -> Path:
    """The corpus built with the local executor, as tests and CI build it."""
    path = tmp_path_factory.mktemp("local") / "repo"
    shutil.copytree(corpus, path)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("EXECUTOR", raising=False)
        patch.delenv("DASK_SCHEDULER", raising=False)
        result = build(path)
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def outputs(repo: Path, stages=PER_PAGE_STAGES, package: bool = True) -> dict[str, bytes]:
    files = [path for stage in stages for path in sorted((repo / "build" / stage).iterdir())]
    if package:
        files += sorted((repo / "clean").rglob("*.csv")) + [repo / "datapackage.json"]
    return {str(path.relative_to(repo)): path.read_bytes() for path in files}


def test_dask_build_is_byte_identical_to_the_local_build(corpus, local_build, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    shutil.copytree(corpus, repo)
    monkeypatch.setenv("EXECUTOR", "dask")
    monkeypatch.delenv("DASK_SCHEDULER", raising=False)
    for stage in PER_PAGE_STAGES:
        result = run_module(repo, stage, "--force", "--jobs", "2")  # a LocalCluster of 2 workers
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"{len(read_table(corpus / 'raw' / 'sources.csv'))} computed" in result.stdout
    result = build(repo)  # duplicates, package and report; the per-page stages have nothing to do
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs(repo) == outputs(local_build)


@pytest.fixture
def scheduler(tmp_path: Path, corpus: Path):
    """A scheduler and two workers started as the README says, from a checkout (``corpus``) that
    is not the one the tests import: the workers find the toolkit and raw/ there, or nowhere."""
    scheduler_file = tmp_path / "scheduler.json"
    environment = {**os.environ, "PYTHONPATH": str(corpus)}
    started = [
        subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                          "--no-dashboard", "--scheduler-file", str(scheduler_file), "--idle-timeout", "300s"],
                         cwd=corpus, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        for _ in range(300):
            if scheduler_file.exists():
                break
            time.sleep(0.1)
        started.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", "--scheduler-file", str(scheduler_file), "--nworkers", "2",
             "--nthreads", "1", "--no-dashboard", "--death-timeout", "60"],
            cwd=corpus, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        client = distributed.Client(scheduler_file=str(scheduler_file), timeout=30)
        try:
            client.wait_for_workers(2, timeout=60)
            yield client
        finally:
            client.close()
    finally:
        for process in reversed(started):  # the workers first, while their scheduler is there
            stop(process, timeout=20)


def test_stages_run_on_the_cluster_dask_scheduler_names(corpus, local_build, scheduler, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(corpus, repo)
    environment = {"EXECUTOR": "dask", "DASK_SCHEDULER": scheduler.scheduler.address}
    for stage in PER_PAGE_STAGES:  # split's default --jobs is 1: a scheduler is used all the same
        result = run_module(repo, stage, "--force", env=environment)
        assert result.returncode == 0, result.stdout + result.stderr
    assert outputs(repo, package=False) == outputs(local_build, package=False)

    def stages_run_here():
        from scripts import dask_executor
        return sorted(module for module, _ in dask_executor._appliers)

    ran = scheduler.run(stages_run_here)
    assert set().union(*ran.values()) == {f"scripts.{stage}" for stage in PER_PAGE_STAGES}


def test_unknown_executor_is_one_line_naming_it(repo):
    result = run_module(repo, "decode", "--force", env={"EXECUTOR": "spark"})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "error: EXECUTOR='spark' is not an executor; use local (the default) or dask"]


def test_unreachable_scheduler_is_one_line_within_the_connect_timeout(corpus, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(corpus, repo)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "EXECUTOR": "dask", "DASK_SCHEDULER": f"tcp://127.0.0.1:{port}",
                   "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    started = time.monotonic()
    # Not run_module: a hang must fail the test, not stall the suite.
    result = subprocess.run([sys.executable, "-m", "scripts.decode", "--force"], cwd=repo, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port} (DASK_SCHEDULER)")
    assert not (repo / "build" / "decode").exists() or not any((repo / "build" / "decode").iterdir())


# --- DaskComputer itself, in this process ------------------------------------------------------

def worker_pid(record: dict) -> dict:
    if record["n"] == 3:
        raise pipeline.PageError("page three is broken")
    return {"n": record["n"], "pid": os.getpid()}


def crash_on_five(record: dict) -> dict:
    if record["n"] == 5:
        raise KeyError("text")
    return {"n": record["n"]}


def die_on_nine(record: dict) -> dict:
    if record["n"] == 9:
        os._exit(1)  # as the kernel's OOM killer would
    return {"n": record["n"]}


def pages(count: int) -> list[dict]:
    return [{"source_id": f"{n:03d}", "path": f"raw/site/{n:03d}.txt", "n": n} for n in range(count)]


@pytest.fixture
def local_cluster(monkeypatch):
    """DaskComputer starts a LocalCluster in this process; what it sets in the environment is undone."""
    monkeypatch.delenv("DASK_SCHEDULER", raising=False)
    monkeypatch.setenv("DASK_LOGGING__DISTRIBUTED", "critical")


def test_big_batches_run_on_workers_in_order_small_ones_here(local_cluster):
    with DaskComputer(worker_pid, 2) as compute:
        small = list(compute(pages(pipeline.POOL_MIN_PAGES - 1)))
        assert compute.client is None  # nothing started for a small batch
        big = list(compute(pages(40)))
    assert [result["pid"] for result, _ in small if result] == [os.getpid()] * (pipeline.POOL_MIN_PAGES - 2)
    assert [result["n"] if result else error for result, error in big] == [
        0, 1, 2, "raw/site/003.txt: page three is broken", *range(4, 40)]
    assert os.getpid() not in {result["pid"] for result, _ in big if result}
    assert compute.client is None and compute.cluster is None  # closed on the way out


def test_a_crash_on_a_worker_is_one_line_naming_the_page(local_cluster):
    with pytest.raises(SystemExit) as stopped, DaskComputer(crash_on_five, 2) as compute:
        list(compute(pages(20)))
    assert str(stopped.value).startswith("error: raw/site/005.txt: KeyError: 'text' (on Dask worker tcp://")
    assert "\n" not in str(stopped.value)
    assert compute.client is None and compute.cluster is None


def test_workers_that_keep_dying_are_one_line_naming_the_pages(local_cluster):
    with pytest.raises(SystemExit) as stopped, DaskComputer(die_on_nine, 2) as compute:
        list(compute(pages(20)))
    assert str(stopped.value) == ("error: Dask workers kept dying on one of raw/site/008.txt … raw/site/015.txt "
                                  "(out of memory?); rerun with EXECUTOR=local --jobs 1 to find the page; "
                                  "build/ left as it was")
    assert compute.client is None and compute.cluster is None


def test_a_worker_with_another_checkout_refuses_the_task():
    with pytest.raises(WorkerRefused, match="runs other code or packages than this checkout"):
        compute_chunk(("tests.test_dask", "worker_pid"), "0" * 64, pages(1))
    assert compute_chunk(("tests.test_dask", "worker_pid"), checkout_digest(), pages(1))[0][0]["n"] == 0


def test_missing_dask_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now fails
    with pytest.raises(SystemExit, match=r"^error: EXECUTOR=dask needs dask and distributed, which are not "
                                         r"installed: run `make env-dask`"):
        DaskComputer(worker_pid, 2)
