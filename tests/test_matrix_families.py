"""What is peculiar to the matrix families (Wishart, LKJCholesky): the marginal laws of their draws (Wishart's
diagonal is ``Sigma_ii chi2(df)``, an LKJ correlation ``2 Beta(eta - 1 + d/2, same) - 1``), the pathwise gradients
of their several-noise samplers (in distribution, through moments with a closed form), ``Wishart.mean`` under
``torch.compile(fullgraph=True)`` (torch.distributions' breaks the graph: pytorch#194596) and the errors of their
constructors.  torch.distributions registers no KL for either family, and neither does arraydist."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

import _stats
import arraydist
from arraydist import LKJCholesky, Wishart, kl_divergence
from backends import Backend

#: a family module: its tests without a registry case run on NumPy and torch by default, elsewhere in the
#: complement (tests/_matrix.py)
pytestmark = pytest.mark.family

COV = np.array([[2.0, 0.3, -0.4], [0.3, 0.5, 0.1], [-0.4, 0.1, 1.0]])


# ---------------------------------------------------------------------------------------------- marginal laws
@pytest.mark.statistical
def test_wishart_diagonal_is_a_scaled_chi_square(backend: Backend, dtype: str) -> None:
    """Each diagonal entry of a Wishart draw is ``Sigma_ii chi2(df)``: KS of 20,000 draws of each of the three
    entries at two df (one near ``p - 1``), Bonferroni over the six columns."""
    df = np.array([2.3, 7.0])
    d = Wishart(backend.asarray(df, dtype), covariance_matrix=backend.asarray(COV, dtype))
    x = np.asarray(backend.to_numpy(d.sample((20_000,), seed=11)), np.float64)
    diag = np.diagonal(x, axis1=-2, axis2=-1)  # (n, 2, 3)
    u = stats.chi2(df[:, None]).cdf(diag / np.diag(COV))
    _stats.check(_stats.bonferroni(list(_stats.ks_pvalue(u.reshape(len(u), -1)))), "Wishart diagonal")


@pytest.mark.statistical
def test_lkj_correlations_are_shifted_betas(backend: Backend, dtype: str) -> None:
    """Every off-diagonal entry of the correlation matrix ``L L^T`` is ``2 Beta(beta, beta) - 1`` with ``beta = eta -
    1 + d/2``: KS of 20,000 draws of each of the six entries of d = 4, at two concentrations."""
    eta = np.array([0.5, 3.0])
    d = LKJCholesky(4, backend.asarray(eta, dtype))
    factor = np.asarray(backend.to_numpy(d.sample((20_000,), seed=12)), np.float64)
    corr = factor @ np.swapaxes(factor, -1, -2)
    rows, cols = np.tril_indices(4, -1)
    r = corr[..., rows, cols]  # (n, 2, 6)
    beta = (eta - 1 + 2.0)[:, None]
    u = stats.beta(beta, beta).cdf((r + 1) / 2)
    _stats.check(_stats.bonferroni(list(_stats.ks_pvalue(u.reshape(len(u), -1)))), "LKJ correlations")


def test_lkj_draws_are_correlation_factors_at_small_concentrations(backend: Backend, dtype: str) -> None:
    """At concentration 0.05 most correlations are near +-1 (the last diagonal entry near 0): the rows still have
    norm 1 and the diagonal stays positive and finite (it is drawn as sqrt(G2 / (G1 + G2)), not 1 - |w|^2)."""
    d = LKJCholesky(3, backend.asarray(np.array([0.05]), dtype))
    x = d.sample((2000,), seed=3)
    assert bool(np.all(backend.to_numpy(arraydist.constraints.corr_cholesky.check(x))))
    assert np.all(np.isfinite(np.asarray(backend.to_numpy(d.log_prob(x)), np.float64)))


# ---------------------------------------------------------------------------------------------- gradients
torch = pytest.importorskip("torch")


def _per_draw(n: int, value: float) -> Any:
    """One parameter per draw, so that the gradient of a sum is each draw's own derivative."""
    return torch.full((n,), value, dtype=torch.float64, requires_grad=True)


@pytest.mark.statistical
@pytest.mark.on_backend("torch")
def test_wishart_rsample_gradient_in_df_is_right_in_distribution() -> None:
    """``E tr X = df tr Sigma``, so ``d/d df E tr X = tr Sigma``: the Monte-Carlo mean of the pathwise derivative of
    ``tr X`` over 20,000 draws (each with its own df) within Z standard errors, at two df."""
    n = 20_000
    estimate, stderr = [], []
    for df in (2.4, 6.0):
        nu = _per_draw(n, df)
        x = Wishart(nu, covariance_matrix=torch.as_tensor(COV)).rsample(seed=5)
        torch.diagonal(x, dim1=-2, dim2=-1).sum().backward()
        g = nu.grad.numpy()
        estimate.append(g.mean())
        stderr.append(g.std(ddof=1) / np.sqrt(n))
    _stats.assert_within_monte_carlo(
        np.full(2, np.trace(COV)), np.array(estimate), np.array(stderr), "Wishart d tr X / d df"
    )


@pytest.mark.on_backend("torch")
def test_wishart_rsample_gradient_in_the_scale_is_exact() -> None:
    """A draw is ``L B L^T`` with ``B`` independent of ``L`` at a fixed seed, so ``d sum(W * X) / dL = (W + W^T) L
    B`` draw by draw (the entries above the diagonal too, which a draw multiplies by zeros)."""
    tril = torch.linalg.cholesky(torch.as_tensor(COV)).requires_grad_(True)
    x = Wishart(torch.tensor([4.0, 9.0], dtype=torch.float64), scale_tril=tril).rsample((3,), seed=2)
    w = torch.as_tensor(np.random.default_rng(0).standard_normal((3, 2, 3, 3)))
    (w * x).sum().backward()
    t = tril.detach()
    b = torch.linalg.solve_triangular(t, torch.linalg.solve_triangular(t, x.detach(), upper=False).mT, upper=False)
    expected = ((w + w.mT) @ t @ b).sum((0, 1))  # every entry: the draw reads the whole matrix, as in torch
    torch.testing.assert_close(tril.grad, expected)


@pytest.mark.statistical
@pytest.mark.on_backend("torch")
def test_lkj_rsample_gradient_in_concentration_is_right_in_distribution() -> None:
    """torch.distributions' LKJCholesky has no rsample; arraydist's is reparameterized.  A correlation ``r`` has
    ``E r^2 = 1 / (2 eta + d - 1)``: the Monte-Carlo mean of the pathwise derivative of ``r^2`` (entries (1, 0)
    and (3, 1) of d = 4) against ``-2 / (2 eta + d - 1)^2``, at two concentrations."""
    n, dim = 20_000, 4
    estimate, stderr, expected = [], [], []
    for eta in (0.7, 2.5):
        for i, j in ((1, 0), (3, 1)):
            conc = _per_draw(n, eta)
            factor = LKJCholesky(dim, conc).rsample(seed=8)
            assert factor.requires_grad
            corr = factor @ factor.mT
            (corr[:, i, j] ** 2).sum().backward()
            g = conc.grad.numpy()
            estimate.append(g.mean())
            stderr.append(g.std(ddof=1) / np.sqrt(n))
            expected.append(-2 / (2 * eta + dim - 1) ** 2)
    _stats.assert_within_monte_carlo(
        np.array(expected), np.array(estimate), np.array(stderr), "LKJ d r^2 / d concentration"
    )


@pytest.mark.on_backend("torch")
def test_wishart_moments_compile_in_one_graph() -> None:
    """``mean``, ``mode`` and ``variance`` of a Wishart built inside ``torch.compile(fullgraph=True)``: no graph
    break (torch.distributions' ``mean`` breaks it, pytorch#194596), and the eager values."""

    def moments(df: Any, cov: Any) -> tuple[Any, Any, Any]:
        d = Wishart(df, covariance_matrix=cov, validate_args=False)
        return d.mean, d.mode, d.variance

    df = torch.tensor([3.5, 6.0], dtype=torch.float64)
    cov = torch.as_tensor(COV)
    torch._dynamo.reset()
    compiled = torch.compile(moments, fullgraph=True, backend="aot_eager")
    for got, want in zip(compiled(df, cov), moments(df, cov)):
        torch.testing.assert_close(got, want, equal_nan=True)


# ---------------------------------------------------------------------------------------------- errors
def test_wishart_df_must_exceed_the_dimension_minus_one() -> None:
    with pytest.raises(ValueError, match=r"^Wishart: the parameters must satisfy df > p - 1 = 2 .*df=\[2\.5, 1\.5\]"):
        Wishart(np.array([2.5, 1.5]), covariance_matrix=COV)
    with pytest.raises(ValueError, match=r"^Wishart: parameter 'df' must be positive"):
        Wishart(-1.0, covariance_matrix=np.eye(1))
    Wishart(2.5, covariance_matrix=COV)  # p - 1 < df < p: allowed (draws may be nearly singular)


def test_wishart_covariance_must_be_positive_definite() -> None:
    with pytest.raises(ValueError, match=r"^Wishart: parameter 'covariance_matrix' must be symmetric positive"):
        Wishart(4.0, covariance_matrix=np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match=r"^Wishart takes exactly one of covariance_matrix, precision_matrix"):
        Wishart(4.0, covariance_matrix=COV, scale_tril=np.linalg.cholesky(COV))


def test_lkj_dim_is_an_integer_of_at_least_two() -> None:
    with pytest.raises(ValueError, match=r"^LKJCholesky: parameter 'dim' must be an integer >= 2; got 1"):
        LKJCholesky(1)
    with pytest.raises(TypeError, match=r"^LKJCholesky: dim must be a Python int"):
        LKJCholesky(2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^LKJCholesky: parameter 'concentration' must be positive"):
        LKJCholesky(3, np.array([1.0, 0.0]))
    d = LKJCholesky(np.int64(3), 2.0)
    assert d.dim == 3 and type(d.dim) is int and d.event_shape == (3, 3)
    assert d[None].dim == 3 and d.expand((2,)).dim == 3


@pytest.mark.statistical(2)
def test_wishart_kl_matches_torch_member_by_member_and_monte_carlo() -> None:
    """KL(Wishart || Wishart) in closed form: equal to torch's for one pair (torch reaches it through its generic
    exponential-family rule), and to a Monte-Carlo estimate with SciPy's densities; batched, torch's generic rule
    mixes the batch members (11.13 and 11.40 where each member alone gives 0.67 and 13.85), ours gives each its own."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 3, 3)), rng.standard_normal((3, 3))
    s_p = a @ np.swapaxes(a, -1, -2) + np.eye(3)
    s_q = b @ b.T + np.eye(3)
    df_p, df_q = np.array([4.0, 7.5]), 5.0
    q_dist = Wishart(np.array(df_q), scale_tril=np.linalg.cholesky(s_q))
    kl = kl_divergence(Wishart(df_p, covariance_matrix=s_p), q_dist)
    assert kl.shape == (2,)
    td = torch.distributions
    t = lambda x: torch.as_tensor(x, dtype=torch.float64)  # noqa: E731
    for i in range(2):
        theirs = td.kl_divergence(td.Wishart(t(df_p[i]), t(s_p[i])), td.Wishart(t(df_q), t(s_q)))
        np.testing.assert_allclose(kl[i], float(theirs.detach()), rtol=1e-10)
        p, q = stats.wishart(df_p[i], s_p[i]), stats.wishart(df_q, s_q)
        x = np.moveaxis(p.rvs(_stats.KL_DRAWS, random_state=i), 0, -1)
        estimate, stderr = _stats.monte_carlo_kl(p.logpdf(x), q.logpdf(x))
        _stats.assert_within_monte_carlo(kl[i], estimate, stderr, f"KL(Wishart member {i})")
