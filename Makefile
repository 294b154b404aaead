# Two entry points, both self-installing on a fresh machine (python3 >= 3.11, node/npm, make):
#   make demo   Dendro's main job on the embedded local default
#   make test   the whole test suite (what .ci/run calls)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Dendro needs Python 3.11+; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dendro-node init --yes --root tests/fixtures/sample_server --source nginx_access --source host_metrics \
		--sink http --endpoint http://127.0.0.1:8686 --output .dendro/demo/vector.toml
	@echo
	@cat .dendro/demo/vector.toml

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .dendro cdk.out
