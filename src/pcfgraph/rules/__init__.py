"""The one rule engine: SHACL shapes (pySHACL) plus SPARQL ``*-violation.rq`` checks
(pyoxigraph), producing one kind of finding.

Both rule sets run here: the framework integrity checks (:mod:`pcfgraph.validation`,
``pcfgraph validate`` and the release build) and the audit of organisational models
(:mod:`pcfgraph.audit`). Each is a thin user that chooses its files and turns findings into its
report.

- :mod:`.model`: :class:`~.model.Rule`, :class:`~.model.Check`, :class:`~.model.Finding`.
- :mod:`.load`: reading shapes files and checks (their ``# header:`` lines) into rules.
- :mod:`.ruleset`: a rule set (shapes + checks) loaded once, read-only.
- :mod:`.engine`: running them: pySHACL's one safe configuration, checks on a store.
- :mod:`.terms`: RDF terms as report text, rdflib conversion, SHACL path text.
"""
