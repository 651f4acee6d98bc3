"""The KL-divergence registry: :func:`register_kl` and most-specific dispatch in :func:`kl_divergence`.

Families register their rules at the bottom of their own modules; this module imports none of them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from ._backend import compiling
from ._shapes import broadcast_shapes
from .distribution import Distribution

__all__ = ["kl_divergence", "register_kl"]

KLFunction = Callable[[Any, Any], Any]

_REGISTRY: dict[tuple[type, type], KLFunction] = {}
_DISPATCH_CACHE: dict[tuple[type, type], KLFunction | None] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[KLFunction], KLFunction]:
    """Decorator registering ``fn(p, q)`` as KL(p || q) for ``p`` of ``type_p`` and ``q`` of ``type_q``.

    Example:
        >>> from arraydist import Distribution, register_kl
        >>> class Point(Distribution): pass
        >>> @register_kl(Point, Point)
        ... def _kl_point_point(p, q):
        ...     return 0.0
    """
    for t in (type_p, type_q):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"register_kl expects Distribution subclasses, got {t!r}")

    def decorator(fn: KLFunction) -> KLFunction:
        _REGISTRY[type_p, type_q] = fn
        _DISPATCH_CACHE.clear()
        return fn

    return decorator


def register_infinite_kl(*pairs: tuple[type, type], where: str) -> None:
    """Registers KL(p || q) = +inf for each ``(type_p, type_q)`` of ``pairs``: ``q`` has no density ``where`` ``p``
    has mass (the docstring of the rule says where). The result is +inf over ``p`` and ``q``'s batch shapes
    broadcast together, in ``p``'s dtype and on its device, as a closed form would give it."""

    def infinite_kl(p: Any, q: Any) -> Any:
        shape = broadcast_shapes(p.batch_shape, q.batch_shape, what="KL batch shapes")
        return p._ops.xp.full(shape, math.inf, dtype=p._dtype, device=p._device)

    infinite_kl.__doc__ = f"Infinite: {where}."
    for type_p, type_q in pairs:
        register_kl(type_p, type_q)(infinite_kl)


def _dispatch(type_p: type, type_q: type) -> KLFunction | None:
    """The rule whose classes are nearest in both MROs; a tie between two rules warns and takes the first."""
    matches = [
        (type_p.__mro__.index(p), type_q.__mro__.index(q), fn)
        for (p, q), fn in _REGISTRY.items()
        if issubclass(type_p, p) and issubclass(type_q, q)
    ]
    if not matches:
        return None
    by_p = min(matches, key=lambda m: (m[0], m[1]))
    by_q = min(matches, key=lambda m: (m[1], m[0]))
    if by_p[2] is not by_q[2]:
        warnings.warn(
            f"ambiguous KL rules for ({type_p.__name__}, {type_q.__name__}): {by_p[2].__name__} and "
            f"{by_q[2].__name__}; using {by_p[2].__name__}. Register a rule for the exact pair to decide.",
            RuntimeWarning,
            stacklevel=3,
        )
    return by_p[2]


def kl_divergence(p: Distribution, q: Distribution) -> Any:
    r"""KL(p || q) = E_p[log p(x) - log q(x)], of shape ``broadcast(p.batch_shape, q.batch_shape)``.

    A backend-neutral distribution (made of Python numbers) adopts the library, dtype and device of the other.

    Example:
        >>> import numpy as np
        >>> from arraydist import Normal, kl_divergence
        >>> float(kl_divergence(Normal(np.array(1.0), 1.0), Normal(0.0, 1.0)))
        0.5
    """
    key = (type(p), type(q))
    try:
        fn = _DISPATCH_CACHE[key]
    except KeyError:
        fn = _dispatch(*key)
        if not compiling():
            _DISPATCH_CACHE[key] = fn
    if fn is None:
        raise NotImplementedError(
            f"no KL divergence is registered for {type(p).__name__} || {type(q).__name__}; "
            "register one with arraydist.register_kl"
        )
    if q._neutral and not p._neutral:  # the usual case: a prior of Python numbers, as p's arrays
        q = q._materialize(p._ops, p._dtype, p._device)
    elif p._ops is not q._ops or p._neutral is not q._neutral:
        p, q = p._adopt_like(q), q._adopt_like(p)
        if p._ops is not q._ops:
            raise TypeError(
                f"kl_divergence: p has {p._ops.name} parameters and q has {q._ops.name} parameters; "
                "arraydist does not mix array libraries"
            )
    return fn(p, q)
