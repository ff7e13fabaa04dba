"""The figures and the README of report/ (drawn by scripts/report.py, the stage): pandas reads the
tables, matplotlib draws on its Agg canvas in Noto Sans SC. A module of its own so that the stage
decides whether anything changed before paying for these imports (0.8 s at every no-op `make all`).
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # never a GUI backend, even where a display exists

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pylopdf_fonts_zh_cn  # noqa: E402
from matplotlib import font_manager, ticker  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from scripts import package, pipeline  # noqa: E402
from scripts.pipeline import atomic_write  # noqa: E402
from scripts.report import OUTPUT  # noqa: E402

FONT_PATH = Path(pylopdf_fonts_zh_cn.sans_path())
font_manager.fontManager.addfont(str(FONT_PATH))
FONT_NAME = font_manager.FontProperties(fname=FONT_PATH).get_name()  # "Noto Sans SC"
# No "Software" (it names matplotlib's version) and no date: a PNG's bytes depend on the data only.
SAVE_METADATA = {"Software": None}
STYLE = {
    "font.family": [FONT_NAME],
    "font.size": 10,
    "axes.unicode_minus": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    # For anyone who saves these figures as SVG: fixed ids and no date.
    "svg.hashsalt": "zh-health-work-reports",
    "svg.fonttype": "path",
}
TOP_SITES = 25  # sites drawn; the paragraph counts the rest (an "other" bar would dwarf every site)
TOP_RULES = 20
TOP_VALUES = 31  # kinds, provinces: 31 provincial divisions fit without an "other"
UNKNOWN = "(unknown)"
# Optional columns of documents.csv, each a figure when present: column -> (file, heading, noun).
BREAKDOWNS = {
    "year": ("documents_per_year", "Documents per year", "year"),
    "doc_type": ("documents_per_kind", "Documents per kind", "kind of document"),
    "admin_level": ("documents_per_admin_level", "Documents per admin level", "administrative level"),
    "region": ("documents_per_province", "Documents per province", "province"),
}
FLAG_COLORS = {"truncated": "#d62728", "mojibake": "#9467bd", "placeholders": "#ff7f0e", "duplicates": "#8c564b"}
SCRIPT_COLORS = {"simplified": "#1f77b4", "traditional": "#2ca02c"}


@dataclass
class Tables:
    """What the figures need, read once: one row per page, per document, per removal."""
    sources: pd.DataFrame
    documents: pd.DataFrame
    removals: pd.DataFrame
    duplicates: pd.DataFrame | None
    document_columns: list[str] = field(default_factory=list)


@dataclass
class Section:
    name: str  # the PNG's file name without .png
    heading: str
    text: str
    figure: Figure | None = None
    skipped: str = ""  # why there is no figure


def resource_paths(descriptor: Path) -> dict[str, list[Path]]:
    """Each resource's file(s): a multipart resource lists its parts."""
    package_ = json.loads(descriptor.read_text(encoding="utf-8"))
    return {resource["name"]: package.resource_paths(resource, descriptor.parent) for resource in package_["resources"]}


def read_table(paths: list[Path], columns: list[str] | None = None) -> pd.DataFrame:
    """All cells as strings ('' for empty), every part: the figures convert the few numbers they use."""
    usecols = (lambda name: name in columns) if columns else None
    frames = [pd.read_csv(path, dtype=str, keep_default_na=False, usecols=usecols, encoding="utf-8") for path in paths]
    return pd.concat(frames, ignore_index=True) if len(frames) != 1 else frames[0]


def removal_counts(paths: list[Path], cache: Path | None = None) -> pd.DataFrame:
    """Characters and spans removed per page and rule, summed part by part: the figures need no
    more, and memory holds one part's rows at a time (the table has a row per removed span).

    With ``cache`` (a folder), each part's sums are kept under the part's content hash, so a
    report after one changed page reads one part (measured: 0.75 s of report's 2.2 s at 10,000
    pages, reading every part); sums no part has any more are deleted."""
    counted, used = [], set()
    for path in paths:
        kept = cache / f"{pipeline.cached_file_digest(path)[:32]}.csv" if cache is not None else None
        if kept is not None and kept.exists():
            sums = pd.read_csv(kept, dtype={"source_id": str, "rule": str, "chars": "int64", "spans": "int64"},
                               keep_default_na=False, encoding="utf-8")
        else:
            part = read_table([path], ["source_id", "rule", "text"])
            part["chars"] = part["text"].str.len().astype("int64")
            sums = part.groupby(["source_id", "rule"], sort=False).agg(
                chars=("chars", "sum"), spans=("chars", "size")).reset_index()
            if kept is not None:
                with atomic_write(kept) as handle:
                    sums.to_csv(handle, index=False, lineterminator="\n")
        if kept is not None:
            used.add(kept.name)
        counted.append(sums)
    if cache is not None and cache.exists():
        for stale in cache.glob("*.csv"):
            if stale.name not in used:
                stale.unlink()
    if not counted:
        return pd.DataFrame({"source_id": [], "rule": [], "chars": [], "spans": []})
    return pd.concat(counted).groupby(["source_id", "rule"], sort=True)[["chars", "spans"]].sum().reset_index()


def load_tables(descriptor: Path, cache: Path | None = None) -> Tables:
    """The tables the figures draw; ``cache``: where removal_counts keeps each part's sums."""
    paths = resource_paths(descriptor)
    for name in ("sources", "documents", "removals"):
        if name not in paths or not all(path.exists() for path in paths[name]):
            raise SystemExit(f"error: {pipeline.display(paths.get(name, [descriptor])[0])}: the {name} table is "
                             "missing; run `make all` first")
    sources = read_table(paths["sources"], ["source_id", "site", "site_key", "encoding", "encoding_confidence"])
    site_key = sources["site_key"] if "site_key" in sources else pd.Series("", index=sources.index)
    sources["site_label"] = site_key.where(site_key != "", sources["site"]).replace("", UNKNOWN)
    sources["encoding_confidence"] = pd.to_numeric(sources["encoding_confidence"], errors="coerce")
    header = pd.read_csv(paths["documents"][0], nrows=0, encoding="utf-8").columns.tolist()
    wanted = ["doc_id", "source_id", "n_chars", "truncated", "mojibake_spans", "placeholders",
              "script_original", *BREAKDOWNS]
    documents = read_table(paths["documents"], wanted)
    for column in ("n_chars", "mojibake_spans", "placeholders"):
        documents[column] = pd.to_numeric(documents[column], errors="coerce").fillna(0).astype("int64")
    documents["truncated"] = documents["truncated"] == "true"
    documents = documents.merge(sources[["source_id", "site_label"]], on="source_id", how="left")
    documents["site_label"] = documents["site_label"].fillna(UNKNOWN)
    removals = removal_counts(paths["removals"], cache)
    duplicates = None
    duplicate_paths = paths.get("duplicates", [descriptor.parent / "clean" / "duplicates.csv"])
    if all(path.exists() for path in duplicate_paths):
        duplicates = read_table(duplicate_paths)
        if not {"cluster_id", "doc_id"} <= set(duplicates.columns):
            duplicates = None
    return Tables(sources, documents, removals, duplicates, header)


# --- Drawing -----------------------------------------------------------------------------------

def new_figure(rows: int = 8, width: float = 8.0, per_row: float = 0.3, panels: int = 1) -> tuple[Figure, list]:
    """A figure on an Agg canvas (no pyplot, so no global state and no display), tall enough for
    ``rows`` horizontal bars."""
    height = max(2.6, 1.2 + per_row * rows)
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, panels, squeeze=False)[0]
    return figure, list(axes)


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        figure.savefig(buffer, format="png", metadata=SAVE_METADATA)
    return buffer.getvalue()


def plain_numbers(axis) -> None:
    """Tick labels as plain numbers (1,000 not 10³): no mathtext, so every label is in Noto Sans SC."""
    axis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())


def top_with_other(counts: pd.Series, limit: int, noun: str) -> pd.Series:
    """The ``limit`` largest, by count then name, and the rest summed as one "other" entry."""
    ordered = counts.sort_index().sort_values(ascending=False, kind="stable")
    if len(ordered) <= limit:
        return ordered
    head = ordered.iloc[:limit - 1]
    rest = ordered.iloc[limit - 1:]
    return pd.concat([head, pd.Series({f"other ({len(rest)} {noun})": rest.sum()})])


def largest_sites(docs: pd.DataFrame) -> tuple[list[str], str]:
    """The TOP_SITES sites with most documents (ties by name), and a sentence on the sites left out."""
    counts = docs["site_label"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
    shown = list(counts.index[:TOP_SITES])
    rest = counts.iloc[TOP_SITES:]
    note = (f" The {TOP_SITES} sites with most documents are drawn; the other {len(rest):,} hold "
            f"{int(rest.sum()):,} documents." if len(rest) else "")
    return shown, note


def barh(ax, labels: list[str], values, color="#1f77b4", left=None, label=None):
    positions = np.arange(len(labels))
    ax.barh(positions, values, color=color, left=left, label=label)
    ax.set_yticks(positions, labels)
    if not ax.yaxis_inverted():  # largest first, at the top (once: stacked bars call this again)
        ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))  # counts: no 0.5 document


def share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0%"


# --- The figures -------------------------------------------------------------------------------

def documents_per_site(t: Tables) -> Section:
    docs = t.documents
    shown, note = largest_sites(docs)
    table = docs.groupby(["site_label", "script_original"]).size().unstack(fill_value=0).loc[shown]
    totals = table.sum(axis=1)
    figure, (ax,) = new_figure(len(table))
    left = np.zeros(len(table))
    scripts = sorted(table.columns, key=lambda s: (s not in SCRIPT_COLORS, s))
    for script in scripts:
        barh(ax, list(table.index), table[script].to_numpy(), color=SCRIPT_COLORS.get(script, "#7f7f7f"),
             left=left, label=f"{script} as fetched")
        left = left + table[script].to_numpy()
    ax.set_xlabel("documents")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    biggest = totals.index[0]
    traditional = int((docs["script_original"] == "traditional").sum())
    text = (f"{len(docs):,} documents from {len(t.sources):,} pages on {t.sources['site_label'].nunique():,} "
            f"site(s) (`sources.site_key`, else `site`). The largest, `{biggest}`, has {int(totals.iloc[0]):,} "
            f"({share(totals.iloc[0], len(docs))}). {traditional:,} document(s) were Traditional Chinese as "
            "fetched (`script_original`) and are Simplified in the corpus." + note)
    return Section("documents_per_site", "Documents per site and script", text, figure)


def breakdown(t: Tables, column: str) -> Section:
    name, heading, noun = BREAKDOWNS[column]
    if column not in t.document_columns:
        return Section(name, heading, "", skipped=f"documents.csv has no `{column}` column yet")
    values = t.documents[column].replace("", UNKNOWN)
    known = int((values != UNKNOWN).sum())
    if not known:
        return Section(name, heading, "", skipped=f"`documents.{column}` is empty in every row")
    counts = values.value_counts()
    if column == "year":
        # Every year in order, gaps included, so the axis reads as time; unknown years are stated.
        years = pd.to_numeric(counts.index.to_series(), errors="coerce")
        dated = counts[years.notna().to_numpy()]
        dated.index = years.dropna().astype(int).to_numpy()
        dated = dated.groupby(level=0).sum()
        dated = dated.reindex(range(dated.index.min(), dated.index.max() + 1), fill_value=0)
        figure, (ax,) = new_figure(width=8.0, rows=6)
        ax.bar(dated.index.to_numpy(), dated.to_numpy(), color="#1f77b4")
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        ax.set_ylabel("documents")
        ax.grid(axis="x", visible=False)
        peak = int(dated.idxmax())
        text = (f"{known:,} of {len(values):,} documents have a year, from {dated.index.min()} to "
                f"{dated.index.max()}; the most, {int(dated.max()):,}, are from {peak}. "
                f"{len(values) - known:,} have none (`year` empty).")
        return Section(name, heading, text, figure)
    missing = len(values) - known
    shown = top_with_other(counts.drop(UNKNOWN, errors="ignore"), TOP_VALUES, f"{noun} values")
    if missing:  # the documents without a value are the last bar, whatever their number
        shown = pd.concat([shown, pd.Series({UNKNOWN: missing})])
    figure, (ax,) = new_figure(len(shown))
    barh(ax, list(shown.index), shown.to_numpy())
    ax.set_xlabel("documents")
    text = (f"`documents.{column}` ({noun}): {counts.size - bool(missing):,} distinct value(s); the most "
            f"frequent, `{shown.index[0]}`, covers {int(shown.iloc[0]):,} of {len(values):,} documents; "
            f"{missing:,} have none (empty `{column}`, drawn as {UNKNOWN}).")
    return Section(name, heading, text, figure)


def length_per_site(t: Tables) -> Section:
    docs = t.documents[t.documents["n_chars"] > 0]
    shown, note = largest_sites(docs)
    lengths_of = {label: group.to_numpy() for label, group in docs.groupby("site_label")["n_chars"]}
    groups = [lengths_of[label] for label in shown]
    figure, (ax,) = new_figure(len(shown), per_row=0.4)
    ax.boxplot(groups, orientation="horizontal", tick_labels=shown, widths=0.6, showfliers=True,
               flierprops={"markersize": 3, "alpha": 0.5})
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    plain_numbers(ax.xaxis)
    ax.set_xlabel("characters per document (log scale)")
    ax.grid(axis="y", visible=False)
    lengths = t.documents["n_chars"]
    text = (f"Characters per document (`n_chars`), one box per site: the median, the middle half and the "
            f"outliers. Across the corpus the median is {int(lengths.median()):,} characters, the shortest "
            f"{int(lengths.min()):,} and the longest {int(lengths.max()):,}; "
            f"{int(lengths.sum()):,} in all." + note)
    return Section("length_per_site", "Length of documents per site", text, figure)


def removed_per_rule(t: Tables) -> Section:
    chars = t.removals.groupby("rule")["chars"].sum()
    spans = t.removals.groupby("rule")["spans"].sum()
    shown = chars.sort_index().sort_values(ascending=False, kind="stable").iloc[:TOP_RULES]
    figure, (ax,) = new_figure(len(shown))
    barh(ax, list(shown.index), shown.to_numpy(), color="#8c564b")
    ax.set_xlabel("characters removed")
    top = shown.index[0] if len(shown) else "none"
    which = f"all {len(chars):,} rules" if len(chars) <= TOP_RULES else f"the {TOP_RULES} largest of {len(chars):,} rules"
    text = (f"Characters removed per rule (`removals.rule`), {which} that removed anything: "
            f"{int(chars.sum()):,} characters in "
            f"{int(spans.sum()):,} spans. The largest, `{top}`, removed "
            f"{int(shown.iloc[0]) if len(shown) else 0:,} characters in {int(spans.get(top, 0)):,} spans.")
    return Section("removed_per_rule", "Removed characters per rule (top 20)", text, figure)


def removed_share_per_site(t: Tables) -> Section:
    site_of = t.sources.set_index("source_id")["site_label"]
    removed = t.removals.groupby(t.removals["source_id"].map(site_of).fillna(UNKNOWN))["chars"].sum()
    kept = t.documents.groupby("site_label")["n_chars"].sum()
    table = pd.DataFrame({"kept": kept, "removed": removed}).fillna(0)
    table["share"] = table["removed"] / (table["kept"] + table["removed"]).where(lambda s: s > 0, 1)
    if len(table) > TOP_SITES:
        heading_note = f" ({TOP_SITES} highest of {len(table):,} sites)"
    else:
        heading_note = ""
    total_removed, total_kept = float(table["removed"].sum()), float(table["kept"].sum())
    table = table.sort_index().sort_values("share", ascending=False, kind="stable").iloc[:TOP_SITES]
    figure, (ax,) = new_figure(len(table))
    barh(ax, list(table.index), (100 * table["share"]).to_numpy(), color="#8c564b")
    ax.set_xlabel("removed characters, % of the page's visible characters")
    ax.set_xlim(0, 100)
    text = (f"What the boilerplate rules, the line classifier and pinyin removal took from each site's pages, "
            f"as a share of the pages' visible characters (`removals.text` against the documents' `n_chars`). "
            f"Overall {share(total_removed, total_removed + total_kept)}; the highest, `{table.index[0]}`, "
            f"{share(table['removed'].iloc[0], table['removed'].iloc[0] + table['kept'].iloc[0])}.")
    return Section("removed_share_per_site", "Removed share of the page per site" + heading_note, text, figure)


def flags_per_site(t: Tables) -> Section:
    docs = t.documents
    flags = pd.DataFrame({
        "site_label": docs["site_label"],
        "truncated": docs["truncated"],
        "mojibake": docs["mojibake_spans"] > 0,
        "placeholders": docs["placeholders"] > 0,
    })
    if t.duplicates is not None:
        flags["duplicates"] = docs["doc_id"].isin(set(t.duplicates["doc_id"]))
    shown, note = largest_sites(docs)
    table = flags.groupby("site_label").sum().loc[shown]
    columns = list(table.columns)
    figure, (ax,) = new_figure(len(table) * len(columns), per_row=0.13)
    positions = np.arange(len(table))
    height = 0.8 / len(columns)
    for index, column in enumerate(columns):
        ax.barh(positions + index * height - 0.4 + height / 2, table[column].to_numpy(), height=height,
                color=FLAG_COLORS[column], label=column)
    ax.set_yticks(positions, list(table.index))
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.set_xlabel("documents flagged")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    totals = flags[columns].sum()
    parts = [f"{int(totals['truncated']):,} truncated by a paywall (`truncated`)",
             f"{int(totals['mojibake']):,} with mojibake kept as found (`mojibake_spans` > 0)",
             f"{int(totals['placeholders']):,} with template placeholders (`placeholders` > 0)"]
    if "duplicates" in totals:
        parts.append(f"{int(totals['duplicates']):,} in a near-duplicate cluster (`duplicates`)")
    else:
        parts.append("duplicates are not counted: the package has no `duplicates` resource yet")
    text = f"Documents flagged, per site, of {len(docs):,}: " + "; ".join(parts) + "." + note
    return Section("flags_per_site", "Quality flags per site", text, figure)


def encodings(t: Tables) -> Section:
    sources = t.sources.assign(encoding=t.sources["encoding"].replace("", UNKNOWN))
    counts = sources["encoding"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
    labels = list(counts.index)
    figure, (left, right) = new_figure(len(labels), width=9.0, per_row=0.45, panels=2)
    barh(left, labels, counts.to_numpy(), color="#17becf")
    left.set_xlabel("pages")
    left.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    groups = [sources.loc[sources["encoding"] == label, "encoding_confidence"].dropna().to_numpy() for label in labels]
    right.boxplot(groups, orientation="horizontal", tick_labels=labels, widths=0.6,
                  flierprops={"markersize": 3, "alpha": 0.5})
    right.invert_yaxis()
    right.set_xlim(0, 1.02)
    right.set_xlabel("encoding_confidence")
    right.grid(axis="y", visible=False)
    confidence = sources["encoding_confidence"]
    low = int((confidence < 0.5).sum())
    text = (f"The codec each page was decoded with (`sources.encoding`; gb18030 stands for the whole GB "
            f"family) and our confidence in it (`encoding_confidence`, 0–1). {len(labels)} codec(s); the most "
            f"common, `{labels[0]}`, decoded {int(counts.iloc[0]):,} of {len(sources):,} pages. "
            f"{low:,} page(s) were decoded with confidence below 0.5.")
    return Section("encodings", "Encodings and their confidence", text, figure)


def duplicate_clusters(t: Tables) -> Section:
    name, heading = "duplicate_clusters", "Near-duplicate cluster sizes"
    if t.duplicates is None:
        return Section(name, heading, "", skipped="the package has no near-duplicate clusters "
                                                  "(clean/duplicates.csv with `cluster_id`, `doc_id`) yet")
    if t.duplicates.empty:
        return Section(name, heading, "", skipped="the near-duplicate table has no rows")
    sizes = t.duplicates.groupby("cluster_id")["doc_id"].nunique()
    histogram = sizes.value_counts().sort_index()
    figure, (ax,) = new_figure(rows=6)
    ax.bar(histogram.index.to_numpy(), histogram.to_numpy(), color="#8c564b")
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.set_xlabel("documents in the cluster")
    ax.set_ylabel("clusters")
    ax.grid(axis="x", visible=False)
    text = (f"{len(sizes):,} clusters of near-duplicate documents hold {int(sizes.sum()):,} documents; "
            f"the largest has {int(sizes.max()):,}.")
    return Section(name, heading, text, figure)


def sections(t: Tables) -> list[Section]:
    return [
        documents_per_site(t),
        *(breakdown(t, column) for column in BREAKDOWNS),
        length_per_site(t),
        removed_per_rule(t),
        removed_share_per_site(t),
        flags_per_site(t),
        encodings(t),
        duplicate_clusters(t),
    ]


def readme(parts: list[Section]) -> str:
    lines = [
        "# Data report", "",
        "What the corpus holds, drawn from `clean/` and `datapackage.json` by `make report` "
        "(`python -m scripts.report`) and redrawn by `make all`: edit the code, not these files. "
        f"Labels are set in {FONT_NAME} (SIL Open Font License 1.1).", "",
    ]
    for part in parts:
        if part.figure is None:
            continue
        lines += [f"## {part.heading}", "", f"![{part.heading}]({part.name}.png)", "", part.text, ""]
    skipped = [part for part in parts if part.figure is None]
    if skipped:
        lines += ["## Not drawn", ""]
        lines += [f"- {part.heading}: {part.skipped}." for part in skipped]
        lines.append("")
    return "\n".join(lines)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Replace ``path`` only when its bytes change: an unchanged figure keeps its file untouched."""
    if path.exists() and path.read_bytes() == data:
        return False
    with atomic_write(path, "wb") as handle:
        handle.write(data)
    return True


def render(tables: Tables) -> dict[str, bytes]:
    """Every file of the report, by name: README.md and one PNG per figure drawn."""
    with matplotlib.rc_context(STYLE), warnings.catch_warnings():
        # A glyph missing from the font would draw a box: say so rather than ship a blank label.
        warnings.filterwarnings("error", message=r"Glyph .* missing from font")
        parts = sections(tables)
        files = {f"{part.name}.png": png_bytes(part.figure) for part in parts if part.figure is not None}
    files["README.md"] = readme(parts).encode("utf-8")
    return files


def write_report(descriptor: Path = package.DESCRIPTOR, output: Path = OUTPUT) -> tuple[dict[str, bytes], list[str]]:
    """Render the report of ``descriptor``'s tables into ``output``; figures no longer drawn are
    deleted. Returns the files and the names of those that changed."""
    # The sums are kept for the repository's own package only: a release draws its copy's report in
    # dist/, which must hold nothing else.
    own = descriptor.resolve() == package.DESCRIPTOR.resolve()
    tables = load_tables(descriptor, pipeline.BUILD / "report-counts" if own else None)
    files = render(tables)
    output.mkdir(parents=True, exist_ok=True)
    changed = [name for name, data in files.items() if write_if_changed(output / name, data)]
    for stale in sorted(output.glob("*.png")):
        if stale.name not in files:
            stale.unlink()
            changed.append(stale.name)
    return files, changed
