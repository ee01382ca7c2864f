"""Each tool's ``outputSchema`` is a real contract: it declares the keys of the tool's
``structuredContent`` with their types, those always given required, and every key of its
real answers is declared. The SDK published ``{"type": "object", "additionalProperties":
true}`` for every tool (from a return annotation of ``dict[str, Any]``): a client validating
an answer against it (the SDK's client does) checked nothing."""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft202012Validator
from mcp import Client
from mcp_support import call, session_with_pool

from pcfgraph.mcp.output_schemas import OUTPUT_SCHEMAS
from pcfgraph.release import Release
from pcfgraph.resources import resource_dir

APQC = "apqc-pcf-cross-industry-7.4"
AS_OF = "2025-07-15"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def closed(schema: Any) -> Any:
    """``schema`` with every object that declares its keys holding no others: what the tests
    hold the real answers to (the published schema lets an answer gain keys)."""
    if isinstance(schema, list):
        return [closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: closed(v) for k, v in schema.items()}
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _answers(release: Release) -> dict[str, list[dict[str, Any]]]:
    """Real answers of every tool, in the shapes each gives (pages cut and not, each form)."""
    findings = (resource_dir("data") / "examples" / "organisation-with-findings.ttl").read_text()
    good = (resource_dir("data") / "examples" / "conforming-organisation.ttl").read_text()
    calls: list[tuple[str, dict[str, Any]]] = [
        ("search", {"text": "SLA", "framework": "apqc-pcf", "limit": 2}),
        ("search", {"text": "20641"}),
        ("search", {"text": "relatonship managment"}),
        ("search", {"text": "relationship", "framework": "it-cmf", "limit": 100}),
        ("get_element", {"element": "20641"}),
        ("get_element", {"element": "A24"}),
        ("get_element", {"element": "8.1", "framework": APQC}),
        ("get_element", {"element": "it-cmf/maturity-level/1"}),
        ("get_mappings", {"source": APQC, "target": "prm-it", "limit": 2}),
        ("get_mappings", {"source": "prm-it", "target": APQC, "include_derived": True}),
        ("get_mappings", {"element": "A24"}),
        ("find_gaps", {"framework": "prm-it", "limit": 3}),
        ("find_gaps", {"framework": APQC, "target": "prm-it", "undecided": True}),
        ("element_history", {"element": "20641"}),
        ("element_history", {"element": "A24"}),
        ("run_named_query", {"name": "api/frameworks"}),
        ("run_named_query", {"name": "api/element-by-code", "params": {"framework": "prm-it", "code": "A24"}}),
        ("sparql", {"query": f"SELECT ?e ?c WHERE {{ ?e <{SKOS}notation> ?c }}", "limit": 3}),
        ("sparql", {"query": "ASK { ?s ?p ?o }"}),
        ("sparql", {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"}),
        ("sparql", {"query": "DESCRIBE <https://w3id.org/pcfgraph/id/prm-it/A24>"}),
        ("audit_model", {"model": findings, "as_of": AS_OF, "limit": 3}),
        ("audit_model", {"model": good, "as_of": AS_OF}),
    ]  # fmt: skip
    out: dict[str, list[dict[str, Any]]] = {}

    async def body(client: Client) -> None:
        for tool, args in calls:
            out.setdefault(tool, []).append(await call(client, tool, **args))
        # IT-CMF's structure: practices, their level, outcomes and metrics
        hits = out["search"][-1]["hits"]
        for hit in hits[:12]:
            out["get_element"].append(await call(client, "get_element", element=hit["iri"]))

    session_with_pool(release, body)
    return out


def test_every_tool_declares_its_answers_shape(shipped_release: Release) -> None:
    async def listed(client: Client) -> None:
        tools = (await client.list_tools()).tools
        assert {t.name: t.output_schema for t in tools} == OUTPUT_SCHEMAS

    session_with_pool(shipped_release, listed)
    answers = _answers(shipped_release)
    assert set(answers) == set(OUTPUT_SCHEMAS)
    for tool, schema in OUTPUT_SCHEMAS.items():
        Draft202012Validator.check_schema(schema)
        # not an object of anything: its keys, their types, those always there
        assert schema["type"] == "object" and len(schema["properties"]) >= 5, tool
        assert schema["required"], tool
        validator = Draft202012Validator(schema)
        assert not validator.is_valid({}), tool
        strict = Draft202012Validator(closed(copy.deepcopy(schema)))
        for answer in answers[tool]:
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in strict.iter_errors(answer)]
            assert not errors, (tool, errors[:5])
    # the answers hold what the schema's optional keys are for (the test reaches them)
    element_keys = {k for a in answers["get_element"] for k in a}
    assert {"maturityLevel", "practices", "pcfId", "measures"} <= element_keys
    assert any("nextCursor" in a for a in answers["search"])
    assert any("didYouMean" in a for a in answers["search"])
    assert {a["form"] for a in answers["sparql"]} == {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
    assert any("note" in a for a in answers["get_mappings"])


def test_an_answer_breaking_the_contract_is_refused_by_the_client_schema() -> None:
    """What a validating client rejects: a key of the wrong type, a required one missing."""
    search = Draft202012Validator(OUTPUT_SCHEMAS["search"])
    base = {"query": "x", "total": 0, "returned": 0, "facets": {}, "hits": [], "sources": {}}
    assert search.is_valid(base)
    assert not search.is_valid({**base, "total": "0"})
    assert not search.is_valid({k: v for k, v in base.items() if k != "hits"})
    assert not search.is_valid({**base, "hits": [{"iri": "x"}]})
    sparql = Draft202012Validator(OUTPUT_SCHEMAS["sparql"])
    assert sparql.is_valid({"form": "ASK", "boolean": True})
    assert not sparql.is_valid({"form": "ASK"})
    assert not sparql.is_valid({"form": "SELECT", "boolean": True})


def test_enumerated_fields_state_their_values_as_graphql_does() -> None:
    """A gap's decision, an inherited mapping's status and reasons, a relation: MCP declared
    them as any string, so a client learnt their values (and how they map to GraphQL's
    enums) from the source only. Each states its values now: GraphQL's enum values for the
    same thing (GapDecision, InheritanceStatus, MappingRelation: ``no counterpart`` is
    NO_COUNTERPART, ``closeMatch`` CLOSE_MATCH)."""
    from pcfgraph.api.graphql.enums import InheritanceStatus, MappingRelation
    from pcfgraph.api.graphql.gaps import GapDecision

    gap = OUTPUT_SCHEMAS["find_gaps"]["properties"]["items"]["items"]["properties"]
    assert set(gap["decision"]["enum"]) == {d.value for d in GapDecision} | {None}
    statuses = {s.value for s in InheritanceStatus}
    assert set(gap["inheritedStatus"]["enum"]) == set(gap["inheritedDecisionStatus"]["enum"])
    assert set(gap["inheritedStatus"]["enum"]) == statuses
    defs = OUTPUT_SCHEMAS["get_element"]["$defs"]
    assert set(defs["inheritedMapping"]["properties"]["status"]["enum"]) == statuses
    mapping = defs["mapping"]["properties"]
    for key in ("relation", "relationToOther"):
        assert set(mapping[key]["enum"]) == {r.value for r in MappingRelation}, key
    for field in (gap["decision"], gap["inheritedStatus"], mapping["relation"]):
        assert "GraphQL" in field["description"]
