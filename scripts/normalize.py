"""normalize: script variants to Simplified Chinese, ruby pinyin out, mojibake flagged, one
punctuation and width form.

Decided per document (strip's segments), because a compilation may mix scripts and because
converting text that is already Simplified corrupts it (tw2s turns 显著 into 显着):

- Traditional (more Traditional-only than Simplified-only characters): OpenCC tw2t if Taiwan forms
  occur, hk2t if Hong Kong forms occur, then t2s. The variant steps run first because t2s alone
  leaves 衞 and reads 為 fine but not Taiwan's 著 (measured on the seeds: s2hk -> t2s leaves 591 衞).
  Phrases in rules/normalize.toml's protect list are shielded from tw2t.
- Simplified: untouched, except stray Traditional characters, which plain t2s converts.

    python -m scripts.normalize      # build/strip/ -> build/normalize/
"""

from __future__ import annotations

import argparse
import re
import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path

from scripts import chinese, pipeline
from scripts.pipeline import ROOT

RULES = ROOT / "rules" / "normalize.toml"


@lru_cache(maxsize=1)
def rules() -> dict:
    return tomllib.loads(RULES.read_text(encoding="utf-8"))


def _char_class(chars) -> re.Pattern:
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")


@lru_cache(maxsize=1)
def patterns() -> dict[str, re.Pattern]:
    protect = sorted(rules()["protect"], key=len, reverse=True)
    return {
        "traditional": _char_class(chinese.traditional_only_chars()),
        "simplified": _char_class(chinese.simplified_only_chars()),
        **{name: _char_class(chars) for name, chars in chinese.variant_forms().items()},
        "protect": re.compile("|".join(re.escape(p) for p in protect)),
        "placeholder": re.compile("|".join(rules()["placeholders"])),
        "placeholder_run": re.compile(f"[{re.escape(rules()['placeholder_chars'])}]+%?"),
    }


# --- script ------------------------------------------------------------------------------------

# Script and conventions are decided on a document's first this-many characters: a decision, not a
# census, and counting every character of a long Traditional text costs as much as converting it.
SCRIPT_SAMPLE_CHARS = 5_000


def detect_script(text: str) -> tuple[str, list[str]]:
    """('traditional' | 'simplified', variant forms seen: 'tw', 'hk'), by majority: more
    Traditional-only than Simplified-only characters means Traditional."""
    p = patterns()
    text = text[:SCRIPT_SAMPLE_CHARS]
    traditional = len(p["traditional"].findall(text))
    simplified = len(p["simplified"].findall(text))
    if traditional <= simplified:
        return "simplified", []
    variants = [name for name in ("tw", "hk")
                if len(p[name].findall(text)) > len(p[f"{name}_standard"].findall(text))]
    return "traditional", variants


def to_simplified(text: str, script: str, variants: list[str]) -> str:
    if script == "simplified":
        if not patterns()["traditional"].search(text):
            return text  # the common case costs one scan
        return chinese.converter("t2s").convert(text)
    protected: list[str] = []
    if "tw" in variants:
        marker = _free_private_char(text)

        def shield(match: re.Match) -> str:
            protected.append(chinese.converter("t2s").convert(match.group(0)))
            return f"{marker}{len(protected) - 1}{marker}"

        text = patterns()["protect"].sub(shield, text)
        text = chinese.converter("tw2t").convert(text)
    if "hk" in variants:
        text = chinese.converter("hk2t").convert(text)
    text = chinese.converter("t2s").convert(text)
    if protected:
        text = re.sub(f"{marker}(\\d+){marker}", lambda m: protected[int(m.group(1))], text)
    return text


def _free_private_char(text: str) -> str:
    for code in range(0xF8FF, 0xE000, -1):
        if chr(code) not in text:
            return chr(code)
    raise pipeline.PageError("no private-use character free to shield protected phrases")


# --- mojibake ----------------------------------------------------------------------------------

# A question mark glued between characters is a lost character (五?一 for 五·一) unless the clause
# asks a question (嗎?大家, 困不困難?湖源).
QUESTION_WORDS = re.compile(r"[吗嗎呢么麼吧啊呀哪谁誰何怎几幾]|多少|是否|难道|難道|(.)不\1")
CLAUSE_END = re.compile(r"[，。；：！？,.;:!、“”\s]")
GLUED_JUNK = set("_@#$^&|~\\")


STRONG_ANCHOR = re.compile("[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A ? glued to a hanzi before it and to a non-space, non-punctuation character after it.
GLUED_QUESTION = re.compile(f"(?<={chinese.HANZI})\\?(?=[^\\s，。；：！？,.;:!、“”])")
# Misreading soup no text has: ?? or ?; glued to text, Bopomofo among hanzi, and on a page with ruby
# pinyin an annotation after a Latin letter (贸B(tài): the hanzi it belonged to was lost).
SOUP = re.compile(f"(?<=\\S)\\?(?:\\?+|[;；])|\\?\\?+(?=\\S)|[\u3100-\u312f]+|(?<=[{chinese.HANZI_RANGES}\u3100-\u312f])[A-Za-z]\\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{{1,6}}\\)")
# What SOUP needs besides a question mark: Bopomofo, or a Latin letter before a bracket.
SOUP_NEEDS = re.compile("[\u3100-\u312f]|[A-Za-z]\\(")
# Characters a wrong codec produces mid-word: enclosed numbers, box drawing, Latin-1/Extended letters.
# Pinyin's toned vowels are not odd: an annotation next to a span is not part of it.
ODD_SYMBOL = re.compile("(?![āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü])[\u2460-\u24ff\u2500-\u257f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")


def mojibake_spans(text: str) -> list[tuple[int, int]]:
    """Suspicious spans: strong anchors, misreading soup and glued question marks, with odd symbols
    near them.

    Anchors up to 4 characters apart make one span unless clause punctuation separates them
    (五?一、十?一 is two lost characters, not one span); ASCII junk glued to the end (_@) joins it.
    Only candidate characters are visited: ordinary text costs a few regex scans.
    """
    anchors = [(m.start(), m.end()) for m in STRONG_ANCHOR.finditer(text)]
    if "?" in text or SOUP_NEEDS.search(text):  # SOUP scanned only where it can match (1.1 s of 5 a page set)
        anchors += [(m.start(), m.end()) for m in SOUP.finditer(text)]
    if "?" in text:
        for match in GLUED_QUESTION.finditer(text):
            index = match.start()
            clause_start = max((m.end() for m in CLAUSE_END.finditer(text, 0, index)), default=0)
            if not QUESTION_WORDS.search(text, clause_start, index):
                anchors.append((index, index + 1))
    if not anchors:
        return []
    anchors.sort()
    starts = [start for start, _ in anchors]
    odd = [m.start() for m in ODD_SYMBOL.finditer(text)]
    points = sorted(set(anchors) | {(i, i + 1) for i in odd if any(abs(i - a) <= 4 for a in starts)})
    spans: list[list[int]] = []
    for start, end in points:
        if spans and start - spans[-1][1] <= 4 and not CLAUSE_END.search(text, spans[-1][1], start):
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    for span in spans:
        while span[1] < len(text) and text[span[1]] in GLUED_JUNK:
            span[1] += 1
    return [(start, end) for start, end in spans]


# --- punctuation and width ---------------------------------------------------------------------

FULLWIDTH_ASCII = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}  # ０-９
FULLWIDTH_ASCII |= {code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)}  # Ａ-Ｚ
FULLWIDTH_ASCII |= {code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)}  # ａ-ｚ
FULLWIDTH_ASCII[0xFF05] = ord("%")
TO_FULLWIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
CHINESE_SIDE = re.compile(f"[{chinese.HANZI_RANGES}\u3000-\u303f\uff01-\uff5e“”‘’…—]")
PAIRED_PARENS = re.compile(r"\(([^()\n]{0,80})\)")
HALF_WIDTH_MARKS = re.compile("[,:;!?]")


def _chinese(char: str) -> bool:
    return bool(char) and CHINESE_SIDE.match(char) is not None


FULLWIDTH_FORMS = re.compile("[\uff05\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_CHINESE_CLASS = CHINESE_SIDE.pattern
# One substitution per mark, each starting with the literal mark so the scan is a fast search, and
# each with a constant replacement: no Python call per comma. A mark converts when a neighbour is
# Chinese; two digits around it (09:41, 1,000) can then never both hold.
MARK_SUBSTITUTIONS = [
    (mark, re.compile(f"{re.escape(mark)}(?:(?<={_CHINESE_CLASS}{re.escape(mark)})|(?={_CHINESE_CLASS}))"), full)
    for mark, full in TO_FULLWIDTH.items()
]


def punctuation_and_width(text: str) -> str:
    """Full-width Chinese punctuation in Chinese context, half-width digits and Latin letters."""
    if FULLWIDTH_FORMS.search(text):
        # Only the few full-width forms are visited: translate() would look up every character.
        text = FULLWIDTH_FORMS.sub(lambda m: chr(FULLWIDTH_ASCII[ord(m.group(0))]), text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)

    if "(" in text:
        def paren(match: re.Match) -> str:
            inner = match.group(1)
            before = text[match.start() - 1] if match.start() else ""
            after = text[match.end()] if match.end() < len(text) else ""
            if chinese.HANZI_RE.search(inner) or _chinese(before) or _chinese(after):
                return f"（{inner}）"
            return match.group(0)

        text = PAIRED_PARENS.sub(paren, text)
    for mark, pattern, full in MARK_SUBSTITUTIONS:
        if mark in text:
            text = pattern.sub(full, text)
    return text


def normalize_text(text: str) -> tuple[str, list[str]]:
    """Punctuation and width everywhere but inside mojibake spans, which stay as found. Works on a
    whole document at once (lines joined by newlines): spans and marks never cross a line."""
    spans = mojibake_spans(text)
    if not spans:
        return punctuation_and_width(text), []
    pieces, found, cursor = [], [], 0
    for start, end in spans:
        pieces.append(punctuation_and_width(text[cursor:start]))
        pieces.append(text[start:end])
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        found.append(text[max(line_start, start - 2):min(line_end, end + 2)])  # with context, to search for
        cursor = end
    pieces.append(punctuation_and_width(text[cursor:]))
    return "".join(pieces), found


def normalize_paragraph(text: str) -> tuple[str, list[str]]:
    text, found = normalize_text(text)
    return text.strip(PARAGRAPH_SPACE), found


PARAGRAPH_SPACE = " \t\u3000"


def count_placeholders(text: str) -> int:
    """Placeholders are looked for only inside runs of their characters: one fast scan."""
    placeholder = patterns()["placeholder"]
    return sum(len(placeholder.findall(run)) for run in patterns()["placeholder_run"].findall(text))


# --- the pure step -----------------------------------------------------------------------------

def remove_pinyin(lines: list[list], removals: list[dict]) -> int:
    """Ruby pinyin out of every line, each annotation recorded as a removal; returns the count."""
    count = 0
    if not chinese.RUBY_PINYIN.search("\n".join(text for _, text in lines)):
        return 0  # one scan settles the common case
    annotated = chinese.is_annotated([text for _, text in lines])
    for entry in lines:
        number, text = entry
        annotations = chinese.ruby_annotations(text, annotated) if "(" in text else []
        if not annotations:
            continue
        pieces, cursor = [], 0
        for match in annotations:
            pieces.append(text[cursor:match.start()])
            removals.append({"rule": "normalize.ruby_pinyin", "line": number,
                             "column": match.start() + 1, "text": match.group(0)})
            cursor = match.end()
        pieces.append(text[cursor:])
        entry[1] = "".join(pieces)
        count += len(annotations)
    return count


def shield(text: str) -> tuple[str, list[str], str]:
    """Mojibake spans out of reach: each becomes a private-use marker with its number, so pinyin
    removal, OpenCC and the punctuation pass never touch it; ``unshield`` puts it back as found."""
    spans = mojibake_spans(text)
    if not spans:
        return text, [], ""
    marker = _free_private_char(text)
    pieces, kept, cursor = [], [], 0
    for start, end in spans:
        pieces += [text[cursor:start], f"{marker}{len(kept)}{marker}"]
        kept.append(text[start:end])
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), kept, marker


def unshield(text: str, kept: list[str], marker: str) -> tuple[str, list[str]]:
    """The spans back in place, and each with two characters of context (to search for)."""
    if not kept:
        return text, []
    samples = []
    pattern = re.compile(f"{marker}(\\d+){marker}")
    pieces, cursor = [], 0
    for match in pattern.finditer(text):
        pieces += [text[cursor:match.start()], kept[int(match.group(1))]]
        cursor = match.end()
    pieces.append(text[cursor:])
    restored = "".join(pieces)
    position = 0
    for span in kept:
        start = restored.find(span, position)
        line_start = restored.rfind("\n", 0, start) + 1
        line_end = restored.find("\n", start + len(span))
        line_end = len(restored) if line_end < 0 else line_end
        samples.append(restored[max(line_start, start - 2):min(line_end, start + len(span) + 2)])
        position = start + len(span)
    return restored, samples


def normalize_record(record: dict) -> dict:
    removals = list(record["removals"])
    segments = []
    traditional_chars = simplified_chars = 0
    for segment in record["segments"]:
        numbers = [number for number, _ in segment["lines"]]
        # Mojibake is found on the text as strip left it, before anything rewrites it, and kept so.
        shielded, kept, marker = shield("\n".join(text for _, text in segment["lines"]))
        lines = [[number, text] for number, text in zip(numbers, shielded.split("\n"), strict=True)]
        pinyin = remove_pinyin(lines, removals)
        if kept:  # removal columns are counted in the line as found, spans included
            _unshield_columns(removals, lines, kept, marker)
        joined = "\n".join(text for _, text in lines)
        script, variants = detect_script(joined)
        if script == "traditional":
            traditional_chars += len(joined)
        else:
            simplified_chars += len(joined)
        converted, mojibake = unshield(punctuation_and_width(to_simplified(joined, script, variants)), kept, marker)
        paragraphs = []
        for (number, _), text in zip(lines, converted.split("\n"), strict=True):
            text = text.strip(PARAGRAPH_SPACE)
            if text:
                paragraphs.append([number, text])
        label = _clean_title(segment["label"], script, variants)
        segments.append({
            "label": label,
            "first_line": segment["first_line"],
            "paragraphs": paragraphs,
            "truncated": segment["truncated"],
            "missing_chars": segment["missing_chars"],
            "script_original": script,
            "script_variants": variants,
            "pinyin_removed": pinyin,
            "mojibake": mojibake,
            "placeholders": count_placeholders(converted),
        })
    page_script = "traditional" if traditional_chars > simplified_chars else "simplified"
    meta = dict(record["meta"])
    for key in ("title", "collection"):
        if meta.get(key):
            script, variants = detect_script(meta[key])
            meta[key] = _clean_title(meta[key], script if page_script == "traditional" else "simplified", variants)
    removals.sort(key=lambda r: (r["line"], r["column"]))
    return {
        "source": record["source"],
        "site": record["site"],
        "site_key": record["site_key"],
        "meta": meta,
        "script_original": page_script,
        "suspects": record["suspects"],
        "segments": segments,
        "removals": removals,
    }


def _unshield_columns(removals: list[dict], lines: list[list], kept: list[str], marker: str) -> None:
    """Pinyin removals were recorded in shielded lines: shift their columns by what each marker
    stood for, so a column still points into the line as strip left it."""
    pattern = re.compile(f"{marker}(\\d+){marker}")
    by_line = {number: text for number, text in lines}
    for removal in removals:
        if removal["rule"] != "normalize.ruby_pinyin" or removal["line"] not in by_line:
            continue
        shift = 0
        for match in pattern.finditer(by_line[removal["line"]]):
            if match.start() < removal["column"] - 1 + shift:
                shift += len(kept[int(match.group(1))]) - len(match.group(0))
        removal["column"] += shift


def _clean_title(text: str, script: str, variants: list[str]) -> str:
    if not text:
        return ""
    entry = [[0, text]]
    remove_pinyin(entry, [])
    if script == "traditional" or patterns()["traditional"].search(entry[0][1]):
        converted = to_simplified(entry[0][1], "traditional", variants or detect_script(entry[0][1])[1])
    else:
        converted = entry[0][1]
    return normalize_paragraph(converted)[0]


def fingerprint() -> str:
    files = [Path(__file__), ROOT / "scripts" / "chinese.py", RULES]
    return pipeline.stage_fingerprint(files, pipeline.library_versions("opencc"))


def _segments() -> list[pipeline.Segment]:
    """strip's output, once there is work to do; the character classes are built then, once, before
    any worker forks (not on a run with nothing to do: they are a third of a no-op's time)."""
    patterns()
    return pipeline.stage_segments("strip")


def run(force: bool = False, jobs: int | None = None) -> pipeline.StageReport:
    return pipeline.run_stage("normalize", normalize_record, (), fingerprint(), jobs, force,
                              input_digest=pipeline.output_digest("strip"), segments=_segments)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.normalize", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="ignore cached results")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    pipeline.main_for_stage(lambda: run(args.force, args.jobs))


if __name__ == "__main__":
    main()
