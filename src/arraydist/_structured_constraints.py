"""Constraints on whole events: vectors (the simplex, one-hot vectors, multinomial counts), matrices (lower
triangular, Cholesky factors, symmetric, positive (semi-)definite, square) and the ``cat`` / ``stack`` functors,
which apply a constraint per block of a dimension.

Part of :mod:`arraydist.constraints`, which re-exports every public name; kept apart for the size of the module.

>>> import numpy as np
>>> from arraydist import constraints
>>> constraints.corr_cholesky.check(np.array([[1.0, 0.0], [0.6, 0.8]]))
np.True_
>>> c = constraints.cat([constraints.positive, constraints.real], dim=-1, lengths=[2, 1])
>>> c.check(np.array([[1.0, 2.0, -3.0], [1.0, -2.0, -3.0]]))
array([[ True,  True,  True],
       [ True, False,  True]])
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from typing import Any

from .constraints import Constraint, _bound, _Dependent, _ops, _per_member, _whole


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value: Any) -> Any:
        xp = _ops(value).xp
        tol = 1e-6
        if xp.isdtype(value.dtype, "real floating"):  # a half-precision vector sums to 1 only to its own rounding
            tol = max(tol, 2 * value.shape[-1] * float(xp.finfo(value.dtype).eps))
        return xp.all(value >= 0, axis=-1) & (xp.abs(xp.sum(value, axis=-1) - 1) < tol)

    def describe(self) -> str:
        return "a simplex (non-negative, summing to 1 over the last dim)"


class _OneHot(Constraint):
    """Vectors of zeros with a single one (the support of ``OneHotCategorical``)."""

    is_discrete = True
    event_dim = 1

    def check(self, value: Any) -> Any:
        xp = _ops(value).xp
        return xp.all((value == 0) | (value == 1), axis=-1) & (xp.sum(value, axis=-1) == 1)

    def describe(self) -> str:
        return "one-hot vectors (zeros and a single one over the last dim)"


class _Multinomial(Constraint):
    """Vectors of non-negative integers summing to at most ``upper_bound`` (torch's ``multinomial``), or to
    exactly ``upper_bound`` with ``exact=True`` (the support of ``Multinomial``: other counts have mass 0)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound: Any, exact: bool = False) -> None:
        self.upper_bound = upper_bound
        self.exact = exact

    def check(self, value: Any) -> Any:
        xp = _ops(value).xp
        counts = xp.all(_whole(value) & (value >= 0), axis=-1)
        total = xp.sum(value, axis=-1)
        return counts & ((total == self.upper_bound) if self.exact else (total <= self.upper_bound))

    def describe(self) -> str:
        how = "exactly" if self.exact else "at most"
        bound = self.upper_bound
        return f"counts (non-negative integers over the last dim) summing to {how} {_bound(bound)}{_per_member(bound)}"

    def __repr__(self) -> str:
        extra = ", exact=True" if self.exact else ""
        return f"Multinomial(upper_bound={_bound(self.upper_bound)}{extra})"


class _LowerTriangular(Constraint):
    """Square matrices with zeros above the diagonal."""

    event_dim = 2
    square = True

    def check(self, value: Any) -> Any:
        ops = _ops(value)
        xp = ops.xp
        return xp.all(xp.all(ops.tril(value) == value, axis=-1), axis=-1)

    def describe(self) -> str:
        return "lower triangular (zeros above the diagonal)"


class _LowerCholesky(_LowerTriangular):
    def check(self, value: Any) -> Any:
        ops = _ops(value)
        return super().check(value) & ops.xp.all(ops.diagonal(value) > 0, axis=-1)

    def describe(self) -> str:
        return "lower triangular with a positive diagonal"


class _CorrCholesky(_LowerCholesky):
    """Cholesky factors of correlation matrices: lower triangular, a positive diagonal and rows of unit norm (to
    ``10 n eps``, as torch.distributions allows)."""

    def check(self, value: Any) -> Any:
        xp = _ops(value).xp
        tol = 10 * value.shape[-1] * _eps(xp, value.dtype)
        norm = xp.sqrt(xp.sum(value * value, axis=-1))
        return super().check(value) & xp.all(xp.abs(norm - 1) <= tol, axis=-1)

    def describe(self) -> str:
        return "a Cholesky factor of a correlation matrix (lower triangular, positive diagonal, rows of norm 1)"


class _Square(Constraint):
    """Matrices with as many rows as columns (a statement about the shape: every member or none)."""

    event_dim = 2
    square = True

    def check(self, value: Any) -> Any:
        xp = _ops(value).xp
        shape = tuple(value.shape)
        return xp.full(shape[:-2], shape[-2] == shape[-1], dtype=xp.bool, device=_device(value))

    def describe(self) -> str:
        return "square matrices"


class _Symmetric(_Square):
    """Square matrices equal to their transpose, to 16 eps of their largest entry."""

    def check(self, value: Any) -> Any:
        if value.shape[-2] != value.shape[-1]:
            return _Square.check(self, value)
        return _ops(value).is_symmetric(value)

    def describe(self) -> str:
        return "symmetric matrices"


class _PositiveSemidefinite(_Symmetric):
    """Symmetric matrices without negative eigenvalues, beyond a rounding of ``10 n eps`` of the largest one
    (``v v^T`` computed in floating point has eigenvalues of about ``-eps``; torch.distributions rejects those)."""

    def check(self, value: Any) -> Any:
        symmetric = super().check(value)
        if value.shape[-2] != value.shape[-1]:
            return symmetric
        xp = _ops(value).xp
        eig = xp.linalg.eigvalsh((value + xp.linalg.matrix_transpose(value)) / 2)
        tol = 10 * value.shape[-1] * _eps(xp, eig.dtype) * xp.max(xp.abs(eig), axis=-1)
        return symmetric & (xp.min(eig, axis=-1) >= -tol)

    def describe(self) -> str:
        return "symmetric positive semi-definite"


class _PositiveDefinite(_Symmetric):
    def check(self, value: Any) -> Any:
        if value.shape[-2] != value.shape[-1]:
            return _Square.check(self, value)
        return _ops(value).is_positive_definite(value)

    def describe(self) -> str:
        return "symmetric positive definite"


class Cat(Constraint):
    """``cseq[i]`` on the ``i``-th block of ``lengths[i]`` entries along ``dim`` (as the blocks of a
    concatenation).  Its event rank is the largest of ``cseq``'s; a block of a smaller event rank is checked as
    a whole over the extra dimensions.

    Example:
        >>> import numpy as np
        >>> from arraydist import constraints
        >>> c = constraints.cat([constraints.simplex, constraints.positive], dim=-1, lengths=[2, 1])
        >>> c.event_dim, c.check(np.array([[0.5, 0.5, 3.0], [0.5, 0.6, 3.0]]))
        (1, array([ True, False]))
    """

    def __init__(self, cseq: Sequence[Constraint], dim: int = 0, lengths: Sequence[int] | None = None) -> None:
        self.cseq = _constraint_list(cseq, "cat")
        self.dim = _int(dim, "cat", "dim")
        lengths = [1] * len(self.cseq) if lengths is None else [_int(n, "cat", "lengths") for n in lengths]
        if len(lengths) != len(self.cseq) or any(n < 0 for n in lengths):
            raise ValueError(
                f"cat: lengths must be {len(self.cseq)} non-negative ints, one per constraint; got {lengths}"
            )
        self.lengths = lengths

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return max(c.event_dim for c in self.cseq)

    def check(self, value: Any) -> Any:
        xp = _ops(value).xp
        axis = _axis(self.dim, value, sum(self.lengths), self)
        m = self.event_dim
        parts, start = [], 0
        for c, n in zip(self.cseq, self.lengths):
            parts.append(_all_rightmost(xp, c.check(narrow(value, axis, start, n)), m - c.event_dim))
            start += n
        if axis + m < 0:  # a batch dimension: the blocks' verdicts side by side
            return xp.concat(parts, axis=axis + m)
        return functools.reduce(operator.and_, parts)  # a dimension of the event: every block must hold

    def describe(self) -> str:
        blocks = ", ".join(f"{n} x {c.describe()}" for c, n in zip(self.cseq, self.lengths))
        return f"blocks along dim {self.dim}: {blocks}"

    def __repr__(self) -> str:
        return f"Cat({self.cseq!r}, dim={self.dim}, lengths={self.lengths})"


class Stack(Constraint):
    """``cseq[i]`` on the ``i``-th entry along ``dim`` (as the parts of a stack).  A negative ``dim`` within the
    parts' events (``dim >= -max(event_dim)``) makes the stacked dimension part of the event (rank
    ``max(event_dim) + 1``); otherwise, and for ``dim >= 0``, it is a batch dimension (torch.distributions counts
    ``dim = -1`` over scalar parts as an event dimension, though its ``check`` and its ``StackTransform``'s
    log-determinant keep that dimension).

    Example:
        >>> import numpy as np
        >>> from arraydist import constraints
        >>> c = constraints.stack([constraints.positive, constraints.unit_interval], dim=-1)
        >>> c.event_dim, c.check(np.array([[1.0, 0.5], [1.0, 2.0]]))
        (0, array([[ True,  True],
               [ True, False]]))
    """

    def __init__(self, cseq: Sequence[Constraint], dim: int = 0) -> None:
        self.cseq = _constraint_list(cseq, "stack")
        self.dim = _int(dim, "stack", "dim")

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(c.is_discrete for c in self.cseq)

    @property
    def _part_event_dim(self) -> int:
        return max(c.event_dim for c in self.cseq)

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        m = self._part_event_dim
        return m + 1 if stacked_within_event(self.dim, m) else m

    def check(self, value: Any) -> Any:
        xp = _ops(value).xp
        axis = _axis(self.dim, value, len(self.cseq), self)
        m = self._part_event_dim
        inside = stacked_within_event(self.dim, m)
        if not inside and axis + m + 1 > 0:
            raise ValueError(
                f"{self!r}: dim {self.dim} of a value of shape {tuple(value.shape)} falls within the parts' "
                f"{m} event dimensions; write it as a negative dim"
            )
        parts = [_all_rightmost(xp, c.check(select(value, axis, i)), m - c.event_dim) for i, c in enumerate(self.cseq)]
        if inside:
            return functools.reduce(operator.and_, parts)
        return xp.stack(parts, axis=axis + m)

    def describe(self) -> str:
        return f"entries along dim {self.dim}: " + ", ".join(c.describe() for c in self.cseq)

    def __repr__(self) -> str:
        return f"Stack({self.cseq!r}, dim={self.dim})"


def stacked_within_event(dim: int, part_event_dim: int) -> bool:
    """Whether stacking parts of event rank ``part_event_dim`` along ``dim`` puts the new dimension inside their
    events: a negative ``dim`` with fewer than ``part_event_dim`` dimensions to its right."""
    return dim < 0 and dim + part_event_dim >= 0


def is_dependent(constraint: Any) -> bool:
    """Whether ``constraint`` is a placeholder that depends on the parameters (``dependent``, a
    ``dependent_property`` read on a class)."""
    return isinstance(constraint, _Dependent)


# ---------------------------------------------------------------------- helpers of the structured constraints
def _constraint_list(cseq: Any, what: str) -> list[Constraint]:
    cseq = list(cseq)
    if not cseq:
        raise ValueError(f"{what}: needs at least one constraint")
    for i, c in enumerate(cseq):
        if not isinstance(c, Constraint):
            raise TypeError(f"{what}: cseq[{i}] must be a Constraint; got {type(c).__name__}")
    return cseq


def _int(n: Any, what: str, name: str) -> int:
    if isinstance(n, bool):
        raise TypeError(f"{what}: {name} must be ints; got {n!r}")
    try:
        return operator.index(n)
    except TypeError:
        raise TypeError(f"{what}: {name} must be ints; got {n!r}") from None


def _axis(dim: int, value: Any, size: int, owner: Any) -> int:
    """``dim`` of ``value`` as a negative axis, checked to exist and to have ``size`` entries."""
    ndim = len(value.shape)
    if not -ndim <= dim < ndim:
        raise ValueError(f"{owner!r}: dim {dim} is out of range for a value of shape {tuple(value.shape)}")
    axis = dim - ndim if dim >= 0 else dim
    if value.shape[axis] != size:
        raise ValueError(
            f"{owner!r}: expected {size} entries along dim {dim}, got a value of shape {tuple(value.shape)}"
        )
    return axis


def narrow(x: Any, axis: int, start: int, length: int) -> Any:
    """``x[..., start:start + length, ...]`` along the negative ``axis`` (a view where the library has them)."""
    return x[(..., slice(start, start + length)) + (slice(None),) * (-axis - 1)]


def select(x: Any, axis: int, i: int) -> Any:
    """``x[..., i, ...]`` along the negative ``axis``: that dimension dropped."""
    return x[(..., i) + (slice(None),) * (-axis - 1)]


def _all_rightmost(xp: Any, ok: Any, n: int) -> Any:
    return xp.all(ok, axis=tuple(range(-n, 0))) if n > 0 else ok


def _eps(xp: Any, dtype: Any) -> float:
    try:
        return float(xp.finfo(dtype).eps)
    except (TypeError, ValueError):  # an integer matrix: exact
        return 0.0


def _device(x: Any) -> Any:
    return getattr(x, "device", None)
