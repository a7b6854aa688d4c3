# Two entry points for people: `make run` (the application) and `make test` (the test suite).
# Each creates the virtual environment it needs in .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.autovoice-installed

.PHONY: run test venv lint dist selftest bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt tools/setup-venv.sh
	PYTHON=$(PYTHON) VENV=$(VENV) bash tools/setup-venv.sh
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m autovoice_desktop

test: $(STAMP)
	bash tools/run-tests.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check autovoice_desktop tests benchmarks
	$(VENV)/bin/lint-imports

# dist/AutoVoice/AutoVoice (one-folder PyInstaller bundle) and dist/AutoVoice-<version>-<os>-<arch>.tar.gz.
dist: $(STAMP)
	VENV=$(VENV) bash packaging/build.sh

# Run the built bundle: --self-test and an offscreen GUI launch, clean environment (see packaging/smoke.sh).
selftest:
	@[ -x dist/AutoVoice/AutoVoice ] || $(MAKE) dist
	bash packaging/smoke.sh

bench: $(STAMP)
	$(PY) -m benchmarks.speed --device cpu

clean:
	rm -rf build dist .pytest_cache
