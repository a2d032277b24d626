# Kring: `make run` serves the demo, `make test` runs every test. Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
MAX_FRAME_BYTES ?= 65536
INSTALLED := $(VENV)/.installed
# A development checkout: a generated SECRET_KEY (.secret_key) and emails on the console are
# allowed (production must set SECRET_KEY and EMAIL_URL; see README "Settings").
export KRING_DEV ?= 1

.PHONY: install run serve migrate demo test test-fast lint format bench clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(INSTALLED)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

run: demo serve

serve: install
	$(BIN)/python -m config.server -b $(HOST) -p $(PORT) \
		--websocket-max-message-size $(MAX_FRAME_BYTES) --websocket-max-frame-size $(MAX_FRAME_BYTES) \
		--ping-interval 20 --ping-timeout 30 \
		config.asgi:application

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not browser and not e2e"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
