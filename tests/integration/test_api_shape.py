"""The API's shape as a new user meets it: the fields that the sort keys sort by, the related nodes one expects
(a cluster's province, batches and coordinates; an industry's cities; a recognition's year), the typed fetchers,
the deprecated names kept for one release, and the errors that say what to send instead.

Every expected value is computed here by an independent Cypher query over the real dataset (`run_cypher`).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from conftest import gql, gql_data, run_cypher

pytestmark = [
    pytest.mark.integration,
    # The `client` fixture imports starlette.testclient, which warns when httpx2 is missing; the suite turns
    # warnings into errors.
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing an extension instance:DeprecationWarning"),
]


def gid(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


# --- computed fields: what the count sort keys sort by --------------------------------------------------------


def test_industry_city_count_cluster_count_and_cities(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """Industry.cityCount (distinct cities with a cluster in it), clusterCount and cities, as Cypher counts them;
    CITY_COUNT sorts by the cityCount the field shows."""
    rows = run_cypher(
        dataset_graph,
        settings,
        """
        MATCH (i:Industry)
        OPTIONAL MATCH (i)<-[:IN_INDUSTRY]-(c:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(city:City)
        WITH i, collect(DISTINCT city.id) AS cities, count(DISTINCT c) AS clusters
        RETURN i.id AS key, cities, clusters
        """,
    )
    expected = {r["key"]: (sorted(r["cities"]), r["clusters"]) for r in rows}
    assert any(len(cities) > 1 for cities, _ in expected.values())
    data = gql_data(
        client,
        """{ industries(orderBy: [{ field: CITY_COUNT, direction: DESC }]) {
              nodes { key cityCount clusterCount cities(first: 50) { totalCount nodes { key } } } } }""",
    )
    nodes = data["industries"]["nodes"]
    got = {n["key"]: (sorted(c["key"] for c in n["cities"]["nodes"]), n["clusterCount"]) for n in nodes}
    assert got == expected
    for n in nodes:
        assert n["cityCount"] == n["cities"]["totalCount"] == len(expected[n["key"]][0])
    counts = [n["cityCount"] for n in nodes]
    assert counts == sorted(counts, reverse=True)


def test_cluster_counts_first_recognized_province_batches_and_city_coordinates(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """Cluster.memberCount, recognitionCount, firstRecognized (null without a dated recognition), province,
    batches and latitude/longitude (its city's seat), for every cluster, as Cypher finds them."""
    rows = run_cypher(
        dataset_graph,
        settings,
        """
        MATCH (c:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(city:City)-[:IN_PROVINCE]->(p:Province)
        RETURN c.id AS key,
               COUNT { (c)<-[:MEMBER_OF]-(:Enterprise) } AS members,
               COUNT { (c)-[:RECOGNIZED]->(:Recognition) } AS recognitions,
               [(c)-[:RECOGNIZED]->(r:Recognition) WHERE r.year IS NOT NULL | r.year] AS years,
               p.id AS province,
               [(c)-[:RECOGNIZED]->(:Recognition)-[:IN_BATCH]->(b:Batch) | b.id] AS batches,
               city.location.y AS latitude, city.location.x AS longitude
        """,
    )
    expected = {
        r["key"]: {
            "memberCount": r["members"],
            "recognitionCount": r["recognitions"],
            "firstRecognized": min(r["years"]) if r["years"] else None,
            "province": {"key": r["province"]},
            "batches": sorted(r["batches"]),
            "latitude": r["latitude"],
            "longitude": r["longitude"],
        }
        for r in rows
    }
    assert any(v["firstRecognized"] is None for v in expected.values())
    data = gql_data(
        client,
        """{ clusters(first: 100) { totalCount nodes { key memberCount recognitionCount firstRecognized
              latitude longitude province { key } batches(first: 10) { nodes { key } } } } }""",
    )
    assert data["clusters"]["totalCount"] == len(expected)
    got = {
        n["key"]: {**n, "batches": sorted(b["key"] for b in n["batches"]["nodes"])}
        for n in data["clusters"]["nodes"]
    }
    for key, exp in expected.items():
        assert {k: v for k, v in got[key].items() if k != "key"} == exp, key


@pytest.mark.parametrize(
    ("root", "label", "pattern"),
    [
        ("counties", "County", "(n)<-[:LOCATED_IN]-(:Cluster)"),
        ("enterprises", "Enterprise", "(n)-[:MEMBER_OF]->(:Cluster)"),
    ],
)
def test_cluster_count_fields(
    client: Any, dataset_graph: Driver, settings: Settings, root: str, label: str, pattern: str
) -> None:
    """County.clusterCount and Enterprise.clusterCount, the values their CLUSTER_COUNT sort key sorts by."""
    rows = run_cypher(
        dataset_graph, settings, f"MATCH (n:{label}) RETURN n.id AS key, COUNT {{ {pattern} }} AS n"
    )
    data = gql_data(
        client, f"{{ {root}(first: 100, orderBy: [{{ field: CLUSTER_COUNT, direction: DESC }}]) "
        "{ nodes { key clusterCount } } }",
    )  # fmt: skip
    nodes = data[root]["nodes"]
    assert {n["key"]: n["clusterCount"] for n in nodes} == {r["key"]: r["n"] for r in rows}
    counts = [n["clusterCount"] for n in nodes]
    assert counts == sorted(counts, reverse=True)


def test_recognition_year_cluster_count_counts_each_cluster_once(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """RecognitionYear.clusterCount: the distinct clusters recognised in the year (both levels count once)."""
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (y:RecognitionYear) RETURN y.year AS year, "
        "COUNT { MATCH (y)<-[:IN_YEAR]-(:Recognition)<-[:RECOGNIZED]-(c:Cluster) RETURN DISTINCT c } AS n",
    )
    data = gql_data(client, "{ recognitionYears { nodes { year clusterCount } } }")
    assert {n["year"]: n["clusterCount"] for n in data["recognitionYears"]["nodes"]} == {
        r["year"]: r["n"] for r in rows
    }


def test_recognition_recognition_year(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """Recognition.recognitionYear: the year node of a dated recognition, null for an undated one."""
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (r:Recognition) OPTIONAL MATCH (r)-[:IN_YEAR]->(y:RecognitionYear) RETURN r.id AS key, y.year AS year",
    )
    assert any(r["year"] is None for r in rows)
    data = gql_data(client, "{ recognitions(first: 100) { nodes { key recognitionYear { year } } } }")
    got = {
        n["key"]: n["recognitionYear"]["year"] if n["recognitionYear"] else None
        for n in data["recognitions"]["nodes"]
    }
    assert got == {r["key"]: r["year"] for r in rows}


# --- typed fetchers and node(id:) ----------------------------------------------------------------------------


def test_province_and_recognition_by_key_and_by_global_id(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """province(id:) and recognition(id:) fetch by key or by global ID, like the other typed fetchers."""
    (p,) = run_cypher(dataset_graph, settings, "MATCH (p:Province) RETURN p.id AS key, p.name AS name")
    (r,) = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition) RETURN r.id AS key, r.level AS level, c.id AS cluster "
        "ORDER BY r.id LIMIT 1",
    )
    query = """query ($p: ID!, $r: ID!) { province(id: $p) { key name }
                 recognition(id: $r) { key level cluster { key } } }"""
    expected = {
        "province": {"key": p["key"], "name": p["name"]},
        "recognition": {"key": r["key"], "level": r["level"], "cluster": {"key": r["cluster"]}},
    }
    assert gql_data(client, query, {"p": p["key"], "r": r["key"]}) == expected
    assert (
        gql_data(client, query, {"p": gid("Province", p["key"]), "r": gid("Recognition", r["key"])})
        == expected
    )


def test_node_with_a_plain_key_names_the_global_id_it_needs(client: Any) -> None:
    """node(id: "510100") is an error on the field that says a global ID is needed, gives the form, and points to
    the typed fetcher."""
    body = gql(client, '{ node(id: "510100") { id } }')
    assert body["data"] == {"node": None}
    (error,) = body["errors"]
    assert error["path"] == ["node"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not a global ID" in error["message"]
    assert gid("City", "510100") in error["message"]
    assert 'city(id: "510100")' in error["message"]


# --- deprecated names, kept for one release ------------------------------------------------------------------


def test_renamed_fields_keep_their_old_names_deprecated(client: Any) -> None:
    """BatchCoverage.officialCount, Stats.relationshipCounts and RecognitionYear.clusters(newOnly:) are deprecated
    with a reason naming their replacements, which exist."""
    data = gql_data(
        client,
        """{
          coverage: __type(name: "BatchCoverage") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } }
          stats: __type(name: "Stats") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } }
          year: __type(name: "RecognitionYear") { fields { name args(includeDeprecated: true) {
            name isDeprecated deprecationReason } } }
        }""",
    )
    coverage = {f["name"]: f for f in data["coverage"]["fields"]}
    assert coverage["officialCount"]["isDeprecated"]
    assert "officialCountSichuan" in coverage["officialCount"]["deprecationReason"]
    assert not coverage["officialCountSichuan"]["isDeprecated"]
    stats = {f["name"]: f for f in data["stats"]["fields"]}
    assert stats["relationshipCounts"]["isDeprecated"]
    assert "relationshipTypeCounts" in stats["relationshipCounts"]["deprecationReason"]
    assert not stats["relationshipTypeCounts"]["isDeprecated"]
    (clusters,) = [f for f in data["year"]["fields"] if f["name"] == "clusters"]
    args = {a["name"]: a for a in clusters["args"]}
    assert args["newOnly"]["isDeprecated"]
    assert "recognized" in args["newOnly"]["deprecationReason"]
    assert not args["recognized"]["isDeprecated"]


def test_recognized_and_new_only_together_is_an_error(client: Any) -> None:
    """recognized and the deprecated newOnly on one list: an error on that list saying to give recognized alone."""
    body = gql(
        client, "{ recognitionYears { nodes { clusters(recognized: NEW, newOnly: true) { totalCount } } } }"
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "give recognized alone" in body["errors"][0]["message"]


# --- small ones: whole-number aggregates, media types, list filters ------------------------------------------


def test_aggregates_of_whole_numbers_are_whole_and_years_are_not_summed(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """enterpriseCount and officialCount aggregate as Int (sum, min, max equal to Cypher's, and ints in the JSON);
    outputValueCny stays Float; the year aggregate offers min and max, its sum deprecated."""
    (c,) = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:Cluster) RETURN sum(c.enterpriseCount) AS sum, min(c.enterpriseCount) AS min, "
        "max(c.enterpriseCount) AS max",
    )
    (b,) = run_cypher(dataset_graph, settings, "MATCH (b:Batch) RETURN sum(b.officialCount) AS sum")
    (y,) = run_cypher(
        dataset_graph, settings, "MATCH (r:Recognition) RETURN min(r.year) AS min, max(r.year) AS max"
    )
    data = gql_data(
        client,
        """{ clusters { aggregate { enterpriseCount { sum min max } outputValueCny { max } } }
             batches { aggregate { officialCount { sum } } }
             recognitions { aggregate { year { min max } } }
             types: __type(name: "ClusterAggregate") { fields { name type { name ofType { name } } } }
             year: __type(name: "YearAggregate") { fields(includeDeprecated: true) { name isDeprecated } } }""",
    )
    counts = data["clusters"]["aggregate"]["enterpriseCount"]
    assert counts == {"sum": c["sum"], "min": c["min"], "max": c["max"]}
    assert all(type(v) is int for v in counts.values())
    assert isinstance(data["clusters"]["aggregate"]["outputValueCny"]["max"], float)
    assert data["batches"]["aggregate"]["officialCount"]["sum"] == b["sum"]
    assert type(data["batches"]["aggregate"]["officialCount"]["sum"]) is int
    assert data["recognitions"]["aggregate"]["year"] == {"min": y["min"], "max": y["max"]}
    types = {f["name"]: f["type"]["name"] or f["type"]["ofType"]["name"] for f in data["types"]["fields"]}
    assert types["enterpriseCount"] == "IntAggregate"
    assert types["outputValueCny"] == "NumericAggregate"
    assert {f["name"]: f["isDeprecated"] for f in data["year"]["fields"]}["sum"] is True


def test_a_body_of_another_media_type_is_415_naming_the_accepted_one(client: Any) -> None:
    """A text/plain POST body is refused with 415, and the message names application/json and GET."""
    response = client.post(
        "/graphql", content="{ clusters { totalCount } }", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    message = response.json()["errors"][0]["message"]
    assert "text/plain" in message
    assert "application/json" in message
    assert "GET" in message


def test_a_list_filter_naming_a_field_directly_points_to_some(client: Any) -> None:
    """recognitions: {level: ...} is a validation error that says to filter the list with some/none/all/count."""
    body = gql(client, "{ clusters(where: { recognitions: { level: { eq: NATIONAL } } }) { totalCount } }")
    assert "data" not in body
    (error,) = body["errors"]
    assert "unknown field 'level'" in error["message"]
    assert "some, none or all (or count)" in error["message"]
    assert "{some: {level: ...}}" in error["message"]


def test_the_new_relationships_filter_too(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """The relationships added to the model filter as the others do: a cluster's province and batches, an
    industry's cities, a recognition's year; each count as Cypher finds it."""

    def count(query: str, **params: Any) -> int:
        return run_cypher(dataset_graph, settings, query, **params)[0]["n"]  # type: ignore[no-any-return]

    (row,) = run_cypher(
        dataset_graph,
        settings,
        "MATCH (b:Batch)<-[:IN_BATCH]-(:Recognition) WITH b, count(*) AS n ORDER BY n DESC, b.id LIMIT 1 "
        "MATCH (y:RecognitionYear {year: b.year}) RETURN b.id AS batch, y.year AS year",
    )
    expected = {
        "inProvince": count(
            "MATCH (c:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(:City)-[:IN_PROVINCE]->(:Province {id: '510000'}) "
            "RETURN count(c) AS n"
        ),
        "withChengdu": count(
            "MATCH (i:Industry) WHERE EXISTS { (i)<-[:IN_INDUSTRY]-(:Cluster)-[:LOCATED_IN]->(:County)"
            "-[:IN_CITY]->(:City {id: '510100'}) } RETURN count(i) AS n"
        ),
        "ofYear": count(
            "MATCH (r:Recognition)-[:IN_YEAR]->(:RecognitionYear {year: $year}) RETURN count(r) AS n",
            year=row["year"],
        ),
        "onBatch": count(
            "MATCH (c:Cluster) WHERE EXISTS { (c)-[:RECOGNIZED]->(:Recognition)-[:IN_BATCH]->(:Batch {id: $b}) } "
            "RETURN count(c) AS n",
            b=row["batch"],
        ),
    }
    data = gql_data(
        client,
        """query ($year: Int!, $batch: String!) {
          inProvince: clusters(where: { province: { key: { eq: "510000" } } }) { totalCount }
          withChengdu: industries(where: { cities: { some: { key: { eq: "510100" } } } }) { totalCount }
          ofYear: recognitions(where: { recognitionYear: { year: { eq: $year } } }) { totalCount }
          onBatch: clusters(where: { batches: { some: { key: { eq: $batch } } } }) { totalCount }
        }""",
        {"year": row["year"], "batch": row["batch"]},
    )
    assert {k: v["totalCount"] for k, v in data.items()} == expected
    assert all(expected.values())
