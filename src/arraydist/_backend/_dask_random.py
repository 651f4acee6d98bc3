"""Random draws on Dask, chunk by chunk, without computing the parameters.

``sample_chunks`` builds the draws as one task per output chunk: each task gets the parameters' blocks
(broadcast lazily to the chunk) and a NumPy generator of its own, seeded by a child ``SeedSequence`` of the
Dask generator's, so that the same seed and the same chunks give the same draws and nothing is computed while
the graph is built.  (Dask's own ``Generator.standard_gamma`` and friends compute array parameters eagerly.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dask.array as da
import numpy as np

Shape = tuple[int, ...]


def _seed_sequence(rng: Any) -> np.random.SeedSequence:
    # dask.array.random.Generator keeps the NumPy bit generator it wraps here and spawns children of its seed
    # sequence for its own chunks; we do the same, so drawing advances the generator as Dask's methods do.
    bit_generator = getattr(rng, "_bit_generator", None)
    if bit_generator is None:  # pragma: no cover - another Dask: a seed drawn from it (one scalar)
        return np.random.SeedSequence(int(rng.integers(2**63, size=()).compute()))
    return bit_generator.seed_seq


def output_chunks(shape: Shape, dtype: Any, params: Sequence[Any], event_ndims: Sequence[int]) -> tuple:
    """The draws' chunks: along an axis where a parameter varies, that parameter's chunks (no rechunking);
    along the others (sample axes), Dask's ``"auto"`` for ``shape`` and ``dtype``."""
    spec: list[Any] = ["auto"] * len(shape)
    for p, e in zip(params, event_ndims):
        if not isinstance(p, da.Array):
            continue
        core = p.ndim - e
        offset = len(shape) - core
        for axis in range(core):
            if spec[offset + axis] == "auto" and p.shape[axis] != 1:
                spec[offset + axis] = p.chunks[axis]
    return da.core.normalize_chunks(tuple(spec), shape, dtype=np.dtype(dtype))


def _aligned(p: Any, shape: Shape, chunks: tuple, event_ndim: int) -> da.Array:
    """``p`` with leading axes of length 1 up to the draws' rank, chunked as the draws where it varies (one
    chunk of length 1 where it does not: each task then gets a block that broadcasts to its chunk, never a
    broadcast copy; a broadcast view where the draws have several chunks), event axes whole."""
    p = p if isinstance(p, da.Array) else da.from_array(np.asarray(p), chunks=-1)
    core = p.ndim - event_ndim
    if core > len(shape) or any(n not in (1, m) for n, m in zip(p.shape[:core][::-1], shape[::-1])):
        raise ValueError(f"a parameter of shape {tuple(p.shape)} does not broadcast to the draws' shape {shape}")
    p = p[(None,) * (len(shape) - core) + (Ellipsis,)]
    target = {axis: (chunks[axis] if p.shape[axis] != 1 else -1) for axis in range(len(shape))}
    target.update({len(shape) + i: -1 for i in range(event_ndim)})
    p = p.rechunk(target)
    # map_blocks pairs blocks by index: along an axis that the draws cut into several chunks (a long sample axis)
    # and the parameter does not vary, its one value is spread into as many blocks (views, no copy)
    spread = [axis for axis in range(len(shape)) if p.shape[axis] == 1 and len(chunks[axis]) > 1]
    if not spread:
        return p
    full = tuple(shape[a] if a in spread else n for a, n in enumerate(p.shape))
    return da.broadcast_to(p, full, chunks=tuple(chunks[a] if a in spread else c for a, c in enumerate(p.chunks)))


def _block(
    *blocks: np.ndarray,
    draw: Callable[..., np.ndarray],
    entropy: Any,
    spawn_key: tuple[int, ...],
    pool_size: int,
    grid: Shape,
    block_id: tuple[int, ...] = (),
    block_info: Any = None,
) -> np.ndarray:
    linear = int(np.ravel_multi_index(block_id, grid)) if grid else 0
    seed = np.random.SeedSequence(entropy, spawn_key=(*spawn_key, linear), pool_size=pool_size)
    shape = tuple(block_info[None]["chunk-shape"])
    return draw(np.random.default_rng(seed), shape, *blocks)


def sample_chunks(
    rng: Any,
    draw: Callable[..., np.ndarray],
    shape: Shape,
    dtype: Any,
    params: Sequence[Any] = (),
    event_ndims: Sequence[int] | None = None,
) -> da.Array:
    """Draws of ``shape`` built chunk by chunk: ``draw(numpy_generator, chunk_shape, *parameter_blocks)``
    returns one chunk's draws (``dtype``), each parameter block broadcastable to the chunk (plus its event
    axes, ``event_ndims`` per parameter, default 0).  ``rng`` is a ``dask.array.random.Generator``; it advances."""
    event_ndims = tuple(event_ndims) if event_ndims is not None else (0,) * len(params)
    if 0 in shape:  # no draw to make (and Dask's "auto" chunks divide by the size): the generator advances still
        _seed_sequence(rng).spawn(1)
        return da.zeros(shape, dtype=np.dtype(dtype))
    chunks = output_chunks(shape, dtype, params, event_ndims)
    aligned = [_aligned(p, shape, chunks, e) for p, e in zip(params, event_ndims)]
    grid = tuple(len(c) for c in chunks)
    if len(set(event_ndims)) > 1:
        raise ValueError("sample_chunks: every parameter must have the same number of event axes")
    # One child of the generator's seed sequence per call (which advances the generator), one grandchild per
    # chunk: SeedSequence(entropy, spawn_key + (chunk index,)), so each task needs only its chunk's index.
    child = _seed_sequence(rng).spawn(1)[0]
    return da.map_blocks(
        _block,
        *aligned,
        draw=draw,
        entropy=child.entropy,
        spawn_key=tuple(child.spawn_key),
        pool_size=child.pool_size,
        grid=grid,
        chunks=chunks,
        dtype=np.dtype(dtype),
        drop_axis=[len(shape) + i for i in range(event_ndims[0])] if event_ndims else [],
        meta=np.empty((0,) * len(shape), dtype=dtype),
    )
