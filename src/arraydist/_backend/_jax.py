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

from ._base import Array, Ops, Shape, categorical_inverse_cdf, check_seed, widen_methods
from ._special import SPECIAL_FUNCTIONS, bind_special

#: floats narrower than float32: JAX's normal CDF and its inverse, and its factorizations, lack them
_NARROW = frozenset({jnp.dtype(jnp.float16), jnp.dtype(jnp.bfloat16)})
#: where JAX's float64 log_ndtr switches to its asymptotic series here, its error is below 4e-14 (2e-11 at -20)
_LOG_NDTR_SERIES_BELOW = -37.0


def _cast(x: Array, dtype: Any) -> Array:
    return x.astype(dtype)


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

    def tail_float(self, dtype: Any, device: Any) -> Any:
        platform = getattr(device, "platform", None) or jax.default_backend()
        if jax.config.jax_enable_x64 and platform == "cpu" and jnp.finfo(dtype).bits < 64:
            return jnp.dtype(jnp.float64)
        return self.wide_float(dtype)

    def device(self, x: Array) -> Any:
        try:
            return x.device
        except AttributeError:  # tracers have no device
            return None

    def is_concrete(self, x: Array) -> bool:
        # Under jit/vmap/grad even operations on concrete arrays are staged, so reading a value needs both a
        # concrete array and no trace in progress.
        return not isinstance(x, jax.core.Tracer) and _trace_state_clean()

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
        # checkify.debug_check does nothing unless the function is checkified: then checkify reports the
        # message (err.get(), err.throw()); `{` and `}` would be read as its format fields
        if isinstance(ok, jax.core.Tracer) or not _trace_state_clean():
            from jax.experimental import checkify

            checkify.debug_check(jnp.all(ok), message.replace("{", "{{").replace("}", "}}"))
        return guarded

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
        seed = check_seed(seed, "jax", "a key (jax.random.key(n))", _is_key)
        if type(seed) is int:
            return key_from_int(seed)
        return seed

    def split(self, rng: Any, n: int) -> list[Any]:
        return list(jax.random.split(rng, n))

    def normal(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return jax.random.normal(rng, shape, dtype)

    def uniform(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return jax.random.uniform(rng, shape, dtype, minval=jnp.finfo(dtype).tiny, maxval=1.0)

    # Samplers: one jax.random call each (a composite sampler splits its key first).
    def standard_gamma(self, rng: Any, concentration: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        # jax.random.gamma differentiates with the implicit reparameterization gradient
        a = jnp.asarray(concentration, dtype=dtype)
        return jnp.maximum(jax.random.gamma(rng, a, shape, dtype), jnp.finfo(dtype).tiny)

    def exponential(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        """JAX's draw is -log1p(-u) for u on a grid of 2^-24 in float32: exactly 0 once in 1.7e7 draws (a Gumbel's
        -log of it +inf). With x64 the draw is made in float64 and rounded; without, a 0 stands for the grid's
        first cell and becomes its mean, 2^-25."""
        if dtype == jnp.float32 and jax.config.jax_enable_x64:
            return jax.random.exponential(rng, shape, jnp.float64).astype(dtype)
        draws = jax.random.exponential(rng, shape, dtype)
        return jnp.where(draws > 0, draws, jnp.asarray(2.0**-25, dtype))

    def native_counts_upto(self, dtype: Any) -> float:
        # jax.random.poisson is 1.5x too spread at rate 1e8 (and int32 without x64: 2^31 from rate 2^31 on);
        # float32 jax.random.binomial 1.4x at n = 1e8
        return 2.0**20

    def _natively(self, param: Any, dtype: Any) -> bool:
        # Always the composite on JAX: eager calls draw what jax.jit and jax.vmap of the same call draw from the
        # same key (a native path chosen from the values eagerly would give other draws than the traced one)
        return False

    eager_while = True

    def while_loop(self) -> Any:
        return jax.lax.while_loop

    def count_work_dtype(self, dtype: Any) -> Any:
        return jnp.float64 if jax.config.jax_enable_x64 else jnp.float32

    def poisson(self, rng: Any, rate: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return super().poisson(rng, jax.lax.stop_gradient(jnp.asarray(rate, dtype=dtype)), shape, dtype, device)

    def binomial(self, rng: Any, total_count: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        n = jax.lax.stop_gradient(jnp.asarray(total_count, dtype=dtype))
        p = jax.lax.stop_gradient(jnp.asarray(probs, dtype=dtype))
        return super().binomial(rng, n, p, shape, dtype, device)

    def _native_poisson(self, rng: Any, rate: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return jax.random.poisson(rng, rate, shape).astype(dtype)

    def _native_binomial(self, rng: Any, total_count: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        n = jax.lax.stop_gradient(jnp.asarray(total_count, dtype=dtype))
        p = jax.lax.stop_gradient(jnp.asarray(probs, dtype=dtype))
        return jax.random.binomial(rng, n, p, shape, dtype)  # BTRS: O(1) per draw for large counts

    def bernoulli(self, rng: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        p = jax.lax.stop_gradient(jnp.asarray(probs, dtype=dtype))
        return jax.random.bernoulli(rng, p, shape).astype(dtype)

    def categorical(
        self, rng: Any, logits: Array, shape: Shape, dtype: Any = None, device: Any = None, probs: Any = None
    ) -> Array:
        # Not jax.random.categorical: it adds Gumbel noise of shape draws x categories and takes the argmax.
        logits = jax.lax.stop_gradient(jnp.asarray(logits))
        probs = None if probs is None else jax.lax.stop_gradient(probs)
        u = jax.random.uniform(rng, shape, jnp.promote_types(logits.dtype, jnp.float32))
        index_dtype = jnp.zeros((), dtype=int).dtype if dtype is None else dtype  # int64 under x64, else int32
        return categorical_inverse_cdf(jnp, logits, u, shape, index_dtype, probs)

    def standardize(self, x: Array, loc: Array, scale: Array) -> Array:
        return _standardize(x, loc, scale)

    def logsumexp(self, x: Array, axis: int = -1) -> Array:
        return jsp.logsumexp(x, axis=axis)

    def _repeat(self, steps: int, body: Any, state: Any) -> Any:
        # one traced step, not `steps` copies of it: jit compiles the special functions' loops quickly
        return jax.lax.fori_loop(1, steps + 1, body, state)

    # JAX's betainc has no gradient in a and b and is 16 % off in float32 at a = b = 1e5; it has no inverses.
    # In float32 the continued fraction loses the digits of 1 - x where x is tiny beyond the mean, and JAX's
    # igamma is 3e-4 off at a = 1e4: with x64 enabled they compute in float64 and round once.
    def betainc(self, a: Array, b: Array, x: Array) -> Array:
        return _in_float64(self._betainc_series, a, b, x)

    def betaincc(self, a: Array, b: Array, x: Array) -> Array:
        return _in_float64(self._betaincc_series, a, b, x)

    def betaincinv(self, a: Array, b: Array, y: Array) -> Array:
        return _in_float64(self._betaincinv_halley, a, b, y)

    def gammainc(self, a: Array, x: Array) -> Array:
        return _in_float64(jsp.gammainc, a, x)

    def gammaincc(self, a: Array, x: Array) -> Array:
        return _in_float64(jsp.gammaincc, a, x)

    @staticmethod
    def log_ndtr(x: Array) -> Array:
        # jax.scipy's log_ndtr is log(ndtr(x)) up to x = 8 (float64; 5 in float32): where ndtr(x) is 1 - 1e-15 the
        # log keeps 3 digits, so log1p(-ndtr(-x)) above 0.  In float64 its asymptotic series below -20 is 2e-11
        # off at -20 (4e-14 below -37), so log(ndtr(x)) down to -37, where ndtr is still a normal number (JAX's
        # erfcx, the other way, is 0 at 26.55).  Each side's argument is kept on its own side: neither computes
        # log1p(-1) or log(0) (a NaN gradient through the where) in the other's range.
        zero = jnp.zeros_like(x)
        above = x > 0
        out = jnp.where(above, jnp.log1p(-jsp.ndtr(-jnp.where(above, x, zero))), jsp.log_ndtr(x))
        if x.dtype != jnp.float64:
            return out
        middle = (x > _LOG_NDTR_SERIES_BELOW) & ~above
        return jnp.where(middle, jnp.log(jsp.ndtr(jnp.where(middle, x, zero))), out)

    gammaincinv = Ops._gammaincinv_halley
    gammainccinv = Ops._gammainccinv_halley

    def log_softmax(self, x: Array, axis: int = -1) -> Array:
        return jax.nn.log_softmax(x, axis=axis)

    def softmax(self, x: Array, axis: int = -1) -> Array:
        return jax.nn.softmax(x, axis=axis)

    def index_dtype(self) -> Any:
        return jnp.zeros((), dtype=int).dtype  # int64 under x64, else int32

    def cholesky(self, x: Array) -> Array:
        return jnp.linalg.cholesky(x)

    def solve_triangular(self, a: Array, b: Array, *, lower: bool = True) -> Array:
        return jsl.solve_triangular(a, b, lower=lower)

    def is_positive_definite(self, x: Array) -> Array:
        scale = jnp.max(jnp.abs(x), axis=(-2, -1))
        eps = jnp.finfo(x.dtype).eps
        symmetric = jnp.all(jnp.abs(x - jnp.swapaxes(x, -1, -2)) <= 16 * eps * scale[..., None, None], axis=(-2, -1))
        finite = jnp.isfinite(scale)  # an infinite entry makes the tolerance infinite
        return symmetric & finite & jnp.all(jnp.isfinite(self.cholesky(x)), axis=(-2, -1))


def _in_float64(fn: Any, *args: Array) -> Array:
    """``fn`` of float32 arguments computed in float64 where x64 is enabled (else as they are), cast back."""
    dtype = args[-1].dtype
    if dtype != jnp.float32 or not jax.config.jax_enable_x64:
        return fn(*args)
    return fn(*(a.astype(jnp.float64) if a.dtype == jnp.float32 else a for a in args)).astype(dtype)


@jax.custom_jvp
def _standardize(x: Array, loc: Array, scale: Array) -> Array:
    return (x - loc) / scale


@_standardize.defjvp
def _standardize_jvp(primals: tuple[Array, ...], tangents: tuple[Array, ...]) -> tuple[Array, Array]:
    # d/dscale of (x - loc) / scale is -z / scale; JAX's rule for a / b would compute a * b**-2, which
    # overflows for float32 scales below 1e-19 and flushes to zero above 1e19.
    x, loc, scale = primals
    dx, dloc, dscale = tangents
    z = (x - loc) / scale
    return z, (dx - dloc - z * dscale) / scale


def _is_key(seed: object) -> bool:
    return isinstance(seed, jax.Array) and (
        jax.dtypes.issubdtype(seed.dtype, jax.dtypes.prng_key) or (seed.dtype == jnp.uint32 and seed.shape == (2,))
    )


def key_from_int(seed: int) -> Any:
    """A key for any seed in [0, 2**64), distinct for distinct seeds, with or without x64.

    ``jax.random.key(n)`` keeps only the low 32 bits of ``n`` without x64 and overflows from 2**63 with it.
    With the default threefry implementation the key data are the seed's high and low 32-bit halves, which
    is what ``jax.random.key(n)`` makes under x64 for every ``n < 2**63`` (and for any ``n < 2**32`` without it);
    other implementations get the seed in two's complement as an int64.
    """
    if jax.config.jax_default_prng_impl == "threefry2x32":
        return jax.random.wrap_key_data(np.array([seed >> 32, seed & 0xFFFFFFFF], dtype=np.uint32))
    return jax.random.key(np.int64(seed - 2**64 if seed >= 2**63 else seed))


bind_special(JaxOps, "jax", jax)
widen_methods(JaxOps, (*SPECIAL_FUNCTIONS, "cholesky", "solve_triangular"), _NARROW, jnp.dtype(jnp.float32), _cast)
OPS = JaxOps()

from . import _jax_tree  # noqa: E402  (registers the distributions as pytrees once JAX is in use)

_jax_tree.install()
