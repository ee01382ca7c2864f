"""What a request, an argument or a model holds is shown visibly escaped where pcfgraph quotes
it back (:func:`pcfgraph.terminal_text.printable`), on every edge: a right-to-left override
(U+202E) in an ``/id`` path turned the 404's message around in the reader's browser or
terminal, an escape sequence in a command's argument was run by the terminal, a line break in
a path wrote a line of the log that read as the server's, and a zero-width space in a model's
name made two names look the same in the auditor's findings table. The data served as data
(an element's name in JSON, a JSON or Turtle report) is as it is."""

from __future__ import annotations

import pytest
from gql_support import Client, graphql_release

RLO, ESC, ZWSP = "\u202e", "\x1b", "\u200b"
#: What no message, page, line or report cell may hold raw.
RAW = (RLO, ESC, ZWSP, "\u2066", "\x07")


def assert_none_raw(text: str) -> None:
    raw = [ascii(c) for c in RAW if c in text]
    assert not raw, (raw, ascii(text[:400]))


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(graphql_release(1))


def test_an_http_problem_and_error_page_show_the_paths_override_escaped(client: Client) -> None:
    path = "/id/prm-test/x%E2%80%AEy"
    r = client.http.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 404, r.text
    detail = r.json()["detail"]
    assert_none_raw(detail)
    assert detail.endswith("prm-test/x\\u202ey>"), ascii(detail)
    page = client.http.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404 and "prm-test/x\\u202ey" in page.text
    assert_none_raw(page.text)
    nowhere = client.http.get("/nowhere%E2%80%AE%1B%5B2J", headers={"Accept": "text/html"})
    assert nowhere.status_code == 404 and "/nowhere\\u202e\\x1b[2J" in nowhere.text
    assert_none_raw(nowhere.text)
    problem = client.http.get("/nowhere%E2%80%AE%1B%5B2J").json()["detail"]
    assert_none_raw(problem)
