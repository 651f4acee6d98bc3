"""MLX transforms and keys: ``mx.grad`` through ``rsample`` and ``log_prob``, ``mx.compile`` of a function that
builds a distribution, ``mx.vmap`` over a parameter, seeds (ints and MLX keys), float64 on the CPU, and the
special functions MLX lacks (composites, checked against SciPy)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import special, stats

import arraydist
from arraydist import Categorical, Gamma, MultivariateNormal, Normal, Poisson, VonMises
from backends import MLX
from cases import CASES, Case
from test_conformance import assert_close, reference

mx = pytest.importorskip("mlx.core")

ARRAY_CASES = [c for c in CASES if "neutral" not in c.tags]


def build(case: Case, dtype: str = "float32") -> Any:
    return case.build(arraydist, lambda x: MLX.asarray(x, dtype))


def f64(x: Any) -> Any:
    return mx.array(np.asarray(x, dtype=np.float64), dtype=mx.float64)


# ---------------------------------------------------------------------- mx.grad
def test_grad_through_rsample_is_the_reparameterization() -> None:
    """d/dloc sum(loc + scale * eps) = n, d/dscale = sum(eps): the draws' own noise."""
    key = mx.random.key(4)

    def total(loc: Any, scale: Any) -> Any:
        return Normal(loc, scale).rsample((100,), seed=key).sum()

    loc, scale = mx.array(0.5), mx.array(2.0)
    d_loc, d_scale = mx.grad(total, argnums=(0, 1))(loc, scale)
    eps = (Normal(loc, scale).rsample((100,), seed=key) - loc) / scale
    assert d_loc.item() == pytest.approx(100.0)
    assert d_scale.item() == pytest.approx(eps.sum().item(), rel=1e-5)


def test_grad_of_log_prob_matches_the_analytic_score() -> None:
    x = f64([0.3, -1.2, 2.5])

    def lp(loc: Any, scale: Any) -> Any:
        return Normal(loc, scale).log_prob(x).sum()

    loc, scale = f64(0.2), f64(1.5)
    d_loc, d_scale = mx.grad(lp, argnums=(0, 1))(loc, scale)
    z = (np.array(x) - 0.2) / 1.5
    np.testing.assert_allclose(d_loc.item(), np.sum(z / 1.5), rtol=1e-12)
    np.testing.assert_allclose(d_scale.item(), np.sum((z * z - 1) / 1.5), rtol=1e-12)


def test_grad_of_gamma_log_prob_uses_the_digamma_composite() -> None:
    """d/dconcentration of Gamma's log-density is log(rate x) - digamma(a): through MLX's lgamma composite."""
    x = f64([0.4, 1.7, 3.0])

    def lp(a: Any) -> Any:
        return Gamma(a, f64(2.0)).log_prob(x).sum()

    got = mx.grad(lp)(f64(1.3)).item()
    np.testing.assert_allclose(got, np.sum(np.log(2.0 * np.array(x)) - special.digamma(1.3)), rtol=1e-12)


def test_grad_through_gamma_rsample_is_the_implicit_gradient() -> None:
    """Gamma's rsample differentiates with dz/da = -(dP/da)(z) / p(z) (MLX has no gamma sampler: ours, with an
    ``mx.custom_function`` gradient), checked by central differences of SciPy's gammainc."""
    key = mx.random.key(9)
    for a0 in (0.4, 3.0, 20.0):
        a = f64(a0)
        draws = np.array(Gamma(a, f64(1.0)).rsample((3,), seed=key))
        grads = [mx.grad(lambda a, i=i: Gamma(a, f64(1.0)).rsample((3,), seed=key)[i])(a).item() for i in range(3)]
        h = 1e-6 * a0
        dp = (special.gammainc(a0 + h, draws) - special.gammainc(a0 - h, draws)) / (2 * h)
        np.testing.assert_allclose(grads, -dp / stats.gamma(a0).pdf(draws), rtol=1e-6)


#: (name, constructor of float64 parameters, the parameters) for the finite-difference check
GRAD_FAMILIES = [
    ("normal", lambda loc, scale: Normal(loc, scale), ([0.3, -1.0], [1.5, 0.4])),
    ("gamma", lambda a, rate: Gamma(a, rate), ([0.6, 4.0], [2.0, 0.5])),
    ("mvn", lambda loc, tril: MultivariateNormal(loc, scale_tril=tril), ([0.1, -0.2], [[1.2, 0.0], [0.4, 0.7]])),
]


@pytest.mark.parametrize(("name", "make", "params"), GRAD_FAMILIES, ids=[g[0] for g in GRAD_FAMILIES])
def test_grad_through_rsample_and_log_prob_matches_finite_differences(name: str, make: Any, params: Any) -> None:
    """The gradient of a weighted sum of draws plus their log-density, in every parameter, against central
    differences in float64 along a random direction."""
    key = mx.random.key(1)

    fixed = make(*[f64(p) for p in params]).sample((3,), seed=key)

    def objective(*values: Any) -> Any:
        d = make(*values)
        if name == "gamma":  # rejection-sampled draws are not smooth in a at fixed noise: see the implicit test
            return d.log_prob(fixed).sum()
        draws = d.rsample((3,), seed=key)
        weights = mx.linspace(-1.0, 1.0, draws.size).reshape(draws.shape).astype(mx.float64)
        return (draws * weights).sum() + d.log_prob(draws).sum() + d.log_prob(fixed).sum()

    values = [f64(p) for p in params]
    grads = mx.grad(objective, argnums=tuple(range(len(values))))(*values)
    rng = np.random.default_rng(0)
    directions = [rng.standard_normal(np.shape(p)) * 0.1 for p in params]
    if name == "mvn":
        directions[1] = np.tril(directions[1])
    analytic = sum(float(np.sum(np.array(g) * v)) for g, v in zip(grads, directions, strict=True))
    h = 1e-6

    def at(sign: float) -> float:
        return objective(*[f64(np.asarray(p) + sign * h * v) for p, v in zip(params, directions, strict=True)]).item()

    assert analytic == pytest.approx((at(1.0) - at(-1.0)) / (2 * h), rel=1e-5, abs=1e-7)


def test_grad_of_gamma_cdf_in_concentration_and_value() -> None:
    """Gamma's cdf is the incomplete gamma composite (no host trip): in the value its gradient is the density, in
    the concentration central differences of SciPy's."""
    x = f64([0.5, 2.0, 7.0])
    d = Gamma(f64(1.5), f64(2.0))
    np.testing.assert_allclose(np.array(d.cdf(x)), stats.gamma(1.5, scale=0.5).cdf([0.5, 2.0, 7.0]), rtol=1e-13)
    gx = mx.grad(lambda v: d.cdf(v).sum())(x)
    np.testing.assert_allclose(np.array(gx), stats.gamma(1.5, scale=0.5).pdf([0.5, 2.0, 7.0]), rtol=1e-12)
    ga = mx.grad(lambda a: Gamma(a, f64(2.0)).cdf(x).sum())(f64(1.5))
    h = 1e-6
    fd = (special.gammainc(1.5 + h, [1.0, 4.0, 14.0]) - special.gammainc(1.5 - h, [1.0, 4.0, 14.0])).sum() / (2 * h)
    assert float(ga) == pytest.approx(fd, rel=1e-7)


def test_grad_of_normal_icdf_is_the_reciprocal_density() -> None:
    p = f64([1e-12, 0.01, 0.5, 0.975, 1 - 1e-9])
    g = mx.grad(lambda q: Normal(f64(1.0), f64(3.0)).icdf(q).sum())(p)
    z = special.ndtri(np.array(p))
    np.testing.assert_allclose(np.array(g), 3.0 / stats.norm.pdf(z), rtol=1e-12)


def test_grad_of_von_mises_log_prob_in_its_concentration() -> None:
    """d/dk [k cos(x - loc) - log(2 pi I0(k))] = cos(x - loc) - I1(k)/I0(k), through the i0e composite."""
    k = f64([0.3, 4.0, 40.0])
    x = f64([0.5, -1.0, 0.1])
    g = mx.grad(lambda c: VonMises(f64(0.0), c).log_prob(x).sum())(k)
    kn, xn = np.array(k), np.array(x)
    np.testing.assert_allclose(np.array(g), np.cos(xn) - special.i1e(kn) / special.i0e(kn), rtol=1e-11)


def test_grad_through_a_host_function_raises_rather_than_returning_zero() -> None:
    """The functions MLX still computes with SciPy on the host (erfcx: TruncatedNormal's tails) give right values
    eagerly; their gradient would be a silent zero, so it raises."""
    ops = arraydist._backend.ops_of(mx.array(0.0))
    x = f64([0.5, 30.0])
    np.testing.assert_allclose(np.array(ops.erfcx(x)), special.erfcx([0.5, 30.0]), rtol=1e-15)
    with pytest.raises(NotImplementedError, match="erfcx is computed by SciPy on the host"):
        mx.grad(lambda v: ops.erfcx(v).sum())(x)


# ---------------------------------------------------------------------- mx.compile
def test_compile_of_the_former_host_functions() -> None:
    """Normal.icdf and VonMises.log_prob trace under mx.compile (their special functions are MLX composites),
    float32 computed in float64."""
    p = mx.array([1e-6, 0.3, 0.999])
    got = mx.compile(lambda p: Normal(0.0, 1.0).icdf(p))(p)
    np.testing.assert_allclose(np.array(got), special.ndtri(np.array(p, dtype=np.float64)), rtol=2e-6)
    a = mx.array([0.5, 3.0, 40.0])
    got = mx.compile(lambda k: VonMises(0.0, k).log_prob(mx.array(0.4)))(a)
    np.testing.assert_allclose(np.array(got), stats.vonmises([0.5, 3.0, 40.0]).logpdf(0.4), rtol=2e-6)


@pytest.mark.full_matrix_only
def test_compile_of_the_incomplete_gamma() -> None:
    """Gamma's and Poisson's cdf trace under mx.compile.  Only under ``--full-matrix``: on MLX's CPU, compiling
    the series and continued fractions builds several hundred C++ kernels the first time on a machine (about
    9 minutes on two cores with an empty ``$TMPDIR/mlx`` cache, a second once it is filled); CI starts with it
    empty, and the same formulas are checked eagerly by the conformance tests.  (Chi2.icdf traces too, with
    Halley steps over the continued fractions: longer still.)"""
    a = mx.array([0.5, 3.0, 40.0])
    got = mx.compile(lambda a: Gamma(a, 1.0).cdf(mx.array(2.0)))(a)
    np.testing.assert_allclose(np.array(got), special.gammainc([0.5, 3.0, 40.0], 2.0), rtol=2e-6)
    got = mx.compile(lambda r: Poisson(r).cdf(mx.array(3.0)))(a)
    np.testing.assert_allclose(np.array(got), stats.poisson([0.5, 3.0, 40.0]).cdf(3.0), rtol=2e-6, atol=1e-30)


# ---------------------------------------------------------------------- mx.compile
def test_compile_of_construction_sampling_and_log_prob() -> None:
    x = mx.array([0.1, -0.4, 2.0])

    def f(loc: Any, scale: Any, key: Any) -> tuple[Any, Any, Any]:
        d = Normal(loc, scale)
        return d.rsample((2,), seed=key), d.log_prob(x), d.entropy()

    args = (mx.array([0.0, 1.0, -1.0]), mx.array(2.0), mx.random.key(5))
    compiled = mx.compile(f)
    for got, want in zip(compiled(*args), f(*args), strict=True):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-6)
    # a second call with other values reuses the trace (no value was read while tracing)
    args2 = (mx.array([3.0, 1.0, 0.0]), mx.array(0.5), mx.random.key(6))
    for got, want in zip(compiled(*args2), f(*args2), strict=True):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-6)


# mx.compile on MLX's CPU compiles C++ kernels: cold on a fresh machine (CI's), 1 to 16 s a case, 2.4 CPU-minutes
# for these two tests, so CI runs them in the complement (test_compile_of_construction_sampling_and_log_prob and
# the former host functions stay in the README's run)
@pytest.mark.complement_only
def test_compile_of_mvn_categorical_and_gamma() -> None:
    cov = mx.array([[2.0, 0.3], [0.3, 1.0]])
    value = mx.array([[0.5, -0.2], [1.0, 1.0]])

    def f(loc: Any, logits: Any, a: Any, key: Any) -> tuple[Any, ...]:
        k1, k2, k3 = mx.random.split(key, 3)
        m = MultivariateNormal(loc, covariance_matrix=cov)
        c = Categorical(logits=logits)
        g = Gamma(a, 1.0)
        return m.log_prob(value), m.rsample((3,), seed=k1), c.sample((4,), seed=k2), g.rsample((2,), seed=k3)

    args = (mx.array([0.0, 1.0]), mx.array([0.1, 0.2, -1.0]), mx.array([0.5, 4.0]), mx.random.key(2))
    for got, want in zip(mx.compile(f)(*args), f(*args), strict=True):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-5)


def test_validation_is_deferred_under_compile_and_eager_errors_name_the_parameter() -> None:
    """Eagerly a bad scale raises, naming the class and parameter; under ``mx.compile`` the values are tracers
    that MLX refuses to evaluate, so value checks are skipped (MLX has no in-graph assertion) and nothing raises
    while tracing; structural errors (shapes) still raise."""
    with pytest.raises(ValueError, match=r"Normal.*scale"):
        Normal(mx.array(0.0), mx.array(-1.0))
    out = mx.compile(lambda s: Normal(mx.array(0.0), s).log_prob(mx.array(0.5)))(mx.array(-1.0))
    assert math.isnan(out.item())
    with pytest.raises(ValueError, match="shape"):
        mx.compile(lambda s: Normal(mx.zeros((2,)), s).log_prob(mx.array(0.5)))(mx.ones((3,)))


def test_support_check_of_the_library_s_own_real_draws_reads_no_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a value waits for MLX's stream: ``log_prob`` of a draw of a validated distribution whose support
    only excludes NaN (a VAE's ``q.log_prob(z)`` and prior ``p.log_prob(z)``) skips that check; any other value,
    a draw of an unvalidated distribution, and a draw from a bounded support are still read and checked."""
    from arraydist._backend._mlx import MlxOps

    reads: list[Any] = []
    small_values = MlxOps.small_values
    monkeypatch.setattr(MlxOps, "small_values", lambda self, x: reads.append(x) or small_values(self, x))

    def reads_of(d: Any, value: Any) -> int:
        reads.clear()
        d.log_prob(value)
        return len(reads)

    q = Normal(mx.array([0.5, -1.0, 2.0]), mx.array([1.0, 2.0, 0.5]))
    z, prior = q.rsample((4,), seed=0), Normal(0.0, 1.0)
    assert reads_of(q, z) == reads_of(prior, z) == reads_of(q, q.sample(seed=1)) == 0
    x, log_p = q.rsample_and_log_prob(seed=2)
    np.testing.assert_allclose(np.array(log_p), np.array(q.log_prob(x)), rtol=1e-6)
    assert reads_of(q, z + 0.0) == 1  # not a draw: read
    assert reads_of(q, Normal(mx.array(0.0), mx.array(1.0), validate_args=False).rsample(seed=3)) == 1
    gamma = Gamma(mx.array([1e-3, 2.0]), mx.array(1.0))
    assert reads_of(gamma, gamma.sample(seed=4)) == 1  # a positive support: a draw may round to 0
    with pytest.raises(ValueError, match=r"Normal\.log_prob.*real"):
        q.log_prob(mx.array([0.0, math.nan, 1.0]))


def test_host_sampler_under_compile_raises_clearly() -> None:
    """Poisson draws run NumPy on the host seeded from the key: eagerly reproducible, under compile an error."""
    d = Poisson(mx.array([3.0, 40.0]))
    np.testing.assert_array_equal(np.array(d.sample((5,), seed=3)), np.array(d.sample((5,), seed=3)))
    with pytest.raises(NotImplementedError, match=r"mx\.compile"):
        mx.compile(lambda r, k: Poisson(r).sample((2,), seed=k))(mx.array([3.0]), mx.random.key(0))


# ---------------------------------------------------------------------- mx.vmap
def test_vmap_over_a_parameter_of_log_prob() -> None:
    locs = mx.array([0.0, 1.0, -2.0])
    x = mx.array(0.5)
    got = mx.vmap(lambda loc: Normal(loc, mx.array(2.0)).log_prob(x))(locs)
    np.testing.assert_allclose(np.array(got), stats.norm(np.array(locs), 2.0).logpdf(0.5), rtol=1e-6)


def test_vmap_over_a_parameter_of_rsample() -> None:
    scales = mx.array([1.0, 2.0, 4.0])
    key = mx.random.key(3)
    got = mx.vmap(lambda s: Normal(mx.array(0.0), s).rsample((4,), seed=key))(scales)
    eager = [np.array(Normal(mx.array(0.0), s).rsample((4,), seed=key)) for s in (1.0, 2.0, 4.0)]
    np.testing.assert_allclose(np.array(got), np.stack(eager), rtol=1e-6)


# ---------------------------------------------------------------------- seeds and dtypes
def test_int_seeds_and_keys_reproduce() -> None:
    d = Normal(mx.zeros((3,)), mx.ones((3,)))
    np.testing.assert_array_equal(np.array(d.sample((4,), seed=7)), np.array(d.sample((4,), seed=7)))
    assert not np.array_equal(np.array(d.sample((4,), seed=7)), np.array(d.sample((4,), seed=8)))
    key = mx.random.key(7)
    np.testing.assert_array_equal(np.array(d.sample((4,), seed=key)), np.array(d.sample((4,), seed=key)))
    np.testing.assert_array_equal(np.array(d.sample((4,), seed=key)), np.array(d.sample((4,), seed=7)))
    mx.random.seed(1)
    first = np.array(d.sample((4,)))
    mx.random.seed(1)
    np.testing.assert_array_equal(first, np.array(d.sample((4,))))
    assert not np.array_equal(first, np.array(d.sample((4,))))  # None advances MLX's global key


def test_bad_seed_names_mlx_and_what_it_takes() -> None:
    with pytest.raises(TypeError, match=r"mlx distribution must be None, a key \(mlx.core.random.key"):
        Normal(mx.array(0.0), mx.array(1.0)).sample(seed="x")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtypes_are_kept(dtype: str) -> None:
    d = Normal(MLX.asarray([0.0, 1.0], dtype), MLX.asarray(2.0, dtype))
    for out in (d.sample((3,), seed=0), d.log_prob(MLX.asarray([0.1, 0.2], dtype)), d.cdf(MLX.asarray(0.1, dtype))):
        assert out.dtype == getattr(mx, dtype)


def test_float64_values_are_exact_where_mlx_kernels_are_float32_accurate() -> None:
    """MLX's CPU exp, sin, erf, logsumexp... compute float64 to 1e-7; the backend's float64 versions are exact."""
    x = np.linspace(-30, 30, 301)
    d = Normal(f64(0.3), f64(1.7))
    np.testing.assert_allclose(np.array(d.prob(f64(x))), stats.norm(0.3, 1.7).pdf(x), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(np.array(d.cdf(f64(x))), stats.norm(0.3, 1.7).cdf(x), rtol=1e-12, atol=1e-300)
    lsf = np.array(d.log_survival_function(f64(x)))
    np.testing.assert_allclose(lsf, stats.norm(0.3, 1.7).logsf(x), rtol=1e-12)
    logits = f64([[1.0, 2.0, 30.0], [0.1, -4.0, 0.3]])
    np.testing.assert_allclose(np.array(Categorical(logits=logits).probs), special.softmax(np.array(logits), -1),
                               rtol=1e-14)  # fmt: skip


# ---------------------------------------------------------------------- the composites MLX lacks
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lgamma_digamma_erfc_log_ndtr_against_scipy(dtype: str) -> None:
    ops = arraydist._backend.ops_of(mx.array(0.0))
    x = np.array([1e-3, 0.1, 0.5, 0.9, 1.0, 1.5, 2.0, 3.0, 7.5, 20.0, 150.0, 1e5, -0.5, -2.5, -7.3])
    rtol = 2e-6 if dtype == "float32" else 1e-13
    xr = x.astype(dtype).astype(np.float64)
    a = MLX.asarray(x, dtype)
    np.testing.assert_allclose(np.array(ops.lgamma(a)), special.gammaln(xr), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(np.array(ops.digamma(a)), special.digamma(xr), rtol=rtol, atol=rtol)
    z = np.array([-40.0, -9.0, -3.0, -1.0, 0.0, 0.7, 2.0, 6.0, 30.0])
    zr = z.astype(dtype).astype(np.float64)
    tiny = float(np.finfo(dtype).tiny)  # what underflows in the dtype is 0
    got = np.array(ops.erfc(MLX.asarray(z, dtype)))
    np.testing.assert_allclose(got, special.erfc(zr), rtol=rtol * 10, atol=tiny)
    got = np.array(ops.log_ndtr(MLX.asarray(z, dtype)))
    np.testing.assert_allclose(got, special.log_ndtr(zr), rtol=rtol * 10, atol=tiny)


@pytest.mark.complement_only
@pytest.mark.parametrize("case", [c for c in ARRAY_CASES if "matrix" in c.tags], ids=str)
def test_float32_values_under_compile(case: Case) -> None:
    """log_prob of each family's subset case in float32 with the value a tracer of ``mx.compile``, against the
    reference: every formula traces (no value read, no host trip)."""
    d = build(case)
    x = np.asarray(case.build(arraydist, lambda v: np.array(v, "float64")).sample((3,), seed=1), np.float64)
    value = MLX.asarray(x, case.sample_dtype or "float32")
    got = mx.compile(lambda v: d.log_prob(v))(value)
    assert_close(got, reference(case, "float32").log_prob(x), "float32", MLX)
