"""db: the package as SQLite with its keys and Chinese full-text search, served by Datasette."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from scripts import db
from tests.conftest import first_part, read_table, run_module, stop, table_rows


@pytest.fixture
def database(repo):
    result = run_module(repo, "db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("db: build/corpus.db: ")
    connection = sqlite3.connect(repo / "build" / "corpus.db")
    yield repo, connection
    connection.close()


def a_phrase(repo) -> str:
    """Four characters from the middle of a paragraph of the fixture corpus."""
    text = next(row["text"] for row in table_rows(repo, "paragraphs") if len(row["text"]) > 40)
    return text[20:24]


def test_phrase_search_returns_exactly_the_paragraphs_that_contain_it(database):
    repo, connection = database
    phrase = a_phrase(repo)
    expected = {(row["doc_id"], int(row["seq"])) for row in table_rows(repo, "paragraphs")
                if phrase in row["text"]}
    found = connection.execute(db.PARAGRAPHS_MATCHING, {"phrase": phrase}).fetchall()
    assert {(doc_id, seq) for doc_id, seq, *_ in found} == expected
    documents = {row["doc_id"]: row for row in read_table(repo / "clean" / "documents.csv")}
    for doc_id, seq, text, title, source_id, page, url in found:
        assert phrase in text
        assert title == documents[doc_id]["title"] and source_id == documents[doc_id]["source_id"]
        assert page.startswith("raw/")


def test_a_phrase_with_quotes_and_punctuation_is_text_not_fts_syntax(database):
    _, connection = database
    assert connection.execute(db.PARAGRAPHS_MATCHING, {"phrase": '同志们" OR "：'}).fetchall() == []


def test_titles_are_searchable_too(database):
    repo, connection = database
    title = next(row["title"] for row in read_table(repo / "clean" / "documents.csv") if len(row["title"]) >= 4)
    hits = connection.execute("select doc_id from documents where rowid in (select rowid from documents_fts "
                              "where documents_fts match ?)", (f'"{title[:4]}"',)).fetchall()
    assert hits


def test_documents_of_a_site(database):
    repo, connection = database
    sources = {row["source_id"]: row for row in read_table(repo / "clean" / "sources.csv")}
    site = next(row["site_key"] or row["site"] for row in sources.values() if row["site"])
    expected = [row["doc_id"] for row in read_table(repo / "clean" / "documents.csv")
                if (sources[row["source_id"]]["site_key"] or sources[row["source_id"]]["site"]) == site]
    found = [row[0] for row in connection.execute(db.DOCUMENTS_OF_A_SITE, {"site": site})]
    assert found == expected


def test_every_resource_is_a_table_with_the_keys_of_its_schema(database):
    repo, connection = database
    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        schema = json.loads((repo / resource["schema"]).read_text(encoding="utf-8"))
        columns = connection.execute(f"pragma table_info([{resource['name']}])").fetchall()
        assert [c[1] for c in columns] == [f["name"] for f in schema["fields"]]
        primary = [c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5]]
        assert primary == schema["primaryKey"], resource["name"]
        declared = {(row[3], row[2], row[4]) for row in
                    connection.execute(f"pragma foreign_key_list([{resource['name']}])")}
        assert declared == {(fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
                            for fk in schema.get("foreignKeys", [])}
        count = connection.execute(f"select count(*) from [{resource['name']}]").fetchone()[0]
        assert count == len(table_rows(repo, resource["name"]))
    assert connection.execute("pragma foreign_key_check").fetchall() == []
    doc_id, seq = connection.execute("select doc_id, seq from paragraphs limit 1").fetchone()
    with pytest.raises(sqlite3.IntegrityError):
        connection.execute("insert into paragraphs (doc_id, seq, line, text) values (?, ?, 1, 'x')", (doc_id, seq))


def test_types_come_from_the_schema(database):
    _, connection = database
    n_chars, truncated = connection.execute("select n_chars, truncated from documents limit 1").fetchone()
    assert isinstance(n_chars, int) and truncated in (0, 1)


def test_a_paragraph_of_no_document_fails_the_build_and_keeps_the_old_database(database):
    repo, _ = database
    before = (repo / "build" / "corpus.db").read_bytes()
    path = first_part(repo, "paragraphs")
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[1] = "no-such-document-001," + lines[1].split(",", 1)[1]
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run_module(repo, "db")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: 1 row(s) point at rows that do not exist, the first in paragraphs")
    assert (repo / "build" / "corpus.db").read_bytes() == before
    assert not list((repo / "build").glob(".corpus.db*"))


def test_metadata_carries_the_licence_and_what_each_column_means(repo):
    meta = db.metadata(repo / "datapackage.json")
    assert meta["license"] == "ODC-By-1.0"
    schema = json.loads((repo / "schemas" / "documents.schema.json").read_text(encoding="utf-8"))
    columns = meta["databases"]["corpus"]["tables"]["documents"]["columns"]
    assert columns == {f["name"]: f.get("description", "") for f in schema["fields"]}
    assert set(meta["databases"]["corpus"]["queries"]) == {"documents_of_a_site", "paragraphs_matching"}


def fetch_json(url: str, deadline: float):
    """GET ``url`` until it answers or the deadline passes (the server may still be starting)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read().decode("utf-8"))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def test_datasette_answers_a_chinese_full_text_query_on_loopback(database):
    repo, _ = database
    phrase = a_phrase(repo)
    port = db.free_port()
    server = subprocess.Popen([sys.executable, "-m", "scripts.db", "--serve", "--port", str(port)], cwd=repo,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}/corpus"
        deadline = time.monotonic() + 30
        rows = fetch_json(f"{base}/paragraphs_matching.json?_shape=array&phrase={urllib.parse.quote(phrase)}", deadline)
        expected = {(row["doc_id"], int(row["seq"])) for row in table_rows(repo, "paragraphs")
                    if phrase in row["text"]}
        assert {(row["doc_id"], row["seq"]) for row in rows} == expected
        searched = fetch_json(f"{base}/paragraphs.json?_shape=array&_search={urllib.parse.quote(phrase)}", deadline)
        assert {(row["doc_id"], row["seq"]) for row in searched} == expected
        with urllib.request.urlopen(f"{base}/documents", timeout=5) as response:
            page = response.read().decode("utf-8")
        assert "One row per document" in page  # the description, from datapackage.json
    finally:
        stop(server, timeout=10)
        server.stdout.close()
