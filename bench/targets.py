"""Issue 20's targets, read from a ``bench/latest.md`` that :mod:`run` wrote: one table with
each target, its limit, the figure when the issue was filed, this run's figure and whether it
is met, so no target's figure has to be looked for across the parts.

    .venv/bin/python bench/targets.py [bench/latest.md]

The figures are parsed from the lines the benchmarks print (a part whose line is missing,
skipped or failed reads "not measured"); ``run.py`` puts the table under the run's heading.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

GEOMEAN = re.compile(
    r"Geometric mean pcfgraph/oxigraph: median latency (?P<med>[\d.]+)x "
    r"\(worst (?P<worst>[\d.]+)x\), p95 (?P<p95>[\d.]+)x, 8-connection throughput "
    r"(?P<tp>[\d.]+)x; wrk errors [^:]*: pcfgraph (?P<errors>\d+)"
)

LEAN = re.compile(
    r"With the lean client \([^)]*\): geometric mean pcfgraph/oxigraph median latency "
    r"(?P<lean_med>[\d.]+)x \(worst (?P<lean_worst>[\d.]+)x\)"
)

SEPARATE = re.compile(
    r"With the client on one CPU and every server on the others \([^)]*\): geometric mean "
    r"pcfgraph/oxigraph median latency (?P<sep_med>[\d.]+)x \(worst (?P<sep_worst>[\d.]+)x\)"
)


class Target(NamedTuple):
    name: str
    limit: str
    filed: str
    figure: Callable[[dict[str, str]], tuple[str, bool] | None]


def section(doc: str, title: str) -> str:
    """The text of the part headed ``## title`` (empty if the run has no such part)."""
    match = re.search(rf"^## {re.escape(title)}[^\n]*\n(.*?)(?=^## |\Z)", doc, re.M | re.S)
    return match.group(1) if match else ""


def row_cells(text: str, starts: str) -> list[str] | None:
    """The cells of the first table row whose first cell starts with ``starts``."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and cells[0].startswith(starts):
            return cells
    return None


def figures(doc: str) -> dict[str, str]:
    """Every figure the targets read, by name (absent when its part did not run)."""
    out: dict[str, str] = {}
    for key, title in (
        ("default", "SPARQL, default graph"),
        ("workbooks", "SPARQL, default graph +"),
    ):
        for pattern in (GEOMEAN, LEAN, SEPARATE):
            match = pattern.search(section(doc, title))
            if match:
                out |= {f"{key}.{name}": value for name, value in match.groupdict().items()}
    graphql = section(doc, "GraphQL tree")
    tree = row_cells(graphql.replace("| shipped | ", "| "), "tree 8.1")
    if tree:
        out["graphql.ratio"], out["graphql.spread"] = tree[7].rstrip("x"), tree[9]
    whole = row_cells(graphql.replace("| shipped | ", "| "), "whole ")
    if whole:
        out["graphql.whole"] = whole[7].rstrip("x")
    audit = section(doc, "Audit vs pyrudof")
    big = None
    for line in audit.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].replace(",", "").isdigit():
            big = cells if big is None or int(cells[0]) > int(big[0]) else big
    if big:
        out["audit.ratio"] = big[4].split("/")[0].strip().rstrip("x")
        out["audit.peak"] = big[5].split("/")[0].strip()
    cli = section(doc, "CLI start-up")
    helped = row_cells(cli, "`pcfgraph --help`")
    if helped:
        out["cli.help"] = helped[1]
    named = row_cells(cli, "`pcfgraph query")
    if named:
        out["cli.query"] = named[1]
    start = row_cells(section(doc, "Server start"), "`pcfgraph serve")
    if start:
        out["start.median"] = start[1]
    return out


def at_most(
    key: str, limit: float, unit: str = "x"
) -> Callable[[dict[str, str]], tuple[str, bool] | None]:
    def read(f: dict[str, str]) -> tuple[str, bool] | None:
        return (f"{f[key]}{unit}", float(f[key]) <= limit) if key in f else None

    return read


def at_least(key: str, limit: float) -> Callable[[dict[str, str]], tuple[str, bool] | None]:
    def read(f: dict[str, str]) -> tuple[str, bool] | None:
        if key not in f:
            return None
        errors = f.get(key.replace("tp", "errors"), "0")
        return (f"{f[key]}x, {errors} errors", float(f[key]) >= limit and errors == "0")

    return read


def ms_as_s(key: str, limit_s: float) -> Callable[[dict[str, str]], tuple[str, bool] | None]:
    def read(f: dict[str, str]) -> tuple[str, bool] | None:
        return (
            (f"{float(f[key]) / 1000:.2f} s", float(f[key]) / 1000 < limit_s) if key in f else None
        )

    return read


def below(key: str, limit: float, unit: str) -> Callable[[dict[str, str]], tuple[str, bool] | None]:
    def read(f: dict[str, str]) -> tuple[str, bool] | None:
        return (f"{f[key]} {unit}", float(f[key]) < limit) if key in f else None

    return read


def reported(key: str) -> Callable[[dict[str, str]], tuple[str, bool] | None]:
    def read(f: dict[str, str]) -> tuple[str, bool] | None:
        return (f"{f[key]}x", True) if key in f else None

    return read


def pair_at_most(
    first: str, first_limit: float, second: str, second_limit: float
) -> Callable[[dict[str, str]], tuple[str, bool] | None]:
    def read(f: dict[str, str]) -> tuple[str, bool] | None:
        if first not in f or second not in f:
            return None
        met = float(f[first]) <= first_limit and float(f[second]) <= second_limit
        return (f"{f[first]}x / {f[second]}x", met)

    return read


def reported_pair(first: str, second: str) -> Callable[[dict[str, str]], tuple[str, bool] | None]:
    def read(f: dict[str, str]) -> tuple[str, bool] | None:
        return (f"{f[first]}x / {f[second]}x", True) if first in f and second in f else None

    return read


TARGETS = (
    Target(
        "SPARQL default graph: geomean median / oxigraph",
        "≤ 1.3x",
        "1.98x",
        at_most("default.med", 1.3),
    ),
    Target(
        "SPARQL default graph: worst query",
        "≤ 1.6x",
        "2-3x (`ASK {}` 3.1x)",
        at_most("default.worst", 1.6),
    ),
    Target(
        "SPARQL default graph: 8-client throughput",
        "≥ 0.8x, 0 errors",
        "0.45x lookups, 0.65x search",
        at_least("default.tp", 0.8),
    ),
    Target(
        "SPARQL default graph, client and servers on separate CPUs: geomean / worst",
        "≤ 1.3x / ≤ 1.6x",
        "-",
        pair_at_most("default.sep_med", 1.3, "default.sep_worst", 1.6),
    ),
    Target(
        "SPARQL default graph, lean client (not the issue's method): geomean / worst",
        "reported",
        "-",
        reported_pair("default.lean_med", "default.lean_worst"),
    ),
    Target(
        "SPARQL every workbook: geomean median / oxigraph",
        "≤ 1.3x",
        "1.75x (7.4 only)",
        at_most("workbooks.med", 1.3),
    ),
    Target("SPARQL every workbook: worst query", "≤ 1.6x", "-", at_most("workbooks.worst", 1.6)),
    Target(
        "SPARQL every workbook: 8-client throughput",
        "≥ 0.8x, 0 errors",
        "-",
        at_least("workbooks.tp", 0.8),
    ),
    Target(
        "SPARQL every workbook, client and servers on separate CPUs: geomean / worst",
        "≤ 1.3x / ≤ 1.6x",
        "-",
        pair_at_most("workbooks.sep_med", 1.3, "workbooks.sep_worst", 1.6),
    ),
    Target(
        "SPARQL every workbook, lean client (not the issue's method): geomean / worst",
        "reported",
        "-",
        reported_pair("workbooks.lean_med", "workbooks.lean_worst"),
    ),
    Target(
        "GraphQL 8.1 tree / its SPARQL query (median)",
        "≤ 1.5x",
        "1.47-1.67x",
        at_most("graphql.ratio", 1.5),
    ),
    Target("GraphQL 8.1 tree p95 / median", "≤ 2", "up to ~3", at_most("graphql.spread", 2.0, "")),
    Target("GraphQL whole 7.4 tree / its SPARQL query", "measured", "-", reported("graphql.whole")),
    Target(
        "Audit wall / pyrudof (100k triples)", "≤ 1.0x", "1.1-2.1x", at_most("audit.ratio", 1.0)
    ),
    Target("Audit peak memory (100k triples)", "< 300 MB", "-", below("audit.peak", 300, "MB")),
    Target("`pcfgraph --help`", "< 0.3 s", "0.5 s", ms_as_s("cli.help", 0.3)),
    Target("named query on the default graph, warm", "< 0.5 s", "2.0 s", ms_as_s("cli.query", 0.5)),
    Target(
        "server ready, default graph, built release", "< 3 s", "-", below("start.median", 3.0, "s")
    ),
)


def table(doc: str) -> list[str]:
    """The targets table (Markdown lines) for a run's document."""
    f = figures(doc)
    lines = [
        "| target | limit | when filed | this run | met |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in TARGETS:
        got = t.figure(f)
        shown, met = (got[0], "yes" if got[1] else "**no**") if got else ("not measured", "-")
        lines.append(f"| {t.name} | {t.limit} | {t.filed} | {shown} | {met} |")
    return lines


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("latest.md")
    print("\n".join(table(path.read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()
