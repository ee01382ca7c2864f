"""``/docs``: Swagger UI on the OpenAPI description, served from the package with nothing from a
CDN (FastAPI's own page loads it from cdn.jsdelivr.net, which the server's policy refuses and an
offline machine cannot reach); ``/redoc`` leads to it. The page running in a real browser under
the policy is tests/web/test_csp_browser.py."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from gql_support import Client, graphql_release

from pcfgraph.api.api_docs import static_dir


@pytest.fixture(scope="module")
def api() -> Client:
    return Client(graphql_release(1))


def test_docs_page_and_every_asset_it_loads_are_served_here(api: Client) -> None:
    r = api.http.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<script>" not in r.text  # no inline script: the policy would refuse it
    assert "//" not in re.sub(r"<!doctype html>", "", r.text, flags=re.I)  # no other host
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert {a for a in assets if a.startswith("/")} == {
        "/docs/assets/swagger-ui.css",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/init.js",
    }
    for url in assets:
        if url.startswith("data:"):
            continue
        got = api.http.get(url)
        assert got.status_code == 200 and len(got.content) > 100, url
        kind = "text/css" if url.endswith(".css") else "text/javascript"
        assert got.headers["content-type"].startswith(kind), url
    (described,) = re.findall(r'data-openapi="([^"]+)"', r.text)
    spec = api.http.get(described)
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.")
    assert "/sparql" in spec.json()["paths"]


def test_docs_never_sends_the_description_to_the_online_validator(api: Client) -> None:
    # Swagger UI's default posts the description to validator.swagger.io for a badge
    init = api.http.get("/docs/assets/init.js").text
    assert re.search(r"\bvalidatorUrl:\s*null\b", init)


def test_fastapis_cdn_pages_are_gone_and_redoc_leads_to_docs(api: Client) -> None:
    r = api.http.get("/redoc", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/docs"
    assert "cdn" not in api.http.get("/docs").text.lower()
    paths = api.http.get("/openapi.json").json()["paths"]
    assert not {"/docs", "/redoc"} & set(paths)  # pages, not API operations


def test_unknown_asset_is_a_problem_404(api: Client) -> None:
    r = api.http.get("/docs/assets/nope.js")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_vendored_files_are_the_ones_the_readme_lists() -> None:
    readme = (static_dir() / "README.md").read_text(encoding="utf-8")
    listed = dict(
        (name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)
    )
    assert set(listed) == {"swagger-ui-bundle.js", "swagger-ui.css"}
    for name, digest in listed.items():
        data = Path(static_dir() / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
    assert (static_dir() / "licenses" / "swagger-ui-LICENSE").is_file()


#: Requests a client really makes, good and bad, one or more per documented operation:
#: (method, url, request headers, body).
REAL_REQUESTS: list[tuple[str, str, dict[str, str], bytes | None]] = [
    ("GET", "/health", {}, None),
    ("GET", "/ready", {}, None),
    ("GET", "/contexts/orgmodel.jsonld", {}, None),
    ("GET", "/orgmodel.context.jsonld", {}, None),
    ("GET", "/.well-known/void", {}, None),
    ("GET", "/.well-known/void", {"Accept": "image/png"}, None),  # 406
    ("GET", "/templates/orgmodel.xlsx", {}, None),
    ("GET", "/sparql", {"Accept": "text/turtle"}, None),  # the service description
    ("GET", "/sparql?query=SELEKT", {}, None),  # 400 parse error
    ("GET", "/sparql?query=ASK%7B%7D", {"Accept": "image/png"}, None),  # 406
    ("POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}"),  # 415
    ("GET", "/queries", {}, None),
    ("GET", "/queries/api/element-by-code?framework=prm-test&code=A24", {}, None),
    (
        "GET",
        "/queries/api/element-by-code?framework=prm-test&code=A24",
        {"Accept": "text/csv"},
        None,
    ),
    ("GET", "/queries/api/element-by-code?framework=prm-test", {}, None),  # 400 missing code
    ("GET", "/queries/api/frameworks", {"If-None-Match": "*"}, None),  # 304 once made
    ("GET", "/queries/api/element-by-code?framework=nope&code=A24", {}, None),  # 400 framework
    ("GET", "/queries/nope", {}, None),  # 404
    ("GET", "/queries/api/element-by-code?code=A24", {"Accept": "image/png"}, None),  # 406
    ("GET", "/id/prm-test/A24", {"Accept": "text/turtle"}, None),
    ("GET", "/id/prm-test/A24", {"Accept": "application/ld+json"}, None),
    ("GET", "/id/prm-test/A24", {"Accept": "text/html"}, None),
    ("GET", "/id/prm-test/A24?format=nt", {}, None),
    ("GET", "/id/prm-test/A24?format=pdf", {}, None),  # 400
    ("GET", "/id/prm-test/A24", {"Accept": "image/png"}, None),  # 406
    ("GET", "/id/prm-test/NOPE", {"Accept": "text/turtle"}, None),  # 404 problem
    ("GET", "/id/prm-test/NOPE", {"Accept": "text/html"}, None),  # 404 page
    ("GET", "/mappings", {}, None),
    ("GET", "/mappings", {"Accept": "text/html"}, None),
    ("GET", "/mappings/nope.txt", {}, None),  # 404
    ("GET", "/mappings/derived.sssom.tsv?derived=yes", {}, None),
    ("GET", "/mappings/derived.sssom.tsv?derived=maybe", {}, None),  # 400
    ("GET", "/mappings/derived.sssom.ttl", {}, None),
    ("GET", "/mappings/derived.sssom.ttl", {"If-None-Match": "*"}, None),  # 304
    ("GET", "/frameworks/prm-test/export", {}, None),
    ("GET", "/frameworks/prm-test/export?format=csv", {}, None),
    ("GET", "/frameworks/prm-test/export?format=pdf", {}, None),  # 400
    ("GET", "/frameworks/nope/export", {}, None),  # 404
    ("GET", "/graphql?query=%7B__typename%7D", {}, None),
    ("GET", "/graphql?query=%7Bnope%7D", {"Accept": "application/graphql-response+json"}, None),
    ("GET", "/graphql", {"Accept": "text/html"}, None),  # GraphiQL
    ("POST", "/graphql", {"Content-Type": "application/json"}, b'{"query": "{ __typename }"}'),
    ("POST", "/graphql", {"Content-Type": "application/json"}, b'{"query": '),  # 400
    ("POST", "/graphql", {"Content-Type": "text/plain"}, b"{ __typename }"),  # 415
    ("POST", "/validate", {"Content-Type": "text/turtle"}, b"<a> <b> <c> ."),
    ("POST", "/validate?format=turtle", {"Content-Type": "text/turtle"}, b"<a> <b> <c> ."),
    ("POST", "/validate", {"Content-Type": "text/turtle", "Accept": "text/html"}, b"<a> <b> <c> ."),
    ("POST", "/validate", {"Content-Type": "text/turtle"}, b"<a> <b"),  # 400 parse error
    ("POST", "/validate", {"Content-Type": "image/png"}, b"\x89PNG"),  # 415
    ("GET", "/metrics", {}, None),
    # a client's copy (If-None-Match, after the first answer) and the redirects
    ("GET", "/id/prm-test/A24", {"Accept": "text/turtle", "If-None-Match": "*"}, None),  # 304
    ("GET", "/id/graph/framework/prm-test?format=nt", {}, None),
    ("GET", "/id/graph/framework/prm-test?format=nt", {"If-None-Match": "*"}, None),  # 304
    ("GET", "/id/prm-test/A24?format=pdf", {"Accept": "text/html"}, None),  # 400 page
    ("GET", "/id/prm-test/A24", {"Accept": "application/xml"}, None),  # RDF/XML
    ("GET", "/id/", {}, None),  # 303 to the VoID description
    ("GET", "/shapes", {"Accept": "text/turtle"}, None),
    ("GET", "/shapes", {"Accept": "text/turtle", "If-None-Match": "*"}, None),  # 304
    ("GET", "/shapes?format=bogus", {"Accept": "text/html"}, None),  # 400 page
    ("GET", "/shapes/AgreementPartyShape", {"Accept": "text/turtle"}, None),
    ("GET", "/shapes/AgreementPartyShape", {"Accept": "text/turtle", "If-None-Match": "*"}, None),
    ("GET", "/mappings", {"If-None-Match": "*"}, None),  # 304
    ("GET", "/.well-known/void", {"If-None-Match": "*"}, None),  # 304
    ("GET", "/licences", {}, None),
    ("GET", "/licences", {"If-None-Match": "*"}, None),  # 304
    ("GET", "/ontology", {}, None),  # 303
    ("GET", "/ontology/0.1.0", {}, None),  # 303
    ("GET", "/orgmodel", {}, None),  # 303
    ("GET", "/frameworks/prm-test/export?format=pdf", {"Accept": "text/html"}, None),  # page
    ("GET", "/graphql?query=mutation%7Bx%7D", {}, None),  # 405 (GraphQL over HTTP)
]


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    for template, ops in spec["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "(.+)", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in ops:
            return dict(ops[method.lower()])
    raise AssertionError(f"{method} {path}: no operation in the OpenAPI description")


#: Response headers a client acts on: the validators it sends back, where a redirect leads,
#: the methods a 405 allows, the audit's verdict.
ACTED_ON = {"etag", "last-modified", "location", "allow", "x-audit-conforms", "x-audit-fails"}


def test_openapi_describes_every_status_and_media_type_the_server_answers(api: Client) -> None:
    """The description said 200 application/json for RDF, SPARQL results, spreadsheets and
    HTML, 422 for errors the server answers 400, and nothing of 400/404/406/415: a client
    generated from it (or schemathesis) rejected the server's own answers. It now also lists
    the headers a client acts on (ETag, Last-Modified, Location, Allow, X-Audit-*), which it
    listed nowhere."""
    spec = api.http.get("/openapi.json").json()
    wrong = []
    for method, url, headers, body in REAL_REQUESTS:
        r = api.http.request(method, url, headers=headers, content=body, follow_redirects=False)
        op = _operation(spec, method, url.split("?", 1)[0])
        documented = op["responses"].get(str(r.status_code))
        if documented is None and r.status_code >= 400:  # "default": the errors' body only
            documented = op["responses"].get("default")
        media = r.headers.get("content-type", "").split(";", 1)[0].strip()
        if documented is None:
            wrong.append(f"{method} {url}: status {r.status_code} not documented")
        elif media and media not in documented.get("content", {}):
            wrong.append(f"{method} {url}: {r.status_code} {media} not documented")
        else:  # the headers a client acts on
            listed = {name.lower() for name in documented.get("headers", {})}
            for name in sorted(ACTED_ON & set(r.headers) - listed):
                wrong.append(f"{method} {url}: {r.status_code} header {name} not documented")
    assert not wrong, "\n".join(wrong)
    # the vocabularies' IRIs and /id/ only ever redirect: they documented a 200 they never give
    for path in ("/id/", "/ontology", "/ontology/{version}", "/orgmodel", "/orgmodel/{version}"):
        assert set(spec["paths"][path]["get"]["responses"]) & {"200", "303"} == {"303"}, path
    # FastAPI's 422 HTTPValidationError: request validation errors are answered 400 here
    assert "HTTPValidationError" not in str(spec)


def test_every_documented_error_says_its_body_is_problem_json(api: Client) -> None:
    """/ready's 503 (not-ready, release-mismatch) was documented with no body, though it is
    problem+json as every error outside /graphql."""
    spec = api.http.get("/openapi.json").json()
    bare = [
        f"{method.upper()} {path} {status}"
        for path, ops in spec["paths"].items()
        if path not in ("/graphql", "/mcp")  # JSON-RPC and GraphQL errors, as they document
        for method, op in ops.items()
        for status, response in op["responses"].items()
        if (status == "default" or int(status) >= 400)
        and "application/problem+json" not in response.get("content", {})
    ]
    assert not bare, bare


#: A URL of each operation whose parameters have a schema tighter than "a string", with the
#: parameters to try left off (path parameters filled in with things that exist).
PARAMETER_SAMPLES = {
    ("get", "/shapes"): "/shapes",
    ("get", "/shapes/{name}"): "/shapes/AgreementPartyShape",
    ("get", "/id/{path}"): "/id/prm-test/A24",
    ("get", "/id/graph/{path}"): "/id/graph/framework/prm-test",
    ("get", "/frameworks/{framework_id}/export"): "/frameworks/prm-test/export",
    ("get", "/mappings/{name}"): "/mappings/apqc-pcf-test-7.4-to-prm-test.sssom.tsv",
    ("get", "/sparql"): "/sparql",
    ("get", "/graphql"): "/graphql",
    # the vocabulary IRIs' 303s keep ?format= for their target: one it refuses is 400 here
    ("get", "/ontology"): "/ontology",
    ("get", "/ontology/{version}"): "/ontology/0.1.0",
    ("get", "/orgmodel"): "/orgmodel",
    ("get", "/orgmodel/{version}"): "/orgmodel/0.1.0",
}


def _values(schema: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Values a parameter's schema admits and values it does not, as a query string sends
    them (an enum's every member, a boolean's true and false, a string's "" when it must
    not be empty)."""
    if "enum" in schema:
        return [str(v) for v in schema["enum"]], ["pdf-nope"]
    if schema.get("type") == "boolean":
        return ["true", "false"], ["maybe"]
    if schema.get("minLength"):
        return [], [""]
    return [], []


def test_parameter_schemas_admit_what_the_server_takes_and_no_more(api: Client) -> None:
    """A client generated from /openapi.json sends what the schema admits: /shapes/{name}
    listed ?format=json, which the rule route refuses (400); ``derived`` was any string
    where the route takes a yes/no; an empty SPARQL or GraphQL query was schema-valid and
    always 400. Each value a schema admits is answered below 400 here, each it excludes 400,
    and every operation with such a schema is sampled."""
    spec = api.http.get("/openapi.json").json()
    wrong, tight = [], set()
    for template, ops in spec["paths"].items():
        for method, op in ops.items():
            for param in op.get("parameters", ()):
                if param["in"] != "query":
                    continue
                good, bad = _values(param["schema"])
                if not (good or bad):
                    continue
                tight.add((method, template))
                base = PARAMETER_SAMPLES.get((method, template))
                if base is None:
                    wrong.append(f"{method.upper()} {template}: no sample URL for {param['name']}")
                    continue
                for value, admitted in [(v, True) for v in good] + [(v, False) for v in bad]:
                    url = f"{base}?{param['name']}={value}"
                    if param["name"] == "format" and base == "/sparql":
                        url += "&query=ASK%7B%7D"
                    answer = api.http.request(method.upper(), url, follow_redirects=False)
                    status = answer.status_code
                    if admitted != (status < 400) or (not admitted and status != 400):
                        wrong.append(f"{method.upper()} {url}: {status}, schema admits: {admitted}")
    assert not wrong, "\n".join(wrong)
    assert tight >= {("get", "/shapes/{name}"), ("get", "/sparql"), ("get", "/graphql")}
    assert tight >= {("get", "/mappings/{name}"), ("get", "/frameworks/{framework_id}/export")}
    assert tight >= {("get", "/ontology"), ("get", "/orgmodel/{version}")}


def test_request_bodies_that_must_hold_a_query_say_so(api: Client) -> None:
    """POST /sparql with an empty query and POST /graphql without one are 400 (tested above
    for GET): their body schemas require a non-empty query."""
    spec = api.http.get("/openapi.json").json()
    sparql = spec["paths"]["/sparql"]["post"]["requestBody"]["content"]
    graphql = spec["paths"]["/graphql"]["post"]["requestBody"]["content"]["application/json"]
    form = sparql["application/x-www-form-urlencoded"]["schema"]
    assert form["properties"]["query"]["minLength"] == 1 and form["required"] == ["query"]
    assert sparql["application/sparql-query"]["schema"]["minLength"] == 1
    assert graphql["schema"]["required"] == ["query"]
    assert graphql["schema"]["properties"]["query"]["minLength"] == 1
    empty = [
        api.http.post("/sparql", data={"query": ""}).status_code,
        api.http.post(
            "/sparql", content=b"", headers={"Content-Type": "application/sparql-query"}
        ).status_code,
        api.http.post("/graphql", json={}).status_code,
        api.http.post("/graphql", json={"query": ""}).status_code,
    ]
    assert empty == [400, 400, 400, 400]
