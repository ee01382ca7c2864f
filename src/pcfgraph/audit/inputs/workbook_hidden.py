"""Workbook rows and sheets Excel hides, which the audit reads like the others, and cells
merged down over rows, whose one value each row reads: said in the report (Info findings), so
that what was audited is what the auditor can see."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox


def hidden_in_excel(
    reader: Any, wb: Any, rows: dict[str, list[tuple[int, tuple[Any, ...]]]]
) -> None:
    """One finding per sheet whose rows were read though Excel hides them (the sheet, or
    some of its rows): an auditor looking at the workbook does not see what was audited, and
    a finding named a row that seemed not to exist."""
    for sheet, read in rows.items():
        sheet_hidden, hidden_rows = wb.hidden(sheet)
        numbers = [r for r, _ in read if sheet_hidden or r in hidden_rows]
        if not numbers:
            continue
        what = f"sheet {sheet!r} is hidden" if sheet_hidden else f"{sheet} {_row_list(numbers)}"
        verb = "" if sheet_hidden else (" is hidden" if len(numbers) == 1 else " are hidden")
        detail = (
            f"{what}{verb} in Excel; {len(numbers)} row(s) of data there were read and "
            "audited: unhide them to review them, or delete what is not part of the model."
        )
        label = f"{sheet} (hidden)" if sheet_hidden else f"{sheet} {_row_list(numbers)}"
        reader.bad(
            "hidden-in-excel", ox.BlankNode(), label, detail, reader.where(sheet, numbers[0], 0)
        )


def merged_in_excel(
    reader: Any, wb: Any, rows: dict[str, list[tuple[int, tuple[Any, ...]]]]
) -> None:
    """One finding per merged range whose top-left value rows below it read as their own
    (merging D2:D3 gave the service of row 3 the deliverables of row 2, unsaid): it names the
    range, the cells that got the value, and the value."""
    from pcfgraph.audit.inputs.sheets import column_letter
    from pcfgraph.audit.inputs.workbook_layout import cell_text

    for sheet in rows:
        for copy in wb.merged_copies(sheet):
            letter = column_letter(copy.column)
            cells = ", ".join(f"{letter}{r}" for r in copy.rows)
            text = cell_text(copy.cell.value)
            shown = text if len(text) <= 80 else text[:77] + "..."
            place = sheet if sheet.replace("_", "").isalnum() else f"'{sheet}'"
            detail = (
                f"{place}!{copy.ref} is merged: {cells} {'was' if len(copy.rows) == 1 else 'were'}"
                f" read as {shown!r}, the value of {letter}{copy.top} (a merged range keeps its "
                "value in its top-left cell only); unmerge it and type each row's own value if "
                "that is not meant."
            )
            # the finding is on the (first) row that got the value: its node, labelled by name
            node = next(
                (n for n, s, r in reader.keys.values() if (s, r) == (sheet, copy.rows[0])), None
            )
            reader.bad(
                "merged-cells",
                node or ox.BlankNode(),
                "" if node else f"{sheet} row {copy.rows[0]}",
                detail,
                reader.where(sheet, copy.rows[0], copy.column),
                value=text,
            )


def _row_list(numbers: list[int]) -> str:
    """``rows 4-6, 9`` (runs of consecutive rows joined), ``row 7`` for one."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    text = ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
    return f"row {text}" if len(numbers) == 1 else f"rows {text}"
