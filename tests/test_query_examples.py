"""``# example:`` header lines: a value to try for each parameter, checked when the file is
read, and every shipped query runs with its examples on the shipped data (the query page
offers them; before, a query with a parameter ran there unbound and could only time out)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pcfgraph.errors import ParseError
from pcfgraph.queries import QueryCatalog, parse_header

HEADER = """# summary: Things by code.
# param: code (literal) - the code
# param: element (iri, optional) - an element
# param: limit (integer, optional) - how many
{examples}SELECT ?s ?code ?element ?limit WHERE {{ ?s <urn:p> ?code }}
"""

#: Shipped queries whose examples find nothing in the shipped data, and why.
EMPTY_ON_SHIPPED_DATA = {
    "api/industry-specific-elements": "the shipped data has no industry edition",
    "api/inherited-mappings": "no shipped mapping is inherited by a child element",
    "api/inherited-no-counterparts": "the shipped data has no industry edition to inherit",
    "release/manifest": "the release graph is kept by a remote store only",
}


def parsed(examples: str) -> Any:
    return parse_header("t", Path("t.rq"), HEADER.format(examples=examples))


def test_examples_are_kept_on_their_parameters_as_given() -> None:
    q = parsed("# example: code = 8.1.2\n# example: element = urn:x:1\n")
    assert {p.name: p.example for p in q.params} == {
        "code": "8.1.2",
        "element": "urn:x:1",
        "limit": None,
    }


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("# example: code 8.1.2", "expected 'name = value'"),
        ("# example: framework = prm-it", "'framework', which is no '# param:'"),
        ("# example: code = a\n# example: code = b", "a second '# example:' for 'code'"),
        ("# example: element = not an iri", "parameter 'element' expects iri"),
        ("# example: limit = many", "parameter 'limit' expects integer"),
    ],
)
def test_a_bad_example_line_refuses_the_file_naming_its_line(line: str, needle: str) -> None:
    with pytest.raises(ParseError, match=re.escape(needle)) as info:
        parsed(line + "\n")
    assert info.value.line == 5 + line.count("\n")  # the (last) example's line


def test_every_required_parameter_of_a_shipped_query_has_an_example() -> None:
    missing = [
        f"{q.name}: {p.name}"
        for q in QueryCatalog()
        for p in q.params
        if not p.optional and p.example is None
    ]
    assert missing == []


def test_every_shipped_query_runs_with_its_examples(shipped_release: Any) -> None:
    store = shipped_release.store
    found: dict[str, int] = {}
    for q in QueryCatalog():
        if not q.params:
            continue
        values = {p.name: p.example for p in q.params if p.example is not None}
        if q.form == "SELECT":
            found[q.name] = len(store.select(q, values).rows)
        elif q.form == "ASK":
            found[q.name] = int(store.ask(q, values))
        else:
            found[q.name] = len(list(store.construct(q, values)))
    # violation checks find nothing in the shipped data; every other query finds something
    # unless the data cannot hold it
    empty = {name for name, n in found.items() if n == 0 and not name.startswith("checks/")}
    assert empty == set(EMPTY_ON_SHIPPED_DATA)
    assert found["api/descendants"] == 43  # APQC 8.1's subtree below it
