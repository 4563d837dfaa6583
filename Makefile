# Two commands do all set-up on a fresh machine (Python 3.11 + network to PyPI):
#   make run   - virtualenv + pinned deps, demo data, `dbt build` into a DuckDB file
#   make test  - the whole test suite (ruff, sqlfluff, pytest incl. end-to-end dbt builds)
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= 1.0
SEED ?= 42

export DBT_PROFILES_DIR ?= $(CURDIR)
export ENGAGEMENT_RAW_ROOT ?= $(CURDIR)/data/raw
export ENGAGEMENT_DUCKDB_PATH ?= $(CURDIR)/data/engagement.duckdb
export ENGAGEMENT_TRUTH_ROOT ?= $(CURDIR)/data/truth

.PHONY: help install run test lint generate build docs clean bench quality report export publish \
	install-orchestration orchestration-manifest

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed  ## create .venv with the pinned dependencies

profiles.yml: profiles.yml.example
	test -f $@ || cp $< $@

$(ENGAGEMENT_RAW_ROOT)/.generated: $(VENV)/.installed
	$(BIN)/python -m engagement.generate --scale $(SCALE) --seed $(SEED) \
		--out $(ENGAGEMENT_RAW_ROOT) --truth $(ENGAGEMENT_TRUTH_ROOT)
	touch $@

generate: $(VENV)/.installed  ## (re)generate the demo data (SCALE=1.0 SEED=42)
	rm -f $(ENGAGEMENT_RAW_ROOT)/.generated
	$(MAKE) $(ENGAGEMENT_RAW_ROOT)/.generated

build: $(VENV)/.installed profiles.yml  ## dbt build on whatever is in ENGAGEMENT_RAW_ROOT, then publish for BI
	mkdir -p $(dir $(ENGAGEMENT_DUCKDB_PATH))
	$(BIN)/dbt build
	$(BIN)/python -m engagement.publish

run: $(VENV)/.installed profiles.yml $(ENGAGEMENT_RAW_ROOT)/.generated  ## set up, generate demo data, dbt build, publish
	mkdir -p $(dir $(ENGAGEMENT_DUCKDB_PATH))
	$(BIN)/dbt build
	# only after a passing build: swap the marts into the file BI tools read (ENGAGEMENT_PUBLISHED_DUCKDB_PATH)
	$(BIN)/python -m engagement.publish

lint: $(VENV)/.installed profiles.yml  ## ruff + sqlfluff
	$(BIN)/ruff check src tests python_models
	# sqlfluff's dbt templater compiles the project: give it a throwaway warehouse file
	ENGAGEMENT_DUCKDB_PATH=$$(mktemp -d)/lint.duckdb $(BIN)/sqlfluff lint models analyses tests macros

test: $(VENV)/.installed profiles.yml lint  ## the whole test suite
	$(BIN)/pytest

docs: $(VENV)/.installed profiles.yml  ## dbt docs generate
	$(BIN)/dbt docs generate

SCALES ?= 2 19 55
bench: $(VENV)/.installed  ## per scale: full build, daily-selector run after one new day, weekly run, daily ratio (SCALES="2 19 55")
	$(BIN)/python -m engagement.bench --scales $(SCALES)

clean:  ## remove generated data, DuckDB files and dbt artefacts (keeps .venv)
	rm -rf data target logs dbt_packages

quality: $(VENV)/.installed  ## Great Expectations suites over raw inputs and marts
	$(BIN)/python -m engagement.quality --duckdb $(ENGAGEMENT_DUCKDB_PATH) --raw-root $(ENGAGEMENT_RAW_ROOT) \
		--out reports/quality

REPORT_HTML ?= reports/output/engagement_report.html
EXPORT_DIR ?= data/exports

report: $(VENV)/.installed  ## HTML report from the marts (SCREENSHOT=1: Chromium check + reports/engagement_report.png)
	$(BIN)/python -m engagement.report --duckdb $(ENGAGEMENT_DUCKDB_PATH) --out $(REPORT_HTML) \
		$(if $(SCREENSHOT),--screenshot reports/engagement_report.png)

export: $(VENV)/.installed  ## CRM audience (next_best_actions): CSV + Parquet per action in EXPORT_DIR/<as_of_date>/
	$(if $(filter $(CURDIR)/data/engagement.duckdb,$(ENGAGEMENT_DUCKDB_PATH)),ENGAGEMENT_ENV=demo) \
		$(BIN)/python -m engagement.export --duckdb $(ENGAGEMENT_DUCKDB_PATH) --out $(EXPORT_DIR)

publish: $(VENV)/.installed  ## swap the marts of the last passing build into the BI file (data/engagement_bi.duckdb)
	$(BIN)/python -m engagement.publish

# Orchestration extra (optional; the two commands above never need it): Dagster and Airflow + Cosmos, each in
# its own virtualenv from its own lock file (their pins conflict), both running dbt from .venv.
.venv-dagster/.installed: orchestration/requirements-dagster.lock
	test -x .venv-dagster/bin/python || $(PYTHON) -m venv .venv-dagster
	.venv-dagster/bin/python -m pip install --quiet -r orchestration/requirements-dagster.lock
	touch $@

.venv-airflow/.installed: orchestration/requirements-airflow.lock
	test -x .venv-airflow/bin/python || $(PYTHON) -m venv .venv-airflow
	.venv-airflow/bin/python -m pip install --quiet -r orchestration/requirements-airflow.lock
	touch $@

AIRFLOW_MANIFEST_DIR ?= target/airflow
orchestration-manifest: $(VENV)/.installed profiles.yml  ## dbt parse into target/airflow (the Cosmos DAGs' manifest)
	$(BIN)/dbt parse --target-path $(AIRFLOW_MANIFEST_DIR) --quiet

install-orchestration: $(VENV)/.installed .venv-dagster/.installed .venv-airflow/.installed orchestration-manifest  ## Dagster + Airflow/Cosmos extra
	@echo "Dagster:  DAGSTER_HOME=$(CURDIR)/orchestration/dagster_engagement .venv-dagster/bin/dagster dev -m orchestration.dagster_engagement.definitions"
	@echo "Airflow:  AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/orchestration/airflow_dags AIRFLOW__COSMOS__ENABLE_TELEMETRY=False .venv-airflow/bin/airflow standalone"
