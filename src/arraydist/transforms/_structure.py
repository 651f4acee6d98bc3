r"""Transforms that arrange others or reshape events: :class:`IndependentTransform`, :class:`ReshapeTransform`,
:class:`CatTransform`, :class:`StackTransform`, and :class:`CumulativeDistributionTransform` (a distribution's
CDF as a map onto the unit interval).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

from .. import constraints
from .._backend import ops_of
from .._shapes import as_shape
from .._structured_constraints import narrow, select, stacked_within_event
from ._base import Transform

__all__ = [
    "CatTransform",
    "CumulativeDistributionTransform",
    "IndependentTransform",
    "ReshapeTransform",
    "StackTransform",
]

Array = Any
Shape = tuple[int, ...]


def _count(n: Any, owner: str, name: str) -> int:
    """A non-negative int argument (ints of any library), else a ``TypeError`` / ``ValueError`` naming it."""
    if isinstance(n, bool):
        raise TypeError(f"{owner}: {name} must be an int; got {n!r}")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{owner}: {name} must be an int; got {n!r}") from None
    if n < 0:
        raise ValueError(f"{owner}: {name} must be >= 0; got {n}")
    return n


def _transform_list(tseq: Any, owner: str) -> list[Transform]:
    tseq = list(tseq)
    if not tseq:
        raise ValueError(f"{owner}: needs at least one transform")
    for i, t in enumerate(tseq):
        if not isinstance(t, Transform):
            raise TypeError(f"{owner}: tseq[{i}] must be a Transform; got {type(t).__name__}")
    return tseq


def _dim(dim: Any, owner: str) -> int:
    if isinstance(dim, bool):
        raise TypeError(f"{owner}: dim must be an int; got {dim!r}")
    try:
        return operator.index(dim)
    except TypeError:
        raise TypeError(f"{owner}: dim must be an int; got {dim!r}") from None


def _axis(owner: Transform, dim: int, x: Array, size: int, what: str) -> int:
    """``dim`` as a negative axis of ``x``, checked to exist and to hold ``size`` entries."""
    shape = tuple(x.shape)
    if not -len(shape) <= dim < len(shape):
        raise ValueError(f"{type(owner).__name__}: dim {dim} is out of range for {what} of shape {shape}")
    axis = dim - len(shape) if dim >= 0 else dim
    if shape[axis] != size:
        raise ValueError(
            f"{type(owner).__name__}: expected {size} entries along dim {dim}; got {what} of shape {shape}"
        )
    return axis


class IndependentTransform(Transform):
    r"""``base_transform`` with ``reinterpreted_batch_ndims`` more of the rightmost dimensions in its event: the
    map is the same, the log-determinant is summed over those dimensions.

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import ExpTransform, IndependentTransform
        >>> t = IndependentTransform(ExpTransform(), 1)
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0]])
        >>> t.log_abs_det_jacobian(x, t(x))
        array([1., 5.])
    """

    _child_names = ("base_transform",)
    _static_names = ("reinterpreted_batch_ndims",)

    def __init__(self, base_transform: Transform, reinterpreted_batch_ndims: int, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        if not isinstance(base_transform, Transform):
            raise TypeError(f"IndependentTransform: base_transform must be a Transform; got {type(base_transform)}")
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = _count(
            reinterpreted_batch_ndims, "IndependentTransform", "reinterpreted_batch_ndims"
        )

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return constraints.independent(self.base_transform.domain, self.reinterpreted_batch_ndims)

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return constraints.independent(self.base_transform.codomain, self.reinterpreted_batch_ndims)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return self.base_transform.bijective

    @property
    def sign(self) -> Any:
        return self.base_transform.sign

    def _check_rank(self, x: Array, rank: int) -> None:
        if x.ndim < rank:
            raise ValueError(
                f"IndependentTransform: a value of shape {tuple(x.shape)} has fewer than the {rank} dimensions "
                "of an event"
            )

    def _call(self, x: Array) -> Array:
        self._check_rank(x, self._event_ranks()[0])
        return self.base_transform(x)

    def _inverse(self, y: Array) -> Array:
        self._check_rank(y, self._event_ranks()[1])
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        result = self.base_transform.log_abs_det_jacobian(x, y)
        return ops_of(result).sum_rightmost(result, self.reinterpreted_batch_ndims)

    def forward_shape(self, shape: Sequence[int]) -> Shape:
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape: Sequence[int]) -> Shape:
        return self.base_transform.inverse_shape(shape)

    def __repr__(self) -> str:
        extra = f", cache_size={self._cache_size}" if self._cache_size else ""
        return f"IndependentTransform({self.base_transform!r}, {self.reinterpreted_batch_ndims}{extra})"


class ReshapeTransform(Transform):
    r"""Reshapes the rightmost dimensions from ``in_shape`` to ``out_shape`` (C order); the log-determinant is 0.

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import ReshapeTransform
        >>> t = ReshapeTransform((2, 3), (6,))
        >>> t(np.zeros((4, 2, 3))).shape
        (4, 6)
        >>> t.log_abs_det_jacobian(np.zeros((4, 2, 3)), np.zeros((4, 6))).shape
        (4,)
    """

    bijective = True
    _static_names = ("in_shape", "out_shape")

    def __init__(self, in_shape: Sequence[int], out_shape: Sequence[int], cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.in_shape = as_shape(in_shape, "ReshapeTransform: in_shape")
        self.out_shape = as_shape(out_shape, "ReshapeTransform: out_shape")
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError(
                f"ReshapeTransform: in_shape {self.in_shape} ({math.prod(self.in_shape)} elements) and out_shape "
                f"{self.out_shape} ({math.prod(self.out_shape)} elements) must have as many elements"
            )

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return constraints.independent(constraints.real, len(self.in_shape))

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return constraints.independent(constraints.real, len(self.out_shape))

    def _batch(self, shape: Shape, event: Shape, what: str) -> Shape:
        cut = len(shape) - len(event)
        if cut < 0 or shape[cut:] != event:
            raise ValueError(f"ReshapeTransform: {what} of shape {shape} does not end in the event shape {event}")
        return shape[:cut]

    def _call(self, x: Array) -> Array:
        batch = self._batch(tuple(x.shape), self.in_shape, "a value")
        return ops_of(x).xp.reshape(x, batch + self.out_shape)

    def _inverse(self, y: Array) -> Array:
        batch = self._batch(tuple(y.shape), self.out_shape, "a value")
        return ops_of(y).xp.reshape(y, batch + self.in_shape)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        x = self._value(x)
        ops = ops_of(x)
        batch = self._batch(tuple(x.shape), self.in_shape, "x")
        return ops.xp.zeros(batch, dtype=x.dtype, device=ops.device(x))

    def forward_shape(self, shape: Sequence[int]) -> Shape:
        return self._batch(as_shape(shape, "shape"), self.in_shape, "a shape") + self.out_shape

    def inverse_shape(self, shape: Sequence[int]) -> Shape:
        return self._batch(as_shape(shape, "shape"), self.out_shape, "a shape") + self.in_shape

    def _repr_args(self) -> list[str]:
        return [f"in_shape={self.in_shape}", f"out_shape={self.out_shape}", *super()._repr_args()]


class CatTransform(Transform):
    r"""``tseq[i]`` applied to the ``i``-th block of ``lengths[i]`` entries along ``dim``, the results
    concatenated (as ``concat`` of the blocks).

    The event rank is the largest of the parts'; a part of a smaller rank has its log-determinant summed over the
    dimensions it lacks; blocks along a batch dimension give log-determinants side by side, blocks along an event
    dimension their sum.

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import CatTransform, ExpTransform, identity_transform
        >>> t = CatTransform([ExpTransform(), identity_transform], dim=-1, lengths=[1, 2])
        >>> t(np.array([0.0, 5.0, 6.0]))
        array([1., 5., 6.])
    """

    _child_list = "transforms"
    _static_names = ("dim", "lengths")

    def __init__(
        self, tseq: Sequence[Transform], dim: int = 0, lengths: Sequence[int] | None = None, cache_size: int = 0
    ) -> None:
        super().__init__(cache_size)
        tseq = _transform_list(tseq, "CatTransform")
        self.transforms = [t.with_cache(cache_size) for t in tseq] if cache_size else tseq
        self.dim = _dim(dim, "CatTransform")
        if lengths is None:
            lengths = [1] * len(tseq)
        lengths = tuple(_count(n, "CatTransform", "lengths") for n in lengths)
        if len(lengths) != len(tseq):
            raise ValueError(f"CatTransform: {len(lengths)} lengths for {len(tseq)} transforms; give one per transform")
        self.lengths = lengths

    @property
    def event_dim(self) -> int:
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self) -> int:
        return sum(self.lengths)

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return constraints.cat([t.domain for t in self.transforms], self.dim, list(self.lengths))

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return constraints.cat([t.codomain for t in self.transforms], self.dim, list(self.lengths))

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    def _map(self, x: Any, inverse: bool) -> Array:
        x = self._value(x)
        axis = _axis(self, self.dim, x, self.length, "a value")
        out, start = [], 0
        for t, n in zip(self.transforms, self.lengths):
            block = narrow(x, axis, start, n)
            out.append(t.inv(block) if inverse else t(block))
            start += n
        return ops_of(x).xp.concat(out, axis=axis)

    def _call(self, x: Array) -> Array:
        return self._map(x, False)

    def _inverse(self, y: Array) -> Array:
        return self._map(y, True)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        x, y = self._value(x), self._value(y)
        axis = _axis(self, self.dim, x, self.length, "x")
        _axis(self, self.dim, y, self.length, "y")
        m = self.event_dim
        terms, start = [], 0
        for t, n in zip(self.transforms, self.lengths):
            term = t.log_abs_det_jacobian(narrow(x, axis, start, n), narrow(y, axis, start, n))
            terms.append(ops_of(term).sum_rightmost(term, m - t.event_dim))
            start += n
        if axis + m < 0:  # the blocks lie along a batch dimension
            return ops_of(terms[0]).xp.concat(terms, axis=axis + m)
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    def _repr_args(self) -> list[str]:
        return [repr(self.transforms), f"dim={self.dim}", f"lengths={list(self.lengths)}", *super()._repr_args()]


class StackTransform(Transform):
    r"""``tseq[i]`` applied to the ``i``-th entry along ``dim``, the results stacked (as ``stack``).

    A negative ``dim`` within the parts' events makes the stacked dimension part of the event: the
    log-determinants are summed; otherwise (and for ``dim >= 0``) it is a batch dimension and they are stacked
    (see :class:`~arraydist.constraints.Stack`).

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import ExpTransform, StackTransform, identity_transform
        >>> t = StackTransform([ExpTransform(), identity_transform], dim=-1)
        >>> t(np.array([[0.0, 5.0]]))
        array([[1., 5.]])
    """

    _child_list = "transforms"
    _static_names = ("dim",)

    def __init__(self, tseq: Sequence[Transform], dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        tseq = _transform_list(tseq, "StackTransform")
        self.transforms = [t.with_cache(cache_size) for t in tseq] if cache_size else tseq
        self.dim = _dim(dim, "StackTransform")

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return constraints.stack([t.codomain for t in self.transforms], self.dim)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    def _map(self, x: Any, inverse: bool) -> Array:
        x = self._value(x)
        axis = _axis(self, self.dim, x, len(self.transforms), "a value")
        out = [(t.inv if inverse else t)(select(x, axis, i)) for i, t in enumerate(self.transforms)]
        return ops_of(x).xp.stack(out, axis=axis)

    def _call(self, x: Array) -> Array:
        return self._map(x, False)

    def _inverse(self, y: Array) -> Array:
        return self._map(y, True)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        x, y = self._value(x), self._value(y)
        axis = _axis(self, self.dim, x, len(self.transforms), "x")
        _axis(self, self.dim, y, len(self.transforms), "y")
        m = max(t.domain.event_dim for t in self.transforms)
        inside = stacked_within_event(self.dim, m)
        if not inside and axis + m + 1 > 0:
            raise ValueError(
                f"StackTransform: dim {self.dim} of a value of shape {tuple(x.shape)} falls within the parts' {m} "
                "event dimensions; write it as a negative dim"
            )
        terms = []
        for i, t in enumerate(self.transforms):
            term = t.log_abs_det_jacobian(select(x, axis, i), select(y, axis, i))
            terms.append(ops_of(term).sum_rightmost(term, m - t.domain.event_dim))
        if inside:
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            return total
        return ops_of(terms[0]).xp.stack(terms, axis=axis + m)

    def _child_ndims(self, ndim: int) -> tuple[int, ...]:
        # the parts see the value without the stacked dimension: one fewer non-batch dimension when it is one
        inner = ndim - 1 if self.dim < 0 and -self.dim <= ndim else ndim
        return (inner,) * len(self.transforms)

    def _repr_args(self) -> list[str]:
        return [repr(self.transforms), f"dim={self.dim}", *super()._repr_args()]


class CumulativeDistributionTransform(Transform):
    r"""The CDF of ``distribution`` as a map onto the unit interval: :math:`y = F(x)`,
    :math:`x = F^{-1}(y)`, :math:`\log |dy/dx| = \log p(x)` (a copula's building block).

    Args:
        distribution: an arraydist distribution with ``cdf`` (and ``icdf`` for the inverse) whose support is
            the domain.
        cache_size: 0 or 1.

    Example:
        >>> import numpy as np
        >>> from arraydist import Normal
        >>> from arraydist.transforms import CumulativeDistributionTransform
        >>> t = CumulativeDistributionTransform(Normal(0.0, 1.0))
        >>> t(np.array([0.0]))
        array([0.5])
    """

    bijective = True
    codomain = constraints.unit_interval
    sign = 1
    _child_names = ("distribution",)

    def __init__(self, distribution: Any, cache_size: int = 0) -> None:
        from ..distribution import Distribution  # the distributions build on transforms, not the reverse

        super().__init__(cache_size)
        if not isinstance(distribution, Distribution):
            raise TypeError(
                "CumulativeDistributionTransform: distribution must be an arraydist Distribution; got "
                f"{type(distribution).__module__}.{type(distribution).__qualname__}"
            )
        self.distribution = distribution

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return self.distribution.support

    def _call(self, x: Array) -> Array:
        return self.distribution.cdf(x)

    def _inverse(self, y: Array) -> Array:
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        return self.distribution.log_prob(self._value(x))

    def __repr__(self) -> str:
        extra = f", cache_size={self._cache_size}" if self._cache_size else ""
        return f"CumulativeDistributionTransform({self.distribution!r}{extra})"
