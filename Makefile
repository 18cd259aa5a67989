# Tandem. `make run` starts everything on embedded defaults; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format migrate shell clean help bench

help:
	@echo "make run    - web, worker and beat on embedded PostgreSQL/Redis (or DATABASE_URL/REDIS_URL), with demo data"
	@echo "make test   - the whole pytest suite (unit, API, browser)"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks (a deadline sweep over 100,000 open deadlines)"
	@echo "make shell  - Django shell on the same database"

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m config.stack

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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

# Not part of `make test`: a sweep over 100,000 open deadlines in a throwaway database.
bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q -s -p tests.embedded_services -o addopts="" -o testpaths=benchmarks -o python_files="bench_*.py"
