# The README's two commands: `make demo` and `make test`. Each creates .venv when
# needed and installs what it needs; nothing else must be set up by hand.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck pytest bench snapshots openapi messages clean

$(BIN)/python:
	@echo "cc-tui: creating $(VENV) with $(PYTHON) (first run only)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Not quiet: a first run downloads the dependencies, and says which, rather than sitting
# silent for a minute.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "cc-tui: installing cc-tui and its dependencies into $(VENV) (first run, or pyproject.toml changed)"
	$(BIN)/python -m pip install --progress-bar off -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/cc-tui --demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff format --check cc_tui tests bench
	$(BIN)/ruff check cc_tui tests bench
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider -n auto

test: lint typecheck pytest

snapshots: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests/tui --snapshot-update

# Regenerate the committed contract after a deliberate API change (tests/server/test_openapi.py).
openapi: $(VENV)/.installed
	$(BIN)/python -m cc_tui.server.openapi --output cc_tui/api/openapi.json

# dashboard.py seeds the stores of 100,000 and 1,000,000 requests under the temp folder
# (kept between runs); dashboard_tui.py and throughput.py reuse the 1,000,000 one.
# throughput.py needs wrk (apt-get install -y wrk) and says so when it is missing.
bench: $(VENV)/.installed-test
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/dashboard_tui.py
	$(BIN)/python bench/audit_pdf.py
	$(BIN)/python bench/approve.py
	$(BIN)/python bench/throughput.py

# After marking or changing messages: extract them (babel.cfg) and merge them into both
# catalogues; then translate the new zh_Hant entries (tests/domain/test_i18n.py says which).
LOCALE := cc_tui/locale
messages: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header \
		-k N_ -k Binding:3 -o $(LOCALE)/cc_tui.pot .
	$(BIN)/pybabel update -D cc_tui -i $(LOCALE)/cc_tui.pot -d $(LOCALE) -l en --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel update -D cc_tui -i $(LOCALE)/cc_tui.pot -d $(LOCALE) -l zh_Hant --no-fuzzy-matching --ignore-obsolete
	rm $(LOCALE)/cc_tui.pot
	# The eServices' own words: a catalogue made from their definitions (domain/forms/words.py).
	$(BIN)/python -c 'import sys; from babel.messages.pofile import write_po; \
		from cc_tui.domain.forms.words import template; \
		write_po(sys.stdout.buffer, template(), omit_header=True, sort_output=True)' \
		> $(LOCALE)/eservices.pot
	$(BIN)/pybabel update -D eservices -i $(LOCALE)/eservices.pot -d $(LOCALE) -l en --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel update -D eservices -i $(LOCALE)/eservices.pot -d $(LOCALE) -l zh_Hant --no-fuzzy-matching --ignore-obsolete
	rm $(LOCALE)/eservices.pot

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache
