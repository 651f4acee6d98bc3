"""Goodness of fit of every sampler, on every case, backend and dtype, under the one policy of ``_stats``.

The test picks its protocol from the reference (``_stats.gof_pvalue``): KS of each continuous marginal against
its CDF, counts against the pmf for discrete marginals (exact or chi-square after pooling), whitening for
multivariate normals.  The tests of the tests below show each protocol failing on a sampler made wrong on
purpose; the discrete one on a small test-only distribution written against arraydist's public API, since no
discrete family exists yet.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest
from scipy import stats

import arraydist
from _stats import (
    ALPHA,
    GOF_SEED,
    KL_DRAWS,
    KL_SEED,
    N,
    assert_within_monte_carlo,
    gof_pvalue,
    monte_carlo_kl,
    pooled_bins,
)
from backends import NUMPY, Backend
from cases import CASES, Case, NormalRef


def check_goodness_of_fit(case: Case, backend: Backend, dtype: str) -> None:
    d = case.build(arraydist, lambda x: backend.asarray(x, dtype))
    draws = d._ops.to_numpy(d.sample((N,), seed=GOF_SEED)).astype(np.float64)
    ref = case.reference(lambda x: np.asarray(np.asarray(x, dtype=dtype), dtype=np.float64))
    assert draws.shape == (N, *case.batch_shape, *case.event_shape)
    assert np.isfinite(draws).all()
    if case.discrete:
        assert np.array_equal(draws, np.round(draws)), "a discrete sampler drew values that are not integers"
    pvalue = gof_pvalue(draws, ref)
    assert pvalue > ALPHA, f"{case.name}: corrected p-value {pvalue:.3g} <= {ALPHA}"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_sampler_goodness_of_fit(case: Case, backend: Backend, dtype: str) -> None:
    check_goodness_of_fit(case, backend, dtype)


@pytest.mark.parametrize(
    ("wrong", "what"),
    [((0.15, 1.0), "location off by 0.15 sd"), ((0.0, 1.1), "scale off by 10%")],
)
def test_the_tests_have_power(wrong: tuple[float, float], what: str) -> None:
    shift, stretch = wrong
    ref = NormalRef(np.array([0.0, 2.0]), np.array([1.0, 3.0]))
    good = arraydist.Normal(ref.loc, ref.scale).sample((N,), seed=7)
    bad = ref.loc + shift * ref.scale + stretch * (good - ref.loc)
    assert gof_pvalue(good, ref) > ALPHA
    assert gof_pvalue(bad, ref) < ALPHA, f"a sampler with its {what} passed"


# ------------------------------------------------------------------ the discrete protocol, on a test-only family
class ToyBinomial(arraydist.Distribution):
    """Binomial(total_count, probs) on NumPy, torch.distributions-style (attributes, then ``super().__init__``):
    a discrete distribution of the test suite only, to prove the discrete protocol.  ``bias`` shifts the
    sampler's probability (a sampler wrong on purpose); ``drop_top`` makes it never draw ``total_count``;
    ``log_prob_offset`` unnormalizes its masses."""

    has_rsample = False
    has_enumerate_support = True
    arg_constraints: ClassVar[dict[str, Any]] = {}  # parameters checked by hand, as a torch.distributions subclass may

    def __init__(
        self, total_count: int, probs: Any, bias: float = 0.0, drop_top: bool = False, log_prob_offset: float = 0.0
    ) -> None:
        self.total_count = total_count
        self.probs = np.asarray(probs, dtype=np.float64)
        self.bias, self.drop_top, self.log_prob_offset = bias, drop_top, log_prob_offset
        super().__init__(batch_shape=self.probs.shape)

    def sample(self, sample_shape: Any = (), *, seed: Any = None) -> Any:
        rng = np.random.default_rng(seed)
        shape = (*tuple(sample_shape), *self.probs.shape)
        x = rng.binomial(self.total_count, np.clip(self.probs + self.bias, 0.0, 1.0), size=shape).astype(np.float64)
        return np.minimum(x, self.total_count - 1) if self.drop_top else x

    def log_prob(self, value: Any) -> Any:
        return stats.binom(self.total_count, self.probs).logpmf(value) + self.log_prob_offset

    def enumerate_support(self, expand: bool = True) -> Any:
        values = np.arange(self.total_count + 1.0).reshape((-1,) + (1,) * self.probs.ndim)
        return np.broadcast_to(values, (self.total_count + 1, *self.probs.shape)) if expand else values


class BinomialRef:
    def __init__(self, total_count: int, probs: Any) -> None:
        self.d = stats.binom(total_count, np.asarray(probs, np.float64))

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return self.d.logpmf(x)

    def marginal_pmf(self) -> tuple[tuple[int, ...], Any, Any]:
        return self.d.args[1].shape, self.d.pmf, self.d.cdf


TOY_PROBS = np.array([0.3, 0.05, 0.9, 0.5])


def toy_case(name: str = "toy-binomial", **wrong: Any) -> Case:
    return Case(
        name,
        "ToyBinomial",
        lambda lib, c: ToyBinomial(10, TOY_PROBS, **wrong),
        lambda r: BinomialRef(10, TOY_PROBS),
        (4,),
        has_rsample=False,
        has_enumerate_support=True,
        discrete=True,
        has_entropy=False,
    )


def test_discrete_protocol_passes_a_correct_sampler() -> None:
    check_goodness_of_fit(toy_case(), NUMPY, "float64")


@pytest.mark.parametrize(
    ("wrong", "what"),
    [({"bias": 0.03}, "probability off by 0.03"), ({"drop_top": True}, "top value never drawn")],
)
def test_discrete_protocol_fails_a_wrong_sampler(wrong: dict[str, Any], what: str) -> None:
    with pytest.raises(AssertionError, match=r"corrected p-value"):
        check_goodness_of_fit(toy_case(**wrong), NUMPY, "float64")


def test_discrete_protocol_fails_non_integer_and_impossible_draws() -> None:
    ref = BinomialRef(3, np.array([0.5]))
    good = np.random.default_rng(0).binomial(3, 0.5, size=(N, 1)).astype(np.float64)
    assert gof_pvalue(good, ref) > ALPHA
    assert gof_pvalue(good + 0.5, ref) == 0.0  # not integers
    impossible = good.copy()
    impossible[0] = 4.0  # outside {0, ..., 3}: zero reference mass
    assert gof_pvalue(impossible, ref) == 0.0


def test_pooling_keeps_every_bin_at_the_minimum_expected_count() -> None:
    expected = np.array([0.5, 1.0, 2.0, 10.0, 20.0, 3.0, 1.0, 0.5])
    observed = np.array([1, 0, 3, 9, 22, 2, 1, 0], dtype=np.float64)
    e, o = pooled_bins(expected, observed)
    np.testing.assert_array_equal(e, [13.5, 24.5])  # 0.5+1+2+10 | 20 + (3+1+0.5 too few: joins the one before)
    np.testing.assert_array_equal(o, [13.0, 25.0])
    assert e.sum() == expected.sum() and o.sum() == observed.sum()


# ------------------------------------------------------------------ the Monte-Carlo KL reference
def test_monte_carlo_kl_accepts_the_closed_form_and_rejects_a_wrong_value() -> None:
    """The KL test's fallback for references without a closed form (``_stats.monte_carlo_kl``): it agrees with
    the Normal closed form, and a KL off by 5 % falls outside its ``Z`` standard errors."""
    p = NormalRef(np.array([0.0, 1.0, -2.0]), np.array([1.0, 0.5, 2.0]))
    q = NormalRef(np.array([0.5, 1.0, -1.0]), np.array([1.5, 0.7, 1.0]))
    x = arraydist.Normal(p.loc, p.scale).sample((KL_DRAWS,), seed=KL_SEED)
    estimate, stderr = monte_carlo_kl(p.log_prob(x), q.log_prob(x))
    exact = p.kl_divergence(q)
    assert_within_monte_carlo(exact, estimate, stderr, "closed form")
    with pytest.raises(AssertionError, match=r"outside 3\.89 standard errors"):
        assert_within_monte_carlo(exact * 1.05, estimate, stderr, "wrong by 5%")
