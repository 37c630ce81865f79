// A city, its first 10 clusters by name, and the first 10 member enterprises of each with their roles.
MATCH (city:City {id: $city})
RETURN city {
  .id, .name,
  clusters: COLLECT {
    MATCH (city)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster)
    WITH DISTINCT c ORDER BY c.name, c.id LIMIT 10
    RETURN c {
      .id, .name,
      enterprises: COLLECT {
        MATCH (c)<-[m:MEMBER_OF]-(e:Enterprise)
        WITH m, e ORDER BY e.name, e.id LIMIT 10
        RETURN {role: m.role, node: e {.id, .name, .nameZh}}
      }
    }
  }
} AS city
