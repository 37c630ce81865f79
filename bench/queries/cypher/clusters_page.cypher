// The first page of 50 clusters of one industry recognised in one year, sorted by name, with the total.
CALL () {
  MATCH (c:Cluster)-[:IN_INDUSTRY]->(:Industry {id: $industry})
  WHERE EXISTS { (c)-[:RECOGNIZED]->(r:Recognition) WHERE r.year = $year }
  RETURN count(c) AS totalCount
}
CALL () {
  MATCH (c:Cluster)-[:IN_INDUSTRY]->(:Industry {id: $industry})
  WHERE EXISTS { (c)-[:RECOGNIZED]->(r:Recognition) WHERE r.year = $year }
  WITH c ORDER BY c.name, c.id LIMIT 51
  RETURN collect(c {.id, .name, .nameZh, .leadingSector, .outputValueCny, .enterpriseCount}) AS rows
}
RETURN totalCount, rows[0..50] AS nodes, size(rows) > 50 AS hasNextPage
