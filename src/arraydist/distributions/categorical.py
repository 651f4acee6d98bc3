"""The categorical distribution over the indices {0, ..., K-1}, and what its relatives share with it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import constraints
from .._backend import Ops
from .._params import _TRACED
from ..distribution import Distribution, lazy_property
from ..kl import register_kl

__all__ = ["Categorical"]

Array = Any


def normalized(dist: Distribution, params: dict[str, Array], ops: Ops, validate: bool) -> dict[str, Array]:
    """The constructor's canonical form (``Distribution._canonical``) of the categorical families, as
    torch.distributions: ``probs / sum(probs)`` or ``logits - logsumexp(logits)`` over the last axis.

    When validating, the values given are checked (the normalized ones are then valid by construction):
    ``probs`` non-negative with a finite positive sum per row; ``logits`` without NaN or ``+inf`` and with a
    finite entry per row (``-inf`` masks a category): exactly then the normalized logits have no NaN, which one
    reduction and one host read tell."""
    given = params.get("logits")
    if given is not None:
        logits, ok = ops.log_softmax_checked(given, validate)  # a bad row normalizes to NaN
        if validate and ok is None and ops.defers_checks:  # a compiled function or Dask: checked when it runs
            logits = _deferred(dist, ops, "logits", given, ops.xp.all(logits == logits, axis=-1), logits)
        if ok is False:
            xp = ops.xp
            bad_rows = xp.max(given, axis=-1)
            raise dist._param_error(ops, "logits", given, xp.isfinite(bad_rows), _LOGITS_RULE, 1)
        return {**params, "logits": logits}
    xp = ops.xp
    check = validate and not ops.tracing()
    given = params["probs"]
    if ops.tracing():  # np.errstate cannot be traced by torch.compile (and torch never warns)
        total = xp.sum(given, axis=-1, keepdims=True)
    else:
        with np.errstate(invalid="ignore", over="ignore"):  # NumPy: a bad row's sum (inf - inf) is refused below
            total = xp.sum(given, axis=-1, keepdims=True)
    if validate and not (check and ops.is_concrete(given)) and ops.defers_checks:  # a compiled function or Dask
        ok = xp.all(given >= 0, axis=-1) & (total[..., 0] > 0) & (total[..., 0] < math.inf)
        return {**params, "probs": _deferred(dist, ops, "probs", given, ok, given / total)}
    if check and ops.is_concrete(given):
        low, top = ops.reduce_value(total, "min"), ops.reduce_value(total, "max")
        if not (ops.reduce_value(given, "min") >= 0 and low > 0 and top < math.inf):
            ok = xp.all(given >= 0, axis=-1) & (total[..., 0] > 0) & (total[..., 0] < math.inf)
            raise dist._param_error(ops, "probs", given, ok, _PROBS_RULE, 1)
    return {**params, "probs": given / total}


def _deferred(dist: Distribution, ops: Ops, name: str, given: Array, ok: Array, normalized: Array) -> Array:
    """The rule of ``probs`` or ``logits`` as a deferred check (``Ops.deferred_check``) guarding ``normalized``:
    the eager message where the check runs on values (Dask), without the values inside a compiled function."""
    rule = _LOGITS_RULE if name == "logits" else _PROBS_RULE
    message = f"{type(dist).__name__}: parameter {name!r} must be {rule}"
    if not ops.lazy:
        return ops.deferred_check(ok, message + _TRACED, normalized, 1)
    error = dist._param_error_maker(name, given, rule, 1)
    return ops.deferred_check(ok, message, normalized, 1, error, ((given, 1),))


#: the number of categories -> the support {0, ..., k - 1}, shared (a constraint of two Python ints)
_SUPPORTS: dict[int, constraints.Constraint] = {}

_LOGITS_RULE = "real vectors (-inf allowed, not +inf or NaN) with at least one finite entry over the last dim"
_PROBS_RULE = "non-negative vectors with a finite, positive sum over the last dim"


def entropy_of(dist: Any, dtype: Any = None) -> Array:
    r"""Entropy :math:`-\sum_k p_k \log p_k` over the last axis; a masked category (:math:`p_k = 0`, logit
    :math:`-\infty`) adds 0, and its gradient stays finite (the logit is clipped to the dtype's minimum).
    Computed in ``dtype`` where given (the distribution's otherwise)."""
    ops = dist._ops
    probs, logits = dist.probs, dist.logits
    if dtype is not None:
        probs, logits = ops.cast(probs, dtype), ops.cast(logits, dtype)
    return -ops.dot_last(probs, ops.clip_lowest(logits))


def complement(xp: Any, probs: Array) -> Array:
    r""":math:`1 - p_k` over the last axis as the sum of the other categories' probabilities (the sums before
    and after :math:`k`, accumulated from zero): ``1 - p`` cancels for a near-certain category (0 in float32 at
    :math:`p = 1 - 1.9 \cdot 10^{-13}`, 0.7 % off in float64), the sum of the others does not."""
    zero = xp.zeros_like(probs[..., :1])
    before = xp.cumulative_sum(xp.concat([zero, probs[..., :-1]], axis=-1), axis=-1)
    reversed_probs = xp.flip(probs, axis=-1)
    after = xp.flip(xp.cumulative_sum(xp.concat([zero, reversed_probs[..., :-1]], axis=-1), axis=-1), axis=-1)
    return before + after


def kl_categorical(p: Any, q: Any) -> Array:
    r""":math:`\sum_k p_k (\log p_k - \log q_k)`: terms with :math:`p_k = 0` are 0, and a category with
    :math:`q_k = 0 < p_k` makes the divergence :math:`+\infty`."""
    xp = p._ops.xp
    probs = p.probs
    inside = probs > 0
    zero = xp.zeros_like(probs)
    diff = xp.where(inside, p.logits, zero) - xp.where(inside, q.logits, zero)  # no -inf - -inf
    return xp.sum(probs * diff, axis=-1)


class Categorical(Distribution):
    r"""Categorical distribution over :math:`\{0, \ldots, K-1\}`, with ``probs`` or ``logits`` (not both).

    .. math::
        P(X = k) = p_k = \frac{\exp(\ell_k)}{\sum_j \exp(\ell_j)}

    Args:
        probs: non-negative weights of shape ``batch_shape + (K,)``, normalized to sum to 1 over the last axis
            (``probs`` returns the normalized values).
        logits: unnormalized log-probabilities of the same shape, normalized to ``logits - logsumexp(logits)``;
            ``-inf`` masks a category (probability 0, never drawn).
        validate_args: check parameters and values (default: the global switch, on).

    Draws are indices of the backend's default integer type (int64; JAX's default integer).  ``mean`` and
    ``variance`` are NaN, as in torch.distributions.

    Example:
        >>> import numpy as np
        >>> from arraydist import Categorical
        >>> d = Categorical(logits=np.array([0.0, -np.inf, np.log(3.0)]))
        >>> d.probs.round(4)
        array([0.25, 0.  , 0.75])
        >>> d.log_prob(np.array([0, 1, 2])).round(4)
        array([-1.3863,    -inf, -0.2877])
        >>> d.sample((4,), seed=0).dtype
        dtype('int64')
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    _param_forms = (("probs", "logits"),)
    _infinite_params = frozenset({"logits"})
    _post_init_checks = frozenset({"probs", "logits"})  # the given values are checked by ``normalized``
    _index_values = True
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._init_params({"probs": probs, "logits": logits}, validate_args)

    _canonical = normalized

    def _event_shape_from(self, params: dict[str, Array]) -> tuple[int, ...]:
        for name, p in params.items():  # the one parameter given
            if p.shape[-1] == 0:
                raise ValueError(f"{type(self).__name__}: {name} must have at least one category")
        return ()

    @lazy_property
    def probs(self) -> Array:
        return self._ops.xp.exp(self.logits)  # the logits are normalized

    @lazy_property
    def logits(self) -> Array:
        probs = self.probs
        return self._ops.xlogy(self._ops.xp.ones_like(probs), probs)  # log(0) = -inf, without a warning

    @property
    def _param(self) -> Array:
        state = self.__dict__
        return state["logits"] if "logits" in state else state["probs"]

    @property
    def _num_events(self) -> int:
        return int(self._param.shape[-1])

    @property
    def param_shape(self) -> tuple[int, ...]:
        return tuple(self._param.shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        state = self.__dict__  # _param, inline: log_prob asks for the support on every call
        k = (state["logits"] if "logits" in state else state["probs"]).shape[-1]
        found = _SUPPORTS.get(k) if type(k) is int else None  # not a symbolic size (torch.compile's)
        if found is None:
            found = constraints.integer_interval(0, k - 1)
            if type(k) is int and len(_SUPPORTS) < 1024:
                _SUPPORTS[k] = found
        return found

    @property
    def mean(self) -> Array:
        return self._ops.xp.full(self._batch_shape, math.nan, dtype=self._dtype, device=self._device)

    variance = mean

    @property
    def mode(self) -> Array:
        xp = self._ops.xp
        return xp.asarray(xp.argmax(self.probs, axis=-1))  # an array, also for a batch shape () on NumPy

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        # the cached probabilities (kept for entropy, log_prob's neighbour in a training step): no softmax
        return self._ops.categorical(rng, self.logits, sample_shape + self._batch_shape, probs=self.probs)

    def _log_prob(self, value: Array) -> Array:
        return self._ops.take_last(self.logits, value)

    entropy = entropy_of

    def enumerate_support(self, expand: bool = True) -> Array:
        ops = self._ops
        values = ops.xp.arange(self._num_events, dtype=ops.index_dtype(), device=self._device)
        return self._enumerate_values(values, expand)


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Array:
    return kl_categorical(p, q)
