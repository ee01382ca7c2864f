"""The day a model says it describes (``orgm:describedAsOf`` on the organisation), and which
day an audit judges on: the caller's, else the model's, else today.

A model describes an organisation at a point in time; judged on today, an example written
for mid-2025 reported lapsed agreements and unreported quarters a year later. The report
says where its date came from (:data:`SOURCES`), so a reader can tell a date the auditor
chose from one the model stated or the calendar supplied.

Only the audited organisation's statement counts (a node the model types ``orgm:Organisation``,
as the report's ``organisation`` is found): a date on a supplier's row or a service is about
that thing, and taking it as the audit's day judged the whole model on a day nobody stated for
it. Such a statement is a Warning finding
(:func:`pcfgraph.audit.inputs.model.not_on_organisation`), not the audit's date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.dates import calendar_date
from pcfgraph.errors import InputError

DESCRIBED_AS_OF = ox.NamedNode(str(iris.ORGM.describedAsOf))
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_ORGANISATION = ox.NamedNode(str(iris.ORGM.Organisation))
_XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")

#: Where a report's ``asOf`` came from (JSON ``asOfSource``).
MODEL, CALLER, TODAY = "model", "caller", "today"
SOURCES = (MODEL, CALLER, TODAY)

#: A statement's subject, as pyoxigraph types it.
Subject = ox.NamedNode | ox.BlankNode | ox.Triple


def statements(triples: Iterable[ox.Triple | ox.Quad]) -> list[ox.Triple | ox.Quad]:
    """The ``orgm:describedAsOf`` statements of one file, whatever their subject: which of them
    count is known only once every file is read (the organisation may be typed in another)."""
    return [t for t in triples if t.predicate == DESCRIBED_AS_OF]


def organisations(triples: Iterable[ox.Triple | ox.Quad]) -> set[Subject]:
    """The nodes a model types ``orgm:Organisation``: the audited organisations."""
    return {t.subject for t in triples if t.predicate == _RDF_TYPE and t.object == _ORGANISATION}


def stated_days(
    triples: Iterable[ox.Triple | ox.Quad], audited: set[Subject] | None = None
) -> set[date]:
    """The days ``triples`` state with ``orgm:describedAsOf`` as an ``xsd:date`` about one of
    the ``audited`` organisations (any subject when None). A value that is no date is left to
    ``OrganisationDescribedAsOfShape`` (a finding, not a refusal)."""
    days = set()
    for t in triples:
        o = t.object
        if audited is not None and t.subject not in audited:
            continue
        if t.predicate == DESCRIBED_AS_OF and isinstance(o, ox.Literal) and o.datatype == _XSD_DATE:
            try:
                days.add(calendar_date(o.value))
            except ValueError:
                continue
    return days


def model_day(files: Sequence[tuple[str, set[date]]]) -> date | None:
    """The one day the files of a model state (``(name, stated_days)`` each), or None.

    Two different days are refused (:class:`InputError`, HTTP 400 / exit 2), each named with
    the file stating it: which one the model describes is for its author to say, and auditing
    on either would judge agreements the other day decides differently."""
    named: dict[date, list[str]] = {}
    for name, days in files:
        for day in days:
            named.setdefault(day, []).append(name)
    if len(named) > 1:
        said = "; ".join(
            f"{day.isoformat()} in {', '.join(names)}" for day, names in sorted(named.items())
        )
        raise InputError(
            f"the model states more than one day it describes (orgm:describedAsOf): {said}; keep one"
        )
    return next(iter(named), None)


def audit_day(given: date | None, stated: date | None) -> tuple[date, str]:
    """The day an audit judges on and where it came from: the caller's date always wins, then
    the model's, then today."""
    if given is not None:
        return given, CALLER
    if stated is not None:
        return stated, MODEL
    return date.today(), TODAY


def source_text(source: str | None) -> str:
    """How the text and HTML reports say where the date came from."""
    return {
        MODEL: "stated by the model",
        CALLER: "given to the audit",
        TODAY: "the day of the audit: the model states none",
    }.get(source or "", "")
