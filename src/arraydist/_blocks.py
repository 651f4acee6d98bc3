"""Large eager evaluations in blocks (a room of the base): ``log_prob``, ``cdf`` and the other elementwise
methods of millions of values on the host,
computed a block of rows at a time into one output.

An elementwise formula over arrays of 10^7 values makes one temporary of that size per operation, and on the
host each fresh temporary of 80 MB costs more in page faults than the arithmetic in it: torch's CPU
allocator and NumPy return large blocks to the system and map them again on the next operation. Computed in
blocks of about 2^18 values, every temporary fits the cache and the allocator reuses it (StudentT.log_prob of
10^7 float64 values on torch: 284 -> 122 ms; the continuous rows of ``benchmarks/run.py``).

Only where it cannot change a result: an eager evaluation on the host (``Ops.blocks_ok``: NumPy, torch on the
CPU with nothing that autograd records), of a family with no event dimensions (so that a block is a set of
whole batch members or draws), over at least four blocks. The value has passed its checks on the whole
array before; the blocks split its first dimension, and the distribution's batch with it (``dist[i:j]``)
where that dimension is a batch dimension.
"""

from __future__ import annotations

import math
from typing import Any

from ._backend import Ops
from ._shapes import broadcast_shapes
from ._tree import iter_leaves

Array = Any

#: values a block: 2 MB of float64, measured best of 2^14 .. 2^20 on torch and NumPy (benchmarks/continuous.py)
BLOCK = 1 << 18
#: the fewest values computed in blocks
BLOCKS_FROM = 4 * BLOCK


def in_blocks(d: Any, method: str, value: Array) -> Array | None:
    """``d.<method>(value)`` (an elementwise method: ``_log_prob``, ``_cdf``...) block by block along the first
    dimension of the result, or None where that is not worth it or not safe (the caller then computes it
    whole)."""
    ops: Ops = d._ops
    batch = d._batch_shape
    if d._event_shape:
        return None
    shape = broadcast_shapes(tuple(value.shape), batch)
    total = math.prod(shape)
    if total < BLOCKS_FROM or shape[0] < 4:
        return None
    if not ops.blocks_ok([value, *(leaf for _, leaf, *_ in iter_leaves(d))]):
        return None
    rows = max(1, BLOCK // (total // shape[0]))
    in_batch = len(shape) == len(batch) and batch[0] == shape[0]  # the first dimension is the batch's first
    if in_batch and d._undeclared("__getitem__") is not None:
        return None  # a torch-style subclass that cannot slice its batch
    sliced_value = value.ndim == len(shape) and value.shape[0] == shape[0]
    out = None
    for start in range(0, shape[0], rows):
        stop = min(start + rows, shape[0])
        part = getattr(d[start:stop] if in_batch else d, method)(value[start:stop] if sliced_value else value)
        if out is None:
            out = ops.xp.empty(shape, dtype=part.dtype, device=ops.device(part))
        if tuple(part.shape) != (stop - start, *shape[1:]):
            return None  # not an elementwise result after all: computed whole by the caller
        out[start:stop] = part
    return out
