"""``Independent``: reinterpret batch dimensions of a distribution as event dimensions."""

from __future__ import annotations

import operator
from typing import Any

from .. import constraints
from ..distribution import Distribution, _not_implemented
from ..kl import kl_divergence, register_kl

__all__ = ["Independent"]

Array = Any


class Independent(Distribution):
    r"""Reinterprets the rightmost ``reinterpreted_batch_ndims`` batch dimensions of ``base_distribution``
    as event dimensions.

    .. math::
        \log p(x) = \sum_{i \in \text{reinterpreted dims}} \log p_{\text{base}}(x_i)

    Args:
        base_distribution: the distribution whose batch dimensions become event dimensions.
        reinterpreted_batch_ndims: how many of its rightmost batch dimensions to reinterpret.
        validate_args: check values (default: the base distribution's setting).

    Draws are the base distribution's; only the split of their shape between batch and event changes.

    Example:
        >>> import numpy as np
        >>> from arraydist import Independent, Normal
        >>> normal = Normal(np.zeros((3, 2)), np.sqrt(0.1))
        >>> normal.batch_shape, normal.event_shape
        ((3, 2), ())
        >>> d = Independent(normal, 1)
        >>> d.batch_shape, d.event_shape
        ((3,), (2,))
        >>> d.log_prob(np.zeros((3, 2))).shape
        (3,)
    """

    arg_constraints: dict[str, constraints.Constraint] = {}
    _parts = ("base_dist",)
    _static_params = ("reinterpreted_batch_ndims",)

    base_dist: Distribution
    reinterpreted_batch_ndims: int

    def __init__(
        self, base_distribution: Distribution, reinterpreted_batch_ndims: int, validate_args: bool | None = None
    ) -> None:
        if not isinstance(base_distribution, Distribution):
            raise TypeError(
                f"Independent: base_distribution must be an arraydist Distribution, got "
                f"{type(base_distribution).__module__}.{type(base_distribution).__qualname__}"
            )
        n = reinterpreted_batch_ndims
        try:
            n = -1 if isinstance(n, bool) else operator.index(n)  # integer scalars of any library
        except TypeError:
            n = -1
        if n < 0:
            raise ValueError(
                f"Independent: reinterpreted_batch_ndims must be an int >= 0, got {reinterpreted_batch_ndims!r}"
            )
        batch = base_distribution.batch_shape
        if n > len(batch):
            raise ValueError(
                f"Independent: reinterpreted_batch_ndims={n} exceeds the {len(batch)} batch dimension(s) of "
                f"{type(base_distribution).__name__} with batch_shape {batch}"
            )
        self.reinterpreted_batch_ndims = n
        self._init_parts({"base_dist": base_distribution}, validate_args)

    def _part_shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        base = self.base_dist
        cut = len(base.batch_shape) - self.reinterpreted_batch_ndims
        shape = base.batch_shape + base.event_shape
        return shape[:cut], shape[cut:]

    def _part_layout(self, extra: int) -> list[tuple[int, bool]]:
        return [(extra + self.reinterpreted_batch_ndims, False)]  # the base's batch ends in the reinterpreted dims

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:  # type: ignore[override]
        return False if self.reinterpreted_batch_ndims else self.base_dist.has_enumerate_support

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.independent(self.base_dist.support, self.reinterpreted_batch_ndims)

    @property
    def mean(self) -> Array:
        return self.base_dist.mean

    @property
    def mode(self) -> Array:
        return self.base_dist.mode

    @property
    def variance(self) -> Array:
        return self.base_dist.variance

    @property
    def stddev(self) -> Array:
        return self.base_dist.stddev

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        if not self.base_dist.has_rsample:
            raise _not_implemented(self, "rsample (its base distribution has no reparameterized sampler)")
        return self.base_dist._rsample(sample_shape, rng)

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        return self.base_dist._sample(sample_shape, rng)

    def _log_prob(self, value: Array) -> Array:
        return self._ops.sum_rightmost(self.base_dist._log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Array:
        return self._ops.sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def _repr_params(self) -> list[str]:
        return [f"{self.base_dist!r}", f"reinterpreted_batch_ndims={self.reinterpreted_batch_ndims}"]


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Array:
    r""":math:`\sum` over the reinterpreted dimensions of the base distributions' KL."""
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            "kl_divergence(Independent, Independent) with different reinterpreted_batch_ndims "
            f"({p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims})"
        )
    if p.event_shape != q.event_shape:
        raise ValueError(
            f"kl_divergence(Independent, Independent): event shapes {p.event_shape} and {q.event_shape} differ"
        )
    return p._ops.sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)
