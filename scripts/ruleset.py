"""The rule engine strip runs on a page: a profile's rules and the generic ones, compiled once per
profile into RE2 sets (one scan per line says which rules can match, and only those run to give
their groups), and what a whole-line or inline rule's match takes from a line.

Which rules apply where (header, text, footer) is the page logic's (scripts/strip.py); what the rules
are is data (profiles/*.toml, loaded by scripts/profiles.py; rules/boilerplate.toml's inline spans).
"""

from __future__ import annotations

from functools import lru_cache

from scripts import classify
from scripts.pipeline import PageError
from scripts.patterns import pattern_set
from scripts.profiles import GENERIC, Profile, Rule, fold, load_profiles

# Fingerprints are looked for only this far into the page and from its end.
FINGERPRINT_WINDOW = 4000
WHOLE_LINE = ("header", "footer", "line")


def choose_profile(site: str, text: str, profiles: dict[str, Profile]) -> Profile | None:
    """The site's profile if it has one, else the first profile whose fingerprint the page shows.

    A site without a profile is normal (pages from a new site): the generic rules and the classifier
    apply."""
    if site == GENERIC:
        raise PageError("site 'generic' is the rules for every page, not a site; leave site empty")
    if site in profiles:
        return profiles[site]
    window = fold(text[:FINGERPRINT_WINDOW] + "\n" + text[-FINGERPRINT_WINDOW:])
    for profile in profiles.values():
        if profile.id != GENERIC and any(mark in window for mark in profile.fingerprints):
            return profile
    return None


class RuleSet:
    """Rules compiled for one page's profile: one RE2 set scan per line says which rules can match,
    and only those run to give their groups."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self.whole = [r for r in rules if r.where in WHOLE_LINE and not r.first_line]
        self.first_line = [r for r in rules if r.where in WHOLE_LINE and r.first_line]
        self.inline = [r for r in rules if r.where == "inline"]
        self.blocks = [r for r in rules if r.where == "block"]
        self.repeat = [r for r in rules if r.where == "repeat"]
        self.join = [r for r in rules if r.where == "join"]
        self.truncation = [r for r in rules if r.truncation and r.pattern is not None]
        # The sources as the sets hold them (bench-patterns times these very sets).
        self.whole_sources = [f"^(?:{r.source})$" for r in self.whole]
        self.inline_sources = [r.source for r in self.inline]
        self._whole_set = self._set(self.whole_sources)
        self._inline_set = self._set(self.inline_sources)
        # Each line is asked twice (judged without its spans, then its spans taken out), and a
        # site's chrome recurs on its pages: the scan is remembered (a third of strip's set scans).
        self.inline_rules = lru_cache(maxsize=classify.LINE_CACHE)(self._inline_rules)

    @staticmethod
    def _set(sources: list[str]):
        return pattern_set(sources) if sources else None

    def whole_matches(self, text: str) -> list[tuple[Rule, object]]:
        """(rule, match) for every whole-line rule that matches ``text``, in rule order."""
        hits = self._whole_set.Match(text) if self._whole_set is not None else None
        found = []
        for index in sorted(hits or ()):
            rule = self.whole[index]
            match = rule.pattern.fullmatch(text)
            if match is not None:
                found.append((rule, match))
        return found

    def _inline_rules(self, text: str) -> tuple[Rule, ...]:
        hits = self._inline_set.Match(text) if self._inline_set is not None else None
        return tuple(self.inline[index] for index in sorted(hits or ()))


@lru_cache(maxsize=64)
def rule_set(profile_id: str) -> RuleSet:
    profiles = load_profiles()
    site = list(profiles[profile_id].rules) if profile_id else []
    # The classifier's inline spans (rules/boilerplate.toml [[inline]]) come after every profile's.
    return RuleSet(site + list(profiles[GENERIC].rules) + [rule for rule, _ in classify.inline_rules()])


def group(match, rule: Rule, name: str) -> tuple[int, int] | None:
    index = rule.pattern.groupindex.get(name)
    if index is None or match.group(index) is None or match.group(index) == "":
        return None
    return match.start(index), match.end(index)


def without_inline(rules: RuleSet, shadow_line: str) -> str:
    """The line with what inline rules would remove taken out (labels aside)."""
    for rule in rules.inline_rules(shadow_line):
        if not rule.boundary:
            shadow_line = "".join(piece for _, piece in kept_pieces(rule, shadow_line))
    return shadow_line.strip()


def drop_span(rule: Rule, match) -> tuple[int, int]:
    """What an inline match removes: its `drop` group when the pattern names one, else all of it;
    nothing when its `keep` group took part (the sentence refers to it: 可浏览网页（www…）)."""
    keep = rule.pattern.groupindex.get("keep")
    if keep is not None and match.group(keep) is not None:
        return match.start(), match.start()
    index = rule.pattern.groupindex.get("drop")
    if index is not None and match.group(index) is not None:
        return match.start(index), match.end(index)
    return match.start(), match.end()


def kept_pieces(rule: Rule, text: str):
    """(offset, text) of what an inline rule leaves of ``text``, piece by piece."""
    cursor = 0
    for match in rule.pattern.finditer(text):
        start, end = drop_span(rule, match)
        yield cursor, text[cursor:start]
        cursor = max(cursor, end)
    yield cursor, text[cursor:]


def glued_label(rules: RuleSet, shadow_line: str):
    """An inline boundary rule matching at the start of the line: a label glued to its text."""
    for rule in rules.inline_rules(shadow_line):  # the line's set scan, remembered: only rules that match
        if rule.boundary:
            match = rule.pattern.search(shadow_line)
            if match is not None and match.start() == 0 and match.end() < len(shadow_line):
                return rule, match
    return None
