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

from ._base import Array, Ops, Shape, seeded_generator
from ._numpy import NumpyOps


class _ChunkwiseSpecial:
    """SciPy's special functions applied chunk by chunk (lazily) to Dask arrays."""

    def __getattr__(self, name: str) -> Any:
        fn = getattr(special, name)

        def apply(*arrays: Array) -> Array:
            return da.map_blocks(fn, *arrays, dtype=np.result_type(*[a.dtype for a in arrays]))

        return apply


def _whole_matrices(x: Array) -> Array:
    """Rechunk so that every chunk holds whole matrices (the last two axes in one chunk)."""
    return x.rechunk({x.ndim - 2: -1, x.ndim - 1: -1})


def _solve_triangular_block(a: np.ndarray, b: np.ndarray, lower: bool) -> np.ndarray:
    return sla.solve_triangular(a, b, lower=lower, check_finite=False)


class DaskOps(NumpyOps):
    """The NumPy backend over ``dask.array``, with everything that would read values or need whole arrays
    replaced by lazy, chunk-wise versions."""

    name = "dask"
    lazy = True

    def __init__(self) -> None:
        super().__init__(da, _ChunkwiseSpecial())
        self.xp = xp_dask

    def asarray(self, x: Any, dtype: Any = None, device: Any = None) -> Array:
        if isinstance(x, da.Array):
            return x if dtype is None or x.dtype == dtype else x.astype(dtype)
        return da.asarray(np.asarray(x, dtype=dtype))

    def is_concrete(self, x: Array) -> bool:
        return False

    def can_inplace(self, *arrays: Array) -> bool:
        return False

    def to_numpy(self, x: Array) -> np.ndarray:
        return np.asarray(x.compute() if isinstance(x, da.Array) else x)

    def from_numpy(self, x: np.ndarray, like: Array) -> Array:
        return da.asarray(x)

    def make_rng(self, seed: object, device: Any) -> Any:
        return seeded_generator(seed, "dask", da.random.default_rng, da.random.Generator)

    def normal(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        # chunks="auto" depends only on shape and dtype: the same seed and shape give the same chunks and draws
        dtype = np.dtype(dtype)
        if dtype in (np.dtype(np.float32), np.dtype(np.float64)):
            return rng.standard_normal(shape, chunks="auto", dtype=dtype)
        return rng.standard_normal(shape, chunks="auto").astype(dtype)

    def uniform(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        u = rng.random(shape, chunks="auto", dtype=np.float64)
        return da.maximum(u, np.finfo(dtype).tiny).astype(dtype)

    logsumexp = Ops.logsumexp  # SciPy's would compute the whole array

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

    def tril(self, x: Array) -> Array:
        return da.map_blocks(np.tril, _whole_matrices(x), dtype=x.dtype)


OPS = DaskOps()
