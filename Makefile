# The README's two commands, and the pieces they are made of.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# the suite runs in two processes (a file's tests stay together, so its fixtures are made once)
TEST_WORKERS ?= 2

.PHONY: run test setup browser-deps lint format bench demo

## run: set up the virtualenv and start the dashboard on the embedded demo data
run: setup
	$(BIN)/streamlit run dashboard.py

## test: set up everything the tests need (virtualenv, Chromium, CJK fonts, LibreOffice, poppler) and run the whole suite
test: setup browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

setup: $(BIN)/.installed

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Debian's packages the readers' checks use: Chromium + CJK fonts (pages), LibreOffice Calc / Writer without a
# GUI (exports and the 通报 converted to PDF as an office prints them), poppler-utils (pdfinfo, pdftotext, pdftoppm),
# WenQuanYi Micro Hei (the TrueType font embedded in the PDF briefs), nginx (replicas behind a proxy in the load test)
DEB_PACKAGES := chromium fonts-noto-cjk fonts-noto-color-emoji fonts-wqy-microhei libreoffice-calc-nogui \
	libreoffice-writer-nogui poppler-utils nginx

browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk" \
	    || ! fc-list 2>/dev/null | grep -qi "wenquanyi micro hei" \
	    || ! command -v soffice >/dev/null || ! command -v pdfinfo >/dev/null || [ ! -x /usr/sbin/nginx ]; then \
	  echo "installing Debian's $(DEB_PACKAGES) for the browser and document tests"; \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES) >/dev/null) \
	    || echo "could not install them: the browser and document tests will fail or skip"; \
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
