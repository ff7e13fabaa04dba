"""check-pr: a forced rebuild must reproduce what is committed and name the files and rows that it
does not; every step's failure is one line, and the summary of the committed data is written
whatever failed."""

from __future__ import annotations

import json
import shutil

import subprocess
import sys

import yaml

from scripts.check_pr import SHOWN_ROWS, row_differences
from tests.conftest import ROOT, build, first_part, run_module

IDENTITY = ["-c", "user.email=t@example.org", "-c", "user.name=t"]
HEADER = "doc_id,seq,line,text\n"
GREETING = ("f000_ruiwen-001,1,7,同志们：", "f000_ruiwen-001,1,7,同志们，大家好：")  # one paragraph edited by hand


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)


def commit(repo, message):
    git(repo, "add", "-A")
    git(repo, *IDENTITY, "commit", "-qm", message)


def committed_copy(repo):
    """The repo as a git checkout, everything committed, with a one-test suite for check-pr's test
    step (the fixture repository brings none)."""
    (repo / "tests").mkdir(exist_ok=True)
    (repo / "tests" / "test_stand_in.py").write_text("def test_stand_in():\n    pass\n", encoding="utf-8")
    git(repo, "init", "-q")
    commit(repo, "base")
    return repo


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rebuild_and_compare(repo, full: bool = False):
    code = ("from scripts.check_pr import rebuild, differs_from_committed\n"
            f"problems = rebuild(full={full}) or differs_from_committed()\n"
            "print('\\n'.join('PROBLEM ' + p for p in problems))")
    return subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, encoding="utf-8")


def problems(result) -> list[str]:
    return [line[len("PROBLEM "):] for line in result.stdout.splitlines() if line.startswith("PROBLEM ")]


def errors(result) -> list[str]:
    return [line[len("error: "):] for line in result.stderr.splitlines() if line.startswith("error: ")]


def test_committed_data_is_reproduced_by_a_forced_rebuild(repo):
    result = rebuild_and_compare(committed_copy(repo))
    assert result.returncode == 0 and problems(result) == [], result.stdout + result.stderr


def test_a_build_cache_that_lies_is_caught_by_a_full_check_only(repo):
    """Pages whose inputs and code are unchanged are reused from build/: a pull request costs what it
    touches. FULL=1 trusts nothing in build/ and rebuilds from raw/."""
    committed_copy(repo)
    manifest = json.loads((repo / "build" / "split" / "manifest.json").read_text(encoding="utf-8"))
    split = repo / "build" / "split" / manifest["segments"][0]["file"]
    split.write_text(split.read_text(encoding="utf-8").replace("同志们", "同事们", 1), encoding="utf-8")
    (repo / "build" / "package.stamp.json").unlink()  # package writes every part again, from the tampered cache
    (repo / "build" / "package-segments.json").unlink()
    stale = problems(rebuild_and_compare(repo))
    assert any(line.startswith("clean/paragraphs/") for line in stale), stale
    git(repo, "checkout", "--", "clean", "datapackage.json")
    assert problems(rebuild_and_compare(repo, full=True)) == []


def test_raw_change_without_rebuild_names_the_stale_files(repo):
    committed_copy(repo)
    with open(repo / "raw" / "unknown" / "f004_summary.txt", "ab") as handle:
        handle.write("\n补充一段文字，说明工作情况。".encode("utf-8"))
    commit(repo, "raw edited, not rebuilt")
    lines = problems(rebuild_and_compare(repo))
    stale = sorted(line.split(":")[0] for line in lines)
    tables = [name for name in stale if not name.startswith("report/")]  # figures of the longer page change too
    assert tables == ["clean/documents.csv", "clean/paragraphs/paragraphs-f000_ruiwen.csv", "clean/sources.csv",
                      "datapackage.json"], lines
    assert "report/README.md" in stale
    assert all("differs from the committed version after a full rebuild" in line for line in lines)


def test_unchanged_pull_request_passes_and_writes_its_summary(repo):
    committed_copy(repo)
    result = run_module(repo, "check_pr", "--base", "HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    written = (repo / "build" / "summary.md").read_text(encoding="utf-8")
    assert "**Documents changed: 0**" in written
    assert "check-pr: the rebuild reproduces the committed data" in written
    assert written in result.stdout


def test_hand_edited_paragraph_is_named_by_row_and_summarized_as_committed(repo):
    committed_copy(repo)
    edit(first_part(repo, "paragraphs"), *GREETING)
    commit(repo, "a paragraph edited by hand")
    result = run_module(repo, "check_pr", "--base", "HEAD~1")
    assert result.returncode == 1
    assert errors(result) == [
        "clean/paragraphs/paragraphs-f000_ruiwen.csv: differs from the committed version after a full rebuild "
        "(run `make all` and commit it, or the build is not reproducible)",
        "clean/paragraphs/: row doc_id=f000_ruiwen-001 seq=1 differs from the rebuild "
        "(text: committed '同志们，大家好：' vs rebuilt '同志们：')",
    ], result.stderr
    # The summary is of what the pull request proposes, not of the rebuild that undid the edit.
    written = (repo / "build" / "summary.md").read_text(encoding="utf-8")
    assert "**Documents changed: 1**" in written
    assert "`f000_ruiwen-001` 卫生工作会议讲话 篇1: 1 paragraph(s) changed" in written
    assert "**check-pr failures: 2**" in written and written in result.stdout


def test_bad_profile_fails_each_step_in_one_line_and_the_summary_is_still_written(repo):
    committed_copy(repo)
    with open(repo / "profiles" / "ruiwen.toml", "a", encoding="utf-8") as handle:
        handle.write("\n[[rules]\n")
    edit(first_part(repo, "paragraphs"), *GREETING)
    commit(repo, "a broken profile and a hand edit")
    result = run_module(repo, "check_pr", "--base", "HEAD~1")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    lines = errors(result)
    assert any(line.startswith("rebuild: profiles/ruiwen.toml") for line in lines), lines
    assert any(line.startswith("validate: ") for line in lines), lines
    assert not any(line.startswith("clean/") for line in lines), lines  # nothing rebuilt, nothing compared
    # With the rebuild failed, the summary compares the committed clean/ with the base.
    written = (repo / "build" / "summary.md").read_text(encoding="utf-8")
    assert "**Documents changed: 1**" in written and "rebuild: profiles/ruiwen.toml" in written
    assert written in result.stdout


def test_unknown_base_is_a_summary_failure_and_the_summary_file_says_so(repo):
    committed_copy(repo)
    result = run_module(repo, "check_pr", "--base", "no-such-revision")
    assert result.returncode == 1
    assert errors(result) == ["summary: base revision 'no-such-revision' not found; fetch it or pass --base"]
    written = (repo / "build" / "summary.md").read_text(encoding="utf-8")
    assert "Not computed" in written and "summary: base revision 'no-such-revision' not found" in written


def test_ci_runs_check_pr_read_only_on_pull_requests_with_a_time_limit():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    assert "pull_request" in workflow[True] and "pull_request_target" not in workflow[True]  # YAML 1.1: on = True
    assert workflow["permissions"] == {"contents": "read"}
    job = workflow["jobs"]["check-pr"]
    assert 0 < job["timeout-minutes"] <= 60
    assert any(step.get("run") == "make check-pr" for step in job["steps"])


# --- the row comparison on its own -------------------------------------------------------------

def paragraphs(path, rows):
    path.write_text(HEADER + "".join(f"{doc_id},{seq},{seq},{text}\n" for doc_id, seq, text in rows),
                    encoding="utf-8")
    return path


def test_rows_are_matched_by_key_in_file_order_with_seq_as_a_number(tmp_path):
    rebuilt = [("a-001", seq, f"第{seq}段") for seq in range(1, 12)] + [("a-0.b-001", 1, "另一页")]
    committed = [row for row in rebuilt if row[1] != 10]
    committed[9] = ("a-001", 11, "第11段，手改")
    lines = row_differences("paragraphs", paragraphs(tmp_path / "committed.csv", committed),
                            paragraphs(tmp_path / "rebuilt.csv", rebuilt))
    assert lines == [
        "clean/paragraphs/: row doc_id=a-001 seq=10 is made by the rebuild but not committed",
        "clean/paragraphs/: row doc_id=a-001 seq=11 differs from the rebuild "
        "(text: committed '第11段，手改' vs rebuilt '第11段')",
    ]


def test_long_cells_are_cut_around_their_first_difference(tmp_path):
    before, after = "前" * 200, "后" * 200
    committed = paragraphs(tmp_path / "committed.csv", [("a-001", 1, before + "把抓" + after)])
    lines = row_differences("paragraphs", committed,
                            paragraphs(tmp_path / "rebuilt.csv", [("a-001", 1, before + "抓住" + after)]))
    assert lines == ["clean/paragraphs/: row doc_id=a-001 seq=1 differs from the rebuild (text: committed "
                     f"'…{'前' * 20}把抓{'后' * 38}…' vs rebuilt '…{'前' * 20}抓住{'后' * 38}…')"]


def test_at_most_twenty_rows_are_named_then_how_many_more(tmp_path):
    rebuilt = [("a-001", seq, "原文") for seq in range(1, 31)]
    committed = paragraphs(tmp_path / "committed.csv", [(doc_id, seq, "改过") for doc_id, seq, _ in rebuilt])
    lines = row_differences("paragraphs", committed, paragraphs(tmp_path / "rebuilt.csv", rebuilt))
    assert len(lines) == SHOWN_ROWS + 1
    assert lines[-1] == "clean/paragraphs/: and 10 more row(s) differ from the rebuild"


def test_row_cut_short_by_a_hand_edit_shows_its_missing_cells_as_empty(tmp_path):
    committed = tmp_path / "committed.csv"
    committed.write_text(HEADER + "a-001,1,1\n", encoding="utf-8")
    lines = row_differences("paragraphs", committed, paragraphs(tmp_path / "rebuilt.csv", [("a-001", 1, "正文")]))
    assert lines == ["clean/paragraphs/: row doc_id=a-001 seq=1 differs from the rebuild "
                     "(text: committed '' vs rebuilt '正文')"]


def test_committed_rows_out_of_key_order_are_reported_not_misread(tmp_path):
    rows = [("a-001", 1, "一"), ("a-001", 2, "二"), ("a-001", 3, "三")]
    lines = row_differences("paragraphs", paragraphs(tmp_path / "committed.csv", [rows[1], rows[0], rows[2]]),
                            paragraphs(tmp_path / "rebuilt.csv", rows))
    assert lines[-1] == ("clean/paragraphs/: committed row doc_id=a-001 seq=1 (line 3) is out of key order or "
                         "repeats a key; rows after it were not compared")


def test_a_data_only_change_skips_the_tests_and_any_other_change_runs_them(repo):
    committed_copy(repo)
    # As in the real repository, build/ is not committed.
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    git(repo, "rm", "-rq", "--cached", "build")
    # The stand-in suite fails: a run of it shows as a failure.
    (repo / "tests" / "test_stand_in.py").write_text("def test_stand_in():\n    assert False\n", encoding="utf-8")
    commit(repo, "build/ ignored, a failing suite")
    with open(repo / "raw" / "unknown" / "f004_summary.txt", "ab") as handle:
        handle.write("\n补充一段文字，说明工作情况。".encode("utf-8"))
    assert build(repo).returncode == 0
    commit(repo, "a page changed and rebuilt")
    data_only = run_module(repo, "check_pr", "--base", "HEAD~1")
    assert "tests: skipped, the change touches data only" in data_only.stdout
    assert data_only.returncode == 0, data_only.stdout + data_only.stderr
    assert run_module(repo, "check_pr", "--base", "HEAD~1", "--full").returncode == 1  # FULL=1 runs them
    (repo / "profiles" / "generic.toml").write_text((repo / "profiles" / "generic.toml").read_text(encoding="utf-8")
                                                   + "\n# a comment\n", encoding="utf-8")
    code_too = run_module(repo, "check_pr", "--base", "HEAD~1")
    assert "tests: skipped" not in code_too.stdout and "tests: failed" in code_too.stderr
