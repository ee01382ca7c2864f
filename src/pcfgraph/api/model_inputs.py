"""What auditors need to write a model: the JSON-LD context and the spreadsheet template.

- ``GET /contexts/orgmodel.jsonld``: the model vocabulary's JSON-LD context (the stable local
  path JSON-LD models reference; uploads that reference it are resolved locally, never fetched).
  The same document at the path of its stable IRI (``/orgmodel.context.jsonld`` for
  ``https://w3id.org/pcfgraph/orgmodel.context.jsonld``), as every other IRI under
  ``https://w3id.org/pcfgraph/`` is answered at its own path (``/id/...``, ``/ontology``,
  ``/shapes/...``): a JSON-LD processor outside pcfgraph that dereferences the IRI gets it.
- ``GET /templates/orgmodel.xlsx``: the empty spreadsheet template (``?example=true``: filled
  with the conforming example organisation), the same as ``pcfgraph template orgmodel``.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response

from pcfgraph import iris
from pcfgraph.api.errors import openapi_content, query_parameter
from pcfgraph.audit.inputs.context import CONTEXT_IRI, CONTEXT_PATH, orgmodel_context
from pcfgraph.conneg import XLSX_MEDIA_TYPE, by_name

JSONLD = by_name("jsonld").media_type

router = APIRouter(tags=["audit"])
TEMPLATE_PATH = "/templates/orgmodel.xlsx"
#: The path of the context's stable IRI (its IRI below ``iris.BASE``).
CONTEXT_IRI_PATH = "/" + CONTEXT_IRI.removeprefix(iris.BASE)


@router.get(
    CONTEXT_PATH,
    summary="JSON-LD context of the organisational-model vocabulary",
    response_class=Response,
    responses={200: {"description": "The context", "content": openapi_content(JSONLD)}},
)
@router.get(
    CONTEXT_IRI_PATH,
    summary="The same JSON-LD context, at the path of its stable IRI",
    response_class=Response,
    responses={200: {"description": "The context", "content": openapi_content(JSONLD)}},
)
def context() -> Response:
    body = json.dumps(orgmodel_context(), indent=2, ensure_ascii=False) + "\n"
    return Response(
        content=body.encode("utf-8"),
        media_type=JSONLD,
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get(
    TEMPLATE_PATH,
    summary="Spreadsheet template for organisational models",
    response_class=Response,
    responses={200: {"description": "The workbook", "content": openapi_content(XLSX_MEDIA_TYPE)}},
    openapi_extra={
        "parameters": [
            query_parameter(
                "example",
                "1, true or yes: the template filled with an example organisation (any other "
                "value: the empty template)",
            )
        ]
    },
)
def template(request: Request) -> Response:
    from pcfgraph.audit.inputs.writer import template_bytes

    example = request.query_params.get("example", "").lower() in ("1", "true", "yes")
    name = "orgmodel-example.xlsx" if example else "orgmodel.xlsx"
    return Response(
        content=template_bytes(example=example),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
