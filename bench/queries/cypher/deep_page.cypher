// Page 20 of the recognised clusters (a recognition at one of $levels), sorted by name: a keyset from the
// (name, id) ending page 19, fetched by walking pages 1 to 19 first. The `c.name >=` bound lets the name index
// serve the order from the cursor, so the page reads about $size clusters, not all of them.
MATCH (c:Cluster)
WHERE c.name >= coalesce($afterName, '')
  AND EXISTS { (c)-[:RECOGNIZED]->(r:Recognition) WHERE r.level IN $levels }
  AND ($afterName IS NULL OR c.name > $afterName OR (c.name = $afterName AND c.id > $afterId))
WITH c ORDER BY c.name, c.id LIMIT $size + 1
WITH collect(c) AS rows
RETURN [c IN rows[0..$size] | c {.id, .name, .nameZh}] AS nodes, size(rows) > $size AS hasNextPage
