"""The benchmark harness of ClusterGraph: the bench Neo4j, the query suite, the servers and the load generator."""
