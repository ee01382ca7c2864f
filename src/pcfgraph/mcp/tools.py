"""What the MCP tools do, as plain functions over the served state: compact JSON-able dicts,
paged (``limit`` + ``cursor``), citing their sources. The MCP layer (:mod:`.server`) only
registers them; tests call them through an MCP client.

Every read goes through :mod:`pcfgraph.services` (the same reads as GraphQL and the pages);
ad-hoc SPARQL and audits (:mod:`.sandboxed`) run in the sandbox worker pool with the
deadlines, row caps and size limits of ``/sparql`` and ``POST /validate``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from functools import partial
from typing import Any

from pcfgraph import services
from pcfgraph.errors import InputError, NotFoundError, quoted
from pcfgraph.mcp import sandboxed
from pcfgraph.mcp.gaps import gaps
from pcfgraph.mcp.history import history_answer
from pcfgraph.mcp.mapping_pairs import (
    element_mapping_dicts,
    element_negatives,
    negative_dicts,
    no_counterpart_dicts,
    pair_mappings,
)
from pcfgraph.mcp.paging import (
    MAX_LIMIT,
    ArgumentError,
    bounded_page,
    check_limit,
    check_within,
    decode_cursor,
    encode_cursor,
    page,
)
from pcfgraph.mcp.references import element_at, element_ignoring_case, expanded, spelled
from pcfgraph.mcp.results import (
    element_ref,
    maturity_fields,
    page_url,
    readable_sources,
    sources,
)
from pcfgraph.mcp.state import ServedState
from pcfgraph.relation_names import relation_named
from pcfgraph.runtime import AppState
from pcfgraph.services.page_reads import reads_for
from pcfgraph.services.search.index import MAX_QUERY_CHARS
from pcfgraph.services.search.near import nearest, with_nearest
from pcfgraph.services.search.present import hit_dict
from pcfgraph.services.search.release import served_index
from pcfgraph.sparql_results import json_term

#: The base URL of the HTTP request carrying the call at ``/mcp`` (set per call): page URLs
#: are where the client reached the server, not where it is bound (``http://0.0.0.0:8000``).
REQUEST_BASE: ContextVar[str | None] = ContextVar("pcfgraph_mcp_request_base", default=None)


class Tools:
    """The tools over a state provider (the live app state, so reloads are seen)."""

    def __init__(self, state: Callable[[], ServedState], base_url: str = "") -> None:
        self._state = state
        self._base_url = base_url

    @property
    def base_url(self) -> str:
        """Where the pages are: the request's base URL at ``/mcp``, else the one given (stdio:
        the address ``pcfgraph serve`` would have with the same settings)."""
        return REQUEST_BASE.get() or self._base_url

    @property
    def state(self) -> ServedState:
        return self._state()

    def reader(self) -> services.Reader:
        """The served release's shared reads (:func:`reads_for`, as the element pages read):
        a release never changes, so its whole-framework reads (the element index an
        element's ancestors come from, its measures, mappings and inherited mappings) are
        made once per release, or come with it (its page data), not once per call. A fresh
        reader per call made get_element read its framework whole every time (0.33-0.79 s
        of CPU on a release of 4 APQC editions)."""
        st = self.state
        if isinstance(st, AppState):
            return reads_for(st).reader
        return services.Reader(st.release.store, st.catalog)

    # --- search and elements ---------------------------------------------------------------

    def search(
        self,
        text: str,
        framework: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        if not text.strip():
            raise ArgumentError("text", "is empty")
        if len(text) > MAX_QUERY_CHARS:
            raise ArgumentError(
                "text", f"is limited to {MAX_QUERY_CHARS} characters, not {len(text)}"
            )
        size = check_limit(limit, 10)
        st = self.state
        reader = self.reader()
        index = served_index(st.caches, st.release, reader)
        framework = spelled(framework, index.filter_values()[0])  # PRM-IT is prm-it
        scope = {"text": text, "framework": framework, "kind": kind}
        release = st.release.release_id
        start = decode_cursor(cursor, "search", scope, release=release)
        unknown = index.unknown_filter(framework, kind, empty_is_unknown=True)
        if unknown is not None:
            raise ArgumentError(*unknown)
        result = index.query(text, framework=framework, kind=kind, limit=size, offset=start)
        check_within(cursor, start, result.total)
        hits = []
        for h in result.hits:
            d = hit_dict(h)
            d.pop("score", None)
            d["url"] = page_url(h.element.iri, self.base_url)
            hits.append(d)
        out: dict[str, Any] = {"query": text, "total": result.total, "returned": len(hits)}
        if start + len(hits) < result.total:
            out["truncated"] = True
            out["nextCursor"] = encode_cursor(start + len(hits), "search", scope, release=release)
        if result.did_you_mean:
            out["didYouMean"] = result.did_you_mean
            out["corrected"] = result.corrected
        out["facets"] = result.facets
        out["hits"] = hits
        out["sources"] = sources(reader, {h["framework"] for h in hits})
        return out

    def resolve(
        self,
        reader: services.Reader,
        element: str,
        framework: str | None,
        *,
        framework_arg: str = "framework",
        same_pcf_id: bool = False,
    ) -> services.Element:
        """An element from an IRI, element id, PCF ID or code (with ``framework``, or unique).

        A PCF ID or code that several frameworks state (APQC editions) is ambiguous without
        ``framework``, as in GraphQL ``element(pcfId:)``: the error names the frameworks and
        ``framework_arg``, the argument that chooses. ``same_pcf_id``: the statements of one
        PCF ID are not ambiguous (``element_history`` lists them all)."""
        ref = expanded(element.strip(), reader)  # <iri>, prmit:A24, pcf74:20638
        if not ref:
            raise ArgumentError("element", "is empty")
        framework = self.framework_id(reader, framework)
        if framework is not None:
            refuse_unknown_frameworks(reader, framework=framework)  # not 'element''s problem
        try:
            if ref.startswith(("http://", "https://")):  # an IRI, or a page URL given out
                return element_at(reader, ref, framework)
            if "/" in ref:
                return services.element_by(
                    reader, id=ref.lstrip("/").removeprefix("id/"), framework=framework
                )
            if ref.isdigit():
                found = self._by_identifier(reader, ref, framework, framework_arg, same_pcf_id)
                if found is not None:
                    return found
            if framework is not None:
                return services.element_by(reader, code=ref, framework=framework)
        except NotFoundError as exc:  # not as written: the same but for case? (references.py)
            st = self.state
            index = served_index(st.caches, st.release, reader)
            near = partial(with_nearest, reader=reader, index=index, ref=ref, framework=framework)
            return element_ignoring_case(index, ref, framework, str(exc), near)
        except ArgumentError:
            raise  # names its argument already
        except InputError as exc:
            raise ArgumentError(
                "framework" if "framework" in str(exc) else "element", str(exc)
            ) from None
        found = self._by_identifier(reader, ref, framework, framework_arg, same_pcf_id)
        if found is None:
            st = self.state
            hint = nearest(reader, served_index(st.caches, st.release, reader), ref, framework)
            raise ArgumentError(
                "element", f"no element has the IRI, PCF ID or code {quoted(ref)}{hint}"
            )
        return found

    def framework_id(self, reader: services.Reader, value: str | None) -> str | None:
        """A framework id argument as the data spells it (matched ignoring case)."""
        return spelled(value, services.known_framework_ids(reader))

    def _by_identifier(
        self,
        reader: services.Reader,
        ref: str,
        framework: str | None,
        framework_arg: str,
        same_pcf_id: bool,
    ) -> services.Element | None:
        if len(ref) > MAX_QUERY_CHARS:  # no identifier is that long (the index would refuse)
            return None
        st = self.state
        index = served_index(st.caches, st.release, reader)
        # identifier hits come newest edition first
        hits = [
            h.element
            for h in index.search(ref, framework=framework, limit=MAX_LIMIT)
            if h.field == "code"
        ]
        if not hits:
            return None
        fids = sorted({e.framework_id for e in hits})
        pcf_ids = {e.pcf_id for e in hits}
        if len(fids) > 1 and not (same_pcf_id and len(pcf_ids) == 1 and None not in pcf_ids):
            what = f"PCF ID {ref}" if ref.isdigit() else f"code {quoted(ref)}"
            raise ArgumentError(
                "element",
                f"{what} is ambiguous: it is in {len(hits)} elements of frameworks "
                f"{', '.join(fids)}; give {framework_arg} to choose",
            )
        return hits[0]

    def get_element(self, element: str, framework: str | None = None) -> dict[str, Any]:
        reader = self.reader()
        e = self.resolve(reader, element, framework)
        (parents_chain,) = services.ancestors_of(reader, [e])
        (children,) = services.children_of(reader, [e])
        (measures,) = services.measures_of(reader, [e])
        (every,) = services.mappings_of(reader, [e], direction="either", include_derived=True)
        records = [m for m in every if not m.derived]
        inherited = self._inherited_dicts(reader, e) if e.pcf_id is not None else []
        negatives = element_negatives(reader, e)
        base = self.base_url
        out = element_ref(e, base)
        out.update(
            {
                "kind": e.kind,
                "level": e.level,
                "definition": e.definition,
                "parent": element_ref(parents_chain[-1], base) if parents_chain else None,
                "ancestors": [element_ref(a, base) for a in parents_chain],
                "children": [element_ref(c, base) for c in children[:MAX_LIMIT]],
                "measures": [
                    {
                        "name": m.name,
                        "metricId": m.metric_id,
                        "category": m.category,
                        "units": m.units,
                    }
                    for m in measures[:MAX_LIMIT]
                ],
                "mappings": self._mapping_dicts(reader, e.iri, records)[:MAX_LIMIT],
                # what mappings leaves out: get_mappings(element, include_derived) lists them
                "derivedMappings": len(every) - len(records),
                "inheritedMappings": inherited[:MAX_LIMIT],
                # "X is NOT a match of Y", as get_mappings lists them: without them an
                # assistant read a rejected pair as one not yet decided
                "negativeMappings": negative_dicts(reader, negatives[:MAX_LIMIT], base),
                "noCounterparts": no_counterpart_dicts(reader, e),
                **maturity_fields(reader, e, base, MAX_LIMIT),  # IT-CMF's structure
            }
        )
        for name, full in (
            ("children", children),
            ("measures", measures),
            ("mappings", records),
            ("inheritedMappings", inherited),
            ("negativeMappings", negatives),
        ):
            if len(full) > MAX_LIMIT:  # said, not silently cut: the first MAX_LIMIT are shown
                out[f"{name}Truncated"] = len(full)
        frameworks = {e.framework_id} | {
            m[end]["framework"]
            for m in out["mappings"] + out["inheritedMappings"]
            for end in ("other", "madeOn")
            if end in m
        }
        frameworks |= {n["lacksCounterpartIn"] for n in out["noCounterparts"]}  # reasons quote
        # the other ends of its negative mappings are quoted too (code and name)
        frameworks |= {f for n in negatives for f in (n.subject_framework, n.object_framework)}
        out["sources"] = sources(reader, frameworks)
        return out

    def _mapping_dicts(
        self, reader: services.Reader, own: str, records: Sequence[services.Mapping]
    ) -> list[dict[str, Any]]:
        """``records`` seen from the element ``own`` (mapping_pairs.element_mapping_dicts)."""
        return element_mapping_dicts(reader, own, records, self.base_url)

    def _inherited_dicts(
        self, reader: services.Reader, e: services.Element
    ) -> list[dict[str, Any]]:
        """The curated mappings ``e`` sees from other APQC editions and versions of its PCF ID
        (GraphQL ``inheritedMappings``, the element page, the spreadsheet's inherited rows):
        each as a mapping of the element it was made on, with that element, the status
        ("inherited" or "needs-review") and why it needs review."""
        # The read covers every edition at once (seconds with many workbooks): ``reader`` is
        # the served release's shared reads (:meth:`reader`), made once per release.
        (inherited,) = services.inherited_mappings_of(reader, [e])
        by_made_on: dict[str, list[services.InheritedMapping]] = {}
        for im in inherited:
            by_made_on.setdefault(im.made_on, []).append(im)
        out: list[dict[str, Any]] = []
        for made_on, group in by_made_on.items():
            dicts = self._mapping_dicts(reader, made_on, [im.mapping for im in group])
            for im, d in zip(group, dicts, strict=True):
                d["madeOn"] = {
                    "iri": im.made_on,
                    "framework": im.made_on_framework,
                    "code": im.made_on_code,
                    "url": page_url(im.made_on, self.base_url),
                }
                d["status"] = im.status
                d["reasons"] = list(im.reasons)
                out.append(d)
        return out

    # --- mappings and gaps -----------------------------------------------------------------

    def get_mappings(
        self,
        source: str | None = None,
        target: str | None = None,
        element: str | None = None,
        include_derived: bool = False,
        limit: int | None = None,
        cursor: str | None = None,
        relation: str | None = None,
    ) -> dict[str, Any]:
        reader = self.reader()
        release = self.state.release.release_id  # the release the cursors are of
        source, target = self.framework_id(reader, source), self.framework_id(reader, target)
        refuse_unknown_frameworks(reader, source=source, target=target)
        wanted = self._relation(relation)
        other_way: dict[str, Any] = {}
        element_iri = None  # one list however the element was written
        decided: list[dict[str, Any]] = []  # between two frameworks (of an element: not paged)
        if element is not None:
            e = self.resolve(reader, element, source, framework_arg="source")
            element_iri = e.iri
            (records,) = services.mappings_of(
                reader, [e], direction="either", framework=target, include_derived=include_derived
            )
            items = self._mapping_dicts(reader, e.iri, records)
            negatives = element_negatives(reader, e, target)
            inherited = [
                i
                for i in (self._inherited_dicts(reader, e) if e.pcf_id is not None else [])
                if target is None or i["other"]["framework"] == target
            ]
            if target == e.framework_id and not (items or negatives or inherited):
                raise ArgumentError(  # as a pair of one framework is refused, not "0 mappings"
                    "target",
                    f"is the element's own framework ({target}): mappings are between two "
                    "frameworks; give another framework, or leave target out for every other",
                )
            frameworks = {e.framework_id} | {
                i[end]["framework"]
                for i in items + inherited
                for end in ("other", "madeOn")
                if end in i
            }
            # the other ends of its negative mappings are quoted too (code and name)
            frameworks |= {f for n in negatives for f in (n.subject_framework, n.object_framework)}
        else:
            inherited = []
            pair = pair_mappings(
                reader, source, target, include_derived=include_derived, base_url=self.base_url
            )
            items, negatives, other_way = pair.items, pair.negatives, pair.other_way
            decided = pair.decided  # paged beside the items, as the negatives
            frameworks = {str(source), str(target)}
        scope = {
            "source": source,
            "target": target,
            "element": element_iri,
            "includeDerived": include_derived,
        }
        if wanted is not None:  # as stated, subject to object (GraphQL mappings(relation:))
            items = [i for i in items if i["relation"] == wanted]
            negatives = [n for n in negatives if n.relation == wanted]
            inherited = [i for i in inherited if i["relation"] == wanted]
            scope["relation"] = wanted  # (absent otherwise: the cursors stay as they were)
        # The lists beside the items are paged with them, by the same cursor: each page
        # showed their first `limit` again, so past those a caller could not reach the rest.
        beside = max(len(negatives), len(inherited), len(decided))
        out = page(
            items,
            limit,
            cursor,
            kind="get_mappings",
            scope=scope,
            release=release,
            length=max(len(items), beside),
        )
        out["curatedOnly"] = not include_derived
        size = check_limit(limit)
        start = decode_cursor(cursor, "get_mappings", scope, release=release)
        if start + size < beside and "nextCursor" not in out:
            out["truncated"] = True
            out["nextCursor"] = encode_cursor(start + size, "get_mappings", scope, release=release)
        # Negative mappings (SSSOM predicate_modifier Not) are statements that two elements
        # are NOT related: listed apart, never among the mappings above.
        shown = negatives[start : start + size]
        out["negativeMappings"] = negative_dicts(reader, shown, self.base_url)
        if len(negatives) > size:
            out["negativeMappingsTotal"] = len(negatives)
        out.update(other_way)
        if element is None:  # the source elements decided to have no counterpart in target
            out["noCounterparts"] = decided[start : start + size]
            if len(decided) > size:
                out["noCounterpartsTotal"] = len(decided)
        else:
            # the element they are of, as resolved ("20634", "a25"): direction and other are
            # relative to it, and the answer did not say which element that was
            out["element"] = element_ref(e, self.base_url)
            out["noCounterparts"] = no_counterpart_dicts(reader, e, target)
            frameworks |= {n["lacksCounterpartIn"] for n in out["noCounterparts"]}  # reasons quote
            # Curated on another edition of the element's PCF ID: listed apart, as in GraphQL
            # (Element.inheritedMappings), never among the element's own mappings above.
            out["inheritedMappings"] = inherited[start : start + size]
            if len(inherited) > size:
                out["inheritedMappingsTotal"] = len(inherited)
        out["sources"] = sources(reader, frameworks)
        return out

    @staticmethod
    def _relation(relation: str | None) -> str | None:
        """``relation`` as its SKOS local name, spelt as any surface writes it."""
        try:
            return None if relation is None else relation_named(relation)
        except InputError as e:
            raise ArgumentError("relation", str(e)) from None

    def find_gaps(
        self,
        framework: str,
        target: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        under: str | None = None,
        undecided: bool = False,
    ) -> dict[str, Any]:
        reader = self.reader()
        release = self.state.release.release_id  # the release the cursors are of
        framework = str(self.framework_id(reader, framework))
        target = self.framework_id(reader, target)
        refuse_unknown_frameworks(reader, framework=framework, target=target)
        if itself := services.target_is_itself(framework, target):
            raise ArgumentError("target", itself)
        root = None
        if under is not None:  # as `pcfgraph gaps --under`: the element and those below it
            try:
                root = self.resolve(reader, under, framework)
            except ArgumentError as exc:
                if exc.argument != "element":
                    raise
                raise ArgumentError(
                    "under", str(exc).removeprefix("argument 'element': ")
                ) from None
        # read once per release and framework, then filtered (mcp/gaps.py)
        items = gaps(reader, framework, target=target, kind=kind, root=root, undecided=undecided)
        if kind is not None and not items:  # no such kind, or no gaps of it?
            st = self.state
            index = served_index(st.caches, st.release, reader)
            if (unknown := index.unknown_filter(None, kind, empty_is_unknown=True)) is not None:
                raise ArgumentError(*unknown)  # in the words of every edge (letter_case)
        # its own list: an undecided listing's cursor is refused for the full one, and the
        # full listing's scope (and cursors) stay as they were (None is left out)
        scope: dict[str, str | bool | None] = {
            "framework": framework,
            "target": target,
            "kind": kind,
            "under": root.iri if root is not None else None,  # however it was written
            "undecided": True if undecided else None,
        }
        out = page(items, limit, cursor, kind="find_gaps", scope=scope, release=release)
        # its framework and page, as every element an answer names carries them (the items
        # are the release's shared reads: copied, never changed)
        base = self.base_url
        out["items"] = [
            {**i, "framework": framework, "url": page_url(i["element"], base)} for i in out["items"]
        ]
        out["coveredByInheritedMappings"] = sum(1 for i in items if "inheritedStatus" in i)
        out["decidedByInheritance"] = sum(
            1 for i in items if i.get("inheritedDecisionStatus") == "inherited"
        )
        out["sources"] = sources(reader, {framework} | ({target} if target else set()))
        return out

    def element_history(self, element: str, framework: str | None = None) -> dict[str, Any]:
        """The element in every loaded edition that has its PCF ID (APQC) or its code."""
        reader = self.reader()
        e = self.resolve(reader, element, framework, same_pcf_id=True)
        st = self.state
        return history_answer(reader, served_index(st.caches, st.release, reader), e, self.base_url)

    # --- queries, SPARQL and audits --------------------------------------------------------

    def run_named_query(
        self,
        name: str,
        params: dict[str, str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        st = self.state
        try:
            q = st.catalog.get(name)
        except NotFoundError as exc:  # GET /queries and the CLI are out of an MCP client's reach
            raise ArgumentError(
                "name", f"{exc}; the resource {QUERIES_RESOURCE} lists them"
            ) from None
        except InputError as exc:
            raise ArgumentError("name", str(exc)) from None
        if q.form != "SELECT":
            raise ArgumentError(
                "name", f"{q.name} is a {q.form} query; only SELECT queries run here"
            )
        # an IRI as the vocabulary resource's prefixes write it (prmit:A2) is that IRI: it was
        # taken for an IRI of the scheme "prmit" and answered no rows, without a word
        iri_params = {p.name for p in q.params if p.type == "iri"}
        values: dict[str, object] = {
            k: expanded(v) if k in iri_params and isinstance(v, str) else v
            for k, v in (params or {}).items()
        }
        try:
            # as the data writes them (PRM-IT is prm-it): its answer, and its cursors' list
            values = q.canonical(values, services.param_values(self.reader()))
        except InputError as exc:
            raise ArgumentError("params", str(exc)) from None
        result = st.release.store.select(q, values)
        # Each row with its term types (``termTypes``, as the ``sparql`` tool gives them): a
        # row holds values only, an IRI and a literal of the same text reading the same.
        # Bounded as ``sparql``'s rows are (64 KB, long values cut): a named query's rows can
        # be as large (api/mappings: 200 KB at a limit of 100, cut at the limit only).
        rows = [
            {k: (v.value if hasattr(v, "value") else str(v)) for k, v in row.items()}
            for row in result.rows
        ]
        terms = [{k: _term_type(v) for k, v in row.items()} for row in result.rows]
        scope = {"name": name, "params": json.dumps(values, sort_keys=True)}
        kind, release = "run_named_query", st.release.release_id
        out = bounded_page(
            rows, limit, cursor, kind=kind, scope=scope, release=release, terms=terms
        )
        out["variables"] = list(result.variables)
        out["sources"] = readable_sources(self.reader()) if out["items"] else {}
        return out

    async def sparql(
        self,
        query: str,
        limit: int | None = None,
        cursor: str | None = None,
        client: str | None = None,
    ) -> dict[str, Any]:
        return await sandboxed.sparql(self.state, query, limit, cursor, client)

    async def audit_model(
        self,
        model: str,
        format: str = "turtle",
        as_of: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        client: str | None = None,
    ) -> dict[str, Any]:
        return await sandboxed.audit_model(self.state, model, format, as_of, limit, cursor, client)


#: The MCP resource listing the named queries ``run_named_query`` runs (server.py).
QUERIES_RESOURCE = "pcfgraph://queries"


def _term_type(term: Any) -> dict[str, Any]:
    """What a value of a row is: its SPARQL JSON term without the value."""
    out = json_term(term)
    del out["value"]
    return out


def refuse_unknown_frameworks(reader: services.Reader, **arguments: str | None) -> None:
    """:class:`ArgumentError` for the first argument naming a framework id the graph does not
    hold, in the words every edge uses (:func:`pcfgraph.services.no_framework`)."""
    for name, value in arguments.items():
        problem = None if value is None else services.unknown_framework(reader, value)
        if problem is not None:
            raise ArgumentError(name, problem)
