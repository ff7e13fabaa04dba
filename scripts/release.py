"""release: a versioned, self-contained, checksummed copy of the data package, and its zip.

    make release VERSION=x.y.z        # or: python -m scripts.release x.y.z

writes ``dist/<name>-<version>/`` and ``dist/<name>-<version>.zip``: datapackage.json (version set,
paths relative), clean/, the schemas it uses, a README.md data card (with a Hugging Face dataset
card header), LICENSE, CITATION.cff, documents.parquet and documents.jsonl (one row per document,
its full text joined from paragraphs), report/ (the figures of `make report`, drawn from the released
tables; the data card embeds the main ones), corpus.db (`make db`: SQLite with full-text search) and
SHA256SUMS. The version is written back to the
repository's datapackage.json. The same inputs and version give the same bytes: no build times, the
zip's entries are sorted and dated 1980-01-01.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from scripts import db, report
from scripts.package import CLEAN, DESCRIPTOR, RESOURCES, read_rows, resource_paths, table_files, table_schema
from scripts.pipeline import ROOT, atomic_write, file_digest

DIST = ROOT / "dist"
# MAJOR.MINOR.PATCH and nothing else: fullmatch, because `$` also matches before a final newline;
# ASCII, because `\d` alone accepts any script's digits (full-width １.２.３).
VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", re.ASCII)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
EXPORT_COLUMNS = ["doc_id", "source_id", "seq", "title", "collection_title", "text", "n_chars",
                  "n_paragraphs", "truncated", "missing_chars", "mojibake_spans", "script_original",
                  "placeholders"]


def read_csv(path: Path):
    with open(path, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def documents_with_text(clean: Path):
    """Each document with its paragraphs joined by newlines; paragraphs are sorted like documents."""
    paragraphs = read_rows("paragraphs", clean)
    pending = next(paragraphs, None)
    for document in read_csv(clean / "documents.csv"):
        texts = []
        while pending is not None and pending["doc_id"] == document["doc_id"]:
            texts.append(pending["text"])
            pending = next(paragraphs, None)
        yield {
            "doc_id": document["doc_id"], "source_id": document["source_id"], "seq": int(document["seq"]),
            "title": document["title"], "collection_title": document["collection_title"], "text": "\n".join(texts),
            "n_chars": int(document["n_chars"]), "n_paragraphs": int(document["n_paragraphs"]),
            "truncated": document["truncated"] == "true",
            "missing_chars": int(document["missing_chars"]) if document["missing_chars"] else None,
            "mojibake_spans": int(document["mojibake_spans"]), "script_original": document["script_original"],
            "placeholders": int(document["placeholders"]),
        }


PARQUET_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("source_id", pa.string()), ("seq", pa.int32()), ("title", pa.string()),
    ("collection_title", pa.string()), ("text", pa.string()), ("n_chars", pa.int64()),
    ("n_paragraphs", pa.int32()), ("truncated", pa.bool_()), ("missing_chars", pa.int64()),
    ("mojibake_spans", pa.int32()), ("script_original", pa.string()), ("placeholders", pa.int32()),
])


def duplicate_members(clean: Path) -> frozenset:
    """Documents in a duplicates cluster that are not its representative."""
    path = clean / "duplicates.csv"
    if not path.exists():
        return frozenset()
    return frozenset(row["doc_id"] for row in read_csv(path) if row["representative"] != "true")


# Parquet as the Hugging Face Hub reads it best: row groups of about ROW_GROUP_BYTES of text, shards
# of about SHARD_BYTES. One shard keeps the plain name (documents.parquet); more are numbered
# documents-00000-of-00003.parquet, and the card's configs list them.
ROW_GROUP_BYTES = 100 << 20
SHARD_BYTES = 500 << 20


def shard_names(stem: str, count: int) -> list[str]:
    if count == 1:
        return [f"{stem}.parquet"]
    return [f"{stem}-{index:05d}-of-{count:05d}.parquet" for index in range(count)]


def write_exports(clean: Path, target: Path, stem: str = "documents", unique: bool = False,
                  row_group_bytes: int = ROW_GROUP_BYTES, shard_bytes: int = SHARD_BYTES) -> tuple[int, list[str]]:
    """<stem>.jsonl and <stem>'s Parquet shards, streamed (memory holds one row group); with
    ``unique``, only each duplicates cluster's representative (and every document in no cluster).
    Returns (documents written, shard file names in order)."""
    count = 0
    skip = duplicate_members(clean) if unique else frozenset()
    shards: list[Path] = []
    writer = None
    batch: list[dict] = []
    batch_bytes = shard_written = 0

    def flush() -> None:
        nonlocal writer, batch, batch_bytes, shard_written
        if not batch:
            return
        if writer is None or shard_written >= shard_bytes:
            if writer is not None:
                writer.close()
            shards.append(target / f".{stem}-shard-{len(shards):05d}.parquet")
            writer = pq.ParquetWriter(shards[-1], PARQUET_SCHEMA, compression="zstd")
            shard_written = 0
        writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA), row_group_size=len(batch))
        shard_written += batch_bytes
        batch, batch_bytes = [], 0

    with open(target / f"{stem}.jsonl", "w", encoding="utf-8", newline="\n") as jsonl:
        for document in documents_with_text(clean):
            if document["doc_id"] in skip:
                continue
            jsonl.write(json.dumps(document, ensure_ascii=False, sort_keys=False) + "\n")
            batch.append(document)
            batch_bytes += len(document["text"].encode("utf-8"))
            count += 1
            if batch_bytes >= row_group_bytes:
                flush()
        flush()
    if writer is None:  # no document: one empty shard, so every config has its file
        shards.append(target / f".{stem}-shard-00000.parquet")
        writer = pq.ParquetWriter(shards[-1], PARQUET_SCHEMA, compression="zstd")
    writer.close()
    names = shard_names(stem, len(shards))
    for shard, name in zip(shards, names):
        shard.replace(target / name)
    return count, names


def statistics(clean: Path) -> dict[str, int]:
    stats = {"sources": 0, "documents": 0, "paragraphs": 0, "removals": 0, "truncated": 0, "mojibake": 0,
             "placeholders": 0, "characters": 0}
    for name in ("sources", "paragraphs", "removals"):
        stats[name] = sum(1 for _ in read_rows(name, clean))
    for document in read_csv(clean / "documents.csv"):
        stats["documents"] += 1
        stats["truncated"] += document["truncated"] == "true"
        stats["mojibake"] += document["mojibake_spans"] not in ("", "0")
        stats["placeholders"] += int(document["placeholders"])
        stats["characters"] += int(document["n_chars"])
    return stats


def size_category(documents: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if documents < limit:
            return label
    return "n>1M"


def field_table(name: str) -> list[str]:
    schema = table_schema(name)
    lines = ["| field | type | meaning |", "|---|---|---|"]
    for field in schema["fields"]:
        lines.append(f"| `{field['name']}` | {field['type']} | {field.get('description', '')} |")
    return lines


# Figures of report/ the data card shows, in this order, when they were drawn.
CARD_FIGURES = ["documents_per_site", "documents_per_year", "documents_per_kind", "documents_per_province",
                "length_per_site", "flags_per_site"]


def card_figures(report_readme: str) -> list[str]:
    """The data card's figures: the main ones report/README.md embeds, as Markdown image lines."""
    images = {line.split("](")[1].rstrip(")"): line for line in report_readme.splitlines() if line.startswith("![")}
    return [images[f"{name}.png"].replace("](", "](report/", 1) for name in CARD_FIGURES if f"{name}.png" in images]


def data_card(package: dict, stats: dict[str, int], figures: list[str] = (),
              shards: dict[str, list[str]] | None = None) -> str:
    shards = shards or {stem: [f"{stem}.parquet"] for stem in ("documents", "documents-unique")}
    files = {stem: names[0] if len(names) == 1 else names for stem, names in shards.items()}
    header = {
        "license": "odc-by",
        "language": ["zh"],
        "pretty_name": package["title"],
        "size_categories": [size_category(stats["documents"])],
        "tags": ["chinese", "government", "public-health", "speeches", "reports"],
        # all: every document; unique: one per duplicates cluster (its representative) and the rest.
        "configs": [
            {"config_name": "all", "data_files": [{"split": "train", "path": files["documents"]}], "default": True},
            {"config_name": "unique", "data_files": [{"split": "train", "path": files["documents-unique"]}]},
        ],
    }
    name_version = f"{package['name']}-{package['version']}"
    lines = [
        "---", yaml.safe_dump(header, allow_unicode=True, sort_keys=False).strip(), "---", "",
        f"# {package['title']} ({package['version']})", "",
        package["description"], "",
        "## Contents", "",
        f"{stats['documents']} documents ({stats['characters']:,} characters) from {stats['sources']} pages, in "
        f"{stats['paragraphs']} paragraphs; {stats['removals']} spans removed as boilerplate, each recorded.", "",
        "| file | what |", "|---|---|",
        "| `documents.parquet` (or its shards `documents-00000-of-0000N.parquet`, row groups of ~100 MB), `documents.jsonl` | one row per document with its full text (paragraphs joined by newlines) |",
        "| `documents-unique.parquet`, `documents-unique.jsonl` | the same, one document per duplicates cluster (its representative; `clean/duplicates.csv`) |",
        "| `clean/sources.csv` | one row per raw page: where it came from, its bytes, how it was decoded |",
        "| `clean/documents.csv` | one row per document, with its quality flags |",
        "| `clean/paragraphs/*.csv` | the cleaned text, one row per paragraph (a multipart table: its parts in `datapackage.json` order) |",
        "| `clean/removals/*.csv` | every span removed from a page, with the rule that removed it (multipart) |",
        "| `datapackage.json`, `schemas/` | the Frictionless Data Package and its Table Schemas |",
        "| `report/` | figures of the corpus (`report/README.md`), drawn from these tables |",
        "| `corpus.db` | SQLite: every table with its keys, full-text search (FTS5 trigram) on paragraphs and "
        "titles; `datasette corpus.db` to browse it |",
        "| `SHA256SUMS` | checksums of every file here (`sha256sum -c SHA256SUMS`) |", "",
        "```python",
        "import pandas as pd",
        f'documents = pd.read_parquet("{name_version}/documents.parquet")',
        "# or: datasets.load_dataset(\"parquet\", data_files=\"documents.parquet\")",
        "```", "",
        *(["## Figures", "", *[line + "\n" for line in figures],
           "Every figure, with what it shows: `report/README.md`.", ""] if figures else []),
        "## Where the pages come from", "",
        "Template-essay (范文) web sites that republish local government texts: "
        + "; ".join(source["title"] for source in package.get("sources", [])) + ". "
        "Each page's site, URL, retrieval date and known licence are in `clean/sources.csv`.", "",
        "## How it was built", "",
        "Decoded (encoding detected and verified, recorded per page), stripped of site boilerplate by "
        "declarative site profiles (every removal in `clean/removals/`), converted to Simplified "
        "Chinese with OpenCC per document (Taiwan and Hong Kong forms included, ruby pinyin removed), "
        "normalised to one punctuation and width form (NFC; full-width Chinese punctuation in Chinese "
        "context; half-width digits and Latin letters), and split into documents. Tool versions: "
        + ", ".join(f"{k} {v}" for k, v in package.get("x_build", {}).get("tools", {}).items()) + ".", "",
        "## Known limits", "",
        f"- {stats['truncated']} document(s) are cut by a site paywall (`truncated`; `missing_chars` says how much "
        "is missing when the site says).",
        f"- {stats['mojibake']} document(s) contain mojibake that cannot be repaired from the page "
        "(`mojibake_spans`, `mojibake_samples`); it is kept as found.",
        f"- {stats['placeholders']} template placeholders (`20XX`, `xx`, `*%`, `□□`, `_`) stand where the sites "
        "removed names and figures; they are kept and counted per document (`placeholders`).",
        "- The texts' own copyright status is unknown; the licence below covers the database and its annotations.",
        "",
        "## Fields", "",
    ]
    for name in RESOURCES:
        lines += [f"### {name}", ""] + field_table(name) + [""]
    lines += ["## Licence", "", "Open Data Commons Attribution License (ODC-By) v1.0 for the database and its "
              "annotations; see LICENSE. Cite with CITATION.cff.", ""]
    return "\n".join(lines)


def citation(version: str) -> str:
    data = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    data["version"] = version
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_zip(folder: Path, archive: Path) -> None:
    """Sorted entries with a fixed date and mode: the zip's bytes depend only on the files."""
    tmp = archive.with_name(archive.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zipped:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as handle:
                zipped.writestr(info, handle.read(), compresslevel=9)
    tmp.replace(archive)


def set_repository_version(version: str) -> dict:
    package = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    ordered = {}
    for key, value in package.items():
        if key == "version":
            continue
        ordered[key] = value
        if key == "name":
            ordered["version"] = version
    with atomic_write(DESCRIPTOR) as handle:
        handle.write(json.dumps(ordered, ensure_ascii=False, indent=2) + "\n")
    return ordered


def release(version: str) -> tuple[Path, Path]:
    if not VERSION.fullmatch(version):
        raise SystemExit(f"error: version {version!r} is not x.y.z: three numbers without leading zeros, "
                         f"like 1.2.3 (no 'v', no suffix)")
    missing = [name for name in RESOURCES if not all(path.exists() for path in table_files(name))]
    if missing or not DESCRIPTOR.exists():
        raise SystemExit("error: clean/ or datapackage.json missing; run `make all` first")
    package = set_repository_version(version)
    folder = DIST / f"{package['name']}-{version}"
    staging = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "clean").mkdir(parents=True)
    (staging / "schemas").mkdir()
    for resource in package["resources"]:
        for path in resource_paths(resource):
            copy = staging / path.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
        shutil.copyfile(ROOT / resource["schema"], staging / resource["schema"])
    (staging / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    shards = {stem: write_exports(CLEAN, staging, stem=stem, unique=stem.endswith("unique"))[1]
              for stem in ("documents", "documents-unique")}
    # Drawn and loaded from the staged package itself: what ships describes exactly what ships.
    files, _ = report.write_report(staging / "datapackage.json", staging / "report")
    db.build(staging / "datapackage.json", staging / "corpus.db")
    figures = card_figures(files["README.md"].decode("utf-8"))
    (staging / "README.md").write_text(data_card(package, statistics(CLEAN), figures, shards), encoding="utf-8")
    shutil.copyfile(ROOT / "LICENSE", staging / "LICENSE")
    (staging / "CITATION.cff").write_text(citation(version), encoding="utf-8")
    sums = [f"{file_digest(path)}  {path.relative_to(staging).as_posix()}"
            for path in sorted(p for p in staging.rglob("*") if p.is_file())]
    (staging / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    archive = DIST / f"{folder.name}.zip"
    write_zip(folder, archive)
    return folder, archive


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.release", description=__doc__.split("\n\n")[0])
    parser.add_argument("version", help="x.y.z: MAJOR.MINOR.PATCH, numbers without leading zeros")
    args = parser.parse_args(argv)
    folder, archive = release(args.version)
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    print(f"release: {folder.relative_to(ROOT)}/ ({files} files) and {archive.relative_to(ROOT)} "
          f"({archive.stat().st_size:,} bytes); version {args.version} written to datapackage.json")


if __name__ == "__main__":
    sys.exit(main())
