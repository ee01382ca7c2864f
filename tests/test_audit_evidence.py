"""What a report an auditor signs says about its evidence: the exact files audited (name, size,
sha256) in every format, over the command line and HTTP alike."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from audit_support import AS_OF, FINDINGS, audit_path, context, edited_workbook, upload_client
from openpyxl import load_workbook
from rdflib import RDF

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.baseline import apply_baseline, read_baseline
from pcfgraph.audit.engine import AuditOptions
from pcfgraph.audit.html import render_html
from pcfgraph.audit.inputs.writer import template_bytes
from pcfgraph.audit.render_table import to_csv, to_xlsx
from pcfgraph.audit.report import location_text
from pcfgraph.audit.rules import RULE_FILES, rules_digest
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.resources import resource_root

# the reports are the subject, not the build of the audit's framework side (conftest.py)
pytestmark = pytest.mark.usefixtures("audit_context_per_release")


def test_every_report_names_the_sha256_of_each_file_audited() -> None:
    """The JSON report did not say which file it was about at all (no name, no size, no
    digest) and the others named the file only: a report cannot be tied to the file the
    organisation sent, or told apart from one on a later copy of the same name."""
    data = FINDINGS.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    report = audit_path(FINDINGS)
    doc = json.loads(report.to_json())
    name = FINDINGS.name
    assert doc["model"] == {
        "files": [{"name": name, "bytes": len(data), "sha256": digest}],
        "triples": report.triples,
    }
    assert f"sha256 {digest}  {name}" in report.to_text().splitlines()[3:4]
    assert digest in render_html(report)
    wb = load_workbook(io.BytesIO(to_xlsx(report)))
    facts = {row[0]: row[1] for row in wb["Report"].iter_rows(min_row=2, values_only=True)}
    assert facts[f"sha256 of {name}"] == digest
    # carried from a sandbox worker to the edge unchanged
    assert type(report).from_dict(report.to_dict()).to_json_dict()["model"] == doc["model"]


def test_the_cli_names_each_model_files_digest(
    tmp_path: Path, framework_release_path: Path
) -> None:
    people = tmp_path / "org.xlsx"
    people.write_bytes(template_bytes(example=True))
    out = tmp_path / "report.json"
    args = ["audit", str(people), "--release", str(framework_release_path)]
    code = run_main(main, [*args, "--as-of", AS_OF.isoformat(), "-o", str(out)])
    assert code == 0
    files = json.loads(out.read_text(encoding="utf-8"))["model"]["files"]
    assert files == [
        {
            "name": str(people),  # as the command line named it
            "bytes": people.stat().st_size,
            "sha256": hashlib.sha256(people.read_bytes()).hexdigest(),
        }
    ]


@pytest.mark.parametrize("multipart", [True, False])
def test_validate_names_the_uploads_digest(framework_release_path: Path, multipart: bool) -> None:
    data = template_bytes(example=True)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with upload_client(framework_release_path) as client:
        if multipart:
            r = client.post(
                f"/validate?asOf={AS_OF}", files={"file": ("northwind.xlsx", data, xlsx)}
            )
        else:
            r = client.post(f"/validate?asOf={AS_OF}", content=data, headers={"Content-Type": xlsx})
    assert r.status_code == 200, r.text
    [f] = r.json()["model"]["files"]
    assert (f["bytes"], f["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert f["name"] == ("northwind.xlsx" if multipart else f["name"])


def _sha256sum_of_sha256sum(root: Path) -> str:
    """``LC_ALL=C sha256sum shapes/orgmodel*.ttl shapes/profiles/*.ttl
    queries/checks/orgmodel/*.rq queries/reports/*.rq | sha256sum`` run in ``root``, as
    docs/audit.md tells an auditor to check the digest."""
    return hashlib.sha256(_sha256sum_listing(root).encode()).hexdigest()


def test_every_report_names_the_rules_it_was_made_with() -> None:
    """``checkedAgainst`` named the pcfgraph version (0.1.0 through every change of a rule),
    the release and the frameworks, not the rules: two reports made under different rules
    could not be told apart, nor a report reproduced under the rules it was made with."""
    report = audit_path(FINDINGS)
    digest = _sha256sum_of_sha256sum(resource_root())
    assert report.to_json_dict()["checkedAgainst"]["rules"] == digest
    assert f"rules {digest[:16]}" in report.to_text().splitlines()[2]
    wb = load_workbook(io.BytesIO(to_xlsx(report)))
    facts = {row[0]: row[1] for row in wb["Report"].iter_rows(min_row=2, values_only=True)}
    assert facts["rules sha256"] == digest


def test_the_rules_digest_changes_with_any_rule_file(tmp_path: Path) -> None:
    root = tmp_path / "resources"
    for kind in ("shapes", "queries"):
        shutil.copytree(resource_root() / kind, root / kind)
    assert rules_digest(root) == rules_digest()
    check = root / "queries" / "checks" / "orgmodel" / "sla-underpinned-violation.rq"
    check.write_text(check.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = rules_digest(root)
    assert changed != rules_digest() and changed == _sha256sum_of_sha256sum(root)
    (root / "shapes" / "profiles" / "lenient.ttl").write_text("", encoding="utf-8")
    assert rules_digest(root) != changed


def test_source_date_epoch_makes_the_html_report_reproducible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The HTML report says when it was made, to the minute, from the clock: the one report
    that re-running on the same model did not give byte for byte (a hash signed on Monday
    did not match Tuesday's re-run). ``SOURCE_DATE_EPOCH`` fixes that time, as for builds."""
    report = audit_path(FINDINGS)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1752537600")
    first = render_html(report)
    assert "2025-07-15 00:00 UTC" in first
    assert render_html(audit_path(FINDINGS)) == first
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")  # not seconds: the clock, no error
    assert "2025-07-15 00:00 UTC" not in render_html(report)


def test_a_re_audit_says_what_besides_the_model_differs_from_its_baseline() -> None:
    """Against a baseline, findings were new, unchanged or resolved without a word on how
    the baseline's audit was run: one made under other rules, another release or profile
    showed findings 'resolved' by a rule change as if the organisation had fixed them. The
    baseline's facts are kept (``made``) and each difference is said in every format."""
    first = audit_path(FINDINGS)
    doc = first.to_json_dict()
    same = audit_path(FINDINGS)
    apply_baseline(same, read_baseline(first.to_json().encode(), "q1.json"))
    against = doc["checkedAgainst"]
    assert same.baseline is not None
    assert (
        same.baseline["made"]
        == {
            "asOf": AS_OF.isoformat(),
            "asOfSource": "caller",  # and where that date came from
            "profile": "default",
            "rules": against["rules"],
            **({"release": against["release"]} if against["release"] else {}),
        }
        and same.baseline["differences"] == []
    )

    older = json.loads(first.to_json())
    older["checkedAgainst"]["rules"] = "0" * 64
    again = audit_path(FINDINGS)
    apply_baseline(again, read_baseline(json.dumps(older).encode(), "q1.json"))
    assert again.baseline is not None
    assert again.baseline["differences"] == [
        {"what": "rules", "baseline": "0" * 64, "now": against["rules"]}
    ]
    assert "the baseline was made with another rules (0000" in again.to_text()
    assert "The baseline was made with another\nrules</strong> (0000" in render_html(again)

    # last quarter's workbook says how it was made on its Report sheet
    strict = audit_path(FINDINGS, AuditOptions(AS_OF, profile="strict"))
    apply_baseline(strict, read_baseline(to_xlsx(first), "q1.xlsx"))
    assert strict.baseline is not None
    assert strict.baseline["made"]["rules"] == against["rules"]
    assert strict.baseline["differences"] == [
        {"what": "profile", "baseline": "default", "now": "strict"}
    ]
    wb = load_workbook(io.BytesIO(to_xlsx(strict)))
    facts = {row[0]: row[1] for row in wb["Report"].iter_rows(min_row=2, values_only=True)}
    assert facts["baseline made with another profile"] == "default"
    # and so does a CSV export now, on every row (it said none of it: a profile changed
    # between the quarters went unsaid)
    plain = audit_path(FINDINGS, AuditOptions(AS_OF, profile="strict"))
    apply_baseline(plain, read_baseline(to_csv(first), "q1.csv"))
    assert plain.baseline is not None
    assert plain.baseline["made"] == same.baseline["made"]
    assert plain.baseline["differences"] == strict.baseline["differences"]
    # a CSV written before those columns says nothing of how it was made, and is read alike
    rows = list(csv.reader(io.StringIO(to_csv(first).decode("utf-8-sig"))))
    older_csv = io.StringIO()
    csv.writer(older_csv).writerows(row[: len(TABLE_COLUMNS)] for row in rows)
    unsaid = audit_path(FINDINGS, AuditOptions(AS_OF, profile="strict"))
    apply_baseline(unsaid, read_baseline(older_csv.getvalue().encode(), "q1.csv"))
    assert unsaid.baseline is not None
    assert (unsaid.baseline["made"], unsaid.baseline["differences"]) == ({}, [])
    assert unsaid.baseline["unchanged"] == plain.baseline["unchanged"] > 0


def test_the_turtle_report_names_each_findings_cell_and_what_it_was_made_from() -> None:
    """The Turtle report (``sh:ValidationReport``) had neither the cell of a finding on a
    workbook (JSON, text, HTML and the spreadsheets name it) nor the audited file's digest,
    the release or the rules: a signed Turtle report could not be traced to a cell or tied to
    its evidence. Each result has ``orgm:location``; the report its ``orgm:modelFile``,
    ``orgm:release``, ``orgm:rulesSha256`` and ``orgm:pcfgraphVersion``."""
    from rdflib import RDFS, Graph, Literal, Namespace
    from rdflib.compare import isomorphic

    orgm = Namespace("https://w3id.org/pcfgraph/orgmodel#")
    sh = Namespace("http://www.w3.org/ns/shacl#")
    data = template_bytes(example=True)

    def broken(wb) -> None:  # type: ignore[no-untyped-def]
        wb["Services"]["E2"] = None  # a price left out: ServicePriceShape at Services!E2

    data = edited_workbook(data, broken)
    report = audit([Upload("northwind.xlsx", data)], context(), options=AuditOptions(AS_OF))
    doc = report.to_json_dict()
    g = Graph().parse(data=report.to_turtle(), format="turtle")
    assert isomorphic(g, report.to_graph())
    [node] = g.subjects(RDF.type, sh.ValidationReport)
    [file] = g.objects(node, orgm.modelFile)
    assert g.value(file, orgm.sha256) == Literal(hashlib.sha256(data).hexdigest())
    assert g.value(file, orgm.byteSize).toPython() == len(data)
    assert g.value(file, RDFS.label) == Literal("northwind.xlsx")
    assert g.value(node, orgm.rulesSha256) == Literal(doc["checkedAgainst"]["rules"])
    located = {
        (str(g.value(r, sh.sourceShape)), str(g.value(r, orgm.location)))
        for r in g.objects(node, sh.result)
    }
    expected = {(r["shape"], location_text(r["location"])) for r in doc["results"]}
    assert located == {(s, str(w)) for s, w in expected}
    assert ("https://w3id.org/pcfgraph/shapes/ServicePriceShape", "Services!E2") in located


def test_a_profile_file_is_part_of_the_rules_a_report_names(tmp_path: Path) -> None:
    """A profile file switches rules off and changes severities, but the report named it by
    its label only and its rules digest covered the shipped files: two reports made with
    different files labelled alike claimed the same rules, and a re-audit with an edited
    profile said nothing differed. The file's sha256 is in the report and in the digest (its
    ``sha256sum < FILE`` line added last)."""
    head = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '[] a orgm:AuditProfile ; rdfs:label "ours" .\n'
    )
    lenient, harsh = tmp_path / "a.ttl", tmp_path / "b.ttl"
    lenient.write_text(
        head + "<https://w3id.org/pcfgraph/shapes/SLAUnderpinnedShape> sh:deactivated true .\n",
        encoding="utf-8",
    )
    harsh.write_text(head, encoding="utf-8")
    reports = [audit_path(FINDINGS, AuditOptions(AS_OF, profile=str(p))) for p in (lenient, harsh)]
    shipped = audit_path(FINDINGS)
    rules = []
    for path, report in zip((lenient, harsh), reports, strict=True):
        file_digest = hashlib.sha256(path.read_bytes()).hexdigest()
        doc = report.to_json_dict()
        assert doc["profile"]["name"] == "ours" and doc["profile"]["sha256"] == file_digest
        listing = _sha256sum_listing(resource_root()) + f"{file_digest}  -\n"
        assert doc["checkedAgainst"]["rules"] == hashlib.sha256(listing.encode()).hexdigest()
        assert f"profile ours (sha256 {file_digest})" in report.to_text().splitlines()[1]
        assert f"(sha256 <code>{file_digest}</code>)" in render_html(report)
        wb = load_workbook(io.BytesIO(to_xlsx(report)))
        facts = {row[0]: row[1] for row in wb["Report"].iter_rows(min_row=2, values_only=True)}
        assert facts["profile sha256"] == file_digest
        rules.append(doc["checkedAgainst"]["rules"])
    assert len({*rules, shipped.checked_against["rules"]}) == 3
    assert "sha256" not in shipped.to_json_dict()["profile"]
    assert shipped.checked_against["rules"] == rules_digest()
    # a re-audit with the edited profile says the rules differ from its baseline's
    again = audit_path(FINDINGS, AuditOptions(AS_OF, profile=str(harsh)))
    apply_baseline(again, read_baseline(reports[0].to_json().encode(), "q1.json"))
    assert again.baseline is not None
    assert again.baseline["differences"] == [
        {"what": "rules", "baseline": rules[0], "now": rules[1]}
    ]


def _sha256sum_listing(root: Path) -> str:
    """What ``LC_ALL=C sha256sum`` of the rule files prints in ``root``."""
    lines = []
    for pattern in RULE_FILES:
        for rel in sorted(
            (p.relative_to(root).as_posix() for p in root.glob(pattern)), key=str.encode
        ):
            lines.append(f"{hashlib.sha256((root / rel).read_bytes()).hexdigest()}  {rel}\n")
    return "".join(lines)


#: The findings table's columns before it named what it was checked against (a public
#: contract: a tracker importing the CSV reads them by position or by name).
TABLE_COLUMNS = [
    "status",
    "severity",
    "rule",
    "requirement",
    "section",
    "unit",
    "focus label",
    "focus node",
    "location",
    "file",
    "path",
    "value",
    "message",
    "hint",
    "source framework",
    "source code",
    "source name",
    "source iri",
    "shape",
    "notice",
    "rule origin",
]


def test_a_findings_csv_names_what_was_checked_against_what() -> None:
    """The CSV named neither the release nor the rules (the JSON, text, HTML, Turtle reports
    and the XLSX Report sheet do): signed on its own it could not be tied to what the model
    was checked against. Every row ends with the model files' digests, the release, the
    rules sha256, the profile and the audit date; the columns before stay as they were, and
    those cells are escaped against formulas like every other (a release id is a manifest's
    text)."""
    release = '=HYPERLINK("https://example.org/","release 1")'
    report = audit_path(FINDINGS, AuditOptions(AS_OF, release_id=release))
    against = report.to_json_dict()["checkedAgainst"]
    data = FINDINGS.read_bytes()
    expected = {
        "model sha256": f"{hashlib.sha256(data).hexdigest()}  {FINDINGS.name}",
        "release": release,
        "rules sha256": against["rules"],
        "profile": "default",
        "as of": AS_OF.isoformat(),
        "as of source": "caller",  # where "as of" came from
    }
    [header, *rows] = list(csv.reader(io.StringIO(to_csv(report).decode("utf-8-sig"))))
    assert header == [*TABLE_COLUMNS, *expected]
    assert len(rows) == len(report.results) > 0
    for row in rows:
        made = dict(zip(header, row, strict=True))
        assert made | expected | {"release": "'" + release} == made
    wb = load_workbook(io.BytesIO(to_xlsx(report)))
    [head, *cells] = list(wb["Findings"].iter_rows())
    assert [c.value for c in head] == [*TABLE_COLUMNS, *expected]
    for row in cells:
        made = {h.value: c for h, c in zip(head, row, strict=True)}
        assert {k: made[k].value for k in expected} == expected
        assert made["release"].quotePrefix  # shown as typed, never run
