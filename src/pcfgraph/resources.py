"""Where the shipped ontology, shapes, queries and data are, in a checkout or an installed wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_KINDS = ("ontology", "shapes", "queries", "data")


@cache
def resource_root() -> Path:
    """The directory holding ``ontology/ shapes/ queries/ data/``.

    An installed wheel carries them in ``pcfgraph/resources/`` (copied by ``setup.py``);
    a checkout or editable install reads them from the repository root.
    """
    packaged = Path(__file__).resolve().parent / "resources"
    if (packaged / "ontology").is_dir():
        return packaged
    repo = Path(__file__).resolve().parents[2]
    if (repo / "ontology").is_dir():
        return repo
    raise FileNotFoundError("pcfgraph resources (ontology/, shapes/, queries/, data/) not found")


def resource_dir(kind: str) -> Path:
    if kind not in _KINDS:
        raise ValueError(f"unknown resource kind {kind!r}")
    return resource_root() / kind
