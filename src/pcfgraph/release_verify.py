"""A release may be served only when it passes the framework SHACL shapes and integrity checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pcfgraph.errors import ReleaseError
from pcfgraph.release import Release

if TYPE_CHECKING:
    from pcfgraph.validation import Finding

#: How many violations a refused release names in its error message.
SHOWN_VIOLATIONS = 5
_IRI = re.compile(r"<([^<>\s]+)>")


def verify_release(release: Release) -> Release:
    """Validate a (checksum-verified) release against the framework shapes and checks.

    Raises :class:`ReleaseError` naming the first violations; warnings do not fail. A release
    whose manifest carries the stamp of a verification with the same shapes, checks and code
    (written by ``pcfgraph build`` and the release cache after this function passed) is not
    validated again: its sha256 and counts were checked when it was opened.
    """
    from pcfgraph.release_stamp import verification_stamp

    stamp = release.manifest.get("verified")
    if stamp is not None and stamp == verification_stamp():
        return release

    violations = [f for f in _findings(release) if f.severity == "Violation"]
    if violations:
        lines = release.record_lines
        # the rows of the SSSOM files a steward edits first, each named by file and line
        violations.sort(key=lambda f: (f.focus not in lines, *lines.get(f.focus, ("", 0))))
        shown = "; ".join(
            f"{_where(f.focus, lines)}{f.rule} at <{f.focus}>: {_rows_named(f.message, lines)}"
            for f in violations[:SHOWN_VIOLATIONS]
        )
        more = len(violations) - SHOWN_VIOLATIONS
        raise ReleaseError(
            f"release {release.release_id} fails SHACL validation: {len(violations)} "
            f"violation(s): {shown}" + (f"; and {more} more" if more > 0 else "")
        )
    return release


def _where(focus: str, lines: Mapping[str, tuple[str, int]]) -> str:
    """``file, line N: `` of a mapping record read from an SSSOM file, else nothing."""
    found = lines.get(focus)
    return f"{found[0]}, line {found[1]}: " if found else ""


def _rows_named(message: str, lines: Mapping[str, tuple[str, int]]) -> str:
    """``message`` with each mapping record it names followed by its file's name and line."""
    if not lines:
        return message

    def named(match: re.Match[str]) -> str:
        found = lines.get(match.group(1))
        return match.group(0) + (f" ({Path(found[0]).name} line {found[1]})" if found else "")

    return _IRI.sub(named, message)


def _findings(release: Release) -> list[Finding]:
    """The framework shapes and checks over the release: the graphs its import workers
    validated are not validated again when that is exact (:mod:`pcfgraph.release_shapes`)."""
    from pcfgraph.validation import validate_store

    if release.validated_graphs:
        from pcfgraph.release_shapes import validate_split

        found = validate_split(release.store.store, release.validated_graphs)
        if found is not None:
            from pcfgraph.validation import framework_checks, load_check, run_check

            for path in framework_checks():  # the SPARQL checks, on the store itself
                found.extend(run_check(release.store, *load_check(path)))
            return sorted(found, key=lambda f: (f.rule, f.focus, f.value or ""))
    return validate_store(release.store).findings


__all__ = ["SHOWN_VIOLATIONS", "verify_release"]
