// One cluster by key, with its county, city, industry and recognitions (each with its batch).
MATCH (c:Cluster {id: $cluster})
OPTIONAL MATCH (c)-[:LOCATED_IN]->(county:County)
OPTIONAL MATCH (county)-[:IN_CITY]->(city:City)
OPTIONAL MATCH (c)-[ii:IN_INDUSTRY]->(industry:Industry)
RETURN c {
  .id, .name, .nameZh, .nameStatus, .leadingSector, .leadingSectorZh, .outputValueCny, .enterpriseCount, .sources,
  county: county {.id, .name, .nameZh},
  city: city {.id, .name, .nameZh},
  industry: industry {.id, .name, .nameZh},
  industryInferred: ii.inferred,
  recognitions: COLLECT {
    MATCH (c)-[:RECOGNIZED]->(r:Recognition)
    OPTIONAL MATCH (r)-[:IN_BATCH]->(b:Batch)
    WITH r, b ORDER BY r.year, r.level, r.id
    RETURN r {.id, .level, .year, .notes, batch: b {.id, .name, .year}}
  }
} AS cluster
