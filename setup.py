"""Build hook: ship the top-level ontology/, shapes/, queries/ and data/ inside the wheel.

They live at the repository root (where people edit them) and are copied into
``pcfgraph/resources/`` at build time so an installed wheel finds them through
``importlib.resources`` without a checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCE_DIRS = ("ontology", "shapes", "queries", "data")


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "pcfgraph" / "resources"
        for name in RESOURCE_DIRS:
            src = root / name
            if src.is_dir():
                dst = target / name
                if dst.exists():
                    shutil.rmtree(dst)
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithResources})
