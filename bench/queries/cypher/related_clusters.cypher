// The 10 clusters closest to one cluster (shared industry, city, county, enterprises), with score and reasons.
MATCH (c:Cluster {id: $cluster})
CALL (c) {
  MATCH (c)-[:IN_INDUSTRY]->(:Industry)<-[:IN_INDUSTRY]-(o:Cluster)
  RETURN o, 'SAME_INDUSTRY' AS reason, 1.0 AS weight
  UNION ALL
  MATCH (c)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(:City)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(o:Cluster)
  WHERE o <> c
  RETURN o, 'SAME_CITY' AS reason, 1.0 AS weight
  UNION ALL
  MATCH (c)-[:LOCATED_IN]->(:County)<-[:LOCATED_IN]-(o:Cluster)
  WHERE o <> c
  RETURN o, 'SAME_COUNTY' AS reason, 1.0 AS weight
  UNION ALL
  MATCH (c)<-[:MEMBER_OF]-(:Enterprise)-[:MEMBER_OF]->(o:Cluster)
  WHERE o <> c
  RETURN o, 'SHARED_ENTERPRISE' AS reason, 2.0 AS weight
}
WITH c, o, sum(weight) AS score, collect(DISTINCT reason) AS reasons,
     count(CASE WHEN reason = 'SHARED_ENTERPRISE' THEN 1 END) AS shared
ORDER BY score DESC, o.name, o.id
LIMIT 10
RETURN c {.id} AS of, o {.id, .name} AS cluster, score, reasons, shared AS sharedEnterpriseCount
