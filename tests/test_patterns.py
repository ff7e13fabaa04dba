"""RE2 patterns as the toolkit runs them (scripts/patterns.py): sets, and lines scanned joined."""

import re2

from scripts.patterns import Joined, LinePatterns, anchored, pattern_set


def devset_lines() -> list[str]:
    """Every line of the development sets, folded as strip sees it (the tags taken out)."""
    from benchmarks.devset import pages
    from scripts.pipeline import ROOT
    from scripts.profiles import fold
    return sorted({fold(line.replace("⟦", "").replace("⟧", "")).strip()
                   for directory in sorted((ROOT / "tests/fixtures/devset").iterdir()) if directory.is_dir()
                   for page in pages(directory) for _, line in page.lines} - {""})


def pattern_groups() -> list[list[str]]:
    """The pattern lists strip and validate scan as sets: the classifier's shapes, the label shapes,
    each profile's whole-line and inline rules."""
    from scripts import classify, labels, strip
    groups = [[pattern.pattern for _, _, pattern in classify.classifier().shapes],
              [f"^(?:{shape.pattern.pattern})$" for shape in labels.shapes()]]
    for profile_id in strip.load_profiles():
        rules = strip.rule_set(profile_id)
        groups += [[f"^(?:{r.source})$" for r in rules.whole], [r.source for r in rules.inline]]
    return [group for group in groups if group]


def test_anchored_patterns_are_told_apart_conservatively():
    assert anchored(r"^a|^b") and anchored(r"^(?:a|b)c$") and anchored(r"^[|(]x|^y")
    assert not anchored(r"^a|b") and not anchored(r"(?m)^a") and not anchored(r"\^a")
    assert not anchored(r"^[]a]|b") and not anchored(r"^\Q|\E")  # syntax the split does not follow


def test_every_pattern_set_finds_what_its_patterns_find_alone():
    """The classifier's shapes, every profile's whole-line and inline rules and the label shapes, as
    the sets strip scans (anchored ones in sets anchored at the start), on every line of the
    development set: the same patterns match as when each is searched alone."""
    lines, groups = devset_lines(), pattern_groups()
    anchored_seen = 0
    for sources in [group for group in groups if group]:
        compiled = [re2.compile(source) for source in sources]
        found = pattern_set(sources)
        anchored_seen += sum(1 for source in sources if source.startswith("^"))
        for line in lines:
            assert found.Match(line) == [i for i, pattern in enumerate(compiled) if pattern.search(line)], line
    assert len(lines) > 3000 and anchored_seen > 50


def test_lines_scanned_joined_find_what_each_line_alone_finds():
    """validate scans a batch of paragraphs joined by newlines: every pattern group, over the
    development set's lines in batches of 300, says of each line what searching the line alone says."""
    lines, groups = devset_lines(), pattern_groups()
    hits = 0
    for sources in groups:
        compiled = [re2.compile(source) for source in sources]
        scanner = LinePatterns(sources)
        for start in range(0, len(lines), 300):
            batch = lines[start:start + 300]
            expected = {i: rows for i, pattern in enumerate(compiled)
                        for rows in [[row for row, line in enumerate(batch) if pattern.search(line)]] if rows}
            assert scanner.rows(Joined(batch)) == expected
            hits += sum(map(len, expected.values()))
    assert hits > 1000


def test_a_match_never_runs_from_one_line_into_the_next():
    # A negated class matches a newline: across the join, 来源[^>]{0,20}网 would match from the first
    # line's 来源 to the second line's last 网, a candidate in the wrong row, and hide the second
    # line's own match.
    scanner = LinePatterns([r"来源[^>]{0,20}网", r"^\s*$", r"网$"])
    joined = Joined(["来源：本站", "转自某网 来源：范文网", "", "正文"])
    assert scanner.rows(joined) == {0: [1], 1: [2], 2: [1]}


def test_a_text_with_a_line_break_cannot_be_joined():
    import pytest
    with pytest.raises(ValueError):
        Joined(["一行", "两\n行"])
    assert Joined([]).byte_starts == [] and Joined(["", "网"]).byte_starts == [0, 1]
