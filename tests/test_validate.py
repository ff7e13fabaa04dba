"""validate: the schemas, the data checks beyond them, and proof that every resource was read."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from scripts.package import RESOURCES
from scripts.validate import check_package
from tests.conftest import last_part, run_module

EXPECTED = tuple(RESOURCES)


def test_a_built_package_is_valid_and_every_resource_was_read(repo):
    problems, summary, _ = check_package(repo / "datapackage.json")
    assert problems == []
    assert [line.split(":")[0] for line in summary] == list(EXPECTED)


@pytest.fixture
def package(repo, tmp_path):
    """A copy of a built package and its raw/; returns (root, descriptor dict, write-descriptor function)."""
    tmp_path = tmp_path / "package"
    for name in ("clean", "schemas", "raw"):
        shutil.copytree(repo / name, tmp_path / name)
    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))

    def write(edited: dict, unhash: bool = True):
        if unhash:  # a hand edit: the recorded sizes and hashes no longer apply
            for resource in edited["resources"]:
                resource.pop("hash", None), resource.pop("bytes", None)
        path = tmp_path / "datapackage.json"
        path.write_text(json.dumps(edited, ensure_ascii=False), encoding="utf-8")
        return path

    return tmp_path, descriptor, write


def add_paragraph(root, text: str, doc_id: str = "f003_nav-002") -> None:
    with open(last_part(root, "paragraphs"), "a", encoding="utf-8") as handle:
        handle.write(f"{doc_id},99,1,{text},{'0' * 16},1,1\n")


def problems_for(write, descriptor) -> list[str]:
    return check_package(write(descriptor), EXPECTED)[0]


def test_resource_not_read_as_a_table_fails(package):
    root, descriptor, write = package
    removals = next(r for r in descriptor["resources"] if r["name"] == "removals")
    for key in ("type", "schema"):
        removals.pop(key)
    removals.update(format="txt", mediatype="text/plain")
    assert "removals: not a table with a schema (format 'txt'); nothing in it was checked" in problems_for(write, descriptor)


def test_missing_resource_fails(package):
    root, descriptor, write = package
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "removals"]
    assert problems_for(write, descriptor) == [
        "removals: resource missing from datapackage.json"]


def test_resource_with_no_rows_fails(package):
    root, descriptor, write = package
    part = last_part(root, "removals")
    header = part.read_text(encoding="utf-8").split("\n", 1)[0] + "\n"
    part.write_text(header, encoding="utf-8")
    assert any(p.startswith("removals: 0 rows read") for p in problems_for(write, descriptor))


def test_row_breaking_the_schema_fails_with_the_resource_named(package):
    root, descriptor, write = package
    documents = root / "clean" / "documents.csv"
    lines = documents.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace(",traditional,", ",klingon,", 1)
    documents.write_text("\n".join(lines), encoding="utf-8")
    assert any(p.startswith("documents:") and "klingon" in p for p in problems_for(write, descriptor))


def test_edited_table_no_longer_matches_its_recorded_hash(package):
    root, descriptor, write = package
    add_paragraph(root, "后来加的一段。")
    problems = check_package(write(descriptor, unhash=False), EXPECTED)[0]
    assert any(p.startswith("paragraphs:") and "hash" in p.lower() for p in problems), problems


def test_boilerplate_put_back_into_paragraphs_is_caught(package):
    root, descriptor, write = package
    add_paragraph(root, "上一篇：卫生计生工作计划范文 下一篇：语文工作计划范文")
    problems = problems_for(write, descriptor)
    assert any("paragraph 99: boilerplate left, rule generic.prev_next" in p for p in problems), problems


def test_traditional_character_left_is_caught(package):
    root, descriptor, write = package
    add_paragraph(root, "加强卫生監督工作。")
    assert any("paragraph 99: Traditional characters left (監)" in p for p in problems_for(write, descriptor))


def test_pinyin_annotation_left_is_caught(package):
    root, descriptor, write = package
    add_paragraph(root, "卫（wèi）生工作。")
    assert any("paragraph 99: ruby pinyin left ((wèi))" in p for p in problems_for(write, descriptor))


def test_private_use_character_in_an_unflagged_document_is_caught(package):
    root, descriptor, write = package
    add_paragraph(root, "纳入\ue2f0范围。")
    assert any("paragraph 99: U+E2F0 in a document not flagged for mojibake" in p
               for p in problems_for(write, descriptor))


def test_document_counts_that_disagree_with_paragraphs_are_caught(package):
    root, descriptor, write = package
    add_paragraph(root, "多出来的一段。")
    problems = problems_for(write, descriptor)
    assert any("f003_nav-002: n_paragraphs/n_chars say" in p for p in problems), problems


def test_sha256_that_does_not_match_the_raw_bytes_is_caught(package):
    root, descriptor, write = package
    sources = root / "clean" / "sources.csv"
    text = sources.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("f000_ruiwen,"))
    digest = row.split(",")[2]
    sources.write_text(text.replace(digest, "0" * 64, 1), encoding="utf-8")
    problems = problems_for(write, descriptor)
    assert any("raw/ruiwen/f000_ruiwen.txt: raw bytes changed since the build" in p for p in problems)


def test_raw_file_changed_without_rebuilding_is_caught(repo):
    with open(repo / "raw" / "unknown" / "f004_summary.txt", "ab") as handle:
        handle.write("补充一句。".encode("utf-8"))
    result = run_module(repo, "validate")
    assert result.returncode == 1
    assert "raw/unknown/f004_summary.txt: raw bytes changed since the build" in result.stderr


def test_raw_file_without_a_sources_row_is_caught(repo):
    (repo / "raw" / "unknown" / "005_new.txt").write_bytes("卫生局工作总结".encode("utf-8"))
    result = run_module(repo, "validate")
    assert result.returncode == 1
    assert "raw/unknown/005_new.txt: present in raw/ but not listed in raw/sources.csv" in result.stderr


def test_a_broken_profile_is_one_line_per_problem_and_the_rest_is_still_validated(repo):
    profile = repo / "profiles" / "ruiwen.toml"
    profile.write_text(profile.read_text(encoding="utf-8")
                       + '[[rule]]\nid = "ruiwen.bad"\nwhere = "line"\npattern = "(?=x)y"\nmax_lines = "many"\n',
                       encoding="utf-8")
    result = run_module(repo, "validate")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "profiles/ruiwen.toml: rule ruiwen.bad: max_lines must be a whole number" in result.stderr
    assert "profiles/ruiwen.toml: rule ruiwen.bad: bad pattern" in result.stderr
    assert "validate: paragraphs:" in result.stdout  # the tables were still read and checked


@pytest.mark.parametrize("appended, rule", [
    ("来源:瑞文范文网 1.47W", "ruiwen.source_stamp"),
    ("（来源：瑞文范文网 1.47W）", "classifier.chrome"),
    ("……（新文秘网http://www.wm114.cn省略1004字，正式会员可完整阅读）……", "generic.paywall_notice"),
])
def test_boilerplate_appended_to_a_paragraph_is_reported_with_its_rule(package, appended, rule):
    root, descriptor, write = package
    add_paragraph(root, f"今年全县卫生工作取得明显成效。{appended}", doc_id="f000_ruiwen-002")
    problems = problems_for(write, descriptor)
    assert any("f000_ruiwen-002 paragraph 99: boilerplate left, rule " + rule in p for p in problems), problems


def test_a_site_profile_checks_only_its_own_sites_documents(package):
    root, descriptor, write = package
    injected = "今年的工作要点由[]为您整理，感谢作者。"  # fanwen-nav.credit_injection matches it
    add_paragraph(root, injected, doc_id="f000_ruiwen-002")
    assert not any("boilerplate left" in p for p in problems_for(write, descriptor))
    add_paragraph(root, injected, doc_id="f003_nav-002")
    assert any("f003_nav-002 paragraph 99: boilerplate left, rule fanwen-nav.credit_injection" in p
               for p in problems_for(write, descriptor))


def test_a_chrome_line_put_back_is_caught_by_the_classifier(package):
    root, descriptor, write = package
    add_paragraph(root, "用户名 密码 验证码 换一换 登录 注册")
    assert any("paragraph 99: boilerplate left, rule classifier.chrome scores it" in p
               for p in problems_for(write, descriptor))


def test_validation_is_not_repeated_when_nothing_changed_but_is_after_an_edit(repo):
    assert run_module(repo, "validate").returncode == 0
    again = run_module(repo, "validate")
    assert again.returncode == 0 and "nothing changed since the last successful validation" in again.stdout
    add_paragraph(repo, "上一篇：卫生计生工作计划范文 下一篇：语文工作计划范文")
    edited = run_module(repo, "validate")
    assert edited.returncode == 1 and "nothing changed" not in edited.stdout


def test_text_checks_of_an_unchanged_part_are_reused_and_a_changed_part_is_checked_again(repo):
    assert run_module(repo, "validate", "--force").returncode == 0  # --force: checks all, caches nothing
    assert not (repo / "build" / "validate-text-cache.json").exists()
    (repo / "build" / "validate.stamp.json").unlink(missing_ok=True)
    assert run_module(repo, "validate").returncode == 0
    cache_path = repo / "build" / "validate-text-cache.json"
    cache = json.loads(cache_path.read_text(encoding="utf-8"))
    part = last_part(repo, "paragraphs").relative_to(repo).as_posix()
    assert cache[part]["problems"] == []
    # A verdict is reused while the part's bytes and context are the same: plant one to see it.
    cache[part]["problems"] = ["row 2: planted by the test"]
    cache_path.write_text(json.dumps(cache), encoding="utf-8")
    (repo / "build" / "validate.stamp.json").unlink(missing_ok=True)
    reused = run_module(repo, "validate")
    assert reused.returncode == 1 and "paragraphs: row 2: planted by the test" in reused.stderr
    # Another byte in the part: it is checked again (and the planted verdict is gone).
    add_paragraph(repo, "上一篇：卫生计生工作计划范文 下一篇：语文工作计划范文")
    checked = run_module(repo, "validate")
    assert "planted by the test" not in checked.stderr
    assert "boilerplate left, rule generic.prev_next" in checked.stderr


def test_in_a_changed_part_only_the_changed_page_is_text_checked_again(repo):
    assert run_module(repo, "validate").returncode == 0
    cache = json.loads((repo / "build" / "validate-text-cache.json").read_text(encoding="utf-8"))
    part = last_part(repo, "paragraphs")
    with open(part, encoding="utf-8", newline="") as handle:
        doc_ids = [row["doc_id"] for row in csv.DictReader(handle)]
    pages = {doc_id.rpartition("-")[0] for doc_id in doc_ids}
    assert len(cache[part.relative_to(repo).as_posix()]["clean_pages"]) == len(pages) > 1
    # A chrome line added to the part's last page: that page is checked (and its problem found), the
    # part's other pages are known clean by their rows' digests.
    add_paragraph(repo, "上一篇：卫生计生工作计划范文 下一篇：语文工作计划范文", doc_id=doc_ids[-1])
    checked = run_module(repo, "validate")
    assert checked.returncode == 1 and "boilerplate left, rule generic.prev_next" in checked.stderr
    assert f"text checked on 1 page(s), {len(pages) - 1} found clean before" in checked.stdout, checked.stdout
    # A page with problems is never remembered as clean: the next run checks it again.
    cache = json.loads((repo / "build" / "validate-text-cache.json").read_text(encoding="utf-8"))
    assert len(cache[part.relative_to(repo).as_posix()]["clean_pages"]) == len(pages) - 1


@pytest.mark.parametrize("rule, valid", [("classifier.inline.forum_jammer", True), ("generic.page_mark", True),
                                         ("Classifier Chrome", False), ("classifier", False)])
def test_removal_rule_ids_may_have_a_dotted_name_but_no_other_shape(repo, rule, valid):
    part = last_part(repo, "removals")
    with open(part, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    row = dict(rows[-1], seq=str(int(rows[-1]["seq"]) + 1), rule=rule, score="")
    with open(part, "a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n").writerow(row)
    result = run_module(repo, "validate")
    assert (f"rule {rule!r} does not match" not in result.stderr) is valid, result.stderr


def test_an_appended_rule_drops_only_a_leading_run_that_may_be_empty():
    from scripts.checks import unanchored_tail
    assert unanchored_tail(r"^.{0,120}?(?:以下是).{0,80}小编$") == r"(?:以下是).{0,80}小编$"
    assert unanchored_tail(r"^[^…]{0,40}(?:开通会员)") == r"(?:开通会员)"
    # A run that must hold characters, or one that is the whole alternative, is the rule's meaning.
    assert unanchored_tail(r"^.{2,60}篇$") == r".{2,60}篇$"
    assert unanchored_tail(r"^.{0,5}|来源") == r".{0,5}|来源"
    assert unanchored_tail(r"^\.{0,3}来源") == r"\.{0,3}来源"


def test_an_appended_rule_finds_what_the_whole_rule_finds_at_a_text_end():
    """Every profile's end-of-text check, with and without its leading run, on each boilerplate
    line of the development set appended to a sentence: the same texts are found."""
    import re2
    from benchmarks.devset import pages
    from scripts.checks import unanchored_tail
    from scripts.pipeline import ROOT
    from scripts.profiles import fold
    from scripts.strip import load_profiles
    lines = sorted({fold(line) for page in pages(ROOT / "tests/fixtures/devset/dev") for line in page.boilerplate})
    texts = [f"全年完成家庭医生签约12.3万人。{line}" for line in lines]
    shortened = 0
    for profile in load_profiles().values():
        for rule in profile.rules:
            if rule.where not in ("line", "header", "footer") or rule.boundary or rule.pattern is None:
                continue
            plain = re2.compile(f"(?:{rule.source.removeprefix('^')})$")
            tail = re2.compile(f"(?:{unanchored_tail(rule.source)})$")
            shortened += plain.pattern != tail.pattern
            assert [bool(plain.search(t)) for t in texts] == [bool(tail.search(t)) for t in texts], rule.id
    assert shortened >= 1 and len(texts) > 100


def test_a_rule_never_matches_across_two_paragraphs_of_a_joined_batch():
    from scripts.patterns import Joined, LinePatterns
    joined = Joined(["县卫生", "局工作总结X"])  # a negated class would run from one row into the next
    assert LinePatterns(["^[^>]{6,20}X"]).rows(joined) == {}
    assert LinePatterns(["^[^>]{5,20}X"]).rows(joined) == {0: [1]}
