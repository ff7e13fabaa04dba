"""validate: datapackage.json and raw/sources.csv against their hand-written schemas.

Runs frictionless's validation (what ``frictionless validate datapackage.json`` runs) with the data
checks of scripts/checks.py added, and then checks that it really read data: frictionless calls some descriptors "valid" without reading a row (a
``.yml`` descriptor is treated as a plain file), so every expected resource must have been read as a
table with at least one row. The JSON report goes to build/validation-report.json.

    python -m scripts.validate [--force]

Nothing changed, nothing done: the content hashes of everything validation reads (the descriptor and
the tables it names, raw/ and raw/sources.csv, the schemas, profiles and rule files, the code) are
recorded after a successful run; when they are the same, validation is not run again (``--force``
runs it anyway). frictionless is imported only when there is something to validate.
"""

from __future__ import annotations

import argparse
import json
import sys

from scripts import classify, package, pipeline, profiles
from scripts.package import DESCRIPTOR, MAY_BE_EMPTY, RESOURCES
from scripts.pipeline import BUILD, ROOT, atomic_write

REPORT = BUILD / "validation-report.json"
MESSAGE_CHARS = 300  # frictionless copies whole rows into messages; long cells are cut


def _cut(text: str) -> str:
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + "…"


def check_package(descriptor=DESCRIPTOR, expected=tuple(RESOURCES),
                  text_checks: bool = True) -> tuple[list[str], list[str], dict]:
    """(problems, summary lines, frictionless report as a dict)."""
    from frictionless import Checklist, Package

    from scripts.checks import checklist_for

    problems: list[str] = []
    if not descriptor.exists():
        return [f"{descriptor.name}: missing; run `make all`"], [], {}
    checks = checklist_for(descriptor.parent, text_checks)
    package = Package(descriptor.name, basepath=str(descriptor.parent))
    report = package.validate(checklist=Checklist(checks=checks))
    read = {}
    for task in report.tasks:
        read[task.name] = task
        for error in task.errors:
            problems.append(f"{task.name}: {_cut(error.message)}")
    for error in report.errors:
        problems.append(f"{descriptor.name}: {_cut(error.message)}")
    summary = []
    for name in expected:
        task = read.get(name)
        if task is None:
            problems.append(f"{name}: resource missing from {descriptor.name}, or frictionless did not read it")
            continue
        rows = task.stats.get("rows") or 0
        if task.type != "table":
            problems.append(f"{name}: read as {task.type!r}, not as a table; nothing in it was checked")
        elif rows == 0 and name not in MAY_BE_EMPTY:
            problems.append(f"{name}: 0 rows read from {task.place}")
        summary.append(f"{name}: {rows} rows, {task.stats.get('errors', 0)} errors ({task.place})")
    return problems, summary, report.to_dict()


def check_raw_sources() -> tuple[list[str], dict]:
    from frictionless import Checklist, Resource

    from scripts.checks import RawListing


    resource = Resource("raw/sources.csv", name="raw-sources", schema="schemas/raw-sources.schema.json",
                        basepath=str(ROOT))
    report = resource.validate(checklist=Checklist(checks=[RawListing()]))
    problems = [f"raw/sources.csv: {_cut(error.message)}" for task in report.tasks for error in task.errors]
    problems += [f"raw/sources.csv: {_cut(error.message)}" for error in report.errors]
    rows = report.tasks[0].stats.get("rows") if report.tasks else 0
    if not rows:
        problems.append("raw/sources.csv: no rows read")
    return problems, report.to_dict()


def check_profiles() -> list[str]:
    """Profiles and the classifier's data are what contributors edit: every problem by file and rule."""
    problems = profiles.problems()
    try:
        classify.load()
    except classify.ClassifierDataError as error:
        problems += str(error).splitlines()
    return problems


CODE = ["validate.py", "checks.py", "decode.py", "profiles.py", "classify.py", "chinese.py", "normalize.py",
        "strip.py", "package.py", "pipeline.py"]


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
    named = []
    for resource in descriptor.get("resources", []):
        paths = resource.get("path", [])
        named += [paths] if isinstance(paths, str) else list(paths)
    raw = sorted(path for path in (ROOT / "raw").rglob("*") if path.is_file() or path.is_symlink())
    parts = [DESCRIPTOR.read_bytes()]
    for path in [ROOT / name for name in named] + raw:
        rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        try:
            digest = "symlink" if path.is_symlink() else pipeline.file_digest(path)
        except OSError as error:
            digest = f"unreadable: {error.strerror}"
        parts += [rel, digest]
    return pipeline.sha256_hex(*parts)


def run(force: bool = False) -> int:
    with pipeline.build_lock("validate"):
        package.recover()  # a package a kill interrupted is completed before it is judged
        digest, stage_fingerprint = inputs_digest(), fingerprint()
        if not force and pipeline.current_stamp("validate", digest, stage_fingerprint, output=DESCRIPTOR):
            print("validate: nothing changed since the last successful validation (--force to run it again)")
            return 0
        code = _run()
        if code == 0:
            pipeline.write_stamp("validate", digest, stage_fingerprint, output=DESCRIPTOR)
        else:
            pipeline.stamp_path("validate").unlink(missing_ok=True)
        return code


def _run() -> int:
    # Profiles first: when one is broken the checks that use them are skipped, the rest still run.
    profile_problems = check_profiles()
    problems, summary, package_report = check_package(text_checks=not profile_problems)
    problems = profile_problems + problems
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
    args = parser.parse_args(argv)
    sys.exit(run(args.force))


if __name__ == "__main__":
    main()
