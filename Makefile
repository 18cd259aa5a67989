# Tandem. `make run` starts everything on embedded defaults; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test chromium lint format migrate shell clean help bench load lock fuzz

help:
	@echo "make run    - web, worker and beat on embedded PostgreSQL/Redis (or DATABASE_URL/REDIS_URL), with demo data"
	@echo "make test   - the whole pytest suite (unit, API, browser); installs Chromium first when it is missing and can"
	@echo "make fuzz   - schemathesis over every API operation (FUZZ_EXAMPLES each, default 10): any 5xx fails it"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks: deadline sweep at 1M, access-log writes at 1-8 processes, matching at 1M children, pages per role at scale"
	@echo "make load   - load run: gunicorn on loopback, locust people on a generated dataset (DATABASE_URL)"
	@echo "make shell  - Django shell on the same database"
	@echo "make lock   - re-pin every package with hashes (requirements/) from pyproject.toml's dependencies"

# The environment and its pinned packages: uv when it can be had (on PATH, or fetched once
# into ~/.cache/tandem), pip otherwise; one line per step with its time (scripts/setup_env.py).
$(STAMP): requirements/dev.txt
	@$(PYTHON) -m scripts.setup_env --venv $(VENV) --requirements requirements/dev.txt
	@touch $(STAMP)

# Re-pin, with hashes, after changing the dependencies in pyproject.toml (scripts/lock.py):
# requirements/dev.txt is the lock; local.txt and runtime.txt are its layers.
lock: $(STAMP)
	@$(BIN)/python -m scripts.lock

run: $(STAMP)
	@$(BIN)/python -m config.stack

# Chromium first: when it is missing and cannot be installed, stop before anything else runs.
test: chromium $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Not part of `make test`: schemathesis's generated requests to every API operation, in this
# process through Django's WSGI handler, on the demo's world in a test database, as the demo
# people with real API tokens (tests/api/fuzz_api.py); any 5xx answer fails it. Same
# database and Redis as `make test`: DATABASE_URL/REDIS_URL, or the embedded ones.
fuzz: $(STAMP)
	$(BIN)/python -m pytest tests/api/fuzz_api.py -q -p no:cacheprovider -o python_files="fuzz_*.py" $(PYTEST_ARGS)

# The browser tests' Chromium (TANDEM_CHROMIUM, default /usr/bin/chromium): installed with
# apt-get when missing and we are root, else one sentence saying what to run.
chromium:
	@$(PYTHON) -m scripts.ensure_chromium

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DATABASE_URL=$${DATABASE_URL:-postgres://localhost/typecheck-only} $(BIN)/mypy .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(STAMP)
	$(BIN)/python manage.py migrate

shell: $(STAMP)
	$(BIN)/python manage.py shell

clean:
	rm -rf .local $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Not part of `make test`: every benchmarks/bench_*.py (sweep, access log, matching, pages at scale).
bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q -s -p tests.embedded_services -o addopts="" -o testpaths=benchmarks -o python_files="bench_*.py"

# Not part of `make test`: gunicorn on loopback and locust's simulated people on a generated
# dataset (DATABASE_URL, REDIS_URL); per-page throughput and p95, 0 failures or it fails.
load: $(STAMP)
	$(BIN)/python -m benchmarks.load.run $(LOAD_ARGS)
