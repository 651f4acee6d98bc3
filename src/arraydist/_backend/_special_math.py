"""Composite special functions: formulas over the table's other entries, written once for every backend.

:class:`SpecialMath` is a base of :class:`~arraydist._backend.Ops`; its methods use ``self.xp`` (the array API
standard) and the backend's own ``lgamma``, ``digamma``, ``stirlerr``, ``bd0``, ``i0e``, ``ndtri``,
``gammainc`` and ``gammaincc``.  Two kinds live here:

- stable forms the libraries lack (``log1mexp``, ``lgamma_ratio``, ``gamma_entropy_term``, ``log_i0e``, a
  ``betaln`` exact for one or two large arguments), used by every backend (the array-API fallback with its
  host ``lgamma``);
- the algorithms behind ``betainc``, ``betaincc``, ``betaincinv``, ``gammaincinv`` and ``gammainccinv`` for the
  backends whose library has none (torch; JAX for the inverses, and for ``betainc``, whose own loses digits at
  large arguments and has no gradient in ``a`` and ``b``).  They run a fixed number of steps, branch-free
  (``where``), so they trace under ``jax.jit`` and ``torch.compile(fullgraph=True)``; the backend runs the
  steps as one traced loop where it can (:meth:`SpecialMath._repeat`: ``lax.fori_loop``, torch's ``scan``
  under the compiler).

Accuracy reached (``tests/test_special_functions.py``, against SciPy in float64 and mpmath): ``betainc`` to
5e-13 relative in float64 (1.1e-12 on JAX) for a, b from 1/2 to 1e5, x from 1e-6 to 1 - 1e-6 and the centre
a / (a + b); in float32 computed in float64 where the library can (torch, JAX with x64), else 7e-5 at the
centre of a = b = 1e5.  Where one argument is below 1/2 and x lies beyond the mean, the value is 1 minus a
number near 1: an absolute error of 1e-13 (float64).  The continued fraction's length covers a, b up to about
1e5 at the centre (its steps grow as the square root of the larger argument).

For the backends whose library has none (MLX) the regularized incomplete gamma functions, the normal quantile
and the modified Bessel functions of orders 0 and 1 are here too, differentiable and traceable the same way:
``gammainc`` and ``gammaincc`` by two continued fractions (and a series for small ``a``) to 1.2e-13 relative in
float64 against mpmath for ``a`` from 1e-6 to 1e4 and any ``x`` (each tail to relative accuracy; SciPy's own is
6e-12 off at a = 3000, x = 1500), ``ndtri`` by Wichura's AS 241 and one Newton step to 1.2e-15, ``i0e`` and
``i1e`` by their power series and asymptotic expansion to 1.4e-15 (against SciPy).

The logs of the regularized tails (``log_gammainc``, ``log_gammaincc``, ``log_betainc``, ``log_betaincc``, every
backend) take the backend's function from 1e-300 to 1/2, ``log1p`` of the other tail above 1/2, and below 1e-300
(1e-30 in float32) the log of the continued fraction's prefactor plus the log of the fraction: 1.2e-13 relative
in float64 against mpmath down to tails of 1e-10000 (``benchmarks/accuracy.py``).

Every discarded branch of a ``where`` is kept finite (its argument replaced by a harmless value), so no NaN
reaches a gradient through the branch not taken.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ._incomplete import IncompleteFunctions

Array = Any

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
LOG_2 = math.log(2.0)
#: from here on, lgamma_ratio and betaln use Stirling's form (stirlerr, series above 15: relative accuracy at
#: any size); below, the lgamma differences, whose terms are small there
_LARGE = 8.0
#: where log_i0e switches from log(i0e) to the asymptotic series of I0: its 12 terms reach 3e-17 relatively at
#: 100, and log(i0e)'s gradient, i1e / i0e - 1, keeps 5 digits in float32 below it
_BESSEL_FROM = 100.0
#: i0e and i1e: the power series below this |x|, the asymptotic expansion above
_BESSEL_SERIES_TO = 25.0
_BESSEL_SERIES_TERMS = 45
_BESSEL_ASYMPTOTIC_TERMS = 32
#: Wichura's AS 241 (PPND16) coefficients, lowest degree first: the centre (A/B) and the tails (C/D, E/F)
_AS241_A = (
    3.3871328727963666080,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_AS241_B = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_AS241_C = (
    1.42343711074968357734,
    4.63033784615654529590,
    5.76949722146069140550,
    3.64784832476320460504,
    1.27045825245236838258,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_AS241_D = (
    1.0,
    2.05319162663775882187,
    1.67638483018380384940,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_AS241_E = (
    6.65790464350110377720,
    5.46378491116411436990,
    1.78482653991729133580,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_AS241_F = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)


class SpecialMath(IncompleteFunctions):
    """The composite special functions (see the module's docstring); a base of ``Ops``."""

    xp: Any

    # the table's functions these formulas build on (each backend binds its own)
    lgamma: Callable[..., Array]
    digamma: Callable[..., Array]
    stirlerr: Callable[..., Array]
    bd0: Callable[..., Array]
    i0e: Callable[..., Array]
    ndtri: Callable[..., Array]
    gammainc: Callable[..., Array]
    gammaincc: Callable[..., Array]
    betainc: Callable[..., Array]
    ndtr: Callable[..., Array]

    def stop_gradient(self, x: Array) -> Array:  # pragma: no cover - Ops defines it
        return x

    def tracing(self) -> bool:  # pragma: no cover - Ops defines it
        return False

    def is_concrete(self, x: Array) -> bool:  # pragma: no cover - Ops defines it
        return False

    def value_range(self, x: Array) -> tuple[float, float]:  # pragma: no cover - Ops defines it
        raise NotImplementedError

    def side(self, x: Array, threshold: float) -> bool | None:
        """Which side of ``threshold`` every element of ``x`` lies on, where that can be read now: True if all
        are above it, False if none is, None if both are present or the values cannot be read (a tracer, a lazy
        array, NaN). The piecewise formulas below compute one branch instead of all where it answers, at the price
        of one reduction and its host read (Beta's ``log_prob`` of 10^7 values: about 3 of its 4 seconds on torch
        went to branches whose results were discarded)."""
        if self.tracing() or not self.is_concrete(x):
            return None
        low, high = self.value_range(x)
        return True if low > threshold else False if high <= threshold else None

    def _repeat(self, steps: int, body: Callable[[Any, tuple[Array, ...]], tuple[Array, ...]], state: Any) -> Any:
        """``state = body(i, state)`` for ``i = 1 .. steps``; ``i`` may be a traced integer (JAX's loop)."""
        for i in range(1, steps + 1):
            state = body(i, state)
        return state

    def _repeat_converging(
        self, steps: int, body: Callable[[Any, tuple[Array, ...]], tuple[Array, ...]], state: Any, tol: float
    ) -> Any:
        """:meth:`_repeat` of a ``body`` whose state ends with each element's relative change in its last step:
        where the values can be read, in rounds of 8 steps until every change is below ``tol`` (one reduction
        and host read a round; a large batch costs as many steps as its slowest element needs, not the
        bound); in a trace, all ``steps``."""
        if self.tracing() or not all(self.is_concrete(part) for part in state):
            return self._repeat(steps, body, state)
        xp = self.xp
        done = 0
        while done < steps:
            for i in range(done + 1, min(done + 8, steps) + 1):
                state = body(i, state)
            done = min(done + 8, steps)
            change = state[-1]
            worst = self.reduce_value(xp.where(change == change, change, xp.zeros_like(change)), "max")
            if worst <= tol:
                break
        return state

    # ------------------------------------------------------------------ stable forms
    def log1mexp(self, x: Array) -> Array:
        r""":math:`\log(1 - e^{-|x|})`: for :math:`x \le 0` (a log-probability) it is :math:`\log(1 - e^{x})`,
        the log of the complement; ``-inf`` at 0.  ``log(-expm1(-|x|))`` below :math:`\log 2` and
        ``log1p(-exp(-|x|))`` above, each where the other cancels (M. Mächler, *Accurately computing*
        :math:`\log(1 - \exp(-|a|))`, 2012)."""
        xp = self.xp
        t = xp.abs(x)
        near, zero = t < LOG_2, t == 0
        # each side's argument kept away from the other's poles (and from 0, whose log warns on NumPy and, at
        # compute time, on Dask): no warning, and the gradient of the discarded side stays finite
        small = xp.where(near & ~zero, t, xp.ones_like(t))
        large = xp.where(near, xp.ones_like(t), t)
        out = xp.where(near, xp.log(-xp.expm1(-small)), xp.log1p(-xp.exp(-large)))
        return xp.where(zero, xp.full_like(out, -math.inf), out)

    def two_product(self, a: Array, b: Array) -> tuple[Array, Array]:
        r"""``(m, e)`` with :math:`m = \operatorname{fl}(ab)` and :math:`m + e = ab` exactly (Dekker's product:
        each factor split into halves of its significand, whose products are exact), for finite :math:`|a|, |b|`
        below the dtype's largest number over :math:`2^{s}` (:math:`s` half the significand's bits). A saddle-point
        log-mass needs its mean :math:`n p` to more than the dtype's precision: the deviance near the mode moves by
        :math:`(n p - k)\,e / (n p)`, 6.8e-6 of a float32 Binomial's log-mass at :math:`n = 10^6`."""
        xp = self.xp
        bits = 1 - round(math.log2(float(xp.finfo(a.dtype).eps))) if hasattr(a, "dtype") else 53
        factor = float(2 ** ((bits + 1) // 2) + 1)

        def split(x: Array) -> tuple[Array, Array]:
            c = factor * x
            high = c - (c - x)
            return high, x - high

        m = a * b
        a_hi, a_lo = split(a)
        b_hi, b_lo = split(b)
        return m, ((a_hi * b_hi - m) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo

    def two_sum(self, a: Array, b: Array) -> tuple[Array, Array]:
        r"""``(s, e)`` with :math:`s = \operatorname{fl}(a + b)` and :math:`s + e = a + b` exactly (Knuth's sum)."""
        s = a + b
        bb = s - a
        return s, (a - (s - bb)) + (b - bb)

    def lgamma_ratio(self, x: Array, d: Array) -> Array:
        r""":math:`\log\Gamma(x + d) - \log\Gamma(x)` for :math:`x > 0`, :math:`x + d > 0`.

        Where both arguments exceed 8 it is :math:`\operatorname{stirlerr}(x + d - 1) -
        \operatorname{stirlerr}(x - 1) + (x - \tfrac12)\log(1 + \tfrac{d}{x}) + d \log(x + d) - d` ... written
        with the :math:`\operatorname{stirlerr}` of the arguments themselves (see below), whose terms are of the
        size of the result: the difference of the two :math:`\log\Gamma` loses every digit of it in float32 at
        :math:`x = 10^4` (StudentT's normalizer, :math:`x = \nu / 2`, :math:`d = \tfrac12`).  Elsewhere the
        difference itself."""
        xp = self.xp
        y = x + d
        side = self.side(xp.minimum(x, y), _LARGE)
        if side is False:
            return self.lgamma(y) - self.lgamma(x)
        large = (x > _LARGE) & (y > _LARGE)
        xl = xp.where(large, x, xp.full_like(x, 2 * _LARGE))
        yl = xp.where(large, y, xp.full_like(y, 2 * _LARGE))
        dl = xp.where(large, d, xp.zeros_like(d))  # d itself: x + d may round to x (float32, 1e7 + 0.5)
        # lgamma(z) = stirlerr(z) + (z - 1/2) log z - z + log sqrt(2 pi), with z = x and z = x + d
        stirling = self.stirlerr(yl) - self.stirlerr(xl) + (xl - 0.5) * xp.log1p(dl / xl) + dl * xp.log(yl) - dl
        xs = xp.where(large, xp.ones_like(x), x)
        ys = xp.where(large, xp.ones_like(y), y)
        return xp.where(large, stirling, self.lgamma(ys) - self.lgamma(xs))

    def betaln(self, a: Array, b: Array) -> Array:
        r""":math:`\log B(a, b)` exact to a few units of the dtype's resolution for any sizes, on every backend:
        SciPy's is 4e-10 relative off at (0.1, 3e5), JAX's 2e-9 at (30, 0.2), torch has none.

        With :math:`s \le t` the smaller and larger argument: both above 8,
        :math:`\operatorname{stirlerr}(s) + \operatorname{stirlerr}(t) - \operatorname{stirlerr}(s + t) +
        \log\sqrt{2\pi} + \tfrac12\log\frac{s + t}{s t} - s \log(1 + \tfrac{t}{s}) - t \log(1 + \tfrac{s}{t})`
        (Stirling's formula with its exact error, every term of one sign or small); only :math:`t` above 8,
        :math:`\log\Gamma(s) - (\log\Gamma(t + s) - \log\Gamma(t))` through :meth:`lgamma_ratio`; else the
        three :math:`\log\Gamma`."""
        xp = self.xp
        s, t = xp.minimum(a, b), xp.maximum(a, b)
        if self.side(t, _LARGE) is False:
            return self.lgamma(a) + self.lgamma(b) - self.lgamma(a + b)
        if self.side(s, _LARGE):
            return self._betaln_stirling(s, t)
        both = s > _LARGE
        one = (t > _LARGE) & ~both
        stirling = self._betaln_stirling(
            xp.where(both, s, xp.full_like(s, 2 * _LARGE)), xp.where(both, t, xp.full_like(t, 2 * _LARGE))
        )
        so = xp.where(one, s, xp.ones_like(s))
        to = xp.where(one, t, xp.full_like(t, 2 * _LARGE))
        one_large = self.lgamma(so) - self.lgamma_ratio(to, so)
        direct = self.lgamma(a) + self.lgamma(b) - self.lgamma(a + b)
        return xp.where(both, stirling, xp.where(one, one_large, direct))

    def _betaln_stirling(self, s: Array, t: Array) -> Array:
        xp = self.xp
        n = s + t
        return (
            self.stirlerr(s) + self.stirlerr(t) - self.stirlerr(n) + LOG_SQRT_2PI
            + 0.5 * (xp.log(n) - xp.log(s) - xp.log(t))
            - s * xp.log1p(t / s) - t * xp.log1p(s / t)
        )  # fmt: skip

    def gamma_entropy_term(self, a: Array) -> Array:
        r""":math:`a + \log\Gamma(a) + (1 - a)\,\psi(a)`, the part of a Gamma distribution's entropy that
        depends on its concentration alone (the entropy is this minus :math:`\log \text{rate}`; ``Chi2``'s,
        ``Dirichlet``'s and ``Beta``'s are built of such terms too).

        Above 8 it is :math:`\tfrac12 + \log\sqrt{2\pi} + \tfrac12\log a - \frac{1}{2a} +
        \operatorname{stirlerr}(a) + (a - 1) R(a)`, with :math:`R(a) = \log a - \frac{1}{2a} - \psi(a) =
        \frac{1}{12a^2} - \frac{1}{120a^4} + \frac{1}{252a^6} - \frac{1}{240a^8} + \frac{1}{132a^{10}} -
        \frac{691}{32760a^{12}}` (truncated below 1e-17 relatively from 8 on): the three terms of the
        definition are of size :math:`a \log a` and cancel to :math:`\tfrac12\log(2\pi e a)`, every digit lost
        in float32 at :math:`a = 10^7`.  Below, the definition."""
        xp = self.xp
        large = a > _LARGE
        al = xp.where(large, a, xp.full_like(a, 2 * _LARGE))
        w = 1 / (al * al)
        r = w * (1 / 12 - w * (1 / 120 - w * (1 / 252 - w * (1 / 240 - w * (1 / 132 - w * 691 / 32760)))))
        series = 0.5 + LOG_SQRT_2PI + 0.5 * xp.log(al) - 0.5 / al + self.stirlerr(al) + (al - 1) * r
        small = xp.where(large, xp.ones_like(a), a)
        direct = small + self.lgamma(small) + (1 - small) * self.digamma(small)
        return xp.where(large, series, direct)

    def log_i0e(self, x: Array) -> Array:
        r""":math:`\log(I_0(x) e^{-|x|})`, the log-normalizer of the von Mises density without overflow:
        :math:`\log(2\pi I_0(\kappa)) = \log 2\pi + \kappa + \operatorname{log\_i0e}(\kappa)`.

        Above :math:`|x| = 100` the asymptotic series :math:`-\tfrac12\log(2\pi|x|) + \log\sum_k c_k`,
        :math:`c_0 = 1`, :math:`c_k = c_{k-1}\frac{(2k - 1)^2}{8k|x|}` (12 terms), whose gradient is exact; the
        gradient of :math:`\log i0e` there is :math:`i1e/i0e - 1`, a difference of two numbers that agree to
        :math:`1/(2|x|)` (nothing left of it in float32 at :math:`\kappa = 10^7`).  Below, ``log(i0e(x))``."""
        xp = self.xp
        t = xp.abs(x)
        far = t > _BESSEL_FROM
        tf = xp.where(far, t, xp.full_like(t, 2 * _BESSEL_FROM))
        term = xp.ones_like(tf)
        total = xp.ones_like(tf)
        for k in range(1, 13):
            term = term * ((2 * k - 1) ** 2 / (8 * k)) / tf
            total = total + term
        series = xp.log(total) - 0.5 * xp.log(2 * math.pi * tf)
        near = xp.where(far, xp.zeros_like(x), x)
        return xp.where(far, series, xp.log(self.i0e(near)))

    # ------------------------------------------------------------------ the normal quantile
    def _ndtri_rational(self, p: Array) -> Array:
        r"""The standard normal quantile :math:`\Phi^{-1}(p)` by Wichura's rational approximations (AS 241,
        PPND16: about 1e-16 relatively): in :math:`q = p - \tfrac12` for :math:`|q| \le 0.425`, else in
        :math:`r = \sqrt{-\log \min(p, 1 - p)}` (two pieces, split at :math:`r = 5`); ``-inf`` and ``inf`` at 0
        and 1.  One Newton step on ``ndtr`` from the detached value (its residual on the smaller tail) carries
        the gradient :math:`1 / \varphi(\Phi^{-1}(p))`, which differentiating the rational function would give
        only to its own accuracy."""
        xp = self.xp
        inside = (p > 0) & (p < 1)
        ps = xp.where(inside, p, xp.full_like(p, 0.5))
        p_ = self.stop_gradient(ps)
        q = p_ - 0.5
        central = xp.abs(q) <= 0.425
        qc = xp.where(central, q, xp.zeros_like(q))
        r = 0.180625 - qc * qc
        z_central = qc * _horner(_AS241_A, r) / _horner(_AS241_B, r)
        tail = xp.where(central, xp.full_like(p_, 0.01), xp.minimum(p_, 1 - p_))
        s = xp.sqrt(-xp.log(tail))
        near = s <= 5.0
        sn = xp.where(near, s, xp.full_like(s, 5.0)) - 1.6
        sf = xp.where(near, xp.full_like(s, 5.0), s) - 5.0
        z_tail = xp.where(
            near, _horner(_AS241_C, sn) / _horner(_AS241_D, sn), _horner(_AS241_E, sf) / _horner(_AS241_F, sf)
        )
        z = xp.where(central, z_central, xp.where(q < 0, -z_tail, z_tail))
        z = self.stop_gradient(z)
        residual = xp.where(ps <= 0.5, self.ndtr(z) - ps, (1 - ps) - self.ndtr(-z))
        density = xp.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        # past |z| = 37.5 the density underflows (float64): the value stands, with no gradient to carry
        readable = density > 0
        z = z - residual / xp.where(readable, density, xp.ones_like(density)) * xp.where(readable, 1.0, 0.0)
        ends = xp.where(p <= 0, xp.full_like(z, -math.inf), xp.full_like(z, math.inf))
        return xp.where(inside, z, xp.where((p == 0) | (p == 1), ends, xp.full_like(z, math.nan)))

    # ------------------------------------------------------------------ modified Bessel functions of order 0, 1
    def _bessel_ie(self, x: Array, order: int) -> Array:
        r""":math:`e^{-|x|} I_\nu(x)` for :math:`\nu = 0, 1`.  Below :math:`|x| = 25` the power series
        :math:`I_\nu(x) = (x/2)^\nu \sum_k \frac{(x^2/4)^k}{k!\,(k + \nu)!}` (positive terms; 45 of them reach
        1e-18 relatively at 25), times :math:`e^{-|x|}`; above, the asymptotic expansion
        :math:`\frac{1}{\sqrt{2\pi|x|}} \sum_k t_k`, :math:`t_k = t_{k-1} \frac{(2k - 1)^2 - 4\nu^2}{8k|x|}`
        (32 terms, truncated below 1e-18 from 25 on), with the sign of :math:`x` for :math:`\nu = 1`."""
        xp = self.xp
        t = xp.abs(x)
        far = t >= _BESSEL_SERIES_TO
        xn = xp.where(far, xp.zeros_like(x), x)
        w = 0.25 * xn * xn
        term = xp.ones_like(w) if order == 0 else 0.5 * xn
        total = term
        for k in range(1, _BESSEL_SERIES_TERMS + 1):
            term = term * w / (k * (k + order))
            total = total + term
        series = xp.exp(-xp.abs(xn)) * total
        tf = xp.where(far, t, xp.full_like(t, 2 * _BESSEL_SERIES_TO))
        term = xp.ones_like(tf)
        total = term
        for k in range(1, _BESSEL_ASYMPTOTIC_TERMS + 1):
            term = term * (((2 * k - 1) ** 2 - 4 * order * order) / (8 * k)) / tf
            total = total + term
        asymptotic = total / xp.sqrt(2 * math.pi * tf)
        if order == 1:
            asymptotic = xp.where(x < 0, -asymptotic, asymptotic)
        return xp.where(far, asymptotic, series)

    def _i0e_composite(self, x: Array) -> Array:
        r""":math:`e^{-|x|} I_0(x)` (:meth:`_bessel_ie`)."""
        return self._bessel_ie(x, 0)

    def _i1e_composite(self, x: Array) -> Array:
        r""":math:`e^{-|x|} I_1(x)` (:meth:`_bessel_ie`)."""
        return self._bessel_ie(x, 1)

    def _i0_composite(self, x: Array) -> Array:
        r""":math:`I_0(x) = \mathrm{i0e}(x)\,e^{|x|}`."""
        return self._bessel_ie(x, 0) * self.xp.exp(self.xp.abs(x))

    def _i1_composite(self, x: Array) -> Array:
        r""":math:`I_1(x) = \mathrm{i1e}(x)\,e^{|x|}`."""
        return self._bessel_ie(x, 1) * self.xp.exp(self.xp.abs(x))


def _horner(coefficients: tuple[float, ...], x: Array) -> Array:
    """``c[0] + c[1] x + ... + c[n] x^n``."""
    out = coefficients[-1] + 0 * x
    for c in reversed(coefficients[:-1]):
        out = out * x + c
    return out
