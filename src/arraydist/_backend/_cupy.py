"""CuPy backend: the NumPy backend over CuPy's arrays, ``cupyx.scipy`` special functions and batched solves.

Imported only once a CuPy array or generator has been seen.  Arrays are made on the device of the parameters.
"""

from __future__ import annotations

from typing import Any

import array_api_compat.cupy as xp_cupy
import cupy as cp
import cupyx.scipy.linalg as cpx_linalg
import cupyx.scipy.special as cpx_special
import numpy as np

from ._base import Array, Ops, Shape, seeded_generator
from ._numpy import NumpyOps


def _on(device: Any) -> Any:
    """A context that makes new arrays on ``device`` (the current device when None)."""
    return cp.cuda.Device(getattr(device, "id", None))


class CupyOps(NumpyOps):
    name = "cupy"

    def __init__(self) -> None:
        super().__init__(cp, cpx_special, xp_cupy)

    def asarray(self, x: Any, dtype: Any = None, device: Any = None) -> Array:
        if isinstance(x, cp.ndarray) and (device is None or x.device == device):
            return x if dtype is None or x.dtype == dtype else x.astype(dtype)
        with _on(device):
            return cp.asarray(x, dtype=dtype)

    def device(self, x: Array) -> Any:
        return x.device

    def device_key(self, device: Any) -> Any:
        return getattr(device, "id", device)  # cupy.cuda.Device is not hashable; its ordinal is

    def to_numpy(self, x: Array) -> np.ndarray:
        return cp.asnumpy(x)

    def from_numpy(self, x: np.ndarray, like: Array) -> Array:
        with like.device:
            return cp.asarray(x)

    def make_rng(self, seed: object, device: Any) -> Any:
        with _on(device):
            return seeded_generator(seed, "cupy", cp.random.default_rng, cp.random.Generator)

    def normal(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        with _on(device):
            return rng.standard_normal(size=shape, dtype=np.dtype(dtype))

    def uniform(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        with _on(device):
            u = rng.random(size=shape, dtype=np.dtype(dtype))
            return cp.maximum(u, np.finfo(dtype).tiny)

    # The NumPy backend's samplers, on the device (cupy.random.Generator has NumPy's methods).
    def standard_gamma(self, rng: Any, concentration: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        with _on(device):
            return super().standard_gamma(rng, concentration, shape, dtype, device)

    def exponential(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        with _on(device):
            return super().exponential(rng, shape, dtype, device)

    def native_counts_upto(self, dtype: Any) -> float:
        # CuPy's own samplers are not measured at large parameters (no GPU where this was written): the composite
        # samplers of _counts from 2^20 on, as for JAX and float32 torch
        return 2.0**20

    def poisson(self, rng: Any, rate: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        with _on(device):
            return super().poisson(rng, rate, shape, dtype, device)

    def binomial(self, rng: Any, total_count: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        with _on(device):
            return super().binomial(rng, total_count, probs, shape, dtype, device)

    def bernoulli(self, rng: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        with _on(device):
            return super().bernoulli(rng, probs, shape, dtype, device)

    def categorical(
        self, rng: Any, logits: Array, shape: Shape, dtype: Any = None, device: Any = None, probs: Any = None
    ) -> Array:
        with _on(device if device is not None else logits.device):
            return super().categorical(rng, logits, shape, dtype, device, probs)

    def softplus(self, x: Array) -> Array:
        return cp.logaddexp(0.0, x)

    logsumexp = Ops.logsumexp  # the array-API formulation; it runs on the device

    def solve_triangular(self, a: Array, b: Array, *, lower: bool = True) -> Array:
        return cpx_linalg.solve_triangular(a, b, lower=lower)  # batched in CuPy, unlike SciPy before 1.15

    def eye(self, n: int, dtype: Any, device: Any) -> Array:
        with _on(device):
            return cp.eye(n, dtype=dtype)

    def is_positive_definite(self, x: Array) -> Array:
        scale = cp.max(cp.abs(x), axis=(-2, -1))
        eps = np.finfo(x.dtype).eps
        symmetric = cp.all(cp.abs(x - cp.swapaxes(x, -1, -2)) <= 16 * eps * scale[..., None, None], axis=(-2, -1))
        finite = cp.all(cp.isfinite(x), axis=(-2, -1))
        safe = cp.where(finite[..., None, None], x, cp.eye(x.shape[-1], dtype=x.dtype))
        return symmetric & finite & (cp.min(cp.linalg.eigvalsh(safe), axis=-1) > 0)


OPS = CupyOps()
