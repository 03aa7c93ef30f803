# Sourcebook: `make run` (set up, index seeds/, serve the chat) and `make test`.
# Every step is idempotent; stamp files make a second `make setup` take seconds.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 7860
STAMPS := $(VENV)/.stamps
# llama.cpp: no -march=native (AMX builds segfault on first decode); AVX2/FMA/F16C run on
# any x86-64 from the last decade, with or without AVX-512.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
	-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_OPENMP=ON

.PHONY: setup run test bench bench-quick browser clean help
help:
	@echo "make run    set up, index seeds/, serve the chat on http://$(HOST):$(PORT)"
	@echo "make test   set up, then run every test (slow and browser tests included)"
	@echo "make bench  benchmarks; results in bench/results/latest.json"

setup: $(STAMPS)/project $(STAMPS)/model

$(STAMPS)/python:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.11 (or run make PYTHON=/path/to/python3.11)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "error: $(PYTHON) is not Python 3.11: run make PYTHON=/path/to/python3.11"; exit 1; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/torch: $(STAMPS)/python
	@# First, so nothing later pulls a multi-GB CUDA build of torch.
	$(BIN)/pip install --quiet torch==2.13.0
	@touch $@

$(STAMPS)/llama: $(STAMPS)/torch
	@command -v cc >/dev/null || command -v gcc >/dev/null || { echo "error: no C compiler: install one (apt-get install build-essential cmake) and re-run make setup"; exit 1; }
	@echo "Building llama-cpp-python (about 4 minutes on 2 cores the first time; pip caches the wheel) ..."
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" FORCE_CMAKE=1 $(BIN)/pip install --quiet llama-cpp-python==0.3.36
	@touch $@

$(STAMPS)/project: $(STAMPS)/llama pyproject.toml
	$(BIN)/pip install --quiet -e '.[llm,eval,test]'
	@touch $@

$(STAMPS)/model: $(STAMPS)/project
	$(BIN)/python -m qa.model_setup
	$(BIN)/python -m index.encoder_export
	@touch $@

browser:
	@# Debian's Chromium for the browser tests (a Playwright browser download fails offline).
	@[ -x /usr/bin/chromium ] || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	  || echo "warning: /usr/bin/chromium missing and not installable here: browser tests will be skipped (apt-get install chromium)"; }

run: setup
	$(BIN)/sourcebook index seeds
	$(BIN)/sourcebook chat --host $(HOST) --port $(PORT)

test: setup browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench

bench-quick: setup
	$(BIN)/python -m bench --quick

clean:
	rm -rf .sourcebook build *.egg-info .pytest_cache
