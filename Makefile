# Two commands a newcomer needs (see README):
#   make demo   set up, then run the whole job on the embedded DuckDB default with sample data
#               (reports in ./outputs)
#   make test   set up, make sure the MariaDB server runs and the test system packages are there
#               (chromium, poppler-utils, fonts-droid-fallback), then run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench install mariadb test-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/mca-report sample-data --rows 100000
	$(BIN)/mca-report run --out outputs

mariadb:
	bash scripts/ensure-mariadb.sh

test-deps:
	bash scripts/ensure-test-deps.sh

test: $(STAMP) mariadb test-deps
	MCA_REQUIRE_MARIADB=1 MCA_REQUIRE_BROWSER=1 $(BIN)/python -m pytest

# The pipeline benchmark (README, "Measured here"); e.g. make bench BENCH_ARGS="--rows 1000000"
BENCH_ARGS ?= --target mariadb --rows 100000 --customers 100000
bench: $(STAMP) mariadb
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf outputs mca.duckdb dbt_project/target dbt_project/logs
