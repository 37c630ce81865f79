// Bundles GraphiQL (src/main.jsx) and Monaco's three web workers into static/, minified, with the licence texts
// of what they contain in static/*.LEGAL.txt, and writes static/BUILD.json: the SHA-256 of package-lock.json,
// the version and integrity of each package named in package.json, and the SHA-256 of every output file.
// `make playground` runs it after `npm ci`; the output is committed, so installing the service needs neither npm
// nor the network.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const OUT = "static";
const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");

const common = {
  bundle: true,
  minify: true,
  legalComments: "external",
  target: ["es2022"],
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
};

rmSync(OUT, { recursive: true, force: true });

await build({
  ...common,
  entryPoints: { graphiql: "src/main.jsx" },
  outdir: OUT,
  format: "esm",
  jsx: "automatic",
  loader: { ".ttf": "file" },
});

await build({
  ...common,
  entryPoints: {
    "editor.worker": "monaco-editor/esm/vs/editor/editor.worker.js",
    "json.worker": "monaco-editor/esm/vs/language/json/json.worker.js",
    "graphql.worker": "monaco-graphql/esm/graphql.worker.js",
  },
  outdir: OUT,
  format: "iife",
});

const manifest = JSON.parse(readFileSync("package.json", "utf8"));
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const packages = {};
for (const name of Object.keys(manifest.devDependencies).sort()) {
  const entry = lock.packages[`node_modules/${name}`];
  packages[name] = { version: entry.version, integrity: entry.integrity };
}
const files = {};
for (const name of readdirSync(OUT).sort()) {
  files[name] = sha256(`${OUT}/${name}`);
}
const record = { lockfileSha256: sha256("package-lock.json"), packages, files };
writeFileSync(`${OUT}/BUILD.json`, `${JSON.stringify(record, null, 2)}\n`);
