# The Workers' Culture Platform on one machine. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
SERVICES := registry events talent awards
TEST_JOBS ?= 3
BENCH_SCRIPTS ?= registry events talent awards flow
export PYTHONPATH := $(CURDIR)

.PHONY: help install broker postgres migrate seed run up down status test test-fast bench validate-deploy asyncapi clean

help:
	@echo "make run      the platform in the foreground (Ctrl-C stops it)"
	@echo "make up/down  the platform detached / stopped (pids in var/run/)"
	@echo "make test     the whole test suite against real RabbitMQ, SQLite and PostgreSQL"
	@echo "make bench    throughput and latency figures (see docs/PERFORMANCE.md)"

$(VENV)/.installed: pyproject.toml
	@echo "==> virtualenv and pinned dependencies ($(VENV))"
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip 2>&1 | grep -v WARNING || true
	@$(PY) -m pip install -q -e '.[test]' 2>&1 | grep -v WARNING || true
	@$(PY) -c "import nameko, sqlalchemy, marshmallow, pytest" && touch $@

install: $(VENV)/.installed

broker:
	@echo "==> RabbitMQ"
	@bash scripts/ensure_broker.sh

postgres:
	@echo "==> PostgreSQL (for the tests)"
	@bash scripts/ensure_postgres.sh

migrate: install
	@echo "==> migrations"
	@for s in $(SERVICES); do $(PY) -m services.common.migrate $$s || exit 1; done

seed: migrate
	@echo "==> registry demo seed (once; the events seed runs once the registry is up)"
	@$(PY) -m services.registry.seed

run: install broker seed
	@echo "==> starting $(SERVICES) in the foreground; Ctrl-C stops"
	@exec $(PY) scripts/platformctl.py run $(SERVICES)

up: install broker seed
	@echo "==> starting $(SERVICES) detached"
	@$(PY) scripts/platformctl.py up $(SERVICES)

down:
	@$(PY) scripts/platformctl.py down $(SERVICES)

status:
	@$(PY) scripts/platformctl.py status $(SERVICES)

test: install
	@echo "==> services the tests need"
	@bash scripts/ensure_broker.sh --management
	@bash scripts/ensure_postgres.sh
	@echo "==> pytest ($(TEST_JOBS) processes at once; PYTEST_ARGS=... runs one pytest with those arguments)"
	@if [ -n "$(PYTEST_ARGS)" ]; then $(PY) -m pytest -q $(PYTEST_ARGS); \
	else $(PY) scripts/test_shards.py --jobs $(TEST_JOBS); fi

bench: install broker postgres
	@bash scripts/ensure_broker.sh --management
	@for b in $(BENCH_SCRIPTS); do $(PY) bench/bench_$$b.py $(BENCH_ARGS) || exit 1; done

validate-deploy:
	@bash deploy/validate.sh

asyncapi: install
	@$(PY) -m services.common.asyncapi

clean:
	rm -rf var/run var/log var/*.db var/*.db-*
