"""RE2 patterns as the toolkit runs them: compiled with one set of options, many scanned at once as
RE2 sets, and many lines scanned at once as one joined text (validate's batches of paragraphs).

RE2's matching time is linear in the text: no pattern in any profile or rule file can hang the build,
however it is written.
"""

from __future__ import annotations

import bisect
from functools import cached_property

import re2

_OPTIONS = re2.Options()
_OPTIONS.max_mem = 64 << 20  # a pattern whose automaton is larger than this is refused


def compile_pattern(source: str) -> "re2._Regexp":
    """RE2 with the options every profile pattern gets; raises re2.error."""
    return re2.compile(source, _OPTIONS)


# Patterns per RE2 set, and each set's memory. One set of every shape let the DFA grow with the text it
# had seen (the shape set: +131 MB over 200,000 lines at 256 MB, so strip's and validate's memory grew
# with the corpus) and at 32 MB fell back to the slow NFA (9x slower); three sets of 16 at 32 MB each
# scanned the same lines 1.6x faster than the one large set, within their budget (measured on the
# classifier's 49 shapes, `make bench-build` pages). Each set is a pass over the line, so sets are
# no smaller than needed: 73 shapes in 4 sets of 20 scan 150,000 lines in 1.9 s, in 5 of 16 in 2.4 s.
SET_PATTERNS = 20
SET_MAX_MEM = 32 << 20


def _alternatives(source: str) -> list[str]:
    """The top-level alternatives of a pattern (split on | outside groups, classes and escapes)."""
    found, depth, in_class, escaped, current = [], 0, False, False, []
    for char in source:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            found.append("".join(current))
            current = []
            continue
        current.append(char)
    found.append("".join(current))
    return found


def anchored(source: str) -> bool:
    """Does every alternative of the pattern start with ^ (a match can only start at the text's
    start)? Flags before it ((?m)^: at every line) make it not anchored, and so does any syntax the
    split above does not follow (a ] first in a class, \\Q…\\E): unanchored is only slower."""
    if "[]" in source or "[^]" in source or "\\Q" in source:
        return False
    return all(alternative.startswith("^") for alternative in _alternatives(source))


class PatternSet:
    """Many patterns scanned at once (which of them match a line), as a few RE2 sets of at most
    SET_PATTERNS patterns: bounded repeats (.{0,200}) in one large set make a DFA that either grows
    with the text or, cut short, falls back to the NFA. Match returns global indexes, sorted.

    Patterns anchored at the start (^…, most of a classifier's shapes) go to sets anchored there
    too: their scan stops where no pattern can match any more, a few dozen characters into a long
    line, instead of running to its end with the unanchored ones (the classifier's 96 shapes over
    37,000 lines: 0.72 s in one kind of set, 0.33 s split; the same matches)."""

    def __init__(self, sources: list[str], max_mem: int = SET_MAX_MEM, per_set: int = 0, never_nl: bool = False):
        per_set = per_set or SET_PATTERNS
        self.sets = []  # (RE2 set, the global index of each of its patterns)
        for kind, members in ((re2.Set.MatchSet, [i for i, source in enumerate(sources) if anchored(source)]),
                              (re2.Set.SearchSet, [i for i, source in enumerate(sources) if not anchored(source)])):
            count = -(-len(members) // per_set)
            for start in range(count):  # patterns dealt round-robin: set g holds g, g+count, ...
                options = re2.Options()
                options.max_mem = max_mem
                options.never_nl = never_nl
                rule_set = kind(options)
                for index in members[start::count]:
                    rule_set.Add(sources[index])
                rule_set.Compile()
                self.sets.append((rule_set, members[start::count]))

    def Match(self, text: str | bytes) -> list[int]:  # noqa: N802 (the name RE2's sets use)
        data = text.encode("utf-8") if isinstance(text, str) else text  # once, not once per set
        found = []
        for rule_set, members in self.sets:
            found += [members[local] for local in rule_set.Match(data) or ()]
        return sorted(found)


def pattern_set(sources: list[str], max_mem: int = SET_MAX_MEM, per_set: int = 0, never_nl: bool = False) -> PatternSet:
    """``per_set``: patterns per RE2 set (default SET_PATTERNS, for short lines); ``never_nl``: no
    match crosses a newline (texts joined by newlines, one row a line)."""
    return PatternSet(sources, max_mem, per_set, never_nl)


class Joined:
    """Texts joined by newlines, with the row each character (or byte of its UTF-8) belongs to."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.text = "\n".join(texts)
        if self.text.count("\n") != max(len(texts) - 1, 0):
            raise ValueError("a text to join holds a line break: its rows would not be the texts")
        self.starts = []
        offset = 0
        for text in texts:
            self.starts.append(offset)
            offset += len(text) + 1

    def row_at(self, position: int) -> int:
        return bisect.bisect_right(self.starts, position) - 1

    def rows_of(self, matches) -> list[int]:
        return sorted({self.row_at(match.start()) for match in matches})

    @cached_property
    def data(self) -> bytes:
        return self.text.encode("utf-8")

    @cached_property
    def byte_starts(self) -> list[int]:
        starts, position, data = [0], self.data.find(b"\n"), self.data
        while position != -1:
            starts.append(position + 1)
            position = data.find(b"\n", position + 1)
        return starts if self.texts else []


# Over a joined text a pass costs the text, not a call: many small DFAs beat a few large ones
# (the generic profile's 43 variants over 40,000 paragraphs: 2.4 s as one set at 128 MB, 1.3 s as
# three of 15-20 at 64 MB, 0.77 s as eleven of 4 at 16 MB), but not too many: each is a pass.
# Once the variants lost their optional leading runs (checks.unanchored_tail), sets of 10 scanned
# the generic profile's 44 and the classifier's 70 shapes in 0.75 s against 1.04 s in sets of 4 and
# 1.5 s in sets of 16 (the same 40,000 paragraphs, 16 MB each).
JOINED_SET_PATTERNS = 10
JOINED_SET_MAX_MEM = 16 << 20

_LINE_OPTIONS = re2.Options()
_LINE_OPTIONS.max_mem = _OPTIONS.max_mem
_LINE_OPTIONS.never_nl = True


class LinePatterns:
    """Patterns asked of many lines at once: one scan of the lines joined by newlines per RE2 set
    says which patterns match some line, and only those are located, a search per line they match.
    (?m) makes ^ and $ a line's; never_nl keeps every match inside its line (a negated class such as
    [^>»›|]{2,60} would run into the next line: 4.8x slower over validate's paragraphs, and it could
    hide that line's own match). Each line's answer is the one PatternSet.Match gives it alone."""

    def __init__(self, sources: list[str]):
        self.sources = list(sources)
        self.set = PatternSet([f"(?m){source}" for source in self.sources], JOINED_SET_MAX_MEM,
                              JOINED_SET_PATTERNS, never_nl=True)
        self._located: dict[int, "re2._Regexp"] = {}

    def located(self, index: int) -> "re2._Regexp":
        pattern = self._located.get(index)
        if pattern is None:
            pattern = self._located[index] = re2.compile(f"(?m){self.sources[index]}", _LINE_OPTIONS)
        return pattern

    def rows(self, joined: Joined) -> dict[int, list[int]]:
        """Pattern index -> the rows it matches (ascending), for each pattern that matches a row."""
        data, starts = joined.data, joined.byte_starts
        found = {}
        for index in self.set.Match(data):
            pattern, rows, position = self.located(index), [], 0
            # A search from the start of the row after the last one found: a row with many matches
            # costs one, and the context before a row's start keeps ^ and \b as on the row alone.
            while (match := pattern.search(data, position)) is not None:
                row = bisect.bisect_right(starts, match.start()) - 1
                rows.append(row)
                if row + 1 == len(starts):
                    break
                position = starts[row + 1]
            found[index] = rows
        return found
