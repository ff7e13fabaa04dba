"""preview: a contributor sees what the build would make of any file, without writing anything."""

from __future__ import annotations

import json

from tests.conftest import FIXTURE_CORPUS, ROOT, run_module


def test_preview_json_of_a_file_outside_raw(tmp_path):
    page = tmp_path / "page.txt"
    page.write_bytes("卫生局工作总结\n\n时间:2024-01-02\n\n同志们:\n今年工作顺利……此处隐藏120个字……\n上一篇:工作计划".encode("gb18030"))
    result = run_module(ROOT, "preview", "--json", str(page))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    (document,) = output["documents"]
    assert {key: document[key] for key in ("title", "text", "truncated", "missing_chars")} == {
        "title": "卫生局工作总结", "text": "同志们：\n今年工作顺利", "truncated": True, "missing_chars": 120}
    assert [r["rule"] for r in output["removals"]] == [
        "generic.page_title", "generic.stamp_line", "generic.hidden_chars", "generic.prev_next"]


def test_preview_with_a_site_shows_removals_marked(tmp_path):
    page = FIXTURE_CORPUS / "raw" / "ruiwen" / "f000_ruiwen.txt"
    result = run_module(ROOT, "preview", str(page), "--site", "ruiwen")
    assert result.returncode == 0, result.stderr
    assert "    3- ⟦來源:瑞文範文網 1.47W⟧  [ruiwen.source_stamp]" in result.stdout
    assert "# 2 document(s)" in result.stdout


def test_preview_json_carries_every_document_flag(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("衛(wèi)生局工作報告\n\n同志們:\n今年衛(wèi)生工作順利,五?一期間,堅持\ufffd加強值班。\n", encoding="utf-8")
    result = run_module(ROOT, "preview", "--json", str(page))
    assert result.returncode == 0, result.stderr
    (document,) = json.loads(result.stdout)["documents"]
    assert document["script_original"] == "traditional"
    assert document["pinyin_removed"] == 1  # the title line went whole in strip
    assert document["mojibake_spans"] == 2 and document["truncated"] is False
    assert {"placeholders", "script_variants", "mojibake_samples", "missing_chars", "n_chars"} <= set(document)


def test_preview_of_a_binary_file_says_why(tmp_path):
    page = tmp_path / "scan.pdf"
    page.write_bytes(b"%PDF-1.4")
    result = run_module(ROOT, "preview", str(page))
    assert result.returncode == 1 and "binary file: a PDF document" in result.stderr


def test_preview_of_a_saved_html_page_extracts_the_article():
    page = next(iter(sorted((FIXTURE_CORPUS.parent / "html").glob("*.html"))))
    result = run_module(ROOT, "preview", "--json", str(page))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    text = "\n".join(d["text"] for d in output["documents"])
    assert "<" not in text and "&nbsp;" not in text
    assert any(r["rule"] == "html.extract" for r in output["removals"])
