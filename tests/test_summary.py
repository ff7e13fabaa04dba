"""summary: what a change does to the data, against a base revision, for a pull request's reviewer."""

from __future__ import annotations

import shutil

from scripts.summary import doc_order, number_order
from tests.conftest import run_module
from tests.test_check_pr import committed_copy, edit

EDITED = ("f000_ruiwen-001,1,7,同志们：", "f000_ruiwen-001,1,7,同志们，大家好：")


def test_summary_reports_a_changed_document_and_unchanged_counts(repo):
    committed_copy(repo)
    edit(repo / "clean" / "paragraphs.csv", *EDITED)
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
    edit(repo / "proposed" / "paragraphs.csv", *EDITED)
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
