"""Student's t distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ._widening import in_wide_float, sampled_in_wide_float
from .gamma import log_minus_digamma

__all__ = ["StudentT"]

Array = Any
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class StudentT(Distribution):
    r"""Student's t distribution with ``df`` degrees of freedom, location ``loc`` and scale ``scale``.

    .. math::
        p(x \mid \nu, \mu, \sigma) = \frac{\Gamma(\frac{\nu + 1}{2})}{\Gamma(\frac{\nu}{2})\sqrt{\nu\pi}\,\sigma}
        \left(1 + \frac{1}{\nu}\left(\frac{x - \mu}{\sigma}\right)^2\right)^{-\frac{\nu + 1}{2}}

    Args:
        df: degrees of freedom :math:`\nu > 0`, any shape.
        loc: location :math:`\mu` (real), broadcastable with ``df``; default 0.
        scale: scale :math:`\sigma > 0`, broadcastable with ``df``; default 1.
        validate_args: check parameters and values (default: the global switch, on).

    Draws are :math:`\mu + \sigma Z / \sqrt{V / \nu}` with :math:`Z` standard normal and :math:`V \sim
    \chi^2_\nu` drawn in log space (``Ops.log_standard_gamma``: right at tiny ``df``), reparameterized through
    both.  Moments follow torch.distributions: the mean is NaN for :math:`\nu \le 1`; the variance is
    :math:`\sigma^2 \nu / (\nu - 2)` for :math:`\nu > 2`, infinite for :math:`1 < \nu \le 2`, NaN for
    :math:`\nu \le 1`.

    Example:
        >>> import numpy as np
        >>> from arraydist import StudentT
        >>> d = StudentT(np.array([1.0, 2.0, 5.0]))
        >>> d.variance
        array([       nan,        inf, 1.66666667])
        >>> d.log_prob(np.array([0.0, 0.0, 0.0])).round(4)
        array([-1.1447, -1.0397, -0.9686])
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    df: Array
    loc: Array
    scale: Array

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: bool | None = None) -> None:
        self._init_params({"df": df, "loc": loc, "scale": scale}, validate_args)

    @property
    @in_wide_float
    def mean(self) -> Array:
        xp = self._ops.xp
        return xp.where(self.df > 1, self.loc, xp.full_like(self.loc, math.nan))

    @property
    @in_wide_float
    def mode(self) -> Array:
        return self.loc

    @property
    @in_wide_float
    def variance(self) -> Array:
        xp, df = self._ops.xp, self.df
        finite = df > 2
        ratio = df / xp.where(finite, df - 2, xp.ones_like(df))  # no division by 0 where it is not used
        out = xp.where(finite, self.scale * self.scale * ratio, xp.full_like(df, math.inf))
        return xp.where(df > 1, out, xp.full_like(df, math.nan))

    @sampled_in_wide_float
    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops, xp = self._ops, self._ops.xp
        shape = sample_shape + self._batch_shape
        rng_z, rng_v = ops.split(rng, 2)
        z = ops.normal(rng_z, shape, self._dtype, self._device)
        half_df = 0.5 * self.df
        # log(V / df) with V = 2 G(df / 2): in log space, so that a tiny df gives the huge draws it should
        log_v = ops.log_standard_gamma(rng_v, half_df, shape, self._dtype, self._device) - xp.log(half_df)
        return self.loc + self.scale * z * xp.exp(-0.5 * log_v)

    def _log_normalizer(self) -> Array:
        r""":math:`\log\sigma + \tfrac12\log(\nu\pi) - (\log\Gamma(h + \tfrac12) - \log\Gamma(h))`, :math:`h = \nu/2`,
        the difference from ``Ops.lgamma_ratio``: Stirling's form where :math:`h` is large (float32's lgamma
        difference at :math:`\nu = 10^4` is off by 2e-3), the two lgamma elsewhere."""
        ops, xp = self._ops, self._ops.xp
        h = 0.5 * self.df
        return xp.log(self.scale) + 0.5 * xp.log(self.df * math.pi) - ops.lgamma_ratio(h, xp.full_like(h, 0.5))

    @in_wide_float
    def _log_prob(self, value: Array) -> Array:
        ops, df = self._ops, self.df
        xp = ops.xp
        y = (value - self.loc) / self.scale
        log_norm = self._log_normalizer()
        big = math.sqrt(float(xp.finfo(y.dtype).max)) / 2  # t^2 is finite below
        if not ops.tracing() and ops.is_concrete(y):
            low, high = ops.value_range(y)
            if -big <= low and high <= big:  # one reduction (its cost: 0.2 ms of 13 at 10^6 values), no where
                return -0.5 * (df + 1) * xp.log1p(y * y / df) - log_norm
        # log1p(t^2 / df) = 2 log|t| - log(df) + log1p(df / t^2) where t^2 would overflow (|t| > 1.3e154 in
        # float64, 1.8e19 in float32); each side's t kept on its own side (no overflow, no NaN gradient)
        over = xp.abs(y) > big
        one = xp.ones_like(y)
        near = xp.where(over, one, y)
        a = xp.abs(xp.where(over, y, one))
        log_q = xp.where(over, 2.0 * xp.log(a) - xp.log(df) + xp.log1p(df / a / a), xp.log1p(near * near / df))
        return -0.5 * (df + 1) * log_q - log_norm

    def _lower_tail(self, value: Array) -> tuple[Array, Array]:
        r"""(:math:`P(T \le -|t|)`, :math:`t`) for the standardized value :math:`t`: :math:`\tfrac12 I_z(\nu/2,
        \tfrac12)` with :math:`z = \nu / (\nu + t^2)` where :math:`z < \tfrac12` (the far tails), else
        :math:`\tfrac12 (1 - I_w(\tfrac12, \nu/2))` with :math:`w = t^2 / (\nu + t^2)` (``betaincc``): each
        argument taken where it is accurate.  Where :math:`z` is below the dtype's epsilon (:math:`t^2` may
        overflow and :math:`z` underflow there: :math:`|t| = 10^{199}` at :math:`\nu = 1/2`, a tail of
        :math:`10^{-100}`), the series' first term :math:`I_z(h, \tfrac12) = z^h / (h B(h, \tfrac12))`,
        :math:`h = \nu/2`, exact to the dtype there, in log space with :math:`\log z = \log\nu - 2\log|t|`."""
        ops, xp, df = self._ops, self._ops.xp, self.df
        t = (value - self.loc) / self.scale
        h = 0.5 * df
        eps = float(xp.finfo(self._dtype).eps)
        log_eps = math.log(eps)
        deep = xp.abs(t) > xp.sqrt(df / eps)  # z = df / (df + t^2) below eps
        # each branch sees only the values it is taken at (no inf or NaN to pass a NaN gradient through where)
        # log z = 2 log(sqrt(df) / |t|): one rounding of the ratio, not log|t|'s absolute one amplified by df
        # (8e-6 in float32 at df = 3, |t| = 1e10); log df - 2 log|t| where the ratio is subnormal
        abs_t = xp.where(deep, xp.abs(t), xp.ones_like(t))
        ratio = xp.sqrt(df) / abs_t
        normal = ratio >= float(xp.finfo(self._dtype).smallest_normal)
        log_z = xp.where(normal, 2 * xp.log(xp.where(normal, ratio, 1.0)), xp.log(df) - 2 * xp.log(abs_t))
        log_z = xp.where(deep, log_z, xp.full_like(log_z, log_eps))
        series = 0.5 * xp.exp(h * log_z - xp.log(h) - ops.betaln(h, xp.full_like(h, 0.5)))
        ts = xp.where(deep, xp.sqrt(df), t)
        t2 = ts * ts
        total = df + t2
        z, w = df / total, t2 / total
        # each side computed at a harmless point where the other is taken (SciPy's betaincc of an upper tail
        # above 1/2, the side not taken, costs 14 times a betainc: StudentT.cdf of 10^6 values 2.7 -> 0.5 s)
        far_side = z < 0.5
        quarter = xp.full_like(z, 0.25)
        far = 0.5 * ops.betainc(h, xp.full_like(z, 0.5), xp.where(far_side, z, quarter))
        near = 0.5 * ops.betaincc(xp.full_like(w, 0.5), h, xp.where(far_side, quarter, w))
        return xp.where(deep, series, xp.where(far_side, far, near)), t

    @in_wide_float
    def _cdf(self, value: Array) -> Array:
        lower, t = self._lower_tail(value)
        return self._ops.xp.where(t < 0, lower, 1 - lower)

    @in_wide_float
    def _survival_function(self, value: Array) -> Array:
        lower, t = self._lower_tail(value)
        return self._ops.xp.where(t > 0, lower, 1 - lower)

    @in_wide_float
    def _log_cdf(self, value: Array) -> Array:
        log_lower, t = self._log_lower_tail(value)
        return self._ops.xp.where(t < 0, log_lower, self._ops.log1mexp(log_lower))

    @in_wide_float
    def _log_survival_function(self, value: Array) -> Array:
        log_lower, t = self._log_lower_tail(value)
        return self._ops.xp.where(t > 0, log_lower, self._ops.log1mexp(log_lower))

    def _log_lower_tail(self, value: Array) -> tuple[Array, Array]:
        r"""(:math:`\log P(T \le -|t|)`, :math:`t`): the log of :meth:`_lower_tail`'s incomplete beta in log
        space (``log_betainc``, ``log_betaincc``), finite where the tail underflows; the other tail is
        :math:`\log(1 - P)` = ``log1mexp`` of it, exact where :math:`P` is tiny.

        Where :math:`z = \nu / (\nu + t^2)` is below 1e-20 (it underflows, with :math:`t^2`, long before the
        tail's log overflows), the leading term :math:`\frac{z^{\nu/2}}{(\nu/2) B(\nu/2, 1/2)}` of the
        incomplete beta, its next term :math:`O(z)` relatively, with :math:`\log z = 2 \log r - \log(1 +
        r^2)`, :math:`r = \sqrt\nu / |t|`."""
        ops, xp, df = self._ops, self._ops.xp, self.df
        t = (value - self.loc) / self.scale
        size = xp.abs(t)
        r = xp.sqrt(df) / xp.where(size > 0, size, xp.ones_like(size))
        tiny = (size > 0) & (r < 1e-10)
        tn = xp.where(tiny, xp.ones_like(t), t)  # t^2 would overflow there (and warn, on NumPy)
        t2 = tn * tn
        total = df + t2
        z, w = df / total, t2 / total
        far = ops.log_betainc(0.5 * df, xp.full_like(z, 0.5), z)
        near = ops.log_betaincc(xp.full_like(w, 0.5), 0.5 * df, w)
        rs = xp.where(tiny, r, xp.ones_like(r))
        half = 0.5 * df
        leading = half * (2 * xp.log(rs) - xp.log1p(rs * rs)) - xp.log(half) - ops.betaln(half, xp.full_like(half, 0.5))
        log_lower = xp.where(tiny, leading, xp.where(z < 0.5, far, near))
        return log_lower - math.log(2.0), t

    @in_wide_float
    def _icdf(self, value: Array) -> Array:
        r"""From the smaller tail :math:`s`: :math:`2s = I_z(h, \tfrac12) = 1 - I_w(\tfrac12, h)`, :math:`h = \nu/2`,
        :math:`t^2 = \nu(1 - z)/z = \nu w / (1 - w)`; where the series' first term puts :math:`z` below the
        dtype's epsilon, :math:`\log z = (\log 2s + \log h + \log B(h, \tfrac12)) / h` and
        :math:`|t| = \sqrt{\nu} e^{-\log z / 2}` (``betaincinv``'s :math:`z` underflows there: :math:`10^{-400}`
        at :math:`\nu = 1/2`, :math:`s = 10^{-100}`)."""
        ops, xp, df = self._ops, self._ops.xp, self.df
        h = 0.5 * df
        s = xp.minimum(value, 1 - value)  # the smaller tail, 2 s = I_z(df / 2, 1 / 2) = 1 - I_w(1 / 2, df / 2)
        log_eps = math.log(float(xp.finfo(self._dtype).eps))
        positive = s > 0
        log_z = (
            xp.log(xp.where(positive, 2 * s, xp.ones_like(s))) + xp.log(h) + ops.betaln(h, xp.full_like(h, 0.5))
        ) / h
        deep = (log_z < log_eps) | ~positive
        log_z = xp.where(positive, log_z, xp.full_like(log_z, -math.inf))
        log_z = xp.where(deep, log_z, xp.full_like(log_z, log_eps))
        s = xp.where(deep, xp.full_like(s, 0.25), s)  # the other branch's argument where it is not taken
        z = ops.betaincinv(h, xp.full_like(s, 0.5), 2 * s)
        w = ops.betaincinv(xp.full_like(s, 0.5), h, 1 - 2 * s)
        far = z < 0.5
        one = xp.ones_like(z)  # the divisor of the side not taken (no division by 0 there)
        t2 = xp.where(far, df * (1 - z) / xp.where(far, z, one), df * w / xp.where(far, one, 1 - w))
        t = xp.where(deep, xp.sqrt(df) * xp.exp(-0.5 * log_z), xp.sqrt(t2))
        t = xp.where(value < 0.5, -t, t)
        return self.loc + self.scale * t

    @in_wide_float
    def entropy(self) -> Array:
        r""":math:`\log\sigma + \tfrac{\nu + 1}{2}\left(\psi(\tfrac{\nu + 1}{2}) - \psi(\tfrac{\nu}{2})\right)
        + \tfrac12\log\nu + \log B(\tfrac{\nu}{2}, \tfrac12)`: the log-normalizer (above) plus
        :math:`(h + \tfrac12)\left(\log(1 + \tfrac{1}{2h}) - R(h + \tfrac12) + R(h)\right)`, :math:`h = \nu/2`,
        :math:`R = \log - \psi`, where the digamma difference would lose float32's digits at large :math:`\nu`."""
        ops, xp = self._ops, self._ops.xp
        h = 0.5 * self.df
        h1 = h + 0.5
        spread = xp.log1p(0.5 / h) - log_minus_digamma(ops, h1) + log_minus_digamma(ops, h)
        return self._log_normalizer() + h1 * spread
