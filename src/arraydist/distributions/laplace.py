"""The Laplace (double exponential) distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..kl import register_kl
from .normal import Normal

__all__ = ["Laplace"]

Array = Any
_LOG_2 = math.log(2.0)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class Laplace(Distribution):
    r"""Laplace distribution of location ``loc`` and scale ``scale``.

    .. math::
        p(x \mid \mu, b) = \frac{1}{2b} \exp\left(-\frac{|x - \mu|}{b}\right), \qquad
        F(x) = \begin{cases} \tfrac12 e^{z} & z < 0 \\ 1 - \tfrac12 e^{-z} & z \ge 0 \end{cases},
        \quad z = \frac{x - \mu}{b}

    Args:
        loc: :math:`\mu` (real), any shape.
        scale: :math:`b > 0`, broadcastable with ``loc``.
        validate_args: check parameters and values (default: the global switch, on).

    Both tails are closed forms: ``log_cdf`` is :math:`z - \log 2` below the location and
    ``log_survival_function`` :math:`-z - \log 2` above it, exact wherever the result is a normal number.
    Draws are reparameterized, :math:`x = F^{-1}(u)` for a uniform :math:`u`, each half from its own logarithm.

    Example:
        >>> import numpy as np
        >>> from arraydist import Laplace
        >>> d = Laplace(np.array([0.0, 1.0]), 2.0)
        >>> d.log_prob(np.array([0.0, 3.0])).round(4)
        array([-1.3863, -2.3863])
        >>> float(Laplace(0.0, 1.0).log_survival_function(1e3))
        -1000.6931471805599
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
        return self.loc

    @property
    def mode(self) -> Array:
        return self.loc

    @property
    def variance(self) -> Array:
        return 2.0 * self.scale * self.scale

    @property
    def stddev(self) -> Array:
        return math.sqrt(2.0) * self.scale

    def _standard_icdf(self, p: Array) -> Array:
        """:math:`\\log 2p` below 1/2 and :math:`-\\log 2(1 - p)` above: each tail from its own small number
        (``log1p(-2|p - 1/2|)`` loses the lower tail's digits to the rounding of ``1 - 2p``)."""
        xp = self._ops.xp
        lower = p < 0.5
        return xp.where(lower, xp.log(2.0 * xp.where(lower, p, 0.5)), -xp.log(2.0 * xp.where(lower, 0.5, 1.0 - p)))

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        u = self._ops.uniform(rng, sample_shape + self._batch_shape, self._dtype, self._device)  # in (0, 1)
        return self.loc + self.scale * self._standard_icdf(u)

    def _log_prob(self, value: Array) -> Array:
        xp = self._ops.xp
        return -xp.log(2.0 * self.scale) - xp.abs(value - self.loc) / self.scale

    def _z(self, value: Array) -> Array:
        return self._ops.standardize(value, self.loc, self.scale)

    def _half_tail(self, z: Array) -> Array:
        """:math:`\\tfrac12 e^{-|z|}`, the mass beyond :math:`|z|` on one side (never overflows)."""
        xp = self._ops.xp
        return 0.5 * xp.exp(-xp.abs(z))

    def _cdf(self, value: Array) -> Array:
        z = self._z(value)
        tail = self._half_tail(z)
        return self._ops.xp.where(z < 0, tail, 1.0 - tail)

    def _survival_function(self, value: Array) -> Array:
        z = self._z(value)
        tail = self._half_tail(z)
        return self._ops.xp.where(z > 0, tail, 1.0 - tail)

    def _log_cdf(self, value: Array) -> Array:
        xp = self._ops.xp
        z = self._z(value)
        return xp.where(z < 0, -xp.abs(z) - _LOG_2, xp.log1p(-self._half_tail(z)))

    def _log_survival_function(self, value: Array) -> Array:
        xp = self._ops.xp
        z = self._z(value)
        return xp.where(z > 0, -xp.abs(z) - _LOG_2, xp.log1p(-self._half_tail(z)))

    def _icdf(self, value: Array) -> Array:
        return self.loc + self.scale * self._standard_icdf(value)

    def entropy(self) -> Array:
        r""":math:`1 + \log 2b`."""
        return 1.0 + self._ops.xp.log(2.0 * self.scale)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Array:
    r""":math:`\log\frac{b_q}{b_p} + \frac{|\mu_p - \mu_q|}{b_q} + \frac{b_p}{b_q} e^{-|\mu_p - \mu_q| / b_p} - 1`,
    as the sum of two terms that are never negative, :math:`(t - \log(1 + t)) + (1 + t)(u + e^{-u} - 1)` with
    :math:`t = (b_p - b_q)/b_q` and :math:`u = |\mu_p - \mu_q|/b_p`: no cancellation to a negative KL between
    nearby parameters."""
    xp = p._ops.xp
    t = (p.scale - q.scale) / q.scale
    u = xp.abs(p.loc - q.loc) / p.scale
    return (t - xp.log1p(t)) + (1.0 + t) * (u + xp.expm1(-u))


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p: Laplace, q: Normal) -> Array:
    r""":math:`-(1 + \log 2b) + \log\sigma + \tfrac12\log 2\pi + \frac{2b^2 + (\mu - m)^2}{2\sigma^2}`."""
    xp = p._ops.xp
    ratio = p.scale / q.scale
    t = (p.loc - q.loc) / q.scale
    return ratio * ratio + 0.5 * t * t - xp.log(ratio) + (_HALF_LOG_2PI - 1.0 - _LOG_2)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p: Normal, q: Laplace) -> Array:
    r""":math:`\log\frac{2b}{\sigma} + \frac{E|X - \mu_q|}{b} - \tfrac12(1 + \log 2\pi)`, with
    :math:`E|X - \mu_q| = \sigma\sqrt{2/\pi}\, e^{-d^2 / 2\sigma^2} + d \operatorname{erf}(d / \sigma\sqrt2)`,
    :math:`d = \mu_p - \mu_q`."""
    ops = p._ops
    xp = ops.xp
    d = p.loc - q.loc
    t = d / p.scale
    mean_distance = p.scale * math.sqrt(2.0 / math.pi) * xp.exp(-0.5 * t * t) + d * ops.erf(t / math.sqrt(2.0))
    return xp.log(q.scale / p.scale) + mean_distance / q.scale + (_LOG_2 - 0.5 - _HALF_LOG_2PI)
