# SafeCite: `make run` serves the page, `make test` runs the tests.
# Both create .venv and install requirements.txt when needed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INDEX ?= $(or $(SAFECITE_INDEX),var/index)
CORPUS := corpus
SHARED ?= ../shared
HOST ?= 127.0.0.1
PORT ?= 8501

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test ingest eval clean browser

# The browser tests drive the page in headless Chromium (Debian packages).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Ingest is incremental: unchanged files are skipped by their hash, so this
# costs seconds when the index is current and rebuilds what is stale.
ingest: $(VENV)/.installed
	$(PY) -m ingest $(CORPUS) --index $(INDEX)

run: ingest
	SAFECITE_INDEX=$(INDEX) $(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT)

# Retrieval and answer quality on the shared dev set (../shared): writes docs/quality.md.
eval: $(VENV)/.installed
	$(PY) -m index.evaluate --corpus $(SHARED)/corpus --questions $(SHARED)/eval/dev.jsonl --index var/eval-index --out docs/quality.md
	$(PY) -m answer.evaluate --questions $(SHARED)/eval/dev.jsonl --index var/eval-index --out docs/quality.md

browser:
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver)

test: $(VENV)/.installed browser
	$(PY) -m pytest tests -q

clean:
	rm -rf var
