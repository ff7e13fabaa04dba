"""suggest: a draft site profile from that site's pages in raw/, for a contributor to review.

Reads the pages of one site (raw/sources.csv's `site` column, else the URL's host), strips them with
the generic rules and the classifier as the build would, and writes what a profile author needs to
decide on, as commented TOML that already loads:

- lines that recur on the site's pages (navigation, stamps, ads), as `line` rules with digits and
  dates generalised, and which of them the generic rules already remove;
- stamps with a date, with the date as the `published` group;
- the lines the classifier only suspected, commented out;
- the item labels the generic rules found, so a site with its own label shape can say so;
- a fingerprint: the site's name as its pages show it.

    python -m scripts.suggest --site NAME [--output profiles/NAME.toml]
    make suggest-profile SITE=name [OUTPUT=profiles/name.toml]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

from scripts import classify, decode, strip
from scripts.pipeline import ROOT, PageError, atomic_write
from scripts.profiles import ProfileError, fold, load_profile

DATE = re.compile(r"(?:19|20)\d\d[-/.年]\d{1,2}[-/.月]\d{1,2}日?")
SITE_NAME = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,8}(?:范文网|文库|网)")
LEAD_IN = re.compile(r"^(?:欢迎光临|欢迎来到|欢迎访问|更多范文请关注|关注|来自|本文来自|来源)")
SHOWN = 12  # lines of each kind in the draft


def site_pages(site: str) -> list[dict]:
    """The decoded pages of ``site`` as decode would hand them to strip."""
    rows, problems = decode.read_sources_table()
    if rows is None:
        raise SystemExit("\n".join(f"error: {p}" for p in problems))
    pages = []
    for row in rows:
        if strip.site_key(row) != site:
            continue
        path = ROOT / row["path"]
        try:
            detection = decode.detect(path.read_bytes())
        except (PageError, OSError) as error:
            print(f"note: {row['path']}: skipped: {error}", file=sys.stderr)
            continue
        pages.append({"source_id": path.stem, "key": "", "path": row["path"], "row": {**row, "site": ""},
                      "text": decode.normalize_newlines(detection.text)})
    return pages


def generalise(line: str) -> str:
    """A literal line as an RE2 pattern on the shadow: digits and dates become classes, spaces optional."""
    shadow = fold(line.strip())
    pieces, cursor = [], 0
    for match in re.finditer(r"\d+(?:[-/.:年月]\d+)*日?|\s+", shadow):
        pieces.append(re.escape(shadow[cursor:match.start()]))
        pieces.append(r"\s*" if match.group(0).isspace() else r"[\d\-/.:年月日]+")
        cursor = match.end()
    pieces.append(re.escape(shadow[cursor:]))
    return "^" + "".join(pieces) + "$"


def _stamp(line: str) -> str:
    pattern = generalise(line)
    return pattern.replace(r"[\d\-/.:年月日]+", r"(?P<published>\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)", 1) \
        if DATE.search(fold(line)) else pattern


def draft(site: str, pages: list[dict]) -> str:
    removed_by: dict[str, Counter] = {}
    suspects: Counter = Counter()
    labels: Counter = Counter()
    seen: Counter = Counter()
    names: Counter = Counter()
    examples: dict[str, str] = {}
    for record in strip.inputs_in_memory(pages):
        try:
            result = strip.strip_record(record)
        except PageError as error:
            print(f"note: {record['path']}: {error}", file=sys.stderr)
            continue
        lines = record["text"].split("\n")
        for line in {line.strip() for line in lines if line.strip() and len(line.strip()) <= strip.REPEAT_MAX_CHARS}:
            key = classify.repeat_key(fold(line))
            seen[key] += 1
            examples.setdefault(key, line)
        for removal in result["removals"]:
            if removal["column"] == 1:
                key = classify.repeat_key(fold(removal["text"].strip()))
                removed_by.setdefault(key, Counter())[removal["rule"]] += 1
                if removal["rule"].startswith("generic.item_label"):
                    labels[removal["text"].strip()] += 1
        for suspect in result["suspects"]:
            suspects[suspect["text"]] += 1
        names.update(LEAD_IN.sub("", name) for name in SITE_NAME.findall(fold(record["text"][:2000] + record["text"][-2000:])))

    repeated = [(key, n) for key, n in seen.most_common() if n >= 2]
    out = [f"# Draft profile for site {site!r}, from {len(pages)} page(s) in raw/ (python -m scripts.suggest).",
           "# Review every rule: keep what is boilerplate on this site, delete the rest, and check with",
           f"#   make preview FILE=raw/<one of its pages> SITE={site}",
           "# Patterns are RE2, matched on the Simplified, half-width shadow of each line (see profiles/generic.toml).",
           "", "[profile]", f'id = "{site}"', f'name = "{site}"']
    fingerprint = next((name for name, n in names.most_common() if n >= max(2, len(pages) // 2)), "")
    out.append(f'fingerprints = ["{fingerprint}"]' if fingerprint else "fingerprints = []  # the site's name, as its pages show it")
    out += ["", f"# --- lines on two pages or more ({len(repeated)}) ----------------------------------------------"]
    number = 0
    for key, n in repeated[:SHOWN * 2]:
        line = examples[key]
        already = removed_by.get(key)
        if already and not any(rule.startswith("classifier.") for rule in already):
            out.append(f"# on {n} pages, already removed by {', '.join(sorted(already))}: {line[:60]}")
            continue
        number += 1
        note = f"on {n} of {len(pages)} pages" + (f"; the classifier removes it ({', '.join(sorted(already))})" if already else "; kept today")
        out += ["", f"# {note}: {line[:70]}", "[[rule]]", f'id = "{site}.repeated_{number}"',
                'where = "line"', f"pattern = '{_stamp(line)}'"]
    if suspects:
        out += ["", "# --- lines the classifier suspected but kept: boilerplate here? uncomment to remove ------"]
        for index, (line, n) in enumerate(suspects.most_common(SHOWN), start=1):
            out += ["", f"# on {n} page(s)", "# [[rule]]", f'# id = "{site}.suspect_{index}"', '# where = "line"',
                    f"# pattern = '{generalise(line)}'"]
    if labels:
        out += ["", "# --- item labels the generic rules already found (a site with its own shape adds a rule with",
                "# boundary = true and the groups base and seq) ---"]
        out += [f"#   {label}  ({n}x)" for label, n in labels.most_common(SHOWN)]
    return "\n".join(out) + "\n"


def check(text: str, site: str) -> None:
    """The draft must load like any profile: a broken draft is a bug here, not the contributor's."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{site}.toml"
        path.write_text(text, encoding="utf-8")
        load_profile(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.suggest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True, help="the site: raw/sources.csv's site column, or the URL's host")
    parser.add_argument("--output", type=Path, help="write the draft here (default: print it)")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", args.site):
        raise SystemExit(f"error: site {args.site!r}: a site is lowercase letters, digits, '.' and '-'")
    pages = site_pages(args.site)
    if not pages:
        raise SystemExit(f"error: no page of site {args.site!r} in raw/sources.csv (site column or URL host)")
    profile_id = args.site.replace(".", "-")  # a URL host names the site; the profile id has no dots
    text = draft(profile_id, pages)
    try:
        check(text, profile_id)
    except ProfileError as error:
        raise SystemExit(f"error: the draft does not load ({error}); please report this") from None
    if args.output:
        if args.output.exists():
            raise SystemExit(f"error: {args.output} exists; remove it or choose another --output")
        with atomic_write(args.output) as handle:
            handle.write(text)
        print(f"suggest: wrote {args.output} ({text.count('[[rule]]')} rules) from {len(pages)} page(s)")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
