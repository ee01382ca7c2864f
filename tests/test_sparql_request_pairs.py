"""The query-string pairs kept by :func:`pcfgraph.api.sparql_request.form_params`."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from pcfgraph.api.sparql_request import PAIRS_KEPT_BYTES, form_params
from pcfgraph.errors import InputError


@pytest.mark.parametrize(
    "raw",
    [
        b"query=ASK%20%7B%7D&default-graph-uri=http%3A%2F%2Fe.org%2Fg",
        b"query=SELECT+*+WHERE+%7B%3Fs+%3Fp+%3Fo%7D&x=&y",
        b"query=" + b"%41" * (PAIRS_KEPT_BYTES // 3 + 10),  # too long to be kept
    ],
)
def test_kept_or_not_the_pairs_are_the_librarys(raw: bytes) -> None:
    expected = parse_qsl(raw.decode(), keep_blank_values=True)
    first = form_params(raw, "the query string")
    assert first == expected
    first.append(("added", "by a caller"))  # a caller's list is its own
    assert form_params(raw, "the query string") == expected


def test_a_refused_query_string_is_refused_every_time() -> None:
    for _ in range(3):
        with pytest.raises(InputError, match="not UTF-8"):
            form_params(b"query=%FF%FE", "the query string")
        with pytest.raises(InputError, match="not valid UTF-8"):
            form_params(b"query=\xff", "the query string")
