"""package: build/split.jsonl -> clean/*.csv and datapackage.json.

Streams page by page, so memory does not grow with the corpus. Every file is written beside its
target and renamed into place only once all of them are complete: a failure leaves clean/ and
datapackage.json exactly as they were. Nothing here depends on the time of the build: two builds
of the same inputs give byte-identical files.

    python -m scripts.package
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

from scripts import pipeline, strip
from scripts.pipeline import ROOT

CLEAN = ROOT / "clean"
SCHEMAS = ROOT / "schemas"
DESCRIPTOR = ROOT / "datapackage.json"
RESOURCES = ["sources", "documents", "paragraphs", "removals"]
DESCRIPTIONS = {
    "sources": "One row per raw page: where it came from, its bytes, how it was decoded.",
    "documents": "One row per document (speech, report, plan, summary) with its quality flags.",
    "paragraphs": "The cleaned text, one row per paragraph: Simplified Chinese in one punctuation form.",
    "removals": "Every span the build removed from a page, with the rule that removed it.",
}
# Versions of the tools that shape the output: OpenCC's dictionaries change conversions, chardet
# changes detection, frictionless the validation.
SHAPING_TOOLS = ["opencc", "chardet", "frictionless"]


def schema_columns(name: str) -> list[str]:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    return [field["name"] for field in schema["fields"]]


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def rows_for_page(record: dict) -> dict[str, list[dict]]:
    source = record["source"]
    row = source["row"]
    source_id = record["source_id"]
    documents = record["documents"]
    if not documents:
        raise pipeline.PageError("no text left after strip; is the whole page boilerplate?")
    tables: dict[str, list[dict]] = {name: [] for name in RESOURCES}
    tables["sources"].append({
        "source_id": source_id, "path": source["path"], "sha256": source["sha256"],
        "bytes": source["bytes"], "encoding": source["encoding"],
        "encoding_confidence": source["encoding_confidence"], "bom": source["bom"],
        "replaced_chars": source["replaced_chars"], "site": record["site"],
        "published": record["meta"].get("published"), "title": record["meta"].get("title", ""),
        "collection_title": record["meta"].get("collection", ""),
        "script_original": record["script_original"], "n_documents": len(documents),
        "url": row.get("url", ""), "retrieved": row.get("retrieved", ""), "license": row.get("license", ""),
    })
    for document in documents:
        tables["documents"].append({
            **{key: document[key] for key in (
                "doc_id", "seq", "title", "collection_title", "n_chars", "n_paragraphs", "truncated",
                "missing_chars", "mojibake_spans", "script_original", "pinyin_removed",
                "placeholders", "first_line")},
            "source_id": source_id,
            "mojibake_samples": json.dumps(document["mojibake_samples"], ensure_ascii=False)
            if document["mojibake_samples"] else "",
            "script_variants": " ".join(document["script_variants"]),
        })
        for seq, (line, text) in enumerate(document["paragraphs"], start=1):
            tables["paragraphs"].append({"doc_id": document["doc_id"], "seq": seq, "line": line, "text": text})
    for seq, removal in enumerate(record["removals"], start=1):
        tables["removals"].append({"source_id": source_id, "seq": seq, **removal})
    return tables


def released_version() -> str | None:
    """The version `make release` last wrote into datapackage.json: a rebuild keeps it."""
    if not DESCRIPTOR.exists():
        return None
    return json.loads(DESCRIPTOR.read_text(encoding="utf-8")).get("version")


def descriptor(resource_files: dict[str, Path], sites: list[str], version: str | None = None) -> dict:
    profiles = strip.load_profiles()
    head = {"version": version} if version else {}
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "zh-health-work-reports",
        **head,
        "title": "Chinese local health-administration work reports and speeches",
        "description": (
            "Work reports, speeches, plans and summaries of Chinese local health administrations "
            "(卫生工作会议讲话, 工作报告, 工作计划, 工作总结) as published on template-essay (范文) web sites, "
            "with the sites' boilerplate removed (every removal recorded), converted to Simplified "
            "Chinese, and split into documents. Built from raw/ by the toolkit in this repository."
        ),
        "keywords": ["Chinese", "public health", "local government", "work reports", "speeches", "corpus"],
        "licenses": [{
            "name": "ODC-By-1.0",
            "path": "https://opendatacommons.org/licenses/by/1-0/",
            "title": "Open Data Commons Attribution License 1.0, for the database and its annotations. "
                     "The texts' own copyright status is unknown (sources.license).",
        }],
        "sources": [
            {"title": profiles[site].name, "path": f"profiles/{site}.toml"} if site
            else {"title": "Pages from unidentified 范文 sites (generic rules only)"}
            for site in sites
        ],
        "x_build": {"tools": pipeline.library_versions(*SHAPING_TOOLS)},
        "resources": [
            {
                "name": name,
                "type": "table",
                "path": f"clean/{name}.csv",
                "scheme": "file",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": DESCRIPTIONS[name],
                "schema": f"schemas/{name}.schema.json",
                "bytes": resource_files[name].stat().st_size,
                "hash": f"sha256:{pipeline.file_digest(resource_files[name])}",
            }
            for name in RESOURCES
        ],
    }


def run() -> dict[str, int]:
    source = pipeline.BUILD / "split.jsonl"
    if not source.exists():
        raise SystemExit("error: build/split.jsonl is missing; run `make split` (or `make all`) first")
    CLEAN.mkdir(exist_ok=True)
    columns = {name: schema_columns(name) for name in RESOURCES}
    temporary = {name: CLEAN / f".{name}.csv.tmp" for name in RESOURCES}
    counts = {name: 0 for name in RESOURCES}
    sites: set[str] = set()
    errors: list[str] = []
    handles = {name: open(path, "w", encoding="utf-8", newline="") for name, path in temporary.items()}
    try:
        writers = {name: csv.DictWriter(handles[name], fieldnames=columns[name], lineterminator="\n",
                                        extrasaction="raise") for name in RESOURCES}
        for writer in writers.values():
            writer.writeheader()
        for record in pipeline.progress(pipeline.read_jsonl(source), "package"):
            try:
                tables = rows_for_page(record)
            except pipeline.PageError as error:
                errors.append(f"{record['source']['path']}: {error}")
                continue
            sites.add(record["site"])
            for name, rows in tables.items():
                for row in rows:
                    writers[name].writerow({key: cell(value) for key, value in row.items()})
                counts[name] += len(rows)
            for document in record["documents"]:
                if document["mojibake_spans"]:
                    print(f"flagged mojibake: {document['doc_id']}: "
                          + " | ".join(repr(s)[:40] for s in document["mojibake_samples"]))
    finally:
        for handle in handles.values():
            handle.close()
    if errors:
        for path in temporary.values():
            path.unlink()
        for error in errors:
            print(f"error: {error}", file=sys.stderr)
        raise SystemExit(f"package: {len(errors)} page(s) failed; clean/ left as it was")
    # The descriptor records each table's size and hash, so it is built from the finished temps.
    final = {name: CLEAN / f"{name}.csv" for name in RESOURCES}
    package = descriptor(temporary, sorted(sites), released_version())
    descriptor_tmp = DESCRIPTOR.with_name(".datapackage.json.tmp")
    descriptor_tmp.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name in RESOURCES:
        os.replace(temporary[name], final[name])
    os.replace(descriptor_tmp, DESCRIPTOR)
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.package", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    counts = run()
    print("package: " + ", ".join(f"{counts[name]} {name}" for name in RESOURCES))


if __name__ == "__main__":
    main()
