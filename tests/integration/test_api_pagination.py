"""Keyset pagination of the GraphQL lists (first/after, last/before, pageInfo), against the test Neo4j.

The order a walk through the pages must follow is computed by an independent Cypher query (`ORDER BY` the sort
value, then `n.id`); the page sizes come from the test settings. Cursors are only ever taken from the API's own
answers (or are deliberately broken).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from conftest import LEVEL_RANK, NAME_SORT, gql, gql_data, pinyin_readings, run_cypher

pytestmark = pytest.mark.integration

PAGE_QUERY = """
query($first: Int, $after: String, $last: Int, $before: String, $orderBy: [ClusterOrder!], $where: ClusterWhere) {
  clusters(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, where: $where) {
    totalCount
    edges { cursor node { key } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

#: Sort keys -> the Cypher value of cluster `n` they sort by.
SORT_VALUE = {
    "NAME": NAME_SORT,
    "OUTPUT_VALUE_CNY": "n.outputValueCny",
    "ENTERPRISE_COUNT": "n.enterpriseCount",
    "FIRST_RECOGNIZED": "COLLECT { MATCH (n)-[:RECOGNIZED]->(r:Recognition) WHERE r.year IS NOT NULL "
    "RETURN r.year ORDER BY r.year LIMIT 1 }[0]",
}


def cypher_order(
    driver: Driver, settings: Settings, order_by: list[tuple[str, str]], condition: str = "true"
) -> list[str]:
    """Cluster keys in the order of `order_by` ((key, direction) pairs), nulls last either way, `n.id` ascending
    last."""
    items = ", ".join(f"{SORT_VALUE[k]} AS s{i}" for i, (k, _) in enumerate(order_by))
    order = ", ".join(f"s{i} IS NULL, s{i} {d}" for i, (_, d) in enumerate(order_by))
    query = (
        f"MATCH (n:Cluster) WHERE {condition} WITH n, {items} RETURN n.id AS key ORDER BY {order}, n.id ASC"
    )
    return [r["key"] for r in run_cypher(driver, settings, query)]


def page(client: Any, **variables: Any) -> dict[str, Any]:
    return gql_data(client, PAGE_QUERY, variables)["clusters"]  # type: ignore[no-any-return]


def keys_of(conn: dict[str, Any]) -> list[str]:
    return [e["node"]["key"] for e in conn["edges"]]


def check_cursors(conn: dict[str, Any]) -> None:
    """startCursor/endCursor are the cursors of the first and last edges (null on an empty page)."""
    info = conn["pageInfo"]
    cursors = [e["cursor"] for e in conn["edges"]]
    assert info["startCursor"] == (cursors[0] if cursors else None)
    assert info["endCursor"] == (cursors[-1] if cursors else None)


Fetch = Callable[..., dict[str, Any]]


def walk_forward(fetch: Fetch, size: int, limit: int, **variables: Any) -> list[list[str]]:
    """Follow endCursor with first: size until hasNextPage is false; the pages' keys. Checks pageInfo on the way."""
    pages: list[list[str]] = []
    after = None
    for _ in range(limit):
        conn = fetch(first=size, after=after, **variables)
        check_cursors(conn)
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        pages.append(keys_of(conn))
        if not conn["pageInfo"]["hasNextPage"]:
            return pages
        assert len(pages[-1]) == size, "a page followed by more items is full"
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError(f"no last page after {limit} pages: {pages}")


def walk_backward(fetch: Fetch, size: int, limit: int, **variables: Any) -> list[list[str]]:
    """Follow startCursor with last: size from the end until hasPreviousPage is false; pages in list order."""
    pages: list[list[str]] = []
    before = None
    for _ in range(limit):
        conn = fetch(last=size, before=before, **variables)
        check_cursors(conn)
        assert conn["pageInfo"]["hasNextPage"] is (before is not None)
        pages.insert(0, keys_of(conn))
        if not conn["pageInfo"]["hasPreviousPage"]:
            return pages
        assert len(pages[0]) == size, "a page preceded by more items is full"
        before = conn["pageInfo"]["startCursor"]
    raise AssertionError(f"no first page after {limit} pages: {pages}")


def flatten(pages: list[list[str]]) -> list[str]:
    return [k for p in pages for k in p]


@pytest.mark.parametrize("size", [1, 2, 5])
def test_paging_forward_visits_every_cluster_once_in_name_order(
    client: Any, dataset_graph: Driver, settings: Settings, size: int
) -> None:
    """first/after from the start to hasNextPage false visits every cluster once, in Cypher's ORDER BY name, id."""
    expected = cypher_order(dataset_graph, settings, [("NAME", "ASC")])
    pages = walk_forward(partial(page, client), size, len(expected) + 2, orderBy=[{"field": "NAME"}])
    assert flatten(pages) == expected
    assert len(pages) == -(-len(expected) // size)


@pytest.mark.parametrize("size", [1, 2, 5])
def test_paging_backward_visits_every_cluster_once_in_name_order(
    client: Any, dataset_graph: Driver, settings: Settings, size: int
) -> None:
    """last/before from the end to hasPreviousPage false visits every cluster once; pages keep the list order."""
    expected = cypher_order(dataset_graph, settings, [("NAME", "ASC")])
    pages = walk_backward(partial(page, client), size, len(expected) + 2, orderBy=[{"field": "NAME"}])
    assert flatten(pages) == expected
    assert len(pages) == -(-len(expected) // size)


def test_page_info_at_both_ends(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """The first page has no previous and a next page; the last has a previous and no next; beyond it is empty."""
    expected = cypher_order(dataset_graph, settings, [("NAME", "ASC")])
    first = page(client, first=2)
    assert keys_of(first) == expected[:2]
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["hasNextPage"] is True

    last = page(client, last=2)
    assert keys_of(last) == expected[-2:]
    assert last["pageInfo"]["hasNextPage"] is False
    assert last["pageInfo"]["hasPreviousPage"] is True
    check_cursors(last)

    beyond = page(client, first=2, after=last["pageInfo"]["endCursor"])
    assert beyond["edges"] == []
    assert beyond["pageInfo"]["hasNextPage"] is False
    assert beyond["pageInfo"]["startCursor"] is None
    assert beyond["pageInfo"]["endCursor"] is None

    before_start = page(client, last=2, before=first["pageInfo"]["startCursor"])
    assert before_start["edges"] == []
    assert before_start["pageInfo"]["hasPreviousPage"] is False

    whole = page(client, first=len(expected))
    assert keys_of(whole) == expected
    assert whole["pageInfo"]["hasNextPage"] is False
    assert whole["pageInfo"]["hasPreviousPage"] is False


def test_before_the_start_of_a_page_is_the_page_before_it(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """Forward to page 3, then last: 2 before its startCursor returns page 2 again, and after page 2 is page 3."""
    expected = cypher_order(dataset_graph, settings, [("NAME", "ASC")])
    p1 = page(client, first=2)
    p2 = page(client, first=2, after=p1["pageInfo"]["endCursor"])
    p3 = page(client, first=2, after=p2["pageInfo"]["endCursor"])
    assert keys_of(p3) == expected[4:6]
    back = page(client, last=2, before=p3["pageInfo"]["startCursor"])
    assert keys_of(back) == expected[2:4]
    assert back["pageInfo"]["hasPreviousPage"] is True
    assert back["pageInfo"]["hasNextPage"] is True
    again = page(client, first=2, after=back["pageInfo"]["endCursor"])
    assert keys_of(again) == expected[4:6]


NULL_ORDERS = [
    pytest.param([(key, direction)], way, size, id=f"{key}-{direction}-{way}-{size}")
    for key in ("OUTPUT_VALUE_CNY", "ENTERPRISE_COUNT", "FIRST_RECOGNIZED")
    for direction in ("ASC", "DESC")
    for way in ("forward", "backward")
    for size in (2, 3)
] + [
    pytest.param(
        [("OUTPUT_VALUE_CNY", "DESC"), ("ENTERPRISE_COUNT", "ASC")], way, 2, id=f"two-null-keys-{way}"
    )
    for way in ("forward", "backward")
]


@pytest.mark.parametrize(("order_by", "way", "size"), NULL_ORDERS)
def test_paging_over_a_sort_key_with_nulls_visits_every_cluster_once(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    order_by: list[tuple[str, str]],
    way: str,
    size: int,
) -> None:
    """Cursors on rows whose sort value is null continue exactly where the page ended, nulls last either way."""
    expected = cypher_order(dataset_graph, settings, order_by)
    requested = [{"field": k, "direction": d} for k, d in order_by]
    walk = walk_forward if way == "forward" else walk_backward
    pages = walk(partial(page, client), size, len(expected) + 2, orderBy=requested)
    assert flatten(pages) == expected


def test_paging_a_filtered_list_visits_exactly_the_matches(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """Paging clusters(where: city Chengdu, first: 3) visits each Chengdu cluster once, in name order."""
    condition = "EXISTS { (n)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(:City {nameZh: '成都市'}) }"
    expected = cypher_order(dataset_graph, settings, [("NAME", "ASC")], condition)
    where = {"city": {"nameZh": {"eq": "成都市"}}}
    assert flatten(walk_forward(partial(page, client), 3, len(expected) + 2, where=where)) == expected
    assert flatten(walk_backward(partial(page, client), 3, len(expected) + 2, where=where)) == expected


@pytest.mark.parametrize("way", ["forward", "backward"])
@pytest.mark.parametrize("sort", ["NAME", "OUTPUT_VALUE_CNY"])
@pytest.mark.parametrize("with_year", [False, True])
def test_paging_a_list_filtered_by_a_related_key_counts_and_visits_exactly_the_matches(
    client: Any, dataset_graph: Driver, settings: Settings, way: str, sort: str, with_year: bool
) -> None:
    """Filtered by the industry's key (the statement starts from that industry; page and total share one pass),
    with or without a year: every page's totalCount is the number of matches, and the pages visit each match once."""
    (pick,) = run_cypher(
        dataset_graph,
        settings,
        "MATCH (n:Cluster)-[:IN_INDUSTRY]->(i:Industry), (n)-[:RECOGNIZED]->(r:Recognition) "
        "WHERE r.year IS NOT NULL RETURN i.id AS industry, r.year AS year, count(DISTINCT n) AS n "
        "ORDER BY n DESC, industry, year LIMIT 1",
    )
    condition = f"EXISTS {{ (n)-[:IN_INDUSTRY]->(:Industry {{id: '{pick['industry']}'}}) }}"
    where: dict[str, Any] = {"industry": {"key": {"eq": pick["industry"]}}}
    if with_year:
        condition += f" AND EXISTS {{ (n)-[:RECOGNIZED]->(r:Recognition) WHERE r.year = {pick['year']} }}"
        where["recognitions"] = {"some": {"year": {"eq": pick["year"]}}}
    expected = cypher_order(dataset_graph, settings, [(sort, "DESC")], condition)
    assert len(expected) >= 2, expected
    totals: list[int] = []

    def fetch(**variables: Any) -> dict[str, Any]:
        conn = page(client, where=where, orderBy=[{"field": sort, "direction": "DESC"}], **variables)
        totals.append(conn["totalCount"])
        return conn

    walk = walk_forward if way == "forward" else walk_backward
    assert flatten(walk(fetch, 1 if with_year else 2, len(expected) + 2)) == expected
    assert set(totals) == {len(expected)}


def test_keyset_cursor_is_stable_when_a_cluster_is_inserted_before_it(
    client: Any, fresh_dataset_graph: Driver, settings: Settings
) -> None:
    """After page 1, a new cluster sorting before the cursor does not shift the next pages, and is not visited."""
    before_insert = cypher_order(fresh_dataset_graph, settings, [("NAME", "ASC")])
    order = [{"field": "NAME", "direction": "ASC"}]
    p1 = page(client, first=2, orderBy=order)
    assert keys_of(p1) == before_insert[:2]

    run_cypher(
        fresh_dataset_graph,
        settings,
        "CREATE (:Cluster {id: 'aaa-test', name: 'AAA test', nameSort: 'aaa test', nameZh: '测试产业集群',"
        " nameStatus: 'AS_LISTED', alternateNamesZh: [], sources: []})",
    )
    after_insert = cypher_order(fresh_dataset_graph, settings, [("NAME", "ASC")])
    assert after_insert[0] == "aaa-test", "the new cluster sorts before the cursor"

    p2 = page(client, first=2, after=p1["pageInfo"]["endCursor"], orderBy=order)
    assert keys_of(p2) == before_insert[2:4]
    assert p2["totalCount"] == len(before_insert) + 1

    rest: list[str] = keys_of(p2)
    cursor = p2["pageInfo"]["endCursor"]
    for _ in range(len(after_insert)):
        if cursor is None:
            break
        nxt = page(client, first=2, after=cursor, orderBy=order)
        rest += keys_of(nxt)
        cursor = nxt["pageInfo"]["endCursor"] if nxt["pageInfo"]["hasNextPage"] else None
    assert rest == before_insert[2:]
    assert "aaa-test" not in rest


NESTED_PAGING = [
    pytest.param('city(id: "510100")', "clusters", "ClusterOrder", None,
                 "(p:City {id: '510100'})<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(n:Cluster)", "toLower(n.name)", 3,
                 id="City.clusters-Chengdu-by-name"),
    pytest.param('cluster(id: "guanghan-oil-gas-drilling-equipment")', "enterprises", "EnterpriseOrder",
                 [{"field": "NAME_ZH", "direction": "DESC"}],
                 "(p:Cluster {id: 'guanghan-oil-gas-drilling-equipment'})<-[:MEMBER_OF]-(n:Enterprise)",
                 "$pinyin[elementId(n)] DESC", 2, id="Cluster.enterprises-by-nameZh-desc"),
    pytest.param('industry(id: "equipment-manufacturing")', "clusters", "ClusterOrder",
                 [{"field": "OUTPUT_VALUE_CNY", "direction": "DESC"}],
                 "(p:Industry {id: 'equipment-manufacturing'})<-[:IN_INDUSTRY]-(n:Cluster)",
                 "n.outputValueCny IS NULL, n.outputValueCny DESC", 2,
                 id="Industry.clusters-by-output-desc-with-nulls"),
    pytest.param('batch(id: "provincial-2024")', "recognitions", "RecognitionOrder", None,
                 "(p:Batch {id: 'provincial-2024'})<-[:IN_BATCH]-(n:Recognition)", f"n.year, {LEVEL_RANK}", 2,
                 id="Batch.recognitions-default-order"),
    pytest.param("recognitionYear(year: 2024)", "clusters", "ClusterOrder",
                 [{"field": "ENTERPRISE_COUNT", "direction": "ASC"}],
                 "(p:RecognitionYear {year: 2024})<-[:IN_YEAR]-(:Recognition)<-[:RECOGNIZED]-(n:Cluster)",
                 "n.enterpriseCount ASC", 2, id="RecognitionYear.clusters-by-enterprise-count"),
]  # fmt: skip


@pytest.mark.parametrize("way", ["forward", "backward"])
@pytest.mark.parametrize(
    ("root", "field", "order_type", "order_by", "pattern", "order", "size"), NESTED_PAGING
)
def test_nested_list_pagination_visits_every_item_once(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    root: str,
    field: str,
    order_type: str,
    order_by: list[dict[str, str]] | None,
    pattern: str,
    order: str,
    size: int,
    way: str,
) -> None:
    """A nested list (e.g. City.clusters for Chengdu, first: 3 with after, or last/before) visits each of the
    parent's items once in Cypher's order, with the parent's whole totalCount on every page."""
    expected = [
        r["key"]
        for r in run_cypher(
            dataset_graph,
            settings,
            f"MATCH {pattern} WITH DISTINCT n RETURN n.id AS key ORDER BY {order}, n.id",
            pinyin=pinyin_readings(dataset_graph, settings),
        )
    ]
    assert len(expected) > size
    root_field = root.split("(")[0]
    query = (
        f"query($first: Int, $after: String, $last: Int, $before: String, $o: [{order_type}!]) {{ {root} {{ "
        f"{field}(first: $first, after: $after, last: $last, before: $before, orderBy: $o) {{ totalCount "
        "edges { cursor node { key } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"
    )
    totals: list[int] = []

    def fetch(**variables: Any) -> dict[str, Any]:
        conn: dict[str, Any] = gql_data(client, query, {**variables, "o": order_by})[root_field][field]
        totals.append(conn["totalCount"])
        return conn

    walk = walk_forward if way == "forward" else walk_backward
    assert flatten(walk(fetch, size, len(expected) + 2)) == expected
    assert set(totals) == {len(expected)}


#: Root list -> (label, the Cypher ORDER BY of its default order before the key).
DEFAULT_ORDERS = {
    "provinces": ("Province", "toLower(n.name)"),
    "cities": ("City", "toLower(n.name)"),
    "counties": ("County", "toLower(n.name)"),
    "industries": ("Industry", "toLower(n.name)"),
    "clusters": ("Cluster", "toLower(n.name)"),
    "enterprises": ("Enterprise", "toLower(n.name)"),
    "recognitions": ("Recognition", f"n.year, {LEVEL_RANK}"),
    "batches": ("Batch", f"n.year, {LEVEL_RANK}"),
    "recognitionYears": ("RecognitionYear", "n.year"),
}


@pytest.mark.parametrize("way", ["forward", "backward"])
@pytest.mark.parametrize("list_field", list(DEFAULT_ORDERS))
def test_paging_every_root_list_in_its_default_order(
    client: Any, dataset_graph: Driver, settings: Settings, list_field: str, way: str
) -> None:
    """Every root list pages (size 2) through all its items once in its default order, e.g. recognitions by year
    (nulls last) then level, then key."""
    label, order = DEFAULT_ORDERS[list_field]
    expected = [
        r["key"]
        for r in run_cypher(
            dataset_graph, settings, f"MATCH (n:{label}) RETURN n.id AS key ORDER BY {order}, n.id"
        )
    ]
    query = (
        f"query($first: Int, $after: String, $last: Int, $before: String) {{ {list_field}(first: $first, "
        "after: $after, last: $last, before: $before) { edges { cursor node { key } } "
        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
    )

    def fetch(**variables: Any) -> dict[str, Any]:
        return gql_data(client, query, variables)[list_field]  # type: ignore[no-any-return]

    walk = walk_forward if way == "forward" else walk_backward
    assert flatten(walk(fetch, 2, len(expected) + 2)) == expected


# --- page sizes -------------------------------------------------------------------------------------------------

DEFAULT_SIZED = [
    pytest.param("clusters", "Cluster", id="clusters"),
    pytest.param("cities", "City", id="cities"),
    pytest.param("industries", "Industry", id="industries"),
    pytest.param("enterprises", "Enterprise", id="enterprises"),
    pytest.param("recognitions", "Recognition", id="recognitions"),
]


@pytest.mark.parametrize(("list_field", "label"), DEFAULT_SIZED)
def test_default_page_size_applies_without_first(
    client: Any, dataset_graph: Driver, settings: Settings, list_field: str, label: str
) -> None:
    """Without first (or last), a page holds min(count, default_page_size) items, and hasNextPage says if more."""
    count = run_cypher(dataset_graph, settings, f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"]
    conn = gql_data(client, f"{{ {list_field} {{ totalCount nodes {{ key }} pageInfo {{ hasNextPage }} }} }}")
    conn = conn[list_field]
    assert conn["totalCount"] == count
    assert len(conn["nodes"]) == min(count, settings.default_page_size)
    assert conn["pageInfo"]["hasNextPage"] is (count > settings.default_page_size)


def test_default_page_size_applies_backward_with_before_alone(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """before without last pages backward with the default page size: the items just before the cursor."""
    expected = cypher_order(dataset_graph, settings, [("NAME", "ASC")])
    whole = page(client, first=len(expected))
    last_cursor = whole["edges"][-1]["cursor"]
    conn = page(client, before=last_cursor)
    n = min(len(expected) - 1, settings.default_page_size)
    assert keys_of(conn) == expected[-1 - n : -1]
    assert conn["pageInfo"]["hasNextPage"] is True
    assert conn["pageInfo"]["hasPreviousPage"] is (len(expected) - 1 > settings.default_page_size)


def test_first_zero_returns_an_empty_page_with_the_total(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """first: 0 is allowed: no items, hasNextPage true when the list is not empty, the total still counted."""
    count = run_cypher(dataset_graph, settings, "MATCH (n:Cluster) RETURN count(n) AS c")[0]["c"]
    conn = page(client, first=0)
    assert conn["edges"] == []
    assert conn["totalCount"] == count
    assert conn["pageInfo"]["hasNextPage"] is (count > 0)


def test_maximum_page_size_is_allowed(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """first: max_page_size is accepted and returns min(count, max) items."""
    count = run_cypher(dataset_graph, settings, "MATCH (n:Cluster) RETURN count(n) AS c")[0]["c"]
    conn = page(client, first=settings.max_page_size)
    assert len(conn["edges"]) == min(count, settings.max_page_size)


# --- bad page arguments -------------------------------------------------------------------------------------------


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


ABOVE = "max_page_size + 1"

BAD = [
    pytest.param({"first": ABOVE}, ["first", ABOVE, "max"], id="first-above-maximum"),
    pytest.param({"last": ABOVE}, ["last", ABOVE], id="last-above-maximum"),
    pytest.param({"first": -1}, ["first", "-1"], id="first-negative"),
    pytest.param({"last": -3}, ["last", "-3"], id="last-negative"),
    pytest.param({"first": 2, "last": 2}, ["first", "last"], id="first-and-last"),
    pytest.param({"first": 2, "before": "x"}, ["before"], id="first-with-before"),
    pytest.param({"last": 2, "after": "x"}, ["after"], id="last-with-after"),
    pytest.param({"first": 2, "after": "garbage"}, ["after"], id="garbage-after"),
    pytest.param({"last": 2, "before": "garbage"}, ["before"], id="garbage-before"),
    pytest.param({"after": ""}, ["after"], id="empty-cursor"),
    pytest.param({"after": "!!!not base64!!!"}, ["after"], id="not-base64"),
    pytest.param({"after": b64("hello")}, ["after"], id="base64-not-json"),
    pytest.param({"after": b64("null")}, ["after"], id="base64-json-null"),
    pytest.param({"after": b64("[1, 2, 3]")}, ["after"], id="base64-json-list"),
    pytest.param({"after": b64('{"a": 1}')}, ["after"], id="base64-json-object"),
    pytest.param({"after": b64('["abcd", ["x"]]')}, ["after"], id="base64-foreign-signature"),
    pytest.param({"before": b64("[]")}, ["before"], id="base64-empty-list"),
]


@pytest.mark.parametrize(("variables", "words"), BAD)
def test_bad_page_arguments_are_bad_user_input_naming_the_argument(
    client: Any, dataset_graph: Driver, settings: Settings, variables: dict[str, Any], words: list[str]
) -> None:
    """Too large or negative sizes, first with last, a cursor on the wrong side or a garbage cursor are refused
    with BAD_USER_INPUT and a message naming the argument."""
    above = settings.max_page_size + 1
    variables = {k: above if v == ABOVE else v for k, v in variables.items()}
    words = [str(above) if w == ABOVE else str(settings.max_page_size) if w == "max" else w for w in words]
    body = gql(client, PAGE_QUERY, variables)
    assert body.get("data") == {"clusters": None}, body  # the root list is nullable: null with its error
    assert [e.get("extensions", {}).get("code") for e in body["errors"]] == ["BAD_USER_INPUT"], body["errors"]
    message = body["errors"][0]["message"]
    for word in words:
        assert word in message, (variables, message)


@pytest.mark.parametrize(
    ("made_for", "used_with"),
    [
        pytest.param([{"field": "NAME"}], [{"field": "NAME", "direction": "DESC"}], id="other-direction"),
        pytest.param([{"field": "NAME"}], [{"field": "KEY"}], id="other-key"),
        pytest.param([{"field": "NAME"}], [{"field": "NAME"}, {"field": "ENTERPRISE_COUNT"}], id="extra-key"),
        pytest.param(None, [{"field": "OUTPUT_VALUE_CNY"}], id="default-then-other"),
    ],
)
@pytest.mark.parametrize("argument", ["after", "before"])
def test_cursor_made_for_another_orderBy_is_refused(
    client: Any,
    dataset_graph: Driver,
    made_for: list[dict[str, str]] | None,
    used_with: list[dict[str, str]],
    argument: str,
) -> None:
    """A cursor from one orderBy used with another is BAD_USER_INPUT naming the argument and orderBy."""
    cursor = page(client, first=2, orderBy=made_for)["pageInfo"]["endCursor"]
    size = {"first": 2} if argument == "after" else {"last": 2}
    body = gql(client, PAGE_QUERY, {**size, argument: cursor, "orderBy": used_with})
    assert [e.get("extensions", {}).get("code") for e in body["errors"]] == ["BAD_USER_INPUT"], body["errors"]
    message = body["errors"][0]["message"]
    assert argument in message
    assert "orderBy" in message


NESTED_BAD = [
    pytest.param("first: {above}", "first", id="first-above-maximum"),
    pytest.param("first: -2", "first", id="first-negative"),
    pytest.param("first: 1, last: 1", "last", id="first-and-last"),
    pytest.param('after: "garbage"', "after", id="garbage-cursor"),
]


@pytest.mark.parametrize(("arguments", "word"), NESTED_BAD)
def test_bad_page_arguments_on_a_nested_list_are_bad_user_input(
    client: Any, dataset_graph: Driver, settings: Settings, arguments: str, word: str
) -> None:
    """The same checks apply to a nested list (City.clusters): BAD_USER_INPUT naming the argument."""
    arguments = arguments.replace("{above}", str(settings.max_page_size + 1))
    body = gql(client, f'{{ city(id: "510100") {{ clusters({arguments}) {{ totalCount }} }} }}')
    codes = [e.get("extensions", {}).get("code") for e in body["errors"]]
    assert codes, body
    assert set(codes) == {"BAD_USER_INPUT"}, body["errors"]
    assert word in body["errors"][0]["message"]
