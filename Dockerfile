# syntax=docker/dockerfile:1
# The ClusterGraph API: `docker build -t clustergraph .` (or `docker compose build`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

# The same uv as the Makefile's UV_VERSION.
RUN pip install --no-cache-dir --disable-pip-version-check uv==0.13.9

RUN groupadd --system --gid 10001 clustergraph \
    && useradd --system --uid 10001 --gid clustergraph --create-home --home-dir /home/clustergraph \
        --shell /usr/sbin/nologin clustergraph

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock file or pyproject.toml change.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

# The project itself. src/clustergraph/cypher/schema.cypher, explore.cypher and clustergraph.grass (the last two make
# the Neo4j Browser guide and style) are symlinks into ../../../cypher/, so cypher/ is copied next to src/ and the
# links resolve inside the image. README.md is the package's readme (pyproject.toml).
# GraphiQL's bundle comes with src/ (src/clustergraph/playground/static/, committed; built from npm by `make
# playground`), so the image needs no Node.js; its node_modules/, if any, stays out (.dockerignore).
COPY README.md ./
COPY src/ src/
COPY cypher/ cypher/
COPY data/ data/
COPY schema/ schema/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev \
    && test -f src/clustergraph/cypher/schema.cypher -a -f src/clustergraph/cypher/explore.cypher \
        -a -f src/clustergraph/cypher/clustergraph.grass \
    && test -f src/clustergraph/playground/static/graphiql.js \
    && test -f src/clustergraph/playground/static/graphql.worker.js

ENV PATH="/app/.venv/bin:$PATH" \
    HOST=0.0.0.0 \
    PORT=8000

USER clustergraph

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz\", timeout=4)"]

CMD ["clustergraph", "serve", "--host", "0.0.0.0"]
