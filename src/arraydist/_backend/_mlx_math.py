"""MLX's composites: float64 functions precise where MLX's CPU kernels stop at float32's accuracy, Cholesky and
triangular solves with gradients, log-gamma, digamma and the gamma sampler with its implicit gradient (the
backend module ``_mlx.py`` binds them)."""

from __future__ import annotations

import math
from typing import Any

import mlx.core as mx

Array = Any

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _arg_reduction(fn: Any) -> Any:
    """MLX's argmax/argmin refuse any empty array, even along a non-empty axis (an empty batch of rows)."""

    def call(x: Array, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> Array:
        if x.size == 0 and axis is not None and x.shape[axis] != 0:
            shape = list(x.shape)
            if keepdims:
                shape[axis] = 1
            else:
                del shape[axis]
            return mx.zeros(tuple(shape), dtype=mx.uint32)
        return fn(x, axis=axis, keepdims=keepdims, **kwargs)

    call.__name__ = fn.__name__
    return call


def _on_cpu() -> bool:
    return bool(mx.default_device() == mx.cpu)


def _in_float64(precise: Any, native: Any) -> Any:
    def call(x: Any, *args: Any, **kwargs: Any) -> Any:
        return precise(x, *args, **kwargs) if getattr(x, "dtype", None) == mx.float64 else native(x, *args, **kwargs)

    call.__name__ = native.__name__
    return call


def _exp64(x: Array) -> Array:
    # cosh + sinh of |x|: two positive terms, each exact to float64 (MLX's exp is not), then 1/e below 0
    ax = mx.abs(x)
    e = mx.cosh(ax) + mx.sinh(ax)
    return mx.where(x >= 0, e, 1 / e)


def _tan_half(x: Array) -> tuple[Array, Array]:
    t = mx.tan(0.5 * x)  # MLX's tan is exact to float64, its sin and cos are not
    return t, 1 + t * t


def _sin64(x: Array) -> Array:
    t, d = _tan_half(x)
    return 2 * t / d


def _cos64(x: Array) -> Array:
    t, d = _tan_half(x)
    return (1 - t * t) / d


def _sigmoid64(x: Array) -> Array:
    e = _exp64(-mx.abs(x))
    return mx.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _logaddexp64(a: Array, b: Array) -> Array:
    m = mx.maximum(a, b)
    finite = mx.isfinite(m)
    return mx.where(finite, m + mx.log1p(_exp64(-mx.abs(mx.where(finite, a - b, mx.zeros_like(m))))), m)


def _logsumexp64(x: Array, axis: Any = None, keepdims: bool = False) -> Array:
    m = mx.stop_gradient(mx.max(x, axis=axis, keepdims=True))
    m = mx.where(mx.isfinite(m), m, mx.zeros_like(m))
    out = mx.log(mx.sum(_exp64(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else mx.squeeze(out, axis=axis)


def _softmax64(x: Array, axis: Any = None, **kwargs: Any) -> Array:
    return _exp64(x - _logsumexp64(x, axis=axis, keepdims=True))


def _erf64(x: Array) -> Array:
    return _erf_parts(x)[0]


def _erfinv64(y: Array) -> Array:
    # MLX's float32-accurate inverse, then two Newton steps on the exact erf (quadratic: 1e-7 -> 1e-14 -> exact)
    x = mx.erfinv(y)
    finite = mx.isfinite(x)
    for _ in range(2):
        step = (_erf64(x) - y) / (_TWO_OVER_SQRT_PI * _exp64(-x * x))
        x = mx.where(finite, x - mx.where(finite, step, mx.zeros_like(step)), x)
    return x


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
#: erf's series below this |x|, the continued fraction of erfc above (1.2e-14 relative for erfc, 7e-16 for erf)
_ERF_SWITCH = 1.5
_ERF_SERIES_TERMS = 40
_ERFC_FRACTION_TERMS = 150


def _erf_parts(x: Array) -> tuple[Array, Array, Array]:
    r"""``(erf(x), erfc(x), log(erfc(x) / 2))`` from MLX operations exact to float64.

    Below 1.5 in magnitude the series :math:`\operatorname{erf} x = \frac{2x}{\sqrt\pi} e^{-x^2}
    \sum_n \frac{(2x^2)^n}{(2n+1)!!}` (positive terms: no cancellation); above, Laplace's continued fraction
    :math:`\operatorname{erfc} x = \frac{e^{-x^2}}{\sqrt\pi}\,1/(x + \tfrac{1/2}{x + \tfrac{1}{x + \dots}})`,
    evaluated from its tail, whose log needs no exponential (no underflow far out)."""
    ax = mx.abs(x)
    small = ax < _ERF_SWITCH
    xs = mx.where(small, ax, mx.zeros_like(ax))
    two_x2 = 2 * xs * xs
    term = mx.ones_like(xs)
    total = mx.ones_like(xs)
    for n in range(_ERF_SERIES_TERMS):
        term = term * two_x2 / (2 * n + 3)
        total = total + term
    erf_small = _TWO_OVER_SQRT_PI * xs * _exp64(-xs * xs) * total
    xl = mx.where(small, mx.full(ax.shape, _ERF_SWITCH, dtype=ax.dtype), ax)
    f = xl
    for k in range(_ERFC_FRACTION_TERMS, 0, -1):
        f = xl + (0.5 * k) / f
    log_erfc_large = -xl * xl - mx.log(math.sqrt(math.pi) * f)
    erfc_large = _exp64(log_erfc_large)
    erfc_abs = mx.where(small, 1 - erf_small, erfc_large)
    log_erfc_abs = mx.where(small, mx.log1p(-erf_small), log_erfc_large)
    negative = x < 0
    erf = mx.where(negative, -1, 1).astype(x.dtype) * mx.where(small, erf_small, 1 - erfc_large)
    erfc = mx.where(negative, 2 - erfc_abs, erfc_abs)
    log_half_erfc = mx.where(negative, mx.log1p(-0.5 * erfc_abs), log_erfc_abs - math.log(2))
    return erf, erfc, log_half_erfc


_PRECISE64 = {
    "exp": _exp64,
    "sin": _sin64,
    "cos": _cos64,
    "sigmoid": _sigmoid64,
    "logaddexp": _logaddexp64,
    "logsumexp": _logsumexp64,
    "softmax": _softmax64,
    "erf": _erf64,
    "erfinv": _erfinv64,
}


#: the precise functions the composites below call (the namespace of ``_mlx.py`` binds the same ones)
_exp = _in_float64(_exp64, mx.exp)
_sin = _in_float64(_sin64, mx.sin)
_argmax = _arg_reduction(mx.argmax)


# ---------------------------------------------------------------------- linear algebra with gradients
# MLX's Cholesky factorization and triangular solve have no vjp ("[Primitive::vjp] Not implemented"): these give
# them one, from the factorization's and the solve's own primitives.  MLX runs them on the CPU stream only.
def _solve(a: Array, b: Array, upper: bool) -> Array:
    return mx.linalg.solve_triangular(a, b, upper=upper, stream=mx.cpu)


@mx.custom_function
def _solve_lower(a: Array, b: Array) -> Array:
    return _solve(a, b, False)


@_solve_lower.vjp
def _solve_lower_vjp(primals: Any, cotangent: Array, output: Array) -> Any:
    # x = a^{-1} b: db = a^{-T} g, da = -tril(db x^T)
    a, _ = primals
    db = _solve(mx.swapaxes(a, -1, -2), cotangent, True)
    return mx.tril(-(db @ mx.swapaxes(output, -1, -2))), db


@mx.custom_function
def _solve_upper(a: Array, b: Array) -> Array:
    return _solve(a, b, True)


@_solve_upper.vjp
def _solve_upper_vjp(primals: Any, cotangent: Array, output: Array) -> Any:
    a, _ = primals
    db = _solve(mx.swapaxes(a, -1, -2), cotangent, False)
    return mx.triu(-(db @ mx.swapaxes(output, -1, -2))), db


@mx.custom_function
def _cholesky(x: Array) -> Array:
    return mx.linalg.cholesky(x, stream=mx.cpu)


@_cholesky.vjp
def _cholesky_vjp(primals: Any, cotangent: Array, output: Array) -> Any:
    # Murray (2016): P = phi(L^T G) (lower triangle, diagonal halved), S = L^{-T} P L^{-1}, dA = (S + S^T) / 2
    lower = output
    p = mx.tril(mx.swapaxes(lower, -1, -2) @ cotangent)
    p = p - 0.5 * mx.eye(p.shape[-1], dtype=p.dtype) * p
    s = _solve(mx.swapaxes(lower, -1, -2), p, True)  # L^{-T} P
    s = mx.swapaxes(_solve(mx.swapaxes(lower, -1, -2), mx.swapaxes(s, -1, -2), True), -1, -2)  # (L^{-T} (..)^T)^T
    return ((s + mx.swapaxes(s, -1, -2)) / 2,)


# ---------------------------------------------------------------------- composites
# Lanczos' approximation (g = 7, nine terms): relative accuracy about 1e-15 for x >= 1/2; the reflection formula
# below 1/2.  Every discarded branch of a `where` gets a harmless argument, so gradients stay finite.
_LANCZOS_G = 7.0
_LANCZOS = (
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
)


def _lgamma_right(x: Array) -> Array:
    z = x - 1
    series = _LANCZOS[0] + sum(c / (z + i) for i, c in enumerate(_LANCZOS[1:], start=1))
    t = z + _LANCZOS_G + 0.5
    return _HALF_LOG_2PI + (z + 0.5) * mx.log(t) - t + mx.log(series)


def _lgamma(x: Array) -> Array:
    left = x < 0.5
    right = _lgamma_right(mx.where(left, 1 - x, x))
    # reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x); sin(pi x) from the fractional part keeps
    # its zeros exact at the non-positive integers (+inf there, as SciPy)
    frac = x - mx.floor(x)
    sin_pi = _sin(math.pi * mx.where(left, frac, mx.full(frac.shape, 0.5, dtype=frac.dtype)))
    reflected = math.log(math.pi) - mx.log(mx.abs(sin_pi)) - right
    return mx.where(left, reflected, right)


def _digamma(x: Array) -> Array:
    left = x < 0.5
    y = mx.where(left, 1 - x, x)
    # recurrence psi(y) = psi(y + 10) - sum 1 / (y + k), then the asymptotic series from 10 on (1e-14 there)
    small = y < 10
    shift = mx.zeros_like(y)
    for k in range(10):
        shift = shift + 1 / (y + k)
    w = mx.where(small, y + 10, y)
    w2 = 1 / (w * w)
    tail = w2 * (1 / 12 - w2 * (1 / 120 - w2 * (1 / 252 - w2 * (1 / 240 - w2 * (1 / 132)))))
    psi = mx.log(w) - 0.5 / w - tail - mx.where(small, shift, mx.zeros_like(shift))
    frac = x - mx.floor(x)
    tan_pi = mx.tan(math.pi * mx.where(left, frac, mx.full(frac.shape, 0.25, dtype=frac.dtype)))
    # psi(x) = psi(1 - x) - pi / tan(pi x); at the poles tan is 0 and the result is -inf/nan, as SciPy's nan
    reflected = psi - math.pi / tan_pi
    return mx.where(left, mx.where(frac == 0, mx.full(x.shape, math.nan, dtype=x.dtype), reflected), psi)


def _gamma_proposals(a: Array, normals: Array, uniforms: Array) -> Array:
    """Marsaglia and Tsang's method for ``a >= 1``: the first accepted of the rounds of proposals."""
    d = a - 1 / 3
    c = 1 / mx.sqrt(9 * d)
    v = (1 + c * normals) ** 3
    positive = v > 0
    v_safe = mx.where(positive, v, mx.ones_like(v))
    x2 = normals * normals
    accept = positive & (
        (uniforms < 1 - 0.0331 * x2 * x2) | (mx.log(uniforms) < 0.5 * x2 + d * (1 - v_safe + mx.log(v_safe)))
    )
    # the first accepted round (argmax of the booleans); a draw accepted by none keeps its last positive proposal
    rounds = accept.shape[0]
    first = _argmax(accept.astype(mx.int32), axis=0)
    first = mx.where(mx.any(accept, axis=0), first, mx.full(first.shape, rounds - 1, dtype=first.dtype))
    chosen = mx.take_along_axis(v_safe, first[None], axis=0)[0]
    return d * chosen


@mx.custom_function
def _standard_gamma(a: Array, normals: Array, uniforms: Array, boost: Array) -> Array:
    small = a < 1
    g = _gamma_proposals(mx.where(small, a + 1, a), normals, uniforms)
    # below 1: G(a) = G(a + 1) U^(1/a) (Marsaglia and Tsang's boost)
    g = mx.where(small, g * boost ** (1 / a), g)
    return mx.maximum(g, mx.finfo(a.dtype).smallest_normal)


@_standard_gamma.vjp
def _standard_gamma_vjp(primals: Any, cotangent: Array, output: Array) -> Any:
    a, normals, uniforms, boost = primals
    return (cotangent * _gamma_implicit_grad(a, output), mx.zeros_like(normals), mx.zeros_like(uniforms),
            mx.zeros_like(boost))  # fmt: skip


#: the implicit gradient's series up to this concentration (its terms reach z = a + 8 sqrt(a) at 50 within
#: _SERIES_TERMS), the Wilson-Hilferty form beyond (relative error about 1e-4 at 50, falling as a^(-3/2))
_SERIES_UPTO = 50.0
_SERIES_TERMS = 250


def _gamma_implicit_grad(a: Array, z: Array) -> Array:
    r"""``dz/da = -(dP/da)(a, z) / p(z; a)`` of a Gamma(a, 1) draw ``z`` (the implicit reparameterization
    gradient), ``P`` the regularized lower incomplete gamma function and ``p`` the density.

    Up to ``a = 50`` the series :math:`P(a, z) = \sum_n t_n`, :math:`t_n = z^{a+n} e^{-z} / \Gamma(a + n + 1)`,
    differentiated term by term: :math:`\partial_a t_n = t_n (\log z - \psi(a + n + 1))`, both factors by
    recurrence (:math:`t_n = t_{n-1} z / (a + n)`, :math:`\psi(a + n + 1) = \psi(a + n) + 1 / (a + n)`);
    beyond, the derivative of the Wilson-Hilferty transform :math:`z = a (1 - 1/(9a) + w / \sqrt{9a})^3` at
    fixed :math:`w`.  Computed in float64 where MLX has it (the CPU)."""
    dtype = z.dtype
    wide = mx.float64 if dtype == mx.float64 or _on_cpu() else mx.float32
    a = a.astype(wide)
    z = z.astype(wide)
    small = a <= _SERIES_UPTO
    a_s = mx.where(small, a, mx.ones_like(a))
    z_s = mx.where(small, z, mx.ones_like(z))
    log_z = mx.log(z_s)
    term = _exp(a_s * log_z - z_s - _lgamma(a_s + 1))
    psi = _digamma(a_s + 1)
    total = term * (log_z - psi)
    for n in range(1, _SERIES_TERMS):
        term = term * z_s / (a_s + n)
        psi = psi + 1 / (a_s + n)
        total = total + term * (log_z - psi)
    log_density = (a_s - 1) * log_z - z_s - _lgamma(a_s)
    series = -total / _exp(log_density)
    # Wilson-Hilferty: w = ((z / a)^(1/3) - 1 + 1/(9a)) sqrt(9a) held fixed
    a_l = mx.where(small, mx.full(a.shape, 99.0, dtype=wide), a)
    z_l = mx.where(small, mx.full(z.shape, 99.0, dtype=wide), z)
    r = (z_l / a_l) ** (1 / 3)
    w = (r - 1 + 1 / (9 * a_l)) * mx.sqrt(9 * a_l)
    inner = 1 - 1 / (9 * a_l) + w / mx.sqrt(9 * a_l)
    d_inner = 1 / (9 * a_l * a_l) - 0.5 * w / (3 * a_l**1.5)
    large = inner**3 + 3 * a_l * inner**2 * d_inner
    return mx.where(small, series, large).astype(dtype)
