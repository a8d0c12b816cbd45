# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format browser bench bench-finance bench-faults bench-latency bench-dedupe install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

demo: install
	$(BIN)/brygga demo

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The dashboard's browser tests drive Debian's chromium (no pip package ships a browser that
# runs offline; Playwright would download one).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# Two workers: most tests wait on sandboxes, rate limits and browsers rather than the CPU.
# A module's tests stay on one worker (they share its sandboxes).
test: lint browser
	$(BIN)/pytest -q -n 2 --dist loadfile

bench: install-dev
	$(BIN)/python bench/run.py

bench-finance: install-dev
	$(BIN)/python bench/finance.py

bench-faults: install-dev
	$(BIN)/python bench/faults.py --orders 60 --rounds 1

bench-latency: install-dev
	$(BIN)/python bench/latency.py

bench-dedupe: install-dev
	$(BIN)/python bench/dedupe.py

clean:
	rm -rf $(VENV) .brygga .pytest_cache
