# ASPnet Atlas: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test venv dev db secret chromium servers bench lint screenshots clean cluster cluster-stop

run: venv db secret
	$(VENV)/bin/streamlit run serve.py --server.port $(PORT)

venv: $(VENV)/.installed
dev: $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(VENV)/.installed-bench: requirements-bench.txt $(VENV)/.installed-dev
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	@touch $@

# The demo network is built once into ASPNET_DB (default data/aspnet.duckdb); delete the file
# (or run the CLI with --force) to rebuild.
db: venv
	@$(PY) -m aspnet_data demo --if-missing

# The login cookie is signed with a secret from the environment or a git-ignored file.
secret:
	@if [ -z "$$ASPNET_COOKIE_SECRET" ] && [ ! -s .cookie_secret ]; then \
		umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(48))" > .cookie_secret && \
		echo "created .cookie_secret"; fi

# Debian's Chromium for the end-to-end tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# PostgreSQL (the suite starts a throwaway cluster of its own) and HAProxy (the replicas'
# balancer), from Debian's packages.
servers:
	@{ ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v haproxy >/dev/null 2>&1; } || \
		{ apt-get update -qq && apt-get install -y -qq postgresql haproxy >/dev/null; }

# N replicas behind HAProxy on $(PORT) over one PostgreSQL (ASPNET_DATABASE_URL, else a local
# cluster in .cluster/postgres holding the demo); `make cluster-stop` ends them.
REPLICAS ?= 2
cluster: venv secret servers
	$(PY) -m ops.cluster start --replicas $(REPLICAS) --port $(PORT)

cluster-stop:
	$(PY) -m ops.cluster stop

# axe-core for the accessibility scan, at the version package-lock.json pins (injected into
# the pages by the browser tests; nothing is fetched while the tests run).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Lint, the browser tests and the data-layer and page tests run side by side on the machine's
# CPUs: the browser tests two files at a time (each file runs a real server and Chromium, and
# mostly waits on them); lint and the data-layer and page tests (in two processes) at a lower
# priority, so that they take the CPU the browser tests leave while these wait, and never hold
# a browser test up past its timeouts. Their reports follow the browser tests'. Every part
# runs; make fails if any failed.
test: dev chromium servers node_modules/.installed
	@mkdir -p test-artifacts; \
	nice -n 10 $(MAKE) --no-print-directory lint > test-artifacts/lint.log 2>&1 & lint_pid=$$!; \
	nice -n 10 $(PY) -m pytest -q -n 2 --durations=15 tests/unit tests/pages > test-artifacts/unit.log 2>&1 & unit_pid=$$!; \
	$(PY) -m pytest -n 2 --dist loadfile --durations=15 -m "not screenshots" tests/e2e; e2e=$$?; \
	wait $$lint_pid; lint=$$?; \
	wait $$unit_pid; unit=$$?; \
	echo "== lint (test-artifacts/lint.log) =="; cat test-artifacts/lint.log; \
	echo "== data-layer and page tests (test-artifacts/unit.log) =="; \
	grep -v '^\.*  *\[ *[0-9]*%\]$$' test-artifacts/unit.log | tail -n 200; \
	test $$lint -eq 0 -a $$unit -eq 0 -a $$e2e -eq 0

# The pages in French and Spanish at 1400 and 390 px, into test-artifacts/ (not part of make
# test: pictures for a person to look at before a release).
screenshots: dev chromium
	$(PY) -m pytest -m screenshots tests/e2e

# The style the tree keeps: ruff's lint and format, mypy on the data layer and the Streamlit glue.
lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

# Networks of 10,000, 100,000 and 1,000,000 institutions (built once into bench/cache/),
# Datasette as the peer, 20 browsers at once; writes bench/results/latest.md and .json.
bench: $(VENV)/.installed-bench chromium
	$(PY) bench/run.py $(BENCH_ARGS)
