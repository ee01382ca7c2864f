"""The import layers: the core never imports an edge, edges never import each other, only
process entries import the composition root, and modules form no import cycles.

Edges are the HTTP API (``pcfgraph.api``, GraphQL included), the web workbench
(``pcfgraph.web``) and the command line (``pcfgraph.cli``). ``pcfgraph.http`` is plumbing the
HTTP edges share (request bodies, multipart, route walking): edges may import it, the core may
not. ``pcfgraph.serving`` is the composition root: it may import anything, and only the CLI
(the process entry) imports it. Everything else is core. There are no exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator

import grimp
import pytest

EDGES = ("pcfgraph.api", "pcfgraph.web", "pcfgraph.cli")
EDGE_SUPPORT = "pcfgraph.http"
ROOT = "pcfgraph.serving"
#: Who may import the composition root: the command line starts servers and prints the schema.
ROOT_IMPORTERS = ("pcfgraph.cli",)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("pcfgraph", exclude_type_checking_imports=True)


def _edge_of(module: str) -> str | None:
    return next((e for e in EDGES if module == e or module.startswith(e + ".")), None)


def _imports(graph: grimp.ImportGraph) -> Iterator[tuple[str, str]]:
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            yield importer, imported


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _is_core(module: str) -> bool:
    return _edge_of(module) is None and not _within(module, EDGE_SUPPORT) and module != ROOT


def test_core_never_imports_an_edge(graph: grimp.ImportGraph) -> None:
    found = {
        (a, b)
        for a, b in _imports(graph)
        if _is_core(a) and not _is_core(b) and _within(b, "pcfgraph")
    }
    assert found == set(), "core -> edge (or edge support, or composition root) imports"


def test_edge_support_imports_only_the_core(graph: grimp.ImportGraph) -> None:
    found = {
        (a, b)
        for a, b in _imports(graph)
        if _within(a, EDGE_SUPPORT) and (_edge_of(b) is not None or b == ROOT)
    }
    assert found == set(), "pcfgraph.http -> edge or composition root imports"


def test_only_process_entries_import_the_composition_root(graph: grimp.ImportGraph) -> None:
    found = {
        a
        for a, b in _imports(graph)
        if b == ROOT and not any(_within(a, entry) for entry in ROOT_IMPORTERS)
    }
    assert found == set(), "modules importing pcfgraph.serving besides the process entries"


def test_edges_never_import_each_other(graph: grimp.ImportGraph) -> None:
    found = set()
    for a, b in _imports(graph):
        ea, eb = _edge_of(a), _edge_of(b)
        if ea is not None and eb is not None and ea != eb:
            found.add((a, b))
    assert found == set(), "edge -> edge imports"


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


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    assert _cycles(graph) == set(), "import cycles"


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
