"""The negative binomial distribution: successes before ``total_count`` failures."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution, lazy_property
from .binomial import LGAMMA_FORM_UPTO, _beta_tail, _log_beta_tail, _log_binomial_term, _xlog1mp, _xlogp

__all__ = ["NegativeBinomial"]

Array = Any


class NegativeBinomial(Distribution):
    r"""Negative binomial distribution: the number of successes, of probability ``probs`` each (or log-odds
    ``logits``), before ``total_count`` failures, as torch.distributions (SciPy's ``nbinom(n, p)`` has
    :math:`p` the probability of a failure here: ``nbinom(total_count, 1 - probs)``).

    .. math::
        P(X = k) = \frac{\Gamma(k + r)}{k!\,\Gamma(r)} (1 - p)^r p^k, \qquad k = 0, 1, \dots

    through :math:`\log\Gamma` in float64 (the coefficient is 1 at :math:`k = 0`, also for :math:`r = 0`: a
    point mass at 0).  In narrower floats, for :math:`k, r > 0`, as :math:`\frac{r}{r + k}` times the binomial
    mass of :math:`k` successes in :math:`r + k` trials, in its saddle-point form (``binomial._log_binomial_term``):
    exact at any count, where the :math:`\log\Gamma` terms lose the result's digits in float32.

    Args:
        total_count: :math:`r \ge 0`, real (not only integers), broadcastable with the others.
        probs: success probability :math:`p \in [0, 1)` (exactly one of ``probs`` and ``logits``).
        logits: log-odds :math:`\log(p / (1 - p))`, real.
        validate_args: check parameters and values (default: the global switch, on).

    Draws are a Gamma-Poisson mixture, :math:`X \sim \mathrm{Poisson}(G\,p / (1 - p))` with
    :math:`G \sim \mathrm{Gamma}(r, 1)` (the seed split in two), floats of the parameters' dtype.

    Example:
        >>> import numpy as np
        >>> from arraydist import NegativeBinomial
        >>> d = NegativeBinomial(3.0, probs=np.array([0.25, 0.5]))
        >>> d.mean
        array([1., 3.])
        >>> d.log_prob(np.array([1, 3])).round(4)
        array([-1.1507, -1.8563])
        >>> d.sample((3,), seed=0).shape
        (3, 2)
    """

    arg_constraints = {
        "total_count": constraints.nonnegative,
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    _param_forms = (("probs", "logits"),)
    support = constraints.nonnegative_integer

    total_count: Array

    def __init__(
        self, total_count: Any, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        self._init_params({"total_count": total_count, "probs": probs, "logits": logits}, validate_args)

    @lazy_property
    def probs(self) -> Array:
        return self._ops.expit(self.logits)

    @lazy_property
    def logits(self) -> Array:
        return self._ops.logit(self.probs)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._batch_shape

    @property
    def _odds(self) -> Array:
        """:math:`p / (1 - p)`."""
        if "probs" in self._leaves:
            return self.probs / (1 - self.probs)
        return self._ops.xp.exp(self.logits)

    @property
    def mean(self) -> Array:
        return self.total_count * self._odds

    @property
    def mode(self) -> Array:
        xp = self._ops.xp
        m = xp.floor((self.total_count - 1) * self._odds)
        return xp.maximum(m, xp.zeros_like(m))

    @property
    def variance(self) -> Array:
        odds = self._odds
        return self.total_count * odds * (1 + odds)  # mean / (1 - p)

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        shape = sample_shape + self._batch_shape
        gamma_rng, poisson_rng = ops.split(rng, 2)
        r, odds = ops.stop_gradient(self.total_count), ops.stop_gradient(self._odds)
        rate = ops.standard_gamma(gamma_rng, r, shape, self._dtype, self._device)
        rate = rate * odds
        return ops.poisson(poisson_rng, rate, shape, self._dtype, self._device)

    def _cdf(self, value: Array) -> Array:
        r""":math:`P(X \le k) = I_{1-p}(r, k + 1)`, the regularized incomplete beta function (1 at :math:`r = 0`,
        a point mass at 0)."""
        return self._tail(value, lower=True)

    def _survival_function(self, value: Array) -> Array:
        r""":math:`P(X > k) = I_p(k + 1, r)`, by its own function (relative accuracy in the upper tail)."""
        return self._tail(value, lower=False)

    def _log_cdf(self, value: Array) -> Array:
        return self._tail(value, lower=True, log=True)

    def _log_survival_function(self, value: Array) -> Array:
        return self._tail(value, lower=False, log=True)

    def _tail(self, value: Array, lower: bool, log: bool = False) -> Array:
        xp, r = self._ops.xp, self.total_count
        some = r > 0
        failures = xp.where(some, r, xp.ones_like(r))  # r = 0 kept away from betainc's pole
        if log:  # in log space: finite where a tail underflows, exact where the CDF rounds to 1
            tail = _log_beta_tail(self, value + 1, failures, upper=not lower)
            return xp.where(some, tail, xp.zeros_like(tail) if lower else xp.full_like(tail, -math.inf))
        tail = _beta_tail(self, value + 1, failures, upper=not lower)
        return xp.where(some, tail, xp.ones_like(tail) if lower else xp.zeros_like(tail))

    def _log_prob(self, value: Array) -> Array:
        ops, r = self._ops, self.total_count
        xp = ops.xp
        if ops.narrow_float(self._dtype) or ops.side(r + value, LGAMMA_FORM_UPTO) is not False:
            positive, some = value > 0, r > 0
            k = xp.where(positive, value, xp.ones_like(value))  # each side kept away from the other's poles
            failures = xp.where(some, r, xp.ones_like(r))
            term = _log_binomial_term(self, k, failures) + xp.log(failures / (failures + k))
            term = xp.where(some, term, xp.full_like(term, -math.inf))  # r = 0: a point mass at 0
            return xp.where(positive, term, _xlog1mp(r, self))
        first = value == 0
        one = xp.ones_like(value)
        # at k = 0 the coefficient is 1 whatever r (r = 0 included: a point mass at 0); the other branch is
        # kept away from its pole there
        k = xp.where(first, one, value)
        log_choose = ops.lgamma(r + k) - ops.lgamma(k + 1) - ops.lgamma(r)
        log_choose = xp.where(first, xp.zeros_like(log_choose), log_choose)
        return log_choose + _xlog1mp(r, self) + _xlogp(value, self)
