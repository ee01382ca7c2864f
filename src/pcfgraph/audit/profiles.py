"""Audit profiles: which rules apply, at which severity, with which parameters.

A profile is a small Turtle file (``shapes/profiles/<name>.ttl`` for the shipped ones, or the
user's own ``--profile FILE.ttl``) that says, about rules of the shipped shapes and checks:

- ``<rule> sh:deactivated true``: the rule is switched off (the report lists it);
- ``<rule> sh:severity sh:Violation|sh:Warning|sh:Info``: the rule's severity is changed;
- ``[] a orgm:AuditProfile ; rdfs:label "name" ; orgm:meetingCadenceMonths 3``: parameters of
  the checks (see :data:`PARAMETERS`).

Nothing in a profile is executed; a profile naming a rule that does not exist is an error
(a misspelt IRI would otherwise silently switch nothing off).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from pcfgraph import iris
from pcfgraph.audit.rules import SEVERITIES, Rule
from pcfgraph.errors import InputError, ParseError
from pcfgraph.resources import resource_dir

BUILTIN: Final = ("default", "strict", "no-chargeback")
#: Profile property -> (check parameter name, XSD datatype of the value).
PARAMETERS: Final = {
    str(iris.ORGM.meetingCadenceMonths): (
        "cadenceMonths",
        "http://www.w3.org/2001/XMLSchema#integer",
    ),
}
_SH = iris.SH


@dataclass(frozen=True)
class Profile:
    name: str
    deactivated: frozenset[str] = frozenset()
    severities: Mapping[str, str] = field(default_factory=dict)
    #: Check parameters (name -> RDF term), bound in every check that declares them.
    parameters: Mapping[str, ox.Literal] = field(default_factory=dict)
    #: The sha256 of the user's own profile file (None for a shipped one, which the rules
    #: digest covers): part of the rules a report was made with (:func:`rules_digest`).
    sha256: str | None = None

    def apply(self, rule: Rule) -> Rule:
        """The rule with this profile's severity."""
        from dataclasses import replace

        severity = self.severities.get(rule.iri)
        return (
            rule
            if severity is None or severity == rule.severity
            else replace(rule, severity=severity)
        )


DEFAULT_PROFILE: Final = Profile("default")


def profile_path(name: str) -> Path:
    return resource_dir("shapes") / "profiles" / f"{name}.ttl"


def load_profile(spec: str | None, rules: Mapping[str, Rule]) -> Profile:
    """The profile named ``spec`` (a shipped name or a Turtle file); the default when None."""
    spec = spec or "default"
    if spec in BUILTIN:
        return read_profile(profile_path(spec), rules, name=spec)
    path = Path(spec)
    if not path.is_file():
        raise InputError(
            f"unknown profile {spec!r}: use one of {', '.join(BUILTIN)} or a Turtle file"
        )
    import hashlib
    from dataclasses import replace

    profile = read_profile(path, rules, name=path.name)
    with contextlib.suppress(OSError):  # read_profile read it a moment ago
        profile = replace(profile, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    return profile


def read_profile(path: Path, rules: Mapping[str, Rule], *, name: str) -> Profile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read profile {path}: {exc.strerror or exc}") from None
    graph = Graph()
    try:
        graph.parse(data=data, format="turtle")
    except Exception as exc:  # rdflib raises assorted errors for bad Turtle
        raise ParseError(f"the profile does not parse as Turtle: {exc}", source=str(path)) from None
    return profile_from_graph(graph, rules, name=name, source=str(path))


def profile_from_graph(
    graph: Graph, rules: Mapping[str, Rule], *, name: str, source: str = "profile"
) -> Profile:
    deactivated: set[str] = set()
    severities: dict[str, str] = {}
    for rule, flag in graph.subject_objects(_SH.deactivated):
        if isinstance(flag, Literal) and flag.toPython() is True:
            deactivated.add(_known(rule, rules, source))
    for rule, severity in graph.subject_objects(_SH.severity):
        level = str(severity).rsplit("#", 1)[-1]
        if not str(severity).startswith(str(_SH)) or level not in SEVERITIES:
            raise InputError(
                f"{source}: sh:severity of {rule} must be sh:Violation, sh:Warning or sh:Info"
            )
        severities[_known(rule, rules, source)] = level
    parameters: dict[str, ox.Literal] = {}
    label = None
    for node in graph.subjects(RDF.type, iris.ORGM.AuditProfile):
        label = label or graph.value(node, RDFS.label)
        for prop, (param, datatype) in PARAMETERS.items():
            value = graph.value(node, URIRef(prop))
            if value is None:
                continue
            if not isinstance(value, Literal) or not str(value).isdigit() or int(value) < 1:
                raise InputError(f"{source}: {prop} must be a positive integer, not {value!r}")
            parameters[param] = ox.Literal(str(int(value)), datatype=ox.NamedNode(datatype))
    return Profile(
        name=str(label) if label else name,
        deactivated=frozenset(deactivated),
        severities=severities,
        parameters=parameters,
    )


def _known(node: object, rules: Mapping[str, Rule], source: str) -> str:
    iri = str(node)
    if not isinstance(node, URIRef) or iri not in rules:
        raise InputError(
            f"{source}: {iri} is not a rule of the audit (see pcfgraph audit --explain)"
        )
    return iri
