# Two entry points, both self-installing on a fresh machine (python3 3.11, 3.12 or 3.13, node/npm, make):
#   make demo   Dendro's main job on the embedded local default
#   make test   the whole test suite (what .ci/run calls)
# The VRL runtime (dendro/local_pipeline/vrl.py) is vector-vrl on CPython 3.12+ and pyvrl on 3.11.
SUPPORTED := 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))'
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c $(SUPPORTED) 2>/dev/null && { echo $$p; break; }; \
	done || true)
PYTHON := $(or $(PYTHON),python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

# A second supported interpreter of another minor version (pyenv's count too, activated or not), on
# which `make test` runs the sample-parsing tests again: the other VRL runtime, or the same one on
# another CPython, must give the same events. Empty when the machine has only one.
MINOR := import sys; print("%d.%d" % sys.version_info[:2])
PYTHON_VERSION := $(shell $(PYTHON) -c '$(MINOR)' 2>/dev/null)
ifndef SECOND_PYTHON
SECOND_PYTHON := $(shell current=$(PYTHON_VERSION); \
	for v in 3.13 3.12 3.11; do [ "$$v" = "$$current" ] && continue; \
	for p in python$$v $$(ls -d "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/$$v*/bin/python$$v 2>/dev/null); do \
	$$p -c $(SUPPORTED) 2>/dev/null && { echo $$p; exit 0; }; done; done)
endif
SECOND_VERSION := $(if $(SECOND_PYTHON),$(shell $(SECOND_PYTHON) -c '$(MINOR)'))
VENV2  := .venv-$(SECOND_VERSION)
# The sample-parsing tests: every catalog parser over tests/samples, and the VRL seam itself.
PARSE_TESTS := tests/catalog tests/local/test_vrl.py

.PHONY: demo test test-python lint install browser screenshots clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c $(SUPPORTED) || { echo "Dendro needs Python 3.11, 3.12 or 3.13; $(PYTHON) is $$($(PYTHON) --version 2>&1)"; exit 1; }
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
	$(MAKE) --no-print-directory test-python

# The sample-parsing tests under the second interpreter in a venv of its own, then the events of
# every sample compared between the two interpreters' runtimes (clock-stamped times aside).
test-python: $(STAMP)
ifeq ($(SECOND_PYTHON),)
	@echo "test-python: no second Python 3.11-3.13 here besides $(PYTHON); sample parsing ran on one interpreter"
else
	@[ -x $(VENV2)/bin/pytest ] && [ $(VENV2)/.installed -nt pyproject.toml ] || { \
		$(SECOND_PYTHON) -m venv $(VENV2) && $(VENV2)/bin/pip install --quiet -e '.[test]' && touch $(VENV2)/.installed; }
	$(VENV2)/bin/pytest -q -p no:cacheprovider $(PARSE_TESTS)
	$(BIN)/python -m tests.support.sample_events $(VENV2)/events-$(PYTHON_VERSION).jsonl
	$(VENV2)/bin/python -m tests.support.sample_events $(VENV2)/events-$(SECOND_VERSION).jsonl
	$(BIN)/python -m tests.support.sample_events --compare $(VENV2)/events-$(PYTHON_VERSION).jsonl $(VENV2)/events-$(SECOND_VERSION).jsonl
endif

# Refresh the README's screenshots from the browser test.
screenshots: $(STAMP) browser
	DENDRO_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/dashboard/test_browser.py

clean:
	rm -rf $(VENV) .venv-3.* node_modules .dendro cdk.out dist
