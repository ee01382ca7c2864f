"""Argument types that several GraphQL fields take, described once so that every field's
documentation says the same thing (the printed SDL is the contract: tests/gql snapshot)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from pcfgraph.api.graphql.enums import MappingRelation
from pcfgraph.api.graphql.resolving import FIRST_DOC

INDUSTRY_SPECIFIC_DOC = (
    "true: only elements of APQC industry editions whose PCF ID no loaded Cross-Industry "
    "edition states (what is specific to the industry); false: every other element."
)

# Element lists (root `elements`, `Framework.elements`).
KindArg = Annotated[str | None, strawberry.argument(description='Only this kind, e.g. "activity".')]
LevelArg = Annotated[int | None, strawberry.argument(description="Only this level (top = 1).")]
FirstArg = Annotated[int | None, strawberry.argument(description=FIRST_DOC)]
AfterArg = Annotated[str | None, strawberry.argument(description="Cursor to continue after.")]
IndustrySpecificArg = Annotated[bool | None, strawberry.argument(description=INDUSTRY_SPECIFIC_DOC)]

# Search (`search`, `searchResults`).
SearchTextArg = Annotated[str, strawberry.argument(description="Words or a phrase to find.")]
SearchFrameworkArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description='Only this framework id, or family ("apqc-pcf": every APQC edition).'
    ),
]
SearchFirstArg = Annotated[
    int | None,
    strawberry.argument(description="Number of hits (default 20, at most the page size)."),
]
SearchKindArg = Annotated[
    str | None,
    strawberry.argument(description='Only elements of this kind, e.g. "activity".'),
]

# Mappings.
RelationArg = Annotated[
    MappingRelation | None,
    strawberry.argument(
        description="Only records of this relation as they state it, from their subject to "
        "their object (an incoming record 8.1.5.2 BROAD_MATCH A25 is BROAD_MATCH, read from "
        "A25 too)."
    ),
]
ToFrameworkArg = Annotated[
    strawberry.ID | None, strawberry.argument(description="Framework id of the objects.")
]
# An element's decisions that are no mapping (`Element.negativeMappings`, `noCounterparts`).
OtherFrameworkArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="Only those towards this other framework id."),
]
