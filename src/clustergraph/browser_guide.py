"""The ClusterGraph guide and style for Neo4j Browser, generated from `cypher/explore.cypher` and the model.

Neo4j Browser plays a guide (`:play <url>`: an HTML page of `<slide>`s whose `pre.runnable` blocks are queries
the user clicks into the editor) and applies a style sheet (`:style <url>`, GraSS). The local server serves both
under `/browser/clustergraph/` beside Browser's own files, and its `browser.post_connect_cmd` runs the two
commands after every connection (see `neo4j_server`), so Browser greets a user with the styled graph and the
guide. Each slide's query is a statement of `explore.cypher`, picked by the comment line that introduces it
there; the first slide lists the labels of `graph_model`.

The API serves the same two files at `/browser-guide/` (`ROUTES`), for a Neo4j that is not the local server (the
docker compose one, whose `browser.post_connect_cmd` points there); Browser's origin must then be one of
`CORS_ORIGINS`, as Browser fetches them cross-origin.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .graph_model import TYPES

#: Where the guide and the style sit under Browser's own path (`/browser/`) on the server's HTTP port.
GUIDE_FOLDER = "clustergraph"
GUIDE_FILE = "guide.html"
STYLE_FILE = "clustergraph.grass"
GUIDE_TITLE = "ClusterGraph: Sichuan's SME industrial clusters"


@dataclass(frozen=True)
class ExploreQuery:
    """One statement of explore.cypher and the first line of the comment block right above it."""

    description: str
    statement: str


def parse_explore(text: str) -> list[ExploreQuery]:
    """Split explore.cypher into statements: `//` lines are comments, a `;` at the end of a line ends one."""
    queries: list[ExploreQuery] = []
    comments: list[str] = []
    body: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.lstrip()
        if stripped.startswith("//"):
            if not body:
                comments.append(stripped.removeprefix("//").strip())
            continue
        if not stripped:
            if not body:
                comments = []
            continue
        body.append(line)
        if line.endswith(";"):
            statement = "\n".join(body).removesuffix(";").strip()
            queries.append(ExploreQuery(comments[0] if comments else "", statement))
            comments, body = [], []
    if body:
        raise ValueError(f"explore.cypher ends inside a statement: {' '.join(body)[:80]!r}")
    return queries


def explore_queries() -> list[ExploreQuery]:
    """The statements of the explore.cypher shipped with the package."""
    text = resources.files("clustergraph.cypher").joinpath("explore.cypher").read_text(encoding="utf-8")
    return parse_explore(text)


def style_sheet() -> str:
    """The GraSS style sheet (`cypher/clustergraph.grass`): a colour, a size and a caption for every label."""
    return resources.files("clustergraph.cypher").joinpath(STYLE_FILE).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Slide:
    """One slide: a title, what its query shows, and the explore.cypher statement whose comment starts with
    `query` (the statement itself is taken from the file, never repeated here)."""

    title: str
    text: str
    query: str


SLIDES: tuple[Slide, ...] = (
    Slide(
        "A city's clusters",
        "Chengdu (成都市) drawn as a graph: its counties, the clusters located in them and each cluster's "
        "industry. Double-click a node to expand it; the caption under each node is its Chinese name.",
        "The same city (id 510100) drawn as a graph",
    ),
    Slide(
        "A year's recognitions",
        "The recognitions the sources date to 2023, by industry and level (PROVINCIAL or NATIONAL), with the "
        "clusters recognised.",
        "Recognitions of one year (2023)",
    ),
    Slide(
        "A cluster's neighbourhood",
        "Everything around one cluster (Pidu electromagnetic space security): its county and city, its industry, "
        "its member enterprises, and its recognitions with their batches and years. A recognition reads like "
        "“Provincial 2024”; one whose year no source states shows its level alone.",
        "A cluster's whole neighbourhood",
    ),
    Slide(
        "Shared enterprises",
        "Pairs of clusters that share a member enterprise or a county, and what they share.",
        "Clusters that share a member enterprise or a county",
    ),
    Slide(
        "Coverage of the official lists",
        "Each official batch: how many Sichuan clusters the list holds, how many of them the graph names, and "
        "the share. The graph says what it does not know: most of each list is not in the public sources.",
        "Coverage of each official batch",
    ),
)


def _statement_for(queries: list[ExploreQuery], prefix: str) -> ExploreQuery:
    found = [q for q in queries if q.description.startswith(prefix)]
    if len(found) != 1:
        raise ValueError(f"explore.cypher has {len(found)} statements described as {prefix!r}..., not one")
    return found[0]


def _slide(title: str, blocks: list[str], statement: str | None) -> str:
    """A slide: its title, its blocks (HTML, already escaped) and, when given, a runnable statement."""
    parts = [f"    <h3>{html.escape(title)}</h3>", *(f"    {block}" for block in blocks)]
    if statement is not None:
        parts.append(f'    <pre class="pre-scrollable code runnable">{html.escape(statement)}</pre>')
    body = "\n".join(parts)
    return f'<slide class="row-fluid">\n  <div class="col-sm-12">\n{body}\n  </div>\n</slide>'


def _model_slide(queries: list[ExploreQuery]) -> str:
    labels = "".join(
        f"<li><b>{html.escape(node.label)}</b>: {html.escape(node.description)}</li>"
        for node in TYPES.values()
    )
    schema = queries[0]  # explore.cypher opens with the schema
    return _slide(
        GUIDE_TITLE,
        [
            "<p>The clusters of Sichuan's special SME industrial clusters programme (四川省中小企业特色产业集群), "
            "the cities and counties they sit in, their industries, their member enterprises and the official "
            "lists that recognised them. Click a query to put it in the editor, then run it (Ctrl+Enter).</p>",
            f"<p>The labels, each coloured and captioned by clustergraph.grass:</p><ul>{labels}</ul>",
            f"<p>{html.escape(schema.description)}:</p>",
        ],
        schema.statement,
    )


def render_guide(queries: list[ExploreQuery] | None = None) -> str:
    """The guide as the HTML page Neo4j Browser's `:play <url>` shows: a carousel of slides."""
    queries = explore_queries() if queries is None else queries
    slides = [_model_slide(queries)]
    for slide in SLIDES:
        found = _statement_for(queries, slide.query)
        slides.append(_slide(slide.title, [f"<p>{html.escape(slide.text)}</p>"], found.statement))
    slides.append(
        _slide(
            "More",
            [
                "<p>"
                + html.escape(
                    f"cypher/explore.cypher holds {len(queries)} queries in all (distances, paths, full-text "
                    "search, output values, name status). The GraphQL API at /graphql answers the same questions."
                )
                + "</p>"
            ],
            None,
        )
    )
    deck = "\n".join(slides)
    return (
        f'<article class="guide">\n<carousel class="deck container-fluid">\n{deck}\n</carousel>\n</article>\n'
    )


def write_guide(folder: Path) -> list[Path]:
    """Write the guide and the style sheet into `folder` (created if needed); return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    guide, style = folder / GUIDE_FILE, folder / STYLE_FILE
    guide.write_text(render_guide(), encoding="utf-8")
    style.write_text(style_sheet(), encoding="utf-8")
    return [guide, style]


def post_connect_commands(base: str) -> str:
    """The value of `browser.post_connect_cmd`: apply the style, then play the guide, both from `base`."""
    return f"style {base}/{STYLE_FILE}; play {base}/{GUIDE_FILE}"


def local_post_connect_commands(browser_origin: str) -> str:
    """The commands for the local server, which serves the files next to Browser, at Browser's own origin (so
    that neither request is cross-origin)."""
    return post_connect_commands(f"{browser_origin}/browser/{GUIDE_FOLDER}")


@functools.cache
def _served() -> dict[str, tuple[str, str]]:
    return {
        GUIDE_FILE: (render_guide(), "text/html; charset=utf-8"),
        STYLE_FILE: (style_sheet(), "text/plain; charset=utf-8"),
    }


async def _serve(request: Request) -> Response:
    """The guide or the style sheet, rendered once per process."""
    text, media_type = _served()[request.url.path.rsplit("/", 1)[-1]]
    return PlainTextResponse(text, media_type=media_type, headers={"cache-control": "no-cache"})


#: The API's copy of the two files (`API_PATH`): for a Neo4j that does not serve them itself.
API_PATH = "/browser-guide"
ROUTES = [Route(f"{API_PATH}/{name}", _serve, methods=["GET"]) for name in (GUIDE_FILE, STYLE_FILE)]
