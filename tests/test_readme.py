"""The README's Python examples run as written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from _keras import BACKENDS, run_under_keras

README = Path(__file__).resolve().parents[1] / "README.md"
ALL_BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
# Keras picks its backend once per process: its example runs in a child process per backend (below)
KERAS_BLOCKS = [b for b in ALL_BLOCKS if "import keras" in b]
BLOCKS = [b for b in ALL_BLOCKS if "import keras" not in b]


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


@pytest.mark.slow
@pytest.mark.parametrize("keras_backend", BACKENDS)
def test_readme_keras_example_runs(keras_backend: str, tmp_path: Path) -> None:
    assert len(KERAS_BLOCKS) == 1
    script = tmp_path / "readme_keras.py"
    script.write_text(KERAS_BLOCKS[0] + "\nimport json\nprint(json.dumps(history.history['loss']))\n")
    losses = json.loads(run_under_keras(keras_backend, [str(script)], tmp_path).strip().splitlines()[-1])
    assert losses[-1] < losses[0], losses  # it trains, as the README says
