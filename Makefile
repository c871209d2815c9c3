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
	@echo "Open site/index.html, or run 'make serve' for a live preview with drafts."

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

browser:
	CACHE_DIR="$(CACHE)" sh scripts/install-browser.sh

# axe-core and the Nu HTML Checker (npm, pinned) for tests/test_a11y.py and tests/test_validity.py,
# installed into $(CACHE)/npm/<versions>; a second run does nothing.
.PHONY: node-tools screenshots
node-tools:
	CACHE_DIR="$(CACHE)" sh scripts/install-node-tools.sh

test: node-tools

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

lint: $(VENV)/.test
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(VENV)/.test browser pds postgres lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

docs: $(VENV)/.runtime
	$(BIN)/python scripts/update_readme.py

bench: $(VENV)/.test
	$(BIN)/python bench/run.py --write

clean:
	rm -rf site .shelfpost .pytest_cache .mypy_cache .ruff_cache
