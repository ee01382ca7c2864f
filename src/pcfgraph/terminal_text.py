"""Text from outside made visible: the one place that renders text pcfgraph did not write
for a reader (a terminal, a message, a report, a log line).

Names, labels and messages come from files pcfgraph did not write: an organisation's model, a
workbook, a query's results, a request's path or parameters. Printed as they are, an escape
sequence in one (``ESC ]52;...`` writes the reader's clipboard, ``ESC ]0;...`` the window
title, ``ESC [2J`` clears the screen) is run by the reader's terminal; a bidirectional
override (U+202E) shows a line in another order than it is stored in, in a terminal and in a
browser alike (HTML escaping leaves it be); an invisible character (U+200B, U+2060, a tag
character, a variation selector) makes two different names look the same, and a line or
paragraph separator starts what reads as a line of its own. The text outputs (tables, the
audit and validation reports, error messages at every edge, log lines, and any command's
output written to a terminal) pass through :func:`printable`, which writes each such
character as its escape (``\\x1b``, ``\\u202e``, ``\\U000e0041``, as Python's ``repr`` does);
line breaks and tabs stay (:func:`one_line`: they do not), and nothing else changes.
"""

from __future__ import annotations

import re

#: C0 controls but tab and line feed, DEL, C1 controls; the bidirectional marks, embeddings,
#: overrides and isolates (Unicode's "Trojan Source" characters); the other characters
#: Unicode says are shown as nothing (Default_Ignorable_Code_Point: soft hyphen, zero-width
#: space and joiners, word joiner, BOM, Hangul fillers, variation selectors, tag
#: characters); the line and paragraph separators, the interlinear annotation marks, and lone
#: surrogates (a file name or argument the file system's encoding could not read: no UTF-8
#: can carry one, printed it ended the command in an encoding error).
_UNSAFE_CHARS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
    "\ud800-\udfff\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CHARS}]")
#: As :data:`_UNSAFE`, and the line feed and tab too.
_UNSAFE_IN_A_LINE = re.compile(f"[\n\t{_UNSAFE_CHARS}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x0A:
        return "\\n"
    if code == 0x09:
        return "\\t"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every character a reader's terminal would act on, or would show in
    another order or not at all, written as its escape; line breaks and tabs kept."""
    if text.isascii() and text.isprintable():  # most text: nothing to look for
        return text
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """:func:`printable`, with line breaks and tabs escaped too (``\\n``, ``\\t``): for a
    place that is one line (a log line), where a line break in a request's path or a model's
    name started what read as a line of the log's own."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE_IN_A_LINE.sub(_escape, text)


def replaced(text: str, by: str) -> str:
    """``text`` with each character :func:`one_line` escapes replaced by ``by``: for a file
    name, where an escape's backslash would be a separator and a right-to-left override shows
    ``report\u202elmth.jpg`` as a picture."""
    return _UNSAFE_IN_A_LINE.sub(by, text)
