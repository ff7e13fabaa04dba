"""validate: datapackage.json and raw/sources.csv against their hand-written schemas.

frictionless validates the descriptor itself (its metadata, the schemas it names); the tables are
checked by scripts/tablecheck.py, which applies every constraint of each Table Schema vectorised
over Arrow batches, and by the data checks of scripts/checks.py, in constant memory but for key
columns. It also checks that it really read data: every expected resource must be a table with a
schema, and all but MAY_BE_EMPTY must have rows. The JSON report goes to
build/validation-report.json.

    python -m scripts.validate [--force] [--frictionless]

Nothing changed, nothing done: the content hashes of everything validation reads (the descriptor and
the tables it names, raw/ and raw/sources.csv, the schemas, profiles and rule files, the code) are
recorded after a successful run; when they are the same, validation is not run again (``--force``
runs it anyway). ``--frictionless`` also runs frictionless's own row-by-row validation of the
package (slower; for comparing the two).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

# Arrow's jemalloc pool returns freed pages where its default (mimalloc) keeps them: validate's
# parent peaked at 300 MB against 393 MB at 10,000 pages, as fast. Read when pyarrow loads, so set
# before it is imported; a build without jemalloc warns and keeps its default; a user's choice wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")

from scripts import classify, decode, package, pipeline, profiles
from scripts.package import DESCRIPTOR, MAY_BE_EMPTY, RESOURCES
from scripts.pipeline import BUILD, ROOT, atomic_write

REPORT = BUILD / "validation-report.json"
# The text checks' verdict per table file (checks.CleanParagraphs): an unchanged part is not checked
# again; --force checks everything.
TEXT_CACHE = BUILD / "validate-text-cache.json"
# The schema checks' verdict per file of a table checked file by file (tablecheck's verdicts): a
# file whose bytes did not change is not read again; --force reads everything.
SCHEMA_CACHE = BUILD / "validate-schema-cache.json"
MESSAGE_CHARS = 300
# Tables package writes in primary-key order (checked by order, in constant memory); the others'
# keys are checked with a set.
SORTED_BY_KEY = {"sources", "documents", "paragraphs", "removals", "suspects"}
def doc_id_order(column) -> list:
    """A doc_id sorts as package writes it: by its page (source_id), then its number. String order
    differs when one source id extends another ("a-0.b-001" < "a-001", but page "a" comes first)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    page = pc.replace_substring_regex(column, r"-[0-9]+$", "")
    number = pc.struct_field(pc.extract_regex(column, r"-(?P<number>[0-9]+)$"), "number")
    return [page, pc.cast(number, pa.int64())]


SORT_ORDER = {"doc_id": doc_id_order}
# Key columns children's foreign keys are checked against.
KEPT_KEYS = {"sources": ("source_id",), "documents": ("doc_id", "n_paragraphs", "n_chars")}


def _cut(text: str) -> str:
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + "…"


def check_package(descriptor=DESCRIPTOR, expected=tuple(RESOURCES), text_checks: bool = True,
                  use_cache: bool = False) -> tuple[list[str], list[str], dict]:
    """(problems, summary lines, report as a dict) for the package at ``descriptor``."""
    import pyarrow as pa
    from frictionless import Package

    from scripts import checks
    from scripts.tablecheck import TableChecker

    if not descriptor.exists():
        return [f"{descriptor.name}: missing; run `make all`"], [], {}
    root = descriptor.parent
    problems: list[str] = []
    metadata = Package.validate_descriptor(str(descriptor))
    problems += [f"{descriptor.name}: {_cut(error.message)}" for error in metadata.errors]
    try:
        content = json.loads(descriptor.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return problems + [f"{descriptor.name}: not readable JSON ({error})"], [], {}
    resources = {r.get("name"): r for r in content.get("resources", []) if isinstance(r, dict)}
    clean = root / "clean"
    checks_fingerprint = fingerprint()
    sites, years = checks.source_facts(clean / "sources.csv")
    row_checks = {
        "sources": [checks.SourceHashes(root)],
        "documents": [checks.DocumentMetadata(retrieved_years=years)],
        "paragraphs": [checks.ParagraphCounts()],
        "duplicates": [checks.DuplicateClusters()],
    }
    if text_checks:
        row_checks["paragraphs"].append(checks.CleanParagraphs(
            flagged_documents=checks.flagged_documents(clean / "documents.csv"), sites=sites,
            cache_path=TEXT_CACHE if use_cache else None, fingerprint=checks_fingerprint, root=root))
    reports, summary, tasks = {}, [], []
    cached = pipeline.read_cache(SCHEMA_CACHE) if use_cache else None
    checked: dict[str, dict] = {}
    for name in expected:
        resource = resources.get(name)
        if resource is None:
            problems.append(f"{name}: resource missing from {descriptor.name}")
            continue
        schema_path = resource.get("schema")
        if resource.get("type") != "table" or not isinstance(schema_path, str):
            problems.append(f"{name}: not a table with a schema (format {resource.get('format', '?')!r}); "
                            f"nothing in it was checked")
            continue
        paths = package.resource_paths(resource, root)
        table_problems = [f"{name}: {path.relative_to(root)} is missing" for path in paths if not path.is_file()]
        table_problems += _hash_problems(name, resource, paths, root)
        schema = json.loads((root / schema_path).read_text(encoding="utf-8"))
        checker = TableChecker(name, schema, parents=reports, sorted_by_key=name in SORTED_BY_KEY,
                               row_checks=row_checks.get(name, []), keep=KEPT_KEYS.get(name, ()),
                               sort_order=SORT_ORDER, verdicts=(cached or {}).get(name, {}) if use_cache else None,
                               context=pipeline.sha256_hex(checks_fingerprint, json.dumps(schema, sort_keys=True)))
        report = checker.check_files([path for path in paths if path.is_file()])
        checked[name] = checker.checked
        reports[name] = report
        table_problems += report.problems
        if name == "duplicates":
            table_problems += [f"duplicates: {p}" for p in row_checks["duplicates"][0].at_end()]
        if report.rows == 0 and name not in MAY_BE_EMPTY:
            table_problems.append(f"{name}: 0 rows read from {', '.join(str(p.relative_to(root)) for p in paths)}")
        problems += [_cut(p) for p in table_problems]
        text = row_checks["paragraphs"][1] if name == "paragraphs" and text_checks else None
        summary.append(f"{name}: {report.rows} rows, {len(table_problems)} errors "
                       f"({', '.join(str(p.relative_to(root)) for p in paths)})"
                       + (f"; text checked on {text.pages_checked} page(s), {text.pages_reused} found clean "
                          "before" if text is not None else ""))
        tasks.append({"name": name, "stats": {"rows": report.rows, "errors": len(table_problems)},
                      "errors": [{"message": _cut(p)} for p in table_problems]})
    if use_cache:  # this run's verdicts only: files gone are forgotten
        with atomic_write(SCHEMA_CACHE) as handle:
            json.dump({name: files for name, files in checked.items() if files}, handle, ensure_ascii=False,
                      sort_keys=True)
    if "documents" in reports and "paragraphs" in reports:
        kept = reports["documents"].keys
        documents = pa.table({key: kept[key] for key in ("doc_id", "n_paragraphs", "n_chars")})
        counted = checks.document_count_problems(documents, row_checks["paragraphs"][0].table())
        problems += [f"documents: {p}" for p in counted]
        tasks.append({"name": "documents", "stats": {}, "errors": [{"message": p} for p in counted]})
    return problems, summary, {"valid": not problems, "tasks": tasks,
                               "errors": [{"message": error.message} for error in metadata.errors]}


def _hash_problems(name: str, resource: dict, paths: list[Path], root: Path) -> list[str]:
    """Each file's bytes and sha256 are those the descriptor records (a hand edit shows here): the
    resource's own for one file, ``x_parts`` for the parts of a multipart resource, which must be
    the files ``path`` lists; a part file the descriptor does not list is reported too."""
    if "x_parts" in resource:
        recorded = [(part.get("path"), part) for part in resource["x_parts"]]
        listed = [path.relative_to(root).as_posix() for path in paths]
        problems = [] if [p for p, _ in recorded] == listed else [
            f"{name}: x_parts {[p for p, _ in recorded]} are not the parts path lists {listed}"]
        folder = paths[0].parent if paths else None
        if folder is not None:
            stray = sorted(p.name for p in folder.glob("*.csv") if p not in paths)
            problems += [f"{name}: {folder.name}/{file} is not a part datapackage.json lists (left over, or "
                         f"added by hand? run `make all`)" for file in stray]
        files = [(root / path, part) for path, part in recorded if path]
    else:
        files = [(paths[0], resource)] if len(paths) == 1 else []
        problems = []
    for path, facts in files:
        if not path.is_file():
            continue
        if "bytes" in facts and facts["bytes"] != path.stat().st_size:
            problems.append(f"{name}: {path.name} has {path.stat().st_size} bytes, the descriptor records "
                            f"{facts['bytes']} (edited after `make package`?)")
        if "hash" in facts:
            digest = f"sha256:{pipeline.cached_file_digest(path)}"
            if facts["hash"] != digest and facts["hash"] != digest.partition(":")[2]:
                problems.append(f"{name}: {path.name} does not match the hash the descriptor records "
                                f"(edited after `make package`?)")
    return problems


def check_raw_sources() -> tuple[list[str], dict]:
    from scripts.checks import raw_listing_problems
    from scripts.tablecheck import TableChecker

    schema = json.loads((ROOT / "schemas" / "raw-sources.schema.json").read_text(encoding="utf-8"))
    report = TableChecker("raw-sources", schema, sorted_by_key=False).check_files([ROOT / "raw" / "sources.csv"])
    problems = [f"raw/sources.csv: {_cut(p.removeprefix('raw-sources: '))}" for p in report.problems]
    problems += [f"raw/sources.csv: {_cut(p)}" for p in raw_listing_problems()]
    if not report.rows:
        problems.append("raw/sources.csv: no rows read")
    return problems, {"tasks": [{"name": "raw-sources", "stats": {"rows": report.rows},
                                 "errors": [{"message": p} for p in problems]}], "errors": []}


def check_with_frictionless(descriptor=DESCRIPTOR) -> list[str]:
    """frictionless's own validation of the package (schemas, keys, hashes), row by row."""
    from frictionless import Package

    report = Package(descriptor.name, basepath=str(descriptor.parent)).validate()
    problems = [f"frictionless: {task.name}: {_cut(error.message)}" for task in report.tasks for error in task.errors]
    return problems + [f"frictionless: {_cut(error.message)}" for error in report.errors]


def check_profiles() -> list[str]:
    """Profiles and the classifier's data are what contributors edit: every problem by file and rule."""
    problems = profiles.problems()
    try:
        classify.load()
    except classify.ClassifierDataError as error:
        problems += str(error).splitlines()
    return problems


CODE = ["validate.py", "checks.py", "tablecheck.py", "decode.py", "profiles.py", "patterns.py", "classify.py", "chinese.py", "normalize.py",
        "strip.py", "ruleset.py", "labels.py", "layout.py", "package.py", "pipeline.py"]


def fingerprint() -> str:
    files = [ROOT / "scripts" / name for name in CODE]
    files += sorted((ROOT / "schemas").glob("*.json")) + sorted((ROOT / "profiles").glob("*.toml"))
    files += sorted((ROOT / "rules").glob("*.toml"))
    return pipeline.stage_fingerprint([f for f in files if f.exists()],
                                      pipeline.library_versions("frictionless", "opencc", "google-re2"))


def inputs_digest() -> str | None:
    """The content hash of what validation reads: the descriptor, every file it names, and raw/ with
    raw/sources.csv (every file hashed; no file times)."""
    if not DESCRIPTOR.exists():
        return None
    descriptor = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    named = [path for resource in descriptor.get("resources", []) for path in package.resource_paths(resource)]
    files, links = decode.raw_files()
    named_rels = [path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path) for path in named]
    parts = [DESCRIPTOR.read_bytes()]
    # raw/ paths stay strings (os.path, not pathlib): 10,000 Path objects were a fifth of a no-op
    for rel in named_rels + sorted(files + links):
        full = os.path.join(ROOT, rel)
        try:
            digest = "symlink" if os.path.islink(full) else pipeline.cached_file_digest(full)
        except OSError as error:
            digest = f"unreadable: {error.strerror}"
        parts += [rel, digest]
    return pipeline.sha256_hex(*parts)


def run(force: bool = False, with_frictionless: bool = False) -> int:
    with pipeline.build_lock("validate"):
        package.recover()  # a package a kill interrupted is completed before it is judged
        digest, stage_fingerprint = inputs_digest(), fingerprint()
        if not force and pipeline.current_stamp("validate", digest, stage_fingerprint, output=DESCRIPTOR):
            pipeline.save_digest_cache()
            print("validate: nothing changed since the last successful validation (--force to run it again)")
            return 0
        code = _run(with_frictionless, force)
        pipeline.save_digest_cache()
        if code == 0:
            pipeline.write_stamp("validate", digest, stage_fingerprint, output=DESCRIPTOR)
        else:
            pipeline.stamp_path("validate").unlink(missing_ok=True)
        return code


def _run(with_frictionless: bool = False, force: bool = False) -> int:
    # Profiles first: when one is broken the checks that use them are skipped, the rest still run.
    profile_problems = check_profiles()
    problems, summary, package_report = check_package(text_checks=not profile_problems, use_cache=not force)
    problems = profile_problems + problems
    if with_frictionless:
        problems += check_with_frictionless()
    raw_problems, raw_report = check_raw_sources()
    problems += raw_problems
    with atomic_write(REPORT) as handle:
        json.dump({"package": package_report, "raw_sources": raw_report}, handle,
                  ensure_ascii=False, indent=1, sort_keys=True)
    for line in summary:
        print(f"validate: {line}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"validate: {len(problems)} problem(s); report in {REPORT.relative_to(ROOT)}", file=sys.stderr)
        return 1
    print(f"validate: datapackage.json and raw/sources.csv valid; report in {REPORT.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.validate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="validate even if nothing changed")
    parser.add_argument("--frictionless", action="store_true",
                        help="also run frictionless's own row-by-row validation (slower)")
    args = parser.parse_args(argv)
    sys.exit(run(args.force or args.frictionless, args.frictionless))


if __name__ == "__main__":
    main()
