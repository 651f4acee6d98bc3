"""What is peculiar to the simplex group (Dirichlet, LogisticNormal): the peers' bugs of issue 21 (torch's
Dirichlet drawing exactly the centre at small concentrations, pytorch#76030; JAX's NaN gradients at tiny
concentrations, jax#18129), Dirichlet's pathwise gradient in distribution (the suite's distributional check is
univariate), torch's conventions (mode, KL, LogisticNormal's construction) and the errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

import _stats
import arraydist
from arraydist import Dirichlet, Independent, LogisticNormal, Normal, kl_divergence
from arraydist.transforms import StickBreakingTransform
from backends import Backend
from cases_simplex import DirichletRef

#: a family module: its tests without a registry case run on NumPy and torch by default, elsewhere in the
#: complement (tests/_matrix.py)
pytestmark = pytest.mark.family


# ---------------------------------------------------------------------------------------------- sampler
@pytest.mark.statistical
def test_dirichlet_of_tiny_concentrations_is_drawn_near_the_vertices(backend: Backend, dtype: str) -> None:
    """Dirichlet(1e-3 in five entries) puts almost all of its mass near the vertices: torch.distributions draws
    about a fifth of its draws at exactly (1/5, ..., 1/5) (pytorch#76030: every gamma clamped to the same
    smallest number).  No draw is at the centre, and the counts of 100,000 draws with the first entry above 1/2
    and in (0.1, 0.9) follow their exact binomial laws (the first entry is Beta(a, 4a))."""
    n, k, a = 100_000, 5, 1e-3
    conc = backend.asarray(np.full(k, a), dtype)
    x = np.asarray(backend.to_numpy(Dirichlet(conc).sample((n,), seed=11)), np.float64)
    assert not np.any(np.all(np.abs(x - 1 / k) < 1e-3, axis=-1)), "draws at the centre of the simplex"
    np.testing.assert_allclose(x.sum(-1), 1.0, rtol=10 * np.finfo(dtype).eps)
    first = stats.beta(a, (k - 1) * a)
    p_above = float(first.sf(0.5))
    p_middle = float(first.cdf(0.9) - first.cdf(0.1))
    assert 0.18 < p_above < 0.22 and p_middle < 5e-3
    above = int((x[:, 0] > 0.5).sum())
    middle = int(((x[:, 0] > 0.1) & (x[:, 0] < 0.9)).sum())
    pvalues = [stats.binomtest(above, n, p_above).pvalue, stats.binomtest(middle, n, p_middle).pvalue]
    _stats.check(_stats.bonferroni(pvalues), f"Dirichlet(1e-3): {above} of {n} above 1/2, {middle} in (0.1, 0.9)")


def _second_moment_objective(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Weights ``w``, ``v`` of ``f(x) = sum w x + sum v x^2`` and its expectation's gradient in ``a``, exact:
    ``E x_j = a_j / A`` and ``E x_j^2 = a_j (a_j + 1) / (A (A + 1))``."""
    k = a.shape[-1]
    w, v = np.arange(1.0, k + 1), np.arange(k, 0.0, -1)
    total = a.sum()
    mean, second = a / total, a * (a + 1) / (total * (total + 1))
    # d/da_i of sum_j w_j a_j / A and of sum_j v_j a_j (a_j + 1) / (A (A + 1))
    d_mean = w / total - (w * mean).sum() / total
    d_second = v * (2 * a + 1) / (total * (total + 1)) - (v * second).sum() * (2 * total + 1) / (total * (total + 1))
    return w, v, d_mean + d_second


@pytest.mark.statistical
@pytest.mark.parametrize(
    "concentration",
    [[2e-3, 1e-3, 1e-3, 1e-3, 1e-3], [0.3, 1.0, 2.5, 0.7, 6.0], [1.5, 2.0, 3.0, 1.2, 4.0]],
    ids=["tiny", "moderate", "above-one"],
)
def test_dirichlet_rsample_gradient_is_right_in_distribution(
    concentration: list[float], torch_backend: Backend, dtype: str
) -> None:
    """The pathwise gradient of ``f(x) = sum w x + sum v x^2`` over 50,000 draws (each drawn from its own copy
    of the parameters, so each draw's gradient is its own), against the exact derivative of ``E f``, within
    ``_stats.Z`` standard errors: finite and unbiased down to concentrations of 1e-3."""
    torch = torch_backend.lib
    n = 50_000
    a0 = np.asarray(concentration)
    a = torch.tensor(np.broadcast_to(a0, (n, a0.size)).copy(), dtype=getattr(torch, dtype), requires_grad=True)
    w, v, expected = _second_moment_objective(a0)
    x = Dirichlet(a).rsample(seed=3)
    ((x * torch.as_tensor(w, dtype=x.dtype)).sum() + (x * x * torch.as_tensor(v, dtype=x.dtype)).sum()).backward()
    per_draw = a.grad.double().numpy()
    assert np.isfinite(per_draw).all()
    _stats.assert_within_monte_carlo(
        expected, per_draw.mean(0), per_draw.std(0, ddof=1) / np.sqrt(n), "Dirichlet: gradient in distribution"
    )


def test_torch_draws_follow_the_seed_and_a_shared_concentration(torch_backend: Backend) -> None:
    """On torch's CPU the draws come from NumPy's sampler seeded by the torch generator: ``torch.manual_seed`` and
    int seeds decide them, with or without gradients, and a concentration shared by every draw (expanded) gets the
    sum of the gradients the same draws give to one copy of it per draw."""
    torch = torch_backend.lib
    a0 = [0.4, 2.0, 1.0]
    torch.manual_seed(5)
    first = Dirichlet(torch.tensor(a0)).sample((4,))
    torch.manual_seed(5)
    assert torch.equal(first, Dirichlet(torch.tensor(a0)).sample((4,)))
    shared = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    copies = torch.tensor([a0] * 200, dtype=torch.float64, requires_grad=True)
    x_shared = Dirichlet(shared).rsample((200,), seed=9)
    x_copies = Dirichlet(copies).rsample(seed=9)
    torch.testing.assert_close(x_shared, x_copies, rtol=0, atol=0)
    torch.testing.assert_close(x_shared.detach(), Dirichlet(shared.detach()).sample((200,), seed=9), rtol=0, atol=0)
    w = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    (x_shared * w).sum().backward()
    (x_copies * w).sum().backward()
    torch.testing.assert_close(shared.grad, copies.grad.sum(0))


@pytest.mark.on_backend("jax")
def test_dirichlet_gradients_on_jax_are_finite_at_tiny_concentrations() -> None:
    """jax#18129: JAX's own Dirichlet gradients were NaN at tiny concentrations; these are finite and not all
    zero, in float32 and float64 (the suite runs JAX with x64)."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    for dtype in (jnp.float32, jnp.float64):
        a = jnp.full((2000, 5), 1e-3, dtype)
        w = jnp.arange(1.0, 6.0, dtype=dtype)

        def f(conc: Any, w: Any = w) -> Any:
            return (Dirichlet(conc).rsample(seed=jax.random.key(3)) * w).sum()

        g = np.asarray(jax.grad(f)(a))
        assert np.isfinite(g).all() and np.any(g != 0), dtype


# ---------------------------------------------------------------------------------------------- values
def test_the_reference_density_is_scipys() -> None:
    """The registry's reference writes the density out (SciPy's ``dirichlet.logpdf`` refuses float32 points): it
    is SciPy's on points that sum to 1 in float64."""
    a = np.array([[0.3, 1.0, 2.5], [1e2, 1e2, 1e-3]])
    x = np.random.default_rng(0).dirichlet([1.0, 2.0, 3.0], size=4)
    got = DirichletRef(a).log_prob(x[:, None, :])
    want = np.array([[stats.dirichlet(ai).logpdf(xi) for ai in a] for xi in x])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_mode_mean_and_variance_follow_torch(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    a = torch.tensor(
        [[0.5, 0.3, 0.9], [0.5, 2.0, 3.0], [1.0, 1.0, 1.0], [1.0, 0.5, 0.2], [4.0, 1.0, 0.5]], dtype=torch.float64
    )
    ours, theirs = Dirichlet(a), torch.distributions.Dirichlet(a)
    for moment in ("mode", "mean", "variance"):
        torch.testing.assert_close(getattr(ours, moment), getattr(theirs, moment), equal_nan=True, msg=moment)


def test_kl_matches_torch(torch_backend: Backend, dtype: str) -> None:
    torch = torch_backend.lib
    t = getattr(torch, dtype)
    p = torch.tensor([[0.5, 2.0, 3.0], [1e-3, 1.0, 1e2]], dtype=t)
    q = torch.tensor([[1.5, 0.4, 3.0], [2.0, 2.0, 50.0]], dtype=t)
    ours = kl_divergence(Dirichlet(p), Dirichlet(q))
    theirs = torch.distributions.kl_divergence(torch.distributions.Dirichlet(p), torch.distributions.Dirichlet(q))
    torch.testing.assert_close(ours, theirs, rtol=1e-4 if dtype == "float32" else 1e-10, atol=1e-5)


# ---------------------------------------------------------------------------------------------- LogisticNormal
def test_logistic_normal_is_torchs_construction(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    loc = torch.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=torch.float64)
    scale = torch.tensor([1.0, 0.3], dtype=torch.float64)
    d = LogisticNormal(loc, scale)
    assert isinstance(d, arraydist.TransformedDistribution) and isinstance(d.base_dist, Independent)
    assert isinstance(d.base_dist.base_dist, Normal) and isinstance(d.transforms[0], StickBreakingTransform)
    assert (d.batch_shape, d.event_shape) == ((2,), (3,))
    torch.testing.assert_close(d.loc, loc)
    torch.testing.assert_close(d[1].scale, scale)
    y = torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]], dtype=torch.float64)
    torch.testing.assert_close(d.log_prob(y), torch.distributions.LogisticNormal(loc, scale).log_prob(y))
    assert LogisticNormal(0.0, 1.0).event_shape == (2,)  # one number: K = 1, as torch.distributions
    with pytest.raises(NotImplementedError, match=r"^LogisticNormal does not implement cdf"):
        d.cdf(y)


# ---------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Dirichlet(np.array([1.0, -2.0])), r"^Dirichlet: .*concentration"),
        (lambda: Dirichlet(np.array(1.0)), r"^Dirichlet: concentration has shape \(\) but .* at least 1 dimension"),
        (lambda: Dirichlet(np.zeros((2, 0))), r"^Dirichlet: concentration must have at least one dimension"),
        (lambda: LogisticNormal(np.zeros(2), np.array([1.0, 0.0])), r"^LogisticNormal: .*scale"),
    ],
)
def test_bad_parameters_are_named(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_values_off_the_simplex_are_refused() -> None:
    d = Dirichlet(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"^Dirichlet\.log_prob: .*simplex"):
        d.log_prob(np.array([0.5, 0.6, 0.1]))
