"""Reading organisational models from the files auditors already have.

- :mod:`~pcfgraph.audit.inputs.model`: what a reader returns (triples, where each came from in
  the user's file, and model-validity findings such as a bad cell).
- :mod:`~pcfgraph.audit.inputs.sheets`: the ONE declarative table of the spreadsheet template
  (sheets, columns, drop-down lists); the template, the writer and the reader all follow it.
- :mod:`~pcfgraph.audit.inputs.workbook`: workbook -> triples (with cell locations).
- :mod:`~pcfgraph.audit.inputs.framework_codes`: a framework code in a cell or property (PCF
  ID, PRM-IT code, APQC measure, IT-CMF path) as the IRI it names, and back.
- :mod:`~pcfgraph.audit.inputs.writer`: triples -> workbook, and the empty template.
- :mod:`~pcfgraph.audit.inputs.archimate`: ArchiMate exchange format and Archi ``.archimate``
  -> triples (:mod:`~pcfgraph.audit.inputs.archimate_read` reads either file into one form).
- :mod:`~pcfgraph.audit.inputs.terms`: unknown vocabulary terms and framework codes, with
  "did you mean ...?".

Every reader is reached through :func:`pcfgraph.audit.parse.read_model`, the one parse entry
point (which the sandbox workers run for uploads).
"""
