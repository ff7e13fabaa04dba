"""preview: what the build would make of one file, for someone writing a site profile.

Runs decode -> strip -> normalize -> split in memory on any file, inside raw/ or not, and writes
nothing. Without --json it shows the decoded page with every removal marked, then the documents.

    python -m scripts.preview FILE [--site NAME]
    python -m scripts.preview --json FILE [--site NAME]
    make preview FILE=path [SITE=name]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scripts import decode, normalize, split, strip
from scripts.pipeline import PageError


def preview(path: Path, site: str = "") -> dict:
    """The documents and removals the build would produce for ``path`` (raises PageError)."""
    data = path.read_bytes()
    detection, html = decode.detect_page(str(path), data)
    source = {"path": str(path), "row": {"site": site}, "sha256": "", "bytes": len(data),
              "encoding": detection.encoding, "encoding_confidence": detection.confidence,
              "bom": detection.bom, "replaced_chars": detection.replaced, "format": "html" if html else "text"}
    text = decode.normalize_newlines(detection.text)
    stripped = strip.strip_record({"source": source, "text": text})
    normalized = normalize.normalize_record(stripped)
    documents = split.split_record({"source_id": path.stem, **normalized})
    return {
        "encoding": detection.encoding,
        "site": stripped["site"],
        "text": text,
        "documents": documents["documents"],
        "removals": normalized["removals"],
        "suspects": documents["suspects"],
    }


# Every flag documents.csv carries for a document, so a profile author sees all of them.
FLAGS = ("truncated", "missing_chars", "mojibake_spans", "mojibake_samples", "script_original", "script_variants",
         "pinyin_removed", "placeholders", "n_chars", "n_paragraphs", "first_line")


def as_json(result: dict) -> dict:
    return {
        "documents": [
            {"title": d["title"], "text": "\n".join(t for _, t in d["paragraphs"]),
             **{key: d[key] for key in FLAGS}}
            for d in result["documents"]
        ],
        "removals": [{"rule": r["rule"], "text": r["text"]} for r in result["removals"]],
        "suspects": [{"line": s["line"], "score": s["score"], "text": s["text"]} for s in result["suspects"]],
    }


def readable(result: dict, colour: bool) -> str:
    """The page line by line: removed lines and spans shown ⟦like this⟧ with the rule that took them."""
    mark = (lambda s: f"\033[9;31m{s}\033[0m") if colour else (lambda s: f"⟦{s}⟧")
    by_line: dict[int, list[dict]] = {}
    for removal in result["removals"]:
        if removal["rule"] != "normalize.ruby_pinyin":
            by_line.setdefault(removal["line"], []).append(removal)
    pinyin = sum(1 for r in result["removals"] if r["rule"] == "normalize.ruby_pinyin")
    suspects = {s["line"]: s for s in result["suspects"]}
    out = [f"# encoding {result['encoding']}, profile {result['site'] or '(generic only)'}", ""]
    for number, line in enumerate(result["text"].split("\n"), start=1):
        removals = by_line.get(number, [])
        whole = [r for r in removals if r["column"] == 1 and r["text"] == line]
        if whole:
            out.append(f"{number:5d}- {mark(line)}  [{whole[0]['rule']}]")
            continue
        shown, cursor, rules = [], 0, []
        for removal in sorted(removals, key=lambda r: r["column"]):
            start = removal["column"] - 1
            if removal["text"].strip():
                shown += [line[cursor:start], mark(removal["text"])]
                cursor = start + len(removal["text"])
            rules.append(removal["rule"])
        shown.append(line[cursor:])
        if number in suspects:
            rules.append(f"suspect {suspects[number]['score']}: {suspects[number]['detail']}")
        if line.strip() or rules:
            out.append(f"{number:5d}  {''.join(shown)}" + (f"  [{', '.join(rules)}]" if rules else ""))
    out += ["", f"# {len(result['documents'])} document(s); {pinyin} ruby pinyin annotation(s) removed"]
    for document in result["documents"]:
        flags = []
        if document["truncated"]:
            flags.append(f"truncated, {document['missing_chars'] or 'unknown'} chars missing")
        if document["mojibake_spans"]:
            flags.append(f"{document['mojibake_spans']} mojibake span(s)")
        out.append(f"## {document['seq']}. {document['title'] or '(no title)'}  "
                   f"({document['n_paragraphs']} paragraphs, {document['n_chars']} chars"
                   + (f"; {'; '.join(flags)}" if flags else "") + ")")
        for _, text in document["paragraphs"][:3]:
            out.append(f"    {text[:60]}{'…' if len(text) > 60 else ''}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--site", default="", help="profile to apply (default: from fingerprints)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    try:
        result = preview(args.file, args.site)
    except (PageError, OSError) as error:
        raise SystemExit(f"error: {args.file}: {error}") from None
    except strip.ProfileError as error:
        raise SystemExit(f"error: {error}") from None
    if args.json:
        print(json.dumps(as_json(result), ensure_ascii=False, indent=1))
    else:
        print(readable(result, colour=sys.stdout.isatty()))


if __name__ == "__main__":
    main()
