"""Dask backend: everything stays lazy and chunked.

Values are never read while graphs are built: validation becomes tasks of the graph (``deferred_check``), which
raise the eager ``ValueError`` at ``compute()`` of anything derived from a bad parameter or value; special
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

    defers_checks = True

    def deferred_check(
        self,
        ok: Array,
        message: str,
        guarded: Array | None = None,
        event_dim: int = 0,
        error: Any = None,
        operands: tuple[tuple[Array, int], ...] = (),
    ) -> Array | None:
        # A check that nothing depends on would never run: it is tied to ``guarded``, so every result computed
        # from the guarded array runs it first, chunk by chunk (no reduction over the whole array: a chunk's
        # check and its result are computed together, and the chunks of a large value still stream).
        if guarded is None:
            return None
        return _tie(guarded, event_dim, _checked(ok, message, error, operands))

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

    def log_softmax(self, x: Array, axis: int = -1) -> Array:
        # per chunk of whole rows, by the NumPy backend (inside its errstate: a row of -inf or +inf, refused by
        # validation, must not warn while the graph computes, before the check raises)
        if 0 in x.shape:
            return x
        axis = axis % x.ndim
        x = x.rechunk({axis: -1})
        return da.map_blocks(partial(_log_softmax_block, axis=axis), x, dtype=x.dtype)

    def cholesky(self, x: Array) -> Array:
        return da.map_blocks(np.linalg.cholesky, _whole_matrices(x), dtype=x.dtype)

    def cholesky_checked(self, x: Array, check: bool) -> tuple[Array | None, Array | None]:
        # Lazily: ``ok`` for a deferred check (Ops.deferred_check), and a factorization that does not raise
        # LinAlgError before that check can (NaN for the matrices that are not positive definite).
        if not check:
            return self.cholesky(x), None
        return da.map_blocks(_cholesky_or_nan, _whole_matrices(x), dtype=x.dtype), self.is_positive_definite(x)

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

    def is_positive_definite(self, x: Array) -> Array:
        # the NumPy backend's test on each chunk of whole matrices (Dask has no batched eigenvalues)
        x = _whole_matrices(x)
        return da.map_blocks(_is_positive_definite_block, x, drop_axis=(x.ndim - 2, x.ndim - 1), dtype=bool)


#: composites of the table run chunk by chunk on NumPy: their continued fractions, a few hundred steps of
#: elementwise operations, make graphs too deep for Dask (a RecursionError at compute, after 100 s of building)
_CHUNKWISE_COMPOSITES = ("log_gammainc", "log_gammaincc", "log_betainc", "log_betaincc")


def _numpy_composite_block(name: str, dtype: Any, *blocks: np.ndarray) -> np.ndarray:
    return np.asarray(getattr(NUMPY_OPS, name)(*blocks)).astype(dtype, copy=False)


def _chunkwise_composite(name: str) -> Any:
    def method(self: DaskOps, *args: Any) -> Array:
        dtype = np.result_type(*[a.dtype for a in args if hasattr(a, "dtype")])
        return elemwise(partial(_numpy_composite_block, name, dtype), *args, dtype=dtype)

    method.__name__ = method.__qualname__ = name
    return method


for _name in _CHUNKWISE_COMPOSITES:
    setattr(DaskOps, _name, _chunkwise_composite(_name))
widen_methods(DaskOps, ("cholesky", "solve_triangular"), _NARROW, _FLOAT32, _astype)


def _is_positive_definite_block(x: np.ndarray) -> np.ndarray:
    # a module function, not the bound method: Dask graphs are pickled (a distribution, a distributed scheduler)
    return NUMPY_OPS.is_positive_definite(x)


def _log_softmax_block(x: np.ndarray, axis: int) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf in a bad row: NaN, the answer
        return NUMPY_OPS.log_softmax(x, axis)


def _cholesky_or_nan(x: np.ndarray) -> np.ndarray:
    narrow = x.dtype.itemsize < 4  # float16: NumPy's linalg has no such loops (as in widen_methods)
    given = x.dtype
    x = x.astype(np.float32) if narrow else x
    try:
        tril = np.linalg.cholesky(x)
    except np.linalg.LinAlgError:
        ok = NUMPY_OPS.is_positive_definite(x)[..., None, None]
        tril = np.where(ok, np.linalg.cholesky(np.where(ok, x, np.eye(x.shape[-1], dtype=x.dtype))), np.nan)
    return tril.astype(given) if narrow else tril


def _checked(ok: Array, message: str, error: Any, operands: tuple[tuple[Array, int], ...]) -> Array:
    """``ok`` (a boolean array) with a task per chunk that raises where a chunk holds a False: ``error(ok_block,
    *operand_blocks)`` (the eager exception, from the chunk's values) or ``ValueError(message)``.  Each operand
    ``(array, event_dim)`` has batch dimensions right-aligned with ``ok``'s (broadcast to them where they differ)
    and ``event_dim`` dimensions more, whole in each chunk."""
    ok = ok if isinstance(ok, da.Array) else da.asarray(np.asarray(ok))
    letters = string.ascii_letters
    out = letters[: ok.ndim]
    args: list[Any] = [ok, out]
    for array, event_dim in operands:
        array = array if isinstance(array, da.Array) else da.asarray(np.asarray(array))
        rank = array.ndim - event_dim
        event = tuple(array.shape[rank:])
        batch = tuple(ok.shape[ok.ndim - rank :])
        if tuple(array.shape[:rank]) != batch:
            array = da.broadcast_to(array, batch + event)
        array = array.rechunk(ok.chunks[ok.ndim - rank :] + tuple((n,) for n in event))
        args += [array, out[ok.ndim - rank :] + letters[ok.ndim : ok.ndim + event_dim]]
    return da.blockwise(
        partial(_check_block, message, error),
        out,
        *args,
        dtype=bool,
        concatenate=True,
        meta=np.empty((0,) * ok.ndim, dtype=bool),
    )


def _check_block(message: str, error: Any, ok: np.ndarray, *operands: np.ndarray) -> np.ndarray:
    if not np.all(ok):
        raise ValueError(message) if error is None else error(ok, *operands)
    return ok


def _tie(x: Array, event_dim: int, checked: Array) -> Array:
    """``x`` (its batch dimensions broadcast to ``checked``'s where those are larger), each chunk computed only
    once the chunk of ``checked`` that covers it passed."""
    rank = x.ndim - event_dim
    batch = tuple(np.broadcast_shapes(tuple(x.shape[:rank]), tuple(checked.shape)))
    if batch != tuple(x.shape[:rank]):
        x = da.broadcast_to(x, batch + tuple(x.shape[rank:]))
        rank = len(batch)
    index = string.ascii_letters[: x.ndim]
    checked = checked.rechunk(x.chunks[rank - checked.ndim : rank])
    return da.blockwise(
        _after_check,
        index,
        x,
        index,
        checked,
        index[rank - checked.ndim : rank],
        dtype=x.dtype,
        meta=np.empty((0,) * x.ndim, dtype=x.dtype),
    )


def _after_check(x: np.ndarray, checked: np.ndarray) -> np.ndarray:
    return x


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
