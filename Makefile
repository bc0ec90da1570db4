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

.PHONY: install demo seed-report test check lint typecheck format models clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev,ray]"
	touch $@

install: $(BIN)/.installed

SEED_ANALYSIS = seeds/armenia-csto-news.txt --aliases seeds/armenia-csto-targets.yaml --holder Armenia

## Who stands where in the seed article: Armenia toward the CSTO, Russia, Azerbaijan and the West, sentence by
## sentence, with the summary; also writes an HTML report and a heat map to build/.
demo: install
	mkdir -p build
	$(BIN)/stancekit analyze $(SEED_ANALYSIS) --report build/armenia-csto-report.html \
		--png build/armenia-csto-heatmap.png --force
	@echo "open build/armenia-csto-report.html in a browser for the report"

## Regenerate the report committed in seeds/ (the same analysis as the demo).
seed-report: install
	$(BIN)/stancekit analyze $(SEED_ANALYSIS) --quiet --report seeds/armenia-csto-report.html \
		--png seeds/armenia-csto-heatmap.png --summary seeds/armenia-csto-summary.csv --force

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
	$(BIN)/stancekit train models/directed-minilm/train.yaml   # starts from stance-minilm: train that first

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
