// Apollo Client's persisted-query link against a running ClusterGraph: a query by hash over GET (a miss, then the
// link's retry with the document), then the same query again by hash (a hit), then again (304, as a browser's
// HTTP cache revalidates). Driven by tests/integration/test_js_clients.py, which passes the service's URL
// (CLUSTERGRAPH_URL) and the expected answer computed in Cypher (CLUSTERGRAPH_EXPECTED), and reads the exchanges
// back from CLUSTERGRAPH_REPORT.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { test } from "node:test";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const url = process.env.CLUSTERGRAPH_URL;
const expected = JSON.parse(process.env.CLUSTERGRAPH_EXPECTED ?? "null");
const first = Number(process.env.CLUSTERGRAPH_FIRST);

const CLUSTERS = gql`
  query Clusters($first: Int!) {
    clusters(first: $first, orderBy: [{ field: KEY }]) {
      totalCount
      nodes {
        key
        name
      }
    }
  }
`;

/** Every exchange with the service: method, status, the headers that matter, the error codes of the body. */
const exchanges = [];
/** What a browser's HTTP cache holds: the last answer to each GET URL that had an ETag. */
const held = new Map();

/** `fetch` with a revalidating HTTP cache of GET answers, as a browser has (Node's fetch has none). */
async function cachingFetch(input, init = {}) {
  const method = (init.method ?? "GET").toUpperCase();
  const key = String(input);
  const headers = new Headers(init.headers);
  const kept = method === "GET" ? held.get(key) : undefined;
  if (kept) headers.set("If-None-Match", kept.etag);
  const response = await fetch(input, { ...init, headers });
  const text = response.status === 304 ? "" : await response.text();
  let codes = [];
  try {
    codes = (JSON.parse(text).errors ?? []).map((e) => e.extensions?.code ?? null);
  } catch {}
  exchanges.push({
    method,
    status: response.status,
    url: key,
    hasQuery: method === "GET" ? new URL(key).searchParams.has("query") : JSON.parse(init.body).query !== undefined,
    xCache: response.headers.get("x-cache"),
    cacheControl: response.headers.get("cache-control"),
    vary: response.headers.get("vary"),
    etag: response.headers.get("etag"),
    codes,
  });
  if (response.status === 304 && kept) {
    return new Response(kept.text, { status: 200, headers: { "content-type": kept.contentType } });
  }
  const etag = response.headers.get("etag");
  if (method === "GET" && response.ok && etag) {
    held.set(key, { etag, text, contentType: response.headers.get("content-type") });
  }
  return new Response(text, { status: response.status, headers: response.headers });
}

function withoutTypename(value) {
  if (Array.isArray(value)) return value.map(withoutTypename);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "__typename")
        .map(([k, v]) => [k, withoutTypename(v)]),
    );
  }
  return value;
}

test("a query by hash over GET: a miss and the retry, then a hit, then 304", async () => {
  assert.ok(url, "CLUSTERGRAPH_URL is not set");
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const link = new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: url, fetch: cachingFetch }),
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  const answers = [];
  for (let i = 0; i < 3; i++) {
    const result = await client.query({ query: CLUSTERS, variables: { first }, fetchPolicy: "network-only" });
    assert.equal(result.error, undefined);
    answers.push(withoutTypename(result.data));
  }
  for (const answer of answers) assert.deepEqual(answer, expected);

  const [miss, retry, hit, revalidated, ...rest] = exchanges;
  assert.deepEqual(rest, []);
  assert.equal(miss.method, "GET");
  assert.equal(miss.hasQuery, false);
  assert.deepEqual(miss.codes, ["PERSISTED_QUERY_NOT_FOUND"]);
  assert.equal(retry.method, "POST");
  assert.equal(retry.hasQuery, true);
  assert.equal(retry.status, 200);
  assert.equal(hit.method, "GET");
  assert.equal(hit.hasQuery, false);
  assert.equal(hit.url, miss.url, "a persisted-query GET has one stable URL");
  assert.equal(hit.status, 200);
  assert.equal(hit.xCache, "HIT");
  assert.equal(revalidated.url, miss.url);
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.etag, hit.etag);
  // For the driving test, which checks the headers against the settings it started the service with.
  if (process.env.CLUSTERGRAPH_REPORT) writeFileSync(process.env.CLUSTERGRAPH_REPORT, JSON.stringify(exchanges));
});
