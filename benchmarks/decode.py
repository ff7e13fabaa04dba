"""Benchmark of the decode stage: exact-decoding accuracy per encoding and length, non-Chinese
distractors and mixed-encoding pages, and throughput, with chardet alone as the baseline in the
same run.

The corpus is made in memory from the seed pages (never written to the repo): each text in every
encoding it fits (Simplified seeds go through OpenCC s2t first for Big5, so Big5 holds real text;
the Traditional seed is also saved as GBK), cut at character boundaries into pieces of about 100,
300 and 1000 bytes, and whole. A piece counts as right only if the decoded text equals the true text.

Distractors (Korean EUC-KR, Japanese Shift_JIS and EUC-JP, Western cp1252 and latin-1; short
texts written for this benchmark, whole and repeated to page size) count as right when decode
reads them exactly as written and calls them non-Chinese, or refuses them. Mixed pages (a GBK
page with UTF-8 lines, GBK and UTF-8 halves, Big5 with a UTF-8 footer) count as right only if
every line comes out as written. `--utf8-margin` prints the measurement behind
decode.UTF8_YIELD_MARGIN.

    make bench-decode          # or: python -m benchmarks.decode [--pieces N] [--utf8-margin]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict

import chardet

from scripts.chinese import converter
from scripts.decode import (CHINESE_CANDIDATES, DecodeError, detect, normalize_newlines, plausibility,
                            _non_ascii)
from scripts.pipeline import BUILD, ROOT

ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16-le", "utf-16-be", "utf-16", "utf-32"]
LENGTHS = [100, 300, 1000, None]  # None: the whole page

# Distractors: short texts written for this benchmark (no downloads). A distractor counts as right
# when decode reads it exactly as written (and calls it non-Chinese), or refuses it.
KOREAN = [
    "보건소는 지역 주민의 건강을 지키기 위해 다양한 사업을 하고 있습니다. 올해는 예방접종과 "
    "만성질환 관리에 힘을 쏟을 계획입니다. 주민 여러분의 많은 관심과 참여를 부탁드립니다.",
    "오늘 회의에서는 작년 사업의 성과를 돌아보고 올해의 목표를 정했습니다. 모든 직원이 함께 "
    "노력한 덕분에 감염병 신고가 크게 줄었습니다. 앞으로도 안전한 지역 사회를 만들겠습니다.",
    "서울의 봄은 짧지만 아름답습니다. 공원에는 벚꽃이 피고 사람들은 가족과 함께 산책을 합니다. "
    "저녁이 되면 강가에 앉아 이야기를 나누는 사람들이 많습니다.",
]
JAPANESE = [
    "保健所では、地域の皆さまの健康を守るために、さまざまな事業を行っています。今年は予防接種と"
    "生活習慣病の対策に力を入れる予定です。ご協力をよろしくお願いいたします。",
    "昨日の会議では、去年の成果を振り返り、今年の目標を決めました。職員みんなで努力したおかげで、"
    "感染症の報告はかなり減りました。これからも安心して暮らせる町をつくっていきます。",
    "東京の春はとても短いですが、桜が咲くと公園は人でいっぱいになります。週末には家族で"
    "お弁当を持って出かけ、夕方までゆっくり過ごします。",
]
WESTERN = [
    "The district health office held its annual meeting on Tuesday. Staff reviewed last year's "
    "vaccination campaign and agreed on new targets for chronic disease screening.",
    "Le bureau de santé a présenté son rapport annuel. Les équipes ont amélioré la couverture "
    "vaccinale et préparé un programme de dépistage pour l'année prochaine, à la demande des élus.",
    "Das Gesundheitsamt hat seinen Jahresbericht vorgestellt. Die Mitarbeiter prüften die Impfquote "
    "und legten neue Ziele für die Früherkennung fest; die Bürger können Fragen stellen.",
    "La oficina de salud publicó su informe anual. El equipo mejoró la vacunación de los niños y "
    "preparó un plan de detección temprana para el próximo año, según la petición del alcalde.",
]
DISTRACTOR_ENCODINGS = {"Korean": (KOREAN, ["euc-kr"]), "Japanese": (JAPANESE, ["shift_jis", "euc-jp"]),
                        "Western": (WESTERN, ["cp1252", "latin-1"])}


def seed_texts() -> dict[str, str]:
    texts = {}
    for path in sorted((ROOT / "raw").rglob("*.txt")):
        texts[path.stem] = normalize_newlines(path.read_bytes().decode("utf-8"))
    return texts


def variants(texts: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, text, encoding) for every text in every encoding it can be written in."""
    out = []
    for name, text in texts.items():
        traditional = converter("s2t").convert(text)
        for encoding in ENCODINGS:
            source = _writable(traditional, "big5") if encoding == "big5" else text
            out.append((name, source, encoding))
        if traditional == text or name.startswith("000"):
            continue
        out.append((f"{name}-traditional", traditional, "gbk"))  # Traditional text saved as GBK
    return out


def pieces(text: str, encoding: str, length: int | None, limit: int, rng: random.Random) -> list[str]:
    """Pieces of about ``length`` encoded bytes, cut at character boundaries, that the codec can write."""
    if length is None:
        return [text] if _encodable(text, encoding) else []
    bytes_per_char = 3 if encoding.startswith("utf-8") else 4 if encoding.startswith("utf-32") else 2
    chars_per_piece = max(8, length // bytes_per_char)  # Chinese text: about this many bytes a character
    starts = list(range(0, max(1, len(text) - chars_per_piece), chars_per_piece))
    rng.shuffle(starts)
    out = []
    for start in starts:
        piece = text[start:start + chars_per_piece]
        if piece.strip() and _encodable(piece, encoding):
            out.append(piece)
        if len(out) >= limit:
            break
    return out


def _writable(text: str, encoding: str) -> str:
    """The text without the few characters the codec cannot write (Big5 lacks some symbols)."""
    return "".join(char for char in text if _encodable(char, encoding))


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def chardet_alone(data: bytes) -> str | None:
    guess = chardet.detect(data).get("encoding")
    if not guess:
        return None
    try:
        return data.decode(guess)
    except (UnicodeDecodeError, LookupError):
        return None


def ours(data: bytes) -> str | None:
    try:
        return detect(data).text
    except DecodeError as error:
        return f"<refused: {error}>"


def distractor_cases() -> list[tuple[str, str, bytes]]:
    """(category, text, bytes): each distractor alone and repeated to about 10 KB."""
    cases = []
    for language, (texts, encodings) in DISTRACTOR_ENCODINGS.items():
        for encoding in encodings:
            for text in texts:
                for repeat in (1, 20):
                    whole = "\n".join([text] * repeat)
                    cases.append((f"{language} {encoding}", whole, whole.encode(encoding)))
    return cases


def mixed_cases(texts: dict[str, str]) -> list[tuple[str, str, bytes]]:
    """(category, text, bytes): the scraping accidents, made from each seed text."""
    cases = []
    for name, text in texts.items():
        lines = _writable(text, "gbk").split("\n")
        every_tenth = [line.encode("utf-8" if n % 10 == 9 and line.strip() else "gbk")
                       for n, line in enumerate(lines)]
        cases.append(("GBK page, every 10th line UTF-8", "\n".join(lines), b"\n".join(every_tenth)))
        half = len(lines) // 2
        halves = [line.encode("gbk" if n < half else "utf-8") for n, line in enumerate(lines)]
        cases.append(("GBK + UTF-8 halves", "\n".join(lines), b"\n".join(halves)))
        big5 = _writable(converter("s2t").convert(text), "big5").split("\n")
        footer = [line.encode("utf-8" if n >= len(big5) - 3 else "big5") for n, line in enumerate(big5)]
        cases.append(("Big5 page, UTF-8 footer", "\n".join(big5), b"\n".join(footer)))
    return cases


def run_extra(texts: dict[str, str]) -> dict:
    """Distractors and mixed pages: right, refused, wrong per category, chardet alone beside."""
    cells: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "right": 0, "refused": 0, "chardet": 0})
    misses = []
    for category, text, data in distractor_cases() + mixed_cases(texts):
        cell = cells[category]
        cell["n"] += 1
        cell["chardet"] += chardet_alone(data) == text
        distractor = category.split()[0] in DISTRACTOR_ENCODINGS
        try:
            detection = detect(data)
        except DecodeError:
            cell["refused"] += 1
            continue
        if detection.text == text and (detection.language != "chinese" if distractor else True):
            cell["right"] += 1
        elif len(misses) < 20:
            misses.append({"category": category, "encoding": detection.encoding,
                           "language": detection.language, "got": detection.text[:30], "want": text[:30]})
    return {"cells": dict(sorted(cells.items())), "misses": misses}


def utf8_margin(texts: dict[str, str], rng: random.Random, tries: int = 20000) -> dict:
    """The measurement behind UTF8_YIELD_MARGIN: per non-ASCII UTF-8 character, how much more
    plausible the best GB/Big5 reading is, for real UTF-8 pieces (1-40 characters) and for GBK/Big5
    pieces that happen to be valid UTF-8 (1-12 characters: longer ones almost never are); then, for
    each threshold, how many of each the rule would decode wrongly."""
    margins: dict[str, list[float]] = {"utf-8": [], "gbk/big5 valid as utf-8": []}
    for text in texts.values():
        for encoding in ("utf-8", "gbk", "big5"):
            source = _writable(converter("s2t").convert(text), "big5") if encoding == "big5" else text
            longest = 40 if encoding == "utf-8" else 12
            for _ in range(tries // 5 if encoding == "utf-8" else tries):
                size = rng.randint(1, longest)
                start = rng.randrange(max(1, len(source) - size))
                piece = source[start:start + size]
                if not piece.strip() or not _encodable(piece, encoding):
                    continue
                data = piece.encode(encoding)
                try:
                    as_utf8 = data.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                others = []
                for codec in CHINESE_CANDIDATES:
                    try:
                        others.append(plausibility(data.decode(codec)))
                    except UnicodeDecodeError:
                        pass
                if as_utf8.isascii() or not others:
                    continue
                margin = (max(others) - plausibility(as_utf8)) / _non_ascii(as_utf8)
                margins["utf-8" if encoding == "utf-8" else "gbk/big5 valid as utf-8"].append(margin)
    utf8, other = margins["utf-8"], margins["gbk/big5 valid as utf-8"]
    return {"pieces": {key: len(values) for key, values in margins.items()},
            "utf-8 max": round(max(utf8), 3), "gbk/big5 min": round(min(other), 3),
            "by threshold": {f"{t:.1f}": {"utf-8 read as GB/Big5": sum(m >= t for m in utf8),
                                          "GB/Big5 read as utf-8": sum(m < t for m in other)}
                             for t in (0.5, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0)}}


def run(limit: int, seed: int) -> dict:
    rng = random.Random(seed)
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"n": 0, "ours": 0, "chardet": 0})
    failures: list[dict] = []
    whole_bytes = 0
    whole_seconds = {"ours": 0.0, "chardet": 0.0}
    for name, text, encoding in variants(seed_texts()):
        label = encoding if not name.endswith("-traditional") else "gbk (Traditional text)"
        for length in LENGTHS:
            size = "whole" if length is None else f"~{length}"
            for piece in pieces(text, encoding, length, limit, rng):
                data = piece.encode(encoding)
                started = time.perf_counter()
                decoded = ours(data)
                elapsed = time.perf_counter() - started
                started = time.perf_counter()
                baseline = chardet_alone(data)
                baseline_elapsed = time.perf_counter() - started
                cell = cells[(label, size)]
                cell["n"] += 1
                cell["ours"] += decoded == piece
                cell["chardet"] += baseline == piece
                if decoded != piece and len(failures) < 40:
                    failures.append({"text": name, "encoding": label, "size": size, "bytes": len(data),
                                     "got": (decoded or "")[:30], "want": piece[:30]})
                if length is None:
                    whole_bytes += len(data)
                    whole_seconds["ours"] += elapsed
                    whole_seconds["chardet"] += baseline_elapsed
    return {"cells": {f"{k[0]} | {k[1]}": v for k, v in sorted(cells.items())}, "failures": failures,
            "whole_bytes": whole_bytes, "whole_seconds": whole_seconds, "extra": run_extra(seed_texts())}


def report(result: dict) -> str:
    lines = ["encoding                 size    pieces   ours      chardet alone"]
    total = {"n": 0, "ours": 0, "chardet": 0}
    by_size: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "ours": 0, "chardet": 0})
    below_target = []
    for key, cell in result["cells"].items():
        encoding, size = key.split(" | ")
        for counter in (total, by_size[size]):
            for field in counter:
                counter[field] += cell[field]
        accuracy = cell["ours"] / cell["n"]
        lines.append(f"{encoding:24s} {size:7s} {cell['n']:6d}   {accuracy:7.2%}   {cell['chardet'] / cell['n']:7.2%}")
        if size != "~100" and accuracy < 0.99:
            below_target.append(key)
    lines.append("")
    for size, cell in sorted(by_size.items()):
        lines.append(f"{'all encodings':24s} {size:7s} {cell['n']:6d}   {cell['ours'] / cell['n']:7.2%}   {cell['chardet'] / cell['n']:7.2%}")
    lines.append(f"{'overall':24s} {'':7s} {total['n']:6d}   {total['ours'] / total['n']:7.2%}   {total['chardet'] / total['n']:7.2%}")
    megabytes = result["whole_bytes"] / 1e6
    lines.append("")
    lines.append(f"throughput on whole pages, one core: ours {megabytes / result['whole_seconds']['ours']:.1f} MB/s, "
                 f"chardet alone {megabytes / result['whole_seconds']['chardet']:.1f} MB/s ({megabytes:.1f} MB)")
    lines.append("cells >= 300 bytes below 99%: " + (", ".join(below_target) if below_target else "none"))
    lines += ["", "distractors and mixed pages          n   right  refused  wrong    chardet alone right"]
    for category, cell in result["extra"]["cells"].items():
        wrong = cell["n"] - cell["right"] - cell["refused"]
        lines.append(f"{category:34s} {cell['n']:4d} {cell['right']:7d} {cell['refused']:8d} {wrong:6d}"
                     f"    {cell['chardet'] / cell['n']:7.2%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.decode", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pieces", type=int, default=60, help="pieces per text, encoding and length (default 60)")
    parser.add_argument("--seed", type=int, default=7, help="seed for choosing pieces")
    parser.add_argument("--utf8-margin", action="store_true", help="print the UTF8_YIELD_MARGIN measurement")
    args = parser.parse_args(argv)
    if args.utf8_margin:
        print(json.dumps(utf8_margin(seed_texts(), random.Random(args.seed)), indent=1))
        return
    result = run(args.pieces, args.seed)
    print(report(result))
    if result["failures"]:
        print("\nfirst misses:")
        for failure in result["failures"][:10]:
            print(f"  {failure}")
    BUILD.mkdir(exist_ok=True)
    (BUILD / "bench-decode.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
