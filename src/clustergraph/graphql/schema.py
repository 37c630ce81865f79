"""The root `Query` type and the schema."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import partial
from typing import Annotated, Any, ClassVar, cast

import strawberry
from strawberry import relay
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.printer import print_schema

from ..cypher_builder import QueryInputError
from ..graph_model import SEARCHABLE
from ..limits import limit_extensions
from ..lru import LRUCache
from ..settings import Settings
from .compiled import CompiledExecutor
from .inputs import (
    RecognitionLevel,
)
from .lists import (
    bad_input,
)
from .mutations import Mutation
from .types import (
    NODE_CLASSES,
    Batch,
    City,
    Cluster,
    County,
    Enterprise,
    Industry,
    Inf,
    NumericAggregate,
    Province,
    RecognitionYear,
    decode_id,
    list_field,
)

PARSER_CACHE_SIZE = 512
VALIDATION_CACHE_SIZE = 512


_ID_ARG = "The node's global ID, or its key."


def node_field(target: str, description: str) -> Any:
    """A root field fetching one `target` node by its global ID or its key."""

    async def resolve(info: Inf, id: str) -> Any:
        _type, key = decode_id(id, target)
        row = await info.context.loaders.node(target).load(key)
        return NODE_CLASSES[target].from_props(row) if row is not None else None

    resolve.__annotations__ = {
        "info": Inf,
        "id": Annotated[strawberry.ID, strawberry.argument(description=_ID_ARG)],
        "return": NODE_CLASSES[target] | None,
    }
    return strawberry.field(resolver=resolve, description=description)


async def _node(info: Inf, value: str) -> relay.Node | None:
    type_name, key = decode_id(value)
    row = await info.context.loaders.node(type_name).load(key)
    return NODE_CLASSES[type_name].from_props(row) if row is not None else None


# --- statistics ----------------------------------------------------------------------------------------------


@strawberry.type(description="A label and its number of nodes.")
class LabelCount:
    label: str = strawberry.field(description="Node label (or relationship type).")
    count: int = strawberry.field(description="How many.")


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
    official_count: int | None = strawberry.field(
        description="Official number of Sichuan clusters; null if unknown."
    )
    named_count: int = strawberry.field(description="Recognitions of the batch that the graph names.")
    missing_count: int | None = strawberry.field(
        description="Official minus named; null when the official is unknown."
    )
    ratio: float | None = strawberry.field(description="Named / official; null when the official is unknown.")


@strawberry.type(description="Counts and sums over the whole graph, computed in Cypher.")
class Stats:
    @strawberry.field(description="Number of nodes of each label.")
    async def label_counts(self, info: Inf) -> list[LabelCount]:
        return [
            LabelCount(label=r["label"], count=r["count"]) for r in await info.context.repo.stats("labels")
        ]

    @strawberry.field(description="Number of relationships of each type.")
    async def relationship_counts(self, info: Inf) -> list[LabelCount]:
        rows = await info.context.repo.stats("relationships")
        return [LabelCount(label=r["type"], count=r["count"]) for r in rows]

    @strawberry.field(description="Clusters per industry, most first.")
    async def clusters_by_industry(self, info: Inf) -> list[IndustryClusterCount]:
        rows = await info.context.repo.stats("by_industry")
        return [IndustryClusterCount(industry=Industry.from_props(r["node"]), count=r["count"]) for r in rows]

    @strawberry.field(description="Clusters per city (all 21, including those with none), most first.")
    async def clusters_by_city(self, info: Inf) -> list[CityCount]:
        rows = await info.context.repo.stats("by_city")
        return [CityCount(city=City.from_props(r["node"]), count=r["count"]) for r in rows]

    @strawberry.field(description="Clusters with at least one recognition at each level.")
    async def clusters_by_level(self, info: Inf) -> list[LevelCount]:
        rows = await info.context.repo.stats("by_level")
        return [LevelCount(level=RecognitionLevel(r["level"]), count=r["count"]) for r in rows]

    @strawberry.field(description="Recognitions whose year no source states, per level.")
    async def undated_recognitions(self, info: Inf) -> list[LevelCount]:
        rows = await info.context.repo.stats("undated")
        return [LevelCount(level=RecognitionLevel(r["level"]), count=r["count"]) for r in rows]

    @strawberry.field(description="Clusters per year and level, with how many were new that year.")
    async def timeline(self, info: Inf) -> list[TimelineEntry]:
        rows = await info.context.repo.stats("timeline")
        return [
            TimelineEntry(
                year=r["year"],
                level=RecognitionLevel(r["level"]),
                cluster_count=r["count"],
                new_cluster_count=r["newCount"],
            )
            for r in rows
        ]

    @strawberry.field(description="Stated output values of clusters (yuan), over those that have one.")
    async def output_value_cny(self, info: Inf) -> NumericAggregate:
        rows = await info.context.repo.stats("output_value")
        return NumericAggregate.from_map(rows[0])

    @strawberry.field(
        description="For each official list: official size in Sichuan against what the graph names."
    )
    async def coverage(self, info: Inf) -> list[BatchCoverage]:
        out = []
        for r in await info.context.repo.stats("coverage"):
            batch = Batch.from_props(r["node"])
            official = batch.official_count_sichuan
            named = r["named"]
            out.append(
                BatchCoverage(
                    batch=batch,
                    official_count=official,
                    named_count=named,
                    missing_count=max(official - named, 0) if official is not None else None,
                    ratio=named / official if official else None,
                )
            )
        return out


# --- search and paths ----------------------------------------------------------------------------------------

SearchResult = Annotated[
    Cluster | Enterprise | City | County | Industry | Province,
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
    @strawberry.field(description="Any node by its global ID; null when there is none.")
    async def node(
        self,
        info: Inf,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
    ) -> relay.Node | None:
        return await _node(info, id)

    @strawberry.field(description="Nodes by their global IDs, in the same order (null where there is none).")
    async def nodes(
        self, info: Inf, ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs.")]
    ) -> list[relay.Node | None]:
        if len(ids) > info.context.settings.max_page_size:
            raise bad_input(
                f"ids: {len(ids)} IDs is more than the maximum {info.context.settings.max_page_size}"
            )
        return list(await asyncio.gather(*[_node(info, i) for i in ids]))

    cluster = node_field("Cluster", "A cluster.")

    city = node_field("City", "A city (prefecture-level division).")

    county = node_field("County", "A county-level division.")

    industry = node_field("Industry", "An industry.")

    enterprise = node_field("Enterprise", "An enterprise.")

    batch = node_field("Batch", "An official list (batch).")

    @strawberry.field(description="A recognition year.")
    async def recognition_year(
        self, info: Inf, year: Annotated[int, strawberry.argument(description="The year, e.g. 2024.")]
    ) -> RecognitionYear | None:
        row = await info.context.loaders.node("RecognitionYear").load(str(year))
        return RecognitionYear.from_props(row) if row is not None else None

    provinces = list_field("Province", "Provinces.", root_list=True)

    cities = list_field("City", "Cities (prefecture-level divisions).", root_list=True)

    counties = list_field("County", "County-level divisions with clusters.", root_list=True)

    industries = list_field("Industry", "The six advantageous industries.", root_list=True)

    clusters = list_field("Cluster", "Clusters.", root_list=True)

    enterprises = list_field("Enterprise", "Enterprises.", root_list=True)

    recognitions = list_field("Recognition", "Recognitions.", root_list=True)

    batches = list_field("Batch", "Official lists (batches).", root_list=True)

    recognition_years = list_field("RecognitionYear", "Recognition years.", root_list=True)

    @strawberry.field(description="Counts and sums over the whole graph.")
    def stats(self) -> Stats:
        return Stats()

    @strawberry.field(description="Full-text search over names in Chinese and English; best first.")
    async def search(
        self,
        info: Inf,
        text: Annotated[str, strawberry.argument(description="Words or characters to look for.")],
        first: Annotated[
            int, strawberry.argument(description="How many results (at most the max page size).")
        ] = 10,
    ) -> list[SearchHit]:
        maximum = info.context.settings.max_page_size
        if not 0 <= first <= maximum:
            raise bad_input(f"first: {first} is not between 0 and {maximum}")
        if not text.strip():
            raise bad_input("text: give at least one word or character to search for")
        if len(text) > 200:
            raise bad_input(f"text: {len(text)} characters is more than the 200 a search takes")
        rows = await info.context.repo.search(text, first)
        return [
            SearchHit(
                score=r["score"], node=cast(SearchResult, NODE_CLASSES[r["label"]].from_props(r["node"]))
            )
            for r in rows
            if r["label"] in SEARCHABLE
        ]

    @strawberry.field(description="The shortest connection between two nodes (at most 12 relationships).")
    async def path(
        self,
        info: Inf,
        from_: Annotated[
            strawberry.ID, strawberry.argument(name="from", description="Global ID of the start.")
        ],
        to: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the end.")],
    ) -> Path | None:
        from_type, from_key = decode_id(from_)
        to_type, to_key = decode_id(to)
        ends = await asyncio.gather(
            info.context.loaders.node(from_type).load(from_key),
            info.context.loaders.node(to_type).load(to_key),
        )
        for arg, value, row in (("from", from_, ends[0]), ("to", to, ends[1])):
            if row is None:
                raise bad_input(f"{arg}: there is no node with ID {value!r}")
        if (from_type, from_key) == (to_type, to_key):
            row = await info.context.loaders.node(from_type).load(from_key)
            if row is None:
                return None
            return Path(length=0, nodes=[NODE_CLASSES[from_type].from_props(row)], relationships=[])
        try:
            found = await info.context.repo.shortest_path(from_type, from_key, to_type, to_key)
        except QueryInputError as exc:
            raise bad_input(str(exc)) from exc
        if found is None:
            return None
        nodes: list[relay.Node] = [NODE_CLASSES[n["label"]].from_props(n["node"]) for n in found["nodes"]]
        by_key = {(type(n).type_name, n.id): n for n in nodes}  # type: ignore[attr-defined]
        rels = [
            PathRelationship(
                type=r["type"],
                start=by_key[(r["startLabel"], r["start"])],
                end=by_key[(r["endLabel"], r["end"])],
            )
            for r in found["relationships"]
        ]
        return Path(length=len(rels), nodes=nodes, relationships=rels)


class TextValidationCache(SchemaExtension):
    """Validation results of the most recent distinct documents, keyed by their text.

    Strawberry's `ValidationCache` keys its cache by the parsed document, which hashes the whole syntax tree on every
    request; the text gives the same document (the parser is deterministic) and hashes once. Bounded: a public
    endpoint cannot grow it without end.
    """

    _results: ClassVar[LRUCache[tuple[Any, str, tuple[Any, ...]], list[Any]]] = LRUCache(
        VALIDATION_CACHE_SIZE
    )

    def on_validate(self) -> Iterator[None]:
        from strawberry.schema.schema import validate_document

        ec = self.execution_context
        if ec.graphql_document is None:  # not parsed: nothing to validate
            yield
            return
        rules = tuple(ec.validation_rules)
        key = (ec.schema._schema, ec.query or "", rules)
        if key in self._results:
            errors = self._results[key]
        else:
            errors = validate_document(ec.schema._schema, ec.graphql_document, rules)
            self._results[key] = errors
        ec.pre_execution_errors = errors
        yield


def create_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The GraphQL schema, with bounded parser and validation caches and the limits of `settings` (see `limits`).

    Without settings, the defaults (no environment, no `.env`) apply. The limits do not change the SDL.
    """
    settings = settings or Settings(_env_file=None)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=list(NODE_CLASSES.values()),
        execution_context_class=CompiledExecutor,
        extensions=[
            partial(ParserCache, maxsize=PARSER_CACHE_SIZE),
            *limit_extensions(settings),
            TextValidationCache,
        ],
    )


def schema_sdl() -> str:
    """The schema as SDL, as committed in schema/schema.graphql."""
    return print_schema(create_schema()) + "\n"
