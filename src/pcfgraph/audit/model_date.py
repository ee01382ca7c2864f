"""The day a model says it describes (``orgm:describedAsOf`` on the organisation), and which
day an audit judges on: the caller's, else the model's, else today.

A model describes an organisation at a point in time; judged on today, an example written
for mid-2025 reported lapsed agreements and unreported quarters a year later. The report
says where its date came from (:data:`SOURCES`), so a reader can tell a date the auditor
chose from one the model stated or the calendar supplied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.dates import calendar_date
from pcfgraph.errors import InputError

DESCRIBED_AS_OF = ox.NamedNode(str(iris.ORGM.describedAsOf))
_XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")

#: Where a report's ``asOf`` came from (JSON ``asOfSource``).
MODEL, CALLER, TODAY = "model", "caller", "today"
SOURCES = (MODEL, CALLER, TODAY)


def stated_days(triples: Iterable[ox.Triple | ox.Quad]) -> set[date]:
    """The days ``triples`` state with ``orgm:describedAsOf`` as an ``xsd:date``. A value that
    is no date is left to ``OrganisationDescribedAsOfShape`` (a finding, not a refusal)."""
    days = set()
    for t in triples:
        o = t.object
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
