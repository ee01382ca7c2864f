"""Do two stores give the same answers? Every named query of the catalogue, run with parameter
sets drawn from the release itself, on a reference store (the embedded one) and on another
(a remote store such as Virtuoso), compared as sets: rows of a SELECT with blank nodes made
anonymous, the boolean of an ASK, the triples of a CONSTRUCT. Order and duplicates are not
compared (the services sort what they show).

``tools/store_parity.py`` runs it against a store holding the release with every shared
workbook; ``tests/test_remote_virtuoso.py`` on a small release.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from pcfgraph.errors import PcfgraphError
from pcfgraph.queries import NamedQuery, QueryCatalog
from pcfgraph.store import GraphStore

XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
Params = dict[str, object]
#: Values of the parameters that do not depend on an element (tried one at a time).
CONSTANTS: dict[str, list[object]] = {
    "predicate": [SKOS + "closeMatch", SKOS + "exactMatch"],
    "minConfidence": [0.5],
    "includeDerived": [True],
    "kind": ["activity", "process"],
    "maxLevel": [3],
    "cadenceMonths": [3],
    "asOf": [ox.Literal("2025-06-30", datatype=ox.NamedNode(XSD + "date"))],
    "side": ["subject", "object"],
}


#: Columns made by GROUP_CONCAT: SPARQL leaves the order of the parts to the store (Virtuoso
#: sorts them, pyoxigraph does not), so they are compared as sets of parts.
CONCATENATED: dict[tuple[str, str], str] = {
    ("api/element-history", "changes"): " | ",
    ("api/suggest-items", "context"): " | ",
}


@dataclass(frozen=True)
class Outcome:
    """One query run with one parameter set on both stores."""

    name: str
    params: Params
    same: bool
    rows: int  # size of the reference answer (rows, triples; 1/0 for ASK)
    detail: str = ""  # the other store's error, or a few rows only one side has


def _plain(query: str, column: str, term: Any) -> Any:
    if isinstance(term, ox.BlankNode):
        return "_:blank"
    separator = CONCATENATED.get((query, column))
    if separator is not None and isinstance(term, ox.Literal):
        return (frozenset(term.value.split(separator)), term.datatype, term.language)
    return term


def answer(store: GraphStore, query: NamedQuery, params: Mapping[str, object]) -> Any:
    """A query's answer as a set (blank nodes anonymous), or the boolean of an ASK."""
    if query.form == "SELECT":
        return frozenset(
            tuple(sorted((k, _plain(query.name, k, v)) for k, v in row.items()))
            for row in store.select(query, params).rows
        )
    if query.form == "ASK":
        return store.ask(query, params)
    triples = store.construct(query, params)
    return frozenset(
        (_plain("", "", t.subject), t.predicate, _plain("", "", t.object)) for t in triples
    )


def _text(row: Mapping[str, Any], key: str) -> str | None:
    term = row.get(key)
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else None


def _column(rows: Iterable[Mapping[str, Any]], key: str) -> list[object]:
    return [*sorted({t for r in rows if (t := _text(r, key))})]


def sample_values(
    store: GraphStore, catalog: QueryCatalog, *, limit: int | None = None
) -> dict[str, list[object]]:
    """Parameter values found in the release: every framework id, every graph and mapping
    set, and per framework one element that has both a parent and children (an APQC process
    group such as 8.1 where there is one) with its code, PCF ID and framework. ``limit``
    keeps at most that many values of each (spread over the list) for a large release."""
    frameworks = sorted(
        {f for r in store.select(catalog.get("api/frameworks")).rows if (f := _text(r, "id"))}
    )
    elements = store.select(catalog.get("api/scheme-elements")).rows
    parents = {_text(r, "parent") for r in elements}
    chosen: dict[str, Mapping[str, Any]] = {}
    for row in sorted(elements, key=lambda r: (_text(r, "code") or "~", _text(r, "element"))):
        fw = _text(row, "framework")
        if fw and fw not in chosen and row.get("parent") and _text(row, "element") in parents:
            chosen[fw] = row
    mapping_sets = store.select(catalog.get("api/mapping-set-ids")).rows
    values: dict[str, list[object]] = {k: list(v) for k, v in CONSTANTS.items()}
    values["framework"] = list(frameworks)
    values["otherFramework"] = list(frameworks)
    values["subjectFramework"] = _column(mapping_sets, "sourceFramework")
    values["objectFramework"] = _column(mapping_sets, "targetFramework")
    values["mappingSet"] = _column(mapping_sets, "mappingSet")
    values["graph"] = list(store.graph_names())
    values["element"] = [row["element"] for row in chosen.values()]
    values["root"] = list(values["element"])
    values["resource"] = list(values["element"])
    values["subject"] = list(values["element"])
    values["object"] = list(values["element"])
    values["pcfId"] = [p for row in chosen.values() if (p := _text(row, "pcfId"))]
    # what an element code is resolved with (api/element-code-candidates): a code in
    # another case or a PCF ID, an IRI in lower case, a category code
    codes = [c for row in chosen.values() if (c := _text(row, "code"))]
    values["given"] = [*(c.lower() for c in codes), *values["pcfId"]]
    values["iri"] = [str(e).lower() for e in _column(chosen.values(), "element")]
    values["category"] = list(codes)
    values["_elements"] = list(chosen.values())  # correlated rows (framework + code ...)
    if limit is not None:
        values = {k: v[:: max(1, -(-len(v) // limit))][:limit] for k, v in values.items()}
    return values


#: Parameters naming an element: the sampled element itself.
ELEMENT_PARAMS = frozenset({"element", "resource", "root", "subject", "object"})


def _pick(row: Mapping[str, Any], name: str, values: Mapping[str, list[object]]) -> object:
    """A parameter's value for one sampled element: the element, its own column (code,
    framework, PCF ID), else the first value found in the release."""
    if name in ELEMENT_PARAMS and "element" in row:
        return row["element"]
    if name in row:
        return row[name]
    found = values.get(name) or [None]
    return found[0]


def parameter_sets(
    query: NamedQuery, values: Mapping[str, list[object]], *, bounded: bool = False
) -> list[Params]:
    """The parameter sets a query is run with: its required parameters from each sampled
    element (correlated: a code with its framework), or from each value when they do not
    describe an element; then each optional parameter, one value at a time, on top of the
    first required set. A query whose required parameters find no value is not run."""
    required = [p.name for p in query.params if not p.optional]
    optional = [p.name for p in query.params if p.optional]
    rows = [r for r in values.get("_elements", []) if isinstance(r, Mapping)]
    bases: list[Params] = [{}] if not required else []
    if required and all(n in ELEMENT_PARAMS or n in rows[0] for n in required[:1] if rows):
        for row in rows:
            base = {n: _pick(row, n, values) for n in required}
            if all(v is not None for v in base.values()):
                bases.append(base)
        for name in (n for n in required if n not in ELEMENT_PARAMS and n not in rows[0]):
            bases += [{**bases[0], name: v} for v in values.get(name, [])[1:] if bases]
    elif required:
        first, rest = required[0], required[1:]
        for value in values.get(first, []):
            base = {first: value, **{n: _pick({}, n, values) for n in rest}}
            if all(v is not None for v in base.values()):
                bases.append(base)
    sets = list(bases)
    if bases:
        for name in optional:
            sets += [{**bases[0], name: v} for v in values.get(name, [])]
    if bounded and optional:  # a large release: not the unrestricted run (every framework)
        sets = [p for p in sets if p] or sets
    unique: dict[str, Params] = {}
    for params in sets:
        unique.setdefault(repr(sorted((k, str(v)) for k, v in params.items())), params)
    return list(unique.values())


def _difference(mine: Any, theirs: Any, limit: int = 3) -> str:
    if isinstance(mine, bool) or isinstance(theirs, bool):
        return f"reference {mine!r}, other {theirs!r}"
    lines = [f"reference only: {x}" for x in sorted(map(str, mine - theirs))[:limit]]
    lines += [f"other only: {x}" for x in sorted(map(str, theirs - mine))[:limit]]
    return f"{len(mine)} vs {len(theirs)} rows; " + "; ".join(lines)


def compare(
    reference: GraphStore,
    other: GraphStore,
    catalog: QueryCatalog,
    *,
    names: Iterable[str] | None = None,
    values: Mapping[str, list[object]] | None = None,
    limit: int | None = None,
    bounded: bool = False,
) -> Iterator[Outcome]:
    """Run every named query (or those ``names``) with every parameter set on both stores."""
    if values is None:
        values = sample_values(reference, catalog, limit=limit)
    wanted = set(names) if names is not None else None
    for query in catalog:
        if wanted is not None and query.name not in wanted:
            continue
        for params in parameter_sets(query, values, bounded=bounded):
            mine = answer(reference, query, params)
            size = int(mine) if isinstance(mine, bool) else len(mine)
            try:
                theirs = answer(other, query, params)
            except PcfgraphError as exc:
                yield Outcome(query.name, params, False, size, f"error: {exc}"[:600])
                continue
            same = mine == theirs
            detail = "" if same else _difference(mine, theirs)
            yield Outcome(query.name, params, same, size, detail)
