# Two entry points: `make run` (demo server on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := $(shell sed -n 's/^uv==\([0-9.]*\).*/\1/p' requirements-dev.lock)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lock lint format bench check clean-db messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 ou plus récent est requis (trouvé %s)." % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	UV_PYTHON_DOWNLOADS=never $(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements-dev.lock
	@touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_territories
	$(BIN)/python manage.py seed_demo --scale demo --if-empty
	$(BIN)/python manage.py demo_accounts --url http://$(HOST):$(PORT)/
	@# The task worker runs beside the web server and stops with it (Ctrl-C, or runserver exiting).
	@$(BIN)/python manage.py run_huey --quiet & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Worker des tâches lancé (manage.py run_huey, pid $$worker) : e-mails, éditions, documents, tâches programmées."; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Regenerates both lock files from pyproject.toml (run after changing a dependency).
lock: install
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --no-header -q -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --no-header -q -o requirements-dev.lock

# The French catalogue (locale/fr/LC_MESSAGES): collects the strings marked for translation, repeats each French
# msgid as its msgstr (msgen; a few of Django's own English msgids get a French msgstr by hand, kept by later runs) and compiles the .mo that is committed beside the .po. Needs GNU gettext
# (`apt-get install gettext`); tests/test_french.py checks both files are up to date.
MESSAGES_ARGS := -l fr -e html,txt,py --no-location --no-obsolete --ignore=tests --ignore=bench --ignore=docs \
	--ignore=staticfiles --ignore=media --ignore=node_modules
messages: install
	$(BIN)/python manage.py makemessages $(MESSAGES_ARGS)
	@# msgmerge's guesses for new strings (« fuzzy ») are dropped: each new msgid is its own translation.
	msgattrib --clear-fuzzy --empty --clear-previous --no-wrap -o locale/fr/LC_MESSAGES/django.po locale/fr/LC_MESSAGES/django.po
	msgen --no-wrap -o locale/fr/LC_MESSAGES/django.po locale/fr/LC_MESSAGES/django.po
	msgfmt --check -o locale/fr/LC_MESSAGES/django.mo locale/fr/LC_MESSAGES/django.po
