"""The ``Measure`` type: an APQC benchmarking measure listed for a PCF element."""

from __future__ import annotations

import strawberry

from pcfgraph import services
from pcfgraph.api.graphql.elements import Element, element_at
from pcfgraph.api.graphql.resolving import Ctx


@strawberry.type(description="An APQC benchmarking measure (metric) listed for a PCF element.")
class Measure:
    id: strawberry.ID = strawberry.field(description="The measure's id (its IRI path).")
    iri: str = strawberry.field(description="The measure's IRI.")
    metric_id: int | None = strawberry.field(description="APQC's numeric metric ID.")
    name: str = strawberry.field(description="Name of the measure.")
    category: str | None = strawberry.field(
        description='Measure category, e.g. "Cost Effectiveness", "Cycle Time".'
    )
    formula: str | None = strawberry.field(description="How the measure is computed.")
    units: str | None = strawberry.field(description='Units, lower case ("percent", "dollars").')
    description: str | None = strawberry.field(description="Further description.")
    data: strawberry.Private[services.Measure]

    @strawberry.field(description="The element the measure is listed for.")
    def element(self, info: Ctx) -> Element | None:
        m = self.data
        return element_at(info, m.element_iri, m.framework_id)


def measure_obj(m: services.Measure) -> Measure:
    return Measure(
        id=strawberry.ID(m.id),
        iri=m.iri,
        metric_id=m.metric_id,
        name=m.name,
        category=m.category,
        formula=m.formula,
        units=m.units,
        description=m.description,
        data=m,
    )
