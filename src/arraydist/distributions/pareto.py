"""The Pareto (type I) distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..kl import register_infinite_kl, register_kl
from ..transforms import AffineTransform, ExpTransform
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .gumbel import Gumbel
from .laplace import Laplace
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform

__all__ = ["Pareto"]

Array = Any


class Pareto(TransformedDistribution):
    r"""Pareto distribution of scale ``scale`` and shape ``alpha``.

    .. math::
        p(x \mid s, \alpha) = \frac{\alpha s^\alpha}{x^{\alpha + 1}}, \qquad x \ge s

    Args:
        scale: :math:`s > 0`, any shape: the lowest value of each member's support.
        alpha: :math:`\alpha > 0`, broadcastable with ``scale``.
        validate_args: check parameters and values (default: the global switch, on).

    As in torch.distributions, a ``TransformedDistribution`` of ``Exponential(alpha)`` by :math:`x = s e^{y}`;
    the density, the tails, the moments and the entropy are closed forms.  The support, :math:`x \ge s`, depends
    on the parameters (``greater_than_eq(scale)``, per batch member).  The mean is infinite for
    :math:`\alpha \le 1` and the variance for :math:`\alpha \le 2` (torch's convention).  With
    :math:`t = \alpha \log(x / s)`: :math:`\log(1 - F) = -t` exactly and :math:`\log F = \log(1 - e^{-t})`.

    Example:
        >>> import numpy as np
        >>> from arraydist import Pareto
        >>> d = Pareto(np.array([1.0, 2.0]), np.array([3.0, 1.5]))
        >>> d.mean
        array([1.5, 6. ])
        >>> d.log_survival_function(np.array([10.0, 10.0])).round(4)
        array([-6.9078, -2.4142])
    """

    arg_constraints = {"scale": constraints.positive, "alpha": constraints.positive}
    has_rsample = True

    scale: Array
    alpha: Array

    def __init__(self, scale: Any, alpha: Any, validate_args: bool | None = None) -> None:
        self._init_params({"scale": scale, "alpha": alpha}, validate_args)
        base = Exponential(float(self.alpha) if self._neutral else self.alpha, validate_args=False)
        transforms = [ExpTransform(), AffineTransform(0.0, self.scale)]
        super().__init__(base, transforms, validate_args=self._validate_args)

    def _repr_params(self) -> list[str]:
        return Distribution._repr_params(self)

    # the closed-form sampler below, not the base's draw pushed through the transforms
    _sample = Distribution._sample
    _rsample_and_log_prob = Distribution._rsample_and_log_prob

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.greater_than_eq(self.scale)

    @property
    def mean(self) -> Array:
        xp, a = self._ops.xp, self.alpha
        finite = a > 1
        safe = xp.where(finite, a, xp.full_like(a, 2.0))
        return xp.where(finite, self.scale * safe / (safe - 1.0), xp.full_like(a, math.inf))

    @property
    def mode(self) -> Array:
        return self.scale

    @property
    def variance(self) -> Array:
        xp, a = self._ops.xp, self.alpha
        finite = a > 2
        safe = xp.where(finite, a, xp.full_like(a, 3.0))
        ratio = self.scale / (safe - 1.0)
        return xp.where(finite, ratio * ratio * safe / (safe - 2.0), xp.full_like(a, math.inf))

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        eps = self._ops.exponential(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return self.scale * self._ops.xp.exp(eps / self.alpha)

    def _log_ratio(self, value: Array) -> Array:
        r""":math:`\log(x / s)` of the value raised to the support (no logarithm of a negative value)."""
        xp = self._ops.xp
        scale = self.scale + xp.zeros_like(value)
        return xp.log(xp.where(value > scale, value, scale) / scale)

    def _t(self, value: Array) -> Array:
        r""":math:`\alpha \log(x / s)`, 0 below the support: the exponential variable of the base, as
        :math:`\alpha\,\mathrm{log1p}((x - s) / s)`: one ulp above the scale :math:`x / s` rounds to 1 + 2^{-23}
        (0.1 off in float32), where :math:`x - s` is exact."""
        xp = self._ops.xp
        scale = self.scale + xp.zeros_like(value)
        return self.alpha * xp.log1p((xp.where(value > scale, value, scale) - scale) / scale)

    def _log_prob(self, value: Array) -> Array:
        xp = self._ops.xp
        lp = xp.log(self.alpha / self.scale) - (self.alpha + 1.0) * self._log_ratio(value)
        return xp.where(value >= self.scale, lp, xp.full_like(lp, -math.inf))

    def _cdf(self, value: Array) -> Array:
        return -self._ops.xp.expm1(-self._t(value))

    def _log_cdf(self, value: Array) -> Array:
        return self._ops.log1mexp(self._t(value))

    def _survival_function(self, value: Array) -> Array:
        return self._ops.xp.exp(-self._t(value))

    def _log_survival_function(self, value: Array) -> Array:
        return -self._t(value)

    def _icdf(self, value: Array) -> Array:
        xp = self._ops.xp
        return self.scale * xp.exp(-xp.log1p(-value) / self.alpha)

    def entropy(self) -> Array:
        r""":math:`\log(s / \alpha) + 1 / \alpha + 1`."""
        return self._ops.xp.log(self.scale / self.alpha) + 1.0 / self.alpha + 1.0


def _infinite_where(xp: Any, bad: Array, kl: Array) -> Array:
    return xp.where(bad, xp.full_like(kl, math.inf), kl)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p: Pareto, q: Pareto) -> Array:
    r""":math:`\alpha_q \log\frac{s_p}{s_q} + \log\frac{\alpha_p}{\alpha_q} + \frac{\alpha_q}{\alpha_p} - 1` where
    :math:`s_p \ge s_q`, else infinite (p has mass where q has none)."""
    xp = p._ops.xp
    ratio = q.alpha / p.alpha
    kl = q.alpha * xp.log(p.scale / q.scale) - xp.log(ratio) + ratio - 1.0
    return _infinite_where(xp, p.scale < q.scale, kl)


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p: Pareto, q: Exponential) -> Array:
    r""":math:`\log\frac{\alpha}{s\lambda} - \frac{1}{\alpha} - 1 + \lambda E[x]`, infinite for
    :math:`\alpha \le 1` (the mean is)."""
    xp = p._ops.xp
    kl = xp.log(p.alpha / (p.scale * q.rate)) - 1.0 / p.alpha - 1.0 + q.rate * p.mean
    return _infinite_where(xp, p.alpha <= 1, kl)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p: Pareto, q: Normal) -> Array:
    r""":math:`-H(p) + \log(\sigma\sqrt{2\pi}) + (\mathrm{Var}\,x + (E[x] - m)^2) / (2\sigma^2)`, infinite for
    :math:`\alpha \le 2` (the variance is)."""
    xp = p._ops.xp
    offset = p.mean - q.loc
    second = p.variance + offset * offset
    kl = xp.log(q.scale) + 0.5 * math.log(2 * math.pi) - p.entropy() + second / (2.0 * q.scale * q.scale)
    return _infinite_where(xp, p.alpha <= 2, kl)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p: Uniform, q: Pareto) -> Array:
    r""":math:`-\log(b - a) - \log\alpha - \alpha\log s + (\alpha + 1) E[\log x]`,
    :math:`E[\log x] = (b\log b - a\log a) / (b - a) - 1`; infinite where :math:`a < s`."""
    ops = p._ops
    xp = ops.xp
    width = p.high - p.low
    low = xp.where(p.low > 0, p.low, xp.ones_like(p.low))  # the other side is infinite: kept finite for xlogy
    mean_log = (ops.xlogy(p.high, p.high) - ops.xlogy(low, low)) / width - 1.0
    kl = -xp.log(width * q.alpha) - q.alpha * xp.log(q.scale) + (q.alpha + 1.0) * mean_log
    return _infinite_where(xp, p.low < q.scale, kl)


register_infinite_kl((Pareto, Uniform), where="the Pareto puts mass beyond any interval")


register_infinite_kl((Normal, Pareto), where="the normal puts mass below the Pareto's scale")


register_infinite_kl((Exponential, Pareto), where="the exponential puts mass below the Pareto's scale")


register_infinite_kl((Gumbel, Pareto), where="the Gumbel puts mass below the Pareto's scale")


register_infinite_kl((Pareto, ContinuousBernoulli), where="the Pareto puts mass beyond 1")


register_infinite_kl(
    (ContinuousBernoulli, Pareto), where="the continuous Bernoulli puts mass below the Pareto's scale (> 0)"
)


register_infinite_kl((Laplace, Pareto), where="the Laplace distribution puts mass below the Pareto's scale")
