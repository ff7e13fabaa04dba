"""Data checks beyond the Table Schemas, as frictionless custom checks run by ``make validate``.

Each check is scoped to the one resource it is for and names the row and what is wrong. frictionless
copies whole rows into its errors; ours cut every cell, so a 5,000-character paragraph does not
flood a CI log.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import ClassVar, Iterable

import attrs
from frictionless import Check, errors

from scripts import chinese, classify, decode, describe, normalize, strip
from scripts.pipeline import file_digest
from scripts.profiles import GENERIC, compile_pattern, fold, pattern_set

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

class TextRules:
    """A profile's rules as validate applies them to clean text: inline rules anywhere; whole-line
    rules on the whole paragraph and, unanchored at the start, at its end (boilerplate appended to
    text). All variants are one RE2 set, so a paragraph costs one scan per profile; only the rules
    that hit run again, to quote what they matched."""

    def __init__(self, rules: list[strip.Rule]):
        self.variants: list[tuple[strip.Rule, object]] = []
        for rule in rules:
            if rule.pattern is None or rule.first_line or not rule.checked:
                continue
            if rule.where == "inline":
                self.variants.append((rule, rule.pattern))
                continue
            self.variants.append((rule, compile_pattern(f"^(?:{rule.source})$")))
            if not rule.boundary:
                self.variants.append((rule, compile_pattern(f"(?:{rule.source.removeprefix('^')})$")))
        self.set = pattern_set([pattern.pattern for _, pattern in self.variants]) if self.variants else None

    def found(self, shadow: str) -> list[tuple[str, str]]:
        """(rule id, the text it matched) for every rule that finds boilerplate in ``shadow``."""
        hits = self.set.Match(shadow) if self.set is not None else None
        found, seen = [], set()
        for index in sorted(hits or ()):
            rule, pattern = self.variants[index]
            match = pattern.search(shadow)
            if match is not None and rule.id not in seen:
                seen.add(rule.id)
                found.append((rule.id, match.group(0)))
        return found


def text_rules() -> dict[str, TextRules]:
    """Per profile, the rules validate checks clean text against (titles and switched-off ones aside)."""
    return {profile.id: TextRules(list(profile.rules)) for profile in strip.load_profiles().values()}


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
        for profile in (GENERIC, site) if site else (GENERIC,):
            if profile in self.rules:
                for rule_id, matched in self.rules[profile].found(shadow):
                    yield f"{where}: boilerplate left, rule {rule_id} matches {cut(matched, 40)!r}"
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


def source_facts(sources_csv: Path) -> tuple[dict[str, str], dict[str, int]]:
    """From one read of sources.csv: source_id -> the site profile its page was stripped with (pages
    with one only), and source_id -> the year it was retrieved (pages that say)."""
    sites, years = {}, {}
    if sources_csv.exists():
        with open(sources_csv, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("site"):
                    sites[row["source_id"]] = row["site"]
                if row.get("retrieved", "")[:4].isdigit():
                    years[row["source_id"]] = int(row["retrieved"][:4])
    return sites, years


# --- documents: metadata -------------------------------------------------------------------------

@attrs.define(kw_only=True, repr=False)
class DocumentMetadata(ResourceCheck):
    """year from 1949 to the page's retrieval year (describe.LAST_YEAR when retrieved is empty,
    never today: a build must not change with the date); region and region_code from the gazetteer;
    every filled field has its evidence."""

    type = "document-metadata"
    resource_name: ClassVar[str] = "documents"
    retrieved_years: dict = attrs.field(factory=dict)  # source_id -> year the page was fetched
    names: frozenset = attrs.field(factory=lambda: frozenset(p.name for p in describe.gazetteer().values()))

    def problems(self, row) -> Iterable[str]:
        doc_id = row["doc_id"]
        year = row["year"]
        if year is not None:
            latest = self.retrieved_years.get(row["source_id"]) or describe.LAST_YEAR
            if not describe.FIRST_YEAR <= year <= latest:
                yield f"{doc_id}: year {year} outside {describe.FIRST_YEAR}–{latest} (the page's retrieval year)"
        places = describe.gazetteer()
        region, code = row["region"] or "", row["region_code"] or ""
        if region and region not in self.names:
            yield f"{doc_id}: region {region!r} is not a name in rules/gazetteer.csv"
        if code and (code not in places or places[code].name != region):
            yield f"{doc_id}: region_code {code} is not {region!r} in rules/gazetteer.csv"
        if code and not region:
            yield f"{doc_id}: region_code {code} without a region"
        try:
            evidence = json.loads(row["metadata_evidence"] or "{}")
        except json.JSONDecodeError:
            yield f"{doc_id}: metadata_evidence is not JSON"
            return
        for field in ("doc_type", "year", "admin_level", "region"):
            if row[field] not in (None, "") and field not in evidence:
                yield f"{doc_id}: {field} {row[field]!r} has no evidence in metadata_evidence"


# --- duplicates ----------------------------------------------------------------------------------

@attrs.define(kw_only=True, repr=False)
class DuplicateClusters(ResourceCheck):
    """No document in two clusters, one representative per cluster, and it is the document the
    cluster is named after, at similarity 1 (that members exist is the schema's foreign key)."""

    type = "duplicate-clusters"
    resource_name: ClassVar[str] = "duplicates"
    seen: dict = attrs.field(factory=dict)  # doc_id -> cluster_id
    representatives: dict = attrs.field(factory=dict)  # cluster_id -> [doc_id, ...]

    def problems(self, row) -> Iterable[str]:
        doc_id, cluster = row["doc_id"], row["cluster_id"]  # both exist in documents: the schema's foreign keys
        if doc_id in self.seen and self.seen[doc_id] != cluster:
            yield f"{doc_id}: in two clusters ({self.seen[doc_id]} and {cluster})"
        self.seen[doc_id] = cluster
        self.representatives.setdefault(cluster, [])
        if row["representative"]:
            self.representatives[cluster].append(doc_id)
            if doc_id != cluster:
                yield f"{doc_id}: representative of cluster {cluster}, which is named after another document"
            if row["similarity"] != 1:
                yield f"{doc_id}: representative with similarity {row['similarity']}, not 1"

    def problems_at_end(self) -> Iterable[str]:
        for cluster, representatives in sorted(self.representatives.items()):
            if len(representatives) != 1:
                yield f"cluster {cluster}: {len(representatives)} representatives, not 1"


def checklist_for(root: Path, text_checks: bool = True) -> list[Check]:
    """The checks for the package under ``root`` (paragraph counts read once, streaming); without
    ``text_checks`` (a profile is broken) the paragraphs are not matched against the profiles."""
    clean = root / "clean"
    sites, years = source_facts(clean / "sources.csv")
    text = [CleanParagraphs(flagged_documents=flagged_documents(clean / "documents.csv"),
                            sites=sites)] if text_checks else []
    return [*text,
            DocumentCounts(counts=paragraph_counts(clean / "paragraphs.csv")),
            DocumentMetadata(retrieved_years=years),
            DuplicateClusters(),
            SourceHashes(root=str(root)), RawListing()]
