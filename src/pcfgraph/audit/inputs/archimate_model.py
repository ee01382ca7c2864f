"""What an ArchiMate model says of itself: its own properties (the exchange format's
``<model><properties>``, Archi's ``<property>`` under ``<archimate:model>``), read for the day
the model describes (property ``Described as of``, ``orgm:describedAsOf`` of the audited
organisation), and the values of a contract's ``Review period``.

A model-level property, not one on the organisation's business actor: the day is the whole
model's, as Archi shows it when nothing in the diagram is selected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from pcfgraph.audit.inputs.archimate_kinds import property_key
from pcfgraph.audit.inputs.sheets import ORGM

#: Names (ignoring case and separators) of the model property giving the day it describes.
DESCRIBED_AS_OF_NAMES: Final = ("described as of",)

#: Values of a contract's "Review period" property (the vocabulary's orgm:ReviewPeriod).
REVIEW_PERIODS: Final = {
    name: ORGM + period
    for period, names in (
        ("Monthly", ("monthly",)),
        ("Quarterly", ("quarterly",)),
        ("HalfYearly", ("half-yearly", "half yearly", "halfyearly")),
        ("Yearly", ("yearly", "annually")),
    )
    for name in names
}


def exchange_properties(
    root: Any, ns: str, defs: dict[str, str], text: Callable[[Any, str], str]
) -> dict[str, list[str]]:
    """The exchange format's model properties (``defs``: property definition id -> key;
    ``text``: a language-tagged child's text, as the elements' are read)."""
    out: dict[str, list[str]] = {}
    held = root.find(f"{{{ns}}}properties")
    for p in held.findall(f"{{{ns}}}property") if held is not None else ():
        key = defs.get(p.get("propertyDefinitionRef", ""), "")
        out.setdefault(key, []).append(text(p, "value"))
    return out


def archi_properties(root: Any) -> dict[str, list[str]]:
    """Archi's model properties: the ``property`` elements directly under the model."""
    out: dict[str, list[str]] = {}
    for p in root.findall("property"):
        out.setdefault(property_key(p.get("key") or ""), []).append(p.get("value") or "")
    return out


def described_as_of(properties: dict[str, list[str]]) -> list[str]:
    """The values of the model's ``Described as of`` property, as written."""
    return [v.strip() for n in DESCRIBED_AS_OF_NAMES for v in properties.get(property_key(n), [])]
