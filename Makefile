# The README's two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck pytest bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/salesbridge demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: install
	$(BIN)/python -m benchmarks.retrieval
	$(BIN)/python -m benchmarks.requests
	$(BIN)/python -m benchmarks.ack_latency --quick
	$(BIN)/python -m benchmarks.memory

# the dashboard's PNGs in docs/screenshots/ (needs chromium + chromium-driver: .ci/chromium.sh)
screenshots: install
	$(BIN)/python -m docs.screenshots.make_screenshots

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
