# Kring: `make run` serves the demo, `make test` runs every test. Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
INSTALLED := $(VENV)/.installed
# A development checkout: a generated SECRET_KEY (.secret_key) and emails on the console are
# allowed (production must set SECRET_KEY and EMAIL_URL; see README "Settings").
export KRING_DEV ?= 1

.PHONY: install lock messages run serve migrate demo test test-fast lint format bench clean

# Exact versions with hashes from requirements.lock, then Kring itself (no more resolving).
$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python manage.py compile_catalogues
	touch $@

# Translations: refresh the catalogues from the code (needs GNU gettext's xgettext), then
# translate locale/*/LC_MESSAGES/django.po; make install compiles them (pure Python).
LANGUAGES := nl fr de sv pl fi et
messages: install
	$(BIN)/python manage.py makemessages --no-obsolete --add-location file \
		$(foreach l,$(LANGUAGES),-l $(l)) \
		--ignore ".venv/*" --ignore "tests/*" --ignore "bench/*" --ignore "static/vendor/*"
	$(BIN)/python manage.py compile_catalogues

# Re-resolve requirements.lock from pyproject.toml (every supported Python, with hashes):
# `make lock` keeps the pinned versions that still fit, `make lock UPGRADE=1` takes the newest.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "uv>=0.13,<1"
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --no-header $(if $(UPGRADE),--upgrade) -o requirements.lock

install: $(INSTALLED)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

run: demo serve

serve: install
	$(BIN)/python -m config.server --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not browser and not e2e"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
