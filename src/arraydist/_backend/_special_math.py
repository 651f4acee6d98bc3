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

Every discarded branch of a ``where`` is kept finite (its argument replaced by a harmless value), so no NaN
reaches a gradient through the branch not taken.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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
        n = p + q
        log_front = (
            xp.log(q / n) + self.stirlerr(n) - self.stirlerr(p) - self.stirlerr(q)
            - self.bd0(p, n * y) - self.bd0(q, n * ym) - 0.5 * (xp.log(2 * math.pi * p) + xp.log(q) - xp.log(n))
        )  # fmt: skip
        bits = xp.finfo(x.dtype).bits
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
        small = xp.exp(log_front) * h
        value, complement = xp.where(swap, 1 - small, small), xp.where(swap, small, 1 - small)
        zero, one, nan = xp.zeros_like(value), xp.ones_like(value), xp.full_like(value, math.nan)
        lower = xp.where(inside, value, xp.where(below, zero, xp.where(above, one, nan)))
        upper = xp.where(inside, complement, xp.where(below, one, xp.where(above, zero, nan)))
        return lower, upper

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
            residual = xp.where(use_p, self.gammainc(a, x) - lower_p, lower_q - self.gammaincc(a, x))
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
        start = xp.where(a > 1, xp.where((cube > 0.5) | ~lower_side, wilson, power), small_a)
        start = xp.where((a > 1) & (cube <= 0) & ~lower_side, a + xp.full_like(a, 1.0), start)
        return xp.clip(start, min=xp.finfo(a.dtype).tiny)

    def _gammaincinv_halley(self, a: Array, y: Array) -> Array:
        """The inverse of the regularized lower gamma function in its second argument (:meth:`_gammainc_inverse`)."""
        return self._gammainc_inverse(a, y, upper=False)

    def _gammainccinv_halley(self, a: Array, y: Array) -> Array:
        """The inverse of the regularized upper gamma function in its second argument (:meth:`_gammainc_inverse`)."""
        return self._gammainc_inverse(a, y, upper=True)
