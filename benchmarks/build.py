"""Benchmark of the whole build: MB/s and peak memory of every stage on a generated corpus.

The corpus is made in a scratch copy of the toolkit under build/bench-build/ (never committed): the
seed pages copied N times under new names, each copy made distinct (the characters of its long lines
permuted, see distinct_copy: chrome repeated, bodies not, as in a real corpus), a third of the Simplified ones
re-encoded as GB18030 and a third of the Traditional ones as Big5, so decode has real work. Every stage runs as the make target
would (`python -m scripts.<stage>`, all cores), from an empty cache. Run it at two sizes to see that
peak memory does not grow with the corpus.

    make bench-build [PAGES=400]      # or: python -m benchmarks.build --pages 400
"""

from __future__ import annotations

import argparse
import csv
import shutil
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from scripts.chinese import converter
from scripts import pipeline
from scripts.pipeline import BUILD, ROOT

STAGES = ["decode", "strip", "normalize", "split", "duplicates", "package", "validate", "report"]
TOOLKIT = ["scripts", "profiles", "rules", "schemas"]


def body_alphabet(texts: list[str]) -> list[str]:
    """Han characters of the seeds' long lines that OpenCC leaves alone both ways: swapping them
    among themselves makes a new text with the same script work for normalize."""
    t2s, s2t = converter("t2s"), converter("s2t")
    found = {c for text in texts for line in text.split("\n") if len(line) >= 40 for c in line
             if "\u4e00" <= c <= "\u9fff"}
    alone = sorted(c for c in found if t2s.convert(c) == c and s2t.convert(c) == c)
    # OpenCC converts some characters only in phrases (反覆 -> 反复, 藉口 -> 借口): a character is
    # kept only if t2s leaves it alone beside every other one.
    kept = []
    for char in alone:
        pairs = "".join(char + other + "。" + other + char + "。" for other in alone)
        if t2s.convert(pairs) == pairs:
            kept.append(char)
    return kept


def distinct_copy(text: str, index: int, alphabet: list[str]) -> str:
    """The page with the characters of its long lines (the body; chrome lines are short and stay,
    so site repetition still sees them) permuted among ``alphabet`` by a permutation drawn for
    ``index``: the same length and script, a different text, so near-duplicate detection does the
    work a real corpus gives it rather than collapsing exact copies."""
    shuffled = list(alphabet)
    random.Random(index).shuffle(shuffled)
    table = str.maketrans(dict(zip(alphabet, shuffled)))
    t2s = converter("t2s")
    lines = []
    for line in text.split("\n"):
        new = line.translate(table) if len(line) >= 40 else line
        # OpenCC converts some characters only in phrases (反覆 -> 反复): a permutation may make one
        # that the seed did not have; such a line keeps its seed text, so the corpus stays valid.
        once = t2s.convert(new)
        lines.append(new if t2s.convert(once) == once else line)
    return "\n".join(lines)


def make_corpus(work: Path, pages: int) -> int:
    """Seeds copied ``pages`` times (some re-encoded); returns the raw bytes written."""
    shutil.rmtree(work, ignore_errors=True)
    for name in TOOLKIT:
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    with open(ROOT / "raw" / "sources.csv", encoding="utf-8", newline="") as handle:
        seeds = list(csv.DictReader(handle))
    texts = [(ROOT / seed["path"]).read_bytes().decode("utf-8") for seed in seeds]
    alphabet = body_alphabet(texts)
    total = 0
    rows = []
    for index in range(pages):
        seed = seeds[index % len(seeds)]
        source = ROOT / seed["path"]
        text = distinct_copy(texts[index % len(seeds)], index, alphabet) if index >= len(seeds) else texts[index]
        data = text.encode("utf-8")
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


def run_all(work: Path, megabytes: float, label: str, show: bool) -> tuple[float, int]:
    """Every stage once; (total seconds, largest peak RSS), each stage printed when ``show``."""
    total, peak_all = 0.0, 0
    for stage in STAGES:
        seconds, peak = run_stage(work, stage)
        total += seconds
        peak_all = max(peak_all, peak)
        if show:
            print(f"{stage:10s} {seconds:8.2f} {megabytes / seconds:7.1f} {peak:10d}")
    print(f"{label:10s} {total:8.2f} {megabytes / total:7.1f} {peak_all:10d}")
    return total, peak_all


def bare_t2s(work: Path) -> float:
    """MB/s of OpenCC t2s alone on the same decoded text, in one process: the cost that matters."""
    import json

    texts = []
    for path in pipeline.stage_files_in(work / "build", "decode"):
        with open(path, encoding="utf-8") as handle:
            texts += [json.loads(line)["text"] for line in handle]
    size = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    t2s = converter("t2s")
    started = time.perf_counter()
    for text in texts:
        t2s.convert(text)
    return size / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=400, help="pages to generate (default 400)")
    args = parser.parse_args(argv)
    work = BUILD / "bench-build"
    megabytes = make_corpus(work, args.pages) / 1e6
    print(f"corpus: {args.pages} pages, {megabytes:.1f} MB raw (seeds copied, a third re-encoded)")
    print("stage       seconds    MB/s   peak RSS (MB)")
    full, _ = run_all(work, megabytes, "all", show=True)
    t2s = bare_t2s(work)
    print(f"end to end {megabytes / full:.1f} MB/s on {os.cpu_count()} cores; bare OpenCC t2s on the same text, "
          f"one core: {t2s:.1f} MB/s (ratio {megabytes / full / t2s:.2f})")
    noop, _ = run_all(work, megabytes, "no-op", show=False)
    page = sorted((work / "raw").rglob("*.txt"))[len(list((work / "raw").rglob("*.txt"))) // 2]
    with open(page, "ab") as handle:
        handle.write("\n补充一段文字，说明工作情况。\n".encode(_encoding_of(page)))
    print("one changed page, per stage:")
    one, _ = run_all(work, megabytes, "one page", show=True)
    print(f"no-op: {noop:.2f} s; one changed page: {one:.2f} s = {one / full:.1%} of the full build")


def _encoding_of(path: Path) -> str:
    from scripts.decode import detect

    return detect(path.read_bytes()).encoding


if __name__ == "__main__":
    main()
