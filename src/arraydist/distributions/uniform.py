"""The continuous uniform distribution on an interval."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..kl import register_infinite_kl, register_kl
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .laplace import Laplace
from .normal import Normal

__all__ = ["Uniform"]

Array = Any


class Uniform(Distribution):
    r"""Uniform distribution on :math:`[a, b]` (``low``, ``high``).

    .. math::
        p(x \mid a, b) = \frac{1}{b - a}, \qquad a \le x \le b

    Args:
        low: :math:`a` (real), any shape.
        high: :math:`b > a`, broadcastable with ``low``.
        validate_args: check parameters and values (default: the global switch, on).

    The support depends on the parameters (``support`` is ``interval(low, high)``, bounds per batch member):
    ``log_prob`` outside it is :math:`-\infty` with validation off and an error naming the member's bounds with
    validation on.  Draws are reparameterized, :math:`x = a + (b - a) u`.  ``mode`` is NaN (every point of the
    interval is one), as in torch.distributions.

    Example:
        >>> import numpy as np
        >>> from arraydist import Uniform
        >>> d = Uniform(np.array([0.0, 1.0]), np.array([2.0, 5.0]), validate_args=False)
        >>> d.log_prob(np.array([1.5, 0.5])).round(4)
        array([-0.6931,    -inf])
        >>> d.cdf(np.array([1.0, 2.0]))
        array([0.5 , 0.25])
    """

    arg_constraints = {"low": constraints.real, "high": constraints.real}
    has_rsample = True

    low: Array
    high: Array

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self._init_params({"low": low, "high": high}, validate_args)

    def _post_init(self, validate: bool) -> None:
        if validate:
            self._require(self.low < self.high, "low < high", "low", "high")

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Array:
        return 0.5 * (self.low + self.high)

    @property
    def mode(self) -> Array:
        return self._ops.xp.full_like(self.low, math.nan)

    @property
    def stddev(self) -> Array:
        return (self.high - self.low) / math.sqrt(12.0)

    @property
    def variance(self) -> Array:
        width = self.high - self.low
        return width * width / 12.0

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        u = self._ops.uniform(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return self.low + (self.high - self.low) * u

    def _log_prob(self, value: Array) -> Array:
        xp = self._ops.xp
        lp = -xp.log(self.high - self.low) + xp.zeros_like(value)
        inside = (value >= self.low) & (value <= self.high)
        return xp.where(inside, lp, xp.full_like(lp, -math.inf))

    def _clipped(self, value: Array) -> Array:
        xp = self._ops.xp
        low, high = self.low + xp.zeros_like(value), self.high + xp.zeros_like(value)
        return xp.where(value < low, low, xp.where(value > high, high, value))

    def _cdf(self, value: Array) -> Array:
        return (self._clipped(value) - self.low) / (self.high - self.low)

    def _log_tail(self, near: Array, far: Array) -> Array:
        r"""The log of a tail from the value's distance to its bound, :math:`n`, and to the other bound, :math:`f`
        (either may be negative outside the support): :math:`\log(n / w)` where :math:`n \le f`, else
        :math:`\log(1 - f / w)` by ``log1p``, :math:`w = b - a`: the log of a tail near 1 as the log of its
        complement (``log(n / w)`` of :math:`n / w = 1 - 10^{-15}` keeps one digit)."""
        xp = self._ops.xp
        w = self.high - self.low
        small, positive = near <= far, near > 0
        # each side's argument kept on its own side (and log's off 0): no warning, no NaN gradient
        log_near = xp.log(xp.where(positive, near, w) / w)
        log_near = xp.where(positive, log_near, xp.full_like(log_near, -math.inf))
        log_far = xp.log1p(-xp.clip(xp.where(small, xp.zeros_like(far), far), 0.0) / w)
        return xp.where(small, log_near, log_far)

    def _log_cdf(self, value: Array) -> Array:
        return self._log_tail(value - self.low, self.high - value)

    def _survival_function(self, value: Array) -> Array:
        return (self.high - self._clipped(value)) / (self.high - self.low)

    def _log_survival_function(self, value: Array) -> Array:
        return self._log_tail(self.high - value, value - self.low)

    def _icdf(self, value: Array) -> Array:
        return self.low + (self.high - self.low) * value

    def entropy(self) -> Array:
        r""":math:`\log(b - a)`."""
        return self._ops.xp.log(self.high - self.low)


def _infinite(xp: Any, like: Array) -> Array:
    return xp.full_like(like, math.inf)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Array:
    r""":math:`\log\frac{b_q - a_q}{b_p - a_p}` where :math:`[a_p, b_p] \subseteq [a_q, b_q]`, else infinite."""
    xp = p._ops.xp
    kl = xp.log((q.high - q.low) / (p.high - p.low))
    return xp.where((q.low > p.low) | (q.high < p.high), _infinite(xp, kl), kl)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p: Uniform, q: Normal) -> Array:
    r""":math:`\log\frac{\sigma\sqrt{2\pi}}{b - a} + \frac{(b - a)^2 / 12 + ((a + b)/2 - \mu)^2}{2\sigma^2}`."""
    xp = p._ops.xp
    width = p.high - p.low
    centre = 0.5 * (p.high + p.low) - q.loc
    return (
        xp.log(q.scale / width)
        + 0.5 * math.log(2 * math.pi)
        + (width * width / 12.0 + centre * centre) / (2.0 * q.scale * q.scale)
    )


register_infinite_kl((Normal, Uniform), where="the normal puts mass outside any interval")


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p: Uniform, q: Exponential) -> Array:
    r""":math:`\lambda (a + b)/2 - \log(\lambda (b - a))` where :math:`a \ge 0`, else infinite."""
    xp = p._ops.xp
    kl = q.rate * 0.5 * (p.high + p.low) - xp.log((p.high - p.low) * q.rate)
    return xp.where(p.low < 0, _infinite(xp, kl), kl)


register_infinite_kl((Exponential, Uniform), where="the exponential puts mass beyond any interval")


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p: Uniform, q: ContinuousBernoulli) -> Array:
    r""":math:`-\log(b - a) - \eta (a + b)/2 + A(\eta)` (:math:`\log q(x) = \eta x - A(\eta)` on [0, 1]) where
    :math:`[a, b] \subseteq [0, 1]`, else infinite (torch.distributions: infinite at :math:`a = 0` or
    :math:`b = 1` too)."""
    xp = p._ops.xp
    kl = -xp.log(p.high - p.low) - q.logits * 0.5 * (p.low + p.high) + q._log_normalizer()
    return xp.where((p.low < 0) | (p.high > 1), _infinite(xp, kl), kl)


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p: ContinuousBernoulli, q: Uniform) -> Array:
    r""":math:`-H(p) + \log(b - a)` where :math:`[0, 1] \subseteq [a, b]`, else infinite (torch.distributions:
    infinite at :math:`a = 0` or :math:`b = 1` too)."""
    xp = p._ops.xp
    kl = -p.entropy() + xp.log(q.high - q.low)
    return xp.where((q.low > 0) | (q.high < 1), _infinite(xp, kl), kl)


register_infinite_kl((Laplace, Uniform), where="the Laplace distribution puts mass outside any interval")
