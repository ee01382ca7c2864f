"""The version diff as a page: changes grouped by PCF category with counts first, and old and
new text side by side with the changed words marked."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from pcfgraph.codes import code_key
from pcfgraph.diff import KINDS, Change, DiffResult

_TOKEN = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> tuple[Markup, Markup]:
    """``old`` and ``new`` (escaped), removed words in ``<del>``, added ones in ``<ins>``."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out_a: list[str] = []
    out_b: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        left, right = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            out_a.append(left)
            out_b.append(right)
            continue
        if i2 > i1:
            out_a.append(Markup("<del>{}</del>").format(left))
        if j2 > j1:
            out_b.append(Markup("<ins>{}</ins>").format(right))
    return Markup("".join(out_a)), Markup("".join(out_b))


@dataclass
class ChangeRow:
    change: Change
    old_html: Markup
    new_html: Markup

    @property
    def kind_slug(self) -> str:
        return self.change.change.replace(" ", "-")


@dataclass
class CategoryGroup:
    code: str
    name: str
    rows: list[ChangeRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for r in self.rows:
            out[r.change.change] += 1
        return {k: n for k, n in out.items() if n}


def category_code(code: str) -> str:
    """``8.1.5.3`` -> ``8.0`` (the PCF category an element is under)."""
    head = code.split(".", 1)[0]
    return f"{head}.0" if head else ""


def grouped(result: DiffResult) -> list[CategoryGroup]:
    """Changes by PCF category (in code order); within a category in the result's order."""
    names: dict[str, str] = {}
    for side in (result.old, result.new):
        for e in side.elements.values():
            if e.code == category_code(e.code):
                names[e.code] = e.name
    groups: dict[str, CategoryGroup] = {}
    for c in result.changes:
        cat = category_code(c.new_code or c.old_code)
        group = groups.setdefault(cat, CategoryGroup(cat, names.get(cat, "")))
        if c.change in ("renamed", "definition changed", "moved"):
            old_html, new_html = word_diff(c.old_value, c.new_value)
        else:
            old_html, new_html = escape(c.old_value), escape(c.new_value)
        group.rows.append(ChangeRow(c, old_html, new_html))
    return [groups[k] for k in sorted(groups, key=code_key)]
