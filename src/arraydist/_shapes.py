"""Sample / batch / event shape algebra on plain tuples of ints."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Set
from typing import Any

Shape = tuple[int, ...]


def _size(s: Any, shape: Any, name: str) -> int:
    if type(s) is int:
        return s
    if isinstance(s, bool) or (getattr(s, "dtype", None) is not None and str(s.dtype).endswith("bool")):
        raise TypeError(f"{name} must be an int or a sequence of ints; got the boolean {s!r} in {shape!r}")
    try:
        return operator.index(s)  # Python, NumPy, torch and JAX integer scalars; not 2.5, '3' or 2.0
    except TypeError:
        raise TypeError(f"{name} must be an int or a sequence of ints; got {s!r} in {shape!r}") from None


def _refuse_non_shape(shape: Any, name: str) -> None:
    """A ``TypeError`` for what looks like a sequence but is no shape: a mapping or a set (their keys are no
    sizes), a JAX random key given where the sample shape goes (``d.sample(key)``, as NumPyro users write)."""
    if isinstance(shape, (Mapping, Set)):
        raise TypeError(f"{name} must be an int or a sequence of ints; got a {type(shape).__name__}: {shape!r:.80}")
    dtype = str(getattr(shape, "dtype", ""))
    if type(shape).__module__.partition(".")[0] in ("jax", "jaxlib") and (
        dtype.startswith("key") or (dtype == "uint32" and tuple(shape.shape)[-1:] == (2,))
    ):
        raise TypeError(
            f"{name} got a JAX random key ({' '.join(repr(shape).split())[:60]}): a key is the seed, passed by "
            "keyword: write d.sample(seed=key) or d.sample((n,), seed=key)"
        )


def as_shape(shape: Any, name: str = "sample_shape", owner: Any = None, method: str = "") -> Shape:
    """Normalise an int, a sequence of ints, ``torch.Size`` or an integer scalar of any library to a tuple of
    non-negative ints; anything else (floats, strings, booleans, mappings, JAX keys) is a ``TypeError`` naming
    ``name`` (and, given the distribution ``owner``, its class and ``method``: ``Normal.sample: ...``)."""
    if type(shape) is tuple and not shape:
        return shape
    if owner is None:
        return _as_shape(shape, name)
    try:
        return _as_shape(shape, name)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{type(owner).__name__}.{method}: {exc}") from None


def _as_shape(shape: Any, name: str) -> Shape:
    if isinstance(shape, tuple) and all(type(s) is int for s in shape):
        result = shape if type(shape) is tuple else tuple(shape)  # torch.Size too
    else:
        _refuse_non_shape(shape, name)
        if isinstance(shape, (str, bytes)) or getattr(shape, "ndim", 1) == 0 or not isinstance(shape, Iterable):
            result = (_size(shape, shape, name),)
        else:
            result = tuple(_size(s, shape, name) for s in shape)
    if any(s < 0 for s in result):
        raise ValueError(f"{name} must not have negative sizes, got {result}")
    return result


def broadcast_shapes(*shapes: Shape, what: str = "shapes") -> Shape:
    """NumPy broadcasting of shapes; an incompatible pair is a ``ValueError`` naming every shape."""
    ndim = max([0, *(len(s) for s in shapes)])
    out = [1] * ndim
    for shape in shapes:
        for i, size in enumerate(shape, start=ndim - len(shape)):
            if size == out[i] or size == 1:
                continue
            if out[i] != 1:
                listed = ", ".join(str(tuple(s)) for s in shapes)
                raise ValueError(f"{what} do not broadcast together: {listed}")
            out[i] = size
    return tuple(out)


def batch_part(shape: Shape, event_ndim: int) -> Shape:
    return shape[: len(shape) - event_ndim] if event_ndim else shape
