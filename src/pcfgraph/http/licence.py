"""The one rule for the licence of what the HTTP edges serve from the graph.

Every answer made from the graph's content (a ``/sparql`` answer in any format, a named
query's, an ``/id`` description or graph download, a mapping set's SSSOM file, a framework's
spreadsheet, a GraphQL answer) carries ``Link: </licences>; rel="license"`` (RFC 8288;
IANA's ``license`` relation): whatever format a client saves (CSV, TSV, JSON results have no place for a notice
of their own), the headers it kept point at the licence and notice of every framework and
mapping set in the release, the notices APQC's licence asks each copy of PCF content to carry.
The answers' modules add :data:`LINK` (or :func:`with_licence`) to the headers they make;
``/licences`` itself is :mod:`pcfgraph.api.licences`.
"""

from __future__ import annotations

#: Where the licences and notices of the release's content are listed.
LICENCES_PATH = "/licences"

#: The ``Link`` header value every answer derived from the graph carries.
LINK = f'<{LICENCES_PATH}>; rel="license"'


def with_licence(link: str | None = None) -> str:
    """A ``Link`` header value: ``link`` (the answer's own links, e.g. its canonical IRI) and
    :data:`LINK`."""
    return f"{link}, {LINK}" if link else LINK
