"""The Poisson distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..kl import register_kl
from .bernoulli import Bernoulli
from .binomial import Binomial, _deviance, _xlog1mp

__all__ = ["Poisson"]

Array = Any


class Poisson(Distribution):
    r"""Poisson distribution of mean ``rate``.

    .. math::
        P(X = k) = \frac{\lambda^k e^{-\lambda}}{k!}, \qquad k = 0, 1, \dots

    computed as :math:`k \log\lambda - \lambda - \log\Gamma(k + 1)` in float64 (exactly 0 at
    :math:`\lambda = 0`, :math:`k = 0`).  In narrower floats, whose significand cannot hold those terms at large
    counts, as the saddle-point form :math:`-\operatorname{stirlerr}(k) - \operatorname{bd0}(k, \lambda) -
    \tfrac12 \log 2\pi k` for :math:`k > 0` and :math:`-\lambda` at 0 (C. Loader, 2000): the same value to a
    few units of float32's resolution at any count, where the direct form is off by 1 at :math:`k = 10^6`.

    Args:
        rate: :math:`\lambda \ge 0`, any shape.
        validate_args: check parameters and values (default: the global switch, on).

    Draws are floats of the parameters' dtype, from the backend's sampler (O(1) per draw for any rate).
    ``entropy`` is not implemented (it has no closed form; torch.distributions has none either).

    Example:
        >>> import numpy as np
        >>> from arraydist import Poisson
        >>> d = Poisson(np.array([0.0, 2.5]))
        >>> d.log_prob(np.array([0, 3])).round(4)
        array([ 0.    , -1.5429])
        >>> d.sample((3,), seed=0).shape
        (3, 2)
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    rate: Array

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        self._init_params({"rate": rate}, validate_args)

    @property
    def mean(self) -> Array:
        return self.rate

    @property
    def mode(self) -> Array:
        return self._ops.xp.floor(self.rate)

    @property
    def variance(self) -> Array:
        return self.rate

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        rate = ops.stop_gradient(self.rate)
        return ops.poisson(rng, rate, sample_shape + self._batch_shape, self._dtype, self._device)

    def _cdf(self, value: Array) -> Array:
        r""":math:`P(X \le k) = Q(k + 1, \lambda)`, the regularized upper incomplete gamma function."""
        return self._ops.gammaincc(value + 1, self.rate)

    def _survival_function(self, value: Array) -> Array:
        r""":math:`P(X > k) = P(k + 1, \lambda)`, the regularized lower incomplete gamma function: the upper tail
        by its own function, not :math:`1 - F`."""
        return self._ops.gammainc(value + 1, self.rate)

    def _log_cdf(self, value: Array) -> Array:
        # in log space: finite where a tail underflows, exact where the CDF rounds to 1 (Ops.log_gammaincc)
        return self._ops.log_gammaincc(value + 1, self.rate)

    def _log_survival_function(self, value: Array) -> Array:
        return self._ops.log_gammainc(value + 1, self.rate)

    def _log_prob(self, value: Array) -> Array:
        ops, rate = self._ops, self.rate
        if not ops.narrow_float(self._dtype):
            return ops.xlogy(value, rate) - rate - ops.lgamma(value + 1)
        xp = ops.xp
        positive = value > 0
        k = xp.where(positive, value, xp.ones_like(value))  # the other side is kept away from k = 0
        saddle = -ops.stirlerr(k) - ops.bd0(k, rate) - 0.5 * xp.log(2 * math.pi * k)
        return xp.where(positive, saddle, -rate)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Array:
    r""":math:`\lambda_p \log(\lambda_p / \lambda_q) - \lambda_p + \lambda_q` (infinite where only
    :math:`\lambda_q` is 0)."""
    return _deviance(p._ops, p.rate, q.rate)  # bd0: no cancellation (float32 rates 1e7 and 1.0001e7 gave -8)


@register_kl(Poisson, Binomial)
def _kl_poisson_binomial(p: Poisson, q: Binomial) -> Array:
    r"""Infinite (a Poisson puts mass beyond any ``total_count``), except at :math:`\lambda = 0`, a point
    mass at 0: :math:`-n \log(1 - q)` there (torch.distributions returns infinity everywhere)."""
    xp = p._ops.xp
    at_zero = -_xlog1mp(q.total_count, q) + xp.zeros_like(p.rate)
    return xp.where(p.rate == 0, at_zero, xp.full_like(at_zero, math.inf))


@register_kl(Poisson, Bernoulli)
def _kl_poisson_bernoulli(p: Poisson, q: Bernoulli) -> Array:
    r"""Infinite (mass beyond 1), except at :math:`\lambda = 0`: :math:`-\log(1 - q)` there (torch.distributions:
    infinity everywhere)."""
    xp = p._ops.xp
    at_zero = -_xlog1mp(xp.ones_like(q.probs), q) + xp.zeros_like(p.rate)
    return xp.where(p.rate == 0, at_zero, xp.full_like(at_zero, math.inf))


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p: Bernoulli, q: Poisson) -> Array:
    r""":math:`-H(p) - (p \log\lambda - \lambda)`."""
    return q.rate - p.entropy() - p._ops.xlogy(p.probs, q.rate)
