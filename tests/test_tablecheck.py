"""tablecheck: every Table Schema constraint the schemas use, checked over Arrow batches, and the
same verdicts frictionless gives row by row."""

from __future__ import annotations

import json

import pytest
from frictionless import Resource, Schema

from scripts import tablecheck
from scripts.tablecheck import TableChecker

SCHEMA = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "pattern": "[a-z]+-[0-9]{3}"}},
        {"name": "seq", "type": "integer", "constraints": {"required": True, "minimum": 1}},
        {"name": "kind", "type": "string", "constraints": {"enum": ["讲话", "工作报告"]}},
        {"name": "ok", "type": "boolean"},
        {"name": "score", "type": "number", "constraints": {"maximum": 1}},
        {"name": "day", "type": "date"},
        {"name": "parent", "type": "string"},
    ],
    "primaryKey": ["id", "seq"],
    "missingValues": [""],
}
HEADER = "id,seq,kind,ok,score,day,parent\n"
GOOD = ["a-001,1,讲话,true,0.5,2024-01-05,p1", "a-001,2,,false,,,p2", "b-002,1,工作报告,true,1,2023-12-31,"]


def check(tmp_path, rows: list[str], schema: dict = SCHEMA, **options) -> list[str]:
    path = tmp_path / "table.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return TableChecker("table", schema, **options).check_files([path]).problems


def frictionless_errors(tmp_path, rows: list[str]) -> int:
    path = tmp_path / "table.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    report = Resource(path.name, basepath=str(tmp_path), schema=Schema.from_descriptor(SCHEMA)).validate()
    return report.tasks[0].stats["errors"]


def test_a_valid_table_has_no_problems(tmp_path):
    assert check(tmp_path, GOOD) == []
    assert frictionless_errors(tmp_path, GOOD) == 0


@pytest.mark.parametrize("row, expected", [
    ("c-003,x,,,,,", "row 5: seq 'x' is not integer"),
    ("c-003,0,,,,,", "row 5: seq 0 is below the minimum 1"),
    ("c-3,1,,,,,", "row 5: id 'c-3' does not match '[a-z]+-[0-9]{3}'"),
    (",1,,,,,", "row 5: id is required but empty"),
    ("c-003,1,通知,,,,", "row 5: kind '通知' is not one of ['讲话', '工作报告']"),
    ("c-003,1,,yes,,,", "row 5: ok 'yes' is not boolean"),
    ("c-003,1,,,1.5,,", "row 5: score 1.5 is above the maximum 1"),
    ("c-003,1,,,abc,,", "row 5: score 'abc' is not number"),
    ("c-003,1,,,,2024-02-30,", "row 5: day '2024-02-30' is not date"),
    ("b-002,1,,,,,", "row 5: primary key {'id': 'b-002', 'seq': 1} is the key of the row before"),
    ("a-001,3,,,,,", "row 5: primary key {'id': 'a-001', 'seq': 3} is out of key order"),
])
def test_each_broken_constraint_is_named_with_its_row(tmp_path, row, expected):
    problems = check(tmp_path, GOOD + [row])
    assert problems[0] == f"table: {expected}" + (" (tables are kept sorted by their key)" if "key" in expected else "")
    if "key order" not in expected:  # sorted tables are this repository's contract, not frictionless's
        assert frictionless_errors(tmp_path, GOOD + [row]) >= 1  # frictionless agrees the row is wrong


def test_keys_are_compared_as_numbers_not_text(tmp_path):
    rows = [f"a-001,{seq},,,,," for seq in (1, 2, 9, 10, 11)]
    assert check(tmp_path, rows) == []


def test_an_unsorted_table_is_checked_with_a_set_of_keys(tmp_path):
    rows = ["b-002,1,,,,,", "a-001,1,,,,,", "b-002,1,,,,,"]
    assert check(tmp_path, rows, sorted_by_key=False) == [
        "table: row 4: primary key {'id': 'b-002', 'seq': 1} is not unique"]


def test_a_key_duplicated_across_two_batches_is_caught(tmp_path, monkeypatch):
    monkeypatch.setattr(tablecheck, "BLOCK_BYTES", 64)  # a batch per row or two
    rows = [f"a-001,{seq},,,,," for seq in range(1, 30)] + ["a-001,29,,,,,"]
    problems = check(tmp_path, rows)
    assert problems == ["table: row 31: primary key {'id': 'a-001', 'seq': 29} is the key of the row before "
                        "(tables are kept sorted by their key)"]


def test_a_foreign_key_missing_from_its_parent_is_caught(tmp_path):
    parent_schema = {"fields": [{"name": "parent", "type": "string"}], "primaryKey": ["parent"]}
    parent_path = tmp_path / "parent.csv"
    parent_path.write_text("parent\np1\np2\n", encoding="utf-8")
    parent = TableChecker("parents", parent_schema, keep=("parent",)).check_files([parent_path])
    schema = {**SCHEMA, "foreignKeys": [{"fields": ["parent"], "reference": {"resource": "parents", "fields": ["parent"]}}]}
    problems = check(tmp_path, GOOD + ["c-003,1,,,,,p9"], schema, parents={"parents": parent})
    assert problems == ["table: row 5: parent 'p9' is not a parent of parents"]


def test_rows_with_the_wrong_number_of_cells_are_named_and_the_rest_still_checked(tmp_path):
    problems = check(tmp_path, GOOD + ["c-003,1", "c-004,x,,,,,"])
    assert "table: table.csv: row 5: 2 cells, the header has 7" in problems
    assert "table: row 6: seq 'x' is not integer" in problems


def test_a_wrong_header_is_one_problem(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("id,seq\na-001,1\n", encoding="utf-8")
    problems = TableChecker("table", SCHEMA).check_files([path]).problems
    assert len(problems) == 1 and "header ['id', 'seq'] is not the schema's fields" in problems[0]


def test_optional_columns_may_be_left_out_when_fields_match_is_superset(tmp_path):
    schema = {**SCHEMA, "fieldsMatch": "superset"}
    path = tmp_path / "table.csv"
    path.write_text("seq,id\n1,a-001\n", encoding="utf-8")
    assert TableChecker("table", schema).check_files([path]).problems == []
    path.write_text("seq,id,colour\n1,a-001,red\n", encoding="utf-8")
    assert "unknown columns ['colour']" in TableChecker("table", schema).check_files([path]).problems[0]


def test_a_thousand_bad_rows_are_twenty_lines_and_a_count(tmp_path):
    rows = [f"a-001,{seq},通知,,,," for seq in range(1, 1001)]
    problems = check(tmp_path, rows)
    assert len(problems) == tablecheck.MAX_PER_CHECK + 1
    assert problems[-1] == "table: and 980 more row(s) failing kind enum"


def test_bytes_that_are_not_utf8_are_one_problem_naming_the_file(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(HEADER.encode() + "a-001,1,讲话,,,,\n".encode("gb18030"))
    problems = TableChecker("table", SCHEMA).check_files([path]).problems
    assert len(problems) == 1 and problems[0].startswith("table: table.csv: ")
    assert json.dumps(problems)  # printable


def test_doc_ids_sort_by_page_then_number_as_package_writes_them(tmp_path):
    from scripts.validate import SORT_ORDER

    schema = {"fields": [{"name": "doc_id", "type": "string"}], "primaryKey": ["doc_id"]}
    path = tmp_path / "documents.csv"
    # Page "a" comes before page "a-0.b", though "a-0.b-001" < "a-001" as strings; 1000 after 999.
    path.write_text("doc_id\na-001\na-999\na-1000\na-0.b-001\n", encoding="utf-8")
    assert TableChecker("documents", schema, sort_order=SORT_ORDER).check_files([path]).problems == []
    assert TableChecker("documents", schema).check_files([path]).problems != []  # string order would refuse it
    path.write_text("doc_id\na-002\na-001\n", encoding="utf-8")
    assert TableChecker("documents", schema, sort_order=SORT_ORDER).check_files([path]).problems == [
        "documents: row 3: primary key {'doc_id': 'a-001'} is out of key order (tables are kept sorted by their key)"]


# --- verdicts per file: a file whose bytes did not change is not read again --------------------

def write_parts(folder, parts: dict[str, list[str]]) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in parts.items():
        path = folder / f"table-{name}.csv"
        path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
        paths.append(path)
    return paths


def checked_with(paths, verdicts: dict, monkeypatch) -> tuple[TableChecker, list[str]]:
    """A check with these verdicts; returns the checker and the names of the files it read."""
    read: list[str] = []
    real = tablecheck.batches
    monkeypatch.setattr(tablecheck, "batches", lambda path, *args: read.append(path.name) or real(path, *args))
    checker = TableChecker("table", SCHEMA, verdicts=verdicts, context="c")
    checker.check_files(paths)
    return checker, read


def test_unchanged_files_are_not_read_again_and_give_the_same_verdict(tmp_path, monkeypatch):
    paths = write_parts(tmp_path / "table", {"a": ["a-001,1,讲话,,,,", "a-001,2,通知,,,,"], "b": ["b-002,1,,,,,"]})
    first, read = checked_with(paths, {}, monkeypatch)
    assert read == ["table-a.csv", "table-b.csv"] and len(first.report.problems) == 1  # 通知 is not in the enum
    again, read = checked_with(paths, first.checked, monkeypatch)
    assert read == [] and again.report.problems == first.report.problems and again.report.rows == 3
    # A changed file is read again; the other is not, and the cross-file key order still holds.
    paths[1].write_text(HEADER + "a-001,2,,,,,\n", encoding="utf-8")  # the key of a's last row again
    changed, read = checked_with(paths, again.checked, monkeypatch)
    assert read == ["table-b.csv"]
    assert any("table-b.csv row 2: primary key {'id': 'a-001', 'seq': 2} is the key of the row before" in p
               for p in changed.report.problems), changed.report.problems
    # The file before a kept one changes: the kept file's first key is checked against its new end.
    paths[1].write_text(HEADER + "b-002,1,,,,,\n", encoding="utf-8")
    paths[0].write_text(HEADER + "a-001,1,,,,,\nc-003,1,,,,,\n", encoding="utf-8")
    kept, read = checked_with(paths, changed.checked, monkeypatch)
    assert "table-a.csv" in read
    assert any("table-b.csv row 2: primary key {'id': 'b-002', 'seq': 1} is out of key order" in p
               for p in kept.report.problems), kept.report.problems


def test_a_kept_file_whose_reference_left_the_parent_is_read_and_named_by_row(tmp_path, monkeypatch):
    import pyarrow as pa

    schema = {**SCHEMA, "foreignKeys": [{"fields": "parent", "reference": {"resource": "parents", "fields": "pid"}}]}
    paths = write_parts(tmp_path / "table", {"a": ["a-001,1,,,,,p1", "a-001,2,,,,,p2"]})

    def run(parent_keys: list[str], verdicts: dict) -> tuple[TableChecker, list[str]]:
        parent = tablecheck.TableReport("parents", keys={"pid": pa.chunked_array([pa.array(parent_keys)])})
        read: list[str] = []
        real = tablecheck.batches
        monkeypatch.setattr(tablecheck, "batches", lambda path, *args: read.append(path.name) or real(path, *args))
        checker = TableChecker("table", schema, parents={"parents": parent}, verdicts=verdicts, context="c")
        checker.check_files(paths)
        return checker, read

    first, read = run(["p1", "p2"], {})
    assert first.report.problems == [] and read == ["table-a.csv"]
    again, read = run(["p1", "p2"], first.checked)
    assert read == []
    gone, read = run(["p1"], first.checked)
    assert read == ["table-a.csv"]
    assert gone.report.problems == ["table: table-a.csv row 3: parent 'p2' is not a pid of parents"]
