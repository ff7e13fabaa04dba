"""package: build/split/ -> clean/*.csv and datapackage.json.

Streams page by page, so memory does not grow with the corpus. Every file is written beside its
target, and the tables and the descriptor are renamed into place as one change through a journal
(clean/.package-commit.json, see pipeline.commit_files): a failure leaves clean/ and
datapackage.json exactly as they were, and a kill during the renames leaves a journal that the next
package or validate rolls forward, so the tables never mix under the descriptor. Nothing here
depends on the time of the build: two builds of the same inputs give byte-identical files.

    python -m scripts.package
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import sys
from pathlib import Path
from typing import Iterable, Iterator

from scripts import duplicates, parts, pipeline, strip
from scripts.parts import PartFile
from scripts.pipeline import ROOT

CLEAN = ROOT / "clean"
SCHEMAS = ROOT / "schemas"
DESCRIPTOR = ROOT / "datapackage.json"
JOURNAL = CLEAN / ".package-commit.json"
RESOURCES = ["sources", "documents", "paragraphs", "removals", "suspects", "duplicates"]
# Flagged documents named in the log; beyond this many, a count (a large corpus would flood CI logs).
MOJIBAKE_SHOWN = 20
# A corpus may have no suspect line and no duplicate at all; every other table has rows.
MAY_BE_EMPTY = {"suspects", "duplicates"}
DESCRIPTIONS = {
    "sources": "One row per raw page: where it came from, its bytes, how it was decoded.",
    "documents": "One row per document (speech, report, plan, summary) with its quality flags.",
    "paragraphs": "The cleaned text, one row per paragraph: Simplified Chinese in one punctuation form.",
    "removals": "Every span the build removed from a page, with the rule that removed it.",
    "suspects": "Lines the line classifier found suspicious but kept, for reviewers and profile authors.",
    "duplicates": "Documents that are the same text (exact or near: MinHash LSH, verified by exact Jaccard), "
                  "one row per member, with each cluster's representative. Marked, never dropped.",
}
# Tables that grow with the text are Frictionless multipart resources, cut at content-defined pages
# (scripts/parts.py): clean/<name>/<name>-<first source_id>.csv, each part with its header.
MULTIPART = ("paragraphs", "removals")
# Versions of the tools that shape the output: OpenCC's dictionaries change conversions, chardet
# changes detection, frictionless the validation.
SHAPING_TOOLS = ["opencc", "chardet", "frictionless", "google-re2", "trafilatura"]


def part_order(name: str, path: Path) -> str:
    """A part's place: the source_id of its first page (what its name holds after ``<name>-``)."""
    return path.stem[len(name) + 1:]


def resource_paths(resource: dict, root: Path = ROOT) -> list[Path]:
    """A descriptor resource's file(s) under ``root``: its ``path``, or the parts its list names."""
    paths = resource.get("path", [])
    return [root / path for path in ([paths] if isinstance(paths, str) else paths)]


def table_files(name: str, clean: Path = CLEAN) -> list[Path]:
    """The file(s) of table ``name`` under ``clean``, in row order: clean/<name>.csv, or the parts
    of a multipart table (clean/<name>/<name>-<first source_id>.csv, as the descriptor lists them)."""
    folder = clean / name
    if folder.is_dir():
        parts = sorted(folder.glob(f"{name}-*.csv"), key=lambda path: part_order(name, path))
        return parts or sorted(folder.glob(f"{name}.csv"))
    return [clean / f"{name}.csv"]


def read_rows(name: str, clean: Path = CLEAN) -> Iterator[dict]:
    """Rows of table ``name`` (every part, in order), streamed as dicts of strings."""
    for path in table_files(name, clean):
        with open(path, encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)


def owned_files() -> list[Path]:
    """Every file package has written and may replace or drop: single tables, parts (and the old
    single file of a multipart table), the descriptor."""
    files = [CLEAN / f"{name}.csv" for name in RESOURCES]
    for name in MULTIPART:
        files += sorted((CLEAN / name).glob(f"{name}-*.csv")) + sorted((CLEAN / name).glob(f"{name}.csv"))
    return files + [DESCRIPTOR]


def table_schema(name: str) -> dict:
    """The hand-written Table Schema of resource ``name`` (schemas/<name>.schema.json)."""
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


@functools.cache
def schema_columns(name: str) -> list[str]:
    return [field["name"] for field in table_schema(name)["fields"]]


def rows_for_page(record: dict, repeats: dict[str, tuple[int, int]] | None = None,
                  tables: Iterable[str] = RESOURCES) -> dict[str, list[dict]]:
    """The page's rows of ``tables``; ``repeats`` (text_hash -> documents, sites) comes from the
    duplicates stage, corpus-wide, for paragraphs found in two or more documents."""
    repeats = repeats or {}
    wanted = set(tables)
    source_id = record["source_id"]
    documents = record["documents"]
    if not documents:
        raise pipeline.PageError("no text left after strip; is the whole page boilerplate?")
    rows: dict[str, list[dict]] = {name: [] for name in RESOURCES}
    if "sources" in wanted:
        rows["sources"].append(_source_row(record))
    for document in documents:
        if "documents" in wanted:
            rows["documents"].append(_document_row(document, source_id))
        if "paragraphs" in wanted:
            for seq, ((line, text), digest) in enumerate(zip(document["paragraphs"], document["paragraph_hashes"]),
                                                         start=1):
                n_documents, n_sites = repeats.get(digest, (1, 1))
                rows["paragraphs"].append({"doc_id": document["doc_id"], "seq": seq, "line": line, "text": text,
                                           "text_hash": digest, "hash_documents": n_documents, "hash_sites": n_sites})
    if "removals" in wanted:
        rows["removals"] = [{"source_id": source_id, "seq": seq, **removal}
                            for seq, removal in enumerate(record["removals"], start=1)]
    if "suspects" in wanted:
        rows["suspects"] = [{"source_id": source_id, **suspect} for suspect in record["suspects"]]
    return {name: rows[name] for name in RESOURCES if name in wanted}


def _source_row(record: dict) -> dict:
    source, source_id = record["source"], record["source_id"]
    row = source["row"]
    return {
        "source_id": source_id, "path": source["path"], "sha256": source["sha256"],
        "bytes": source["bytes"], "encoding": source["encoding"],
        "encoding_lines": source.get("encoding_lines", ""),
        "encoding_confidence": source["encoding_confidence"], "bom": source["bom"],
        "replaced_chars": source["replaced_chars"], "site": record["site"], "site_key": record["site_key"],
        "published": record["meta"].get("published"), "title": record["meta"].get("title", ""),
        "collection_title": record["meta"].get("collection", ""),
        "script_original": record["script_original"], "n_documents": len(record["documents"]),
        "url": row.get("url", ""), "retrieved": row.get("retrieved", ""), "license": row.get("license", ""),
        "encoding_declared": source.get("encoding_declared", ""),
        "url_canonical": record["meta"].get("url_canonical", ""),
    }


def _document_row(document: dict, source_id: str) -> dict:
    return {
        **{key: document[key] for key in (
            "doc_id", "seq", "title", "collection_title", "n_chars", "n_paragraphs", "truncated",
            "missing_chars", "mojibake_spans", "script_original", "pinyin_removed",
            "placeholders", "first_line")},
        "source_id": source_id,
        "mojibake_samples": json.dumps(document["mojibake_samples"], ensure_ascii=False)
        if document["mojibake_samples"] else "",
        "script_variants": " ".join(document["script_variants"]),
        **{key: document[key] for key in (
            "text_sha256", "doc_type", "year", "admin_level", "region", "region_code")},
        "metadata_evidence": json.dumps(document["metadata_evidence"], ensure_ascii=False, sort_keys=True),
    }


def released_version() -> str | None:
    """The version `make release` last wrote into datapackage.json: a rebuild keeps it."""
    if not DESCRIPTOR.exists():
        return None
    return json.loads(DESCRIPTOR.read_text(encoding="utf-8")).get("version")


def _resource_files(name: str, files: list[PartFile]) -> dict:
    """Where a resource's data is, with sizes and hashes: path/bytes/hash for one file; for a
    multipart resource the list of parts, and each part's bytes and hash in ``x_parts`` (the
    descriptor format has no place for them)."""
    if name not in MULTIPART:
        (file,) = files
        return {"path": file.final.relative_to(ROOT).as_posix(), "scheme": "file",
                "bytes": file.bytes, "hash": f"sha256:{file.sha256}"}
    return {"path": [part.final.relative_to(ROOT).as_posix() for part in files], "scheme": "multipart",
            "x_parts": [{"path": part.final.relative_to(ROOT).as_posix(), "bytes": part.bytes,
                         "hash": f"sha256:{part.sha256}"} for part in files]}


def descriptor(resource_files: dict[str, list[PartFile]], sites: list[str], version: str | None = None) -> dict:
    """The package descriptor of the written files (their sizes and hashes as written)."""
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
                **_resource_files(name, resource_files[name]),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": DESCRIPTIONS[name],
                "schema": f"schemas/{name}.schema.json",
            }
            for name in RESOURCES
        ],
    }


def recover() -> bool:
    """Complete a package that a kill interrupted during its renames (True if there was one), and
    delete temps no journal claims. Anything reading clean/ runs this first; validate does."""
    found = pipeline.recover_commit(JOURNAL, owned_files())
    if not JOURNAL.exists():
        for name in MULTIPART:
            for temp in (CLEAN / name).glob(f".{name}*.csv.tmp"):
                pipeline.remove_quietly(temp)
    return found


def fingerprint() -> str:
    files = [Path(__file__), Path(parts.__file__), *sorted(SCHEMAS.glob("*.json")), *sorted((ROOT / "profiles").glob("*.toml"))]
    return pipeline.stage_fingerprint(files, {**pipeline.library_versions(*SHAPING_TOOLS),
                                              "version": released_version() or ""})


def inputs_digest() -> str | None:
    """What the package is made of: split's output and the duplicates stage's, by their stamps
    (when duplicates is stale package computes them itself from split: split's hash says it all)."""
    split_digest = pipeline.output_digest("split")
    if split_digest is None:
        return None
    stamp = pipeline.read_stamp("duplicates") or {}
    fresh = stamp.get("input") == split_digest
    return pipeline.sha256_hex(split_digest, stamp.get("output", "") if fresh else "computed by package")


def tables_match_descriptor() -> bool:
    """Every table is the one the descriptor's hash names: a hand edit of clean/ is rebuilt over."""
    try:
        descriptor = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
        for resource in descriptor["resources"]:
            files = resource["x_parts"] if "x_parts" in resource else [resource]
            for part in files:
                if f"sha256:{pipeline.cached_file_digest(ROOT / part['path'])}" != part.get("hash"):
                    return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def run(force: bool = False) -> dict[str, int]:
    """Write clean/ and the descriptor, unless nothing changed; ``force`` trusts nothing in build/
    (no stamp, no remembered segment)."""
    source = "split"
    with pipeline.build_lock("package"):
        try:
            recover()
            if pipeline.read_manifest(source) is None:
                raise SystemExit("error: build/split/ is missing; run `make split` (or `make all`) first")
            digest, stage_fingerprint = inputs_digest(), fingerprint()
            stamp = pipeline.current_stamp("package", digest, stage_fingerprint, output=DESCRIPTOR)
            if stamp is not None and not force and tables_match_descriptor():
                pipeline.save_digest_cache()
                return stamp["counts"]  # nothing changed since this package was written
            counts = _write_package(source, force)
            pipeline.write_stamp("package", digest, stage_fingerprint, output=DESCRIPTOR, counts=counts)
            return counts
        except OSError as error:
            state = ("the next `make package` or `make validate` completes the update" if JOURNAL.exists()
                     else "clean/ left as it was")
            raise SystemExit(f"error: {pipeline.describe_os_error(error)}; {state}") from None


# What package needs of each page but its multipart rows, kept between runs (pipeline.indexed): the
# rows of the single tables as CSV, counts, paragraph hashes. A page is parsed only when it changed.
PAGE_INDEX = "package-index"
SINGLE_PAGE_TABLES = [name for name in RESOURCES if name not in MULTIPART and name != "duplicates"]


def _page_index(record: dict) -> dict:
    try:
        tables = rows_for_page(record, None, SINGLE_PAGE_TABLES)
    except pipeline.PageError as error:
        return {"error": f"{record['source']['path']}: {error}"}
    return {
        "site": record["site"],
        "csv": {name: parts.csv_text(rows, schema_columns(name)) for name, rows in tables.items()},
        "rows": {**{name: len(rows) for name, rows in tables.items()}, "removals": len(record["removals"])},
        "hashes": [digest for document in record["documents"] for digest in document["paragraph_hashes"]],
        "mojibake": [f"{document['doc_id']}: " + " | ".join(repr(s)[:40] for s in document["mojibake_samples"])
                     for document in record["documents"] if document["mojibake_spans"]],
    }


def _write_package(source: str, force: bool = False) -> dict[str, int]:
    CLEAN.mkdir(exist_ok=True)
    descriptor_tmp = pipeline.temp_path(DESCRIPTOR)
    counts = {name: 0 for name in RESOURCES}
    sites: set[str] = set()
    errors: list[str] = []
    mojibake: list[str] = []  # the first MOJIBAKE_SHOWN flagged documents, for the log
    flagged = 0
    # Corpus-wide, from the duplicates stage (recomputed in memory if split changed since it ran).
    clusters, repeats = duplicates.current()
    singles: dict[str, parts.CsvFile] = {}
    pages_of_split = pipeline.StageReader.of(source)  # read only for segments rendered again
    multipart = parts.MultipartWriter({name: schema_columns(name) for name in MULTIPART}, CLEAN, fingerprint(),
                                      lambda source_id: rows_for_page(pages_of_split.get(source_id).load(), repeats,
                                                                      MULTIPART), remember=not force)
    committed = False
    try:
        for name in RESOURCES:
            if name not in MULTIPART:
                singles[name] = parts.CsvFile(CLEAN / f"{name}.csv", schema_columns(name))
        pages = pipeline.indexed(source, PAGE_INDEX, fingerprint(), _page_index, reuse=not force)
        for page in pipeline.progress(pages, "package"):
            if "error" in page:
                errors.append(page["error"])
                continue
            sites.add(page["site"])
            for name in SINGLE_PAGE_TABLES:
                singles[name].write_csv(page["csv"][name])
            for name, count in page["rows"].items():
                counts[name] += count
            counts["paragraphs"] += len(page["hashes"])
            # A multipart segment is rendered again only if a page's record or the corpus-wide
            # repeat counts of its paragraphs changed: both are in the page's key.
            repeated = [f"{digest}:{repeats[digest]}" for digest in page["hashes"] if digest in repeats]
            multipart.page(page["source_id"], pipeline.sha256_hex(page["key"], *repeated), page["source_id"])
            flagged += len(page["mojibake"])
            mojibake += page["mojibake"][:MOJIBAKE_SHOWN - len(mojibake)]
        # Not per page: the clusters are corpus-wide (build/duplicates.jsonl, sorted by cluster).
        singles["duplicates"].write(clusters)
        counts["duplicates"] += len(clusters)
        files = {name: [singles[name].close()] for name in singles}
        files.update(multipart.close())
        if errors:
            for error in errors:
                print(f"error: {error}", file=sys.stderr)
            raise SystemExit(f"package: {len(errors)} page(s) failed; clean/ left as it was")
        for line in mojibake:
            print(f"flagged mojibake: {line}")
        if flagged > len(mojibake):
            print(f"flagged mojibake: {flagged - len(mojibake)} more document(s) "
                  "(documents.csv: mojibake_spans > 0, mojibake_samples)")
        package = descriptor({name: files[name] for name in RESOURCES}, sorted(sites), released_version())
        with pipeline.writing(DESCRIPTOR, descriptor_tmp):
            descriptor_tmp.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        renames: dict[Path, Path] = {}
        for file in (file for written in files.values() for file in written if file.temp is not None):
            if file.final.exists() and pipeline.cached_file_digest(file.final) == file.sha256:
                pipeline.remove_quietly(file.temp)  # an unchanged file is left as it is, not rewritten
            else:
                renames[file.temp] = file.final
        renames[descriptor_tmp] = DESCRIPTOR  # last, so a reader never meets a descriptor ahead of its tables
        kept = {file.final for written in files.values() for file in written} | {DESCRIPTOR}
        pipeline.commit_files(renames, JOURNAL, deletes=[path for path in owned_files() if path not in kept])
        committed = True
        multipart.save()
        print(f"package: {multipart.rendered} part segment(s) written, {multipart.reused} unchanged")
    finally:
        # Every way out (page errors, a full disk, Ctrl-C) drops the temps, unless a journal now
        # lists them: then they are the new package, which the next run completes.
        if not committed and not JOURNAL.exists():
            for single in singles.values():
                single.discard()
            multipart.discard()
            pipeline.remove_quietly(descriptor_tmp)
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.package", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true",
                        help="write every table again, trusting no stamp or remembered part in build/")
    args = parser.parse_args(argv)
    pipeline.handle_stop_signals()
    try:
        counts = run(force=args.force)
    except KeyboardInterrupt:
        pipeline.exit_interrupted()
    print("package: " + ", ".join(f"{counts[name]} {name}" for name in RESOURCES))


if __name__ == "__main__":
    main()
