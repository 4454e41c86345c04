# Two commands on a fresh machine: `make serve` and `make test`. Everything else is a step they take.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
AISKILLS := $(VENV)/bin/aiskills
STAMP := $(VENV)/.installed

.PHONY: serve test system venv wheel-test clean openapi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the tests need: Virtuoso (remote store), a Java runtime (HermiT).
system:
	bash scripts/install-system.sh

serve: venv
	$(AISKILLS) load
	$(AISKILLS) info
	$(AISKILLS) serve

test: venv system
	bash scripts/run-tests.sh

# The OpenAPI description of /api/*, regenerated from the app's routes and the alignment questions.
openapi: venv
	$(PY) -m aiskills.web.openapi

clean:
	rm -rf $(VENV) build dist .pytest_cache
