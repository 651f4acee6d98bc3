"""The exponential distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..kl import register_infinite_kl, register_kl
from .continuous_bernoulli import ContinuousBernoulli
from .laplace import Laplace
from .normal import Normal

__all__ = ["Exponential"]

Array = Any


def _log_or_minus_inf(ops: Any, x: Array) -> Array:
    """``log(x)`` for ``x >= 0``, ``-inf`` at 0 without NumPy's warning: ``xlogy(1, x)``, a table function on
    every backend (an ``np.errstate`` around ``log`` would not trace under ``torch.compile``)."""
    return ops.xlogy(ops.xp.ones_like(x), x)


def _times_log_zero(xp: Any, c: Array) -> Array:
    """``c log 0``: 0 for ``c = 0``, else an infinity of the opposite sign, built from comparisons alone (as
    ``xlogy(c, 0)`` it would carry a gradient of ``log 0`` in ``c``, and NaN through the ``where`` around it)."""
    inf = xp.full_like(c, math.inf)
    return xp.where(c > 0, -inf, xp.where(c < 0, inf, xp.zeros_like(c)))


def _positive_part(xp: Any, value: Array) -> Array:
    """``value`` where it is positive, else 0: the tail functions of a support that starts at 0 are defined
    below it too (with validation off)."""
    return xp.where(value > 0, value, xp.zeros_like(value))


class Exponential(Distribution):
    r"""Exponential distribution of rate ``rate``.

    .. math::
        p(x \mid \lambda) = \lambda e^{-\lambda x}, \qquad x \ge 0

    Args:
        rate: :math:`\lambda > 0`, any shape.
        validate_args: check parameters and values (default: the global switch, on).

    Draws are reparameterized, :math:`x = \varepsilon / \lambda` with :math:`\varepsilon \sim \mathrm{Exp}(1)`.
    The tails are closed forms accurate to the last digits: :math:`\log S(x) = -\lambda x` exactly and
    :math:`\log F(x) = \log(1 - e^{-\lambda x})` without cancellation.  ``log_prob`` below 0 is :math:`-\infty`
    (with validation off; on, it is an error).

    Example:
        >>> import numpy as np
        >>> from arraydist import Exponential
        >>> d = Exponential(np.array([0.5, 2.0]))
        >>> d.mean
        array([2. , 0.5])
        >>> d.log_survival_function(np.array([1e6, 1e6]))
        array([ -500000., -2000000.])
        >>> d.rsample((3,), seed=0).shape
        (3, 2)
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    rate: Array

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        self._init_params({"rate": rate}, validate_args)

    @property
    def mean(self) -> Array:
        return 1.0 / self.rate

    @property
    def mode(self) -> Array:
        return self._ops.xp.zeros_like(self.rate)

    @property
    def stddev(self) -> Array:
        return 1.0 / self.rate

    @property
    def variance(self) -> Array:
        return 1.0 / (self.rate * self.rate)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        eps = self._ops.exponential(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return eps / self.rate

    def _log_prob(self, value: Array) -> Array:
        xp = self._ops.xp
        lp = xp.log(self.rate) - self.rate * value
        return xp.where(value >= 0, lp, xp.full_like(lp, -math.inf))

    def _cdf(self, value: Array) -> Array:
        xp = self._ops.xp
        return -xp.expm1(-self.rate * _positive_part(xp, value))

    def _log_cdf(self, value: Array) -> Array:
        xp = self._ops.xp
        return self._ops.log1mexp(self.rate * _positive_part(xp, value))

    def _survival_function(self, value: Array) -> Array:
        xp = self._ops.xp
        return xp.exp(-self.rate * _positive_part(xp, value))

    def _log_survival_function(self, value: Array) -> Array:
        return -self.rate * _positive_part(self._ops.xp, value)

    def _icdf(self, value: Array) -> Array:
        return -self._ops.xp.log1p(-value) / self.rate

    def entropy(self) -> Array:
        r""":math:`1 - \log\lambda`."""
        return 1.0 - self._ops.xp.log(self.rate)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Array:
    r""":math:`r - \log r - 1` with :math:`r = \lambda_q / \lambda_p`."""
    ratio = q.rate / p.rate
    return ratio - p._ops.xp.log(ratio) - 1.0


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p: Exponential, q: Normal) -> Array:
    r""":math:`\log(\lambda\sigma\sqrt{2\pi}) - 1 + (2/\lambda^2 - 2\mu/\lambda + \mu^2) / (2\sigma^2)`, the
    second moment about :math:`\mu` of the exponential over twice the normal's variance."""
    xp = p._ops.xp
    inv_rate = 1.0 / p.rate
    second = 2.0 * inv_rate * inv_rate - 2.0 * q.loc * inv_rate + q.loc * q.loc
    return xp.log(p.rate * q.scale) + (0.5 * math.log(2 * math.pi) - 1.0) + second / (2.0 * q.scale * q.scale)


register_infinite_kl((Normal, Exponential), where="the normal puts mass below 0, where the exponential has none")


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p: ContinuousBernoulli, q: Exponential) -> Array:
    r""":math:`-H(p) - \log\lambda + \lambda E_p[x]`."""
    return -p.entropy() - p._ops.xp.log(q.rate) + q.rate * p.mean


register_infinite_kl((Exponential, ContinuousBernoulli), where="the exponential puts mass beyond 1")


register_infinite_kl((Laplace, Exponential), where="the Laplace distribution puts mass below 0")
