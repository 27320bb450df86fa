# Two commands a newcomer needs (see README):
#   make demo   set up, then run the whole job on the embedded DuckDB default with sample data
#               (reports in ./outputs)
#   make test   set up, make sure the MariaDB server runs and the test system packages are there
#               (chromium, poppler-utils, fonts-droid-fallback, libmariadb-java, Java 17 for
#               Spark), then run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-10m bench-spark bench-one install mariadb test-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,spark]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/mca-report sample-data --rows 100000
	$(BIN)/mca-report run --out outputs

mariadb:
	bash scripts/ensure-mariadb.sh

test-deps:
	bash scripts/ensure-test-deps.sh

# Two pytest workers (pytest-xdist): one takes the Spark tests (one JVM), both share the rest,
# a module at a time (tests/conftest.py). TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2
test: $(STAMP) mariadb test-deps
	MCA_REQUIRE_MARIADB=1 MCA_REQUIRE_BROWSER=1 MCA_REQUIRE_SPARK=1 $(BIN)/python -m pytest \
		$(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --no-loadscope-reorder)

# The pipeline benchmarks (README, "Measured here"): each writes benchmarks/results/run-*.{json,md}.
# `make bench` measures what the performance figures are stated in (about 15 minutes): 100K rows on
# MariaDB (with the seed document's pandas approach beside it) and on DuckDB, 1M rows on MariaDB
# as installed and with the server profile. `make bench-10m` adds 10M rows (about 30 minutes).
# One size: make bench-one BENCH_ARGS="--rows 1000000 --customers 100000"
BENCH := $(BIN)/python benchmarks/run.py
PROFILE := --server-profile docs/mariadb-analytics.cnf
BENCH_ARGS ?= --target mariadb --rows 100000 --customers 100000
bench: $(STAMP) mariadb
	$(BENCH) --target mariadb --rows 100000 --customers 100000
	$(BENCH) --target duckdb --rows 100000 --customers 100000
	$(BENCH) --target mariadb --rows 1000000 --customers 100000
	$(BENCH) --target mariadb --rows 1000000 --customers 100000 $(PROFILE)

bench-10m: $(STAMP) mariadb
	$(BENCH) --target mariadb --rows 10000000 --customers 1000000 $(PROFILE) --no-seed-approach --no-incremental

# Local Spark (local[2]) at 1M and 10M rows: the figures beside MariaDB's and DuckDB's (README)
bench-spark: $(STAMP)
	$(BENCH) --target spark --rows 1000000 --customers 100000
	$(BENCH) --target spark --rows 10000000 --customers 1000000

bench-one: $(STAMP) mariadb
	$(BENCH) $(BENCH_ARGS)

clean:
	rm -rf outputs mca.duckdb mca-spark dbt_project/target dbt_project/logs
