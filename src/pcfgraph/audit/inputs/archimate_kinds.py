"""The ``Kind`` property of an ArchiMate element: what the architect says the element is.

A value the mapping does not know (``Costumer``, ``Operational level agreement``) used to be
ignored unsaid: a contract was read as an SLA and judged by the SLA rules, a business actor was
placed by its relationships or left out, a business event was no meeting. It is now a finding of
``audit/model-validity-unknown-choice`` naming the element, the values the mapping knows and the
closest of them, as a value off a workbook's drop-down list is.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pyoxigraph as ox

from pcfgraph.audit.inputs.model import finding
from pcfgraph.audit.inputs.sheets import MEETING_KINDS
from pcfgraph.audit.inputs.terms import closest
from pcfgraph.audit.report import AuditResult

#: Values of the "Kind" property of a business event.
MEETING_KIND_VALUES: dict[str, str] = {
    label.casefold(): value for label, value in MEETING_KINDS.options
}

#: How to fix an unknown Kind (the rule's own hint speaks of a workbook's drop-down list).
KIND_HINT = (
    "Set the element's Kind property (in Archi: Properties tab) to one of the kinds listed, "
    "or remove it to let the element's relationships say what it is."
)


def property_key(name: str) -> str:
    """A property's name as the mapping matches it: case, surrounding spaces and separators
    ignored ('PCF_ID', 'PCF-ID', 'Valid-From:' are 'pcf id', 'valid from'). A property typed
    so was not read, unsaid: the process 'implemented nothing' although the architect had
    recorded its PCF ID."""
    return re.sub(r"[\s_:-]+", " ", name.casefold()).strip()


def _shown(value: str) -> str:
    return value.upper() if len(value) <= 3 else value[0].upper() + value[1:]


def _did_you_mean(value: str, table: dict[str, str]) -> str:
    """ "did you mean 'Customer'?" for the kinds of ``table`` closest to ``value``, or ""."""
    near = closest(value.casefold(), table, 2)
    return f"did you mean {' or '.join(repr(_shown(k)) for k in near)}?" if near else ""


def kind_of(
    values: list[str],
    table: dict[str, str],
    *,
    what: str,
    otherwise: str,
    node: ox.NamedNode,
    location: dict[str, Any],
) -> tuple[str | None, AuditResult | None]:
    """The class the element's first known ``Kind`` value names, and, when it has Kind values
    and none is known, the finding saying so (``what`` the element is, ``otherwise`` how it is
    read instead; ``location`` names the element: file, identifier as written, name).

    Kind given more than once naming different kinds (Archi keeps every property added, a
    copied one too: Kind = Organisation and Kind = Customer on one actor) was read as the
    first unsaid; it is the same finding, naming the kinds given and the one read."""
    given = [v.strip() for v in values if v.strip()]
    known = [(v, table[v.casefold()]) for v in given if v.casefold() in table]
    if known:
        value, cls = known[0]
        others = list(dict.fromkeys(v for v, c in known if c != cls))
        # a known Kind beside one the audit does not know (Customer and Costumer): the typo
        # was dropped unsaid while the element was read as the known one
        unknown = [v for v in dict.fromkeys(given) if v.casefold() not in table]
        if not others and not unknown:
            return cls, None
        listed = ", ".join(repr(v) for v in dict.fromkeys(given))
        if others:
            detail = (
                f"Kind is given {len(given)} times naming different kinds of {what} "
                f"({listed}): an element is one kind; "
                f"until the others are removed it is read as {value!r}, the first."
            )
        else:
            near = _did_you_mean(unknown[0], table)
            detail = (
                f"Kind is given {len(given)} times ({listed}): {unknown[0]!r} is not a kind "
                f"of {what} the audit knows" + (f" ({near})" if near else "")
                + f"; until it is removed it is read as {value!r}."
            )  # fmt: skip
        problem = finding(
            "unknown-choice", node, detail, label=location["name"],
            value="; ".join(dict.fromkeys(given)), location=location,
        )  # fmt: skip
        return cls, replace(problem, hint=KIND_HINT)
    if not given:
        return None, None
    near = _did_you_mean(given[0], table)
    detail = (
        f"Kind {given[0]!r} is not a kind of {what} the audit knows "
        f"({', '.join(_shown(k) for k in table)})"
        + (f"; {near}" if near else ".")
        + f" Until it is, {otherwise}."
    )
    problem = finding(
        "unknown-choice", node, detail, label=location["name"], value=given[0], location=location
    )
    # an ArchiMate model has no drop-down list: say where the value is set
    return None, replace(problem, hint=KIND_HINT)


#: A code as typed: a PCF ID, hierarchy number, PRM-IT code, or an IRI.
_CODE = re.compile(r"[Aa]?[\d.]+|(https?|urn):\S+")


def split_codes(values: list[str]) -> list[str]:
    """A code property's codes: apart at ``;`` and ``,``, and at spaces unless a part is a name
    ('Maintain IT services catalog' in a PCF ID stays whole, so the audit of unknown terms
    tells the code of the element so called: one finding, not one per word)."""
    parts = [p.strip() for value in values for p in re.split(r"[;,]+", value) if p.strip()]
    return [c for p in parts for c in (p.split() if all(map(_CODE.fullmatch, p.split())) else [p])]
