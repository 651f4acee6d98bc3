"""The regularized incomplete gamma and beta functions, their inverses and the logs of their tails: the
algorithms of :class:`IncompleteFunctions`, a base of :class:`~arraydist._backend._special_math.SpecialMath`
(the module docstring there says what they reach and on which backends they run)."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

Array = Any

#: continued-fraction steps of betainc by dtype: enough at the centre x = a / (a + b) for a = b = 1e5 (243
#: steps to converge in float64, 163 in float32; the steps needed grow as sqrt(max(a, b)))
_BETAINC_STEPS = {32: 180, 64: 260}
#: Halley steps of the inverses from their starting points (quadratic convergence after the first few)
_INVERSE_STEPS = 12
#: the least steps of gammainc's lower and upper continued fractions (the upper one's at x = a + 1 for small a)
_GAMMAINC_LOWER_MIN, _GAMMAINC_UPPER_MIN = 40, 100
#: terms of gammaincc's series for a < 1/2 and x < a + 1 (1.5^30 / 30! < 1e-27)
_GAMMAINCC_SERIES_TERMS = 30


class IncompleteFunctions:
    """``betainc``, ``gammainc`` and their relatives as composites over ``self.xp`` and the backend's table."""

    xp: Any

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
        r"""The log of the continued fraction's prefactor, in its saddle-point form (:meth:`_betainc_pair`); the
        deviances take :math:`\log(n y)` as a sum of logs, finite where :math:`n y` underflows (a tiny concentration
        at the smallest normal number: XLA flushes the subnormal product to 0)."""
        xp = self.xp
        n = p + q
        log_n = xp.log(n)
        return (
            xp.log(q / n) + self.stirlerr(n) - self.stirlerr(p) - self.stirlerr(q)
            - self.bd0(p, n * y, log_n + xp.log(y)) - self.bd0(q, n * ym, log_n + xp.log(ym))
            - 0.5 * (xp.log(2 * math.pi * p) + xp.log(q) - log_n)
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
