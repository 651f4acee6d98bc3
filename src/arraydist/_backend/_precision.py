"""Narrow floats (float16, bfloat16): the libraries implement few special functions and no linear algebra for
them, so a backend computes those in float32 and casts the result back (``widen_methods``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ._special import SPECIAL_FUNCTIONS


def widened(
    fn: Callable[..., Any], narrow: frozenset[Any], wide: Any, cast: Callable[[Any, Any], Any], first: int = 0
) -> Any:
    """``fn`` computing in ``wide`` (float32) when its argument at position ``first`` (the first array) is of a
    ``narrow`` dtype (float16, bfloat16): every narrow argument is cast to ``wide``, and the results (an array, or
    a tuple) of dtype ``wide`` are cast back; other calls go straight to ``fn`` (one dtype test).

    The libraries implement few special functions and no linear algebra for the narrow floats (torch on the CPU
    lacks ``ndtri``, ``log_ndtr``, ``cholesky``, ``triangular_solve``; JAX lacks ``ndtr``, ``ndtri``,
    ``log_ndtr`` and ``cholesky``), and a formula evaluated in them carries the rounding of every step: computed
    in float32, the narrow result is the exact one rounded once, or nearly.  ``cast(x, dtype)`` is the
    library's conversion.
    """

    def call(*args: Any, **kwargs: Any) -> Any:
        dtype = getattr(args[first], "dtype", None)
        if dtype not in narrow:
            return fn(*args, **kwargs)
        out = fn(*[cast(a, wide) if getattr(a, "dtype", None) in narrow else a for a in args], **kwargs)
        if isinstance(out, tuple):  # (torch's named tuples too)
            return tuple(cast(o, dtype) if getattr(o, "dtype", None) == wide else o for o in out)
        return cast(out, dtype) if getattr(out, "dtype", None) == wide else out

    name = getattr(fn, "__name__", type(fn).__name__)  # NumPy's ufuncs have no __qualname__
    call.__name__, call.__qualname__, call.__doc__ = name, getattr(fn, "__qualname__", name), fn.__doc__
    call.__wrapped__ = fn  # type: ignore[attr-defined]
    return call


def widen_methods(cls: type, names: Iterable[str], narrow: frozenset[Any], wide: Any, cast: Any) -> None:
    """Replace each method ``name`` of ``cls`` (its own or inherited; static methods stay static) by
    :func:`widened` of it: the backend's narrow floats computed in ``wide``.  The dtype is read from the first
    array argument: the first but ``polygamma``'s order ``n`` (the table's signatures say which)."""
    for name in names:
        found = next(c.__dict__[name] for c in cls.__mro__ if name in c.__dict__)  # static methods as such
        entry = SPECIAL_FUNCTIONS.get(name)
        first = 1 if entry is not None and entry.signature.startswith(f"{name}(n,") else 0
        if isinstance(found, staticmethod):
            setattr(cls, name, staticmethod(widened(found.__func__, narrow, wide, cast, first)))
        else:
            setattr(cls, name, widened(found, narrow, wide, cast, first + 1))  # after self
