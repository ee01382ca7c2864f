"""The five SKOS mapping relations by name, and the spellings of one a client sends.

The product writes a relation as its SKOS local name (``closeMatch``: MCP, the CLI), its
CURIE (SSSOM's ``skos:closeMatch``), its IRI (RDF, SPARQL) and, in GraphQL, the enum value
``CLOSE_MATCH`` (GraphQL enum values are written so; ``MappingRelation`` documents it). A
client reading one surface sends what it read to another: ``mappings review --predicate``
refused ``skos:closeMatch`` (an SSSOM ``predicate_id``, the option's own name) and
``CLOSE_MATCH``. An input that takes a relation as text takes any of them here, ignoring case,
and answers the local name. (GraphQL's ``relation:`` argument is its enum, which the GraphQL
spec reads by value name only; its error names the value meant.)
"""

from __future__ import annotations

from pcfgraph.errors import InputError, quoted
from pcfgraph.iris import NAMESPACES

SKOS = NAMESPACES["SKOS"]
#: The relations' SKOS local names, strongest first.
RELATION_NAMES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
#: What :func:`relation_named` takes, for messages and help texts.
SPELLINGS = "closeMatch, skos:closeMatch, its SKOS IRI or CLOSE_MATCH, in any case"

_BY_KEY = {name.lower(): name for name in RELATION_NAMES}
_INVERSE = {"broadMatch": "narrowMatch", "narrowMatch": "broadMatch"}


def relation_named(value: str) -> str:
    """The local name of the relation ``value`` spells (``closeMatch``, ``skos:closeMatch``,
    ``http://www.w3.org/2004/02/skos/core#closeMatch``, bare or in angle brackets,
    ``CLOSE_MATCH``, ``close-match``, in any case); anything else is an :class:`InputError` naming it and the relations."""
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):  # as SPARQL writes an IRI
        text = text[1:-1].strip()
    if text.startswith(SKOS):
        text = text[len(SKOS) :]
    elif text.lower().startswith("skos:"):
        text = text[len("skos:") :]
    key = text.replace("_", "").replace("-", "").lower()
    found = _BY_KEY.get(key)
    if found is None:
        raise InputError(
            f"{quoted(value)} is no SKOS mapping relation; give one of "
            f"{', '.join(RELATION_NAMES)} (written as {SPELLINGS})"
        )
    return found


def inverse_relation_name(name: str) -> str:
    """The relation ``name`` read from its object to its subject: ``A broadMatch B`` is ``B
    narrowMatch A``; the other three read the same both ways."""
    return _INVERSE.get(name, name)
