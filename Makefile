# The build, stage by stage. Every stage reads build/ (or raw/) and decides what to redo from
# content hashes, not file times, so all targets are phony: a fresh clone with arbitrary mtimes
# rebuilds correctly, and an unchanged page is never recomputed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# The environment is rebuilt when requirements.lock changes (its hash names the stamp).
LOCK_HASH := $(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(open('requirements.lock','rb').read()).hexdigest()[:16])")
ENV_STAMP := $(VENV)/.installed-$(LOCK_HASH)
JOBS   ?=
STAGE_FLAGS := $(if $(JOBS),--jobs $(JOBS),)

.DEFAULT_GOAL := help
.PHONY: help all decode strip normalize split package validate test clean env lock preview bench-decode bench-normalize bench-build bench-patterns bench-strip bench-html suggest-profile check-pr summary release publish

help:  ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

all: duplicates package validate report  ## Rebuild clean/, datapackage.json and report/ from raw/, and validate

env: $(ENV_STAMP)  ## Create .venv from requirements.lock (every other target does this first)

$(ENV_STAMP): requirements.lock
	@$(PYTHON) -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 'Python 3.11+ is needed (tomllib); set PYTHON=python3.11')"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	touch $@

.PHONY: env-dask
env-dask: env  ## Add the optional Dask executor to .venv (requirements-dask.lock): make all EXECUTOR=dask
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-dask.lock

decode: env  ## raw/ -> build/decode/: detect encodings, decode to text
	$(PY) -m scripts.decode $(STAGE_FLAGS)

strip: decode  ## -> build/strip/: site boilerplate out, every removal recorded
	$(PY) -m scripts.strip $(STAGE_FLAGS)

normalize: strip  ## -> build/normalize/: Simplified Chinese, pinyin out, one punctuation form
	$(PY) -m scripts.normalize $(STAGE_FLAGS)

split: normalize  ## -> build/split/: one page -> its documents
	$(PY) -m scripts.split $(STAGE_FLAGS)

.PHONY: duplicates bench-metadata bench-dedup
duplicates: split  ## -> build/duplicates.jsonl: near and exact duplicate clusters, paragraph repeats
	$(PY) -m scripts.duplicates

package: split  ## -> clean/*.csv and datapackage.json
	$(PY) -m scripts.package

validate: env  ## Check datapackage.json (every resource read, >0 rows) and raw/sources.csv
	$(PY) -m scripts.validate

preview: env  ## Show what the build makes of FILE=path (optionally SITE=name); writes nothing
	@test -n "$(FILE)" || { echo "usage: make preview FILE=path/to/page [SITE=profile]"; exit 2; }
	$(PY) -m scripts.preview "$(FILE)" $(if $(SITE),--site "$(SITE)",)

test: env  ## Run the test suite, then validate
	$(PY) -m pytest
	$(PY) -m scripts.validate

bench-decode: env  ## Decode accuracy per encoding x length and MB/s, against chardet alone
	$(PY) -m benchmarks.decode

bench-strip: env  ## Residue, body lost, titles, splits, truncation on the development set (SET=dev|heldout|heldout2|...|all: a folder of tests/fixtures/devset, VERBOSE=1)
	$(PY) -m benchmarks.strip $(if $(SET),--set $(SET),) $(if $(VERBOSE),--verbose,)

bench-html: env  ## Codec, residue, body lost, splits and truncation per HTML extractor on tests/fixtures/html (VERBOSE=1)
	$(PY) -m benchmarks.html $(if $(VERBOSE),--verbose,)

suggest-profile: env  ## Draft profiles/SITE.toml from that site's pages in raw/ (prints it; OUTPUT=path to write)
	@test -n "$(SITE)" || { echo "usage: make suggest-profile SITE=name [OUTPUT=profiles/name.toml]"; exit 2; }
	$(PY) -m scripts.suggest --site "$(SITE)" $(if $(OUTPUT),--output "$(OUTPUT)",)

bench-normalize: env  ## Round-trip character differences and MB/s against bare OpenCC t2s
	$(PY) -m benchmarks.normalize

.PHONY: report db serve
report: env  ## report/: README.md and one PNG per figure (documents per site, year, kind...; flags; encodings)
	$(PY) -m scripts.report

db: env  ## build/corpus.db: every resource with its keys, full-text search (trigram) on paragraphs and titles
	$(PY) -m scripts.db

serve: db  ## Browse and search build/corpus.db in Datasette at http://127.0.0.1:8001/ (PORT=n)
	$(PY) -m scripts.db --serve $(if $(PORT),--port $(PORT),)

check-pr: env  ## What CI runs on a pull request: rebuild (touched pages; FULL=1 all) == committed, validate, test, summary
	$(PY) -m scripts.check_pr $(if $(BASE),--base $(BASE),) $(if $(FULL),--full,)

summary: env  ## Markdown summary of the data changes against BASE (default: branch point from main)
	$(PY) -m scripts.summary $(if $(BASE),--base $(BASE),)

release: validate  ## dist/<name>-VERSION/ and its zip: the package, exports, data card, SHA256SUMS
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=x.y.z"; exit 2; }
	$(PY) -m scripts.release "$(VERSION)"

publish: env  ## Publish a release: TARGET=zenodo|hf [VERSION=x.y.z] [ARGS="--sandbox --dry-run --create-pr"]
	@test -n "$(TARGET)" || { echo "usage: make publish TARGET=zenodo|hf [VERSION=x.y.z] [ARGS=...]"; exit 2; }
	$(PY) -m scripts.publish --target "$(TARGET)" $(if $(VERSION),--version "$(VERSION)",) $(ARGS)

bench-metadata: env  ## Precision and recall of doc_type, year, admin_level, region on the gold set
	$(PY) -m benchmarks.metadata

bench-dedup: env  ## Precision/recall of duplicate pairs at shingle sizes 5, 9, 13, and documents/s
	$(PY) -m benchmarks.dedup

bench-patterns: env  ## Seconds and MB/s of each RE2 pattern set strip scans, and its costliest patterns
	$(PY) -m benchmarks.patterns

bench-build: env  ## MB/s and peak memory of every stage on PAGES generated pages (default 400)
	$(PY) -m benchmarks.build $(if $(PAGES),--pages $(PAGES),)

clean:  ## Remove build outputs (build/, dist/); never raw/ or clean/
	rm -rf build dist .pytest_cache

lock: env  ## Regenerate requirements.lock from requirements.in
	$(PY) -m pip install --quiet -r requirements.in
	(echo "# Generated by \`make lock\` from requirements.in: the exact versions every build installs."; \
	  $(PY) -m pip freeze --exclude-editable) > requirements.lock
