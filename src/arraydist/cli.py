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
import ast
import importlib.util
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import Independent, MultivariateNormal, Normal, __version__
from .distribution import Distribution

__all__ = ["ExpressionError", "SafeEvaluator", "main", "tour"]

#: backend name -> (module to import, the alias printed in the tour's lines, the import line)
_LIBRARIES = {
    "numpy": ("numpy", "np", "import numpy as np"),
    "torch": ("torch", "torch", "import torch"),
    "jax": ("jax.numpy", "jnp", "import jax, jax.numpy as jnp"),
    "dask": ("dask.array", "da", "import dask.array as da"),
    "cupy": ("cupy", "cp", "import cupy as cp"),
    "array_api_strict": ("array_api_strict", "xp", "import array_api_strict as xp"),
}
_TOUR_BACKENDS = ("numpy", "torch", "jax", "dask", "cupy")
_EXPLAIN_BACKENDS = tuple(_LIBRARIES)

#: the most elements an array or distribution of an ``arraydist explain`` expression may have
MAX_ELEMENTS = 10_000_000
#: the longest expression ``arraydist explain`` parses
MAX_EXPRESSION = 10_000
_DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool")
_CONSTRUCTORS = ("zeros", "ones", "eye", "arange", "linspace", "full", "array", "asarray", "sqrt")
_CONSTANTS = {"inf": math.inf, "nan": math.nan, "pi": math.pi}
#: the methods of a distribution an expression may call, each with its one parameter
_METHODS = {"expand": "batch_shape", "reshape": "batch_shape", "to_event": "reinterpreted_batch_ndims"}
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


# ---------------------------------------------------------------------------------------------- explain
class ExpressionError(ValueError):
    """An expression that ``arraydist explain`` refuses to evaluate (the message names the construct)."""


_REFUSED = {
    "Attribute": "attribute access",
    "Lambda": "a lambda",
    "ListComp": "a list comprehension",
    "SetComp": "a set comprehension",
    "DictComp": "a dict comprehension",
    "GeneratorExp": "a generator expression",
    "Dict": "a dict",
    "Set": "a set",
    "Compare": "a comparison",
    "BoolOp": "and/or",
    "IfExp": "a conditional expression",
    "NamedExpr": "an assignment (:=)",
    "JoinedStr": "an f-string",
    "Starred": "*-unpacking",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
}
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_ALLOWED_NODES = (
    ast.Expression, ast.Call, ast.Name, ast.Constant, ast.Tuple, ast.List, ast.UnaryOp, ast.BinOp, ast.keyword,
    ast.Subscript, ast.Slice,
)  # fmt: skip
_BINARY_NAMES = {ast.Pow: "**", ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<"}
_BINARY_NAMES.update({ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"})


def _allowed_text() -> str:
    return (
        "allowed: the distributions "
        + ", ".join(_distribution_classes())
        + "; the array functions "
        + ", ".join(_CONSTRUCTORS)
        + " called with numbers, strings, "
        "tuples, lists and keywords; " + ", ".join(_CONSTANTS) + "; + - * / and unary minus; indexing of arrays "
        "and distributions with ints, slices, None and ...; the distributions' methods "
        + ", ".join(f".{m}({p})" for m, p in _METHODS.items())
    )


def _distribution_classes() -> dict[str, type]:
    import arraydist

    found = {}
    for name in arraydist.__all__:
        obj = getattr(arraydist, name)
        if isinstance(obj, type) and issubclass(obj, Distribution) and obj is not Distribution:
            found[name] = obj
    return found


def _size(shape: tuple[int, ...]) -> int:
    return math.prod(int(s) for s in shape)


def _check_size(shape: Any, what: str) -> None:
    size = _size(tuple(shape))
    if size > MAX_ELEMENTS:
        raise ExpressionError(
            f"{what} of shape {tuple(shape)} has {size:,} elements; arraydist explain allows at most {MAX_ELEMENTS:,}"
        )


class _Arrays:
    """The array constructors of an expression: NumPy builds, then the result becomes an array of ``backend``
    (its default floating dtype unless ``dtype=`` says otherwise); sizes are checked before anything is made."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.module = importlib.import_module(_LIBRARIES[backend][0]) if backend != "numpy" else np

    def functions(self) -> dict[str, Callable[..., Any]]:
        return {name: getattr(self, name) for name in _CONSTRUCTORS}

    def _dtype(self, dtype: Any) -> Any:
        if dtype is None:
            return None
        if dtype not in _DTYPES:
            raise ExpressionError(f"dtype must be one of {', '.join(map(repr, _DTYPES))}; got {dtype!r}")
        return np.dtype(dtype)

    def _out(self, a: np.ndarray, dtype: Any) -> Any:
        _check_size(a.shape, "an array")
        lib, backend = self.module, self.backend
        # None: the library's default float
        target = None if dtype is None and a.dtype.kind == "f" else np.dtype(a.dtype if dtype is None else dtype)
        if backend == "numpy":
            return a if target is None else a.astype(target, copy=False)
        if backend == "torch":
            t = lib.as_tensor(a)
            return t.to(lib.get_default_dtype()) if target is None else t.to(getattr(lib, target.name))
        if backend == "jax":
            import jax

            if target is not None and target.itemsize == 8 and not jax.config.jax_enable_x64:
                raise ExpressionError(f"JAX runs without 64-bit types here: set JAX_ENABLE_X64=1 for {target.name}")
            return lib.asarray(a) if target is None else lib.asarray(a, dtype=target)
        if backend == "dask":
            return lib.from_array(a if target is None else a.astype(target))
        x = lib.asarray(a)
        return x if target is None else lib.asarray(a.astype(target))

    @staticmethod
    def _shape(shape: Any) -> tuple[int, ...]:
        shape = (shape,) if isinstance(shape, int) else shape
        if not isinstance(shape, (tuple, list)) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in shape
        ):
            raise ExpressionError(f"a shape must be an int or a tuple of ints; got {shape!r}")
        _check_size(tuple(shape), "an array")
        return tuple(shape)

    @staticmethod
    def _host(x: Any) -> Any:
        if isinstance(x, (list, tuple)):
            return [_Arrays._host(v) for v in x]
        if hasattr(x, "shape") and not isinstance(x, np.ndarray):
            return _host(x)
        return x

    def zeros(self, shape: Any, dtype: Any = None) -> Any:
        return self._out(np.zeros(self._shape(shape), dtype=self._dtype(dtype) or float), dtype)

    def ones(self, shape: Any, dtype: Any = None) -> Any:
        return self._out(np.ones(self._shape(shape), dtype=self._dtype(dtype) or float), dtype)

    def full(self, shape: Any, fill_value: Any, dtype: Any = None) -> Any:
        fill = self._host(fill_value)
        return self._out(np.full(self._shape(shape), fill, dtype=self._dtype(dtype) or float), dtype)

    def eye(self, n: int, m: int | None = None, k: int = 0, dtype: Any = None) -> Any:
        self._shape((n, n if m is None else m))
        return self._out(np.eye(n, m, k, dtype=self._dtype(dtype) or float), dtype)

    def arange(self, start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Any:
        lo, hi = (0, start) if stop is None else (start, stop)
        count = (hi - lo) / step if step else math.inf
        if not math.isfinite(count):
            raise ExpressionError(f"arange({lo}, {hi}, {step}) has no finite number of elements")
        _check_size((max(0, math.ceil(count)),), "an array")
        return self._out(np.arange(lo, hi, step, dtype=self._dtype(dtype)), dtype)

    def linspace(self, start: Any, stop: Any, num: int = 50, dtype: Any = None) -> Any:
        self._shape((num,))
        return self._out(np.linspace(start, stop, num, dtype=self._dtype(dtype)), dtype)

    def array(self, obj: Any, dtype: Any = None) -> Any:
        a = np.asarray(self._host(obj), dtype=self._dtype(dtype))
        if a.dtype.kind not in "fiub":
            raise ExpressionError(f"array: the values must be numbers; got an array of dtype {a.dtype}")
        return self._out(a, dtype)

    asarray = array

    def sqrt(self, x: Any) -> Any:
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            return math.sqrt(x)
        if not hasattr(x, "shape"):
            raise ExpressionError(f"sqrt takes a number or an array; got {type(x).__name__}")
        import array_api_compat

        return array_api_compat.array_namespace(x).sqrt(x)


class SafeEvaluator:
    """Evaluates a Python expression of arraydist's distributions and array constructors, walking its
    :mod:`ast` and allowing only calls of allowed names, those names, constants, tuples and lists, unary minus,
    ``+ - * /``, keywords, basic indexing, and a distribution's ``.expand(batch_shape)``,
    ``.reshape(batch_shape)`` and ``.to_event(n)``; anything else is an :class:`ExpressionError` naming it.

    Example:
        >>> SafeEvaluator().evaluate("Normal(zeros((3, 2)), 1.0)").batch_shape
        (3, 2)
        >>> SafeEvaluator().evaluate("Normal(zeros((3, 2)), 1.0).expand((4, 3, 2)).to_event(1)").event_shape
        (2,)
        >>> SafeEvaluator().evaluate("().__class__")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        arraydist.cli.ExpressionError: attribute access (.__class__) is not allowed, at column 1: ().__class__
        ...
    """

    def __init__(self, backend: str = "numpy") -> None:
        self.backend = backend
        self.names: dict[str, Any] = {**_distribution_classes(), **_Arrays(backend).functions(), **_CONSTANTS}

    def evaluate(self, text: str) -> Any:
        if len(text) > MAX_EXPRESSION:
            raise ExpressionError(f"the expression has {len(text):,} characters; at most {MAX_EXPRESSION:,}")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"not a Python expression: {exc.msg} (column {exc.offset})") from None
        self.text = text.strip()
        try:
            self._check(tree)  # the whole expression is checked before anything is evaluated
            return self._eval(tree.body)
        except RecursionError:
            raise ExpressionError("the expression is nested too deeply") from None

    def _refuse(self, node: ast.AST, what: str) -> ExpressionError:
        col = getattr(node, "col_offset", None)
        where = f", at column {col + 1}" if col is not None else ""
        snippet = ast.get_source_segment(self.text, node) or ""
        snippet = f": {snippet[:60]}" if snippet else ""
        return ExpressionError(f"{what} is not allowed{where}{snippet}\n({_allowed_text()})")

    def _check(self, tree: ast.AST) -> None:
        """Refuse the first construct outside the allowed ones, outermost first."""
        methods: set[int] = set()  # the attributes called as distribution methods (their receiver is checked later)
        for node in ast.walk(tree):  # breadth first: a call comes before its function
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _METHODS:
                methods.add(id(node.func))
            if id(node) in methods:
                continue
            if isinstance(node, _ALLOWED_NODES):
                if isinstance(node, ast.keyword) and node.arg is None:
                    raise self._refuse(node.value, "**-unpacking")
                if isinstance(node, ast.Name):
                    self._eval_Name(node)
                elif isinstance(node, ast.Constant):
                    self._eval_Constant(node)
                elif isinstance(node, ast.BinOp) and type(node.op) not in _BINARY:
                    name = _BINARY_NAMES.get(type(node.op), type(node.op).__name__)
                    raise self._refuse(node, f"the operator {name}")
                elif isinstance(node, ast.UnaryOp) and not isinstance(node.op, (ast.USub, ast.UAdd)):
                    raise self._refuse(node, f"the unary operator {type(node.op).__name__}")
                continue
            if not isinstance(node, (ast.operator, ast.unaryop, ast.expr_context)):
                self._eval(node)  # raises, naming the construct

    def _eval(self, node: ast.AST) -> Any:
        method = getattr(self, f"_eval_{type(node).__name__}", None)
        if method is None:
            what = _REFUSED.get(type(node).__name__, f"the construct {type(node).__name__}")
            if isinstance(node, ast.Attribute):
                what = f"attribute access (.{node.attr})"
            raise self._refuse(node, what)
        return method(node)

    def _eval_Constant(self, node: ast.Constant) -> Any:
        if node.value is Ellipsis or node.value is None or isinstance(node.value, (bool, int, float, str)):
            return node.value
        raise self._refuse(node, f"a {type(node.value).__name__} constant")

    def _eval_Name(self, node: ast.Name) -> Any:
        if node.id in self.names:
            return self.names[node.id]
        raise self._refuse(node, f"the name {node.id!r} (not an arraydist distribution, array constructor or constant)")

    def _eval_Tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self._eval(e) for e in node.elts)

    def _eval_List(self, node: ast.List) -> list[Any]:
        return [self._eval(e) for e in node.elts]

    def _eval_UnaryOp(self, node: ast.UnaryOp) -> Any:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise self._refuse(node, f"the unary operator {type(node.op).__name__}")
        value = self._operand(node, self._eval(node.operand))
        return -value if isinstance(node.op, ast.USub) else +value

    def _operand(self, node: ast.AST, value: Any) -> Any:
        if isinstance(value, (int, float)) or (hasattr(value, "shape") and not isinstance(value, Distribution)):
            return value
        raise self._refuse(node, f"arithmetic on {type(value).__name__}")

    def _eval_BinOp(self, node: ast.BinOp) -> Any:
        op = _BINARY.get(type(node.op))
        if op is None:
            raise self._refuse(node, f"the operator {_BINARY_NAMES.get(type(node.op), type(node.op).__name__)}")
        a = self._operand(node, self._eval(node.left))
        b = self._operand(node, self._eval(node.right))
        shapes = [tuple(x.shape) for x in (a, b) if hasattr(x, "shape")]
        if shapes:
            try:
                _check_size(np.broadcast_shapes(*shapes), "the result of an operation")
            except ValueError as exc:
                if isinstance(exc, ExpressionError):
                    raise
        return op(a, b)

    def _eval_Call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Attribute) and node.func.attr in _METHODS:
            result = self._method(node, node.func)
            _check_size(result.batch_shape + result.event_shape, f"the distribution {type(result).__name__}")
            return result
        func = self._eval(node.func)  # a lambda, an attribute... is refused by name here
        if not isinstance(node.func, ast.Name):
            raise self._refuse(node.func, "calling the result of an expression (only allowed names are called)")
        if not callable(func):
            raise self._refuse(node.func, f"calling {node.func.id}")
        args = [self._eval(a) for a in node.args]
        kwargs = {}
        for k in node.keywords:
            if k.arg is None:
                raise self._refuse(k.value, "**-unpacking")
            kwargs[k.arg] = self._eval(k.value)
        result = func(*args, **kwargs)
        if isinstance(result, Distribution):
            _check_size(result.batch_shape + result.event_shape, f"the distribution {type(result).__name__}")
        return result

    def _method(self, node: ast.Call, attribute: ast.Attribute) -> Distribution:
        """``dist.expand(batch_shape)``, ``dist.reshape(batch_shape)`` or ``dist.to_event(n)``: the receiver a
        distribution, one argument, checked (and the expanded size capped) before the method runs."""
        name = attribute.attr
        receiver = self._eval(attribute.value)
        if not isinstance(receiver, Distribution):
            raise self._refuse(
                attribute,
                f"attribute access (.{name}) on a {type(receiver).__name__} (only distributions' "
                + ", ".join(f".{m}" for m in _METHODS)
                + " are called)",
            )
        param = _METHODS[name]
        args = [self._eval(a) for a in node.args]
        kwargs = {}
        for k in node.keywords:
            if k.arg is None:
                raise self._refuse(k.value, "**-unpacking")
            kwargs[k.arg] = self._eval(k.value)
        if len(args) + len(kwargs) > 1 or set(kwargs) - {param} or (name != "to_event" and not args and not kwargs):
            raise self._bad_argument(node, f"{name} takes one argument, {param}")
        value = args[0] if args else kwargs.get(param)
        if name == "to_event":
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise self._bad_argument(node, f"to_event's argument must be an int >= 0 or None; got {value!r}")
            return receiver.to_event(value)
        shape = (value,) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(shape, (tuple, list)) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in shape
        ):
            raise self._bad_argument(node, f"{name}'s {param} must be an int or a tuple of ints; got {value!r}")
        shape = tuple(shape)
        if name == "reshape":
            if any(s < -1 for s in shape) or shape.count(-1) > 1:
                raise self._bad_argument(node, f"reshape's sizes must be ints >= 0, with at most one -1; got {shape}")
            return receiver.reshape(shape)
        if any(s < 0 for s in shape):
            raise self._bad_argument(node, f"expand's sizes must be ints >= 0; got {shape}")
        _check_size(shape + receiver.event_shape, f"the distribution {type(receiver).__name__}.expand(...)")
        return receiver.expand(shape)

    def _bad_argument(self, node: ast.AST, what: str) -> ExpressionError:
        col = getattr(node, "col_offset", None)
        where = f", at column {col + 1}" if col is not None else ""
        snippet = ast.get_source_segment(self.text, node) or ""
        return ExpressionError(f"{what}{where}" + (f": {snippet[:60]}" if snippet else ""))

    def _eval_Subscript(self, node: ast.Subscript) -> Any:
        value = self._eval(node.value)
        if not hasattr(value, "shape") and not isinstance(value, Distribution):
            what = "a function or class" if callable(value) else f"a {type(value).__name__}"
            raise self._refuse(node, f"indexing {what} (only arrays and distributions are indexed)")
        index = self._index(node.slice)
        return value[index]

    def _index(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Tuple):
            return tuple(self._index(e) for e in node.elts)
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self._eval(p) for p in (node.lower, node.upper, node.step)]
            if not all(p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts):
                raise self._refuse(node, "a slice bound that is not an int")
            return slice(*parts)
        value = self._eval(node)
        if value is None or value is Ellipsis or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise self._refuse(node, f"an index of type {type(value).__name__} (only ints, slices, None and ...)")


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
