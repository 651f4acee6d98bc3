"""The Kumaraswamy distribution on the unit interval."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..transforms import AffineTransform, PowerTransform
from .exponential import _log_or_minus_inf, _times_log_zero
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform

__all__ = ["Kumaraswamy"]

Array = Any
_EULER = 0.57721566490153286061
#: where b x^a is below e^this (1e-8), log(1 - (1 - x^a)^b) is log(b) + a log(x) - (b - 1) x^a / 2 (the next
#: terms are of order (b x^a)^2), finite where x^a underflows (CDF 1e-50 in float32)
_SERIES_BELOW = math.log(1e-8)


class Kumaraswamy(TransformedDistribution):
    r"""Kumaraswamy distribution with ``concentration1`` :math:`a` and ``concentration0`` :math:`b`.

    .. math::
        p(x \mid a, b) = a b\, x^{a - 1} (1 - x^a)^{b - 1}, \qquad F(x) = 1 - (1 - x^a)^b, \qquad 0 \le x \le 1

    Args:
        concentration1: :math:`a > 0`, any shape.
        concentration0: :math:`b > 0`, broadcastable with ``concentration1``.
        validate_args: check parameters and values (default: the global switch, on).

    As in torch.distributions, a ``TransformedDistribution`` of a uniform base by
    :math:`x = (1 - u^{1/b})^{1/a}`; the density, the tails, the moments and the entropy are closed forms.  The
    moments are :math:`E[X^n] = b\, B(1 + n/a, b)` (through the log-beta function), the tails go through
    :math:`\log S(x) = b \log(1 - x^a)` without cancellation, and draws are
    :math:`(1 - e^{-\varepsilon/b})^{1/a}`, :math:`\varepsilon \sim \mathrm{Exp}(1)`.  The mode is
    :math:`((a - 1)/(ab - 1))^{1/a}` where :math:`a, b \ge 1` (not both 1), NaN elsewhere, as in torch.

    Example:
        >>> import numpy as np
        >>> from arraydist import Kumaraswamy
        >>> d = Kumaraswamy(np.array([2.0, 5.0]), np.array([5.0, 2.0]))
        >>> d.mean.round(4)
        array([0.3694, 0.7576])
        >>> d.cdf(np.array([0.5, 0.5])).round(4)
        array([0.7627, 0.0615])
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    concentration1: Array
    concentration0: Array

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: bool | None = None) -> None:
        self._init_params({"concentration1": concentration1, "concentration0": concentration0}, validate_args)
        if self._neutral:
            base = Uniform(0.0, 1.0, validate_args=False)
        else:
            xp = self._ops.xp
            base = Uniform(xp.zeros_like(self.concentration0), xp.ones_like(self.concentration0), validate_args=False)
        transforms = [
            PowerTransform(1.0 / self.concentration0),
            AffineTransform(1.0, -1.0),
            PowerTransform(1.0 / self.concentration1),
        ]
        super().__init__(base, transforms, validate_args=self._validate_args)

    def _repr_params(self) -> list[str]:
        return Distribution._repr_params(self)

    # the closed-form sampler below, not the base's draw pushed through the transforms
    _sample = Distribution._sample
    _rsample_and_log_prob = Distribution._rsample_and_log_prob

    def _moment(self, n: float) -> Array:
        r""":math:`E[X^n] = b\,B(1 + n/a, b)`, through the backend's log-beta function (exact at any size)."""
        ops = self._ops
        # the terms inside the log-beta function cancel: float16 and bfloat16 compute in float32
        work = ops.wide_float(self._dtype)
        a, b = ops.cast(self.concentration1, work), ops.cast(self.concentration0, work)
        return ops.cast(b * ops.xp.exp(ops.betaln(1.0 + n / a, b)), self._dtype)

    @property
    def mean(self) -> Array:
        return self._moment(1.0)

    @property
    def mode(self) -> Array:
        xp = self._ops.xp
        a, b = self.concentration1, self.concentration0
        unimodal = (a >= 1) & (b >= 1) & (a * b > 1)
        one = xp.ones_like(a)
        ratio = xp.where(unimodal, (a - 1.0) / xp.where(unimodal, a * b - 1.0, one), one)
        return xp.where(unimodal, xp.pow(ratio, 1.0 / a), xp.full_like(ratio, math.nan))

    @property
    def variance(self) -> Array:
        mean = self._moment(1.0)
        return self._moment(2.0) - mean * mean  # in the narrow dtype too: 0.0025 of 0.9 is beyond float16 anyway

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        xp = self._ops.xp
        eps = self._ops.exponential(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return xp.pow(-xp.expm1(-eps / self.concentration0), 1.0 / self.concentration1)

    def _log1m_power(self, x: Array) -> Array:
        r""":math:`\log(1 - x^a)` as :math:`\log(1 - e^{a \log x})`: near :math:`x = 1`, where :math:`1 - x^a`
        keeps nothing of a float32 :math:`x`, :math:`a \log x` is exact to the last digits."""
        return self._ops.log1mexp(-self.concentration1 * _log_or_minus_inf(self._ops, x))

    def _log_sf(self, value: Array) -> Array:
        r""":math:`b \log(1 - x^a)` at the value clipped into [0, 1]."""
        xp = self._ops.xp
        x = xp.where(value > 0, xp.where(value < 1, value, xp.ones_like(value)), xp.zeros_like(value))
        return self.concentration0 * self._log1m_power(x)

    def _log_prob(self, value: Array) -> Array:
        ops = self._ops
        xp = ops.xp
        a, b = self.concentration1, self.concentration0
        inside = (value >= 0) & (value <= 1)
        x = xp.where(inside, value, xp.zeros_like(value))
        # (a - 1) log x and (b - 1) log(1 - x^a) from finite logarithms, so that their gradients in a and b are
        # log x and log(1 - x^a) also at a = 1 or b = 1 (xlogy's is 0 there on torch); at the ends of the
        # support, c log 0
        zero = xp.zeros_like(x)
        positive, below_one = x > 0, x < 1
        head = (a - 1.0) * xp.log(xp.where(positive, x, xp.ones_like(x)))
        tail = (b - 1.0) * self._log1m_power(xp.where(below_one, x, zero + 0.5))
        head = xp.where(positive, head, _times_log_zero(xp, a - 1.0 + zero))
        tail = xp.where(below_one, tail, _times_log_zero(xp, b - 1.0 + zero))
        lp = xp.log(a * b) + head + tail
        return xp.where(inside, lp, xp.full_like(lp, -math.inf))

    def _cdf(self, value: Array) -> Array:
        return -self._ops.xp.expm1(self._log_sf(value))

    def _log_cdf(self, value: Array) -> Array:
        ops = self._ops
        xp = ops.xp
        a, b = self.concentration1, self.concentration0
        x = xp.where(value > 0, xp.where(value < 1, value, xp.ones_like(value)), xp.zeros_like(value))
        # log x^a from a finite logarithm, -inf at x = 0 (finite gradients in the parameters there)
        positive = x > 0
        log_power = a * xp.log(xp.where(positive, x, xp.ones_like(x)))
        lead = xp.where(positive, log_power + xp.log(b), xp.full_like(log_power, -math.inf))
        side = ops.side(lead, _SERIES_BELOW)
        if side:
            return ops.log1mexp(b * ops.log1mexp(log_power))
        near = lead - 0.5 * (b - 1.0) * xp.exp(log_power)
        if side is False:
            return near
        small = lead <= _SERIES_BELOW
        # the far side's argument kept off log x^a = -inf (x = 0), whose log1mexp(0) = -inf has a NaN gradient
        safe = xp.where(small, -xp.ones_like(log_power), log_power)
        return xp.where(small, near, ops.log1mexp(b * ops.log1mexp(safe)))

    def _survival_function(self, value: Array) -> Array:
        return self._ops.xp.exp(self._log_sf(value))

    def _log_survival_function(self, value: Array) -> Array:
        return self._log_sf(value)

    def _icdf(self, value: Array) -> Array:
        xp = self._ops.xp
        return xp.pow(-xp.expm1(xp.log1p(-value) / self.concentration0), 1.0 / self.concentration1)

    def entropy(self) -> Array:
        r""":math:`(1 - 1/b) + (1 - 1/a)(\psi(b + 1) + \gamma) - \log(a b)`."""
        a, b = self.concentration1, self.concentration0
        harmonic = self._ops.digamma(b + 1.0) + _EULER
        return (1.0 - 1.0 / b) + (1.0 - 1.0 / a) * harmonic - self._ops.xp.log(a * b)
