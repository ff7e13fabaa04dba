"""Benchmark of the normalize stage: round trips of the Simplified seeds through OpenCC's
Traditional conventions and through ruby pinyin, counted in character differences, and throughput
next to bare OpenCC t2s on the same bytes.

For each Simplified seed (its decoded text, split into lines as strip would give them): the stage
on the original must change nothing beyond the punctuation/width policy; the stage on s2t, s2tw,
s2hk and ruby-annotated versions must give back exactly what it gives for the original. s2twp is
reported apart: its phrase rewrites (软件 -> 軟體) are lossy by design.

    make bench-normalize       # or: python -m benchmarks.normalize
"""

from __future__ import annotations

import argparse
import difflib
import json
import time

from pypinyin import Style, lazy_pinyin

from scripts import chinese, normalize
from scripts.decode import normalize_newlines
from scripts.pipeline import BUILD, ROOT

SIMPLIFIED_SEEDS = ["001_a1d90d7132cf1ab2", "003_92a7eb5f272008d1", "004_5928ad22fc79e100"]
CONVERSIONS = ["s2t", "s2tw", "s2hk", "ruby", "s2tw+ruby", "s2twp"]


def seed_lines(stem: str) -> list[str]:
    path = next((ROOT / "raw").rglob(f"{stem}.txt"))
    text = normalize_newlines(path.read_bytes().decode("utf-8"))
    return [line.strip() for line in text.split("\n") if line.strip()]


def with_ruby(text: str) -> str:
    """Flattened ruby: every hanzi followed by (its pinyin with tone marks), as the mirror site does."""
    # errors= returns a non-hanzi run character by character, so items align 1:1 with characters.
    items = lazy_pinyin(text, style=Style.TONE, errors=lambda run: list(run))
    if len(items) != len(text):
        raise ValueError("pypinyin did not keep one item per character")
    return "".join(f"{char}({item})" if chinese.HANZI_RE.match(char) and item != char else char
                   for char, item in zip(text, items))


def convert(lines: list[str], how: str) -> list[str]:
    result = []
    for line in lines:
        for step in how.split("+"):
            line = with_ruby(line) if step == "ruby" else chinese.converter(step).convert(line)
        result.append(line)
    return result


def run_stage(lines: list[str]) -> list[str]:
    """The normalize stage's pure step on one page given as strip would hand it over."""
    record = {"source": {}, "site": "", "meta": {}, "removals": [],
              "segments": [{"label": "", "first_line": 1, "truncated": False, "missing_chars": None,
                            "lines": [[number, line] for number, line in enumerate(lines, 1)]}]}
    result = normalize.normalize_record(record)
    return [text for _, text in result["segments"][0]["paragraphs"]]


def char_differences(got: list[str], want: list[str]) -> int:
    differences = 0
    for a, b in zip(got, want):
        if a != b:
            matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
            differences += sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    return differences + sum(len(line) for line in (got[len(want):] or want[len(got):]))


def policy_only(lines: list[str]) -> list[str]:
    return [normalize.normalize_paragraph(line)[0] for line in lines]


def throughput(lines: list[str], repeat: int) -> dict[str, float]:
    """MB/s of the stage, of bare t2s, and of the bare OpenCC chain the input's convention needs."""
    text = "\n".join(lines)
    size = len(text.encode("utf-8")) * repeat / 1e6
    script, variants = normalize.detect_script(text)
    chain = ([f"{v}2t" for v in variants] + ["t2s"]) if script == "traditional" else []
    run_stage(lines)  # warm up: character classes and OpenCC dictionaries load once per process

    def speed(work) -> float:
        work()
        started = time.perf_counter()
        for _ in range(repeat):
            work()
        return size / (time.perf_counter() - started)

    def bare_chain() -> str:
        out = text
        for config in chain:
            out = chinese.converter(config).convert(out)
        return out

    return {"megabytes": size, "t2s": speed(lambda: chinese.converter("t2s").convert(text)),
            "chain": speed(bare_chain) if chain else float("inf"), "chain_configs": "+".join(chain) or "none",
            "stage": speed(lambda: run_stage(lines))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.normalize", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the text when timing")
    args = parser.parse_args(argv)
    rows, results = [], {}
    throughput_inputs: dict[str, list[str]] = {
        "Traditional, standard (s2t)": [], "Traditional, Taiwan (s2tw)": [],
        "Traditional, Hong Kong (s2hk)": [], "Simplified (original)": []}
    for stem in SIMPLIFIED_SEEDS:
        lines = seed_lines(stem)
        throughput_inputs["Simplified (original)"] += lines
        reference = run_stage(lines)
        beyond_policy = char_differences(reference, policy_only(lines))
        results[stem] = {"original beyond policy": beyond_policy}
        rows.append((stem, "original (beyond policy)", beyond_policy))
        for how in CONVERSIONS:
            converted = convert(lines, how)
            for name in throughput_inputs:
                if name.endswith(f"({how})"):
                    throughput_inputs[name] += converted
            differences = char_differences(run_stage(converted), reference)
            results[stem][how] = differences
            rows.append((stem, how, differences))
    print("seed                   input                        character differences")
    for stem, how, differences in rows:
        note = "  (lossy by design)" if how == "s2twp" else ""
        print(f"{stem:22s} {how:28s} {differences:8d}{note}")
    totals = {how: sum(results[s][how] for s in SIMPLIFIED_SEEDS) for how in CONVERSIONS}
    print("total, all but s2twp: " + str(sum(v for k, v in totals.items() if k != "s2twp"))
          + f"; s2twp: {totals['s2twp']}")
    speeds = {name: throughput(inputs, args.repeat) for name, inputs in throughput_inputs.items()}
    print("\nthroughput (MB/s, one core)   stage   bare t2s   ratio   bare OpenCC chain needed")
    for name, speed in speeds.items():
        chain = f"{speed['chain']:.1f} ({speed['chain_configs']})" if speed["chain_configs"] != "none" else "none"
        print(f"{name:28s} {speed['stage']:7.1f} {speed['t2s']:9.1f} {speed['stage'] / speed['t2s']:7.2f}   {chain}")
    BUILD.mkdir(exist_ok=True)
    (BUILD / "bench-normalize.json").write_text(json.dumps(
        {"differences": results, "throughput": speeds},
        indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
