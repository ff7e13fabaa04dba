"""Benchmark of the decode stage: exact-decoding accuracy per encoding and length, and throughput,
with chardet alone as the baseline in the same run.

The corpus is made in memory from the seed pages (never written to the repo): each text in every
encoding it fits (Simplified seeds go through OpenCC s2t first for Big5, so Big5 holds real text;
the Traditional seed is also saved as GBK), cut at character boundaries into pieces of about 100,
300 and 1000 bytes, and whole. A piece counts as right only if the decoded text equals the true text.

    make bench-decode          # or: python -m benchmarks.decode [--pieces N]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict

import chardet

from scripts.chinese import converter
from scripts.decode import DecodeError, detect, normalize_newlines
from scripts.pipeline import BUILD, ROOT

ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16-le", "utf-16-be", "utf-16", "utf-32"]
LENGTHS = [100, 300, 1000, None]  # None: the whole page


def seed_texts() -> dict[str, str]:
    texts = {}
    for path in sorted((ROOT / "raw").rglob("*.txt")):
        texts[path.stem] = normalize_newlines(path.read_bytes().decode("utf-8"))
    return texts


def variants(texts: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, text, encoding) for every text in every encoding it can be written in."""
    out = []
    for name, text in texts.items():
        traditional = converter("s2t").convert(text)
        for encoding in ENCODINGS:
            source = _writable(traditional, "big5") if encoding == "big5" else text
            out.append((name, source, encoding))
        if traditional == text or name.startswith("000"):
            continue
        out.append((f"{name}-traditional", traditional, "gbk"))  # Traditional text saved as GBK
    return out


def pieces(text: str, encoding: str, length: int | None, limit: int, rng: random.Random) -> list[str]:
    """Pieces of about ``length`` encoded bytes, cut at character boundaries, that the codec can write."""
    if length is None:
        return [text] if _encodable(text, encoding) else []
    bytes_per_char = 3 if encoding.startswith("utf-8") else 4 if encoding.startswith("utf-32") else 2
    chars_per_piece = max(8, length // bytes_per_char)  # Chinese text: about this many bytes a character
    starts = list(range(0, max(1, len(text) - chars_per_piece), chars_per_piece))
    rng.shuffle(starts)
    out = []
    for start in starts:
        piece = text[start:start + chars_per_piece]
        if piece.strip() and _encodable(piece, encoding):
            out.append(piece)
        if len(out) >= limit:
            break
    return out


def _writable(text: str, encoding: str) -> str:
    """The text without the few characters the codec cannot write (Big5 lacks some symbols)."""
    return "".join(char for char in text if _encodable(char, encoding))


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def chardet_alone(data: bytes) -> str | None:
    guess = chardet.detect(data).get("encoding")
    if not guess:
        return None
    try:
        return data.decode(guess)
    except (UnicodeDecodeError, LookupError):
        return None


def ours(data: bytes) -> str | None:
    try:
        return detect(data).text
    except DecodeError as error:
        return f"<refused: {error}>"


def run(limit: int, seed: int) -> dict:
    rng = random.Random(seed)
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"n": 0, "ours": 0, "chardet": 0})
    failures: list[dict] = []
    whole_bytes = 0
    whole_seconds = {"ours": 0.0, "chardet": 0.0}
    for name, text, encoding in variants(seed_texts()):
        label = encoding if not name.endswith("-traditional") else "gbk (Traditional text)"
        for length in LENGTHS:
            size = "whole" if length is None else f"~{length}"
            for piece in pieces(text, encoding, length, limit, rng):
                data = piece.encode(encoding)
                started = time.perf_counter()
                decoded = ours(data)
                elapsed = time.perf_counter() - started
                started = time.perf_counter()
                baseline = chardet_alone(data)
                baseline_elapsed = time.perf_counter() - started
                cell = cells[(label, size)]
                cell["n"] += 1
                cell["ours"] += decoded == piece
                cell["chardet"] += baseline == piece
                if decoded != piece and len(failures) < 40:
                    failures.append({"text": name, "encoding": label, "size": size, "bytes": len(data),
                                     "got": (decoded or "")[:30], "want": piece[:30]})
                if length is None:
                    whole_bytes += len(data)
                    whole_seconds["ours"] += elapsed
                    whole_seconds["chardet"] += baseline_elapsed
    return {"cells": {f"{k[0]} | {k[1]}": v for k, v in sorted(cells.items())}, "failures": failures,
            "whole_bytes": whole_bytes, "whole_seconds": whole_seconds}


def report(result: dict) -> str:
    lines = ["encoding                 size    pieces   ours      chardet alone"]
    total = {"n": 0, "ours": 0, "chardet": 0}
    by_size: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "ours": 0, "chardet": 0})
    below_target = []
    for key, cell in result["cells"].items():
        encoding, size = key.split(" | ")
        for counter in (total, by_size[size]):
            for field in counter:
                counter[field] += cell[field]
        accuracy = cell["ours"] / cell["n"]
        lines.append(f"{encoding:24s} {size:7s} {cell['n']:6d}   {accuracy:7.2%}   {cell['chardet'] / cell['n']:7.2%}")
        if size != "~100" and accuracy < 0.99:
            below_target.append(key)
    lines.append("")
    for size, cell in sorted(by_size.items()):
        lines.append(f"{'all encodings':24s} {size:7s} {cell['n']:6d}   {cell['ours'] / cell['n']:7.2%}   {cell['chardet'] / cell['n']:7.2%}")
    lines.append(f"{'overall':24s} {'':7s} {total['n']:6d}   {total['ours'] / total['n']:7.2%}   {total['chardet'] / total['n']:7.2%}")
    megabytes = result["whole_bytes"] / 1e6
    lines.append("")
    lines.append(f"throughput on whole pages, one core: ours {megabytes / result['whole_seconds']['ours']:.1f} MB/s, "
                 f"chardet alone {megabytes / result['whole_seconds']['chardet']:.1f} MB/s ({megabytes:.1f} MB)")
    lines.append("cells >= 300 bytes below 99%: " + (", ".join(below_target) if below_target else "none"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.decode", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pieces", type=int, default=60, help="pieces per text, encoding and length (default 60)")
    parser.add_argument("--seed", type=int, default=7, help="seed for choosing pieces")
    args = parser.parse_args(argv)
    result = run(args.pieces, args.seed)
    print(report(result))
    if result["failures"]:
        print("\nfirst misses:")
        for failure in result["failures"][:10]:
            print(f"  {failure}")
    BUILD.mkdir(exist_ok=True)
    (BUILD / "bench-decode.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
