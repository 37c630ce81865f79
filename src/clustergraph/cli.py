"""The `clustergraph` command: the local Neo4j, migrations, loading, serving and exporting the schema."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .settings import Settings

app = typer.Typer(
    help="ClusterGraph: Sichuan's SME industrial clusters as a GraphQL knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
)
neo4j_app = typer.Typer(
    help="Run a real Neo4j Community server locally (no Docker needed).", no_args_is_help=True
)
app.add_typer(neo4j_app, name="neo4j")


def _settings() -> Settings:
    return Settings()


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@neo4j_app.command("start")
def neo4j_start() -> None:
    """Fetch Neo4j from Maven Central if needed, start it in the background, return once Bolt answers."""
    from . import neo4j_server

    settings = _settings()
    if not settings.uses_local_neo4j:
        typer.echo(f"NEO4J_URI is set ({settings.neo4j_uri}): using that server, not starting a local one.")
        return
    try:
        instance = neo4j_server.start(settings)
    except neo4j_server.Neo4jServerError as exc:
        _fail(str(exc))
        return
    typer.echo(f"Neo4j '{instance.name}' is up: Bolt {instance.bolt_uri}, Browser {instance.browser_url}")


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """Stop the local server cleanly; its data stays for the next start."""
    from . import neo4j_server

    settings = _settings()
    stopped = neo4j_server.stop(settings)
    name = settings.local_neo4j_instance
    typer.echo(f"Neo4j '{name}' stopped." if stopped else f"Neo4j '{name}' was not running.")


@neo4j_app.command("status")
def neo4j_status() -> None:
    """Say whether the local server runs (exit code 3 when it does not)."""
    from . import neo4j_server

    settings = _settings()
    typer.echo(neo4j_server.status(settings))
    if neo4j_server.running_pid(neo4j_server.instance_for(settings)) is None:
        raise typer.Exit(3)


@app.command()
def migrate() -> None:
    """Apply cypher/schema.cypher (constraints and indexes), idempotently."""
    from .db import create_driver
    from .db import migrate as run_migrate

    settings = _settings()
    with create_driver(settings) as driver:
        applied = run_migrate(driver, settings.neo4j_database)
    typer.echo(f"Schema applied: {applied} statements on {settings.bolt_uri} ({settings.neo4j_database}).")


@app.command()
def load(
    path: Annotated[
        Path | None, typer.Argument(help="Folder of the dataset's CSV files (default: data/).")
    ] = None,
) -> None:
    """Validate every row of the dataset, then load it in one transaction (nothing is written if a row is bad)."""
    from .dataset import DatasetError
    from .db import create_driver
    from .db import migrate as run_migrate
    from .loader import load_dataset

    settings = _settings()
    directory = path or settings.dataset_dir
    with create_driver(settings) as driver:
        run_migrate(driver, settings.neo4j_database)
        try:
            summary = load_dataset(driver, settings.neo4j_database, directory)
        except DatasetError as exc:
            _fail(str(exc))
            return
    typer.echo(f"Loaded {directory} into {settings.bolt_uri} ({settings.neo4j_database}):")
    for line in summary.lines():
        typer.echo(f"  {line}")


@app.command()
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write the dataset's CSV files into.")],
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the dataset's files in a non-empty folder.")
    ] = False,
) -> None:
    """Write the graph back as a dataset in the format of data/ (one CSV per kind, with sources and notes);
    data/SOURCES.md is copied alongside (it is prose, not read from the graph)."""
    from .db import create_driver
    from .export import ExportError, export_dataset

    settings = _settings()
    with create_driver(settings) as driver:
        try:
            written = export_dataset(
                driver,
                settings.neo4j_database,
                directory,
                force=force,
                sources_md=settings.dataset_dir / "SOURCES.md",
            )
        except ExportError as exc:
            _fail(str(exc))
            return
    typer.echo(f"Exported {settings.bolt_uri} ({settings.neo4j_database}) to {directory}:")
    typer.echo("  " + ", ".join(f"{file} {count}" for file, count in written.items()))


def _local_only(settings: Settings) -> None:
    if not settings.uses_local_neo4j:
        _fail(
            f"NEO4J_URI is set ({settings.neo4j_uri}): backup and restore work on the local server only; "
            "for docker compose see the README (Operations)."
        )


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="The dump file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing FILE.")] = False,
) -> None:
    """Dump the local server's database with neo4j-admin (stops the server, dumps, starts it again)."""
    from . import neo4j_server

    settings = _settings()
    _local_only(settings)
    _tell(lambda: neo4j_server.backup(settings, file, force=force))


def _tell(run: Callable[[], list[str]]) -> None:
    """Run a local-server operation and print what it says, or fail with its error."""
    from . import neo4j_server

    try:
        said = run()
    except neo4j_server.Neo4jServerError as exc:
        _fail(str(exc))
        return
    for line in said:
        typer.echo(line)


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A dump written by `clustergraph backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that is not empty.")] = False,
) -> None:
    """Load a dump into the local server's database with neo4j-admin (stops the server, loads, starts it again);
    refuses a database that is not empty, or a server that is not running (so not checked), without --force."""
    from . import neo4j_server
    from .cypher.statements import GRAPH_COUNTS
    from .db import create_driver

    settings = _settings()
    _local_only(settings)
    if not force:
        if neo4j_server.running_pid(neo4j_server.instance_for(settings)) is None:
            _fail("The local Neo4j is not running, so its database cannot be checked for data; pass --force.")
        with create_driver(settings) as driver:
            records, _, _ = driver.execute_query(GRAPH_COUNTS, database_=settings.neo4j_database)
        if records[0]["nodes"]:
            _fail(f"The database holds {records[0]['nodes']} nodes; pass --force to replace them.")
    _tell(lambda: neo4j_server.restore(settings, file))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default: settings HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings PORT).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="uvicorn worker processes (default: settings WORKERS).")
    ] = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql) with uvicorn."""
    import uvicorn
    from pydantic import ValidationError

    overrides: dict[str, Any] = {"host": host, "port": port, "workers": workers}
    try:
        # Built with the options given, so that the settings' checks (the development JWT secret only on loopback,
        # a shared bookmark key for several workers) see what will actually be served.
        settings = Settings(**{name: value for name, value in overrides.items() if value})
    except ValidationError as exc:
        _fail("; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors()))
        return
    if settings.trusted_documents is not None:
        from .documents import DocumentStore, ManifestError
        from .graphql.schema import create_schema

        try:
            # Checked here too, so that a bad manifest is one clear message rather than a worker's traceback.
            DocumentStore.from_settings(settings, create_schema(settings)._schema)
        except ManifestError as exc:
            _fail(str(exc))
            return
    served_workers = workers or settings.workers
    if served_workers > 1 and settings.metrics_on and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker counts in its own process: they keep their values in one folder, which /metrics sums.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="clustergraph-metrics-")
    uvicorn.run(
        "clustergraph.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=served_workers,
        reload=reload,
        log_level=settings.log_level,
        access_log=False,
        # At shutdown, in-flight requests get their own time limit to finish; streams that never do (a live query
        # over SSE) are then ended, so the worker exits (WebSockets are closed at once, with 1012).
        timeout_graceful_shutdown=max(1, math.ceil(settings.request_timeout_s)),
        # The client's address is the connection's peer unless TRUSTED_PROXIES says otherwise (`ratelimit`):
        # uvicorn's own X-Forwarded-For handling (on for 127.0.0.1 by default) would bypass that setting.
        proxy_headers=False,
    )


token_app = typer.Typer(help="Tokens for the API (JWT).", no_args_is_help=True)
app.add_typer(token_app, name="token")


def _parse_ttl(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit():
        raise typer.BadParameter(f"{text!r} is not a duration like 90s, 30m, 1h or 7d")
    return int(number) * units[unit]


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="reader, editor or admin.")] = "editor",
    ttl: Annotated[
        str, typer.Option(help="How long it is valid: 90s, 30m, 1h, 1d (at most JWT_MAX_LIFETIME_S).")
    ] = "1h",
    subject: Annotated[str, typer.Option(help="Who the token is for (the `sub` claim).")] = "local",
) -> None:
    """Print a signed token for local use: `Authorization: Bearer <token>`."""
    from .auth import Role, create_token

    try:
        parsed_role = Role(role)
    except ValueError:
        _fail(f"--role {role!r} is not one of reader, editor, admin")
        return
    try:
        token = create_token(_settings(), parsed_role, _parse_ttl(ttl), subject)
    except ValueError as exc:
        _fail(str(exc))
        return
    typer.echo(token)


@app.command()
def soak(
    seconds: Annotated[float, typer.Option(help="How long the clients run.")] = 30.0,
    clients: Annotated[int, typer.Option(help="Concurrent clients.")] = 8,
    max_requests: Annotated[int, typer.Option(help="Upper bound of requests per client.")] = 5_000,
    abuse: Annotated[
        bool, typer.Option(help="Ordinary queries while other clients send abusive requests, instead.")
    ] = False,
    abusers: Annotated[int, typer.Option(help="With --abuse: clients sending abusive requests.")] = 4,
    instance: Annotated[
        str, typer.Option(help="The soak's local Neo4j instance (its data is wiped).")
    ] = "soak",
    bolt_port: Annotated[int, typer.Option(help="Its Bolt port.")] = 7689,
    http_port: Annotated[int, typer.Option(help="Its HTTP port.")] = 7476,
    observability: Annotated[
        bool,
        typer.Option(
            help="Tracing (spans to the console exporter, counted, then discarded) and metrics on, /metrics "
            "scraped throughout: every page must parse and the request counter never go back."
        ),
    ] = False,
) -> None:
    """Concurrent reads and writes while Neo4j stops and starts (its own local instance), then checks; with
    --abuse, ordinary queries while introspection bombs, oversized GETs, cost probes and forged bookmarks arrive."""
    from .soak import run_abuse_soak, run_soak

    report: Any
    where = {"instance": instance, "bolt_port": bolt_port, "http_port": http_port}
    if abuse:
        report = run_abuse_soak(
            _settings(),
            seconds=seconds,
            clients=clients,
            abusers=abusers,
            max_requests=max_requests,
            instance=where,
        )
    else:
        report = run_soak(
            _settings(),
            seconds=seconds,
            clients=clients,
            max_requests=max_requests,
            instance=where,
            observability=observability,
        )
    for line in report.lines():
        typer.echo(line)
    for example in report.examples:
        typer.echo(f"  e.g. {example}")
    if not report.ok:
        raise typer.Exit(1)


@app.command("browser-guide")
def browser_guide_files(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write guide.html and clustergraph.grass into.")
    ],
) -> None:
    """Write the Neo4j Browser guide (generated from cypher/explore.cypher and the model) and the style sheet,
    for a Neo4j Browser served elsewhere (the local server and the API serve them already)."""
    from . import browser_guide

    for path in browser_guide.write_guide(directory):
        typer.echo(f"Wrote {path}")
    typer.echo(
        "Serve the folder over HTTP and set browser.post_connect_cmd="
        + browser_guide.post_connect_commands("<its URL>")
    )


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = Path("schema/schema.graphql"),
) -> None:
    """Write the GraphQL schema (SDL) exported from the code."""
    from .graphql.schema import schema_sdl

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(schema_sdl(), encoding="utf-8")
    typer.echo(f"Wrote {output}")


documents_app = typer.Typer(
    help="Trusted documents: the operations a frontend may run (TRUSTED_DOCUMENTS).", no_args_is_help=True
)
app.add_typer(documents_app, name="documents")


@documents_app.command("build")
def documents_build(
    directory: Annotated[
        Path, typer.Argument(help="Where the frontend's .graphql files are (searched recursively).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the manifest.")] = Path(
        "manifest.json"
    ),
) -> None:
    """Write the manifest of the .graphql documents under DIRECTORY ({"<sha256 of the file's text>": "<text>"}),
    after checking that each one runs on this service (syntax, schema, query limits); refuses to write it when one
    does not, naming the file and its operations."""
    import orjson

    from .documents import ManifestError, build_manifest
    from .graphql.schema import create_schema

    if not directory.is_dir():
        _fail(f"{directory} is not a folder")
        return
    settings = _settings()
    try:
        manifest = build_manifest(directory, create_schema(settings)._schema, settings)
    except ManifestError as exc:
        _fail(str(exc))
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    typer.echo(f"Wrote {output}: {len(manifest)} document(s) from {directory}")


def main() -> None:
    """Entry point of the `clustergraph` script."""
    app()
