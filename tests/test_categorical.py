"""Maths peculiar to the categorical families (Categorical, OneHotCategorical, OneHotCategoricalStraightThrough,
Multinomial): masked categories, normalization, value types, validation messages, the straight-through
gradient, draw dtypes, large counts, seeds, and KL and enumerate_support against torch.distributions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import special, stats

from _stats import bonferroni, check, discrete_pvalues
from arraydist import Categorical, Multinomial, OneHotCategorical, OneHotCategoricalStraightThrough, kl_divergence
from backends import Backend, on_backends

#: a family module: its tests without a registry case run on NumPy and torch by default, elsewhere in the
#: complement (tests/_matrix.py)
pytestmark = pytest.mark.family

MASKED = np.array([[0.5, -np.inf, 1.0, -np.inf, 2.0, 0.0], [-np.inf, 3.0, -np.inf, -np.inf, 1.0, -np.inf]])
ONE_HOTS = (OneHotCategorical, OneHotCategoricalStraightThrough)


def _np(x: Any) -> np.ndarray:
    return np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x)


# ------------------------------------------------------------------ masked actions and exact zeros
def test_masked_actions(eager_backend: Backend, dtype: str) -> None:
    """-inf logits: log_prob -inf, never drawn, entropy finite and equal to that over the other categories."""
    logits = eager_backend.asarray(MASKED, dtype)
    d = Categorical(logits=logits)
    masked = ~np.isfinite(MASKED)
    lp = eager_backend.to_numpy(d.log_prob(eager_backend.asarray(np.arange(6)[:, None], "int64")))  # (6, 2)
    assert np.all(lp.T[masked] == -np.inf) and np.all(np.isfinite(lp.T[~masked]))
    draws = eager_backend.to_numpy(d.sample((50_000,), seed=5))
    assert not np.any(masked[np.arange(2), draws]), "a masked category was drawn"
    expected = [stats.entropy(special.softmax(row[np.isfinite(row)])) for row in MASKED]
    entropy = eager_backend.to_numpy(d.entropy())
    assert np.all(np.isfinite(entropy))
    np.testing.assert_allclose(entropy, expected, rtol=1e-5 if dtype == "float32" else 1e-12)
    onehot = eager_backend.to_numpy(OneHotCategorical(logits=logits).sample((20_000,), seed=6))
    assert not np.any(onehot[:, masked])


def test_masked_actions_keep_finite_entropy_gradients(torch_backend: Backend) -> None:
    import torch

    logits = torch.tensor(MASKED, requires_grad=True)
    Categorical(logits=logits).entropy().sum().backward()
    assert torch.isfinite(logits.grad).all()
    assert (logits.grad[torch.isinf(logits.detach())] == 0).all()


def test_sampling_without_grad_keeps_the_entropy_gradient(torch_backend: Backend) -> None:
    """An RL rollout draws its actions under ``torch.no_grad()``: the probabilities the draw computes there are
    not kept, so the entropy and log_prob of the same distribution afterwards still differentiate fully."""
    import torch

    logits = torch.tensor(MASKED, requires_grad=True)
    fresh = torch.tensor(MASKED, requires_grad=True)
    d = Categorical(logits=logits)
    with torch.no_grad():
        a = d.sample()
    assert "probs" not in d.__dict__
    (d.entropy().sum() - d.log_prob(a).sum()).backward()
    reference = Categorical(logits=fresh)
    (reference.entropy().sum() - reference.log_prob(a).sum()).backward()
    torch.testing.assert_close(logits.grad, fresh.grad)
    assert bool(torch.any(logits.grad[torch.isfinite(logits.detach())] != 0))


def test_probs_with_exact_zeros() -> None:
    probs = np.array([[0.0, 0.25, 0.75], [1.0, 0.0, 0.0]])
    for d in (Categorical(probs=probs), Multinomial(4, probs=probs), *(c(probs=probs) for c in ONE_HOTS)):
        assert np.all(d.logits[probs == 0] == -np.inf)  # exactly (torch: log of the smallest normal number)
        np.testing.assert_array_equal(d.probs, probs)
    d = Categorical(probs=probs)
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(d.log_prob(np.array([[0], [1], [2]])), np.log(probs.T))
    np.testing.assert_allclose(d.entropy(), [stats.entropy([0.25, 0.75]), 0.0], rtol=1e-14)
    assert not np.any(probs[[0, 1], d.sample((10_000,), seed=3)] == 0)
    counts = Multinomial(4, probs=probs).sample((1000,), seed=4)
    assert np.all(counts[..., probs == 0] == 0)
    np.testing.assert_allclose(Multinomial(4, probs=probs).log_prob(np.array([0.0, 1.0, 3.0])[None]), [
        stats.multinomial(4, probs[0]).logpmf([0, 1, 3]), -np.inf
    ], rtol=1e-14)  # fmt: skip


# ------------------------------------------------------------------ normalization and forms
def test_unnormalized_parameters_are_normalized_like_torch(torch_backend: Backend, dtype: str) -> None:
    import torch

    td = torch.distributions
    probs = torch.tensor([[1.0, 2.0, 5.0], [0.1, 0.1, 0.3]], dtype=getattr(torch, dtype))
    logits = torch.tensor([[10.0, 11.0, 9.0], [-5.0, 0.0, 2.0]], dtype=getattr(torch, dtype))
    rtol = 1e-6 if dtype == "float32" else 1e-14
    for ours, theirs in ((Categorical, td.Categorical), (OneHotCategorical, td.OneHotCategorical)):
        for kwargs in ({"probs": probs}, {"logits": logits}):
            a, b = ours(**kwargs), theirs(**kwargs)
            np.testing.assert_allclose(_np(a.probs), _np(b.probs), rtol=rtol)
            np.testing.assert_allclose(_np(a.logits), _np(b.logits), rtol=rtol, atol=rtol)
            assert a.param_shape == tuple(b.param_shape)
    m = Multinomial(3, logits=logits)
    np.testing.assert_allclose(_np(m.probs), _np(td.Multinomial(3, logits=logits).probs), rtol=rtol)


@pytest.mark.parametrize("cls", [Categorical, OneHotCategorical, Multinomial])
def test_probs_and_logits_forms_agree(cls: type) -> None:
    p = np.random.default_rng(1).dirichlet(np.ones(5), size=3)
    extra = (6,) if cls is Multinomial else ()
    a, b = cls(*extra, probs=p * 7.0), cls(*extra, logits=np.log(p) + 3.0)
    x = a.sample((10,), seed=2)
    np.testing.assert_allclose(a.log_prob(x), b.log_prob(x), rtol=1e-12)
    np.testing.assert_allclose(a.entropy(), b.entropy(), rtol=1e-12)
    np.testing.assert_allclose(a.probs, b.probs, rtol=1e-12)
    np.testing.assert_allclose(a.logits, b.logits, rtol=1e-12)
    assert b._leaves == ("logits",) and "probs" not in b._tree_flatten()[1][1]


def test_integer_bool_and_float_values(eager_backend: Backend) -> None:
    d = Categorical(probs=eager_backend.asarray([0.2, 0.8]))
    expected = np.log([0.2, 0.8, 0.8])
    # (bool on array_api_strict: the support check's ``value % 1`` is not defined for booleans there)
    for dtype in ("int64", "int32", "float64") + (("bool",) if eager_backend.name != "array_api_strict" else ()):
        value = eager_backend.asarray(np.array([0, 1, 1]).astype(dtype), dtype)
        np.testing.assert_allclose(eager_backend.to_numpy(d.log_prob(value)), expected, rtol=1e-12)
    o = OneHotCategorical(probs=eager_backend.asarray([0.2, 0.8]))
    for dtype in ("int64", "bool", "float64"):
        value = eager_backend.asarray(np.eye(2)[[0, 1, 1]].astype(dtype), dtype)
        np.testing.assert_allclose(eager_backend.to_numpy(o.log_prob(value)), expected, rtol=1e-12)


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Categorical(probs=np.array([0.5, -0.1, 0.6])),
            r"Categorical: parameter 'probs' must be non-neg.*-0\.1",
        ),
        (lambda: Categorical(probs=np.array([[0.5, 0.5], [0.0, 0.0]])), r"'probs'.*positive sum.*batch index \(1,\)"),
        (lambda: OneHotCategorical(probs=np.array([np.nan, 1.0])), r"OneHotCategorical: parameter 'probs'.*nan"),
        (lambda: Categorical(logits=np.array([0.0, np.inf])), r"Categorical: parameter 'logits' must be.*inf"),
        (lambda: Multinomial(3, logits=np.array([-np.inf, -np.inf])), r"Multinomial: parameter 'logits'.*finite"),
        (lambda: Categorical(logits=np.array([0.0, np.nan])), r"Categorical: parameter 'logits'.*nan"),
        (lambda: Categorical(probs=np.zeros((2, 0))), r"Categorical: probs must have at least one category"),
        (lambda: Multinomial(-1, probs=np.ones(2)), r"Multinomial: parameter 'total_count'.*non-negative.*-1"),
        (lambda: Multinomial(2.5, probs=np.ones(2)), r"Multinomial: total_count must be a Python int.*2\.5"),
        (lambda: Categorical(np.ones(2), logits=np.ones(2)), r"Categorical takes exactly one of probs, logits"),
    ],
)
def test_bad_parameters_are_named(build: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        build()


@pytest.mark.parametrize(
    ("dist", "value", "message"),
    [
        (Categorical(probs=np.ones(3)), np.array([0, 3]), r"Categorical.log_prob: .*integer in \[0, 2\].*3"),
        (Categorical(probs=np.ones(3)), np.array([-1.0]), r"Categorical.log_prob: .*integer in \[0, 2\].*-1"),
        (Categorical(probs=np.ones(3)), np.array([1.5]), r"Categorical.log_prob: .*integer.*1\.5"),
        (OneHotCategorical(probs=np.ones(3)), np.array([1.0, 1.0, 0.0]), r"OneHotCategorical.log_prob: .*one-hot"),
        (OneHotCategorical(probs=np.ones(3)), np.array([0.5, 0.5, 0.0]), r"OneHotCategorical.log_prob: .*one-hot"),
        (Multinomial(4, probs=np.ones(3)), np.array([1.0, 1.0, 1.0]), r"Multinomial.log_prob: .*summing to exactly 4"),
        (Multinomial(4, probs=np.ones(3)), np.array([5.0, -1.0, 0.0]), r"Multinomial.log_prob: .*non-negative"),
        (Multinomial(4, probs=np.ones(3)), np.array([1.5, 2.5, 0.0]), r"Multinomial.log_prob: .*integers"),
    ],
)
def test_values_outside_the_support_are_named(dist: Any, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dist.log_prob(value)


def test_without_validation_multinomial_log_prob_takes_the_count_of_the_value() -> None:
    """As torch.distributions: ``n = sum(value)`` per value (a Multinomial made for sampling evaluates any)."""
    d = Multinomial(probs=np.array([0.2, 0.3, 0.5]), validate_args=False)
    np.testing.assert_allclose(d.log_prob(np.array([2.0, 3.0, 5.0])), stats.multinomial(10, d.probs).logpmf([2, 3, 5]))


# ------------------------------------------------------------------ the straight-through gradient
def test_straight_through_gradient_torch(torch_backend: Backend) -> None:
    import torch

    probs = torch.tensor([[0.2, 0.3, 0.5], [1.0, 2.0, 1.0]], dtype=torch.float64, requires_grad=True)
    weights = torch.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=torch.float64)
    d = OneHotCategoricalStraightThrough(probs=probs)
    x = d.rsample((7,), seed=3)
    np.testing.assert_array_equal(_np(x), _np(d.sample((7,), seed=3)))  # the value is a one-hot draw
    assert torch.all((x == 0) | (x == 1)) and torch.all(x.sum(-1) == 1)
    assert x.requires_grad and not d.sample((7,), seed=3).requires_grad
    (grad,) = torch.autograd.grad((x * weights).sum(), probs)
    (surrogate,) = torch.autograd.grad((7 * weights * probs / probs.sum(-1, keepdim=True)).sum(), probs)
    torch.testing.assert_close(grad, surrogate, rtol=1e-12, atol=1e-12)  # d x / d p = identity, p normalized
    theirs = torch.distributions.OneHotCategoricalStraightThrough(probs=probs)
    (expected,) = torch.autograd.grad((theirs.rsample((7,)) * weights).sum(), probs)
    torch.testing.assert_close(grad, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.on_backend("jax")
def test_straight_through_gradient_jax() -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    logits = jnp.asarray([[0.1, -0.4, 1.2], [2.0, 0.0, -1.0]])
    weights = jnp.asarray([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])

    def draws(lg: Any) -> Any:
        return OneHotCategoricalStraightThrough(logits=lg).rsample((5,), seed=jax.random.key(4))

    x = draws(logits)
    np.testing.assert_array_equal(
        x, OneHotCategoricalStraightThrough(logits=logits).sample((5,), seed=jax.random.key(4))
    )
    grad = jax.grad(lambda lg: jnp.sum(draws(lg) * weights))(logits)
    surrogate = jax.grad(lambda lg: jnp.sum(5 * weights * jax.nn.softmax(lg, axis=-1)))(logits)
    np.testing.assert_allclose(grad, surrogate, rtol=1e-12, atol=1e-12)
    jitted = jax.jit(lambda lg, k: OneHotCategoricalStraightThrough(logits=lg).rsample((5,), seed=k))
    np.testing.assert_array_equal(jitted(logits, jax.random.key(4)), x)


# ------------------------------------------------------------------ draws: dtypes, large counts, seeds
def test_draw_dtypes(backend: Backend, dtype: str) -> None:
    probs = backend.asarray([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]], dtype)
    seed = 1
    index = Categorical(probs=probs).sample((4,), seed=seed)
    if backend.name == "jax":
        assert str(index.dtype) == str(backend.lib.numpy.zeros((), dtype=int).dtype)
    else:
        assert backend.dtype_name(index) == "int64"
    assert backend.owns(index)
    for d in (OneHotCategorical(probs=probs), OneHotCategoricalStraightThrough(probs=probs), Multinomial(5, probs)):
        x = d.sample((4,), seed=seed)
        assert backend.owns(x) and backend.dtype_name(x) == dtype and tuple(x.shape) == (4, 2, 3)
        values = backend.to_numpy(x)
        assert np.all(values.sum(-1) == (5 if isinstance(d, Multinomial) else 1))
    assert backend.dtype_name(Categorical(probs=probs).enumerate_support()) == backend.dtype_name(index)
    assert backend.dtype_name(OneHotCategorical(probs=probs).enumerate_support()) == dtype


@pytest.mark.statistical
@pytest.mark.parametrize("name", on_backends("numpy", "torch", "jax"))
def test_multinomial_with_a_million_trials(name: str, dtype: str) -> None:
    """Draws sum exactly to total_count, a count of probability 0 is always 0, and every other count's mean and
    spread are those of Binomial(n, p_k) (normal and chi-square tests, one check)."""
    lib = pytest.importorskip(name)
    p = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.0, 0.25, 0.25]])
    n, draws = 1_000_000, 2000
    probs = lib.numpy.asarray(p.astype(dtype)) if name == "jax" else lib.asarray(p.astype(dtype))
    x = np.asarray(_np(Multinomial(n, probs=probs).sample((draws,), seed=7)), np.float64)
    assert np.all(x.sum(-1) == n) and np.all(x == np.round(x))
    pr = p.astype(dtype).astype(np.float64)
    pr /= pr.sum(-1, keepdims=True)
    assert np.all(x[:, pr == 0] == 0)
    varies = pr > 0
    stderr = np.sqrt(n * pr * (1 - pr) / draws)[varies]
    pvalues = list(2 * stats.norm.sf(np.abs(x.mean(0)[varies] - n * pr[varies]) / stderr))
    for k in range(4):  # each count's spread too: Binomial(n, p_k) standardized, chi-square of the variance
        if 0 < pr[0, k] < 1:
            var = x[:, 0, k].var(ddof=1)
            chi = (draws - 1) * var / (n * pr[0, k] * (1 - pr[0, k]))
            pvalues.append(2 * min(stats.chi2.cdf(chi, draws - 1), stats.chi2.sf(chi, draws - 1)))
    check(bonferroni(pvalues), "counts of a million trials")


def test_multinomial_entropy_and_mode_at_a_thousand_trials() -> None:
    """float64: exact against SciPy.  (float32 loses the entropy to the cancellation of log n! against the
    binomial sum, as torch.distributions' formula does: 14 % off at n = 1000, torch's 23 %.)"""
    p = np.array([0.2, 0.3, 0.5])
    d = Multinomial(1000, probs=p)
    np.testing.assert_allclose(d.entropy(), stats.multinomial(1000, p).entropy(), rtol=1e-9)
    np.testing.assert_array_equal(d.mode, [200.0, 300.0, 500.0])
    np.testing.assert_array_equal(Multinomial(7, probs=np.array([0.5, 0.25, 0.25])).mode[0], 4.0)


@pytest.mark.statistical
@pytest.mark.parametrize("name", on_backends("numpy", "torch", "jax", "dask"))
def test_one_seed_reproduces_every_sampler(name: str) -> None:
    lib = pytest.importorskip(name if name != "dask" else "dask.array")
    p = np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])
    probs = {"jax": lambda: lib.numpy.asarray(p), "dask": lambda: lib.from_array(p, chunks=1)}.get(
        name, lambda: lib.asarray(p)
    )()
    for d in (Categorical(probs=probs), OneHotCategorical(probs=probs), Multinomial(30, probs=probs)):
        a, b, c = (
            np.asarray(_np(d.sample((50,), seed=s)) if name != "dask" else d.sample((50,), seed=s).compute())
            for s in (9, 9, 10)
        )
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
    counts = np.asarray(
        _np(Multinomial(30, probs=probs).sample((4000,), seed=11))
        if name != "dask"
        else Multinomial(30, probs=probs).sample((4000,), seed=11).compute()
    )
    # the K - 1 binomials use split keys (JAX): the counts follow their binomial laws
    pvalues = [
        q
        for k in range(3)
        for q in discrete_pvalues(counts[..., k], (2,), stats.binom(30, p[:, k]).pmf, stats.binom(30, p[:, k]).cdf)
    ]
    check(bonferroni(pvalues), "binomial counts")


# ------------------------------------------------------------------ KL and enumerate_support against torch
def _torch_pairs() -> list[tuple[str, Any, Any]]:
    return [
        ("finite", np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]), np.array([[0.5, 0.4, 0.1], [0.1, 0.1, 0.8]])),
        ("masked p", np.array([[0.0, 0.5, 0.5], [0.0, 0.0, 1.0]]), np.array([[0.5, 0.4, 0.1], [0.1, 0.1, 0.8]])),
        ("infinite", np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]]), np.array([[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])),
    ]


@pytest.mark.parametrize(("what", "p", "q"), _torch_pairs(), ids=[w for w, _, _ in _torch_pairs()])
@pytest.mark.parametrize("form", ["probs", "logits"])
def test_kl_matches_torch_for_every_registered_pair(what: str, p: Any, q: Any, form: str, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    td = torch.distributions
    tp, tq = (torch.tensor(v, dtype=getattr(torch, dtype)) for v in (p, q))
    if form == "logits":
        tp, tq = torch.log(tp), torch.log(tq)
    pairs = [
        (Categorical, td.Categorical),
        (OneHotCategorical, td.OneHotCategorical),
        (OneHotCategoricalStraightThrough, td.OneHotCategoricalStraightThrough),
    ]
    for ours, theirs in pairs:
        if form == "logits" and what != "finite":
            continue  # torch: log of a zero mass with logits -inf gives NaN there (-inf - -inf)
        result = _np(kl_divergence(ours(**{form: tp}), ours(**{form: tq})))
        expected = _np(td.kl_divergence(theirs(**{form: tp}), theirs(**{form: tq})))
        np.testing.assert_allclose(result, expected, rtol=1e-5 if dtype == "float32" else 1e-12)
        np.testing.assert_array_equal(np.isinf(result), np.isinf(special.rel_entr(p, q).sum(-1)))
    with pytest.raises(NotImplementedError):
        kl_divergence(Categorical(probs=p), OneHotCategorical(probs=q))  # torch registers none either
    with pytest.raises(NotImplementedError):
        kl_divergence(Multinomial(3, probs=p), Multinomial(3, probs=q))


def test_kl_with_masked_logits_is_exact() -> None:
    p, q = MASKED, MASKED[:, ::-1].copy()
    q[1] = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    expected = special.rel_entr(special.softmax(p, -1), special.softmax(q, -1)).sum(-1)
    np.testing.assert_allclose(kl_divergence(Categorical(logits=p), Categorical(logits=q)), expected, rtol=1e-12)
    assert expected[0] == np.inf and np.isfinite(expected[1])
    np.testing.assert_array_equal(kl_divergence(Categorical(logits=p), Categorical(logits=p)), [0.0, 0.0])


@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
def test_enumerate_support_matches_torch(batch: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    td = torch.distributions
    probs = torch.rand((*batch, 4), dtype=torch.float64)
    for ours, theirs in ((Categorical, td.Categorical), (OneHotCategorical, td.OneHotCategorical)):
        for expand in (True, False):
            a, b = ours(probs=probs).enumerate_support(expand), theirs(probs=probs).enumerate_support(expand)
            assert a.dtype == b.dtype and a.shape == b.shape
            torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not Multinomial.has_enumerate_support


def test_neutral_distributions_of_numbers_take_the_right_form() -> None:
    a, b = Categorical(probs=[0.2, 0.8]), Categorical(logits=[0.2, 0.8])
    np.testing.assert_allclose(a.probs, [0.2, 0.8])
    np.testing.assert_allclose(b.probs, special.softmax([0.2, 0.8]))
    assert a._neutral and b._neutral and math.isclose(float(b.log_prob(1)), float(special.log_softmax([0.2, 0.8])[1]))


# ------------------------------------------------------------------ function transforms
_FAMILIES = [(Categorical, ()), (OneHotCategorical, ()), (OneHotCategoricalStraightThrough, ()), (Multinomial, (4,))]


@pytest.mark.on_backend("jax")
@pytest.mark.parametrize(("cls", "extra"), _FAMILIES, ids=[c.__name__ for c, _ in _FAMILIES])
def test_jax_jit_and_vmap_returning_distributions(cls: type, extra: tuple[int, ...]) -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    logits = jnp.asarray(np.random.default_rng(3).standard_normal((5, 3)))
    d = cls(*extra, logits=logits)
    x = d.sample((2,), seed=1)

    @jax.jit
    def step(dist: Any, key: Any) -> tuple[Any, Any, Any]:
        return dist.sample((2,), seed=key), dist.log_prob(x), dist.entropy()

    draws, lp, h = step(d, jax.random.key(1))
    np.testing.assert_array_equal(draws, x)
    np.testing.assert_allclose(lp, d.log_prob(x), rtol=1e-12)
    np.testing.assert_allclose(h, d.entropy(), rtol=1e-12)
    mapped = jax.vmap(lambda lg: cls(*extra, logits=lg))(logits)
    assert type(mapped) is cls and mapped.batch_shape == (5,) and mapped.event_shape == d.event_shape
    np.testing.assert_allclose(mapped.probs, d.probs, rtol=1e-12)
    np.testing.assert_allclose(jax.vmap(lambda m: m.entropy())(mapped), d.entropy(), rtol=1e-12)
    if cls is Multinomial:
        assert mapped.total_count == 4


#: Multinomial's fullgraph compilation here (64 members of 6 categories: five traced binomial rejection loops) takes
#: 290 s with a cold inductor cache, the longest test of CI's complement: it runs under --full-matrix only, and CI
#: compiles Multinomial's sampler, log_prob and entropy in test_torch_transforms.py (three registry cases)
_COMPILED = [
    pytest.param(c, e, id=c.__name__, marks=[pytest.mark.full_matrix_only] if c is Multinomial else [])
    for c, e in _FAMILIES
]


@pytest.mark.on_backend("torch.compile")
@pytest.mark.parametrize(("cls", "extra"), _COMPILED)
def test_torch_compile_fullgraph_build_sample_log_prob_entropy(cls: type, extra: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    logits = torch.randn(64, 6, generator=torch.Generator().manual_seed(0))

    def step(lg: Any) -> tuple[Any, Any, Any]:
        d = cls(*extra, logits=lg, validate_args=False)
        x = d.sample()
        return x, d.log_prob(x), d.entropy()

    x, lp, h = torch.compile(step, fullgraph=True)(logits)
    d = cls(*extra, logits=logits)
    torch.testing.assert_close(lp, d.log_prob(x))
    torch.testing.assert_close(h, d.entropy())


def test_variance_of_a_near_certain_category() -> None:
    """p (1 - p) of a category of probability 1 - 1.9e-13 cancelled in 1 - p (0.7 % off in float64, 0 in float32,
    as torch.distributions'); the sum of the other categories' probabilities does not."""
    logits = np.array([30.0, 0.0, 0.0])
    p = special.softmax(logits)
    exact = p * np.array([p[1] + p[2], p[0] + p[2], p[0] + p[1]])
    for d in (OneHotCategorical(logits=logits), Multinomial(20, logits=logits)):
        scale = 20.0 if isinstance(d, Multinomial) else 1.0
        np.testing.assert_allclose(np.asarray(d.variance), scale * exact, rtol=1e-9)
