"""Benchmark of strip on pages from sites no profile knows: the annotated development set.

Each page of tests/fixtures/devset/<set>/ (format in its README) is encoded as its site served it and
built in process like any page of a site no profile knows (decode, strip with site repetition
counted over the set, normalize, split), its URL naming its site. The output is compared with the
annotations:

- residue: boilerplate strings (whole lines and inline spans) still in the documents;
- body lost: characters of body lines not found in the documents;
- titles: the page title found (and never a boilerplate line);
- splits: documents found, each starting where the annotation says;
- truncation: documents flagged truncated (and their missing characters) against the annotation.

    make bench-strip [SET=dev|heldout|heldout2|...|all] [VERBOSE=1]   # every folder of tests/fixtures/devset/
"""

from __future__ import annotations

import argparse
import difflib
import re

from benchmarks.devset import DEVSET, Page, pages
from scripts import chinese, decode, normalize, split, strip
from scripts.pipeline import PageError
from scripts.profiles import fold


def canonical(text: str) -> str:
    """What two texts must share to count as the same: Simplified, half-width, no pinyin, no space."""
    text = fold(normalize.to_simplified(text, *normalize.detect_script(text)))
    text = "".join(text[m.end():n.start()] for m, n in _pairs(text)) if "(" in text else text
    return re.sub(r"\s+", "", text)


def _pairs(text: str):
    """Segments between ruby annotations, as (previous match, next match) pairs of spans."""
    class Edge:
        def __init__(self, start, end):
            self._start, self._end = start, end

        def start(self):
            return self._start

        def end(self):
            return self._end

    marks = [Edge(0, 0)] + list(chinese.ruby_annotations(text)) + [Edge(len(text), len(text))]
    return zip(marks, marks[1:])


def build(corpus: list[Page]) -> tuple[dict[str, dict], list[str]]:
    """Every page through decode, strip, normalize and split in process, as the stages would run
    them (site repetition counted over the whole set first); pages that fail are reported."""
    decoded, failures = [], []
    for page in corpus:
        row = {"path": f"raw/{page.site}/{page.name}.txt", "site": "",
               "url": page.url or f"https://{page.site}.example/{page.name}.html"}
        try:
            detection = decode.detect(page.raw_bytes())
        except decode.DecodeError as error:
            failures.append(f"{page.name}: {error}")
            continue
        decoded.append({"source_id": page.name, "row": row, "text": decode.normalize_newlines(detection.text),
                        "path": row["path"], "encoding": detection.encoding, "key": ""})
    records = {}
    for record in strip.inputs_in_memory(decoded):
        try:
            stripped = strip.strip_record(record)
        except PageError as error:
            failures.append(f"{record['source_id']}: {error}")
            continue
        records[record["source_id"]] = split.split_record(
            {"source_id": record["source_id"], **normalize.normalize_record(stripped)})
    return records, failures


def _lost(line: str, texts: list[str]) -> tuple[int, str] | None:
    """(characters, line) of a body line missing from the documents, or None when none is (a line
    that only lost an inline span it should have lost, or kept residue inside, loses nothing)."""
    best = 0
    for text in texts:
        matcher = difflib.SequenceMatcher(None, line, text, autojunk=False)
        best = max(best, sum(block.size for block in matcher.get_matching_blocks()))
    if best >= len(line):
        return None
    return (len(line), line) if best < len(line) / 2 else (len(line) - best, line)


def score_page(page: Page, record: dict | None) -> dict:
    result = {"page": page.name, "residue": [], "lost": [], "body_chars": 0, "title": None, "split": None,
              "truncation": []}
    body = [canonical(line) for line in page.body]
    result["body_chars"] = sum(len(line) for line in body)
    if record is None:
        result["lost"] = [(len(line), line) for line in body]
        result["split"] = "page failed"
        return result
    documents = record["documents"]
    texts = [canonical("".join(text for _, text in d["paragraphs"])) for d in documents]
    output = "\n".join(texts)
    gold_body = "\n".join(body)
    # Each occurrence left in the documents counts once: strings are looked for longest first and an
    # occurrence found is taken out, so a short string inside a longer one left there (27 in
    # "27 Jun 2013 - 9 Aug 2018") is not counted again, and a line the page repeats (a running
    # header) counts as often as it is left, not as often as the page has it.
    for string in sorted(page.boilerplate, key=lambda s: -len(canonical(s))):
        key = canonical(string)
        if len(key) >= 2 and key in output and key not in gold_body:
            result["residue"].append(string)
            output = output.replace(key, "\0", 1)
    result["lost"] = [lost for lost in (_lost(line, texts) for line in body if line and line not in output) if lost]
    found_title = record["meta"].get("title") or record["meta"].get("collection") or ""
    # A page whose heading repeats its document's title has two title lines (t): either is its title.
    titles = {canonical(line) for tag, line in page.lines if tag == "t"} - {""}
    if canonical(page.title) != canonical(found_title) and canonical(found_title) not in titles and not (
            page.title and canonical(found_title) and canonical(page.title).startswith(canonical(found_title))):
        result["title"] = f"expected {page.title!r}, found {found_title!r}"
    # A file name's title without its extension (…工作总结.docx -> …工作总结) is the page's title too.
    if found_title and canonical(found_title) in {canonical(s) for s in page.boilerplate} - titles - {
            canonical(page.title)} and not canonical(page.title).startswith(canonical(found_title)):
        result["title"] = f"boilerplate taken as the title: {found_title!r}"
    starts = [canonical(d.first) for d in page.documents]
    if len(documents) != len(starts) or any(not text.startswith(start) for text, start in zip(texts, starts)):
        result["split"] = (f"expected {len(starts)} document(s) starting {[d.first[:12] for d in page.documents]}, "
                           f"found {len(documents)} starting {[t[:12] for t in texts]}")
    else:
        for gold, document in zip(page.documents, documents):
            if gold.truncated != document["truncated"]:
                result["truncation"].append(f"{gold.first[:12]!r}: truncated expected {gold.truncated}, "
                                            f"found {document['truncated']}")
            elif gold.truncated and gold.missing_chars is not None and gold.missing_chars != document["missing_chars"]:
                result["truncation"].append(f"{gold.first[:12]!r}: missing_chars expected {gold.missing_chars}, "
                                            f"found {document['missing_chars']}")
    return result


def measure(name: str, corpus: list[Page], verbose: bool) -> dict:
    records, failures = build(corpus)
    results = [score_page(page, records.get(page.name)) for page in corpus]
    residue = sum(len(r["residue"]) for r in results)
    lost = sum(chars for r in results for chars, _ in r["lost"])
    total = sum(r["body_chars"] for r in results)
    titles = sum(1 for r in results if r["title"])
    splits = sum(1 for r in results if r["split"])
    truncations = sum(len(r["truncation"]) for r in results)
    cut = sum(1 for page in corpus for d in page.documents if d.truncated)
    boilerplate = sum(len(page.boilerplate) for page in corpus)
    print(f"{name}: {len(corpus)} pages, {sum(len(p.documents) for p in corpus)} documents, "
          f"{len({p.site for p in corpus})} sites, {boilerplate} boilerplate strings, {cut} cut documents")
    print(f"  residue      {residue} strings ({residue / max(len(corpus), 1):.2f} per page; target <= 0.10)")
    print(f"  body lost    {lost} of {total} characters ({lost / max(total, 1):.3%})")
    print(f"  titles       {titles} wrong of {len(corpus)}")
    print(f"  splits       {splits} pages split wrong")
    print(f"  truncation   {truncations} documents flagged wrong")
    print(f"  failed       {len(failures)} pages")
    for failure in failures:
        print(f"    {failure}")
    if verbose:
        for r in results:
            problems = ([f"residue {s!r}" for s in r["residue"]] + [f"lost {chars} of {line[:40]!r}" for chars, line in r["lost"]]
                        + ([f"title: {r['title']}"] if r["title"] else []) + ([f"split: {r['split']}"] if r["split"] else [])
                        + [f"truncation: {t}" for t in r["truncation"]])
            for problem in problems:
                print(f"    {r['page']}: {problem}")
    return {"residue": residue, "lost": lost, "titles": titles, "splits": splits, "truncation": truncations}


def devsets() -> list[str]:
    """Every set in tests/fixtures/devset/: dev first, then the held-out sets in the order written."""
    found = sorted(path.name for path in DEVSET.iterdir() if path.is_dir())
    return sorted(found, key=lambda name: (name != "dev", len(name), name))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.strip", description=__doc__.split("\n\n")[0])
    sets = devsets()
    parser.add_argument("--set", default="all", choices=sets + ["all"])
    parser.add_argument("--verbose", action="store_true", help="list every problem, page by page")
    args = parser.parse_args(argv)
    names = sets if args.set == "all" else [args.set]
    for name in names:
        corpus = pages(DEVSET / name)
        if not corpus:
            print(f"{name}: no pages in {DEVSET / name}")
            continue
        measure(name, corpus, args.verbose)


if __name__ == "__main__":
    main()
