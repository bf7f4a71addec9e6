# The README's two commands, and the pieces they are made of.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test setup browser-deps lint format bench demo

## run: set up the virtualenv and start the dashboard on the embedded demo data
run: setup
	$(BIN)/streamlit run dashboard.py

## test: set up everything the tests need (virtualenv, Chromium, CJK fonts) and run the whole suite
test: setup browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

setup: $(BIN)/.installed

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/sbin/nginx ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk" || ! fc-list 2>/dev/null | grep -qi "wenquanyi micro hei"; then \
	  echo "installing Debian's chromium, CJK fonts and nginx for the browser tests"; \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji fonts-wqy-microhei nginx >/dev/null) \
	    || echo "could not install chromium / nginx: the browser tests will be skipped or fail"; \
	fi

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python -m tracker bench --rows 1000000

demo: setup
	$(BIN)/python -m tracker demo --out data/extracts
