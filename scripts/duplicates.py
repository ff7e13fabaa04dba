"""duplicates: which documents are the same text, corpus-wide (build/split/ -> build/duplicates.jsonl).

范文 sites republish one speech many times: under another title, with placeholders swapped (20XX,
XX县), paragraphs dropped or reordered, another site's header. Documents are marked, never dropped:

1. The MinHash signature of each document's character shingles (scripts/shingles.py; split computes
   it with the page, so an unchanged page costs nothing here) is cut into bands (BandIndex: the
   banding of an LSH index, in flat arrays); documents that share a band are candidate pairs.
2. Each candidate pair is verified with its exact Jaccard similarity (a second streaming pass keeps
   the shingle sets of candidate documents only) and joins a cluster only at JACCARD_MIN or more.
3. A cluster's representative is chosen by a fixed rule: not truncated, fewest placeholders,
   longest, then smallest doc_id; ``cluster_id`` is the representative's doc_id, and each member
   records its exact Jaccard ``similarity`` to the representative.

It also counts, per paragraph hash, the documents and distinct sites it occurs in (a line on many
sites is a template or boilerplate candidate): build/paragraph-repeats.jsonl, repeated ones only.

Memory: one MinHash signature per document (NUM_PERM × 4 bytes) in the LSH index, the paragraph-hash
counts, and the shingle-hash sets of documents in candidate pairs; pages are streamed. Same inputs, same bytes.
package computes the same in memory when this stage's output is missing or stale (``current``).

    python -m scripts.duplicates [--force]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from array import array
from importlib import metadata
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from scripts import describe, pipeline, shingles

OUTPUT = pipeline.BUILD / "duplicates.jsonl"
REPEATS = pipeline.BUILD / "paragraph-repeats.jsonl"
SOURCE = "split"  # the stage whose output this reads (build/split/)

LSH_THRESHOLD = 0.4  # below JACCARD_MIN: the bands only propose; exact Jaccard decides
JACCARD_MIN = 0.5
SHINGLE = shingles.SHINGLE


def representative_order(doc: dict) -> tuple:
    """The fixed rule: not truncated, fewest placeholders, longest, then smallest doc_id."""
    return (bool(doc["truncated"]), doc["placeholders"], -doc["n_chars"], doc["doc_id"])


def documents_of(records: Iterable[dict]) -> Iterator[tuple[dict, dict]]:
    """(page record, document) for every document, in file order."""
    for record in records:
        for document in record["documents"]:
            yield record, document


class BandIndex:
    """Candidate pairs by MinHash banding, in flat arrays: each document's signature cut into BANDS
    bands of ROWS values, each band hashed to 64 bits; documents that share a band's hash are
    candidates. Kept as two arrays (12 bytes a band) and grouped at the end by one sort: datasketch's
    MinHashLSH held dicts of 15 kB a document (917 MB at 10,000 pages, growing with the corpus). The
    banding is the one datasketch's MinHashLSH chooses for LSH_THRESHOLD at 128 permutations, 32
    bands of 4 (the probability that a pair at Jaccard 0.5 shares a band: 1 - (1 - 0.5**4)**32 = 0.87
    per pair, and every pair that passes is verified; bench-dedup: recall 1.000)."""

    BANDS = 32
    BLOCK = 4096  # signatures hashed into bands at once (2 MB): numpy per block, not per document

    def __init__(self):
        self.doc_ids: list[str] = []
        self.hashes = array("Q")
        self.members = array("I")
        rows = shingles.NUM_PERM // self.BANDS
        with np.errstate(over="ignore"):
            self.weights = np.uint64(0x9E3779B97F4A7C15) ** np.arange(1, rows + 1, dtype=np.uint64)
            self.salts = np.arange(self.BANDS, dtype=np.uint64) * np.uint64(0xBF58476D1CE4E5B9)
        self.block = np.empty((self.BLOCK, shingles.NUM_PERM), dtype=np.uint64)
        self.filled = 0

    def add(self, doc_id: str, values: np.ndarray) -> None:
        self.block[self.filled] = values
        self.filled += 1
        self.doc_ids.append(doc_id)
        if self.filled == self.BLOCK:
            self._hash_block()

    def _hash_block(self) -> None:
        """The bands of the signatures waiting in the block, into the flat arrays (measured: 0.8 s
        of duplicates' 2 s after one changed page at 10,000 pages, done per document)."""
        count, first = self.filled, len(self.doc_ids) - self.filled
        with np.errstate(over="ignore"):  # arithmetic modulo 2**64
            bands = self.block[:count].reshape(count, self.BANDS, -1)
            keys = (bands * self.weights).sum(axis=2, dtype=np.uint64) ^ self.salts
        self.hashes.frombytes(keys.astype("=u8").tobytes())
        members = np.repeat(np.arange(first, first + count, dtype=np.uint32), self.BANDS)
        self.members.frombytes(members.astype("=u4").tobytes())
        self.filled = 0

    def pairs(self) -> set[tuple[str, str]]:
        """Every pair of documents that share a band, as (smaller doc_id, larger)."""
        if self.filled:
            self._hash_block()
        if not self.hashes:
            return set()
        hashes = np.frombuffer(self.hashes, dtype=np.uint64)
        members = np.frombuffer(self.members, dtype=np.uint32)
        order = np.argsort(hashes, kind="stable")
        hashes, members = hashes[order], members[order]
        starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
        ends = np.r_[starts[1:], len(hashes)]
        found: set[tuple[str, str]] = set()
        for start, end in zip(starts[ends - starts > 1], ends[ends - starts > 1]):
            group = sorted({self.doc_ids[m] for m in members[start:end]})
            found.update((a, b) for i, a in enumerate(group) for b in group[i + 1:])
        return found


def find_clusters(documents: Iterable[dict], texts, size: int = SHINGLE,
                  threshold: float = JACCARD_MIN, known: "Verdicts | None" = None) -> list[dict]:
    """Cluster members of ``documents`` (dicts with doc_id, truncated, placeholders, n_chars, and
    either minhash and folded_sha256, as split records them, or the text).

    ``texts(wanted)`` gives an iterator of (doc_id, text) of at least the ``wanted`` doc_ids, for
    the verification pass. ``known`` holds exact Jaccard values from earlier runs by the two texts'
    folded hashes: a pair of unchanged texts is not compared again, and only documents in pairs not
    known yet are read.
    Returns [{cluster_id, doc_id, representative, similarity}], sorted by cluster_id then
    representative first then doc_id.
    """
    known = known if known is not None else Verdicts()
    bands = BandIndex()
    info: dict[str, dict] = {}
    # Exact republications (the same folded text) join their first copy's cluster at once, with
    # similarity 1: LSH and the shingle sets see one copy only, so a text republished a hundred
    # times costs one signature, not a hundred squared candidate pairs (measured: 49 s and 4 GB on
    # 1,000 benchmark pages made of 5 seeds before; see make bench-build).
    first_copy: dict[str, str] = {}
    canonical: dict[str, str] = {}
    exact_of: dict[str, str] = {}
    for doc in documents:
        doc_id = doc["doc_id"]
        info[doc_id] = {key: doc[key] for key in ("doc_id", "truncated", "placeholders", "n_chars")}
        exact = doc.get("folded_sha256") or shingles.folded_sha256(doc["text"])
        if exact in first_copy:
            canonical[doc_id] = first_copy[exact]
            continue
        first_copy[exact] = canonical[doc_id] = doc_id
        exact_of[doc_id] = exact
        # split computed the signature with the page (in its pool, cached); other sizes (the
        # benchmark's) are computed here.
        values = (shingles.from_hex(doc["minhash"]) if doc.get("minhash") and size == SHINGLE
                  else shingles.signature(shingles.shingles(doc["text"], size)))
        bands.add(doc_id, values)
    pairs = bands.pairs()
    copies: dict[str, list[str]] = {}
    for doc_id, first in canonical.items():
        if doc_id != first:
            copies.setdefault(first, []).append(doc_id)
    if not pairs and not copies:
        return []
    sets: dict[str, np.ndarray] = {}

    def load(docs: set[str]) -> None:
        docs = docs - set(sets)
        if docs:
            sets.update((doc_id, shingles.shingles(text, size)) for doc_id, text in texts(docs) if doc_id in docs)

    def jaccard(a: str, b: str) -> float:
        key = known.key(exact_of[a], exact_of[b])
        value = known.get(key)
        if value is None:
            value = known.put(key, shingles.jaccard(sets[a], sets[b]))
        return value

    load({d for a, b in pairs if known.get(known.key(exact_of[a], exact_of[b])) is None for d in (a, b)})
    parent = {d: d for pair in pairs for d in pair} | {d: d for d in copies}

    def root(d: str) -> str:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    for a, b in sorted(pairs):
        ra, rb = root(a), root(b)
        # A pair already joined through others needs no check: it cannot change the clusters.
        if ra != rb and jaccard(a, b) >= threshold:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for d in sorted(parent):
        groups.setdefault(root(d), []).extend([d, *copies.get(d, [])])

    def similarity(d: str, rep: str) -> float:
        a, b = canonical[d], canonical[rep]
        return 1.0 if a == b else round(jaccard(a, b), 4)

    clusters = [(members, min(members, key=lambda d: representative_order(info[d])))
                for members in groups.values() if len(members) >= 2]
    # Members compared with their representative for the first time need their shingle sets too.
    load({d for members, rep in clusters for member in members
          if canonical[member] != canonical[rep]
          and known.get(known.key(exact_of[canonical[member]], exact_of[canonical[rep]])) is None
          for d in (canonical[member], canonical[rep])})
    rows = []
    for members, rep in clusters:
        for d in sorted(members, key=lambda d: (d != rep, d)):
            rows.append({"cluster_id": rep, "doc_id": d, "representative": d == rep,
                         "similarity": similarity(d, rep)})
    rows.sort(key=lambda r: (r["cluster_id"], not r["representative"], r["doc_id"]))
    return rows


class Verdicts:
    """Exact Jaccard values of pairs of texts, by the texts' folded hashes (content-addressed, so
    never stale), kept between runs in build/duplicates-pairs.json: only the pairs this run used are
    kept, so the file follows the corpus, not its history."""

    def __init__(self, values: dict[str, float] | None = None):
        self.values = values or {}
        self.used: dict[str, float] = {}

    @staticmethod
    def key(a: str, b: str) -> str:
        return f"{a}:{b}" if a < b else f"{b}:{a}"

    def get(self, key: str) -> float | None:
        value = self.values.get(key)
        if value is not None:
            self.used[key] = value
        return value

    def put(self, key: str, value: float) -> float:
        self.values[key] = self.used[key] = float(value)
        return self.used[key]


PAIRS = pipeline.BUILD / "duplicates-pairs.json"


def load_verdicts() -> Verdicts:
    saved = pipeline.read_cache(PAIRS)
    pairs = saved.get("pairs") if saved.get("fingerprint") == fingerprint() else None
    return Verdicts(pairs) if isinstance(pairs, dict) else Verdicts()


def save_verdicts(verdicts: Verdicts) -> None:
    with pipeline.atomic_write(PAIRS) as handle:
        json.dump({"fingerprint": fingerprint(), "pairs": verdicts.used}, handle, sort_keys=True)


def fingerprint() -> str:
    return pipeline.stage_fingerprint([Path(__file__), Path(shingles.__file__), *describe.FILES],
                                      {"numpy": metadata.version("numpy")})


class ParagraphRepeats:
    """In how many documents, and on how many sites, each paragraph hash occurs. Every (hash, site)
    of a document is appended to two flat arrays (12 bytes; a dict of sets took 200 bytes a
    paragraph: 1.3 GB at 10,000 pages) and counted at the end by one sort."""

    def __init__(self):
        self.hashes = array("Q")
        self.sites = array("I")
        self.site_ids: dict[str, int] = {}

    def add(self, site: str, paragraph_hashes: list[str]) -> None:
        site_id = self.site_ids.setdefault(site, len(self.site_ids))
        distinct = set(paragraph_hashes)
        if sum(len(digest) for digest in distinct) != 16 * len(distinct):
            raise ValueError(f"paragraph hashes must be 16 hex digits: {sorted(distinct)[:3]}")
        # 16 hex digits each: parsed in one bytes.fromhex, not one int() per paragraph.
        values = np.frombuffer(bytes.fromhex("".join(distinct)), dtype=">u8")
        self.hashes.frombytes(values.astype("=u8").tobytes())
        self.sites.extend([site_id] * len(distinct))

    def repeated(self) -> list[dict]:
        """[{text_hash, documents, sites}] of the hashes in two documents or more, by hash."""
        if not self.hashes:
            return []
        hashes = np.frombuffer(self.hashes, dtype=np.uint64)
        sites = np.frombuffer(self.sites, dtype=np.uint32)
        order = np.lexsort((sites, hashes))
        hashes, sites = hashes[order], sites[order]
        starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
        documents = np.diff(np.r_[starts, len(hashes)])
        new_site = np.r_[True, (hashes[1:] != hashes[:-1]) | (sites[1:] != sites[:-1])]
        site_counts = np.add.reduceat(new_site.astype(np.int64), starts)
        return [{"text_hash": f"{int(digest):016x}", "documents": int(count), "sites": int(on)}
                for digest, count, on in zip(hashes[starts], documents, site_counts) if count > 1]


# What this stage needs of each page, kept between runs (pipeline.indexed): a page of split's output
# is parsed only when its key changed.
INDEX = "duplicates-index"
INDEXED = ("doc_id", "truncated", "placeholders", "n_chars", "minhash", "folded_sha256", "paragraph_hashes")


def _indexed(record: dict) -> dict:
    return {"site_key": record["site_key"],
            "documents": [{k: document[k] for k in INDEXED} for document in record["documents"]]}


def _documents(repeats: ParagraphRepeats | None = None, reuse: bool = True) -> Iterator[dict]:
    """Every document of build/split/ (no text); on the way, when ``repeats`` is given, each
    paragraph hash's documents and sites are counted into it (one pass serves both)."""
    pages = pipeline.indexed(SOURCE, INDEX, fingerprint(), _indexed, reuse)
    for page, document in documents_of(pages):
        if repeats is not None:
            repeats.add(page["site_key"], document["paragraph_hashes"])
        yield document


def _texts(wanted: set[str]) -> Iterator[tuple[str, str]]:
    """(doc_id, text) of the ``wanted`` documents (and their pages' others): only their pages are parsed."""
    pages = {doc_id.rsplit("-", 1)[0] for doc_id in wanted}
    for line in pipeline.read_pages(SOURCE, pages):
        if line.source_id in pages:
            for document in line.load()["documents"]:
                yield document["doc_id"], "\n".join(text for _, text in document["paragraphs"])


def compute(reuse: bool = True) -> tuple[list[dict], list[dict]]:
    """(cluster rows, repeated paragraph hashes) of build/split/: one pass over its index, a
    second over the pages of documents in candidate pairs not compared before (for their shingle
    sets; build/duplicates-pairs.json keeps the verdicts)."""
    seen = ParagraphRepeats()
    verdicts = load_verdicts() if reuse else Verdicts()
    rows = find_clusters(_documents(seen, reuse), _texts, known=verdicts)
    save_verdicts(verdicts)
    return rows, seen.repeated()


def _current_stamp() -> dict | None:
    """This stage's stamp if it was made from split's present output with this code."""
    if not REPEATS.exists():
        return None
    return pipeline.current_stamp("duplicates", pipeline.output_digest("split"), fingerprint(), output=OUTPUT)


def run(force: bool = False) -> dict:
    with pipeline.build_lock("duplicates"):
        if pipeline.read_manifest(SOURCE) is None:
            raise SystemExit("error: build/split/ is missing; run `make split` (or `make all`) first")
        if not force and _current_stamp() is not None:
            return {"reused": True}
        started = time.perf_counter()
        rows, repeats = compute(reuse=not force)
        with pipeline.atomic_write(REPEATS) as handle:
            handle.writelines(pipeline.dump_json_line(row) for row in repeats)
        with pipeline.atomic_write(OUTPUT) as handle:
            handle.writelines(pipeline.dump_json_line(row) for row in rows)
        # Last: a stamp names only complete outputs (and none when split has no stamp to key on).
        pipeline.write_stamp("duplicates", pipeline.output_digest("split"), fingerprint(), output=OUTPUT)
        return {"reused": False, "members": len(rows),
                "clusters": sum(r["representative"] for r in rows),
                "repeated_paragraphs": len(repeats), "on_sites": sum(r["sites"] > 1 for r in repeats),
                "seconds": time.perf_counter() - started}


def current() -> tuple[list[dict], dict[str, tuple[int, int]]]:
    """(cluster rows, text_hash -> (documents, sites)) for build/split/ as it is now, for
    package: read from this stage's output when it was made from split's present output, else computed
    in memory (package run without `make duplicates`), writing nothing."""
    if _current_stamp() is not None:
        rows = list(pipeline.read_jsonl(OUTPUT))
        repeats = list(pipeline.read_jsonl(REPEATS))
    else:
        rows, repeats = compute()
    return rows, {r["text_hash"]: (r["documents"], r["sites"]) for r in repeats}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.duplicates", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="recompute even if the input is unchanged")
    args = parser.parse_args(argv)
    pipeline.handle_stop_signals()
    try:
        result = run(args.force)
    except KeyboardInterrupt:
        pipeline.exit_interrupted()
    except OSError as error:
        print(f"error: {pipeline.describe_os_error(error)}; build/ left as it was", file=sys.stderr)
        sys.exit(1)
    if result["reused"]:
        print("duplicates: build/split/ unchanged; build/duplicates.jsonl reused")
    else:
        print(f"duplicates: {result['clusters']} clusters of {result['members']} documents, "
              f"{result['repeated_paragraphs']} paragraph hashes in 2+ documents, {result['on_sites']} on 2+ "
              f"sites (template or boilerplate candidates: paragraphs.csv rows with hash_sites > 1)")


if __name__ == "__main__":
    main()
