"""``ComposeTransform``, the chain of transforms, and ``identity_transform``, the chain of none."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import constraints
from .._backend import ops_of
from .._shapes import as_shape
from ._base import Transform

__all__ = ["ComposeTransform", "identity_transform"]

Array = Any
Shape = tuple[int, ...]


class ComposeTransform(Transform):
    r"""The composition :math:`f_n \circ \dots \circ f_1` of ``parts`` (applied first to last).

    .. math::
        \log |\det J(x)| = \sum_i \log |\det J_{f_i}(x_{i-1})|

    each term summed over the event dimensions it lacks (a part of event rank 0 inside a chain of event rank 1
    has its log-determinant summed over the last dimension).

    Args:
        parts: the transforms, in the order they apply.
        cache_size: 0 or 1, given to every part (the parts cache; the intermediates of
            :meth:`log_abs_det_jacobian` are then free).

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import AffineTransform, ComposeTransform, ExpTransform
        >>> t = ComposeTransform([ExpTransform(), AffineTransform(1.0, 2.0)])
        >>> t(np.array([0.0]))
        array([3.])
        >>> t.inv(np.array([3.0]))
        array([0.])
    """

    _child_list = "parts"

    def __init__(self, parts: Sequence[Transform], cache_size: int = 0) -> None:
        super().__init__(cache_size)
        parts = list(parts)
        for i, p in enumerate(parts):
            if not isinstance(p, Transform):
                raise TypeError(f"ComposeTransform: parts[{i}] must be a Transform; got {type(p).__name__}")
        self.parts = [p.with_cache(cache_size) for p in parts] if cache_size else parts

    @property
    def domain(self) -> Any:  # type: ignore[override]
        if not self.parts:
            return constraints.real
        domain = self.parts[0].domain
        # the chain's event rank: as large as any part needs, counted back to the input
        rank = self.parts[-1].codomain.event_dim
        for part in reversed(self.parts):
            rank = max(rank + part.domain.event_dim - part.codomain.event_dim, part.domain.event_dim)
        return constraints.independent(domain, rank - domain.event_dim) if rank > domain.event_dim else domain

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        if not self.parts:
            return constraints.real
        codomain = self.parts[-1].codomain
        rank = self.parts[0].domain.event_dim
        for part in self.parts:
            rank = max(rank + part.codomain.event_dim - part.domain.event_dim, part.codomain.event_dim)
        return constraints.independent(codomain, rank - codomain.event_dim) if rank > codomain.event_dim else codomain

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(p.bijective for p in self.parts)

    @property
    def sign(self) -> Any:
        sign: Any = 1
        for p in self.parts:
            sign = sign * p.sign
        return sign

    def _make_inverse(self) -> Transform:
        inv = ComposeTransform([p.inv for p in reversed(self.parts)])
        inv._inv = self
        return inv

    def __call__(self, x: Any) -> Array:
        for part in self.parts:
            x = part(x)
        return x if self.parts else self._value(x)

    def _inv_call(self, y: Any) -> Array:
        return self.inv(y)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        if not self.parts:
            x = self._value(x)
            return ops_of(x).xp.zeros_like(x)
        xs = [x]
        for part in self.parts[:-1]:
            xs.append(part(xs[-1]))  # free where the parts cache
        xs.append(y)
        rank = self._event_ranks()[0]
        total = None
        for part, a, b in zip(self.parts, xs[:-1], xs[1:]):
            domain, codomain = part._event_ranks()
            term = part.log_abs_det_jacobian(a, b)
            if rank > domain:
                term = ops_of(term).sum_rightmost(term, rank - domain)
            total = term if total is None else total + term
            rank += codomain - domain
        return total

    def forward_shape(self, shape: Sequence[int]) -> Shape:
        shape = as_shape(shape, "shape")
        for part in self.parts:
            shape = part.forward_shape(shape)
        return shape

    def inverse_shape(self, shape: Sequence[int]) -> Shape:
        shape = as_shape(shape, "shape")
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return shape

    def _child_ndims(self, ndim: int) -> tuple[int, ...]:
        out = []
        for part in self.parts:
            out.append(ndim)
            domain, codomain = part._event_ranks()
            ndim += codomain - domain
        return tuple(out)

    def __repr__(self) -> str:
        extra = f", cache_size={self._cache_size}" if self._cache_size else ""
        return f"ComposeTransform([{', '.join(repr(p) for p in self.parts)}]{extra})"


#: the identity map (a composition of no transforms), as in torch.distributions
identity_transform = ComposeTransform([])
