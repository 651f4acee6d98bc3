"""The Bernoulli distribution: one coin flip, of probability ``probs`` or log-odds ``logits``."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution, lazy_property
from ..kl import register_kl

__all__ = ["Bernoulli"]

Array = Any


class Bernoulli(Distribution):
    r"""Bernoulli distribution: 1 with probability :math:`p`, 0 with probability :math:`1 - p`.

    .. math::
        P(x \mid p) = p^x (1-p)^{1-x}, \qquad
        \log P(x \mid \ell) = x\,\ell - \operatorname{softplus}(\ell), \quad p = \sigma(\ell)

    Args:
        probs: :math:`p \in [0, 1]`, any shape (exactly one of ``probs`` and ``logits``).
        logits: the log-odds :math:`\ell = \log\frac{p}{1-p}`, finite reals.
        validate_args: check parameters and values (default: the global switch, on).

    The form not given is derived when first read (``logits = logit(probs)``, ``probs = sigmoid(logits)``,
    exactly: ``probs`` of 0 has ``logits`` of ``-inf``).  Masses are computed from the form given, so ``probs``
    of exactly 0 or 1 give masses of exactly 0 and 1, and ``logits`` of :math:`\pm 100` stay finite in float32.
    Draws are 0.0 and 1.0 in the parameters' floating dtype (as in ``torch.distributions``); ``log_prob``
    takes integer, boolean or floating values.

    Example:
        >>> import numpy as np
        >>> from arraydist import Bernoulli
        >>> d = Bernoulli(probs=np.array([0.25, 1.0]))
        >>> d.log_prob(np.array([1, 0])).round(4)
        array([-1.3863,    -inf])
        >>> d.enumerate_support().shape
        (2, 2)
        >>> float(Bernoulli(logits=100.0).log_prob(0.0))
        -100.0
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    _param_forms = (("probs", "logits"),)
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._init_params({"probs": probs, "logits": logits}, validate_args)

    @lazy_property
    def probs(self) -> Array:
        return self._ops.expit(self.logits)

    @lazy_property
    def logits(self) -> Array:
        return self._ops.logit(self.probs)

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of the parameter given (``probs`` or ``logits``)."""
        return tuple(self.__dict__[self._leaves[0]].shape)

    @property
    def mean(self) -> Array:
        return self.probs

    @property
    def mode(self) -> Array:
        """1 where :math:`p > 1/2`, 0 where :math:`p < 1/2`, NaN at :math:`p = 1/2` (two modes)."""
        xp, p = self._ops.xp, self.probs
        return xp.where(p == 0.5, xp.full_like(p, float("nan")), xp.astype(p > 0.5, p.dtype))

    @property
    def variance(self) -> Array:
        p = self.probs
        return p * (1 - p)

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        return self._ops.bernoulli(rng, self.probs, sample_shape + self._batch_shape, self._dtype, self._device)

    def _log_prob(self, value: Array) -> Array:
        ops = self._ops
        if self._leaves[0] == "logits":
            logits = self.logits
            return value * logits - ops.softplus(logits)  # exact at +-100 in float32: no log(1 - p)
        p = self.probs
        return ops.xlogy(value, p) + ops.xlog1py(1 - value, -p)  # exact at p = 0 and 1

    # The tails: F(0) = 1 - p, F(1) = 1; each from the form given (1 - p from the logits as sigmoid(-logits), so
    # neither tail rounds to 0 or 1 at logits of +-100).
    def _log_p_pair(self) -> tuple[Array, Array]:
        r""":math:`(\log p, \log(1 - p))`, from the form given."""
        ops = self._ops
        if self._leaves[0] == "logits":
            return -ops.softplus(-self.logits), -ops.softplus(self.logits)
        p = self.probs
        one = ops.xp.ones_like(p)
        return ops.xlogy(one, p), ops.xlog1py(one, -p)  # no warning at p = 0 or 1: -inf is the answer

    def _cdf(self, value: Array) -> Array:
        xp = self._ops.xp
        q = self._ops.expit(-self.logits) if self._leaves[0] == "logits" else 1 - self.probs
        return xp.where(value >= 1, xp.ones_like(q), q)

    def _survival_function(self, value: Array) -> Array:
        xp = self._ops.xp
        p = self.probs
        return xp.where(value >= 1, xp.zeros_like(p), p)

    def _log_cdf(self, value: Array) -> Array:
        xp = self._ops.xp
        log_q = self._log_p_pair()[1]
        return xp.where(value >= 1, xp.zeros_like(log_q), log_q)

    def _log_survival_function(self, value: Array) -> Array:
        xp = self._ops.xp
        log_p = self._log_p_pair()[0]
        return xp.where(value >= 1, xp.full_like(log_p, -math.inf), log_p)

    def _icdf(self, value: Array) -> Array:
        """0 up to :math:`F(0) = 1 - p`, 1 above it."""
        xp = self._ops.xp
        q = self._cdf(xp.zeros_like(value))
        return xp.astype(value > q, q.dtype)

    def entropy(self) -> Array:
        r""":math:`-p\log p - (1-p)\log(1-p)`, or :math:`\operatorname{softplus}(\ell) - p\,\ell` from logits."""
        ops = self._ops
        if self._leaves[0] == "logits":
            logits = self.logits
            return ops.softplus(logits) - self.probs * logits
        p = self.probs
        return -(ops.xlogy(p, p) + ops.xlog1py(1 - p, -p))

    def enumerate_support(self, expand: bool = True) -> Array:
        values = self._ops.xp.asarray([0.0, 1.0], dtype=self._dtype, device=self._device)
        return self._enumerate_values(values, expand)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Array:
    r""":math:`p\log\frac{p}{q} + (1-p)\log\frac{1-p}{1-q}`, as two non-negative deviances (``binomial._kl_trial``);
    infinite where :math:`q` gives 0 to a value of positive mass under :math:`p`."""
    from .binomial import _kl_trial  # binomial's module builds on this one's family, not the reverse

    return _kl_trial(p, q)
