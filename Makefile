# The two commands a newcomer types: `make demo` and `make test`.
# Everything they need is installed here: Debian packages (scripts/setup-system.sh), the
# Python environment from uv.lock, and the Neo4j jars from Maven Central (first start).
SHELL := /bin/bash
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := 3.11

.PHONY: setup demo test db-start db-stop clean

setup: $(VENV)/.installed

# Bytecode is compiled here, once: a machine (or CI) with PYTHONDONTWRITEBYTECODE=1 would
# otherwise compile pandas and the driver again at every command (`lianjian --help` 2 s).
$(VENV)/.installed: pyproject.toml uv.lock scripts/setup-system.sh
	bash scripts/setup-system.sh
	test -x .tools/bin/uv || (python3.11 -m venv .tools && .tools/bin/pip install -q uv==$(UV_VERSION))
	.tools/bin/uv sync --frozen --extra dev --compile-bytecode
	$(BIN)/python -m compileall -q -j 0 ingest graph analytics web lianjian synthetic
	touch $@

DEMO := .lianjian/demo/county-2024

# The main job: local Neo4j, a generated county, load, scan, and the scan measured
# against the county's truth.csv; then one demo account per role (printed once, passwords
# new at every run) and the workbench serving the county on http://127.0.0.1:8000/ until
# Ctrl-C. The database keeps running; `make db-stop` stops it.
demo: setup
	$(BIN)/lianjian db start
	$(BIN)/lianjian db migrate
	test -f $(DEMO)/truth.csv || $(BIN)/lianjian generate --scale county --seed 2024 --out $(DEMO)
	$(BIN)/lianjian load $(DEMO) --report-dir .lianjian/demo
	$(BIN)/lianjian scan
	$(BIN)/lianjian evaluate $(DEMO)
	$(BIN)/lianjian rules quality
	$(BIN)/lianjian db status
	$(BIN)/lianjian demo-users
	$(BIN)/lianjian serve

test: setup
	$(BIN)/pytest

db-stop:
	$(BIN)/lianjian db stop

clean:
	-$(BIN)/lianjian db stop
	rm -rf $(VENV) .tools .lianjian
