"""The ``arraydist tour`` command: it runs, prints every step's shapes, and writes real PNG images."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from arraydist.cli import main, tour
from backends import Backend

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_tour_prints_the_tutorial_and_writes_png_plots(tmp_path: Path, backend: Backend) -> None:
    pytest.importorskip("matplotlib")
    out = io.StringIO()
    written = tour(backend.name, seed=3, samples=150, out=tmp_path, stream=out)
    text = out.getvalue()
    for expected in (
        "multi_normal.batch_shape                         # (3,)",
        "multi_normal.sample((150,)).shape",
        "# (150, 3, 2)",
        "iid_normal.batch_shape",
        "# (3, 2)  every coordinate is a batch member",
        "sample_shape + batch_shape + event_shape",
    ):
        assert expected in text, expected
    if backend.name == "torch":
        assert "y.requires_grad" in text and "# True" in text and "# False" in text
    else:
        assert "NumPy has no autograd" in text
    assert [p.name for p in written] == ["multivariate_normal.png", "independent_normal.png"]
    import matplotlib.image

    for path in written:
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        image = matplotlib.image.imread(path)
        assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 300
        # a real plot: many distinct colours (three clouds, axes, text), not a blank canvas
        colours = np.unique(image.reshape(-1, image.shape[-1]).round(2), axis=0)
        assert len(colours) > 50


def test_tour_difference_between_independent_and_mvn_is_tiny(tmp_path: Path) -> None:
    out = io.StringIO()
    tour("numpy", out=None, stream=out)
    line = next(line for line in out.getvalue().splitlines() if "abs(iid_normal.log_prob(x)" in line)
    assert float(line.rsplit("#", 1)[1]) < 1e-12
    assert "plots skipped" in out.getvalue()


def test_command_line_entry_points(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "arraydist", "tour", "--no-plots", "--seed", "1", "--samples", "7"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "multi_normal.sample((7,)).shape" in result.stdout and "(7, 3, 2)" in result.stdout
    assert main(["tour", "--samples", "0"]) == 2
    with pytest.raises(SystemExit):
        main(["tour", "--backend", "cupy"])
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
