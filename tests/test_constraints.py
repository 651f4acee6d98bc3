"""Constraints: the fast whole-array checks agree with the elementwise ``check`` on every backend.

``check_all`` (one reduction, one read) and ``check_values`` (a few numbers read to the host) are shortcuts of
``all(check(value))``; a shortcut that disagrees would let an invalid parameter through, or reject a valid one.
Each case is checked on a small array (the host-read path) and on a large one (the reduction path), with the
offending entry at the front, in the middle and at the end (orders matter to ``min`` with NaN).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from arraydist import constraints
from arraydist._backend import ops_of
from backends import Backend

NAN, INF = math.nan, math.inf

# (constraint, values that hold, single values that do not)
CASES = [
    (constraints.real, [0.0, -1.5, 3.0, INF, -INF], [NAN]),
    (constraints.positive, [1e-30, 2.0, INF], [0.0, -1.0, NAN, -INF]),
    (constraints.nonnegative, [0.0, 2.0, INF], [-1e-30, NAN, -INF]),
    (constraints.greater_than(1.0), [1.5, INF], [1.0, 0.0, NAN]),
    (constraints.less_than(1.0), [0.5, -INF], [1.0, 2.0, NAN, INF]),
    (constraints.unit_interval, [0.0, 0.5, 1.0], [-0.1, 1.1, NAN]),
    (constraints.half_open_interval(0.0, 1.0), [0.0, 0.5, 0.999], [1.0, -0.1, NAN]),
    (constraints.nonnegative_integer, [0.0, 1.0, 7.0], [0.5, -1.0, NAN, INF]),
    (constraints.positive_integer, [1.0, 2.0], [0.0, 1.5, NAN]),
    (constraints.integer_interval(0, 3), [0.0, 3.0], [4.0, 0.5, -1.0, NAN]),
    (constraints.boolean, [0.0, 1.0], [0.5, 2.0, NAN]),
    (constraints.independent(constraints.positive, 1), [0.5, 2.0], [0.0, NAN]),
]


def _arrays(good: list[float], bad: float | None, size: int) -> list[np.ndarray]:
    """Arrays of ``size`` valid numbers (as a 2-D array when it factors), with ``bad`` at the front, middle, end."""
    base = np.resize(np.array(good, dtype=np.float64), size)
    if bad is None:
        return [base.reshape(2, -1) if size % 2 == 0 else base]
    out = []
    for at in (0, size // 2, size - 1):
        a = base.copy()
        a[at] = bad
        out.append(a.reshape(2, -1) if size % 2 == 0 else a)
    return out


@pytest.mark.parametrize("size", [1, 6, 1000], ids=["scalar-like", "small", "large"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: repr(c[0]))
def test_fast_checks_agree_with_check(eager_backend: Backend, case: tuple, size: int) -> None:
    constraint, good, bad_values = case
    for bad in [None, *bad_values]:
        for host in _arrays(good, bad, size):
            x = eager_backend.asarray(host)
            ops = ops_of(x)
            expected = bad is None
            assert bool(np.all(eager_backend.to_numpy(constraint.check(x)))) is expected, (constraint, host)
            assert bool(constraint.check_all(x, ops)) is expected, (constraint, host)
            values = ops.small_values(x)
            verdict = None if values is None else constraint.check_values(values)
            assert verdict is None or verdict is expected, (constraint, host)
            with np.errstate(invalid="ignore"):
                conclusive = not np.isnan(host.sum())  # a NaN sum (a NaN, or inf - inf) may defer to check_all
            if size <= 6 and eager_backend.name in ("numpy", "torch") and eager_backend.device is None and conclusive:
                assert verdict is expected  # host backends read small arrays: the fast path must answer


def test_small_values_reads_every_element(eager_backend: Backend) -> None:
    """The host read yields exactly the elements, in order, whatever the number of dimensions."""
    for shape in [(), (3,), (2, 3), (2, 1, 3), (2, 0), (0,)]:
        host = np.arange(math.prod(shape), dtype=np.float64).reshape(shape)
        x = eager_backend.asarray(host)
        values = ops_of(x).small_values(x)
        if values is not None:
            assert list(values) == host.ravel().tolist(), shape


def test_vector_constraints_of_the_discrete_families(eager_backend: Backend) -> None:
    """one_hot and multinomial check whole events (the last dimension): exactly one 1; non-negative integer
    counts summing to at most (or, ``exact=True``, exactly) the bound, which may differ per batch member."""
    rows = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    x = eager_backend.asarray(rows)
    assert eager_backend.to_numpy(constraints.one_hot.check(x)).tolist() == [True, False, False, False]
    counts = eager_backend.asarray(np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 0.0], [1.5, 1.5, 0.0], [-1.0, 4.0, 0.0]]))
    at_most = constraints.multinomial(3)
    assert eager_backend.to_numpy(at_most.check(counts)).tolist() == [True, True, False, False]
    exact = constraints.multinomial(eager_backend.asarray(np.array([3.0, 4.0, 3.0, 3.0])), exact=True)
    assert eager_backend.to_numpy(exact.check(counts)).tolist() == [True, False, False, False]
    assert constraints.one_hot.event_dim == at_most.event_dim == 1 and at_most.is_discrete
    per_member = constraints.integer_interval(0, eager_backend.asarray(np.array([1.0, 2.0])))
    assert "per batch member" in per_member.describe()
    assert per_member.check_values([1.0, 2.0]) is None  # bounds per member: the elementwise check decides
    values = eager_backend.asarray(np.array([[1.0, 2.0], [2.0, 2.0]]))
    assert eager_backend.to_numpy(per_member.check(values)).tolist() == [[True, True], [False, True]]
