"""MLX backend: stateless keys (split as on JAX), lazy arrays, tracers under ``mx.compile`` and ``mx.vmap``.

Imported only once an ``mlx.core.array`` has been seen.  MLX follows most of the array API standard; the
namespace below (:class:`_Namespace`) adds what the rest of arraydist writes against it and MLX lacks: a
``device`` keyword on the creation functions (MLX places work by stream, not by array), ``finfo(...).tiny``,
``linalg.diagonal`` and ``linalg.matrix_transpose``, and NumPy's float64 kept as float64 (``mx.array`` of a
float64 NumPy array is float32).

MLX has no lgamma, digamma, incomplete gamma or beta functions, no normal CDF or quantile, no Bessel functions
and no gamma, Poisson or binomial sampler.  lgamma, digamma, erf, erfc, ndtr and log_ndtr are composites of MLX
operations here; betainc, gammainc, gammaincc, their inverses, ndtri, i0, i0e, i1 and i1e are the backend layer's
composites (``_special_math.py``).  All are differentiable with ``mx.grad`` and traceable by ``mx.compile``, and
computed in float64 for float32 arguments on the CPU.  The rest of the table (``erfcx``, ``polygamma``) runs
SciPy on the host: correct, eager only, and with a gradient that raises rather than a silent zero.
"""

from __future__ import annotations

import contextlib
import copyreg
import math
from types import SimpleNamespace
from typing import Any

import mlx.core as mx
import numpy as np

from ._base import Array, Ops, Shape, categorical_inverse_cdf, check_seed, widen_methods
from ._numpy import OPS as NUMPY_OPS
from ._special import OWN, SPECIAL_FUNCTIONS

_NARROW = frozenset({mx.float16, mx.bfloat16})
_FROM_NUMPY = {
    np.dtype(np.float64): mx.float64,
    np.dtype(np.float32): mx.float32,
    np.dtype(np.float16): mx.float16,
    np.dtype(np.int64): mx.int64,
    np.dtype(np.int32): mx.int32,
    np.dtype(np.bool_): mx.bool_,
}
_SQRT2 = math.sqrt(2.0)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
#: Marsaglia-Tsang rounds of the gamma sampler: a round accepts with probability above 0.95 (a >= 1), so a draw
#: is still unaccepted after 10 rounds with probability below 1e-13; it then keeps its last proposal
_GAMMA_ROUNDS = 10


def _cast(x: Array, dtype: Any) -> Array:
    return x.astype(dtype)


class _FInfo:
    """``mx.finfo`` with the standard's ``tiny`` (MLX names it ``smallest_normal`` only)."""

    def __init__(self, dtype: Any) -> None:
        info = mx.finfo(dtype)
        self.bits, self.eps, self.max, self.min = info.bits, info.eps, info.max, info.min
        self.smallest_normal = self.tiny = info.smallest_normal
        self.dtype = dtype


def _numpy_dtype(x: Any) -> Any:
    dtype = getattr(x, "dtype", None)
    return _FROM_NUMPY.get(np.dtype(dtype)) if isinstance(x, (np.ndarray, np.generic)) else None


def _asarray(x: Any, dtype: Any = None, device: Any = None, copy: Any = None) -> Array:
    if isinstance(x, mx.array):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    if dtype is None:
        dtype = _numpy_dtype(x)
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and dtype is not None and dtype != mx.float64:
        x = x.astype(np.float32) if dtype == mx.float32 else x
    return mx.array(x, dtype=dtype) if dtype is not None else mx.array(x)


def _without_device(fn: Any) -> Any:
    def call(*args: Any, device: Any = None, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    call.__name__ = fn.__name__
    return call


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


def _namespace() -> Any:
    ns = SimpleNamespace(**{k: v for k, v in vars(mx).items() if not k.startswith("__")})
    ns.__name__ = "mlx.core"
    ns.asarray = _asarray
    for name in ("arange", "zeros", "ones", "full", "eye", "linspace", "zeros_like", "ones_like", "full_like"):
        setattr(ns, name, _without_device(getattr(mx, name)))
    ns.empty = _without_device(mx.zeros)
    ns.clip = lambda x, min=None, max=None: mx.clip(x, min, max)
    ns.finfo = _FInfo
    ns.argmax, ns.argmin = _arg_reduction(mx.argmax), _arg_reduction(mx.argmin)
    ns.linalg = SimpleNamespace(**{k: v for k, v in vars(mx.linalg).items() if not k.startswith("__")})
    ns.linalg.diagonal = lambda x: mx.diagonal(x, axis1=-2, axis2=-1)
    ns.linalg.matrix_transpose = lambda x: mx.swapaxes(x, -1, -2)
    ns.bool = mx.bool_
    # MLX's CPU kernels of these compute float64 to float32's accuracy (1e-7): precise composites in float64
    for name, precise in _PRECISE64.items():
        setattr(ns, name, _in_float64(precise, getattr(mx, name)))
    return ns


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
_XP = _namespace()


def _is_key(seed: object) -> bool:
    return isinstance(seed, mx.array) and seed.dtype == mx.uint32 and tuple(seed.shape) == (2,)


def _key_ints(key: Array) -> list[int]:
    return [int(v) for v in np.array(key)]


class MlxOps(Ops):
    name = "mlx"
    differentiable = True
    index_type = mx.int64

    def __init__(self) -> None:
        super().__init__(_XP)

    def asarray(self, x: Any, dtype: Any = None, device: Any = None) -> Array:
        return _asarray(x, dtype)

    def default_float(self) -> Any:
        return mx.float32

    def float_dtype(self, arrays: Any) -> Any:
        dtype = mx.result_type(*arrays) if arrays else None
        if dtype is None or not mx.issubdtype(dtype, mx.floating):
            return mx.float32
        return dtype

    def is_float_dtype(self, dtype: Any) -> bool:
        return bool(mx.issubdtype(dtype, mx.floating))

    def narrow_float(self, dtype: Any) -> bool:
        return dtype != mx.float64

    def wide_float(self, dtype: Any) -> Any:
        return mx.float32 if dtype in _NARROW else dtype

    def device(self, x: Array) -> Any:
        return None  # MLX arrays live in unified memory; work is placed by stream

    def is_concrete(self, x: Array) -> bool:
        # Under mx.compile and mx.vmap an array derived from the inputs is a tracer, which MLX refuses to
        # evaluate (ValueError); under mx.grad values can be read.  Evaluating here is what reading them costs.
        try:
            mx.eval(x)
        except ValueError:
            return False
        return True

    def to_numpy(self, x: Array) -> np.ndarray:
        if x.dtype == mx.bfloat16:
            x = x.astype(mx.float32)
        return np.array(x)

    def from_numpy(self, x: np.ndarray, like: Array) -> Array:
        return _asarray(x)

    def stop_gradient(self, x: Array) -> Array:
        return mx.stop_gradient(x)

    def all(self, x: Array) -> bool:
        return bool(mx.all(x).item())

    def mask_key(self, mask: Array) -> Any:
        # MLX has no boolean indexing (the result's shape depends on the values): the mask's true positions,
        # read on the host, index the same elements in the same (row-major) order
        return tuple(mx.array(p) for p in np.nonzero(np.array(mask)))

    def evaluate(self, arrays: Any) -> None:
        # every wait for the CPU stream costs about 40 us: a distribution's parameters read in one
        with contextlib.suppress(ValueError):  # a tracer (mx.compile, mx.vmap): each is then asked on its own
            mx.eval(*[a for a in arrays if isinstance(a, mx.array)])

    def small_values(self, x: Array) -> Any:
        if x.size > 64:
            return None
        try:
            values = x.tolist()
        except ValueError:  # a tracer (mx.compile, mx.vmap)
            return None
        if type(values) is not list:
            return (values,)
        return np.asarray(values, dtype=float).ravel().tolist()

    def reduce_value(self, x: Array, how: str) -> float:
        if x.size == 0:
            return {"min": math.inf, "max": -math.inf, "sum": 0.0}[how]
        return float(getattr(mx, how)(x).item())

    def cast(self, x: Array, dtype: Any) -> Array:
        return x if x.dtype == dtype else x.astype(dtype)

    def index_dtype(self) -> Any:
        return mx.int64  # torch.distributions' dtype of indices (MLX's own default is int32)

    def eye(self, n: int, dtype: Any, device: Any) -> Array:
        return mx.eye(n, dtype=dtype)

    def diagonal(self, x: Array) -> Array:
        return mx.diagonal(x, axis1=-2, axis2=-1)

    def matrix_transpose(self, x: Array) -> Array:
        return mx.swapaxes(x, -1, -2)

    def tril(self, x: Array) -> Array:
        return mx.tril(x)

    # MLX's factorizations run on the CPU stream only (also on Apple silicon, where the default is the GPU)
    def cholesky(self, x: Array) -> Array:
        return _cholesky(x)

    def solve_triangular(self, a: Array, b: Array, *, lower: bool = True) -> Array:
        shape = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
        a = mx.broadcast_to(a, (*shape, *a.shape[-2:]))
        b = mx.broadcast_to(b, (*shape, *b.shape[-2:]))
        return _solve_lower(a, b) if lower else _solve_upper(a, b)

    def is_positive_definite(self, x: Array) -> Array:
        scale = mx.max(mx.abs(x), axis=(-2, -1))
        eps = mx.finfo(x.dtype).eps
        symmetric = mx.all(mx.abs(x - mx.swapaxes(x, -1, -2)) <= 16 * eps * scale[..., None, None], axis=(-2, -1))
        ok = symmetric & mx.isfinite(scale)
        safe = mx.where(ok[..., None, None], x, mx.eye(x.shape[-1], dtype=x.dtype))
        return ok & (mx.min(mx.linalg.eigvalsh((safe + mx.swapaxes(safe, -1, -2)) / 2, stream=mx.cpu), axis=-1) > 0)

    def _host(self, fn: Any, *args: Any) -> Array:
        return _host_call(self, fn, args)

    def log_softmax(self, x: Array, axis: int = -1) -> Array:
        if 0 in tuple(x.shape):
            return x
        m = mx.stop_gradient(mx.max(x, axis=axis, keepdims=True))
        shifted = x - mx.where(mx.isfinite(m), m, mx.zeros_like(m))
        return shifted - _XP.logsumexp(shifted, axis=axis, keepdims=True)

    def softmax(self, x: Array, axis: int = -1) -> Array:
        return _XP.exp(self.log_softmax(x, axis))

    # ------------------------------------------------------------------ random numbers on MLX keys
    def make_rng(self, seed: object, device: Any) -> Any:
        seed = check_seed(seed, "mlx", "None, a key (mlx.core.random.key(n))", _is_key)
        if seed is None:
            # a key drawn from MLX's global generator: mx.random.seed reproduces it, and each call advances it
            return mx.random.randint(0, 2**31 - 1, (2,), dtype=mx.int32).astype(mx.uint32)
        if type(seed) is int:
            return mx.random.key(seed)
        return seed

    def split(self, rng: Any, n: int) -> list[Any]:
        keys = mx.random.split(rng, n)
        return [keys[i] for i in range(n)]

    def normal(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return mx.random.normal(shape=tuple(shape), dtype=dtype, key=rng)

    def uniform(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        shape = tuple(shape)
        if dtype == mx.float64:
            # MLX draws no float64 uniforms: 53 random bits from two integer draws, centred in their cell so
            # that 0 and 1 are never drawn
            hi_key, lo_key = mx.random.split(rng)
            hi = mx.random.randint(0, 2**27, shape, dtype=mx.int32, key=hi_key).astype(mx.float64)
            lo = mx.random.randint(0, 2**26, shape, dtype=mx.int32, key=lo_key).astype(mx.float64)
            return (hi * 2.0**26 + lo + 0.5) * 2.0**-53
        work = mx.float32 if dtype in _NARROW else dtype
        tiny = mx.finfo(work).smallest_normal
        u = mx.random.uniform(low=tiny, high=1.0, shape=shape, dtype=work, key=rng)
        return u if work == dtype else mx.clip(u.astype(dtype), mx.finfo(dtype).smallest_normal, 1 - 2.0**-11)

    def exponential(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return -mx.log(self.uniform(rng, shape, dtype, device))

    def standard_gamma(self, rng: Any, concentration: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        a = mx.broadcast_to(_asarray(concentration, dtype), tuple(shape))
        normal_key, uniform_key, boost_key = mx.random.split(rng, 3)
        return _standard_gamma(
            a,
            self.normal(normal_key, (_GAMMA_ROUNDS, *shape), dtype, None),
            self.uniform(uniform_key, (_GAMMA_ROUNDS, *shape), dtype, None),
            self.uniform(boost_key, tuple(shape), dtype, None),
        )

    def bernoulli(self, rng: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        p = mx.stop_gradient(_asarray(probs, dtype))
        return (self.uniform(rng, shape, dtype, None) < p).astype(dtype)

    def categorical(
        self, rng: Any, logits: Array, shape: Shape, dtype: Any = None, device: Any = None, probs: Any = None
    ) -> Array:
        logits = mx.stop_gradient(logits)
        probs = None if probs is None else mx.stop_gradient(probs)
        work = mx.float64 if logits.dtype == mx.float64 else mx.float32
        u = self.uniform(rng, tuple(shape), work, None)
        return categorical_inverse_cdf(_XP, logits, u, tuple(shape), mx.int64 if dtype is None else dtype, probs)

    # Poisson and binomial: MLX has no sampler, so NumPy's run on the host, seeded from the key (reproducible,
    # eager only: under mx.compile the key is a tracer and cannot seed anything)
    def _host_rng(self, rng: Any) -> np.random.Generator:
        try:
            return np.random.default_rng(_key_ints(rng))
        except ValueError as e:
            raise NotImplementedError(
                "mlx: Poisson and binomial draws are made by NumPy on the host (MLX has no sampler for them), "
                "so they cannot be drawn inside mx.compile or mx.vmap"
            ) from e

    # (the NumPy backend's samplers: its own where they are right, the composite ones of _counts beyond)
    def poisson(self, rng: Any, rate: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        draws = NUMPY_OPS.poisson(self._host_rng(rng), self._host_param(rate), tuple(shape), np.float64, None)
        return _asarray(draws, dtype)

    def binomial(self, rng: Any, total_count: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        host_rng, n, p = self._host_rng(rng), self._host_param(total_count), self._host_param(probs)
        return _asarray(NUMPY_OPS.binomial(host_rng, n, p, tuple(shape), np.float64, None), dtype)

    def _host_param(self, p: Any) -> np.ndarray:
        if not isinstance(p, mx.array):
            return np.asarray(p)
        try:
            return self.to_numpy(mx.stop_gradient(p))
        except ValueError as e:  # a tracer
            raise NotImplementedError(
                "mlx: Poisson and binomial draws are made by NumPy on the host (MLX has no sampler for them), "
                "so they cannot be drawn inside mx.compile or mx.vmap"
            ) from e

    # ------------------------------------------------------------------ special functions MLX lacks
    @staticmethod
    def lgamma(x: Array) -> Array:
        return _lgamma(x)

    gammaln = lgamma

    @staticmethod
    def digamma(x: Array) -> Array:
        return _digamma(x)

    erf = staticmethod(_XP.erf)
    erfinv = staticmethod(_XP.erfinv)

    @staticmethod
    def erfc(x: Array) -> Array:
        return _erf_parts(x)[1]

    @staticmethod
    def ndtr(x: Array) -> Array:
        return 0.5 * _erf_parts(x * -math.sqrt(0.5))[1]

    @staticmethod
    def log_ndtr(x: Array) -> Array:
        return _erf_parts(x * -math.sqrt(0.5))[2]

    @staticmethod
    def softplus(x: Array) -> Array:
        return _XP.logaddexp(x, mx.zeros_like(x))

    expit = staticmethod(_XP.sigmoid)

    def logsumexp(self, x: Array, axis: int = -1) -> Array:
        return _XP.logsumexp(x, axis=axis)

    betainc = Ops._betainc_series
    betaincc = Ops._betaincc_series
    betaincinv = Ops._betaincinv_halley
    gammainc = Ops._gammainc_composite
    gammaincc = Ops._gammaincc_composite
    # the inverses' Halley steps (already in float64) need both sides: one pair of continued fractions, not two
    _gammainc_both = Ops._gammainc_pair
    gammaincinv = Ops._gammaincinv_halley
    gammainccinv = Ops._gammainccinv_halley
    ndtri = Ops._ndtri_rational
    i0 = Ops._i0_composite
    i0e = Ops._i0e_composite
    i1 = Ops._i1_composite
    i1e = Ops._i1e_composite


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
    sin_pi = _XP.sin(math.pi * mx.where(left, frac, mx.full(frac.shape, 0.5, dtype=frac.dtype)))
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
    first = _XP.argmax(accept.astype(mx.int32), axis=0)
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
    term = _XP.exp(a_s * log_z - z_s - _lgamma(a_s + 1))
    psi = _digamma(a_s + 1)
    total = term * (log_z - psi)
    for n in range(1, _SERIES_TERMS):
        term = term * z_s / (a_s + n)
        psi = psi + 1 / (a_s + n)
        total = total + term * (log_z - psi)
    log_density = (a_s - 1) * log_z - z_s - _lgamma(a_s)
    series = -total / _XP.exp(log_density)
    # Wilson-Hilferty: w = ((z / a)^(1/3) - 1 + 1/(9a)) sqrt(9a) held fixed
    a_l = mx.where(small, mx.full(a.shape, 99.0, dtype=wide), a)
    z_l = mx.where(small, mx.full(z.shape, 99.0, dtype=wide), z)
    r = (z_l / a_l) ** (1 / 3)
    w = (r - 1 + 1 / (9 * a_l)) * mx.sqrt(9 * a_l)
    inner = 1 - 1 / (9 * a_l) + w / mx.sqrt(9 * a_l)
    d_inner = 1 / (9 * a_l * a_l) - 0.5 * w / (3 * a_l**1.5)
    large = inner**3 + 3 * a_l * inner**2 * d_inner
    return mx.where(small, series, large).astype(dtype)


# ---------------------------------------------------------------------- the host fallbacks, with a loud gradient
def _host_call(ops: Ops, fn: Any, args: tuple[Any, ...]) -> Array:
    arrays = [a for a in args if isinstance(a, mx.array)]
    like = arrays[0]
    try:
        host = [np.array(a.astype(mx.float64) if a.dtype == mx.float32 else a) if isinstance(a, mx.array) else a
                for a in args]  # fmt: skip
    except ValueError as e:
        raise NotImplementedError(
            f"mlx: {getattr(fn, '__name__', fn)} is computed by SciPy on the host (MLX has no kernel for it), so it "
            "cannot run inside mx.compile or mx.vmap"
        ) from e
    result = _asarray(np.asarray(fn(*host)), like.dtype)
    return _no_gradient(getattr(fn, "__name__", "a host function"), result, *arrays)


def _no_gradient(name: str, result: Array, *inputs: Array) -> Array:
    @mx.custom_function
    def passthrough(out: Array, *ins: Array) -> Array:
        return out

    @passthrough.vjp
    def refuse(primals: Any, cotangent: Any, output: Any) -> Any:
        raise NotImplementedError(
            f"mlx: {name} is computed by SciPy on the host (MLX has no kernel for it), so mx.grad cannot "
            "differentiate it"
        )

    return passthrough(result, *inputs)


def _host_method(name: str, scipy_name: str) -> Any:
    def method(self: MlxOps, *args: Any) -> Array:
        from scipy import special

        return _host_call(self, getattr(special, scipy_name), args)

    method.__name__ = method.__qualname__ = name
    return method


for _name, _entry in SPECIAL_FUNCTIONS.items():
    if _entry.fallback == "host" and _name not in MlxOps.__dict__:
        setattr(MlxOps, _name, _host_method(_name, _entry.scipy if _entry.scipy not in (None, OWN) else _name))


def _float32_in_float64(fn: Any, first: int) -> Any:
    """``fn`` of float32 (and narrower) arguments computed in float64 and rounded once, on the CPU (MLX's GPU has
    no float64): as JAX with x64.  The composites lose digits in float32 where their terms cancel (a Lanczos
    lgamma near 1 and 2, a Multinomial's entropy of 1e-10, betainc's continued fraction beyond the mean)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        dtype = getattr(args[first], "dtype", None)
        arrays = [a for a in args if isinstance(a, mx.array)]
        if arrays and any(a.size == 0 for a in arrays) and fn.__name__ not in _NOT_ELEMENTWISE:
            # nothing to compute: the composites' graphs (betaincinv: 12 Halley steps of a 260-step continued
            # fraction) cost seconds to build even for an empty batch
            shape = np.broadcast_shapes(*(tuple(a.shape) for a in arrays))
            return mx.zeros(shape, dtype=mx.result_type(*arrays))
        if dtype is None or dtype == mx.float64 or not _on_cpu():
            return fn(*args, **kwargs)
        wide = [a.astype(mx.float64) if isinstance(a, mx.array) and a.dtype in _WIDENED else a for a in args]
        out = fn(*wide, **kwargs)
        return tuple(o.astype(dtype) for o in out) if isinstance(out, tuple) else out.astype(dtype)

    call.__name__ = call.__qualname__ = getattr(fn, "__name__", "special")
    call.__wrapped__ = fn  # type: ignore[attr-defined]
    return call


_WIDENED = frozenset({mx.float32, mx.float16, mx.bfloat16})
#: functions of the table that are not elementwise in their array arguments (none of _IN_FLOAT64 today)
_NOT_ELEMENTWISE = frozenset({"logsumexp"})


def _on_cpu() -> bool:
    return bool(mx.default_device() == mx.cpu)


#: the special functions whose float32 values are computed in float64 (the others are MLX kernels or exact)
_IN_FLOAT64 = (
    "lgamma", "gammaln", "digamma", "betaln", "betainc", "betaincc", "betaincinv", "gammaincinv", "gammainccinv",
    "lgamma_ratio", "gamma_entropy_term", "stirlerr", "bd0", "multigammaln", "erf", "erfc", "erfinv", "ndtr",
    "log_ndtr", "gammainc", "gammaincc", "ndtri", "i0", "i0e", "i1", "i1e",
)  # fmt: skip
for _name in _IN_FLOAT64:
    _found = next(c.__dict__[_name] for c in MlxOps.__mro__ if _name in c.__dict__)
    if isinstance(_found, staticmethod):
        setattr(MlxOps, _name, staticmethod(_float32_in_float64(_found.__func__, 0)))
    else:
        setattr(MlxOps, _name, _float32_in_float64(_found, 1))
_REST = tuple(name for name in SPECIAL_FUNCTIONS if name not in _IN_FLOAT64)
widen_methods(MlxOps, (*_REST, "cholesky", "solve_triangular"), _NARROW, mx.float32, _cast)


def _rebuild_array(values: np.ndarray, dtype: str) -> Array:
    return mx.array(values).astype(getattr(mx, dtype))


def _reduce_array(a: Array) -> Any:
    # MLX pickles a float64 array as float32 (it goes through NumPy and back without the dtype): kept here
    name = str(a.dtype).rpartition(".")[2]
    values = np.array(a.astype(mx.float32) if a.dtype == mx.bfloat16 else a)
    return _rebuild_array, (values, name)


copyreg.pickle(mx.array, _reduce_array)
OPS = MlxOps()
