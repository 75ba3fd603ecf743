# bluepool: the two commands a new machine needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo serve test test-postgres check bench clean

# The modules setup.py compiles with mypyc: editing one means compiling it again.
COMPILED := $(shell sed -n 's/^ *"\(src\/.*\.py\)",$$/\1/p' setup.py)

$(STAMP): pyproject.toml setup.py $(COMPILED)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install            ## serve the dispatch center with the demo collective on :8000
	$(BIN)/bluepool demo

serve: install
	$(BIN)/bluepool serve

test: install            ## every test (PostgreSQL too when BLUEPOOL_TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest -n auto --dist loadfile

check: install           ## format, lint, types, layer contracts
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install           ## benchmarks, each against a baseline in the same run
	$(BIN)/python benchmarks/recommend.py
	$(BIN)/python benchmarks/api_throughput.py
	$(BIN)/python benchmarks/routing.py
	$(BIN)/python benchmarks/offroad.py
	$(BIN)/python benchmarks/geocode.py
	$(BIN)/python benchmarks/simulate.py
	$(BIN)/python benchmarks/audit.py
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/call_time.py
	$(BIN)/python benchmarks/analytics.py
	$(BIN)/python benchmarks/ledger.py

clean:
	rm -rf $(VENV) var build .pytest_cache .mypy_cache .hypothesis
	find src -name '*.so' -delete
