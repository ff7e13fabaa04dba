"""check-pr: what CI runs on a pull request, and what a contributor runs before pushing.

1. a full rebuild from raw/, ignoring every cache;
2. the rebuilt clean/ and datapackage.json must equal what is committed (else the contributor forgot
   to rebuild, or the build is not reproducible): the differing files are named;
3. validate (schemas, data checks, every resource read);
4. the test suite;
5. the data summary against the base revision (build/summary.md), printed whatever happened.

    make check-pr        # or: python -m scripts.check_pr [--base REV]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from scripts import decode, normalize, package, pipeline, split, strip, summary, validate
from scripts.pipeline import ROOT

COMMITTED = ["clean", "datapackage.json"]


def rebuild() -> list[str]:
    """Every stage with --force; a failing stage stops the rebuild and is reported."""
    for run in (decode.run, strip.run, normalize.run, split.run):
        try:
            print(run(force=True).line())
        except pipeline.StageFailed as failure:
            return [f"rebuild: {error}" for error in failure.report.errors] + [str(failure)]
        except strip.ProfileError as error:
            return [f"rebuild: {line}" for line in str(error).splitlines()]
    try:
        counts = package.run()
    except SystemExit as exit_:
        return [f"rebuild: package failed: {exit_}"]
    print("package: " + ", ".join(f"{counts[name]} {name}" for name in package.RESOURCES))
    return []


def differs_from_committed() -> list[str]:
    status = subprocess.run(["git", "status", "--porcelain", "--", *COMMITTED], cwd=ROOT,
                            capture_output=True, text=True, encoding="utf-8")
    files = [line[3:] for line in status.stdout.splitlines()]
    return [f"{path}: differs from the committed version after a full rebuild (run `make all` and commit it, "
            f"or the build is not reproducible)" for path in files]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.check_pr", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=None, help="revision the summary compares with (see scripts.summary)")
    args = parser.parse_args(argv)
    failures = rebuild()
    if not failures:
        failures += differs_from_committed()
    if validate.run() != 0:
        failures.append("validate: failed (errors above; report in build/validation-report.json)")
    tests = subprocess.run([sys.executable, "-m", "pytest"], cwd=ROOT)
    if tests.returncode != 0:
        failures.append("tests: failed (output above)")
    print()
    summary.main(["--base", args.base] if args.base else [])
    if failures:
        print("\ncheck-pr failed:", file=sys.stderr)
        for failure in failures:
            print(f"error: {failure}", file=sys.stderr)
        sys.exit(1)
    print("\ncheck-pr: rebuild reproduces the committed data; validation and tests pass")


if __name__ == "__main__":
    main()
