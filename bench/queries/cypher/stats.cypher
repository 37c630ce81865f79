// Aggregates over the whole graph: nodes per label (from the count store), clusters per industry, per city and
// per level, output value.
CALL () {
  RETURN [
    {label: 'Province', count: COUNT { (:Province) }}, {label: 'City', count: COUNT { (:City) }},
    {label: 'County', count: COUNT { (:County) }}, {label: 'Industry', count: COUNT { (:Industry) }},
    {label: 'Cluster', count: COUNT { (:Cluster) }}, {label: 'Enterprise', count: COUNT { (:Enterprise) }},
    {label: 'Recognition', count: COUNT { (:Recognition) }}, {label: 'Batch', count: COUNT { (:Batch) }},
    {label: 'RecognitionYear', count: COUNT { (:RecognitionYear) }}
  ] AS labelCounts
}
CALL () {
  MATCH (i:Industry)
  WITH i, COUNT { (i)<-[:IN_INDUSTRY]-(:Cluster) } AS n ORDER BY n DESC, i.name
  RETURN collect({industry: i {.id, .name}, count: n}) AS clustersByIndustry
}
CALL () {
  MATCH (city:City)
  WITH city, COUNT { (city)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(:Cluster) } AS n ORDER BY n DESC, city.name
  RETURN collect({city: city {.id, .name}, count: n}) AS clustersByCity
}
CALL () {
  MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition)
  WITH r.level AS level, count(DISTINCT c) AS n ORDER BY level
  RETURN collect({level: level, count: n}) AS clustersByLevel
}
CALL () {
  MATCH (c:Cluster)
  RETURN {count: count(c.outputValueCny), sum: sum(c.outputValueCny), min: min(c.outputValueCny),
          max: max(c.outputValueCny), avg: avg(c.outputValueCny)} AS outputValueCny
}
RETURN labelCounts, clustersByIndustry, clustersByCity, clustersByLevel, outputValueCny
