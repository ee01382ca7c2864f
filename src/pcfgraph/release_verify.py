"""A release may be served only when it passes the framework SHACL shapes and integrity checks."""

from __future__ import annotations

from pcfgraph.errors import ReleaseError
from pcfgraph.release import Release

#: How many violations a refused release names in its error message.
SHOWN_VIOLATIONS = 5


def verify_release(release: Release) -> Release:
    """Validate a (checksum-verified) release against the framework shapes and checks.

    Raises :class:`ReleaseError` naming the first violations; warnings do not fail. A release
    whose manifest carries the stamp of a verification with the same shapes, checks and code
    (written by ``pcfgraph build`` and the release cache after this function passed) is not
    validated again: its sha256 and counts were checked when it was opened.
    """
    from pcfgraph.release_stamp import verification_stamp
    from pcfgraph.validation import validate_store

    stamp = release.manifest.get("verified")
    if stamp is not None and stamp == verification_stamp():
        return release

    report = validate_store(release.store)
    if not report.conforms:
        violations = [f for f in report.findings if f.severity == "Violation"]
        shown = "; ".join(
            f"{f.rule} at <{f.focus}>: {f.message}" for f in violations[:SHOWN_VIOLATIONS]
        )
        more = len(violations) - SHOWN_VIOLATIONS
        raise ReleaseError(
            f"release {release.release_id} fails SHACL validation: {len(violations)} "
            f"violation(s): {shown}" + (f"; and {more} more" if more > 0 else "")
        )
    return release


__all__ = ["SHOWN_VIOLATIONS", "verify_release"]
