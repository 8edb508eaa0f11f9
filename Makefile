# Every target creates .venv on demand; nothing is installed or registered outside it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OLDEST := .venv-oldest
# Optional extra package for the PyTorch cross-checks and benchmarks, e.g.
#   make test TORCH='torch==2.13.0'
TORCH  ?=
# JupyterLab refuses to run as root unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test test-browser test-oldest execute student bench lint clean

$(STAMP): pyproject.toml jupyter/overrides.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e ".[dev]" $(TORCH)
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

## lab: start JupyterLab on notebooks/ (prints the URL to open)
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)

## test: lint, then every test: library, notebooks (nbval), student edition, browser
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## test-browser: only the JupyterLab-in-Chromium widget tests
test-browser: $(STAMP)
	$(BIN)/python -m pytest tests/browser

## test-oldest: the tests (not the browser ones) with the oldest versions pyproject.toml allows
test-oldest:
	test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install -qq --upgrade pip
	$(OLDEST)/bin/python -m pip install -qq $$($(OLDEST)/bin/python .ci/oldest_versions.py)
	$(OLDEST)/bin/python -m pip install -qq --no-deps -e .
	$(OLDEST)/bin/python -m pytest tests notebooks --ignore=tests/browser

## execute: re-run every notebook in place and store its outputs
execute: $(STAMP)
	$(BIN)/python -m c182lib.release execute notebooks/*.ipynb

## student: write the student edition to student/ (FORCE=1 overwrites edited files)
student: $(STAMP)
	$(BIN)/python -m c182lib.release student notebooks student $(if $(FORCE),--force,)

## bench: speed of naive vs fast vs PyTorch (where installed)
bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(OLDEST) student artifacts
