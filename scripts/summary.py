"""summary: what a change does to the data, in Markdown, for a pull request's reviewer.

Compares the tables in clean/ (or in --clean DIR: check-pr passes its copy of the committed tables,
taken before its rebuild overwrites clean/) with their version at a base revision
(``git show BASE:clean/...``):
row counts before -> after, documents added, removed and changed (with how many paragraphs
changed), new sources, sites and profiles, documents newly flagged, and the first validation
errors. Both versions are streamed in file order, so memory does not grow with the corpus.

    python -m scripts.summary [--base REV] [--output build/summary.md] [--clean DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Iterator

from scripts import package
from scripts.package import CLEAN, RESOURCES
from scripts.pipeline import BUILD, ROOT, atomic_write

SHOWN = 20  # rows of each list shown before "and N more"
REPORT = BUILD / "validation-report.json"
OUTPUT = BUILD / "summary.md"


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")


def base_files(base: str, name: str) -> list[str]:
    """Table ``name``'s file(s) at ``base``: its parts (clean/<name>/) or clean/<name>.csv."""
    listed = git("ls-tree", "--name-only", f"{base}:clean/{name}/").stdout.split()
    parts = sorted((f for f in listed if f.startswith(f"{name}-") and f.endswith(".csv")),
                   key=lambda f: package.part_order(name, Path(f)))
    if parts:
        return [f"clean/{name}/{f}" for f in parts]
    return [f"clean/{name}/{name}.csv"] if f"{name}.csv" in listed else [f"clean/{name}.csv"]


def base_rows(base: str, name: str) -> Iterator[dict]:
    """Rows of table ``name`` at ``base`` (none if it did not exist there), streamed, every part."""
    for path in base_files(base, name):
        process = subprocess.Popen(["git", "show", f"{base}:{path}"], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        yield from csv.DictReader(io.TextIOWrapper(process.stdout, encoding="utf-8", newline=""))
        process.wait()


def current_rows(name: str, clean: Path = CLEAN) -> Iterator[dict]:
    if all(path.exists() for path in package.table_files(name, clean)):
        yield from package.read_rows(name, clean)


def count(rows: Iterator[dict]) -> int:
    return sum(1 for _ in rows)


def number_order(text: str) -> tuple:
    """A seq cell's place in file order: as a number (10 after 9), a non-number after every number."""
    return (0, int(text)) if text.isascii() and text.isdigit() else (1, text)


def doc_order(doc_id: str) -> tuple:
    """A doc_id's place in file order: package writes pages by source_id, then documents by number,
    which is not string order when one source id extends another ("a-001" vs "a-0.b-001")."""
    source_id, _, number = doc_id.rpartition("-")
    return (source_id, number_order(number)) if source_id else (doc_id, (1, ""))


def paragraphs_by_document(rows: Iterator[dict]) -> Iterator[tuple[str, list[str]]]:
    """(doc_id, its paragraph texts), in file order (paragraphs.csv is sorted by doc_id, seq)."""
    current, texts = None, []
    for row in rows:
        if row["doc_id"] != current:
            if current is not None:
                yield current, texts
            current, texts = row["doc_id"], []
        texts.append(row["text"])
    if current is not None:
        yield current, texts


def changed_paragraphs(base: str, clean: Path = CLEAN) -> tuple[dict[str, int], int, int]:
    """(doc_id -> paragraphs that differ for documents in both versions, rows before, rows after),
    in one streaming merge join over both versions."""
    changes: dict[str, int] = {}
    rows = [0, 0]
    old = paragraphs_by_document(base_rows(base, "paragraphs"))
    new = paragraphs_by_document(current_rows("paragraphs", clean))
    a, b = next(old, None), next(new, None)
    while a is not None or b is not None:
        if a is not None and b is not None and a[0] == b[0]:
            differing = sum(1 for x, y in zip(a[1], b[1]) if x != y) + abs(len(a[1]) - len(b[1]))
            if differing:
                changes[a[0]] = differing
        if a is not None and (b is None or doc_order(a[0]) <= doc_order(b[0])):
            rows[0] += len(a[1])
            step_old = True
        else:
            step_old = False
        if b is not None and (a is None or doc_order(b[0]) <= doc_order(a[0])):
            rows[1] += len(b[1])
            b = next(new, None)
        if step_old:
            a = next(old, None)
    return changes, rows[0], rows[1]


def documents(rows: Iterator[dict]) -> dict[str, dict]:
    return {row["doc_id"]: {"title": row["title"], "truncated": row["truncated"] == "true",
                            "mojibake": row["mojibake_spans"] not in ("", "0")} for row in rows}


def listing(items: list[str]) -> list[str]:
    lines = [f"- {item}" for item in items[:SHOWN]]
    if len(items) > SHOWN:
        lines.append(f"- … and {len(items) - SHOWN} more")
    return lines


def validation_errors() -> list[str]:
    if not REPORT.exists():
        return []
    report = json.loads(REPORT.read_text(encoding="utf-8"))
    errors = []
    for part in ("package", "raw_sources"):
        for task in report.get(part, {}).get("tasks", []):
            for error in task.get("errors", []):
                message = error.get("message", "")
                errors.append(f"{task.get('name')}: {message[:200]}{'…' if len(message) > 200 else ''}")
        for error in report.get(part, {}).get("errors", []):
            errors.append(error.get("message", "")[:200])
    return errors


TOP_LINES = 5  # most frequent removed and suspect lines shown per new site


def site_residue(old_sources: dict, new_sources: dict, clean: Path) -> list[tuple[str, list[str]]]:
    """Per site new in this change (by site_key): its most frequent removed and suspect lines, so a
    reviewer sees what the rules took and what they left without opening the tables."""
    site_of = {sid: row.get("site_key", "") for sid, row in new_sources.items()}
    old_keys = {row.get("site_key", "") for row in old_sources.values()}
    new_keys = sorted({key for key in site_of.values() if key and key not in old_keys})
    if not new_keys:
        return []
    removed: dict[str, Counter] = {key: Counter() for key in new_keys}
    kept: dict[str, Counter] = {key: Counter() for key in new_keys}
    for name, counters in (("removals", removed), ("suspects", kept)):
        for row in current_rows(name, clean):
            key = site_of.get(row["source_id"], "")
            if key in counters and (name == "suspects" or row["rule"] != "normalize.ruby_pinyin"):
                label = f"{row['text'].strip()[:60]}" + (f" [{row['rule']}]" if name == "removals" else "")
                counters[key][label] += 1
    sections = []
    for key in new_keys:
        pages = sum(1 for value in site_of.values() if value == key)
        items = [f"removed {n}x: {text}" for text, n in removed[key].most_common(TOP_LINES)]
        items += [f"suspect {n}x: {text}" for text, n in kept[key].most_common(TOP_LINES)]
        sections.append((f"Site `{key}` ({pages} page(s)): most frequent removed and suspect lines", items))
    return sections


def summarize(base: str, clean: Path = CLEAN) -> str:
    resolved = git("rev-parse", "--short", "--verify", f"{base}^{{commit}}")
    if resolved.returncode != 0:
        raise SystemExit(f"error: base revision {base!r} not found; fetch it or pass --base")
    base_label = resolved.stdout.strip()
    # Each table is read once per version: counts come from the passes that compare them.
    old_documents = documents(base_rows(base, "documents"))
    new_documents = documents(current_rows("documents", clean))
    old_sources = {row["source_id"]: row for row in base_rows(base, "sources")}
    new_sources = {row["source_id"]: row for row in current_rows("sources", clean)}
    changes, old_paragraphs, new_paragraphs = changed_paragraphs(base, clean)
    counts = {
        "sources": (len(old_sources), len(new_sources)),
        "documents": (len(old_documents), len(new_documents)),
        "paragraphs": (old_paragraphs, new_paragraphs),
    }
    for name in RESOURCES:  # removals, and any table added later, are only counted
        if name not in counts:
            counts[name] = (count(base_rows(base, name)), count(current_rows(name, clean)))
    lines = [f"## Data changes against `{base_label}`", "", "| resource | before | after | change |", "|---|---:|---:|---:|"]
    for name in RESOURCES:
        before, after = counts[name]
        lines.append(f"| {name} | {before} | {after} | {after - before:+d} |")

    added = sorted(set(new_documents) - set(old_documents))
    removed = sorted(set(old_documents) - set(new_documents))
    sections = [
        (f"Documents added: {len(added)}", [f"`{d}` {new_documents[d]['title']}" for d in added]),
        (f"Documents removed: {len(removed)}", [f"`{d}` {old_documents[d]['title']}" for d in removed]),
        (f"Documents changed: {len(changes)}",
         [f"`{d}` {new_documents.get(d, {}).get('title', '')}: {n} paragraph(s) changed" for d, n in sorted(changes.items())]),
    ]
    touched = set(added) | set(changes)
    suspects = [f"`{row['doc_id']}` line {row['line']} ({row['score']}): {row['text'][:80]}"
                for row in current_rows("suspects", clean) if row["doc_id"] in touched]
    sections.append((f"Suspect lines in added and changed documents: {len(suspects)}", suspects))
    added_sources = sorted(set(new_sources) - set(old_sources))
    def site_of(row: dict) -> str:  # the site the page came from; the profile's name when it has no site_key
        return row.get("site_key") or row.get("site") or ""

    new_sites = sorted({site_of(row) for row in new_sources.values()} - {site_of(row) for row in old_sources.values()})
    sections.append((f"Sources added: {len(added_sources)}",
                     [f"`{new_sources[s]['path']}` (site: {site_of(new_sources[s]) or 'unknown'}; profile: "
                      f"{new_sources[s]['site'] or 'generic only'})" for s in added_sources]))
    sections.append((f"New sites: {len(new_sites)}", [f"`{site or '(generic only)'}`" for site in new_sites]))
    sections += site_residue(old_sources, new_sources, clean)
    profiles = git("diff", "--name-only", "--diff-filter=A", base, "--", "profiles/").stdout.split()
    profiles += git("ls-files", "--others", "--exclude-standard", "profiles/").stdout.split()
    sections.append((f"New profiles: {len(profiles)}", [f"`{p}`" for p in sorted(set(profiles))]))
    flagged = []
    for doc_id, now in sorted(new_documents.items()):
        then = old_documents.get(doc_id, {"truncated": False, "mojibake": False})
        for flag in ("truncated", "mojibake"):
            if now[flag] and not then[flag]:
                flagged.append(f"`{doc_id}` {now['title']}: {flag}")
    sections.append((f"Newly flagged documents: {len(flagged)}", flagged))
    sections.append(duplicates_of_existing(added, new_documents, clean))
    errors = validation_errors()
    sections.append((f"Validation errors: {len(errors)}", errors))
    for title, items in sections:
        lines += ["", f"**{title}**"]
        if items:
            lines += [""] + listing(items)
    lines += report_section(base, old_documents, new_documents, old_sources, new_sources)
    return "\n".join(lines) + "\n"


REPORT_DIR = ROOT / "report"


def site_of_documents(documents_: dict[str, dict], sources: dict[str, dict]) -> Counter:
    """Documents per site (site_key, else site): a doc_id starts with its source_id."""
    sites: Counter = Counter()
    for doc_id in documents_:
        row = sources.get(doc_id.rpartition("-")[0], {})
        sites[row.get("site_key") or row.get("site") or "(unknown)"] += 1
    return sites


def report_section(base: str, old_documents: dict, new_documents: dict, old_sources: dict,
                   new_sources: dict) -> list[str]:
    """Figures of report/ that differ from the base's (linked, so a reviewer sees the change) and
    documents per site before -> after."""
    changed = []
    for path in sorted(REPORT_DIR.glob("*.png")):
        shown = subprocess.run(["git", "show", f"{base}:report/{path.name}"], cwd=ROOT, capture_output=True)
        if shown.returncode != 0 or shown.stdout != path.read_bytes():
            changed.append(path.name)
    prefix = "report/"
    if os.environ.get("GITHUB_REPOSITORY") and os.environ.get("GITHUB_SHA"):  # a link that works in CI's summary
        prefix = (f"{os.environ.get('GITHUB_SERVER_URL', 'https://github.com')}/{os.environ['GITHUB_REPOSITORY']}"
                  f"/blob/{os.environ['GITHUB_SHA']}/report/")
    lines = ["", f"**Figures changed: {len(changed)}** (all of them in `report/README.md`)"]
    if changed:
        lines += [""] + listing([f"[{name}]({prefix}{name})" for name in changed])
    before, after = site_of_documents(old_documents, old_sources), site_of_documents(new_documents, new_sources)
    added = site_of_documents({d: 0 for d in new_documents if d not in old_documents}, new_sources)
    lines += ["", "**Documents per site**", "", "| site | before | after | added |", "|---|---:|---:|---:|"]
    for site in sorted(set(before) | set(after), key=lambda s: (-added[s], s)):
        lines.append(f"| {site} | {before[site]} | {after[site]} | {added[site]} |")
    return lines


def duplicates_of_existing(added: list[str], new_documents: dict, clean: Path) -> tuple[str, list[str]]:
    """Added documents in a duplicates cluster with a document that was already there: a
    republication the corpus already holds (marked, not dropped)."""
    clusters: dict[str, list[dict]] = {}
    for row in current_rows("duplicates", clean):
        clusters.setdefault(row["cluster_id"], []).append(row)
    added_set, items = set(added), []
    for members in clusters.values():
        existing = [m for m in members if m["doc_id"] not in added_set]
        representative = next((m["doc_id"] for m in members if m["representative"] == "true"), "")
        for member in members:
            if member["doc_id"] in added_set and existing:
                others = ", ".join(f"`{m['doc_id']}`" for m in existing)
                items.append(f"`{member['doc_id']}` {new_documents.get(member['doc_id'], {}).get('title', '')}: "
                             f"duplicate of {others} (similarity {member['similarity']} to representative "
                             f"`{representative}`)")
    return f"New documents that duplicate existing ones: {len(items)}", sorted(items)


def default_base() -> str:
    """The pull request's base when CI says so, else the branch point from main, else HEAD."""
    from_ci = os.environ.get("CHECK_PR_BASE", "")
    if from_ci and git("rev-parse", "--verify", f"{from_ci}^{{commit}}").returncode == 0:
        return from_ci
    if from_ci:  # a first push reports an all-zero "before": fall back rather than fail
        print(f"note: CHECK_PR_BASE={from_ci!r} is not a commit here; comparing with the branch point instead")
    for candidate in ("origin/main", "main"):
        merge_base = git("merge-base", "HEAD", candidate)
        if merge_base.returncode == 0 and merge_base.stdout.strip() != git("rev-parse", "HEAD").stdout.strip():
            return merge_base.stdout.strip()
    return "HEAD"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.summary", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=None, help="revision to compare with (default: $CHECK_PR_BASE, "
                                                      "else the branch point from main, else HEAD)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--clean", type=Path, default=CLEAN,
                        help="folder of the tables to summarize (default: clean/)")
    args = parser.parse_args(argv)
    text = summarize(args.base or default_base(), args.clean)
    with atomic_write(args.output) as handle:
        handle.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
