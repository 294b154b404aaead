# Two entry points, both self-installing on a fresh machine (python3 >= 3.11, node/npm, make):
#   make demo   Dendro's main job on the embedded local default
#   make test   the whole test suite (what .ci/run calls)
PYTHON ?= python3
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
	npm ci --no-audit --no-fund
	touch $@

# Debian's chromium for the dashboard's browser test (playwright drives it; it downloads no browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		[ "$$(id -u)" = 0 ] || { echo "The browser test needs Debian's chromium: sudo apt-get install chromium"; exit 1; }; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

install: $(STAMP) $(NODE_STAMP)

demo: $(STAMP)
	$(BIN)/dendro-node init --yes --root tests/fixtures/sample_server --source nginx_access --source host_metrics \
		--sink http --endpoint http://127.0.0.1:8686 --output .dendro/demo/vector.toml
	@echo
	@cat .dendro/demo/vector.toml

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
