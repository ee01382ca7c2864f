"""Commands on the default graph open the verified release the cache keeps (issue 20: built
once and reused while its sources are unchanged), the mapping commands included: they used to
assemble and verify the whole graph again on every call (1.2-1.6 s each on the shipped data,
0.3 s from the cache)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pcfgraph import release
from pcfgraph.cli import main
from pcfgraph.release import Release

APQC, PRM = "apqc-pcf-cross-industry-7.4", "prm-it"


def test_mapping_commands_reuse_the_cached_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    builds: list[int] = []
    real_build = release.build_release

    def counted_build(*args: object, **kwargs: object) -> Release:
        builds.append(1)
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(release, "build_release", counted_build)
    runner = CliRunner()
    commands = [
        ["mappings", "export", "--set", "pcf-8.1-to-prm-it-a2", "-o", str(tmp_path / "a.tsv")],
        ["mappings", "export", "--set", "pcf-8.1-to-prm-it-a2", "-o", str(tmp_path / "b.tsv")],
        ["mappings", "suggest", "--source", APQC, "--target", PRM, "--top", "1"],
        ["mappings", "export", "-o", str(tmp_path / "sets")],
    ]
    for command in commands:
        result = runner.invoke(main, command)
        assert result.exit_code == 0, result.output
    assert builds == [1]  # the first command built and kept it; the others opened it
    assert (tmp_path / "a.tsv").read_bytes() == (tmp_path / "b.tsv").read_bytes()
    assert (tmp_path / "sets" / "pcf-8.1-to-prm-it-a2.sssom.tsv").read_bytes() == (
        tmp_path / "a.tsv"
    ).read_bytes()
