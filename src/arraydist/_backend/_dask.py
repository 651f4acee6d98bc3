"""Dask backend: everything stays lazy and chunked.

Values are never read (validation of values is skipped, as on any lazy array: never a forced compute); special
functions run chunk by chunk through SciPy; batched linear algebra runs chunk-wise over the batch dimensions with
whole matrices in each chunk, and the sample dimensions stay chunked as the columns of triangular solves.
Imported only once a Dask array or generator has been seen.
"""

from __future__ import annotations

import string
from typing import Any

import array_api_compat.dask.array as xp_dask
import dask.array as da
import numpy as np
from scipy import linalg as sla
from scipy import special

from ._base import Array, Ops, Shape, library_rng, seed_type_error


def _chunkwise(fn: Any) -> Any:
    def apply(self: Any, x: Array) -> Array:
        return da.map_blocks(fn, x, dtype=x.dtype)

    apply.__name__ = getattr(fn, "__name__", "special")
    return apply


def _whole_matrices(x: Array) -> Array:
    """Rechunk so that every chunk holds whole matrices (the last two axes in one chunk)."""
    return x.rechunk({x.ndim - 2: -1, x.ndim - 1: -1})


def _solve_triangular_block(a: np.ndarray, b: np.ndarray, lower: bool) -> np.ndarray:
    return sla.solve_triangular(a, b, lower=lower, check_finite=False)


class DaskOps(Ops):
    name = "dask"
    lazy = True

    def __init__(self) -> None:
        super().__init__(xp_dask)

    def asarray(self, x: Any, dtype: Any = None, device: Any = None) -> Array:
        if isinstance(x, da.Array):
            return x if dtype is None or x.dtype == dtype else x.astype(dtype)
        return da.asarray(np.asarray(x, dtype=dtype))

    def default_float(self) -> Any:
        return np.dtype(np.float64)

    def float_dtype(self, arrays: Any) -> Any:
        dtype = np.result_type(*[a.dtype for a in arrays]) if arrays else None  # dtypes only: never compute
        if dtype is None or dtype.kind != "f":
            return np.dtype(np.float64)
        return dtype

    def is_float_dtype(self, dtype: Any) -> bool:
        return np.dtype(dtype).kind == "f"

    def device(self, x: Array) -> Any:
        return "cpu"

    def is_concrete(self, x: Array) -> bool:
        return False

    def to_numpy(self, x: Array) -> np.ndarray:
        return np.asarray(x.compute() if isinstance(x, da.Array) else x)

    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        return x if tuple(x.shape) == shape else da.broadcast_to(x, shape)

    def sum_rightmost(self, x: Array, n: int) -> Array:
        return x if n == 0 else da.sum(x, axis=tuple(range(-n, 0)))

    def cast(self, x: Array, dtype: Any) -> Array:
        return x if x.dtype == dtype else x.astype(dtype)

    def make_rng(self, seed: object, device: Any) -> Any:
        if seed is None:
            # a fresh Dask generator seeded from the library-owned one (arraydist.manual_seed reproduces it)
            return da.random.default_rng(int(library_rng().integers(2**63)))
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            return da.random.default_rng(int(seed))
        if isinstance(seed, da.random.Generator):
            return seed
        raise seed_type_error("dask", seed, "None, an int or a dask.array.random.Generator")

    def normal(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        # chunks="auto" depends only on shape and dtype: the same seed and shape give the same chunks and draws
        dtype = np.dtype(dtype)
        if dtype in (np.dtype(np.float32), np.dtype(np.float64)):
            return rng.standard_normal(shape, chunks="auto", dtype=dtype)
        return rng.standard_normal(shape, chunks="auto").astype(dtype)

    def uniform(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        u = rng.random(shape, chunks="auto", dtype=np.float64)
        return da.maximum(u, np.finfo(dtype).tiny).astype(dtype)

    erf = _chunkwise(special.erf)
    erfc = _chunkwise(special.erfc)
    erfinv = _chunkwise(special.erfinv)
    ndtr = _chunkwise(special.ndtr)
    ndtri = _chunkwise(special.ndtri)
    log_ndtr = _chunkwise(special.log_ndtr)
    lgamma = _chunkwise(special.gammaln)
    digamma = _chunkwise(special.digamma)

    def xlogy(self, x: Array, y: Array) -> Array:
        return da.map_blocks(special.xlogy, x, y, dtype=np.result_type(x.dtype, y.dtype))

    def softplus(self, x: Array) -> Array:
        return da.logaddexp(0.0, x)

    def cholesky(self, x: Array) -> Array:
        return da.map_blocks(np.linalg.cholesky, _whole_matrices(x), dtype=x.dtype)

    def solve_triangular(self, a: Array, b: Array, *, lower: bool = True) -> Array:
        """Batch dimensions of ``a`` and ``b`` must match (callers broadcast); ``b``'s columns stay chunked."""
        k = a.ndim - 2
        batch = string.ascii_lowercase[:k]
        a = _whole_matrices(a)
        b = b.rechunk({b.ndim - 2: -1})
        return da.blockwise(
            _solve_triangular_block,
            batch + "ij",
            a,
            batch + "ik",
            b,
            batch + "kj",
            dtype=np.result_type(a.dtype, b.dtype),
            concatenate=True,
            lower=lower,
        )

    def diagonal(self, x: Array) -> Array:
        return da.diagonal(x, axis1=-2, axis2=-1)

    def matrix_transpose(self, x: Array) -> Array:
        return da.swapaxes(x, -1, -2)

    def eye(self, n: int, dtype: Any, device: Any) -> Array:
        return da.eye(n, dtype=dtype)

    def tril(self, x: Array) -> Array:
        return da.map_blocks(np.tril, _whole_matrices(x), dtype=x.dtype)


OPS = DaskOps()
