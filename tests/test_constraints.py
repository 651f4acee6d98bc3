"""Constraints: the fast whole-array checks agree with the elementwise ``check`` on every backend.

``check_all`` (one reduction, one read) and ``check_values`` (a few numbers read to the host) are shortcuts of
``all(check(value))``; a shortcut that disagrees would let an invalid parameter through, or reject a valid one.
Each case is checked on a small array (the host-read path) and on a large one (the reduction path), with the
offending entry at the front, in the middle and at the end (orders matter to ``min`` with NaN).
"""

from __future__ import annotations

import math
from typing import Any

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


# ---------------------------------------------------------------------- bounds per batch member
# (constraint of array bounds over 4 members, values that hold member by member, values that do not)
_LOW, _HIGH = [-1.0, 0.0, 2.0, 10.0], [0.0, 5.0, 2.5, 10.0]
ARRAY_BOUND_CASES = [
    ("greater_than", lambda b: constraints.greater_than(b(_LOW)), [-0.5, 0.5, 3.0, 11.0], [-1.0, -1.0, 2.0, 10.0]),
    ("greater_than_eq", lambda b: constraints.greater_than_eq(b(_LOW)), [-1.0, 0.0, 2.0, 10.0], [-2.0, -1.0, 1.9, 9.0]),
    ("less_than", lambda b: constraints.less_than(b(_HIGH)), [-1.0, 4.0, 2.0, 9.0], [0.0, 5.0, 2.5, NAN]),
    ("interval", lambda b: constraints.interval(b(_LOW), b(_HIGH)), [-1.0, 5.0, 2.25, 10.0], [0.5, 5.5, 2.6, 9.0]),
    (
        "half_open_interval",
        lambda b: constraints.half_open_interval(b(_LOW), b([0.0, 5.0, 2.5, 11.0])),
        [-1.0, 4.0, 2.25, 10.0],
        [0.0, 5.0, 2.5, NAN],
    ),
    (
        "integer_interval",
        lambda b: constraints.integer_interval(b(_LOW), b(_HIGH)),
        [-1.0, 5.0, 2.0, 10.0],
        [0.5, 6.0, 3.0, 9.0],
    ),
    (
        "nonnegative_integer-like",
        lambda b: constraints.IntegerGreaterThanEq(b(_LOW)),
        [0.0, 0.0, 3.0, 10.0],
        [0.5, -1.0, 1.0, 9.0],
    ),
]


@pytest.mark.parametrize("case", ARRAY_BOUND_CASES, ids=lambda c: c[0])
def test_array_bounds_in_every_form(backend: Backend, case: tuple) -> None:
    """Bounds per batch member (``Uniform``'s support): ``check`` compares member by member on every backend,
    lazily on Dask; ``check_all`` agrees with it; ``check_values`` answers None (it cannot tell which value
    meets which bound) or agrees; ``repr`` and ``describe`` stay short for a thousand bounds."""
    _, make, good, bad = case
    c = make(lambda v: backend.asarray(np.asarray(v, dtype=np.float64)))
    for values, expected in [(good, [True] * 4), (bad, [False] * 4)]:
        x = backend.asarray(np.array([values, good]))  # a second row that holds, broadcast against the bounds
        result = backend.to_numpy(c.check(x))
        assert result.tolist() == [expected, [True] * 4], (values, result)
        if backend.lazy:
            continue
        ops = ops_of(x)
        assert bool(c.check_all(x, ops)) is all(expected)
        verdict = c.check_values(ops.small_values(x) or [])
        assert verdict is None or verdict is all(expected)
    many = make(lambda v: backend.asarray(np.linspace(-1.0, 1.0, 1000) + np.mean(v)))
    assert len(repr(many)) < 130 and len(many.describe()) < 130 and "per batch member" in many.describe()


def test_numpy_bounds_meet_values_of_another_library() -> None:
    """NumPy bounds are converted to the value's library (as Python numbers are); bounds and values of two
    other libraries are a TypeError naming both."""
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    c = constraints.interval(np.zeros(3), np.array([1.0, 2.0, 3.0]))
    assert c.check(torch.tensor([0.5, 2.5, 2.9])).tolist() == [True, False, True]
    with pytest.raises(TypeError, match=r"torch.*jax"):
        constraints.greater_than(torch.zeros(3)).check(jax.numpy.ones(3))


# ---------------------------------------------------------------------- constraints on whole events
_L = [[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.6, 0.8]]
_PSD = [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 2.0]]
# (constraint, events that hold, events that do not): the three forms agree on a batch of each
EVENT_CASES = [
    (
        constraints.lower_triangular,
        [_L, [[0.0, 0.0], [-3.0, 0.0]]],
        [[[1.0, 0.1], [0.0, 1.0]], [[NAN, 0.0], [1.0, 1.0]]],
    ),
    (constraints.lower_cholesky, [_L], [[[1.0, 0.0], [1.0, 0.0]], [[-1.0, 0.0], [0.0, 1.0]]]),
    (
        constraints.corr_cholesky,
        [_L, [[1.0, 0.0], [-1.0 / np.sqrt(2), 1.0 / np.sqrt(2)]]],
        [[[1.0, 0.0], [0.6, 0.7]], [[1.0, 0.0], [-0.6, -0.8]]],
    ),
    (constraints.symmetric, [_PSD, [[1.0, -2.0], [-2.0, 3.0]]], [[[1.0, 2.0], [2.1, 1.0]], [[NAN, 0.0], [0.0, 1.0]]]),
    (
        constraints.positive_semidefinite,
        [_PSD, [[0.0, 0.0], [0.0, 0.0]]],
        [[[1.0, 2.0], [2.0, 1.0]], [[-1e-3, 0.0], [0.0, 1.0]]],
    ),
    (constraints.positive_definite, [[[2.0, 1.0], [1.0, 2.0]]], [_PSD, [[1.0, 2.0], [2.1, 5.0]]]),
    (constraints.simplex, [[0.25, 0.75], [1.0, 0.0]], [[0.5, 0.6], [-0.5, 1.5]]),
    (
        constraints.cat([constraints.positive, constraints.simplex], dim=-1, lengths=[1, 2]),
        [[2.0, 0.5, 0.5], [1e-9, 0.0, 1.0]],
        [[0.0, 0.5, 0.5], [1.0, 0.5, 0.6]],
    ),
    (
        constraints.stack([constraints.simplex, constraints.simplex], dim=-1),
        [[[0.5, 0.25], [0.5, 0.75]]],
        [[[0.5, 0.25], [0.6, 0.75]], [[1.5, 0.0], [-0.5, 1.0]]],
    ),
]


@pytest.mark.parametrize("case", EVENT_CASES, ids=lambda c: repr(c[0]))
def test_event_constraints_in_every_form(eager_backend: Backend, case: tuple) -> None:
    """Each event is judged on its own (``check`` has the batch shape); ``check_all`` is ``all(check)``;
    ``check_values`` (elements without their events) answers None."""
    constraint, good, bad = case
    shapes: dict[tuple[int, ...], list[tuple[Any, bool]]] = {}
    for event, ok in [*((e, True) for e in good), *((e, False) for e in bad)]:
        shapes.setdefault(np.shape(event), []).append((event, ok))
    for group in shapes.values():
        x = eager_backend.asarray(np.array([e for e, _ in group]))
        result = eager_backend.to_numpy(constraint.check(x))
        assert result.tolist() == [ok for _, ok in group], (constraint, result)
        ops = ops_of(x)
        assert bool(constraint.check_all(x, ops)) is all(ok for _, ok in group)
        assert constraint.check_values(ops.small_values(x) or []) is None
    assert constraint.event_dim == len(next(iter(shapes))) and constraint.describe()


def test_cat_and_stack_event_ranks_and_shapes() -> None:
    """Blocks along a batch dimension give verdicts side by side; along an event dimension, one verdict."""
    c = constraints.cat([constraints.positive, constraints.real], dim=-1, lengths=[2, 1])
    assert c.event_dim == 0 and c.check(np.array([[1.0, -1.0, -1.0]])).tolist() == [[True, False, True]]
    s = constraints.stack([constraints.positive, constraints.real], dim=0)
    assert s.event_dim == 0 and s.check(np.array([[1.0, -1.0], [-1.0, -1.0]])).tolist() == [[True, False], [True, True]]
    assert constraints.stack([constraints.simplex] * 3, dim=-2).event_dim == 1
    assert constraints.cat([constraints.simplex, constraints.positive], dim=-1, lengths=[2, 1]).event_dim == 1
    with pytest.raises(ValueError, match="expected 3 entries along dim -1"):
        c.check(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="lengths must be 2 non-negative ints"):
        constraints.cat([constraints.real, constraints.real], lengths=[1])
    with pytest.raises(TypeError, match=r"cseq\[1\] must be a Constraint"):
        constraints.stack([constraints.real, 3])
    assert constraints.is_dependent(constraints.dependent) and not constraints.is_dependent(constraints.real)


def test_new_constraints_agree_with_torch() -> None:
    """The same values judged by torch.distributions' constraints of the same names."""
    torch = pytest.importorskip("torch")
    tc = torch.distributions.constraints
    for name in ["lower_triangular", "lower_cholesky", "corr_cholesky", "square", "symmetric", "positive_definite"]:
        for event in [_L, _PSD, [[2.0, 1.0], [1.0, 2.0]], [[1.0, 0.0], [0.6, 0.7]], [[1.0, 2.0], [3.0, 4.0]]]:
            x = torch.tensor([event], dtype=torch.float64)
            assert getattr(constraints, name).check(x).tolist() == getattr(tc, name).check(x).tolist(), (name, event)
    x = torch.tensor([[1.0, 2.0, -3.0], [0.5, -1.0, 3.0]])
    ours = constraints.cat([constraints.positive, constraints.real], dim=-1, lengths=[2, 1]).check(x)
    theirs = tc.cat([tc.positive, tc.real], dim=-1, lengths=[2, 1]).check(x)
    assert ours.tolist() == theirs.tolist()
