"""Gradients: ``rsample`` carries them (against analytic and finite-difference gradients), ``sample`` does not.

Runs on every differentiable backend (torch here; JAX joins through ``Backend.differentiable``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraydist
from backends import BACKENDS, Backend
from cases import CASES, L3, S3, TRIL3, Case

torch = pytest.importorskip("torch")

DIFFERENTIABLE = [b for b in BACKENDS if b.differentiable and b.available()]


def leaf(x: Any) -> Any:
    return torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


def test_normal_rsample_gradient_is_analytic() -> None:
    loc, scale = leaf(L3), leaf(S3)
    d = arraydist.Normal(loc, scale)
    x = d.rsample((50,), seed=3)
    w = torch.linspace(-1.0, 2.0, 3, dtype=torch.float64)
    (x * w).sum().backward()
    eps = (x.detach() - loc.detach()) / scale.detach()
    torch.testing.assert_close(loc.grad, 50 * w)
    torch.testing.assert_close(scale.grad, (w * eps).sum(0))


def test_multivariate_normal_rsample_gradient_is_analytic() -> None:
    loc, tril = leaf(L3), leaf(TRIL3)
    d = arraydist.MultivariateNormal(loc, scale_tril=tril)
    x = d.rsample((40,), seed=4)  # (40, 2, 3)
    w = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    (x * w).sum().backward()
    eps = torch.linalg.solve_triangular(tril.detach(), (x.detach() - loc.detach())[..., None], upper=False)[..., 0]
    torch.testing.assert_close(loc.grad, 80 * w)
    # d(w . L eps)/dL_ij = w_i eps_j, summed over draws (x = loc + L @ eps reads the whole matrix, as in torch)
    expected = (w[:, None] * eps[..., None, :]).sum(0)
    torch.testing.assert_close(tril.grad, expected)


def test_sample_carries_no_gradient() -> None:
    loc, scale = leaf(L3), leaf(S3)
    for d in (arraydist.Normal(loc, scale), arraydist.Independent(arraydist.Normal(loc, scale), 1)):
        x = d.sample((5,), seed=0)
        assert not x.requires_grad and x.grad_fn is None
        y = d.rsample((5,), seed=0)
        assert y.requires_grad
        torch.testing.assert_close(x, y.detach())


def _direction(x: Any, rng: np.random.Generator) -> Any:
    """A random direction in the parameter's space (symmetric or lower-triangular matrices), scaled entrywise
    by the parameter's magnitude so that one relative step size suits tiny and huge scales alike."""
    v = torch.as_tensor(rng.standard_normal(tuple(x.shape))) * (x.abs() + 1e-3 * x.abs().max())
    if x.ndim >= 2 and x.shape[-1] == x.shape[-2]:
        if torch.allclose(x, x.mT):
            return (v + v.mT) / 2
        if torch.equal(x, torch.tril(x)):
            return torch.tril(v)
    return v


@pytest.mark.parametrize("backend", DIFFERENTIABLE, ids=lambda b: b.id)
@pytest.mark.parametrize("case", [c for c in CASES if "neutral" not in c.tags], ids=str)
def test_rsample_and_log_prob_gradients_match_finite_differences(case: Case, backend: Backend) -> None:
    leaves: list[Any] = []

    def conv(x: Any) -> Any:
        t = leaf(x)
        leaves.append(t)
        return t

    d = case.build(arraydist, conv)
    params = [t.detach().clone() for t in leaves]
    rng = np.random.default_rng(0)
    directions = [_direction(p, rng) for p in params]
    value = d.sample((3,), seed=9)

    def objective(ts: list[Any]) -> Any:
        it = iter(ts)
        dist = case.build(arraydist, lambda _: next(it))
        weights = torch.linspace(-1.0, 1.0, int(np.prod(case.event_shape or (1,))), dtype=torch.float64)
        draws = dist.rsample((4,), seed=5).reshape(4, *dist.batch_shape, -1)
        return (draws * weights).sum() + dist.log_prob(value).sum()

    objective(leaves).backward()
    analytic = sum(float((t.grad * v).sum()) for t, v in zip(leaves, directions))
    h = 1e-6
    plus = objective([p + h * v for p, v in zip(params, directions)])
    minus = objective([p - h * v for p, v in zip(params, directions)])
    numeric = float(plus - minus) / (2 * h)
    assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-6)
