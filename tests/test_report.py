"""report: figures a person looks at, byte for byte the same from the same data, in Noto Sans SC."""

from __future__ import annotations

import datetime
import json
import time
import warnings
from importlib import metadata
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from matplotlib import font_manager

from scripts import figures, report
from tests.conftest import run_module


def rewrite_documents(repo: Path, change) -> None:
    path = repo / "clean" / "documents.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(table).to_csv(path, index=False, lineterminator="\n")


def embedded_images(readme: str) -> list[str]:
    return [line.split("](")[1].rstrip(")") for line in readme.splitlines() if line.startswith("![")]


def test_report_embeds_one_image_per_figure_and_says_what_it_skipped(repo):
    rewrite_documents(repo, lambda table: table.drop(columns=[c for c in ("year",) if c in table]))
    result = run_module(repo, "report")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("report: ") and result.stdout.rstrip().endswith(" s")
    readme = (repo / "report" / "README.md").read_text(encoding="utf-8")
    images = embedded_images(readme)
    for name in ("documents_per_site", "length_per_site", "removed_per_rule", "removed_share_per_site",
                 "flags_per_site", "encodings"):
        assert f"{name}.png" in images
    assert sorted(p.name for p in (repo / "report").glob("*.png")) == sorted(images)
    for image in images:
        assert (repo / "report" / image).read_bytes().startswith(b"\x89PNG")
    assert "- Documents per year: documents.csv has no `year` column yet." in readme


def test_a_column_added_to_documents_gets_its_figure_with_chinese_labels(repo):
    provinces = ["广东省", "浙江省", "新疆维吾尔自治区"]
    rewrite_documents(repo, lambda table: table.assign(
        region=[provinces[i % 3] for i in range(len(table))],
        year=[str(2018 + i % 4) for i in range(len(table))]))
    result = run_module(repo, "report")
    assert result.returncode == 0, result.stderr
    readme = (repo / "report" / "README.md").read_text(encoding="utf-8")
    assert "documents_per_province.png" in embedded_images(readme)
    assert "documents_per_year.png" in embedded_images(readme)
    assert "`广东省`" in readme or "`浙江省`" in readme or "`新疆维吾尔自治区`" in readme


def test_near_duplicate_clusters_are_drawn_when_the_package_has_them(repo):
    doc_ids = pd.read_csv(repo / "clean" / "documents.csv", dtype=str)["doc_id"].tolist()
    clusters = pd.DataFrame({"cluster_id": [doc_ids[0]] * 3, "doc_id": doc_ids[:3]})
    clusters.to_csv(repo / "clean" / "duplicates.csv", index=False)
    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "duplicates"]
    (repo / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert run_module(repo, "report").returncode == 0
    readme = (repo / "report" / "README.md").read_text(encoding="utf-8")
    assert "duplicate_clusters.png" in embedded_images(readme)
    assert "3 in a near-duplicate cluster" in readme


def test_second_run_rewrites_nothing(repo):
    assert run_module(repo, "report").returncode == 0
    first = {p.name: p.read_bytes() for p in (repo / "report").iterdir()}
    second_run = run_module(repo, "report")
    assert "nothing changed" in second_run.stdout  # the package did not change: nothing drawn
    forced = run_module(repo, "report", "--force")
    assert "(0 changed)" in forced.stdout  # drawn again: the same bytes
    assert {p.name: p.read_bytes() for p in (repo / "report").iterdir()} == first


def test_a_figure_no_longer_drawn_is_removed(repo):
    (repo / "report").mkdir(exist_ok=True)
    (repo / "report" / "documents_per_planet.png").write_bytes(b"old")
    assert run_module(repo, "report").returncode == 0
    assert not (repo / "report" / "documents_per_planet.png").exists()


class _Later(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.datetime(2031, 7, 1, 12, 0, 0, tzinfo=tz)

    @classmethod
    def today(cls):
        return cls.now()


def test_figure_bytes_depend_neither_on_the_time_nor_the_library_version(repo, monkeypatch):
    tables = report.load_tables(repo / "datapackage.json")
    before = report.render(tables)
    default_saved = report.png_bytes(report.documents_per_site(tables).figure)
    monkeypatch.setattr(matplotlib, "__version__", "99.0.0")
    monkeypatch.setattr(time, "time", lambda: 1_956_000_000.0)
    monkeypatch.setattr(datetime, "datetime", _Later)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1956000000")
    assert report.render(tables) == before
    # The check can fail: matplotlib's own default metadata names its version, and it shows.
    monkeypatch.setattr(figures, "SAVE_METADATA", {})
    assert report.png_bytes(report.documents_per_site(tables).figure) != default_saved


def test_labels_are_set_in_the_pinned_open_licensed_font():
    import pylopdf_fonts_zh_cn

    assert report.FONT_PATH == Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf"
    assert report.FONT_NAME == "Noto Sans SC"
    licence = metadata.metadata("pylopdf-fonts-zh-cn")
    assert "SIL Open Font License" in (licence.get("License") or "") + " ".join(licence.get_all("Classifier"))
    with matplotlib.rc_context(report.STYLE):
        chosen = font_manager.findfont(font_manager.FontProperties(family=matplotlib.rcParams["font.family"]),
                                       fallback_to_default=False)
    assert Path(chosen) == report.FONT_PATH


def test_chinese_labels_have_every_glyph_in_the_font():
    # As render() draws: matplotlib fixes a label's font when the label is made.
    with matplotlib.rc_context(report.STYLE), warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for a box
        figure, (ax,) = report.new_figure(3)
        report.barh(ax, ["新疆维吾尔自治区", "卫生健康委员会", "瑞文范文网"], [3, 2, 1])
        assert report.png_bytes(figure).startswith(b"\x89PNG")


def test_report_runs_without_a_display(repo):
    result = run_module(repo, "report", env={"DISPLAY": "", "WAYLAND_DISPLAY": "", "MPLBACKEND": "TkAgg"})
    assert result.returncode == 0, result.stderr


def test_missing_table_is_one_line(repo):
    for part in (repo / "clean" / "removals").glob("*.csv"):
        part.unlink()
    result = run_module(repo, "report")
    assert result.returncode == 1
    assert result.stderr.strip() == ("error: clean/removals/removals-f000_ruiwen.csv: the removals table is missing; "
                                     "run `make all` first")


@pytest.mark.parametrize("counts, expected", [({"a": 1, "b": 3, "c": 3}, ["b", "c", "a"])])
def test_sites_are_ordered_by_documents_then_name(counts, expected):
    docs = pd.DataFrame({"site_label": [site for site, n in counts.items() for _ in range(n)]})
    assert report.largest_sites(docs) == (expected, "")


def test_pull_request_summary_links_changed_figures_and_counts_documents_added_per_site(repo):
    from tests.conftest import add_raw_file, build
    from tests.test_check_pr import committed_copy

    assert run_module(repo, "report").returncode == 0
    committed_copy(repo)
    page = ("新站范文网\n卫生院工作总结\n同志们：\n今年以来，我院认真落实各项工作，医疗服务能力明显提升，群众满意度不断提高。\n"
            "今后我们将继续努力，推动卫生健康事业高质量发展。\n")
    add_raw_file(repo, "raw/xinzhan/x0.txt", page.encode("utf-8"), site="xinzhan")
    assert build(repo).returncode == 0
    assert run_module(repo, "report").returncode == 0
    result = run_module(repo, "summary", "--base", "HEAD")
    assert result.returncode == 0, result.stderr
    assert "[documents_per_site.png](report/documents_per_site.png)" in result.stdout
    assert "| xinzhan | 0 | 1 | 1 |" in result.stdout


def test_removal_sums_are_kept_per_part_content_and_forgotten_with_it(tmp_path):
    header = "source_id,line,rule,text\n"
    parts = [tmp_path / "removals-a.csv", tmp_path / "removals-b.csv"]
    parts[0].write_text(header + "p1,1,generic.x,abc\np1,2,generic.x,de\n", encoding="utf-8")
    parts[1].write_text(header + "p2,1,classifier.chrome,fghij\n", encoding="utf-8")
    cache = tmp_path / "cache"
    first = figures.removal_counts(parts, cache)
    assert first.to_dict("records") == [{"source_id": "p1", "rule": "generic.x", "chars": 5, "spans": 2},
                                        {"source_id": "p2", "rule": "classifier.chrome", "chars": 5, "spans": 1}]
    assert first.equals(figures.removal_counts(parts))  # the same sums without a cache
    kept = sorted(cache.glob("*.csv"))
    assert len(kept) == 2
    # A kept sum is read, not recomputed: plant a different one for the unchanged part to see it.
    planted = next(path for path in kept if "p2" in path.read_text(encoding="utf-8"))
    planted.write_text("source_id,rule,chars,spans\np2,classifier.chrome,99,1\n", encoding="utf-8")
    assert figures.removal_counts(parts, cache)["chars"].tolist() == [5, 99]
    # A changed part is summed again, and the sums of its old bytes are deleted.
    parts[0].write_text(header + "p1,1,generic.x,abc\n", encoding="utf-8")
    assert figures.removal_counts(parts, cache)["chars"].tolist() == [3, 99]
    assert len(list(cache.glob("*.csv"))) == 2
