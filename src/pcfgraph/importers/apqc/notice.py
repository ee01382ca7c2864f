"""The workbook's own copyright and licence notice, from its "Copyright and attribution" sheet.

APQC's licence asks every copy and derivative of the PCF to carry *that workbook's* notice,
and the notices differ: Cross-Industry 7.4 says "©2024 APQC. ALL RIGHTS RESERVED. ...", the
industry editions developed with IBM "©2025 APQC and IBM reserve all rights ..." (or ©2018)
and ask for a fixed attribution sentence, older editions say ©2022. The text is under a
"COPYRIGHT AND ATTRIBUTION" heading, as cells or in a text box (drawing), next to "ABOUT APQC"
and "ABOUT IBM" sections; the notice is what follows that heading up to the next heading.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

from pcfgraph.cells import xstring
from pcfgraph.importers.apqc.cells import normalise_space
from pcfgraph.importers.apqc.drawing import drawing_paragraphs
from pcfgraph.importers.apqc.layout import find_sheet

_ROWS: Final = 60
_COLUMNS: Final = 30
#: A notice longer than this is cut (APQC's are under 1,500 characters).
MAX_NOTICE_CHARS: Final = 8000
_HEADING_RE: Final = re.compile(r"copyright(?:\s+and\s+attribution)?", re.IGNORECASE)


def _is_next_heading(line: str) -> bool:
    """ "ABOUT APQC", "ABOUT IBM Industry framework", "TERMS OF USE": a short title line."""
    return len(line) <= 60 and (line.startswith("ABOUT ") or line.isupper())


def read_notice(path: Path, wb: Any) -> str | None:
    """The notice under the workbook's "COPYRIGHT AND ATTRIBUTION" heading, whitespace
    normalised and otherwise exact; None when the workbook has no such sheet or heading."""
    sheet = find_sheet(wb.sheetnames, "copyright and attribution", "copyright")
    if sheet is None:
        return None
    texts = [
        xstring(v)
        for row in wb[sheet].iter_rows(max_row=_ROWS, max_col=_COLUMNS, values_only=True)
        for v in row
        if isinstance(v, str)
    ]
    texts.extend(drawing_paragraphs(path, sheet))
    lines = [line for t in texts for line in (normalise_space(x) for x in t.splitlines()) if line]
    body: list[str] | None = None
    for line in lines:
        if body is None:
            if _HEADING_RE.fullmatch(line):
                body = []
        elif _is_next_heading(line):
            break
        else:
            body.append(line)
    notice = " ".join(body or [])
    return notice[:MAX_NOTICE_CHARS] or None
