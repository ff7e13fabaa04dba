"""Benchmark of scripts/describe.py on the hand-labelled gold set: precision and recall per field.

The gold set (tests/fixtures/metadata/) is the 30 seed documents (seeds.jsonl: their title and the
opening and closing paragraphs describe reads, labelled by hand) and synthetic documents written by
hand (synthetic.txt, format in its header). For each field:

- precision: filled values that equal the label, over all filled values;
- recall: filled values that equal the label, over all non-empty labels.

An empty value where the label is empty is right and counts in neither.

    make bench-metadata [VERBOSE=1]     # python -m benchmarks.metadata [--verbose]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scripts import describe
from scripts.pipeline import ROOT

GOLD = ROOT / "tests" / "fixtures" / "metadata"
FIELDS = ["doc_type", "year", "admin_level", "region"]


def synthetic(path: Path = GOLD / "synthetic.txt") -> list[dict]:
    documents = []
    blocks = [b for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    for block in blocks:
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if not lines:
            continue
        number = len(documents) + 1
        labels = [value.strip() for value in lines[0].split("|")]
        labels = ["" if value == "-" else value for value in labels]
        title = "" if lines[1].strip() == "-" else lines[1].strip()
        documents.append({"id": f"synthetic-{number:03d}", "title": title, "paragraphs": lines[2:],
                          **dict(zip(FIELDS, labels))})
    return documents


def gold() -> list[dict]:
    with open(GOLD / "seeds.jsonl", encoding="utf-8") as handle:
        seeds = [json.loads(line) for line in handle]
    return seeds + synthetic()


def score(documents: list[dict]) -> tuple[dict[str, dict[str, float]], list[str]]:
    counts = {field: {"right": 0, "filled": 0, "labelled": 0} for field in FIELDS}
    misses = []
    for document in documents:
        found = describe.describe(document["title"], document["paragraphs"])
        for field in FIELDS:
            value, label = str(found[field]), document[field]
            counts[field]["filled"] += bool(value)
            counts[field]["labelled"] += bool(label)
            counts[field]["right"] += bool(value) and value == label
            if value != label:
                misses.append(f"{document['id']} {field}: found {value!r}, labelled {label!r} "
                              f"({document['title'][:30]})")
    figures = {}
    for field, c in counts.items():
        figures[field] = {
            "precision": c["right"] / c["filled"] if c["filled"] else 1.0,
            "recall": c["right"] / c["labelled"] if c["labelled"] else 1.0,
            "filled": c["filled"], "labelled": c["labelled"], "right": c["right"],
        }
    return figures, misses


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.metadata", description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)
    documents = gold()
    figures, misses = score(documents)
    seeds = sum(1 for d in documents if not d["id"].startswith("synthetic"))
    print(f"metadata gold set: {len(documents)} documents ({seeds} seed, {len(documents) - seeds} synthetic)")
    print(f"{'field':<12} {'precision':>9} {'recall':>7}   right/filled/labelled")
    for field, f in figures.items():
        print(f"{field:<12} {f['precision']:>9.3f} {f['recall']:>7.3f}   {f['right']}/{f['filled']}/{f['labelled']}")
    if args.verbose:
        for miss in misses:
            print("  " + miss)


if __name__ == "__main__":
    main()
