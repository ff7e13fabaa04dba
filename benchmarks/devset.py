"""The annotated development set (tests/fixtures/devset/, format in its README): parsed into the raw
bytes a site would serve and the gold facts strip is measured against.

    python -m benchmarks.devset [DIR...]     # check that every page parses; print a line per page
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from scripts.pipeline import ROOT

DEVSET = ROOT / "tests" / "fixtures" / "devset"
TAGS = {"b", "x", "t", "l", "_"}
SPAN = re.compile("⟦([^⟦⟧]*)⟧")


class DevsetError(Exception):
    pass


@dataclass
class Document:
    first: str
    title: str | None = None
    truncated: bool = False
    missing_chars: int | None = None


@dataclass
class Page:
    path: Path
    site: str
    url: str
    encoding: str
    title: str
    documents: list[Document]
    lines: list[tuple[str, str]]  # (tag, line with the ⟦⟧ marks)
    boilerplate: list[str] = field(default_factory=list)  # whole lines and spans that must go
    body: list[str] = field(default_factory=list)  # body lines as they must stay (spans out)

    @property
    def name(self) -> str:
        return self.path.stem

    def text(self) -> str:
        """The page as the site served it (marks removed), lines joined with newlines."""
        return "\n".join(line.replace("⟦", "").replace("⟧", "") for _, line in self.lines)

    def raw_bytes(self) -> bytes:
        return self.text().encode(self.encoding)


def parse(path: Path) -> Page:
    source = path.read_text(encoding="utf-8")
    parts = source.split("+++\n", 2)
    if len(parts) != 3 or parts[0] != "":
        raise DevsetError(f"{path}: must start with a +++ front matter block")
    try:
        head = tomllib.loads(parts[1])
    except tomllib.TOMLDecodeError as error:
        raise DevsetError(f"{path}: front matter: {error}") from None
    lines: list[tuple[str, str]] = []
    problems = []
    body_lines = parts[2].split("\n")
    if body_lines and body_lines[-1] == "":
        body_lines.pop()
    for number, raw in enumerate(body_lines, start=1):
        tag, bar, line = raw.partition("|")
        if not bar or tag not in TAGS:
            problems.append(f"line {number}: must start with one of {sorted(TAGS)} and '|': {raw[:40]!r}")
            continue
        if tag == "_" and line.strip():
            problems.append(f"line {number}: a '_' line must be blank")
        if line.count("⟦") != line.count("⟧"):
            problems.append(f"line {number}: unbalanced ⟦⟧")
        if tag != "b" and "⟦" in line:
            problems.append(f"line {number}: ⟦⟧ spans belong in 'b' lines only")
        lines.append((tag, line))
    documents = [Document(first=d["first"], title=d.get("title"), truncated=d.get("truncated", False),
                          missing_chars=d.get("missing_chars")) for d in head.get("documents", [])]
    if not documents:
        problems.append("front matter lists no [[documents]]")
    page = Page(path=path, site=head.get("site", ""), url=head.get("url", ""),
                encoding=head.get("encoding", "utf-8"), title=head.get("title", ""),
                documents=documents, lines=lines)
    for tag, line in lines:
        if tag in ("x", "t", "l") and line.strip():
            page.boilerplate.append(line.strip())
        elif tag == "b":
            page.boilerplate += [span for span in SPAN.findall(line) if span.strip()]
            kept = SPAN.sub("", line).strip()
            if kept:
                page.body.append(kept)
    starts = [SPAN.sub("", line).strip() for tag, line in lines if tag == "b"]
    for document in documents:
        if not any(start == document.first for start in starts):
            problems.append(f"document first line {document.first!r} is not a body line of the page")
    try:
        page.raw_bytes()
    except UnicodeEncodeError as error:
        problems.append(f"not encodable as {page.encoding}: {error}")
    if problems:
        raise DevsetError("\n".join(f"{path}: {p}" for p in problems))
    return page


def pages(directory: Path) -> list[Page]:
    return [parse(path) for path in sorted(directory.glob("*.page"))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.devset", description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[DEVSET / "dev", DEVSET / "heldout"])
    args = parser.parse_args(argv)
    failed = False
    for directory in args.dirs:
        for path in sorted(directory.glob("*.page")):
            try:
                page = parse(path)
            except DevsetError as error:
                print(f"error: {error}", file=sys.stderr)
                failed = True
                continue
            print(f"{path}: {page.site}, {page.encoding}, {len(page.documents)} document(s), "
                  f"{len(page.body)} body lines, {len(page.boilerplate)} boilerplate strings")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
