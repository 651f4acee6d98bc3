"""JAX backend: stateless keys (split in every composite sampler), tracers, ``jax.scipy`` special functions.

Imported only once a JAX array or key has been seen.  Importing it registers every distribution as a pytree.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy import linalg as jsl
from jax.scipy import special as jsp

from ._base import Array, Ops, Shape, public_type_name


def _trace_state_clean() -> bool:
    try:
        from jax._src.core import trace_state_clean
    except ImportError:  # pragma: no cover - a JAX without it: assume tracing, skip value checks
        return False
    return bool(trace_state_clean())


class JaxOps(Ops):
    name = "jax"
    differentiable = True

    def __init__(self) -> None:
        super().__init__(jnp)

    def asarray(self, x: Any, dtype: Any = None, device: Any = None) -> Array:
        if isinstance(x, jax.Array) and (dtype is None or x.dtype == dtype):
            return x
        return jnp.asarray(x, dtype=dtype, device=device)

    def default_float(self) -> Any:
        return jnp.zeros(()).dtype  # float32, or float64 under jax_enable_x64

    def float_dtype(self, arrays: Any) -> Any:
        dtype = jnp.result_type(*arrays) if arrays else None
        if dtype is None or not jnp.issubdtype(dtype, jnp.floating):
            return self.default_float()
        return dtype

    def is_float_dtype(self, dtype: Any) -> bool:
        return bool(jnp.issubdtype(dtype, jnp.floating))

    def device(self, x: Array) -> Any:
        try:
            return x.device
        except AttributeError:  # tracers have no device
            return None

    def is_concrete(self, x: Array) -> bool:
        # Under jit/vmap/grad even operations on concrete arrays are staged, so reading a value needs both a
        # concrete array and no trace in progress.
        return not isinstance(x, jax.core.Tracer) and _trace_state_clean()

    def to_numpy(self, x: Array) -> np.ndarray:
        return np.asarray(x)

    def from_numpy(self, x: np.ndarray, like: Array) -> Array:
        return jnp.asarray(x)

    def stop_gradient(self, x: Array) -> Array:
        return jax.lax.stop_gradient(x)

    def reduce_value(self, x: Array, how: str) -> float:
        if x.size == 0:
            return {"min": float("inf"), "max": float("-inf"), "sum": 0.0}[how]
        return float(getattr(jnp, how)(x))

    def cast(self, x: Array, dtype: Any) -> Array:
        return x if x.dtype == dtype else x.astype(dtype)

    def make_rng(self, seed: object, device: Any) -> Any:
        if seed is None:
            raise ValueError(
                "JAX has no global random state: pass a key, e.g. sample(seed=jax.random.key(0)), or an int seed"
            )
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            return jax.random.key(int(seed))
        if isinstance(seed, jax.Array) and (
            jax.dtypes.issubdtype(seed.dtype, jax.dtypes.prng_key) or (seed.dtype == jnp.uint32 and seed.shape == (2,))
        ):
            return seed
        raise TypeError(
            f"seed for a jax distribution must be a key (jax.random.key(n)) or an int; got {public_type_name(seed)}"
        )

    def split(self, rng: Any, n: int) -> list[Any]:
        return list(jax.random.split(rng, n))

    def normal(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return jax.random.normal(rng, shape, dtype)

    def uniform(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return jax.random.uniform(rng, shape, dtype, minval=jnp.finfo(dtype).tiny, maxval=1.0)

    erf = staticmethod(jsp.erf)
    erfc = staticmethod(jsp.erfc)
    erfinv = staticmethod(jsp.erfinv)
    ndtr = staticmethod(jsp.ndtr)
    ndtri = staticmethod(jsp.ndtri)
    log_ndtr = staticmethod(jsp.log_ndtr)
    lgamma = staticmethod(jsp.gammaln)
    digamma = staticmethod(jsp.digamma)
    xlogy = staticmethod(jsp.xlogy)

    def softplus(self, x: Array) -> Array:
        return jax.nn.softplus(x)

    def logsumexp(self, x: Array, axis: int = -1) -> Array:
        return jsp.logsumexp(x, axis=axis)

    def cholesky(self, x: Array) -> Array:
        return jnp.linalg.cholesky(x)

    def solve_triangular(self, a: Array, b: Array, *, lower: bool = True) -> Array:
        return jsl.solve_triangular(a, b, lower=lower)

    def is_positive_definite(self, x: Array) -> Array:
        scale = jnp.max(jnp.abs(x), axis=(-2, -1))
        eps = jnp.finfo(x.dtype).eps
        symmetric = jnp.all(jnp.abs(x - jnp.swapaxes(x, -1, -2)) <= 16 * eps * scale[..., None, None], axis=(-2, -1))
        return symmetric & jnp.all(jnp.isfinite(jnp.linalg.cholesky(x)), axis=(-2, -1))


OPS = JaxOps()

from . import _jax_tree  # noqa: E402  (registers the distributions as pytrees once JAX is in use)

_jax_tree.register_all()
