"""normalize: script variants to Simplified Chinese, ruby pinyin out, mojibake flagged, one
punctuation and width form.

Decided per document (strip's segments), because a compilation may mix scripts and because
converting text that is already Simplified corrupts it (tw2s turns 显著 into 显着):

- Traditional (more Traditional-only than Simplified-only characters): OpenCC tw2t if Taiwan forms
  occur, hk2t if Hong Kong forms occur, then t2s. The variant steps run first because t2s alone
  leaves 衞 and reads 為 fine but not Taiwan's 著 (measured on the seeds: s2hk -> t2s leaves 591 衞).
  Phrases in rules/normalize.toml's protect list are shielded from tw2t.
- Simplified: untouched, except stray Traditional characters, which plain t2s converts.

    python -m scripts.normalize      # build/strip.jsonl -> build/normalize.jsonl
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
    }


# --- script ------------------------------------------------------------------------------------

def detect_script(text: str) -> tuple[str, list[str]]:
    """('traditional' | 'simplified', variant forms seen: 'tw', 'hk')."""
    p = patterns()
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


def _strong_anchor(char: str) -> bool:
    code = ord(char)
    return (char == "\ufffd" or 0xE000 <= code <= 0xF8FF or code >= 0xF0000
            or (code < 0x20 and char != "\t") or 0x7F <= code < 0xA0)


def _odd_symbol(char: str) -> bool:
    """Characters a wrong codec produces mid-word: enclosed numbers, Latin-1 letters, box drawing."""
    code = ord(char)
    return (0x2460 <= code <= 0x24FF or 0x2500 <= code <= 0x257F
            or (0xC0 <= code <= 0x24F and unicodedata.category(char).startswith("L")))


def mojibake_spans(text: str) -> list[tuple[int, int]]:
    """Suspicious spans: strong anchors and glued question marks, with odd symbols near them.

    Anchors up to 4 characters apart make one span unless clause punctuation separates them
    (五?一、十?一 is two lost characters, not one span); ASCII junk glued to the end (_@) joins it.
    """
    anchors = []
    for index, char in enumerate(text):
        if _strong_anchor(char):
            anchors.append(index)
        elif char == "?" and 0 < index < len(text) - 1:
            before, after = text[index - 1], text[index + 1]
            if chinese.HANZI_RE.match(before) and not after.isspace() and not CLAUSE_END.match(after):
                clause_start = max((m.end() for m in CLAUSE_END.finditer(text, 0, index)), default=0)
                if not QUESTION_WORDS.search(text, clause_start, index):
                    anchors.append(index)
    if not anchors:
        return []
    odd = [i for i, char in enumerate(text) if _odd_symbol(char)]
    points = sorted(set(anchors) | {i for i in odd if any(abs(i - a) <= 4 for a in anchors)})
    spans: list[list[int]] = []
    for point in points:
        if spans and point - spans[-1][1] <= 4 and not CLAUSE_END.search(text, spans[-1][1], point):
            spans[-1][1] = point + 1
        else:
            spans.append([point, point + 1])
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


def _chinese(char: str) -> bool:
    return bool(char) and CHINESE_SIDE.match(char) is not None


def punctuation_and_width(text: str) -> str:
    """Full-width Chinese punctuation in Chinese context, half-width digits and Latin letters."""
    text = unicodedata.normalize("NFC", text.translate(FULLWIDTH_ASCII))

    def paren(match: re.Match) -> str:
        inner = match.group(1)
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if chinese.HANZI_RE.search(inner) or _chinese(before) or _chinese(after):
            return f"（{inner}）"
        return match.group(0)

    text = PAIRED_PARENS.sub(paren, text)
    chars = list(text)
    for index, char in enumerate(chars):
        if char in TO_FULLWIDTH:
            before = chars[index - 1] if index else ""
            after = chars[index + 1] if index + 1 < len(chars) else ""
            if before.isdigit() and after.isdigit():
                continue  # 09:41, 1,000
            if _chinese(before) or _chinese(after):
                chars[index] = TO_FULLWIDTH[char]
    return "".join(chars)


def normalize_paragraph(text: str) -> tuple[str, list[str]]:
    """Punctuation and width everywhere but inside mojibake spans, which stay as found."""
    spans = mojibake_spans(text)
    pieces, found, cursor = [], [], 0
    for start, end in spans:
        pieces.append(punctuation_and_width(text[cursor:start]))
        pieces.append(text[start:end])
        found.append(text[max(0, start - 2):end + 2])  # with context, so it can be searched for
        cursor = end
    pieces.append(punctuation_and_width(text[cursor:]))
    return "".join(pieces).strip(" \t\u3000"), found


# --- the pure step -----------------------------------------------------------------------------

def remove_pinyin(lines: list[list], removals: list[dict]) -> int:
    """Ruby pinyin out of every line, each annotation recorded as a removal; returns the count."""
    count = 0
    for entry in lines:
        number, text = entry
        annotations = chinese.ruby_annotations(text) if "(" in text else []
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


def normalize_record(record: dict) -> dict:
    removals = list(record["removals"])
    segments = []
    traditional_chars = simplified_chars = 0
    for segment in record["segments"]:
        lines = [list(entry) for entry in segment["lines"]]
        pinyin = remove_pinyin(lines, removals)
        joined = "\n".join(text for _, text in lines)
        script, variants = detect_script(joined)
        traditional_chars += len(patterns()["traditional"].findall(joined))
        simplified_chars += len(patterns()["simplified"].findall(joined))
        converted = to_simplified(joined, script, variants).split("\n")
        paragraphs, mojibake = [], []
        for (number, _), text in zip(lines, converted):
            text, found = normalize_paragraph(text)
            mojibake += found
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
            "placeholders": sum(len(patterns()["placeholder"].findall(t)) for _, t in paragraphs),
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
        "meta": meta,
        "script_original": page_script,
        "segments": segments,
        "removals": removals,
    }


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


def run(force: bool = False, jobs: int | None = None) -> pipeline.StageReport:
    patterns()  # build the character classes once, before any worker forks
    records = pipeline.read_jsonl(pipeline.BUILD / "strip.jsonl")
    return pipeline.run_stage("normalize", normalize_record, records, fingerprint(), jobs, force)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.normalize", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="ignore cached results")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    pipeline.main_for_stage(lambda: run(args.force, args.jobs))


if __name__ == "__main__":
    main()
