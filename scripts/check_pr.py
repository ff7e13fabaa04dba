"""check-pr: what CI runs on a pull request, and what a contributor runs before pushing.

1. clean/ and datapackage.json as committed are copied to build/check-pr/committed/ (the rebuild
   overwrites them, and they are what the pull request proposes);
2. the build from raw/: every page a pull request touches is recomputed, and everything when a
   profile, rule file, schema, script or pinned library changed (the stages decide from content
   hashes and fingerprints, see README "How it is built"); pages and stages whose inputs and code
   are unchanged are reused from build/ (CI restores it from main's last run). ``--full``
   (``make check-pr FULL=1``, and weekly on main) ignores every cache and rebuilds all of it;
3. the rebuilt clean/ and datapackage.json must equal what is committed (else the contributor forgot
   to rebuild, edited clean/ by hand, or the build is not reproducible): the differing files are
   named, and in each differing table the rows, by primary key, with the cells that differ;
4. validate (schemas, data checks, every resource read);
5. the test suite, unless the change against the base touches data only (raw/, clean/, report/,
   datapackage.json) and the check is not ``--full``: tests build their own fixtures and never read
   the corpus, so a pull request that adds pages cannot change their outcome, and it costs what it
   touches instead of the suite's minutes;
6. the summary of the committed data against the base revision, with every failure above, written
   to build/summary.md and printed whatever happened.

Each step runs whatever happened before it: a step's failure becomes lines in the failure list.

    make check-pr [FULL=1]   # or: python -m scripts.check_pr [--base REV] [--full]
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

from frictionless import FrictionlessException

from scripts import decode, duplicates, normalize, package, pipeline, report, split, strip, summary, validate
from scripts.package import CLEAN, DESCRIPTOR, RESOURCES, table_files, table_schema
from scripts.pipeline import BUILD, ROOT, atomic_write

COMMITTED = ["clean", "datapackage.json", "report"]
SNAPSHOT = BUILD / "check-pr" / "committed"
SHOWN_ROWS = 20  # differing rows named per table before "and N more"
CELL_CHARS = 60  # characters of a differing cell shown, around its first difference
CELL_CONTEXT = 20  # of which before the first difference
SHOWN_CELLS = 3  # differing cells named per row
# What the steps raise when they fail, besides pipeline.StageFailed and SystemExit (stages, package,
# a missing base revision), which step() words itself: profiles, frictionless, files, git and
# pytest, a hand-edited CSV that no longer parses. Anything else is a bug in check-pr and should
# show its traceback.
STEP_FAILURES = (strip.ProfileError, FrictionlessException, OSError, subprocess.SubprocessError, csv.Error,
                 UnicodeDecodeError)


def rebuild(full: bool = False) -> list[str]:
    """Every stage (with --force when ``full``); a failing stage stops the rebuild and is reported."""
    for run in (decode.run, strip.run, normalize.run, split.run):
        try:
            print(run(force=full).line())
        except pipeline.StageFailed as failure:
            return [f"rebuild: {error}" for error in failure.report.errors] + [f"rebuild: {failure}"]
        except strip.ProfileError as error:
            return [f"rebuild: {line}" for line in profile_problems(error)]
    try:
        duplicates.run(force=full)
        counts = package.run(force=full)
    except SystemExit as exit_:
        return [f"rebuild: {exit_cause(exit_)}"]
    print("package: " + ", ".join(f"{counts[name]} {name}" for name in package.RESOURCES))
    try:
        report.main(["--force"] if full else [])
    except SystemExit as exit_:
        if exit_.code not in (None, 0):
            return [f"rebuild: report: {exit_cause(exit_)}"]
    return []


def profile_problems(error: strip.ProfileError) -> list[str]:
    """One line per broken profile, named by its path in the repository."""
    return [line if line.startswith("profiles/") else f"profiles/{line}" for line in str(error).splitlines()]


def exit_cause(exit_: SystemExit) -> str:
    if isinstance(exit_.code, str):
        return exit_.code.removeprefix("error: ")
    return f"exited with status {exit_.code}"


def differs_from_committed() -> list[str]:
    status = subprocess.run(["git", "status", "--porcelain", "--", *COMMITTED], cwd=ROOT,
                            capture_output=True, text=True, encoding="utf-8")
    if status.returncode != 0:  # outside a git checkout, saying nothing would pass the comparison
        cause = (status.stderr.strip() or f"exit status {status.returncode}").splitlines()[0]
        return [f"compare: git status failed: {cause}"]
    files = [line[3:] for line in status.stdout.splitlines()]
    return [f"{path}: differs from the committed version after a full rebuild (run `make all` and commit it, "
            f"or the build is not reproducible)" for path in files]


def snapshot_committed(target: Path = SNAPSHOT) -> list[str]:
    """Copy clean/ and datapackage.json aside before the rebuild overwrites them: the row comparison
    and the summary need what the pull request proposes, and an uncommitted hand edit is kept here."""
    shutil.rmtree(target, ignore_errors=True)
    (target / "clean").mkdir(parents=True)
    for name in RESOURCES:
        for path in table_files(name, CLEAN):
            if path.exists():
                copy = target / "clean" / path.relative_to(CLEAN)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copy)
    if DESCRIPTOR.exists():
        shutil.copyfile(DESCRIPTOR, target / DESCRIPTOR.name)
    return []


def compare(snapshot: Path | None = SNAPSHOT) -> list[str]:
    """Each file that differs from the committed one, followed by its rows that differ from the
    copy taken before the rebuild (none without that copy)."""
    rows = differing_rows(snapshot) if snapshot is not None else []
    problems = []
    for line in differs_from_committed():
        problems.append(line)
        path = line.split(": ")[0]
        # A multipart table's rows are labelled with its folder (clean/paragraphs/): shown after its
        # first part that differs.
        problems += [row for row in rows if row not in problems and (
            row.startswith(path + ": ") or (row.split(": ")[0].endswith("/") and path.startswith(row.split(": ")[0])))]
    # An uncommitted hand edit that the rebuild overwrote: git sees no difference, the copy does.
    return problems + [row for row in rows if row not in problems]


def differing_rows(snapshot: Path = SNAPSHOT) -> list[str]:
    """For each table the rebuild changed, the rows that differ from the copy taken before it."""
    problems = []
    for name in RESOURCES:
        committed, rebuilt = table_files(name, snapshot / "clean"), table_files(name, CLEAN)
        if not all(path.exists() for path in committed + rebuilt):
            continue
        same = [p.name for p in committed] == [p.name for p in rebuilt] and all(
            filecmp.cmp(a, b, shallow=False) for a, b in zip(committed, rebuilt))
        if not same:
            problems += row_differences(name, committed, rebuilt)
    return problems


class OutOfOrder(ValueError):
    """A table not in key order: a merge join past this row would report rows that did not change."""


def primary_key(name: str) -> list[tuple[str, Callable[[str], tuple]]]:
    """The table's primary key, from its schema, with where each cell sorts in the order package
    writes rows in: integers as numbers (seq 10 after 9), doc_id by page then number."""
    schema = table_schema(name)
    types = {field["name"]: field["type"] for field in schema["fields"]}
    key = []
    for field in schema.get("primaryKey", []):
        if field == "doc_id":
            key.append((field, summary.doc_order))
        elif types.get(field) == "integer":
            key.append((field, summary.number_order))
        else:
            key.append((field, lambda value: (value,)))
    return key


class TableReader:
    """The rows of a table's files (a multipart table's parts) as one csv.DictReader-like stream."""

    def __init__(self, paths: Path | list[Path]):
        self.paths = [paths] if isinstance(paths, Path) else list(paths)
        self.handles = [open(path, encoding="utf-8", newline="") for path in self.paths]
        self.readers = [csv.DictReader(handle) for handle in self.handles]
        self.fieldnames = self.readers[0].fieldnames if self.readers else []
        self.current = self.readers[0] if self.readers else None

    @property
    def line_num(self) -> int:
        return self.current.line_num if self.current is not None else 0

    def __iter__(self) -> Iterator[dict]:
        for reader in self.readers:
            self.current = reader
            if reader.fieldnames != self.fieldnames:
                raise csv.Error(f"the parts' headers differ ({reader.fieldnames} after {self.fieldnames})")
            yield from reader

    def __enter__(self) -> "TableReader":
        return self

    def __exit__(self, *exc) -> None:
        for handle in self.handles:
            handle.close()


def row_differences(name: str, committed: Path | list[Path], rebuilt: Path | list[Path]) -> list[str]:
    """Table ``name``'s rows that differ between two versions (a file, or a multipart table's parts),
    matched by primary key in one streaming merge (package writes them in key order): SHOWN_ROWS
    lines, then how many more."""
    label = f"clean/{name}.csv" if name not in package.MULTIPART else f"clean/{name}/"
    with TableReader(committed) as old_rows, TableReader(rebuilt) as new_rows:
        if old_rows.fieldnames != new_rows.fieldnames:
            return [f"{label}: the committed columns {old_rows.fieldnames} differ from the rebuilt "
                    f"{new_rows.fieldnames}"]
        key = primary_key(name)
        if not key:
            return [f"{label}: rows not compared, its schema has no primaryKey"]
        lines, more = [], 0
        try:
            for problem in changed_rows(key, old_rows, new_rows):
                if len(lines) < SHOWN_ROWS:
                    lines.append(f"{label}: {problem}")
                else:
                    more += 1
        except OutOfOrder as error:
            lines.append(f"{label}: {error}")
        except (csv.Error, UnicodeDecodeError) as error:  # a hand edit can break the committed file
            lines.append(f"{label}: committed file not readable as UTF-8 CSV near line {old_rows.line_num}: {error}")
    if more:
        lines.append(f"{label}: and {more} more row(s) differ from the rebuild")
    return lines


def changed_rows(key: list[tuple[str, Callable[[str], tuple]]], committed: csv.DictReader,
                 rebuilt: csv.DictReader) -> Iterator[str]:
    """One line per row committed but not rebuilt, rebuilt but not committed, or different."""
    old, new = in_key_order(key, committed, "committed"), in_key_order(key, rebuilt, "rebuilt")
    a, b = next(old, None), next(new, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            yield f"row {a[1]} is committed but the rebuild does not make it"
            a = next(old, None)
        elif a is None or b[0] < a[0]:
            yield f"row {b[1]} is made by the rebuild but not committed"
            b = next(new, None)
        else:
            old_row, new_row = ({field: row[field] or "" for field in committed.fieldnames} for row in (a[2], b[2]))
            cells = [field for field in committed.fieldnames if old_row[field] != new_row[field]]
            if cells:  # a row cut short by a hand edit has None for its missing cells, shown as ''
                shown = [cell_difference(field, old_row[field], new_row[field]) for field in cells[:SHOWN_CELLS]]
                if len(cells) > SHOWN_CELLS:
                    shown.append(f"and {len(cells) - SHOWN_CELLS} more column(s)")
                yield f"row {a[1]} differs from the rebuild ({'; '.join(shown)})"
            a, b = next(old, None), next(new, None)


def in_key_order(key: list[tuple[str, Callable[[str], tuple]]], rows: csv.DictReader,
                 side: str) -> Iterator[tuple[tuple, str, dict]]:
    """(sort key, "doc_id=… seq=…", row) for each row; OutOfOrder at the first row out of order."""
    previous = None
    for row in rows:
        order = tuple(part for field, place in key for part in place(row[field] or ""))
        named = " ".join(f"{field}={row[field]}" for field, _ in key)
        if previous is not None and order <= previous:
            raise OutOfOrder(f"{side} row {named} (line {rows.line_num}) is out of key order or repeats a key; "
                             f"rows after it were not compared")
        previous = order
        yield order, named, row


def cell_difference(field: str, committed: str, rebuilt: str) -> str:
    """Both cells cut to the stretch around their first difference: an edit deep in a long
    paragraph stays visible."""
    start = max(0, len(os.path.commonprefix([committed, rebuilt])) - CELL_CONTEXT)
    return f"{field}: committed {cut(committed, start)!r} vs rebuilt {cut(rebuilt, start)!r}"


def cut(text: str, start: int) -> str:
    end = start + CELL_CHARS
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def step(name: str, action: Callable[[], list[str]]) -> list[str]:
    """A step's problems, its own failure turned into lines, so that the steps after it still run."""
    try:
        return action()
    except pipeline.StageFailed as failure:
        return [f"{name}: {error}" for error in failure.report.errors] + [f"{name}: {failure}"]
    except SystemExit as exit_:
        return [f"{name}: {exit_cause(exit_)}"]
    except strip.ProfileError as error:
        return [f"{name}: {line}" for line in profile_problems(error)]
    except STEP_FAILURES as error:
        return [f"{name}: {line}" for line in (str(error) or type(error).__name__).splitlines()]


def validation(full: bool = False) -> list[str]:
    summary.REPORT.unlink(missing_ok=True)  # a report left by an earlier run must not reach the summary
    if validate.run(force=full) != 0:
        return ["validate: failed (errors above; report in build/validation-report.json)"]
    return []


# What a data-only change touches: the tests never read these (tests/conftest.py).
DATA_PATHS = ("raw/", "clean/", "report/", "datapackage.json")


def changed_paths(base: str) -> list[str] | None:
    """Files that differ from ``base``: committed since, changed in the working tree, or new; None
    when git cannot say."""
    changed = summary.git("diff", "--name-only", base)
    untracked = summary.git("ls-files", "--others", "--exclude-standard")
    if changed.returncode != 0 or untracked.returncode != 0:
        return None
    return sorted(set(changed.stdout.split("\n") + untracked.stdout.split("\n")) - {""})


def run_tests(full: bool = False, base: str | None = None) -> list[str]:
    if not full:
        paths = changed_paths(base or summary.default_base())
        if paths and all(path.startswith(DATA_PATHS) for path in paths):
            print(f"tests: skipped, the change touches data only ({len(paths)} file(s) under "
                  f"{', '.join(DATA_PATHS)}); `make check-pr FULL=1` runs them")
            return []
    if subprocess.run([sys.executable, "-m", "pytest"], cwd=ROOT).returncode != 0:
        return ["tests: failed (output above)"]
    return []


def data_summary(base: str | None, snapshot_taken: bool) -> tuple[str, list[str]]:
    """The summary of the committed tables (the copy taken before the rebuild) against the base,
    or a note that it could not be computed, and the problem that stopped it."""
    texts: list[str] = []

    def compute() -> list[str]:
        if not snapshot_taken:
            return ["summary: not computed, the committed tables could not be copied aside (see above)"]
        texts.append(summary.summarize(base or summary.default_base(), SNAPSHOT / "clean"))
        return []

    problems = step("summary", compute)
    return (texts[0] if texts else "## Data changes\n\nNot computed: see the check-pr failures below.\n"), problems


def failure_section(failures: list[str]) -> str:
    if not failures:
        return "\n**check-pr: the rebuild reproduces the committed data; validation and tests pass**\n"
    return (f"\n**check-pr failures: {len(failures)}**\n\n" + "\n".join(summary.listing(failures))
            + ("\n\n(all of them in the job log)" if len(failures) > summary.SHOWN else "") + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.check_pr", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=None, help="revision the summary compares with (see scripts.summary)")
    parser.add_argument("--full", action="store_true", help="rebuild and validate everything, ignoring build/")
    args = parser.parse_args(argv)
    failures = step("snapshot", snapshot_committed)
    snapshot_taken = not failures
    rebuild_failures = step("rebuild", lambda: rebuild(args.full))
    failures += rebuild_failures
    if not rebuild_failures:  # after a failed rebuild clean/ is still the committed one: nothing to compare
        failures += step("compare", lambda: compare(SNAPSHOT if snapshot_taken else None))
    failures += step("validate", lambda: validation(args.full))
    failures += step("tests", lambda: run_tests(args.full, args.base))
    text, problems = data_summary(args.base, snapshot_taken)
    failures += problems
    text += failure_section(failures)
    try:
        with atomic_write(summary.OUTPUT) as handle:
            handle.write(text)
    except OSError as error:
        failures.append(f"summary: build/summary.md not written: {error}")
    print()
    print(text, end="")
    if failures:
        print("\ncheck-pr failed:", file=sys.stderr)
        for failure in failures:
            print(f"error: {failure}", file=sys.stderr)
        sys.exit(1)
    print("\ncheck-pr: rebuild reproduces the committed data; validation and tests pass")


if __name__ == "__main__":
    main()
