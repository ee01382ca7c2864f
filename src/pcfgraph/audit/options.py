"""Audit options as a client names them (``asOf``, ``profile``, ``maxFindings``, ``failOn``),
checked once for every edge that takes them by name: ``POST /validate``'s query string and the
workbench's audit form. Each bad value is an :class:`~pcfgraph.errors.InputError` naming the
option, so both edges answer 400 with the same words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pcfgraph.dates import calendar_date


def audit_options(values: Mapping[str, str]) -> dict[str, Any]:
    """The worker's audit options (``as_of``, ``profile``, ``max_findings``, ``fail_on``) from
    named values; an empty value is the option left out."""
    from pcfgraph.audit.baseline import FAIL_ON  # the rule modules: only when auditing
    from pcfgraph.audit.profiles import BUILTIN
    from pcfgraph.errors import InputError

    out: dict[str, Any] = {}
    if values.get("asOf"):
        try:
            out["as_of"] = calendar_date(values["asOf"]).isoformat()
        except ValueError:
            raise InputError(f"asOf must be a date YYYY-MM-DD, not {values['asOf']!r}") from None
    if values.get("profile"):
        if values["profile"] not in BUILTIN:
            raise InputError(
                f"profile must be one of {', '.join(BUILTIN)}, not {values['profile']!r}"
            )
        out["profile"] = values["profile"]
    if values.get("maxFindings"):
        try:
            out["max_findings"] = int(values["maxFindings"])
        except ValueError:
            out["max_findings"] = 0
        if out["max_findings"] < 1:
            raise InputError(
                f"maxFindings must be a positive integer, not {values['maxFindings']!r}"
            )
    fail_on = values.get("failOn") or "violation"
    if fail_on not in FAIL_ON:
        raise InputError(f"failOn must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    out["fail_on"] = fail_on
    return out
