"""The Cauchy (Lorentz) distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..kl import register_kl

__all__ = ["Cauchy"]

Array = Any
_LOG_PI = math.log(math.pi)


def _log1p_square(ops: Any, z: Array) -> Array:
    r""":math:`\log(1 + z^2)` as :math:`2 \log m + \log(1 + t^2)`, :math:`m = \max(|z|, 1)`,
    :math:`t = \min(|z|, 1/m)`: no overflow of :math:`z^2` far out (float32 from :math:`|z| = 2 \cdot 10^{19}`),
    and ``log1p`` near 0."""
    xp = ops.xp
    a = xp.abs(z)
    m = xp.maximum(a, xp.ones_like(a))
    t = xp.minimum(a, 1.0 / m)
    return 2.0 * xp.log(m) + xp.log1p(t * t)


def _standard_icdf(ops: Any, p: Array) -> Array:
    r""":math:`\tan(\pi(p - \tfrac12))` as :math:`\mp\cot(\pi q)`, :math:`q = \min(p, 1 - p)`: the tails from
    the small :math:`q` itself, not from an angle next to :math:`\pi/2` (``-inf`` and ``inf`` at 0 and 1)."""
    xp = ops.xp
    lower = p < 0.5
    q = xp.where(lower, p, 1.0 - p)
    tiny = float(xp.finfo(p.dtype).smallest_normal)
    magnitude = 1.0 / xp.tan(math.pi * xp.maximum(q, xp.full_like(q, tiny)))
    magnitude = xp.where(q > 0, magnitude, xp.full_like(q, math.inf))
    return xp.where(lower, -magnitude, magnitude)


class Cauchy(Distribution):
    r"""Cauchy distribution of location ``loc`` (the median and mode) and scale ``scale`` (half the
    interquartile range).

    .. math::
        p(x \mid x_0, \gamma) = \frac{1}{\pi\gamma\,(1 + z^2)}, \qquad
        F(x) = \tfrac12 + \tfrac1\pi \arctan z = \tfrac1\pi \operatorname{atan2}(1, -z), \quad
        z = \frac{x - x_0}{\gamma}

    Args:
        loc: :math:`x_0` (real), any shape.
        scale: :math:`\gamma > 0`, broadcastable with ``loc``.
        validate_args: check parameters and values (default: the global switch, on).

    The tails come from ``atan2`` of the reciprocal, :math:`F(x) = \arctan(1/|z|)/\pi` below the location, so
    ``cdf(-1e10)`` keeps its relative accuracy where :math:`\tfrac12 + \arctan(z)/\pi` cancels to 0.  The mean
    is undefined (NaN) and the variance infinite, as in ``torch.distributions``.  Draws are reparameterized,
    :math:`x = x_0 + \gamma \tan(\pi(u - \tfrac12))`.

    Example:
        >>> import numpy as np
        >>> from arraydist import Cauchy
        >>> d = Cauchy(np.array([0.0, 1.0]), 2.0)
        >>> d.log_prob(np.array([0.0, 3.0])).round(4)
        array([-1.8379, -2.531 ])
        >>> float(Cauchy(0.0, 1.0).cdf(-1e10))
        3.183098861837907e-11
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    loc: Array
    scale: Array

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self._init_params({"loc": loc, "scale": scale}, validate_args)

    @property
    def mean(self) -> Array:
        """Undefined: NaN."""
        return self._ops.xp.full_like(self.loc, math.nan)

    @property
    def mode(self) -> Array:
        return self.loc

    @property
    def variance(self) -> Array:
        """Infinite."""
        return self._ops.xp.full_like(self.loc, math.inf)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        u = self._ops.uniform(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return self.loc + self.scale * _standard_icdf(self._ops, u)

    def _log_prob(self, value: Array) -> Array:
        ops = self._ops
        z = ops.standardize(value, self.loc, self.scale)
        return -(_LOG_PI + ops.xp.log(self.scale)) - _log1p_square(ops, z)

    def _z(self, value: Array) -> Array:
        return self._ops.standardize(value, self.loc, self.scale)

    def _cdf(self, value: Array) -> Array:
        xp = self._ops.xp
        z = self._z(value)
        return xp.atan2(xp.ones_like(z), -z) / math.pi

    def _survival_function(self, value: Array) -> Array:
        xp = self._ops.xp
        z = self._z(value)
        return xp.atan2(xp.ones_like(z), z) / math.pi

    def _tail(self, value: Array) -> tuple[Array, Array]:
        r"""(z, the smaller of the two tails at z, :math:`\operatorname{atan2}(1, |z|)/\pi \le 1/2`)."""
        xp = self._ops.xp
        z = self._z(value)
        return z, xp.atan2(xp.ones_like(z), xp.abs(z)) / math.pi

    def _log_cdf(self, value: Array) -> Array:
        xp = self._ops.xp
        z, small = self._tail(value)
        return xp.where(z < 0, xp.log(small), xp.log1p(-small))

    def _log_survival_function(self, value: Array) -> Array:
        xp = self._ops.xp
        z, small = self._tail(value)
        return xp.where(z > 0, xp.log(small), xp.log1p(-small))

    def _icdf(self, value: Array) -> Array:
        return self.loc + self.scale * _standard_icdf(self._ops, value)

    def entropy(self) -> Array:
        r""":math:`\log 4\pi\gamma`."""
        return self._ops.xp.log(4.0 * math.pi * self.scale)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p: Cauchy, q: Cauchy) -> Array:
    r""":math:`\log\frac{(\gamma_p + \gamma_q)^2 + (x_p - x_q)^2}{4\gamma_p\gamma_q}` (Chyzak and Nielsen, 2019),
    as :math:`\log\left(1 + \frac{(s - 1)^2 + t^2}{4s}\right)` of :math:`s = \gamma_p/\gamma_q`,
    :math:`t = (x_p - x_q)/\gamma_q`: no square of a huge scale, and ``log1p`` where the two are close."""
    xp = p._ops.xp
    d = (p.scale - q.scale) / q.scale  # s - 1, without the rounding of s
    t = (p.loc - q.loc) / q.scale
    return xp.log1p((d * d + t * t) / (4.0 * (1.0 + d)))
