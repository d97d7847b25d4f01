# One command each: run the demo, test, lint, format, regenerate the OpenAPI document.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo serve test services lint format openapi check-migrations bench bench-peer install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

demo: install
	$(BIN)/qingdan demo

serve: install
	$(BIN)/qingdan serve

# The servers the suite runs against: installed and started here, quick when already up.
services:
	bash tests/servers/postgresql.sh
	bash tests/servers/elasticsearch.sh
	bash tests/servers/chromium.sh

test: install-test services
	$(BIN)/pytest -n auto

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

openapi: install
	$(BIN)/python -m qingdan_api.openapi_doc

check-migrations: install
	rm -rf .ci-migrations && mkdir -p .ci-migrations
	QINGDAN_DATABASE_URL=sqlite:///$(CURDIR)/.ci-migrations/check.db $(BIN)/alembic upgrade head
	QINGDAN_DATABASE_URL=sqlite:///$(CURDIR)/.ci-migrations/check.db $(BIN)/alembic check
	rm -rf .ci-migrations

# The quick benchmark (API latency at 3k items); the others are `python -m bench.NAME --help`.
bench: install-test
	$(BIN)/python -m bench.api_latency

# Qingdan against datasette on the same published items (bench/peer_bench.py): datasette
# goes into .venv-bench only, wrk and sqlite3 come from Debian when missing.
# E.g. make bench-peer ARGS='--instance /path/to/instance --postgres postgresql://...'
BENCH_VENV ?= .venv-bench
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

bench-peer: install
	command -v wrk >/dev/null || $(SUDO) apt-get install -y wrk || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y wrk)
	command -v sqlite3 >/dev/null || $(SUDO) apt-get install -y sqlite3
	test -x $(BENCH_VENV)/bin/datasette || ($(PYTHON) -m venv $(BENCH_VENV) && \
	  $(BENCH_VENV)/bin/pip install -q -r bench/requirements-peer.txt)
	$(BIN)/python -m bench.peer_bench $(ARGS)
