"""Meta-test: every public distribution has cases in the registry."""

from __future__ import annotations

import inspect

import arraydist
from cases import CASES


def test_every_distribution_has_cases() -> None:
    public = {
        name
        for name in arraydist.__all__
        if inspect.isclass(getattr(arraydist, name))
        and issubclass(getattr(arraydist, name), arraydist.Distribution)
        and getattr(arraydist, name) is not arraydist.Distribution
    }
    covered = {case.dist for case in CASES}
    assert public, "no public distributions found"
    assert public <= covered, f"distributions without cases: {sorted(public - covered)}"
