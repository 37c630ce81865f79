"""OpenTelemetry tracing: a cookbook query, sent with a W3C traceparent, leaves a request span under the caller's
span, a planning span (plan cache hit or miss) and one span per Cypher statement, with the statement's text and
none of its parameter values; every span carries the request id."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from test_cookbook import BLOCKS

from clustergraph import tracing
from conftest import STATEMENTS

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.enable(SimpleSpanProcessor(exporter))
    try:
        yield exporter
    finally:
        tracing.disable()


def _values(value: Any) -> Iterator[str]:
    """The scalar values inside a statement's parameters, as text."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _values(item)
    elif isinstance(value, str) and len(value) >= 3:
        yield value


def test_cookbook_query_is_traced_under_the_callers_traceparent(
    client: Any, dataset_graph: Driver, spans: InMemorySpanExporter
) -> None:
    block = BLOCKS[0]
    # A document of its own (a comment differs), so that its first plan is surely a miss.
    query = f"# traced {uuid.uuid4()}\n{block.query}"
    traceparent = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"
    answers = []
    for _ in range(2):
        spans.clear()
        response = client.post(
            "/graphql",
            json={"query": query, "variables": block.variables or {}},
            headers={"traceparent": traceparent},
        )
        assert response.status_code == 200
        assert "errors" not in response.json()
        answers.append((response, list(spans.get_finished_spans())))

    for attempt, (response, finished) in enumerate(answers):
        request_id = response.headers["x-request-id"]
        by_name: dict[str, list[Any]] = {}
        for span in finished:
            by_name.setdefault(span.name, []).append(span)
            assert span.attributes[tracing.REQUEST_ID] == request_id, span.name
            assert format(span.context.trace_id, "032x") == TRACE_ID, span.name

        (request_span,) = by_name["POST /graphql"]
        assert request_span.parent is not None
        assert format(request_span.parent.span_id, "016x") == PARENT_SPAN_ID
        assert request_span.parent.is_remote

        (plan_span,) = by_name["graphql.plan"]
        assert plan_span.parent.span_id == request_span.context.span_id
        assert plan_span.attributes[tracing.PLAN_CACHE] == ("miss" if attempt == 0 else "hit")

        sent = STATEMENTS.sent(response)
        assert sent, "the request sent no statement"
        statement_spans = sorted(by_name["neo4j.query"], key=lambda s: s.start_time)
        assert [s.attributes["db.statement"] for s in statement_spans] == [text for text, _ in sent]
        for span in statement_spans:
            assert span.attributes["db.system"] == "neo4j"
            assert span.parent.span_id == request_span.context.span_id
        secrets = {value for _, params in sent for value in _values(params)}
        for span in finished:
            for name, value in span.attributes.items():
                if name == "db.statement":
                    continue
                assert str(value) not in secrets, (span.name, name)
            assert not any(k.startswith("db.") and "param" in k for k in span.attributes), span.name


def test_tracing_off_makes_no_span(client: Any, dataset_graph: Driver) -> None:
    exporter = InMemorySpanExporter()
    assert not tracing.enabled()
    response = client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 200
    assert exporter.get_finished_spans() == ()
    assert tracing.configure({}) is False
    assert tracing.configure({"OTEL_TRACES_EXPORTER": "none"}) is False
