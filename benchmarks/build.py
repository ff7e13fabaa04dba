"""Benchmark of the whole build: MB/s and peak memory of every stage on a generated corpus.

The corpus is made in a scratch copy of the toolkit under build/bench-build/ (never committed): the
seed pages copied N times under new names, a third of the Simplified ones re-encoded as GB18030 and
a third of the Traditional ones as Big5, so decode has real work. Every stage runs as the make target
would (`python -m scripts.<stage>`, all cores), from an empty cache. Run it at two sizes to see that
peak memory does not grow with the corpus.

    make bench-build [PAGES=400]      # or: python -m benchmarks.build --pages 400
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import time
from pathlib import Path

from scripts.chinese import converter
from scripts.pipeline import BUILD, ROOT

STAGES = ["decode", "strip", "normalize", "split", "package", "validate"]
TOOLKIT = ["scripts", "profiles", "rules", "schemas"]


def make_corpus(work: Path, pages: int) -> int:
    """Seeds copied ``pages`` times (some re-encoded); returns the raw bytes written."""
    shutil.rmtree(work, ignore_errors=True)
    for name in TOOLKIT:
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    with open(ROOT / "raw" / "sources.csv", encoding="utf-8", newline="") as handle:
        seeds = list(csv.DictReader(handle))
    total = 0
    rows = []
    for index in range(pages):
        seed = seeds[index % len(seeds)]
        source = ROOT / seed["path"]
        data = source.read_bytes()
        text = data.decode("utf-8")
        if index % 3 == 1:
            try:
                traditional = converter("t2s").convert(text) != text
                data = text.encode("big5hkscs" if traditional else "gb18030")
            except UnicodeEncodeError:
                pass  # a few seed characters have no Big5 code: keep this copy in UTF-8
        rel = f"raw/{Path(seed['path']).parent.name}/{index:06d}_{source.stem.split('_', 1)[1]}.txt"
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_bytes(data)
        total += len(data)
        rows.append({**seed, "path": rel, "notes": f"benchmark copy of {seed['path']}"})
    with open(work / "raw" / "sources.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(seeds[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return total


def run_stage(work: Path, stage: str) -> tuple[float, int]:
    """(seconds, peak resident memory in MB of the stage's largest process)."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", f"scripts.{stage}"],
                            cwd=work, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"error: {stage} failed on the benchmark corpus:\n{result.stderr[-2000:]}")
    peak_kb = int(result.stderr.strip().splitlines()[-1])
    return elapsed, peak_kb // 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=400, help="pages to generate (default 400)")
    args = parser.parse_args(argv)
    work = BUILD / "bench-build"
    megabytes = make_corpus(work, args.pages) / 1e6
    print(f"corpus: {args.pages} pages, {megabytes:.1f} MB raw (seeds copied, a third re-encoded)")
    print("stage       seconds    MB/s   peak RSS (MB)")
    total = 0.0
    for stage in STAGES:
        seconds, peak = run_stage(work, stage)
        total += seconds
        print(f"{stage:10s} {seconds:8.2f} {megabytes / seconds:7.1f} {peak:10d}")
    print(f"{'all':10s} {total:8.2f} {megabytes / total:7.1f}")


if __name__ == "__main__":
    main()
