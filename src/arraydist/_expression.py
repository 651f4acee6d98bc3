"""The safe evaluator of ``arraydist explain``: an expression parsed with :mod:`ast` and walked node by node,
never given to ``eval``.  Calls of arraydist's distributions and a few array constructors, names of those, numbers
and strings, tuples and lists, unary minus, ``+ - * /``, keywords, basic indexing of arrays and distributions,
and the batch methods ``.expand(...)``, ``.reshape(...)`` and ``.to_event(n)`` of distributions (their arguments
checked) are allowed; anything else is refused, naming it.  Arrays are built by NumPy and converted to the
chosen library, each capped at :data:`MAX_ELEMENTS`.
"""

from __future__ import annotations

import ast
import importlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._backend import ops_of
from .distribution import Distribution

__all__ = ["MAX_ELEMENTS", "MAX_EXPRESSION", "ExpressionError", "SafeEvaluator"]

#: backend name -> (module to import, the alias printed in the tour's lines, the import line)
LIBRARIES = {
    "numpy": ("numpy", "np", "import numpy as np"),
    "torch": ("torch", "torch", "import torch"),
    "jax": ("jax.numpy", "jnp", "import jax, jax.numpy as jnp"),
    "dask": ("dask.array", "da", "import dask.array as da"),
    "cupy": ("cupy", "cp", "import cupy as cp"),
    "array_api_strict": ("array_api_strict", "xp", "import array_api_strict as xp"),
    "mlx": ("mlx.core", "mx", "import mlx.core as mx"),
}

#: the most elements an array or distribution of an ``arraydist explain`` expression may have
MAX_ELEMENTS = 10_000_000
#: the longest expression ``arraydist explain`` parses
MAX_EXPRESSION = 10_000
_DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool")
_CONSTRUCTORS = ("zeros", "ones", "eye", "arange", "linspace", "full", "array", "asarray", "sqrt")
_CONSTANTS = {"inf": math.inf, "nan": math.nan, "pi": math.pi}
#: the methods of a distribution an expression may call, each with its one parameter
_METHODS = {"expand": "batch_shape", "reshape": "batch_shape", "to_event": "reinterpreted_batch_ndims"}


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
        self.module = importlib.import_module(LIBRARIES[backend][0]) if backend != "numpy" else np

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
        if backend == "mlx":  # MLX makes its default float32 of NumPy's float64 unless told
            return lib.array(a) if target is None else lib.array(a, dtype=getattr(lib, target.name))
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
            return np.asarray(ops_of(x).to_numpy(x))  # an array of the chosen library, back on the host
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
        return ops_of(x).xp.sqrt(x)


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
        arraydist._expression.ExpressionError: attribute access (.__class__) is not allowed, at column 1: ().__class__
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
