"""decode: the right codec for Chinese pages, and a clear refusal for anything else."""

from __future__ import annotations

import json

import pytest

from scripts.decode import DecodeError, check_raw, detect, read_sources_table
from tests.conftest import ROOT, add_raw_file, build, list_raw_file, run_module

TRADITIONAL = "衛生工作會議講話，同志們：今天我們召開全縣衛生工作會議。"
SIMPLIFIED = "卫生工作会议讲话，同志们：今天我们召开全县卫生工作会议，总结去年的工作。"


def test_seed_pages_decode_as_utf8_with_full_confidence():
    for rel in (ROOT / "raw").rglob("*.txt"):
        detection = detect(rel.read_bytes())
        assert (detection.encoding, detection.confidence, detection.bom) == ("utf-8", 1.0, False)


@pytest.mark.parametrize("codec", ["gbk", "gb18030", "big5", "utf-8", "utf-16-le", "utf-16-be", "utf-32-le"])
def test_traditional_text_decodes_exactly_in_every_codec(codec):
    assert detect(TRADITIONAL.encode(codec)).text == TRADITIONAL


def test_traditional_text_saved_as_gbk_is_read_as_gb18030_not_a_latin_codepage():
    detection = detect("衛生局發展".encode("gbk"))
    assert detection.encoding == "gb18030"
    assert detection.text == "衛生局發展"


def test_bomless_utf16_chinese_is_not_taken_for_ascii():
    # Every byte of 卫生 in UTF-16-LE (6B 53 1F 75) is ASCII: a naive UTF-8 test would pass it.
    data = SIMPLIFIED.encode("utf-16-le")
    detection = detect(data)
    assert detection.encoding == "utf-16-le" and detection.text == SIMPLIFIED


@pytest.mark.parametrize("codec, expected", [("utf-8-sig", "utf-8"), ("utf-16", "utf-16-le"),
                                             ("utf-32", "utf-32-le")])
def test_byte_order_mark_decides_and_is_recorded(codec, expected):
    detection = detect(SIMPLIFIED.encode(codec))
    assert (detection.encoding, detection.bom, detection.text) == (expected, True, SIMPLIFIED)


def test_gb2312_labelled_page_with_middle_dot_and_dash_decodes_with_the_superset():
    text = "重点抓好儿童“两病”救治、“光明·微笑”工程——卫生局"
    detection = detect(text.encode("gbk"))
    assert detection.encoding == "gb18030" and detection.text == text


def test_hz_page_is_decoded_right():
    # 7-bit HZ passes any "is it ASCII/UTF-8?" test; it must still come out as Chinese.
    detection = detect(SIMPLIFIED.encode("hz"))
    assert detection.encoding == "hz" and detection.text == SIMPLIFIED


def test_truncated_multibyte_sequence_at_end_fails_with_the_offset():
    data = SIMPLIFIED.encode("gbk")[:-1]
    with pytest.raises(DecodeError, match=rf"offset {len(data) - 1}"):
        detect(data)


def test_replacement_allowed_for_one_file_is_counted_not_hidden():
    data = SIMPLIFIED.encode("gbk")[:-1]
    detection = detect(data, forced="gb18030", allow_replacement=True)
    assert detection.replaced == 1 and detection.text.endswith("\ufffd")


@pytest.mark.parametrize("data, kind", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "ZIP"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "Office"),
])
def test_binary_files_are_rejected_with_their_kind(data, kind):
    with pytest.raises(DecodeError, match=f"binary file: .*{kind}"):
        detect(data)


def test_empty_file_is_rejected():
    with pytest.raises(DecodeError, match="empty file"):
        detect(b"")


def test_json_command_reports_each_file_and_fails_at_the_end(tmp_path):
    good, bad = tmp_path / "good.txt", tmp_path / "bad.pdf"
    good.write_bytes(SIMPLIFIED.encode("gbk"))
    bad.write_bytes(b"%PDF-1.4 binary")
    result = run_module(ROOT, "decode", "--json", str(good), str(bad))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1
    assert lines[0] == {"path": str(good), "encoding": "gb18030", "confidence": lines[0]["confidence"], "bom": False}
    assert lines[1]["path"] == str(bad) and "PDF" in lines[1]["error"]


def test_raw_and_sources_table_agree_for_the_seeds():
    rows, problems = read_sources_table()
    pages, more = check_raw(rows)
    assert problems == more == []
    assert len(pages) == 5


def test_every_bad_raw_file_gets_its_own_line_and_clean_is_left_alone(repo):
    """Empty, binary, undecodable, listed-but-missing and unlisted files: all reported at once."""
    before = {p.name: p.read_bytes() for p in (repo / "clean").iterdir()}
    descriptor = (repo / "datapackage.json").read_bytes()
    add_raw_file(repo, "raw/bad/empty.txt", b"")
    add_raw_file(repo, "raw/bad/scan.txt", b"%PDF-1.5\n binary")
    add_raw_file(repo, "raw/bad/archive.txt", b"PK\x03\x04 zipped")
    add_raw_file(repo, "raw/bad/cut.txt", SIMPLIFIED.encode("gbk")[:-1])
    list_raw_file(repo, "raw/bad/gone.txt")
    (repo / "raw" / "bad" / "stray.txt").write_bytes(SIMPLIFIED.encode("utf-8"))

    result = build(repo)

    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    expected = {
        "raw/bad/empty.txt": "empty file",
        "raw/bad/scan.txt": "binary file: a PDF document",
        "raw/bad/archive.txt": "binary file: a ZIP archive",
        "raw/bad/cut.txt": "undecodable",
        "raw/bad/gone.txt": "listed in raw/sources.csv but missing",
        "raw/bad/stray.txt": "present in raw/ but not listed",
    }
    for path, reason in expected.items():
        matching = [line for line in errors if line.startswith(f"error: {path}: ")]
        assert len(matching) == 1 and reason in matching[0], (path, errors)
    assert {p.name: p.read_bytes() for p in (repo / "clean").iterdir()} == before
    assert (repo / "datapackage.json").read_bytes() == descriptor


def test_confidence_is_zero_when_two_codecs_read_equally_plausible_chinese():
    # B6A1 B2BB B3F3: 丁不丑 in GB18030, 間祥堯 in Big5; nothing here says which.
    assert detect(b"\xb6\xa1\xb2\xbb\xb3\xf3").confidence == 0.0
    assert detect("卫生局召开全区卫生工作会议，部署全年工作。".encode("gb18030")).confidence > 0.5


def test_common_hanzi_hold_no_kana():
    # Python's Big5 (ETEN) puts kana right after the 常用字; they must not count as Chinese.
    from scripts.decode import common_hanzi

    assert not any("\u3040" <= char <= "\u30ff" for char in common_hanzi())
