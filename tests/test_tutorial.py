"""Every step of ../shared/SEED_TUTORIAL.md, on every backend."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import _stats
from arraydist import Independent, MultivariateNormal, Normal
from backends import Backend


@pytest.mark.statistical
def test_tutorial_shapes(backend: Backend, dtype: str) -> None:
    mean = backend.asarray([[1, 1], [2, 2], [3, 3]], dtype)
    var = np.full((3, 2), 0.1)
    var_matrix = backend.asarray(var[:, :, None] * np.eye(2)[None, :, :], dtype)
    assert tuple(var_matrix.shape) == (3, 2, 2)

    multi_normal = MultivariateNormal(loc=mean, covariance_matrix=var_matrix)
    assert multi_normal.batch_shape == (3,)
    assert multi_normal.event_shape == (2,)
    assert tuple(multi_normal.sample(seed=2).shape) == (3, 2)
    samples = multi_normal.sample((100,), seed=0)
    assert tuple(samples.shape) == (100, 3, 2)
    # the second axis is the batch axis: member i's cloud sits around (i + 1, i + 1) (each centre is normal with
    # standard deviation sqrt(0.1 / 100); one statistical check of the six)
    centres = backend.to_numpy(samples).mean(axis=0)
    z = (centres - np.array([[1, 1], [2, 2], [3, 3]])) / np.sqrt(0.1 / 100)
    _stats.check(_stats.bonferroni(2 * stats.norm.sf(np.abs(z)).ravel()), f"centres {centres}")

    sigma = backend.asarray(np.sqrt(var), dtype)
    normal = Normal(loc=mean, scale=sigma)
    assert normal.batch_shape == (3, 2)
    assert normal.event_shape == ()
    iid_normal = Independent(normal, 1)
    assert iid_normal.batch_shape == (3,)
    assert iid_normal.event_shape == (2,)
    assert tuple(iid_normal.sample((100,), seed=3).shape) == (100, 3, 2)

    x = backend.asarray(np.array([[1.2, 0.9], [2.0, 2.3], [2.5, 3.1]]), dtype)
    lp_iid, lp_mvn = iid_normal.log_prob(x), multi_normal.log_prob(x)
    assert tuple(lp_iid.shape) == (3,)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(backend.to_numpy(lp_iid), backend.to_numpy(lp_mvn), rtol=tol, atol=tol)
    # the rule: sample_shape + batch_shape + event_shape; log_prob drops the event part
    draws = iid_normal.sample((4, 5), seed=1)
    assert tuple(draws.shape) == (4, 5, 3, 2)
    assert tuple(iid_normal.log_prob(draws).shape) == (4, 5, 3)
    assert tuple(multi_normal.log_prob(draws).shape) == (4, 5, 3)


def test_sample_versus_rsample_gradients(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    loc = torch.tensor([0.5, -1.0], requires_grad=True)
    scale = torch.tensor([1.0, 2.0], requires_grad=True)
    d = Normal(loc, scale)
    assert not d.sample().requires_grad
    y = d.rsample()
    y.sum().backward()
    torch.testing.assert_close(loc.grad, torch.ones(2))
    assert scale.grad is not None


def test_sample_versus_rsample_on_numpy() -> None:
    d = Normal(np.array([0.5, -1.0]), np.array([1.0, 2.0]))
    np.testing.assert_array_equal(d.sample((3,), seed=5), d.rsample((3,), seed=5))
