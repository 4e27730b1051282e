# Offline test-and-mock suite for the Anthropic Messages API.
# `make mock` runs the mock server; `make test` runs the whole suite. Both install what they need.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 4010

TEST_MYPY_FLAGS := $(addprefix --disable-error-code ,call-overload list-item union-attr index operator arg-type typeddict-item dict-item)

.PHONY: help install mock record verify ts-sdk ts-platforms ts-bedrock-sdk bench-plugin claude-code test drift-newest schema-corpus contract contract-live lint format bench bench-recordings soak load load-ui load-dist load-real clean stress

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

# The mock's runtime alone (no test or developer tools), for `make mock` on a fresh clone. A venv that has
# the developer install (.installed) has the runtime too.
$(VENV)/.runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -f $(VENV)/.installed -a $(VENV)/.installed -nt pyproject.toml || $(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

install: $(VENV)/.installed  ## create .venv and install the project with its test tools

mock: $(VENV)/.runtime  ## run the mock server on $(HOST):$(PORT) with the shipped content
	$(PY) -m mockclaude serve --host $(HOST) --port $(PORT) $(ARGS)

RECORDINGS ?= recordings
UPSTREAM   ?= https://api.anthropic.com

record: $(VENV)/.installed  ## proxy to $(UPSTREAM), recording misses into $(RECORDINGS) (keys are passed on, never stored)
	$(PY) -m mockclaude record --host $(HOST) --port $(PORT) --recordings $(RECORDINGS) --upstream $(UPSTREAM) $(ARGS)

verify: $(VENV)/.installed  ## check recordings: format, spec, no credentials (VERIFY_PATHS, default the shipped ones)
	$(PY) -m mockclaude verify $(VERIFY_PATHS)

# The official TypeScript SDK for its smoke test (tests/plugin/test_plugin_typescript.py), from npm, into a
# cache outside the repo. Tried once by `make test` (never fails it: without node, npm or the registry the test
# is skipped with the reason); `make ts-sdk` tries again.
TS_SDK     ?= @anthropic-ai/sdk@1.13.0
TS_SDK_DIR ?= $(HOME)/.cache/mockclaude/ts-sdk

ts-sdk:  ## install the TypeScript SDK ($(TS_SDK)) into TS_SDK_DIR for its smoke test
	@mkdir -p $(TS_SDK_DIR)
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --save-exact --silent --no-audit --no-fund --fetch-retries=1 --prefix $(TS_SDK_DIR) '$(TS_SDK)' \
	    || echo "ts-sdk: npm install failed; the TypeScript SDK smoke test will be skipped"; \
	else echo "ts-sdk: npm not found; the TypeScript SDK smoke test will be skipped"; fi
	@touch $(TS_SDK_DIR)/.attempted

$(TS_SDK_DIR)/.attempted:
	@$(MAKE) --no-print-directory ts-sdk

# The TypeScript platform clients (Google Vertex AI, Microsoft Foundry), pinned, beside the SDK in TS_SDK_DIR,
# for tests/platforms/test_platforms_typescript.py: tried once by `make test` like ts-sdk (skipped with the reason
# without npm); `make ts-platforms` tries again.
TS_PLATFORM_SDKS ?= @anthropic-ai/vertex-sdk@1.1.4 @anthropic-ai/foundry-sdk@1.1.1

ts-platforms: $(TS_SDK_DIR)/.attempted  ## install the TypeScript Vertex AI and Foundry clients into TS_SDK_DIR
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --save-exact --silent --no-audit --no-fund --fetch-retries=1 --prefix $(TS_SDK_DIR) $(TS_PLATFORM_SDKS) \
	    || echo "ts-platforms: npm install failed; the TypeScript platform tests will be skipped"; \
	else echo "ts-platforms: npm not found; the TypeScript platform tests will be skipped"; fi
	@touch $(TS_SDK_DIR)/.platforms-attempted

$(TS_SDK_DIR)/.platforms-attempted:
	@$(MAKE) --no-print-directory ts-platforms

# @anthropic-ai/bedrock-sdk for the Bedrock smoke test (tests/platforms/test_bedrock_typescript.py), into the
# same cache, tried once the same way; `make ts-bedrock-sdk` tries again.
TS_BEDROCK_SDK ?= @anthropic-ai/bedrock-sdk@1.1.2

ts-bedrock-sdk:  ## install the TypeScript Bedrock SDK ($(TS_BEDROCK_SDK)) into TS_SDK_DIR for its smoke test
	@mkdir -p $(TS_SDK_DIR)
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --save-exact --silent --no-audit --no-fund --fetch-retries=1 --prefix $(TS_SDK_DIR) '$(TS_BEDROCK_SDK)' \
	    || echo "ts-bedrock-sdk: npm install failed; the Bedrock TypeScript smoke test will be skipped"; \
	else echo "ts-bedrock-sdk: npm not found; the Bedrock TypeScript smoke test will be skipped"; fi
	@touch $(TS_SDK_DIR)/.bedrock-attempted

$(TS_SDK_DIR)/.bedrock-attempted:
	@$(MAKE) --no-print-directory ts-bedrock-sdk

# The Claude Code CLI for tests/clients/test_claude_code.py, pinned, from npm, into a cache outside the repo,
# exactly like the TypeScript SDK: tried once by `make test` (never fails it; without npm or the registry the
# tests are skipped with the reason); `make claude-code` tries again. Its postinstall (`node install.cjs`)
# puts the native binary in place; where npm skipped it (e.g. --ignore-scripts in an npmrc) it is run here.
CLAUDE_CODE     ?= @anthropic-ai/claude-code@2.1.332
CLAUDE_CODE_DIR ?= $(HOME)/.cache/mockclaude/claude-code

claude-code:  ## install the Claude Code CLI ($(CLAUDE_CODE)) into CLAUDE_CODE_DIR for its tests
	@mkdir -p $(CLAUDE_CODE_DIR)
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --save-exact --silent --no-audit --no-fund --fetch-retries=1 --prefix $(CLAUDE_CODE_DIR) '$(CLAUDE_CODE)' \
	    || echo "claude-code: npm install failed; the Claude Code tests will be skipped"; \
	  pkg=$(CLAUDE_CODE_DIR)/node_modules/@anthropic-ai/claude-code; \
	  if [ -f $$pkg/install.cjs ] && ! $(CLAUDE_CODE_DIR)/node_modules/.bin/claude --version >/dev/null 2>&1; then \
	    (cd $$pkg && node install.cjs) || echo "claude-code: its postinstall failed; the Claude Code tests will be skipped"; \
	  fi; \
	else echo "claude-code: npm not found; the Claude Code tests will be skipped"; fi
	@touch $(CLAUDE_CODE_DIR)/.attempted

$(CLAUDE_CODE_DIR)/.attempted:
	@$(MAKE) --no-print-directory claude-code

test: $(VENV)/.installed $(OLD_VENV)/.installed $(TS_SDK_DIR)/.attempted $(TS_SDK_DIR)/.platforms-attempted $(TS_SDK_DIR)/.bedrock-attempted $(CLAUDE_CODE_DIR)/.attempted  ## run the whole test suite
	OLD_SDK_PYTHON=$(OLD_VENV)/bin/python MOCKCLAUDE_TS_SDK_DIR=$(TS_SDK_DIR) MOCKCLAUDE_CLAUDE_CODE_DIR=$(CLAUDE_CODE_DIR) $(PY) -m pytest

# A maintainer's report: the newest `anthropic` from PyPI, in a scratch venv outside the repo, against the spec
# and the model catalog (new fields, enum values, union variants, models). Needs PyPI; never fails (a report,
# not a test); not part of `make test`. See docs/how-to/new-sdk-release.md.
DRIFT_DIR ?= $(HOME)/.cache/mockclaude/drift-newest
DRIFT_SDK ?= anthropic

drift-newest:  ## report what the newest anthropic SDK on PyPI adds against the spec and the catalog (needs PyPI)
	@mkdir -p $(dir $(DRIFT_DIR))
	@test -x $(DRIFT_DIR)/bin/python || $(PYTHON) -m venv $(DRIFT_DIR) || echo "drift-newest: could not create $(DRIFT_DIR)"
	@$(DRIFT_DIR)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade '$(DRIFT_SDK)' pyyaml referencing pytest \
	  || echo "drift-newest: could not install the newest $(DRIFT_SDK) from PyPI; reporting with what $(DRIFT_DIR) has"
	@PYTHONPATH=$(CURDIR) $(DRIFT_DIR)/bin/python -m tests.spec.drift_newest $(ARGS) \
	  || echo "drift-newest: the report did not run (see above); this target never fails"

# The schema corpus (tests/synthesis/corpus.py): ~4,600 tool and structured-output schemas; prints how many
# synthesized tool inputs and structured outputs validate with jsonschema. A sample of it runs in `make test`.
schema-corpus: $(VENV)/.installed  ## synthesized values against the whole schema corpus: the validity figures
	$(PY) -m tests.synthesis.corpus $(ARGS)

# Contract tests (tests/contract, tests/scenarios). `make test` runs the fast profile in-process; these run the
# thorough one over HTTP against URL (default: a mock started here) and write reports/contract-junit.xml and
# reports/contract-summary.md. KEY= is the key sent to URL.
URL ?=
KEY ?=

contract: $(VENV)/.installed  ## thorough contract tests over HTTP against URL (default: a mock it starts); reports/
	$(PY) tests/contract/runner.py --profile thorough $(if $(URL),--url $(URL)) $(if $(KEY),--key $(KEY))

contract-live: $(VENV)/.installed  ## opt-in, budget-capped subset against the real API (needs ANTHROPIC_API_KEY)
	@test -n "$$ANTHROPIC_API_KEY" || echo "contract-live: ANTHROPIC_API_KEY is not set; the live subset is skipped"
	MOCKCLAUDE_LIVE=1 $(PY) -m pytest tests/contract/test_live.py -p no:cacheprovider -rsA \
	  --junitxml=reports/contract-live-junit.xml

# mypy cannot follow the editable install's import hook (folder mocks/, imported as mockclaude), so checked as
# `mypy mocks` every `mockclaude.*` import is Any. A link mockclaude -> mocks on MYPYPATH lets it see the package.
MYPY_PATH := $(VENV)/mypy-path

lint: $(VENV)/.installed  ## ruff (lint + format check), the import contracts, mypy --strict on the package
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache --no-logo
	@mkdir -p $(MYPY_PATH) && ln -sfn $(CURDIR)/mocks $(MYPY_PATH)/mockclaude
	MYPYPATH=$(MYPY_PATH) $(VENV)/bin/mypy --strict -p mockclaude
	# Tests pass plain dicts where the SDK declares TypedDict unions and read union members directly:
	# those checks are noise, not safety, in test code.
	MYPYPATH=$(MYPY_PATH) $(VENV)/bin/mypy tests $(TEST_MYPY_FLAGS)

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
	$(MAKE) --no-print-directory bench-plugin ARGS=

bench-recordings: $(VENV)/.installed  ## start-up, RSS and match cost with 10,000 and 100,000 recordings
	$(PY) loadtests/bench/recordings_scale.py --sizes 10000 100000

bench-plugin: $(VENV)/.installed  ## ms per test: the pytest plugin's fixtures vs responses and VCR.py (200 tests)
	$(PY) loadtests/bench/plugin_overhead.py $(ARGS)

soak: $(VENV)/.installed  ## steady 500 req/s for MINUTES (10), RSS sampled -> loadtests/bench/results/soak.md
	$(PY) loadtests/bench/soak.py --minutes $(MINUTES) $(ARGS)

# Load tests (Locust; README "Load tests"). Each starts its own mock on a free loopback port with a realistic
# latency profile, runs, writes reports to LOAD_OUT and stops the mock. LOCUST_ARGS go to Locust
# (e.g. LOCUST_ARGS="-u 50 -t 2m StreamingChatUser" or "--shape step --steps 1,8,32 --step-s 20").
LOAD_OUT    ?= loadtests/results/latest
LOAD_GATES  ?= --gate-error-rate 0.01 --gate-p95-ttft-ms 2500
WORKERS     ?= 2
LOCUST_ARGS ?=

load: $(VENV)/.installed  ## Locust, headless: the weighted mix for ~1 min against the mock -> loadtests/results/latest
	$(PY) loadtests/run.py --out $(LOAD_OUT) $(ARGS) -- $(LOAD_GATES) $(LOCUST_ARGS)

load-ui: $(VENV)/.installed  ## Locust's web UI (http://127.0.0.1:8089) against a fresh mock; Ctrl-C stops both
	$(PY) loadtests/run.py --mode ui --out $(LOAD_OUT) $(ARGS) -- $(LOCUST_ARGS)

load-dist: $(VENV)/.installed  ## Locust distributed: a master and WORKERS (2) local workers, metrics merged
	$(PY) loadtests/run.py --mode dist --workers $(WORKERS) --out $(LOAD_OUT) $(ARGS) -- $(LOAD_GATES) $(LOCUST_ARGS)

load-real: $(VENV)/.installed  ## opt-in: the REAL API (ANTHROPIC_API_KEY), stopped once BUDGET dollars are spent
	@test -n "$(BUDGET)" || { echo "make load-real needs BUDGET=<dollars>"; exit 2; }
	$(PY) loadtests/run.py --target $(or $(TARGET),https://api.anthropic.com) --budget-usd $(BUDGET) --out $(LOAD_OUT) $(ARGS) -- $(LOCUST_ARGS)

clean:  ## remove the virtual environment and caches
	rm -rf $(VENV) $(OLD_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# The attacks of issue 15 (huge and deep bodies, table growth, slowloris, idle and slow connections, credentials
# in logs, SIGTERM with streams in flight, dribbling, a backtracking rule, HTTP-level errors), each against a
# fresh mock on loopback; prints a table (requests, 5xx, hangs, health p99, RSS before/after) and writes it to
# loadtests/stress/results/latest.md. Bounded: every wait has a 30 s hang guard. `make test` runs it at 5 %
# (tests/server/test_stress.py). ARGS="--scale 0.2" or ARGS="--only slowloris".
stress: $(VENV)/.installed  ## replay every attack of issue 15 on loopback -> table (5xx, hangs, health p99, RSS)
	$(PY) -m loadtests.stress $(ARGS)
