"""The plain pages the API draws itself (mapping sets, rules, their sections, the fallback
404) have the landmarks a screen reader navigates by, as the workbench's templates do: one
``main`` holding the page's one ``h1``, and a labelled navigation."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from _webgraph import web_release
from fastapi.testclient import TestClient

from pcfgraph.api.element_html import generic_resource_html
from pcfgraph.config import Settings
from pcfgraph.serving import create_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


class Landmarks(HTMLParser):
    """Open elements as a stack: where each ``h1`` and ``nav`` sits, and whether the
    document's elements close in order."""

    VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "col", "wbr", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.h1_parents: list[tuple[str, ...]] = []
        self.mains = 0
        self.navs: list[str | None] = []
        self.misnested: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h1":
            self.h1_parents.append(tuple(self.stack))
        if tag == "main":
            self.mains += 1
        if tag == "nav":
            self.navs.append(dict(attrs).get("aria-label"))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.misnested.append(f"</{tag}> with {self.stack[-3:]} open")
            return
        self.stack.pop()


def landmarks(page: str) -> Landmarks:
    parsed = Landmarks()
    parsed.feed(page)
    parsed.close()
    return parsed


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), web_release())) as c:
        yield c


def assert_landmarks(page: str) -> None:
    seen = landmarks(page)
    assert seen.mains == 1, "one main landmark"
    assert len(seen.h1_parents) == 1 and "main" in seen.h1_parents[0], seen.h1_parents
    assert seen.navs and all(seen.navs), f"navigation without a label: {seen.navs}"
    assert not seen.misnested and not seen.stack, (seen.misnested, seen.stack)


def test_the_apis_own_pages_have_a_main_landmark(client: TestClient) -> None:
    """/mappings and /shapes had no main landmark and an unlabelled navigation."""
    rule = client.get("/shapes?format=json").json()["rules"][0]["page"]
    section = client.get(rule, headers=BROWSER).text
    section_link = next(
        part.split('"')[0]
        for part in section.split('href="')[1:]
        if part.startswith("/shapes/") and "?" not in part.split('"')[0]
    )
    for url in ("/mappings", "/shapes", rule, section_link):
        r = client.get(url, headers=BROWSER)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), url
        assert_landmarks(r.text)


def test_the_generic_pages_have_a_main_landmark() -> None:
    """The generic resource page (an app without the workbench) too."""
    assert_landmarks(generic_resource_html("https://example.org/x", []))


def test_swagger_ui_and_graphiql_have_a_main_landmark_and_a_heading(client: TestClient) -> None:
    """/docs and GraphiQL had neither a main landmark nor an h1: a screen reader user landed
    on a page with no heading to say what it is. Everything they load stays local."""
    import re

    for url, title in (("/docs", "pcfgraph HTTP API"), ("/graphql", "pcfgraph GraphQL")):
        r = client.get(url, headers=BROWSER)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), url
        seen = landmarks(r.text)
        assert seen.mains == 1, url
        assert len(seen.h1_parents) == 1 and "main" in seen.h1_parents[0], url
        assert not seen.misnested and not seen.stack, (url, seen.misnested, seen.stack)
        assert f">{title}</h1>" in r.text
        loaded = re.findall(r'(?:src|href)="([^"]*)"', r.text)
        assert loaded and all(u.startswith(("/", "data:")) for u in loaded), loaded
