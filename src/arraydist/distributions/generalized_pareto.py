"""The generalized Pareto distribution (peaks over a threshold)."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution

__all__ = ["GeneralizedPareto"]

Array = Any


class GeneralizedPareto(Distribution):
    r"""Generalized Pareto distribution of location ``loc``, scale ``scale`` and shape ``concentration``.

    .. math::
        -\log S(x) = L(z) = \frac{\log(1 + \xi z)}{\xi} \;(z \text{ at } \xi = 0), \qquad
        \log p(x) = -\log\sigma - (1 + \xi) L(z), \qquad z = \frac{x - \mu}{\sigma}

    on :math:`x \ge \mu`, bounded above by :math:`\mu - \sigma/\xi` when :math:`\xi < 0`.  Special cases: the
    exponential (:math:`\xi = 0`), a Pareto (:math:`\xi > 0`), the uniform (:math:`\xi = -1`).

    Args:
        loc: :math:`\mu` (real), any shape.
        scale: :math:`\sigma > 0`, broadcastable with the others.
        concentration: :math:`\xi` (real), broadcastable with the others.
        validate_args: check parameters and values (default: the global switch, on).

    Everything comes from :math:`L = \log(1 + \xi z)/\xi` (``log1p``, exact as :math:`\xi \to 0`):
    ``log_survival_function`` is :math:`-L`, ``log_cdf`` is :math:`\log(1 - e^{-L})` by the form that is accurate
    on each side of :math:`L = \log 2`, and draws are reparameterized,
    :math:`x = \mu + \sigma\,\operatorname{expm1}(\xi E)/\xi` for a standard exponential :math:`E`.  The mean is
    infinite for :math:`\xi \ge 1` and the variance for :math:`\xi \ge 1/2` (torch.distributions returns NaN
    there); the mode is :math:`\mu`, or the upper bound where :math:`\xi < -1` (the density increases there).

    Example:
        >>> import numpy as np
        >>> from arraydist import GeneralizedPareto
        >>> d = GeneralizedPareto(0.0, 1.0, np.array([-0.5, 0.0, 0.5]))
        >>> d.cdf(np.array([1.0, 1.0, 1.0])).round(4)
        array([0.75  , 0.6321, 0.5556])
        >>> d.mean.round(4)
        array([0.6667, 1.    , 2.    ])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    loc: Array
    scale: Array
    concentration: Array

    def __init__(self, loc: Any, scale: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self._init_params({"loc": loc, "scale": scale, "concentration": concentration}, validate_args)

    def _upper(self) -> Array:
        """The upper end of the support: :math:`\\mu - \\sigma/\\xi` where :math:`\\xi < 0`, else ``inf``."""
        xp = self._ops.xp
        xi = self.concentration
        bounded = xi < 0
        upper = self.loc - self.scale / xp.where(bounded, xi, -xp.ones_like(xi))
        return xp.where(bounded, upper, xp.full_like(upper, math.inf))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.interval(self.loc, self._upper())

    @property
    def mean(self) -> Array:
        xp = self._ops.xp
        xi = self.concentration
        finite = xi < 1
        mean = self.loc + self.scale / (1.0 - xp.where(finite, xi, xp.zeros_like(xi)))
        return xp.where(finite, mean, xp.full_like(mean, math.inf))

    @property
    def mode(self) -> Array:
        return self._ops.xp.where(self.concentration < -1, self._upper(), self.loc)

    @property
    def variance(self) -> Array:
        xp = self._ops.xp
        xi = self.concentration
        finite = xi < 0.5
        xi = xp.where(finite, xi, xp.zeros_like(xi))
        variance = self.scale * self.scale / ((1.0 - xi) * (1.0 - xi) * (1.0 - 2.0 * xi))
        return xp.where(finite, variance, xp.full_like(variance, math.inf))

    def entropy(self) -> Array:
        r""":math:`\log\sigma + \xi + 1`."""
        return self._ops.xp.log(self.scale) + self.concentration + 1.0

    def _expm1_ratio(self, t: Array) -> Array:
        r""":math:`\operatorname{expm1}(\xi t)/\xi` (:math:`t` at :math:`\xi = 0`): the quantile of the
        standard exponential :math:`t`."""
        xp = self._ops.xp
        xi = self.concentration
        zero = xi == 0
        xi_safe = xp.where(zero, xp.ones_like(xi), xi)
        # at xi = 0 its first-order term carries the derivative in xi, t^2 / 2 (the value is t); (xi t) t, not
        # xi t^2, which overflows to 0 * inf far out; t taken as 0 elsewhere, where the square could overflow
        t0 = xp.where(zero, t, xp.zeros_like(t))
        return xp.where(zero, t0 + 0.5 * (xi * t0) * t0, xp.expm1(xi_safe * t) / xi_safe)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        e = self._ops.exponential(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return self.loc + self.scale * self._expm1_ratio(e)

    def _icdf(self, value: Array) -> Array:
        return self.loc + self.scale * self._expm1_ratio(-self._ops.xp.log1p(-value))

    def _hazard(self, value: Array) -> Array:
        r""":math:`L(z) = \log(1 + \xi z)/\xi` at :math:`z` clipped to the support (0 below it, ``inf`` above)."""
        xp = self._ops.xp
        xi = self.concentration
        z = (value - self.loc) / self.scale
        z = xp.maximum(z, xp.zeros_like(z))
        zero = xi == 0
        xi_safe = xp.where(zero, xp.ones_like(xi), xi)
        t = xi_safe * z
        inside = t > -1.0  # at and past the upper bound (xi < 0): L is infinite
        log1p = xp.log1p(xp.where(inside, t, xp.zeros_like(t)))
        bounded = xp.where(inside, log1p / xi_safe, xp.full_like(t, math.inf))
        # at xi = 0 the first-order term carries the derivative in xi, -z^2 / 2 (the value is z), written as
        # in _expm1_ratio so that nothing overflows
        z0 = xp.where(zero, z, xp.zeros_like(z))
        return xp.where(zero, z0 - 0.5 * (xi * z0) * z0, bounded)

    def _log_prob(self, value: Array) -> Array:
        xp = self._ops.xp
        factor = 1.0 + self.concentration
        hazard = self._hazard(value)
        tail = factor * hazard
        # at xi = -1 (the uniform) the factor is 0 and L is infinite at the upper bound: the density is 1/scale
        tail = xp.where((factor == 0) & (hazard == math.inf), xp.zeros_like(tail), tail)
        return -xp.log(self.scale) - tail

    def _log_survival_function(self, value: Array) -> Array:
        return -self._hazard(value)

    def _survival_function(self, value: Array) -> Array:
        return self._ops.xp.exp(-self._hazard(value))

    def _cdf(self, value: Array) -> Array:
        return -self._ops.xp.expm1(-self._hazard(value))

    def _log_cdf(self, value: Array) -> Array:
        xp = self._ops.xp
        h = self._hazard(value)
        near = h < math.log(2.0)  # log(1 - e^-h) from expm1 near the lower end, from log1p beyond
        far = xp.where(near, xp.full_like(h, math.log(2.0)), h)
        return xp.where(near, xp.log(-xp.expm1(-h)), xp.log1p(-xp.exp(-far)))
