"""The one-hot categorical distribution, and its straight-through reparameterized variant."""

from __future__ import annotations

from typing import Any

from .. import constraints
from ..distribution import Distribution, lazy_property
from ..kl import register_kl
from .categorical import complement, entropy_of, kl_categorical, normalized

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]

Array = Any


class OneHotCategorical(Distribution):
    r"""Categorical distribution whose draws are one-hot vectors of length ``K``, with ``probs`` or ``logits``.

    .. math::
        P(X = e_k) = p_k = \frac{\exp(\ell_k)}{\sum_j \exp(\ell_j)}

    Args:
        probs: non-negative weights of shape ``batch_shape + (K,)``, normalized over the last axis.
        logits: unnormalized log-probabilities of the same shape (``-inf`` masks a category).
        validate_args: check parameters and values (default: the global switch, on).

    ``event_shape`` is ``(K,)``; draws are one-hot vectors in the parameters' floating dtype, drawn as indices
    (no temporary of draws x categories besides the draws themselves).

    Example:
        >>> import numpy as np
        >>> from arraydist import OneHotCategorical
        >>> d = OneHotCategorical(probs=np.array([1.0, 0.0, 3.0]))
        >>> d.event_shape, d.mean
        ((3,), array([0.25, 0.  , 0.75]))
        >>> d.log_prob(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])).round(4)
        array([-1.3863,    -inf])
        >>> d.sample((2,), seed=0).shape
        (2, 3)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    _param_forms = (("probs", "logits"),)
    _infinite_params = frozenset({"logits"})
    _post_init_checks = frozenset({"probs", "logits"})  # the given values are checked by ``normalized``
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._init_params({"probs": probs, "logits": logits}, validate_args)

    _canonical = normalized

    def _event_shape_from(self, params: dict[str, Array]) -> tuple[int, ...]:
        k = int(next(iter(params.values())).shape[-1])
        if k == 0:
            raise ValueError(f"{type(self).__name__}: {next(iter(params))} must have at least one category")
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

    @property
    def mean(self) -> Array:
        return self.probs

    @property
    def variance(self) -> Array:
        probs = self.probs
        return probs * complement(self._ops.xp, probs)

    @property
    def mode(self) -> Array:
        return self._one_hot(self._ops.xp.argmax(self.probs, axis=-1))

    def _one_hot(self, index: Array) -> Array:
        xp = self._ops.xp
        categories = xp.arange(self._event_shape[0], dtype=index.dtype, device=self._device)
        return xp.astype(xp.expand_dims(index, axis=-1) == categories, self._dtype)

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        shape = sample_shape + self._batch_shape
        return self._one_hot(self._ops.categorical(rng, self.logits, shape, probs=self.probs))  # cached, as entropy's

    def _log_prob(self, value: Array) -> Array:
        ops = self._ops
        return ops.take_last(self.logits, ops.cast(ops.xp.argmax(value, axis=-1), ops.index_dtype()))

    def entropy(self) -> Array:
        return entropy_of(self)

    def enumerate_support(self, expand: bool = True) -> Array:
        return self._enumerate_values(self._ops.eye(self._event_shape[0], self._dtype, self._device), expand)


class OneHotCategoricalStraightThrough(OneHotCategorical):
    r""":class:`OneHotCategorical` whose ``rsample`` passes the straight-through gradient (Bengio et al., 2013):
    the value is a one-hot draw :math:`x`, computed as :math:`x + (p - \operatorname{stop\_gradient}(p))`, so
    that :math:`\partial x / \partial p` is the identity.

    Example:
        >>> import numpy as np
        >>> from arraydist import OneHotCategoricalStraightThrough
        >>> d = OneHotCategoricalStraightThrough(logits=np.zeros(4))
        >>> d.has_rsample, d.rsample(seed=0).sum()
        (True, np.float64(1.0))
    """

    has_rsample = True

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        probs = self.probs
        return self._sample(sample_shape, rng) + (probs - self._ops.stop_gradient(probs))


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p: OneHotCategorical, q: OneHotCategorical) -> Array:
    return kl_categorical(p, q)
