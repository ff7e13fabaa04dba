"""Table Schema checks that stream: every constraint of a schema, over a CSV read in Arrow batches.

Why not frictionless's row loop: it builds a Python row per row and runs each check per cell (half
of validation's 17 s on 1,000 pages, see make bench-build). Here each constraint is one vectorised
Arrow compute over a batch (types, required, pattern, enum, minimum/maximum, minLength); a primary
key is checked by order when the table is written sorted by it (a key not greater than the one
before is a duplicate or out of order: constant memory), else by a set of the keys; a foreign key by
membership in the parent's key column, held as one Arrow array (memory for the keys, not the rows).
frictionless still validates the descriptor, and ``python -m scripts.validate --frictionless`` runs
its full row-by-row validation for comparison.

Semantics follow frictionless 5 for what the schemas use: ``missingValues`` (empty = null), the
default true/false values, ISO dates, patterns matched whole, null foreign keys skipped.
"""

from __future__ import annotations

import csv
from datetime import date
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

from scripts.pipeline import cached_file_digest

BLOCK_BYTES = 1 << 19  # Arrow parses a CSV in blocks this size: memory per table is bounded by it (4 MB blocks: validate peaked at 400 MB at 1,000 pages, 512 kB: 300 MB, as fast)
TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]
TYPE_PATTERNS = {
    "integer": r"^[+-]?[0-9]+$",
    "number": r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$|^(?:NaN|-?INF)$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
}
MAX_PER_CHECK = 20  # rows quoted per failing check and file; the count of the rest is reported


@dataclass
class Batch:
    """Rows of one file as Arrow string columns, and the row number (header = row 1) of the first."""
    path: Path
    columns: dict[str, pa.Array]
    first_row: int
    skipped: list[int] = field(default_factory=list)  # row numbers of malformed rows left out
    label: str = ""  # the part's name for a multipart table ("paragraphs-x.csv "), else ""

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def row(self, index: int) -> int:
        number = self.first_row + index
        for skipped in self.skipped:  # sorted: each malformed row at or before this one moves it down
            if skipped <= number:
                number += 1
        return number

    def where(self, index: int) -> str:
        """How a problem names the row: "row 12", or "paragraphs-x.csv row 12" in a multipart table."""
        return f"{self.label}row {self.row(index)}"

    def texts(self, name: str) -> list[str]:
        return self.columns[name].to_pylist()


@dataclass
class TableReport:
    name: str
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    keys: dict[str, pa.ChunkedArray] = field(default_factory=dict)  # field -> values, for children
    _overflow: dict[str, int] = field(default_factory=dict)

    def add(self, check: str, message: str) -> None:
        """A problem; past MAX_PER_CHECK of one check only counted, so a broken column is one screen."""
        seen = self._overflow.get(check, 0)
        self._overflow[check] = seen + 1
        if seen < MAX_PER_CHECK:
            self.problems.append(message)

    def close(self) -> None:
        for check, count in sorted(self._overflow.items()):
            if count > MAX_PER_CHECK:
                self.problems.append(f"{self.name}: and {count - MAX_PER_CHECK} more row(s) failing {check}")


def read_header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle), [])


def batches(path: Path, names: list[str], malformed: list[str], label: str = "") -> Iterator[Batch]:
    """The file's rows in Arrow batches, every column a string (an empty cell is ""); a row with the
    wrong number of cells is left out and described in ``malformed``. Raises pa.ArrowInvalid for a
    file that is not CSV or not UTF-8."""
    skipped: list[int] = []

    def invalid(row) -> str:
        if row.number is not None:
            skipped.append(row.number)
        where = f"row {row.number}" if row.number is not None else "a row"
        malformed.append(f"{where}: {row.actual_columns} cells, the header has {row.expected_columns}")
        return "skip"

    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid),
        convert_options=pacsv.ConvertOptions(column_types={name: pa.string() for name in names},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False,
                                             include_columns=names, check_utf8=True))
    row = 2
    for batch in reader:
        if batch.num_rows:
            yield Batch(path, {name: batch.column(name) for name in names}, row, sorted(skipped), label)
            row += batch.num_rows


def _without(mask: pa.Array, rows: list[int]) -> pa.Array:
    """``mask`` with ``rows`` set false."""
    values = pc.fill_null(mask, False).to_numpy(zero_copy_only=False).copy()
    values[rows] = False
    return pa.array(values)


def _rows(mask) -> list[int]:
    """Indexes where a boolean Arrow array is true (nulls are not)."""
    return pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()


class RowCheck:
    """A data check beyond the schema, fed every batch of a table's files (``__call__`` returns
    problem lines). The other hooks are for checks that keep state or a cache, each a no-op here:
    ``start_file`` (problems already known for a file, e.g. from a cache), ``finish`` (problems of
    batches still queued), and for a file not read again, ``file_state`` (what its verdict keeps of
    this check), ``can_restore`` and ``restore`` (take that state back; False makes the file be read)."""

    name = "a data check"

    def __call__(self, batch: Batch) -> list[str]:
        return []

    def start_file(self, path: Path) -> list[str]:
        return []

    def finish(self) -> list[str]:
        return []

    def file_state(self) -> object:
        return None

    def can_restore(self, path: Path, state: object) -> bool:
        return True

    def restore(self, path: Path, state: object) -> list[str]:
        return []


class TableChecker:
    """Checks the files of one resource against its Table Schema, batch by batch.

    ``parents`` maps a resource name to its TableReport (already checked, keys kept) for foreign
    keys; ``sorted_by_key`` says the table is written in primary-key order (checked by order);
    ``row_checks`` are the data checks beyond the schema, each called with every Batch and
    returning problem lines; ``keep`` names the fields whose values children need; ``sort_order``
    maps a key field to the columns it sorts by when that is not its own string order (a doc_id: its
    page, then its number).
    """

    def __init__(self, name: str, schema: dict, *, parents: dict[str, TableReport] | None = None,
                 sorted_by_key: bool = True, row_checks: list[RowCheck] | None = None,
                 keep: tuple[str, ...] = (),
                 sort_order: dict[str, Callable[[pa.Array], list[pa.Array]]] | None = None,
                 verdicts: dict[str, dict] | None = None, context: str = ""):
        self.name = name
        self.schema = schema
        self.fields = schema["fields"]
        self.names = [f["name"] for f in self.fields]
        self.parents = parents or {}
        self.sorted_by_key = sorted_by_key
        self.row_checks = row_checks or []
        self.keep = keep
        self.sort_order = sort_order or {}
        key = schema.get("primaryKey", [])
        self.key = [key] if isinstance(key, str) else list(key)
        self.types = {f["name"]: f.get("type", "string") for f in self.fields}
        self.report = TableReport(name)
        self._previous_key: tuple | None = None
        self._seen_keys: set[tuple] = set()
        self._unique: dict[str, set] = {f["name"]: set() for f in self.fields
                                        if f.get("constraints", {}).get("unique") and [f["name"]] != self.key}
        self._kept: dict[str, list[pa.Array]] = {name: [] for name in keep}
        # Per file, what checking it found, by its content hash and the checks' context: a file
        # whose bytes did not change is not read again (see _replay). Only for tables whose checks
        # are all per file: no kept keys, no unique column, keys in order.
        self.verdicts = verdicts if verdicts is not None and not keep and not self._unique and sorted_by_key else None
        self.context = context
        self.checked: dict[str, dict] = {}  # this run's verdicts, by file
        self._file: dict | None = None  # what the file being read contributes to its verdict

    def check_files(self, paths: list[Path]) -> TableReport:
        # The parts of a multipart table live in a folder named after it: a problem names its part.
        self.multipart = len(paths) > 1 or any(path.parent.name == self.name for path in paths)
        for path in paths:
            self.check_file(path)
        for check in self.row_checks:  # checks that queue batches report the rest now
            for problem in check.finish():
                self.report.add(check.name, f"{self.name}: {problem}")
        for name, arrays in self._kept.items():
            self.report.keys[name] = pa.chunked_array(arrays, type=pa.string())
        self.report.close()
        return self.report

    def check_file(self, path: Path) -> None:
        if self.verdicts is not None:
            digest = cached_file_digest(path)
            entry = self.verdicts.get(path.name)
            if entry is not None and entry.get("digest") == digest and entry.get("context") == self.context \
                    and self._replay(path, entry):
                self.checked[path.name] = entry
                return
            self._file = {"digest": digest, "context": self.context, "rows": 0, "adds": [], "first": None,
                          "first_key": {}, "first_where": "", "last": None, "refs": {}}
        # A file's verdict is its own: its first key is compared with the file before it apart.
        previous, self._previous_key = self._previous_key, (self._previous_key if self._file is None else None)
        self._read_file(path)
        if self._file is not None:
            entry, self._file = self._file, None
            self._across_files(entry, previous)
            entry["refs"] = {name: sorted(values) for name, values in entry["refs"].items()}
            entry["states"] = {check.name: check.file_state() for check in self.row_checks}
            self.checked[path.name] = entry

    def _replay(self, path: Path, entry: dict) -> bool:
        """Apply a file's verdict without reading it, when nothing it was judged against changed: its
        references are still keys of the parents and its row checks can take their state back
        (False: the file is read and checked)."""
        for name, values in entry.get("refs", {}).items():
            parent = self._parent_keys(name)
            if parent is None or not pc.all(pc.is_in(pa.array(values, pa.string()), value_set=parent)).as_py():
                return False
        states = entry.get("states", {})
        if not all(check.can_restore(path, states.get(check.name)) for check in self.row_checks):
            return False
        for check in self.row_checks:
            for problem in check.restore(path, states.get(check.name)):
                self.report.add(check.name, f"{self.name}: {problem}")
        self.report.rows += entry["rows"]
        for check, message in entry["adds"]:
            self.report.add(check, message)
        self._across_files(entry, self._previous_key)
        return True

    def _across_files(self, entry: dict, previous: tuple | None) -> None:
        """A file's first key must follow the last key of the file before it; its last key is then
        the one the next file follows."""
        if entry["first"] is not None and previous is not None:
            first = tuple(entry["first"])
            if not first > previous:
                state = "is the key of the row before" if first == previous else "is out of key order"
                self.report.add("primary key", f"{self.name}: {entry['first_where']}: primary key "
                                f"{entry['first_key']} {state} (tables are kept sorted by their key)")
        self._previous_key = tuple(entry["last"]) if entry["last"] is not None else previous

    def _foreign_keys(self) -> Iterator[tuple[list[str], str, list[str], TableReport | None]]:
        """(fields, parent resource, parent fields, the parent's report if it was read) of each of
        the schema's foreign keys, single fields given as lists."""
        for foreign in self.schema.get("foreignKeys", []):
            fields, reference = foreign["fields"], foreign["reference"]
            parent_fields = reference["fields"]
            yield ([fields] if isinstance(fields, str) else fields, reference["resource"],
                   [parent_fields] if isinstance(parent_fields, str) else parent_fields,
                   self.parents.get(reference["resource"]))

    def _parent_keys(self, name: str) -> pa.ChunkedArray | None:
        for fields, _, parent_fields, parent in self._foreign_keys():
            if fields[0] == name:
                return parent.keys.get(parent_fields[0]) if parent is not None else None
        return None

    def _read_file(self, path: Path) -> None:
        where = f"{self.name}: {path.name}"
        try:
            header = read_header(path)
        except (OSError, UnicodeDecodeError) as error:
            self._add("file", f"{where}: cannot be read ({error})")
            return
        active = self._columns(where, header)
        if active is None:
            return
        malformed: list[str] = []
        for check in self.row_checks:  # a check may know this file's verdict already (its cache)
            for problem in check.start_file(path):
                self.report.add(check.name, f"{self.name}: {problem}")
        label = f"{path.name} " if getattr(self, "multipart", False) else ""
        try:
            for batch in batches(path, active, malformed, label):
                self.report.rows += len(batch)
                if self._file is not None:
                    self._file["rows"] += len(batch)
                self.check_batch(batch)
        except pa.ArrowInvalid as error:
            self._add("file", f"{where}: not a readable CSV of the schema's columns: {error}")
        for problem in malformed:
            self._add("cells", f"{where}: {problem}")

    def _columns(self, where: str, header: list[str]) -> list[str] | None:
        """The schema's fields the file has, in schema order; None (and a problem) if it cannot be read.
        ``fieldsMatch`` exact (the default) wants the header to be the fields; superset and partial let
        optional fields be left out (a required one may not), never an unknown column."""
        match = self.schema.get("fieldsMatch", "exact")
        if match == "exact":
            if header != self.names:
                self._add("file", f"{where}: header {header} is not the schema's fields {self.names}")
                return None
            return self.names
        unknown = [name for name in header if name not in self.names]
        missing = [spec["name"] for spec in self.fields if spec["name"] not in header
                   and spec.get("constraints", {}).get("required")]
        if unknown or missing or len(set(header)) != len(header):
            self._add("file", f"{where}: header {header}: unknown columns {unknown}, required "
                                        f"columns missing {missing}" + (", a column twice" if len(set(header)) != len(header) else ""))
            return None
        return [name for name in self.names if name in header]

    def check_batch(self, batch: Batch) -> None:
        typed = {}
        for spec in self.fields:
            if spec["name"] in batch.columns:
                typed[spec["name"]] = self._check_field(batch, spec)
        self._check_primary_key(batch, typed)
        self._check_foreign_keys(batch)
        for name in self.keep:
            self._kept[name].append(batch.columns[name])
        for check in self.row_checks:
            for problem in check(batch):
                self.report.add(check.name, f"{self.name}: {problem}")

    def _complain(self, batch: Batch, check: str, rows: list[int], message: Callable[[int], str]) -> None:
        for index in rows:
            self._add(check, f"{self.name}: {batch.where(index)}: {message(index)}")

    def _add(self, check: str, message: str) -> None:
        """A problem of the file being read: reported, and kept in its verdict."""
        self.report.add(check, message)
        if self._file is not None:
            self._file["adds"].append([check, message])

    def _check_field(self, batch: Batch, spec: dict) -> pa.Array | None:
        """Checks one column; returns its typed values (integers, numbers, booleans) or None."""
        name, kind = spec["name"], spec.get("type", "string")
        constraints = spec.get("constraints", {})
        column = batch.columns[name]
        present = pc.not_equal(column, "")
        cells = column.to_pylist
        if constraints.get("required"):
            self._complain(batch, f"{name} required", _rows(pc.invert(present)),
                           lambda i: f"{name} is required but empty")
        typed = None
        if kind in TYPE_PATTERNS:
            wrong = pc.and_(present, pc.invert(pc.match_substring_regex(column, TYPE_PATTERNS[kind])))
            bad = _rows(wrong)
            if kind == "date":  # the shape is not enough: 2024-02-30
                values = cells()
                bad = sorted(set(bad) | {i for i in _rows(present) if not _is_date(values[i])})
            if bad:
                values = cells()
                self._complain(batch, f"{name} type", bad, lambda i: f"{name} {values[i]!r} is not {kind}")
                present = _without(present, bad)
            if kind in ("integer", "number"):
                typed = pc.cast(pc.if_else(present, column, "0"), pa.int64() if kind == "integer" else pa.float64())
        elif kind == "boolean":
            true_values = spec.get("trueValues", TRUE_VALUES)
            false_values = spec.get("falseValues", FALSE_VALUES)
            known = pc.is_in(column, value_set=pa.array(true_values + false_values))
            bad = _rows(pc.and_(present, pc.invert(known)))
            if bad:
                values = cells()
                self._complain(batch, f"{name} type", bad, lambda i: f"{name} {values[i]!r} is not boolean")
            typed = pc.is_in(column, value_set=pa.array(true_values))
        elif kind != "string":
            self._add("schema", f"{self.name}: field {name}: type {kind!r} is not checked by this validator")
        if "pattern" in constraints:
            mismatch = pc.and_(present, pc.invert(pc.match_substring_regex(column, f"^(?:{constraints['pattern']})$")))
            bad = _rows(mismatch)
            if bad:
                values = cells()
                self._complain(batch, f"{name} pattern", bad,
                               lambda i: f"{name} {values[i]!r} does not match {constraints['pattern']!r}")
        if "enum" in constraints:
            allowed = pa.array([str(v) for v in constraints["enum"]])
            bad = _rows(pc.and_(present, pc.invert(pc.is_in(column, value_set=allowed))))
            if bad:
                values = cells()
                self._complain(batch, f"{name} enum", bad,
                               lambda i: f"{name} {values[i]!r} is not one of {constraints['enum']}")
        if "minLength" in constraints:
            bad = _rows(pc.and_(present, pc.less(pc.utf8_length(column), constraints["minLength"])))
            self._complain(batch, f"{name} minLength", bad,
                           lambda i: f"{name} is shorter than {constraints['minLength']} characters")
        for bound, compare in (("minimum", pc.less), ("maximum", pc.greater)):
            if bound in constraints and typed is not None:
                bad = _rows(pc.and_(present, compare(typed, constraints[bound])))
                if bad:
                    values = cells()
                    self._complain(batch, f"{name} {bound}", bad,
                                   lambda i: f"{name} {values[i]} is {'below the minimum' if bound == 'minimum' else 'above the maximum'} {constraints[bound]}")
        if name in self._unique:
            seen = self._unique[name]
            for index, value in enumerate(column.to_pylist()):
                if value == "":
                    continue
                if value in seen:
                    self._add(f"{name} unique", f"{self.name}: {batch.where(index)}: {name} {value!r} is not unique")
                seen.add(value)
        return typed

    def _key_values(self, batch: Batch, typed: dict) -> list[pa.Array]:
        return [typed[name] if typed.get(name) is not None and self.types[name] in ("integer", "number")
                else batch.columns[name] for name in self.key]

    def _check_primary_key(self, batch: Batch, typed: dict) -> None:
        if not self.key or not all(name in batch.columns for name in self.key):
            return
        columns = self._key_values(batch, typed)
        if not self.sorted_by_key:
            for index, key in enumerate(zip(*(c.to_pylist() for c in columns))):
                if key in self._seen_keys:
                    self._add("primary key", f"{self.name}: {batch.where(index)}: primary key "
                                    f"{dict(zip(self.key, key))} is not unique")
                self._seen_keys.add(key)
            return
        # Sorted: each key must be greater than the one before (the last of the previous batch too),
        # compared field by field as a tuple.
        order = []
        for name, column in zip(self.key, columns):
            order += self.sort_order[name](column) if name in self.sort_order else [column]
        previous = self._previous_key or (None,) * len(order)
        greater, equal = None, None
        for column, last in zip(order, previous):
            shifted = _shift(column, last)
            gt, eq = pc.greater(column, shifted), pc.equal(column, shifted)
            greater = gt if greater is None else pc.or_(greater, pc.and_(equal, gt))
            equal = eq if equal is None else pc.and_(equal, eq)
        bad = _rows(pc.invert(pc.fill_null(greater, True)))
        if bad:
            keys = list(zip(*(c.to_pylist() for c in columns)))
            same = pc.fill_null(equal, False).to_pylist()
            for index in bad:
                state = "is the key of the row before" if same[index] else "is out of key order"
                self._add("primary key", f"{self.name}: {batch.where(index)}: primary key "
                                f"{dict(zip(self.key, keys[index]))} {state} (tables are kept sorted by their key)")
        self._previous_key = tuple(c[len(c) - 1].as_py() for c in order)
        if self._file is not None:
            if self._file["first"] is None:
                self._file["first"] = [c[0].as_py() for c in order]
                self._file["first_key"] = dict(zip(self.key, (c[0].as_py() for c in columns)))
                self._file["first_where"] = batch.where(0)
            self._file["last"] = list(self._previous_key)

    def _check_foreign_keys(self, batch: Batch) -> None:
        for fields, resource, parent_fields, parent in self._foreign_keys():
            if len(fields) != 1 or parent is None or parent_fields[0] not in parent.keys:
                self._add("foreign key", f"{self.name}: foreign key {fields} -> {resource}"
                                f"{parent_fields} cannot be checked (parent not read, or a composite key)")
                continue
            column = batch.columns[fields[0]]
            if self._file is not None:
                self._file["refs"].setdefault(fields[0], set()).update(
                    value for value in pc.unique(column).to_pylist() if value != "")
            known = pc.is_in(column, value_set=parent.keys[parent_fields[0]])
            bad = _rows(pc.and_(pc.not_equal(column, ""), pc.invert(known)))
            if bad:
                values = column.to_pylist()
                self._complain(batch, f"{fields[0]} foreign key", bad,
                               lambda i: f"{fields[0]} {values[i]!r} is not a {parent_fields[0]} of "
                                         f"{resource}")


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _shift(column: pa.Array, previous) -> pa.Array:
    """The column moved down one row, ``previous`` (or null) first: row i meets row i-1."""
    head = pa.array([previous], type=column.type)
    return pa.concat_arrays([head, column.slice(0, len(column) - 1)])
