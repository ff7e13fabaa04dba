"""Benchmark: what each RE2 pattern set of strip costs, and the patterns that cost the most.

One pattern can slow every page: a counted repeat after a common character ([。！？](.{0,40}…)) makes
the set's DFA track every count from every start, and a set that held 0.23 s of scanning took 1.75 s
after one such inline rule. This prints, for each set strip scans every line with (the classifier's
shapes, the generic whole-line and inline rules, the label shapes), the seconds over the sample and
MB/s, then the patterns whose removal saves the most (leave one out: the set rebuilt without it).

The sample is every line of the development set's pages (tests/fixtures/devset/) and of distinct
copies of the seed pages (as bench-build makes them), as the shadows strip scans: deterministic,
chrome of every kind and long text.

    python -m benchmarks.patterns [--top 5] [--repeat 2] [--copies 100]
"""

from __future__ import annotations

import argparse
import csv
import time

from benchmarks import build, devset
from scripts import classify, labels, strip
from scripts.pipeline import ROOT
from scripts.patterns import anchored, pattern_set
from scripts.profiles import make_shadow


def sample_lines(copies: int) -> list[bytes]:
    """The development set's lines (chrome of every kind, short) and ``copies`` distinct copies of
    the seed pages as bench-build makes them (long text with a full stop every few dozen characters,
    and enough of it to fill a set's DFA cache: where a pattern that restarts at every 。 costs)."""
    lines = []
    for directory in sorted(path for path in devset.DEVSET.iterdir() if path.is_dir()):
        for page in devset.pages(directory):
            lines += [line for line in page.text().split("\n") if line.strip()]
    with open(ROOT / "raw" / "sources.csv", encoding="utf-8", newline="") as handle:
        seeds = [(ROOT / row["path"]).read_bytes().decode("utf-8") for row in csv.DictReader(handle)]
    alphabet = build.body_alphabet(seeds)
    for index in range(copies):
        text = build.distinct_copy(seeds[index % len(seeds)], index, alphabet)
        lines += [line for line in text.split("\n") if line.strip()]
    return [make_shadow(line).text.strip().encode("utf-8") for line in lines]


def scan_seconds(sources: list[str], lines: list[bytes], repeat: int) -> float:
    """The fastest of ``repeat`` scans of every line (a set's DFA is built lazily: the first pass
    pays for it, as strip's first pages do)."""
    patterns = pattern_set(sources)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for line in lines:
            patterns.Match(line)
        best = min(best, time.perf_counter() - start)
    return best


def _never_like(source: str) -> str:
    """A pattern that matches nothing, anchored as ``source`` is: left in its place, the sets are
    split as before (a pattern fewer can mean an RE2 set fewer, which is not the pattern's cost)."""
    return "^\\x00never" if anchored(source) else "\\x00never"


def pattern_sets() -> dict[str, list[tuple[str, str]]]:
    """Set name -> (pattern id, source) as strip compiles them."""
    rules = strip.rule_set("")
    return {
        "shapes": [(shape_id, pattern.pattern) for shape_id, _, pattern in classify.classifier().shapes],
        "whole-line rules": [(rule.id, source) for rule, source in zip(rules.whole, rules.whole_sources)],
        "inline rules": [(rule.id, source) for rule, source in zip(rules.inline, rules.inline_sources)],
        "label shapes": [(shape.id, source) for shape, source in zip(labels.shapes(), labels.shape_sources())],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.patterns", description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=5, help="patterns to list per set (default 5)")
    parser.add_argument("--repeat", type=int, default=2, help="scans per measurement; the fastest counts")
    parser.add_argument("--copies", type=int, default=100, help="copies of the seed pages in the sample (default 100)")
    args = parser.parse_args(argv)
    lines = sample_lines(args.copies)
    megabytes = sum(len(line) for line in lines) / 1e6
    print(f"sample: {len(lines)} lines, {megabytes:.1f} MB (tests/fixtures/devset/ and {args.copies} seed copies, as strip's shadows)")
    for name, entries in pattern_sets().items():
        sources = [source for _, source in entries]
        whole = scan_seconds(sources, lines, args.repeat)
        # Left out one at a time (a pattern that matches nothing in its place): what a pattern costs is
        # what the set saves without it, for a pattern's cost is mostly the states it adds to the set's
        # DFA, which it alone would not show.
        without = [(scan_seconds(sources[:index] + [_never_like(sources[index])] + sources[index + 1:], lines,
                                 args.repeat), pattern_id) for index, (pattern_id, _) in enumerate(entries)]
        whole = min(whole, scan_seconds(sources, lines, args.repeat))  # once more: a busy moment is not a cost
        print(f"{name:17} {len(entries):4} patterns  {whole:7.3f} s  {megabytes / whole:7.1f} MB/s")
        for seconds, pattern_id in sorted(((whole - seconds, pattern_id) for seconds, pattern_id in without),
                                          reverse=True)[:args.top]:
            print(f"    {pattern_id:45} {seconds:+7.3f} s ({100 * seconds / whole:5.1f}%) saved without it")

if __name__ == "__main__":
    main()
