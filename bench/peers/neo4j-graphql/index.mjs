// The @neo4j/graphql peer of the ClusterGraph benchmark: ClusterGraph's graph model, declared as @neo4j/graphql
// type definitions and served by Apollo Server's standalone HTTP server.
//
// Environment: NEO4J_URI (bolt://127.0.0.1:7690), NEO4J_USER (neo4j), NEO4J_PASSWORD (required),
// NEO4J_DATABASE (neo4j), PORT (4000), HOST (127.0.0.1), WORKERS (1: with more, a Node.js cluster of that many
// processes shares the port). With PRINT_SCHEMA=1 it prints the generated schema and exits.

import cluster from "node:cluster";

import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import { printSchema } from "graphql";
import neo4j from "neo4j-driver";

// Relationship types and directions are those of ClusterGraph's graph (see src/clustergraph/graph_model.py):
//   (City)-[:IN_PROVINCE]->(Province)       (County)-[:IN_CITY]->(City)
//   (Cluster)-[:LOCATED_IN]->(County)       (Cluster)-[:IN_INDUSTRY {inferred}]->(Industry)
//   (Cluster)-[:RECOGNIZED]->(Recognition)  (Recognition)-[:IN_BATCH]->(Batch)
//   (Recognition)-[:IN_YEAR]->(RecognitionYear)  (Batch)-[:IN_YEAR]->(RecognitionYear)
//   (Enterprise)-[:MEMBER_OF {role, roleZh, sources}]->(Cluster)
// Paths of two hops (a cluster's city, a city's clusters) and graph questions (related clusters) are @cypher
// fields, as a user of the library would write them.
export const typeDefs = /* GraphQL */ `
  enum RecognitionLevel {
    PROVINCIAL
    NATIONAL
  }

  enum NameStatus {
    AS_LISTED
    AS_WORDED_IN_SOURCE
    UNVERIFIED
  }

  type InIndustry @relationshipProperties {
    inferred: Boolean
  }

  type Membership @relationshipProperties {
    role: String
    roleZh: String
    sources: [String!]
  }

  type Province @node {
    id: ID!
    adminCode: String!
    name: String!
    nameZh: String!
    sources: [String!]
    cities: [City!]! @relationship(type: "IN_PROVINCE", direction: IN)
  }

  type City @node {
    id: ID!
    adminCode: String!
    name: String!
    nameZh: String!
    kind: String
    kindZh: String
    sources: [String!]
    province: Province @relationship(type: "IN_PROVINCE", direction: OUT)
    counties: [County!]! @relationship(type: "IN_CITY", direction: IN)
    clusters(first: Int = 20): [Cluster!]!
      @cypher(
        statement: """
        MATCH (this)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster)
        WITH DISTINCT c
        ORDER BY c.name, c.id
        LIMIT $first
        RETURN c
        """
        columnName: "c"
      )
    clusterCount: Int!
      @cypher(
        statement: "RETURN COUNT { (this)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(:Cluster) } AS n"
        columnName: "n"
      )
  }

  type County @node {
    id: ID!
    name: String!
    nameZh: String!
    city: City @relationship(type: "IN_CITY", direction: OUT)
    clusters: [Cluster!]! @relationship(type: "LOCATED_IN", direction: IN)
  }

  type Industry @node {
    id: ID!
    name: String!
    nameZh: String!
    sources: [String!]
    clusters: [Cluster!]! @relationship(type: "IN_INDUSTRY", direction: IN, properties: "InIndustry")
  }

  type RelatedCluster {
    cluster: Cluster!
    score: Float!
    reasons: [String!]!
    sharedEnterpriseCount: Int!
  }

  type Cluster
    @node
    @fulltext(indexes: [{ indexName: "name_search", queryName: "clustersByName", fields: ["name", "nameZh"] }]) {
    id: ID!
    name: String!
    nameZh: String!
    nameStatus: NameStatus
    alternateNamesZh: [String!]
    leadingSector: String
    leadingSectorZh: String
    outputValueCny: Float
    enterpriseCount: Int
    sources: [String!]
    county: County @relationship(type: "LOCATED_IN", direction: OUT)
    industry: Industry @relationship(type: "IN_INDUSTRY", direction: OUT, properties: "InIndustry")
    recognitions: [Recognition!]! @relationship(type: "RECOGNIZED", direction: OUT)
    members: [Enterprise!]! @relationship(type: "MEMBER_OF", direction: IN, properties: "Membership")
    city: City
      @cypher(
        statement: """
        MATCH (this)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(c:City)
        RETURN c LIMIT 1
        """
        columnName: "c"
      )
    relatedClusters(first: Int = 10): [RelatedCluster!]!
      @cypher(
        statement: """
        CALL (this) {
          MATCH (this)-[:IN_INDUSTRY]->(:Industry)<-[:IN_INDUSTRY]-(o:Cluster)
          RETURN o, 'SAME_INDUSTRY' AS reason, 1.0 AS weight
          UNION ALL
          MATCH (this)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(:City)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(o:Cluster)
          WHERE o <> this
          RETURN o, 'SAME_CITY' AS reason, 1.0 AS weight
          UNION ALL
          MATCH (this)-[:LOCATED_IN]->(:County)<-[:LOCATED_IN]-(o:Cluster)
          WHERE o <> this
          RETURN o, 'SAME_COUNTY' AS reason, 1.0 AS weight
          UNION ALL
          MATCH (this)<-[:MEMBER_OF]-(:Enterprise)-[:MEMBER_OF]->(o:Cluster)
          WHERE o <> this
          RETURN o, 'SHARED_ENTERPRISE' AS reason, 2.0 AS weight
        }
        WITH o, sum(weight) AS score, collect(DISTINCT reason) AS reasons,
             count(CASE WHEN reason = 'SHARED_ENTERPRISE' THEN 1 END) AS shared
        ORDER BY score DESC, o.name ASC, o.id ASC
        LIMIT $first
        RETURN {cluster: o {.*}, score: score, reasons: reasons, sharedEnterpriseCount: shared} AS related
        """
        columnName: "related"
      )
  }

  type Enterprise
    @node
    @fulltext(indexes: [{ indexName: "name_search", queryName: "enterprisesByName", fields: ["name", "nameZh"] }]) {
    id: ID!
    name: String!
    nameZh: String!
    sources: [String!]
    clusters: [Cluster!]! @relationship(type: "MEMBER_OF", direction: OUT, properties: "Membership")
  }

  type Recognition @node {
    id: ID!
    level: RecognitionLevel!
    year: Int
    notes: String
    sources: [String!]
    cluster: Cluster @relationship(type: "RECOGNIZED", direction: IN)
    batch: Batch @relationship(type: "IN_BATCH", direction: OUT)
    recognitionYear: RecognitionYear @relationship(type: "IN_YEAR", direction: OUT)
  }

  type Batch @node {
    id: ID!
    level: RecognitionLevel!
    year: Int!
    ordinal: Int
    name: String!
    nameZh: String!
    authority: String
    authorityZh: String
    published: Date
    officialCount: Int
    officialCountSichuan: Int
    notes: String
    sources: [String!]
    recognitions: [Recognition!]! @relationship(type: "IN_BATCH", direction: IN)
    recognitionYear: RecognitionYear @relationship(type: "IN_YEAR", direction: OUT)
  }

  type RecognitionYear @node {
    id: ID!
    year: Int!
    batches: [Batch!]! @relationship(type: "IN_YEAR", direction: IN)
    recognitions: [Recognition!]! @relationship(type: "IN_YEAR", direction: IN)
  }
`;

const env = process.env;

async function serve() {
  if (!env.NEO4J_PASSWORD) {
    throw new Error("NEO4J_PASSWORD must be set (the bench passes the bench Neo4j's generated password)");
  }
  const driver = neo4j.driver(
    env.NEO4J_URI ?? "bolt://127.0.0.1:7690",
    neo4j.auth.basic(env.NEO4J_USER ?? "neo4j", env.NEO4J_PASSWORD),
    { maxConnectionPoolSize: 50 },
  );
  const neoSchema = new Neo4jGraphQL({ typeDefs, driver });
  const schema = await neoSchema.getSchema();
  if (env.PRINT_SCHEMA) {
    process.stdout.write(printSchema(schema) + "\n");
    await driver.close();
    return;
  }
  const server = new ApolloServer({ schema, introspection: false });
  const port = Number(env.PORT ?? 4000);
  const database = env.NEO4J_DATABASE ?? "neo4j";
  const { url } = await startStandaloneServer(server, {
    listen: { port, host: env.HOST ?? "127.0.0.1" },
    context: async () => ({ sessionConfig: { database } }),
  });
  process.stdout.write(`@neo4j/graphql peer listening at ${url}\n`);
  const stop = async () => {
    await server.stop();
    await driver.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function fail(error) {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
}

const workers = Math.max(1, Number(env.WORKERS ?? 1));
if (workers > 1 && cluster.isPrimary && !env.PRINT_SCHEMA) {
  for (let i = 0; i < workers; i += 1) cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    process.stderr.write(`worker ${worker.process.pid} exited (${signal ?? code})\n`);
  });
  const stopAll = () => {
    for (const worker of Object.values(cluster.workers)) worker.kill("SIGTERM");
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGTERM", stopAll);
  process.on("SIGINT", stopAll);
} else {
  serve().catch(fail);
}
