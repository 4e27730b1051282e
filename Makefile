# Offline test-and-mock suite for the Anthropic Messages API.
# `make mock` runs the mock server; `make test` runs the whole suite. Both install what they need.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 4010

TEST_MYPY_FLAGS := $(addprefix --disable-error-code ,call-overload list-item union-attr index operator arg-type typeddict-item dict-item)

.PHONY: help install mock record verify test lint format bench bench-recordings soak clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# An older SDK generation (0.x: x-api-key, anthropic-version 2023-06-01, httpx) in its own venv,
# for the smoke test that proves both generations work against the mock.
OLD_SDK ?= anthropic==0.121.0
OLD_VENV ?= .venv-old-sdk

$(OLD_VENV)/.installed: Makefile
	test -x $(OLD_VENV)/bin/python || $(PYTHON) -m venv $(OLD_VENV)
	$(OLD_VENV)/bin/python -m pip install --quiet '$(OLD_SDK)'
	touch $@

install: $(VENV)/.installed  ## create .venv and install the project with its test tools

mock: $(VENV)/.installed  ## run the mock server on $(HOST):$(PORT) with the shipped content
	$(PY) -m mockclaude serve --host $(HOST) --port $(PORT) $(ARGS)

RECORDINGS ?= recordings
UPSTREAM   ?= https://api.anthropic.com

record: $(VENV)/.installed  ## proxy to $(UPSTREAM), recording misses into $(RECORDINGS) (keys are passed on, never stored)
	$(PY) -m mockclaude record --host $(HOST) --port $(PORT) --recordings $(RECORDINGS) --upstream $(UPSTREAM) $(ARGS)

verify: $(VENV)/.installed  ## check recordings: format, spec, no credentials (VERIFY_PATHS, default the shipped ones)
	$(PY) -m mockclaude verify $(VERIFY_PATHS)

test: $(VENV)/.installed $(OLD_VENV)/.installed  ## run the whole test suite
	OLD_SDK_PYTHON=$(OLD_VENV)/bin/python $(PY) -m pytest

lint: $(VENV)/.installed  ## ruff (lint + format check) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy mocks
	# Tests pass plain dicts where the SDK declares TypedDict unions and read union members directly:
	# those checks are noise, not safety, in test code.
	$(VENV)/bin/mypy tests $(TEST_MYPY_FLAGS)

format: $(VENV)/.installed  ## apply ruff formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks (not tests, not part of `make test`). The shared harness is copied to a writable place and set up
# there (wrk and nginx from Debian, Prism and WireMock from npm); nothing from outside the repo is committed.
SHARED_BENCH ?= ../shared/bench
BENCH_DIR    ?= /tmp/mockclaude-bench
MINUTES      ?= 10

bench: $(VENV)/.installed  ## wrk: mock (stored/fresh/stream) vs Prism and WireMock -> loadtests/bench/results/latest.md
	test -f $(BENCH_DIR)/bench.py || { cp -r $(SHARED_BENCH) $(BENCH_DIR) && chmod -R u+w $(BENCH_DIR); }
	$(BENCH_DIR)/setup.sh
	$(PY) loadtests/bench/run.py --harness $(BENCH_DIR) $(ARGS)

bench-recordings: $(VENV)/.installed  ## start-up, RSS and match cost with 10,000 and 100,000 recordings
	$(PY) loadtests/bench/recordings_scale.py --sizes 10000 100000

soak: $(VENV)/.installed  ## steady 500 req/s for MINUTES (10), RSS sampled -> loadtests/bench/results/soak.md
	$(PY) loadtests/bench/soak.py --minutes $(MINUTES) $(ARGS)

clean:  ## remove the virtual environment and caches
	rm -rf $(VENV) $(OLD_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
