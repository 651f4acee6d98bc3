"""Dask backend: everything stays lazy and chunked.

Values are never read (validation of values is skipped, as on any lazy array: never a forced compute); special
functions run chunk by chunk through SciPy; batched linear algebra runs chunk-wise over the batch dimensions with
whole matrices in each chunk, and the sample dimensions stay chunked as the columns of triangular solves.
Imported only once a Dask array or generator has been seen.
"""

from __future__ import annotations

import string
from functools import partial
from typing import Any

import array_api_compat.dask.array as xp_dask
import dask.array as da
import numpy as np
from dask.array.core import elemwise
from scipy import special

from ._base import Array, Shape, seeded_generator, widen_methods
from ._dask_random import sample_chunks
from ._numpy import _FLOAT32, _NARROW, NumpyOps, _astype, solve_triangular_host
from ._numpy import OPS as NUMPY_OPS


class _ChunkwiseSpecial:
    """SciPy's special functions applied chunk by chunk (lazily) to Dask arrays."""

    def __getattr__(self, name: str) -> Any:
        fn = getattr(special, name)

        def apply(*args: Any) -> Array:
            dtype = np.result_type(*[a.dtype for a in args if hasattr(a, "dtype")])

            def block(*blocks: Any) -> np.ndarray:
                return np.asarray(fn(*blocks)).astype(dtype, copy=False)  # SciPy's polygamma returns float64

            return elemwise(block, *args, dtype=dtype)  # elementwise, broadcasting; ints pass through

        return apply


def _whole_matrices(x: Array) -> Array:
    """Rechunk so that every chunk holds whole matrices (the last two axes in one chunk)."""
    return x.rechunk({x.ndim - 2: -1, x.ndim - 1: -1})


class DaskOps(NumpyOps):
    """The NumPy backend over ``dask.array``, with everything that would read values or need whole arrays
    replaced by lazy, chunk-wise versions."""

    name = "dask"
    lazy = True

    def __init__(self) -> None:
        super().__init__(da, _ChunkwiseSpecial(), xp_dask)

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

    # Samplers with array parameters draw chunk by chunk (_dask_random.sample_chunks): the NumPy backend's
    # sampler runs on each chunk's parameter blocks with a generator of its own, and nothing is computed.
    def standard_gamma(self, rng: Any, concentration: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return sample_chunks(rng, partial(_gamma_block, dtype=dtype), shape, dtype, [concentration])

    def exponential(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return rng.standard_exponential(shape, chunks="auto").astype(dtype)  # float64, rounded: see NumPy's

    def poisson(self, rng: Any, rate: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return sample_chunks(rng, partial(_poisson_block, dtype=dtype), shape, dtype, [rate])

    def binomial(self, rng: Any, total_count: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return sample_chunks(rng, partial(_binomial_block, dtype=dtype), shape, dtype, [total_count, probs])

    def bernoulli(self, rng: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return sample_chunks(rng, partial(_bernoulli_block, dtype=dtype), shape, dtype, [probs])

    def categorical(
        self, rng: Any, logits: Array, shape: Shape, dtype: Any = None, device: Any = None, probs: Any = None
    ) -> Array:
        # the logits alone (per chunk): a softmax of a chunk costs no more than reading its probabilities
        dtype = np.dtype(np.int64) if dtype is None else np.dtype(dtype)
        return sample_chunks(rng, partial(_categorical_block, dtype=dtype), shape, dtype, [logits], [1])

    def logsumexp(self, x: Array, axis: int = -1) -> Array:
        # The standard formula, lazily (SciPy's would compute the whole array); the log runs per chunk where
        # errstate reaches it: a row of -inf gives log(0) = -inf, the answer, not a warning.
        if 0 in x.shape:  # Dask's max of an empty chunk fails when computed (NumPy's max has no identity)
            m = da.zeros_like(da.sum(x, axis=axis, keepdims=True))
        else:
            m = da.max(x, axis=axis, keepdims=True)
            m = da.where(da.isfinite(m), m, 0.0)
        total = da.sum(da.exp(x - m), axis=axis, keepdims=True)
        return da.squeeze(elemwise(_log_of_sum, total, dtype=total.dtype) + m, axis=axis)

    def cholesky(self, x: Array) -> Array:
        return da.map_blocks(np.linalg.cholesky, _whole_matrices(x), dtype=x.dtype)

    def solve_triangular(self, a: Array, b: Array, *, lower: bool = True) -> Array:
        """Batch dimensions of ``a`` and ``b`` must match (callers broadcast); ``b``'s columns stay chunked."""
        k = a.ndim - 2
        batch = string.ascii_lowercase[:k]
        a = _whole_matrices(a)
        b = b.rechunk({b.ndim - 2: -1})
        return da.blockwise(
            solve_triangular_host,
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


widen_methods(DaskOps, ("cholesky", "solve_triangular"), _NARROW, _FLOAT32, _astype)


def _log_of_sum(total: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(total)


def _gamma_block(g: np.random.Generator, shape: Shape, a: np.ndarray, dtype: Any) -> np.ndarray:
    return NUMPY_OPS.standard_gamma(g, a, shape, dtype, None)


def _poisson_block(g: np.random.Generator, shape: Shape, rate: np.ndarray, dtype: Any) -> np.ndarray:
    return NUMPY_OPS.poisson(g, rate, shape, dtype, None)


def _binomial_block(g: np.random.Generator, shape: Shape, n: np.ndarray, p: np.ndarray, dtype: Any) -> np.ndarray:
    return NUMPY_OPS.binomial(g, n, p, shape, dtype, None)


def _bernoulli_block(g: np.random.Generator, shape: Shape, p: np.ndarray, dtype: Any) -> np.ndarray:
    return NUMPY_OPS.bernoulli(g, p, shape, dtype, None)


def _categorical_block(g: np.random.Generator, shape: Shape, logits: np.ndarray, dtype: Any) -> np.ndarray:
    return NUMPY_OPS.categorical(g, logits, shape, dtype)


OPS = DaskOps()
