"""Benchmark of HTML pages: the codec and the article extractor, on tests/fixtures/html/.

Each fixture page (invented in the shapes 范文 sites use; pages.json says what each holds) is
decoded as decode does (its HTTP content_type included), its article extracted by each extractor
compared, then stripped, normalized and split in process like any page of a site no profile
knows. Printed per extractor:

- codec: pages decoded with another codec than the page's bytes are in;
- residue: chrome strings (navigation, 相关推荐/热门 lists, comments, footer, markup and entities)
  still in the documents;
- body lost: characters of the article's lines not found in the documents;
- splits: pages whose number of documents is not the annotated one;
- truncation: pages whose truncated flag is not the annotated one;
- failed: pages refused (the extractor found no article).

trafilatura is the extractor the build uses; readability-lxml and jusText (no Chinese stoplist:
run as a length and link-density classifier) are the alternatives; "none" keeps every visible line
and leaves it all to strip's rules and classifier.

    make bench-html [VERBOSE=1]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.strip import _lost, canonical
from scripts import decode, extract, normalize, split, strip
from scripts.pipeline import ROOT, PageError

FIXTURES = ROOT / "tests" / "fixtures" / "html"


def readability_text(html: str) -> str:
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    root = extract.parse(f"<html><body>{summary}</body></html>")
    return "\n".join(line.text for line in extract.visible_lines(root))


def justext_text(html: str) -> str:
    import justext

    paragraphs = justext.justext(html.encode("utf-8"), frozenset(), stopwords_low=0, stopwords_high=0,
                                 length_low=10, length_high=40, encoding="utf-8")
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def everything(html: str) -> str:
    return "\n".join(line.text for line in extract.visible_lines(extract.parse(html)) if not line.head)


EXTRACTORS = {"trafilatura": extract.trafilatura_text, "readability-lxml": readability_text,
              "justext": justext_text, "none": everything}


def build_page(page: dict, extractor) -> tuple[dict | None, str, str]:
    """(the page as split leaves it, or None; the codec used; why it failed)."""
    data = (FIXTURES / page["file"]).read_bytes()
    detection = decode.detect_html(data, page["content_type"])
    text = decode.normalize_newlines(detection.text)
    source = {"row": {"site": "", "url": ""}, "path": f"raw/html/{page['file']}", "format": "html"}
    previous = extract.article_text
    extract.article_text = extractor
    try:
        stripped = strip.strip_record({"source": source, "text": text})
    except PageError as error:
        return None, detection.encoding, str(error)
    finally:
        extract.article_text = previous
    record = split.split_record({"source_id": Path(page["file"]).stem, **normalize.normalize_record(stripped)})
    return record, detection.encoding, ""


def score(page: dict, record: dict | None) -> dict:
    body = [canonical(line) for line in page["body"]]
    result = {"residue": [], "lost": 0, "body_chars": sum(map(len, body)), "split": False, "truncation": False}
    if record is None:
        result.update(lost=result["body_chars"], split=True, truncation=True)
        return result
    documents = record["documents"]
    texts = [canonical("".join(text for _, text in d["paragraphs"])) for d in documents]
    raw_texts = "\n".join(text for d in documents for _, text in d["paragraphs"])
    output = "\n".join(texts)
    for string in page["residue"]:
        # Markup and entities are looked for as they are; chrome words on the canonical text.
        found = string in raw_texts if not any("\u3400" <= c <= "\u9fff" for c in string) else \
            canonical(string) in output and canonical(string) not in "\n".join(body)
        if found:
            result["residue"].append(string)
    for line in body:
        if line and line not in output:
            lost = _lost(line, texts)
            result["lost"] += int(lost.split(" of ", 1)[0]) if " of " in lost and lost[0].isdigit() else len(lost)
    result["split"] = len(documents) != page["documents"]
    result["truncation"] = any(d["truncated"] for d in documents) != page["truncated"]
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.html", description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="every page's residue, losses and failures")
    args = parser.parse_args(argv)
    pages = json.loads((FIXTURES / "pages.json").read_text(encoding="utf-8"))["pages"]
    print(f"{len(pages)} pages in {FIXTURES.relative_to(ROOT)}")
    print(f"{'extractor':<18}{'codec wrong':>12}{'residue':>9}{'body lost':>16}{'splits':>8}{'trunc.':>8}{'failed':>8}")
    for name, extractor in EXTRACTORS.items():
        try:
            extractor("<html><body><p>试</p></body></html>")
        except ImportError as error:
            print(f"{name:<18}not installed ({error.name}); see requirements.in")
            continue
        codec = residue = lost = total = splits = truncations = failed = 0
        notes = []
        for page in pages:
            record, encoding, failure = build_page(page, extractor)
            result = score(page, record)
            codec += encoding != page["encoding"]
            residue += len(result["residue"])
            lost += result["lost"]
            total += result["body_chars"]
            splits += result["split"]
            truncations += result["truncation"]
            failed += record is None
            if args.verbose and (result["residue"] or result["lost"] or failure or result["split"]):
                notes.append(f"  {page['file']}: {failure or ''} residue {result['residue']} lost {result['lost']}"
                             f"{' split wrong' if result['split'] else ''}")
        print(f"{name:<18}{codec:>12}{residue:>9}{f'{lost} of {total}':>16}{splits:>8}{truncations:>8}{failed:>8}")
        for note in notes:
            print(note)


if __name__ == "__main__":
    main()
