"""The mapping diagram of an element page: server-rendered SVG, no script.

The element sits on the left; each mapped element is a box on the right (a link to its page),
grouped by framework. Curated mappings are solid lines, derived ones dashed; each line is
labelled with its relation and confidence and carries a ``<title>`` (shown on hover and read
by screen readers) with the justification, comment and, for derived ones, the chain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from pcfgraph.web.data import ElementRef, MappingInfo, relation_name

WIDTH = 780
BOX_W = 250
ROW_H = 46
BOX_H = 34
TOP = 28
LEFT_X = 10
RIGHT_X = WIDTH - BOX_W - 10


def _cut(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def mapping_title(m: MappingInfo) -> str:
    """Plain text for a mapping's hover title (escaped by the caller)."""
    parts = [
        f"{relation_name(m.relation)} {m.other.code} {m.other.name}",
        f"confidence {m.confidence:.2f}" if m.confidence is not None else "confidence not given",
    ]
    if m.justification:
        parts.append(f"justification: {m.justification}")
    if m.comment:
        parts.append(f"comment: {m.comment}")
    if m.derived and m.chain:
        parts.append("derived via " + chain_text(m))
    elif m.derived:
        parts.append("derived")
    if m.direction == "in":
        parts.append("(stated by the other framework's mapping set)")
    return "\n".join(parts)


def chain_text(m: MappingInfo) -> str:
    return " ; ".join(
        f"{c.source_code} {relation_name(c.relation)} {c.target_code}" for c in m.chain
    )


def mapping_diagram(
    element: ElementRef,
    mappings: Sequence[MappingInfo],
    href: Callable[[str], str],
) -> Markup:
    """The SVG for one element's mappings (an empty string when it has none)."""
    if not mappings:
        return Markup("")
    groups: list[tuple[str, list[MappingInfo]]] = []
    for m in mappings:
        if not groups or groups[-1][0] != m.other.framework:
            groups.append((m.other.framework, []))
        groups[-1][1].append(m)
    # merge non-adjacent groups of the same framework (curated and derived lists are separate)
    merged: dict[str, list[MappingInfo]] = {}
    for fw, ms in groups:
        merged.setdefault(fw, []).extend(ms)
    rows: list[tuple[str, MappingInfo | None]] = []
    for fw, ms in merged.items():
        rows.append((fw, None))
        rows.extend((fw, m) for m in ms)
    height = TOP + ROW_H * len(rows) + 10
    cy = height / 2
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mapping-diagram" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'role="img" aria-labelledby="diagram-title diagram-desc">',
        f'<title id="diagram-title">Mappings of {escape(element.code)} '
        f"{escape(element.name)}</title>",
        f'<desc id="diagram-desc">{len(mappings)} mapping{"s" if len(mappings) != 1 else ""} to other frameworks; solid lines '
        "are curated, dashed lines derived. The same mappings are listed in the table below."
        "</desc>",
        '<text class="legend" x="10" y="16">solid: curated · dashed: derived · '
        "label: relation (confidence)</text>",
    ]
    src_y = cy - BOX_H / 2
    for i, (fw, item) in enumerate(rows):
        y = TOP + i * ROW_H
        if item is None:
            out.append(
                f'<text class="group" x="{RIGHT_X}" y="{y + ROW_H - 14}">{escape(fw)}</text>'
            )
            continue
        m = item
        ty = y + ROW_H / 2
        sx, ex = LEFT_X + BOX_W, RIGHT_X
        mid = (sx + ex) / 2
        cls = "edge derived" if m.derived else "edge curated"
        strength = f" s{m.strength}"
        label = relation_name(m.relation)
        if m.confidence is not None:
            label += f" ({m.confidence:.2f})"
        out.append(f'<g class="{cls}{strength}">')
        out.append(f"<title>{escape(mapping_title(m))}</title>")
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
            f'<rect x="{RIGHT_X}" y="{ty - BOX_H / 2:.1f}" width="{BOX_W}" height="{BOX_H}" '
            'rx="4" />'
            f'<text x="{RIGHT_X + 8}" y="{ty + 5:.1f}">'
            f'<tspan class="code">{escape(m.other.code)}</tspan> '
            f"{escape(_cut(m.other.name, 30))}</text></a>"
        )
    out.append(
        f'<g class="node self"><rect x="{LEFT_X}" y="{src_y:.1f}" width="{BOX_W}" '
        f'height="{BOX_H}" rx="4" /><text x="{LEFT_X + 8}" y="{cy + 5:.1f}">'
        f'<tspan class="code">{escape(element.code)}</tspan> '
        f"{escape(_cut(element.name, 30))}</text></g>"
    )
    out.append("</svg>")
    return Markup("\n".join(out))
