"""NumPy backend: SciPy for special functions and triangular solves, a library-owned generator for seed=None."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import array_api_compat.numpy as xp_numpy
import numpy as np
from scipy import linalg as sla
from scipy import special

from ._base import Array, Ops, Shape, categorical_inverse_cdf, widen_methods, widened
from ._special import OWN, SPECIAL_FUNCTIONS

_NATIVE_NORMAL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
#: NumPy's one float narrower than float32: SciPy's functions return float32 or float64 for it, and its linear
#: algebra refuses it, so the backend computes in float32 and casts back (as torch's and JAX's do)
_NARROW = frozenset({np.dtype(np.float16)})
_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)
#: SciPy's float32 loops of these are far less accurate than its float64 ones (betainc 3e-3 relative off at
#: a = b = 1000), so float32 (and float16) compute in float64 and round once
_IN_FLOAT64 = frozenset({"betainc", "betaincc", "betaincinv", "gammaincinv", "gammainccinv"})
_NARROW_64 = frozenset({np.dtype(np.float16), _FLOAT32})


def _astype(x: Array, dtype: Any) -> Array:
    return x.astype(dtype)


def _betaincc(a: Array, b: Array, x: Array) -> Array:
    """``1 - betainc(a, b, x)`` where ``betainc`` is at most 7/8 (the result at least 1/8: at most 3 bits lost,
    8 eps relative), SciPy's ``betaincc`` where the upper tail is smaller: SciPy's ``betaincc`` costs 14 times its
    ``betainc`` (10^6 values: 5.4 s against 0.37; StudentT's CDF near its centre, a betaincc of 0.2 to 1, 7x)."""
    lower = special.betainc(a, b, x)
    out = np.asarray(1.0 - lower)
    upper = lower > 0.875
    if upper.any():
        a, b, x = (np.broadcast_to(v, out.shape)[upper] for v in (a, b, x))
        out[upper] = special.betaincc(a, b, x)
    return out[()] if out.ndim == 0 else out


#: the smallest concentration NumPy's own Beta sampler draws (Ops.beta)
_NATIVE_BETA_FROM = 0.1


class NumpyOps(Ops):
    """NumPy: ``xp`` is the standard's NumPy namespace (``array_api_compat.numpy``), so that formulas written
    against the standard run unchanged; the backend itself uses raw NumPy (``self.np``) and SciPy's ufuncs."""

    name = "numpy"
    index_type = np.dtype(np.int64)

    def __init__(self, module: Any = np, special_functions: Any = special, xp: Any = None) -> None:
        # CuPy and Dask reuse this class with their own NumPy-like module, SciPy-like special functions and
        # array-API namespace.
        super().__init__(xp_numpy if xp is None else xp)
        self.np = module
        self._special = special_functions
        for name, entry in SPECIAL_FUNCTIONS.items():
            # a SciPy-like module without one of them (an older cupyx) keeps Ops' method (the host's SciPy)
            if entry.scipy is not None and entry.scipy != OWN and hasattr(special_functions, entry.scipy):
                setattr(self, name, getattr(special_functions, entry.scipy))
            if name == "betaincc" and special_functions is special:
                self.betaincc = _betaincc
            first = 1 if entry.signature.startswith(f"{name}(n,") else 0  # polygamma's order comes first
            narrow, wide = (_NARROW_64, _FLOAT64) if name in _IN_FLOAT64 else (_NARROW, _FLOAT32)
            setattr(self, name, widened(getattr(self, name), narrow, wide, _astype, first))

    def blocks_ok(self, arrays: list[Array]) -> bool:
        return self.np is np  # NumPy itself: CuPy's and Dask's arrays are not on the host or not computed yet

    def polygamma(self, n: int, x: Array) -> Array:
        return self._special.polygamma(n, x).astype(x.dtype, copy=False)  # SciPy's returns float64

    def asarray(self, x: Any, dtype: Any = None, device: Any = None) -> Array:
        return self.np.asarray(x, dtype=dtype)

    def default_float(self) -> Any:
        return np.dtype(np.float64)

    def float_dtype(self, arrays: Any) -> Any:
        dtype = np.result_type(*[a.dtype for a in arrays]) if arrays else None  # dtypes only: never computes
        if dtype is None or dtype.kind != "f":
            return np.dtype(np.float64)
        return dtype

    def is_float_dtype(self, dtype: Any) -> bool:
        return np.dtype(dtype).kind == "f"

    def tail_float(self, dtype: Any, device: Any) -> Any:
        return _FLOAT64 if np.dtype(dtype).kind == "f" else dtype

    def device(self, x: Array) -> Any:
        return "cpu"

    def to_numpy(self, x: Array) -> np.ndarray:
        return np.asarray(x)

    def from_numpy(self, x: np.ndarray, like: Array) -> Array:
        return x

    def can_inplace(self, *arrays: Array) -> bool:
        return True

    def all(self, x: Array) -> bool:
        return bool(x.all()) if x.ndim else bool(x)

    def small_values(self, x: Array) -> Iterable[Any] | None:
        if type(x) is np.ndarray and x.size <= 64:
            return x.ravel().tolist()
        return None

    def reduce_value(self, x: Array, how: str) -> float:
        if x.ndim == 0:
            return float(x)
        if x.size == 0:
            return {"min": np.inf, "max": -np.inf, "sum": 0.0}[how]
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN here, and that is the answer
            return float(getattr(x, how)())

    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        if self.np.shape(x) == shape:
            return x
        return self.np.broadcast_to(x, shape)

    def sum_squares(self, x: Array) -> Array:
        return self.np.einsum("...i,...i->...", x, x)  # one pass, no temporary (NumPy, CuPy and Dask have einsum)

    def sum_rightmost(self, x: Array, n: int) -> Array:
        if n == 0:
            return x
        return self.np.sum(x, axis=tuple(range(-n, 0)))

    def cast(self, x: Array, dtype: Any) -> Array:
        return x if x.dtype == dtype else x.astype(dtype)

    def clip_lowest(self, x: Array) -> Array:
        return self.np.maximum(x, np.finfo(x.dtype).min)  # NaN stays NaN, as with clip

    def normal(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        dtype = np.dtype(dtype)
        if dtype in _NATIVE_NORMAL_DTYPES:
            return rng.standard_normal(size=shape, dtype=dtype)
        return rng.standard_normal(size=shape).astype(dtype)

    def uniform(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        dtype = np.dtype(dtype)
        u = rng.random(size=shape, dtype=dtype if dtype in _NATIVE_NORMAL_DTYPES else np.float64)
        # Generator.random draws from [0, 1): map an exact 0 to the smallest positive number so that
        # inverse-CDF samplers never see log(0).
        return self.np.maximum(u, np.finfo(dtype).tiny).astype(dtype, copy=False)

    def _native(self, dtype: Any) -> Any:
        """``dtype`` where the generator draws it natively (float32/float64), else float64 (then cast)."""
        dtype = np.dtype(dtype)
        return dtype if dtype in _NATIVE_NORMAL_DTYPES else np.dtype(np.float64)

    def _param(self, p: Any) -> Any:
        """A sampler's parameter as an array; a NumPy array broadcast along some axes (stride 0: Binomial(100.0,
        probs)'s total_count, a batch of 10^7 views of one number) as the smaller array it views, which
        broadcasts to the same shape, so that the sampler neither converts nor reads a full-size copy."""
        if not hasattr(p, "shape"):
            return self.np.asarray(p)
        if type(p) is np.ndarray and p.size > 1 and 0 in p.strides:
            return p[tuple(slice(0, 1) if stride == 0 else slice(None) for stride in p.strides)]
        return p

    @staticmethod
    def _counts_as(draws: Any, dtype: Any) -> Array:
        """Integer draws (a new int64 array) as floats of ``dtype``: float64 in place, by blocks of the same
        memory (each block converted through a small buffer), so that no second array of the draws' size is
        made and written."""
        if type(draws) is not np.ndarray or draws.dtype != np.int64 or np.dtype(dtype) != np.float64:
            return draws.astype(dtype)
        if not (draws.flags.c_contiguous and draws.flags.writeable and draws.flags.owndata):
            return draws.astype(dtype)
        flat = draws.reshape(-1)
        out = flat.view(np.float64)
        block = 1 << 16  # 512 KiB: the buffer of each block stays in the cache
        for start in range(0, flat.size, block):
            out[start : start + block] = flat[start : start + block]
        return out.reshape(draws.shape)

    def standard_gamma(self, rng: Any, concentration: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        native = self._native(dtype)
        a = self.np.broadcast_to(self._param(concentration).astype(native, copy=False), shape)
        draws = rng.standard_gamma(a, size=shape, dtype=native)
        draws = self.np.maximum(draws, np.finfo(dtype).tiny, out=draws)  # as torch.distributions: log z finite
        return draws.astype(dtype, copy=False)

    def beta(self, rng: Any, concentration1: Any, concentration0: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        # NumPy's own sampler where no gamma it draws can underflow (P(G(a) < 1e-290) < 1e-29 from a = 0.1 on): 1.6x
        # faster than two log-space gammas (benchmarks/continuous.py); float64 draws, rounded and clipped
        a, b = self._param(concentration1), self._param(concentration0)
        if self.np is not np or not min(np.min(a, initial=np.inf), np.min(b, initial=np.inf)) >= _NATIVE_BETA_FROM:
            return super().beta(rng, concentration1, concentration0, shape, dtype, device)
        finfo = np.finfo(dtype)
        x = rng.beta(a, b, size=shape).astype(dtype, copy=False)
        return np.clip(x, finfo.smallest_normal, 1.0 - finfo.eps / 2, out=x)

    def exponential(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        # drawn in float64 and rounded: the float32 ziggurat returns exactly 0 about once in 5e6 draws (its
        # values below ~1e-7 collapse there), a Gumbel's -log of which is +inf; the float64 draws cost the same
        return rng.standard_exponential(size=shape).astype(dtype, copy=False)

    def put(self, x: Array, index: Array, values: Array) -> Array:
        out = x.copy()
        out[index] = values
        return out

    def _natively(self, param: Any, dtype: Any) -> bool:
        return super()._natively(self._param(param) if hasattr(param, "shape") else param, dtype)

    def _native_poisson(self, rng: Any, rate: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return self._counts_as(rng.poisson(self._param(rate), size=shape), dtype)

    def _native_binomial(self, rng: Any, total_count: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        n = self.np.rint(self._param(total_count)).astype(np.int64)
        return self._counts_as(rng.binomial(n, self._param(probs), size=shape), dtype)

    def bernoulli(self, rng: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        u = rng.random(size=shape, dtype=self._native(dtype))
        return (u < self._param(probs)).astype(dtype)

    def categorical(
        self, rng: Any, logits: Array, shape: Shape, dtype: Any = None, device: Any = None, probs: Any = None
    ) -> Array:
        u = rng.random(size=shape)
        index_dtype = np.dtype(np.int64) if dtype is None else dtype
        return categorical_inverse_cdf(self.xp, logits, u, shape, index_dtype, probs)

    def softplus(self, x: Array) -> Array:
        return self.np.logaddexp(0.0, x)

    def logsumexp(self, x: Array, axis: int = -1) -> Array:
        return special.logsumexp(x, axis=axis)

    def cholesky(self, x: Array) -> Array:
        return self.np.linalg.cholesky(x)

    def solve_triangular(self, a: Array, b: Array, *, lower: bool = True) -> Array:
        return solve_triangular_host(a, b, lower)

    def diagonal(self, x: Array) -> Array:
        return self.np.diagonal(x, axis1=-2, axis2=-1)

    def matrix_transpose(self, x: Array) -> Array:
        return self.np.swapaxes(x, -1, -2)

    def eye(self, n: int, dtype: Any, device: Any) -> Array:
        return self.np.eye(n, dtype=dtype)

    def tril(self, x: Array) -> Array:
        return self.np.tril(x)

    def cholesky_checked(self, x: Array, check: bool) -> tuple[Array | None, Array | None]:
        if not check or not self.is_concrete(x):
            return self.cholesky(x), None
        try:
            tril = self.cholesky(x)  # only the lower triangle is read: symmetry is checked apart
        except np.linalg.LinAlgError:  # some matrix is not positive definite: which ones, for the message
            return None, self.is_positive_definite(x)
        with np.errstate(invalid="ignore"):
            return tril, self.is_symmetric(x) & self.np.all(self.np.isfinite(tril), axis=(-2, -1))

    def is_positive_definite(self, x: Array) -> Array:
        x = self.np.asarray(x)
        scale = self.np.max(self.np.abs(x), axis=(-2, -1), initial=0.0)
        eps = np.finfo(x.dtype).eps if x.dtype.kind == "f" else np.finfo(np.float64).eps
        with np.errstate(invalid="ignore"):  # inf - inf is NaN, which compares False
            symmetric = self.np.all(
                self.np.abs(x - self.np.swapaxes(x, -1, -2)) <= 16 * eps * scale[..., None, None], axis=(-2, -1)
            )
            finite = self.np.all(self.np.isfinite(x), axis=(-2, -1))
            safe = self.np.where(finite[..., None, None], x, self.np.eye(x.shape[-1], dtype=x.dtype))
            positive = self.np.min(self.np.linalg.eigvalsh(safe.astype(self.wide_float(x.dtype))), axis=-1) > 0
        return symmetric & finite & positive


def solve_triangular_host(a: np.ndarray, b: np.ndarray, lower: bool) -> np.ndarray:
    """SciPy's ``solve_triangular`` (>= 1.15 broadcasts batch dimensions), with empty batches too, which SciPy
    refuses: their solution is an empty array of the broadcast shape.  ``check_finite`` is off because
    validation owns that."""
    if a.size == 0 or b.size == 0:
        shape = (*np.broadcast_shapes(a.shape[:-2], b.shape[:-2]), *b.shape[-2:])
        return np.zeros(shape, dtype=np.result_type(a.dtype, b.dtype))
    return sla.solve_triangular(a, b, lower=lower, check_finite=False)


widen_methods(NumpyOps, ("cholesky", "solve_triangular"), _NARROW, _FLOAT32, _astype)
OPS = NumpyOps()
