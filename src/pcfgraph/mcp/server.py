"""The MCP server (official ``mcp`` SDK, ``MCPServer``): read-only tools, resources and
prompts over the served release. ``pcfgraph mcp`` runs it over stdio with its own sandbox
pool; ``pcfgraph serve`` mounts it at ``/mcp`` (Streamable HTTP) on the app's state and pool.

Tool names are a contract: search, get_element, get_mappings, find_gaps, element_history,
audit_model, run_named_query, sparql. A bad argument is a tool execution error (``isError``)
whose text is the message naming the argument, as MCP 2025-11-25 asks (SEP-1303,
:mod:`pcfgraph.mcp.arguments`); other expected failures (deadline, sandbox busy) are tool
errors with the same message the HTTP API gives, after the SDK's "Error executing tool NAME: ".
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, ToolAnnotations
from pydantic import Field, WithJsonSchema

from pcfgraph import __version__, services
from pcfgraph.errors import InputError, PcfgraphError
from pcfgraph.importers.apqc.emit import APQC_NOTICE
from pcfgraph.mcp.arguments import ArgumentProblem, CheckedServer
from pcfgraph.mcp.output_schemas import OUTPUT_SCHEMAS
from pcfgraph.mcp.paging import MAX_LIMIT, ArgumentError
from pcfgraph.mcp.results import element_ref, sources
from pcfgraph.mcp.sandboxed import MODEL_FORMATS
from pcfgraph.mcp.state import ServedState
from pcfgraph.mcp.tools import QUERIES_RESOURCE, REQUEST_BASE, Tools
from pcfgraph.relation_names import SPELLINGS
from pcfgraph.sandbox.fairness import client_key
from pcfgraph.services.search.index import MAX_QUERY_CHARS
from pcfgraph.terminal_text import printable

T = TypeVar("T")

INSTRUCTIONS = (
    "pcfgraph: IT process frameworks (APQC PCF, IBM PRM-IT, IT-CMF, TRIM) as one knowledge "
    "graph with curated cross-framework mappings (SSSOM, with justification and confidence). "
    "Start with `search` (PCF IDs like 20641 and codes like 8.1.6.2 or A25 work, so do "
    "abbreviations like SLA), then `get_element` for definitions, hierarchy and mappings. "
    "Lists are paged: pass `cursor` from `nextCursor` to continue. Cite the `sources` given "
    "with results; APQC content carries APQC's notice. An element's `iri` is its identifier "
    "to cite; its `url` is its page on a pcfgraph server, null where no such server is "
    "known. A mapping's `relation` is as its record states it, from its subject to its "
    "object; an element's mappings add `relationToOther`, the relation read from that element "
    "to the `other` end (8.1.5.2 broadMatch A25 is, from A25, narrowMatch 8.1.5.2). " + APQC_NOTICE
)

#: The pool's key of the one client of ``pcfgraph mcp`` (stdio: the process that started it).
#: Not an address, so never the key of an HTTP client; not ``None``, the HTTP clients whose
#: address is unknown.
LOCAL_CLIENT = "mcp-stdio"

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)

# What the tools check themselves, stated in their inputSchema, the contract a client reads:
# the schema said any integer, any string, while a limit of 0 or 101, a format no parser
# has and a search text of 201 characters were refused (schema only: the tools' own checks
# give the messages, docs/mcp.md).
#: ``limit`` of every list (:func:`pcfgraph.mcp.paging.check_limit`).
Limit = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT})]
#: ``search``'s ``text`` (the index's own bound).
SearchText = Annotated[str, WithJsonSchema({"type": "string", "maxLength": MAX_QUERY_CHARS})]
#: ``audit_model``'s ``format``.
ModelFormat = Annotated[str, WithJsonSchema({"type": "string", "enum": list(MODEL_FORMATS)})]
#: ``audit_model``'s ``as_of``.
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
# What each argument means, in the schema beside it (each had a title of its name only).
CURSOR = (
    "The nextCursor of the previous answer of this tool with these same arguments, to go "
    "on; left out (or empty): the first page"
)
ELEMENT = 'An element: IRI, element id ("prm-it/A24"), PCF ID ("20641") or code ("8.1.6", "A24")'
FRAMEWORK_ID = 'A framework id, e.g. "prm-it", "it-cmf", "trim", "apqc-pcf-cross-industry-7.4"'


def limit_of(default: int) -> Any:
    """``limit``'s description, with the default of its list."""
    return Field(description=f"Items per answer: 1 to {MAX_LIMIT}, default {default}")


def says(text: str) -> Any:
    """An argument's description."""
    return Field(description=text)


# A prompt's arguments as a client's form shows them (they had a name only).
ProcessText = Annotated[
    str, Field(description="Your process: its name and, better, a sentence of what it does")
]
ModelText = Annotated[
    str,
    Field(
        description="The model's text: a Turtle, TriG, JSON-LD, N-Triples, N-Quads, "
        "RDF/XML or ArchiMate exchange file"
    ),
]
PromptFormat = Annotated[
    str, Field(description=f"The model's format: {', '.join(MODEL_FORMATS)} (default turtle)")
]


def _guard(call: Callable[[], T]) -> T:
    try:
        return call()
    except ArgumentError as exc:
        raise ArgumentProblem(str(exc)) from None
    except PcfgraphError as exc:
        raise ToolError(str(exc)) from None


async def _threaded(call: Callable[[], T]) -> T:
    """A read in a worker thread, as the HTTP API runs them: on ``pcfgraph serve`` the event
    loop keeps answering other requests meanwhile."""
    return await anyio.to_thread.run_sync(lambda: _guard(call))


async def _aguard(call: Callable[[], Awaitable[T]]) -> T:
    try:
        return await call()
    except InputError as exc:  # an ArgumentError, or the model or query given is unreadable
        raise ArgumentProblem(str(exc)) from None
    except PcfgraphError as exc:
        raise ToolError(str(exc)) from None


def caller_key(ctx: Context) -> str | None:
    """Who calls, for the sandbox pool's fairness rules: on ``/mcp`` the address of the HTTP
    request behind the MCP request, keyed as ``/sparql`` keys its clients
    (:func:`pcfgraph.sandbox.fairness.client_key`); without one (stdio, in memory) the local
    process, :data:`LOCAL_CLIENT`."""
    request = ctx.request_context.request
    if request is None:
        return LOCAL_CLIENT
    return client_key(getattr(request, "client", None))


#: The base URL of the pages for the HTTP request behind a call (its ASGI scope): given by
#: the HTTP edge (``/mcp``: :func:`pcfgraph.http.public_url.public_base`).
RequestBase = Callable[[Any], str]


def at_request_base(ctx: Context, request_base: RequestBase | None) -> None:
    """Page URLs of this call under the base of the HTTP request that carries it (``/mcp``:
    ``request_base`` of its scope, else its base URL); none over stdio. Set in the call's
    own task, whose context its worker thread copies."""
    request = ctx.request_context.request
    if request is None:
        REQUEST_BASE.set(None)
    elif request_base is not None:
        REQUEST_BASE.set(request_base(request.scope))
    else:
        REQUEST_BASE.set(str(request.base_url))


def build_server(
    state: Callable[[], ServedState],
    *,
    base_url: str = "",
    request_base: RequestBase | None = None,
) -> MCPServer:
    """An MCP server over the state ``state()`` returns (called per request: reloads show);
    page URLs under ``base_url``, or where served over HTTP, ``request_base`` of the request."""
    tools = Tools(state, base_url)
    server = CheckedServer(
        name="pcfgraph",
        title="pcfgraph: IT process frameworks",
        version=__version__,
        instructions=INSTRUCTIONS,
        warn_on_duplicate_tools=True,
        output_schemas=OUTPUT_SCHEMAS,
    )

    @server.tool(title="Search framework elements", annotations=READ_ONLY, structured_output=True)
    async def search(
        text: Annotated[SearchText, says('PCF ID, code, name, abbreviation or words, e.g. "SLA"')],
        framework: Annotated[
            str | None,
            says(
                'A framework id or family: "prm-it", "it-cmf", "trim", "apqc-pcf" (every APQC '
                'edition) or an edition such as "apqc-pcf-cross-industry-7.4"'
            ),
        ] = None,
        kind: Annotated[str | None, says('An element kind, e.g. "process", "activity"')] = None,
        limit: Annotated[Limit | None, limit_of(10)] = None,
        cursor: Annotated[str | None, says(CURSOR)] = None,
        *,
        ctx: Context,
    ) -> dict[str, Any]:
        """Find framework elements by PCF ID (20641), hierarchy code (8.1.6.2),
        PRM-IT/IT-CMF/TRIM code (A25), name, abbreviation or synonym (SLA, CSAT, BRM), or words of their
        definition, in every loaded edition; typos corrected (didYouMean). framework: a
        framework id or family ("apqc-pcf", "prm-it", "it-cmf", "trim"); kind: e.g. "process",
        "activity". Each hit says what matched. Default 10 hits, at most 100. total counts
        the hits the filters keep; facets count every match before the framework and kind
        filters (where else the text is found)."""
        at_request_base(ctx, request_base)
        return await _threaded(lambda: tools.search(text, framework, kind, limit, cursor))

    @server.tool(title="Get one element", annotations=READ_ONLY, structured_output=True)
    async def get_element(
        element: Annotated[str, says(ELEMENT)],
        framework: Annotated[
            str | None,
            says(FRAMEWORK_ID + "; needed for a PCF ID or code several frameworks state"),
        ] = None,
        *,
        ctx: Context,
    ) -> dict[str, Any]:
        """One element by IRI, element id, PCF ID or code (a PCF ID or code that several
        frameworks state, e.g. APQC editions, needs `framework`): name, definition, parent,
        ancestors, children, measures, curated mappings (relation as the record states it,
        direction, relationToOther: the relation read from this element to the other end,
        confidence, justification; derivedMappings counts the derived ones left out, which
        get_mappings with include_derived lists), inheritedMappings (curated on another APQC edition of its PCF ID:
        inherited, or needs-review and why), negativeMappings (curated "X is NOT a match of
        Y" decisions, as get_mappings lists them), noCounterparts (curated "no counterpart"
        decisions, with why) and its page URL. IT-CMF: a practice's
        maturityLevel, buildingBlock, outcomes and metrics; the practices of a building block,
        maturity level, outcome or metric."""
        at_request_base(ctx, request_base)
        return await _threaded(lambda: tools.get_element(element, framework))

    @server.tool(title="Cross-framework mappings", annotations=READ_ONLY, structured_output=True)
    async def get_mappings(
        source: Annotated[
            str | None,
            says(
                "The framework id the mappings go from (with target); with element: its "
                "framework, when several state its PCF ID or code"
            ),
        ] = None,
        target: Annotated[str | None, says("The framework id the mappings go to")] = None,
        element: Annotated[str | None, says(ELEMENT + ": its mappings, either way")] = None,
        include_derived: Annotated[
            bool, says("Also the mappings derived from curated ones; default false")
        ] = False,
        limit: Annotated[Limit | None, limit_of(20)] = None,
        cursor: Annotated[str | None, says(CURSOR)] = None,
        relation: Annotated[
            str | None,
            says(
                "Only records of this SKOS relation as they state it, from their subject to "
                f"their object (negative and inherited ones too): {SPELLINGS}"
            ),
        ] = None,
        *,
        ctx: Context,
    ) -> dict[str, Any]:
        """Mappings between two frameworks (source and target framework ids) or of one element
        (IRI, PCF ID or code, with `source` as its framework when several state it; target
        optional). Curated records only unless include_derived. Between two frameworks, only
        records stated from source to target: curatedOtherWay counts those stated the other
        way round (swap source and target to read them).
        Negative mappings ("X is NOT a match of Y") are listed apart under negativeMappings,
        curated "no counterpart" decisions (of the element, or of source's elements towards
        target) under noCounterparts; for an element, those curated on another APQC edition
        under inheritedMappings. Those lists are paged with the records: nextCursor goes on
        while any of them has more (an element's noCounterparts are given whole)."""
        at_request_base(ctx, request_base)
        return await _threaded(
            lambda: tools.get_mappings(
                source, target, element, include_derived, limit, cursor, relation
            )
        )

    @server.tool(
        title="Elements without a counterpart", annotations=READ_ONLY, structured_output=True
    )
    async def find_gaps(
        framework: Annotated[str, says(FRAMEWORK_ID + ": the framework whose gaps to list")],
        target: Annotated[
            str | None, says("Only gaps towards this framework id; default any other")
        ] = None,
        kind: Annotated[str | None, says('Only elements of this kind, e.g. "process"')] = None,
        limit: Annotated[Limit | None, limit_of(20)] = None,
        cursor: Annotated[str | None, says(CURSOR)] = None,
        under: Annotated[
            str | None, says(ELEMENT + " of framework: only it and those below it")
        ] = None,
        undecided: Annotated[
            bool,
            says(
                "Only gaps without a curated decision (no NoTermFound record, no negative "
                "mapping, no inherited mapping or no-counterpart decision from another APQC "
                "edition that holds)"
            ),
        ] = False,
        *,
        ctx: Context,
    ) -> dict[str, Any]:
        """Elements of `framework` without a counterpart in `target` (or in any other
        framework), with the curated decision and reason where one is recorded; `under`: only
        that element of `framework` (IRI, element id, PCF ID or code, e.g. "8.1") and those
        below it. An element covered only by curated mappings inherited from another APQC
        edition of its PCF ID (or, towards an APQC edition, by those the edition's elements
        inherit into it) has inheritedStatus (inherited, or needs-review) and is not a
        plain gap. One whose PCF ID has a curated no-counterpart decision on another APQC
        edition has inheritedDecision, inheritedDecisionStatus (inherited, or needs-review),
        inheritedReason and decidedOn (decidedByInheritance counts those that hold). `undecided`:
        only those still to decide, as `pcfgraph gaps --undecided`."""
        at_request_base(ctx, request_base)
        return await _threaded(
            lambda: tools.find_gaps(framework, target, kind, limit, cursor, under, undecided)
        )

    @server.tool(title="An element across editions", annotations=READ_ONLY, structured_output=True)
    async def element_history(
        element: Annotated[str, says(ELEMENT)],
        framework: Annotated[str | None, says(FRAMEWORK_ID + " the element is in")] = None,
        *,
        ctx: Context,
    ) -> dict[str, Any]:
        """The element in every loaded edition (same APQC PCF ID, or same code), newest first,
        with what changed (code, name, definition) since the version of its own edition it
        revises (previousVersion), the change notes (changes: moved, renamed, new), and what
        its APQC workbook states changed (statedChanges, against statedAgainstVersion)."""
        at_request_base(ctx, request_base)
        return await _threaded(lambda: tools.element_history(element, framework))

    @server.tool(
        title="Audit an organisational model", annotations=READ_ONLY, structured_output=True
    )
    async def audit_model(
        model: Annotated[str, says("The model's text (the whole file)")],
        format: Annotated[ModelFormat, says("The model's format; default turtle")] = "turtle",
        as_of: Annotated[
            Day | None,
            says(
                "YYYY-MM-DD: the day date-dependent controls are judged on; default the day "
                "the model states (orgm:describedAsOf), else today, or with a cursor the day "
                "of the audit it pages"
            ),
        ] = None,
        limit: Annotated[Limit | None, limit_of(20)] = None,
        cursor: Annotated[str | None, says(CURSOR)] = None,
        *,
        ctx: Context,
    ) -> dict[str, Any]:
        """Audit an organisational model (the text of a Turtle, TriG, JSON-LD, N-Triples,
        N-Quads, RDF/XML or ArchiMate exchange file; `format` says which) against the
        framework shapes: verdict, counts and findings with their sources. as_of: the day
        (YYYY-MM-DD) date-dependent controls such as review dates are judged on; when not
        given, the day the model states (orgm:describedAsOf), else today (a cursor carries its audit's day: the next pages are of the same audit).
        Same sandbox, deadline and size limits as POST /validate; nothing is
        stored."""
        client = caller_key(ctx)
        return await _aguard(lambda: tools.audit_model(model, format, as_of, limit, cursor, client))

    @server.tool(title="Run a named query", annotations=READ_ONLY, structured_output=True)
    async def run_named_query(
        name: Annotated[
            str, says('A named query, e.g. "api/element-by-code" (pcfgraph://queries lists them)')
        ],
        params: Annotated[
            dict[str, str] | None, says("The query's parameters by name, each value a string")
        ] = None,
        limit: Annotated[Limit | None, limit_of(20)] = None,
        cursor: Annotated[str | None, says(CURSOR)] = None,
    ) -> dict[str, Any]:
        """Run one of the server's named SELECT queries (e.g. "api/element-by-code" with
        params {"framework": "prm-it", "code": "A24"}); parameters are bound as RDF terms.
        The resource pcfgraph://queries lists the queries and their parameters."""
        return await _threaded(lambda: tools.run_named_query(name, params, limit, cursor))

    @server.tool(title="Run a SPARQL query", annotations=READ_ONLY, structured_output=True)
    async def sparql(
        query: Annotated[str, says("A SPARQL 1.1 SELECT, ASK, CONSTRUCT or DESCRIBE query")],
        limit: Annotated[Limit | None, limit_of(20)] = None,
        cursor: Annotated[str | None, says(CURSOR)] = None,
        *,
        ctx: Context,
    ) -> dict[str, Any]:
        """Run a read-only SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE) in the sandbox
        with the deadline and row cap of /sparql; no updates, no SERVICE. Read the resource
        pcfgraph://vocabulary first for classes, properties, graphs and prefixes."""
        client = caller_key(ctx)
        return await _aguard(lambda: tools.sparql(query, limit, cursor, client))

    # --- resources -------------------------------------------------------------------------

    @server.resource(
        "pcfgraph://frameworks",
        name="frameworks",
        description="Every loaded framework edition: id, IRI, title, version, edition, "
        "publisher, element count, licence (its IRI) and rights (the notice to cite).",
        mime_type="application/json",
    )
    def frameworks_resource() -> str:
        # the IRI and licence an answer cites, as GraphQL's Framework gives them: the list
        # said "licence" and gave neither, only the id and the notice
        reader = tools.reader()
        counts = services.element_counts(reader)
        out = [
            {
                "id": f.id,
                "iri": f.iri,
                "title": f.title,
                "version": f.version,
                "edition": f.edition,
                "publisher": f.publisher,
                "elements": counts.get(f.id, 0),
                "license": f.license,
                "rights": f.attribution or f.license,
            }
            for f in services.frameworks(reader)
        ]
        return json.dumps({"frameworks": out}, ensure_ascii=False)

    @server.resource(
        "pcfgraph://frameworks/{framework}/top",
        name="framework-top",
        description="A framework's top-level elements and their children (two levels), each "
        "as the tools name an element: iri, id, framework, code, name, pcfId, url.",
        mime_type="application/json",
    )
    def framework_top(framework: str, ctx: Context) -> str:
        at_request_base(ctx, request_base)
        reader = tools.reader()
        framework = str(tools.framework_id(reader, framework))  # PRM-IT is prm-it
        problem = services.unknown_framework(reader, framework)
        if problem is not None:  # it was a tree of nothing, read as an empty framework
            raise MCPError(INVALID_PARAMS, printable(f"argument 'framework': {problem}"))
        try:
            index = services.framework_index(reader, framework)
        except PcfgraphError as exc:
            raise MCPError(INVALID_PARAMS, printable(f"argument 'framework': {exc}")) from None
        # each element as every tool names one (results.element_ref): it gave code, name and
        # IRI only, so the element id and page of a top-level element took another call
        base = tools.base_url
        tree = [
            {
                **element_ref(e, base),
                "children": [element_ref(c, base) for c in index.children.get(e.iri, [])],
            }
            for e in index.top
        ]
        return json.dumps(
            {"framework": framework, "top": tree, "sources": sources(reader, {framework})},
            ensure_ascii=False,
        )

    @server.resource(
        QUERIES_RESOURCE,
        name="named-queries",
        description="The named SELECT queries run_named_query runs: name, summary and "
        "parameters (type, optional, what to give, a value to try).",
        mime_type="application/json",
    )
    def queries_resource() -> str:
        # what GET /queries lists, for a client that has MCP only (pcfgraph mcp: no server)
        out = [
            {
                "name": q.name,
                "summary": q.summary,
                "params": [p.described() for p in q.params],
            }
            for q in tools.state.catalog
            if q.form == "SELECT"
        ]
        return json.dumps({"queries": out}, ensure_ascii=False)

    @server.resource(
        "pcfgraph://vocabulary",
        name="vocabulary",
        description="Compact overview for writing SPARQL: prefixes, classes, properties, graphs.",
        mime_type="text/markdown",
    )
    def vocabulary_resource() -> str:
        return vocabulary_overview(tools)

    # --- prompts ---------------------------------------------------------------------------

    @server.prompt(
        name="map-my-process",
        description="Place one of your processes in the frameworks and across them.",
    )
    def map_my_process(process: ProcessText) -> str:
        return (
            f"I want to place this process of my organisation in the IT process frameworks: "
            f"{process!r}.\n1. Use `search` with its name and key words (try abbreviations too).\n"
            "2. For the best two or three hits use `get_element` to read definitions and "
            "ancestors, and pick the closest element per framework.\n3. Use `get_mappings` "
            "with that element to see curated counterparts in the other frameworks (each "
            "one's relationToOther is how the element relates to it; note confidence and "
            "justification; negative mappings say what is NOT equivalent).\n"
            "4. Answer with a table: framework, code, name, why it fits, and cite the sources "
            "(APQC's notice for PCF content)."
        )

    @server.prompt(
        name="audit-my-model",
        description="Audit an organisational model and explain the findings.",
    )
    def audit_my_model(model: ModelText, format: PromptFormat = "turtle") -> str:
        if format not in MODEL_FORMATS:  # the audit_model call it asks for would be refused
            raise MCPError(
                INVALID_PARAMS,
                f"argument 'format': must be one of {', '.join(MODEL_FORMATS)}, not {format!r}",
            )
        return (
            f"Audit this organisational model (format {format}) with `audit_model`, then "
            "explain the verdict, group the findings by severity and rule, and for each say "
            "which framework element or control it refers to (use `get_element` for the "
            "element's definition) and how to fix it.\n\nModel:\n" + model
        )

    return server


def term_text(term: object) -> str:
    value = getattr(term, "value", None)
    return value if isinstance(value, str) else str(term)


def vocabulary_overview(tools: Tools) -> str:
    """Prefixes, the ontology's classes and properties (with labels) and the named graphs."""
    from pcfgraph import iris

    st = tools.state
    store = st.release.store
    lines = ["# pcfgraph vocabulary for SPARQL", "", "## Prefixes", ""]
    for prefix, ns in sorted(iris.PREFIXES.items()):
        lines.append(f"PREFIX {prefix}: <{ns}>")
    lines += ["", "## Named graphs (queries see their union by default)", ""]
    lines += [f"- <{g}>" for g in sorted(store.graph_names())]
    rows = [
        {k: term_text(v) for k, v in r.items()}
        for r in tools.reader().select("mcp/vocabulary-overview")
    ]
    for title, what in (("Classes", "class"), ("Properties", "property")):
        lines += ["", f"## {title}", ""]
        for r in rows:
            if r.get("what") == what:
                comment = r.get("comment", "")[:160]
                lines.append(f"- <{r['term']}> {r.get('label', '')}: {comment}".rstrip(": "))
    lines += [
        "",
        "## Shapes of the data",
        "",
        "- Elements: skos:Concept, skos:inScheme their framework (pcfg:Framework, "
        "pcfg:frameworkId), skos:prefLabel, skos:notation (code), skos:definition, "
        "skos:broader (parent), pcfg:level, pcfg:pcfId (APQC).",
        "- Mappings: skos:exactMatch/closeMatch/broadMatch/narrowMatch/relatedMatch between "
        "elements, and a record per mapping (justification, confidence) in a mapping-set graph.",
        "- Measures: pcfg:measureOf the element, skos:prefLabel, pcfg:metricId.",
    ]
    return "\n".join(lines) + "\n"
