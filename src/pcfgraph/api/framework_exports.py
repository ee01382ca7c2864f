"""``GET /frameworks/{id}/export``: a framework, or one subtree, as a spreadsheet (CSV or
XLSX), the file ``pcfgraph export`` writes; the framework page links it.

A download: ``Content-Disposition: attachment`` with the file's name, an ``ETag`` (strong for
CSV, the same bytes every time; weak for XLSX, whose zip entries carry the time of writing)
and ``Cache-Control`` (a release never changes); ``If-None-Match`` with the ETag is 304
without the spreadsheet being made again (:mod:`pcfgraph.http.conditional`). A wrong parameter
or an unknown framework is the workbench's error page for a browser (the framework page links
the file), problem+json for everyone else.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from pcfgraph import iris
from pcfgraph.api.errors import (
    NOT_MODIFIED,
    openapi_content,
    page_or_problem_responses,
    pages_for_browsers,
)
from pcfgraph.errors import InputError
from pcfgraph.http.conditional import download, not_modified
from pcfgraph.http.params import flag, flag_schema
from pcfgraph.runtime import app_state
from pcfgraph.spreadsheet import TABLES

router = APIRouter(tags=["frameworks"])
FORMATS = ("csv", "xlsx")


@router.get(
    "/frameworks/{framework_id}/export",
    summary="A framework or one subtree as a spreadsheet (CSV or XLSX), as 'pcfgraph export'",
    response_class=Response,
    responses={
        200: {
            "description": "The spreadsheet, as an attachment named after the framework",
            "content": openapi_content(
                "text/csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        },
        304: NOT_MODIFIED,
        **page_or_problem_responses(400, 404),
    },
)
@pages_for_browsers
async def framework_export(
    request: Request,
    framework_id: str,
    subtree: Annotated[
        str | None,
        Query(
            description="Only this element's subtree: its code (e.g. 8.1.5), PCF ID, "
            "element id or IRI"
        ),
    ] = None,
    format: Annotated[
        str | None,
        Query(
            description="csv or xlsx (default: xlsx; csv for table=decisions, a CSV alone)",
            json_schema_extra={"enum": list(FORMATS)},
        ),
    ] = None,
    derived: Annotated[
        str | None,
        Query(description="true: derived mappings too", json_schema_extra=flag_schema),
    ] = None,
    table: Annotated[
        str,
        Query(
            description="csv: mappings (one row per element and mapping) or decisions (the "
            "curated decisions that are no mapping: the XLSX's Decisions sheet)",
            json_schema_extra={"enum": list(TABLES)},
        ),
    ] = TABLES[0],
) -> Response:
    """The spreadsheet export of a framework or one subtree (same as ``pcfgraph export``)."""
    from pcfgraph.services.page_reads import reads_for
    from pcfgraph.spreadsheet import CSV_TYPE, XLSX_TYPE, check_table, export_subtree, subtree_code

    if format is None:  # the decisions have no XLSX of their own (a sheet of the whole)
        format = "csv" if table == "decisions" else "xlsx"
    if format not in FORMATS:
        raise InputError(f"format must be csv or xlsx, not {format!r}")
    check_table(format, table)
    with_derived = flag(derived, "derived")
    state = app_state(request)
    # the file is named by what it is of, not by how the query string spelled it: the
    # subtree as the data writes it (a2 is A2), the flag as read (1 is true), so one file
    # has one ETag and one name; an unknown framework or code is 404 first, never 304
    subtree = await asyncio.to_thread(subtree_code, reads_for(state), framework_id, subtree)
    key = ("framework-export", framework_id, subtree, format, with_derived, table)
    # a CSV is the same bytes every time; an XLSX is not (its zip entries carry the time of
    # writing): a weak tag by release
    same_bytes = format == "csv"
    if (unchanged := not_modified(request, state, key, same_bytes=same_bytes)) is not None:
        return unchanged  # the client's copy: nothing to make

    def make() -> bytes:
        return export_subtree(
            state.store,
            state.catalog,
            framework_id,
            subtree,
            format,
            reads=reads_for(state),
            derived=with_derived,
            table=table,
        )

    data = await asyncio.to_thread(make)
    # the download with derived mappings is another file: another name (the page offers both)
    name = f"{framework_id}{'-' + iris.slug(subtree) if subtree else ''}"
    name += f"{'-with-derived' if with_derived else ''}"
    name += f"{'-' + table if table != TABLES[0] else ''}.{format}"
    media = CSV_TYPE if format == "csv" else XLSX_TYPE
    disposition = f'attachment; filename="{name}"'
    return download(
        request,
        state,
        key,
        data,
        media,
        {"Content-Disposition": disposition},
        same_bytes=same_bytes,
    )
