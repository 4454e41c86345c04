# Two commands on a fresh machine: `make serve` and `make test`. Everything else is a step they take.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
AISKILLS := $(VENV)/bin/aiskills
STAMP := $(VENV)/.installed

.PHONY: serve test system venv wheel-test clean openapi screenshots yasgui

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

# Screenshots of every kind of page at 1280 px and 375 px into docs/screenshots/ (test runs write none there).
screenshots: venv
	rm -f docs/screenshots/*.png
	AISKILLS_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest -p no:cacheprovider -q tests/browser/test_every_page_type.py

# Fetch YASGUI's built files again from npm into web/static/yasgui/ (VERSION=4.6.2 by default).
yasgui:
	bash scripts/fetch-yasgui.sh $(VERSION)

clean:
	rm -rf $(VENV) build dist .pytest_cache
