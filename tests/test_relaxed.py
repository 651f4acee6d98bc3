"""The relaxed family's own tests: what the registry cannot express (``cases_relaxed.py`` holds its cases).

float32 at low temperatures and probabilities near 0 and 1 (draws inside the support, finite densities), the
exact laws of the draws (the logit of a relaxed Bernoulli is a logistic: KS; the argmax of a relaxed one-hot
draw is ``Categorical(probs)``: chi-square), a batched temperature (torch.distributions multiplies the value by
it along the category axis), torch parity of the two log-space bases (not exported at torch's top level, so the
registry's parity test skips them), the reference against SciPy's logistic, and the errors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
import torch.distributions as td
from scipy import stats
from torch.distributions.relaxed_bernoulli import LogitRelaxedBernoulli as TorchLogitRelaxedBernoulli
from torch.distributions.relaxed_categorical import ExpRelaxedCategorical as TorchExpRelaxedCategorical

import arraydist
from _stats import binned_pvalue, bonferroni, check, ks_pvalue
from arraydist import RelaxedBernoulli, RelaxedOneHotCategorical
from arraydist.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
from arraydist.distributions.relaxed_categorical import ExpRelaxedCategorical
from backends import on_backends
from cases_relaxed import LogisticRef

pytestmark = pytest.mark.family

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def _lib(name: str) -> Any:
    return pytest.importorskip(name)


def _arr(name: str, x: Any, dtype: str) -> Any:
    return _lib(name).asarray(np.asarray(x, dtype=dtype))


def _np(x: Any) -> np.ndarray:
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


# ------------------------------------------------------------------------------------------ float32 edges
@pytest.mark.parametrize("name", on_backends("numpy", "torch"))
def test_relaxed_bernoulli_draws_stay_inside_the_open_interval(name: str, dtype: str) -> None:
    """At temperatures down to 1e-3 and probs from 1e-6 to 1 - 1e-6 almost every draw rounds to 0 or 1 in
    float32: the draws are clipped inside (0, 1) (torch clips too), and their ``log_prob`` is finite."""
    t = _arr(name, [[1e-3], [0.01], [0.1]], dtype)
    probs = _arr(name, [1e-6, 1e-3, 0.5, 0.999, 1.0 - 1e-6], dtype)
    d = RelaxedBernoulli(t, probs=probs)
    for y in (d.sample((500,), seed=0), d.rsample((500,), seed=1), d.rsample_and_log_prob((500,), seed=2)[0]):
        y = _np(y)
        assert y.dtype == np.dtype(dtype)
        assert np.all((y > 0) & (y < 1))
        assert np.all(np.isfinite(_np(d.log_prob(d._ops.asarray(y, d.dtype, None)))))
    _, log_p = d.rsample_and_log_prob((500,), seed=3)
    assert np.all(np.isfinite(_np(log_p)))


@pytest.mark.parametrize("name", on_backends("numpy", "torch"))
def test_logit_relaxed_bernoulli_is_finite_at_extreme_probs_and_temperatures(name: str, dtype: str) -> None:
    """Draws, densities and (torch) gradients stay finite at probs of 1e-6 and 1 - 1e-6 and temperature 1e-3."""
    probs = np.array([1e-6, 1.0 - 1e-6], dtype=dtype)
    t = np.array([[1e-3], [10.0]], dtype=dtype)
    if name == "torch":
        logits = torch.tensor(np.log(probs) - np.log1p(-probs), dtype=DTYPES[dtype], requires_grad=True)
        d = LogitRelaxedBernoulli(torch.tensor(t), logits=logits)
        x = d.rsample((1000,), seed=0)
        d.log_prob(x).sum().backward()
        assert logits.grad is not None and torch.isfinite(logits.grad).all()
        x = _np(x)
    else:
        d = LogitRelaxedBernoulli(t, probs=probs)
        x = _np(d.sample((1000,), seed=0))
    assert np.all(np.isfinite(x))
    assert np.all(np.isfinite(_np(d.log_prob(d._ops.asarray(x, d.dtype, None)))))


@pytest.mark.parametrize("name", on_backends("numpy", "torch"))
def test_relaxed_one_hot_draws_lie_on_the_simplex_at_low_temperature(name: str, dtype: str) -> None:
    """At temperature 0.01 most coordinates are below the smallest normal number: they are kept at it, so the
    draws sum to 1 (to rounding), lie in (0, 1] and have a finite ``log_prob``; a value with coordinates of
    exactly 0 (a draw of another library that underflowed) has a finite ``log_prob`` too."""
    probs = _arr(name, [[0.2, 0.3, 0.5, 1e-4], [0.97, 0.01, 0.01, 0.01]], dtype)
    d = RelaxedOneHotCategorical(_arr(name, 0.01, dtype), probs=probs)
    tiny = float(np.finfo(dtype).tiny)
    for y in (d.sample((400,), seed=0), d.rsample((400,), seed=1), d.rsample_and_log_prob((400,), seed=2)[0]):
        y64 = _np(y).astype(np.float64)
        assert y64.min() >= tiny and y64.max() <= 1.0
        np.testing.assert_allclose(y64.sum(-1), 1.0, atol=8 * float(np.finfo(dtype).eps))
        assert np.all(np.isfinite(_np(d.log_prob(y))))
    zeros = _arr(name, [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]], dtype)
    assert np.all(np.isfinite(_np(d.log_prob(zeros))))


def test_rsample_and_log_prob_agree_with_log_prob_of_the_draw() -> None:
    """Where nothing rounds (float64, moderate temperatures), the density returned with a draw is its
    ``log_prob``."""
    for d in (
        LogitRelaxedBernoulli(np.array([0.3, 2.0]), probs=np.array([0.2, 0.7])),
        RelaxedBernoulli(np.array([0.7, 2.0]), logits=np.array([-1.0, 1.5])),
        RelaxedOneHotCategorical(np.array([0.5, 2.0]), probs=np.array([0.2, 0.3, 0.5])),
    ):
        x, log_p = d.rsample_and_log_prob((50,), seed=4)
        np.testing.assert_allclose(log_p, d.log_prob(x), rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------------------------------ exact laws
@pytest.mark.statistical(2)
@pytest.mark.parametrize("name", on_backends("numpy", "torch"))
def test_logit_draws_are_logistic_at_float32_edges(name: str) -> None:
    """In float32, at temperature 0.01 and probs of 1e-6 and 0.999: ``sigmoid(t x - logits)`` of the draws is
    uniform (KS per member, one check) and ``t x - logits`` has the logistic's spread pi^2/3 (chi-square of the
    normal scores' sum of squares, one check)."""
    probs = np.array([1e-6, 0.999], np.float32)
    t = np.float32(0.01)
    d = LogitRelaxedBernoulli(_arr(name, t, "float32"), probs=_arr(name, probs, "float32"))
    x = _np(d.sample((20000,), seed=5)).astype(np.float64)
    ell = np.log(probs.astype(np.float64)) - np.log1p(-probs.astype(np.float64))
    z = float(t) * x - ell
    u = 1.0 / (1.0 + np.exp(-z))
    check(bonferroni(list(ks_pvalue(u))), "KS of the logistic law of LogitRelaxedBernoulli's float32 draws")
    scores = stats.norm.ppf(np.clip(u, 1e-16, 1 - 1e-16))
    ss = (scores**2).sum(0)
    n = scores.shape[0]
    p = [2 * min(stats.chi2.cdf(s, n), stats.chi2.sf(s, n)) for s in ss]
    check(bonferroni(p), "spread of LogitRelaxedBernoulli's float32 draws")


@pytest.mark.statistical(2)
@pytest.mark.parametrize("name", on_backends("numpy", "torch"))
def test_the_argmax_of_relaxed_one_hot_draws_is_categorical(name: str) -> None:
    """Whatever the temperature, the largest coordinate of a draw is ``Categorical(probs)``: counts against the
    probabilities (chi-square per member) at temperature 0.05 and 5, in float32 (one check each)."""
    p = np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.15, 0.05]], np.float32)
    for t in (0.05, 5.0):
        d = RelaxedOneHotCategorical(_arr(name, t, "float32"), probs=_arr(name, p, "float32"))
        index = np.argmax(_np(d.sample((8000,), seed=6)), axis=-1)
        q = p.astype(np.float64) / p.astype(np.float64).sum(-1, keepdims=True)
        pvalues = [binned_pvalue(np.bincount(index[:, m], minlength=4).astype(np.float64), q[m]) for m in range(2)]
        check(bonferroni(pvalues), f"argmax of RelaxedOneHotCategorical draws at temperature {t}")


def test_the_logistic_reference_is_scipys_logistic() -> None:
    """``cases_relaxed.LogisticRef`` (the registry's reference) against SciPy's logistic of location logits / t
    and scale 1 / t."""
    t, ell = np.array([0.1, 0.5, 3.0]), np.array([-2.0, 0.3, 4.0])
    ref, sp = LogisticRef(t, logits=ell), stats.logistic(ell / t, 1 / t)
    x = np.linspace(-30.0, 30.0, 41)[:, None]
    np.testing.assert_allclose(ref.log_prob(x), sp.logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(ref.cdf(x), sp.cdf(x), rtol=1e-12)
    np.testing.assert_allclose(ref.log_survival_function(x), sp.logsf(x), rtol=1e-12)
    np.testing.assert_allclose(ref.entropy(), sp.entropy(), rtol=1e-12)
    np.testing.assert_allclose(ref.variance, sp.var(), rtol=1e-12)


# ------------------------------------------------------------------------------------------ temperature shapes
def test_a_batched_temperature_is_one_per_member() -> None:
    """``temperature`` of shape (3, 1) against logits (2, K): a batch of (3, 2), each member the distribution
    of its own temperature.  (torch.distributions' categorical relaxations multiply the value by the
    temperature along the category axis: a (2,)-temperature with K = 2 weighs the two categories differently
    instead of the two members; its relaxed Bernoulli keeps the batch shape of probs.)"""
    t = np.array([[0.3], [1.0], [4.0]])
    logits = np.array([[0.2, -1.0, 0.5], [1.0, 1.0, -2.0]])
    d = RelaxedOneHotCategorical(t, logits=logits)
    assert d.batch_shape == (3, 2) and d.event_shape == (3,)
    y = d.sample((7,), seed=8)
    lp = d.log_prob(y)
    for i in range(3):
        for j in range(2):
            one = RelaxedOneHotCategorical(float(t[i, 0]), logits=logits[j])
            np.testing.assert_allclose(lp[:, i, j], one.log_prob(y[:, i, j]), rtol=1e-12)
    np.testing.assert_allclose(d[1:, 0].log_prob(y[:, 1:, 0]), lp[:, 1:, 0], rtol=1e-12)
    b = RelaxedBernoulli(np.array([[0.5], [2.0]]), probs=np.array([0.1, 0.6, 0.9]))
    assert b.batch_shape == (2, 3) and b.expand((4, 2, 3)).batch_shape == (4, 2, 3)
    np.testing.assert_array_equal(b[1].temperature, [2.0, 2.0, 2.0])


def test_torch_weighs_categories_by_a_batched_temperature() -> None:
    """The torch.distributions behaviour the test above avoids, pinned so that a fix upstream is noticed:
    temperatures (0.5, 2) on two members of K = 2 categories, torch's log_prob against the per-member one."""
    t = torch.tensor([0.5, 2.0], dtype=torch.float64)
    logits = torch.tensor([[0.3, -0.2], [1.0, 0.0]], dtype=torch.float64)
    y = torch.tensor([[0.3, 0.7], [0.6, 0.4]], dtype=torch.float64)
    theirs = td.RelaxedOneHotCategorical(t, logits=logits).log_prob(y).numpy()
    ours = RelaxedOneHotCategorical(t, logits=logits).log_prob(y).numpy()
    per_member = [td.RelaxedOneHotCategorical(t[i], logits=logits[i]).log_prob(y[i]).item() for i in range(2)]
    np.testing.assert_allclose(ours, per_member, rtol=1e-12)
    assert not np.allclose(theirs, per_member)


# ------------------------------------------------------------------------------------------ torch parity
@pytest.mark.parametrize("form", ["probs", "logits"])
def test_log_space_bases_match_torch(dtype: str, form: str) -> None:
    """LogitRelaxedBernoulli and ExpRelaxedCategorical against torch's (by their modules: torch does not export
    them at the top level, so ``test_torch_parity.py`` skips their registry cases), at torch's draws."""
    tt = DTYPES[dtype]
    rtol = 2e-5 if dtype == "float32" else 1e-10
    probs = np.array([[0.1, 0.5, 0.9], [0.3, 0.02, 0.98]])
    param = probs if form == "probs" else np.log(probs) - np.log1p(-probs)
    t = torch.tensor([[0.2], [1.5]], dtype=tt)
    theirs = TorchLogitRelaxedBernoulli(t, **{form: torch.tensor(param, dtype=tt)})
    ours = LogitRelaxedBernoulli(t, **{form: torch.tensor(param, dtype=tt)})
    torch.manual_seed(0)
    x = theirs.sample((6,))
    np.testing.assert_allclose(_np(ours.log_prob(x)), _np(theirs.log_prob(x)), rtol=rtol, atol=rtol)
    cat = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    cparam = cat if form == "probs" else np.log(cat) + 1.0
    t0 = torch.tensor(0.4, dtype=tt)
    theirs_c = TorchExpRelaxedCategorical(t0, **{form: torch.tensor(cparam, dtype=tt)})
    ours_c = ExpRelaxedCategorical(t0, **{form: torch.tensor(cparam, dtype=tt)})
    x = theirs_c.sample((6,))
    np.testing.assert_allclose(_np(ours_c.log_prob(x)), _np(theirs_c.log_prob(x)), rtol=rtol, atol=10 * rtol)
    np.testing.assert_allclose(_np(ours_c.probs), _np(theirs_c.probs), rtol=rtol)


def test_the_log_space_bases_follow_torchs_exports() -> None:
    """Exported at the top level exactly where torch.distributions exports them."""
    for name in ("LogitRelaxedBernoulli", "ExpRelaxedCategorical", "RelaxedBernoulli", "RelaxedOneHotCategorical"):
        assert (name in arraydist.__all__) == (name in td.__all__), name


# ------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("build", "pattern"),
    [
        (lambda: RelaxedBernoulli(np.array([1.0, -0.5]), probs=0.3), r"^RelaxedBernoulli: .*'temperature'.*positive"),
        (lambda: RelaxedBernoulli(1.0, probs=1.5), r"^RelaxedBernoulli: .*'probs'"),
        (lambda: RelaxedBernoulli(1.0, probs=0.5, logits=0.0), r"^RelaxedBernoulli: .*probs.*logits"),
        (
            lambda: RelaxedOneHotCategorical(0.0, probs=np.array([0.5, 0.5])),
            r"^RelaxedOneHotCategorical: .*'temperature'.*positive",
        ),
        (
            lambda: RelaxedOneHotCategorical(1.0, probs=np.array([0.5, -0.5])),
            r"^RelaxedOneHotCategorical: .*'probs'",
        ),
        (
            lambda: RelaxedOneHotCategorical(np.ones(3), logits=np.zeros((2, 4))),
            r"^RelaxedOneHotCategorical: .*\(3,\).*\(2,\)|^RelaxedOneHotCategorical: .*shape",
        ),
    ],
)
def test_bad_parameters_are_named(build: Any, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        build()


def test_temperature_is_not_mutated_and_float32_is_kept() -> None:
    t = np.array([0.5, 2.0], np.float32)
    probs = np.array([0.25, 0.75], np.float32)
    before = (t.copy(), probs.copy())
    d = RelaxedBernoulli(t, probs=probs)
    d.sample((3,), seed=0)
    d.log_prob(np.array([0.5, 0.5], np.float32))
    np.testing.assert_array_equal(t, before[0])
    np.testing.assert_array_equal(probs, before[1])
    assert d.sample(seed=0).dtype == np.float32 and d.log_prob(np.float32(0.5)).dtype == np.float32
    assert math.isclose(float(d.temperature[1]), 2.0)
