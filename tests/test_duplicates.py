"""duplicates: the same text republished under another title lands in one cluster, marked, not dropped."""

from __future__ import annotations

import csv

from scripts import describe, summary
from scripts.duplicates import find_clusters
from tests.conftest import add_raw_file, build, read_table, run_module, table_rows


def paragraphs_of(repo, doc_id: str) -> list[str]:
    return [row["text"] for row in table_rows(repo, "paragraphs") if row["doc_id"] == doc_id]


def longest_speech(repo) -> str:
    documents = read_table(repo / "clean" / "documents.csv")
    return max((d for d in documents if d["doc_type"] == "讲话"), key=lambda d: int(d["n_chars"]))["doc_id"]


def cluster_of(rows: list[dict], doc_id: str) -> str | None:
    return next((row["cluster_id"] for row in rows if row["doc_id"] == doc_id), None)


def test_republished_speech_under_another_title_with_a_paragraph_dropped_joins_its_cluster(repo):
    speech = longest_speech(repo)
    paragraphs = paragraphs_of(repo, speech)
    assert len(paragraphs) >= 4
    republished = paragraphs[:2] + paragraphs[3:]  # one paragraph dropped
    page = "\n".join(["在全县卫生健康工作会议上的讲话（精选范文）", "", *republished]) + "\n"
    add_raw_file(repo, "raw/unknown/f009_republished.txt", page.encode("utf-8"))
    result = build(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = read_table(repo / "clean" / "duplicates.csv")
    new = next(d["doc_id"] for d in read_table(repo / "clean" / "documents.csv")
               if d["source_id"] == "f009_republished")
    assert cluster_of(rows, new) is not None and cluster_of(rows, new) == cluster_of(rows, speech)
    # Marked, never dropped: both are still documents, and the cluster has one representative.
    members = [row for row in rows if row["cluster_id"] == cluster_of(rows, speech)]
    assert sum(row["representative"] == "true" for row in members) == 1
    assert all(0.5 <= float(row["similarity"]) <= 1 for row in members)
    assert run_module(repo, "validate").returncode == 0
    # The pull-request summary names the existing document the new one republishes.
    title, items = summary.duplicates_of_existing([new], {new: {"title": "t"}}, repo / "clean")
    assert title == "New documents that duplicate existing ones: 1"
    assert f"`{new}` t: duplicate of `{speech}`" in items[0]


def test_unrelated_speeches_of_the_same_kind_stay_apart(repo):
    documents = read_table(repo / "clean" / "documents.csv")
    texts = {d["doc_id"]: "\n".join(paragraphs_of(repo, d["doc_id"])) for d in documents}
    assert len(texts) >= 3
    rows = find_clusters(({"doc_id": d, "truncated": False, "placeholders": 0, "n_chars": len(t), "text": t}
                          for d, t in texts.items()), lambda wanted: iter(texts.items()))
    assert rows == []


def document(doc_id: str, text: str, truncated: bool = False, placeholders: int = 0) -> dict:
    return {"doc_id": doc_id, "truncated": truncated, "placeholders": placeholders, "n_chars": len(text), "text": text}


SPEECH = "\n".join(f"第{n}部分，全县卫生工作要坚持以人民健康为中心，推进第{n}项重点任务落实到位，切实提高服务能力和水平。"
                   for n in range(1, 13))


def test_representative_is_not_truncated_then_fewest_placeholders_then_longest_then_smallest_id():
    docs = [document("a-001", SPEECH, truncated=True), document("b-001", SPEECH + "\n补充一段。", placeholders=2),
            document("c-001", SPEECH), document("d-001", SPEECH + "\n另有一段说明文字。")]
    texts = {d["doc_id"]: d["text"] for d in docs}
    rows = find_clusters(iter(docs), lambda wanted: iter(texts.items()))
    assert {row["cluster_id"] for row in rows} == {"d-001"}
    assert [row["doc_id"] for row in rows if row["representative"]] == ["d-001"]
    assert next(row["similarity"] for row in rows if row["doc_id"] == "d-001") == 1.0


def test_same_inputs_give_the_same_bytes(repo):
    first = run_module(repo, "duplicates", "--force")
    assert first.returncode == 0, first.stderr
    before = (repo / "build" / "duplicates.jsonl").read_bytes(), (repo / "build" / "paragraph-repeats.jsonl").read_bytes()
    again = run_module(repo, "duplicates", "--force")
    assert again.returncode == 0, again.stderr
    after = (repo / "build" / "duplicates.jsonl").read_bytes(), (repo / "build" / "paragraph-repeats.jsonl").read_bytes()
    assert before == after
    assert "reused" in run_module(repo, "duplicates").stdout


def test_hashes_fold_punctuation_and_case_but_keep_digits():
    assert describe.paragraph_hash("2020年卫生工作总结") != describe.paragraph_hash("2021年卫生工作总结")
    assert describe.paragraph_hash("20XX年，卫生工作。") == describe.paragraph_hash("20xx年 卫生工作")
    assert describe.document_sha256(["同志们：", "谢谢！"]) == describe.document_sha256(["同志们", "谢谢"])


def test_paragraphs_record_how_many_documents_and_sites_share_their_text(repo):
    rows = table_rows(repo, "paragraphs")
    assert all(len(row["text_hash"]) == 16 for row in rows)
    by_hash: dict[str, set] = {}
    for row in rows:
        by_hash.setdefault(row["text_hash"], set()).add(row["doc_id"])
    for row in rows:
        assert int(row["hash_documents"]) == len(by_hash[row["text_hash"]])


def test_validate_rejects_a_cluster_with_two_representatives(repo):
    documents = [d["doc_id"] for d in read_table(repo / "clean" / "documents.csv")][:2]
    with open(repo / "clean" / "duplicates.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["cluster_id", "doc_id", "representative", "similarity"])
        writer.writerow([documents[0], documents[0], "true", "1.0"])
        writer.writerow([documents[0], documents[1], "true", "0.8"])
    result = run_module(repo, "validate")
    assert result.returncode == 1
    assert f"cluster {documents[0]}: 2 representatives, not 1" in result.stderr


def test_paragraph_repeats_count_documents_and_distinct_sites_once_each():
    from scripts.duplicates import ParagraphRepeats

    repeats = ParagraphRepeats()
    repeats.add("a", ["00000000000000ff", "0000000000000001"])
    repeats.add("b", ["00000000000000ff"])
    repeats.add("a", ["0000000000000001", "0000000000000001"])  # twice in one document: once
    repeats.add("c", ["abcdef0123456789"])  # in one document only: not a repeat
    assert repeats.repeated() == [{"text_hash": "0000000000000001", "documents": 2, "sites": 1},
                                  {"text_hash": "00000000000000ff", "documents": 2, "sites": 2}]
    assert ParagraphRepeats().repeated() == []


def test_only_pages_whose_key_changed_are_read_from_split_again(tmp_path, monkeypatch):
    """build/duplicates-index/ keeps what this stage needs of each page: a page is parsed from
    split's output again only when its key changed (``--force``: every page)."""
    from scripts import duplicates, pipeline, shingles

    monkeypatch.setattr(pipeline, "BUILD", tmp_path)

    def page(source_id: str, key: str, digest: str) -> dict:
        text = "卫生工作" + source_id
        return {"source_id": source_id, "key": key, "site_key": "s", "documents": [{
            "doc_id": f"{source_id}-001", "truncated": False, "placeholders": 0, "n_chars": len(text),
            "minhash": shingles.signature_hex(text), "folded_sha256": shingles.folded_sha256(text),
            "paragraph_hashes": [digest], "paragraphs": [[1, text]]}]}

    def split(pages: list[dict]) -> None:
        pipeline.run_stage("split", lambda record: {k: v for k, v in record.items() if k != "key"}, pages, "f")

    def repeated(reuse: bool = True) -> dict[str, int]:
        return {row["text_hash"]: row["documents"] for row in duplicates.compute(reuse)[1]}

    aa, bb, cc = "00000000000000aa", "00000000000000bb", "00000000000000cc"
    split([page("a", "k1", aa), page("b", "k1", bb), page("c", "k1", aa)])
    assert repeated() == {aa: 2}
    # Page b now shares a hash with a, under a new key: read again. Page c changes in split's output
    # without a new key (a cache that lies): its indexed version is used, until reuse=False.
    split([page("a", "k1", aa), page("b", "k2", aa), page("c", "k1", aa)])
    (segment,) = pipeline.stage_files("split")
    lines = segment.read_text(encoding="utf-8").splitlines(keepends=True)
    segment.write_text("".join(lines[:2] + [lines[2].replace(aa, cc)]), encoding="utf-8")
    assert repeated() == {aa: 3}
    assert repeated(reuse=False) == {aa: 2}


def test_pairs_compared_before_are_not_read_again_and_give_the_same_clusters():
    """Verdicts are kept by the two texts' folded hashes: a second run over unchanged texts reads
    no text; a changed text is read, with the documents it is now paired with."""
    from scripts.duplicates import Verdicts

    docs = [document("a-001", SPEECH), document("b-001", SPEECH + "\n补充一段。"), document("c-001", SPEECH + "\n另有一段说明文字。")]
    texts = {d["doc_id"]: d["text"] for d in docs}
    asked: list[set] = []

    def reader(wanted: set):
        asked.append(set(wanted))
        return iter(texts.items())

    known = Verdicts()
    first = find_clusters(iter(docs), reader, known=known)
    assert asked and len(first) == 3
    asked.clear()
    again = find_clusters(iter(docs), reader, known=Verdicts(dict(known.used)))
    assert again == first and asked == []
    changed = [*docs[:2], document("c-001", SPEECH + "\n另有一段新的说明文字。")]
    texts["c-001"] = changed[2]["text"]
    after = find_clusters(iter(changed), reader, known=Verdicts(dict(known.used)))
    assert asked and all("c-001" in wanted for wanted in asked)
    assert after == find_clusters(iter(changed), lambda wanted: iter(texts.items()))
