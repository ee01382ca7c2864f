"""The sheets read after the elements: ``Glossary terms`` (a definition for each element that
has none in its own row) and ``Metrics`` (the measures, each attached to an element by PCF ID).
A row keyed by PCF ID whose hierarchy ID disagrees is still attached, with a warning."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pcfgraph.archive_guard import ArchiveLimits
from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc.cells import blank, int_cell, normalise_space, numeric_category
from pcfgraph.importers.apqc.layout import (
    GLOSSARY_COLUMNS,
    GLOSSARY_REQUIRED,
    METRIC_COLUMNS,
    METRIC_REQUIRED,
    Table,
    find_sheet,
)

if TYPE_CHECKING:
    from pcfgraph.importers.apqc.rows import Element

#: Called once per row read (drives the progress bar).
Tick = Callable[[], None]


@dataclass
class Metric:
    sheet: str
    row: int
    metric_id: int
    element_id: int
    name: str
    category: str | None
    formula: str | None
    units: str | None


def read_glossary(
    wb: Any, limits: ArchiveLimits, tick: Tick, elements: Sequence[Element], warnings: list[str]
) -> None:
    sheet = find_sheet(wb.sheetnames, "glossary terms", "glossary")
    if sheet is None:
        return
    by_id = {e.pcf_id: e for e in elements}
    table = Table(wb[sheet], sheet, GLOSSARY_COLUMNS, GLOSSARY_REQUIRED, limits)
    for row_no, cells in table.rows():
        tick()
        if blank(cells.get("pcf_id")) or (
            "hierarchy_id" in table.index and blank(cells.get("hierarchy_id"))
        ):
            continue  # the "Root" row (10001) has no hierarchy ID
        pcf_id = int_cell(cells["pcf_id"], "PCF ID", sheet, row_no, table.name("pcf_id"))
        e = by_id.get(pcf_id)
        if e is None:
            warnings.append(
                f"sheet {sheet!r}, row {row_no}: PCF ID {pcf_id} is not an element; skipped"
            )
            continue
        _check_hierarchy_id(cells, e.hierarchy_id, pcf_id, table, row_no, warnings)
        if e.definition is None and not blank(cells.get("definition")):
            e.definition = normalise_space(cells["definition"])


def _check_hierarchy_id(
    cells: dict[str, Any], hid: str, pcf_id: int, table: Table, row_no: int, warnings: list[str]
) -> None:
    """Warn when a row keyed by PCF ID states another hierarchy ID than the element's (a
    mis-edited workbook: the row is still attached by PCF ID, the identity)."""
    stated = cells.get("hierarchy_id")
    if blank(stated) or normalise_space(str(stated)) == hid or numeric_category(stated) == hid:
        return
    warnings.append(
        f"sheet {table.sheet!r}, row {row_no}, column {table.name('hierarchy_id')!r}: "
        f"{normalise_space(str(stated))!r}, but PCF ID {pcf_id} is {hid!r} in the element "
        "sheets; attached by PCF ID"
    )


def read_metrics(
    wb: Any, limits: ArchiveLimits, tick: Tick, hids: dict[int, str], warnings: list[str]
) -> list[Metric]:
    sheet = find_sheet(wb.sheetnames, "metrics", "measures")
    if sheet is None:
        return []
    table = Table(wb[sheet], sheet, METRIC_COLUMNS, METRIC_REQUIRED, limits)
    seen: dict[int, int] = {}
    metrics: list[Metric] = []
    for row_no, cells in table.rows():
        tick()
        for col in METRIC_REQUIRED:
            if blank(cells.get(col)):
                raise WorkbookError(
                    "missing value", sheet=sheet, row=row_no, column=table.name(col)
                )
        element_id = int_cell(
            cells["element_id"], "Process Element ID", sheet, row_no, table.name("element_id")
        )
        metric_id = int_cell(
            cells["metric_id"], "Metric ID", sheet, row_no, table.name("metric_id")
        )
        if element_id not in hids:
            raise WorkbookError(
                f"metric {metric_id} is listed for PCF ID {element_id}, "
                "which is not an element of this workbook",
                sheet=sheet,
                row=row_no,
                column=table.name("element_id"),
            )
        if metric_id in seen:
            raise WorkbookError(
                f"duplicate Metric ID {metric_id} (also in row {seen[metric_id]})",
                sheet=sheet,
                row=row_no,
                column=table.name("metric_id"),
            )
        seen[metric_id] = row_no
        _check_hierarchy_id(cells, hids[element_id], element_id, table, row_no, warnings)
        metrics.append(
            Metric(
                sheet=sheet,
                row=row_no,
                metric_id=metric_id,
                element_id=element_id,
                name=normalise_space(cells["name"]),
                category=None
                if blank(cells.get("category"))
                else normalise_space(cells["category"]),
                formula=None if blank(cells.get("formula")) else normalise_space(cells["formula"]),
                units=None if blank(cells.get("units")) else normalise_space(cells["units"]),
            )
        )
    return metrics
