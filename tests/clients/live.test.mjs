// Live queries from real clients: Apollo Client with its graphql-ws link (and an HTTP link for the mutations),
// and graphql-sse. Driven by tests/integration/test_live_clients.py, which serves the API and passes:
//   CLUSTERGRAPH_HTTP_URL   http://127.0.0.1:<port>/graphql
//   CLUSTERGRAPH_WS_URL     ws://127.0.0.1:<port>/graphql
//   CLUSTERGRAPH_EDITOR_TOKEN  a token that may write
//   CLUSTERGRAPH_CYPHER_URL the test's helper: POST {"action": "create" | "delete" | "keys", "key"} writes (or
//                           reads) straight in Cypher, and answers the keys of the `live-js-` clusters as Neo4j has
//                           them: the expected answer, computed independently of the API.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";

const HTTP_URL = process.env.CLUSTERGRAPH_HTTP_URL;
const WS_URL = process.env.CLUSTERGRAPH_WS_URL;
const EDITOR_TOKEN = process.env.CLUSTERGRAPH_EDITOR_TOKEN;
const CYPHER_URL = process.env.CLUSTERGRAPH_CYPHER_URL;
const WAIT_MS = 30_000;

const LIVE = `
  subscription Live($prefix: String!) {
    clusters(where: { key: { startsWith: $prefix } }, orderBy: [{ field: KEY }], first: 50) {
      totalCount
      nodes { key }
    }
  }
`;
const CREATE = gql`
  mutation Create($input: CreateClusterInput!) {
    createCluster(input: $input) { cluster { key } errors { message } }
  }
`;
const DELETE = gql`
  mutation Delete($key: String!) { deleteCluster(key: $key) { errors { message } } }
`;

function clusterInput(key) {
  return {
    key,
    name: `Client ${key}`,
    nameZh: "客户端测试集群",
    countyKey: "pidu-district",
    industryKey: "electronic-information",
    sources: ["https://example.org/client"],
  };
}

async function cypher(action, key, prefix) {
  const response = await fetch(CYPHER_URL, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ action, key, prefix }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).keys;
}

function keysOf(result) {
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  const clusters = result.data.clusters;
  const keys = clusters.nodes.map((n) => n.key);
  assert.equal(clusters.totalCount, keys.length);
  return keys;
}

/** The values an observable (or async source) delivers, taken one at a time, each within WAIT_MS. */
class Inbox {
  constructor() {
    this.values = [];
    this.waiting = [];
  }
  push(value) {
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(value);
    else this.values.push(value);
  }
  fail(error) {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    this.error = error;
  }
  next() {
    if (this.values.length) return Promise.resolve(this.values.shift());
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer came in time")), WAIT_MS);
      this.waiting.push({
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }
}

test("Apollo Client over graphql-ws: the answer, then after a mutation and after a Cypher write", async () => {
  const prefix = "live-js-ws-";
  let whenClosed;
  const closed = new Promise((resolve) => (whenClosed = resolve));
  const wsClient = createWsClient({
    url: WS_URL,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    on: { closed: (event) => whenClosed(event) },
  });
  const wsLink = new GraphQLWsLink(wsClient);
  const httpLink = new HttpLink({ uri: HTTP_URL, headers: { authorization: `Bearer ${EDITOR_TOKEN}` } });
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: ApolloLink.split(
      ({ query }) => {
        const definition = getMainDefinition(query);
        return definition.kind === "OperationDefinition" && definition.operation === "subscription";
      },
      wsLink,
      httpLink,
    ),
  });

  const inbox = new Inbox();
  const subscription = client
    .subscribe({ query: gql(LIVE), variables: { prefix }, fetchPolicy: "no-cache" })
    .subscribe({ next: (r) => inbox.push(r), error: (e) => inbox.fail(e) });

  assert.deepEqual(keysOf(await inbox.next()), await cypher("keys", null, prefix));

  const created = await client.mutate({ mutation: CREATE, variables: { input: clusterInput(`${prefix}api`) } });
  assert.deepEqual(created.data.createCluster.errors, []);
  const afterMutation = keysOf(await inbox.next());
  assert.deepEqual(afterMutation, await cypher("keys", null, prefix));
  assert.deepEqual(afterMutation, [`${prefix}api`]);

  const expected = await cypher("create", `${prefix}cypher`, prefix);
  const afterCypher = keysOf(await inbox.next());
  assert.deepEqual(afterCypher, expected);
  assert.deepEqual(afterCypher, [`${prefix}api`, `${prefix}cypher`]);

  subscription.unsubscribe();
  const deleted = await client.mutate({ mutation: DELETE, variables: { key: `${prefix}api` } });
  assert.deepEqual(deleted.data.deleteCluster.errors, []);
  await cypher("delete", `${prefix}cypher`, prefix);
  await wsClient.dispose();
  client.stop();
  const event = await closed;
  assert.equal(event.code, 1000, `closed with ${event.code} ${event.reason}`); // a normal closure
});

test("graphql-sse: the answer, then after a Cypher write and after a mutation", async () => {
  const prefix = "live-js-sse-";
  const sse = createSseClient({ url: HTTP_URL, retryAttempts: 0 });
  const answers = sse.iterate({ query: LIVE, variables: { prefix } });

  const first = await answers.next();
  assert.deepEqual(keysOf(first.value), await cypher("keys", null, prefix));

  const expected = await cypher("create", `${prefix}cypher`, prefix);
  const afterCypher = keysOf((await answers.next()).value);
  assert.deepEqual(afterCypher, expected);
  assert.deepEqual(afterCypher, [`${prefix}cypher`]);

  const response = await fetch(HTTP_URL, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${EDITOR_TOKEN}` },
    body: JSON.stringify({ query: CREATE.loc.source.body, variables: { input: clusterInput(`${prefix}api`) } }),
  });
  assert.deepEqual((await response.json()).data.createCluster.errors, []);
  const afterMutation = keysOf((await answers.next()).value);
  assert.deepEqual(afterMutation, await cypher("keys", null, prefix));
  assert.deepEqual(afterMutation, [`${prefix}api`, `${prefix}cypher`]);

  const ended = await answers.return();
  assert.equal(ended.done, true);
  sse.dispose();
  await cypher("delete", `${prefix}cypher`, prefix);
  await cypher("delete", `${prefix}api`, prefix);
});
