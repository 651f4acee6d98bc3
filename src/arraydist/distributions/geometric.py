"""The geometric distribution: failures before the first success."""

from __future__ import annotations

from typing import Any

from .. import constraints
from ..distribution import Distribution, lazy_property
from ..kl import register_kl
from .binomial import _kl_trial, _logp, _probs_pair, _xlog1mp, _xlogp

__all__ = ["Geometric"]

Array = Any


class Geometric(Distribution):
    r"""Geometric distribution: the number of failures before the first success in trials of success
    probability ``probs`` (or log-odds ``logits``), as torch.distributions (SciPy's ``geom`` counts trials).

    .. math::
        P(X = k) = (1 - p)^k p, \qquad k = 0, 1, \dots

    Args:
        probs: success probability :math:`p \in (0, 1]` (exactly one of ``probs`` and ``logits``).
        logits: log-odds :math:`\log(p / (1 - p))`, real.
        validate_args: check parameters and values (default: the global switch, on).

    Draws are :math:`\lfloor E / (-\log(1 - p)) \rfloor` with :math:`E` standard exponential, floats of the
    parameters' dtype.

    Example:
        >>> import numpy as np
        >>> from arraydist import Geometric
        >>> d = Geometric(probs=np.array([0.25, 1.0]))
        >>> d.mean
        array([3., 0.])
        >>> d.log_prob(np.array([2, 0])).round(4)
        array([-1.9617,  0.    ])
        >>> d.sample((3,), seed=0).shape
        (3, 2)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    _param_forms = (("probs", "logits"),)
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._init_params({"probs": probs, "logits": logits}, validate_args)

    def _post_init(self, validate: bool) -> None:
        if validate and "probs" in self._leaves:
            self._require(self.probs > 0, "probs > 0", "probs")

    @lazy_property
    def probs(self) -> Array:
        return self._ops.expit(self.logits)

    @lazy_property
    def logits(self) -> Array:
        return self._ops.logit(self.probs)

    @property
    def mean(self) -> Array:
        if "probs" in self._leaves:
            # two roundings at any p, where 1 / p - 1 cancels near p = 1 (6 % off at 1 - 1e-6 in float32)
            return (1 - self.probs) / self.probs
        return self._ops.xp.exp(-self.logits)  # (1 - p) / p, without 1 / p - 1 cancelling near p = 1

    @property
    def mode(self) -> Array:
        return self._ops.xp.zeros_like(self.probs)

    @property
    def variance(self) -> Array:
        return self.mean / self.probs

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        e = ops.exponential(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        # -log(1 - p): +inf at p = 1, so every draw is 0 there
        if "logits" in self._leaves:
            rate = ops.softplus(self.logits)
        else:  # as xlog1py: no warning at p = 1, where log1p(-p) = -inf
            rate = -ops.xlog1py(ops.xp.ones_like(self.probs), -self.probs)
        return ops.xp.floor(e / ops.stop_gradient(rate))

    def _log_prob(self, value: Array) -> Array:
        return _xlog1mp(value, self) + _logp(self)

    # The tails in closed form from log S(k) = (k + 1) log(1 - p), exact in both: S = exp of it, F = -expm1 of
    # it and log F = log1mexp of it (no 1 - S rounded to 0 in the lower tail, nor to 1 in the upper).
    def _log_survival_function(self, value: Array) -> Array:
        return _xlog1mp(value + 1, self)

    def _survival_function(self, value: Array) -> Array:
        return self._ops.xp.exp(self._log_survival_function(value))

    def _cdf(self, value: Array) -> Array:
        return -self._ops.xp.expm1(self._log_survival_function(value))

    def _log_cdf(self, value: Array) -> Array:
        return self._ops.log1mexp(self._log_survival_function(value))

    def _icdf(self, value: Array) -> Array:
        r"""The smallest :math:`k` with :math:`F(k) \ge u`, i.e. :math:`(k + 1)\log(1 - p) \le \log(1 - u)`:
        :math:`\lceil \log(1 - u) / \log(1 - p) \rceil - 1`, moved by one where the quotient's rounding crossed
        a step.  The steps are compared in logs, where float32 still tells :math:`F(1) < 0.99` at
        :math:`p = 0.9` (both sides round to 0.99 as probabilities)."""
        xp = self._ops.xp
        log1mp = _xlog1mp(xp.ones_like(value), self)  # -inf at p = 1 (every quantile is 0), without a warning
        log1mu = xp.log1p(-value)
        k = xp.maximum(xp.ceil(log1mu / log1mp) - 1, xp.zeros_like(value))

        def reaches(j: Array) -> Array:  # F(j) >= u, for j >= 0 (no 0 * inf at p = 1)
            return xp.maximum(j + 1, xp.ones_like(j)) * log1mp <= log1mu

        k = xp.where((k > 0) & reaches(k - 1), k - 1, k)
        return xp.where(reaches(k), k, k + 1)

    def entropy(self) -> Array:
        r""":math:`-\left(p \log p + (1 - p) \log(1 - p)\right) / p`; from logits
        :math:`\operatorname{softplus}(-\ell) + e^{-\ell}\operatorname{softplus}(\ell)`, whose second term is
        :math:`\log(1 + u)/u`, :math:`u = e^{\ell}`, for :math:`\ell < 0` (:math:`1 - u/2` for tiny :math:`u`)."""
        if "probs" in self._leaves:
            p, q = _probs_pair(self)
            return -(_xlogp(p, self) + _xlog1mp(q, self)) / p
        ops, logits = self._ops, self.logits
        xp = ops.xp
        u = xp.exp(-xp.abs(logits))  # in (0, 1]: no overflow
        safe = xp.where(u > 1e-6, u, xp.ones_like(u))
        # l < 0: exp(-l) log1p(exp(l)); below 1e-6 its series (u may be subnormal, or 0, there)
        negative = xp.where(u > 1e-6, xp.log1p(safe) / safe, 1 - 0.5 * u)
        positive = u * ops.softplus(logits)  # l >= 0
        return ops.softplus(-logits) + xp.where(logits < 0, negative, positive)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> Array:
    r""":math:`\log\frac{p}{q} + \frac{1 - p}{p}\log\frac{1 - p}{1 - q}`, i.e. the KL of one trial over
    :math:`p` (``binomial._kl_trial``: non-negative, no cancellation between nearby parameters)."""
    return _kl_trial(p, q) / p.probs
