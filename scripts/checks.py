"""Data checks beyond the Table Schemas, as frictionless custom checks run by ``make validate``.

Each check is scoped to the one resource it is for and names the row and what is wrong. frictionless
copies whole rows into its errors; ours cut every cell, so a 5,000-character paragraph does not
flood a CI log.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Iterable

import attrs
from frictionless import Check, errors

from scripts import chinese, classify, decode, normalize, strip
from scripts.pipeline import file_digest
from scripts.profiles import GENERIC, compile_pattern, fold

CELL_CHARS = 80


def cut(text: str, limit: int = CELL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class DataCheckError(errors.RowError):
    type = "data-check"
    title = "Data check"
    description = "A check of the data beyond its Table Schema failed."
    template = "Row at position {rowNumber}: {note}"

    @classmethod
    def from_row(cls, row, *, note: str):
        return cls(note=cut(note, 300), cells=[cut("" if v is None else str(v)) for v in row.cells],
                   row_number=row.row_number)


class DataTableError(errors.TableError):
    type = "data-check-table"
    title = "Data check (table)"
    description = "A check of the data beyond its Table Schema failed for the table as a whole."
    template = "{note}"


@attrs.define(kw_only=True, repr=False)
class ResourceCheck(Check):
    """A check that looks only at rows of the resource named by ``resource_name``."""

    resource_name: ClassVar[str] = ""
    Errors = [DataCheckError, DataTableError]

    def mine(self) -> bool:
        return self.resource.name == self.resource_name

    def validate_row(self, row) -> Iterable:
        if self.mine():
            for note in self.problems(row):
                yield DataCheckError.from_row(row, note=note)

    def validate_end(self) -> Iterable:
        if self.mine():
            for note in self.problems_at_end():
                yield DataTableError(note=cut(note, 300))

    def problems(self, row) -> Iterable[str]:
        return ()

    def problems_at_end(self) -> Iterable[str]:
        return ()


# --- paragraphs ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TextRule:
    """A profile rule as validate applies it to clean text: inline rules anywhere; whole-line rules
    on the whole paragraph and, unanchored at the start, at its end (boilerplate appended to text)."""
    rule: strip.Rule
    suffix: object | None  # RE2 pattern, or None


def text_rules() -> dict[str, list[TextRule]]:
    """Per profile, the rules validate checks clean text against (titles and switched-off ones aside)."""
    by_profile: dict[str, list[TextRule]] = {}
    for profile in strip.load_profiles().values():
        checked = []
        for rule in profile.rules:
            if rule.pattern is None or rule.first_line or not rule.checked:
                continue
            suffix = None
            if rule.where != "inline" and not rule.boundary:
                suffix = compile_pattern(f"(?:{rule.source.removeprefix('^')})$")
            checked.append(TextRule(rule, suffix))
        by_profile[profile.id] = checked
    return by_profile


FULLWIDTH_PARENS = str.maketrans("（）", "()")


@attrs.define(kw_only=True, repr=False)
class CleanParagraphs(ResourceCheck):
    """No boilerplate (the generic rules, the classifier, and the page's own site profile, on the
    shadow strip uses), no Traditional characters, no ruby pinyin, no unflagged mojibake."""

    type = "clean-paragraphs"
    resource_name: ClassVar[str] = "paragraphs"
    flagged_documents: frozenset = frozenset()
    sites: dict = attrs.field(factory=dict)  # source_id -> site profile, for pages that have one
    rules: dict = attrs.field(factory=text_rules)  # collected once, not per row

    def problems(self, row) -> Iterable[str]:
        text, doc_id = row["text"] or "", row["doc_id"]
        where = f"{doc_id} paragraph {row['seq']}"
        converted = chinese.converter("t2s").convert(text)
        shadow = fold(converted)  # the canonical full-width punctuation folded back, as strip saw it
        site = self.sites.get(doc_id.rpartition("-")[0], "")
        for checked in self.rules.get(GENERIC, []) + (self.rules.get(site, []) if site else []):
            rule = checked.rule
            if rule.where == "inline":
                found = rule.pattern.search(shadow)
            else:
                found = rule.pattern.fullmatch(shadow) or (checked.suffix.search(shadow) if checked.suffix else None)
            if found:
                yield f"{where}: boilerplate left, rule {rule.id} matches {cut(found.group(0), 40)!r}"
        score = classify.score_line(shadow)
        if score.value >= classify.classifier().remove:
            yield (f"{where}: boilerplate left, rule {classify.RULE_ID} scores it {score.value} "
                   f"({cut(score.detail, 60)})")
        if converted != text:
            changed = [a for a, b in zip(text, converted) if a != b]
            yield f"{where}: Traditional characters left ({''.join(changed[:10])})"
        if doc_id not in self.flagged_documents:
            annotations = chinese.ruby_annotations(text.translate(FULLWIDTH_PARENS))
            if annotations:
                yield f"{where}: ruby pinyin left ({annotations[0].group(0)})"
            bad = normalize.STRONG_ANCHOR.search(text)  # what normalize would have flagged
            if bad:
                yield f"{where}: U+{ord(bad.group(0)):04X} in a document not flagged for mojibake"


# --- documents -----------------------------------------------------------------------------------

@attrs.define(kw_only=True, repr=False)
class DocumentCounts(ResourceCheck):
    """n_paragraphs and n_chars agree with paragraphs.csv; no document without paragraphs."""

    type = "document-counts"
    resource_name: ClassVar[str] = "documents"
    counts: dict = attrs.field(factory=dict)  # doc_id -> (paragraphs, characters)

    def problems(self, row) -> Iterable[str]:
        n_paragraphs, n_chars = self.counts.get(row["doc_id"], (0, 0))
        if n_paragraphs == 0:
            yield f"{row['doc_id']}: no paragraphs in paragraphs.csv"
        elif (row["n_paragraphs"], row["n_chars"]) != (n_paragraphs, n_chars):
            yield (f"{row['doc_id']}: n_paragraphs/n_chars say {row['n_paragraphs']}/{row['n_chars']}, "
                   f"paragraphs.csv has {n_paragraphs}/{n_chars}")


# --- sources -------------------------------------------------------------------------------------

@attrs.define(kw_only=True, repr=False)
class SourceHashes(ResourceCheck):
    """sha256 and bytes in clean/sources.csv are those of the raw file now in raw/."""

    type = "source-hashes"
    resource_name: ClassVar[str] = "sources"
    root: str = "."

    def problems(self, row) -> Iterable[str]:
        path = Path(self.root) / (row["path"] or "")
        if not path.is_file():
            yield f"{row['path']}: listed in clean/sources.csv but not in raw/"
            return
        digest, size = file_digest(path), path.stat().st_size
        if digest != row["sha256"] or size != row["bytes"]:
            yield (f"{row['path']}: raw bytes changed since the build (clean/sources.csv has sha256 "
                   f"{row['sha256'][:12]}…, {row['bytes']} bytes; the file {digest[:12]}…, {size} bytes); run make all")


# --- raw/sources.csv -----------------------------------------------------------------------------

@attrs.define(kw_only=True, repr=False)
class RawListing(ResourceCheck):
    """Every raw file has exactly one row in raw/sources.csv, and every row a file."""

    type = "raw-listing"
    resource_name: ClassVar[str] = "raw-sources"

    def problems_at_end(self) -> Iterable[str]:
        rows, problems = decode.read_sources_table()
        _, more = decode.check_raw(rows)
        return problems + more


def paragraph_counts(paragraphs_csv: Path) -> dict[str, tuple[int, int]]:
    """Per document (paragraphs, characters), streamed from paragraphs.csv."""
    counts: dict[str, tuple[int, int]] = {}
    if not paragraphs_csv.exists():
        return counts
    with open(paragraphs_csv, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            n, chars = counts.get(row["doc_id"], (0, 0))
            counts[row["doc_id"]] = (n + 1, chars + len(row["text"]))
    return counts


def flagged_documents(documents_csv: Path) -> frozenset:
    if not documents_csv.exists():
        return frozenset()
    with open(documents_csv, encoding="utf-8", newline="") as handle:
        return frozenset(row["doc_id"] for row in csv.DictReader(handle) if row["mojibake_spans"] not in ("", "0"))


def site_profiles(sources_csv: Path) -> dict[str, str]:
    """source_id -> the site profile its page was stripped with (pages with one only)."""
    if not sources_csv.exists():
        return {}
    with open(sources_csv, encoding="utf-8", newline="") as handle:
        return {row["source_id"]: row["site"] for row in csv.DictReader(handle) if row.get("site")}


def checklist_for(root: Path, text_checks: bool = True) -> list[Check]:
    """The checks for the package under ``root`` (paragraph counts read once, streaming); without
    ``text_checks`` (a profile is broken) the paragraphs are not matched against the profiles."""
    clean = root / "clean"
    text = [CleanParagraphs(flagged_documents=flagged_documents(clean / "documents.csv"),
                            sites=site_profiles(clean / "sources.csv"))] if text_checks else []
    return [*text,
            DocumentCounts(counts=paragraph_counts(clean / "paragraphs.csv")),
            SourceHashes(root=str(root)), RawListing()]
