"""A first-time auditor running ``pcfgraph audit`` with no model, or reading its help, is told
where a model comes from: the spreadsheet template (``pcfgraph template orgmodel``), which
neither mentioned."""

from __future__ import annotations

import pytest

from pcfgraph.cli import main
from pcfgraph.cli.common import run_main


def test_audit_without_a_model_names_the_template(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_main(main, ["audit"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Missing argument 'MODELS...'" in err and "pcfgraph template orgmodel" in err


def test_audit_help_names_the_template(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_main(main, ["audit", "--help"])
    out = capsys.readouterr().out
    assert code == 0 and "pcfgraph template orgmodel" in " ".join(out.split())
