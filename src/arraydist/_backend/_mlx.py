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
import weakref
from types import SimpleNamespace
from typing import Any

import mlx.core as mx
import numpy as np

from ._base import Array, Ops, Shape, categorical_inverse_cdf, check_seed, widen_methods
from ._mlx_math import (
    _PRECISE64,
    _arg_reduction,
    _cholesky,
    _digamma,
    _erf_parts,
    _in_float64,
    _lgamma,
    _on_cpu,
    _solve_lower,
    _solve_upper,
    _standard_gamma,
)
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


_XP = _namespace()


def _is_key(seed: object) -> bool:
    return isinstance(seed, mx.array) and seed.dtype == mx.uint32 and tuple(seed.shape) == (2,)


def _key_ints(key: Array) -> list[int]:
    return [int(v) for v in np.array(key)]


#: the draws noted by ``MlxOps.note_draw``, by identity; an entry goes with its array
_DRAWS: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()


class MlxOps(Ops):
    name = "mlx"
    differentiable = True
    index_type = mx.int64

    def __init__(self) -> None:
        super().__init__(_XP)

    # Reading any value waits for the stream (about 40 us, more than a small training step's arithmetic): the
    # check of log_prob(z) for a z the library just drew would double the waits of a VAE step.
    notes_draws = True

    def note_draw(self, x: Array) -> None:
        _DRAWS[id(x)] = x

    def is_noted_draw(self, x: Array) -> bool:
        return _DRAWS.get(id(x)) is x

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
