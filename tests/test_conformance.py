"""The conformance suite: every case of the registry, on every backend, in float32 and float64.

Values are compared with the NumPy/SciPy reference evaluated at the same (dtype-rounded) parameters and values,
so the tolerance only covers the rounding of the computation itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraydist
from backends import Backend
from cases import CASES, Case

TOL = {"float32": 3e-5, "float64": 1e-9}


def assert_close(actual: Any, expected: Any, dtype: str, backend: Backend, scale: float = 1.0) -> None:
    actual = backend.to_numpy(actual) if not isinstance(actual, np.ndarray | float) else np.asarray(actual)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    tol = TOL[dtype] * scale
    magnitude = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual.astype(np.float64), expected, rtol=tol, atol=tol * magnitude)


def build(case: Case, backend: Backend, dtype: str) -> Any:
    return case.build(arraydist, lambda x: backend.asarray(x, dtype))


def reference(case: Case, dtype: str) -> Any:
    return case.reference(lambda x: np.asarray(np.asarray(x, dtype=dtype), dtype=np.float64))


def expected_backend(case: Case, backend: Backend) -> str:
    return "numpy" if "neutral" in case.tags else backend.name


def expected_dtype(case: Case, dtype: str) -> str:
    return "float64" if "neutral" in case.tags else dtype


def draws(case: Case, d: Any, backend: Backend, dtype: str, n: int = 5) -> tuple[Any, np.ndarray]:
    """(value for log_prob in the test's backend and dtype, the same numbers in float64)."""
    x = np.asarray(d._ops.to_numpy(d.sample((n,), seed=11)), dtype=dtype)
    return backend.asarray(x, dtype), x.astype(np.float64)


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


def test_shapes_and_identity(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    assert d.batch_shape == case.batch_shape
    assert d.event_shape == case.event_shape
    assert type(d.batch_shape) is tuple and type(d.event_shape) is tuple
    assert d.backend == expected_backend(case, backend)
    full = case.batch_shape + case.event_shape
    one = d.sample(seed=0)
    many = d.sample((4, 5), seed=1)
    assert tuple(one.shape) == full
    assert tuple(many.shape) == (4, 5, *full)
    assert tuple(d.rsample([3], seed=2).shape) == (3, *full)
    if "neutral" in case.tags:
        assert isinstance(many, np.ndarray)
    else:
        assert backend.owns(many)
    assert backend.dtype_name(many) == expected_dtype(case, dtype)
    assert tuple(d.log_prob(many).shape) == (4, 5, *case.batch_shape)
    assert tuple(d.entropy().shape) == case.batch_shape
    for moment in (d.mean, d.variance, d.stddev, d.mode):
        assert tuple(moment.shape) == full
    assert d._extended_shape((2,)) == (2, *full)
    text = repr(d)
    assert type(d).__name__ in text and str(case.batch_shape) in text and d.backend in text


def test_log_prob_matches_reference(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    ref = reference(case, dtype)
    x, x64 = draws(case, d, backend, dtype)
    assert_close(d.log_prob(x), ref.log_prob(x64), dtype, backend)
    assert_close(d.prob(x), np.exp(ref.log_prob(x64)), dtype, backend, scale=10)
    # a value with fewer batch dimensions than the distribution broadcasts (the first batch member's draw)
    if case.batch_shape:
        x0 = x64[(0,) + (0,) * len(case.batch_shape)]
        lp = d.log_prob(backend.asarray(x0, dtype))
        assert tuple(lp.shape) == case.batch_shape
        assert_close(lp, ref.log_prob(np.broadcast_to(x0, x64.shape[1:])), dtype, backend)


def test_cdf_and_icdf_match_reference(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    if not case.has_cdf:
        with pytest.raises(NotImplementedError, match=f"{type(d).__name__} does not implement cdf"):
            d.cdf(d.sample(seed=0))
        return
    ref = reference(case, dtype)
    x, x64 = draws(case, d, backend, dtype)
    assert_close(d.cdf(x), ref.cdf(x64), dtype, backend)
    q = np.linspace(0.01, 0.99, 7).reshape((7,) + (1,) * len(case.batch_shape))
    q = np.asarray(np.broadcast_to(q, (7, *case.batch_shape)), dtype=dtype)
    assert_close(d.icdf(backend.asarray(q, dtype)), ref.icdf(q.astype(np.float64)), dtype, backend, scale=10)


def test_entropy_matches_reference(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    assert_close(d.entropy(), reference(case, dtype).entropy(), dtype, backend)
    assert_close(d.perplexity(), np.exp(reference(case, dtype).entropy()), dtype, backend, scale=10)


def test_moments_match_reference(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    ref = reference(case, dtype)
    full = case.batch_shape + case.event_shape
    assert_close(d.mean, np.broadcast_to(ref.mean, full), dtype, backend)
    assert_close(d.mode, np.broadcast_to(ref.mode, full), dtype, backend)
    assert_close(d.variance, np.broadcast_to(ref.variance, full), dtype, backend, scale=10)
    assert_close(d.stddev, np.sqrt(np.broadcast_to(ref.variance, full)), dtype, backend, scale=10)


def test_expand(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    new_batch = (2, *case.batch_shape)
    e = d.expand(new_batch)
    assert type(e) is type(d)
    assert e.batch_shape == new_batch and e.event_shape == case.event_shape
    assert tuple(e.sample((3,), seed=3).shape) == (3, *new_batch, *case.event_shape)
    x, _ = draws(case, d, backend, dtype, n=1)
    expected = backend.to_numpy(d.log_prob(x))
    # a value with batch part (1, *batch) broadcasts against the expanded batch shape (2, *batch)
    assert_close(e.log_prob(x), np.broadcast_to(expected, new_batch), dtype, backend)
    assert d.expand(list(case.batch_shape)).batch_shape == case.batch_shape
    with pytest.raises(ValueError, match=r"expand|batch_shape"):
        d.expand((*case.batch_shape[:-1], 7) if case.batch_shape else (-2,))


def test_indexing_batch_dimensions(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    if not case.batch_shape:
        with pytest.raises(IndexError, match="event dimensions cannot be indexed"):
            d[0]
        return
    x, _ = draws(case, d, backend, dtype, n=2)  # (2, *batch, *event)
    full = backend.to_numpy(d.log_prob(x))
    first = d[0]
    assert first.batch_shape == case.batch_shape[1:] and first.event_shape == case.event_shape
    assert_close(first.log_prob(x[:, 0, ...]), full[:, 0], dtype, backend)
    tail = d[..., :1]
    assert tail.batch_shape == (*case.batch_shape[:-1], 1)
    # the same slice of the values, spelled out in full (the array API standard has no implicit trailing dims)
    last_batch_axis = len(case.batch_shape)
    index = tuple(slice(0, 1) if axis == last_batch_axis else slice(None) for axis in range(x.ndim))
    assert_close(tail.log_prob(x[index]), full[..., :1], dtype, backend)
    with pytest.raises(IndexError):
        d[(0,) * (len(case.batch_shape) + 1)]


def test_flatten_unflatten_round_trip(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    children, aux = d._tree_flatten()
    again = type(d)._tree_unflatten(aux, children, neutral=d._neutral)
    assert again.batch_shape == d.batch_shape and again.event_shape == d.event_shape
    x, _ = draws(case, d, backend, dtype)
    assert_close(again.log_prob(x), backend.to_numpy(d.log_prob(x)), dtype, backend)


def test_same_seed_same_draws(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    a = d._ops.to_numpy(d.sample((6,), seed=123))
    b = d._ops.to_numpy(d.sample((6,), seed=123))
    c = d._ops.to_numpy(d.sample((6,), seed=124))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(a, d._ops.to_numpy(d.rsample((6,), seed=123)))


def test_inputs_are_not_mutated(case: Case, backend: Backend, dtype: str) -> None:
    d = build(case, backend, dtype)
    children, _ = d._tree_flatten()
    leaves = [c for c in children if not isinstance(c, arraydist.Distribution)]
    leaves += [c for c in children if isinstance(c, arraydist.Distribution) for c in c._tree_flatten()[0]]
    before = [d._ops.to_numpy(leaf).copy() for leaf in leaves]
    x, _ = draws(case, d, backend, dtype)
    x_before = backend.to_numpy(x).copy()
    d.log_prob(x)
    d.prob(x)
    d.entropy()
    if case.has_cdf:
        d.cdf(x)
    np.testing.assert_array_equal(backend.to_numpy(x), x_before)
    for leaf, old in zip(leaves, before):
        np.testing.assert_array_equal(d._ops.to_numpy(leaf), old)
