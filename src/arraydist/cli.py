"""The ``arraydist`` command: ``arraydist tour`` walks through sample, batch and event shapes on any backend;
``arraydist explain EXPRESSION`` lays out the shapes of a distribution written as a Python expression.

The expression is never given to ``eval``: it is parsed with :mod:`ast` and walked by :class:`SafeEvaluator`,
which allows calls of arraydist's distributions and a few array constructors, names of those, numbers and
strings, tuples and lists, unary minus, ``+ - * /``, keywords, basic indexing of arrays and distributions, and
the batch methods ``.expand(...)``, ``.reshape(...)`` and ``.to_event(n)`` of distributions (their arguments
checked); anything else (other attribute access, builtins, lambdas, comprehensions...) is refused with exit
code 2, naming it.  So is a bad ``--sample-shape``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import Independent, MultivariateNormal, Normal, __version__
from ._expression import _CONSTANTS, _CONSTRUCTORS, _METHODS, MAX_ELEMENTS, ExpressionError, SafeEvaluator, _size
from ._expression import LIBRARIES as _LIBRARIES
from .distribution import Distribution

__all__ = ["MAX_ELEMENTS", "ExpressionError", "SafeEvaluator", "main", "tour"]

_TOUR_BACKENDS = ("numpy", "torch", "jax", "dask", "cupy", "mlx")
_EXPLAIN_BACKENDS = tuple(_LIBRARIES)

#: the most dimensions of a --sample-shape (NumPy's arrays have at most 64, with the batch and event ones)
MAX_SAMPLE_DIMS = 32


# ---------------------------------------------------------------------------------------------- the tour
class _Printer:
    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __call__(self, text: str = "") -> None:
        print(text, file=self.stream)

    def code(self, line: str, result: Any = None) -> None:
        shown = f">>> {line}"
        if result is not None:
            shown = f"{shown:<56} # {result}"
        self(f"    {shown}")

    def block(self, text: Any) -> None:
        for line in str(text).splitlines():
            self(f"    {line}".rstrip())

    def heading(self, text: str) -> None:
        self()
        self(text)
        self("-" * len(text))


def _library(backend: str) -> tuple[Any, str, str]:
    """(module to build arrays with, its alias in the printed lines, the import line)."""
    module, alias, line = _LIBRARIES[backend]
    return importlib.import_module(module), alias, line


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(int(s) for s in x.shape)


def _host(x: Any) -> np.ndarray:
    """An array of any backend as NumPy (gradients detached, Dask computed: the tour's arrays are small)."""
    from ._backend import ops_of

    ops = ops_of(x)
    return np.asarray(x) if ops is None else np.asarray(ops.to_numpy(x))


def _values(x: Any) -> str:
    return np.array2string(_host(x), precision=4, separator=", ", floatmode="maxprec").replace("\n", "")


def tour(
    backend: str = "numpy",
    *,
    seed: int = 0,
    samples: int = 100,
    out: str | Path | None = "arraydist-tour",
    stream: Any = None,
) -> list[Path]:
    """Walk through the tutorial's steps, printing lines that paste into Python and run as printed, with what
    they give; returns the paths of the plots written (none when ``out`` is None)."""
    p = _Printer(stream or sys.stdout)
    lib, m, import_line = _library(backend)
    n = samples
    p(f"arraydist {__version__} tour on {backend} (seed {seed}, {n} draws per batch member)")
    p("A draw has shape sample_shape + batch_shape + event_shape; log_prob of it has sample_shape + batch_shape.")
    p("The lines after >>> paste into Python and run as printed; what they give follows the #.")
    p()
    p.code(import_line)
    p.code("from arraydist import Independent, MultivariateNormal, Normal")

    p.heading("1. sample versus rsample")
    if backend == "torch":
        loc = lib.asarray([0.5, -1.0], requires_grad=True)
        scale = lib.asarray([1.0, 2.0], requires_grad=True)
        p.code("loc = torch.asarray([0.5, -1.0], requires_grad=True)")
        p.code("scale = torch.asarray([1.0, 2.0], requires_grad=True)")
    else:
        loc, scale = lib.asarray([0.5, -1.0]), lib.asarray([1.0, 2.0])
        p.code(f"loc = {m}.asarray([0.5, -1.0]); scale = {m}.asarray([1.0, 2.0])")
    d = Normal(loc, scale)
    p.code("d = Normal(loc, scale)", f"batch_shape {d.batch_shape}, event_shape {d.event_shape}")
    x, y = d.sample(seed=seed), d.rsample(seed=seed)
    if backend == "torch":
        p.code(f"x = d.sample(seed={seed}); x.requires_grad", x.requires_grad)
        p.code(f"y = d.rsample(seed={seed}); y.requires_grad", y.requires_grad)
        y.sum().backward()
        p.code("y.sum().backward(); loc.grad, scale.grad", f"{_values(loc.grad)}, {_values(scale.grad)}")
        p("    rsample is loc + scale * eps: d/dloc = 1 and d/dscale = eps, the noise of the draw. sample stops")
        p("    gradients, which is what a score-function (REINFORCE) estimator wants; rsample lets them flow,")
        p("    which is what a VAE encoder or a reparameterized policy needs.")
    elif backend == "jax":
        import jax

        p.code(f"x = d.sample(seed={seed})", _values(x))
        g_r = jax.grad(lambda mu: Normal(mu, scale).rsample(seed=seed).sum())(loc)
        g_s = jax.grad(lambda mu: Normal(mu, scale).sample(seed=seed).sum())(loc)
        p.code(f"jax.grad(lambda mu: Normal(mu, scale).rsample(seed={seed}).sum())(loc)", _values(g_r))
        p.code(f"jax.grad(lambda mu: Normal(mu, scale).sample(seed={seed}).sum())(loc)", _values(g_s))
        p("    rsample is loc + scale * eps, so its gradient with respect to loc is 1; sample stops gradients")
        p("    (0), which is what a score-function estimator wants. The integer seed is a JAX key: same seed, same")
        p("    draw, inside jax.jit and jax.grad too.")
    elif backend == "mlx":
        p.code(f"x = d.sample(seed={seed})", _values(x))
        g_r = lib.grad(lambda mu: Normal(mu, scale).rsample(seed=seed).sum())(loc)
        g_s = lib.grad(lambda mu: Normal(mu, scale).sample(seed=seed).sum())(loc)
        p.code(f"mx.grad(lambda mu: Normal(mu, scale).rsample(seed={seed}).sum())(loc)", _values(g_r))
        p.code(f"mx.grad(lambda mu: Normal(mu, scale).sample(seed={seed}).sum())(loc)", _values(g_s))
        p("    rsample is loc + scale * eps, so its gradient with respect to loc is 1; sample stops gradients")
        p("    (0). The integer seed is an MLX key (mx.random.key): same seed, same draw, inside mx.compile too.")
    else:
        p.code(f"x = d.sample(seed={seed})", _values(x))
        p.code(f"y = d.rsample(seed={seed})", _values(y))
        if backend == "dask":
            p("    Dask is lazy: the draws are computed when asked for (x.compute(), float(...)); the same seed and")
            p("    chunks give the same draws. rsample is loc + scale * eps; Dask has no autograd, so neither")
            p("    carries gradients here.")
        else:
            name = {"numpy": "NumPy", "cupy": "CuPy"}.get(backend, backend)
            p(f"    Same seed, same draw: rsample is loc + scale * eps. {name} has no autograd, so neither carries")
            p("    gradients here.")
        have_torch = importlib.util.find_spec("torch") is not None
        p(
            "    To see rsample's gradients flow back to loc and scale, "
            + ("" if have_torch else "install PyTorch and ")
            + "run `arraydist tour --backend torch` (or --backend jax)."
        )

    p.heading("2. A batch of multivariate normals")
    mean = lib.asarray([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    var = lib.full((3, 2), 0.1)
    var_matrix = var[:, :, None] * lib.eye(2)[None, :, :]
    p.code(f"mean = {m}.asarray([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])", f"shape {_shape(mean)}")
    p.code(f"var = {m}.full((3, 2), 0.1)", f"shape {_shape(var)}: each covariance's diagonal")
    p.code(f"var_matrix = var[:, :, None] * {m}.eye(2)[None, :, :]", f"shape {_shape(var_matrix)}")
    mvn = MultivariateNormal(loc=mean, covariance_matrix=var_matrix)
    p.code("multi_normal = MultivariateNormal(loc=mean, covariance_matrix=var_matrix)")
    p.code("multi_normal.batch_shape", mvn.batch_shape)
    p.code("multi_normal.event_shape", mvn.event_shape)
    p.code(f"multi_normal.sample(seed={seed}).shape", _shape(mvn.sample(seed=seed)))
    p.code(f"multi_normal.sample(({n},), seed={seed}).shape", _shape(mvn.sample((n,), seed=seed)))
    p("    One draw per batch member, as a VAE does per input; the second axis of the draws is the batch axis:")
    p.code(f"print(multi_normal.explain(({n},)))")
    p.block(mvn.explain((n,)))

    p.heading("3. A diagonal Normal and Independent")
    sigma = lib.sqrt(var)
    normal = Normal(loc=mean, scale=sigma)
    p.code(f"sigma = {m}.sqrt(var)", f"{float(_host(sigma)[0, 0]):.4f} everywhere")
    p.code("normal = Normal(loc=mean, scale=sigma)")
    p.code("normal.batch_shape", f"{normal.batch_shape}  every coordinate is a batch member")
    p.code("normal.event_shape", normal.event_shape)
    iid = Independent(normal, 1)
    p.code("iid_normal = Independent(normal, 1)", "or normal.to_event(1)")
    p.code("iid_normal.batch_shape", iid.batch_shape)
    p.code("iid_normal.event_shape", iid.event_shape)
    p.code(f"iid_normal.sample(({n},), seed={seed}).shape", _shape(iid.sample((n,), seed=seed)))
    p.code("print(iid_normal.explain())")
    p.block(iid.explain())
    p("    Independent turned the base's rightmost batch dimension into an event dimension: loc and scale are")
    p("    the same arrays, now read as one 2-vector per batch member.")
    value = mean + 0.1
    lp_iid, lp_mvn = iid.log_prob(value), mvn.log_prob(value)
    p.code("x = mean + 0.1; iid_normal.log_prob(x).shape", _shape(lp_iid))
    difference = float(_host(abs(lp_iid - lp_mvn)).max())
    p.code("abs(iid_normal.log_prob(x) - multi_normal.log_prob(x)).max()", f"{difference:.1e}")
    p("    Independent sums the log-densities of the 2 coordinates: the same numbers as the diagonal")
    p("    MultivariateNormal, without building a covariance matrix.")

    written: list[Path] = []
    p.heading("4. Scatter plots")
    a, b = mvn.sample((n,), seed=seed), iid.sample((n,), seed=seed)
    same = float(_host(abs(a - b)).max())
    p.code(f"a = multi_normal.sample(({n},), seed={seed}); b = iid_normal.sample(({n},), seed={seed})")
    p.code("abs(a - b).max()", f"{same:.1e}")
    p("    The two plots show the same cloud: with the same seed both draw the same standard normal noise eps,")
    p("    and the MultivariateNormal's loc + L @ eps with L = sqrt(0.1) * I is the Independent Normal's")
    p("    loc + sqrt(0.1) * eps: two constructions of one distribution.")
    if out is None:
        p("    (plots skipped: --no-plots)")
    elif importlib.util.find_spec("matplotlib") is None:
        p("    matplotlib is not installed: pip install 'arraydist[plot]' to get the two scatter plots.")
    else:
        from .plot import plot_samples

        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        p.code("from arraydist.plot import plot_samples")
        for dist, name, filename in (
            (mvn, "multi_normal", "multivariate_normal.png"),
            (iid, "iid_normal", "independent_normal.png"),
        ):
            path = folder / filename
            plot_samples(dist, n, seed=seed, path=path)
            written.append(path)
            p.code(f"plot_samples({name}, {n}, seed={seed}, path={str(path)!r})", f"wrote {path}")
        p("    Each plot scatters samples[:, i, 0] against samples[:, i, 1], one colour per batch member i.")
    p()
    p("The rule behind all of it: sample_shape + batch_shape + event_shape.")
    p('Try: arraydist explain "Independent(Normal(zeros((3, 2)), 1.0), 1)" --sample-shape 100')
    return written


def evaluate(text: str, backend: str = "numpy") -> Distribution:
    """The distribution written in ``text`` (see :class:`SafeEvaluator`), on ``backend``.  Sizes are checked on
    NumPy first, where broadcasting makes views, so that no library materializes a huge broadcast."""
    if backend != "numpy":
        SafeEvaluator("numpy").evaluate(text)
    result = SafeEvaluator(backend).evaluate(text)
    if not isinstance(result, Distribution):
        raise ExpressionError(
            f"the expression must make a distribution; it made a {type(result).__name__}"
            + (f" of shape {tuple(result.shape)}" if hasattr(result, "shape") else "")
        )
    return result


def _sample_shape(text: str) -> tuple[int, ...]:
    """``--sample-shape``: ints separated by commas, optionally in parentheses or brackets (a trailing comma
    allowed); sizes >= 0, at most ``MAX_SAMPLE_DIMS`` of them.  (Its size is checked against the distribution's
    in ``_explain``.)"""
    cleaned = text.strip().strip("()[]").replace(" ", "")
    parts = cleaned.split(",") if cleaned else []
    if parts and parts[-1] == "":
        parts.pop()  # (100,)
    if not all(p.lstrip("+-").isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"a sample shape is ints separated by commas (100 or 100,5); got {text!r}")
    shape = tuple(int(p) for p in parts)
    if any(s < 0 for s in shape):
        raise argparse.ArgumentTypeError(f"sizes must be >= 0; got {text!r}")
    if len(shape) > MAX_SAMPLE_DIMS:
        raise argparse.ArgumentTypeError(f"at most {MAX_SAMPLE_DIMS} dimensions; got {len(shape)}")
    return shape


def _explain(args: argparse.Namespace) -> int:
    module = _LIBRARIES[args.backend][0]
    if importlib.util.find_spec(module.partition(".")[0]) is None:
        print(f"arraydist explain: --backend {args.backend} needs {module.partition('.')[0]}", file=sys.stderr)
        return 2
    try:
        dist = evaluate(args.expression, args.backend)
    except ExpressionError as exc:
        print(f"arraydist explain: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the library's own error about the distribution written
        print(f"arraydist explain: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    draw = args.sample_shape + dist.batch_shape + dist.event_shape
    if _size(draw) > MAX_ELEMENTS:
        shown = ",".join(map(str, args.sample_shape))
        print(
            f"arraydist explain: --sample-shape {shown}: a draw would have shape {draw}, {_size(draw):,} elements; "
            f"arraydist explain allows at most {MAX_ELEMENTS:,}, as for every array of the expression",
            file=sys.stderr,
        )
        return 2
    explanation = dist.explain(args.sample_shape)
    print(explanation._repr_html_() if args.html else explanation)
    return 0


# ---------------------------------------------------------------------------------------------- the command
_EXAMPLES = """\
examples:
  arraydist tour                                   the tutorial on NumPy, two scatter plots in ./arraydist-tour
  arraydist tour --backend torch                   the same with torch tensors: rsample's gradients
  arraydist tour --backend jax --samples 50        with JAX arrays (jax.grad through rsample)
  arraydist tour --backend mlx --no-plots         with MLX arrays (mx.grad through rsample)
  arraydist explain "Independent(Normal(zeros((3, 2)), 1.0), 1)" --sample-shape 100
  arraydist explain "MultivariateNormal(zeros((3, 2)), covariance_matrix=eye(2))" --backend torch
"""
_EXPLAIN_HELP = f"""\
The expression is Python, evaluated safely (never by eval): calls of arraydist's distributions and of
{", ".join(_CONSTRUCTORS)}; the names {", ".join(_CONSTANTS)}; numbers, strings, tuples, lists, keywords,
+ - * / and unary minus; indexing of arrays and distributions with ints, slices, None and ... ; and the
distributions' methods {", ".join(f".{m}({p})" for m, p in _METHODS.items())}.
Arrays are made in the library of --backend; at most {MAX_ELEMENTS:,} elements each, and in a draw of
--sample-shape (sizes >= 0, at most {MAX_SAMPLE_DIMS} dimensions).
Anything else (other attribute access, other names, lambdas, comprehensions...) exits with code 2, naming it.

examples:
  arraydist explain "Independent(Normal(zeros((3, 2)), 1.0), 1)" --sample-shape 100
  arraydist explain "Normal(zeros((3, 2)), 1.0).expand((4, 3, 2)).to_event(1)"
  arraydist explain "MultivariateNormal(zeros((3, 2)), covariance_matrix=full((3, 2), 0.1)[:, :, None] * eye(2))"
  arraydist explain "Categorical(logits=zeros((64, 6)))[:8]" --sample-shape 10,5 --backend jax
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arraydist",
        description="Probability distributions on any array library.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"arraydist {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    t = commands.add_parser(
        "tour",
        help="walk through sample, batch and event shapes (the tutorial)",
        description="Walk through the tutorial: lines that paste into Python, with what they give, and two plots.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument("--backend", choices=_TOUR_BACKENDS, default="numpy", help="array library (default: numpy)")
    t.add_argument("--seed", type=int, default=0, help="seed of every draw (default: 0)")
    t.add_argument("--samples", type=int, default=100, help="draws per batch member (default: 100)")
    t.add_argument("--out", default="arraydist-tour", help="folder for the PNG plots (default: ./arraydist-tour)")
    t.add_argument("--no-plots", action="store_true", help="skip the plots")
    e = commands.add_parser(
        "explain",
        help="lay out the sample, batch and event dimensions of a distribution",
        description="Lay out which dimensions of a draw are sample, batch and event dimensions.",
        epilog=_EXPLAIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    e.add_argument("expression", help='a distribution, e.g. "Normal(zeros(3), 1.0)"')
    e.add_argument("--sample-shape", type=_sample_shape, default=(), help="e.g. 100 or 100,5 (default: none)")
    e.add_argument("--backend", choices=_EXPLAIN_BACKENDS, default="numpy", help="array library (default: numpy)")
    e.add_argument("--html", action="store_true", help="print the HTML table instead of text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``arraydist`` command."""
    args = _parser().parse_args(argv)
    if args.command == "explain":
        return _explain(args)
    if args.samples < 1:
        print("arraydist tour: --samples must be at least 1", file=sys.stderr)
        return 2
    module = _LIBRARIES[args.backend][0].partition(".")[0]
    if importlib.util.find_spec(module) is None:
        print(f"arraydist tour: --backend {args.backend} needs {module}: pip install {module}", file=sys.stderr)
        return 2
    tour(args.backend, seed=args.seed, samples=args.samples, out=None if args.no_plots else args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
