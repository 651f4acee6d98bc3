"""The Gumbel (type I extreme value) distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..kl import register_infinite_kl, register_kl
from ..transforms import AffineTransform, ExpTransform
from ._widening import in_tail_float
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform

__all__ = ["Gumbel"]

Array = Any
_EULER = 0.57721566490153286061
#: above this standardized value, log(1 - exp(-u)) at u = exp(-z) is -z - u / 2 (the next term, u^2 / 24, is below
#: 1e-17 of z there), where exp(-z) may underflow (z > 745 in float64)
_FAR_Z = 20.0


class Gumbel(TransformedDistribution):
    r"""Gumbel distribution of location ``loc`` and scale ``scale``.

    .. math::
        p(x \mid \mu, \beta) = \frac{1}{\beta} e^{-(z + e^{-z})}, \qquad z = \frac{x - \mu}{\beta}

    Args:
        loc: :math:`\mu` (real), any shape.
        scale: :math:`\beta > 0`, broadcastable with ``loc``.
        validate_args: check parameters and values (default: the global switch, on).

    As in torch.distributions, a ``TransformedDistribution`` of a uniform base by
    :math:`x = \mu - \beta \log(-\log u)` (``base_dist``, ``transforms``); the density, the tails, the moments
    and the entropy are closed forms, and draws are :math:`\mu - \beta \log \varepsilon`,
    :math:`\varepsilon \sim \mathrm{Exp}(1)` (no rounding of :math:`u` near 1).  :math:`\log F = -e^{-z}`
    exactly, and :math:`\log(1 - F) = \log(1 - e^{-e^{-z}})` without cancellation in either tail.

    Example:
        >>> import numpy as np
        >>> from arraydist import Gumbel
        >>> d = Gumbel(np.array([0.0, 1.0]), 2.0)
        >>> d.log_prob(np.array([0.0, 1.0])).round(4)
        array([-1.6931, -1.6931])
        >>> float(Gumbel(0.0, 1.0).log_cdf(-5.0))  # -e^5
        -148.4131591025766
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    loc: Array
    scale: Array

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self._init_params({"loc": loc, "scale": scale}, validate_args)
        info = self._ops.xp.finfo(self._dtype)
        low, high = float(info.smallest_normal), 1.0 - float(info.eps)
        if self._neutral:
            base = Uniform(low, high, validate_args=False)
        else:
            base = Uniform(self._full(low), self._full(high), validate_args=False)
        transforms = [ExpTransform().inv, AffineTransform(0.0, -1.0), ExpTransform().inv]
        transforms.append(AffineTransform(self.loc, -self.scale))
        super().__init__(base, transforms, validate_args=self._validate_args)

    def _full(self, value: float) -> Array:
        return self._ops.xp.full_like(self.loc, value)

    def _repr_params(self) -> list[str]:
        return Distribution._repr_params(self)

    # the closed-form sampler below, not the base's draw pushed through the transforms
    _sample = Distribution._sample
    _rsample_and_log_prob = Distribution._rsample_and_log_prob

    @property
    def mean(self) -> Array:
        return self.loc + self.scale * _EULER

    @property
    def mode(self) -> Array:
        return self.loc

    @property
    def stddev(self) -> Array:
        return self.scale * (math.pi / math.sqrt(6.0))

    @property
    def variance(self) -> Array:
        return self.scale * self.scale * (math.pi * math.pi / 6.0)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        eps = self._ops.exponential(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return self.loc - self.scale * self._ops.xp.log(eps)

    def _z(self, value: Array) -> Array:
        return (value - self.loc) / self.scale

    def _log_prob(self, value: Array) -> Array:
        xp = self._ops.xp
        z = self._z(value)
        return -(z + xp.exp(-z)) - xp.log(self.scale)

    @in_tail_float
    def _cdf(self, value: Array) -> Array:
        xp = self._ops.xp
        return xp.exp(-xp.exp(-self._z(value)))

    @in_tail_float
    def _log_cdf(self, value: Array) -> Array:
        return -self._ops.xp.exp(-self._z(value))

    @in_tail_float
    def _survival_function(self, value: Array) -> Array:
        xp = self._ops.xp
        return -xp.expm1(-xp.exp(-self._z(value)))

    @in_tail_float
    def _log_survival_function(self, value: Array) -> Array:
        ops = self._ops
        xp = ops.xp
        z = self._z(value)
        side = ops.side(z, _FAR_Z)
        if side:
            return -z - 0.5 * xp.exp(-z)
        if side is False:
            return ops.log1mexp(xp.exp(-z))
        far = z > _FAR_Z
        # the near side's argument kept off the far side, where log1mexp(0) = -inf would give NaN gradients
        near = ops.log1mexp(xp.exp(-xp.where(far, xp.zeros_like(z), z)))
        return xp.where(far, -z - 0.5 * xp.exp(-z), near)

    def _icdf(self, value: Array) -> Array:
        return self.loc - self.scale * self._ops.xp.log(-self._ops.xp.log(value))

    def entropy(self) -> Array:
        r""":math:`\log\beta + 1 + \gamma` (:math:`\gamma` Euler's constant)."""
        return self._ops.xp.log(self.scale) + (1.0 + _EULER)


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p: Gumbel, q: Gumbel) -> Array:
    r""":math:`\log\frac{\beta_q}{\beta_p} + \frac{\mu_p - \mu_q}{\beta_q} + \gamma (r - 1)
    + e^{(\mu_q - \mu_p)/\beta_q} \Gamma(1 + r) - 1` with :math:`r = \beta_p / \beta_q`."""
    ops = p._ops
    xp = ops.xp
    ratio = p.scale / q.scale
    shift = (p.loc - q.loc) / q.scale
    return -xp.log(ratio) + shift + _EULER * (ratio - 1.0) + xp.exp(ops.lgamma(1.0 + ratio) - shift) - 1.0


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p: Gumbel, q: Normal) -> Array:
    r""":math:`\log\frac{\sigma\sqrt{2\pi}}{\beta} - 1 - \gamma + \frac{\pi^2\beta^2/6 + (\mu + \beta\gamma
    - m)^2}{2\sigma^2}` for :math:`q = N(m, \sigma)`."""
    xp = p._ops.xp
    offset = p.loc + p.scale * _EULER - q.loc
    second = p.scale * p.scale * (math.pi**2 / 6.0) + offset * offset
    return xp.log(q.scale / p.scale) + (0.5 * math.log(2 * math.pi) - 1.0 - _EULER) + second / (2.0 * q.scale * q.scale)


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p: Normal, q: Gumbel) -> Array:
    r""":math:`\log\frac{\beta}{\sigma\sqrt{2\pi e}} + \frac{m - \mu}{\beta} + e^{-(m - \mu)/\beta
    + \sigma^2 / (2\beta^2)}` for :math:`p = N(m, \sigma)`, :math:`q` Gumbel(:math:`\mu, \beta`)."""
    xp = p._ops.xp
    shift = (p.loc - q.loc) / q.scale
    ratio = p.scale / q.scale
    return -xp.log(ratio) - 0.5 * (1.0 + math.log(2 * math.pi)) + shift + xp.exp(0.5 * ratio * ratio - shift)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p: Uniform, q: Gumbel) -> Array:
    r""":math:`\log\frac{\beta}{b - a} + \frac{z_a + z_b}{2} + \frac{\beta}{b - a}(e^{-z_a} - e^{-z_b})` with
    :math:`z = (\cdot - \mu)/\beta`."""
    xp = p._ops.xp
    ratio = q.scale / (p.high - p.low)
    z_high, z_low = (p.high - q.loc) / q.scale, (p.low - q.loc) / q.scale
    return xp.log(ratio) + 0.5 * (z_high + z_low) + ratio * (xp.exp(-z_low) - xp.exp(-z_high))


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p: Exponential, q: Gumbel) -> Array:
    r""":math:`\log(\lambda\beta) - 1 + \frac{1}{\lambda\beta} - \frac{\mu}{\beta} + e^{\mu/\beta}
    \frac{\lambda\beta}{\lambda\beta + 1}` (:math:`E[e^{-x/\beta}] = \lambda\beta / (\lambda\beta + 1)`)."""
    xp = p._ops.xp
    product = p.rate * q.scale
    ratio = q.loc / q.scale
    return xp.log(product) - 1.0 + 1.0 / product - ratio + xp.exp(ratio) * product / (product + 1.0)


register_infinite_kl((Gumbel, Exponential), where="the Gumbel puts mass below 0")


register_infinite_kl((Gumbel, Uniform), where="the Gumbel puts mass outside any interval")


register_infinite_kl((Gumbel, ContinuousBernoulli), where="the Gumbel puts mass outside [0, 1]")
