"""The root `Query` type and the schema."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from functools import partial
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError, OperationDefinitionNode
from strawberry import relay
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.printer import print_schema
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType as StrawberryOperationType

from ..limits import limit_extensions
from ..lru import LRUCache
from ..ratelimit import RateLimitExtension
from ..settings import Settings
from .engine import Executor, PlanCache
from .inputs import ClusterWhere, RecognitionLevel
from .mutations import Mutation
from .subscriptions import live_type
from .types import (
    NODE_CLASSES,
    WHERE_ARG,
    After,
    Batch,
    Before,
    City,
    Cluster,
    County,
    Enterprise,
    First,
    Industry,
    Last,
    NearbyClusterConnection,
    NumericAggregate,
    Province,
    RecognitionYear,
    answered_by_engine,
    list_field,
)

PARSER_CACHE_SIZE = 512
VALIDATION_CACHE_SIZE = 512


_ID_ARG = "The node's global ID, or its key."


def node_field(target: str, description: str) -> Any:
    """A root field fetching one `target` node by its global ID or its key."""

    def resolve(id: strawberry.ID) -> Any:
        return answered_by_engine()

    resolve.__annotations__ = {
        "id": Annotated[strawberry.ID, strawberry.argument(description=_ID_ARG)],
        "return": NODE_CLASSES[target] | None,
    }
    return strawberry.field(resolver=resolve, description=description)


# --- statistics ----------------------------------------------------------------------------------------------


@strawberry.type(description="A label and its number of nodes.")
class LabelCount:
    label: str = strawberry.field(
        description="Node label (or, in the deprecated relationshipCounts, a type)."
    )
    count: int = strawberry.field(description="How many.")


@strawberry.type(description="A relationship type and its number of relationships.")
class RelationshipTypeCount:
    type: str = strawberry.field(description="Relationship type, e.g. LOCATED_IN.")
    count: int = strawberry.field(description="How many relationships of the type.")


@strawberry.type(description="A city and its number of clusters.")
class CityCount:
    city: City = strawberry.field(description="The city.")
    count: int = strawberry.field(description="Number of clusters.")


@strawberry.type(description="An industry and its number of clusters.")
class IndustryClusterCount:
    industry: Industry = strawberry.field(description="The industry.")
    count: int = strawberry.field(description="Number of clusters.")


@strawberry.type(description="A level and its number of clusters.")
class LevelCount:
    level: RecognitionLevel = strawberry.field(description="The level.")
    count: int = strawberry.field(
        description="Number of clusters (or recognitions, where the field says so)."
    )


@strawberry.type(description="The recognitions of one year at one level: the timeline.")
class TimelineEntry:
    year: int | None = strawberry.field(
        description="The year; null gathers the recognitions of unknown year."
    )
    level: RecognitionLevel = strawberry.field(description="The level.")
    cluster_count: int = strawberry.field(description="Clusters recognised that year at that level.")
    new_cluster_count: int = strawberry.field(
        description="Of those, clusters with no dated recognition before."
    )


@strawberry.type(description="How much of an official list the graph names.")
class BatchCoverage:
    batch: Batch = strawberry.field(description="The official list.")
    official_count_sichuan: int | None = strawberry.field(
        description="Official number of Sichuan clusters on the list (`Batch.officialCountSichuan`; not the "
        "nationwide `Batch.officialCount`); null if unknown."
    )
    official_count: int | None = strawberry.field(
        description="Official number of Sichuan clusters; null if unknown.",
        deprecation_reason="Use officialCountSichuan: this is the Sichuan count, while Batch.officialCount is the "
        "nationwide size of the list.",
    )
    named_count: int = strawberry.field(description="Recognitions of the batch that the graph names.")
    missing_count: int | None = strawberry.field(
        description="Official minus named; null when the official is unknown."
    )
    ratio: float | None = strawberry.field(description="Named / official; null when the official is unknown.")


@strawberry.type(description="Counts and sums over the whole graph, computed in Cypher.")
class Stats:
    label_counts: list[LabelCount] = strawberry.field(description="Number of nodes of each label.")
    relationship_type_counts: list[RelationshipTypeCount] = strawberry.field(
        description="Number of relationships of each type."
    )
    relationship_counts: list[LabelCount] = strawberry.field(
        description="Number of relationships of each type, the type under `label`.",
        deprecation_reason="Use relationshipTypeCounts, whose items name the type `type`.",
    )
    clusters_by_industry: list[IndustryClusterCount] = strawberry.field(
        description="Clusters per industry, most first."
    )
    clusters_by_city: list[CityCount] = strawberry.field(
        description="Clusters per city (all 21, including those with none), most first."
    )
    clusters_by_level: list[LevelCount] = strawberry.field(
        description="Clusters with at least one recognition at each level."
    )
    undated_recognitions: list[LevelCount] = strawberry.field(
        description="Recognitions whose year no source states, per level."
    )
    timeline: list[TimelineEntry] = strawberry.field(
        description="Clusters per year and level, with how many were new that year."
    )
    output_value_cny: NumericAggregate = strawberry.field(
        description="Stated output values of clusters (yuan), over those that have one."
    )
    coverage: list[BatchCoverage] = strawberry.field(
        description="For each official list: official size in Sichuan against what the graph names."
    )


# --- search and paths ----------------------------------------------------------------------------------------

SearchResult = Annotated[
    Cluster | Enterprise | City | County | Industry | Province | Batch,
    strawberry.union("SearchResult", description="A node found by full-text search."),
]


@strawberry.type(description="A search result and its relevance score.")
class SearchHit:
    score: float = strawberry.field(description="Full-text relevance; higher is better.")
    node: SearchResult = strawberry.field(description="The node found.")


@strawberry.type(description="A relationship along a path.")
class PathRelationship:
    type: str = strawberry.field(description="Relationship type, e.g. LOCATED_IN.")
    start: relay.Node = strawberry.field(description="The node it starts from.")
    end: relay.Node = strawberry.field(description="The node it points to.")


@strawberry.type(description="The shortest connection between two nodes.")
class Path:
    length: int = strawberry.field(description="Number of relationships.")
    nodes: list[relay.Node] = strawberry.field(
        description="The nodes along the path, from the first to the last."
    )
    relationships: list[PathRelationship] = strawberry.field(description="The relationships, in path order.")


# --- the root ------------------------------------------------------------------------------------------------


@strawberry.type(description="Sichuan's special SME industrial clusters as a knowledge graph.")
class Query:
    """The root fields. Their functions only declare arguments: the read engine answers every query."""

    @strawberry.field(
        description="Any node by its global ID (an `id` this API returned: base64 of `Type:key`); null when there "
        "is none. A plain key is refused with an error, as it does not say the type: fetch it with the typed "
        'field (`city(id: "510100")`).'
    )
    def node(
        self, id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")]
    ) -> relay.Node | None:
        return answered_by_engine()  # type: ignore[no-any-return]

    @strawberry.field(description="Nodes by their global IDs, in the same order (null where there is none).")
    def nodes(
        self, ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs.")]
    ) -> list[relay.Node | None]:
        return answered_by_engine()  # type: ignore[no-any-return]

    province = node_field("Province", "A province.")

    cluster = node_field("Cluster", "A cluster.")

    city = node_field("City", "A city (prefecture-level division).")

    county = node_field("County", "A county-level division.")

    industry = node_field("Industry", "An industry.")

    enterprise = node_field("Enterprise", "An enterprise.")

    batch = node_field("Batch", "An official list (batch).")

    recognition = node_field("Recognition", "A recognition (its key is `<cluster key>/<level>`).")

    batch_figure = node_field(
        "BatchFigure", "A figure a source states about an official list (its key is `<batch key>/<figure>`)."
    )

    @strawberry.field(description="A recognition year.")
    def recognition_year(
        self, year: Annotated[int, strawberry.argument(description="The year, e.g. 2024.")]
    ) -> RecognitionYear | None:
        return answered_by_engine()  # type: ignore[no-any-return]

    provinces = list_field("Province", "Provinces.", root=True)

    cities = list_field("City", "Cities (prefecture-level divisions).", root=True)

    counties = list_field("County", "County-level divisions with clusters.", root=True)

    industries = list_field("Industry", "The six advantageous industries.", root=True)

    clusters = list_field("Cluster", "Clusters.", root=True)

    enterprises = list_field("Enterprise", "Enterprises.", root=True)

    recognitions = list_field("Recognition", "Recognitions.", root=True)

    batches = list_field("Batch", "Official lists (batches).", root=True)

    recognition_years = list_field("RecognitionYear", "Recognition years.", root=True)

    batch_figures = list_field(
        "BatchFigure", "Figures the sources state about the official lists.", root=True
    )

    @strawberry.field(
        description="Clusters within `radiusKm` of a point, nearest first (equal distances by key), each with its "
        "distance; a cluster's location is its city's seat (`Cluster.location`). Pages both ways with cursors. "
        "Null, with its error, when an argument is refused (a latitude outside -90..90, a longitude outside "
        "-180..180, a radius not above 0 or beyond the maximum)."
    )
    def near(
        self,
        latitude: Annotated[float, strawberry.argument(description="Latitude of the point, -90 to 90.")],
        longitude: Annotated[float, strawberry.argument(description="Longitude of the point, -180 to 180.")],
        radius_km: Annotated[
            float, strawberry.argument(description="How far from the point, in km (above 0, at most 20,040).")
        ],
        where: Annotated[ClusterWhere | None, WHERE_ARG] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> NearbyClusterConnection | None:
        return answered_by_engine()  # type: ignore[no-any-return]

    @strawberry.field(description="Counts and sums over the whole graph (null, with its error, if it fails).")
    def stats(self) -> Stats | None:
        return answered_by_engine()  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Full-text search over names in Chinese and English (a cluster's other Chinese names and its leading "
            "sector too), accents ignored, the text searched as written (AND, OR, NOT are words); best first. "
            "Null, with its error, when an argument is refused."
        )
    )
    def search(
        self,
        text: Annotated[str, strawberry.argument(description="Words or characters to look for.")],
        first: Annotated[
            int, strawberry.argument(description="How many results (at most the max page size).")
        ] = 10,
    ) -> list[SearchHit] | None:
        return answered_by_engine()  # type: ignore[no-any-return]

    @strawberry.field(description="The shortest connection between two nodes (at most 12 relationships).")
    def path(
        self,
        from_: Annotated[
            strawberry.ID, strawberry.argument(name="from", description="Global ID of the start.")
        ],
        to: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the end.")],
    ) -> Path | None:
        return answered_by_engine()  # type: ignore[no-any-return]


#: Every root field of `Query` as a live query (see `live`).
Subscription = live_type(Query)


class TextValidationCache(SchemaExtension):
    """Validation results of the most recent distinct documents, keyed by their text.

    Strawberry's `ValidationCache` keys its cache by the parsed document, which hashes the whole syntax tree on every
    request; the text gives the same document (the parser is deterministic) and hashes once. Bounded: a public
    endpoint cannot grow it without end.
    """

    def __init__(
        self,
        *,
        execution_context: Any = None,
        results: LRUCache[Any, list[Any]],
        hide_suggestions: bool = False,
    ) -> None:
        super().__init__(execution_context=execution_context)
        self._results = results
        self._hide_suggestions = hide_suggestions

    def on_validate(self) -> Iterator[None]:
        from graphql import validate
        from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
        from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

        ec = self.execution_context
        if ec.graphql_document is None:  # not parsed: nothing to validate
            yield
            return
        rules = tuple(ec.validation_rules)
        key = (ec.schema._schema, ec.query or "", rules)
        if key in self._results:
            errors = self._results[key]
        else:
            # Strawberry's `validate_document`, with graphql-core's "Did you mean ...?" hidden in production.
            errors = validate(
                ec.schema._schema,
                ec.graphql_document,
                (*rules, MaybeNullValidationRule, OneOfInputValidationRule),
                hide_suggestions=self._hide_suggestions,
            )
            self._results[key] = errors
        ec.pre_execution_errors = [*(list_filter_hint(e) for e in errors), *operation_choice_errors(ec)]
        yield


_UNKNOWN_LIST_FILTER_FIELD = re.compile(
    r"^Expected value of type '(?P<type>\w+)ListFilter' not to include unknown field '(?P<field>\w+)'"
)


def list_filter_hint(error: GraphQLError) -> GraphQLError:
    """A filter of a to-many relationship that names a field of the related type directly
    (`recognitions: {level: ...}`) gets the way to say it: the list takes some/none/all/count."""
    found = _UNKNOWN_LIST_FILTER_FIELD.match(error.message)
    if found is None or found["field"] in ("some", "none", "all", "count"):
        return error
    field = found["field"]
    hint = (
        f" A relationship to many is a list of {found['type']} nodes: filter it with some, none or all (or count), "
        f"e.g. {{some: {{{field}: ...}}}}."
    )
    return GraphQLError(error.message + hint, error.nodes, extensions=error.extensions)


def operation_choice_errors(ec: Any) -> list[GraphQLError]:
    """The request error of a document of several operations sent without `operationName`.

    Strawberry falls back on the document's first operation (`ExecutionContext.operation_name`); GraphQL asks for a
    request error instead (spec, GetOperation). The name the client gave is read before that fallback.
    """
    given = getattr(ec, "_provided_operation_name", None)  # Strawberry keeps the client's name there
    document = ec.graphql_document
    if given is not None or document is None:
        return []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) < 2:
        return []
    names = ", ".join(op.name.value for op in operations if op.name is not None)
    return [
        GraphQLError(
            "Must provide operation name if query contains multiple operations. "
            f"Send operationName with one of the document's operations{f' ({names})' if names else ''}.",
            extensions={"code": "BAD_REQUEST"},
        )
    ]


class ProductionExecutor(Executor):
    """The engine's execution context, without graphql-core's "Did you mean ...?" in variable errors: a public
    service does not list the names of its schema to whoever guesses at them."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)


class ClusterGraphSchema(strawberry.Schema):
    """The Strawberry schema with the caches it owns: the engine's plans (`plans`, None when not cached) and the
    validation results of recent documents."""

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        self.validation_results: LRUCache[Any, list[Any]] = LRUCache(VALIDATION_CACHE_SIZE)
        super().__init__(
            execution_context_class=ProductionExecutor if settings.production else Executor,
            extensions=[
                partial(ParserCache, maxsize=PARSER_CACHE_SIZE),
                # Before the cost limit: its check runs after the estimate (see `ratelimit`).
                partial(
                    RateLimitExtension,
                    default_page_size=settings.default_page_size,
                    max_page_size=settings.max_page_size,
                    max_cost=settings.max_query_cost,
                ),
                *limit_extensions(settings),
                partial(
                    TextValidationCache, results=self.validation_results, hide_suggestions=settings.production
                ),
            ],
            **kwargs,
        )
        self.plans: PlanCache | None = (
            PlanCache(settings.plan_cache_size) if settings.plan_cache_size > 0 else None
        )

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Strawberry's logging of errors, but for a live query's answers: the read that made an answer logged its
        errors once, and its subscribers do not log them again each (a failure with a cause still is)."""
        if _is_live_answer(execution_context):
            errors = [e for e in errors if e.original_error is not None]
        if errors:
            super().process_errors(errors, execution_context)

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        """Strawberry's (subscriptions, and any operation over WebSocket or SSE), with a refusal that a limit raises
        from its hook (the cost estimate, once the document is valid) given as the stream's pre-execution error,
        as `execute` gives it, instead of failing the stream."""
        return _refusals_as_errors(await super().stream(*args, **kwargs))


def _is_live_answer(execution_context: Any) -> bool:
    if execution_context is None or execution_context.graphql_document is None:
        return False
    try:
        return execution_context.operation_type is StrawberryOperationType.SUBSCRIPTION
    except RuntimeError:  # no such operation: a request error, logged as such
        return False


async def _refusals_as_errors(results: AsyncIterator[Any]) -> AsyncGenerator[Any, None]:
    started = False
    try:
        async for result in results:
            started = True
            yield result
    except GraphQLError as error:
        if started:
            raise
        yield PreExecutionError(data=None, errors=[error])
    finally:
        aclose = getattr(results, "aclose", None)
        if aclose is not None:
            await aclose()


def create_schema(settings: Settings | None = None) -> ClusterGraphSchema:
    """The GraphQL schema, with bounded plan, parser and validation caches and the limits of `settings` (see
    `limits`).

    Without settings, the defaults (no environment, no `.env`) apply. The limits do not change the SDL.
    """
    settings = settings or Settings(_env_file=None)
    return ClusterGraphSchema(
        settings,
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(NODE_CLASSES.values()),
    )


def schema_sdl() -> str:
    """The schema as SDL, as committed in schema/schema.graphql."""
    return print_schema(create_schema()) + "\n"
