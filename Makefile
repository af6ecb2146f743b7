# Two commands: `make run` and `make test`. Both create .venv with Python 3.11 when missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := sample_corpus
DB ?= comention.duckdb
OUT ?= reports/out
N ?= 10000
# Prefect stays quiet, offline and inside the project (../shared/DEPENDENCIES.md).
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: run test test-fast bench lint clean example-reuters chromium schedule

# PYTHONWARNINGS: setuptools explains editable installs in ~170 lines of warnings each time.
$(BIN)/comention: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/comention
	$(BIN)/comention sample --out $(SAMPLE)
	$(BIN)/comention run $(SAMPLE) --db $(DB) --out $(OUT)
	@echo "warehouse: $(abspath $(DB))"
	@echo "report:    $(abspath $(OUT))/index.html"

test: $(BIN)/comention chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The deployments of prefect.yaml on this machine (local server, pool, worker) until Ctrl-C;
# `make schedule PORT=4300 INBOX=dumps` to change the port or the inbox folder.
schedule: $(BIN)/comention
	$(BIN)/comention schedule --db $(DB) --out $(OUT) $(if $(PORT),--port $(PORT)) \
		$(if $(INBOX),--inbox $(INBOX))

# The browser test drives Debian's Chromium (Playwright's own browser download does not work
# here); install it where it is missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y -q chromium >/dev/null 2>&1 \
		|| (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1) \
		|| echo "warning: could not install chromium; the browser test will be skipped"

bench: $(BIN)/comention
	$(BIN)/python -m bench.bench_stages --articles $(N)

# A real-data example: Reuters-21578 (1987) from ../shared/data, when present, into its own
# warehouse and weekly reports under reports/out/reuters/.
example-reuters: $(BIN)/comention
	mkdir -p reports/out/reuters
	$(BIN)/python -m bench.reuters --jsonl reports/out/reuters/reuters-21578.jsonl
	$(BIN)/comention run reports/out/reuters/reuters-21578.jsonl --db reports/out/reuters/reuters.duckdb --out reports/out/reuters
	$(BIN)/comention report --all-weeks --db reports/out/reuters/reuters.duckdb --out reports/out/reuters

# ruff's linter only: the code keeps its own line layout (ruff format would rewrite 98 files).
lint: $(BIN)/comention
	$(BIN)/ruff check --fix .

# The everyday loop: everything but the real-server, full-flow and browser tests (CI runs all).
test-fast: $(BIN)/comention
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow"

clean:
	rm -rf $(SAMPLE) $(OUT) $(DB) .prefect .pytest_cache
