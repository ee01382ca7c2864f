"""``audit_model`` given a model in another format than its ``format`` says names ``format``
and the format to give. The auditor's words are a file's ("the file is XML, an ArchiMate
exchange model: name it .xml", "send it as Turtle (.ttl, text/turtle)"): a tool call has no
file name nor media type, and an assistant told to rename a file it never had could not act
on it. The real server with a sandbox pool, through the SDK's client in memory."""

from __future__ import annotations

from mcp import Client
from mcp_support import refused, session_with_pool

from pcfgraph.release import Release
from pcfgraph.resources import resource_dir

AS_OF = "2025-07-15"


def test_a_model_in_another_format_names_the_format_to_give(shipped_release: Release) -> None:
    examples = resource_dir("data") / "examples"
    archimate = (examples / "it-organisation-archimate.xml").read_text()
    turtle = (examples / "conforming-organisation.ttl").read_text()
    rdfxml = (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="urn:x"><rdf:value>1</rdf:value></rdf:Description></rdf:RDF>'
    )
    cases = [  # (model, format given, format to give)
        (archimate, "turtle", "archimate"),
        (archimate, "jsonld", "archimate"),
        (rdfxml, "ntriples", "rdfxml"),
        (turtle, "rdfxml", "turtle"),
        (turtle, "archimate", "turtle"),
    ]
    refusals: list[str] = []
    audited: list[str] = []

    async def body(client: Client) -> None:
        for model, given, _ in cases:
            refusal = await refused(
                client, "audit_model", {"model": model, "format": given, "as_of": AS_OF}
            )
            refusals.append(refusal)
        # a model that is simply wrong is still the model's problem
        refusal = await refused(client, "audit_model", {"model": "<a:b> <a:c> .", "as_of": AS_OF})
        refusals.append(refusal)
        # and the format it names is taken
        good = await client.call_tool(
            "audit_model", {"model": archimate, "format": "archimate", "as_of": AS_OF}
        )
        assert not good.is_error, good.content
        assert good.structured_content is not None
        audited.append(good.structured_content["verdict"])

    session_with_pool(shipped_release, body)
    for error, (_, _, give) in zip(refusals, cases, strict=False):
        assert error.startswith("argument 'format': "), error
        assert error.endswith(f"give format {give!r}"), error
        assert "name it" not in error and "send it as" not in error
    assert refusals[-1].startswith("argument 'model': model.ttl, line 1"), refusals[-1]
    assert audited == ["findings"]
