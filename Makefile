# Two commands: `make run` (set up and serve the demo) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
export FLASK_APP := app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test venv fonts chromium sevenzip lint typecheck bench clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

run: venv fonts
	$(BIN)/flask db upgrade
	HOST=$(HOST) PORT=$(PORT) $(BIN)/flask demo load
	$(BIN)/flask run --host $(HOST) --port $(PORT)

fonts:
	bash scripts/ensure_fonts.sh

chromium:
	bash scripts/ensure_chromium.sh

sevenzip:
	bash scripts/ensure_7zip.sh

lint: venv
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy

test: venv fonts chromium sevenzip lint typecheck
	$(BIN)/python -m pytest

bench: venv
	for script in scripts/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
