"""report: the corpus at a glance, as figures a person looks at, in report/.

    python -m scripts.report [--package datapackage.json] [--output report/]

Reads datapackage.json and its tables (each once, with pandas) and writes ``report/README.md`` with
one PNG per figure embedded and a short paragraph under each: documents per site and script, per
year, kind, admin level and province (as far as documents.csv has those columns), characters per
document per site, what the boilerplate rules removed, the quality flags, the encodings, and the
near-duplicate clusters when the package has them. A figure without data is skipped and the README
says why.

Same data, same bytes: the PNGs carry no date, version or random id (``SAVE_METADATA``), the
order of every bar is fixed, and a file whose bytes did not change is not rewritten, so `make all`
twice leaves `git status` clean. Labels are set in Noto Sans SC (SIL OFL 1.1), installed from
requirements.lock as the `pylopdf-fonts-zh-cn` package, never a system font. Matplotlib runs on
its Agg canvas only: no display is needed, none is opened.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from scripts import package, pipeline
from scripts.pipeline import ROOT

OUTPUT = ROOT / "report"


def __getattr__(name: str):
    """The drawing code lives in scripts/figures.py, imported the first time it is needed."""
    from scripts import figures

    return getattr(figures, name)


def _figure_digests(output: Path) -> dict[str, str]:
    return {path.name: pipeline.file_digest(path) for path in sorted(output.glob("*.png"))}


def _figures_intact(output: Path) -> bool:
    """The figures are those the last run drew (a hand edit or a deleted file is drawn again)."""
    stamp = pipeline.read_stamp("report") or {}
    return stamp.get("figures") == _figure_digests(output)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", type=Path, default=package.DESCRIPTOR, help="datapackage.json to report on")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="folder to write (default: report/)")
    parser.add_argument("--force", action="store_true", help="draw again even if the package did not change")
    args = parser.parse_args(argv)
    pipeline.handle_stop_signals()
    started = time.perf_counter()
    try:
        with pipeline.build_lock("report"):
            if args.package.resolve() == package.DESCRIPTOR:
                package.recover()  # a package interrupted mid-commit is completed before it is read
            if not args.package.exists():
                raise SystemExit(f"error: {pipeline.display(args.package)} is missing; run `make all` first")
            # The descriptor records every table's hash: the same descriptor bytes, the same figures.
            digest = pipeline.sha256_hex(args.package.read_bytes(), str(args.output.resolve()))
            stage_fingerprint = pipeline.stage_fingerprint(
                [Path(__file__), ROOT / "scripts" / "figures.py"],
                pipeline.library_versions("matplotlib", "pandas", "pylopdf-fonts-zh-cn"))
            if not args.force and pipeline.current_stamp("report", digest, stage_fingerprint,
                                                         output=args.output / "README.md") \
                    and _figures_intact(args.output):
                print(f"report: nothing changed since {pipeline.display(args.output)}/ was drawn")
                return
            from scripts.figures import write_report

            files, changed = write_report(args.package, args.output)
            pipeline.write_stamp("report", digest, stage_fingerprint, output=args.output / "README.md",
                                 figures=_figure_digests(args.output))
    except KeyboardInterrupt:
        pipeline.exit_interrupted()
    except OSError as error:
        raise SystemExit(f"error: {pipeline.describe_os_error(error)}") from None
    except UserWarning as warning:  # a missing glyph, turned into an error by render()
        raise SystemExit(f"error: {warning}; add the character to the font or change the label") from None
    figures = sum(1 for name in files if name.endswith(".png"))
    print(f"report: {figures} figures and README.md in {pipeline.display(args.output)}/ "
          f"({len(changed)} changed) in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
