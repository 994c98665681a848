# The two commands: `make run` and `make test` (and `make test-browser`). Each sets itself up on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Let Python keep compiled modules (pytest keeps its rewritten test modules there too): a machine
# that sets PYTHONDONTWRITEBYTECODE otherwise recompiles and rewrites every test module on each run.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test test-browser install install-dev migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

## run: the whole product on its embedded default (SQLite, filesystem broker, simulator)
run: migrate
	$(BIN)/python manage.py setup_demo
	$(BIN)/python scripts/run_embedded.py

## test: the unit and integration suite in 2 processes (service tests skip without PostgreSQL + Redis)
test: install-dev
	$(BIN)/python -m pytest

## test-browser: the browser tests in Debian's chromium (skip without playwright and /usr/bin/chromium)
test-browser: install-dev
	$(BIN)/python -m pytest -m browser -n 0

clean:
	rm -rf var $(VENV)
