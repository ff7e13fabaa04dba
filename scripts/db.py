"""db: the data package as one SQLite database to browse and search, and Datasette to serve it.

    python -m scripts.db                    # build/corpus.db (make db)
    python -m scripts.db --serve [--port N] # Datasette on 127.0.0.1 (make serve)

Every resource of datapackage.json becomes a table with the columns, types, primary key and
foreign keys of its Table Schema (read from schemas/, never guessed from the data). Paragraph text
and document titles get an FTS5 index with the trigram tokenizer: Chinese has no spaces between
words, so a word tokenizer would index whole sentences, while trigrams find any substring of three
characters or more (`"卫生健康"` matches wherever those four characters stand). The database is
written beside its target and renamed into place, and its foreign keys are checked before that.

Datasette gets metadata built from the same descriptor and schemas (titles, descriptions, the
licence, the meaning of every column) and two canned queries: the documents of a site, and the
paragraphs matching a phrase with their document and page.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import sqlite3
import sys
import time
from pathlib import Path
from typing import Iterator

import sqlite_utils

from scripts import package, pipeline
from scripts.pipeline import BUILD

DATABASE = BUILD / "corpus.db"
METADATA = BUILD / "corpus-metadata.json"
# Table Schema types as SQLite column types (dates stay ISO text, which sorts as dates).
COLUMN_TYPES = {"integer": int, "number": float, "boolean": int, "string": str, "date": str,
                "datetime": str, "year": int}
# Columns indexed for full-text search, per table: what a reader searches for.
FULL_TEXT = {"paragraphs": ["text"], "documents": ["title", "collection_title"], "sources": ["title"]}
# The column Datasette shows for a row a foreign key points at.
LABELS = {"sources": "title", "documents": "title"}
BATCH = 5000

DOCUMENTS_OF_A_SITE = """
select d.doc_id, d.title, d.collection_title, d.n_chars, d.truncated, d.mojibake_spans, s.path, s.url
from documents d join sources s on s.source_id = d.source_id
where coalesce(nullif(s.site_key, ''), s.site) = :site
order by d.source_id, d.seq
""".strip()
# The phrase is quoted for FTS5 ("" for a quote inside it), so punctuation in it is text, not syntax.
PARAGRAPHS_MATCHING = """
select p.doc_id, p.seq, p.text, d.title as document, s.source_id, s.path as page, s.url
from paragraphs_fts
join paragraphs p on p.rowid = paragraphs_fts.rowid
join documents d on d.doc_id = p.doc_id
join sources s on s.source_id = d.source_id
where paragraphs_fts match '"' || replace(:phrase, '"', '""') || '"'
order by p.doc_id, p.seq
limit 1000
""".strip()


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def schemas_of(descriptor: Path) -> dict[str, tuple[dict, dict]]:
    """Each resource's descriptor entry and its Table Schema, in the descriptor's order."""
    tables = {}
    for resource in read_json(descriptor)["resources"]:
        schema = resource["schema"]
        tables[resource["name"]] = (resource, read_json(descriptor.parent / schema) if isinstance(schema, str) else schema)
    return tables


def in_dependency_order(tables: dict[str, tuple[dict, dict]]) -> list[str]:
    """Referenced tables first, so every foreign key can name a table that exists."""
    ordered: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in ordered or name in path:
            return
        for foreign_key in tables[name][1].get("foreignKeys", []):
            other = foreign_key["reference"].get("resource") or name
            if other != name and other in tables:
                visit(other, (*path, name))
        ordered.append(name)

    for name in tables:
        visit(name, ())
    return ordered


def converter(field: dict):
    kind = field.get("type", "string")
    if kind == "boolean":
        true = set(field.get("trueValues", ["true", "True", "TRUE", "1"]))
        return lambda text: int(text in true)
    return COLUMN_TYPES.get(kind, str)


def rows(paths: list[Path], schema: dict) -> Iterator[dict]:
    """The CSV's rows (every part of a multipart resource) with the schema's types; a missing value
    (``missingValues``) is NULL."""
    missing = set(schema.get("missingValues", [""]))
    convert = {field["name"]: converter(field) for field in schema["fields"]}
    for path in paths:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != list(convert):
                raise SystemExit(f"error: {pipeline.display(path)}: its columns {reader.fieldnames} are not its "
                                 f"schema's {list(convert)}; rebuild it (`make all`)")
            for row in reader:
                yield {name: (None if value in missing else convert.get(name, str)(value)) for name, value in row.items()}


def foreign_keys(name: str, schema: dict) -> list[tuple[str, str, str]]:
    keys = []
    for foreign_key in schema.get("foreignKeys", []):
        fields, reference = foreign_key["fields"], foreign_key["reference"]
        fields = [fields] if isinstance(fields, str) else fields
        targets = reference["fields"]
        targets = [targets] if isinstance(targets, str) else targets
        if len(fields) != 1:
            raise SystemExit(f"error: {name}: the composite foreign key {fields} cannot be declared with "
                             "sqlite-utils; give the schema a single-column key")
        keys.append((fields[0], reference.get("resource") or name, targets[0]))
    return keys


def build(descriptor: Path = package.DESCRIPTOR, target: Path = DATABASE) -> dict[str, int]:
    """Write ``target`` from the package: every resource, its keys, full-text indexes. Returns the
    rows per table. The previous database stays in place until the new one is complete."""
    tables = schemas_of(descriptor)
    temporary = pipeline.temp_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    pipeline.remove_quietly(temporary)
    counts: dict[str, int] = {}
    try:
        db = sqlite_utils.Database(temporary)
        db.conn.execute("pragma journal_mode = off")  # a temp file: nothing to roll back to
        db.conn.execute("pragma synchronous = off")
        for name in in_dependency_order(tables):
            resource, schema = tables[name]
            pk = schema.get("primaryKey")
            columns = {field["name"]: COLUMN_TYPES.get(field.get("type", "string"), str) for field in schema["fields"]}
            required = {field["name"] for field in schema["fields"] if field.get("constraints", {}).get("required")}
            db[name].create(columns, pk=(pk[0] if isinstance(pk, list) and len(pk) == 1 else pk),
                            foreign_keys=foreign_keys(name, schema), not_null=required)
            db[name].insert_all(rows(package.resource_paths(resource, descriptor.parent), schema), batch_size=BATCH)
            counts[name] = db[name].count
            for column in sorted({key[0] for key in foreign_keys(name, schema)}):
                db[name].create_index([column], if_not_exists=True)
        for name, columns in FULL_TEXT.items():
            if name in tables:
                db[name].enable_fts(columns, tokenize="trigram", create_triggers=False)
        problems = db.conn.execute("pragma foreign_key_check").fetchall()
        if problems:
            table, rowid, parent, _ = problems[0]
            raise SystemExit(f"error: {len(problems)} row(s) point at rows that do not exist, the first in "
                             f"{table} (rowid {rowid}) -> {parent}; run `make validate`")
        db.conn.execute("analyze")
        db.conn.commit()
        db.close()
        os.replace(temporary, target)
    finally:
        pipeline.remove_quietly(temporary)
    return counts


def metadata(descriptor: Path = package.DESCRIPTOR, database: str = DATABASE.stem) -> dict:
    """Datasette's metadata: the package's title, description and licence, each table's
    description and column meanings from its schema, and the canned queries."""
    package_ = read_json(descriptor)
    licence = (package_.get("licenses") or [{}])[0]
    tables = {}
    for name, (resource, schema) in schemas_of(descriptor).items():
        tables[name] = {
            "description": resource.get("description", ""),
            "columns": {field["name"]: field.get("description", "") for field in schema["fields"]},
        }
        if name in LABELS:
            tables[name]["label_column"] = LABELS[name]
    for name, columns in FULL_TEXT.items():
        if name in tables:
            tables[name]["fts_table"] = f"{name}_fts"
            tables[name]["fts_pk"] = "rowid"
    return {
        "title": package_.get("title", ""),
        "description": package_.get("description", ""),
        "license": licence.get("name", ""),
        "license_url": licence.get("path", ""),
        "source": "Template-essay (范文) web sites; see the sources table",
        "databases": {database: {
            "tables": tables,
            "queries": {
                "documents_of_a_site": {
                    "title": "Documents of a site",
                    "description": "Every document from one site (sources.site_key, else sources.site), "
                                   "with its page.",
                    "sql": DOCUMENTS_OF_A_SITE,
                },
                "paragraphs_matching": {
                    "title": "Paragraphs matching a phrase",
                    "description": "Paragraphs that contain the phrase (three characters or more: the "
                                   "index is of character trigrams), with their document and page.",
                    "sql": PARAGRAPHS_MATCHING,
                },
            },
        }},
    }


def write_metadata(descriptor: Path = package.DESCRIPTOR, target: Path = METADATA, database: str = DATABASE.stem) -> Path:
    with pipeline.atomic_write(target) as handle:
        handle.write(json.dumps(metadata(descriptor, database), ensure_ascii=False, indent=2) + "\n")
    return target


def serve_command(database: Path, metadata_path: Path, port: int) -> list[str]:
    """Datasette on loopback only: the corpus is for the person at this machine."""
    return [sys.executable, "-m", "datasette", "serve", str(database), "--metadata", str(metadata_path),
            "--host", "127.0.0.1", "--port", str(port), "--setting", "default_page_size", "50"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.db", description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", type=Path, default=package.DESCRIPTOR, help="datapackage.json to load")
    parser.add_argument("--output", type=Path, default=DATABASE, help="database to write (default: build/corpus.db)")
    parser.add_argument("--serve", action="store_true", help="serve the database with Datasette on 127.0.0.1 "
                                                             "(built first if it is missing)")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    pipeline.handle_stop_signals()
    try:
        if not args.serve or not args.output.exists():
            started = time.perf_counter()
            with pipeline.build_lock("db"):
                if args.package.resolve() == package.DESCRIPTOR:
                    package.recover()
                if not args.package.exists():
                    raise SystemExit(f"error: {pipeline.display(args.package)} is missing; run `make all` first")
                counts = build(args.package, args.output)
            print(f"db: {pipeline.display(args.output)}: " + ", ".join(f"{n} {name}" for name, n in counts.items())
                  + f"; full-text search on {', '.join(f'{t}.{c}' for t, cs in FULL_TEXT.items() for c in cs)}"
                  + f" ({time.perf_counter() - started:.1f} s)")
        if args.serve:
            metadata_path = write_metadata(args.package, args.output.with_name(args.output.stem + "-metadata.json"), args.output.stem)
            command = serve_command(args.output, metadata_path, args.port)
            print(f"serving {pipeline.display(args.output)} at http://127.0.0.1:{args.port}/ (Ctrl-C stops)", flush=True)
            os.execv(command[0], command)
    except KeyboardInterrupt:
        pipeline.exit_interrupted()
    except OSError as error:
        raise SystemExit(f"error: {pipeline.describe_os_error(error)}; {pipeline.display(args.output)} left as it was") from None
    except sqlite3.Error as error:
        raise SystemExit(f"error: {pipeline.display(args.output)}: {error}; left as it was") from None


if __name__ == "__main__":
    main()
