"""The gamma distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..kl import register_infinite_kl, register_kl
from ._widening import in_wide_float, sampled_in_wide_float
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .gumbel import Gumbel
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .uniform import Uniform

__all__ = ["Gamma", "in_wide_float", "log_minus_digamma", "sampled_in_wide_float"]

Array = Any
_LOG_2PI = math.log(2 * math.pi)
_TWO_PI = 2 * math.pi
_EULER = 0.57721566490153286060651209008240243
#: where log_minus_digamma switches to its series
_SERIES_FROM = 10.0


class Gamma(Distribution):
    r"""Gamma distribution of shape ``concentration`` and inverse scale ``rate``.

    .. math::
        p(x \mid \alpha, \beta) = \frac{\beta^\alpha}{\Gamma(\alpha)} x^{\alpha - 1} e^{-\beta x}, \qquad x > 0

    Args:
        concentration: shape :math:`\alpha > 0`, any shape.
        rate: rate :math:`\beta > 0`, broadcastable with ``concentration``.
        validate_args: check parameters and values (default: the global switch, on).

    Draws are the backend's standard gamma divided by the rate, reparameterized by the implicit gradient
    :math:`\partial z / \partial \alpha = -(\partial F / \partial \alpha)(z) / f(z)`; they are at least the
    dtype's smallest normal number, as in torch.distributions (so ``log_prob`` of a draw stays finite).  ``cdf``
    and the tails are the regularized incomplete gamma functions :math:`P(\alpha, \beta x)` and
    :math:`Q(\alpha, \beta x)`.  ``log_prob`` is torch.distributions' formula in float64; in narrower floats,
    above :math:`\alpha = 1`, Loader's saddle-point form of the same density (float32's ``lgamma(1000)`` and
    :math:`\alpha \log \beta x` cancel to 6e-4 otherwise).

    Example:
        >>> import numpy as np
        >>> from arraydist import Gamma
        >>> d = Gamma(np.array([0.5, 2.0]), 3.0)
        >>> d.mean
        array([0.16666667, 0.66666667])
        >>> d.log_prob(np.array([0.5, 0.5])).round(4)
        array([-1.1765,  0.0041])
        >>> d.rsample((4,), seed=0).shape
        (4, 2)
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    concentration: Array
    rate: Array

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self._init_params({"concentration": concentration, "rate": rate}, validate_args)

    @property
    @in_wide_float
    def mean(self) -> Array:
        return self.concentration / self.rate

    @property
    @in_wide_float
    def mode(self) -> Array:
        xp = self._ops.xp
        return xp.clip((self.concentration - 1) / self.rate, min=0.0)

    @property
    @in_wide_float
    def variance(self) -> Array:
        return self.concentration / (self.rate * self.rate)

    @sampled_in_wide_float
    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        shape = sample_shape + self._batch_shape
        z = ops.standard_gamma(rng, self.concentration, shape, self._dtype, self._device) / self.rate
        # the draw divided by a large rate can fall below the smallest normal number again
        return ops.xp.clip(z, min=float(ops.xp.finfo(self._dtype).smallest_normal))

    @in_wide_float
    def _log_prob(self, value: Array) -> Array:
        ops, a, b = self._ops, self.concentration, self.rate
        direct = ops.xlogy(a, b) + ops.xlogy(a - 1, value) - b * value - ops.lgamma(a)
        if not ops.narrow_float(self._dtype):
            return direct
        # float32 cannot hold a log(b x) and lgamma(a) at large a (both 5905 at a = 1000, off by 6e-4 when
        # subtracted): above a = 1, the density is a Poisson mass of a - 1 at rate b x, in Loader's saddle-point
        # form (stirlerr and bd0 of the backend), which keeps every digit
        xp = ops.xp
        above = a > 1
        k = xp.where(above, a - 1, xp.ones_like(a))  # the other side is kept away from k = 0
        saddle = -ops.stirlerr(k) - ops.bd0(k, b * value) - 0.5 * xp.log(_TWO_PI * k) + xp.log(b)
        # far in the lower tail (b x below 1e-38) bd0's ratio can overflow (JAX): the direct form is exact enough
        # there, its error is small beside the value (-9e4)
        return xp.where(above & xp.isfinite(saddle), saddle, direct)

    @in_wide_float
    def _cdf(self, value: Array) -> Array:
        return self._ops.gammainc(self.concentration, self.rate * value)

    @in_wide_float
    def _survival_function(self, value: Array) -> Array:
        return self._ops.gammaincc(self.concentration, self.rate * value)

    @in_wide_float
    def _log_cdf(self, value: Array) -> Array:
        # in log space: finite where the CDF underflows, exact where it rounds to 1 (Ops.log_gammainc)
        return self._ops.log_gammainc(self.concentration, self.rate * value)

    @in_wide_float
    def _log_survival_function(self, value: Array) -> Array:
        return self._ops.log_gammaincc(self.concentration, self.rate * value)

    @in_wide_float
    def _icdf(self, value: Array) -> Array:
        # never below 0 (a root finder's step past it at concentration 1e-3, where the quantile is 1e-179)
        return self._ops.xp.clip(self._ops.gammaincinv(self.concentration, value), min=0.0) / self.rate

    @in_wide_float
    def entropy(self) -> Array:
        r""":math:`\alpha - \log\beta + \log\Gamma(\alpha) + (1 - \alpha)\psi(\alpha)`, computed as
        :math:`\operatorname{stirlerr}(\alpha) + \tfrac12\log(2\pi\alpha) + (\alpha - 1)R(\alpha) - \log\beta`
        with :math:`R = \log - \psi` (``log_minus_digamma``): its large terms cancel exactly (float32's direct
        form is off by 6e-5 at :math:`\alpha = 1000`)."""
        ops, xp, a = self._ops, self._ops.xp, self.concentration
        return ops.stirlerr(a) + 0.5 * xp.log(_TWO_PI * a) + (a - 1) * log_minus_digamma(ops, a) - xp.log(self.rate)


def log_minus_digamma(ops: Any, x: Array) -> Array:
    r""":math:`R(x) = \log x - \psi(x) > 0`: from 10 on its asymptotic series :math:`\frac{1}{2x} +
    \frac{1}{12x^2} - \frac{1}{120x^4} + \frac{1}{252x^6} - \frac{1}{240x^8} + \frac{1}{132x^{10}}` (truncated
    below 1e-14 of its value), which keeps its relative accuracy where :math:`\log x` and :math:`\psi(x)` agree
    to many digits; below, the difference itself (terms of a few units)."""
    xp = ops.xp
    big = xp.clip(x, min=_SERIES_FROM)  # each side stays finite where it is not used, in the gradient too
    w = 1 / (big * big)
    series = 0.5 / big + w * (1 / 12 - w * (1 / 120 - w * (1 / 252 - w * (1 / 240 - w / 132))))
    small = xp.clip(x, max=_SERIES_FROM)
    return xp.where(x > _SERIES_FROM, series, xp.log(small) - ops.digamma(small))


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Array:
    r""":math:`\alpha_q \log\frac{\beta_p}{\beta_q} + \log\frac{\Gamma(\alpha_q)}{\Gamma(\alpha_p)}
    + (\alpha_p - \alpha_q)\psi(\alpha_p) + (\beta_q - \beta_p)\frac{\alpha_p}{\beta_p}`."""
    ops, xp = p._ops, p._ops.xp
    a_p, a_q = p.concentration, q.concentration
    return (
        a_q * xp.log(p.rate / q.rate)
        + ops.lgamma(a_q)
        - ops.lgamma(a_p)
        + (a_p - a_q) * ops.digamma(a_p)
        + (q.rate - p.rate) * (a_p / p.rate)
    )


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p: Gamma, q: Normal) -> Array:
    r""":math:`-H(p) + \tfrac12\log(2\pi\sigma^2) + \frac{E_p[x^2] - 2\mu E_p[x] + \mu^2}{2\sigma^2}`, with
    :math:`E_p[x] = \alpha/\beta` and :math:`E_p[x^2] = \alpha(\alpha + 1)/\beta^2`."""
    xp = p._ops.xp
    a, b = p.concentration, p.rate
    mean = a / b
    second = mean * (a + 1) / b
    var_q = q.scale * q.scale
    return -p.entropy() + 0.5 * (xp.log(var_q) + _LOG_2PI) + (0.5 * second - q.loc * mean + 0.5 * q.loc * q.loc) / var_q


register_infinite_kl((Normal, Gamma), where="a normal puts mass below 0, where the gamma has none")


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p: Gamma, q: Exponential) -> Array:
    r""":math:`-H(p) - \log\lambda + \lambda\alpha/\beta`."""
    return -p.entropy() - p._ops.xp.log(q.rate) + q.rate * (p.concentration / p.rate)


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p: Exponential, q: Gamma) -> Array:
    r""":math:`-\alpha\log r + r + \log\Gamma(\alpha) + \alpha\gamma_E - (1 + \gamma_E)`, :math:`r = \beta/\lambda`
    (:math:`E_p[\log x] = -\gamma_E - \log\lambda`)."""
    ops = p._ops
    ratio = q.rate / p.rate
    return (
        -q.concentration * ops.xp.log(ratio)
        + ratio
        + ops.lgamma(q.concentration)
        + q.concentration * _EULER
        - (1 + _EULER)
    )


register_infinite_kl((Gamma, Uniform), where="a gamma's support is unbounded above")


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p: Uniform, q: Gamma) -> Array:
    r""":math:`-\log(b - a) + \log\Gamma(\alpha) - \alpha\log\beta - (\alpha - 1) E[\log x] + \beta (a + b) / 2`,
    :math:`E[\log x] = (b\log b - a\log a) / (b - a) - 1`; infinite where :math:`a < 0`."""
    ops = p._ops
    xp = ops.xp
    width = p.high - p.low
    low = xp.where(p.low > 0, p.low, xp.zeros_like(p.low))  # below 0 the result is infinite: kept finite here
    mean_log = (ops.xlogy(p.high, p.high) - ops.xlogy(low, low)) / width - 1.0
    alpha, beta = q.concentration, q.rate
    kl = -xp.log(width) + ops.lgamma(alpha) - ops.xlogy(alpha, beta) - (alpha - 1) * mean_log
    kl = kl + beta * (p.high + p.low) * 0.5
    return xp.where(p.low < 0, xp.full_like(kl, math.inf), kl)


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p: Gamma, q: Gumbel) -> Array:
    r""":math:`-H(p) + \log s + E[z] + E[e^{-z}]` for :math:`z = (x - \mu) / s`: :math:`E[z] = (a / b - \mu) / s`
    and, from the gamma's moment generating function, :math:`E[e^{-z}] = \exp(\mu / s - a \log(1 + 1 / (b s)))`
    (one exponential: the two factors overflow apart where they would not together)."""
    ops = p._ops
    xp = ops.xp
    a, b = p.concentration, p.rate
    mu, s = q.loc, q.scale
    ratio = mu / s
    return -p.entropy() + xp.log(s) + (a / b) / s - ratio + xp.exp(ratio - a * xp.log1p(1.0 / (b * s)))


register_infinite_kl(
    (Gamma, ContinuousBernoulli), (Gamma, Pareto), where="a gamma puts mass below any Pareto scale and above 1"
)
register_infinite_kl((Laplace, Gamma), (Gumbel, Gamma), where="the first puts mass below 0, where a gamma has none")


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p: Pareto, q: Gamma) -> Array:
    r""":math:`-H(p) + \log\Gamma(a) - a\log b - (a - 1) E[\log x] + b E[x]`, with the Pareto's
    :math:`E[\log x] = \log s + 1/\alpha` and :math:`E[x] = \alpha s / (\alpha - 1)`: infinite where
    :math:`\alpha \le 1` (no mean)."""
    ops = p._ops
    xp = ops.xp
    alpha, scale = p.alpha, p.scale
    a, b = q.concentration, q.rate
    heavy = alpha <= 1
    mean = alpha * scale / xp.where(heavy, xp.ones_like(alpha), alpha - 1)
    mean_log = xp.log(scale) + 1.0 / alpha
    kl = -p.entropy() + ops.lgamma(a) - ops.xlogy(a, b) - (a - 1) * mean_log + b * mean
    return xp.where(heavy, xp.full_like(kl, math.inf), kl)
