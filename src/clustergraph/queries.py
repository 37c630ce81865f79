"""Every Cypher statement of ClusterGraph, in one place.

Values always travel as parameters. The only text ever spliced into a statement is a label, relationship type or
property name taken from the fixed tables of `graph_model.py` (never from a request), so the dynamic statements
built in `cypher_builder.py` stay within the same closed vocabulary.
"""

from __future__ import annotations

from typing import LiteralString

# --- loading (one transaction; each statement UNWINDs a batch of rows) ---------------------------------------

LOAD_STATEMENTS: dict[str, LiteralString] = {
    "provinces": """
        UNWIND $rows AS row
        MERGE (p:Province {id: row.id})
        SET p.adminCode = row.adminCode, p.name = row.name, p.nameZh = row.nameZh, p.sources = row.sources
    """,
    "cities": """
        UNWIND $rows AS row
        MERGE (c:City {id: row.id})
        SET c.adminCode = row.adminCode, c.name = row.name, c.nameZh = row.nameZh, c.kind = row.kind,
            c.kindZh = row.kindZh, c.location = point({latitude: row.latitude, longitude: row.longitude}),
            c.sources = row.sources
        WITH c, row
        MATCH (p:Province {id: row.provinceId})
        MERGE (c)-[:IN_PROVINCE]->(p)
    """,
    "counties": """
        UNWIND $rows AS row
        MERGE (c:County {id: row.id})
        SET c.name = row.name, c.nameZh = row.nameZh
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
        SET i.name = row.name, i.nameZh = row.nameZh, i.sources = row.sources
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
            b.nameZh = row.nameZh, b.authority = row.authority, b.authorityZh = row.authorityZh,
            b.officialCount = row.officialCount, b.officialCountSichuan = row.officialCountSichuan,
            b.published = CASE WHEN row.published IS NULL THEN null ELSE date(row.published) END,
            b.notes = row.notes, b.sources = row.sources
        WITH b, row
        MERGE (y:RecognitionYear {id: toString(row.year)})
        ON CREATE SET y.year = row.year
        MERGE (b)-[:IN_YEAR]->(y)
    """,
    "clusters": """
        UNWIND $rows AS row
        MERGE (c:Cluster {id: row.id})
        SET c.name = row.name, c.nameZh = row.nameZh, c.nameStatus = row.nameStatus,
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
        SET r.level = row.level, r.year = row.year, r.notes = row.notes, r.sources = row.sources
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
        SET e.name = row.name, e.nameZh = row.nameZh, e.sources = row.sources
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
