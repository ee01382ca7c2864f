"""Text for a terminal with its control characters made visible.

Names, labels and messages come from files pcfgraph did not write: an organisation's model, a
workbook, a query's results. Printed as they are, an escape sequence in one (``ESC ]52;...``
writes the reader's clipboard, ``ESC ]0;...`` the window title, ``ESC [2J`` clears the screen)
is run by the reader's terminal, and a bidirectional override (U+202E) shows a line in another
order than it is stored in. The text outputs (tables, the audit and validation reports, error
lines, and any command's output written to a terminal) pass through :func:`printable`, which writes each such character as its escape
(``\\x1b``, ``\\u202e``); line breaks and tabs stay, and nothing else changes.
"""

from __future__ import annotations

import re

#: C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional embeddings,
#: overrides and isolates (Unicode's "Trojan Source" characters).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every character a terminal would act on written as its escape."""
    return _UNSAFE.sub(_escape, text)
