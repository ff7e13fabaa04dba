"""The Dask executor: a stage's pages computed on a Dask cluster instead of local worker processes.

Why: the local executor is bounded by one machine's cores. With ``EXECUTOR=dask`` the same stage
code runs on a cluster; the executor is a choice at the edge, never inside a stage. It applies the
same ``pipeline._Applier`` to the same records and gathers the results in the order it submitted
them, so the output is byte for byte the local executor's (tests/test_dask.py builds both).

``DASK_SCHEDULER=tcp://host:8786`` uses that cluster; without it, each stage starts a LocalCluster
of ``--jobs`` worker processes and closes it when the stage ends. dask and distributed are an
optional extra (``make env-dask``), imported only when a stage uses this executor.

On a real cluster every worker needs what the stage's code reads, at the same place:
- the same checkout of this repository on its PYTHONPATH (start ``dask worker`` from it, and
  ``dask scheduler``, which unpickles the tasks): a task names the stage's function by module and
  the worker imports it. Each task carries a digest of
  scripts/, profiles/, rules/ and the library versions that shape the output, and a worker whose
  own digest differs refuses it, rather than write other bytes;
- the same raw/ under that checkout: decode reads each raw file by its path;
- the same pinned packages: requirements.lock and requirements-dask.lock.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
import threading
import unicodedata
from contextlib import contextmanager
from importlib import metadata
from typing import Callable, Iterator

from scripts import pipeline

INSTALL_HINT = "run `make env-dask` (or .venv/bin/pip install --no-deps -r requirements-dask.lock)"
# What a worker's checkout must match: the code and rule files, and the libraries the per-page
# stages fingerprint (decode, strip, normalize). Unicode's version decides NFC and the character
# classes, so it counts too.
CHECKOUT_DIRECTORIES = ("scripts", "profiles", "rules")
SHAPING_LIBRARIES = ("chardet", "opencc", "google-re2", "trafilatura", "lxml")


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise SystemExit(f"error: EXECUTOR=dask needs dask and distributed, which are not installed: "
                         f"{INSTALL_HINT}") from None
    return distributed


class WorkerRefused(Exception):
    """A worker would not compute, or could not: another checkout, or a page that crashed it."""


# --- On the worker -----------------------------------------------------------------------------

_digest: str | None = None
_appliers: dict[tuple[str, str], pipeline._Applier] = {}


def checkout_digest() -> str:
    """Hash of what decides a page's result besides the page: this checkout's code and rule files
    and the shaping libraries' versions. Computed once per process."""
    global _digest
    if _digest is None:
        parts: list[bytes | str] = [unicodedata.unidata_version]
        for name in SHAPING_LIBRARIES:
            parts.append(f"{name}=={metadata.version(name)}")
        for directory in CHECKOUT_DIRECTORIES:
            for path in sorted((pipeline.ROOT / directory).rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    parts += [str(path.relative_to(pipeline.ROOT)), path.read_bytes()]
        _digest = pipeline.sha256_hex(*parts)
    return _digest


def _applier(stage: tuple[str, str] | pipeline._Applier) -> pipeline._Applier:
    if isinstance(stage, pipeline._Applier):
        return stage
    if stage not in _appliers:
        module, name = stage
        _appliers[stage] = pipeline._Applier(getattr(importlib.import_module(module), name))
    return _appliers[stage]


def _page(record: dict) -> str:
    """How the local executor names a page in an error: its raw file, else its id."""
    return record.get("path") or record.get("source", {}).get("path") or record.get("source_id")


def _worker() -> str:
    try:
        from distributed import get_worker

        return f"Dask worker {get_worker().address}"
    except (ImportError, ValueError):  # called outside a task
        return "this process"


def compute_chunk(stage: tuple[str, str] | pipeline._Applier, digest: str,
                  chunk: list[dict]) -> list[tuple[dict | None, str | None]]:
    """A task: the stage's applier over a few pages, as the local workers do. A PageError is a
    result (the page's error line); any other exception names the page it was computing."""
    if digest != checkout_digest():
        raise WorkerRefused(f"{_worker()} runs other code or packages than this checkout (its checkout "
                            f"{pipeline.ROOT}: scripts/, profiles/, rules/ or {', '.join(SHAPING_LIBRARIES)} "
                            f"differ); start it from the same checkout with the same packages")
    applier = _applier(stage)
    results = []
    for record in chunk:
        try:
            results.append(applier(record))
        except Exception as error:
            raise WorkerRefused(f"{_page(record)}: {type(error).__name__}: {error} (on {_worker()}; rerun "
                                f"with EXECUTOR=local --jobs 1 for the traceback)") from None
    return results


# --- On the client -----------------------------------------------------------------------------

def _reference(transform: Callable[[dict], dict]) -> tuple[str, str] | None:
    """(module, name) a worker imports the transform by. A stage run as `python -m scripts.strip`
    defines it in __main__, which a worker does not have: cloudpickle would ship it by value, its
    code and globals copied and never checked against the worker's checkout. None when it cannot
    be imported by name (a lambda, a script run by path): then it is shipped by value."""
    module, name = transform.__module__, transform.__qualname__
    if module == "__main__":
        spec = getattr(sys.modules["__main__"], "__spec__", None)
        if spec is None:
            return None
        module = spec.name
    if "<" in name or "." in name:
        return None
    return module, name


@contextmanager
def _spawned_ignoring_ctrl_c():
    """Ignore SIGINT while the LocalCluster spawns its workers, so they ignore it for good: Ctrl-C
    at a terminal reaches the whole process group, and a worker importing dask would print a
    traceback. The stage handles it by closing the cluster, which stops the workers. Not a blocked
    mask, as _Computer does: multiprocessing's spawn clears the mask, but an ignored signal stays
    ignored across fork and exec. A Ctrl-C during these few seconds is lost; the next one works."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _wait(futures: list) -> None:
    """Wait for every future in this thread, then gather: Ctrl-C interrupts a wait on a lock
    cleanly, but an interrupted client.gather leaves its coroutine behind to log 'Task exception
    was never retrieved' on the way out."""
    remaining = len(futures)
    lock, done = threading.Lock(), threading.Event()

    def one_done(_future) -> None:
        nonlocal remaining
        with lock:
            remaining -= 1
            if remaining == 0:
                done.set()

    for future in futures:
        future.add_done_callback(one_done)
    done.wait()


class DaskComputer:
    """Computes batches of pages on a Dask cluster; the interface of ``pipeline._Computer``.

    The cluster is reached (or a LocalCluster started) only when a batch is big enough, and what
    was started is closed on every way out. Results are gathered in submission order.
    """

    CHUNK = 8  # pages per task, as _Computer's chunks: a task's overhead is a few ms

    def __init__(self, transform: Callable[[dict], dict], jobs: int):
        self.distributed = _import_distributed()
        self.applier = pipeline._Applier(transform)
        self.stage = _reference(transform) or self.applier
        self.jobs = jobs
        self.address = os.environ.get("DASK_SCHEDULER", "").strip()
        self.cluster = None
        self.client = None
        self.futures: list = []

    def __enter__(self) -> "DaskComputer":
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self._close(failed=exc_type is not None)

    def _cluster(self) -> str:
        return f"the Dask scheduler at {self.address} (DASK_SCHEDULER)" if self.address else "a local Dask cluster"

    def _start(self) -> None:
        distributed = self.distributed
        # Every failure ends in one line of ours; distributed's own log lines and tracebacks about
        # it (or about workers being closed) would bury it.
        for name in ["distributed", *logging.root.manager.loggerDict]:
            if name.startswith("distributed"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
        if self.address:
            try:
                # How long it tries is dask's setting: DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=10s.
                self.client = distributed.Client(self.address, set_as_default=False)
            except (OSError, TimeoutError) as error:
                raise SystemExit(f"error: cannot reach {self._cluster()}: {_one_line(error)}; build/ left "
                                 f"as it was") from None
            return
        # The workers' logs too: a worker reads dask's config from the environment as it starts.
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "critical")
        try:
            with _spawned_ignoring_ctrl_c():
                self.cluster = distributed.LocalCluster(
                    n_workers=self.jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                    silence_logs=logging.CRITICAL)
            self.client = distributed.Client(self.cluster, set_as_default=False)
        except Exception as error:
            raise SystemExit(f"error: cannot start {self._cluster()}: {type(error).__name__}: "
                             f"{_one_line(error)}; build/ left as it was") from None

    def _close(self, failed: bool) -> None:
        """Close what this computer opened, quickly: pages in flight after a failure or Ctrl-C are
        not wanted, and a scheduler that is gone is not waited for."""
        client, cluster, futures = self.client, self.cluster, self.futures
        self.client, self.cluster, self.futures = None, None, []
        if client is not None:
            try:
                if failed and futures and client.status == "running":
                    client.cancel(futures, force=True)
            except Exception:
                pass
            try:
                client.close(timeout=5)
            except Exception:
                pass
        if cluster is not None:
            if failed:
                # A worker's close waits for the page it is computing: kill them, ours, by pid.
                for nanny in list(cluster.workers.values()):
                    try:
                        os.kill(nanny.pid, signal.SIGKILL)
                    except (AttributeError, TypeError, OSError):
                        pass
            try:
                cluster.close(timeout=10)
            except Exception:
                pass

    def __call__(self, pending: list[dict]) -> Iterator[tuple[dict | None, str | None]]:
        if len(pending) < pipeline.POOL_MIN_PAGES or (self.jobs <= 1 and not self.address):
            return iter([self.applier(record) for record in pending])
        if self.client is None:
            self._start()
        chunks = [pending[i:i + self.CHUNK] for i in range(0, len(pending), self.CHUNK)]
        digest = checkout_digest()
        try:
            # pure=False: tasks get random keys. Pure keys would hash every chunk's text on the
            # client to deduplicate chunks that never repeat (each holds other source_ids).
            self.futures = [self.client.submit(compute_chunk, self.stage, digest, chunk, pure=False)
                            for chunk in chunks]
            _wait(self.futures)
            results = self.client.gather(self.futures)
        except WorkerRefused as error:
            raise SystemExit(f"error: {_one_line(error)}; build/ left as it was") from None
        except ImportError as error:
            raise SystemExit(f"error: a Dask worker cannot import the toolkit ({error}): start "
                             f"`dask worker` from the repository checkout, with its packages; "
                             f"build/ left as it was") from None
        except self.distributed.KilledWorker as error:
            task = getattr(error, "task", None)
            chunk = next((chunk for future, chunk in zip(self.futures, chunks) if future.key == task), None)
            pages = f"one of {_page(chunk[0])} … {_page(chunk[-1])}" if chunk else "the same pages"
            raise SystemExit(f"error: Dask workers kept dying on {pages} (out of memory?); rerun with "
                             f"EXECUTOR=local --jobs 1 to find the page; build/ left as it was") from None
        except Exception as error:  # a lost scheduler, a cancelled future: one line, no traceback
            if getattr(error, "reason", None) == "scheduler-connection-lost":
                raise SystemExit(f"error: lost the connection to {self._cluster()}; build/ left as it was") from None
            if "deserialization of the task graph" in str(error):  # the scheduler unpickles tasks too
                raise SystemExit(f"error: {self._cluster()} cannot import the toolkit: start `dask scheduler` "
                                 f"too from the repository checkout, with its packages; build/ left as it "
                                 f"was") from None
            raise SystemExit(f"error: {self._cluster()} failed: {type(error).__name__}: {_one_line(error)}; "
                             f"build/ left as it was") from None
        self.futures = []
        return (result for chunk in results for result in chunk)
