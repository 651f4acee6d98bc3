"""The normal distribution truncated to an interval."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution

__all__ = ["TruncatedNormal"]

Array = Any
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_LOG_SQRT_2_OVER_PI = 0.5 * math.log(2 / math.pi)
_SQRT_HALF = math.sqrt(0.5)
_LN2 = math.log(2.0)
#: below this log-probability the inverse of ``log_ndtr`` is found by Newton's method from the asymptotic
#: expansion, not by ``ndtri(exp(t))`` (whose argument would leave float32's range near -87)
_DEEP = -20.0
_NEWTON_STEPS = 4
#: the continued fraction of the Mills ratio (the variance of a one-sided tail) from this many standard deviations
#: out, with this many terms: float64's precision from 4 on (checked against mpmath)
_CF_FROM = 4.0
#: the log-ratio of two erfcx values closer than this (in erfcx's argument) is integrated, not divided: three
#: Gauss-Legendre points are exact to float64's precision there (checked against mpmath)
_SHORT = 0.05
_CF_TERMS = 40
#: Gauss-Legendre nodes and weights on [-1, 1] (5 points)
_NODES = (0.0, -0.5384693101056831, 0.5384693101056831, -0.9061798459386640, 0.9061798459386640)
_WEIGHTS = (0.5688888888888889, 0.4786286704993665, 0.4786286704993665, 0.2369268850561891, 0.2369268850561891)
#: outside the lower tail, log Phi(hi) - log Phi(lo) over a width w with w (1 + hi) below this is integrated, not
#: taken as a difference: five Gauss-Legendre points keep 5e-15 relative there (checked against mpmath), and the
#: difference beyond it loses at most a few ulps over 0.2 of its size
_SHORT_CENTRAL = 0.2


def _log1mexp(xp: Any, k: Any, d: Array) -> Array:
    """``log(1 - exp(d))`` for ``d <= 0`` (``-inf`` at 0): ``expm1`` near 0, ``log1p`` below ``-log 2``
    (Maechler's rule); each branch sees only arguments where it is finite, so ``where`` passes no NaN gradient."""
    zero = k(0.0)
    near = -xp.expm1(xp.minimum(xp.maximum(d, k(-_LN2)), zero))
    empty = near <= zero
    near = xp.where(empty, k(-math.inf), xp.log(xp.where(empty, k(1.0), near)))
    return xp.where(d > k(-_LN2), near, xp.log1p(-xp.exp(xp.minimum(d, k(-_LN2)))))


def _orient(xp: Any, lo: Array, hi: Array) -> tuple[Array, Array, Array]:
    """``(flip, lo, hi)``: the interval reflected about 0 where its centre is positive, so that its mass is
    measured in the lower tail, where ``log_ndtr`` keeps its precision (``Phi(b) - Phi(a) = Phi(-a) - Phi(-b)``)."""
    flip = lo > -hi  # lo + hi > 0, without inf - inf for (-inf, inf)
    return flip, xp.where(flip, -hi, lo), xp.where(flip, -lo, hi)


def _log_ratio(ops: Any, k: Any, lo: Array, hi: Array, w: Array) -> Array:
    r""":math:`\log\Phi(lo) - \log\Phi(hi) \le 0` for :math:`lo \le hi`, with the width :math:`w = hi - lo` given as
    computed from the unstandardized values (exact near a bound).

    Where both lie in the lower tail, :math:`\log\Phi(x) = -x^2/2 + \log(\mathrm{erfcx}(-x/\sqrt2)/2)`, so the
    difference is :math:`w(lo + hi)/2` plus a ratio of slowly varying ``erfcx``: no cancellation of two numbers of
    size :math:`x^2/2` (in float32 at :math:`x = -30` those lose every digit of a difference of 0.05)."""
    xp = ops.xp
    finite = lo > k(-math.inf)
    ls = xp.where(finite, lo, xp.minimum(hi, k(0.0)) - k(1.0))
    tail = hi < k(0.0)
    ws = xp.where(finite & tail, w, k(1.0))
    ht = xp.minimum(hi, k(0.0))
    lt = xp.minimum(ls, ht)
    # (lo + hi) / 2 halved before the sum: -6e4 - 6e4 overflows float16
    depth = -(lt * k(0.5) + ht * k(0.5))
    # a log-ratio beyond the dtype's range is -inf all the same (r = exp(d) is 0 from -746 on): the product and
    # log_ndtr's argument are capped so that they do not overflow (float16 overflows at 65504)
    big = float(xp.finfo(depth.dtype).max)
    ws = xp.minimum(ws, k(big) / xp.maximum(depth, k(1.0)))
    in_tail = -ws * depth + _log_erfcx_ratio(ops, k, lt, ht, ws)
    central = ops.log_ndtr(xp.maximum(ls, k(-math.sqrt(big)))) - ops.log_ndtr(hi)
    # near a bound the two log_ndtr, each rounded, differ by a few ulps (3 % off at a CDF of 1e-15): the
    # integral of (log Phi)' = phi / Phi over the short width instead
    short = finite & ~tail & (w * (k(1.0) + xp.abs(hi)) < k(_SHORT_CENTRAL))
    if not ops.tracing() and ops.is_concrete(short) and ops.all(~short):
        return xp.where(finite, xp.where(tail, in_tail, central), k(-math.inf))  # no short width: no quadrature
    half = xp.where(short, w, k(0.0)) * k(0.5)
    mid = xp.where(short, hi, k(0.0)) - half
    slopes = []
    for t in _NODES:
        u = mid + half * k(t) if t else mid
        slopes.append(xp.exp(u * u * k(-0.5) - k(_HALF_LOG_2PI) - ops.log_ndtr(u)))
    quadrature = -half * sum((k(c) * v for c, v in zip(_WEIGHTS, slopes)), k(0.0))
    d = xp.where(tail, in_tail, xp.where(short, quadrature, central))
    return xp.where(finite, d, k(-math.inf))


def _log_erfcx_ratio(ops: Any, k: Any, lo: Array, hi: Array, w: Array) -> Array:
    r""":math:`\log\mathrm{erfcx}(u_1) - \log\mathrm{erfcx}(u_2)`, :math:`u = -x/\sqrt2`, for :math:`lo \le hi \le 0`
    at the distance :math:`w = hi - lo`.  Over a distance :math:`\Delta u` below ``_SHORT`` it is the integral of
    :math:`(\log\mathrm{erfcx})'(u) = 2u - 2/(\sqrt\pi\,\mathrm{erfcx}(u))` by three-point Gauss-Legendre
    (error :math:`O(\Delta^7)`): the ratio of two ``erfcx`` values keeps their few ulps of error, which near a
    bound (a CDF of 1e-3) is 2e-4 of the difference in float32."""
    xp = ops.xp
    du = w * k(_SQRT_HALF)
    short = du < k(_SHORT)
    h = xp.where(short, du, k(0.0)) * k(0.5 * math.sqrt(0.6))
    mid = -(lo * k(0.5) + hi * k(0.5)) * k(_SQRT_HALF)

    tiny = k(float(xp.finfo(mid.dtype).smallest_normal))  # erfcx of 1e4 underflows float16

    def slope(u: Array) -> Array:
        return k(2.0) * (u - k(1.0 / math.sqrt(math.pi)) / xp.maximum(ops.erfcx(u), tiny))

    quadrature = du * (k(8.0 / 18.0) * slope(mid) + k(5.0 / 18.0) * (slope(mid + h) + slope(mid - h)))
    direct = xp.log(ops.erfcx(-lo * k(_SQRT_HALF)) / ops.erfcx(-hi * k(_SQRT_HALF)))
    return xp.where(short, quadrature, direct)


def _log_ndtr_rest(ops: Any, k: Any, hi: Array) -> Array:
    r""":math:`\log\Phi(hi) + \min(hi, 0)^2/2`: the part of :math:`\log\Phi(hi)` left when the Gaussian factor of the
    lower tail is taken out, :math:`\log(\mathrm{erfcx}(-hi/\sqrt2)/2)` there (of size :math:`\log|hi|`)."""
    xp = ops.xp
    zero = k(0.0)
    return xp.where(
        hi < zero,
        xp.log(ops.erfcx(-xp.minimum(hi, zero) * k(_SQRT_HALF))) - k(_LN2),
        ops.log_ndtr(xp.maximum(hi, zero)),
    )


def _ndtri_exp(ops: Any, k: Any, t: Array) -> Array:
    r"""The inverse of ``log_ndtr``: :math:`z` with :math:`\log\Phi(z) = t`.  Above ``_DEEP``, ``ndtri(exp(t))``;
    below, Newton's method on ``log_ndtr`` from :math:`z_0 = -\sqrt{s - \log s - \log 2\pi}`, :math:`s = -2t` (the
    leading terms of the asymptotic expansion), which converges in a few steps (a fixed number: traceable)."""
    xp = ops.xp
    shallow = ops.ndtri(xp.exp(xp.maximum(t, k(_DEEP))))
    td = xp.minimum(t, k(_DEEP))
    s = k(-2.0) * td
    z = -xp.sqrt(s - xp.log(s) - k(2 * _HALF_LOG_2PI))
    for _ in range(_NEWTON_STEPS):
        lp = ops.log_ndtr(z)
        # d log Phi / dz = phi / Phi = exp(log phi - log Phi)
        z = z - (lp - td) * xp.exp(lp + z * z * k(0.5) + k(_HALF_LOG_2PI))
    return xp.where(t < k(_DEEP), z, shallow)


def _work_dtype(ops: Any, dtype: Any) -> Any:
    """float64 for the moments and entropy of narrower parameters where the library computes in it (JAX only
    under ``jax_enable_x64``): their formulas subtract terms of size :math:`a^2` for a bound :math:`a` deep in a
    tail, which float32 holds only to :math:`a^2 \\epsilon`."""
    xp = ops.xp
    if xp.finfo(dtype).bits >= 64 or (xp.finfo(ops.default_float()).bits < 64 and ops.name == "jax"):
        return dtype
    return xp.float64


class TruncatedNormal(Distribution):
    r"""The normal distribution of mean ``loc`` and standard deviation ``scale`` restricted to ``[low, high]``.

    .. math::
        p(x) = \frac{\phi\!\left(\frac{x-\mu}{\sigma}\right)}{\sigma\,Z}, \quad
        Z = \Phi(\beta) - \Phi(\alpha), \quad \alpha = \frac{\mathrm{low}-\mu}{\sigma},\
        \beta = \frac{\mathrm{high}-\mu}{\sigma}, \qquad \mathrm{low} \le x \le \mathrm{high}

    Args:
        loc: :math:`\mu` (real), any shape.
        scale: :math:`\sigma > 0`.
        low: lower bound, real or ``-inf`` (one-sided truncation).
        high: upper bound, real or ``inf``; ``low < high`` in every batch member.
        validate_args: check parameters and values (default: the global switch, on).

    ``batch_shape`` is the broadcast shape of the four parameters.  Every quantity is computed where it keeps its
    precision: an interval whose centre lies above the mean is reflected about it, so that its mass is measured
    in the lower tail by ``log_ndtr``, and two bounds deep in one tail (:math:`\alpha = 30, \beta = 40`) are
    compared through ``erfcx``, not through two normal log-probabilities of size :math:`\alpha^2/2`.  Draws are
    the inverse CDF of uniform draws in that orientation (reparameterized: gradients flow to all four
    parameters), clipped to ``[low, high]``; the mean, variance and entropy of float32 parameters are computed
    in float64 where the library has it.

    Example:
        >>> import numpy as np
        >>> from arraydist import TruncatedNormal
        >>> d = TruncatedNormal(0.0, 1.0, np.array([5.25, -1.0]), np.array([np.inf, 1.0]))
        >>> d.mean.round(4)
        array([5.4287, 0.    ])
        >>> x = d.sample((1000,), seed=0)
        >>> bool((x[:, 0] >= 5.25).all() and (abs(x[:, 1]) <= 1.0).all())
        True
    """

    arg_constraints = {
        "loc": constraints.real,
        "scale": constraints.positive,
        "low": constraints.real,
        "high": constraints.real,
    }
    _infinite_params = frozenset({"low", "high"})
    has_rsample = True

    loc: Array
    scale: Array
    low: Array
    high: Array

    def __init__(self, loc: Any, scale: Any, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self._init_params({"loc": loc, "scale": scale, "low": low, "high": high}, validate_args)

    def _post_init(self, validate: bool) -> None:
        if validate:
            xp = self._ops.xp
            self._require(
                (self.low < self.high) & ~xp.isnan(self.low) & ~xp.isnan(self.high), "low < high", "low", "high"
            )

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.interval(self.low, self.high)

    # ------------------------------------------------------------------ standardized bounds
    def _bounds(self, dtype: Any = None) -> tuple[Any, ...]:
        r"""``(k, flip, lo, hi, d, rest)`` in ``dtype`` (the parameters' by default), ``k`` its constants: the
        standardized bounds oriented by :func:`_orient`, ``d = log Phi(lo) - log Phi(hi)`` and the log-normalizer
        without its Gaussian factor, :math:`\log Z = -\min(hi, 0)^2/2 + \mathrm{rest}`."""
        ops = self._ops
        xp = ops.xp
        params = [self.loc, self.scale, self.low, self.high]
        if dtype is None or dtype == self._dtype:
            k = self._const
        else:
            params = [ops.cast(p, dtype) for p in params]

            def k(value: float) -> Any:
                return ops.const(value, dtype, self._device)

        loc, scale, low, high = params
        # infinite bounds enter as constants, never through arithmetic with the parameters: a gradient of 0 times
        # an infinite partial derivative would be NaN
        has_low, has_high = low > k(-math.inf), high < k(math.inf)
        low, high = xp.where(has_low, low, loc), xp.where(has_high, high, loc)
        a = xp.where(has_low, (low - loc) / scale, k(-math.inf))
        b = xp.where(has_high, (high - loc) / scale, k(math.inf))
        flip, lo, hi = _orient(xp, a, b)
        d = _log_ratio(ops, k, lo, hi, xp.where(has_low & has_high, (high - low) / scale, k(math.inf)))
        return k, flip, lo, hi, d, _log_ndtr_rest(ops, k, hi) + _log1mexp(xp, k, d)

    def _to_bounds(self, x: Array) -> tuple[Array, Array]:
        """``((x - low) / scale, (high - x) / scale)``, computed from the bounds themselves (exact near them);
        infinite where the bound is, without arithmetic on it (see :meth:`_bounds`)."""
        xp = self._ops.xp
        k, low, high, scale = self._const, self.low, self.high, self.scale
        has_low, has_high = low > k(-math.inf), high < k(math.inf)
        to_low = xp.where(has_low, (x - xp.where(has_low, low, x)) / scale, k(math.inf))
        to_high = xp.where(has_high, (xp.where(has_high, high, x) - x) / scale, k(math.inf))
        return to_low, to_high

    def _moments(self) -> tuple[Array, Array, Array, Array, Array, Array, Any]:
        r"""``(flip, lo psi_lo, hi psi_hi, psi_lo - psi_hi, standardized variance, log Z, work dtype)`` with
        :math:`\psi_x = \phi(x)/Z` at the oriented bounds, from the log-normalizer without its Gaussian factor:
        :math:`\psi_{hi}` stays accurate where :math:`Z` and :math:`\phi(hi)` are both tiny."""
        ops = self._ops
        xp = ops.xp
        work = _work_dtype(ops, self._dtype)
        k, flip, lo, hi, d, rest = self._bounds(work)
        zero = k(0.0)
        finite_l = lo > k(-math.inf)
        finite_h = hi < k(math.inf)
        ls = xp.where(finite_l, lo, zero)
        hs = xp.where(finite_h, hi, zero)
        hp = xp.maximum(hs, zero)
        log_psi_h = -hp * hp * k(0.5) - k(_HALF_LOG_2PI) - rest
        psi_h = xp.where(finite_h, xp.exp(log_psi_h), zero)
        # phi(lo) / phi(hi) = exp((hi - lo)(hi + lo) / 2)
        psi_l = xp.where(finite_l, xp.exp(log_psi_h + (hs - ls) * (ls + hs) * k(0.5)), zero)
        hn = xp.minimum(hs, zero)
        log_z = rest - hn * hn * k(0.5)
        shift = psi_l - psi_h
        l_psi, h_psi = ls * psi_l, hs * psi_h
        variance = k(1.0) + l_psi - h_psi - shift * shift
        # One bound deep in a tail and the other's mass negligible: 1 + t psi - psi^2 subtracts terms of size t^2
        # (6e-8 relative in float64 at t = 93); with the continued fraction of the Mills ratio,
        # psi = t + c_1, c_n = n / (t + c_{n+1}), it is c_1 (c_2 - c_1), with no cancellation.
        one_sided = (hi < k(-_CF_FROM)) & (d < k(-40.0))
        t = xp.maximum(-hs, k(_CF_FROM))
        c = zero * t
        for n in range(_CF_TERMS, 1, -1):
            c = k(float(n)) / (t + c)
        c2 = c
        c1 = k(1.0) / (t + c2)
        variance = xp.where(one_sided, c1 * (c2 - c1), variance)
        return flip, l_psi, h_psi, shift, variance, log_z, work

    # ------------------------------------------------------------------ moments
    @property
    def mean(self) -> Array:
        ops = self._ops
        xp = ops.xp
        flip, _, _, shift, _, _, _ = self._moments()
        shift = ops.cast(xp.where(flip, -shift, shift), self._dtype)
        return self.loc + self.scale * shift

    @property
    def mode(self) -> Array:
        return self._clipped(self.loc)

    @property
    def variance(self) -> Array:
        ops = self._ops
        variance = self._moments()[4]
        return self.scale * self.scale * ops.cast(variance, self._dtype)

    def entropy(self) -> Array:
        r""":math:`\log(\sqrt{2\pi e}\,\sigma Z) + \frac{\alpha\phi(\alpha) - \beta\phi(\beta)}{2Z}`."""
        ops = self._ops
        _, l_psi, h_psi, _, _, log_z, work = self._moments()
        half = ops.const(0.5, work, self._device)
        hi = ops.const(0.5 + _HALF_LOG_2PI, work, self._device) + log_z + (l_psi - h_psi) * half
        return ops.xp.log(self.scale) + ops.cast(hi, self._dtype)

    def _widened(self) -> TruncatedNormal | None:
        """This distribution in float32 when its dtype is narrower (float16, bfloat16: their range ends at the
        squares of bounds 256 standard deviations out, and the tails' terms are such squares), else None."""
        ops = self._ops
        if ops.xp.finfo(self._dtype).bits >= 32:
            return None
        wide = ops.wide_float(self._dtype)
        return self._map_leaves(lambda x: ops.cast(x, wide))  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ densities
    def _log_prob(self, value: Array) -> Array:
        ops = self._ops
        xp = ops.xp
        wide = self._widened()
        if wide is not None:
            return ops.cast(wide._log_prob(ops.cast(value, wide.dtype)), self._dtype)
        k, flip, _, hi, _, rest = self._bounds()
        zero = k(0.0)
        z = ops.standardize(value, self.loc, self.scale)
        # z^2 - min(hi, 0)^2 as a product with the distance to the oriented bound hi (exact there): deep in a tail
        # both squares are large and their difference small
        tail = hi < zero
        to_low, to_high = self._to_bounds(value)
        to_bound = xp.where(tail, xp.where(flip, -to_low, -to_high), zero)
        sq = xp.where(tail, to_bound * (xp.where(flip, -z, z) + xp.where(tail, hi, zero)), z * z)
        lp = sq * k(-0.5) - (k(_HALF_LOG_2PI) + xp.log(self.scale) + rest)
        inside = (value >= self.low) & (value <= self.high)
        return xp.where(inside, lp, k(-math.inf))

    def _clipped(self, value: Array) -> Array:
        xp = self._ops.xp
        return xp.minimum(xp.maximum(value, self.low), self.high)

    def _log_split(self, value: Array) -> tuple[Array, Array]:
        r"""``(log_cdf, log_survival_function)``: the masses of :math:`[lo, z]` and :math:`[z, hi]` in the oriented
        interval, each a ratio to :math:`Z` of terms that share its tail factor:
        :math:`P[z, hi] = (1 - e^{d_{zh}})/(1 - e^{d})` and :math:`P[lo, z] = e^{d_{zh}}(1 - e^{d_{lz}})/(1 - e^d)`
        with :math:`d_{xy} = \log\Phi(x) - \log\Phi(y)` (:func:`_log_ratio`)."""
        ops = self._ops
        xp = ops.xp
        wide = self._widened()
        if wide is not None:
            return tuple(ops.cast(v, self._dtype) for v in wide._log_split(ops.cast(value, wide.dtype)))  # type: ignore[return-value]
        k, flip, lo, hi, d, _ = self._bounds()
        x = self._clipped(value)
        z = ops.standardize(x, self.loc, self.scale)
        zo = xp.where(flip, -z, z)
        to_low, to_high = self._to_bounds(x)
        d_zh = _log_ratio(ops, k, zo, hi, xp.where(flip, to_low, to_high))
        d_lz = _log_ratio(ops, k, lo, zo, xp.where(flip, to_high, to_low))
        log_z = _log1mexp(xp, k, d)
        lower = d_zh + _log1mexp(xp, k, d_lz) - log_z
        upper = _log1mexp(xp, k, d_zh) - log_z
        # a mass near 1 is the complement of the other, small one: its log, -1e-15 next to a bound, is lost in
        # the sum of terms of size 1 that forms it directly
        zero, half = k(0.0), k(-_LN2)
        lower, upper = (
            xp.where(upper < half, _log1mexp(xp, k, xp.minimum(upper, zero)), lower),
            xp.where(lower < half, _log1mexp(xp, k, xp.minimum(lower, zero)), upper),
        )
        return xp.where(flip, upper, lower), xp.where(flip, lower, upper)

    def _log_cdf(self, value: Array) -> Array:
        return self._log_split(value)[0]

    def _log_survival_function(self, value: Array) -> Array:
        return self._log_split(value)[1]

    def _cdf(self, value: Array) -> Array:
        return self._ops.xp.exp(self._log_cdf(value))

    def _survival_function(self, value: Array) -> Array:
        return self._ops.xp.exp(self._log_survival_function(value))

    # ------------------------------------------------------------------ quantiles and draws
    def _quantile(self, u: Array, oriented: bool) -> Array:
        r"""The inverse CDF at ``u``, measured from the bound the orientation puts in the lower tail when
        ``oriented`` (a uniform draw is as good read from either end: its small values, which the dtype holds
        finely, then land in the tail where the mass is): :math:`\log\Phi(z) = \log\Phi(hi) + \log(r + u(1 - r))`,
        :math:`r = \Phi(lo)/\Phi(hi)`, inverted by :func:`_ndtri_exp`."""
        ops = self._ops
        xp = ops.xp
        wide = self._widened()
        if wide is not None:
            return ops.cast(wide._quantile(ops.cast(u, wide.dtype), oriented), self._dtype)
        k, flip, _, hi, d, _ = self._bounds()
        log_z = _log1mexp(xp, k, d)
        # the mass below z in the oriented interval: r + u (1 - r) of Phi(hi), r = Phi(lo) / Phi(hi)
        t = ops.log_ndtr(hi) + xp.logaddexp(d, xp.log(u) + log_z)
        if not oriented:
            # a reflected member's CDF is the mass above z_o there: 1 - u (1 - r), without forming 1 - u
            t = xp.where(flip, ops.log_ndtr(hi) + _log1mexp(xp, k, xp.log(u) + log_z), t)
        z = _ndtri_exp(ops, k, t)
        return self._clipped(self.loc + self.scale * xp.where(flip, -z, z))

    def _icdf(self, value: Array) -> Array:
        return self._quantile(value, oriented=False)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        u = self._ops.uniform(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return self._quantile(u, oriented=True)
