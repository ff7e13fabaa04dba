"""Data checks beyond the Table Schemas, run by ``make validate`` on every batch of rows.

Each check is for one resource, takes a tablecheck.Batch (Arrow string columns) and returns problem
lines that name the row and what is wrong. The paragraph checks are the costly ones, so they work
on a whole batch at once: one OpenCC pass over the batch's text joined by newlines, one fold, one
scan of each rule set over the joined text; only the rows a scan points at are then checked one by
one, with the same per-line logic strip uses (so the messages quote the rule and what it matched).
Cells are cut in messages, so a 5,000-character paragraph does not flood a CI log.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

from scripts import chinese, classify, decode, describe, normalize, pipeline, strip
from scripts.pipeline import cached_file_digest
from scripts.patterns import Joined, LinePatterns, compile_pattern, pattern_set
from scripts.profiles import GENERIC, fold_many
from scripts.tablecheck import Batch, RowCheck

CELL_CHARS = 80


def cut(text: str, limit: int = CELL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# --- text in batches -----------------------------------------------------------------------------

# --- paragraphs ----------------------------------------------------------------------------------

# A leading run that may be empty (.{0,120}?, [^…]{0,40}, .*): unanchored, a text holds a match with
# it exactly when it holds one without it, and the DFA no longer tracks every start it allows (the
# generic intro rule's tail: 28 ms a 1 MB batch with it, 1 ms without).
_OPTIONAL_LEAD = re.compile(r"(?:\.|\[(?:\\.|[^\]\\])+\])(?:\{0,\d*\}|\*)\??")


def unanchored_tail(source: str) -> str:
    """A whole-line rule as a pattern for boilerplate at the end of a text: its start anchor and an
    optional leading run dropped (what matches is the same; only the quoted match is shorter)."""
    rest = source.removeprefix("^")
    lead = _OPTIONAL_LEAD.match(rest)
    if lead and rest[lead.end():lead.end() + 1] not in ("", "|", ")", "{", "*", "+", "?"):
        return rest[lead.end():]
    return rest


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
                self.variants.append((rule, compile_pattern(f"(?:{unanchored_tail(rule.source)})$")))
        self.set = pattern_set([pattern.pattern for _, pattern in self.variants]) if self.variants else None

    def found(self, shadow: str) -> list[tuple[str, str]]:
        """(rule id, the text it matched) for every rule that finds boilerplate in ``shadow``."""
        hits = self.set.Match(shadow) if self.set is not None else None
        found, seen = [], set()
        for index in sorted(hits or ()):
            rule, pattern = self.variants[index]
            for match in pattern.finditer(shadow):
                start, end = strip.drop_span(rule, match) if rule.where == "inline" else match.span()
                if end > start and rule.id not in seen:  # a span the text refers to (keep) is the text's
                    seen.add(rule.id)
                    found.append((rule.id, match.group(0)))
                    break
        return found


def text_rules() -> dict[str, TextRules]:
    """Per profile, the rules validate checks clean text against (titles and switched-off ones aside)."""
    return {profile.id: TextRules(list(profile.rules)) for profile in strip.load_profiles().values()}


class ProfileText:
    """A profile's TextRules over joined text: which rows may hold one of its rules' matches."""

    def __init__(self, rules: TextRules):
        self.rules = rules
        sources = [pattern.pattern for _, pattern in rules.variants]
        self.lines = LinePatterns(sources) if sources else None

    def candidate_rows(self, joined: Joined) -> list[int]:
        found = self.lines.rows(joined).values() if self.lines is not None else ()
        return sorted({row for rows in found for row in rows})


class ClassifierText:
    """Which rows of a joined text the classifier could call chrome: only a line with a cue or a shape
    can reach the remove threshold (checked against the data: without them, the most a line scores
    is its positive features), so only those are scored, one by one."""

    def __init__(self):
        model = classify.classifier()
        self.model = model
        # Only evidence for chrome makes a line a candidate: cues and shapes with positive weights.
        cues = sorted((word for word, weight in model.cue_weight.items() if weight > 0), key=len, reverse=True)
        self.cues = compile_pattern("|".join(re.escape(word) for word in cues)) if cues else None
        shapes = [pattern.pattern for _, weight, pattern in model.shapes if weight > 0]
        self.shapes = LinePatterns(shapes) if shapes else None
        features = model.features
        unshaped_max = max(features["short"], 0) + max(features["long"], 0) + max(features["sentence"], 0) * features["sentence_max"]
        self.score_all = unshaped_max >= model.remove

    def candidate_rows(self, joined: Joined) -> list[int]:
        if self.score_all:
            return list(range(len(joined.texts)))
        rows: set[int] = set()
        if self.cues is not None:
            rows.update(joined.rows_of(self.cues.finditer(joined.text)))
        for shape_rows in self.shapes.rows(joined).values() if self.shapes is not None else ():
            rows.update(shape_rows)
        return sorted(rows)


class CleanParagraphs(RowCheck):
    """paragraphs: no boilerplate (the generic rules, the classifier, and the page's own site profile,
    on the shadow strip uses), no Traditional characters, no ruby pinyin, no unflagged mojibake.

    The verdict on each file (a part of the multipart table) is cached in ``cache_path`` under its
    content hash and its context (the checks' fingerprint, the site profile and mojibake flag of
    each of its pages): a part that did not change is not checked again. Inside a part that did,
    each page's rows are checked only if they are new: the checks are per row, so a page whose rows
    (and context) were found clean before is clean again, and a pull request that adds a page costs
    the text checks of that page, not of its part's 256 (measured: 1.9 s a changed part at 10,000
    pages). Only clean pages are remembered: a page with problems is checked on every run."""

    name = "clean text"

    PIECE_ROWS = 2000  # rows a worker checks at once (about 200 kB of text)
    QUEUE_PIECES = 32  # pieces queued before the workers get them: bounds memory

    def __init__(self, flagged_documents: frozenset = frozenset(), sites: dict | None = None,
                 jobs: int | None = None, cache_path: Path | None = None, fingerprint: str = "", root: Path | None = None):
        self.cache_path, self.fingerprint, self.root = cache_path, fingerprint, root
        self.cache: dict[str, dict] = pipeline.read_cache(cache_path) if cache_path is not None else {}
        self.verdicts: dict[str, dict] = {}  # this run's, by file
        self.skip = False
        self.documents: list[str] = []  # the doc_ids of the file being checked
        self.file = ""
        self.flagged = flagged_documents
        self.sites = sites or {}  # source_id -> site profile, for pages that have one
        self.profiles = {name: ProfileText(rules) for name, rules in text_rules().items()}
        self.classifier = ClassifierText()
        self.t2s = chinese.converter("t2s")
        self.jobs = jobs
        self.pending: list[dict] = []
        self.computer = None
        # Digests of the pages' rows found clean by earlier runs (each file's verdict keeps its own).
        self.known_clean = {digest for entry in self.cache.values() if isinstance(entry, dict)
                            for digest in entry.get("clean_pages", [])}
        self.waiting: dict[str, list] = {}  # page digest -> [its file, pieces not yet checked, clean so far]
        self.pages_checked = self.pages_reused = 0  # runs of a page's rows (a page cut by a batch is two)
        self.restored: list[str] = []  # the cached problems of the file can_restore last accepted

    def start_file(self, path: Path, documents: list[str] | None = None) -> list[str]:
        """Decides whether ``path`` needs checking; returns its cached problems when it does not.
        ``documents`` (its doc_ids, from the schema checks' verdict) spares reading its column."""
        self.file = path.relative_to(self.root).as_posix() if self.root else path.name
        digest = pipeline.cached_file_digest(path)
        if documents is None:
            doc_ids = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                include_columns=["doc_id"], column_types={"doc_id": pa.string()})).column("doc_id")
            documents = sorted(set(pc.unique(doc_ids).to_pylist()))
        self.documents = documents
        pages = sorted({doc_id.rpartition("-")[0] for doc_id in documents})
        context = pipeline.sha256_hex(self.fingerprint, json.dumps([[page, self.sites.get(page, "")] for page in pages]),
                                      json.dumps([doc_id for doc_id in documents if doc_id in self.flagged]))
        entry = self.cache.get(self.file)
        self.skip = self.cache_path is not None and entry is not None \
            and entry.get("digest") == digest and entry.get("context") == context
        self.verdicts[self.file] = entry if self.skip else {"digest": digest, "context": context, "problems": [],
                                                            "clean_pages": []}
        return list(entry["problems"]) if self.skip else []

    def file_state(self) -> dict:
        """The file's doc_ids, kept with the schema checks' verdict for the next run's start_file."""
        return {"documents": self.documents}

    def can_restore(self, path: Path, state) -> bool:
        """A file not read again needs this check's cached verdict too."""
        documents = state.get("documents") if isinstance(state, dict) else None
        self.restored = self.start_file(path, documents)
        return self.skip

    def restore(self, path: Path, state) -> list[str]:
        return self.restored

    def __call__(self, batch: Batch) -> list[str]:
        """Queues the batch in pieces; checks them in worker processes when enough are queued."""
        if self.skip:
            return []
        texts, doc_ids, seqs = batch.texts("text"), batch.texts("doc_id"), batch.texts("seq")
        rows: list[int] = []  # the rows to check: those of pages not known clean
        pages: list[tuple[str, int, int]] = []  # (digest, first row, end) of each page checked
        clean = self.verdicts[self.file]["clean_pages"]
        for digest, start, end in self._pages(texts, doc_ids, seqs):
            if digest in self.known_clean:
                clean.append(digest)
                self.pages_reused += 1
            else:
                self.pages_checked += 1
                pages.append((digest, len(rows), len(rows) + end - start))
                rows += range(start, end)
        for start in range(0, len(rows), self.PIECE_ROWS):
            piece = rows[start:start + self.PIECE_ROWS]
            within = [digest for digest, first, end in pages if first < start + len(piece) and end > start]
            for digest in within:
                self.waiting.setdefault(digest, [self.file, 0, True])[1] += 1
            self.pending.append({"file": self.file, "pages": within, "texts": [texts[i] for i in piece],
                                 "doc_ids": [doc_ids[i] for i in piece], "seqs": [seqs[i] for i in piece],
                                 "rows": [batch.where(i) for i in piece]})
        return self.flush() if len(self.pending) >= self.QUEUE_PIECES else []

    def _pages(self, texts: list[str], doc_ids: list[str], seqs: list[str]) -> Iterable[tuple[str, int, int]]:
        """(digest, first row, end) of each page's run of rows in the batch (rows are in doc_id
        order, so a page's rows are together; a page cut by the batch's end is two runs). The digest
        covers what the checks read: the rows, and the page's site profile and mojibake flags."""
        start = 0
        while start < len(texts):
            page = doc_ids[start].rpartition("-")[0]
            end = start + 1
            while end < len(texts) and doc_ids[end].rpartition("-")[0] == page:
                end += 1
            context = [self.fingerprint, page, self.sites.get(page, "")]
            context += [doc_id for doc_id in sorted(set(doc_ids[start:end])) if doc_id in self.flagged]
            rows = [[doc_ids[i], seqs[i], texts[i]] for i in range(start, end)]
            yield pipeline.sha256_hex(json.dumps(context), json.dumps(rows, ensure_ascii=False))[:32], start, end
            start = end

    def flush(self) -> list[str]:
        if not self.pending:
            return []
        if self.computer is None:
            self.computer = pipeline.computer_local(self.problems_of, self.jobs).__enter__()
        problems = []
        for piece, (result, error) in zip(self.pending, self.computer(self.pending)):
            found = result if result is not None else [error]
            problems += found
            if piece["file"] in self.verdicts:
                self.verdicts[piece["file"]]["problems"] += found
            for digest in piece["pages"]:
                waiting = self.waiting[digest]
                waiting[1] -= 1
                waiting[2] = waiting[2] and not found  # a piece with problems: its pages are checked again
                if waiting[1] == 0:
                    del self.waiting[digest]
                    if waiting[2] and waiting[0] in self.verdicts:
                        self.verdicts[waiting[0]]["clean_pages"].append(digest)
        self.pending = []
        return problems

    def finish(self) -> list[str]:
        problems = self.flush()
        if self.computer is not None:
            self.computer.__exit__(None, None, None)
            self.computer = None
        for verdict in self.verdicts.values():
            verdict["clean_pages"] = sorted(set(verdict.get("clean_pages", [])))
        if self.cache_path is not None:  # this run's verdicts only: files gone are forgotten
            with pipeline.atomic_write(self.cache_path) as handle:
                json.dump(self.verdicts, handle, ensure_ascii=False, sort_keys=True)
        return problems

    def problems_of(self, piece: dict) -> list[str]:
        texts, doc_ids, seqs, rows = piece["texts"], piece["doc_ids"], piece["seqs"], piece["rows"]
        if any("\n" in text for text in texts):
            return [f"{rows[i]}: {doc_ids[i]} paragraph {seqs[i]}: a line break inside a paragraph"
                    for i, text in enumerate(texts) if "\n" in text]
        joined = Joined(texts)
        converted_text = self.t2s.convert(joined.text)
        converted = converted_text.split("\n") if converted_text != joined.text else texts
        shadow = Joined(fold_many(converted_text).split("\n"))
        problems: dict[int, list[str]] = {}

        def found(rows: Iterable[int], message) -> None:
            for i in rows:
                for problem in message(i):
                    problems.setdefault(i, []).append(problem)

        where = lambda i: f"{doc_ids[i]} paragraph {seqs[i]}"  # noqa: E731
        # Rules: the generic profile on every row, a site profile on its own pages' rows.
        by_profile: dict[str, list[int]] = {}
        for i, doc_id in enumerate(doc_ids):
            site = self.sites.get(doc_id.rpartition("-")[0], "")
            if site and site in self.profiles:
                by_profile.setdefault(site, []).append(i)
        groups = [(GENERIC, None)] + sorted(by_profile.items())
        for profile, members in groups:
            if profile not in self.profiles:
                continue
            checker = self.profiles[profile]
            part = shadow if members is None else Joined([shadow.texts[i] for i in members])
            candidates = checker.candidate_rows(part)
            candidates = candidates if members is None else [members[i] for i in candidates]
            found(candidates, lambda i: [f"{where(i)}: boilerplate left, rule {rule_id} matches {cut(matched, 40)!r}"
                                         for rule_id, matched in checker.rules.found(shadow.texts[i])])
        remove = self.classifier.model.remove

        def chrome(i: int) -> list[str]:
            score = classify.score_line(shadow.texts[i])
            if score.value >= remove:
                return [f"{where(i)}: boilerplate left, rule {classify.RULE_ID} scores it {score.value} "
                        f"({cut(score.detail, 60)})"]
            return []

        found(self.classifier.candidate_rows(shadow), chrome)
        if converted is not texts:
            def traditional(i: int) -> list[str]:
                if converted[i] == texts[i]:
                    return []
                changed = [a for a, b in zip(texts[i], converted[i]) if a != b]
                return [f"{where(i)}: Traditional characters left ({''.join(changed[:10])})"]
            found(range(len(texts)), traditional)
        unflagged = [i for i, doc_id in enumerate(doc_ids) if doc_id not in self.flagged]
        if unflagged:
            plain = Joined([texts[i].replace("（", "(").replace("）", ")") for i in unflagged])
            if chinese.RUBY_PINYIN.search(plain.text):
                def ruby(j: int) -> list[str]:
                    annotations = chinese.ruby_annotations(plain.texts[j])
                    return [f"{where(unflagged[j])}: ruby pinyin left ({annotations[0].group(0)})"] if annotations else []
                for j in plain.rows_of(chinese.RUBY_PINYIN.finditer(plain.text)):
                    for problem in ruby(j):
                        problems.setdefault(unflagged[j], []).append(problem)
            for j in plain.rows_of(normalize.STRONG_ANCHOR.finditer(plain.text)):
                bad = normalize.STRONG_ANCHOR.search(texts[unflagged[j]])
                if bad:
                    problems.setdefault(unflagged[j], []).append(
                        f"{where(unflagged[j])}: U+{ord(bad.group(0)):04X} in a document not flagged for mojibake")
        return [f"{rows[i]}: {problem}" for i in sorted(problems) for problem in problems[i]]


# --- documents -----------------------------------------------------------------------------------

class ParagraphCounts(RowCheck):
    """Per document, the paragraphs and characters paragraphs.csv holds: summed per batch in Arrow
    and kept as one small table (memory for the documents, not the paragraphs)."""

    name = "paragraph counts"

    def __init__(self):
        self.parts: list[pa.Table] = []
        self.file_parts: list[pa.Table] = []  # the file being read's, for its verdict

    def start_file(self, path: Path) -> list[str]:
        self.file_parts = []
        return []

    def __call__(self, batch: Batch) -> list[str]:
        table = pa.table({"doc_id": batch.columns["doc_id"],
                          "chars": pc.utf8_length(batch.columns["text"]).cast(pa.int64())})
        counted = table.group_by("doc_id").aggregate([("chars", "count"), ("chars", "sum")])
        self.parts.append(counted)
        self.file_parts.append(counted)
        return []

    def file_state(self) -> dict:
        """The file's counts per document, kept with its verdict (a file not read gives them back)."""
        table = pa.concat_tables(self.file_parts) if self.file_parts else None
        self.file_parts = []
        return {name: table.column(name).to_pylist() if table is not None else []
                for name in ("doc_id", "chars_count", "chars_sum")}

    def can_restore(self, path: Path, state: dict | None) -> bool:
        return isinstance(state, dict) and all(name in state for name in ("doc_id", "chars_count", "chars_sum"))

    def restore(self, path: Path, state: dict) -> list[str]:
        self.parts.append(pa.table({"doc_id": pa.array(state["doc_id"], pa.string()),
                                    "chars_count": pa.array(state["chars_count"], pa.int64()),
                                    "chars_sum": pa.array(state["chars_sum"], pa.int64())}))
        return []

    def table(self) -> pa.Table:
        if not self.parts:
            return pa.table({"doc_id": pa.array([], pa.string()), "paragraphs": pa.array([], pa.int64()),
                             "characters": pa.array([], pa.int64())})
        summed = pa.concat_tables(self.parts).group_by("doc_id").aggregate(
            [("chars_count", "sum"), ("chars_sum", "sum")])
        return summed.select(["doc_id", "chars_count_sum", "chars_sum_sum"]).rename_columns(
            ["doc_id", "paragraphs", "characters"])


def document_count_problems(documents: pa.Table, counts: pa.Table) -> list[str]:
    """n_paragraphs and n_chars agree with paragraphs.csv; no document without paragraphs."""
    joined = documents.join(counts, "doc_id", join_type="left outer").sort_by("doc_id")
    problems = []
    for doc_id, n_paragraphs, n_chars, paragraphs, characters in zip(
            *(joined.column(name).to_pylist() for name in ("doc_id", "n_paragraphs", "n_chars", "paragraphs", "characters"))):
        if not paragraphs:
            problems.append(f"{doc_id}: no paragraphs in paragraphs.csv")
        elif (n_paragraphs, n_chars) != (str(paragraphs), str(characters)):
            problems.append(f"{doc_id}: n_paragraphs/n_chars say {n_paragraphs}/{n_chars}, "
                            f"paragraphs.csv has {paragraphs}/{characters}")
    return problems


def _dicts(batch: Batch, names: Iterable[str]) -> list[dict]:
    columns = {name: batch.texts(name) for name in names}
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


# --- sources -------------------------------------------------------------------------------------

class SourceHashes(RowCheck):
    """sources: sha256 and bytes are those of the raw file now in raw/."""

    name = "source hashes"

    def __init__(self, root: Path):
        self.root = root

    def __call__(self, batch: Batch) -> list[str]:
        problems = []
        for row in _dicts(batch, ("path", "sha256", "bytes")):
            path = self.root / row["path"]
            if not path.is_file():
                problems.append(f"{row['path']}: listed in clean/sources.csv but not in raw/")
                continue
            digest, size = cached_file_digest(path), path.stat().st_size
            if digest != row["sha256"] or str(size) != row["bytes"]:
                problems.append(f"{row['path']}: raw bytes changed since the build (clean/sources.csv has sha256 "
                                f"{row['sha256'][:12]}…, {row['bytes']} bytes; the file {digest[:12]}…, {size} "
                                f"bytes); run make all")
        return problems


def raw_listing_problems() -> list[str]:
    """Every raw file has exactly one row in raw/sources.csv, and every row a file."""
    rows, problems = decode.read_sources_table()
    _, more = decode.check_raw(rows)
    return problems + more

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

class DocumentMetadata(RowCheck):
    """documents: year from 1949 to the page's retrieval year (describe.LAST_YEAR when retrieved is
    empty, never today: a build must not change with the date); region and region_code from the
    gazetteer; every filled field has its evidence."""

    name = "document metadata"

    FIELDS = ("doc_id", "source_id", "year", "region", "region_code", "metadata_evidence", "doc_type", "admin_level")

    def __init__(self, retrieved_years: dict | None = None):
        self.retrieved_years = retrieved_years or {}
        self.names = frozenset(p.name for p in describe.gazetteer().values())

    def __call__(self, batch: Batch) -> list[str]:
        return [problem for row in _dicts(batch, self.FIELDS) for problem in self.problems(row)]

    def problems(self, row: dict) -> Iterable[str]:
        doc_id = row["doc_id"]
        year = int(row["year"]) if row["year"].lstrip("-").isdigit() else None
        if year is not None:
            latest = self.retrieved_years.get(row["source_id"]) or describe.LAST_YEAR
            if not describe.FIRST_YEAR <= year <= latest:
                yield f"{doc_id}: year {year} outside {describe.FIRST_YEAR}–{latest} (the page's retrieval year)"
        places = describe.gazetteer()
        region, code = row["region"], row["region_code"]
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
            if row[field] != "" and field not in evidence:
                yield f"{doc_id}: {field} {row[field]!r} has no evidence in metadata_evidence"


# --- duplicates ----------------------------------------------------------------------------------

class DuplicateClusters(RowCheck):
    """duplicates: no document in two clusters, one representative per cluster, and it is the
    document the cluster is named after, at similarity 1 (that members exist is the schema's
    foreign key). Holds the table's documents: it is as small as the duplicated share of the corpus."""

    name = "duplicate clusters"

    def __init__(self):
        self.seen: dict[str, str] = {}
        self.representatives: dict[str, list[str]] = {}

    def __call__(self, batch: Batch) -> list[str]:
        problems = []
        for row in _dicts(batch, ("doc_id", "cluster_id", "representative", "similarity")):
            doc_id, cluster = row["doc_id"], row["cluster_id"]
            if doc_id in self.seen and self.seen[doc_id] != cluster:
                problems.append(f"{doc_id}: in two clusters ({self.seen[doc_id]} and {cluster})")
            self.seen[doc_id] = cluster
            self.representatives.setdefault(cluster, [])
            if row["representative"] in ("true", "True", "TRUE", "1"):
                self.representatives[cluster].append(doc_id)
                if doc_id != cluster:
                    problems.append(f"{doc_id}: representative of cluster {cluster}, which is named after another document")
                if row["similarity"] and float(row["similarity"]) != 1:
                    problems.append(f"{doc_id}: representative with similarity {row['similarity']}, not 1")
        return problems

    def at_end(self) -> list[str]:
        return [f"cluster {cluster}: {len(representatives)} representatives, not 1"
                for cluster, representatives in sorted(self.representatives.items()) if len(representatives) != 1]
