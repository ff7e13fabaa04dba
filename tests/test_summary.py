"""summary: what a change does to the data, against a base revision, for a pull request's reviewer."""

from __future__ import annotations

import shutil

from scripts.summary import doc_order, number_order
from tests.conftest import add_raw_file, build, first_part, run_module
from tests.test_check_pr import committed_copy, edit

EDITED = ("f000_ruiwen-001,1,7,同志们：", "f000_ruiwen-001,1,7,同志们，大家好：")


def test_summary_reports_a_changed_document_and_unchanged_counts(repo):
    committed_copy(repo)
    edit(first_part(repo, "paragraphs"), *EDITED)
    result = run_module(repo, "summary", "--base", "HEAD")
    assert result.returncode == 0, result.stderr
    assert "**Documents changed: 1**" in result.stdout
    assert "`f000_ruiwen-001` 卫生工作会议讲话 篇1: 1 paragraph(s) changed" in result.stdout
    assert "| paragraphs | 144 | 144 | +0 |" in result.stdout
    assert (repo / "build" / "summary.md").read_text(encoding="utf-8") == result.stdout


def test_summary_of_another_folder_leaves_clean_out_of_it(repo):
    """check-pr summarizes its copy of the committed tables, not the clean/ its rebuild wrote."""
    committed_copy(repo)
    shutil.copytree(repo / "clean", repo / "proposed")
    edit(first_part(repo / "proposed", "paragraphs", clean=""), *EDITED)
    output = repo / "elsewhere" / "summary.md"
    result = run_module(repo, "summary", "--base", "HEAD", "--clean", "proposed", "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert "**Documents changed: 1**" in output.read_text(encoding="utf-8")
    assert "**Documents changed: 0**" in run_module(repo, "summary", "--base", "HEAD").stdout


def test_unknown_base_revision_is_one_line(repo):
    committed_copy(repo)
    result = run_module(repo, "summary", "--base", "no-such-revision")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: base revision 'no-such-revision' not found; fetch it or pass --base"


def test_documents_are_ordered_as_package_writes_them_not_as_strings():
    # Source "a" comes before source "a-0.b", so its documents do too, though "a-0.b-001" < "a-001".
    assert doc_order("a-001") < doc_order("a-002") < doc_order("a-0.b-001")
    assert number_order("9") < number_order("10") < number_order("x")


def test_summary_shows_a_new_sites_removed_and_suspect_lines(repo):
    committed_copy(repo)
    for number in range(3):
        page = (f"小站范文网 - 精品文稿\n卫生院工作总结{'一二三'[number]}\n同志们：\n"
                "今年以来，我院认真落实各项工作，医疗服务能力明显提升，群众满意度不断提高。\n"
                "全县卫生系统干部职工关注微信公众号学习，下载学习资料3万余次，浏览量达到12万人次，阅读人数持续增长。\n"
                "今后我们将继续努力，推动卫生健康事业高质量发展。\n扫一扫关注小站范文网公众号\n")
        add_raw_file(repo, f"raw/xiaozhan/x{number}.txt", page.encode("utf-8"), site="xiaozhan")
    assert build(repo).returncode == 0
    result = run_module(repo, "summary", "--base", "HEAD")
    assert result.returncode == 0, result.stderr
    assert "**Suspect lines in added and changed documents: 3**" in result.stdout
    assert "`x0-001` line 5 (" in result.stdout
    assert "**Site `xiaozhan` (3 page(s)): most frequent removed and suspect lines**" in result.stdout
    assert "removed 3x: 扫一扫关注小站范文网公众号 [classifier." in result.stdout
