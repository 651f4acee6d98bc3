"""Dask: log_prob, cdf and sample stay lazy and chunked, nothing is computed behind the user's back, seeds
reproduce, and a 10^7-point log-likelihood runs through a dask.distributed cluster with worker processes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraydist
from arraydist import Independent, MultivariateNormal, Normal

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
    q = Normal(loc, 1.0)  # validation on: value checks are skipped on lazy arrays, never forced
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
