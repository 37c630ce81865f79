"""Every Cypher statement of ClusterGraph, in one place.

Values always travel as parameters. The only text ever spliced into a statement is a label, relationship type or
property name taken from the fixed tables of `graph_model.py` (never from a request), so the dynamic statements
built in `builder.py` stay within the same closed vocabulary.
"""

from __future__ import annotations

from typing import LiteralString

# --- the local server's administration (on the `system` database) -------------------------------------------

#: The connected user changes its own password (Community has one user, the admin).
CHANGE_OWN_PASSWORD: LiteralString = "ALTER CURRENT USER SET PASSWORD FROM $old TO $new"  # noqa: S105 -- a statement, the passwords are parameters

# --- loading (one transaction; each statement UNWINDs a batch of rows) ---------------------------------------


def _recognition_caption(level: LiteralString, year: LiteralString) -> LiteralString:
    """`Recognition.caption`, the label Neo4j Browser draws on the node (`cypher/clustergraph.grass`): "Provincial
    2024", or the level alone when no source states the year. Derived from the level and the year being written,
    so every statement that writes those sets it in the same transaction."""
    return (
        "CASE " + level + " WHEN 'PROVINCIAL' THEN 'Provincial' WHEN 'NATIONAL' THEN 'National' END"
        " + coalesce(' ' + toString(" + year + "), '')"
    )


LOAD_STATEMENTS: dict[str, LiteralString] = {
    "provinces": """
        UNWIND $rows AS row
        MERGE (p:Province {id: row.id})
        SET p.adminCode = row.adminCode, p.name = row.name, p.nameZh = row.nameZh, p.nameSort = row.nameSort, p.nameFolded = row.nameFolded,
            p.nameZhSort = row.nameZhSort, p.sources = row.sources
    """,
    "cities": """
        UNWIND $rows AS row
        MERGE (c:City {id: row.id})
        SET c.adminCode = row.adminCode, c.name = row.name, c.nameZh = row.nameZh, c.nameSort = row.nameSort, c.nameFolded = row.nameFolded,
            c.nameZhSort = row.nameZhSort, c.kind = row.kind,
            c.kindZh = row.kindZh, c.location = point({latitude: row.latitude, longitude: row.longitude}),
            c.sources = row.sources
        WITH c, row
        MATCH (p:Province {id: row.provinceId})
        MERGE (c)-[:IN_PROVINCE]->(p)
    """,
    "counties": """
        UNWIND $rows AS row
        MERGE (c:County {id: row.id})
        SET c.name = row.name, c.nameZh = row.nameZh, c.nameSort = row.nameSort, c.nameFolded = row.nameFolded,
            c.nameZhSort = row.nameZhSort
        WITH c, row
        OPTIONAL MATCH (c)-[old:IN_CITY]->(other:City) WHERE other.id <> row.cityId
        DELETE old
        WITH DISTINCT c, row
        MATCH (city:City {id: row.cityId})
        MERGE (c)-[:IN_CITY]->(city)
    """,
    "industries": """
        UNWIND $rows AS row
        MERGE (i:Industry {id: row.id})
        SET i.name = row.name, i.nameZh = row.nameZh, i.nameSort = row.nameSort, i.nameFolded = row.nameFolded,
            i.nameZhSort = row.nameZhSort, i.sources = row.sources
    """,
    "years": """
        UNWIND $rows AS row
        MERGE (y:RecognitionYear {id: row.id})
        SET y.year = row.year
    """,
    "batches": """
        UNWIND $rows AS row
        MERGE (b:Batch {id: row.id})
        SET b.level = row.level, b.year = row.year, b.ordinal = row.ordinal, b.name = row.name,
            b.nameZh = row.nameZh, b.nameSort = row.nameSort, b.nameFolded = row.nameFolded, b.nameZhSort = row.nameZhSort,
            b.authority = row.authority, b.authorityZh = row.authorityZh,
            b.officialCount = row.officialCount, b.officialCountSichuan = row.officialCountSichuan,
            b.published = CASE WHEN row.published IS NULL THEN null ELSE date(row.published) END,
            b.notice = row.notice, b.notes = row.notes, b.sources = row.sources
        WITH b, row
        MERGE (y:RecognitionYear {id: toString(row.year)})
        ON CREATE SET y.year = row.year
        MERGE (b)-[:IN_YEAR]->(y)
    """,
    "figures": """
        UNWIND $rows AS row
        MATCH (b:Batch {id: row.batchId})
        MERGE (f:BatchFigure {id: row.id})
        SET f.figure = row.figure, f.value = row.value, f.unit = row.unit, f.bound = row.bound, f.notes = row.notes,
            f.sources = row.sources
        MERGE (b)-[:STATES]->(f)
    """,
    "clusters": """
        UNWIND $rows AS row
        MERGE (c:Cluster {id: row.id})
        SET c.name = row.name, c.nameZh = row.nameZh, c.nameSort = row.nameSort, c.nameFolded = row.nameFolded,
            c.nameZhSort = row.nameZhSort, c.nameStatus = row.nameStatus,
            c.alternateNamesZh = row.alternateNamesZh, c.leadingSector = row.leadingSector,
            c.leadingSectorZh = row.leadingSectorZh, c.outputValueCny = row.outputValueCny,
            c.enterpriseCount = row.enterpriseCount, c.sources = row.sources
        WITH c, row
        OPTIONAL MATCH (c)-[old:LOCATED_IN|IN_INDUSTRY]->(x)
        WHERE NOT x.id IN [row.countyId, row.industryId]
        DELETE old
        WITH DISTINCT c, row
        MATCH (county:County {id: row.countyId}), (industry:Industry {id: row.industryId})
        MERGE (c)-[:LOCATED_IN]->(county)
        MERGE (c)-[r:IN_INDUSTRY]->(industry)
        SET r.inferred = row.industryInferred
    """,
    "recognitions": """
        UNWIND $rows AS row
        MATCH (c:Cluster {id: row.clusterId})
        MERGE (r:Recognition {id: row.id})
        SET r.level = row.level, r.year = row.year, r.notes = row.notes, r.sources = row.sources,
            r.caption = """
    + _recognition_caption("row.level", "row.year")
    + """
        MERGE (c)-[:RECOGNIZED]->(r)
        WITH r, row
        OPTIONAL MATCH (r)-[old:IN_BATCH|IN_YEAR]->(x)
        WHERE row.batchId IS NULL OR NOT x.id IN [row.batchId, toString(row.year)]
        DELETE old
        WITH DISTINCT r, row
        CALL (r, row) {
            MATCH (b:Batch {id: row.batchId})-[:IN_YEAR]->(y:RecognitionYear)
            MERGE (r)-[:IN_BATCH]->(b)
            MERGE (r)-[:IN_YEAR]->(y)
        }
    """,
    "enterprises": """
        UNWIND $rows AS row
        MERGE (e:Enterprise {id: row.id})
        SET e.name = row.name, e.nameZh = row.nameZh, e.nameSort = row.nameSort, e.nameFolded = row.nameFolded,
            e.nameZhSort = row.nameZhSort, e.sources = row.sources
    """,
    "memberships": """
        UNWIND $rows AS row
        MATCH (e:Enterprise {id: row.enterpriseId}), (c:Cluster {id: row.clusterId})
        MERGE (e)-[m:MEMBER_OF]->(c)
        SET m.role = row.role, m.roleZh = row.roleZh, m.sources = row.sources
    """,
}

GRAPH_COUNTS: LiteralString = """
    CALL () { MATCH (n) RETURN count(n) AS nodes }
    CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
    RETURN nodes, relationships
"""

LABEL_COUNTS: LiteralString = """
    CALL db.labels() YIELD label
    CALL (label) { MATCH (n) WHERE label IN labels(n) RETURN count(n) AS count }
    RETURN label, count ORDER BY label
"""

RELATIONSHIP_TYPE_COUNTS: LiteralString = """
    CALL db.relationshipTypes() YIELD relationshipType AS type
    CALL (type) { MATCH ()-[r]->() WHERE type(r) = type RETURN count(r) AS count }
    RETURN type, count ORDER BY type
"""

PING: LiteralString = "RETURN 1 AS ok"

#: Every node and relationship deleted, in batches (a big graph needs no huge transaction).
WIPE: LiteralString = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
#: Wait (up to five minutes) for every index to be online.
AWAIT_INDEXES: LiteralString = "CALL db.awaitIndexes(300)"
#: How many enterprises exist of each key (the soak's check that no acknowledged write was lost).
ENTERPRISES_FOUND: LiteralString = (
    "UNWIND $keys AS k OPTIONAL MATCH (e:Enterprise {id: k}) RETURN k, count(e) AS n"
)

#: Named nodes still without the sort keys of their names (written before the keys existed, or by hand), a
#: batch at a time; `migrate` computes the keys (`sort_keys`) and writes them with `SET_SORT_KEYS`.
MISSING_SORT_KEYS: LiteralString = """
    MATCH (n:Province|City|County|Industry|Cluster|Enterprise|Batch)
    WHERE (n.name IS NOT NULL AND (n.nameSort IS NULL OR n.nameFolded IS NULL))
        OR (n.nameZh IS NOT NULL AND n.nameZhSort IS NULL)
    RETURN elementId(n) AS id, CASE WHEN n.nameSort IS NULL OR n.nameFolded IS NULL THEN n.name END AS name,
        CASE WHEN n.nameZhSort IS NULL THEN n.nameZh END AS nameZh
    LIMIT $limit
"""
#: The full-text indexes as they are, for `migrate` to drop one whose definition changed (it is then created anew).
FULLTEXT_INDEXES: LiteralString = "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties, options"
#: Drop the index `{name}` (a name from cypher/schema.cypher).
DROP_INDEX: LiteralString = "DROP INDEX {name} IF EXISTS"
SET_SORT_KEYS: LiteralString = """
    UNWIND $rows AS row
    MATCH (n) WHERE elementId(n) = row.id
    SET n += row.keys
"""

#: A recognition written without its caption (before captions were stored, or by hand in Cypher) gets it from its
#: level and year; `migrate` runs it.
SET_MISSING_RECOGNITION_CAPTIONS: LiteralString = (
    "MATCH (r:Recognition) WHERE r.caption IS NULL AND r.level IS NOT NULL SET r.caption = "
    + _recognition_caption("r.level", "r.year")
)

# --- API reads with a fixed shape (the list and filter statements are built in builder.py) ---------------

#: A cluster's related clusters, best first (ties: more shared enterprises, then the same county, then the same
#: city, then the key), as a subquery: `{a}` is the cluster's variable, `{o}` the related one's;
#: `{first}` the page size, `{calls}` subqueries run per related cluster, `{proj}` its map, `{out}` the list's name.
RELATED_CLUSTERS_TEMPLATE: LiteralString = """
    CALL ({a}) {
        CALL ({a}) {
            MATCH ({a})-[:IN_INDUSTRY]->(:Industry)<-[:IN_INDUSTRY]-({o}:Cluster)
            RETURN {o}, 'SAME_INDUSTRY' AS reason, 1.0 AS weight
            UNION ALL
            MATCH ({a})-[:LOCATED_IN]->(:County)-[:IN_CITY]->(city:City)
            MATCH (city)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-({o}:Cluster)
            WHERE {o} <> {a}
            RETURN {o}, 'SAME_CITY' AS reason, 1.0 AS weight
            UNION ALL
            MATCH ({a})-[:LOCATED_IN]->(:County)<-[:LOCATED_IN]-({o}:Cluster)
            WHERE {o} <> {a}
            RETURN {o}, 'SAME_COUNTY' AS reason, 1.0 AS weight
            UNION ALL
            MATCH ({a})<-[:MEMBER_OF]-(:Enterprise)-[:MEMBER_OF]->({o}:Cluster)
            WHERE {o} <> {a}
            RETURN {o}, 'SHARED_ENTERPRISE' AS reason, 2.0 AS weight
        }
        WITH {o}, sum(weight) AS score, collect(DISTINCT reason) AS reasons,
             count(CASE WHEN reason = 'SHARED_ENTERPRISE' THEN 1 END) AS sharedEnterprises
        WITH *, 'SAME_COUNTY' IN reasons AS sameCounty, 'SAME_CITY' IN reasons AS sameCity
        ORDER BY score DESC, sharedEnterprises DESC, sameCounty DESC, sameCity DESC, {o}.id ASC
        LIMIT {first}
        {calls}
        WITH * ORDER BY score DESC, sharedEnterprises DESC, sameCounty DESC, sameCity DESC, {o}.id ASC
        RETURN collect({node: {proj}, score: score, reasons: reasons, sharedEnterprises: sharedEnterprises}) AS {out}
    }
"""

#: The industries of a city's clusters, most clusters first, as a subquery (`{a}` the city; see above).
CITY_INDUSTRIES_TEMPLATE: LiteralString = """
    CALL ({a}) {
        MATCH ({a})<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(cluster:Cluster)-[:IN_INDUSTRY]->({o}:Industry)
        WITH {o}, count(DISTINCT cluster) AS clusters
        {calls}
        WITH * ORDER BY clusters DESC, {o}.name ASC
        RETURN collect({node: {proj}, count: clusters}) AS {out}
    }
"""

#: A batch's recognitions that the graph names, and how many of the official Sichuan count it does not (`{n}`).
BATCH_NAMED_COUNT: LiteralString = "COUNT { ({n})<-[:IN_BATCH]-(:Recognition) }"
BATCH_MISSING_COUNT: LiteralString = (
    "CASE WHEN {n}.officialCountSichuan IS NULL THEN null "
    "ELSE CASE WHEN {n}.officialCountSichuan > COUNT { ({n})<-[:IN_BATCH]-(:Recognition) } "
    "THEN {n}.officialCountSichuan - COUNT { ({n})<-[:IN_BATCH]-(:Recognition) } ELSE 0 END END"
)

#: What the graph names of a batch figure's list, the same figure over it (`{n}` the figure): the list's
#: recognitions, the distinct cities and industries of its clusters, the sum of their stated output values, their
#: distinct member enterprises; null for a figure the graph records nothing of.
BATCH_FIGURE_IN_GRAPH: LiteralString = """CASE {n}.figure
    WHEN 'CLUSTERS' THEN toFloat(COUNT { ({n})<-[:STATES]-(:Batch)<-[:IN_BATCH]-(:Recognition) })
    WHEN 'SICHUAN_CLUSTERS' THEN toFloat(COUNT { ({n})<-[:STATES]-(:Batch)<-[:IN_BATCH]-(:Recognition) })
    WHEN 'CITIES' THEN toFloat(COUNT {
        MATCH ({n})<-[:STATES]-(:Batch)<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(:Cluster)
              -[:LOCATED_IN]->(:County)-[:IN_CITY]->(city:City)
        RETURN DISTINCT city })
    WHEN 'INDUSTRIES' THEN toFloat(COUNT {
        MATCH ({n})<-[:STATES]-(:Batch)<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(:Cluster)
              -[:IN_INDUSTRY]->(industry:Industry)
        RETURN DISTINCT industry })
    WHEN 'OUTPUT_VALUE_CNY' THEN toFloat(reduce(total = 0, value IN COLLECT {
        MATCH ({n})<-[:STATES]-(:Batch)<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(cluster:Cluster)
        WHERE cluster.outputValueCny IS NOT NULL
        RETURN cluster.outputValueCny } | total + value))
    WHEN 'ENTERPRISES' THEN toFloat(COUNT {
        MATCH ({n})<-[:STATES]-(:Batch)<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(:Cluster)
              <-[:MEMBER_OF]-(enterprise:Enterprise)
        RETURN DISTINCT enterprise })
    ELSE null END"""

STATS_LABEL_COUNTS: LiteralString = """
    // One count per label, each answered from the count store (no scan), also inside a subquery.
    UNWIND [
        {label: 'Province', count: COUNT { (:Province) }},
        {label: 'City', count: COUNT { (:City) }},
        {label: 'County', count: COUNT { (:County) }},
        {label: 'Industry', count: COUNT { (:Industry) }},
        {label: 'Cluster', count: COUNT { (:Cluster) }},
        {label: 'Enterprise', count: COUNT { (:Enterprise) }},
        {label: 'Recognition', count: COUNT { (:Recognition) }},
        {label: 'Batch', count: COUNT { (:Batch) }},
        {label: 'BatchFigure', count: COUNT { (:BatchFigure) }},
        {label: 'RecognitionYear', count: COUNT { (:RecognitionYear) }}
    ] AS row
    RETURN row.label AS label, row.count AS count
"""

STATS_RELATIONSHIP_COUNTS: LiteralString = """
    UNWIND [
        {type: 'IN_PROVINCE', count: COUNT { ()-[:IN_PROVINCE]->() }},
        {type: 'IN_CITY', count: COUNT { ()-[:IN_CITY]->() }},
        {type: 'LOCATED_IN', count: COUNT { ()-[:LOCATED_IN]->() }},
        {type: 'IN_INDUSTRY', count: COUNT { ()-[:IN_INDUSTRY]->() }},
        {type: 'RECOGNIZED', count: COUNT { ()-[:RECOGNIZED]->() }},
        {type: 'IN_BATCH', count: COUNT { ()-[:IN_BATCH]->() }},
        {type: 'IN_YEAR', count: COUNT { ()-[:IN_YEAR]->() }},
        {type: 'MEMBER_OF', count: COUNT { ()-[:MEMBER_OF]->() }},
        {type: 'STATES', count: COUNT { ()-[:STATES]->() }}
    ] AS row
    RETURN row.type AS type, row.count AS count
"""

#: The rows of the statistics that list nodes, with `{n}` the node's variable, and their order: the builder adds the
#: node's projection (and its subqueries) between the two.
STATS_BY_INDUSTRY_ROWS: LiteralString = """
    MATCH ({n}:Industry)
    WITH {n}, COUNT { ({n})<-[:IN_INDUSTRY]-(:Cluster) } AS count
"""
STATS_BY_INDUSTRY_ORDER: LiteralString = "count DESC, {n}.name"
STATS_BY_CITY_ROWS: LiteralString = """
    MATCH ({n}:City)
    WITH {n}, COUNT { ({n})<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(:Cluster) } AS count
"""
STATS_BY_CITY_ORDER: LiteralString = "count DESC, {n}.name"
STATS_COVERAGE_ROWS: LiteralString = """
    MATCH ({n}:Batch)
    WITH {n}, COUNT { ({n})<-[:IN_BATCH]-(:Recognition) } AS named
"""
STATS_COVERAGE_ORDER: LiteralString = "{n}.year, {n}.level"

STATS_CLUSTERS_BY_LEVEL: LiteralString = """
    MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition)
    RETURN r.level AS level, count(DISTINCT c) AS count
    ORDER BY level
"""

STATS_TIMELINE: LiteralString = """
    MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition)
    WITH c, r, COLLECT { MATCH (c)-[:RECOGNIZED]->(o:Recognition) WHERE o.year IS NOT NULL RETURN min(o.year) }[0]
         AS firstYear
    RETURN r.year AS year, r.level AS level, count(DISTINCT c) AS count,
           count(DISTINCT CASE WHEN r.year IS NOT NULL AND r.year = firstYear THEN c END) AS newCount
    ORDER BY year IS NULL, year, level
"""

STATS_OUTPUT_VALUE: LiteralString = """
    MATCH (c:Cluster)
    RETURN count(c.outputValueCny) AS count, sum(c.outputValueCny) AS sum, min(c.outputValueCny) AS min,
           max(c.outputValueCny) AS max, avg(c.outputValueCny) AS avg
"""


STATS_UNDATED: LiteralString = """
    MATCH (r:Recognition) WHERE r.year IS NULL
    RETURN r.level AS level, count(r) AS count
    ORDER BY level
"""

#: Full-text hits with `{n}` the node's variable, and their order (best first).
SEARCH_ROWS: LiteralString = """
    CALL db.index.fulltext.queryNodes('name_search', {query}, {limit: {first}})
    YIELD node AS {n}, score
    WITH {n}, score, [label IN labels({n}) WHERE label IN {labels}][0] AS label
"""
SEARCH_ORDER: LiteralString = "score DESC, {n}.id"

#: The longest path `path(from:, to:)` looks for, in relationships (the `*..12` of the template below).
MAX_PATH_LENGTH = 12

#: The shortest path between two nodes (labels from the model, ids as parameters), as a subquery returning
#: `{from, to, nodes, rels}` (see `builder.PathSelection`); `{n}` is each node of the path.
SHORTEST_PATH_TEMPLATE: LiteralString = """
    CALL () {
        OPTIONAL MATCH (source:{from_label} {id: {from}}) WITH source LIMIT 1
        OPTIONAL MATCH (target:{to_label} {id: {to}}) WITH source, target LIMIT 1
        OPTIONAL MATCH p = shortestPath((source)-[*..12]-(target))
        WITH source, target, p, CASE WHEN p IS NULL THEN [] ELSE nodes(p) END AS ns,
             CASE WHEN p IS NULL THEN [] ELSE relationships(p) END AS rs
        CALL (ns) {
            UNWIND range(0, size(ns) - 1) AS i
            WITH i, ns[i] AS {n}
            {calls}
            WITH * ORDER BY i
            RETURN collect({label: [l IN labels({n}) WHERE l IN {labels}][0], node: {proj}}) AS nodes
        }
        RETURN {
            from: source IS NOT NULL, to: target IS NOT NULL, nodes: CASE WHEN p IS NULL THEN null ELSE nodes END,
            rels: [j IN range(0, size(rs) - 1) | {
                type: type(rs[j]),
                start: CASE WHEN startNode(rs[j]) = ns[j] THEN j ELSE j + 1 END,
                end: CASE WHEN startNode(rs[j]) = ns[j] THEN j + 1 ELSE j END
            }]
        } AS {out}
    }
"""
#: The path from a node to itself: the node alone (`shortestPath` refuses equal ends).
PATH_TO_ITSELF_TEMPLATE: LiteralString = """
    CALL () {
        OPTIONAL MATCH (source:{from_label} {id: {from}}) WITH source LIMIT 1
        WITH source, CASE WHEN source IS NULL THEN [] ELSE [source] END AS ns
        CALL (ns) {
            UNWIND ns AS {n}
            {calls}
            RETURN collect({label: [l IN labels({n}) WHERE l IN {labels}][0], node: {proj}}) AS nodes
        }
        RETURN {from: source IS NOT NULL, to: source IS NOT NULL, nodes: nodes, rels: []} AS {out}
    }
"""

# --- writes (each runs inside one write transaction with its reference checks) -----------------------------

EXISTING_KEYS: LiteralString = """
    RETURN
      [k IN $counties WHERE NOT EXISTS { MATCH (:County {id: k}) }] AS missingCounties,
      [k IN $industries WHERE NOT EXISTS { MATCH (:Industry {id: k}) }] AS missingIndustries,
      [k IN $cities WHERE NOT EXISTS { MATCH (:City {id: k}) }] AS missingCities,
      [k IN $clusters WHERE NOT EXISTS { MATCH (:Cluster {id: k}) }] AS missingClusters,
      [k IN $enterprises WHERE NOT EXISTS { MATCH (:Enterprise {id: k}) }] AS missingEnterprises,
      [k IN $batches WHERE NOT EXISTS { MATCH (:Batch {id: k}) }] AS missingBatches
"""

CREATE_CLUSTER: LiteralString = """
    MATCH (county:County {id: $countyKey}), (industry:Industry {id: $industryKey})
    CREATE (c:Cluster {id: $key})
    SET c.name = $name, c.nameZh = $nameZh, c.nameSort = $nameSort, c.nameFolded = $nameFolded, c.nameZhSort = $nameZhSort,
        c.nameStatus = 'AS_LISTED', c.alternateNamesZh = [],
        c.leadingSector = $leadingSector, c.leadingSectorZh = $leadingSectorZh,
        c.outputValueCny = $outputValueCny, c.enterpriseCount = $enterpriseCount, c.sources = $sources
    CREATE (c)-[:LOCATED_IN]->(county)
    CREATE (c)-[:IN_INDUSTRY {inferred: $industryInferred}]->(industry)
    RETURN c {.*} AS node
"""

UPDATE_CLUSTER: LiteralString = """
    MATCH (c:Cluster {id: $key})
    SET c += $props
    WITH c
    CALL (c) {
        MATCH (county:County {id: $countyKey})
        OPTIONAL MATCH (c)-[old:LOCATED_IN]->()
        DELETE old
        MERGE (c)-[:LOCATED_IN]->(county)
    }
    CALL (c) {
        MATCH (industry:Industry {id: $industryKey})
        OPTIONAL MATCH (c)-[old:IN_INDUSTRY]->()
        DELETE old
        MERGE (c)-[r:IN_INDUSTRY]->(industry)
        SET r.inferred = coalesce($industryInferred, false)
    }
    CALL (c) {
        MATCH (c)-[r:IN_INDUSTRY]->()
        WHERE $industryKey IS NULL AND $industryInferred IS NOT NULL
        SET r.inferred = $industryInferred
    }
    RETURN c {.*} AS node
"""

DELETE_CLUSTER: LiteralString = """
    MATCH (c:Cluster {id: $key})
    OPTIONAL MATCH (c)-[:RECOGNIZED]->(r:Recognition)
    DETACH DELETE r
    WITH DISTINCT c
    DETACH DELETE c
    RETURN count(*) AS deleted
"""

CREATE_ENTERPRISE: LiteralString = """
    CREATE (e:Enterprise {id: $key})
    SET e.name = $name, e.nameZh = $nameZh, e.nameSort = $nameSort, e.nameFolded = $nameFolded, e.nameZhSort = $nameZhSort,
        e.sources = $sources
    RETURN e {.*} AS node
"""

UPDATE_ENTERPRISE: LiteralString = """
    MATCH (e:Enterprise {id: $key})
    SET e += $props
    RETURN e {.*} AS node
"""

DELETE_ENTERPRISE: LiteralString = """
    MATCH (e:Enterprise {id: $key})
    DETACH DELETE e
    RETURN count(*) AS deleted
"""

ADD_MEMBERSHIP: LiteralString = """
    MATCH (e:Enterprise {id: $enterpriseKey}), (c:Cluster {id: $clusterKey})
    MERGE (e)-[m:MEMBER_OF]->(c)
    SET m.role = $role, m.roleZh = $roleZh, m.sources = $sources
    RETURN e {.*} AS enterprise, c {.*} AS cluster
"""

REMOVE_MEMBERSHIP: LiteralString = """
    MATCH (:Enterprise {id: $enterpriseKey})-[m:MEMBER_OF]->(:Cluster {id: $clusterKey})
    DELETE m
    RETURN count(*) AS deleted
"""

RECORD_RECOGNITION: LiteralString = (
    """
    MATCH (c:Cluster {id: $clusterKey})
    MERGE (r:Recognition {id: $key})
    SET r.level = $level, r.year = $year, r.notes = $notes, r.sources = $sources,
        r.caption = """
    + _recognition_caption("$level", "$year")
    + """
    MERGE (c)-[:RECOGNIZED]->(r)
    WITH r
    OPTIONAL MATCH (r)-[old:IN_BATCH|IN_YEAR]->()
    DELETE old
    WITH DISTINCT r
    CALL (r) {
        MATCH (b:Batch {id: $batchKey})-[:IN_YEAR]->(y:RecognitionYear)
        MERGE (r)-[:IN_BATCH]->(b)
        MERGE (r)-[:IN_YEAR]->(y)
    }
    RETURN r {.*} AS node
"""
)

REMOVE_RECOGNITION: LiteralString = """
    MATCH (:Cluster {id: $clusterKey})-[:RECOGNIZED]->(r:Recognition {id: $key})
    DETACH DELETE r
    RETURN count(*) AS deleted
"""

CREATE_CITY: LiteralString = """
    MATCH (p:Province {id: $provinceKey})
    CREATE (c:City {id: $key})
    SET c.adminCode = $key, c.name = $name, c.nameZh = $nameZh, c.nameSort = $nameSort, c.nameFolded = $nameFolded,
        c.nameZhSort = $nameZhSort, c.kind = $kind, c.kindZh = $kindZh,
        c.location = CASE WHEN $latitude IS NULL OR $longitude IS NULL THEN null
                          ELSE point({latitude: $latitude, longitude: $longitude}) END,
        c.sources = $sources
    CREATE (c)-[:IN_PROVINCE]->(p)
    RETURN c {.*} AS node
"""

CREATE_COUNTY: LiteralString = """
    MATCH (city:City {id: $cityKey})
    CREATE (c:County {id: $key})
    SET c.name = $name, c.nameZh = $nameZh, c.nameSort = $nameSort, c.nameFolded = $nameFolded, c.nameZhSort = $nameZhSort
    CREATE (c)-[:IN_CITY]->(city)
    RETURN c {.*} AS node
"""

CREATE_INDUSTRY: LiteralString = """
    CREATE (i:Industry {id: $key})
    SET i.name = $name, i.nameZh = $nameZh, i.nameSort = $nameSort, i.nameFolded = $nameFolded, i.nameZhSort = $nameZhSort,
        i.sources = $sources
    RETURN i {.*} AS node
"""

#: The graph read back as the dataset's files (`export`): one statement per file, its columns named as the file's.
#: `clusters.csv` has a row per recognition and `enterprises.csv` a row per membership; `_order` and `_key` let
#: the exporter put each cluster's and each enterprise's rows in the order that rebuilds its merged sources.
EXPORT_STATEMENTS: dict[str, LiteralString] = {
    "provinces.csv": """
        MATCH (p:Province)
        RETURN p.adminCode AS admin_code, p.nameZh AS name_zh, p.name AS name_en, p.sources AS source_url
        ORDER BY p.id
    """,
    "cities.csv": """
        MATCH (c:City)
        RETURN c.adminCode AS admin_code, c.nameZh AS name_zh, c.name AS name_en, c.kindZh AS type_zh,
            c.kind AS type_en, c.location.latitude AS seat_lat, c.location.longitude AS seat_lon,
            c.sources AS source_url
        ORDER BY c.id
    """,
    "industries.csv": """
        MATCH (i:Industry)
        RETURN i.id AS id, i.nameZh AS name_zh, i.name AS name_en, i.sources AS source_url
        ORDER BY i.id
    """,
    "batches.csv": """
        MATCH (b:Batch)
        RETURN b.id AS id, toLower(b.level) AS level, b.year AS year, b.ordinal AS ordinal, b.nameZh AS name_zh,
            b.name AS name_en, b.authorityZh AS authority_zh, b.authority AS authority_en,
            b.officialCount AS official_count, b.officialCountSichuan AS official_count_sichuan,
            toString(b.published) AS published, b.notice AS notice, b.notes AS notes, b.sources AS source_url
        ORDER BY b.id
    """,
    "batch_figures.csv": """
        MATCH (b:Batch)-[:STATES]->(f:BatchFigure)
        RETURN b.id AS batch_id, toLower(f.figure) AS figure, f.value AS value, f.unit AS unit,
            toLower(f.bound) AS bound, f.notes AS notes, f.sources AS source_url
        ORDER BY f.id
    """,
    "clusters.csv": """
        MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition)
        MATCH (c)-[:LOCATED_IN]->(county:County)-[:IN_CITY]->(city:City)-[:IN_PROVINCE]->(p:Province)
        MATCH (c)-[ii:IN_INDUSTRY]->(i:Industry)
        RETURN c.id AS id, c.nameZh AS name_zh, c.name AS name_en, p.nameZh AS province, city.nameZh AS city_zh,
            city.name AS city_en, county.nameZh AS county_zh, county.name AS county_en, toLower(r.level) AS level,
            r.year AS recognition_year, i.nameZh AS industry_zh, i.name AS industry_en,
            ii.inferred AS industry_inferred, c.leadingSectorZh AS leading_sector_zh,
            c.leadingSector AS leading_sector_en, c.outputValueCny AS output_value_cny,
            c.enterpriseCount AS enterprise_count, r.notes AS notes, r.sources AS source_url,
            c.alternateNamesZh AS _alternates, c.sources AS _order, c.id AS _key
        ORDER BY c.id, r.id
    """,
    "enterprises.csv": """
        MATCH (e:Enterprise)-[m:MEMBER_OF]->(c:Cluster)
        RETURN e.nameZh AS name_zh, e.name AS name_en, c.id AS cluster_id, m.roleZh AS role_zh, m.role AS role_en,
            m.sources AS source_url, e.sources AS _order, e.id AS _key
        ORDER BY e.id, c.id
    """,
}
