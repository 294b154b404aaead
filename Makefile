# Two entry points, both self-installing on a fresh machine (python3 >= 3.11, node/npm, make):
#   make demo   Dendro's main job on the embedded local default
#   make test   the whole test suite (what .ci/run calls)
# pyvrl (Vector's VRL, used by the demo, imports and tests) has wheels for CPython 3.11/3.12 only.
PYTHON ?= $(shell for p in python3 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))' 2>/dev/null && { echo $$p; break; }; \
	done || true)
PYTHON := $(or $(PYTHON),python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: demo test lint install browser screenshots clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Dendro needs Python 3.11+; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The pinned AWS CDK CLI (package.json). Node 20 works with a warning from `dendro synth/deploy`.
$(NODE_STAMP): package.json package-lock.json
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || { echo "Dendro's CDK CLI needs Node.js 20+ (22+ supported); found $$(node --version)"; exit 1; }
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)' || echo "Warning: Node.js $$(node --version) is end-of-life for the AWS CDK CLI; it works for now, but move to Node.js 22+."
	npm ci --no-audit --no-fund
	touch $@

# Debian's chromium for the dashboard's browser test (playwright drives it; it downloads no browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		[ "$$(id -u)" = 0 ] || { echo "The browser test needs Debian's chromium: sudo apt-get install chromium"; exit 1; }; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

install: $(STAMP) $(NODE_STAMP)

# The whole local pipeline with realistic demo traffic (real VRL, real collector, DuckDB) and the
# dashboard beside it; Ctrl-C stops it. The store is a throwaway file under .dendro/.
demo: $(STAMP)
	$(BIN)/dendro local up --demo --db .dendro/demo.duckdb

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) $(NODE_STAMP) browser lint
	$(BIN)/pytest

# Refresh the README's screenshots from the browser test.
screenshots: $(STAMP) browser
	DENDRO_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/dashboard/test_browser.py

clean:
	rm -rf $(VENV) node_modules .dendro cdk.out
