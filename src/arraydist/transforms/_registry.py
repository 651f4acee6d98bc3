r"""``biject_to`` and ``transform_to``: from a constraint to a transform whose codomain it is.

``biject_to(c)`` is a bijection from the unconstrained space (real numbers of the event's rank) onto ``c``, for
HMC-like algorithms that need the log-determinant; ``transform_to(c)`` is a map onto ``c`` that may not be
bijective (``SoftmaxTransform`` for the simplex), for optimization.  Both are looked up by the constraint's
class, as in torch.distributions, and take new entries with :meth:`ConstraintRegistry.register`.

Example:
    >>> import numpy as np
    >>> from arraydist import constraints
    >>> from arraydist.transforms import biject_to
    >>> t = biject_to(constraints.interval(-1.0, 3.0))
    >>> t(np.array([0.0]))
    array([1.])
    >>> bool(constraints.interval(-1.0, 3.0).check(t(np.array([-50.0, 50.0]))).all())
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import constraints
from ._base import Transform
from ._compose import ComposeTransform, identity_transform
from ._elementwise import AffineTransform, ExpTransform, SigmoidTransform
from ._matrix import CorrCholeskyTransform, LowerCholeskyTransform, PositiveDefiniteTransform
from ._simplex import SoftmaxTransform, StickBreakingTransform
from ._structure import CatTransform, IndependentTransform, StackTransform

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]

Factory = Callable[[Any], Transform]


class ConstraintRegistry:
    """Constraint classes to factories of transforms onto them.

    Example:
        >>> from arraydist import constraints
        >>> from arraydist.transforms import ConstraintRegistry, ExpTransform
        >>> registry = ConstraintRegistry()
        >>> @registry.register(constraints.positive)
        ... def _(constraint):
        ...     return ExpTransform()
        >>> registry(constraints.positive)
        ExpTransform()
    """

    def __init__(self, name: str = "registry") -> None:
        self._name = name
        self._registry: dict[type, Factory] = {}

    def register(self, constraint: Any, factory: Factory | None = None) -> Any:
        """Register ``factory`` (a callable from a constraint to a :class:`Transform`) for ``constraint``'s class
        (a ``Constraint`` subclass, or an instance standing for its class); without ``factory``, a decorator."""
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not isinstance(constraint, type) or not issubclass(constraint, constraints.Constraint):
            raise TypeError(
                f"{self._name}.register: expected a Constraint subclass or instance; got {constraint!r:.80}"
            )
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if not callable(factory):
            raise TypeError(f"{self._name}.register: the factory must be callable; got {factory!r:.80}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint: Any) -> Transform:
        """The transform onto ``constraint``; ``NotImplementedError`` for a class nothing was registered for."""
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            raise NotImplementedError(
                f"{self._name}: no transform is registered for {type(constraint).__name__} constraints "
                f"({constraint!r:.80})"
            ) from None
        return factory(constraint)


biject_to = ConstraintRegistry("biject_to")
transform_to = ConstraintRegistry("transform_to")


def _is(value: Any, number: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == number


@biject_to.register(constraints.real)
@transform_to.register(constraints.real)
def _to_real(constraint: Any) -> Transform:
    return identity_transform


@biject_to.register(constraints.independent)
def _biject_to_independent(constraint: Any) -> Transform:
    return IndependentTransform(biject_to(constraint.base_constraint), constraint.reinterpreted_batch_ndims)


@transform_to.register(constraints.independent)
def _transform_to_independent(constraint: Any) -> Transform:
    return IndependentTransform(transform_to(constraint.base_constraint), constraint.reinterpreted_batch_ndims)


@biject_to.register(constraints.greater_than)
@biject_to.register(constraints.greater_than_eq)
@transform_to.register(constraints.greater_than)
@transform_to.register(constraints.greater_than_eq)
def _to_greater_than(constraint: Any) -> Transform:
    if _is(constraint.lower_bound, 0.0):
        return ExpTransform()
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.lower_bound, 1.0)])


@biject_to.register(constraints.less_than)
@transform_to.register(constraints.less_than)
def _to_less_than(constraint: Any) -> Transform:
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.upper_bound, -1.0)])


@biject_to.register(constraints.interval)
@biject_to.register(constraints.half_open_interval)
@transform_to.register(constraints.interval)
@transform_to.register(constraints.half_open_interval)
def _to_interval(constraint: Any) -> Transform:
    low, high = constraint.lower_bound, constraint.upper_bound
    if _is(low, 0.0) and _is(high, 1.0):
        return SigmoidTransform()
    return ComposeTransform([SigmoidTransform(), AffineTransform(low, high - low)])


@biject_to.register(constraints.simplex)
def _biject_to_simplex(constraint: Any) -> Transform:
    return StickBreakingTransform()


@transform_to.register(constraints.simplex)
def _transform_to_simplex(constraint: Any) -> Transform:
    return SoftmaxTransform()


@transform_to.register(constraints.lower_cholesky)
def _transform_to_lower_cholesky(constraint: Any) -> Transform:
    return LowerCholeskyTransform()


@transform_to.register(constraints.positive_definite)
@transform_to.register(constraints.positive_semidefinite)
def _transform_to_positive_definite(constraint: Any) -> Transform:
    return PositiveDefiniteTransform()


@biject_to.register(constraints.corr_cholesky)
@transform_to.register(constraints.corr_cholesky)
def _to_corr_cholesky(constraint: Any) -> Transform:
    return CorrCholeskyTransform()


@biject_to.register(constraints.cat)
def _biject_to_cat(constraint: Any) -> Transform:
    return CatTransform([biject_to(c) for c in constraint.cseq], constraint.dim, constraint.lengths)


@transform_to.register(constraints.cat)
def _transform_to_cat(constraint: Any) -> Transform:
    return CatTransform([transform_to(c) for c in constraint.cseq], constraint.dim, constraint.lengths)


@biject_to.register(constraints.stack)
def _biject_to_stack(constraint: Any) -> Transform:
    return StackTransform([biject_to(c) for c in constraint.cseq], constraint.dim)


@transform_to.register(constraints.stack)
def _transform_to_stack(constraint: Any) -> Transform:
    return StackTransform([transform_to(c) for c in constraint.cseq], constraint.dim)
