"""RDF lists on resource pages are ordered lists of their members, not rdf:first/rdf:rest
tables; anything that is not a well-formed list stays a nested table."""

from __future__ import annotations

import pyoxigraph as ox

from pcfgraph.web.resource import RDF, resource_view

EX = "https://example.org/"


def triples(turtle: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)]


def test_a_list_is_its_members_in_order() -> None:
    view = resource_view(
        EX + "r",
        triples(
            f'<{EX}r> <{EX}steps> ( <{EX}a> "second" <{EX}c> ) ; <{EX}empty> () .'
            f'<{EX}a> <http://www.w3.org/2004/02/skos/core#prefLabel> "First step"@en .'
        ),
    )
    (steps,) = [r for r in view.rows if r.predicate == EX + "steps"]
    (value,) = steps.values
    assert value.items is not None and value.node is None
    assert [(v.text, v.href) for v in value.items] == [
        ("First step", EX + "a"),
        ("second", None),
        (f"{EX}c", EX + "c"),
    ]
    (empty,) = [r for r in view.rows if r.predicate == EX + "empty"]
    assert [v.text for v in empty.values] == ["rdf:nil"]  # rdf:nil is an IRI, not a blank node


def test_a_blank_node_that_is_not_a_list_stays_a_table() -> None:
    view = resource_view(
        EX + "r",
        triples(
            f"<{EX}r> <{EX}odd> [ <{RDF}first> 1 ; <{RDF}first> 2 ; <{RDF}rest> <{RDF}nil> ] ;"
            f' <{EX}rights> [ <{EX}holder> "IBM" ] .'
        ),
    )
    for predicate in (EX + "odd", EX + "rights"):
        (row,) = [r for r in view.rows if r.predicate == predicate]
        (value,) = row.values
        assert value.items is None and value.node is not None
