"""A bar of ``pcfgraph build``'s steps after the workbooks are imported (which have their own
bar): with every shared workbook those steps are about half the build, silent before."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

#: The steps of a build after the import, in order (each named when it starts).
STEPS: tuple[str, ...] = (
    "canonical N-Quads",
    "verifying shapes and checks",
    "writing store and artefacts",
    "opening the release",
)


class BuildSteps:
    """Shows the step a build is in, on stderr; ``enabled`` None: only on a terminal."""

    def __init__(self, steps: Sequence[str] = STEPS, *, enabled: bool | None = None) -> None:
        self.steps = tuple(steps)
        self.enabled = enabled
        self.bar: Any = None  # made at the first step, once the import bar is gone

    def __call__(self, step: str) -> None:
        """Mark the start of ``step`` (one of :attr:`steps`): the ones before it are done; a
        step before the current one changes nothing."""
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=len(self.steps),
                desc=f"building release: {step}",
                file=sys.stderr,
                disable=None if self.enabled is None else not self.enabled,
                leave=False,
                mininterval=0,
                bar_format="{desc} {n_fmt}/{total_fmt} [{elapsed}]",
            )
        done = self.steps.index(step)
        if done < self.bar.n:
            return
        self.bar.set_description_str(f"building release: {step}", refresh=False)
        self.bar.update(done - self.bar.n)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
