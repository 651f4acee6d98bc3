"""Constraints on parameters and supports: ``check(x)`` returns a boolean array, ``event_dim`` its rank.

A constraint with ``event_dim = k`` checks whole events: ``check`` reduces the rightmost ``k`` dimensions, so
the result has the batch shape.  Constraints use operators and the backend layer only, so they run on every
backend.

>>> import numpy as np
>>> from arraydist import constraints
>>> constraints.positive.check(np.array([1.0, 0.0, -2.0]))
array([ True, False, False])
>>> constraints.interval(0.0, 1.0)
Interval(lower_bound=0.0, upper_bound=1.0)

Bounds may be arrays, one per batch member (``Uniform``'s support): ``check`` compares elementwise, and the fast
forms (``check_all``, ``check_values``) fall back to it (``check_values`` answers None) where the bound is not a
Python number.

>>> constraints.interval(np.zeros(2), np.array([1.0, 2.0])).check(np.array([1.5, 1.5]))
array([False,  True])
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from itertools import repeat
from typing import Any

import numpy as np

from ._backend import ops_of

__all__ = [
    "Constraint",
    "boolean",
    "cat",
    "corr_cholesky",
    "dependent",
    "dependent_property",
    "greater_than",
    "greater_than_eq",
    "half_open_interval",
    "independent",
    "integer_interval",
    "interval",
    "is_dependent",
    "less_than",
    "lower_cholesky",
    "lower_triangular",
    "multinomial",
    "nonnegative",
    "nonnegative_integer",
    "one_hot",
    "positive",
    "positive_definite",
    "positive_integer",
    "positive_semidefinite",
    "real",
    "real_vector",
    "simplex",
    "square",
    "stack",
    "symmetric",
    "unit_interval",
]


def _ops(x: Any) -> Any:
    ops = ops_of(x)
    if ops is None:
        from ._backend import numpy_ops

        ops = numpy_ops()
    return ops


class Constraint:
    """A region of the real numbers (or of vectors / matrices, when ``event_dim > 0``)."""

    is_discrete = False
    event_dim = 0
    #: whether a value is inside exactly when it is not NaN (``real`` and its reinterpretations): every draw of a
    #: distribution whose parameters passed validation is then inside, which lazy libraries use to skip the check
    #: of such a draw (``Ops.notes_draws``)
    nan_check_only = False

    def check(self, value: Any) -> Any:
        """A boolean array of shape ``value.shape[:value.ndim - event_dim]``: True where ``value`` is inside."""
        raise NotImplementedError

    def check_all(self, value: Any, ops: Any) -> bool:
        """Whether every element (or event) of ``value`` is inside: one reduction, one host read.

        Subclasses override this with a cheaper reduction than ``all(check(value))`` where one is exact.  A few
        numbers on the host are checked by :meth:`check_values` instead (``Distribution`` tries that first).
        """
        return ops.all(self.check(value))

    def check_range(self, low: float, high: float) -> bool | None:
        """Whether every element of an array whose smallest and largest elements are ``low`` and ``high``
        (NaN where it holds a NaN) is inside; None where those two cannot tell (bounds per batch member,
        integrality, whole events)."""
        return None

    def check_all_finite(self, value: Any, ops: Any, infinite_ok: bool = False) -> bool | None:
        """True when every element of a concrete ``value`` is inside and finite (finite or infinite where
        ``infinite_ok``), found by one reduction and one host read (``Ops.value_range``: the parameters of a
        training step); None where that cannot tell or something is wrong (the exact checks then decide and
        name what)."""
        low, high = ops.value_range(value)
        inside = self.check_range(low, high)
        if inside and (infinite_ok or -math.inf < low <= high < math.inf or low > high):  # empty: low > high
            return True
        return None

    def check_values(self, values: Iterable[Any]) -> bool | None:
        """Whether every number of ``values``, the elements of a small array (see ``Ops.small_values``; iterate
        them once), is inside; None where the elements alone cannot tell (constraints on whole events) or where
        the quick test is inconclusive (a NaN sum): :meth:`check_all` then decides.

        Checked in C over Python numbers (``map``): on a handful of numbers, cheaper than any array operation.
        """
        return None

    def describe(self) -> str:
        """A short description for error messages."""
        return repr(self)

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """Placeholder for a support that depends on the parameters; it cannot be checked on its own."""

    def __init__(self, *, is_discrete: bool = False, event_dim: int = 0) -> None:
        self.is_discrete = is_discrete
        self.event_dim = event_dim

    def check(self, value: Any) -> Any:
        raise ValueError("cannot check a dependent constraint without its distribution")

    def __call__(self, *, is_discrete: Any = NotImplemented, event_dim: Any = NotImplemented) -> _Dependent:
        """A placeholder with other attributes, as torch's ``constraints.dependent(event_dim=1)`` (torch-style
        subclasses declare their supports so).

        >>> from arraydist import constraints
        >>> constraints.dependent(is_discrete=True, event_dim=1).event_dim
        1
        """
        return _Dependent(
            is_discrete=self.is_discrete if is_discrete is NotImplemented else is_discrete,
            event_dim=self.event_dim if event_dim is NotImplemented else event_dim,
        )


class dependent_property(property, _Dependent):
    """A property whose value is a constraint that depends on the parameters (``Independent.support``,
    ``Uniform.support``): read on an instance it is that instance's constraint; read on the class it is this
    object, a :data:`dependent` constraint, as in ``torch.distributions``.

    >>> from arraydist import Independent, constraints
    >>> isinstance(Independent.support, constraints.Constraint)
    True
    """

    def __init__(self, fn: Any = None, *, is_discrete: bool = False, event_dim: int = 0) -> None:
        property.__init__(self, fn)
        _Dependent.__init__(self, is_discrete=is_discrete, event_dim=event_dim)

    def __call__(self, fn: Any) -> dependent_property:
        """``@dependent_property(is_discrete=True, event_dim=0)`` as a decorator with arguments."""
        return dependent_property(fn, is_discrete=self.is_discrete, event_dim=self.event_dim)

    def __repr__(self) -> str:
        return "Dependent()"


class _Real(Constraint):
    nan_check_only = True

    def check(self, value: Any) -> Any:
        return value == value  # False exactly at NaN

    def check_values(self, values: Iterable[Any]) -> bool | None:
        total = sum(values)  # one C loop: a NaN anywhere makes the sum NaN
        return True if total == total else None  # a NaN, or inf - inf: the exact test decides

    def check_all(self, value: Any, ops: Any) -> bool:
        # A NaN anywhere makes the sum NaN; a NaN sum without NaN inputs (inf - inf) falls back to the exact test.
        total = ops.reduce_value(value, "sum")
        return total == total or ops.all(self.check(value))

    def check_range(self, low: float, high: float) -> bool | None:
        return low == low and high == high  # False exactly where a NaN is

    def check_all_finite(self, value: Any, ops: Any, infinite_ok: bool = False) -> bool | None:
        if infinite_ok:
            return super().check_all_finite(value, ops, infinite_ok)
        total = ops.reduce_value(value, "sum")  # finite exactly when every element is, unless it overflows
        return True if total - total == 0 else None

    def describe(self) -> str:
        return "real (not NaN)"


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value: Any) -> Any:
        return (value == 0) | (value == 1)

    def check_values(self, values: Iterable[Any]) -> bool:
        return all(v == 0 or v == 1 for v in values)


class GreaterThan(Constraint):
    """Values above ``lower_bound`` (a number, or an array of bounds broadcast against the value)."""

    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def check(self, value: Any) -> Any:
        return value > _bound_like(self.lower_bound, value, self)

    def check_values(self, values: Iterable[Any]) -> bool | None:
        bound = self.lower_bound
        if not _is_number(bound):
            return None  # bounds per batch member: which value meets which bound is lost here
        values = values if type(values) is list else list(values)
        total = sum(values)  # NaN anywhere makes the sum NaN (min alone can step over a NaN)
        if total != total:
            return None  # a NaN, or inf - inf: the exact test decides
        return not values or min(values) > bound

    def check_all(self, value: Any, ops: Any) -> bool:
        if not _is_number(self.lower_bound):
            return ops.all(self.check(value))
        # min propagates NaN, and NaN > bound is False
        return ops.reduce_value(value, "min") > self.lower_bound

    def check_range(self, low: float, high: float) -> bool | None:
        return low > self.lower_bound if _is_number(self.lower_bound) else None  # NaN compares False

    def describe(self) -> str:
        bound = self.lower_bound
        return "positive (> 0)" if _is_number(bound) and bound == 0 else f"> {_bound(bound)}{_per_member(bound)}"

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={_bound(self.lower_bound)})"


class GreaterThanEq(GreaterThan):
    """Values at or above ``lower_bound`` (a number or an array)."""

    def check(self, value: Any) -> Any:
        return value >= _bound_like(self.lower_bound, value, self)

    def check_values(self, values: Iterable[Any]) -> bool | None:
        bound = self.lower_bound
        if not _is_number(bound):
            return None
        values = values if type(values) is list else list(values)
        total = sum(values)
        if total != total:
            return None
        return not values or min(values) >= bound

    def check_all(self, value: Any, ops: Any) -> bool:
        if not _is_number(self.lower_bound):
            return ops.all(self.check(value))
        return ops.reduce_value(value, "min") >= self.lower_bound

    def check_range(self, low: float, high: float) -> bool | None:
        return low >= self.lower_bound if _is_number(self.lower_bound) else None

    def describe(self) -> str:
        bound = self.lower_bound
        return "non-negative (>= 0)" if _is_number(bound) and bound == 0 else f">= {_bound(bound)}{_per_member(bound)}"

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={_bound(self.lower_bound)})"


class LessThan(Constraint):
    """Values below ``upper_bound`` (a number or an array)."""

    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def check(self, value: Any) -> Any:
        return value < _bound_like(self.upper_bound, value, self)

    def check_all(self, value: Any, ops: Any) -> bool:
        if not _is_number(self.upper_bound):
            return ops.all(self.check(value))
        return ops.reduce_value(value, "max") < self.upper_bound

    def check_values(self, values: Iterable[Any]) -> bool | None:
        if not _is_number(self.upper_bound):
            return None
        return all(map(operator.gt, repeat(self.upper_bound), values))

    def check_range(self, low: float, high: float) -> bool | None:
        return high < self.upper_bound if _is_number(self.upper_bound) else None

    def describe(self) -> str:
        return f"< {_bound(self.upper_bound)}{_per_member(self.upper_bound)}"

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={_bound(self.upper_bound)})"


class Interval(Constraint):
    """Values in ``[lower_bound, upper_bound]`` (numbers, or arrays of bounds per batch member)."""

    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def _numbers(self) -> bool:
        return _is_number(self.lower_bound) and _is_number(self.upper_bound)

    def check(self, value: Any) -> Any:
        low, high = _bound_like(self.lower_bound, value, self), _bound_like(self.upper_bound, value, self)
        return (value >= low) & (value <= high)

    def check_all(self, value: Any, ops: Any) -> bool:
        if not self._numbers():
            return ops.all(self.check(value))
        low, high = ops.reduce_value(value, "min"), ops.reduce_value(value, "max")
        return low >= self.lower_bound and high <= self.upper_bound

    def check_values(self, values: Iterable[Any]) -> bool | None:
        if not self._numbers():
            return None
        low, high = self.lower_bound, self.upper_bound
        return all(low <= v <= high for v in values)  # NaN compares False

    def check_range(self, low: float, high: float) -> bool | None:
        return low >= self.lower_bound and high <= self.upper_bound if self._numbers() else None

    def describe(self) -> str:
        low, high = self.lower_bound, self.upper_bound
        return f"in [{_bound(low)}, {_bound(high)}]{_per_member(low, high)}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lower_bound={_bound(self.lower_bound)}, upper_bound={_bound(self.upper_bound)})"


class HalfOpenInterval(Interval):
    """Values in ``[lower_bound, upper_bound)``."""

    def check(self, value: Any) -> Any:
        low, high = _bound_like(self.lower_bound, value, self), _bound_like(self.upper_bound, value, self)
        return (value >= low) & (value < high)

    def check_all(self, value: Any, ops: Any) -> bool:
        if not self._numbers():
            return ops.all(self.check(value))
        low, high = ops.reduce_value(value, "min"), ops.reduce_value(value, "max")
        return low >= self.lower_bound and high < self.upper_bound

    def check_values(self, values: Iterable[Any]) -> bool | None:
        if not self._numbers():
            return None
        low, high = self.lower_bound, self.upper_bound
        return all(low <= v < high for v in values)

    def check_range(self, low: float, high: float) -> bool | None:
        return low >= self.lower_bound and high < self.upper_bound if self._numbers() else None

    def describe(self) -> str:
        low, high = self.lower_bound, self.upper_bound
        return f"in [{_bound(low)}, {_bound(high)}){_per_member(low, high)}"


def _whole(value: Any) -> Any:
    """Elementwise: ``value`` is a whole number (NaN and infinities are not: their ``% 1`` is NaN).  NumPy (under
    NumPy, Dask and array_api_strict) warns about those, so the check runs quietly, except while torch.compile
    traces it: ``np.errstate`` cannot be traced there (the compiled program checks the values), torch never warns."""
    ops = _ops(value)
    if ops.tracing():
        return value % 1 == 0
    if ops.lazy:  # Dask computes later, outside any errstate here: each chunk inside its own
        return value.map_blocks(_whole_block, dtype=bool)
    with np.errstate(invalid="ignore"):
        return value % 1 == 0


def _whole_block(value: Any) -> Any:
    with np.errstate(invalid="ignore"):
        return value % 1 == 0


class IntegerInterval(Interval):
    is_discrete = True

    def check(self, value: Any) -> Any:
        low, high = _bound_like(self.lower_bound, value, self), _bound_like(self.upper_bound, value, self)
        return _whole(value) & (value >= low) & (value <= high)

    def check_all(self, value: Any, ops: Any) -> bool:
        return ops.all(self.check(value))

    def check_values(self, values: Iterable[Any]) -> bool | None:
        low, high = self.lower_bound, self.upper_bound
        # int bounds (Categorical's) without two calls; bounds per batch member (Binomial's total_count) are
        # checked elementwise
        if (type(low) is not int or type(high) is not int) and not (_is_number(low) and _is_number(high)):
            return None
        values = values if type(values) is list else list(values)
        if values and type(values[0]) is int:  # an integer array (category indices): integers, so bounds only
            return low <= min(values) and max(values) <= high
        return all(v % 1 == 0 and low <= v <= high for v in values)

    def check_range(self, low: float, high: float) -> bool | None:
        return None  # integrality is not in the range

    def describe(self) -> str:
        low, high = self.lower_bound, self.upper_bound
        return f"an integer in [{_bound(low)}, {_bound(high)}]{_per_member(low, high)}"

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={_bound(self.lower_bound)}, upper_bound={_bound(self.upper_bound)})"


class IntegerGreaterThanEq(GreaterThanEq):
    is_discrete = True

    def check(self, value: Any) -> Any:
        return _whole(value) & (value >= _bound_like(self.lower_bound, value, self))

    def check_values(self, values: Iterable[Any]) -> bool | None:
        bound = self.lower_bound
        if not _is_number(bound):
            return None
        return all(v % 1 == 0 and v >= bound for v in values)  # NaN % 1 is NaN: not an integer

    def check_all(self, value: Any, ops: Any) -> bool:
        return ops.all(self.check(value))

    def describe(self) -> str:
        return f"an integer >= {_bound(self.lower_bound)}{_per_member(self.lower_bound)}"

    def __repr__(self) -> str:
        return f"IntegerGreaterThanEq(lower_bound={_bound(self.lower_bound)})"


class Independent(Constraint):
    """Reinterprets ``reinterpreted_batch_ndims`` batch dimensions of ``base_constraint`` as event dimensions."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    @property
    def nan_check_only(self) -> bool:  # type: ignore[override]
        return self.base_constraint.nan_check_only

    def check(self, value: Any) -> Any:
        result = self.base_constraint.check(value)
        n = self.reinterpreted_batch_ndims
        if n == 0:
            return result
        xp = _ops(result).xp
        return xp.all(result, axis=tuple(range(-n, 0)))

    def check_all(self, value: Any, ops: Any) -> bool:
        # every event holds exactly when every element holds: the base constraint's fast path applies
        return self.base_constraint.check_all(value, ops)

    def check_values(self, values: Iterable[Any]) -> bool | None:
        return self.base_constraint.check_values(values)

    def describe(self) -> str:
        return self.base_constraint.describe() + f" in each of the last {self.reinterpreted_batch_ndims} dims"

    def __repr__(self) -> str:
        return f"Independent({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _bound_like(bound: Any, value: Any, constraint: Constraint) -> Any:
    """``bound`` ready to compare with ``value``: a number, or an array of the value's library, as it is; a NumPy
    array beside a value of another library converted to that library (as a Python number would be); arrays of
    two other libraries are a ``TypeError`` naming both."""
    if type(bound) is float or type(bound) is int:
        return bound
    bops, vops = ops_of(bound), ops_of(value)
    if bops is None or vops is None or bops is vops:
        return bound
    if bops.name == "numpy":
        return vops.asarray(bound, device=vops.device(value))
    raise TypeError(
        f"{constraint!r}: the bounds are {bops.name} arrays but the value is a {vops.name} array; arraydist "
        "does not mix array libraries"
    )


def _bound(x: Any) -> str:
    """A bound for messages: a number as it is, an array by a few of its values and its size."""
    if _is_number(x) or not hasattr(x, "shape"):
        return repr(x)
    ops = _ops(x)
    if ops.tracing() or not ops.is_concrete(x):  # a tracer or a lazy array: its values are not read for a message
        return f"<{ops.name} {tuple(x.shape)}>"
    values = np.asarray(ops.to_numpy(x)).ravel()
    if values.size and (values == values[0]).all():
        return repr(float(values[0]))
    shown = ", ".join(f"{float(v):.6g}" for v in values[:3])
    return f"[{shown}{f', ... ({values.size})' if values.size > 3 else ''}]"


def _per_member(*bounds: Any) -> str:
    return " (bounds per batch member)" if any(not _is_number(b) and hasattr(b, "shape") for b in bounds) else ""


# The constraints on whole events (vectors and matrices) and the cat / stack functors live in a module of their
# own (they build on the classes above, so it is imported here, after them).
from ._structured_constraints import (  # noqa: E402
    Cat,
    Stack,
    _CorrCholesky,
    _LowerCholesky,
    _LowerTriangular,
    _Multinomial,
    _OneHot,
    _PositiveDefinite,
    _PositiveSemidefinite,
    _Simplex,
    _Square,
    _Symmetric,
    is_dependent,
)

dependent = _Dependent()
real = _Real()
real_vector = Independent(real, 1)
boolean = _Boolean()
positive = GreaterThan(0.0)
nonnegative = GreaterThanEq(0.0)
nonnegative_integer = IntegerGreaterThanEq(0)
positive_integer = IntegerGreaterThanEq(1)
unit_interval = Interval(0.0, 1.0)
simplex = _Simplex()
one_hot = _OneHot()
multinomial = _Multinomial
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
corr_cholesky = _CorrCholesky()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
positive_definite = _PositiveDefinite()
greater_than = GreaterThan
greater_than_eq = GreaterThanEq
less_than = LessThan
interval = Interval
half_open_interval = HalfOpenInterval
integer_interval = IntegerInterval
independent = Independent
cat = Cat
stack = Stack
