"""OpenTelemetry tracing: off unless the standard `OTEL_*` environment variables ask for it.

`configure()` (called by `create_app`) turns tracing on when `OTEL_TRACES_EXPORTER` names an exporter other than
`none` (`console`, or `otlp`: OTLP over HTTP/protobuf) or when
`OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; the service name is
`OTEL_SERVICE_NAME` (the SDK reads it; default `clustergraph`). Off, every helper here returns at once: no span,
no context, no attribute is made.

Spans: one per GraphQL request (`view`), a child of the caller's W3C `traceparent` when one is sent; one for
planning, with `clustergraph.plan_cache` `hit` or `miss` (`graphql.engine`); one per Cypher statement (`db`), with
`db.system` `neo4j` and `db.statement` the statement's text: never its parameters, which hold the request's values.
Every span carries `clustergraph.request_id`, the request's X-Request-ID.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

import structlog
from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

log = structlog.get_logger("clustergraph")

REQUEST_ID = "clustergraph.request_id"
PLAN_CACHE = "clustergraph.plan_cache"

#: The tracer when tracing is on; None (the default) is the no-overhead path.
_tracer: Tracer | None = None
_propagator = TraceContextTextMapPropagator()


def enabled() -> bool:
    return _tracer is not None


def _exporter_from_env(env: Mapping[str, str]) -> SpanExporter | None:
    names = [n.strip().lower() for n in env.get("OTEL_TRACES_EXPORTER", "").split(",") if n.strip()]
    endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not names and endpoint:
        names = ["otlp"]
    if not names or names == ["none"]:
        return None
    name = names[0]
    if name == "console":
        return ConsoleSpanExporter()
    if name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter: SpanExporter = OTLPSpanExporter()  # reads OTEL_EXPORTER_OTLP_* itself
        return exporter
    raise ValueError(f"OTEL_TRACES_EXPORTER={name} is not supported here: use otlp, console or none")


def configure(env: Mapping[str, str] | None = None) -> bool:
    """Turn tracing on when the environment asks for it (see the module's doc); True when it is on."""
    exporter = _exporter_from_env(os.environ if env is None else env)
    if exporter is None:
        return enabled()
    enable(BatchSpanProcessor(exporter))
    log.info("tracing_on", exporter=type(exporter).__name__)
    return True


def enable(processor: SpanProcessor) -> TracerProvider:
    """Trace to `processor` (tests pass a SimpleSpanProcessor over an in-memory exporter)."""
    global _tracer
    name = os.environ.get("OTEL_SERVICE_NAME") or "clustergraph"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(processor)
    _tracer = provider.get_tracer("clustergraph")
    return provider


def disable() -> None:
    global _tracer
    _tracer = None


@contextlib.contextmanager
def request_span(
    name: str, headers: Mapping[str, str], request_id: str | None, attributes: dict[str, Any]
) -> Iterator[Span | None]:
    """The span of one request, a child of the caller's `traceparent` when it sends one; None when off."""
    tracer = _tracer
    if tracer is None:
        yield None
        return
    parent = _propagator.extract(carrier=dict(headers))
    attrs = {**attributes, REQUEST_ID: request_id or ""}
    with tracer.start_as_current_span(name, context=parent, kind=SpanKind.SERVER, attributes=attrs) as span:
        yield span


@contextlib.contextmanager
def span(
    name: str, request_id: str | None, attributes: dict[str, Any] | None = None
) -> Iterator[Span | None]:
    """A span in the current trace (planning, a statement); None when off."""
    tracer = _tracer
    if tracer is None:
        yield None
        return
    attrs = {**(attributes or {}), REQUEST_ID: request_id or ""}
    with tracer.start_as_current_span(name, attributes=attrs) as current:
        yield current


def statement_span(statement: str, request_id: str | None) -> contextlib.AbstractContextManager[Span | None]:
    """The span of one Cypher statement: its text, never its parameters."""
    if _tracer is None:
        return contextlib.nullcontext()
    return span("neo4j.query", request_id, {"db.system": "neo4j", "db.statement": statement})


__all__ = ["configure", "disable", "enable", "enabled", "request_span", "span", "statement_span", "trace"]
