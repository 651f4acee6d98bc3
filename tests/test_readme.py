"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 3


def test_readme_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    namespace: dict[str, object] = {}
    for block in BLOCKS:  # the blocks build on each other, as a reader runs them
        exec(compile(block, str(README), "exec"), namespace)
    assert namespace["loc"].grad is not None  # type: ignore[attr-defined]
    assert capsys.readouterr().out.count("(2, 3)") >= 2
