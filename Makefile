# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make demo   create .venv, install msrwe, run the whole job on the built-in demo cohort
#   make test   create .venv, install msrwe with its test tools, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# make test's pytest workers (pytest-xdist); TEST_WORKERS=0 runs the suite in one process
TEST_WORKERS ?= 2

.PHONY: demo test lint bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	$(BIN)/python -m msrwe.derive.outcomes.warmup
	$(BIN)/python -c 'import matplotlib.font_manager'  # its font list, built on first use
	$(BIN)/python -m compileall -q src/msrwe  # an editable install leaves the bytecode to the first run
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/msrwe demo --dirty --out demo-output

test: $(STAMP)
	bash scripts/ensure_system_deps.sh || true
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup  # tests/conftest.py: units of work

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

bench: $(STAMP)
	$(BIN)/python bench/import_speed.py
	$(BIN)/python bench/outcomes_speed.py
	$(BIN)/python bench/report_speed.py
	$(BIN)/python bench/compare_speed.py
	$(BIN)/python bench/design_speed.py

clean:
	rm -rf $(VENV) demo-output build dist src/*.egg-info
