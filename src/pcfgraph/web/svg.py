"""The mapping diagram of an element page: server-rendered SVG, no script.

The element sits on the left; each mapped element is a box on the right (a link to its page),
grouped by framework. Curated mappings are solid lines, derived ones dashed; each line is
labelled with its relation and confidence and carries a ``<title>`` (shown on hover and read
by screen readers) with the justification, comment and, for derived ones, how they were
derived. Labels wrap onto further lines and boxes grow to hold them: nothing is cut.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from pcfgraph.services.page_model import (
    SKOS,
    ElementRef,
    MappingInfo,
    inverse_relation,
    relation_name,
)

WIDTH = 780
BOX_W = 250
TOP = 28
LEFT_X = 10
RIGHT_X = WIDTH - BOX_W - 10
PAD_X = 8
PAD_Y = 8
LINE_H = 15
GROUP_H = 24
GAP = 12
#: Widest average glyph of the 12 px sans-serif labels (conservative, so wrapped lines fit).
CHAR_W = 7.4

#: What a relation says, from the subject's side (``A broadMatch B``: A is narrower than B).
RELATION_PHRASE = {
    SKOS + "exactMatch": "is the same as",
    SKOS + "closeMatch": "is close to",
    SKOS + "broadMatch": "is narrower than",
    SKOS + "narrowMatch": "is broader than",
    SKOS + "relatedMatch": "is related to",
}


def phrase(relation: str) -> str:
    return RELATION_PHRASE.get(relation, relation_name(relation))


def derived_sentence(m: MappingInfo, element: ElementRef) -> str:
    """How a derived mapping follows from curated ones, as a person writes it:
    ``Derived: A24 is broader than 8.1.5.6, which is related to SRP-A2-P3.3.``

    Built from the chain's structured links (each a curated record as stated), walked from
    ``element``: a link stated from the other end is read inverted.
    """
    if not m.chain:
        return f"Derived: {element.code or element.name} {phrase(m.relation)} {m.other.code}."
    here, parts = element.iri, []
    for link in m.chain:
        if link.source == here:
            parts.append((phrase(link.relation), link.target_code))
            here = link.target
        elif link.target == here:
            parts.append((phrase(inverse_relation(link.relation)), link.source_code))
            here = link.source
        else:  # not a path from this element: say what each record states
            stated = "; ".join(
                f"{c.source_code} {phrase(c.relation)} {c.target_code}" for c in m.chain
            )
            return f"Derived from the curated mappings: {stated}."
    start = element.code or element.name
    sentence = f"Derived: {start} {parts[0][0]} {parts[0][1]}"
    for verb, code in parts[1:]:
        sentence += f", which {verb} {code}"
    if len(m.chain) == 1 and m.chain[0].target == element.iri:
        first = m.chain[0]
        sentence += (
            f" (the curated mapping states {first.source_code} {phrase(first.relation)} "
            f"{first.target_code})"
        )
    return sentence + "."


def mapping_title(m: MappingInfo, element: ElementRef | None = None) -> str:
    """Plain text for a mapping's hover title (escaped by the caller)."""
    parts = [
        f"{relation_name(m.relation)} {m.other.code} {m.other.name}",
        f"confidence {m.confidence:.2f}" if m.confidence is not None else "confidence not given",
    ]
    if m.justification:
        parts.append(f"justification: {m.justification}")
    if m.derived and element is not None:
        parts.append(derived_sentence(m, element))
    elif m.comment:
        parts.append(f"comment: {m.comment}")
    if m.direction == "in":
        parts.append("(stated by the other framework's mapping set)")
    return "\n".join(parts)


def chain_text(m: MappingInfo) -> str:
    return " ; ".join(
        f"{c.source_code} {relation_name(c.relation)} {c.target_code}" for c in m.chain
    )


def label_lines(code: str, name: str, width: float = BOX_W - 2 * PAD_X) -> list[str]:
    """``code name`` wrapped to the box's inner width (a long word is broken, never cut)."""
    per_line = max(8, int(width / CHAR_W))
    text = f"{code} {name}".strip()
    return textwrap.wrap(text, per_line, break_on_hyphens=False) or [""]


def box_height(lines: Sequence[str]) -> float:
    return 2 * PAD_Y + LINE_H * len(lines) - 3


def _label(x: float, y: float, code: str, lines: Sequence[str]) -> str:
    """The wrapped label: the code (monospace, muted) starts the first line."""
    out = [f'<text class="label" x="{x}" y="{y:.1f}">']
    for i, line in enumerate(lines):
        dy = "0" if i == 0 else str(LINE_H)
        if i == 0 and code and line.startswith(code):
            out.append(
                f'<tspan x="{x}" dy="{dy}"><tspan class="code">{escape(code)}</tspan>'
                f"{escape(line[len(code) :])}</tspan>"
            )
        else:
            out.append(f'<tspan x="{x}" dy="{dy}">{escape(line)}</tspan>')
    out.append("</text>")
    return "".join(out)


def mapping_diagram(
    element: ElementRef,
    mappings: Sequence[MappingInfo],
    href: Callable[[str], str],
) -> Markup:
    """The SVG for one element's mappings (an empty string when it has none)."""
    if not mappings:
        return Markup("")
    merged: dict[str, list[MappingInfo]] = {}
    for m in mappings:  # grouped by framework, in the order they come
        merged.setdefault(m.other.framework, []).append(m)
    # layout: a heading per framework, then one box per mapping, each as tall as its label
    rows: list[tuple[str, MappingInfo | None, list[str], float, float]] = []
    y = float(TOP)
    for fw, ms in merged.items():
        rows.append((fw, None, [], y, GROUP_H))
        y += GROUP_H
        for m in ms:
            lines = label_lines(m.other.code, m.other.name)
            h = box_height(lines)
            rows.append((fw, m, lines, y, h))
            y += h + GAP
    self_lines = label_lines(element.code, element.name)
    self_h = box_height(self_lines)
    height = max(y + 10, TOP + self_h + 20)
    cy = TOP + (height - TOP) / 2
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mapping-diagram" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'role="group" aria-labelledby="diagram-title" aria-describedby="diagram-desc">',
        f'<title id="diagram-title">Mappings of {escape(element.code)} '
        f"{escape(element.name)}</title>",
        f'<desc id="diagram-desc">{len(mappings)} mapping{"s" if len(mappings) != 1 else ""} '
        "to other frameworks; solid lines are curated, dashed lines derived. The same mappings "
        "are listed in the table below.</desc>",
        '<text class="legend" x="10" y="16">solid: curated · dashed: derived · '
        "label: relation (confidence)</text>",
    ]
    for fw, item, lines, top, h in rows:
        if item is None:
            out.append(
                f'<text class="group" x="{RIGHT_X}" y="{top + GROUP_H - 8}">{escape(fw)}</text>'
            )
            continue
        m = item
        ty = top + h / 2
        sx, ex = LEFT_X + BOX_W, RIGHT_X
        mid = (sx + ex) / 2
        cls = "edge derived" if m.derived else "edge curated"
        label = relation_name(m.relation)
        if m.confidence is not None:
            label += f" ({m.confidence:.2f})"
        out.append(f'<g class="{cls} s{m.strength}">')
        out.append(f"<title>{escape(mapping_title(m, element))}</title>")
        out.append(
            f'<path d="M{sx},{cy:.1f} C{mid:.1f},{cy:.1f} {mid:.1f},{ty:.1f} {ex},{ty:.1f}" />'
        )
        out.append(
            f'<text class="edge-label" x="{ex - 8}" y="{ty - 6:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        out.append("</g>")
        out.append(
            f'<a href="{escape(href(m.other.iri))}" class="node">'
            f"<title>{escape(m.other.code)} {escape(m.other.name)}</title>"
            f'<rect x="{RIGHT_X}" y="{top:.1f}" width="{BOX_W}" height="{h:.1f}" rx="4" />'
            + _label(RIGHT_X + PAD_X, top + PAD_Y + 9, m.other.code, lines)
            + "</a>"
        )
    src_top = cy - self_h / 2
    out.append(
        f'<g class="node self"><rect x="{LEFT_X}" y="{src_top:.1f}" width="{BOX_W}" '
        f'height="{self_h:.1f}" rx="4" />'
        + _label(LEFT_X + PAD_X, src_top + PAD_Y + 9, element.code, self_lines)
        + "</g>"
    )
    out.append("</svg>")
    return Markup("\n".join(out))
