"""What the MCP tools do, as plain functions over the served state: compact JSON-able dicts,
paged (``limit`` + ``cursor``), citing their sources. The MCP layer (:mod:`.server`) only
registers them; tests call them through an MCP client.

Every read goes through :mod:`pcfgraph.services` (the same reads as GraphQL and the pages);
ad-hoc SPARQL and audits run in the sandbox worker pool with the deadlines, row caps and
size limits of ``/sparql`` and ``POST /validate``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pcfgraph import iris, services
from pcfgraph.config import Settings
from pcfgraph.errors import InputError, NotFoundError, PcfgraphError, StoreError
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.services.search.present import hit_dict, rights_of
from pcfgraph.services.search.release import served_index

#: Items a list tool returns when ``limit`` is not given (fits an assistant's context).
DEFAULT_LIMIT = 20
#: The most items one call returns.
MAX_LIMIT = 100
APQC_NOTICE = (
    "©2024 APQC. ALL RIGHTS RESERVED. The APQC Process Classification Framework® (PCF) is "
    "used with permission of APQC."
)


class ServedState(Protocol):
    """What the tools need of the serving state (``api.state.AppState`` has it)."""

    settings: Settings
    release: Release
    catalog: QueryCatalog
    extras: dict[str, Any]


@dataclass
class StandaloneState:
    """The state of ``pcfgraph mcp`` (no HTTP app): one release, its pool in ``extras``."""

    settings: Settings
    release: Release
    catalog: QueryCatalog = field(default_factory=QueryCatalog)
    extras: dict[str, Any] = field(default_factory=dict)


class ArgumentError(InputError):
    """A tool argument is wrong; the message starts with the argument's name."""

    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(f"argument '{argument}': {problem}")
        self.argument = argument


# --- paging ----------------------------------------------------------------------------------


def check_limit(limit: int | None, default: int = DEFAULT_LIMIT) -> int:
    if limit is None:
        return default
    if not 1 <= limit <= MAX_LIMIT:
        raise ArgumentError("limit", f"must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "o" or not number.isdigit():
            raise ValueError
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise ArgumentError("cursor", "not a cursor this server gave out") from None


def page(items: Sequence[Any], limit: int | None, cursor: str | None) -> dict[str, Any]:
    """A page of ``items``: the items, the total, and ``nextCursor`` when it was cut."""
    size = check_limit(limit)
    start = decode_cursor(cursor)
    chunk = list(items[start : start + size])
    out: dict[str, Any] = {"total": len(items), "returned": len(chunk)}
    if start + size < len(items):
        out["truncated"] = True
        out["nextCursor"] = encode_cursor(start + size)
    out["items"] = chunk
    return out


# --- shaping ---------------------------------------------------------------------------------


def element_ref(e: services.Element, base_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "iri": e.iri,
        "framework": e.framework_id,
        "code": e.code,
        "name": e.name,
    }
    if e.pcf_id is not None:
        out["pcfId"] = e.pcf_id
    out["url"] = page_url(e.iri, base_url)
    return out


def page_url(iri: str, base_url: str) -> str:
    """The element's workbench page on this server (``/id/...``)."""
    path = iris.id_path(iri) or iri
    return base_url.rstrip("/") + path if path.startswith("/") else path


def sources(reader: services.Reader, framework_ids: set[str]) -> dict[str, str]:
    found = rights_of(reader, framework_ids)
    for fid in framework_ids:
        if fid.startswith("apqc-pcf") and APQC_NOTICE not in found.get(fid, ""):
            found[fid] = (found.get(fid, "") + " " + APQC_NOTICE).strip()
    return found


class Tools:
    """The tools over a state provider (the live app state, so reloads are seen)."""

    def __init__(self, state: Callable[[], ServedState], base_url: str = "") -> None:
        self._state = state
        self.base_url = base_url

    @property
    def state(self) -> ServedState:
        return self._state()

    def reader(self) -> services.Reader:
        st = self.state
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
        if len(text) > 200:
            raise ArgumentError("text", "is limited to 200 characters")
        size = check_limit(limit, 10)
        start = decode_cursor(cursor)
        st = self.state
        reader = self.reader()
        index = served_index(st.extras, st.release, reader)
        result = index.query(text, framework=framework, kind=kind, limit=size, offset=start)
        hits = []
        for h in result.hits:
            d = hit_dict(h)
            d.pop("score", None)
            d["url"] = page_url(h.element.iri, self.base_url)
            hits.append(d)
        out: dict[str, Any] = {"query": text, "total": result.total, "returned": len(hits)}
        if start + len(hits) < result.total:
            out["truncated"] = True
            out["nextCursor"] = encode_cursor(start + len(hits))
        if result.did_you_mean:
            out["didYouMean"] = result.did_you_mean
            out["corrected"] = result.corrected
        out["facets"] = result.facets
        out["hits"] = hits
        out["sources"] = sources(reader, {h["framework"] for h in hits})
        return out

    def resolve(
        self, reader: services.Reader, element: str, framework: str | None
    ) -> services.Element:
        """An element from an IRI, element id, PCF ID or code (with ``framework``, or unique)."""
        ref = element.strip()
        if not ref:
            raise ArgumentError("element", "is empty")
        try:
            if ref.startswith(("http://", "https://")):
                return services.element_by(reader, iri=ref, framework=framework)
            if "/" in ref:
                return services.element_by(
                    reader, id=ref.lstrip("/").removeprefix("id/"), framework=framework
                )
            if ref.isdigit():
                found = self._by_identifier(reader, ref, framework)
                if found is not None:
                    return found
            if framework is not None:
                return services.element_by(reader, code=ref, framework=framework)
        except NotFoundError as exc:
            raise ArgumentError("element", str(exc)) from None
        except InputError as exc:
            raise ArgumentError(
                "framework" if "framework" in str(exc) else "element", str(exc)
            ) from None
        found = self._by_identifier(reader, ref, framework)
        if found is None:
            raise ArgumentError("element", f"no element has the IRI, PCF ID or code {ref!r}")
        return found

    def _by_identifier(
        self, reader: services.Reader, ref: str, framework: str | None
    ) -> services.Element | None:
        st = self.state
        index = served_index(st.extras, st.release, reader)
        for h in index.search(ref, framework=framework, limit=5):
            if h.field == "code":
                return h.element  # identifier hits come newest edition first
        return None

    def get_element(self, element: str, framework: str | None = None) -> dict[str, Any]:
        reader = self.reader()
        e = self.resolve(reader, element, framework)
        (parents_chain,) = services.ancestors_of(reader, [e])
        (children,) = services.children_of(reader, [e])
        (measures,) = services.measures_of(reader, [e])
        (records,) = services.mappings_of(reader, [e], direction="either", include_derived=False)
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
                "mappings": self._mapping_dicts(reader, e, records)[:MAX_LIMIT],
            }
        )
        if len(children) > MAX_LIMIT:
            out["childrenTruncated"] = len(children)
        frameworks = {e.framework_id} | {m["other"]["framework"] for m in out["mappings"]}
        out["sources"] = sources(reader, frameworks)
        return out

    def _mapping_dicts(
        self, reader: services.Reader, e: services.Element, records: Sequence[services.Mapping]
    ) -> list[dict[str, Any]]:
        others = {
            (m.object_iri, m.object_framework)
            if m.subject_iri == e.iri
            else (m.subject_iri, m.subject_framework)
            for m in records
        }
        keys: list[tuple[str, str | None]] = sorted(others)
        by_iri = {o.iri: o for o in services.elements_by_iris(reader, keys) if o}
        out = []
        for m in records:
            outgoing = m.subject_iri == e.iri
            other_iri = m.object_iri if outgoing else m.subject_iri
            other = by_iri.get(other_iri)
            out.append(
                {
                    "relation": m.relation,
                    "direction": "outgoing" if outgoing else "incoming",
                    "other": element_ref(other, self.base_url)
                    if other
                    else {
                        "iri": other_iri,
                        "framework": m.object_framework if outgoing else m.subject_framework,
                    },
                    "confidence": m.confidence,
                    "justification": m.justification,
                    "comment": m.comment,
                    "derived": m.derived,
                    "record": m.iri,
                }
            )
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
    ) -> dict[str, Any]:
        reader = self.reader()
        known = {f.id for f in services.frameworks(reader)}
        for name, value in (("source", source), ("target", target)):
            if value is not None and value not in known:
                raise ArgumentError(
                    name, f"no framework {value!r}; known: {', '.join(sorted(known))}"
                )
        if element is not None:
            e = self.resolve(reader, element, source)
            (records,) = services.mappings_of(
                reader, [e], direction="either", framework=target, include_derived=include_derived
            )
            items = self._mapping_dicts(reader, e, records)
            negatives = [
                n
                for n in services.negative_mappings(reader)
                if e.iri in (n.subject_iri, n.object_iri)
                and (target is None or target in (n.subject_framework, n.object_framework))
            ]
            frameworks = {e.framework_id} | {i["other"]["framework"] for i in items}
        else:
            if source is None or target is None:
                raise ArgumentError(
                    "source" if source is None else "target",
                    "give two frameworks (source and target) or one element",
                )
            records = services.mappings(
                reader, source=source, target=target, include_derived=include_derived
            )
            ends: list[tuple[str, str | None]] = sorted(
                {(m.subject_iri, m.subject_framework) for m in records}
                | {(m.object_iri, m.object_framework) for m in records}
            )
            by_iri = {o.iri: o for o in services.elements_by_iris(reader, ends) if o}
            items = [
                {
                    "subject": element_ref(by_iri[m.subject_iri], self.base_url)
                    if m.subject_iri in by_iri
                    else {"iri": m.subject_iri},
                    "relation": m.relation,
                    "object": element_ref(by_iri[m.object_iri], self.base_url)
                    if m.object_iri in by_iri
                    else {"iri": m.object_iri},
                    "confidence": m.confidence,
                    "justification": m.justification,
                    "comment": m.comment,
                    "derived": m.derived,
                    "record": m.iri,
                }
                for m in records
            ]
            negatives = services.negative_mappings(reader, source=source, target=target)
            frameworks = {source, target}
        out = page(items, limit, cursor)
        out["curatedOnly"] = not include_derived
        # Negative mappings (SSSOM predicate_modifier Not) are statements that two elements
        # are NOT related: listed apart, never among the mappings above.
        out["negativeMappings"] = [
            {
                "subject": n.subject_iri,
                "notRelation": n.relation,
                "object": n.object_iri,
                "justification": n.justification,
                "comment": n.comment,
            }
            for n in negatives[:MAX_LIMIT]
        ]
        out["sources"] = sources(reader, frameworks)
        return out

    def find_gaps(
        self,
        framework: str,
        target: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        reader = self.reader()
        known = {f.id for f in services.frameworks(reader)}
        for name, value in (("framework", framework), ("target", target)):
            if value is not None and value not in known:
                raise ArgumentError(
                    name, f"no framework {value!r}; known: {', '.join(sorted(known))}"
                )
        params: dict[str, object] = {"framework": framework}
        if target is not None:
            params["otherFramework"] = target
        if kind is not None:
            params["kind"] = kind
        rows = reader.select("api/gaps", params)
        items = []
        for row in rows:
            values = {k: (v.value if hasattr(v, "value") else str(v)) for k, v in row.items()}
            items.append(
                {
                    "element": values.get("element"),
                    "code": values.get("code"),
                    "name": values.get("name"),
                    "kind": values.get("elementKind"),
                    "lacksCounterpartIn": values.get("otherFramework"),
                    "decision": values.get("decision"),
                    "reason": values.get("reason"),
                }
            )
        out = page(items, limit, cursor)
        out["sources"] = sources(reader, {framework} | ({target} if target else set()))
        return out

    def element_history(self, element: str, framework: str | None = None) -> dict[str, Any]:
        """The element in every loaded edition that has its PCF ID (APQC) or its code."""
        reader = self.reader()
        e = self.resolve(reader, element, framework)
        st = self.state
        index = served_index(st.extras, st.release, reader)
        key = str(e.pcf_id) if e.pcf_id is not None else (e.code or "")
        family = "apqc-pcf" if e.framework_id.startswith("apqc-pcf-") else e.framework_id
        editions = [
            h.element
            for h in index.search(key, framework=family, limit=MAX_LIMIT)
            if h.field == "code"
            and (h.element.pcf_id == e.pcf_id if e.pcf_id is not None else h.element.code == e.code)
        ]
        fw = {f.id: f for f in services.frameworks(reader)}
        versions = []
        previous: services.Element | None = None
        for x in reversed(editions):  # oldest first, to say what changed
            changes = []
            if previous is not None:
                for attr in ("code", "name", "definition"):
                    if getattr(previous, attr) != getattr(x, attr):
                        changes.append(attr)
            info = fw.get(x.framework_id)
            versions.append(
                {
                    **element_ref(x, self.base_url),
                    "edition": info.edition if info else None,
                    "version": info.version if info else None,
                    "definition": x.definition,
                    "changedSincePrevious": changes,
                }
            )
            previous = x
        versions.reverse()
        return {
            "element": e.iri,
            "editions": len(versions),
            "note": None
            if len(versions) > 1
            else "only one loaded edition holds this element; load more with --add",
            "versions": versions,
            "sources": sources(reader, {v["framework"] for v in versions}),
        }

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
        except (NotFoundError, InputError) as exc:
            raise ArgumentError("name", str(exc)) from None
        if q.form != "SELECT":
            raise ArgumentError(
                "name", f"{q.name} is a {q.form} query; only SELECT queries run here"
            )
        values = {k: v for k, v in (params or {}).items()}
        try:
            q.bind(values)
        except InputError as exc:
            raise ArgumentError("params", str(exc)) from None
        result = st.release.store.select(q, values)
        rows = [
            {k: (v.value if hasattr(v, "value") else str(v)) for k, v in row.items()}
            for row in result.rows
        ]
        out = page(rows, limit, cursor)
        out["variables"] = list(result.variables)
        return out

    async def sparql(
        self, query: str, limit: int | None = None, cursor: str | None = None
    ) -> dict[str, Any]:
        from pcfgraph.sandbox.tasks import SPARQL_QUERY
        from pcfgraph.sparql_guard import check_query

        st = self.state
        settings = st.settings
        if not query.strip():
            raise ArgumentError("query", "is empty")
        if len(query.encode("utf-8")) > settings.max_body_bytes:
            raise ArgumentError("query", f"is larger than {settings.max_body_bytes} bytes")
        try:
            checked = check_query(
                query,
                max_depth=settings.max_query_depth,
                known_graphs=frozenset(st.release.store.graph_names()),
            )
        except PcfgraphError as exc:  # refused (update, SERVICE, too deep) or does not parse
            raise ArgumentError("query", str(exc)) from None
        media = (
            "application/sparql-results+json"
            if checked.form in ("SELECT", "ASK")
            else "application/n-triples"
        )
        payload = {
            "query": query,
            "media_type": media,
            "max_rows": settings.max_result_rows,
            "has_dataset_clause": checked.has_dataset_clause,
            "base_iri": iris.ID_BASE,
        }
        pool = st.extras.get("pool")
        if pool is None:
            raise StoreError("the query sandbox is not running")
        result = await pool.run(SPARQL_QUERY, payload, timeout=settings.query_timeout)
        body = bytes(result["body"]).decode("utf-8")
        if media == "application/n-triples":
            lines = [line for line in body.splitlines() if line.strip()]
            out = page(lines, limit, cursor)
            out["form"] = checked.form
            return out
        doc = json.loads(body)
        if "boolean" in doc:
            return {"form": "ASK", "boolean": doc["boolean"]}
        rows = [
            {k: v.get("value") for k, v in binding.items()}
            for binding in doc["results"]["bindings"]
        ]
        out = page(rows, limit, cursor)
        out["form"] = "SELECT"
        out["variables"] = doc["head"].get("vars", [])
        return out

    async def audit_model(
        self,
        model: str,
        format: str = "turtle",
        limit: int | None = None,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        from pcfgraph.sandbox.tasks import AUDIT_UPLOAD

        st = self.state
        settings = st.settings
        if format not in MODEL_FORMATS:
            raise ArgumentError("format", f"use one of {', '.join(MODEL_FORMATS)}, not {format!r}")
        data = model.encode("utf-8")
        if not data.strip():
            raise ArgumentError("model", "is empty")
        if len(data) > settings.max_body_bytes:
            raise ArgumentError("model", f"is larger than {settings.max_body_bytes} bytes")
        filename, media = MODEL_FORMATS[format]
        payload = {
            "files": [{"name": filename, "data": data, "media_type": media}],
            "format": "json",
            "max_bytes": settings.max_body_bytes,
            "max_triples": settings.max_upload_triples,
        }
        pool = st.extras.get("pool")
        if pool is None:
            raise StoreError("the audit sandbox is not running")
        try:
            result = await pool.run(AUDIT_UPLOAD, payload, timeout=settings.validate_timeout)
        except InputError as exc:
            raise ArgumentError("model", str(exc)) from None
        report = json.loads(result["body"])
        findings = report.get("findings") or report.get("results") or []
        out = page(findings, limit, cursor)
        out["conforms"] = result["conforms"]
        out["verdict"] = "conforms" if result["conforms"] else "findings"
        out["counts"] = result.get("counts")
        out["report"] = {k: v for k, v in report.items() if k not in ("findings", "results")}
        return out


#: Model formats ``audit_model`` takes: a file name (the parser goes by its extension) and the
#: media type, as an upload to ``POST /validate`` would carry them.
MODEL_FORMATS: dict[str, tuple[str, str]] = {
    "turtle": ("model.ttl", "text/turtle"),
    "trig": ("model.trig", "application/trig"),
    "jsonld": ("model.jsonld", "application/ld+json"),
    "ntriples": ("model.nt", "application/n-triples"),
    "nquads": ("model.nq", "application/n-quads"),
    "rdfxml": ("model.rdf", "application/rdf+xml"),
    "archimate": ("model.xml", "application/xml"),
    "csv": ("model.csv", "text/csv"),
}
