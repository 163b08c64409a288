# liveset: `make run` opens the app, `make test` runs the whole suite. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint bench libmpv postgres clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(STAMP)

# libmpv through apt-get on Debian/Ubuntu when it is missing; one clear line elsewhere.
libmpv:
	@bash scripts/ensure-system-deps.sh libmpv

# A PostgreSQL server binary for the storage tests (the tests start a throwaway one themselves).
postgres:
	@bash scripts/ensure-system-deps.sh postgres

run: $(STAMP) libmpv
	$(BIN)/liveset

test: $(TEST_STAMP) libmpv postgres
	$(BIN)/ruff check engine tui tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n auto

lint: $(TEST_STAMP)
	$(BIN)/ruff check engine tui tests bench
	$(BIN)/ruff format --check engine tui tests bench
	$(BIN)/mypy

# Benchmarks print tables; they need curl and, for the library, build files in /tmp.
bench: $(TEST_STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	$(BIN)/python -m bench.downloads
	$(BIN)/python -m bench.library
	$(BIN)/python -m bench.app
	$(BIN)/python -m bench.daemon
	$(BIN)/python -m bench.cli
	$(BIN)/python -m bench.listening
	$(BIN)/python -m bench.faults
	$(BIN)/python -m bench.catalog
	$(BIN)/python -m bench.recommend --data ../shared/datasets/hetrec2011-lastfm-2k --seeds 0,1,2
	$(BIN)/python -m bench.recommend_scale

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
