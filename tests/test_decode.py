"""decode: the right codec for Chinese pages, and a clear refusal for anything else."""

from __future__ import annotations

import json

import pytest

from scripts.decode import DecodeError, detect, detect_html, read_sources_table
from tests.conftest import FIXTURE_CORPUS, ROOT, add_raw_file, build, list_raw_file, read_table, run_module

TRADITIONAL = "衛生工作會議講話，同志們：今天我們召開全縣衛生工作會議。"
SIMPLIFIED = "卫生工作会议讲话，同志们：今天我们召开全县卫生工作会议，总结去年的工作。"


KOREAN = "보건소는 지역 주민의 건강을 지키기 위해 다양한 사업을 하고 있습니다. 올해는 예방접종에 힘을 쏟겠습니다."
JAPANESE = "保健所では、地域の皆さまの健康を守るために、さまざまな事業を行っています。ご協力をお願いします。"
FRENCH = "Le bureau de santé a présenté son rapport annuel. Les équipes ont amélioré la couverture vaccinale."


def test_fixture_pages_decode_as_utf8_with_full_confidence():
    for path in (FIXTURE_CORPUS / "raw").rglob("*.txt"):
        detection = detect(path.read_bytes())
        assert (detection.encoding, detection.confidence, detection.bom, detection.language) == (
            "utf-8", 1.0, False, "chinese"), path


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
    assert lines[0] == {"path": str(good), "encoding": "gb18030", "confidence": lines[0]["confidence"], "bom": False,
                        "language": "chinese", "encoding_lines": ""}
    assert lines[1]["path"] == str(bad) and "PDF" in lines[1]["error"]


def test_raw_and_sources_table_agree_in_the_fixture_repo(repo):
    result = run_module(repo, "decode")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("decode: 5 pages")


def test_read_sources_table_and_check_raw_agree_on_the_fixture_corpus():
    rows, problems = read_sources_table(FIXTURE_CORPUS / "raw" / "sources.csv")
    assert problems == [] and len(rows) == 5


def test_every_bad_raw_file_gets_its_own_line_and_clean_is_left_alone(repo):
    """Empty, binary, undecodable, listed-but-missing and unlisted files: all reported at once."""
    before = {p.relative_to(repo).as_posix(): p.read_bytes() for p in (repo / "clean").rglob("*") if p.is_file()}
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
    assert {p.relative_to(repo).as_posix(): p.read_bytes() for p in (repo / "clean").rglob("*") if p.is_file()} == before
    assert (repo / "datapackage.json").read_bytes() == descriptor


def test_confidence_is_zero_when_two_codecs_read_equally_plausible_chinese():
    # B6A1 B2BB B3F3: 丁不丑 in GB18030, 間祥堯 in Big5; nothing here says which.
    assert detect(b"\xb6\xa1\xb2\xbb\xb3\xf3").confidence == 0.0
    assert detect("卫生局召开全区卫生工作会议，部署全年工作。".encode("gb18030")).confidence > 0.5


def test_common_hanzi_hold_no_kana():
    # Python's Big5 (ETEN) puts kana right after the 常用字; they must not count as Chinese.
    from scripts.decode import common_hanzi

    assert not any("\u3040" <= char <= "\u30ff" for char in common_hanzi())


# --- issue 11: non-Chinese pages, mixed encodings, raw/ hygiene, raw/sources.csv errors -------------

@pytest.mark.parametrize("text, codec, language", [
    (KOREAN, "euc-kr", "korean"), (KOREAN * 5, "euc-kr", "korean"),
    (JAPANESE, "shift_jis", "japanese"), (JAPANESE, "euc-jp", "japanese"),
    (FRENCH, "cp1252", "western"), (FRENCH * 5, "latin-1", "western"),
    ("The health office met on Tuesday to review the vaccination campaign.", "ascii", "western"),
])
def test_korean_japanese_and_western_pages_are_decoded_right_and_named(text, codec, language):
    detection = detect(text.encode(codec))
    assert detection.text == text and detection.language == language


def test_single_byte_codecs_never_read_a_chinese_page():
    # GBK with a UTF-8 footer came out as koi8-u; GBK + UTF-8 halves as cp855.
    lines = [SIMPLIFIED] * 6 + ["本文来源：卫生局网站，转载请注明。"]
    data = b"\n".join(line.encode("gbk") for line in lines[:-1]) + b"\n" + lines[-1].encode("utf-8")
    detection = detect(data)
    assert detection.encoding == "gb18030" and detection.text == "\n".join(lines)
    assert detection.encoding_lines == "gb18030:6 utf-8:1"


def test_gbk_and_utf8_halves_are_decoded_line_by_line():
    lines = [SIMPLIFIED + str(n) for n in range(10)]
    data = b"\n".join(line.encode("gbk" if n < 4 else "utf-8") for n, line in enumerate(lines))
    detection = detect(data)
    assert detection.text == "\n".join(lines)
    assert (detection.encoding, detection.encoding_lines) == ("utf-8", "utf-8:6 gb18030:4")


def test_big5_page_with_a_utf8_footer_keeps_both():
    lines = [TRADITIONAL] * 5 + ["來源：衛生局"]
    data = b"\n".join(line.encode("big5") for line in lines[:-1]) + b"\n" + lines[-1].encode("utf-8")
    detection = detect(data)
    assert detection.text == "\n".join(lines) and detection.encoding_lines.endswith("utf-8:1")


def test_random_high_bytes_are_refused_not_read_as_a_codepage():
    with pytest.raises(DecodeError):
        detect(bytes(range(0x80, 0x100)))


def test_short_utf8_page_wins_over_gb18030():
    # Fewer than 16 multi-byte sequences used to lose to gb18030.
    for text in ("卫生局", "会议纪要：", "Café — résumé"):
        assert detect(text.encode("utf-8")).text == text


def test_candidate_that_wins_the_sample_but_fails_later_gives_way():
    from scripts.decode import SAMPLE_BYTES

    english = ("The health office met on Tuesday. " * 3000)[:SAMPLE_BYTES + 100]
    data = english.encode("cp1252") + "Café déjà vu, naïve façade.".encode("cp1252")
    detection = detect(data)
    assert detection.text == english + "Café déjà vu, naïve façade." and detection.language == "western"


def test_mostly_nul_file_is_binary():
    with pytest.raises(DecodeError, match="binary file"):
        detect(b"\x00" * 200 + b"ab" + b"\x00" * 200)


def test_forced_codec_confidence_is_measured_not_one():
    data = SIMPLIFIED.encode("gbk")
    forced = detect(data, forced="gbk")
    assert forced.encoding == "gb18030" and forced.confidence == detect(data).confidence
    utf8 = "卫生工作会议".encode("utf-8")  # also valid GB18030: 鍗敓宸ヤ綔浼氳
    assert detect(utf8, forced="gb18030").confidence == 0.0 < detect(utf8).confidence
    assert detect(b"\xb6\xa1\xb2\xbb\xb3\xf3", forced="big5").confidence == 0.0  # a true tie


def _rewrite_sources(repo, header: str, extra_rows: list[str] = ()) -> None:
    table = repo / "raw" / "sources.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    table.write_text("\n".join([header] + lines[1:] + list(extra_rows)) + "\n", encoding="utf-8")


def _errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def test_korean_page_is_refused_by_the_stage_unless_allowed(repo):
    add_raw_file(repo, "raw/unknown/korean.txt", (KOREAN * 5).encode("euc-kr"))
    result = run_module(repo, "decode")
    errors = _errors(result)
    assert result.returncode == 1 and len(errors) == 1
    assert errors[0].startswith("error: raw/unknown/korean.txt: not a Chinese page: it reads as Korean text")

    header = "path,site,url,retrieved,license,encoding,allow_replacement,notes,allow_non_chinese"
    _rewrite_sources(repo, header)
    table = repo / "raw" / "sources.csv"
    table.write_text(table.read_text(encoding="utf-8").replace(
        "raw/unknown/korean.txt,,,,unknown,,,", "raw/unknown/korean.txt,,,,unknown,,,,true"), encoding="utf-8")
    result = run_module(repo, "decode")
    assert result.returncode == 0, result.stderr


def test_english_page_is_refused_as_having_no_chinese_text(repo):
    add_raw_file(repo, "raw/unknown/english.txt", b"The health office met on Tuesday to review its work.\n" * 20)
    errors = _errors(run_module(repo, "decode"))
    assert errors == ["error: raw/unknown/english.txt: no Chinese text: it reads as Western (Latin-script) text "
                      "(utf-8); set allow_non_chinese=true in its raw/sources.csv row to keep it"]


def test_mixed_page_records_its_lines_in_the_sources_table(repo):
    lines = [SIMPLIFIED] * 8 + ["本文来源：卫生局网站。"] * 2
    data = b"\n".join(line.encode("gbk" if n < 8 else "utf-8") for n, line in enumerate(lines))
    add_raw_file(repo, "raw/unknown/mixed.txt", data)
    result = build(repo)
    assert result.returncode == 0, result.stderr
    rows = {row["source_id"]: row for row in read_table(repo / "clean" / "sources.csv")}
    assert rows["mixed"]["encoding"] == "gb18030" and rows["mixed"]["encoding_lines"] == "gb18030:8 utf-8:2"
    assert all(row["encoding_lines"] == "" for key, row in rows.items() if key != "mixed")


def test_directory_symlink_in_raw_is_reported_and_never_followed(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_bytes(SIMPLIFIED.encode("utf-8"))
    (repo / "raw" / "linkdir").symlink_to(outside, target_is_directory=True)
    list_raw_file(repo, "raw/linkdir/passwd")
    result = build(repo)
    assert result.returncode != 0
    assert _errors(result) == ["error: raw/linkdir: is a symbolic link; raw/ holds regular files only (copy the file in)"]
    assert "卫生工作会议讲话" not in "".join(p.read_text(encoding="utf-8") for p in (repo / "clean" / "paragraphs").glob("*.csv"))


def test_file_symlink_out_of_the_repo_is_one_line_not_a_traceback(repo, tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_bytes(SIMPLIFIED.encode("utf-8"))
    (repo / "raw" / "unknown" / "link.txt").symlink_to(target)
    result = run_module(repo, "decode")
    assert "Traceback" not in result.stderr
    assert _errors(result) == ["error: raw/unknown/link.txt: is a symbolic link; raw/ holds regular files only "
                               "(copy the file in)"]


def test_sources_table_saved_as_gbk_is_one_line_with_the_offset(repo):
    table = repo / "raw" / "sources.csv"
    content = table.read_text(encoding="utf-8")
    table.write_bytes(content.replace("Test fixture", "测试").encode("gbk"))
    errors = _errors(run_module(repo, "decode"))
    offset = content.replace("Test fixture", "测试").encode("gbk").index("测试".encode("gbk"))
    assert errors == [f"error: raw/sources.csv: not UTF-8 (first bad byte at offset {offset}); save it as UTF-8 "
                      f"(in Excel: CSV UTF-8; in an editor: encoding UTF-8)"]


def test_sources_table_with_a_bom_is_accepted(repo):
    table = repo / "raw" / "sources.csv"
    table.write_bytes(b"\xef\xbb\xbf" + table.read_bytes())
    result = run_module(repo, "decode")
    assert result.returncode == 0, result.stderr


def test_missing_column_is_one_line_without_consequences(repo):
    table = repo / "raw" / "sources.csv"
    table.write_text(table.read_text(encoding="utf-8").replace(",license,", ",licence,", 1), encoding="utf-8")
    errors = _errors(run_module(repo, "decode"))
    assert errors == ["error: raw/sources.csv: missing column(s) license in its header line"]


def test_unknown_codec_and_non_boolean_are_one_line_each_with_the_row(repo):
    add_raw_file(repo, "raw/unknown/rot.txt", SIMPLIFIED.encode("utf-8"), encoding="rot13")
    add_raw_file(repo, "raw/unknown/nope.txt", SIMPLIFIED.encode("utf-8"), encoding="klingon")
    add_raw_file(repo, "raw/unknown/maybe.txt", SIMPLIFIED.encode("utf-8"), allow_replacement="maybe")
    errors = _errors(run_module(repo, "decode"))
    assert len(errors) == 3, errors
    assert errors[0].startswith("error: raw/sources.csv line 7, column encoding: encoding 'rot13' cannot decode")
    assert errors[1].startswith("error: raw/sources.csv line 8, column encoding: unknown encoding 'klingon'")
    assert errors[2].startswith("error: raw/sources.csv line 9, column allow_replacement: 'maybe' is not a boolean")


# --- HTML pages: declared charsets are evidence, checked against the bytes ----------------------

REPORT_LINE = "同志们：今天我们召开全县卫生健康工作会议，总结去年的工作，部署今年的任务。院长张喆、副院长李珺。"


def html_page(charset: str | None, body: str = REPORT_LINE, padding: int = 0, title: str = "卫生工作会议讲话") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    filler = "<!--" + "x" * padding + "-->" if padding else ""
    return (f"<!DOCTYPE html><html><head>{filler}{meta}<title>{title}</title></head>"
            f"<body><p>{body}</p></body></html>")


def test_gbk_bytes_under_a_gb2312_label_are_read_as_gb18030():
    # 喆 and 珺 are GBK, not GB2312: the label means the GBK family, read as its superset.
    detection = detect_html(html_page("gb2312").encode("gbk"))
    assert (detection.encoding, detection.encoding_declared) == ("gb18030", "meta:gb2312")
    assert REPORT_LINE in detection.text


def test_a_meta_charset_the_bytes_contradict_gives_way_to_detection():
    detection = detect_html(html_page("gb2312").encode("utf-8"))
    assert (detection.encoding, detection.encoding_declared) == ("utf-8", "meta:gb2312")
    assert REPORT_LINE in detection.text


def test_the_http_charset_comes_first_and_a_wrong_one_falls_back_to_the_meta_tag():
    data = html_page("gbk").encode("gbk")
    detection = detect_html(data, "text/html; charset=ISO-8859-1")
    assert (detection.encoding, detection.encoding_declared) == ("gb18030", "http:iso-8859-1 meta:gbk")
    assert REPORT_LINE in detection.text


def test_http_header_and_meta_disagree_and_the_bytes_decide():
    detection = detect_html(html_page("utf-8").encode("gbk"), "text/html; charset=GBK")
    assert detection.encoding == "gb18030" and REPORT_LINE in detection.text


def test_a_big5_label_means_big5_hkscs():
    text = "各位同仁：本局推動基層醫療服務，加強傳染病防控。啱啱完成的社區衛生服務中心已投入使用。"
    detection = detect_html(html_page("big5", text, title="衛生工作會議講話").encode("big5hkscs"))
    assert (detection.encoding, detection.encoding_declared) == ("big5hkscs", "meta:big5")
    assert text in detection.text


def test_a_meta_charset_past_the_first_1024_bytes_is_not_evidence():
    detection = detect_html(html_page("gb2312", padding=1100).encode("gbk"))
    assert detection.encoding_declared == ""
    assert detection.encoding == "gb18030" and REPORT_LINE in detection.text


def test_markup_and_scripts_do_not_make_a_chinese_page_western():
    script = "<script>" + "var trackingConfiguration = {enabled: true, sampleRate: 100};\n" * 300 + "</script>"
    data = html_page("gbk").replace("</head>", script + "</head>").encode("gbk")
    detection = detect_html(data)
    assert (detection.encoding, detection.language) == ("gb18030", "chinese")


def test_a_content_type_that_is_not_one_is_reported_with_its_line(tmp_path):
    table = tmp_path / "sources.csv"
    table.write_text("path,site,url,retrieved,license,content_type,notes\n"
                     "raw/a/p.html,,,,unknown,gbk,\n", encoding="utf-8")
    rows, problems = read_sources_table(table)
    assert problems == ["sources.csv line 2, column content_type: 'gbk' is not an HTTP Content-Type "
                        "(write it as the server sent it: text/html; charset=gbk)"] or \
        problems[0].endswith("column content_type: 'gbk' is not an HTTP Content-Type "
                             "(write it as the server sent it: text/html; charset=gbk)")


def test_decode_json_reports_what_an_html_page_declared(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(html_page("gb2312").encode("utf-8"))
    result = run_module(ROOT, "decode", "--json", str(page))
    assert json.loads(result.stdout) == {"path": str(page), "encoding": "utf-8", "confidence": 1.0, "bom": False,
                                        "language": "chinese", "encoding_lines": "",
                                        "encoding_declared": "meta:gb2312"}
