# Two commands do everything: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# This machine only; ADDRESS=0.0.0.0 serves the team's network (README, "Deployment").
ADDRESS ?= 127.0.0.1

.PHONY: run test lint unit app e2e bench demo-data clean

$(BIN)/python:
	@echo "Creating the Python environment in $(VENV) (first run only)…"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	@echo "Installing the dashboard's packages from requirements.txt (first run only: a few minutes)…"
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	@echo "Installing the test tools from requirements-dev.txt (first run only)…"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

## Start the dashboard on the demo dataset at http://localhost:$(PORT)
run: $(VENV)/.runtime
	@echo "Starting the dashboard on $(ADDRESS): open http://localhost:$(PORT) in a browser (Ctrl+C stops it)."
	$(BIN)/python -m streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS)

## Lint, then every test: unit, AppTest and browser (Playwright + Debian's chromium)
test: lint
	$(BIN)/python -m pytest

## Python style, SQL layout, types and the layers of churn/ (settings in pyproject.toml)
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint queries
	$(BIN)/mypy
	$(BIN)/lint-imports

## Quick feedback: the unit tests without the slow ones (`make test` runs everything)
unit: $(VENV)/.dev
	$(BIN)/python -m pytest tests/unit -m "not slow"

app: $(VENV)/.dev
	$(BIN)/python -m pytest tests/app

e2e: $(VENV)/.dev
	$(BIN)/python -m pytest tests/e2e

## Benchmark (see docs/benchmarks.md)
bench: $(VENV)/.runtime
	$(BIN)/python -m bench

## Regenerate the committed demo dataset (deterministic)
demo-data:
	$(PYTHON) data/generate_demo.py

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache .ruff_cache .mypy_cache .import_linter_cache .hypothesis
