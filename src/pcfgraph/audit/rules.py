"""The audit's rules: the project's own SHACL shapes and SPARQL checks, and their metadata
(read by the one rule engine, :mod:`pcfgraph.rules`; this module says which files).

Only these are ever used. Shapes come from ``shapes/orgmodel*.ttl`` (a freshly parsed graph per
validation: pySHACL mutates the shapes graph it is given, pySHACL#314); checks from
``queries/checks/orgmodel/*-violation.rq``, each with a header::

    # summary: what the rule requires
    # severity: Violation | Warning | Info
    # source: <framework element IRI the rule comes from>
    # passage: the framework text, quoted
    # hint: what to state or change to satisfy it
    # group: <sh:PropertyGroup IRI in shapes/orgmodel.ttl> (model validity or a control area)
    # rationale: one line: what the source says and why that makes it this severity

A check may instead evaluate one of the shapes on pyoxigraph (``# shape: <shape IRI>``): pySHACL
is slow on some core-SHACL constructs (qualified value shapes, ``sh:or``), so for those shapes
the audit runs an equivalent query instead. The shape stays in ``shapes/orgmodel.ttl`` and is
the rule: its IRI, message, severity, source, hint and path are what the report shows, other
SHACL engines run it as is, and the query selects the results core SHACL gives (``?focus``,
optionally ``?value``, and the constraint component as ``?component``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from rdflib import Graph
from rdflib.namespace import RDF

from pcfgraph import iris
from pcfgraph.resources import resource_dir, resource_root
from pcfgraph.rules.load import (
    parse_shapes,
    read_check,
    rule_groups,
    rule_name,
    shape_rules,
    targeted_shapes,
)
from pcfgraph.rules.model import SEVERITIES, Check, Rule, RuleGroup

#: A finding's ``ruleOrigin``: the audit's own check of the model's validity (no framework
#: source: ``source`` is null by design), or a rule derived from a framework (``source`` cites it).
AUDIT_ORIGIN: Final = "audit"
FRAMEWORK_ORIGIN: Final = "framework"

SHAPE_GLOB: Final = "orgmodel*.ttl"
CHECK_DIR: Final = "checks/orgmodel"


def shape_files(root: Path | None = None) -> list[Path]:
    return sorted((root or resource_dir("shapes")).glob(SHAPE_GLOB))


def check_files(root: Path | None = None) -> list[Path]:
    return sorted(((root or resource_dir("queries")) / CHECK_DIR).glob("*-violation.rq"))


#: The files whose text decides an audit's findings, coverage and maturity, relative to the
#: resource root (:func:`rules_digest`).
RULE_FILES: Final = (
    "shapes/orgmodel*.ttl",
    "shapes/profiles/*.ttl",
    "queries/checks/orgmodel/*.rq",
    "queries/reports/*.rq",
)


def rules_digest(root: Path | None = None, *, profile_sha256: str | None = None) -> str:
    """The sha256 naming the rules a report was made with (JSON ``checkedAgainst.rules``):
    of the lines ``sha256sum`` prints for the :data:`RULE_FILES`, pattern by pattern, each
    pattern's files in byte order of their paths (as a shell expands it under ``LC_ALL=C``), so that in the resource root ``LC_ALL=C sha256sum shapes/orgmodel*.ttl shapes/profiles/*.ttl
    queries/checks/orgmodel/*.rq queries/reports/*.rq | sha256sum`` gives it. The package
    version alone did not tell two rule sets apart (it stays 0.1.0 while rules change).

    With the user's own profile file (``--profile FILE``), whose sha256 is ``profile_sha256``,
    the line ``sha256sum < FILE`` prints is added last (``(LC_ALL=C sha256sum ...; sha256sum <
    FILE) | sha256sum``): the profile decides severities, switched-off rules and parameters,
    and two reports made with different profiles of one name did not differ in their rules."""
    base = root or resource_root()
    paths = [
        path
        for pattern in RULE_FILES
        for path in sorted(
            (p.relative_to(base).as_posix() for p in base.glob(pattern)), key=str.encode
        )
    ]
    listing = "".join(
        f"{hashlib.sha256((base / p).read_bytes()).hexdigest()}  {p}\n" for p in paths
    )
    if profile_sha256 is not None:
        listing += f"{profile_sha256}  -\n"
    return hashlib.sha256(listing.encode()).hexdigest()


def load_shapes(paths: Sequence[Path] | None = None) -> Graph:
    """A fresh shapes graph (never shared between validations)."""
    return parse_shapes(shape_files() if paths is None else paths)


def load_check(path: Path) -> Check:
    """An organisational-model check: named ``checks/orgmodel/<stem>``, its rule IRI minted
    from the file name."""
    return read_check(
        path,
        name=f"checks/orgmodel/{path.stem}",
        iri=str(iris.orgmodel_check(path.stem.removesuffix("-violation"))),
    )


def load_checks(paths: Sequence[Path] | None = None) -> list[Check]:
    return [load_check(p) for p in (paths if paths is not None else check_files())]


__all__ = [
    "RDF",
    "SEVERITIES",
    "Check",
    "Rule",
    "RuleGroup",
    "check_files",
    "load_check",
    "load_checks",
    "load_shapes",
    "rule_groups",
    "rule_name",
    "rules_digest",
    "shape_files",
    "shape_rules",
    "targeted_shapes",
]
