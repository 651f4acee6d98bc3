"""The F (Fisher-Snedecor) distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ._widening import in_wide_float, sampled_in_wide_float
from .beta import log_beta_density

__all__ = ["FisherSnedecor"]

Array = Any


class FisherSnedecor(Distribution):
    r"""F distribution with ``df1`` and ``df2`` degrees of freedom: :math:`(U_1/d_1) / (U_2/d_2)` for
    independent :math:`U_i \sim \chi^2_{d_i}`.

    .. math::
        p(x \mid d_1, d_2) = \frac{1}{B(\frac{d_1}{2}, \frac{d_2}{2})}
        \left(\frac{d_1}{d_2}\right)^{d_1/2} x^{d_1/2 - 1} \left(1 + \frac{d_1}{d_2}x\right)^{-(d_1 + d_2)/2}

    Args:
        df1: :math:`d_1 > 0`, any shape.
        df2: :math:`d_2 > 0`, broadcastable with ``df1``.
        validate_args: check parameters and values (default: the global switch, on).

    Draws come from two chi-squared variables drawn in log space (``Ops.log_standard_gamma``), reparameterized
    through both, at least the dtype's smallest normal number.  Moments are NaN where they do not exist, as in
    torch.distributions: the mean for :math:`d_2 \le 2`, the mode for :math:`d_1 \le 2`, the variance for
    :math:`d_2 \le 4`.

    Example:
        >>> import numpy as np
        >>> from arraydist import FisherSnedecor
        >>> d = FisherSnedecor(np.array([3.0, 6.0]), np.array([8.0, 12.0]))
        >>> d.mean.round(4)
        array([1.3333, 1.2   ])
        >>> d.log_prob(np.array([1.0, 1.0])).round(4)
        array([-0.9359, -0.6047])
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    df1: Array
    df2: Array

    def __init__(self, df1: Any, df2: Any, validate_args: bool | None = None) -> None:
        self._init_params({"df1": df1, "df2": df2}, validate_args)

    def _where(self, ok: Array, value: Array) -> Array:
        xp = self._ops.xp
        return xp.where(ok, value, xp.full_like(value, math.nan))

    @property
    @in_wide_float
    def mean(self) -> Array:
        xp, d2 = self._ops.xp, self.df2
        ok = d2 > 2
        return self._where(ok, d2 / xp.where(ok, d2 - 2, xp.ones_like(d2)))

    @property
    @in_wide_float
    def mode(self) -> Array:
        d1, d2 = self.df1, self.df2
        return self._where(d1 > 2, (d1 - 2) / d1 * d2 / (d2 + 2))

    @property
    @in_wide_float
    def variance(self) -> Array:
        xp, d1, d2 = self._ops.xp, self.df1, self.df2
        ok = d2 > 4
        d2m2 = d2 - 2
        den = xp.where(ok, d1 * d2m2 * d2m2 * (d2 - 4), xp.ones_like(d2))
        return self._where(ok, 2 * d2 * d2 * (d1 + d2m2) / den)

    def _arguments(self, value: Array) -> tuple[Array, Array]:
        """(u, 1 - u) for u = d1 x / (d1 x + d2), each computed as such (no 1 - u)."""
        total = self.df1 * value + self.df2
        return self.df1 * value / total, self.df2 / total

    def _deep(self, value: Array, u: Array) -> tuple[Array, Array]:
        r"""Where :math:`u` is below the smallest normal number over eps (subnormal, its bits lost; flushed to 0 by
        XLA: a tiny ``df1`` at a tiny value), and :math:`\log I_u(a, b)` there from its first term,
        :math:`a \log u - \log a - \log B(a, b)` with :math:`\log u = \log d_1 + \log x - \log(d_1 x + d_2)`
        (the next is :math:`u` times a number of order 1)."""
        ops, xp, half1 = self._ops, self._ops.xp, 0.5 * self.df1
        finfo = xp.finfo(u.dtype)
        deep = u < float(finfo.smallest_normal) / float(finfo.eps)
        x = xp.where(deep, value, xp.ones_like(value))
        log_u = xp.log(self.df1) + xp.log(x) - xp.log(self.df1 * x + self.df2)
        log_i = half1 * log_u - xp.log(half1) - ops.betaln(half1, 0.5 * self.df2)
        return deep, xp.where(deep, log_i, -xp.ones_like(log_i))  # the other side kept finite (no warnings)

    @in_wide_float
    def _cdf(self, value: Array) -> Array:
        # I_u(d1/2, d2/2) where u < 1/2, else 1 - I_v(d2/2, d1/2) from betaincc: each argument where it is exact
        ops, xp, half1, half2 = self._ops, self._ops.xp, 0.5 * self.df1, 0.5 * self.df2
        u, v = self._arguments(value)
        deep, log_i = self._deep(value, u)
        out = xp.where(u < 0.5, ops.betainc(half1, half2, u), ops.betaincc(half2, half1, v))
        return xp.where(deep, xp.exp(log_i), out)

    @in_wide_float
    def _survival_function(self, value: Array) -> Array:
        ops, xp, half1, half2 = self._ops, self._ops.xp, 0.5 * self.df1, 0.5 * self.df2
        u, v = self._arguments(value)
        deep, log_i = self._deep(value, u)
        out = xp.where(u < 0.5, ops.betaincc(half1, half2, u), ops.betainc(half2, half1, v))
        return xp.where(deep, -xp.expm1(log_i), out)

    @in_wide_float
    def _log_cdf(self, value: Array) -> Array:
        # as _cdf, in log space: finite where the CDF underflows, exact where it rounds to 1 (Ops.log_betainc)
        ops, xp, half1, half2 = self._ops, self._ops.xp, 0.5 * self.df1, 0.5 * self.df2
        u, v = self._arguments(value)
        deep, log_i = self._deep(value, u)
        out = xp.where(u < 0.5, ops.log_betainc(half1, half2, u), ops.log_betaincc(half2, half1, v))
        return xp.where(deep, log_i, out)

    @in_wide_float
    def _log_survival_function(self, value: Array) -> Array:
        ops, xp, half1, half2 = self._ops, self._ops.xp, 0.5 * self.df1, 0.5 * self.df2
        u, v = self._arguments(value)
        deep, log_i = self._deep(value, u)
        out = xp.where(u < 0.5, ops.log_betaincc(half1, half2, u), ops.log_betainc(half2, half1, v))
        return xp.where(deep, xp.log(-xp.expm1(log_i)), out)

    @in_wide_float
    def _icdf(self, value: Array) -> Array:
        ops, xp, half1, half2 = self._ops, self._ops.xp, 0.5 * self.df1, 0.5 * self.df2
        u = ops.betaincinv(half1, half2, value)
        v = ops.betaincinv(half2, half1, 1 - value)
        ratio = self.df2 / self.df1
        low = value < 0.5
        one = xp.ones_like(u)  # the divisor of the side not taken (no division by 0 there)
        return xp.where(low, ratio * u / xp.where(low, 1 - u, one), ratio * (1 - v) / xp.where(low, one, v))

    @sampled_in_wide_float
    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops, xp = self._ops, self._ops.xp
        shape = sample_shape + self._batch_shape
        rng1, rng2 = ops.split(rng, 2)
        half1, half2 = 0.5 * self.df1, 0.5 * self.df2
        log1 = ops.log_standard_gamma(rng1, half1, shape, self._dtype, self._device) - xp.log(half1)
        log2 = ops.log_standard_gamma(rng2, half2, shape, self._dtype, self._device) - xp.log(half2)
        x = xp.exp(log1 - log2)
        return xp.clip(x, min=float(xp.finfo(self._dtype).smallest_normal))

    @in_wide_float
    def _log_prob(self, value: Array) -> Array:
        ops, xp = self._ops, self._ops.xp
        half1, half2 = 0.5 * self.df1, 0.5 * self.df2
        if not ops.narrow_float(self._dtype):
            ratio = self.df1 / self.df2
            return (
                ops.xlogy(half1, ratio)
                + ops.xlogy(half1 - 1, value)
                - (half1 + half2) * xp.log1p(ratio * value)
                - ops.betaln(half1, half2)
            )
        # narrower floats cannot hold the terms of large degrees of freedom (betaln(1000, 1000) = -1386): the beta
        # density of u = d1 x / (d1 x + d2) times du/dx = u (1 - u) / x, in its saddle-point form, with
        # 1 - u = d2 / (d1 x + d2) computed as such (exact near u = 1)
        # (logarithms from the factors: d1 x underflows at x = 1e-38, and XLA flushes it to 0)
        total = self.df1 * value + self.df2
        log_total, log_value = xp.log(total), xp.log(value)
        log_u = xp.log(self.df1) + log_value - log_total
        log_v = xp.log(self.df2) - log_total
        u, v = xp.exp(log_u), self.df2 / total
        log_b = log_beta_density(ops, self._dtype, half1, half2, u, v, log_u, log_v)
        return log_b + log_u + log_v - log_value
