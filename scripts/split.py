"""split: one page -> its documents, each with a stable id, a title and its paragraphs.

A compilation page (000's 篇1 … 篇17, 003's 第1篇 … 第10篇) becomes one document per item; strip found
the item labels, so this stage only materialises them. ``doc_id`` is the source id and the item's
position on its page (``000_8eea56606f75eb69-003``): adding a page never renumbers another's documents.

    python -m scripts.split      # build/normalize/ -> build/split/
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scripts import describe, pipeline, shingles


def doc_id(source_id: str, seq: int) -> str:
    return f"{source_id}-{seq:03d}"


def document_title(segment: dict, meta: dict, compilation: bool) -> str:
    """An item's own label when the page is a compilation, else the page's title or collection."""
    if compilation and segment["label"]:
        return segment["label"]
    return meta.get("title") or segment["label"] or meta.get("collection", "")


def split_record(record: dict) -> dict:
    source_id = record["source_id"]
    segments = record["segments"]
    compilation = sum(1 for s in segments if s["label"]) > 1
    documents = []
    for seq, segment in enumerate(segments, start=1):
        paragraphs = segment["paragraphs"]  # [line, text] pairs
        title = document_title(segment, record["meta"], compilation)
        texts = [text for _, text in paragraphs]
        text = "\n".join(texts)
        # Each paragraph folded once, for its hash, the document's and the signature: fold deletes the
        # newlines between paragraphs, so the text's fold is theirs joined.
        folded_paragraphs = [describe.fold(text) for text in texts]
        folded = "".join(folded_paragraphs)
        documents.append({
            "doc_id": doc_id(source_id, seq),
            "seq": seq,
            "title": title,
            "collection_title": record["meta"].get("collection", ""),
            "first_line": segment["first_line"],
            "paragraphs": paragraphs,
            "n_chars": sum(len(text) for _, text in paragraphs),
            "n_paragraphs": len(paragraphs),
            "truncated": segment["truncated"],
            "missing_chars": segment["missing_chars"],
            "mojibake_spans": len(segment["mojibake"]),
            "mojibake_samples": segment["mojibake"],
            "script_original": segment["script_original"],
            "script_variants": segment["script_variants"],
            "pinyin_removed": segment["pinyin_removed"],
            "placeholders": segment["placeholders"],
            # Hashes for the duplicates stage, and what the document is (scripts/describe.py).
            "text_sha256": describe.document_sha256(texts, folded_paragraphs),
            "paragraph_hashes": [describe.paragraph_hash(text, folded_text)
                                 for text, folded_text in zip(texts, folded_paragraphs)],
            "minhash": shingles.signature_hex(text, folded),
            "folded_sha256": shingles.folded_sha256(text, folded),
            **describe.describe(title, texts),
        })
    return {
        "source": record["source"],
        "site": record["site"],
        "site_key": record["site_key"],
        "meta": record["meta"],
        "script_original": record["script_original"],
        "documents": documents,
        "removals": record["removals"],
        "suspects": [{**suspect, "doc_id": _document_at(documents, suspect["line"])} for suspect in record["suspects"]],
    }


def _document_at(documents: list[dict], line: int) -> str:
    """The document a page line falls in (the last one starting at or before it), or the first."""
    found = documents[0]["doc_id"] if documents else ""
    for document in documents:
        if document["first_line"] <= line:
            found = document["doc_id"]
    return found


def fingerprint() -> str:
    return pipeline.stage_fingerprint([Path(__file__), Path(shingles.__file__), *describe.FILES],
                                      {"numpy": pipeline.library_versions("numpy")["numpy"]})


def run(force: bool = False, jobs: int | None = None) -> pipeline.StageReport:
    return pipeline.run_stage("split", split_record, (), fingerprint(), jobs, force,
                              input_digest=pipeline.output_digest("normalize"),
                              segments=lambda: pipeline.stage_segments("normalize"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.split", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="ignore cached results")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    pipeline.main_for_stage(lambda: run(args.force, args.jobs))


if __name__ == "__main__":
    main()
