"""check-pr: a forced rebuild must reproduce what is committed, and say which files do not."""

from __future__ import annotations

import subprocess
import sys



def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)


def committed_copy(repo):
    git(repo, "init", "-q")
    git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "add", "-A")
    git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "base")
    return repo


def rebuild_and_compare(repo):
    code = ("from scripts.check_pr import rebuild, differs_from_committed\n"
            "problems = rebuild() or differs_from_committed()\n"
            "print('\\n'.join('PROBLEM ' + p for p in problems))")
    return subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, encoding="utf-8")


def problems(result) -> list[str]:
    return [line[len("PROBLEM "):] for line in result.stdout.splitlines() if line.startswith("PROBLEM ")]


def test_committed_data_is_reproduced_by_a_forced_rebuild(repo):
    result = rebuild_and_compare(committed_copy(repo))
    assert result.returncode == 0 and problems(result) == [], result.stdout + result.stderr


def test_raw_change_without_rebuild_names_the_stale_files(repo):
    committed_copy(repo)
    with open(repo / "raw" / "unknown" / "004_5928ad22fc79e100.txt", "ab") as handle:
        handle.write("\n补充一段文字，说明工作情况。".encode("utf-8"))
    git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qam", "raw edited, not rebuilt")
    lines = problems(rebuild_and_compare(repo))
    stale = sorted(line.split(":")[0] for line in lines)
    assert stale == ["clean/documents.csv", "clean/paragraphs.csv", "clean/sources.csv", "datapackage.json"], lines
    assert all("differs from the committed version after a full rebuild" in line for line in lines)


def test_summary_reports_added_and_changed_documents(repo):
    committed_copy(repo)
    paragraphs = repo / "clean" / "paragraphs.csv"
    text = paragraphs.read_text(encoding="utf-8").replace("同志们：", "同志们，大家好：", 1)
    paragraphs.write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "scripts.summary", "--base", "HEAD"], cwd=repo,
                            capture_output=True, text=True, encoding="utf-8")
    assert "**Documents changed: 1**" in result.stdout
    assert "`000_8eea56606f75eb69-001` 卫生工作会议讲话 篇1: 1 paragraph(s) changed" in result.stdout
    assert "| paragraphs | 867 | 867 | +0 |" in result.stdout
