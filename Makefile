# Two commands do all the set-up on a fresh machine (python3, make, git):
#   make site   builds the sample library's site into site/
#   make test   installs what the tests need (Chromium included) and runs the suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CACHE  ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/shelfpost
NOW    ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: site test serve bench lint check clean docs browser pds postgres

# The environment is rebuilt when pyproject.toml changes (the stamp is keyed by it).
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.runtime
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

site: $(VENV)/.runtime
	$(BIN)/shelfpost check
	$(BIN)/shelfpost build $(if $(NOW),--now "$(NOW)")
	@echo "Serve it to read it (opened as a file, menu links show folder listings):"
	@echo "  python3 -m http.server --bind 127.0.0.1 --directory site 8000, then open http://127.0.0.1:8000/"
	@echo "or run 'make serve' for a live preview with drafts."

serve: $(VENV)/.runtime
	$(BIN)/shelfpost serve

check: $(VENV)/.runtime
	$(BIN)/shelfpost check

# The template repository ("Use this template" on GitHub): the files `shelfpost init`
# writes, with its defaults, from the same src/shelfpost/templates/init/ (issue 20).
# OUT must be new or empty; push it as the template repository's main branch.
.PHONY: template
template: $(VENV)/.runtime
	$(BIN)/shelfpost init "$(or $(OUT),build/template)" --yes

# The sample library is `shelfpost init`'s output plus its own content (posts, plan,
# calendar, partners, data/): this rewrites init's files in it after a change of
# src/shelfpost/templates/init/. tests/test_sample.py fails until it is run.
.PHONY: sample
sample: $(VENV)/.runtime
	$(BIN)/python scripts/make_sample.py

browser:
	CACHE_DIR="$(CACHE)" sh scripts/install-browser.sh

# Noto CJK and poppler-utils (Debian) for the reports' PDF tests; a second run does nothing.
.PHONY: pdf-tools
pdf-tools:
	CACHE_DIR="$(CACHE)" sh scripts/install-pdf-tools.sh

# Regenerates docs/reports/monthly-report*.png (the sample's monthly PDF: page 1, and the charts' first page).
.PHONY: report-png
report-png: $(VENV)/.test pdf-tools
	SHELFPOST_REPORT_PNG="$(CURDIR)/docs/reports" $(BIN)/python -m pytest -q tests/test_reports.py -k pdf

# axe-core and the Nu HTML Checker (npm, pinned) for tests/test_a11y.py and tests/test_validity.py,
# installed into $(CACHE)/npm/<versions>; a second run does nothing.
.PHONY: node-tools screenshots lighthouse
node-tools:
	CACHE_DIR="$(CACHE)" sh scripts/install-node-tools.sh

test: node-tools

# Lighthouse's best-practices audits (no console errors) on a served copy of the sample site.
lighthouse: $(VENV)/.test browser node-tools
	$(BIN)/python -m pytest -q -n 0 -p no:cacheprovider tests/test_lighthouse.py

# Regenerates docs/screenshots/*.png (home, a post, search results) from the sample site.
screenshots: $(VENV)/.test browser
	SHELFPOST_SCREENSHOTS="$(CURDIR)/docs/screenshots" $(BIN)/python -m pytest -q tests/test_a11y.py -k screenshots
	SHELFPOST_SCREENSHOTS="$(CURDIR)/docs/screenshots" $(BIN)/python -m pytest -q tests/test_digest.py -k chromium

# The reference Bluesky PDS (Node 22 + @atproto/dev-env) for the syndication tests.
pds:
	CACHE_DIR="$(CACHE)" sh scripts/install-pds.sh

# PostgreSQL (Debian's server) for the Bluesky AppView tests (tests/bsky_appview.py);
# each test run makes its own cluster in a temporary folder. A second run does nothing.
postgres:
	sh scripts/install-postgres.sh

# Noto Sans CJK (Debian's fonts-noto-cjk) for the metrics charts, into $(CACHE)/fonts; a second run does nothing.
.PHONY: fonts metrics-charts
fonts:
	CACHE_DIR="$(CACHE)" sh scripts/install-cjk-fonts.sh

# Redraws docs/metrics/ (the charts of the sample library's fictional metrics).
metrics-charts: $(VENV)/.test fonts
	$(BIN)/shelfpost metrics chart --month 2026-11 --now 2026-11-30T12:00:00+08:00 --out docs/metrics

lint: $(VENV)/.test
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(VENV)/.test browser pds postgres fonts pdf-tools lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

docs: $(VENV)/.runtime
	$(BIN)/python scripts/update_readme.py

bench: $(VENV)/.test
	$(BIN)/python bench/run.py --write

clean:
	rm -rf site .shelfpost .pytest_cache .mypy_cache .ruff_cache
