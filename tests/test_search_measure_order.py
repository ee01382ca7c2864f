"""A search document lists an element's measures in the order its page does (metric id, then
name), whatever order the store returns them in."""

from __future__ import annotations

from pcfgraph import services
from pcfgraph.queries import QueryCatalog
from pcfgraph.services.search.documents import _measure_names
from pcfgraph.store import EmbeddedStore

BASE = "https://w3id.org/pcfgraph/test/"
PCFG = "https://w3id.org/pcfgraph/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def quads(measures: list[tuple[str, int | None, str]]) -> bytes:
    lines = [
        f'<{BASE}scheme> <{PCFG}frameworkId> "test" .',
        f"<{BASE}e1> <{SKOS}inScheme> <{BASE}scheme> .",
    ]
    for local, metric, name in measures:
        m = f"<{BASE}m/{local}>"
        lines.append(f"{m} <{PCFG}measureOf> <{BASE}e1> .")
        lines.append(f'{m} <{SKOS}prefLabel> "{name}"@en .')
        if metric is not None:
            lines.append(
                f'{m} <{PCFG}metricId> "{metric}"^^<http://www.w3.org/2001/XMLSchema#integer> .'
            )
    return ("\n".join(lines) + "\n").encode()


def names(measures: list[tuple[str, int | None, str]]) -> list[str]:
    reader = services.Reader(EmbeddedStore.from_nquads(quads(measures)), QueryCatalog())
    return _measure_names(reader)[BASE + "e1"]


def test_measures_follow_metric_id_then_name() -> None:
    measures = [
        ("a", 30, "Alpha"),
        ("b", 20, "Beta"),
        ("c", None, "Delta 10"),
        ("d", None, "Delta 9"),
        ("e", 10, "Gamma"),
        ("f", 20, "Aardvark"),
    ]
    expected = ["Gamma", "Aardvark", "Beta", "Alpha", "Delta 9", "Delta 10"]
    assert names(measures) == expected
    assert names(list(reversed(measures))) == expected


def test_a_name_measured_twice_is_listed_once_at_its_first_place() -> None:
    measures = [("a", 5, "Cost"), ("b", 50, "Time"), ("c", 1, "Time")]
    assert names(measures) == ["Time", "Cost"]
