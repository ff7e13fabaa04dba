"""suggest: a draft profile from a site's pages, which loads and catches the site's repeated lines."""

from __future__ import annotations

from scripts import profiles
from tests.conftest import add_raw_file, run_module

PAGES = [
    ("卫生院工作总结", "2024-01-05", "今年以来，我院认真落实各项工作，医疗服务能力明显提升。"),
    ("卫生局工作计划", "2024-02-11", "明年我局将重点抓好基本医疗和公共卫生，确保任务完成。"),
    ("疾控中心工作要点", "2024-03-20", "全年传染病报告发病率持续下降，免疫规划接种率保持高位。"),
]


def add_site_pages(repo) -> None:
    for number, (title, date, body) in enumerate(PAGES):
        page = (f"小站范文网 - 精品文稿\n{title}\n更新 {date} 阅读 {number * 37 + 5}\n"
                f"{body}\n扫一扫关注小站范文网公众号：xiaozhan\n")
        add_raw_file(repo, f"raw/xiaozhan/x{number}.txt", page.encode("utf-8"), site="xiaozhan")


def test_the_draft_loads_and_names_the_sites_repeated_lines(repo, tmp_path):
    add_site_pages(repo)
    output = tmp_path / "xiaozhan.toml"
    result = run_module(repo, "suggest", "--site", "xiaozhan", "--output", str(output))
    assert result.returncode == 0, result.stderr
    draft = profiles.load_profile(output)
    text = output.read_text(encoding="utf-8")
    assert draft.fingerprints == ("小站范文网",)
    assert "扫一扫关注小站范文网公众号" in text and "on 3 of 3 pages" in text
    stamp = next(rule for rule in draft.rules if "published" in rule.pattern.groupindex)
    assert stamp.pattern.fullmatch("更新 2025-06-01 阅读 99")
    assert "卫生院工作总结" not in text  # a title is on one page only


def test_a_site_with_no_pages_is_one_line(repo):
    result = run_module(repo, "suggest", "--site", "nowhere")
    assert result.returncode != 0 and "no page of site 'nowhere'" in result.stderr
