"""The workbench's templates are compiled once and never read again while a server runs."""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemLoader

from pcfgraph.web.render import environment, template_environment


def test_a_template_changed_on_disk_is_not_served_by_a_running_environment(
    tmp_path: Path,
) -> None:
    """A package upgraded under a running server must not mix new templates into old code."""
    (tmp_path / "page.html").write_text("old {{ x }}", encoding="utf-8")
    (tmp_path / "other.html").write_text("other", encoding="utf-8")
    env = template_environment(FileSystemLoader(tmp_path))
    (tmp_path / "page.html").write_text("new {{ x }}", encoding="utf-8")
    (tmp_path / "other.html").write_text("changed before its first render", encoding="utf-8")
    assert env.get_template("page.html").render(x=1) == "old 1"
    assert env.get_template("other.html").render() == "other"


def test_every_shipped_template_compiles() -> None:
    env = environment()
    names = env.list_templates()
    assert "element.html" in names
    assert {t.name for t in (env.get_template(n) for n in names)} == set(names)
