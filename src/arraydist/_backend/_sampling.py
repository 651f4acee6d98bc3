"""Random numbers of every backend: :class:`Sampling`, a base of :class:`~arraydist._backend._base.Ops` (its
generators, the normal, uniform, gamma, beta, Dirichlet, exponential, count and categorical draws, with the
fallbacks on the host's NumPy generator that a backend overrides where its library samples itself)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _counts
from ._seeds import numpy_rng_from_seed

Array = Any
Shape = tuple[int, ...]


class Sampling:
    """The random-number methods of ``Ops`` (see the module's docstring)."""

    xp: Any

    #: ``make_rng(None, device)`` is None (the library's global generator: torch's), so callers may skip the call
    global_rng_is_none = False

    def make_rng(self, seed: object, device: Any) -> Any:
        """Turn a user ``seed`` into this backend's generator (or key)."""
        return numpy_rng_from_seed(seed, self.name)

    def split(self, rng: Any, n: int) -> list[Any]:
        """``n`` independent generators; stateful generators simply advance, so they are returned as is."""
        return [rng] * n

    def normal(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        draws = rng.standard_normal(size=shape)
        return self.xp.asarray(draws, dtype=dtype, device=device)

    def normal_like(self, rng: Any, x: Array) -> Array:
        """Standard normal draws of the shape, dtype and device of ``x``."""
        return self.normal(rng, tuple(x.shape), x.dtype, self.device(x))

    def uniform(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        """Uniform draws on the open interval (0, 1)."""
        draws = rng.random(size=shape)
        tiny = np.finfo(np.float32).tiny
        return self.xp.asarray(np.clip(draws, tiny, 1.0 - 2.0**-24), dtype=dtype, device=device)

    # The samplers below take the backend's generator (``make_rng``'s result), parameters that are arrays of
    # the backend or Python numbers, broadcastable to ``shape`` (sample shape + batch shape), and return
    # draws of ``shape``.  Integer-valued draws come back in the floating ``dtype`` (torch.distributions'
    # convention), categorical indices in the backend's default integer type.  This fallback draws on the
    # host with NumPy and moves the draws to ``device``.
    def _host_param(self, p: Any) -> np.ndarray:
        return self.to_numpy(p) if hasattr(p, "shape") else np.asarray(p)

    def _from_host(self, x: np.ndarray, dtype: Any, device: Any) -> Array:
        return self.xp.asarray(np.asarray(x, dtype=np.float64), dtype=dtype, device=device)

    def standard_gamma(self, rng: Any, concentration: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        """Gamma(concentration, rate 1) draws, at least the smallest normal number of ``dtype`` (as
        torch.distributions), reparameterized where the backend differentiates: the implicit gradient
        ``dz/dalpha = -(dF/dalpha)(z) / f(z)``."""
        a = np.broadcast_to(self._host_param(concentration).astype(np.float64), shape)
        draws = rng.standard_gamma(a, size=shape)
        return self._from_host(np.maximum(draws, float(self.xp.finfo(dtype).smallest_normal)), dtype, device)

    def log_standard_gamma(self, rng: Any, concentration: Array, shape: Shape, dtype: Any, device: Any) -> Array:
        """The logarithms of Gamma(concentration, rate 1) draws, right where the draws themselves underflow
        (Gamma(1e-3) falls below float64's smallest normal number half the time, float32's 92 % of the time).

        Below concentration 1, ``log G(a) = log G(a + 1) + log(U) / a`` with ``U`` uniform (Marsaglia and
        Tsang's boost, taken in log space); from 1 on, ``log G(a)``.  Pathwise gradient where the backend
        differentiates: the implicit one through ``G(a + 1)`` plus ``-log(U) / a**2``.  It is a two-noise
        sampler: its gradient is unbiased in distribution, not the inverse-CDF derivative draw by draw.
        ``concentration`` is an array of the backend, broadcastable to ``shape``."""
        xp = self.xp
        gamma_rng, uniform_rng = self.split(rng, 2)
        boost = concentration < 1
        boosted = xp.where(boost, concentration + 1, concentration)
        log_g = xp.log(self.standard_gamma(gamma_rng, boosted, shape, dtype, device))
        log_u = xp.log(self.uniform(uniform_rng, shape, dtype, device))
        return log_g + xp.where(boost, log_u / concentration, xp.zeros_like(log_u))

    def beta(
        self, rng: Any, concentration1: Array, concentration0: Array, shape: Shape, dtype: Any, device: Any
    ) -> Array:
        """Beta(concentration1, concentration0) draws, at least the dtype's smallest normal number and at most
        ``1 - eps / 2``: ``expit(log G(a) - log G(b))`` of log-space gammas (``log_standard_gamma``), so no draw is
        the 0 / 0 or the exact 0 of a ratio of underflowed gammas (tiny concentrations).  Pathwise gradient where
        the backend differentiates; the concentrations are arrays of the backend, broadcastable to ``shape``."""
        xp = self.xp
        rng_a, rng_b = self.split(rng, 2)
        log_a = self.log_standard_gamma(rng_a, concentration1, shape, dtype, device)
        log_b = self.log_standard_gamma(rng_b, concentration0, shape, dtype, device)
        finfo = xp.finfo(dtype)
        return xp.clip(self.expit(log_a - log_b), min=float(finfo.smallest_normal), max=1.0 - float(finfo.eps) / 2)

    def dirichlet(self, rng: Any, concentration: Array, shape: Shape, dtype: Any, device: Any) -> Array:
        """Dirichlet(concentration) draws over the last axis of ``shape``: the softmax of log-space standard gammas
        (``log_standard_gamma``: no gamma is ever 0, so no draw is the 0 / 0 of a normalization of underflowed
        gammas), entries at least the dtype's smallest normal number.  Pathwise gradient where the backend
        differentiates; ``concentration`` is an array of the backend, broadcastable to ``shape``."""
        log_g = self.log_standard_gamma(rng, concentration, shape, dtype, device)
        return self.xp.clip(self.softmax(log_g), min=float(self.xp.finfo(dtype).smallest_normal))

    def exponential(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        """Standard exponential (rate 1) draws."""
        return self._from_host(rng.standard_exponential(size=shape), dtype, device)

    def poisson(self, rng: Any, rate: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        """Poisson(rate) counts as floats of ``dtype``; O(1) per draw for any rate, right at every rate.

        The backend's own sampler (:meth:`_native_poisson`) where every rate is at most
        :meth:`native_counts_upto` and can be read now; otherwise (and under ``jax.jit`` / ``torch.compile``)
        ``_counts.poisson``: inversion below rate 10, Hörmann's PTRS with a saddle-point acceptance test up to
        the working float's largest exact integer (2^53; 2^24 for JAX without x64), a skewness-corrected
        rounded normal beyond (its error O(1 / rate): below 2^-53, 2^-24 in float32)."""
        if self._natively(rate, dtype):
            return self._native_poisson(rng, rate, shape, dtype, device)
        return _counts.poisson(self, rng, rate, shape, dtype, device)

    def binomial(self, rng: Any, total_count: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        """Binomial(total_count, probs) counts as floats of ``dtype``; O(1) per draw for any total_count, right
        at every total_count.

        The backend's own sampler (:meth:`_native_binomial`) where every total_count is at most
        :meth:`native_counts_upto` and can be read now; otherwise (and under tracing) ``_counts.binomial``:
        inversion below mean 10, Hörmann's BTRS with a saddle-point acceptance test while ``total_count`` is an
        exact integer of the working float (2^53; 2^24 for JAX without x64); beyond, a Poisson of rate
        ``n p`` for ``p`` up to 2^-26 (2^-11.5 in float32) and a skewness-corrected rounded normal above (each
        within about 1.5e-8 of the law in float64, 3.5e-4 in float32)."""
        if self._natively(total_count, dtype):
            return self._native_binomial(rng, total_count, probs, shape, dtype, device)
        return _counts.binomial(self, rng, total_count, probs, shape, dtype, device)

    def native_counts_upto(self, dtype: Any) -> float:
        """The largest rate and total count at which the backend's own Poisson and binomial samplers are
        right in ``dtype`` (measured: ``benchmarks/large_counts.py``); NumPy's on the host, by default, whose
        Poisson acceptance test loses digits from about 1e12 on."""
        return 2.0**30

    #: the rejection samplers of ``_counts`` run in :meth:`while_loop` eagerly too (JAX: one compiled loop, not
    #: eager operations compiled for each new shape of the unaccepted draws)
    eager_while = False

    def while_loop(self) -> Any:
        """``loop(cond, body, state)``, ``while cond(state): state = body(state)`` traced once, where the backend
        has one now (JAX's ``lax.while_loop``; torch's under ``torch.compile``), else None.  ``state`` is a
        tuple of arrays whose last element is a generator or key, passed on as it is where it is not an array."""
        return None

    def put(self, x: Array, index: Array, values: Array) -> Array:
        """A copy of the 1-d ``x`` with ``values`` at the integer positions ``index`` (the standard has no
        scatter: through NumPy on the host)."""
        host = np.array(self.to_numpy(x))
        host[self.to_numpy(index)] = self.to_numpy(values)
        return self.xp.asarray(host, device=_device_of(x))

    def count_work_dtype(self, dtype: Any) -> Any:
        """The float the composite count samplers compute in: float64 where the backend has it."""
        return self.xp.float64

    def _natively(self, param: Any, dtype: Any) -> bool:
        """Whether every value of ``param`` can be read now and is at most :meth:`native_counts_upto` (one
        reduction, one host read; NaN: no)."""
        limit = self.native_counts_upto(dtype)
        if not hasattr(param, "shape"):
            return float(param) <= limit
        if self.tracing() or not self.is_concrete(param):
            return False
        return self.reduce_value(param, "max") <= limit

    def _native_poisson(self, rng: Any, rate: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        return self._from_host(rng.poisson(self._host_param(rate), size=shape), dtype, device)

    def _native_binomial(self, rng: Any, total_count: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        n = np.rint(self._host_param(total_count)).astype(np.int64)
        return self._from_host(rng.binomial(n, self._host_param(probs), size=shape), dtype, device)

    def bernoulli(self, rng: Any, probs: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        """1.0 with probability ``probs``, else 0.0, as floats of ``dtype``."""
        return self._from_host(rng.random(size=shape) < self._host_param(probs), dtype, device)

    def categorical(
        self, rng: Any, logits: Array, shape: Shape, dtype: Any = None, device: Any = None, probs: Any = None
    ) -> Array:
        """Indices drawn over the last axis of ``logits`` (unnormalized log-probabilities; ``-inf`` is never
        drawn), ``logits.shape[:-1]`` broadcastable to ``shape``; no temporary of size draws x categories.

        ``probs``, where the caller holds them (a ``Categorical``'s cached probabilities), is ``softmax(logits)``:
        the weights the sampler would otherwise compute from the logits (no gradient flows through either)."""
        xp = self.xp
        index_dtype = dtype if dtype is not None else xp.__array_namespace_info__().default_dtypes()["indexing"]
        u = xp.asarray(rng.random(size=shape), device=self.device(logits))
        return categorical_inverse_cdf(xp, logits, u, shape, index_dtype, probs)


def categorical_inverse_cdf(
    xp: Any, logits: Array, u: Array, shape: Shape, index_dtype: Any, probs: Any = None
) -> Array:
    """Category indices over the last axis of ``logits`` for uniform draws ``u`` in [0, 1) of ``shape``.

    Inverse CDF by a branchless binary search of each draw's row of the cumulative weights: log2(categories)
    vectorized gathers, temporaries the size of the draws or of the logits, never draws x categories.  A
    category of zero weight (logit -inf) has a CDF step of exactly 0, so no draw lands in it.  ``probs``
    (``softmax(logits)``, where the caller has it) are the weights, else they are computed from the logits.
    """
    k = int(logits.shape[-1])
    batch = tuple(logits.shape[:-1])
    if probs is None:
        m = xp.max(logits, axis=-1, keepdims=True)
        weights = xp.exp(logits - m)  # the largest weight of each row is 1
    else:
        weights = probs
    cdf = xp.cumulative_sum(weights, axis=-1)
    total = cdf[..., -1:]
    # the last category of positive weight: the first where the CDF reaches its total
    last = xp.sum(xp.astype(cdf < total, index_dtype), axis=-1)
    rows = math.prod(batch)
    first = xp.reshape(xp.arange(rows, dtype=index_dtype, device=_device_of(logits)) * k, batch)
    first = xp.broadcast_to(first, shape)
    v = u * xp.broadcast_to(xp.reshape(xp.astype(total, u.dtype), batch), shape)
    flat = xp.astype(xp.reshape(cdf, (-1,)), u.dtype)
    found = xp.zeros(shape, dtype=index_dtype, device=_device_of(logits))
    step = 1 << (k.bit_length() - 1)  # the largest power of two <= k
    while step:
        probe = found + step  # found + step categories have a CDF <= v, if probe <= k
        within = probe <= k
        at = xp.reshape(first + xp.where(within, probe, xp.full_like(probe, k)) - 1, (-1,))
        below = xp.reshape(xp.take(flat, at), shape) <= v
        found = xp.where(within & below, probe, found)
        step >>= 1
    return xp.minimum(found, xp.broadcast_to(last, shape))  # v rounded up to the total: the last positive one


def _device_of(x: Array) -> Any:
    return getattr(x, "device", None)
