"""The verification stamp: what a release was verified with (shapes, checks, code version).

``pcfgraph build`` and the release cache verify a release before publishing it and record this
stamp in its manifest; :func:`pcfgraph.release_verify.verify_release` skips the SHACL run only
while the stamp still matches (same shapes, same checks, same validation code and version).
Artefacts built with a release (the search index) are :func:`pcfgraph.release.default_artefacts`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def verification_stamp() -> dict[str, str]:
    """What :func:`pcfgraph.release_verify.verify_release` checks with: shapes, checks, code."""
    from pcfgraph import __version__
    from pcfgraph.resources import resource_dir

    digest = hashlib.sha256(__version__.encode())
    for kind, pattern in (("shapes", "*.ttl"), ("queries", "checks/**/*.rq")):
        root = resource_dir(kind)
        for path in sorted(root.glob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    here = Path(__file__).parent
    code = [*sorted(here.glob("validation*.py")), *sorted(here.glob("validation/**/*.py"))]
    code += sorted(here.glob("rules/*.py"))  # the rule engine validation runs on
    for path in [*code, here / "release_shapes.py"]:  # the shapes split by graph too
        digest.update(path.read_bytes())
    return {"shapes_and_checks": digest.hexdigest()}
