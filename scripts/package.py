"""package: build/split.jsonl -> clean/*.csv and datapackage.json.

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
import hashlib
import json
import sys
from pathlib import Path
from typing import Iterator

from scripts import duplicates, pipeline, strip
from scripts.pipeline import ROOT

CLEAN = ROOT / "clean"
SCHEMAS = ROOT / "schemas"
DESCRIPTOR = ROOT / "datapackage.json"
JOURNAL = CLEAN / ".package-commit.json"
RESOURCES = ["sources", "documents", "paragraphs", "removals", "suspects", "duplicates"]
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
# Tables that grow with the text are Frictionless multipart resources: clean/<name>/<name>-<first
# source_id>.csv, each part with its header. A part starts at a page whose source_id hashes to 0
# modulo PART_PAGES (content-defined, so adding or changing a page touches its own part only: the
# boundaries of the others do not move) or when the part holds PART_MAX_BYTES: no file near the 50 MB
# the repository allows. Expected part: PART_PAGES pages (about 2.5 MB at 10 kB of text a page).
MULTIPART = ("paragraphs", "removals")
PART_PAGES = 256
PART_MAX_BYTES = 40 << 20
# Versions of the tools that shape the output: OpenCC's dictionaries change conversions, chardet
# changes detection, frictionless the validation.
SHAPING_TOOLS = ["opencc", "chardet", "frictionless", "google-re2", "trafilatura"]


def starts_part(source_id: str) -> bool:
    return int(hashlib.sha256(source_id.encode("utf-8")).hexdigest()[:8], 16) % PART_PAGES == 0


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


class TableWriter:
    """One resource's CSV, written beside its final path: one file, or for MULTIPART resources
    parts cut at page boundaries (``page`` is called before each page's rows)."""

    def __init__(self, name: str, columns: list[str]):
        self.name, self.columns = name, columns
        self.multipart = name in MULTIPART
        self.parts: list[tuple[Path, Path]] = []  # (temp, final)
        self.handle = None
        self.writer = None
        self.rows_in_part = 0
        if not self.multipart:
            self._open(CLEAN / f"{name}.csv")

    def _open(self, final: Path) -> None:
        temp = pipeline.temp_path(final)
        final.parent.mkdir(parents=True, exist_ok=True)
        with pipeline.writing(final, temp):
            self.handle = open(temp, "w", encoding="utf-8", newline="")
            self.writer = csv.DictWriter(self.handle, fieldnames=self.columns, lineterminator="\n",
                                         extrasaction="raise")
            self.writer.writeheader()
        self.parts.append((temp, final))
        self.rows_in_part = 0

    def _close_part(self) -> None:
        if self.handle is not None:
            with pipeline.writing(self.parts[-1][1]):
                self.handle.close()  # flushes: a full disk often shows here, not in write()
            self.handle = None

    def page(self, source_id: str) -> None:
        if not self.multipart:
            return
        if self.handle is None:
            self._open(CLEAN / self.name / f"{self.name}-{source_id}.csv")
        elif self.rows_in_part and (starts_part(source_id) or self.handle.tell() >= PART_MAX_BYTES):
            self._close_part()
            self._open(CLEAN / self.name / f"{self.name}-{source_id}.csv")

    def write(self, rows: list[dict]) -> None:
        with pipeline.writing(self.parts[-1][1]):  # a failed write() names no file: say which
            for row in rows:
                self.writer.writerow({key: cell(value) for key, value in row.items()})
        self.rows_in_part += len(rows)

    def close(self) -> list[tuple[Path, Path]]:
        """(temp, final) of every part, the last one dropped if it got no rows (unless it is the only one)."""
        empty_last = self.multipart and self.rows_in_part == 0 and len(self.parts) > 1
        self._close_part()
        if empty_last:
            pipeline.remove_quietly(self.parts.pop()[0])
        if self.multipart and not self.parts:  # no page at all: one part with the header
            self._open(CLEAN / self.name / f"{self.name}.csv")
            self._close_part()
        return self.parts

    def discard(self) -> None:
        self._close_part()
        for temp, _ in self.parts:
            pipeline.remove_quietly(temp)


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


def schema_columns(name: str) -> list[str]:
    return [field["name"] for field in table_schema(name)["fields"]]


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def rows_for_page(record: dict, repeats: dict[str, tuple[int, int]] | None = None) -> dict[str, list[dict]]:
    """The page's rows of every table; ``repeats`` (text_hash -> documents, sites) comes from the
    duplicates stage, corpus-wide, for paragraphs found in two or more documents."""
    repeats = repeats or {}
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
        "encoding_lines": source.get("encoding_lines", ""),
        "encoding_confidence": source["encoding_confidence"], "bom": source["bom"],
        "replaced_chars": source["replaced_chars"], "site": record["site"], "site_key": record["site_key"],
        "published": record["meta"].get("published"), "title": record["meta"].get("title", ""),
        "collection_title": record["meta"].get("collection", ""),
        "script_original": record["script_original"], "n_documents": len(documents),
        "url": row.get("url", ""), "retrieved": row.get("retrieved", ""), "license": row.get("license", ""),
        "encoding_declared": source.get("encoding_declared", ""),
        "url_canonical": record["meta"].get("url_canonical", ""),
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
            **{key: document[key] for key in (
                "text_sha256", "doc_type", "year", "admin_level", "region", "region_code")},
            "metadata_evidence": json.dumps(document["metadata_evidence"], ensure_ascii=False, sort_keys=True),
        })
        for seq, ((line, text), digest) in enumerate(zip(document["paragraphs"], document["paragraph_hashes"]), start=1):
            n_documents, n_sites = repeats.get(digest, (1, 1))
            tables["paragraphs"].append({"doc_id": document["doc_id"], "seq": seq, "line": line, "text": text,
                                         "text_hash": digest, "hash_documents": n_documents, "hash_sites": n_sites})
    for seq, removal in enumerate(record["removals"], start=1):
        tables["removals"].append({"source_id": source_id, "seq": seq, **removal})
    for suspect in record["suspects"]:
        tables["suspects"].append({"source_id": source_id, **suspect})
    return tables


def released_version() -> str | None:
    """The version `make release` last wrote into datapackage.json: a rebuild keeps it."""
    if not DESCRIPTOR.exists():
        return None
    return json.loads(DESCRIPTOR.read_text(encoding="utf-8")).get("version")


def _resource_files(name: str, parts: list[tuple[Path, Path]], digests: dict[Path, str]) -> dict:
    """Where a resource's data is, with sizes and hashes: path/bytes/hash for one file; for a
    multipart resource the list of parts, and each part's bytes and hash in ``x_parts`` (the
    descriptor format has no place for them)."""
    if name not in MULTIPART:
        temp, final = parts[0]
        return {"path": final.relative_to(ROOT).as_posix(), "scheme": "file",
                "bytes": temp.stat().st_size, "hash": f"sha256:{digests[temp]}"}
    return {"path": [final.relative_to(ROOT).as_posix() for _, final in parts], "scheme": "multipart",
            "x_parts": [{"path": final.relative_to(ROOT).as_posix(), "bytes": temp.stat().st_size,
                         "hash": f"sha256:{digests[temp]}"} for temp, final in parts]}


def descriptor(resource_parts: dict[str, list[tuple[Path, Path]]], sites: list[str], version: str | None = None,
               digests: dict[Path, str] | None = None) -> dict:
    """The package descriptor of the finished temps; ``digests`` are their sha256 (computed here
    when not given)."""
    if digests is None:
        digests = {temp: pipeline.file_digest(temp) for pairs in resource_parts.values() for temp, _ in pairs}
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
                **_resource_files(name, resource_parts[name], digests),
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
            for temp in (CLEAN / name).glob(f".{name}-*.csv.tmp"):
                pipeline.remove_quietly(temp)
    return found


def fingerprint() -> str:
    files = [Path(__file__), *sorted(SCHEMAS.glob("*.json")), *sorted((ROOT / "profiles").glob("*.toml"))]
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


def run() -> dict[str, int]:
    source = pipeline.BUILD / "split.jsonl"
    with pipeline.build_lock("package"):
        try:
            recover()
            if not source.exists():
                raise SystemExit("error: build/split.jsonl is missing; run `make split` (or `make all`) first")
            digest, stage_fingerprint = inputs_digest(), fingerprint()
            stamp = pipeline.current_stamp("package", digest, stage_fingerprint, output=DESCRIPTOR)
            if stamp is not None and tables_match_descriptor():
                pipeline.save_digest_cache()
                return stamp["counts"]  # nothing changed since this package was written
            counts = _write_package(source)
            pipeline.write_stamp("package", digest, stage_fingerprint, output=DESCRIPTOR, counts=counts)
            return counts
        except OSError as error:
            state = ("the next `make package` or `make validate` completes the update" if JOURNAL.exists()
                     else "clean/ left as it was")
            raise SystemExit(f"error: {pipeline.describe_os_error(error)}; {state}") from None


def _write_package(source: Path) -> dict[str, int]:
    CLEAN.mkdir(exist_ok=True)
    descriptor_tmp = pipeline.temp_path(DESCRIPTOR)
    counts = {name: 0 for name in RESOURCES}
    sites: set[str] = set()
    errors: list[str] = []
    # Corpus-wide, from the duplicates stage (recomputed in memory if split changed since it ran).
    clusters, repeats = duplicates.current()
    writers: dict[str, TableWriter] = {}
    committed = False
    try:
        for name in RESOURCES:
            writers[name] = TableWriter(name, schema_columns(name))
        for record in pipeline.progress(pipeline.read_jsonl(source), "package"):
            try:
                tables = rows_for_page(record, repeats)
            except pipeline.PageError as error:
                errors.append(f"{record['source']['path']}: {error}")
                continue
            sites.add(record["site"])
            for name, rows in tables.items():
                writers[name].page(record["source_id"])
                writers[name].write(rows)
                counts[name] += len(rows)
            for document in record["documents"]:
                if document["mojibake_spans"]:
                    print(f"flagged mojibake: {document['doc_id']}: "
                          + " | ".join(repr(s)[:40] for s in document["mojibake_samples"]))
        # Not per page: the clusters are corpus-wide (build/duplicates.jsonl, sorted by cluster).
        writers["duplicates"].write(clusters)
        counts["duplicates"] += len(clusters)
        parts = {name: writer.close() for name, writer in writers.items()}
        if errors:
            for error in errors:
                print(f"error: {error}", file=sys.stderr)
            raise SystemExit(f"package: {len(errors)} page(s) failed; clean/ left as it was")
        # The descriptor records each file's size and hash, so it is built from the finished temps.
        digests = {temp: pipeline.file_digest(temp) for pairs in parts.values() for temp, _ in pairs}
        package = descriptor(parts, sorted(sites), released_version(), digests)
        with pipeline.writing(DESCRIPTOR, descriptor_tmp):
            descriptor_tmp.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        renames: dict[Path, Path] = {}
        for temp, final in (pair for pairs in parts.values() for pair in pairs):
            if final.exists() and pipeline.cached_file_digest(final) == digests[temp]:
                pipeline.remove_quietly(temp)  # an unchanged part is left as it is, not rewritten
            else:
                renames[temp] = final
        renames[descriptor_tmp] = DESCRIPTOR  # last, so a reader never meets a descriptor ahead of its tables
        kept = {final for pairs in parts.values() for _, final in pairs} | {DESCRIPTOR}
        pipeline.commit_files(renames, JOURNAL, deletes=[path for path in owned_files() if path not in kept])
        committed = True
    finally:
        # Every way out (page errors, a full disk, Ctrl-C) drops the temps, unless a journal now
        # lists them: then they are the new package, which the next run completes.
        if not committed and not JOURNAL.exists():
            for writer in writers.values():
                writer.discard()
            pipeline.remove_quietly(descriptor_tmp)
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.package", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    pipeline.handle_stop_signals()
    try:
        counts = run()
    except KeyboardInterrupt:
        pipeline.exit_interrupted()
    print("package: " + ", ".join(f"{counts[name]} {name}" for name in RESOURCES))


if __name__ == "__main__":
    main()
