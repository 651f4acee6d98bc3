"""The beta distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..kl import register_infinite_kl, register_kl
from ._widening import in_wide_float, sampled_in_wide_float
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .gamma import Gamma, log_minus_digamma
from .gumbel import Gumbel
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .uniform import Uniform

__all__ = ["Beta", "log_beta_density"]

Array = Any
_LOG_2PI = math.log(2 * math.pi)
_TWO_PI = 2 * math.pi


class Beta(Distribution):
    r"""Beta distribution on the unit interval.

    .. math::
        p(x \mid a, b) = \frac{x^{a - 1} (1 - x)^{b - 1}}{B(a, b)}, \qquad 0 < x < 1

    Args:
        concentration1: :math:`a > 0`, the exponent of :math:`x`, any shape.
        concentration0: :math:`b > 0`, the exponent of :math:`1 - x`, broadcastable with ``concentration1``.
        validate_args: check parameters and values (default: the global switch, on).

    Draws are :math:`\operatorname{expit}(\log G_a - \log G_b)` from two independent standard gammas drawn in
    log space (``Ops.beta``; NumPy's own sampler on NumPy from concentration 0.1 on, where no gamma underflows),
    so they are right at tiny concentrations, where the gammas
    themselves underflow (torch.distributions' ``Beta(1e-3, 1e-3)`` puts a quarter of its draws in
    (0.4, 0.6), where the truth is 0.04 %, pytorch#136532); they lie in :math:`[\text{tiny}, 1 - \epsilon/2]`
    of the dtype.  The gradient of ``rsample`` is pathwise through both gammas (unbiased in distribution).
    ``mode`` follows torch.distributions: the interior mode where it exists, 1 where both concentrations are
    below 1 (the density is infinite at both ends), NaN where neither applies (both 1, or one below 1 and the
    other exactly 1).

    Example:
        >>> import numpy as np
        >>> from arraydist import Beta
        >>> d = Beta(np.array([2.0, 0.5]), np.array([3.0, 0.5]))
        >>> d.mean
        array([0.4, 0.5])
        >>> d.log_prob(np.array([0.25, 0.25])).round(4)
        array([ 0.5232, -0.3077])
        >>> d.sample((3,), seed=0).shape
        (3, 2)
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    concentration1: Array
    concentration0: Array

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: bool | None = None) -> None:
        self._init_params({"concentration1": concentration1, "concentration0": concentration0}, validate_args)

    @property
    @in_wide_float
    def mean(self) -> Array:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    @in_wide_float
    def mode(self) -> Array:
        xp, a, b = self._ops.xp, self.concentration1, self.concentration0
        am1, bm1 = xp.clip(a - 1, min=0.0), xp.clip(b - 1, min=0.0)
        total = am1 + bm1
        flat = total == 0  # a flat or unbounded density without an interior mode (no 0 / 0 warning on NumPy)
        interior = am1 / xp.where(flat, xp.ones_like(total), total)
        interior = xp.where(flat, xp.full_like(total, math.nan), interior)
        return xp.where((a < 1) & (b < 1), xp.ones_like(interior), interior)

    @property
    @in_wide_float
    def variance(self) -> Array:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total * total * (total + 1))

    @sampled_in_wide_float
    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        shape = sample_shape + self._batch_shape
        return self._ops.beta(rng, self.concentration1, self.concentration0, shape, self._dtype, self._device)

    @in_wide_float
    def _log_prob(self, value: Array) -> Array:
        return log_beta_density(self._ops, self._dtype, self.concentration1, self.concentration0, value, 1 - value)

    @in_wide_float
    def _cdf(self, value: Array) -> Array:
        return self._ops.betainc(self.concentration1, self.concentration0, value)

    @in_wide_float
    def _survival_function(self, value: Array) -> Array:
        return self._ops.betaincc(self.concentration1, self.concentration0, value)

    @in_wide_float
    def _log_cdf(self, value: Array) -> Array:
        # in log space: finite where the CDF underflows, exact where it rounds to 1 (Ops.log_betainc)
        return self._ops.log_betainc(self.concentration1, self.concentration0, value)

    @in_wide_float
    def _log_survival_function(self, value: Array) -> Array:
        return self._ops.log_betaincc(self.concentration1, self.concentration0, value)

    @in_wide_float
    def _icdf(self, value: Array) -> Array:
        return self._ops.betaincinv(self.concentration1, self.concentration0, value)

    @in_wide_float
    def entropy(self) -> Array:
        r""":math:`\log B(a, b) - (a - 1)\psi(a) - (b - 1)\psi(b) + (a + b - 2)\psi(a + b)`, as
        :math:`\operatorname{stirlerr}(a) + \operatorname{stirlerr}(b) - \operatorname{stirlerr}(c) +
        \tfrac12\log\frac{2\pi a b}{c^3} + (a - 1)R(a) + (b - 1)R(b) - (c - 2)R(c)`, :math:`c = a + b`,
        :math:`R = \log - \psi`: the large terms cancel exactly (float32's direct form is off by 1e-3 at 1000)."""
        ops, xp, a, b = self._ops, self._ops.xp, self.concentration1, self.concentration0
        c = a + b
        return (
            ops.stirlerr(a)
            + ops.stirlerr(b)
            - ops.stirlerr(c)
            + 0.5 * (xp.log(_TWO_PI * a) + xp.log(b) - 3 * xp.log(c))
            + (a - 1) * log_minus_digamma(ops, a)
            + (b - 1) * log_minus_digamma(ops, b)
            - (c - 2) * log_minus_digamma(ops, c)
        )


def log_beta_density(
    ops: Any, dtype: Any, a: Array, b: Array, x: Array, y: Array, log_x: Array | None = None, log_y: Array | None = None
) -> Array:
    r"""The beta log density at ``x``, with :math:`y = 1 - x` given as accurately as the caller has it (and their
    logarithms, optionally, where they underflow).

    :math:`(a - 1)\log x + (b - 1)\log y - \log B(a, b)` in float64; in narrower floats, where both
    concentrations exceed 2 (whose terms cancel: 1386 each at 1000), as :math:`\log(a + b - 1)` plus the
    binomial mass of :math:`a - 1` in :math:`n = a + b - 2` trials of probability :math:`x`, in Loader's
    saddle-point form: :math:`\operatorname{stirlerr}(n) - \operatorname{stirlerr}(a - 1) -
    \operatorname{stirlerr}(b - 1) - \operatorname{bd0}(a - 1, n x) - \operatorname{bd0}(b - 1, n y) -
    \tfrac12\log(2\pi (a - 1)(b - 1) / n)`."""
    if log_x is None or log_y is None:
        direct = ops.xlogy(a - 1, x) + ops.xlogy(b - 1, y) - ops.betaln(a, b)
    else:  # the caller's logarithms, where x or y underflows (flushed to 0 on XLA) but its log does not
        direct = (a - 1) * log_x + (b - 1) * log_y - ops.betaln(a, b)
    if not ops.narrow_float(dtype):
        return direct
    xp = ops.xp
    inside = (a > 2) & (b > 2)
    am1 = xp.where(inside, a - 1, xp.ones_like(a))  # the other side is kept away from 0
    bm1 = xp.where(inside, b - 1, xp.ones_like(b))
    n = am1 + bm1
    saddle = (
        ops.stirlerr(n)
        - ops.stirlerr(am1)
        - ops.stirlerr(bm1)
        - ops.bd0(am1, n * x)
        - ops.bd0(bm1, n * y)
        - 0.5 * xp.log(_TWO_PI * am1 * (bm1 / n))
        + xp.log(n + 1)
    )
    # far in a tail (n x below 1e-38) bd0's ratio can overflow (JAX): the direct form is exact enough there
    return xp.where(inside & xp.isfinite(saddle), saddle, direct)


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Array:
    r""":math:`\log\frac{B(a_q, b_q)}{B(a_p, b_p)} + (a_p - a_q)\psi(a_p) + (b_p - b_q)\psi(b_p)
    + (a_q + b_q - a_p - b_p)\psi(a_p + b_p)`."""
    ops = p._ops
    a_p, b_p, a_q, b_q = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    total_p = a_p + b_p
    return (
        ops.betaln(a_q, b_q)
        - ops.betaln(a_p, b_p)
        + (a_p - a_q) * ops.digamma(a_p)
        + (b_p - b_q) * ops.digamma(b_p)
        + (a_q + b_q - total_p) * ops.digamma(total_p)
    )


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p: Beta, q: Gamma) -> Array:
    r""":math:`-H(p) + \log\Gamma(\alpha) - \alpha\log\beta - (\alpha - 1)E_p[\log x] + \beta E_p[x]`, with
    :math:`E_p[\log x] = \psi(a) - \psi(a + b)`."""
    ops = p._ops
    a, b = p.concentration1, p.concentration0
    mean_log = ops.digamma(a) - ops.digamma(a + b)
    alpha, beta = q.concentration, q.rate
    return -p.entropy() + ops.lgamma(alpha) - ops.xlogy(alpha, beta) - (alpha - 1) * mean_log + beta * p.mean


register_infinite_kl((Gamma, Beta), where="a gamma puts mass above 1, where the beta has none")


@register_kl(Beta, Normal)
def _kl_beta_normal(p: Beta, q: Normal) -> Array:
    r""":math:`-H(p) + \tfrac12\log(2\pi\sigma^2) + \frac{E_p[x^2] - 2\mu E_p[x] + \mu^2}{2\sigma^2}`."""
    xp = p._ops.xp
    mean = p.mean
    second = p.variance + mean * mean
    var_q = q.scale * q.scale
    return -p.entropy() + 0.5 * (xp.log(var_q) + _LOG_2PI) + (0.5 * second - q.loc * mean + 0.5 * q.loc * q.loc) / var_q


register_infinite_kl((Normal, Beta), where="a normal puts mass outside (0, 1)")


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p: Beta, q: Exponential) -> Array:
    r""":math:`-H(p) - \log\lambda + \lambda E_p[x]`."""
    return -p.entropy() - p._ops.xp.log(q.rate) + q.rate * p.mean


register_infinite_kl((Exponential, Beta), where="an exponential puts mass above 1")


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p: Beta, q: Uniform) -> Array:
    r""":math:`-H(p) + \log(b - a)`, infinite where :math:`(a, b)` does not cover :math:`(0, 1)`."""
    xp = p._ops.xp
    out = -p.entropy() + xp.log(q.high - q.low)
    return xp.where((q.low > 0) | (q.high < 1), xp.full_like(out, math.inf), out)


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p: Beta, q: ContinuousBernoulli) -> Array:
    r""":math:`-H(p) - \lambda E_p[x] + A(\lambda)`: the continuous Bernoulli's log-density is
    :math:`\lambda x - A(\lambda)` on [0, 1] (:math:`\lambda` its logits), so only the beta's mean enters."""
    return -p.entropy() - q.logits * p.mean + q._log_normalizer()


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p: Uniform, q: Beta) -> Array:
    r""":math:`-\log(b - a) - (\alpha - 1) E[\log x] - (\beta - 1) E[\log(1 - x)] + \log B(\alpha, \beta)`, with
    :math:`E[\log x] = (b\log b - a\log a) / (b - a) - 1` and its mirror image; infinite where [a, b] leaves
    [0, 1]."""
    ops = p._ops
    xp = ops.xp
    zero, one = xp.zeros_like(p.low), xp.ones_like(p.high)
    outside = (p.low < 0) | (p.high > 1)
    low, high = xp.where(p.low > 0, p.low, zero), xp.where(p.high < 1, p.high, one)  # the infinite side kept finite
    width = p.high - p.low
    mean_log = (ops.xlogy(high, high) - ops.xlogy(low, low)) / width - 1.0
    mean_log1m = (ops.xlogy(1 - low, 1 - low) - ops.xlogy(1 - high, 1 - high)) / width - 1.0
    a, b = q.concentration1, q.concentration0
    kl = -xp.log(width) - (a - 1) * mean_log - (b - 1) * mean_log1m + ops.betaln(a, b)
    return xp.where(outside, xp.full_like(kl, math.inf), kl)


register_infinite_kl(
    (Laplace, Beta), (Gumbel, Beta), (Pareto, Beta), where="the first puts mass outside [0, 1], where a beta has none"
)
register_infinite_kl((Beta, Pareto), where="a beta puts mass below any Pareto scale, where the Pareto has none")
