"""The ``arraydist`` command.  ``arraydist tour`` walks through sample, batch and event shapes."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import Independent, MultivariateNormal, Normal, __version__

__all__ = ["main", "tour"]

_BACKENDS = ("numpy", "torch")


class _Printer:
    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __call__(self, text: str = "") -> None:
        print(text, file=self.stream)

    def code(self, line: str, result: Any = None) -> None:
        shown = f">>> {line}"
        if result is not None:
            shown = f"{shown:<52} # {result}"
        self(f"    {shown}")

    def heading(self, text: str) -> None:
        self()
        self(text)
        self("-" * len(text))


def _namespace(backend: str) -> tuple[Any, Any]:
    """(module to build arrays with, its float dtype) for the tour."""
    if backend == "torch":
        import torch

        return torch, torch.float32
    import numpy

    return numpy, numpy.float64


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(int(s) for s in x.shape)


def tour(
    backend: str = "numpy",
    *,
    seed: int = 0,
    samples: int = 100,
    out: str | Path | None = "arraydist-tour",
    stream: Any = None,
) -> list[Path]:
    """Walk through the tutorial's steps, printing code and shapes; returns the paths of the plots written."""
    p = _Printer(stream or sys.stdout)
    lib, dtype = _namespace(backend)
    name = lib.__name__
    p(f"arraydist {__version__} tour: distributions of {name} arrays (seed {seed}, {samples} draws per member)")
    p("A draw has shape sample_shape + batch_shape + event_shape; log_prob of it has sample_shape + batch_shape.")

    def array(data: Any) -> Any:
        return lib.asarray(data, dtype=dtype)

    p.heading("1. sample versus rsample")
    loc, scale = array([0.5, -1.0]), array([1.0, 2.0])
    if backend == "torch":
        loc.requires_grad_(True)
        scale.requires_grad_(True)
        p.code("loc = torch.tensor([0.5, -1.0], requires_grad=True); scale = ...")
    else:
        p.code(f"loc = {name}.asarray([0.5, -1.0]); scale = {name}.asarray([1.0, 2.0])")
    d = Normal(loc, scale)
    p.code("d = Normal(loc, scale)", d)
    x = d.sample(seed=seed)
    y = d.rsample(seed=seed)
    if backend == "torch":
        p.code("x = d.sample(seed=...); x.requires_grad", x.requires_grad)
        p.code("y = d.rsample(seed=...); y.requires_grad", y.requires_grad)
        y.sum().backward()
        p.code("y.sum().backward(); loc.grad, scale.grad", f"{loc.grad.tolist()}, {scale.grad.tolist()}")
        p("    rsample is loc + scale * eps: d/dloc = 1 and d/dscale = eps, the noise of the draw. sample stops")
        p("    gradients, which is what a score-function (REINFORCE) estimator wants; rsample lets them flow,")
        p("    which is what a VAE encoder or a reparameterized policy needs.")
    else:
        p.code("x = d.sample(seed=...)", x)
        p.code("y = d.rsample(seed=...)", y)
        p("    Same seed, same draw: rsample is loc + scale * eps. NumPy has no autograd, so here neither carries")
        have_torch = importlib.util.find_spec("torch") is not None
        hint = (
            "run `arraydist tour --backend torch`"
            if have_torch
            else "install PyTorch (pip install torch) and run `arraydist tour --backend torch`"
        )
        p(f"    gradients; to see rsample's gradients flow back to loc and scale, {hint}.")

    p.heading("2. A batch of multivariate normals")
    mean = array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    var = lib.full((3, 2), 0.1, dtype=dtype)
    var_matrix = var[:, :, None] * lib.eye(2, dtype=dtype)[None, :, :]
    p.code("mean = asarray([[1, 1], [2, 2], [3, 3]])", f"shape {_shape(mean)}")
    p.code("var = full((3, 2), 0.1)", f"shape {_shape(var)}")
    p.code("var_matrix = var[:, :, None] * eye(2)[None, :, :]", f"shape {_shape(var_matrix)}")
    mvn = MultivariateNormal(loc=mean, covariance_matrix=var_matrix)
    p.code("multi_normal = MultivariateNormal(loc=mean, covariance_matrix=var_matrix)")
    p.code("multi_normal.batch_shape", mvn.batch_shape)
    p.code("multi_normal.event_shape", mvn.event_shape)
    p.code("multi_normal.sample().shape", _shape(mvn.sample(seed=seed)))
    p.code(f"multi_normal.sample(({samples},)).shape", _shape(mvn.sample((samples,), seed=seed)))
    p("    One draw per batch member, as a VAE does per input; the second axis of the draws is the batch axis.")

    p.heading("3. A diagonal Normal and Independent")
    sigma = lib.sqrt(var)
    normal = Normal(loc=mean, scale=sigma)
    p.code("sigma = sqrt(full((3, 2), 0.1))", f"{float(sigma[0, 0]):.4f}...")
    p.code("normal = Normal(loc=mean, scale=sigma)")
    p.code("normal.batch_shape", f"{normal.batch_shape}  every coordinate is a batch member")
    p.code("normal.event_shape", normal.event_shape)
    iid = Independent(normal, 1)
    p.code("iid_normal = Independent(normal, 1)")
    p.code("iid_normal.batch_shape", iid.batch_shape)
    p.code("iid_normal.event_shape", iid.event_shape)
    p.code(f"iid_normal.sample(({samples},)).shape", _shape(iid.sample((samples,), seed=seed)))
    value = mean + 0.1
    lp_iid, lp_mvn = iid.log_prob(value), mvn.log_prob(value)
    p.code("x = mean + 0.1; iid_normal.log_prob(x).shape", _shape(lp_iid))
    difference = float(lib.max(lib.abs(lp_iid - lp_mvn)))
    p.code("abs(iid_normal.log_prob(x) - multi_normal.log_prob(x)).max()", f"{difference:.1e}")
    p("    Independent sums the log-densities of the 2 coordinates: the same numbers as the diagonal")
    p("    MultivariateNormal, without building a covariance matrix.")

    written: list[Path] = []
    p.heading("4. Scatter plots")
    if out is None:
        p("    (plots skipped: --no-plots)")
    elif importlib.util.find_spec("matplotlib") is None:
        p("    matplotlib is not installed: pip install 'arraydist[plot]' to get the two scatter plots.")
    else:
        from .plot import plot_samples

        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for dist, filename in ((mvn, "multivariate_normal.png"), (iid, "independent_normal.png")):
            path = folder / filename
            plot_samples(dist, samples, seed=seed, path=path)
            written.append(path)
            p(f"    wrote {path}: samples[:, i, 0] against samples[:, i, 1], one colour per batch member i")
    p()
    p("The rule behind all of it: sample_shape + batch_shape + event_shape.")
    return written


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arraydist", description="Probability distributions on any array library.")
    parser.add_argument("--version", action="version", version=f"arraydist {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    t = commands.add_parser("tour", help="walk through sample, batch and event shapes (the tutorial)")
    t.add_argument("--backend", choices=_BACKENDS, default="numpy", help="array library (default: numpy)")
    t.add_argument("--seed", type=int, default=0, help="seed of every draw (default: 0)")
    t.add_argument("--samples", type=int, default=100, help="draws per batch member (default: 100)")
    t.add_argument("--out", default="arraydist-tour", help="folder for the PNG plots (default: ./arraydist-tour)")
    t.add_argument("--no-plots", action="store_true", help="skip the plots")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``arraydist`` command."""
    args = _parser().parse_args(argv)
    if args.command == "tour":
        if args.samples < 1:
            print("arraydist tour: --samples must be at least 1", file=sys.stderr)
            return 2
        if args.backend == "torch" and importlib.util.find_spec("torch") is None:
            print("arraydist tour: --backend torch needs PyTorch: pip install torch", file=sys.stderr)
            return 2
        tour(args.backend, seed=args.seed, samples=args.samples, out=None if args.no_plots else args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
