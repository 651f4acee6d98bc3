"""Sample / batch / event shape algebra on plain tuples of ints."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Shape = tuple[int, ...]


def as_shape(shape: Any, name: str = "sample_shape") -> Shape:
    """Normalise an int, list, tuple or ``torch.Size`` to a tuple of non-negative ints."""
    if type(shape) is tuple and not shape:
        return shape
    if isinstance(shape, tuple) and all(type(s) is int for s in shape):
        result = shape
    elif isinstance(shape, Iterable) and not isinstance(shape, (str, bytes)):
        try:
            result = tuple(int(s) for s in shape)
        except TypeError:
            raise TypeError(f"{name} must be a sequence of ints, got {shape!r}") from None
    elif hasattr(shape, "__index__"):
        result = (int(shape),)
    else:
        raise TypeError(f"{name} must be an int or a sequence of ints, got {shape!r}")
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
