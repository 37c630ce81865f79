// ClusterGraph's GraphiQL: the IDE, its Monaco workers and the explorer plugin, bundled by build.mjs into
// ../static/ and served by the service itself (no other host). The page's settings arrive as a JSON data block
// (#graphiql-config), so the page runs no inline script and its Content-Security-Policy can forbid them.
import { explorerPlugin } from "@graphiql/plugin-explorer";
import { useGraphiQL, useGraphiQLActions } from "@graphiql/react";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { createRoot } from "react-dom/client";
import "graphiql/style.css";
import "@graphiql/plugin-explorer/style.css";
import "./playground.css";

const config = JSON.parse(document.getElementById("graphiql-config").textContent);

// Monaco's language services run in web workers, served next to this bundle (classic scripts, same origin).
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const name = label === "json" ? "json" : label === "graphql" ? "graphql" : "editor";
    return new Worker(new URL(`./${name}.worker.js`, import.meta.url), { name: `${name}-worker` });
  },
};

function CookbookIcon() {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
      <path d="M4 4.5A1.5 1.5 0 0 1 5.5 3H19v15H5.5A1.5 1.5 0 0 0 4 19.5z" />
      <path d="M4 19.5A1.5 1.5 0 0 0 5.5 21H19v-3" />
      <path d="M8 7h7M8 10.5h7" />
    </svg>
  );
}

// A title's `code` spans, as the README writes them, shown as code.
function Title({ text }) {
  return text.split(/`([^`]+)`/).map((part, i) => (i % 2 ? <code key={i}>{part}</code> : part));
}

function Cookbook() {
  const { addTab } = useGraphiQLActions();
  const queryEditor = useGraphiQL((state) => state.queryEditor);
  const variableEditor = useGraphiQL((state) => state.variableEditor);
  const open = (entry) => {
    addTab();
    queryEditor?.setValue(entry.query);
    variableEditor?.setValue(entry.variables ?? "");
  };
  return (
    <div className="cg-cookbook">
      <div className="graphiql-doc-explorer-title">Cookbook</div>
      <p>
        The README's query cookbook; each one runs as written against the dataset. Click one to open it in a new
        tab, then run it with the ▶ button (or Ctrl-Enter).
      </p>
      <ul>
        {config.cookbook.map((entry) => (
          <li key={entry.title}>
            <button type="button" className="cg-cookbook-entry" onClick={() => open(entry)}>
              <Title text={entry.title} />
            </button>
          </li>
        ))}
      </ul>
      <p>
        Mutations need a token: put <code>"Authorization": "Bearer …"</code> in the Headers tab below the query
        (<code>clustergraph token create --role editor</code> prints one).
      </p>
    </div>
  );
}

const cookbookPlugin = { title: "Cookbook", icon: CookbookIcon, content: Cookbook };
const explorer = explorerPlugin();
const first = config.cookbook[config.defaultIndex];

const fetcher = createGraphiQLFetcher({ url: config.endpoint });

createRoot(document.getElementById("graphiql")).render(
  <GraphiQL
    fetcher={fetcher}
    plugins={[cookbookPlugin, explorer]}
    visiblePlugin={cookbookPlugin}
    defaultQuery={first.query}
    defaultTabs={[{ query: first.query, variables: first.variables ?? null, headers: config.defaultHeaders }]}
    defaultHeaders={config.defaultHeaders}
    defaultEditorToolsVisibility="headers"
    isHeadersEditorEnabled
    shouldPersistHeaders={false}
  />,
);
