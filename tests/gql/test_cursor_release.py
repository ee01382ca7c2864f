"""GraphQL ``elements`` cursors belong to the release they were given out on, as MCP's do
(docs/graphql.md said "valid for the release that produced them", and nothing checked it):
a cursor given out before a reload went on in the new list from its old offset, and one
past the end of the list (made by hand) answered an empty page read as "nothing more".
Both are ``bad-input`` errors now."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from gql_support import PRM, Client, graphql_release
from ops_support import publish

from pcfgraph import cursors
from pcfgraph.config import Settings

TOKEN = "s3cret-token"
PAGE = (
    '{ elements(framework: "mini", first: 1%s) { totalCount nodes { id } pageInfo { endCursor } } }'
)


@pytest.mark.timeout(180)
def test_a_cursor_of_the_release_before_a_reload_is_an_error(tmp_path: Path) -> None:
    from pcfgraph.serving import create_app

    rel = tmp_path / "rel"
    old = publish(rel, extra=5)
    with TestClient(create_app(Settings(release=rel, admin_token=TOKEN, query_workers=1))) as http:

        def ask(after: str | None = None) -> dict:
            query = PAGE % (f', after: "{after}"' if after else "")
            return dict(http.post("/graphql", json={"query": query}).json())

        first = ask()["data"]["elements"]
        cursor = first["pageInfo"]["endCursor"]
        assert cursors.read("elements", cursor)[2] == old
        assert ask(cursor)["data"]["elements"]["nodes"]  # the same release: it goes on
        new = publish(rel, extra=6)
        r = http.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200 and r.json()["release_id"] == new, r.text
        assert ask()["data"]["elements"]["totalCount"] == first["totalCount"] + 1
        answer = ask(cursor)
        (err,) = answer["errors"]
        assert err["extensions"]["code"] == "bad-input", err
        assert err["path"] == ["elements"], err
        message = err["message"]
        assert f"(after) was given out on release {old} of the data" in message, message
        assert f"now serves release {new}" in message and "start the list again" in message


def test_a_cursor_past_the_end_of_its_list_is_an_error() -> None:
    gql = Client(graphql_release(1))
    page = gql.data(
        f'{{ elements(framework: "{PRM}", first: 6) {{ totalCount pageInfo {{ endCursor }} }} }}'
    )["elements"]
    assert page["totalCount"] == 6
    release = gql.release.release_id
    scope = {"framework": PRM, "kind": None, "level": None, "industrySpecific": None}
    last = page["pageInfo"]["endCursor"]
    assert cursors.read("elements", last) == (5, {"framework": PRM}, release)
    # after the last element: an empty page, as before (no error: the cursor was given out)
    empty = gql.data(f'{{ elements(framework: "{PRM}", after: "{last}") {{ nodes {{ id }} }} }}')
    assert empty["elements"]["nodes"] == []
    for offset in (6, 100):
        made = cursors.encode("elements", offset, scope, release=release)
        (err,) = gql.errors(f'{{ elements(framework: "{PRM}", after: "{made}") {{ totalCount }} }}')
        assert err["extensions"]["code"] == "bad-input", err
        assert "points past the end of its list" in err["message"], err
        assert "the list has 6" in err["message"], err
