"""What is peculiar to the counts families (Binomial, Geometric, NegativeBinomial, Poisson): large counts,
exact edges, the two parameterizations, values and their validation, parameter-dependent supports, the
samplers' structure and seeds, and KL parity with torch.distributions for every pair torch registers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import special, stats

import _stats
import arraydist
from arraydist import Binomial, Geometric, NegativeBinomial, Poisson, constraints, kl_divergence
from backends import Backend

#: a family module: its tests without a registry case run on NumPy and torch by default, elsewhere in the
#: complement (tests/_matrix.py)
pytestmark = pytest.mark.family

FAMILIES = ("Binomial", "Geometric", "NegativeBinomial", "Poisson")
#: |lgamma(1)|, which the masses at 0 of a point mass carry: exactly 0 except in JAX's float32 lgamma (4.8e-7)
_LGAMMA_ONE: Any = type("_Exact", (dict,), {"__missing__": lambda self, key: 0.0})({("jax", "float32"): 5e-7})


def _make(name: str, lib: Any, conv: Any, **form: Any) -> Any:
    """One distribution of each family with parameters ``form`` (probs or logits), through ``conv``."""
    given = {k: conv(v) for k, v in form.items()}
    if name == "Binomial":
        return lib.Binomial(conv(7.0), **given)
    if name == "Geometric":
        return lib.Geometric(**given)
    if name == "NegativeBinomial":
        return lib.NegativeBinomial(conv(2.5), **given)
    return lib.Poisson(conv(np.asarray(form["probs"]) * 4.0))


# ---------------------------------------------------------------------------------------------- numerics
def test_binomial_total_count_1e6_through_lgamma_matches_scipy(backend: Backend) -> None:
    n, p = 1e6, np.array([0.5, 1e-5, 0.999])
    k = np.array([[500_300.0, 12.0, 999_010.0], [499_000.0, 0.0, 998_950.0]])
    d = Binomial(backend.asarray(n), probs=backend.asarray(p))
    lp = backend.to_numpy(d.log_prob(backend.asarray(k)))
    expected = stats.binom(n, p).logpmf(k)
    assert np.isfinite(lp).all()
    np.testing.assert_allclose(lp, expected, rtol=1e-9, atol=1e-7)  # lgamma(1e6) ~ 1.3e7: 1e-16 relative
    np.testing.assert_allclose(backend.to_numpy(d.mean), n * p)
    # float32, where lgamma(1e6 + 1) holds +-1 (13e6 x 6e-8): the saddle-point form keeps float32's resolution
    p32 = p.astype(np.float32)
    d32 = Binomial(backend.asarray(n, "float32"), probs=backend.asarray(p32, "float32"))
    lp32 = backend.to_numpy(d32.log_prob(backend.asarray(k, "float32")))
    np.testing.assert_allclose(lp32, stats.binom(n, p32.astype(np.float64)).logpmf(k), rtol=4e-6)
    # a float32 value given to the float64 distribution is widened: lgamma(k + 1) in float64, the result exact
    lp = backend.to_numpy(d.log_prob(backend.asarray(k, "float32")))
    np.testing.assert_allclose(lp, expected, rtol=1e-9, atol=1e-7)


def test_float32_log_masses_near_the_mean_at_a_million_trials(backend: Backend) -> None:
    """float32 Binomial(1e6, 0.3) and NegativeBinomial(3e5, 0.7) within 5e-7 of mpmath near and around the mean:
    the mean n p rounded to float32 before the deviance moved the log-mass by 6.8e-6 (issue 23); counts and the
    given probs are exact in float32 here, so the result can be (its rounding is about 1e-7)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    f32 = np.float32
    n, r, p_b, p_nb = f32(1e6), f32(3e5), f32(0.3), f32(0.7)
    k_b = np.array([297000, 299995, 300000, 300007, 302000], f32)
    k_nb = np.array([698000, 699997, 700000, 700005, 701500], f32)

    def exact(log_choose: Any, k: float, a: float, b: float, p: float) -> float:
        k, a, b, p = (mpmath.mpf(float(v)) for v in (k, a, b, p))
        return float(log_choose(k) + a * mpmath.log(p) + b * mpmath.log1p(-p))

    binomial = Binomial(backend.asarray(n, "float32"), probs=backend.asarray([p_b], "float32"))
    negative = NegativeBinomial(backend.asarray(r, "float32"), probs=backend.asarray([p_nb], "float32"))
    choose_b = lambda k: mpmath.loggamma(float(n) + 1) - mpmath.loggamma(k + 1) - mpmath.loggamma(float(n) - k + 1)  # noqa: E731
    choose_nb = lambda k: mpmath.loggamma(k + float(r)) - mpmath.loggamma(k + 1) - mpmath.loggamma(float(r))  # noqa: E731
    for d, ks, want in (
        (binomial, k_b, [exact(choose_b, k, k, float(n) - float(k), p_b) for k in k_b]),
        (negative, k_nb, [exact(choose_nb, k, k, float(r), p_nb) for k in k_nb]),
    ):
        got = backend.to_numpy(d.log_prob(backend.asarray(ks, "float32")))
        np.testing.assert_allclose(got, want, rtol=5e-7, err_msg=type(d).__name__)


def test_poisson_rate_zero_and_value_zero(backend: Backend, dtype: str) -> None:
    d = Poisson(backend.asarray([0.0, 0.0, 2.5], dtype))
    lp = backend.to_numpy(d.log_prob(backend.asarray([0.0, 1.0, 0.0], dtype)))
    assert abs(lp[0]) <= _LGAMMA_ONE[backend.name, dtype] and lp[1] == -np.inf
    np.testing.assert_allclose(lp[2], -2.5, rtol=1e-6)
    assert (backend.to_numpy(d.sample((50,), seed=0))[:, :2] == 0).all()
    big = Poisson(backend.asarray(1e6))
    np.testing.assert_allclose(
        backend.to_numpy(big.log_prob(backend.asarray([1e6, 999_000.0]))),
        stats.poisson(1e6).logpmf([1e6, 999_000.0]), rtol=1e-9,
    )  # fmt: skip


def test_negative_binomial_tiny_and_zero_total_count(backend: Backend) -> None:
    k = np.array([0.0, 1.0, 5.0, 50.0])
    for r in (1e-3, 0.5):
        d = NegativeBinomial(backend.asarray(r), probs=backend.asarray(0.7))
        np.testing.assert_allclose(
            backend.to_numpy(d.log_prob(backend.asarray(k))), stats.nbinom(r, 0.3).logpmf(k), rtol=1e-10
        )
    zero = NegativeBinomial(backend.asarray(0.0), logits=backend.asarray(0.4))  # a point mass at 0
    assert backend.to_numpy(zero.log_prob(backend.asarray(k))).tolist() == [0.0, -np.inf, -np.inf, -np.inf]
    assert (backend.to_numpy(zero.sample((20,), seed=1)) == 0).all()


def test_probs_exactly_zero_and_one_give_exact_masses(backend: Backend, dtype: str) -> None:
    a = lambda x: backend.asarray(x, dtype)  # noqa: E731
    lp = lambda d, x: backend.to_numpy(d.log_prob(a(x))).tolist()  # noqa: E731
    b = Binomial(a(5.0), probs=a([0.0, 1.0]))
    tol = 3 * _LGAMMA_ONE[backend.name, dtype]  # Binomial's log C(n, k) is three lgammas
    assert np.abs(lp(b, [0.0, 5.0])).max() <= tol and lp(b, [1.0, 4.0]) == [-np.inf, -np.inf]
    assert np.abs(backend.to_numpy(b.entropy())).max() <= tol
    assert backend.to_numpy(b.sample((4,), seed=0)).tolist() == [[0.0, 5.0]] * 4
    g = Geometric(probs=a([1.0, 1.0]))
    assert lp(g, [0.0, 2.0]) == [0.0, -np.inf]
    assert backend.to_numpy(g.entropy()).tolist() == [0.0, 0.0]
    assert (backend.to_numpy(g.sample((6,), seed=0)) == 0).all()
    nb = NegativeBinomial(a(3.0), probs=a([0.0, 0.0]))
    assert lp(nb, [0.0, 1.0]) == [0.0, -np.inf]


def test_logits_of_100_stay_finite_in_float32(backend: Backend) -> None:
    a = lambda x: backend.asarray(x, "float32")  # noqa: E731
    b = Binomial(a(3.0), logits=a([100.0, -100.0]))
    lp = backend.to_numpy(b.log_prob(a([0.0, 3.0])))
    np.testing.assert_allclose(lp, [-300.0, -300.0], rtol=1e-6)
    g = Geometric(logits=a([-100.0, 100.0]))
    np.testing.assert_allclose(backend.to_numpy(g.log_prob(a([0.0, 1.0]))), [-100.0, -100.0], rtol=1e-6)
    # H = -log p - (1 - p) log(1 - p) / p: 101 at logits -100, 100 e^-100 + ... ~ 0 at +100
    np.testing.assert_allclose(backend.to_numpy(g.entropy()), [101.0, 101.0 * np.exp(-100.0)], rtol=1e-6, atol=1e-30)
    nb = NegativeBinomial(a(2.0), logits=a([-100.0, 50.0]))
    # log C(2, 1) = log 2, then log p = -softplus(100); at k = 0, r log(1 - p) = -2 softplus(50)
    np.testing.assert_allclose(backend.to_numpy(nb.log_prob(a([1.0, 0.0]))), [np.log(2) - 100.0, -100.0], rtol=1e-6)


@pytest.mark.parametrize("name", FAMILIES[:3])
def test_probs_and_logits_agree(name: str, backend: Backend) -> None:
    p = np.array([0.05, 0.3, 0.5, 0.8, 0.97])
    conv = lambda x: backend.asarray(x)  # noqa: E731
    by_probs, by_logits = _make(name, arraydist, conv, probs=p), _make(name, arraydist, conv, logits=special.logit(p))
    x = backend.asarray(np.array([[0.0, 1.0, 3.0, 5.0, 7.0], [2.0, 0.0, 6.0, 1.0, 4.0]]))
    for f in (lambda d: d.log_prob(x), lambda d: d.mean, lambda d: d.variance, lambda d: d.mode):
        np.testing.assert_allclose(backend.to_numpy(f(by_probs)), backend.to_numpy(f(by_logits)), rtol=1e-12)
    if name != "NegativeBinomial":  # no entropy (as torch.distributions)
        np.testing.assert_allclose(
            backend.to_numpy(by_probs.entropy()), backend.to_numpy(by_logits.entropy()), rtol=1e-12
        )
    np.testing.assert_allclose(backend.to_numpy(by_logits.probs), p, rtol=1e-14)
    np.testing.assert_allclose(backend.to_numpy(by_probs.logits), special.logit(p), rtol=1e-14)


def test_the_given_form_decides_after_the_other_is_derived() -> None:
    """Reading ``probs`` of a logits-made distribution caches it; log_prob still uses the logits."""
    d = Binomial(np.float32(3.0), logits=np.float32(100.0))
    assert d.probs == 1.0  # derived (and cached): 1 - p underflows in float32
    assert np.isfinite(d.log_prob(np.float32(0.0)))


@pytest.mark.parametrize("name", FAMILIES)
def test_integer_boolean_and_float_values(name: str, torch_backend: Backend) -> None:
    for backend_lib in (np, torch_backend.lib):
        conv = (lambda x: np.asarray(x, np.float64)) if backend_lib is np else torch_backend.asarray
        d = _make(name, arraydist, conv, probs=np.array([0.2, 0.6]))
        to = (lambda x: np.asarray(x)) if backend_lib is np else torch_backend.to_numpy
        make = (lambda x, t: np.asarray(x, dtype=t)) if backend_lib is np else (
            lambda x, t: torch_backend.lib.as_tensor(np.asarray(x, dtype=t))
        )  # fmt: skip
        floats = to(d.log_prob(make([1.0, 0.0], "float64")))
        np.testing.assert_array_equal(to(d.log_prob(make([1, 0], "int64"))), floats)
        np.testing.assert_array_equal(to(d.log_prob(make([True, False], "bool"))), floats)


# ---------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("build", "value", "message"),
    [
        (lambda: Binomial(4.0, probs=np.array([0.3, 0.5])), [2.5, 1.0], r"Binomial\.log_prob.*integer.*2\.5"),
        (lambda: Binomial(4.0, probs=np.array([0.3, 0.5])), [5.0, 1.0], r"Binomial\.log_prob.*\[0, 4\.0\].*5\.0"),
        (lambda: Binomial(np.array([2.0, 6.0]), probs=0.3), [3.0, 6.0], r"Binomial\.log_prob.*per batch.*3\.0"),
        (lambda: Geometric(probs=np.array([0.3])), [-1.0], r"Geometric\.log_prob.*integer >= 0.*-1\.0"),
        (lambda: NegativeBinomial(2.0, probs=np.array([0.3])), [0.5], r"NegativeBinomial\.log_prob.*0\.5"),
        (lambda: Poisson(np.array([1.0])), [-2.0], r"Poisson\.log_prob.*integer >= 0.*-2\.0"),
    ],
)
def test_values_outside_the_support_are_named(build: Any, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build().log_prob(np.asarray(value))
    build_unchecked = build()
    build_unchecked._validate_args = False
    build_unchecked.log_prob(np.asarray(value))  # no check when validation is off


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Binomial(np.array([-1.0]), probs=0.5), r"Binomial: parameter 'total_count'.*-1\.0"),
        (lambda: Binomial(np.array([2.5]), probs=0.5), r"Binomial: parameter 'total_count'.*integer.*2\.5"),
        (lambda: Binomial(3, probs=np.array([1.5])), r"Binomial: parameter 'probs'.*\[0\.0, 1\.0\].*1\.5"),
        (lambda: Binomial(3, logits=np.array([np.nan])), r"Binomial: parameter 'logits'.*nan"),
        (lambda: Geometric(probs=np.array([0.0, 0.5])), r"Geometric: .*probs > 0.*probs="),
        (lambda: NegativeBinomial(2.0, probs=np.array([1.0])), r"NegativeBinomial: parameter 'probs'.*1\.0\)?.*1\.0"),
        (lambda: NegativeBinomial(np.array([-0.5]), logits=0.0), r"NegativeBinomial: parameter 'total_count'.*-0\.5"),
        (lambda: Poisson(np.array([-1.0])), r"Poisson: parameter 'rate'.*non-negative.*-1\.0"),
        (lambda: Poisson(np.array([np.inf])), r"Poisson: parameter 'rate' must be finite"),
        (lambda: Binomial(3, probs=0.2, logits=0.1), r"Binomial takes exactly one of probs, logits"),
        (lambda: Geometric(), r"Geometric takes exactly one of probs, logits; got none"),
    ],
)
def test_bad_parameters_are_named(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_binomial_support_depends_on_the_parameters() -> None:
    assert isinstance(Binomial.support, constraints.Constraint) and Binomial.support.is_discrete
    assert repr(Binomial.support) == "Dependent()"
    with pytest.raises(ValueError, match="dependent constraint"):
        Binomial.support.check(np.zeros(2))
    d = Binomial(np.array([[2.0], [5.0]]), probs=np.array([0.1, 0.9]))
    support = d.support
    assert isinstance(support, constraints.IntegerInterval) and support.is_discrete
    ok = support.check(np.array([[2.0, 3.0], [5.0, 1.5]]))
    assert ok.tolist() == [[True, False], [True, False]]
    for cls in (Geometric, NegativeBinomial, Poisson):
        assert cls.support is constraints.nonnegative_integer


def test_binomial_enumerate_support(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    n, p = torch.tensor(3.0), torch.tensor([[0.2, 0.5], [0.7, 0.9]], dtype=torch.float64)
    ours, theirs = Binomial(n, probs=p), torch.distributions.Binomial(n, probs=p)
    for expand in (True, False):
        a, b = ours.enumerate_support(expand), theirs.enumerate_support(expand)
        assert tuple(a.shape) == tuple(b.shape) and a.dtype == b.dtype
        assert torch.equal(a, b)
    masses = torch.exp(ours.log_prob(ours.enumerate_support())).sum(0)
    torch.testing.assert_close(masses, torch.ones_like(masses))
    mixed = Binomial(np.array([2.0, 3.0]), probs=0.5)
    with pytest.raises(NotImplementedError, match=r"Binomial does not implement enumerate_support for a total_count"):
        mixed.enumerate_support()
    # the entropy of mixed counts sums each member's own support
    np.testing.assert_allclose(mixed.entropy(), stats.binom([2, 3], 0.5).entropy(), rtol=1e-12)


# ---------------------------------------------------------------------------------------------- sampling
@pytest.mark.parametrize("name", FAMILIES)
def test_draws_are_floats_of_the_parameters_dtype(name: str, backend: Backend, dtype: str) -> None:
    d = _make(name, arraydist, lambda x: backend.asarray(x, dtype), probs=np.array([0.3, 0.8]))
    seed = backend.lib.random.key(0) if backend.name == "jax" else 0
    x = d.sample((5,), seed=seed)
    assert backend.dtype_name(x) == dtype and tuple(x.shape) == (5, 2)
    values = backend.to_numpy(x)
    assert (values == np.round(values)).all() and (values >= 0).all()


@pytest.mark.statistical
@pytest.mark.parametrize(("name", "primitive"), [("Binomial", "binomial"), ("Poisson", "poisson")])
def test_large_counts_draw_through_one_primitive_call(name: str, primitive: str, monkeypatch: Any) -> None:
    """Binomial(1e6, p) and Poisson(1e6): one call of the backend's O(1)-per-draw sampler on the full shape,
    whose result is returned as it is (no pass over the draws in the family)."""
    d = Binomial(np.array([1e6, 1e7]), probs=0.3) if name == "Binomial" else Poisson(np.array([1e6, 1e7]))
    ops = d._ops
    calls: list[tuple[int, ...]] = []
    results: list[Any] = []
    original = getattr(ops, primitive)

    def spy(rng: Any, *args: Any) -> Any:
        calls.append(args[-3])
        results.append(original(rng, *args))
        return results[-1]

    monkeypatch.setattr(ops, primitive, spy)
    x = d.sample((20_000,), seed=7)
    assert calls == [(20_000, 2)] and x is results[0]
    mean = np.array([3e5, 3e6]) if name == "Binomial" else np.array([1e6, 1e7])
    var = mean * 0.7 if name == "Binomial" else mean
    z = (x.mean(axis=0) - mean) / np.sqrt(var / x.shape[0])  # normal to 1e-5 at these counts
    _stats.check(_stats.bonferroni(2 * stats.norm.sf(np.abs(z))), f"means {z} standard errors off")


@pytest.mark.parametrize("name", FAMILIES)
def test_one_seed_reproduces_the_draws(name: str, backend: Backend) -> None:
    d = _make(name, arraydist, backend.asarray, probs=np.array([0.3, 0.6]))
    seed = (lambda s: backend.lib.random.key(s)) if backend.name == "jax" else (lambda s: s)
    a, b, c = (backend.to_numpy(d.sample((200,), seed=seed(s))) for s in (5, 5, 6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.statistical
@pytest.mark.on_backend("jax")
def test_negative_binomial_is_a_gamma_poisson_mixture_with_the_seed_split(monkeypatch: Any) -> None:
    jax = pytest.importorskip("jax")
    d = NegativeBinomial(jax.numpy.asarray([1e-3, 2.0, 40.0]), probs=jax.numpy.asarray([0.5, 0.3, 0.9]))
    ops = d._ops
    keys: dict[str, Any] = {}
    gamma, poisson = ops.standard_gamma, ops.poisson
    monkeypatch.setattr(ops, "standard_gamma", lambda k, *a: keys.setdefault("gamma", k) is not None and gamma(k, *a))
    monkeypatch.setattr(ops, "poisson", lambda k, *a: keys.setdefault("poisson", k) is not None and poisson(k, *a))
    key = jax.random.key(3)
    x = np.asarray(d.sample((4000,), seed=key))
    assert not np.array_equal(jax.random.key_data(keys["gamma"]), jax.random.key_data(keys["poisson"]))
    assert not np.array_equal(jax.random.key_data(keys["gamma"]), jax.random.key_data(key))
    np.testing.assert_array_equal(x, np.asarray(d.sample((4000,), seed=jax.random.key(3))))
    # the sum of n draws of NegativeBinomial(r, p) is NegativeBinomial(n r, p) (exact, even at r = 1e-3)
    total = stats.nbinom(x.shape[0] * np.array([1e-3, 2.0, 40.0]), [0.5, 0.7, 0.1])
    sums = x.sum(axis=0)
    pvalues = np.minimum(1.0, 2 * np.minimum(total.cdf(sums), total.sf(sums - 1)))
    _stats.check(_stats.bonferroni(pvalues), f"sums {sums} of the draws")


# ---------------------------------------------------------------------------------------------- KL
def _pairs() -> list[tuple[str, Any, Any]]:
    """(name, build(lib, conv) of p, of q) for every pair torch registers among the counts families."""
    return [
        ("binomial-binomial", lambda lib, c: lib.Binomial(c(6.0), probs=c([0.2, 0.7])),
         lambda lib, c: lib.Binomial(c(6.0), logits=c([0.3, -1.0]))),
        ("binomial-more-trials", lambda lib, c: lib.Binomial(c([6.0, 9.0]), probs=c([0.2, 0.7])),
         lambda lib, c: lib.Binomial(c([6.0, 4.0]), probs=c([0.4, 0.5]))),
        ("geometric-geometric", lambda lib, c: lib.Geometric(probs=c([0.2, 0.9])),
         lambda lib, c: lib.Geometric(logits=c([0.5, -2.0]))),
        ("poisson-poisson", lambda lib, c: lib.Poisson(c([0.5, 7.0])), lambda lib, c: lib.Poisson(c([2.0, 1e-3]))),
        ("poisson-binomial", lambda lib, c: lib.Poisson(c([0.5, 7.0])),
         lambda lib, c: lib.Binomial(c(5.0), probs=c([0.3, 0.6]))),
        ("poisson-bernoulli", lambda lib, c: lib.Poisson(c([0.5, 7.0])), lambda lib, c: lib.Bernoulli(c([0.3, 0.6]))),
        ("bernoulli-poisson", lambda lib, c: lib.Bernoulli(logits=c([0.3, -2.0])),
         lambda lib, c: lib.Poisson(c([0.5, 7.0]))),
    ]  # fmt: skip


@pytest.mark.parametrize("index", range(7))
def test_kl_matches_torch_for_every_registered_pair(index: int, torch_backend: Backend, dtype: str) -> None:
    torch = torch_backend.lib
    name, build_p, build_q = _pairs()[index]
    conv = lambda x: torch.as_tensor(np.asarray(x, np.float64), dtype=getattr(torch, dtype))  # noqa: E731
    ours = kl_divergence(build_p(arraydist, conv), build_q(arraydist, conv))
    theirs = torch.distributions.kl_divergence(build_p(torch.distributions, conv), build_q(torch.distributions, conv))
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, name
    torch.testing.assert_close(ours, theirs, rtol=1e-4 if dtype == "float32" else 1e-10, atol=1e-6)


def test_kl_edges_where_torch_clamps_or_gives_up() -> None:
    """Exact where torch.distributions is not: KL of a Poisson of rate 0 to a Binomial is -n log(1 - q)
    (torch: inf); fewer trials in p than in q has no closed form (a NotImplementedError, as torch)."""
    kl = kl_divergence(Poisson(np.array([0.0, 1.0])), Binomial(4.0, probs=np.array([0.25, 0.25])))
    np.testing.assert_allclose(kl, [-4 * np.log(0.75), np.inf])
    with pytest.raises(NotImplementedError, match=r"p\.total_count < q\.total_count"):
        kl_divergence(Binomial(np.array([2.0]), probs=0.3), Binomial(np.array([3.0]), probs=0.3))
    # probs of exactly 0 and 1: exact, not clamped
    p, q = Binomial(3.0, probs=np.array([0.0, 1.0, 0.5])), Binomial(3.0, probs=np.array([0.5, 0.5, 0.0]))
    np.testing.assert_allclose(kl_divergence(p, q), [3 * np.log(2), 3 * np.log(2), np.inf])
    g = kl_divergence(Geometric(probs=np.array([1.0, 0.5])), Geometric(probs=np.array([1.0, 1.0])))
    np.testing.assert_allclose(g, [0.0, np.inf])
    np.testing.assert_allclose(
        kl_divergence(Poisson(np.array([0.0, 2.0])), Poisson(np.array([3.0, 0.0]))), [3.0, np.inf]
    )


# ---------------------------------------------------------------------------------------------- found by issue 24
def test_geometric_moments_near_p_one() -> None:
    """Geometric.mean was 1 / p - 1: at p = 1 - 1e-6 in float32, 1 / p rounds to one ulp above 1 and the mean
    was 6 % off (1.073e-6 for 1.013e-6), the variance (mean / p) with it; (1 - p) / p is exact there."""
    p = np.float32(1 - 1e-6)
    d = Geometric(probs=np.array([p]))
    exact = (1 - np.float64(p)) / np.float64(p)
    np.testing.assert_allclose(np.asarray(d.mean, np.float64), [exact], rtol=1e-5)
    np.testing.assert_allclose(np.asarray(d.variance, np.float64), [exact / np.float64(p)], rtol=1e-5)


def test_a_wrong_mode_formula_fails_the_conformance_test(monkeypatch: Any) -> None:
    """The mode references enumerate SciPy's masses: Poisson's mode as round(rate) (7.5 -> 8, whose mass is
    7.5 / 8 of the mode's) fails; the right formula passes."""
    from backends import NUMPY
    from cases import CASES_BY_NAME
    from test_conformance import test_values_match_reference

    case = CASES_BY_NAME["poisson-batched"]
    test_values_match_reference(case, NUMPY, "float64")
    monkeypatch.setattr(Poisson, "mode", property(lambda self: np.floor(self.rate + 0.5)))
    with pytest.raises(AssertionError, match="is not a mode"):
        test_values_match_reference(case, NUMPY, "float64")
