"""The `clustergraph` command: the local Neo4j, migrations, loading, serving and exporting the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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

    settings = _settings()
    uvicorn.run(
        "clustergraph.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        reload=reload,
        log_level=settings.log_level,
        access_log=False,
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


def main() -> None:
    """Entry point of the `clustergraph` script."""
    app()
