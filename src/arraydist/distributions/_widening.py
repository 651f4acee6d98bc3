"""Methods computed in a wider float than the distribution's dtype, their arguments and result cast: the
distribution's leaves (parameters, and the parameters of its parts) are cast with ``Distribution._map_leaves``, so a
composite widens as a whole."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..distribution import Distribution

Array = Any


def _in(wide: Any, self: Distribution, fn: Callable[..., Array], args: tuple[Any, ...]) -> Array:
    ops = self._ops
    widened = self._map_leaves(lambda x: ops.cast(x, wide) if hasattr(x, "dtype") else x)
    return ops.cast(fn(widened, *[ops.cast(a, wide) for a in args]), self._dtype)


def in_wide_float(fn: Callable[..., Array]) -> Callable[..., Array]:
    """A method computed in float32 where the distribution's dtype is narrower (float16, bfloat16), its array
    arguments and result cast: this group's formulas (saddle points, series, lgamma of 1e3) have no digits to spare
    in eight or eleven bits of significand, and float16 cannot hold their intermediate terms (1e3 squared)."""

    @functools.wraps(fn)
    def method(self: Distribution, *args: Any) -> Array:
        wide = self._ops.wide_float(self._dtype)
        return fn(self, *args) if wide == self._dtype else _in(wide, self, fn, args)

    return method


def in_tail_float(fn: Callable[..., Array]) -> Callable[..., Array]:
    r"""A CDF or log tail computed in :meth:`Ops.tail_float` (float64 for float32 where the backend computes it at
    little cost: NumPy, PyTorch on the CPU, JAX on the CPU with x64): where the tail is a steep function of a
    standardized value :math:`z`, float32's rounding of :math:`z` (and of a logarithm before it) is amplified by
    the tail's condition number, :math:`|z|` for the normal tail (11.5 at a CDF of 1e-30) and :math:`e^{-z}` for
    Gumbel's lower one (290 there): 1e-5 relative in float32, the rounding of the result alone in float64."""

    @functools.wraps(fn)
    def method(self: Distribution, *args: Any) -> Array:
        wide = self._ops.tail_float(self._dtype, self._device)
        return fn(self, *args) if wide == self._dtype else _in(wide, self, fn, args)

    return method


def sampled_in_wide_float(fn: Callable[..., Array]) -> Callable[..., Array]:
    """``_rsample`` in float32 where the dtype is narrower (the backend's gamma sampler draws in float32 there
    already), its draws clipped into the support as the narrow dtype holds it: its finite range, from its
    smallest normal number for a positive support, below 1 for the unit interval (as in the dtype itself)."""

    @functools.wraps(fn)
    def method(self: Distribution, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        wide = ops.wide_float(self._dtype)
        if wide == self._dtype:
            return fn(self, sample_shape, rng)
        widened = self._map_leaves(lambda x: ops.cast(x, wide) if hasattr(x, "dtype") else x)
        finfo = ops.xp.finfo(self._dtype)
        low = float(finfo.smallest_normal) if getattr(self.support, "lower_bound", None) == 0 else -float(finfo.max)
        high = 1 - float(finfo.eps) / 2 if getattr(self.support, "upper_bound", None) == 1 else float(finfo.max)
        return ops.xp.clip(
            ops.cast(ops.xp.clip(fn(widened, sample_shape, rng), min=low, max=high), self._dtype), min=low, max=high
        )

    return method
