"""The worker task's row cap is exact in every result format, below and above the byte budget.

``execute`` writes SELECT answers with pyoxigraph's own serialisers and proves the cap from the
answer's size; past that size it counts rows by a second evaluation. Both paths must give the
same answers and the same refusals.
"""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest

from pcfgraph import sparql_results
from pcfgraph.errors import ResultTooLarge
from pcfgraph.sparql_results import GRAPH_TYPES, NATIVE_RESULT_FORMATS, execute
from pcfgraph.store import EmbeddedStore

CAP = 20


def _ctx() -> SimpleNamespace:
    return SimpleNamespace(store=EmbeddedStore(ox.Store()))


def _query(rows: int, width: int) -> str:
    values = " ".join(str(i) for i in range(rows))
    text = "x" * width
    return (
        f'SELECT ?i ?s WHERE {{ VALUES ?i {{ {values} }} BIND(CONCAT("{text}", STR(?i)) AS ?s) }}'
    )


def _rows(media: str, body: bytes) -> list[str]:
    """The ?s values of an answer, parsed by format-specific readers."""
    text = body.decode("utf-8")
    if media.endswith("+json"):
        return [b["s"]["value"] for b in json.loads(text)["results"]["bindings"]]
    if media.endswith("+xml"):
        ns = "{http://www.w3.org/2005/sparql-results#}"
        root = ElementTree.fromstring(body)
        return [
            lit.text or "" for b in root.iter(f"{ns}binding") if b.get("name") == "s" for lit in b
        ]
    if media == "text/csv":
        return [r["s"] for r in csv.DictReader(io.StringIO(text))]
    lines = text.splitlines()[1:]
    return [line.split("\t")[1].strip('"') for line in lines]


@pytest.mark.parametrize("media", sorted(NATIVE_RESULT_FORMATS))
@pytest.mark.parametrize("width", [0, 200])  # small answers prove the cap; wide ones count
def test_cap_is_exact(media: str, width: int) -> None:
    ctx = _ctx()
    for rows in (0, 1, CAP - 1, CAP):
        payload = {"query": _query(rows, width), "media_type": media, "max_rows": CAP}
        got = _rows(media, execute(ctx, payload)["body"])
        assert sorted(got) == sorted("x" * width + str(i) for i in range(rows))
    payload = {"query": _query(CAP + 1, width), "media_type": media, "max_rows": CAP}
    with pytest.raises(ResultTooLarge, match=str(CAP)):
        execute(ctx, payload)


def test_empty_solutions_count_as_rows() -> None:
    """Rows with no bindings are the smallest ones; the byte budget is sized by them."""
    ctx = _ctx()
    for media in NATIVE_RESULT_FORMATS:
        ok = {"query": _query(CAP, 0).replace("SELECT ?i ?s", "SELECT ?none"), "max_rows": CAP}
        assert execute(ctx, {**ok, "media_type": media})["body"]
        over = {**ok, "query": _query(CAP + 1, 0).replace("SELECT ?i ?s", "SELECT ?none")}
        with pytest.raises(ResultTooLarge):
            execute(ctx, {**over, "media_type": media})


@pytest.mark.parametrize("media", GRAPH_TYPES)
def test_construct_cap(media: str) -> None:
    """Exactly ``max_rows`` triples are written whole in every graph format, one more is
    refused."""
    ctx = _ctx()
    q = "CONSTRUCT {{ <http://e/s> <http://e/p> ?i }} WHERE {{ VALUES ?i {{ {} }} }}"
    ok = q.format(" ".join(str(i) for i in range(CAP)))
    body = execute(ctx, {"query": ok, "media_type": media, "max_rows": CAP})["body"]
    rdf_format = ox.RdfFormat.from_media_type(media)
    assert rdf_format is not None
    objects = {t.object.value for t in ox.parse(body, format=rdf_format)}
    assert objects == {str(i) for i in range(CAP)}
    over = q.format(" ".join(str(i) for i in range(CAP + 1)))
    with pytest.raises(ResultTooLarge, match=str(CAP)):
        execute(ctx, {"query": over, "media_type": media, "max_rows": CAP})


@pytest.mark.parametrize(
    "media", ["application/sparql-results+json", "application/sparql-results+xml"]
)
@pytest.mark.parametrize("read_back_bytes", [sparql_results.READ_BACK_BYTES, 64])
def test_past_the_budget_rows_are_counted_exactly_read_back_or_evaluated_again(
    media: str, read_back_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the byte budget a JSON or XML answer is read back to count its rows (or, past
    ``READ_BACK_BYTES``, the query is evaluated again): either way exact, even when the
    values look like the format's own row separators."""
    monkeypatch.setattr(sparql_results, "READ_BACK_BYTES", read_back_bytes)
    ctx = _ctx()
    lookalike = '"},{"</result><result>'.replace('"', '\\"')
    for rows in (CAP, CAP + 1):
        values = " ".join(str(i) for i in range(rows))
        query = f'SELECT ?s WHERE {{ VALUES ?i {{ {values} }} BIND(CONCAT("{lookalike}", STR(?i)) AS ?s) }}'
        payload = {"query": query, "media_type": media, "max_rows": CAP}
        if rows > CAP:
            with pytest.raises(ResultTooLarge, match=str(CAP)):
                execute(ctx, payload)
        else:
            got = _rows(media, execute(ctx, payload)["body"])
            assert sorted(got) == sorted('"},{"</result><result>' + str(i) for i in range(rows))


@pytest.mark.parametrize("read_back_bytes", [sparql_results.READ_BACK_BYTES, 64])
def test_ntriples_cap_counts_statements_not_line_breaks(
    read_back_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """N-Triples is written by pyoxigraph and its statements counted by line; literals full
    of line breaks must not count as statements (they are escaped), and past the size kept
    whole the query is evaluated again and counted: the cap is exact either way."""
    monkeypatch.setattr(sparql_results, "READ_BACK_BYTES", read_back_bytes)
    ctx = _ctx()
    q = 'CONSTRUCT {{ <http://e/s> <http://e/p> ?o }} WHERE {{ VALUES ?i {{ {} }} BIND(CONCAT("a\\n\\r\\nb", STR(?i)) AS ?o) }}'
    media = "application/n-triples"
    ok = q.format(" ".join(str(i) for i in range(CAP)))
    body = execute(ctx, {"query": ok, "media_type": media, "max_rows": CAP})["body"]
    objects = {t.object.value for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}
    assert objects == {f"a\n\r\nb{i}" for i in range(CAP)}
    over = q.format(" ".join(str(i) for i in range(CAP + 1)))
    with pytest.raises(ResultTooLarge, match=str(CAP)):
        execute(ctx, {"query": over, "media_type": media, "max_rows": CAP})
