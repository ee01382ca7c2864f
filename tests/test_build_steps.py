"""``pcfgraph build`` names its steps after the workbook import (a bar on a terminal)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from identity_support import workbook

from pcfgraph.build_steps import STEPS, BuildSteps
from pcfgraph.release_cache import open_release
from pcfgraph.sources import ExtraSources


def small_sources(tmp: Path) -> Path:
    workbook(
        tmp / "k01234-banking-v731.xlsx",
        [[10002, "1.0", "Vision", "Def"], [17040, "1.1", "Concept", "D"]],
    )
    src = tmp / "sources.yaml"
    src.write_text(
        yaml.safe_dump(
            {
                "include_default": False,
                "frameworks": [{"kind": "apqc-workbook", "files": ["k01234-banking-v731.xlsx"]}],
            }
        )
    )
    return src


def test_a_build_tells_each_step_in_order_and_a_cached_one_none(tmp_path: Path) -> None:
    extra = ExtraSources(sources_file=small_sources(tmp_path))
    told: list[str] = []
    built = open_release(None, cache_dir=tmp_path / "cache", extra=extra, steps=told.append)
    assert told == list(STEPS)
    again: list[str] = []
    cached = open_release(None, cache_dir=tmp_path / "cache", extra=extra, steps=again.append)
    assert again == [] and cached.release_id == built.release_id


def test_the_bar_shows_the_current_step_and_never_goes_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    steps = BuildSteps(enabled=True)
    steps(STEPS[1])
    steps(STEPS[0])  # earlier: ignored
    steps(STEPS[3])
    assert steps.bar.n == 3
    steps.close()
    err = capsys.readouterr().err
    assert f"building release: {STEPS[1]}" in err and f"building release: {STEPS[3]}" in err
    assert f"building release: {STEPS[0]}" not in err
    quiet = BuildSteps(enabled=False)
    quiet(STEPS[2])
    quiet.close()
    assert capsys.readouterr().err == ""
