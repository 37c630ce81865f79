# The task runner. `make run` and `make test` are the two commands of the README's quick start; CI runs `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
CG := .venv/bin/clustergraph

# The test suite's own Neo4j: other ports, other data folder, so tests never touch the data of `make run`.
TEST_NEO4J_ENV := NEO4J_URI= LOCAL_NEO4J_INSTANCE=test LOCAL_NEO4J_BOLT_PORT=7688 LOCAL_NEO4J_HTTP_PORT=7475 \
	LOCAL_NEO4J_HEAP=768m LOCAL_NEO4J_PAGECACHE=256m
TEST_NEO4J_URI := bolt://127.0.0.1:7688


.PHONY: help install run serve neo4j-start neo4j-stop neo4j-status test test-neo4j-start test-neo4j-stop \
	soak soak-abuse lint format typecheck check export-schema export-cookbook playground lock clean

help:
	@echo "make run      install, start the local Neo4j (unless NEO4J_URI is set), migrate, load data/, serve :8000"
	@echo "make test     install, start the test Neo4j (ports 7688/7475), run the whole test suite, stop it"
	@echo "make check    lint, format check, type check"
	@echo "make soak     concurrent reads and writes while a Neo4j of its own restarts; checks nothing is lost"
	@echo "make soak-abuse  ordinary queries while others send abusive requests; checks the ordinary p99 and refusals"
	@echo "make bench    ClusterGraph against @neo4j/graphql and raw Cypher (bench/README.md)"
	@echo "make neo4j-start | neo4j-stop | neo4j-status     the local development Neo4j"
	@echo "make playground  rebuild GraphiQL's committed bundle from its package-lock.json (needs npm)"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --quiet

run: install
	$(CG) neo4j start
	$(CG) migrate
	$(CG) load
	$(CG) serve

serve: install
	$(CG) serve

neo4j-start: install
	$(CG) neo4j start

neo4j-stop: install
	$(CG) neo4j stop

neo4j-status: install
	$(CG) neo4j status

test-neo4j-start: install
	$(TEST_NEO4J_ENV) $(CG) neo4j start

test-neo4j-stop: install
	$(TEST_NEO4J_ENV) $(CG) neo4j stop

# With CLUSTERGRAPH_TEST_NEO4J_URI set, the tests use that (disposable!) server and nothing local is started.
test: install
	@if [ -n "$$CLUSTERGRAPH_TEST_NEO4J_URI" ]; then \
		.venv/bin/pytest $(PYTEST_ARGS); \
	else \
		$(TEST_NEO4J_ENV) $(CG) neo4j start || exit 1; \
		CLUSTERGRAPH_TEST_NEO4J_URI=$(TEST_NEO4J_URI) .venv/bin/pytest $(PYTEST_ARGS); rc=$$?; \
		$(TEST_NEO4J_ENV) $(CG) neo4j stop; \
		exit $$rc; \
	fi

# Concurrent reads and writes while Neo4j restarts (its own instance on 7689/7476, loopback only, bounded).
soak: install
	$(CG) soak --observability --seconds $(or $(SOAK_SECONDS),30) --clients $(or $(SOAK_CLIENTS),8)

soak-abuse: install
	$(CG) soak --abuse --seconds $(or $(SOAK_SECONDS),30) --clients $(or $(SOAK_CLIENTS),4) \
		--abusers $(or $(SOAK_ABUSERS),4)

lint: install
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench

format: install
	.venv/bin/ruff format src tests bench
	.venv/bin/ruff check --fix src tests bench

typecheck: install
	.venv/bin/mypy

check: lint typecheck

export-schema: install
	$(CG) export-schema

# The README's cookbook as the data GraphiQL lists (the installed package has no README); a test checks it.
export-cookbook: install
	.venv/bin/python -m clustergraph.playground.cookbook README.md

# GraphiQL's bundle in src/clustergraph/playground/static/, committed: `npm ci` installs the packages of its
# package-lock.json (integrity checked), esbuild bundles them. Only for changing them: installing needs no npm.
PLAYGROUND := src/clustergraph/playground
playground:
	@command -v npm >/dev/null || { echo "make playground needs Node.js 20+ and npm (apt-get install nodejs npm)" >&2; exit 1; }
	cd $(PLAYGROUND) && npm ci --no-audit --no-fund && node build.mjs

lock: $(UV)
	$(UV) lock

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache

# The benchmark (bench/README.md): ClusterGraph against @neo4j/graphql and hand-written Cypher, on a Neo4j of its
# own (instance `bench`, ports 7690/7477). SIZE=small is the real dataset, medium a synthetic graph, large the
# scaling run (small, medium, large). Needs wrk (`apt-get install -y wrk`) and Node.js 20+; BENCH_ARGS adds options.
SIZE ?= small
.PHONY: bench bench-smoke bench-reference
bench: install
	.venv/bin/python bench/run.py --size $(SIZE) $(BENCH_ARGS)

# Live queries: 1,000 subscribers on one worker across 100 documents, writes in Cypher and through the API, idle CPU
# and memory per subscriber (bench/live.py; the bench instance with the real dataset; BENCH_LIVE_ARGS adds options).
.PHONY: bench-live
bench-live: install
	.venv/bin/python bench/live.py $(BENCH_LIVE_ARGS)

# The reference run whose results are committed (bench/results/reference-<size>.json, not git-ignored): the
# defaults of `make bench`, on a machine doing nothing else. Commit the file with the README figures taken from it.
.PHONY: bench-reference
bench-reference: install
	.venv/bin/python bench/run.py --size $(SIZE) --output bench/results/reference-$(SIZE).json $(BENCH_ARGS)

# A few seconds: tiny synthetic graph, ClusterGraph only, no npm (what tests/integration/test_bench_smoke.py runs).
bench-smoke: install
	.venv/bin/python bench/run.py --smoke $(BENCH_ARGS)
