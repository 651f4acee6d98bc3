"""The multinomial distribution: counts of ``total_count`` categorical trials."""

from __future__ import annotations

import math
import operator
from typing import Any

from .. import constraints
from ..distribution import Distribution, lazy_property
from .categorical import complement, entropy_of, normalized

__all__ = ["Multinomial"]

Array = Any


class Multinomial(Distribution):
    r"""Multinomial distribution: counts :math:`x \in \mathbb{N}^K` of ``total_count`` independent trials.

    .. math::
        P(X = x) = \frac{n!}{\prod_k x_k!} \prod_k p_k^{x_k}, \qquad \sum_k x_k = n

    Args:
        total_count: the number of trials :math:`n`, a Python int shared by the whole batch (as in
            torch.distributions).
        probs: non-negative weights of shape ``batch_shape + (K,)``, normalized over the last axis.
        logits: unnormalized log-probabilities of the same shape (``-inf`` masks a category).
        validate_args: check parameters and values (default: the global switch, on).

    Draws are float counts in the parameters' dtype, drawn by conditional binomials: :math:`x_k \sim
    \mathrm{Binomial}(n - \sum_{j<k} x_j,\ p_k / \sum_{j \ge k} p_j)`, O(K) per draw whatever ``total_count``.
    With validation, values must sum to ``total_count``; without it, ``log_prob`` takes :math:`n = \sum_k x_k`
    per value, as torch.distributions does.

    Example:
        >>> import numpy as np
        >>> from arraydist import Multinomial
        >>> d = Multinomial(10, probs=np.array([0.2, 0.3, 0.5]))
        >>> d.mean, d.mode
        (array([2., 3., 5.]), array([2., 3., 5.]))
        >>> float(d.log_prob(np.array([2.0, 3.0, 5.0])).round(4))
        -2.4645
        >>> d.sample((2,), seed=0).sum(-1)
        array([10., 10.])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    _param_forms = (("probs", "logits"),)
    _infinite_params = frozenset({"logits"})
    _post_init_checks = frozenset({"probs", "logits"})  # the given values are checked by ``normalized``
    _static_params = ("total_count",)
    total_count: int

    def __init__(
        self, total_count: int = 1, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        try:
            n = operator.index(total_count)
        except TypeError:
            raise TypeError(
                f"Multinomial: total_count must be a Python int (one count for the whole batch, as in "
                f"torch.distributions); got {total_count!r:.80}"
            ) from None
        if n < 0:
            raise ValueError(f"Multinomial: parameter 'total_count' must be a non-negative integer; got {n}")
        self.total_count = n
        self._init_params({"probs": probs, "logits": logits}, validate_args)
        largest = float(self._ops.xp.finfo(self._dtype).max)
        if n > largest:  # the counts are floating numbers: past this, every draw and mean would be infinite
            dtype = str(self._dtype).rpartition(".")[2]
            raise ValueError(
                f"Multinomial: parameter 'total_count' must be at most the largest {dtype} ({largest:.3g}), the "
                f"dtype of the counts; got an integer of {len(str(n))} digits"
            )

    _canonical = normalized

    def _event_shape_from(self, params: dict[str, Array]) -> tuple[int, ...]:
        k = int(next(iter(params.values())).shape[-1])
        if k == 0:
            raise ValueError(f"Multinomial: {next(iter(params))} must have at least one category")
        return (k,)

    @lazy_property
    def probs(self) -> Array:
        return self._ops.xp.exp(self.logits)

    @lazy_property
    def logits(self) -> Array:
        probs = self.probs
        return self._ops.xlogy(self._ops.xp.ones_like(probs), probs)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._batch_shape + self._event_shape

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        return constraints.multinomial(self.total_count, exact=True)

    @property
    def mean(self) -> Array:
        return self.probs * float(self.total_count)  # a float: torch refuses ints past int64 beside a tensor

    @property
    def variance(self) -> Array:
        probs = self.probs
        return float(self.total_count) * probs * complement(self._ops.xp, probs)

    @property
    def mode(self) -> Array:
        r"""A most likely count vector: from :math:`\lfloor n p \rfloor` (below every mode, Finucan 1964), the
        missing counts (fewer than K) are added one at a time where the mass grows most, by
        :math:`p_k / (x_k + 1)` (the log-mass is separable and concave, so this greedy ascent is exact)."""
        xp = self._ops.xp
        n = float(self.total_count)
        x = xp.floor(self.probs * n)
        left = n - xp.sum(x, axis=-1)
        categories = xp.arange(self._event_shape[0], device=self._device)
        for _ in range(self._event_shape[0] - 1):
            best = xp.argmax(self.logits - xp.log(x + 1), axis=-1)
            step = xp.astype(left > 0, self._dtype)
            x = x + xp.astype(xp.expand_dims(best, axis=-1) == categories, self._dtype) * step[..., None]
            left = left - step
        return x

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops, xp = self._ops, self._ops.xp
        probs = ops.stop_gradient(self.probs)
        k = probs.shape[-1]
        shape = sample_shape + self._batch_shape
        # rest[j] = sum(probs[..., j:]), summed from the last category: exactly probs[..., j] once the rest is 0,
        # and no cancellation (1 - cumsum would lose the small tails)
        rest = [probs[..., k - 1]]
        for j in range(k - 2, -1, -1):
            rest.append(rest[-1] + probs[..., j])
        rest.reverse()
        left = xp.full(shape, float(self.total_count), dtype=self._dtype, device=self._device)
        counts = []
        for j, key in enumerate(ops.split(rng, k - 1) if k > 1 else ()):
            tail = rest[j]
            cond = xp.clip(probs[..., j] / xp.where(tail > 0, tail, xp.ones_like(tail)), min=0.0, max=1.0)
            drawn = ops.binomial(key, left, cond, shape, self._dtype, self._device)
            counts.append(drawn)
            left = left - drawn
        counts.append(left)
        return xp.stack(counts, axis=-1)

    def _log_prob(self, value: Array) -> Array:
        ops, xp = self._ops, self._ops.xp
        logits = xp.where(value == 0, xp.zeros_like(value), self.logits)  # 0 log 0 = 0 at masked categories
        n = xp.sum(value, axis=-1)
        return ops.lgamma(n + 1) - xp.sum(ops.lgamma(value + 1), axis=-1) + xp.sum(value * logits, axis=-1)

    def entropy(self) -> Array:
        r""":math:`n H(p) - \log n! + \sum_k \sum_{x=1}^{n} \mathrm{Binomial}(x; n, p_k) \log x!`, exact
        (O(n K) per batch member)."""
        ops, xp = self._ops, self._ops.xp
        n = self.total_count
        # the three terms below cancel (to a few units from log n! and more): float16 and bfloat16 compute in
        # float32, where their rounding would leave nothing of the result
        work = ops.wide_float(self._dtype)
        probs = ops.cast(self.probs, work)
        x = xp.reshape(xp.arange(1, n + 1, dtype=work, device=self._device), (n, *(1,) * probs.ndim))
        log_binomial = (
            math.lgamma(n + 1) - ops.lgamma(x + 1) - ops.lgamma(n - x + 1) + ops.xlogy(x, probs)
            + ops.xlog1py(n - x, -probs)
        )  # fmt: skip
        weighted = xp.sum(xp.sum(xp.exp(log_binomial) * ops.lgamma(x + 1), axis=0), axis=-1)
        # the three terms cancel for a member close to a point mass: in float32 (JAX's lgamma is the least
        # exact) the difference can fall below 0, which an entropy never is
        h = n * entropy_of(self, work) - math.lgamma(n + 1) + weighted
        return ops.cast(xp.maximum(h, xp.zeros_like(h)), self._dtype)
