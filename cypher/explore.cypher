// ClusterGraph: queries to paste into Neo4j Browser (http://127.0.0.1:7474/browser/), one at a time.
// Each query follows the comment line that says what it shows and ends with a semicolon at the end of a line.
// Queries that RETURN paths are drawn as a graph; drag cypher/clustergraph.grass onto the Browser to style it.
// Every value below (ids, names, years) comes from the dataset in data/.

// The whole schema: every label and relationship type and how they connect
CALL db.schema.visualization();

// How many nodes the graph holds, by label
MATCH (n)
UNWIND labels(n) AS label
RETURN label, count(*) AS nodes
ORDER BY label;

// Clusters of a city (Chengdu, 成都市), with their counties, industries and recognitions
MATCH (city:City {nameZh: '成都市'})<-[:IN_CITY]-(county:County)<-[:LOCATED_IN]-(c:Cluster)
MATCH (c)-[:IN_INDUSTRY]->(i:Industry)
OPTIONAL MATCH (c)-[:RECOGNIZED]->(r:Recognition)
RETURN county.nameZh AS county, c.nameZh AS cluster, c.id AS id, i.nameZh AS industry,
       collect(r.level + ' ' + coalesce(toString(r.year), '(year unknown)')) AS recognitions
ORDER BY county, cluster;

// The same city (id 510100) drawn as a graph: its counties, their clusters and the clusters' industries
MATCH p = (:City {id: '510100'})<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(:Cluster)-[:IN_INDUSTRY]->(:Industry)
RETURN p;

// Clusters per city, all 21 cities and prefectures, including those with no cluster in the graph
MATCH (city:City)
OPTIONAL MATCH (city)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster)
RETURN city.id AS id, city.nameZh AS city, city.kindZh AS kind, count(c) AS clusters,
       collect(c.nameZh) AS clusterNames
ORDER BY clusters DESC, id;

// Recognitions of one year (2023), by industry and level
MATCH (:RecognitionYear {year: 2023})<-[:IN_YEAR]-(r:Recognition)<-[:RECOGNIZED]-(c:Cluster)-[:IN_INDUSTRY]->(i:Industry)
RETURN i.nameZh AS industry, r.level AS level, count(*) AS recognitions, collect(c.nameZh) AS clusters
ORDER BY industry, level;

// Recognitions per year and level, as the sources date them
MATCH (y:RecognitionYear)
OPTIONAL MATCH (y)<-[:IN_YEAR]-(r:Recognition)
RETURN y.year AS year,
       count(CASE r.level WHEN 'PROVINCIAL' THEN 1 END) AS provincial,
       count(CASE r.level WHEN 'NATIONAL' THEN 1 END) AS national
ORDER BY year;

// A cluster's whole neighbourhood (Pidu, pidu-electromagnetic-space-security): county and city, industry, members, recognitions with their batches and years
MATCH (c:Cluster {id: 'pidu-electromagnetic-space-security'})
MATCH p = (c)-[:LOCATED_IN|IN_INDUSTRY|RECOGNIZED|MEMBER_OF]-(n)
OPTIONAL MATCH q = (n)-[:IN_CITY|IN_BATCH|IN_YEAR]->()
RETURN p, q;

// Clusters that share a member enterprise or a county (崇州市, Chongzhou, holds two clusters)
MATCH (a:Cluster)<-[:MEMBER_OF]-(x:Enterprise)-[:MEMBER_OF]->(b:Cluster)
WHERE a.id < b.id
RETURN 'Enterprise' AS shared, x.nameZh AS via, a.nameZh AS cluster, b.nameZh AS otherCluster
UNION ALL
MATCH (a:Cluster)-[:LOCATED_IN]->(x:County)<-[:LOCATED_IN]-(b:Cluster)
WHERE a.id < b.id
RETURN 'County' AS shared, x.nameZh AS via, a.nameZh AS cluster, b.nameZh AS otherCluster;

// Clusters of the same industry in the same city, drawn as a graph
MATCH p = (a:Cluster)-[:IN_INDUSTRY]->(:Industry)<-[:IN_INDUSTRY]-(b:Cluster)
WHERE a.id < b.id
  AND EXISTS { (a)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(city:City)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(b) }
RETURN p;

// Clusters recognised at both levels, provincial and national, with the year of each (null: not stated)
MATCH (prov:Recognition {level: 'PROVINCIAL'})<-[:RECOGNIZED]-(c:Cluster)-[:RECOGNIZED]->(nat:Recognition {level: 'NATIONAL'})
RETURN c.nameZh AS cluster, c.id AS id, prov.year AS provincialYear, nat.year AS nationalYear
ORDER BY cluster;

// Coverage of each official batch: its official number of Sichuan clusters against the recognitions the graph places in it
MATCH (b:Batch)
WITH b, COUNT { (b)<-[:IN_BATCH]-(:Recognition) } AS inGraph
RETURN b.id AS batch, b.nameZh AS name, b.published AS published, b.officialCount AS officialCount,
       b.officialCountSichuan AS officialCountSichuan, inGraph,
       b.officialCountSichuan - inGraph AS missing,
       round(100.0 * inGraph / b.officialCountSichuan, 1) AS coveragePercent
ORDER BY b.level DESC, b.ordinal;

// Recognitions whose year is unknown (no source states it): no IN_YEAR and no IN_BATCH
MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition)
WHERE r.year IS NULL AND NOT (r)-[:IN_YEAR]->(:RecognitionYear)
RETURN c.nameZh AS cluster, r.level AS level, r.notes AS notes
ORDER BY level, cluster;

// Industries by the number of cities with a cluster in them (and how many of the assignments are inferred)
MATCH (i:Industry)
OPTIONAL MATCH (i)<-[ii:IN_INDUSTRY]-(c:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(city:City)
RETURN i.nameZh AS industry, i.name AS name, count(DISTINCT city) AS cities, count(DISTINCT c) AS clusters,
       count(CASE WHEN ii.inferred THEN 1 END) AS inferred, collect(DISTINCT city.nameZh) AS cityNames
ORDER BY cities DESC, clusters DESC, industry;

// Clusters with a stated output value, ranked (outputValueCny in yuan; 亿元 = 100 million yuan)
MATCH (c:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(city:City)
WHERE c.outputValueCny IS NOT NULL
RETURN c.nameZh AS cluster, city.nameZh AS city, c.outputValueCny AS outputValueCny,
       round(c.outputValueCny / 1.0e8, 1) AS outputValue100mCny, c.enterpriseCount AS enterpriseCount
ORDER BY outputValueCny DESC;

// Clusters with a stated number of enterprises, ranked, next to the member enterprises the graph names
MATCH (c:Cluster)
WHERE c.enterpriseCount IS NOT NULL
RETURN c.nameZh AS cluster, c.enterpriseCount AS enterpriseCount,
       COUNT { (c)<-[:MEMBER_OF]-(:Enterprise) } AS membersInGraph
ORDER BY enterpriseCount DESC;

// Enterprises whose role in a cluster (MEMBER_OF.roleZh) mentions 链主 (chain leader), with the cluster's county, drawn as a graph
MATCH p = (e:Enterprise)-[m:MEMBER_OF]->(:Cluster)-[:LOCATED_IN]->(:County)
WHERE m.roleZh CONTAINS '链主'
RETURN p;

// Clusters whose name is not yet the official list name (nameStatus), and names kept from another recognition
MATCH (c:Cluster)
WHERE c.nameStatus <> 'AS_LISTED' OR size(c.alternateNamesZh) > 0
RETURN c.nameZh AS cluster, c.nameStatus AS nameStatus, c.alternateNamesZh AS alternateNamesZh
ORDER BY nameStatus, cluster;

// Cities with clusters, by distance from Chengdu (City.location is the approximate seat of each city), in kilometres
MATCH (chengdu:City {id: '510100'})
MATCH (c:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(city:City)
RETURN city.nameZh AS city, round(point.distance(chengdu.location, city.location) / 1000.0) AS km,
       count(c) AS clusters, collect(c.nameZh) AS clusterNames
ORDER BY km DESC, city;

// The shortest path between two clusters (Pidu, 郫都区, and Shehong, 射洪市): through the province
MATCH p = shortestPath(
  (:Cluster {id: 'pidu-electromagnetic-space-security'})-[*..12]-(:Cluster {id: 'shehong-lithium-battery-materials'})
)
RETURN p, length(p) AS hops;

// Full-text search in Chinese: 玻纤 (glass fibre) in any name, best match first
CALL db.index.fulltext.queryNodes('name_search', '玻纤') YIELD node, score
RETURN labels(node)[0] AS label, node.id AS id, node.nameZh AS nameZh, node.name AS name, score
ORDER BY score DESC;

// Full-text search in English: "electromagnetic" finds the Pidu cluster
CALL db.index.fulltext.queryNodes('name_search', 'electromagnetic') YIELD node, score
RETURN labels(node)[0] AS label, node.id AS id, node.nameZh AS nameZh, node.name AS name, score
ORDER BY score DESC;

// Full-text search drawn as a graph: everything named 航空 (aviation) and the cluster or county it belongs to
CALL db.index.fulltext.queryNodes('name_search', '航空') YIELD node
MATCH p = (node)-[:MEMBER_OF|LOCATED_IN]->()
RETURN p;
