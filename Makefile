# Two commands: `make run` serves Tanzi with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/15
# pytest-xdist: two processes (the CI machine has two cores), a test file stays on one
PYTEST_PARALLEL ?= -n 2 --dist loadfile

.PHONY: run test test-sqlite test-postgres lint bench install browser js-receivers clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Debian's Chromium and fonts for the browser tests (Playwright drives it through
# executable_path), and axe-core for their accessibility checks (npm ci from the lockfile in
# tests/browser/js, skipped when node is not installed); each returns at once when installed.
browser:
	@scripts/install-browser.sh
	@scripts/install-axe.sh

# The Standard Webhooks reference library for JavaScript (npm ci from the lockfile in
# tests/webhooks/js), a receiver in the webhook tests; skipped when node is not installed.
js-receivers:
	@scripts/install-js-receivers.sh

# The demo's carrier: the Sandbox Express simulator on the plugin's default address
# (127.0.0.1:8765) with the demo account, as its own process for as long as the server runs.
SANDBOX_DEMO_ACCOUNT ?= SBX-DEMO-0001:sandbox-demo-secret

run: $(STAMP)
	@$(BIN)/python -m plugins.sandbox_express.simulator --port 8765 --balance 100000 \
		--account $(SANDBOX_DEMO_ACCOUNT) > /dev/null & sim=$$!; \
		trap 'kill $$sim' EXIT INT TERM; $(BIN)/tanzi serve --demo

test: $(STAMP) browser js-receivers
	@$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)
	@$(MAKE) --no-print-directory test-postgres

# Runs the suite again on PostgreSQL and Redis when they answer (CI=true makes them required).
test-postgres: $(STAMP) js-receivers
	@$(BIN)/python -m tests.services postgres "$(PG_URL)"; rc=$$?; \
	if [ $$rc -eq 0 ]; then \
		TANZI_TEST_DATABASE_URL="$(PG_URL)" TANZI_TEST_REDIS_URL="$(REDIS_URL)" $(BIN)/python -m pytest $(PYTEST_PARALLEL); \
	elif [ $$rc -ne 1 ]; then exit $$rc; fi

# Style, the layering contracts of pyproject.toml (import-linter), and types (mypy).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Every benchmark at full size (by hand; figures in the report). CI runs each at a small N
# through tests/test_bench_smoke.py. TANZI_BENCH_DATABASE_URL / TANZI_BENCH_QUEUE_URL pick
# PostgreSQL / Redis (see bench/harness.py).
bench: $(STAMP)
	@for b in bench/*.py; do \
		case $$b in */harness.py) continue;; esac; \
		echo "== $$b"; $(BIN)/python $$b || exit 1; \
	done

clean:
	rm -rf $(VENV) var .pytest_cache
