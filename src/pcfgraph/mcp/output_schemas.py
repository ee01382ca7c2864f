"""Each tool's ``outputSchema``: the shape of its ``structuredContent``, the contract a client
validates an answer against (the SDK's client does, with every answer).

The SDK made it from the tools' return annotation, ``dict[str, Any]``: an object of anything,
so a client that validates checked nothing and one that reads the schema learnt nothing of
the fields (``items``, ``nextCursor``, ``sources`` ...). Here each answer's keys are declared
with their JSON types, those always given ``required``. An object may hold keys it does not
declare (an answer gains fields as the product grows, and an older client must keep reading
it); the tests hold every key of the tools' real answers to a declaration
(tests/test_mcp_output_schemas.py). JSON Schema 2020-12, the dialect MCP 2025-11-25 names
when a schema says none.
"""

from __future__ import annotations

import json
from typing import Any

from pcfgraph.relation_names import RELATION_NAMES
from pcfgraph.services.gaps import INHERITED, NEEDS_REVIEW
from pcfgraph.services.inherited import REASONS

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
TEXT: Schema = {"type": ["string", "null"]}  # a text the data may lack
INTEGER: Schema = {"type": "integer", "minimum": 0}
BOOLEAN: Schema = {"type": "boolean"}
STRINGS: Schema = {"type": "array", "items": STRING}
#: How a curated mapping or decision made on another APQC edition of the PCF ID applies.
STATUS: Schema = {
    "enum": [INHERITED, NEEDS_REVIEW],
    "description": "inherited: the element is unchanged from the one it was made on, so it "
    "holds; needs-review: that element was renamed, redefined, moved or removed since (the "
    "reasons say which). GraphQL's InheritanceStatus writes them INHERITED, NEEDS_REVIEW.",
}
#: Why an inherited mapping or decision needs review.
REVIEW_REASONS: Schema = {"type": "array", "items": {"enum": list(REASONS)}}
#: A gap's curated decision, as api/gaps.rq words it (GraphQL's GapDecision values).
GAP_DECISION: Schema = {
    "enum": ["no counterpart", "negative", None],
    "description": "no counterpart: a curated record says the element has none in that "
    "framework (reason says why); negative: curated negative mappings into that framework; "
    "null: no decision. GraphQL's GapDecision writes them NO_COUNTERPART, NEGATIVE.",
}
#: A mapping's relation as MCP writes it: the SKOS local name (GraphQL writes CLOSE_MATCH),
#: so a client reading the schema learns the spelling and the five values.
RELATION: Schema = {
    "enum": list(RELATION_NAMES),
    "description": "The SKOS relation's local name: closeMatch is skos:closeMatch (GraphQL's "
    "MappingRelation writes it CLOSE_MATCH).",
}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object with the keys ``required`` (always given) and ``optional`` (given when they
    apply), each of its schema."""
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
    }


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def array_of(schema: Schema) -> Schema:
    return {"type": "array", "items": schema}


def _element_fields() -> dict[str, Schema]:
    return {
        "iri": STRING,
        "id": STRING,
        "framework": STRING,
        "code": TEXT,
        "name": STRING,
        "url": TEXT,
    }


#: Who made and reviewed a record, when, and its mapping set (mapping_pairs.provenance).
PROVENANCE: dict[str, Schema] = {
    "author": TEXT,
    "reviewers": STRINGS,
    "mappingDate": TEXT,
    "mappingSet": TEXT,
}
#: An element's curated "no counterpart" decisions (mapping_pairs.no_counterpart_dicts).
NO_COUNTERPARTS: Schema = array_of(
    obj(
        {"lacksCounterpartIn": STRING, "reason": TEXT, "record": STRING},
        # between two frameworks: the source element each decision is about
        {"element": obj({"iri": STRING}, {**_element_fields(), "pcfId": INTEGER})},
    )
)


#: What the answers share, referenced as ``#/$defs/NAME``.
DEFS: dict[str, Schema] = {
    # the rights statement of each framework an answer quotes, by framework id
    "sources": {"type": "object", "additionalProperties": STRING},
    # an element as answers refer to it (results.element_ref)
    "element": obj(_element_fields(), {"pcfId": INTEGER}),
    # an end of a mapping: the element, or its IRI alone when the release does not hold it
    "end": obj({"iri": STRING}, {**_element_fields(), "framework": TEXT, "pcfId": INTEGER}),
    # a mapping seen from one of its ends (tools._mapping_dicts)
    "mapping": obj(
        {
            "relation": {
                **RELATION,
                "description": "The record's relation as it states it, from its subject to its "
                "object: for an incoming one, other is the subject (see relationToOther). "
                + RELATION["description"],
            },
            "direction": {"enum": ["outgoing", "incoming"]},
            "relationToOther": {
                **RELATION,
                "description": "The relation read from this element to other: relation when "
                "outgoing, its SKOS inverse when incoming (8.1.5.2 broadMatch A25 is A25 "
                "narrowMatch 8.1.5.2), as the element page and the spreadsheet export show it.",
            },
            "other": ref("end"),
            "confidence": {"type": ["number", "null"]},
            "justification": TEXT,
            "comment": TEXT,
            "derived": BOOLEAN,
            "record": STRING,
            **PROVENANCE,
        }
    ),
}
# curated on another APQC edition of the element's PCF ID: the mapping, where it was made
DEFS["inheritedMapping"] = {
    **DEFS["mapping"],
    "properties": {
        **DEFS["mapping"]["properties"],
        "madeOn": obj({"iri": STRING, "framework": STRING, "code": TEXT, "url": TEXT}),
        "status": STATUS,
        "reasons": REVIEW_REASONS,
    },
    "required": [*DEFS["mapping"]["required"], "madeOn", "status", "reasons"],
}


def paged(items: Schema, more: dict[str, Schema], optional: dict[str, Schema]) -> Schema:
    """A page of a list (mcp/paging.py): ``total``, ``returned``, the ``items``, and while
    more are left ``truncated`` and ``nextCursor``; with the answer's own keys."""
    return obj(
        {"total": INTEGER, "returned": INTEGER, "items": array_of(items), **more},
        {"truncated": {"const": True}, "nextCursor": STRING, **optional},
    )


def _listed(name: str) -> dict[str, Schema]:
    """``NAME`` (a list at most MAX_LIMIT long) and ``NAMETruncated`` (its whole length)."""
    return {f"{name}Truncated": INTEGER}


_HIT = obj(
    {
        "iri": STRING,
        "id": STRING,
        "framework": STRING,
        "code": TEXT,
        "name": STRING,
        "kind": TEXT,
        "field": STRING,
        "matchedOn": STRING,
        "snippet": STRING,
        "url": TEXT,
    },
    {"pcfId": INTEGER, "otherEditions": INTEGER},
)
SEARCH = obj(
    {
        "query": STRING,
        "total": INTEGER,
        "returned": INTEGER,
        "facets": {
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": INTEGER},
        },
        "hits": array_of(_HIT),
        "sources": ref("sources"),
    },
    {
        "truncated": {"const": True},
        "nextCursor": STRING,
        "didYouMean": STRING,
        "corrected": BOOLEAN,
    },
)

_PRACTICE = {
    **DEFS["element"],
    "properties": {**DEFS["element"]["properties"], "maturityLevel": {"type": ["integer", "null"]}},
}
_NEGATIVE = obj(
    {
        "subject": STRING,
        "notRelation": {
            **RELATION,
            "description": "The SKOS relation the reviewers decided does NOT hold, as its "
            "local name (closeMatch is skos:closeMatch).",
        },
        "object": STRING,
        "subjectElement": ref("end"),
        "objectElement": ref("end"),
        "justification": TEXT,
        "comment": TEXT,
        "record": STRING,
        "reviewers": STRINGS,
        "mappingDate": TEXT,
        "mappingSet": TEXT,
    },
    {"subjectCode": TEXT, "subjectName": STRING, "objectCode": TEXT, "objectName": STRING},
)
GET_ELEMENT = obj(
    {
        **_element_fields(),
        "kind": TEXT,
        "level": {"type": ["integer", "null"]},
        "definition": TEXT,
        "parent": {"anyOf": [ref("element"), {"type": "null"}]},
        "ancestors": array_of(ref("element")),
        "children": array_of(ref("element")),
        "measures": array_of(
            obj(
                {
                    "name": STRING,
                    "metricId": {"type": ["integer", "null"]},
                    "category": TEXT,
                    "units": TEXT,
                }
            )
        ),
        "mappings": array_of(ref("mapping")),
        "derivedMappings": {
            **INTEGER,
            "description": "How many derived records (inverses and chains of curated ones) "
            "mappings leaves out, curated only: get_mappings with this element and "
            "include_derived lists them.",
        },
        "inheritedMappings": array_of(ref("inheritedMapping")),
        "negativeMappings": array_of(_NEGATIVE),
        "noCounterparts": NO_COUNTERPARTS,
        "sources": ref("sources"),
    },
    {
        "pcfId": INTEGER,
        # IT-CMF's structure (results.maturity_fields)
        "maturityLevel": {
            **DEFS["element"],
            "properties": {**DEFS["element"]["properties"], "level": INTEGER},
        },
        "buildingBlock": ref("element"),
        "outcomes": array_of(ref("element")),
        "metrics": array_of(ref("element")),
        "practices": array_of(_PRACTICE),
        **_listed("children"),
        **_listed("measures"),
        **_listed("mappings"),
        **_listed("inheritedMappings"),
        **_listed("negativeMappings"),
        **_listed("outcomes"),
        **_listed("metrics"),
        **_listed("practices"),
    },
)

_PAIR_MAPPING = obj(
    {
        "subject": ref("end"),
        "relation": RELATION,
        "object": ref("end"),
        "confidence": {"type": ["number", "null"]},
        "justification": TEXT,
        "comment": TEXT,
        "derived": BOOLEAN,
        "record": STRING,
        **PROVENANCE,
    }
)
GET_MAPPINGS = paged(
    # between two frameworks: both ends; of one element: the other end, and which way
    {"anyOf": [_PAIR_MAPPING, ref("mapping")]},
    {
        "curatedOnly": BOOLEAN,
        "negativeMappings": array_of(_NEGATIVE),
        "sources": ref("sources"),
    },
    {
        "negativeMappingsTotal": INTEGER,
        "curatedOtherWay": INTEGER,
        "negativeMappingsOtherWay": INTEGER,
        "note": STRING,
        "element": ref("element"),
        "noCounterparts": NO_COUNTERPARTS,
        "noCounterpartsTotal": INTEGER,
        "inheritedMappings": array_of(ref("inheritedMapping")),
        "inheritedMappingsTotal": INTEGER,
    },
)

_GAP = obj(
    {
        "element": STRING,
        "id": TEXT,
        "code": TEXT,
        "name": TEXT,
        "kind": TEXT,
        "lacksCounterpartIn": TEXT,
        "decision": GAP_DECISION,
        "reason": TEXT,
        "framework": STRING,
        "url": TEXT,
        "negativeMappingCount": INTEGER,
    },
    {
        "inheritedStatus": STATUS,
        "inheritedMappings": INTEGER,
        "inheritedFrom": STRINGS,
        "inheritedDecision": TEXT,
        "inheritedDecisionStatus": STATUS,
        "inheritedReason": TEXT,
        "decidedOn": STRINGS,
        "decidedOnElement": STRINGS,
        "inheritedReviewReasons": REVIEW_REASONS,
    },
)
FIND_GAPS = paged(
    _GAP,
    {
        "coveredByInheritedMappings": INTEGER,
        "decidedByInheritance": INTEGER,
        "sources": ref("sources"),
    },
    {},
)

_VERSION = obj(
    {
        **_element_fields(),
        "edition": TEXT,
        "version": TEXT,
        "definition": TEXT,
        "changedSincePrevious": array_of({"enum": ["code", "name", "definition"]}),
    },
    {
        "pcfId": INTEGER,
        "previousVersion": TEXT,
        "changes": STRINGS,
        "removedInNextVersion": {"const": True},
        "statedChanges": STRINGS,
        "statedAgainstVersion": TEXT,
    },
)
ELEMENT_HISTORY = obj(
    {
        "element": STRING,
        "editions": INTEGER,
        "note": TEXT,
        "versions": array_of(_VERSION),
        "sources": ref("sources"),
    }
)

#: A row's values by variable (an unbound variable is absent), and what each value is.
_ROW: Schema = {"type": "object", "additionalProperties": STRING}
_TERM_TYPES: Schema = {
    "type": "object",
    "additionalProperties": obj(
        {"type": {"enum": ["uri", "literal", "bnode", "triple"]}},
        {"datatype": STRING, "xml:lang": STRING},
    ),
}
_ROWS_MORE = {"termTypes": array_of(_TERM_TYPES), "variables": STRINGS, "sources": ref("sources")}
RUN_NAMED_QUERY = paged(_ROW, _ROWS_MORE, {"valuesCut": INTEGER})

SPARQL: Schema = {
    "type": "object",
    "properties": {
        "form": {"enum": ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]},
        "boolean": BOOLEAN,
        **paged({"anyOf": [_ROW, STRING]}, _ROWS_MORE, {"valuesCut": INTEGER})["properties"],
    },
    "required": ["form"],
    # what each form answers: ASK a boolean; SELECT rows; CONSTRUCT and DESCRIBE N-Triples lines
    "oneOf": [
        {"properties": {"form": {"const": "ASK"}}, "required": ["boolean"]},
        {
            "properties": {"form": {"const": "SELECT"}, "items": array_of(_ROW)},
            "required": ["total", "returned", "items", "termTypes", "variables", "sources"],
        },
        {
            "properties": {
                "form": {"enum": ["CONSTRUCT", "DESCRIBE"]},
                "items": array_of(STRING),
            },
            "required": ["total", "returned", "items", "sources"],
        },
    ],
}

_FINDING = obj(
    {
        "focusNode": STRING,
        "focusLabel": TEXT,
        "path": TEXT,
        "value": TEXT,
        "severity": {"enum": ["Violation", "Warning", "Info"]},
        "message": STRING,
        "shape": STRING,
        "source": {
            "anyOf": [
                obj(
                    {
                        "framework": TEXT,
                        "code": TEXT,
                        "name": TEXT,
                        "passage": TEXT,
                        "iri": STRING,
                    }
                ),
                {"type": "null"},
            ]
        },
        "sourceIri": TEXT,
        "hint": TEXT,
        "location": {"type": ["object", "null"]},
        "rule": STRING,
        "group": {"type": ["object", "string", "null"]},
        "ruleOrigin": {"enum": ["audit", "framework"]},
    },
    {"status": STRING},
)
_REPORT = obj(
    {
        "asOf": STRING,
        "asOfSource": {"enum": ["model", "caller", "today", None]},
        "profile": TEXT,
        "coverage": {
            "type": "object",
            "additionalProperties": obj(
                {
                    "title": TEXT,
                    "root": TEXT,
                    "total": INTEGER,
                    "covered": INTEGER,
                    "percent": {"type": ["number", "null"]},
                }
            ),
        },
        "maturity": array_of({"type": "object"}),
    },
    {
        "maxFindings": INTEGER,
        "truncated": BOOLEAN,
        "groups": array_of({"type": "object"}),
        "checkedAgainst": obj(
            {
                "pcfgraph": TEXT,
                "release": TEXT,
                "frameworks": array_of(obj({"id": STRING, "title": TEXT, "version": TEXT})),
            }
        ),
        "model": obj({"triples": INTEGER}),
    },
)
AUDIT_MODEL = paged(
    _FINDING,
    {
        "conforms": BOOLEAN,
        "verdict": {"enum": ["conforms", "findings"]},
        "counts": {"type": "object", "additionalProperties": INTEGER},
        "report": _REPORT,
        "sources": ref("sources"),
    },
    {},
)


def with_defs(schema: Schema) -> Schema:
    """``schema`` with the shared parts it refers to (and they in turn) under ``$defs``,
    those alone: tools/list gives every schema."""
    names: set[str] = set()
    todo = [schema]
    while todo:
        text = json.dumps(todo.pop())
        for name in DEFS:
            if f'"#/$defs/{name}"' in text and name not in names:
                names.add(name)
                todo.append(DEFS[name])
    return {**schema, "$defs": {name: DEFS[name] for name in sorted(names)}} if names else schema


#: Each tool's outputSchema, by tool name.
OUTPUT_SCHEMAS: dict[str, Schema] = {
    name: with_defs(schema)
    for name, schema in {
        "search": SEARCH,
        "get_element": GET_ELEMENT,
        "get_mappings": GET_MAPPINGS,
        "find_gaps": FIND_GAPS,
        "element_history": ELEMENT_HISTORY,
        "audit_model": AUDIT_MODEL,
        "run_named_query": RUN_NAMED_QUERY,
        "sparql": SPARQL,
    }.items()
}
