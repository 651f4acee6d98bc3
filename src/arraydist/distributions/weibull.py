"""The Weibull distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..transforms import AffineTransform, PowerTransform
from .exponential import Exponential, _positive_part, _times_log_zero
from .transformed_distribution import TransformedDistribution

__all__ = ["Weibull"]

Array = Any
_EULER = 0.57721566490153286061
#: below this y = (x / scale)^k, log(1 - exp(-y)) is k log(x / scale) - y / 2 (the next term, y^2 / 24, is below
#: 1e-17 there), finite where y underflows (CDF 1e-50 in float32)
_SERIES_BELOW = 1e-8


class Weibull(TransformedDistribution):
    r"""Weibull distribution of scale ``scale`` and shape ``concentration``.

    .. math::
        p(x \mid \lambda, k) = \frac{k}{\lambda} \left(\frac{x}{\lambda}\right)^{k - 1}
        e^{-(x/\lambda)^k}, \qquad x \ge 0

    Args:
        scale: :math:`\lambda > 0`, any shape.
        concentration: :math:`k > 0`, broadcastable with ``scale``.
        validate_args: check parameters and values (default: the global switch, on).

    As in torch.distributions, a ``TransformedDistribution`` of ``Exponential(1)`` by :math:`x = \lambda y^{1/k}`;
    the density, the tails, the moments and the entropy are closed forms.  With :math:`t = (x/\lambda)^k`:
    :math:`\log(1 - F) = -t` and :math:`\log F = \log(1 - e^{-t})`, accurate in both tails.  The variance is
    :math:`\lambda^2 \Gamma(1 + 1/k)^2 (e^{\delta} - 1)`, :math:`\delta = \log\Gamma(1 + 2/k) - 2\log\Gamma(1 +
    1/k)`, which does not cancel at large :math:`k`.  The mode is 0 for :math:`k \le 1` (torch: NaN below 1).

    Example:
        >>> import numpy as np
        >>> from arraydist import Weibull
        >>> d = Weibull(np.array([1.0, 2.0]), np.array([0.5, 3.0]))
        >>> d.mean.round(4)
        array([2.   , 1.786])
        >>> d.log_survival_function(np.array([100.0, 100.0]))
        array([-1.00e+01, -1.25e+05])
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    scale: Array
    concentration: Array

    def __init__(self, scale: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self._init_params({"scale": scale, "concentration": concentration}, validate_args)
        base = Exponential(1.0 if self._neutral else self._ops.xp.ones_like(self.scale), validate_args=False)
        transforms = [PowerTransform(1.0 / self.concentration), AffineTransform(0.0, self.scale)]
        super().__init__(base, transforms, validate_args=self._validate_args)

    def _repr_params(self) -> list[str]:
        return Distribution._repr_params(self)

    # the closed-form sampler below, not the base's draw pushed through the transforms
    _sample = Distribution._sample
    _rsample_and_log_prob = Distribution._rsample_and_log_prob

    def _lgamma_ratio(self, n: float) -> Array:
        return self._ops.lgamma(1.0 + n / self.concentration)

    @property
    def mean(self) -> Array:
        return self.scale * self._ops.xp.exp(self._lgamma_ratio(1.0))

    @property
    def mode(self) -> Array:
        xp, k = self._ops.xp, self.concentration
        peaked = k > 1
        safe = xp.where(peaked, k, xp.full_like(k, 2.0))
        mode = self.scale * xp.exp(xp.log1p(-1.0 / safe) / safe)
        return xp.where(peaked, mode, xp.zeros_like(mode))

    @property
    def variance(self) -> Array:
        xp = self._ops.xp
        first = self._lgamma_ratio(1.0)
        mean = self.scale * xp.exp(first)
        return mean * mean * xp.expm1(self._lgamma_ratio(2.0) - 2.0 * first)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        eps = self._ops.exponential(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return self.scale * self._ops.xp.pow(eps, 1.0 / self.concentration)

    def _t(self, value: Array) -> Array:
        xp = self._ops.xp
        return xp.pow(_positive_part(xp, value) / self.scale, self.concentration)

    def _log_prob(self, value: Array) -> Array:
        ops = self._ops
        xp = ops.xp
        k = self.concentration
        z = _positive_part(xp, value) / self.scale
        # (k - 1) log z from a finite logarithm, so that its gradient in k is log z also at k = 1 (xlogy's is 0
        # there on torch); at z = 0, (k - 1) log 0
        positive = z > 0
        power = (k - 1.0) * xp.log(xp.where(positive, z, xp.ones_like(z)))
        power = xp.where(positive, power, _times_log_zero(xp, k - 1.0 + xp.zeros_like(z)))
        lp = xp.log(k / self.scale) + power - xp.pow(z, k)
        return xp.where(value >= 0, lp, xp.full_like(lp, -math.inf))

    def _cdf(self, value: Array) -> Array:
        return -self._ops.xp.expm1(-self._t(value))

    def _log_cdf(self, value: Array) -> Array:
        ops = self._ops
        xp = ops.xp
        y = self._t(value)
        side = ops.side(y, _SERIES_BELOW)
        if side:
            return ops.log1mexp(y)
        small = y <= _SERIES_BELOW
        z = _positive_part(xp, value) / self.scale
        # k log z from a finite logarithm, -inf at z = 0 (finite gradients in the parameters there)
        positive = z > 0
        near = self.concentration * xp.log(xp.where(positive, z, xp.ones_like(z))) - 0.5 * y
        near = xp.where(positive, near, xp.full_like(near, -math.inf))
        if side is False:
            return near
        # the far side's argument kept off 0, where log1mexp is -inf (a NaN gradient through the where)
        return xp.where(small, near, ops.log1mexp(xp.where(small, xp.ones_like(y), y)))

    def _survival_function(self, value: Array) -> Array:
        return self._ops.xp.exp(-self._t(value))

    def _log_survival_function(self, value: Array) -> Array:
        return -self._t(value)

    def _icdf(self, value: Array) -> Array:
        xp = self._ops.xp
        return self.scale * xp.pow(-xp.log1p(-value), 1.0 / self.concentration)

    def entropy(self) -> Array:
        r""":math:`\gamma (1 - 1/k) + \log(\lambda / k) + 1`."""
        k = self.concentration
        return _EULER * (1.0 - 1.0 / k) + self._ops.xp.log(self.scale / k) + 1.0
