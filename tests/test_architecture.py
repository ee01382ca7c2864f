"""The import layers: the core never imports an edge, edges never import each other's internals,
and modules form no import cycles.

Edges are the HTTP API (``pcfgraph.api``, GraphQL included), the web workbench
(``pcfgraph.web``) and the command line (``pcfgraph.cli``); everything else is core. The
imports that break these rules today are listed below with the reason they still exist; the
list may only shrink (a listed import that is gone fails the test, so the list stays true).
"""

from __future__ import annotations

from collections.abc import Iterator

import grimp
import pytest

EDGES = ("pcfgraph.api", "pcfgraph.web", "pcfgraph.cli")

# (importer, imported) pairs that still break the layering; see docs/architecture.md.
KNOWN_CORE_TO_EDGE = {
    # diff and spreadsheet sort codes and read page data through the web layer's helpers.
    ("pcfgraph.diff", "pcfgraph.web.data"),
    ("pcfgraph.spreadsheet", "pcfgraph.web.data"),
    # serving builds the app and its state: the composition root, not yet its own layer.
    ("pcfgraph.serving", "pcfgraph.api.app"),
    ("pcfgraph.serving", "pcfgraph.api.ops"),
    # the settings documentation reads the CLI's options.
    ("pcfgraph.settings_doc", "pcfgraph.cli"),
}
KNOWN_EDGE_TO_EDGE = {
    # the app factory includes the workbench's routes (composition, not yet in a root).
    ("pcfgraph.api.app", "pcfgraph.web.views"),
    # the workbench shares the API's request state and route walker.
    ("pcfgraph.web.forms", "pcfgraph.api.state"),
    ("pcfgraph.web.views", "pcfgraph.api.state"),
    ("pcfgraph.web.views", "pcfgraph.api.routes"),
    ("pcfgraph.web.views", "pcfgraph.api.element_html"),
    ("pcfgraph.web.views", "pcfgraph.api.sparql"),  # registers the SPARQL query page renderer
    # the CLI starts the server and prints the schema.
    ("pcfgraph.cli.schema", "pcfgraph.api.graphql"),
    ("pcfgraph.cli.serve", "pcfgraph.api.ops"),
    ("pcfgraph.cli.serve", "pcfgraph.api.app"),
    ("pcfgraph.cli.serve", "pcfgraph.api.http_protocol"),
}
KNOWN_CYCLES = {
    frozenset({"pcfgraph.web.audit", "pcfgraph.web.forms", "pcfgraph.web.views"}),
    frozenset({"pcfgraph.api.app", "pcfgraph.api.ops", "pcfgraph.serving"}),
}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("pcfgraph", exclude_type_checking_imports=True)


def _edge_of(module: str) -> str | None:
    return next((e for e in EDGES if module == e or module.startswith(e + ".")), None)


def _imports(graph: grimp.ImportGraph) -> Iterator[tuple[str, str]]:
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            yield importer, imported


def test_core_never_imports_an_edge(graph: grimp.ImportGraph) -> None:
    found = {(a, b) for a, b in _imports(graph) if _edge_of(a) is None and _edge_of(b) is not None}
    assert found - KNOWN_CORE_TO_EDGE == set(), "new core -> edge imports"
    assert KNOWN_CORE_TO_EDGE - found == set(), "fixed: remove these from KNOWN_CORE_TO_EDGE"


def test_edges_never_import_each_other(graph: grimp.ImportGraph) -> None:
    found = set()
    for a, b in _imports(graph):
        ea, eb = _edge_of(a), _edge_of(b)
        if ea is not None and eb is not None and ea != eb:
            found.add((a, b))
    assert found - KNOWN_EDGE_TO_EDGE == set(), "new edge -> edge imports"
    assert KNOWN_EDGE_TO_EDGE - found == set(), "fixed: remove these from KNOWN_EDGE_TO_EDGE"


def _cycles(graph: grimp.ImportGraph) -> set[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    adj = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    counter = 0
    for root in sorted(adj):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            if i < len(adj[node]):
                work.append((node, i + 1))
                nxt = adj[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = set()
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.add(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    found.add(frozenset(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_no_new_import_cycles(graph: grimp.ImportGraph) -> None:
    found = _cycles(graph)
    assert found - KNOWN_CYCLES == set(), "new import cycles"
    assert KNOWN_CYCLES - found == set(), "fixed: remove these from KNOWN_CYCLES"


def test_cycle_finder_finds_a_cycle() -> None:
    """The finder itself: a graph with one known cycle and one chain."""
    g = grimp.ImportGraph()
    for m in ("p", "p.a", "p.b", "p.c", "p.d"):
        g.add_module(m)
    g.add_import(importer="p.a", imported="p.b")
    g.add_import(importer="p.b", imported="p.c")
    g.add_import(importer="p.c", imported="p.a")
    g.add_import(importer="p.c", imported="p.d")
    assert _cycles(g) == {frozenset({"p.a", "p.b", "p.c"})}
