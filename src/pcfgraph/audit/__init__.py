"""Auditing organisational models against the frameworks (``pcfgraph audit``, ``POST /validate``).

- :mod:`~pcfgraph.audit.parse`: reading uploads safely (formats, limits, DTD/remote contexts).
- :mod:`~pcfgraph.audit.rules`: the project's own shapes and checks and their metadata.
- :mod:`~pcfgraph.audit.engine`: validation, labels, coverage and maturity.
- :mod:`~pcfgraph.audit.report` / :mod:`~pcfgraph.audit.html`: the report and its renderings.
- :mod:`~pcfgraph.audit.worker`: the entry point run in the worker sandbox.
"""

from __future__ import annotations

from pcfgraph.audit.engine import AuditContext, Limits, audit
from pcfgraph.audit.parse import Upload
from pcfgraph.audit.report import AuditReport, AuditResult

__all__ = ["AuditContext", "AuditReport", "AuditResult", "Limits", "Upload", "audit"]
