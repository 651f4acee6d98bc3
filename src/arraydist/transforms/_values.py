"""How transforms hold their parameters: Python numbers as floats (constants), arrays as they are, lists as
NumPy arrays; at most one library besides NumPy; and how parameters are shown."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._backend import ops_of

__all__ = ["as_parameter", "check_libraries", "is_number", "short_repr"]


def is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def as_parameter(value: Any, owner: str, name: str) -> Any:
    """A constructor's parameter as it is kept: a Python number as a float, an array as it is, a (nested) list
    as a float64 NumPy array.  Booleans, complex numbers and anything that is not numbers are a ``TypeError``
    naming ``owner`` and ``name``."""
    if is_number(value):
        return float(value)
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{owner}: {name} must be real numbers; got {value!r:.80}") from None
    try:
        ops = ops_of(value)
    except TypeError as exc:
        raise TypeError(f"{owner}: {name}: {exc}") from None
    if ops is None or not hasattr(value, "dtype"):
        raise TypeError(f"{owner}: {name} must be a real number or an array; got {value!r:.80}")
    kind = str(value.dtype)
    if "complex" in kind or "bool" in kind:
        raise TypeError(f"{owner}: {name} must be real numbers; got an array of dtype {kind.rpartition('.')[2]}")
    if isinstance(value, np.ndarray) and not value.flags.writeable:
        value = np.array(value)  # a broadcast view: torch wraps only writeable memory (also under torch.compile)
    return value


def check_libraries(owner: str, params: dict[str, Any]) -> None:
    """Parameters of at most one library besides NumPy (NumPy arrays are converted where they meet another
    library's values); two other libraries are a ``TypeError`` naming both."""
    found: dict[str, str] = {}
    for name, p in params.items():
        ops = None if is_number(p) else ops_of(p)
        if ops is not None and ops.name != "numpy":
            found.setdefault(ops.name, name)
    if len(found) > 1:
        (a, pa), (b, pb) = list(found.items())[:2]
        raise TypeError(
            f"{owner}: {pa} is a {a} array and {pb} a {b} array; arraydist does not mix array libraries "
            "(convert them to one library first)"
        )


def short_repr(x: Any) -> str:
    """A parameter for ``repr``: a number as it is, a small concrete array by its values, else by its shape."""
    if is_number(x):
        return repr(x)
    ops = ops_of(x)
    shape = tuple(x.shape)
    if ops is not None and math.prod(shape) <= 4 and not ops.tracing() and ops.is_concrete(x):
        return f"{ops.name} {np.asarray(ops.to_numpy(x)).tolist()}"
    return f"<{getattr(ops, 'name', 'array')} array of shape {shape}>"
