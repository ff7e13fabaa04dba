"""decode: raw bytes -> UTF-8 text, with the encoding, our confidence in it, and the BOM recorded.

chardet is one voice, not the verdict: alone it misreads short excerpts and Traditional text saved
as GBK. The order is BOM, NUL-byte patterns (BOM-less UTF-16/32), strict UTF-8, then a small set of
candidates that must each decode strictly and are ranked by how plausible the result is as Chinese.
No codec ever runs with errors="replace" unless raw/sources.csv allows it for that file, and then
the replaced characters are counted.

    python -m scripts.decode                 # the stage: raw/ -> build/decode.jsonl
    python -m scripts.decode --json FILE...  # one JSON object per file, any path
"""

from __future__ import annotations

import argparse
import codecs
import csv
import json
import math
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import chardet

from scripts import pipeline
from scripts.pipeline import ROOT, PageError

RAW = ROOT / "raw"
SOURCES_TABLE = RAW / "sources.csv"
SOURCES_COLUMNS = ["path", "site", "url", "retrieved", "license", "encoding", "allow_replacement", "notes"]
REQUIRED_COLUMNS = ["path", "site", "url", "retrieved", "license", "notes"]

# Only this much of a file is examined to choose the codec; the whole file is then decoded with it.
SAMPLE_BYTES = 64 * 1024
# This many multi-byte UTF-8 sequences that decode strictly are proof enough: GBK/Big5 bytes
# essentially never form that many valid sequences by chance.
UTF8_PROOF_SEQUENCES = 16

MAGIC_NUMBERS = [
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office/EPUB file)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Office (OLE2) document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"RIFF", "a RIFF container (WebP/WAV/AVI)"),
    (b"\x7fELF", "an ELF executable"),
]

BOMS = [  # longest first: the UTF-32-LE BOM begins with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]

# chardet's names -> the codec that decodes that family best. GB2312-labelled pages often hold
# GBK-only characters, so the GB family is always read as GB18030, its superset.
FAMILY_CODEC = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "cp950": "cp950",
    "ascii": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
}
BASE_CANDIDATES = ["utf-8", "gb18030", "big5hkscs", "cp950", "utf-16-le", "utf-16-be"]
# Codecs that read the same sample alike but may differ further in (big5hkscs reads Big5-ETEN's ①
# as ロ): when one wins on the sample, the family is re-ranked on the whole file.
FAMILIES = [("cp950", "big5hkscs")]


class DecodeError(PageError):
    pass


@dataclass
class Detection:
    encoding: str
    confidence: float
    bom: bool
    text: str
    replaced: int = 0


@lru_cache(maxsize=1)
def common_hanzi() -> frozenset[str]:
    """GB2312 level-1 hanzi (the 3,755 most used) and Big5's 5,401 常用字, read from the codecs."""
    chars: set[str] = set()
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for high in range(0xA4, 0xC7):
        # 常用字 end at 0xC67E; past it Python's Big5 (ETEN) has kana, which must not count as hanzi.
        lows = list(range(0x40, 0x7F)) + (list(range(0xA1, 0xFF)) if high < 0xC6 else [])
        for low in lows:
            try:
                chars.add(bytes([high, low]).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(char for char in chars if 0x3400 <= ord(char) <= 0x9FFF)


def char_score(char: str, common: frozenset[str]) -> float:
    """How typical one character is of a Chinese web page; misreadings score low or negative."""
    code = ord(char)
    if char in common:
        return 1.0
    if char in "\n\r\t":
        return 0.5
    if code < 0x20 or 0x7F <= code < 0xA0:
        return -5.0  # control characters: the mark of a wrong codec
    if code < 0x7F:
        return 0.3
    if 0x4E00 <= code <= 0x9FFF:
        return 0.1  # real but rare hanzi: what a wrong multi-byte codec produces
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E or 0x2010 <= code <= 0x2027:
        return 1.0  # CJK and full-width punctuation, dashes, quotes, ellipsis
    if code == 0xFFFD or 0xE000 <= code <= 0xF8FF or code >= 0xF0000:
        return -5.0
    if 0xD800 <= code <= 0xDFFF:
        return -5.0
    if code in (0xB7, 0xD7, 0xF7, 0xB0, 0x2030, 0x2103, 0x33A1, 0x25A1, 0x25CB):
        return 0.5  # · × ÷ ° ‰ ℃ ㎡ □ ○ occur in reports
    if 0x2460 <= code <= 0x249B or 0x3220 <= code <= 0x3229 or 0x2160 <= code <= 0x216B:
        return 0.5  # ①, ⑴, ⒈, ㈠, Ⅰ: list markers in reports (big5hkscs misreads ⑥ as ヲ)
    category = unicodedata.category(char)
    if category.startswith("L") and code < 0x0250:
        return -1.0  # Latin-1/Latin Extended letters glued into Chinese: Windows-125x soup
    if 0xAC00 <= code <= 0xD7A3 or 0x3040 <= code <= 0x30FF:
        return -0.5  # Hangul, Kana
    return -0.5


def plausibility(text: str) -> float:
    """Sum of character scores; comparable across codecs because every candidate reads the same bytes."""
    common = common_hanzi()
    return sum(char_score(char, common) for char in text)


def _binary_kind(data: bytes) -> str | None:
    for magic, kind in MAGIC_NUMBERS:
        if data.startswith(magic):
            return kind
    return None


def _strict_prefix(data: bytes, encoding: str, final: bool) -> str | None:
    """Decode strictly; a sample may end inside a character, so the tail is left pending."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(data, final=final)
    except UnicodeDecodeError:
        return None


def _first_bad_byte(data: bytes, encoding: str) -> int | None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        return error.start
    return None


def _nul_pattern(sample: bytes) -> list[str]:
    """Codecs suggested by where the NUL bytes fall: BOM-less UTF-16/32 put them in fixed lanes."""
    nuls = sample.count(0)
    if nuls < max(2, len(sample) // 20):
        return []
    lanes4 = [sample[i::4].count(0) for i in range(4)]
    lanes2 = [lanes4[0] + lanes4[2], lanes4[1] + lanes4[3]]
    quarter = len(sample) / 4
    guesses = []
    if lanes4[2] > 0.9 * quarter and lanes4[3] > 0.9 * quarter:
        guesses.append("utf-32-le")
    if lanes4[0] > 0.9 * quarter and lanes4[1] > 0.9 * quarter:
        guesses.append("utf-32-be")
    guesses.append("utf-16-le" if lanes2[1] >= lanes2[0] else "utf-16-be")
    return guesses


def _utf8_is_proven(sample: bytes) -> bool:
    if sample.isascii():
        return False
    text = _strict_prefix(sample, "utf-8", final=False)
    if text is None:
        return False
    multibyte = sum(1 for char in text if ord(char) > 0x7F)
    return multibyte >= UTF8_PROOF_SEQUENCES


def _chardet_codec(sample: bytes) -> str | None:
    guess = chardet.detect(sample)
    name = (guess.get("encoding") or "").lower()
    if not name:
        return None
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    return FAMILY_CODEC.get(name, FAMILY_CODEC.get(canonical, canonical))


def _confidence(best: float, second: float | None, length: int) -> float:
    """Ours, not chardet's: how Chinese the winner reads, times how clearly it beat the runner-up."""
    per_char = best / max(length, 1)
    readable = min(1.0, max(0.0, per_char))
    if second is None:
        margin = 1.0
    else:
        margin = min(1.0, max(0.0, (best - second) / max(abs(best), 1.0)))
    # A margin of a few characters' worth is already decisive on short texts.
    return round(readable * math.sqrt(margin), 3)


def rank_candidates(sample: bytes, final: bool) -> list[tuple[float, str, str]]:
    """(score, codec, text) for every candidate that decodes the sample strictly, best first."""
    candidates = list(_nul_pattern(sample))
    candidates += BASE_CANDIDATES
    if sample.isascii() and b"~{" in sample:
        candidates.append("hz")
    if len(sample) % 4 == 0 and 0 in sample:
        candidates += ["utf-32-le", "utf-32-be"]
    suggested = _chardet_codec(sample)
    if suggested:
        candidates.append(suggested)
    seen_texts: dict[str, str] = {}
    ranked = []
    for codec in dict.fromkeys(candidates):
        if codec.startswith(("utf-16", "utf-32")) and len(sample) % (2 if "16" in codec else 4) and final:
            continue
        text = _strict_prefix(sample, codec, final)
        if text is None or not text or text in seen_texts:
            continue
        seen_texts[text] = codec
        ranked.append((plausibility(text), codec, text))
    ranked.sort(key=lambda item: -item[0])
    return ranked


def detect(data: bytes, forced: str | None = None, allow_replacement: bool = False) -> Detection:
    """Choose the codec for ``data`` and decode all of it; raise DecodeError with the reason."""
    if not data:
        raise DecodeError("empty file (0 bytes)")
    kind = _binary_kind(data)
    if kind:
        raise DecodeError(f"binary file: {kind}, not a text page")

    bom = False
    if forced:
        codec, confidence = _codec_name(forced), 1.0
        for mark, name in BOMS:
            if data.startswith(mark) and name == codec:
                data, bom = data[len(mark):], True
    else:
        codec, confidence = None, 0.0
        for mark, name in BOMS:
            if data.startswith(mark):
                codec, confidence, bom = name, 1.0, True
                data = data[len(mark):]
                break

    if codec is None:
        sample = data[:SAMPLE_BYTES]
        final = len(data) <= SAMPLE_BYTES
        if not _nul_pattern(sample) and _utf8_is_proven(sample):
            codec, confidence = "utf-8", 1.0
        else:
            ranked = rank_candidates(sample, final)
            if not ranked:
                best = _best_failing_codec(data)
                raise DecodeError(
                    f"undecodable: no candidate encoding decodes it; best candidate {best[0]} "
                    f"fails at byte offset {best[1]}"
                )
            score, codec, text = ranked[0]
            second = ranked[1][0] if len(ranked) > 1 else None
            confidence = _confidence(score, second, len(text))
        if 0 in data and not codec.startswith(("utf-16", "utf-32")):
            raise DecodeError("binary file: contains NUL bytes and is not UTF-16/UTF-32 text")

    if not forced and not bom:
        codec = _best_of_family(data, codec)
    try:
        text = data.decode(codec)
        replaced = 0
    except UnicodeDecodeError as error:
        if not allow_replacement:
            raise DecodeError(
                f"undecodable as {codec}: first bad byte at offset {error.start + (3 if bom else 0)} "
                f"(set allow_replacement in raw/sources.csv only if the bytes are really lost)"
            ) from None
        # Allowed for this file by a maintainer: count what was replaced, never hide it.
        text = data.decode(codec, errors="replace")
        replaced = text.count("\ufffd") - data.decode(codec, errors="ignore").count("\ufffd")
    if "\x00" in text and not codec.startswith(("utf-16", "utf-32")):
        raise DecodeError("binary file: decoded text contains NUL characters")
    return Detection(codec, confidence, bom, text, replaced)


def _best_of_family(data: bytes, codec: str) -> str:
    for family in FAMILIES:
        if codec in family and len(data) > SAMPLE_BYTES:
            scored = []
            for member in family:
                try:
                    scored.append((plausibility(data.decode(member)), member))
                except UnicodeDecodeError:
                    continue
            if scored:
                return max(scored, key=lambda item: item[0])[1]
    return codec


def _best_failing_codec(data: bytes) -> tuple[str, int]:
    """For the error message: the candidate that gets furthest before its first bad byte."""
    offsets = []
    for codec in BASE_CANDIDATES:
        offset = _first_bad_byte(data, codec)
        offsets.append((codec, offset if offset is not None else len(data)))
    return max(offsets, key=lambda item: item[1])


def _codec_name(label: str) -> str:
    try:
        name = codecs.lookup(label).name
    except LookupError:
        raise DecodeError(f"unknown encoding {label!r} in raw/sources.csv") from None
    return FAMILY_CODEC.get(label.lower(), name)


def normalize_newlines(text: str) -> str:
    """CRLF and CR are line ends, not content: one form, so line numbers mean the same everywhere."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- raw/ and raw/sources.csv -------------------------------------------------------------------

SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def read_sources_table(path: Path = SOURCES_TABLE) -> tuple[list[dict], list[str]]:
    """Rows of raw/sources.csv and every problem found in it (not just the first)."""
    problems: list[str] = []
    if not path.exists():
        return [], [f"{_rel(path)}: missing; it must list every raw file"]
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            return [], [f"{_rel(path)}: missing column(s) {', '.join(missing)}"]
        rows = []
        for number, row in enumerate(reader, start=2):
            row = {key: (value or "").strip() for key, value in row.items() if key is not None}
            row["_line"] = number
            rows.append(row)
    return rows, problems


def check_raw(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """Match raw/ against raw/sources.csv both ways; return the pages to decode and the problems."""
    problems = []
    listed: dict[str, dict] = {}
    stems: dict[str, str] = {}
    for row in rows:
        rel = row["path"]
        where = f"raw/sources.csv line {row['_line']}"
        if not rel:
            problems.append(f"{where}: empty path")
            continue
        if rel in listed:
            problems.append(f"{rel}: listed twice in raw/sources.csv (lines {listed[rel]['_line']} and {row['_line']})")
            continue
        listed[rel] = row
        file = ROOT / rel
        if not rel.startswith("raw/") or ".." in Path(rel).parts:
            problems.append(f"{rel}: path in raw/sources.csv must be inside raw/")
        elif not file.is_file():
            problems.append(f"{rel}: listed in raw/sources.csv but missing from raw/")
        stem = Path(rel).stem
        if not SOURCE_ID.match(stem):
            problems.append(f"{rel}: file name must start with a letter or digit and use only A-Z a-z 0-9 _ . -")
        elif stem in stems:
            problems.append(f"{rel}: same source id {stem!r} as {stems[stem]}; file names must be unique in raw/")
        stems.setdefault(stem, rel)
    for file in sorted(RAW.rglob("*")):
        if file.is_file() and file != SOURCES_TABLE and file.name != "README.md":
            rel = _rel(file)
            if rel not in listed:
                problems.append(f"{rel}: present in raw/ but not listed in raw/sources.csv")
    pages = [row for rel, row in sorted(listed.items()) if (ROOT / rel).is_file()]
    return pages, problems


def _rel(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "y"}


def decode_page(record: dict) -> dict:
    """The stage's pure step (it reads only the one file its record names)."""
    data = (ROOT / record["path"]).read_bytes()
    detection = detect(data, record["encoding_forced"] or None, record["allow_replacement"])
    return {
        "path": record["path"],
        "row": record["row"],
        "sha256": record["sha256"],
        "bytes": len(data),
        "encoding": detection.encoding,
        "encoding_confidence": detection.confidence,
        "bom": detection.bom,
        "replaced_chars": detection.replaced,
        "text": normalize_newlines(detection.text),
    }


def stage_records(pages: list[dict]):
    for row in pages:
        data_hash = pipeline.file_digest(ROOT / row["path"])  # streamed: no whole file held to hash it
        public_row = {key: row.get(key, "") for key in SOURCES_COLUMNS}
        yield {
            "source_id": Path(row["path"]).stem,
            "path": row["path"],
            "row": public_row,
            "encoding_forced": row.get("encoding", ""),
            "allow_replacement": _truthy(row.get("allow_replacement", "")),
            "sha256": data_hash,
            "key": pipeline.sha256_hex(data_hash, json.dumps(public_row, sort_keys=True)),
        }


def fingerprint() -> str:
    return pipeline.stage_fingerprint([Path(__file__)], pipeline.library_versions("chardet"))


def run(force: bool = False, jobs: int | None = None) -> pipeline.StageReport:
    rows, problems = read_sources_table()
    pages, more = check_raw(rows)
    problems += more
    records = sorted(stage_records(pages), key=lambda r: r["source_id"])
    return pipeline.run_stage("decode", decode_page, records, fingerprint(), jobs, force, len(records),
                              known_errors=problems)


def describe_file(path: Path) -> dict:
    try:
        detection = detect(path.read_bytes())
    except (DecodeError, OSError) as error:
        return {"path": str(path), "error": str(error)}
    return {"path": str(path), "encoding": detection.encoding,
            "confidence": detection.confidence, "bom": detection.bom}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.decode", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", nargs="+", metavar="FILE", help="detect the encoding of FILEs, print JSON lines")
    parser.add_argument("--force", action="store_true", help="ignore cached results")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    if args.json:
        failed = False
        for name in args.json:
            result = describe_file(Path(name))
            failed |= "error" in result
            print(json.dumps(result, ensure_ascii=False))
        sys.exit(1 if failed else 0)
    pipeline.main_for_stage(lambda: run(args.force, args.jobs))


if __name__ == "__main__":
    main()
