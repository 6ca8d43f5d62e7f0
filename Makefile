# SafeCite: `make run` serves the page, `make test` runs the tests.
# Both create .venv and install requirements.txt when needed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INDEX ?= $(or $(SAFECITE_INDEX),var/index)
CORPUS := corpus
CORPUS_FILES := $(shell find $(CORPUS) -type f 2>/dev/null)
HOST ?= 127.0.0.1
PORT ?= 8501

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test ingest clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Re-ingest when the index is missing or any corpus file is newer than it.
$(INDEX)/chunks.jsonl: $(VENV)/.installed $(CORPUS_FILES)
	$(PY) -m ingest $(CORPUS) --index $(INDEX)

ingest: $(INDEX)/chunks.jsonl

run: $(INDEX)/chunks.jsonl
	SAFECITE_INDEX=$(INDEX) $(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT)

test: $(VENV)/.installed
	$(PY) -m pytest tests -q

clean:
	rm -rf var
