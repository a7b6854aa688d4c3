# Two entry points for people: `make run` (the application) and `make test` (the test suite).
# Each creates the virtual environment it needs in .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.autovoice-installed

.PHONY: run test venv lint dist selftest bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml tools/setup-venv.sh
	PYTHON=$(PYTHON) VENV=$(VENV) bash tools/setup-venv.sh
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m autovoice_desktop

test: $(STAMP)
	bash tools/run-tests.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check autovoice_desktop tests benchmarks
	$(VENV)/bin/lint-imports

dist: $(STAMP)
	bash packaging/build.sh

selftest: dist
	QT_QPA_PLATFORM=offscreen dist/AutoVoice/AutoVoice --self-test

bench: $(STAMP)
	$(PY) -m benchmarks.run_all

clean:
	rm -rf build dist .pytest_cache
