"""Dask: log_prob, cdf and sample stay lazy and chunked, nothing is computed behind the user's back, seeds
reproduce, validation runs at ``compute()`` with NumPy's messages, and a 10^7-point log-likelihood runs through a
dask.distributed cluster with worker processes."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

import arraydist
from arraydist import Categorical, Independent, MultivariateNormal, Normal, Poisson, Uniform

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


def _forbidden_compute(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("arraydist computed a Dask array")


@pytest.fixture
def no_compute() -> Any:
    """Any compute inside the block fails the test: arraydist must only build graphs."""
    with dask.config.set(scheduler=_forbidden_compute):
        yield


def test_everything_stays_lazy_and_chunked(no_compute: None) -> None:
    x = da.ones((10**6,), chunks=10**5)
    loc = da.zeros((4, 3), chunks=(2, 3))
    d = Normal(0.5, 2.0)
    for result in (d.log_prob(x), d.cdf(x), d.icdf(x * 0.5), d.prob(x)):
        assert isinstance(result, da.Array) and result.chunks == x.chunks
    q = Normal(loc, 1.0)  # validation on: its checks are tasks of the graph, never a compute now
    draws = q.sample((1000,), seed=0)
    assert isinstance(draws, da.Array) and draws.shape == (1000, 4, 3) and draws.npartitions >= 1
    assert isinstance(q.log_prob(draws), da.Array)
    assert isinstance(arraydist.kl_divergence(q, Normal(0.0, 1.0)), da.Array)
    mvn = MultivariateNormal(loc, covariance_matrix=da.from_array(np.eye(3) * 2.0))
    w = mvn.sample((10**5,), seed=1)
    lp = mvn.log_prob(w.rechunk({0: 10**4}))
    assert isinstance(lp, da.Array) and lp.shape == (10**5, 4)
    assert len(lp.chunks[0]) > 1, "the sample dimension stays chunked through the triangular solve"
    assert isinstance(Independent(q, 1).log_prob(draws), da.Array)
    repr(q)  # the repr does not compute either


def test_values_match_numpy() -> None:
    rng = np.random.default_rng(0)
    loc, cov = rng.standard_normal((4, 3)), np.eye(3) + 0.5 * np.ones((3, 3))
    x = rng.standard_normal((50, 4, 3))
    ours = MultivariateNormal(da.from_array(loc, chunks=(2, 3)), precision_matrix=da.from_array(np.linalg.inv(cov)))
    ref = MultivariateNormal(loc, covariance_matrix=cov)
    np.testing.assert_allclose(ours.log_prob(da.from_array(x, chunks=(10, 2, 3))).compute(), ref.log_prob(x))
    np.testing.assert_allclose(ours.entropy().compute(), ref.entropy())


def test_same_seed_same_chunks_reproduce() -> None:
    d = Normal(da.zeros((6, 5), chunks=3), 1.0)
    a, b = d.sample((100,), seed=42), d.sample((100,), seed=42)
    assert a.chunks == b.chunks
    np.testing.assert_array_equal(a.compute(), b.compute())
    assert not np.array_equal(a.compute(), d.sample((100,), seed=43).compute())
    arraydist.manual_seed(5)
    c = d.sample((10,)).compute()
    arraydist.manual_seed(5)
    np.testing.assert_array_equal(c, d.sample((10,)).compute())


def test_total_log_likelihood_on_a_distributed_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    n = 10**7
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        x = da.random.default_rng(7).standard_normal(n, chunks=n // 10)
        model = Normal(0.5, 2.0)
        total = model.log_prob(x).sum()
        assert isinstance(total, da.Array)
        distributed_total = float(client.compute(total).result())
        values = client.compute(x).result()
    assert values.shape == (n,)
    expected = float(Normal(0.5, 2.0).log_prob(values).sum())
    assert distributed_total == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------------------------- validation
def _lazy(x: Any, chunks: Any = "auto") -> Any:
    return da.from_array(np.asarray(x, np.float64), chunks=chunks)


def _numpy_error(make: Any) -> str:
    with pytest.raises(ValueError, match=r"^[A-Z]\w+[.:]") as raised:
        make(lambda x: np.asarray(x, np.float64))
    return str(raised.value)


def _raises_at_compute(result: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        result.compute()


@pytest.mark.parametrize(
    "make",
    [
        lambda a: Normal(a([0.0, 1.0]), a([1.0, -2.0])),
        lambda a: Normal(a([0.0, np.inf]), a([1.0, 2.0])),  # finite
        lambda a: Uniform(a([0.0, 2.0]), a([1.0, 1.0])),  # the condition between parameters
        lambda a: Categorical(probs=a([[0.5, -0.1, 0.6], [0.2, 0.3, 0.5]])),
        lambda a: Categorical(logits=a([-np.inf, -np.inf])),
        lambda a: MultivariateNormal(a([0.0, 0.0]), a([[1.0, 2.0], [2.0, 1.0]])),  # not positive definite
        lambda a: MultivariateNormal(a([0.0, 0.0]), precision_matrix=a([[1.0, np.nan], [np.nan, 1.0]])),
    ],
    ids=["scale", "finite", "low<high", "probs", "logits", "covariance", "precision"],
)
def test_invalid_parameters_raise_at_compute_with_the_numpy_message(make: Any) -> None:
    """``Normal(da.from_array(np.array([-1.0])), ...)`` gave NaN at ``compute()``: now building computes nothing,
    and computing anything derived from the bad parameter (a sample, log_prob) raises NumPy's ValueError."""
    message = _numpy_error(make)
    with dask.config.set(scheduler=_forbidden_compute):
        d = make(_lazy)
        x = d.sample((4,), seed=0)
        results = (d.log_prob(x), x)
    for result in results:
        _raises_at_compute(result, message)


@pytest.mark.parametrize(
    ("make", "method", "value"),
    [
        (lambda a: Poisson(a([2.0, 3.0])), "log_prob", [1.0, 1.5]),
        (lambda a: Normal(a([0.0]), 1.0), "log_prob", [0.0, np.nan]),
        (lambda a: Normal(a([0.0]), 1.0), "icdf", [0.5, 1.5]),
        (lambda a: Uniform(a([0.0, 1.0]), 2.0), "cdf", 0.5),  # the bounds per member, in the message
        (lambda a: Categorical(probs=a(np.ones(3) / 3)), "log_prob", [0, 3]),
        (lambda a: Independent(Uniform(a([0.0, 1.0]), a([1.0, 2.0])), 1), "log_prob", [0.5, 2.5]),
    ],
    ids=["poisson", "nan", "icdf", "uniform-member", "categorical", "independent-bounds"],
)
def test_values_outside_the_support_raise_at_compute(make: Any, method: str, value: Any) -> None:
    expected = _numpy_error(lambda a: getattr(make(a), method)(a(value)))
    with dask.config.set(scheduler=_forbidden_compute):
        result = getattr(make(_lazy), method)(_lazy(value))
    _raises_at_compute(result, expected)


def test_a_bad_chunk_raises_and_good_results_are_unchanged() -> None:
    """A value of many chunks: the chunk holding the bad value raises (its values in the message); valid inputs
    compute what NumPy computes, and with validation off nothing is added to the graph."""
    values = np.linspace(0.0, 9.0, 1000)
    d = Poisson(_lazy([4.0]))
    good = d.log_prob(_lazy(np.round(values), chunks=100))
    np.testing.assert_allclose(good.compute(), Poisson(np.array([4.0])).log_prob(np.round(values)), rtol=1e-12)
    with pytest.raises(ValueError, match=r"got shape \(1000,\) with 1 invalid value\(s\): 0\.5$"):
        d.log_prob(_lazy(np.where(np.arange(1000) == 512, 0.5, np.round(values)), chunks=100)).compute()
    unchecked = Poisson(_lazy([-4.0]), validate_args=False).log_prob(_lazy(np.round(values), chunks=100))
    assert not any(str(name).startswith(("check_block-", "after_check-")) for name in unchecked.dask.layers)
    expected = Poisson(np.array([-4.0]), validate_args=False).log_prob(np.round(values))
    np.testing.assert_allclose(unchecked.compute(), expected, rtol=1e-12)  # validation off: the formula's value


def test_validation_adds_one_check_per_chunk_and_computes_nothing() -> None:
    """Checks are tasks of the graph beside the results, counted: building the distribution and log_prob
    computes nothing (the scheduler is never called), and the check of a parameter runs once per chunk."""
    calls = []

    def counting(dsk: Any, keys: Any, **kwargs: Any) -> Any:
        calls.append(len(keys))
        return dask.get(dsk, keys, **kwargs)

    with dask.config.set(scheduler=counting):
        d = Normal(_lazy(np.zeros(6), chunks=2), _lazy(np.ones(6), chunks=2))
        lp = d.log_prob(_lazy(np.zeros((3, 6)), chunks=(3, 2)))
        assert calls == []
        checks = [name for name in lp.dask.layers if str(name).startswith("check_block-")]
        assert len(checks) == 3  # scale, loc (each constraint and finiteness) and the value's support
        np.testing.assert_allclose(lp.compute(), np.full((3, 6), -0.5 * math.log(2 * math.pi)), rtol=1e-12)
        assert len(calls) == 1


def _subset_cases() -> list[Any]:
    from _matrix import SUBSET
    from cases import CASES

    return [c for c in CASES if c.name in SUBSET and "neutral" not in c.tags]


@pytest.mark.parametrize("case", _subset_cases(), ids=str)
def test_every_family_checks_its_parameters_at_compute(case: Any) -> None:
    """Each array parameter of each family's subset case made NaN in turn: NumPy refuses it when building; Dask
    builds without computing and its ``log_prob`` raises the same message at ``compute()`` (a wrapper such as
    HalfNormal adds its name in front on NumPy, where it catches its part's error; Dask's names the part)."""
    x = _lazy(case.build(arraydist, lambda v: np.asarray(v, np.float64)).sample(seed=0))

    def poisoned(k: int, lib: Any) -> Any:
        count = iter(range(100))
        return lambda v: lib(np.asarray(v, np.float64) * (math.nan if next(count) == k else 1.0))

    for k in range(8):
        try:
            case.build(arraydist, poisoned(k, np.asarray))
        except ValueError as exc:
            expected = str(exc)
        else:
            assert k > 0, "NumPy refuses a NaN parameter"
            break  # past the last array parameter
        with dask.config.set(scheduler=_forbidden_compute):
            lp = case.build(arraydist, poisoned(k, da.from_array)).log_prob(x)
        with pytest.raises(ValueError, match=r"^[A-Z]\w+: ") as raised:
            lp.compute()
        assert expected.endswith(str(raised.value))
