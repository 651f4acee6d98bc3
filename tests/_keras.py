"""Running Python under Keras 3 in a child process: Keras picks its backend once, at import, from
``KERAS_BACKEND``, so each backend gets a process of its own (``tests/test_keras.py``, ``tests/test_readme.py``)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import arraydist

BACKENDS = ("torch", "jax")


def run_under_keras(backend: str, args: list[str], tmp_path: Path) -> str:
    """The stdout of ``python *args`` with Keras on ``backend``; a skip, with the reason, where Keras or the
    backend's library is not installed; a failure showing the child's stderr where it fails."""
    for module in ("keras", backend):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed: Keras 3 on its {backend} backend cannot be tested")
    src = str(Path(arraydist.__file__).resolve().parents[1])  # the child imports the arraydist under test
    env = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "KERAS_HOME": str(tmp_path),  # Keras writes its configuration there on first import
        "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{args[0]} under Keras on {backend} failed:\n{done.stderr[-4000:]}"
    return done.stdout
