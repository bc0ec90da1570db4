# stancekit: `make demo` and `make test` work from a fresh clone with only Python 3.10+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# On the development machines torch==2.13.0 is a CPU build already on disk; an unpinned torch pulls a multi-GB
# CUDA build. GPU users: make TORCH_SPEC=torch (or any pin) ...
TORCH_SPEC ?= torch==2.13.0
STANCEKIT_DATA ?= $(abspath ../shared/data)
export STANCEKIT_DATA
# Never reach the Hugging Face hub: every weight comes from an installed package or models/.
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
PYTEST_ARGS ?=

.PHONY: install demo test check lint typecheck format models clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev,ray]"
	touch $@

install: $(BIN)/.installed

## Score the seed article against CSTO and Russia with the shipped models; print sentences, stance, sentiment.
demo: install
	$(BIN)/stancekit analyze seeds/armenia-csto-news.txt --target CSTO --target Russia

## Lint, type-check and run the whole test suite (unit + integration; corpora tests skip without STANCEKIT_DATA).
test: install lint typecheck
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

check: test

lint: install
	$(BIN)/ruff check stancekit tests benchmarks
	$(BIN)/ruff format --check stancekit tests benchmarks

typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff format stancekit tests benchmarks
	$(BIN)/ruff check --fix stancekit tests benchmarks

## Retrain the shipped models (tens of minutes each on a 2-core CPU).
models: install
	$(BIN)/stancekit train models/stance-minilm/train.yaml
	$(BIN)/stancekit train models/sentiment-minilm/train.yaml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
