"""GraphQL versus hand-written SPARQL, side by side in one run, on the shipped graph and on a
synthetic ~1M-triple graph.

Workloads (each through the app's HTTP endpoints, in-process with Starlette's TestClient, so both
sides pay the same HTTP stack):

* tree: the whole PCF 8.1 subtree, every element with name, definition, children, measures and
  its mappings (curated and derived, either direction) with their targets' names and frameworks:
  one GraphQL query through ``/graphql`` versus the equivalent single SPARQL query through
  ``/sparql`` (``queries/graphql/element-tree.rq``, the root and framework written into the text
  as RDF terms by ``remote_store.bind_text``; JSON results);
* whole: the same for every element of the framework (the same query bound to the framework);
* lookup: one element by PCF ID (name, code, definition);
* search: a word over names and definitions, 20 hits (GraphQL: accent-insensitive, ranked,
  highlighted; SPARQL: ``CONTAINS(LCASE(...))``, neither accent-insensitive nor ranked).

Each request is timed end to end; the table gives median, p95 and p99 (ms) and GraphQL/SPARQL
ratios. Issue 20's targets: the 8.1 tree at most 1.5x its SPARQL query, its p95 at most 2x its
median; the whole-framework tree measured.

    .venv/bin/python bench/graphql_bench.py [--editions 54] [--runs 60] [--out bench/graphql_bench.md]

The synthetic graph comes from ``bench/synthetic.py`` (``synthetic_nquads(n_editions)``) when
that module exists, else from the generator below (APQC-like editions with measures and
mappings, one more tree per edition, ~50k triples each).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi.testclient import TestClient

from pcfgraph.config import Settings
from pcfgraph.release import Release, build_release, make_manifest
from pcfgraph.serving import create_app
from pcfgraph.store import EmbeddedStore

HERE = Path(__file__).resolve().parent
PREFIXES = """PREFIX pcfg: <https://w3id.org/pcfgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX sssom: <https://w3id.org/sssom/>
"""

GRAPHQL_TREE = """
query Tree($framework: ID!) {
  element(code: "8.1", framework: $framework) { ...E
    children { ...E children { ...E children { ...E children { ...E } } } } }
}
fragment E on Element {
  id code name definition
  measures { name category units }
  mappings(includeDerived: true, direction: EITHER) {
    relation confidence derived
    subject { id name framework { id } }
    object { id name framework { id } }
  }
}
"""

# The same information in one SPARQL query: queries/graphql/element-tree.rq (the subtree, then per
# element its measures and its mapping records in either direction, in UNION branches so they
# do not multiply), bound to the 8.1 element or to the framework (every element of its tree).
TREE_QUERY = "graphql/element-tree"

# The whole framework (every top-level element and all levels below it, PCF has five).
GRAPHQL_WHOLE = """
query Whole($framework: ID!) {
  framework(id: $framework) { topElements { ...E
    children { ...E children { ...E children { ...E children { ...E } } } } } }
}
fragment E on Element {
  id code name definition
  measures { name category units }
  mappings(includeDerived: true, direction: EITHER) {
    relation confidence derived
    subject { id name framework { id } }
    object { id name framework { id } }
  }
}
"""

GRAPHQL_LOOKUP = """query L($pcfId: Int!, $framework: ID) {
  element(pcfId: $pcfId, framework: $framework) { id code name definition } }"""
# ?framework, ?pcfId and ?text are written in as RDF terms (``bound``), never formatted in.
SPARQL_LOOKUP = (
    PREFIXES
    + """SELECT ?e ?code ?name ?definition WHERE {
  ?scheme pcfg:frameworkId ?framework .
  ?e pcfg:pcfId ?pcfId ; skos:inScheme ?scheme ; skos:prefLabel ?name .
  OPTIONAL { ?e skos:notation ?code } OPTIONAL { ?e skos:definition ?definition } }"""
)

GRAPHQL_SEARCH = """query S($text: String!) {
  search(text: $text, first: 20) { score snippet element { id code name } } }"""
SPARQL_SEARCH = (
    PREFIXES
    + """SELECT ?e ?code ?name WHERE {
  ?e skos:inScheme ?scheme ; skos:prefLabel ?name .
  ?scheme pcfg:frameworkId ?fw .
  OPTIONAL { ?e skos:notation ?code } OPTIONAL { ?e skos:definition ?definition }
  FILTER(CONTAINS(LCASE(STR(?name)), ?text) || CONTAINS(LCASE(STR(COALESCE(?definition, ""))), ?text))
} LIMIT 20"""
)


# --- synthetic graph ---------------------------------------------------------------------------


def _own_synthetic_nquads(n_editions: int) -> bytes:
    """APQC-like editions (13 categories x 8 groups x 8 processes x 5 activities, 2 measures per
    process), a PRM-like framework, curated mappings from each 8.x process and activity to it
    and derived inverses with chains."""
    base = "https://w3id.org/pcfgraph/id/"
    pcfg = "https://w3id.org/pcfgraph/ontology#"
    skos = "http://www.w3.org/2004/02/skos/core#"
    owl = "http://www.w3.org/2002/07/owl#"
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    sssom = "https://w3id.org/sssom/"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    lines: list[str] = []

    def q(s: str, p: str, o: str, g: str) -> None:
        lines.append(f"<{s}> <{p}> {o} <{g}> .")

    def lit(text: str) -> str:
        return '"' + text.replace('"', "'") + '"@en'

    def num(n: int | float, t: str = "integer") -> str:
        return f'"{n}"^^<{xsd}{t}>'

    prm_fw = base + "framework/prm-syn"
    prm_g = base + "graph/framework/prm-syn"
    q(prm_fw, rdf + "type", f"<{pcfg}Framework>", prm_g)
    q(prm_fw, pcfg + "frameworkId", '"prm-syn"', prm_g)
    for i in range(1, 9):
        e = f"{base}prm-syn/A2{i}"
        q(e, rdf + "type", f"<{skos}Concept>", prm_g)
        q(e, rdf + "type", f"<{pcfg}PRMITProcess>", prm_g)
        q(e, skos + "inScheme", f"<{prm_fw}>", prm_g)
        q(e, skos + "notation", f'"A2{i}"', prm_g)
        q(e, skos + "prefLabel", lit(f"Customer process A2{i}"), prm_g)
    classes = ["PCFCategory", "PCFProcessGroup", "PCFProcess", "PCFActivity"]
    for ed in range(n_editions):
        fid = f"apqc-pcf-synthetic-{ed}-7.4"
        fw = f"{base}framework/{fid}"
        g = f"{base}graph/framework/{fid}"
        mg = f"{base}graph/mappings/syn-{ed}"
        q(fw, rdf + "type", f"<{pcfg}Framework>", g)
        q(fw, pcfg + "frameworkId", f'"{fid}"', g)
        pcf_id = 10000

        def element(
            code: str,
            level: int,
            parent: str | None,
            name: str,
            ed: int = ed,
            g: str = g,
            fw: str = fw,
        ) -> str:
            nonlocal pcf_id
            pcf_id += 1
            e = f"{base}apqc-pcf/synthetic-{ed}/7.4/{pcf_id}"
            q(e, rdf + "type", f"<{skos}Concept>", g)
            q(e, rdf + "type", f"<{pcfg}{classes[level - 1]}>", g)
            q(e, skos + "inScheme", f"<{fw}>", g)
            q(e, skos + "notation", f'"{code}"', g)
            q(e, pcfg + "pcfId", num(pcf_id), g)
            q(e, pcfg + "level", num(level), g)
            q(e, skos + "prefLabel", lit(name), g)
            q(e, skos + "definition", lit(f"Definition of {name}: plan, deliver and review."), g)
            if parent:
                q(e, skos + "broader", f"<{parent}>", g)
            return e

        for c in range(1, 14):
            cat = element(f"{c}.0", 1, None, f"Category {c} customer operations")
            for gi in range(1, 9):
                grp = element(f"{c}.{gi}", 2, cat, f"Group {c}.{gi}")
                for p in range(1, 9):
                    proc = element(f"{c}.{gi}.{p}", 3, grp, f"Manage customer process {c}.{gi}.{p}")
                    for m in (1, 2):
                        mi = f"{base}apqc-pcf/synthetic-{ed}/7.4/measure/{pcf_id}{m}"
                        q(mi, rdf + "type", f"<{pcfg}Measure>", g)
                        q(mi, pcfg + "measureOf", f"<{proc}>", g)
                        q(mi, skos + "prefLabel", lit(f"Cost measure {m} of {c}.{gi}.{p}"), g)
                        q(mi, pcfg + "units", '"percent"', g)
                    for a in range(1, 6):
                        act = element(f"{c}.{gi}.{p}.{a}", 4, proc, f"Activity {c}.{gi}.{p}.{a}")
                        if c == 8 and a <= 2:
                            target = f"{base}prm-syn/A2{1 + (p + a) % 8}"
                            rec = f"{base}mapping/syn-{ed}/{pcf_id}"
                            inv = f"{base}mapping/derived/syn-{ed}/{pcf_id}"
                            lst = f"_:l{ed}x{pcf_id}"
                            for r, s, o, derived in (
                                (rec, act, target, False),
                                (inv, target, act, True),
                            ):
                                q(r, rdf + "type", f"<{pcfg}MappingRecord>", mg)
                                q(r, owl + "annotatedSource", f"<{s}>", mg)
                                q(r, owl + "annotatedProperty", f"<{skos}closeMatch>", mg)
                                q(r, owl + "annotatedTarget", f"<{o}>", mg)
                                q(r, pcfg + "derived", num(str(derived).lower(), "boolean"), mg)
                                q(r, sssom + "confidence", num(0.8, "decimal"), mg)
                                src, dst = (fw, prm_fw) if not derived else (prm_fw, fw)
                                q(r, pcfg + "sourceFramework", f"<{src}>", mg)
                                q(r, pcfg + "targetFramework", f"<{dst}>", mg)
                            lines.append(f"<{inv}> <{pcfg}chain> {lst} <{mg}> .")
                            lines.append(f"{lst} <{rdf}first> <{rec}> <{mg}> .")
                            lines.append(f"{lst} <{rdf}rest> <{rdf}nil> <{mg}> .")
    return ("\n".join(lines) + "\n").encode()


def synthetic_release(n_editions: int) -> tuple[Release, str, str]:
    """The synthetic graph (with the ontology, for kinds) and where it came from."""
    from pcfgraph import iris
    from pcfgraph.assemble import load_turtle
    from pcfgraph.resources import resource_dir

    path = HERE / "synthetic.py"
    data: bytes
    if path.is_file():
        spec = importlib.util.spec_from_file_location("pcfgraph_bench_synthetic", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        raw = module.synthetic_nquads(n_editions)
        data = raw if isinstance(raw, bytes) else str(raw).encode()
        origin = f"bench/synthetic.py synthetic_nquads({n_editions})"
    else:
        data = _own_synthetic_nquads(n_editions)
        origin = f"graphql_bench's own generator ({n_editions} editions)"
    store = EmbeddedStore.from_nquads(data)
    for p in sorted(resource_dir("ontology").glob("*.ttl")):
        store.add_quads(load_turtle(p, str(iris.ontology_graph())))
    return Release(store=store, manifest=make_manifest(store, data, {}), path=None), origin, ""


# --- measuring ---------------------------------------------------------------------------------


def timed_pair(
    a: Callable[[], Any], b: Callable[[], Any], runs: int, warmup: int = 3
) -> tuple[list[float], list[float]]:
    """Time ``a`` and ``b`` alternately (a b, b a, a b ...), so a change in the machine's load
    during the run hits both sides alike (the host is shared)."""
    for _ in range(warmup):
        a()
        b()
    ta: list[float] = []
    tb: list[float] = []
    for i in range(runs):
        for fn, out in ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta)):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
    return ta, tb


def p99(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(0.99 * (len(s) - 1)))]


def p95(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def graphql(client: TestClient, query: str, variables: dict[str, Any]) -> Any:
    r = client.post("/graphql", json={"query": query, "variables": variables})
    body = r.json()
    if r.status_code != 200 or body.get("errors"):
        raise SystemExit(f"GraphQL failed: {r.status_code} {r.text[:500]}")
    return body["data"]


def sparql(client: TestClient, query: str) -> Any:
    r = client.post(
        "/sparql",
        content=query.encode(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    if r.status_code != 200:
        raise SystemExit(f"SPARQL failed: {r.status_code} {r.text[:500]}")
    return r.json()


XSD_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def bound(text: str, terms: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """``text`` with its variables ``terms`` written in as RDF terms (the remote store's
    ``bind_text``): the text ``/sparql`` is sent, no value formatted into it."""
    from pcfgraph.remote_store import bind_text

    return bind_text(text, terms)


def tree_query(framework: str, element_id: str | None) -> str:
    """queries/graphql/element-tree.rq for the tree below an element (its API id), or below the
    framework's top concepts when None, as the text ``/sparql`` is sent: the parameters written
    in as RDF terms (``bind_text``, as the remote store binds them), never formatted in."""
    from pcfgraph import iris
    from pcfgraph.queries import named_query
    from pcfgraph.services import iri_from_element_id

    query = named_query(TREE_QUERY)
    root = iri_from_element_id(element_id) if element_id else str(iris.framework(framework))
    terms = query.bind({"root": root, "framework": framework})
    return bound(query.text, {variable.value: term for variable, term in terms.items()})


def _count_elements(e: dict[str, Any]) -> int:
    return 1 + sum(_count_elements(c) for c in e.get("children", []))


def bench_graph(
    label: str, release: Release, framework: str, pcf_id: int, runs: int
) -> list[dict[str, Any]]:
    # The /sparql response cache off: every SPARQL request runs its query, as GraphQL's do.
    settings = Settings(
        graphql_max_depth=20,
        graphql_max_nodes=10_000_000,
        max_result_rows=1_000_000,
        query_timeout=60,
        sparql_cache_mb=0,
    )
    app = create_app(settings, release)
    rows: list[dict[str, Any]] = []
    # identity: /sparql is never gzipped, so both sides are timed for the same work
    with TestClient(app, headers={"Accept-Encoding": "identity"}) as client:
        tree = graphql(client, GRAPHQL_TREE, {"framework": framework})["element"]
        sparql_tree = tree_query(framework, tree["id"])
        sparql_whole = tree_query(framework, None)
        sp = sparql(client, sparql_tree)
        n_el = _count_elements(tree)
        n_sp = len({b["e"]["value"] for b in sp["results"]["bindings"]})
        if n_el != n_sp:
            raise SystemExit(f"{label}: GraphQL tree has {n_el} elements, SPARQL {n_sp}")
        whole = graphql(client, GRAPHQL_WHOLE, {"framework": framework})["framework"]
        n_whole = sum(_count_elements(e) for e in whole["topElements"])
        sp_whole = sparql(client, sparql_whole)
        n_sp_whole = len({b["e"]["value"] for b in sp_whole["results"]["bindings"]})
        if n_whole != n_sp_whole:
            raise SystemExit(f"{label}: whole GraphQL tree {n_whole} elements, SPARQL {n_sp_whole}")
        store = release.store
        before = store.query_count
        graphql(client, GRAPHQL_TREE, {"framework": framework})
        store_queries = store.query_count - before
        lookup_vars = {"pcfId": pcf_id, "framework": framework}
        lookup_text = bound(
            SPARQL_LOOKUP,
            {
                "framework": ox.Literal(framework),
                "pcfId": ox.Literal(str(pcf_id), datatype=XSD_INT),
            },
        )
        search_text = bound(SPARQL_SEARCH, {"text": ox.Literal("customer")})
        looked_up = graphql(client, GRAPHQL_LOOKUP, lookup_vars)["element"]
        found = sparql(client, lookup_text)["results"]["bindings"]
        if not looked_up or [b["code"]["value"] for b in found] != [looked_up["code"]]:
            raise SystemExit(f"{label}: lookup of {pcf_id}: GraphQL {looked_up}, SPARQL {found}")
        if not sparql(client, search_text)["results"]["bindings"]:
            raise SystemExit(f"{label}: the SPARQL search found nothing")
        cases = [
            (
                f"tree 8.1 ({n_el} elements, {len(sp['results']['bindings'])} SPARQL rows)",
                lambda: graphql(client, GRAPHQL_TREE, {"framework": framework}),
                lambda: sparql(client, sparql_tree),
                runs,
            ),
            (
                f"whole {framework} ({n_whole} elements, "
                f"{len(sp_whole['results']['bindings'])} SPARQL rows)",
                lambda: graphql(client, GRAPHQL_WHOLE, {"framework": framework}),
                lambda: sparql(client, sparql_whole),
                max(5, runs // 2),
            ),
            (
                f"lookup by PCF ID {pcf_id}",
                lambda: graphql(client, GRAPHQL_LOOKUP, lookup_vars),
                lambda: sparql(client, lookup_text),
                runs * 4,
            ),
            (
                'search "customer" (20 hits)',
                lambda: graphql(client, GRAPHQL_SEARCH, {"text": "customer"}),
                lambda: sparql(client, search_text),
                runs * 2,
            ),
        ]
        for name, gq, sq, n in cases:
            g, s = timed_pair(gq, sq, n)
            rows.append(
                {
                    "graph": label,
                    "case": name,
                    "gql_median": statistics.median(g),
                    "gql_p99": p99(g),
                    "gql_p95": p95(g),
                    "sparql_p95": p95(s),
                    "sparql_median": statistics.median(s),
                    "sparql_p99": p99(s),
                    "runs": n,
                }
            )
        rows[0]["store_queries"] = store_queries
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    out = [
        "| graph | case | GraphQL median | GraphQL p95 | GraphQL p99 | SPARQL median | SPARQL p95 "
        "| SPARQL p99 | ratio (median) | ratio (p95) | GraphQL p95 / median | runs |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['graph']} | {r['case']} | {r['gql_median']:.1f} | {r['gql_p95']:.1f} | "
            f"{r['gql_p99']:.1f} | {r['sparql_median']:.1f} | {r['sparql_p95']:.1f} | "
            f"{r['sparql_p99']:.1f} | {r['gql_median'] / r['sparql_median']:.2f}x | "
            f"{r['gql_p95'] / r['sparql_p95']:.2f}x | {r['gql_p95'] / r['gql_median']:.2f} | "
            f"{r['runs']} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--editions",
        type=int,
        default=None,
        help="synthetic APQC editions (default: 54 from bench/synthetic.py, ~18.5k triples "
        "each; 20 from the generator here, ~50k triples each): ~1M triples either way",
    )
    ap.add_argument("--runs", type=int, default=40, help="timed runs of the tree case")
    ap.add_argument("--out", type=Path, help="also write the results note (Markdown) here")
    ap.add_argument("--skip-synthetic", action="store_true")
    args = ap.parse_args(argv)

    rows: list[dict[str, Any]] = []
    notes: list[str] = [
        "load average at start: {:.2f} / {:.2f} / {:.2f} (1/5/15 min, {} CPUs)".format(
            *os.getloadavg(), os.cpu_count()
        )
    ]
    shipped = build_release()
    notes.append(f"shipped graph: {len(shipped.store)} quads")
    rows += bench_graph("shipped", shipped, "apqc-pcf-cross-industry-7.4", 20635, args.runs)
    if not args.skip_synthetic:
        t = time.perf_counter()
        editions = args.editions or (54 if (HERE / "synthetic.py").is_file() else 20)
        synthetic, origin, _ = synthetic_release(editions)
        notes.append(
            f"synthetic graph: {len(synthetic.store)} quads from {origin}, "
            f"built in {time.perf_counter() - t:.1f} s"
        )
        fw = _first_synthetic_framework(synthetic)
        pcf = _some_pcf_id(synthetic, fw)
        rows += bench_graph("synthetic", synthetic, fw, pcf, args.runs)
    notes.append("load average at end: {:.2f} / {:.2f} / {:.2f}".format(*os.getloadavg()))
    for r in rows:
        if "store_queries" in r:
            notes.append(
                f"{r['graph']}: the GraphQL tree fetch ran {r['store_queries']} store queries"
            )
    text = "\n".join(
        [
            "# GraphQL vs SPARQL (bench/graphql_bench.py)",
            "",
            "Times in ms per request, end to end through the app (TestClient, in-process HTTP).",
            "",
            table(rows),
            "",
            *[f"- {n}" for n in notes],
            "",
        ]
    )
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


def _first_synthetic_framework(release: Release) -> str:
    res = release.store.store.query(
        "SELECT ?id WHERE { ?s <https://w3id.org/pcfgraph/ontology#frameworkId> ?id . "
        "?e <http://www.w3.org/2004/02/skos/core#inScheme> ?s ; "
        '<http://www.w3.org/2004/02/skos/core#notation> "8.1" } ORDER BY ?id LIMIT 1',
        use_default_graph_as_union=True,
    )
    assert isinstance(res, ox.QuerySolutions)
    for sol in res:
        return str(sol["id"].value)  # type: ignore[union-attr]
    raise SystemExit("the synthetic graph has no framework with an 8.1 element")


def _some_pcf_id(release: Release, framework: str) -> int:
    """The PCF ID of 8.1.5.3 in ``framework``, else of the first element below 8.1."""
    res = release.store.store.query(
        "SELECT ?p ?f WHERE { ?s <https://w3id.org/pcfgraph/ontology#frameworkId> ?f . "
        "?e <http://www.w3.org/2004/02/skos/core#inScheme> ?s ; "
        "<http://www.w3.org/2004/02/skos/core#notation> ?code ; "
        "<https://w3id.org/pcfgraph/ontology#pcfId> ?p . "
        'FILTER(STRSTARTS(?code, "8.1.")) } ORDER BY (?code != "8.1.5.3") ?p LIMIT 1',
        use_default_graph_as_union=True,
        substitutions={ox.Variable("f"): ox.Literal(framework)},
    )
    assert isinstance(res, ox.QuerySolutions)
    for sol in res:
        return int(sol["p"].value)  # type: ignore[union-attr]
    raise SystemExit(f"no element below 8.1 with a PCF ID in {framework}")


if __name__ == "__main__":
    sys.exit(main())
