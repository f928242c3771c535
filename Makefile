# The two commands of the README:
#   make demo   the main job end to end on the embedded defaults
#   make test   the whole test suite (real Kafka broker, BigQuery emulator)
# Both create .venv and install the project on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean-broker

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev,bench]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/hefesto demo

test: $(STAMP)
	$(BIN)/hefesto kafka fetch
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/analyzer.py
	$(BIN)/python bench/correlation.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/stream.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/retained.py
	$(BIN)/python bench/sink.py
	$(BIN)/python bench/failover.py --repeat 2
	$(BIN)/python bench/failover.py --workers 2 --no-restart --repeat 2

clean-broker: $(STAMP)
	$(BIN)/hefesto kafka stop
