"""The schema's enums: mapping relations and directions, and where a search matched."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(
    description="A SKOS mapping relation between elements of two frameworks, written as a "
    "GraphQL enum value: CLOSE_MATCH is skos:closeMatch. MCP and the CLI write the SKOS "
    "local name (closeMatch), SSSOM the CURIE (skos:closeMatch), RDF and SPARQL the IRI; "
    "sent as an argument or variable here, the relation is the enum value (CLOSE_MATCH), as "
    "GraphQL reads enums."
)
class MappingRelation(Enum):
    EXACT_MATCH = strawberry.enum_value(
        "exactMatch", description="skos:exactMatch: interchangeable meaning."
    )
    CLOSE_MATCH = strawberry.enum_value(
        "closeMatch", description="skos:closeMatch: similar enough to use either in most cases."
    )
    BROAD_MATCH = strawberry.enum_value(
        "broadMatch", description="skos:broadMatch: the object is broader than the subject."
    )
    NARROW_MATCH = strawberry.enum_value(
        "narrowMatch", description="skos:narrowMatch: the object is narrower than the subject."
    )
    RELATED_MATCH = strawberry.enum_value(
        "relatedMatch", description="skos:relatedMatch: associated, neither broader nor narrower."
    )


@strawberry.enum(description="Which end of a mapping record an element is at.")
class MappingDirection(Enum):
    SUBJECT = strawberry.enum_value(
        "subject", description="Records whose subject is the element (its outgoing mappings)."
    )
    OBJECT = strawberry.enum_value(
        "object", description="Records whose object is the element (its incoming mappings)."
    )
    EITHER = strawberry.enum_value(
        "either",
        description="Both: the records whose subject is the element and those whose object "
        "is (outgoing and incoming), each once.",
    )


@strawberry.enum(description="Where a search matched.")
class SearchField(Enum):
    CODE = strawberry.enum_value("code", description="The element's code equals the query.")
    NAME = strawberry.enum_value("name", description="The element's name.")
    DEFINITION = strawberry.enum_value("definition", description="The element's definition.")
    ALT_LABEL = strawberry.enum_value(
        "altLabel", description="An alternative or hidden label (skos:altLabel, skos:hiddenLabel)."
    )
    MEASURE = strawberry.enum_value("measure", description="The name of one of its measures.")


@strawberry.enum(
    description="How a curated mapping made on another APQC edition or version applies to an "
    "element with the same PCF ID."
)
class InheritanceStatus(Enum):
    INHERITED = strawberry.enum_value(
        "inherited",
        description="The element is unchanged from the one the mapping was made on: it holds.",
    )
    NEEDS_REVIEW = strawberry.enum_value(
        "needs-review",
        description="The element was renamed, redefined, moved or removed: review the mapping "
        "before relying on it.",
    )
