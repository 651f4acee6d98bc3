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
from functools import partial
from typing import Any

Array = Any

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
LOG_2 = math.log(2.0)
#: from here on, lgamma_ratio and betaln use Stirling's form (stirlerr, series above 15: relative accuracy at
#: any size); below, the lgamma differences, whose terms are small there
_LARGE = 8.0
#: where log_i0e switches from log(i0e) to the asymptotic series of I0: its 12 terms reach 3e-17 relatively at
#: 100, and log(i0e)'s gradient, i1e / i0e - 1, keeps 5 digits in float32 below it
_BESSEL_FROM = 100.0
#: continued-fraction steps of betainc by dtype: enough at the centre x = a / (a + b) for a = b = 1e5 (243
#: steps to converge in float64, 163 in float32; the steps needed grow as sqrt(max(a, b)))
_BETAINC_STEPS = {32: 180, 64: 260}
#: Halley steps of the inverses from their starting points (quadratic convergence after the first few)
_INVERSE_STEPS = 12
#: the least steps of gammainc's lower and upper continued fractions (the upper one's at x = a + 1 for small a)
_GAMMAINC_LOWER_MIN, _GAMMAINC_UPPER_MIN = 40, 100
#: terms of gammaincc's series for a < 1/2 and x < a + 1 (1.5^30 / 30! < 1e-27)
_GAMMAINCC_SERIES_TERMS = 30
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


class SpecialMath:
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

    # ------------------------------------------------------------------ the regularized incomplete beta function
    def _betainc_pair(self, a: Array, b: Array, x: Array) -> tuple[Array, Array]:
        r"""``(I, 1 - I)`` of :math:`I_x(a, b)`, each to the dtype's relative accuracy where it is small.

        On the side of the mean, :math:`x \le \frac{a + 1}{a + b + 2}` (else on :math:`I_{1-x}(b, a)` and the
        roles swap), :math:`I_x(a, b) = \frac{x^a (1 - x)^b}{a B(a, b)} \cdot \frac{1}{1+}
        \frac{d_1}{1+}\frac{d_2}{1+}\cdots`, with :math:`d_{2m+1} = -\frac{(a + m)(a + b + m)x}{(a + 2m)(a +
        2m + 1)}` and :math:`d_{2m} = \frac{m(b - m)x}{(a + 2m - 1)(a + 2m)}`, evaluated forward by the modified
        Lentz method over a fixed number of steps.  The prefactor is :math:`\frac{b}{a + b}` times the binomial
        term :math:`\binom{a + b}{a} x^a (1 - x)^b` in its saddle-point form (``stirlerr``, ``bd0``), exact at any
        size where :math:`a \log x + b \log(1 - x) - \log B(a, b)` cancels (float32 keeps two digits of it at
        :math:`a = b = 10^5`)."""
        xp = self.xp
        inside = (x > 0) & (x < 1)
        below, above = x <= 0, x >= 1  # a NaN is neither: NaN out
        x = xp.where(inside, x, xp.full_like(x, 0.5))
        swap = x * (a + b + 2) > a + 1
        p, q = xp.where(swap, b, a), xp.where(swap, a, b)
        y = xp.where(swap, 1 - x, x)
        ym = xp.where(swap, x, 1 - x)  # 1 - y, exact on both sides
        log_front, h = self._betainc_fraction(p, q, y, ym)
        small = xp.exp(log_front) * h
        value, complement = xp.where(swap, 1 - small, small), xp.where(swap, small, 1 - small)
        zero, one, nan = xp.zeros_like(value), xp.ones_like(value), xp.full_like(value, math.nan)
        lower = xp.where(inside, value, xp.where(below, zero, xp.where(above, one, nan)))
        upper = xp.where(inside, complement, xp.where(below, one, xp.where(above, zero, nan)))
        return lower, upper

    def _betainc_fraction(self, p: Array, q: Array, y: Array, ym: Array) -> tuple[Array, Array]:
        """``(log_front, h)`` of :meth:`_betainc_pair` on the side of the mean (``y`` at most about
        ``(p + 1) / (p + q + 2)``, ``ym = 1 - y``): :math:`I_y(p, q)` is ``exp(log_front) * h``."""
        return self._betainc_front(p, q, y, ym), self._betainc_continued(p, q, y)

    def _betainc_front(self, p: Array, q: Array, y: Array, ym: Array) -> Array:
        """The log of the continued fraction's prefactor, in its saddle-point form (:meth:`_betainc_pair`)."""
        xp = self.xp
        n = p + q
        return (
            xp.log(q / n) + self.stirlerr(n) - self.stirlerr(p) - self.stirlerr(q)
            - self.bd0(p, n * y) - self.bd0(q, n * ym) - 0.5 * (xp.log(2 * math.pi * p) + xp.log(q) - xp.log(n))
        )  # fmt: skip

    def _betainc_continued(self, p: Array, q: Array, y: Array) -> Array:
        """The continued fraction of :meth:`_betainc_pair` (its value, near 1 far from the mean)."""
        xp = self.xp
        n = p + q
        bits = xp.finfo(y.dtype).bits
        tiny = 1e-30 if bits <= 32 else 1e-300

        def guard(v: Array) -> Array:
            return xp.where(xp.abs(v) < tiny, xp.full_like(v, tiny), v)

        c = xp.ones_like(y)
        d = 1 / guard(1 - n * y / (p + 1))
        h = d

        def step(m: Any, state: tuple[Array, ...]) -> tuple[Array, ...]:
            c, d, h = state
            even = m * (q - m) * y / ((p + (2 * m - 1)) * (p + 2 * m))
            d = 1 / guard(1 + even * d)
            c = guard(1 + even / c)
            h = h * d * c
            odd = -(p + m) * (n + m) * y / ((p + 2 * m) * (p + (2 * m + 1)))
            d = 1 / guard(1 + odd * d)
            c = guard(1 + odd / c)
            return c, d, h * d * c

        _, _, h = self._repeat(_BETAINC_STEPS[64 if bits > 32 else 32], step, (c, d, h))
        return h

    def _betainc_series(self, a: Array, b: Array, x: Array) -> Array:
        r"""The regularized incomplete beta function :math:`I_x(a, b)` by its continued fraction
        (:meth:`_betainc_pair`); differentiable in ``x``, ``a`` and ``b`` by automatic differentiation."""
        return self._betainc_pair(a, b, x)[0]

    def _betaincc_series(self, a: Array, b: Array, x: Array) -> Array:
        r""":math:`1 - I_x(a, b) = I_{1-x}(b, a)`, from the same continued fraction (:meth:`_betainc_pair`):
        relative accuracy where it is small, and no rounding of :math:`1 - x`."""
        return self._betainc_pair(a, b, x)[1]

    def _betaincinv_halley(self, a: Array, b: Array, y: Array) -> Array:
        r"""The :math:`x` with :math:`I_x(a, b) = y`, by Halley's method from the starting points of
        Abramowitz and Stegun (26.5.22, a normal approximation, for :math:`a, b \ge 1`; else the two power laws
        of the tails), with the residual taken on the smaller side (:math:`I - y`, or :math:`(1 - y) - (1 - I)`
        above :math:`y = 1/2`).  The steps run without gradient; one last Newton step from the detached root
        carries the implicit derivatives (:math:`\partial x / \partial y = 1 / I'(x)`, and in ``a``, ``b``
        through :math:`I`'s own)."""
        xp = self.xp
        inside = (y > 0) & (y < 1)
        ys = xp.where(inside, y, xp.full_like(y, 0.5))
        a_, b_, ys_ = self.stop_gradient(a), self.stop_gradient(b), self.stop_gradient(ys)
        x = self._betaincinv_start(a_, b_, ys_)
        log_beta = self.betaln(a_, b_)

        def newton(x: Array, a: Array, b: Array, y: Array, log_beta: Array) -> tuple[Array, Array, Array]:
            lower, upper = self._betainc_pair(a, b, x)
            residual = xp.where(y <= 0.5, lower - y, (1 - y) - upper)
            log_slope = (a - 1) * xp.log(x) + (b - 1) * xp.log1p(-x) - log_beta
            return residual, xp.exp(-log_slope), (a - 1) / x - (b - 1) / (1 - x)

        def step(_: Any, state: tuple[Array]) -> tuple[Array]:
            (x,) = state
            residual, inverse_slope, curvature = newton(x, a_, b_, ys_, log_beta)
            t = residual * inverse_slope
            t = t / (1 - 0.5 * xp.clip(t * curvature, max=1.0))
            moved = x - t
            # a step out of (0, 1) halves the distance to the end it would cross
            moved = xp.where(moved <= 0, 0.5 * x, xp.where(moved >= 1, 0.5 * (x + 1), moved))
            ok = xp.isfinite(moved)
            return (xp.where(ok, moved, x),)

        (x,) = self._repeat(_INVERSE_STEPS, step, (x,))
        x = self.stop_gradient(x)
        residual, inverse_slope, _ = newton(x, a, b, ys, self.betaln(a, b))
        root = xp.clip(x - residual * inverse_slope, min=0.0, max=1.0)
        return xp.where(inside, root, xp.where(y <= 0, xp.zeros_like(root), xp.ones_like(root)))

    def _betaincinv_start(self, a: Array, b: Array, y: Array) -> Array:
        xp = self.xp
        low = y < 0.5
        tail = xp.where(low, y, 1 - y)
        t = xp.sqrt(-2 * xp.log(tail))
        z = (2.30753 + 0.27061 * t) / (1 + t * (0.99229 + 0.04481 * t)) - t  # A&S 26.2.23: ndtri(tail)
        z = xp.where(low, -z, z)  # the upper deviate, as A&S 26.5.22 takes it
        big_a = xp.maximum(a, xp.full_like(a, 1.0))
        big_b = xp.maximum(b, xp.full_like(b, 1.0))
        lam = (z * z - 3) / 6
        h = 2 / (1 / (2 * big_a - 1) + 1 / (2 * big_b - 1))
        w = z * xp.sqrt(h + lam) / h - (1 / (2 * big_b - 1) - 1 / (2 * big_a - 1)) * (lam + 5 / 6 - 2 / (3 * h))
        normal = big_a / (big_a + big_b * xp.exp(2 * w))
        # the tails' power laws: I ~ x^a / (a B) near 0 and 1 - (1 - x)^b / (b B) near 1
        log_beta = self.betaln(a, b)
        near_zero = xp.exp((xp.log(a * y) + log_beta) / a)
        near_one = -xp.expm1((xp.log(b * (1 - y)) + log_beta) / b)
        # the normal approximation misses the far tails, and each power law holds in one: the start is the one
        # of the three whose value is closest (in log) to y, on y's side
        tiny = xp.finfo(y.dtype).tiny
        top = 1 - xp.finfo(y.dtype).eps / 2

        def miss(x: Array) -> tuple[Array, Array]:
            x = xp.clip(x, min=tiny, max=top)
            lower, upper = self._betainc_pair(a, b, x)
            side = xp.where(low, lower / y, upper / (1 - y))
            return x, xp.abs(xp.log(xp.where(side > 0, side, xp.full_like(side, tiny))))

        start, best = miss(near_zero)
        for candidate, allowed in ((near_one, True), (normal, (a >= 1) & (b >= 1))):
            x, distance = miss(candidate)
            better = (distance < best) & allowed
            start, best = xp.where(better, x, start), xp.where(better, distance, best)
        return start

    # ------------------------------------------------------------------ the inverse regularized gamma functions
    def _gammainc_both(self, a: Array, x: Array) -> tuple[Array, Array]:
        """``(gammainc(a, x), gammaincc(a, x))``; a backend whose two come from one computation returns it once."""
        return self.gammainc(a, x), self.gammaincc(a, x)

    def _gammainc_inverse(self, a: Array, y: Array, upper: bool) -> Array:
        r"""The :math:`x` with :math:`P(a, x) = y` (or :math:`Q(a, x) = y` with ``upper``), by Halley's method
        on the smaller of :math:`P` and :math:`Q` (:math:`f''/f' = (a - 1)/x - 1`), from Wilson and Hilferty's
        normal approximation above :math:`a = 1` and the power law :math:`P \approx x^a / \Gamma(a + 1)` in the
        lower tail (and for :math:`a \le 1`, with :math:`-\log Q` in the upper tail); the implicit derivative in
        :math:`y` through one last Newton step from the detached root (in :math:`a` where the backend
        differentiates :math:`P` in :math:`a`)."""
        xp = self.xp
        inside = (y > 0) & (y < 1)
        ys = xp.where(inside, y, xp.full_like(y, 0.5))
        a_, ys_ = self.stop_gradient(a), self.stop_gradient(ys)
        lower_tail = ys_ if not upper else 1 - ys_
        upper_tail = 1 - ys_ if not upper else ys_
        x = self._gammaincinv_start(a_, lower_tail, upper_tail)
        lgamma_a = self.lgamma(a_)

        def newton(x: Array, a: Array, y: Array, lgamma_a: Array) -> tuple[Array, Array]:
            # the residual of the function whose value is the smaller: P - p_target or q_target - Q
            lower_p = y if not upper else 1 - y
            lower_q = 1 - y if not upper else y
            use_p = lower_p <= 0.5
            p, q = self._gammainc_both(a, x)
            residual = xp.where(use_p, p - lower_p, lower_q - q)
            log_slope = (a - 1) * xp.log(x) - x - lgamma_a
            return residual, xp.exp(-log_slope)

        def step(_: Any, state: tuple[Array]) -> tuple[Array]:
            (x,) = state
            residual, inverse_slope = newton(x, a_, ys_, lgamma_a)
            t = residual * inverse_slope
            t = t / (1 - 0.5 * xp.clip(t * ((a_ - 1) / x - 1), max=1.0))
            moved = x - t
            moved = xp.where(moved <= 0, 0.5 * x, moved)
            return (xp.where(xp.isfinite(moved), moved, x),)

        (x,) = self._repeat(_INVERSE_STEPS, step, (x,))
        x = self.stop_gradient(x)
        residual, inverse_slope = newton(x, a, ys, self.lgamma(a))
        root = x - residual * inverse_slope
        at_zero = (y <= 0) if not upper else (y >= 1)
        return xp.where(inside, root, xp.where(at_zero, xp.zeros_like(root), xp.full_like(root, math.inf)))

    def _gammaincinv_start(self, a: Array, lower: Array, upper: Array) -> Array:
        xp = self.xp
        lower_side = lower <= 0.5
        z = xp.where(
            lower_side, self.ndtri(xp.where(lower_side, lower, 0.5)), -self.ndtri(xp.where(lower_side, 0.5, upper))
        )
        root_a = xp.sqrt(a)
        cube = 1 - 1 / (9 * a) + z / (3 * root_a)
        wilson = a * cube * cube * cube
        # the lower tail's power law, and the upper tail's exponential (for a <= 1: Q ~ x^(a-1) e^-x / Gamma(a))
        power = xp.exp((xp.log(lower) + self.lgamma(a + 1)) / a)
        exponential = -xp.log(upper) - self.lgamma(a)
        small_a = xp.where(lower_side, power, xp.maximum(exponential, xp.full_like(a, 1.0)))
        # far in the upper tail the cube overshoots (1684 for the root 700 of Q(2.5, x) = 1e-300: 140 %) into the
        # range where Q underflows and Halley's step overflows: there, from x = 2a on, the root of the asymptotic
        # Q ~ x^(a-1) e^-x / (Gamma(a) (1 - (a-1)/x)), by four fixed-point steps (1e-3 relative at the
        # switch, 1e-8 at Q = 1e-300)
        x0 = -xp.log(upper) - self.lgamma(a)
        far = x0
        for _ in range(4):
            far_s = xp.maximum(far, 2 * a)
            far = x0 + (a - 1) * xp.log(far_s) - xp.log1p(-(a - 1) / far_s)
        wilson = xp.where(~lower_side & (far > 2 * a), far, wilson)
        start = xp.where(a > 1, xp.where((cube > 0.5) | ~lower_side, wilson, power), small_a)
        start = xp.where((a > 1) & (cube <= 0) & ~lower_side, a + xp.full_like(a, 1.0), start)
        return xp.clip(start, min=xp.finfo(a.dtype).tiny)

    def _gammaincinv_halley(self, a: Array, y: Array) -> Array:
        """The inverse of the regularized lower gamma function in its second argument (:meth:`_gammainc_inverse`)."""
        return self._gammainc_inverse(a, y, upper=False)

    def _gammainccinv_halley(self, a: Array, y: Array) -> Array:
        """The inverse of the regularized upper gamma function in its second argument (:meth:`_gammainc_inverse`)."""
        return self._gammainc_inverse(a, y, upper=True)

    # ------------------------------------------------------------------ the regularized incomplete gamma functions
    def _gammainc_steps(self, a: Array) -> tuple[int, int]:
        """Steps of the lower and the upper continued fraction: for ``a`` up to 1e4 when the values cannot be
        read (a trace), else for the largest ``a`` present (the steps needed grow as the cube root of ``a``)."""
        largest = 1e4
        if not self.tracing() and self.is_concrete(a):
            high = self.value_range(a)[1]
            largest = high if math.isfinite(high) and high > largest else largest
        root = largest ** (1 / 3)
        return max(_GAMMAINC_LOWER_MIN, math.ceil(6 * root)), max(_GAMMAINC_UPPER_MIN, math.ceil(10 * root))

    def _gammainc_pair(self, a: Array, x: Array) -> tuple[Array, Array]:
        r"""``(P, Q)`` of :math:`P(a, x) = \gamma(a, x) / \Gamma(a)` and :math:`Q = 1 - P`, each to the dtype's
        relative accuracy where it is small.

        Below :math:`x = a + 1`, :math:`P = \frac{x^a e^{-x}}{\Gamma(a + 1)} \cdot \frac{1}{1+}
        \frac{d_1}{1+}\frac{d_2}{1+}\cdots` with :math:`d_{2m+1} = -\frac{(a + m)x}{(a + 2m)(a + 2m + 1)}`,
        :math:`d_{2m} = \frac{mx}{(a + 2m - 1)(a + 2m)}` (the limit of ``betainc``'s fraction), and
        :math:`Q = 1 - P` (:math:`P \le 0.87` there for :math:`a \ge 1/2`); for :math:`a < 1/2`, where
        :math:`Q` can be small there, :math:`Q = -\operatorname{expm1}(g) - a e^{g} \sum_{n \ge 1}
        \frac{(-x)^n}{n!(a + n)}` with :math:`g = a \log x - \log\Gamma(1 + a)` (:math:`\log\Gamma(1 + a)` by
        its Taylor series in :math:`a`, no rounding of :math:`1 + a`).  From :math:`x = a + 1` on, Legendre's
        fraction :math:`Q = \frac{x^a e^{-x}}{\Gamma(a)} \cdot \frac{1}{x + 1 - a -}\frac{1 (1 - a)}{x + 3 - a
        -}\cdots` and :math:`P = 1 - Q`.  Both by the modified Lentz method over a fixed number of steps
        (:meth:`_gammainc_steps`: 130 and 216 for :math:`a \le 10^4`); the prefactor
        :math:`\frac{x^a e^{-x}}{\Gamma(a + 1)}` in its saddle-point form :math:`e^{-\operatorname{bd0}(a, x) -
        \operatorname{stirlerr}(a)} / \sqrt{2\pi a}`, whose exponent does not cancel at large :math:`a`."""
        xp = self.xp
        valid = (a > 0) & (x >= 0)
        inside = valid & (x > 0) & xp.isfinite(x) & xp.isfinite(a)
        at_zero = valid & (x == 0)
        one = xp.ones_like(x + a)
        a = xp.where(inside, a, one)
        x = xp.where(inside, x, one)
        log_scale = -self.stirlerr(a) - 0.5 * xp.log(2 * math.pi * a)
        upper, xl, h_lower, xu, h_upper = self._gammainc_fractions(a, x)
        p_lower = xp.exp(log_scale - self.bd0(a, xl)) * h_lower
        q_upper = a * xp.exp(log_scale - self.bd0(a, xu)) * h_upper

        # a < 1/2 below a + 1: Q by the series of the lower function, each term of it accurate
        small = ~upper & (a < 0.5)
        xs = xp.where(small, x, one)
        as_ = xp.where(small, a, 0.25 * one)
        g = as_ * xp.log(xs) - self._lgamma1p(as_)
        term = xp.ones_like(xs)
        total = xp.zeros_like(xs)
        for n in range(1, _GAMMAINCC_SERIES_TERMS + 1):
            term = term * (-xs / n)
            total = total + term / (as_ + n)
        q_small = -xp.expm1(g) - as_ * xp.exp(g) * total

        p = xp.where(upper, 1 - q_upper, p_lower)
        q = xp.where(upper, q_upper, xp.where(small, q_small, 1 - p_lower))
        zero, nan = xp.zeros_like(p), xp.full_like(p, math.nan)
        edge = xp.where(at_zero | ~valid, xp.where(valid, zero, nan), one)  # x = 0: P = 0; x = inf: P = 1
        p = xp.where(inside, p, edge)
        q = xp.where(inside, q, xp.where(valid, 1 - edge, nan))
        return p, q

    def _gammainc_fractions(self, a: Array, x: Array) -> tuple[Array, Array, Array, Array, Array]:
        """The two continued fractions of :meth:`_gammainc_pair` for ``a > 0``, ``0 < x < inf``: ``(upper, xl,
        h_lower, xu, h_upper)``, ``upper`` where ``x >= a + 1``, the lower fraction's value on ``xl`` (``x``
        below ``a + 1``, a harmless stand-in above) and Legendre's on ``xu`` (``x`` from ``a + 1`` on)."""
        xp = self.xp
        bits = xp.finfo(x.dtype).bits
        tiny = 1e-30 if bits <= 32 else 1e-300

        def guard(v: Array) -> Array:
            return xp.where(xp.abs(v) < tiny, xp.full_like(v, tiny), v)

        upper = x >= a + 1
        lower_steps, upper_steps = self._gammainc_steps(a)
        # the lower fraction, on arguments kept below a + 1 (its first denominator vanishes there)
        xl = xp.where(upper, 0.5 * a, x)

        def lower_step(m: Any, state: tuple[Array, ...]) -> tuple[Array, ...]:
            c, d, h, _ = state
            even = m * xl / ((a + (2 * m - 1)) * (a + 2 * m))
            d = 1 / guard(1 + even * d)
            c = guard(1 + even / c)
            first = d * c
            odd = -(a + m) * xl / ((a + 2 * m) * (a + (2 * m + 1)))
            d = 1 / guard(1 + odd * d)
            c = guard(1 + odd / c)
            both = first * (d * c)
            return c, d, h * both, xp.abs(both - 1)

        d0 = 1 / guard(1 - xl / (a + 1))
        eps = 4 * float(xp.finfo(x.dtype).eps)  # a converged step's change: the rounding of its two products
        _, _, h_lower, _ = self._repeat_converging(
            lower_steps, lower_step, (xp.ones_like(xl), d0, d0, xp.ones_like(xl)), eps
        )

        # Legendre's fraction, on arguments kept at or above a + 1
        xu = xp.where(upper, x, a + 1)

        def upper_step(i: Any, state: tuple[Array, ...]) -> tuple[Array, ...]:
            c, d, h, b, _ = state
            an = -i * (i - a)
            b = b + 2
            d = 1 / guard(an * d + b)
            c = guard(b + an / c)
            delta = d * c
            return c, d, h * delta, b, xp.abs(delta - 1)

        b0 = xu + 1 - a
        d0 = 1 / guard(b0)
        start = (xp.full_like(xu, 1 / tiny), d0, d0, b0, xp.ones_like(xu))
        _, _, h_upper, _, _ = self._repeat_converging(upper_steps, upper_step, start, eps)
        return upper, xl, h_lower, xu, h_upper

    def _lgamma1p(self, a: Array) -> Array:
        r""":math:`\log\Gamma(1 + a) = -\gamma a + \sum_{k \ge 2} \frac{(-1)^k \zeta(k)}{k} a^k` for
        :math:`|a| \le 1/2` (terms below 2e-17 after the 50th)."""
        total = self.xp.zeros_like(a)
        for coefficient in reversed(_LGAMMA1P):
            total = (total + coefficient) * a
        return total

    def _gammainc_composite(self, a: Array, x: Array) -> Array:
        r"""The regularized lower incomplete gamma function :math:`P(a, x)` (:meth:`_gammainc_pair`);
        differentiable in ``x`` and ``a`` by automatic differentiation of the fractions."""
        return self._gammainc_pair(a, x)[0]

    def _gammaincc_composite(self, a: Array, x: Array) -> Array:
        r""":math:`Q(a, x) = 1 - P(a, x)`, to relative accuracy where it is small (:meth:`_gammainc_pair`)."""
        return self._gammainc_pair(a, x)[1]

    # ------------------------------------------------------------------ logs of the regularized tails
    def log_gammainc(self, a: Array, x: Array) -> Array:
        r""":math:`\log P(a, x)`, finite and exact where :math:`P` underflows (:meth:`_log_probability`): there
        :math:`\log\frac{x^a e^{-x}}{\Gamma(a + 1)}` plus the log of the lower continued fraction
        (:meth:`_gammainc_fractions`, a value near 1 there); ``log1p(-gammaincc(a, x))`` where :math:`P > 1/2`."""
        return self._log_probability(
            self.gammainc(a, x), lambda: self.gammaincc(a, x), (a, x), partial(self._gammainc_log_fraction, upper=False)
        )

    def log_gammaincc(self, a: Array, x: Array) -> Array:
        r""":math:`\log Q(a, x)`, finite and exact where :math:`Q` underflows (:meth:`_log_probability`): there
        :math:`\log\frac{x^a e^{-x}}{\Gamma(a)}` plus the log of Legendre's continued fraction; ``log1p(-gammainc(a,
        x))`` where :math:`Q > 1/2`."""
        return self._log_probability(
            self.gammaincc(a, x), lambda: self.gammainc(a, x), (a, x), partial(self._gammainc_log_fraction, upper=True)
        )

    def log_betainc(self, a: Array, b: Array, x: Array) -> Array:
        r""":math:`\log I_x(a, b)`, finite and exact where :math:`I` underflows (:meth:`_log_probability`): there
        :math:`\log\frac{x^a (1 - x)^b}{a B(a, b)}` plus the log of the continued fraction
        (:meth:`_betainc_fraction`); ``log1p(-betaincc(a, b, x))`` where :math:`I > 1/2`."""
        return self._log_probability(
            self.betainc(a, b, x),
            lambda: self.betaincc(a, b, x),
            (a, b, x),
            partial(self._betainc_log_fraction, upper=False),
        )

    def log_betaincc(self, a: Array, b: Array, x: Array) -> Array:
        r""":math:`\log(1 - I_x(a, b)) = \log I_{1-x}(b, a)`, finite and exact where it underflows
        (:meth:`_log_probability`); ``log1p(-betainc(a, b, x))`` where :math:`1 - I > 1/2`."""
        return self._log_probability(
            self.betaincc(a, b, x),
            lambda: self.betainc(a, b, x),
            (a, b, x),
            partial(self._betainc_log_fraction, upper=True),
        )

    def _log_probability(
        self, value: Array, other: Callable[[], Array], args: tuple[Any, ...], tail: Callable[..., tuple[Array, Array]]
    ) -> Array:
        r"""The log of a probability ``value`` whose complement ``other()`` is accurate where it is small:
        ``log(value)`` from 1e-300 (1e-30 in float32) to 1/2, ``log1p(-other())`` above 1/2 (the log of a number
        near 1 keeps none of its distance from 1), and below 1e-300, where ``value`` loses digits to subnormals
        and then underflows, ``tail(*args)``: the log computed in log space, and where that holds.  Each piece is
        computed only where the values say it is needed (:meth:`side`), all of them in a trace; on the host
        (``blocks_ok``) the log-space tail, a continued fraction of up to a few hundred steps, only at the values
        below 1e-300 (the whole array took it when one value needed it: 10 to 90 times the cost)."""
        xp = self.xp
        tiny = 1e-30 if xp.finfo(value.dtype).bits <= 32 else 1e-300
        positive = value > 0
        out = xp.log(xp.where(positive, value, xp.ones_like(value)))
        # 0 (a bound of the support) gives -inf; a NaN stays NaN
        out = xp.where(positive, out, xp.where(value == 0, xp.full_like(out, -math.inf), value))
        if self.side(value, 0.5) is not False:
            near = value > 0.5
            # the other side's complement kept below 1: log1p(-1) is -inf, and its gradient NaN through where
            out = xp.where(near, xp.log1p(-xp.where(near, other(), xp.zeros_like(value))), out)
        if self.side(value, tiny) is not True:
            need = value < tiny
            if self.tracing() or not self.blocks_ok([value, *args]):
                log_tail, holds = tail(*args)
                return xp.where(need & holds, log_tail, out)
            shape = tuple(out.shape)
            log_tail, holds = tail(*(xp.broadcast_to(xp.asarray(v), shape)[need] for v in args))
            out[need] = xp.where(holds, log_tail, out[need])  # out is this function's own array
        return out

    def _gammainc_log_fraction(self, a: Array, x: Array, upper: bool) -> tuple[Array, Array]:
        r"""``(log P, holds)`` below :math:`x = a + 1` (or ``(log Q, holds)`` from there on, ``upper``): the log of
        the prefactor of :meth:`_gammainc_pair`'s continued fraction, in its saddle-point form, plus the log of the
        fraction.  Far below the mean (:math:`x < 10^{-3} a`), where ``bd0``'s ratio :math:`a / x` can overflow,
        the prefactor's log is :math:`a \log x - x - \log\Gamma(a + 1)` itself, whose terms cancel little there."""
        xp = self.xp
        inside = (a > 0) & (x > 0) & xp.isfinite(x) & xp.isfinite(a)
        one = xp.ones_like(x + a)
        a = xp.where(inside, a, one)
        x = xp.where(inside, x, one)
        above, xl, h_lower, xu, h_upper = self._gammainc_fractions(a, x)
        log_scale = -self.stirlerr(a) - 0.5 * xp.log(2 * math.pi * a)
        if upper:
            return xp.log(a) + log_scale - self.bd0(a, xu) + xp.log(h_upper), inside & above
        far = xl < 1e-3 * a
        saddle = log_scale - self.bd0(a, xp.where(far, a, xl))
        xf = xp.where(far, xl, a)
        direct = a * xp.log(xf) - xf - self.lgamma(a + 1)
        return xp.where(far, direct, saddle) + xp.log(h_lower), inside & ~above

    def _betainc_log_fraction(self, a: Array, b: Array, x: Array, upper: bool) -> tuple[Array, Array]:
        r"""``(log I, holds)`` where :math:`x` lies below the mean (or ``(log(1 - I), holds)`` above it, ``upper``):
        the log of :meth:`_betainc_pair`'s prefactor plus the log of its continued fraction.  With :math:`(p, q,
        y)` the arguments on the side of the fraction, far below :math:`y = p / (p + q)` (:math:`(p + q) y < 10^{-3}
        p`), where ``bd0``'s ratio can overflow, the prefactor's log is :math:`p \log y + q \log(1 - y) - \log p -
        \log B(p, q)` itself (:math:`y`, below 1/2, is exact on both sides: :math:`1 - x` is for :math:`x \ge
        1/2`)."""
        xp = self.xp
        inside = (x > 0) & (x < 1) & (a > 0) & (b > 0) & xp.isfinite(a) & xp.isfinite(b)
        one = xp.ones_like(x + a + b)
        a, b = xp.where(inside, a, one), xp.where(inside, b, one)
        x = xp.where(inside, x, 0.5 * one)
        swap = x * (a + b + 2) > a + 1
        p, q = xp.where(swap, b, a), xp.where(swap, a, b)
        y = xp.where(swap, 1 - x, x)
        ym = xp.where(swap, x, 1 - x)
        n = p + q
        far = n * y < 1e-3 * p
        # the fraction on y itself, its saddle-point prefactor on a stand-in at the mean where far (no overflow)
        ys = xp.where(far, p / n, y)
        log_front = self._betainc_front(p, q, ys, xp.where(far, q / n, ym))
        h = self._betainc_continued(p, q, y)
        yf = xp.where(far, y, 0.5 * one)
        direct = p * xp.log(yf) + q * xp.log1p(-yf) - xp.log(p) - self.betaln(p, q)
        log_small = xp.where(far, direct, log_front) + xp.log(h)
        return log_small, inside & (swap if upper else ~swap)

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


def _zeta(k: int) -> float:
    """Riemann's zeta at an integer ``k >= 2``: 50 terms and the Euler-Maclaurin tail (exact to float64)."""
    n = 50
    head = math.fsum(j ** -float(k) for j in range(1, n))
    return (
        head
        + n ** (1.0 - k) / (k - 1)
        + 0.5 * n**-k
        + k * n ** (-k - 1) / 12
        - k * (k + 1) * (k + 2) * n ** (-k - 3) / 720
    )


#: the Taylor coefficients of log Gamma(1 + a) from a^1: -Euler's gamma, then (-1)^k zeta(k) / k
_LGAMMA1P = (-0.57721566490153286061, *((-1) ** k * _zeta(k) / k for k in range(2, 52)))
