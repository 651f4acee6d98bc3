"""What is peculiar to the gamma group (Gamma, Chi2, InverseGamma, Beta, StudentT, FisherSnedecor): the bugs of the
peers from issue 20 (Beta(1e-3, 1e-3) drawn right, StudentT's float32 log density at df = 1e4 and Gamma's float32
entropy at 1000 against mpmath, JAX's gamma gradients against the implicit formula), the log-space gamma sampler
below the smallest normal number, the hierarchy and torch's conventions, and KL parity with torch.distributions
for every pair torch registers among these families and the classes that exist (Normal)."""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import pytest
from scipy import special, stats

import _stats
import arraydist
from arraydist import (
    Beta,
    Chi2,
    FisherSnedecor,
    Gamma,
    Gumbel,
    InverseGamma,
    Normal,
    Pareto,
    StudentT,
    Uniform,
    kl_divergence,
)
from arraydist.transforms import PowerTransform
from backends import Backend

#: a family module: its tests without a registry case run on NumPy and torch by default, elsewhere in the
#: complement (tests/_matrix.py)
pytestmark = pytest.mark.family

mpmath.mp.dps = 40


# ---------------------------------------------------------------------------------------------- samplers
@pytest.mark.statistical
def test_beta_of_tiny_concentrations_puts_its_mass_at_the_ends(backend: Backend, dtype: str) -> None:
    """Beta(1e-3, 1e-3) puts 0.04 % of its mass in (0.4, 0.6) and half below 1/2 (torch.distributions: 24 % in
    (0.4, 0.6), pytorch#136532, its two gammas underflowing to the same clamp): the counts of 200,000 draws
    against their exact binomial laws."""
    n = 200_000
    a = backend.asarray(np.full(2, 1e-3), dtype)
    x = np.asarray(backend.to_numpy(Beta(a, a).sample((n // 2,), seed=7)), np.float64).ravel()
    inside = float(stats.beta(1e-3, 1e-3).cdf(0.6) - stats.beta(1e-3, 1e-3).cdf(0.4))
    assert 3e-4 < inside < 5e-4
    middle = int(((x > 0.4) & (x < 0.6)).sum())
    below = int((x < 0.5).sum())
    p_middle = stats.binomtest(middle, n, inside).pvalue
    p_below = stats.binomtest(below, n, 0.5).pvalue
    _stats.check(_stats.bonferroni([p_middle, p_below]), f"Beta(1e-3, 1e-3): {middle} of {n} in (0.4, 0.6)")


class _LogGammaScores:
    """Normal scores of log-space draws of Gamma(a, 1): the CDF of log G is P(a, e^t), which below t = -700 (where
    e^t underflows) is its leading term exp(a t - lgamma(a + 1)) (the relative error of that term is below a e^t)."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        t = draws.reshape(draws.shape[0], -1)
        deep = t < -700
        with np.errstate(over="ignore", under="ignore"):
            u = np.where(
                deep,
                np.exp(self.a * np.minimum(t, 0) - special.gammaln(self.a + 1)),
                special.gammainc(self.a, np.exp(t)),
            )
        return _stats.scores_of(u)


@pytest.mark.statistical
def test_log_space_gamma_draws_fit_far_below_the_smallest_number(backend: Backend, dtype: str) -> None:
    """``Ops.log_standard_gamma`` at concentrations 1e-3 (half of the draws below float64's smallest number,
    92 % below float32's), 0.3, 1 and 4: the sampler check of the suite on the logarithms themselves."""
    a = np.array([1e-3, 0.3, 1.0, 4.0])
    ops = arraydist._backend.ops_of(backend.asarray(a, dtype))
    conc = backend.asarray(a, dtype)
    n = _stats.sample_size(a.size) // 2
    runs = []
    for seed in _stats.GOF_SEEDS:
        rng = ops.make_rng(seed, ops.device(conc))
        draws = ops.log_standard_gamma(rng, conc, (n, a.size), conc.dtype, ops.device(conc))
        runs.append(np.asarray(backend.to_numpy(draws), np.float64))
    assert np.all(np.isfinite(runs[0])) and runs[0][:, 0].min() < -2000  # far below any float's range
    _stats.check_pvalues(_stats.sampler_pvalues(runs, _LogGammaScores(a)), f"log_standard_gamma on {backend.id}")


def test_rsample_of_each_family_carries_gradients_to_every_parameter(torch_backend: Backend) -> None:
    torch = torch_backend.lib

    def leaf(v: float) -> Any:
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    for make, names in [
        (lambda p: Gamma(*p), 2), (lambda p: Chi2(*p), 1), (lambda p: InverseGamma(*p), 2), (lambda p: Beta(*p), 2),
        (lambda p: StudentT(*p), 3), (lambda p: FisherSnedecor(*p), 2),
    ]:  # fmt: skip
        params = [leaf(v) for v in (0.7, 2.5, 1.5)[:names]]
        x = make(params).rsample((50,), seed=1)
        x.sum().backward()
        assert all(p.grad is not None and torch.isfinite(p.grad) and p.grad != 0 for p in params), make
        assert not make(params).sample((3,), seed=1).requires_grad


@pytest.mark.on_backend("jax")
def test_jax_gamma_gradients_are_the_implicit_formula() -> None:
    """JAX's gamma gradients fail ``check_grads`` (jax#27349: finite differences of a rejection sampler are not
    its gradient): the gradient of each Gamma draw in its concentration is the implicit one,
    ``-(dP(a, z)/da) / p(z)``, here against mpmath's derivative of the regularized incomplete gamma function."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    a = np.array([0.3, 1.0, 4.5])

    def draws(conc: Any) -> Any:
        return Gamma(conc, jnp.ones(3, jnp.float64)).rsample((4,), seed=jax.random.key(5))

    conc = jnp.asarray(a, jnp.float64)  # the suite runs JAX with x64 (conftest.py)
    z = np.asarray(draws(conc))
    jac = np.asarray(jax.jacfwd(draws)(conc))  # (4, 3, 3): only the diagonal in the last two is nonzero
    got = np.einsum("sii->si", jac)
    want = np.empty_like(z)
    for s, i in np.ndindex(z.shape):
        ai, zi = mpmath.mpf(a[i]), mpmath.mpf(z[s, i])
        dcdf = mpmath.diff(lambda t, zi=zi: mpmath.gammainc(t, 0, zi, regularized=True), ai)
        density = mpmath.exp((ai - 1) * mpmath.log(zi) - zi - mpmath.loggamma(ai))
        want[s, i] = float(-dcdf / density)
    np.testing.assert_allclose(got, want, rtol=1e-6)


# ---------------------------------------------------------------------------------------------- float32 numerics
def test_student_t_float32_log_prob_at_df_1e4_against_mpmath(backend: Backend) -> None:
    """torch's float32 StudentT.log_prob at df = 1e4 is off by 2e-3 (lgamma(5000) - lgamma(5000.5) of terms 37586):
    the normalizer without large terms keeps float32's resolution."""
    x = np.array([-4.0, -1.0, 0.0, 0.5, 3.0], np.float32)
    got = np.asarray(
        backend.to_numpy(StudentT(backend.asarray(1e4, "float32")).log_prob(backend.asarray(x, "float32")))
    )
    nu = mpmath.mpf(10_000)

    def exact(v: float) -> float:
        log_norm = mpmath.loggamma((nu + 1) / 2) - mpmath.loggamma(nu / 2) - mpmath.log(nu * mpmath.pi) / 2
        return float(log_norm - (nu + 1) / 2 * mpmath.log1p(mpmath.mpf(float(v)) ** 2 / nu))

    want = np.array([exact(v) for v in x])
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6)


def test_student_t_log_prob_where_t_squared_overflows_against_mpmath(backend: Backend, dtype: str) -> None:
    """log1p(t^2 / df) was inf once t^2 overflows (|t| > 1.8e19 in float32, 1.3e154 in float64): the log density
    is finite there (-306.6 at t = -2.2e33, df = 3), and stays so at every size the dtype holds."""
    values = [3.0, -40.0, 2e19, -4.45e33, 3e38] + ([1e160, -1e200, 1.7e308] if dtype == "float64" else [])
    x = np.asarray(values, dtype)
    for df, loc, scale in ((3.0, 0.5, 2.0), (0.5, 0.0, 1.0)):
        d = StudentT(*(backend.asarray(p, dtype) for p in (df, loc, scale)))
        got = backend.to_numpy(d.log_prob(backend.asarray(x, dtype))).astype(np.float64)
        nu = mpmath.mpf(df)
        log_norm = mpmath.loggamma((nu + 1) / 2) - mpmath.loggamma(nu / 2) - mpmath.log(nu * mpmath.pi) / 2
        want = [
            float(
                log_norm
                - mpmath.log(scale)
                - (nu + 1) / 2 * mpmath.log1p(((mpmath.mpf(float(v)) - loc) / scale) ** 2 / nu)
            )
            for v in x
        ]
        np.testing.assert_allclose(got, want, rtol={"float32": 2e-6, "float64": 1e-13}[dtype], err_msg=f"df={df}")


@pytest.mark.parametrize("family", ["Gamma", "InverseGamma", "Beta", "StudentT"])
def test_float32_entropies_at_a_thousand_against_mpmath(family: str, backend: Backend) -> None:
    """Gamma's float32 entropy at concentration 1000 (lgamma 5905 and (1 - a) digamma -6900 cancel to 4.8: off by
    6e-5 in the direct form), and the same cancellation in InverseGamma, Beta(1000, 1000) and StudentT(1e4)."""
    a = mpmath.mpf(1000)
    one = lambda v: backend.asarray(v, "float32")  # noqa: E731
    if family == "Gamma":
        d, want = Gamma(one(1000.0), one(2.5)), a - mpmath.log(2.5) + mpmath.loggamma(a) + (1 - a) * mpmath.digamma(a)
    elif family == "InverseGamma":
        d = InverseGamma(one(1000.0), one(2.5))
        want = a + mpmath.log(2.5) + mpmath.loggamma(a) - (1 + a) * mpmath.digamma(a)
    elif family == "Beta":
        d = Beta(one(1000.0), one(1000.0))
        want = mpmath.log(mpmath.beta(a, a)) - 2 * (a - 1) * mpmath.digamma(a) + (2 * a - 2) * mpmath.digamma(2 * a)
    else:
        nu = mpmath.mpf(10_000)
        d = StudentT(one(1e4))
        half = (nu + 1) / 2
        want = (
            half * (mpmath.digamma(half) - mpmath.digamma(nu / 2))
            + mpmath.log(nu) / 2
            + mpmath.log(mpmath.beta(nu / 2, 0.5))
        )
    got = float(np.asarray(backend.to_numpy(d.entropy())))
    assert got == pytest.approx(float(want), rel=2e-6, abs=2e-6)


def _mp_log_of(small: Any, other: Any) -> float:
    """log(small), through log1p(-other) where small is near 1."""
    return float(mpmath.log(small) if small < 0.5 else mpmath.log1p(-other))


def _mp_log_tails(family: str, v: float) -> tuple[float, float]:
    """(log CDF, log survival function) of the test's distributions at v, from mpmath's own lower and upper
    incomplete functions (each to its relative accuracy)."""
    x = mpmath.mpf(v)
    if family in ("Gamma", "InverseGamma"):
        a, y = mpmath.mpf(2.5), 2 * x if family == "Gamma" else 2 / x
        low = mpmath.gammainc(a, 0, y, regularized=True)
        high = mpmath.gammainc(a, y, mpmath.inf, regularized=True)
        low, high = (low, high) if family == "Gamma" else (high, low)
    elif family == "Beta":
        a, b = mpmath.mpf(2.5), mpmath.mpf(0.5)
        low, high = mpmath.betainc(a, b, 0, x, regularized=True), mpmath.betainc(b, a, 0, 1 - x, regularized=True)
    else:  # StudentT(0.5), v < 0: half the incomplete beta at z = df / (df + t^2)
        nu = mpmath.mpf(0.5)
        low = mpmath.betainc(nu / 2, 0.5, 0, nu / (nu + x * x), regularized=True) / 2
        high = 1 - low
    return _mp_log_of(low, high), _mp_log_of(high, low)


@pytest.mark.parametrize(
    ("family", "values"),
    [
        # the CDF underflows in float32 (1e-50), the survival function in float64 (1e-1000), the CDF rounds to 1
        ("Gamma", [8e-21, 1157.0, 25.86]),
        ("InverseGamma", [8.7e-5, 1e18, 0.05]),
        ("Beta", [1.5e-20, 1.5e-12, 1e-120]),
        ("StudentT", [-1e30, -1e150, -3.0]),
    ],
)
def test_log_tails_are_finite_where_the_tail_underflows(family: str, values: list[float], backend: Backend, dtype: str):
    """The log tails in log space (Ops.log_gammainc / log_betainc): -115 or -2300 where the tail underflows (they
    were -inf), -1e-20 where the CDF rounds to 1 (it was 0), against mpmath at the dtype-rounded values."""
    one = lambda v: backend.asarray(v, dtype)  # noqa: E731
    d = {
        "Gamma": lambda: Gamma(one(2.5), one(2.0)),
        "InverseGamma": lambda: InverseGamma(one(2.5), one(2.0)),
        "Beta": lambda: Beta(one(2.5), one(0.5)),
        "StudentT": lambda: StudentT(one(0.5)),
    }[family]()
    info = np.finfo(dtype)
    x = np.array([v for v in values if float(info.smallest_normal) <= abs(v) < float(info.max)], dtype)
    got_cdf = backend.to_numpy(d.log_cdf(one(x))).astype(np.float64)
    got_sf = backend.to_numpy(d.log_survival_function(one(x))).astype(np.float64)
    want = np.array([_mp_log_tails(family, float(v)) for v in x])
    normal = np.abs(want) >= info.smallest_normal
    rtol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(got_cdf[normal[:, 0]], want[normal[:, 0], 0], rtol=rtol, atol=0)
    np.testing.assert_allclose(got_sf[normal[:, 1]], want[normal[:, 1], 1], rtol=rtol, atol=0)
    assert np.isfinite(want).all() and normal.sum() >= len(x)  # most of the points test something


def test_student_t_cdf_on_torch_with_gradients(torch_backend: Backend) -> None:
    """StudentT.cdf on torch (torch.distributions has none, pytorch#26334), differentiable in df, loc, scale and
    the value: autograd against central differences, and the values against SciPy in both tails."""
    torch = torch_backend.lib
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in ([0.7, 3.0, 40.0], 0.3, 1.7)]
    x = torch.tensor([-30.0, 0.1, 2.5], dtype=torch.float64, requires_grad=True)
    p = StudentT(*params).cdf(x)
    np.testing.assert_allclose(
        p.detach().numpy(), stats.t([0.7, 3.0, 40.0], 0.3, 1.7).cdf(x.detach().numpy()), rtol=1e-9
    )
    p.sum().backward()
    h = 1e-6
    for k, t in enumerate([*params, x]):
        grad = t.grad.numpy()
        base = [q.detach().clone() for q in [*params, x]]
        plus, minus = [q.clone() for q in base], [q.clone() for q in base]
        plus[k] += h
        minus[k] -= h
        numeric = (StudentT(*plus[:3]).cdf(plus[3]) - StudentT(*minus[:3]).cdf(minus[3])).numpy() / (2 * h)
        np.testing.assert_allclose(
            grad.sum() if grad.ndim == 0 else grad, numeric.sum() if grad.ndim == 0 else numeric, rtol=1e-5, atol=1e-9
        )


def test_inverse_gamma_icdf_far_in_the_lower_tail(backend: Backend, dtype: str) -> None:
    """InverseGamma(2.5, 2).icdf was inf at q = 1e-30 (float32) and 1e-300 on torch and JAX: gammainccinv's start,
    Wilson and Hilferty's cube, overshot the root 700 of Q(2.5, x) = 1e-300 to 1684, where Q underflows and
    Halley's step overflows; the asymptotic root there starts within 1e-8."""
    q = np.array([1e-30, 1e-5] if dtype == "float32" else [1e-300, 1e-100, 1e-30], dtype)
    d = InverseGamma(backend.asarray(2.5, dtype), backend.asarray(2.0, dtype))
    got = backend.to_numpy(d.icdf(backend.asarray(q, dtype))).astype(np.float64)
    want = 2.0 / special.gammainccinv(2.5, q.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol={"float32": 1e-5, "float64": 1e-12}[dtype])


def test_student_t_tails_at_half_a_degree_of_freedom_far_out(backend: Backend, dtype: str) -> None:
    """StudentT(0.5).cdf was 0 at t = -1e29 (float32) and -1e199, where it is 1e-15 and 1e-100 (t^2 overflows and
    df / (df + t^2) underflows), and its icdf -inf there: the series' first term in log space keeps both."""
    t = np.array([-1e29, -1e17, -40.0] if dtype == "float32" else [-1e199, -1e30, -1e17, -40.0], dtype)
    d = StudentT(backend.asarray(0.5, dtype))
    cdf = backend.to_numpy(d.cdf(backend.asarray(t, dtype))).astype(np.float64)
    sf = backend.to_numpy(d.survival_function(backend.asarray(-t, dtype))).astype(np.float64)
    half = mpmath.mpf(0.5)
    want = np.array([float(mpmath.betainc(half / 2, 0.5, 0, half / (half + mpmath.mpf(v) ** 2)) / 2
                         / mpmath.beta(half / 2, 0.5)) for v in t.astype(np.float64)])  # fmt: skip
    rtol = {"float32": 1e-5, "float64": 1e-12}[dtype]
    np.testing.assert_allclose(cdf, want, rtol=rtol)
    np.testing.assert_allclose(sf, want, rtol=rtol)
    back = backend.to_numpy(d.icdf(backend.asarray(want.astype(dtype), dtype))).astype(np.float64)
    np.testing.assert_allclose(back, t, rtol={"float32": 2e-5, "float64": 1e-12}[dtype])


def test_student_t_cdf_gradient_far_in_the_tail(torch_backend: Backend) -> None:
    """The series branch of StudentT.cdf differentiates: d cdf / dx is the density at x = -1e30 (df = 0.5)."""
    torch = torch_backend.lib
    x = torch.tensor([-1e30, -3.0], dtype=torch.float64, requires_grad=True)
    d = StudentT(torch.tensor(0.5, dtype=torch.float64))
    d.cdf(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), d.log_prob(x.detach()).exp().numpy(), rtol=1e-10)


# ---------------------------------------------------------------------------------------------- API and hierarchy
def test_hierarchy_and_parameters_as_in_torch() -> None:
    c = Chi2(np.array([3.0, 5.0]))
    assert isinstance(c, Gamma)
    np.testing.assert_allclose(c.concentration, [1.5, 2.5])
    np.testing.assert_allclose(c.rate, [0.5, 0.5])
    np.testing.assert_allclose(c[1:].df, [5.0])
    ig = InverseGamma(np.array([3.0, 4.0]), 2.0)
    assert isinstance(ig, arraydist.TransformedDistribution) and isinstance(ig.base_dist, Gamma)
    assert len(ig.transforms) == 1 and isinstance(ig.transforms[0], PowerTransform)
    np.testing.assert_allclose(ig.expand((3, 2)).rate, np.full((3, 2), 2.0))
    np.testing.assert_allclose(ig[0].concentration, 3.0)
    assert StudentT(np.array(3.0)).loc == 0.0 and StudentT(np.array(3.0)).scale == 1.0
    for d in (ig, StudentT(2.0), Beta(1.0, 2.0), FisherSnedecor(1.0, 2.0)):
        assert d.has_rsample


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Gamma(np.array([1.0, -2.0]), 1.0), "concentration"),
        (lambda: Chi2(np.array([0.0])), "df"),
        (lambda: InverseGamma(1.0, np.array([-1.0])), "rate"),
        (lambda: Beta(np.array([1.0]), np.array([0.0])), "concentration0"),
        (lambda: StudentT(np.array([1.0]), scale=np.array([-1.0])), "scale"),
        (lambda: FisherSnedecor(np.array([1.0]), np.array([-1.0])), "df2"),
    ],
)
def test_bad_parameters_are_named(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_moments_where_they_do_not_exist_follow_torch(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    td = torch.distributions
    df = torch.tensor([0.5, 1.0, 1.5, 2.0, 2.5, 4.0, 5.0], dtype=torch.float64)
    for ours, theirs in [
        (StudentT(df), td.StudentT(df)),
        (FisherSnedecor(df, df.flip(0)), td.FisherSnedecor(df, df.flip(0))),
        (InverseGamma(df, 2.0), td.InverseGamma(df, torch.tensor(2.0, dtype=torch.float64))),
        (Beta(df, df.flip(0)), td.Beta(df, df.flip(0))),
        (Beta(df * 0.2, df.flip(0) * 0.2), td.Beta(df * 0.2, df.flip(0) * 0.2)),
    ]:
        for moment in ("mean", "mode", "variance"):
            torch.testing.assert_close(
                getattr(ours, moment), getattr(theirs, moment), equal_nan=True, msg=f"{type(ours).__name__} {moment}"
            )


# ---------------------------------------------------------------------------------------------- KL
def _kl_pairs() -> list[tuple[str, Any, Any]]:
    """Every pair torch.distributions registers among Gamma, Chi2, Beta and with Normal, Exponential, Uniform,
    Gumbel, Pareto, ContinuousBernoulli and Laplace (InverseGamma, StudentT and FisherSnedecor have none)."""
    g = lambda lib, c: lib.Gamma(c([0.5, 3.0]), c([2.0, 0.7]))  # noqa: E731
    b = lambda lib, c: lib.Beta(c([0.5, 3.0]), c([2.0, 0.7]))  # noqa: E731
    n = lambda lib, c: lib.Normal(c([0.3, -1.0]), c([1.5, 0.4]))  # noqa: E731
    g3 = lambda lib, c: lib.Gamma(c([0.5, 3.0, 2.0]), c([2.0, 0.7, 1.0]))  # noqa: E731
    b4 = lambda lib, c: lib.Beta(c([0.5, 3.0, 2.0, 1.0]), c([2.0, 0.7, 1.0, 1.0]))  # noqa: E731
    return [
        ("gamma-gamma", g, lambda lib, c: lib.Gamma(c([1.5, 2.0]), c([1.0, 3.0]))),
        ("chi2-chi2", lambda lib, c: lib.Chi2(c([1.5, 4.0])), lambda lib, c: lib.Chi2(c([3.0, 1.0]))),
        ("chi2-gamma", lambda lib, c: lib.Chi2(c([1.5, 4.0])), g),
        ("beta-beta", b, lambda lib, c: lib.Beta(c([1.5, 0.3]), c([1.0, 3.0]))),
        ("beta-gamma", b, g),
        ("gamma-beta", g, b),
        ("gamma-normal", g, n),
        ("beta-normal", b, n),
        ("normal-gamma", n, g),
        ("normal-beta", n, b),
        ("gamma-exponential", g, lambda lib, c: lib.Exponential(c([0.5, 2.0]))),
        ("exponential-gamma", lambda lib, c: lib.Exponential(c([0.5, 2.0])), g),
        ("beta-exponential", b, lambda lib, c: lib.Exponential(c([0.5, 2.0]))),
        ("exponential-beta", lambda lib, c: lib.Exponential(c([0.5, 2.0])), b),
        ("gamma-uniform", g, lambda lib, c: lib.Uniform(c([-1.0, 0.0]), c([2.0, 5.0]))),
        ("beta-uniform", b, lambda lib, c: lib.Uniform(c([-1.0, 0.2]), c([2.0, 5.0]))),
        # with Uniform (either side of [0, 1] and 0 itself), Gumbel, Pareto (alpha below and above 1),
        # ContinuousBernoulli and Laplace
        ("uniform-gamma", lambda lib, c: lib.Uniform(c([0.1, 0.0, -1.0]), c([2.0, 3.0, 1.0])), g3),
        ("uniform-beta", lambda lib, c: lib.Uniform(c([0.1, 0.0, -0.5, 0.2]), c([0.9, 1.0, 0.5, 1.5])), b4),
        ("gamma-gumbel", g, lambda lib, c: lib.Gumbel(c([0.3, -1.0]), c([1.5, 0.4]))),
        ("pareto-gamma", lambda lib, c: lib.Pareto(c([1.5, 2.0, 0.5]), c([2.0, 0.7, 1.0])), g3),
        ("beta-continuous-bernoulli", b, lambda lib, c: lib.ContinuousBernoulli(c([0.2, 0.7]))),
        ("gamma-continuous-bernoulli", g, lambda lib, c: lib.ContinuousBernoulli(c([0.2, 0.7]))),
        ("gamma-pareto", g, lambda lib, c: lib.Pareto(c([0.2, 0.7]), c([1.0, 3.0]))),
        ("beta-pareto", b, lambda lib, c: lib.Pareto(c([0.2, 0.7]), c([1.0, 3.0]))),
        ("pareto-beta", lambda lib, c: lib.Pareto(c([0.2, 0.7]), c([1.0, 3.0])), b),
        ("laplace-gamma", lambda lib, c: lib.Laplace(c([0.2, 0.7]), c([1.0, 3.0])), g),
        ("laplace-beta", lambda lib, c: lib.Laplace(c([0.2, 0.7]), c([1.0, 3.0])), b),
        ("gumbel-gamma", lambda lib, c: lib.Gumbel(c([0.2, 0.7]), c([1.0, 3.0])), g),
        ("gumbel-beta", lambda lib, c: lib.Gumbel(c([0.2, 0.7]), c([1.0, 3.0])), b),
    ]


@pytest.mark.parametrize("index", range(29))
def test_kl_matches_torch_for_every_registered_pair(index: int, torch_backend: Backend, dtype: str) -> None:
    torch = torch_backend.lib
    name, build_p, build_q = _kl_pairs()[index]
    conv = lambda x: torch.as_tensor(np.asarray(x, np.float64), dtype=getattr(torch, dtype))  # noqa: E731
    ours = kl_divergence(build_p(arraydist, conv), build_q(arraydist, conv))
    theirs = torch.distributions.kl_divergence(build_p(torch.distributions, conv), build_q(torch.distributions, conv))
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, name
    torch.testing.assert_close(ours, theirs, rtol=1e-4 if dtype == "float32" else 1e-10, atol=1e-6, msg=name)


def test_cross_family_kl_against_quadrature() -> None:
    """The closed forms against numerical integration of p log(p / q) (SciPy's quad), float64."""
    from scipy import integrate

    cases = [
        (Gamma(np.array(2.5), 1.5), stats.gamma(2.5, scale=1 / 1.5), Normal(np.array(0.5), 2.0), stats.norm(0.5, 2.0)),
        (Beta(np.array(2.5), 1.5), stats.beta(2.5, 1.5), Normal(np.array(0.5), 2.0), stats.norm(0.5, 2.0)),
        (Beta(np.array(2.5), 1.5), stats.beta(2.5, 1.5), Gamma(np.array(3.0), 2.0), stats.gamma(3.0, scale=0.5)),
        (Uniform(np.array(0.0), 3.0), stats.uniform(0.0, 3.0), Gamma(np.array(0.7), 2.0), stats.gamma(0.7, scale=0.5)),
        (Uniform(np.array(0.2), 0.9), stats.uniform(0.2, 0.7), Beta(np.array(0.7), 3.0), stats.beta(0.7, 3.0)),
        (
            Gamma(np.array(2.5), 1.5),
            stats.gamma(2.5, scale=1 / 1.5),
            Gumbel(np.array(-1.0), 0.4),
            stats.gumbel_r(-1.0, 0.4),
        ),
        (
            Pareto(np.array(1.5), 2.5),
            stats.pareto(2.5, scale=1.5),
            Gamma(np.array(3.0), 2.0),
            stats.gamma(3.0, scale=0.5),
        ),
    ]
    for p, sp, q, sq in cases:
        lo, hi = sp.support()
        want, _ = integrate.quad(lambda x, sp=sp, sq=sq: sp.pdf(x) * (sp.logpdf(x) - sq.logpdf(x)), lo, hi, limit=200)
        assert float(kl_divergence(p, q)) == pytest.approx(want, rel=1e-7)
    assert math.isinf(float(kl_divergence(Normal(np.array(0.0), 1.0), Gamma(1.0, 1.0))))
