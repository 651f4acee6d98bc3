"""Every sampler's fit and independence, on every case, backend and dtype, under the one policy of ``_stats``.

One check per case, backend and dtype (``check_sampler``): draws from two seeds, standardized to normal scores by
the reference's protocol, tested for fit (each column's location, spread and shape, pooled too, and the counts of
discrete laws) and for independence (between batch members and coordinates, sample positions, Dask chunks and
seeds).  The tests of the tests below break samplers on purpose, in the ways that passed the suite before (issue
24): each must fail, and the false-alarm budget of the run must hold.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np
import pytest
from scipy import stats

import _stats
import arraydist
from _stats import ALPHA, BUDGET, GOF_SEEDS, KL_DRAWS, KL_SEED, POWER, sample_size
from arraydist._backend import ops_of
from backends import NUMPY, Backend
from cases import CASES, CASES_BY_NAME, Case, NormalRef

statistical = pytest.mark.statistical


def columns(case: Case) -> int:
    """Columns of normal scores a check of ``case`` tests at most (batch members times event coordinates)."""
    return math.prod(case.batch_shape) * math.prod(case.event_shape)


@contextlib.contextmanager
def sample_axis_chunks(backend: Backend, size: int) -> Iterator[None]:
    """On Dask, a chunk size of a quarter of ``size`` bytes while a check draws, so that the sample axis is cut
    into several chunks whose streams must be independent (the default of 128 MiB keeps a check in one chunk)."""
    if backend.name != "dask":
        yield
        return
    import dask

    with dask.config.set({"array.chunk-size": f"{max(1024, size // 4)}B"}):
        yield


def draw_runs(d: Any, backend: Backend, n: int) -> tuple[list[np.ndarray], set[int]]:
    """(``n`` draws of ``d`` from each seed of ``GOF_SEEDS`` as float64 NumPy arrays, the chunk boundaries of a
    Dask sample axis: lags whose independence is tested too)."""
    runs, lags = [], set()
    for seed in GOF_SEEDS:
        with sample_axis_chunks(backend, 8 * n * math.prod((*d.batch_shape, *d.event_shape))):
            x = d.sample((n,), seed=seed)
        chunks = getattr(x, "chunks", None)
        if chunks is not None and len(chunks[0]) > 1:
            lags.update(int(sum(chunks[0][: i + 1])) for i in range(min(2, len(chunks[0]) - 1)))
        runs.append(np.asarray(d._ops.to_numpy(x), dtype=np.float64))
    return runs, lags


def check_sampler(case: Case, backend: Backend, dtype: str) -> None:
    """Draws of the case in ``backend`` and ``dtype`` against the reference at the dtype-rounded parameters: one
    statistical check of fit and independence (``_stats.sampler_pvalues``)."""
    d = case.build(arraydist, lambda x: backend.asarray(x, dtype))
    ref = case.reference(lambda x: np.asarray(np.asarray(x, dtype=dtype), dtype=np.float64))
    n = sample_size(columns(case)) // 2
    runs, lags = draw_runs(d, backend, n)
    for x in runs:
        assert x.shape == (n, *case.batch_shape, *case.event_shape)
        assert np.isfinite(x).all()
        _stats.assert_in_support(ref, x, f"{case.name} on {backend.id} {dtype}")
        if case.discrete:
            assert np.array_equal(x, np.round(x)), "a discrete sampler drew values that are not integers"
    _stats.check_pvalues(_stats.sampler_pvalues(runs, ref, lags), f"{case.name} on {backend.id} {dtype}")


@statistical
@pytest.mark.parametrize("case", CASES, ids=str)
def test_sampler_fit_and_independence(case: Case, backend: Backend, dtype: str) -> None:
    check_sampler(case, backend, dtype)


# ------------------------------------------------------------------ the power promised, and the budget
def test_the_sample_size_gives_the_promised_power_to_every_case() -> None:
    """Each column of every case is tested with the draws that catch a location error of ``EFFECT`` standard
    deviations with probability ``POWER`` (the normal power of its mean test at its share of ``ALPHA``)."""
    for case in CASES:
        k = columns(case)
        assert _stats.mean_test_power(k, sample_size(k)) >= POWER, case.name
    assert _stats.mean_test_power(1, sample_size(1) - 1000) < POWER  # the smallest such size, to the thousand
    # a 5 % scale error is a change of 0.1025 in the mean of the squared scores, whose sd is sqrt(2 / n)
    n = sample_size(1)
    z = stats.norm.isf(_stats.moment_level(1) / 2)
    assert stats.norm.sf((z * math.sqrt(2 / n) - 0.1025) / (1.1025 * math.sqrt(2 / n))) > POWER


def test_the_false_alarm_budget_holds(request: pytest.FixtureRequest) -> None:
    """The checks this run declares, and those the full matrix would, times ``ALPHA`` stay within ``BUDGET`` (the
    union bound on the chance that a correct library fails some statistical test); the counts come from the
    collected tests' ``statistical`` marks (``conftest.py``), and the run's summary prints them."""
    counts = request.config.stash.get(_stats.DECLARED_KEY, None)
    assert counts is not None, "conftest.py did not count the statistical checks"
    run, full = counts
    assert run >= 1 and full >= run
    assert run * ALPHA <= BUDGET, f"{run} checks at ALPHA = {ALPHA:g}: {run * ALPHA:.2%} > {BUDGET:.0%}"
    assert full * ALPHA <= BUDGET, f"full matrix: {full} checks at ALPHA = {ALPHA:g}: {full * ALPHA:.2%}"


# ------------------------------------------------------------------ samplers made wrong on purpose
def _numpy_ops() -> Any:
    return ops_of(np.zeros(1))


def _wrap(monkeypatch: pytest.MonkeyPatch, name: str, wrong: Callable[..., Any]) -> None:
    """Replace NumPy's primitive ``name`` by ``wrong(original, *args)`` for the test."""
    ops = _numpy_ops()
    original = getattr(ops, name)
    monkeypatch.setattr(ops, name, lambda *args: wrong(original, *args))


def _fails(case: str, match: str) -> None:
    with pytest.raises(AssertionError, match=match):
        check_sampler(CASES_BY_NAME[case], NUMPY, "float64")


@statistical(4)
@pytest.mark.parametrize("case", ["normal-scalar", "normal-broadcast", "mvn-single", "independent-2-dims"])
def test_a_sampler_five_percent_too_wide_fails(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    check_sampler(CASES_BY_NAME[case], NUMPY, "float64")
    _wrap(monkeypatch, "normal", lambda f, rng, shape, dtype, device: 1.05 * f(rng, shape, dtype, device))
    _fails(case, "spread")
    monkeypatch.undo()
    _wrap(monkeypatch, "normal", lambda f, rng, shape, dtype, device: f(rng, shape, dtype, device) / 1.05)
    _fails(case, "spread")
    monkeypatch.undo()
    if case == "normal-scalar":  # one column: its location error of EFFECT is caught with POWER only
        _wrap(monkeypatch, "normal", lambda f, rng, shape, dtype, device: f(rng, shape, dtype, device) + 0.1)
    else:  # a location error of 0.05 standard deviations in every member: the pooled mean
        _wrap(monkeypatch, "normal", lambda f, rng, shape, dtype, device: f(rng, shape, dtype, device) + 0.05)
    _fails(case, "mean")


@statistical(2)
@pytest.mark.parametrize("case", ["normal-broadcast", "mvn-batched-cov"])
def test_noise_shared_across_batch_members_fails(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One noise for every batch member (the draws of each member still fit perfectly): the correlation between
    members fails; and noise shared only between the two halves of the batch too."""

    def shared(f: Any, rng: Any, shape: tuple[int, ...], dtype: Any, device: Any) -> Any:
        one = f(rng, (shape[0], *(1,) * (len(shape) - 1)), dtype, device)
        return np.broadcast_to(one, shape).copy()

    _wrap(monkeypatch, "normal", shared)
    _fails(case, "correlation of columns")

    def halves(f: Any, rng: Any, shape: tuple[int, ...], dtype: Any, device: Any) -> Any:
        half = f(rng, (shape[0], 1, *shape[2:]), dtype, device)
        return np.concatenate([half] * shape[1], axis=1) if shape[1] > 1 else half

    monkeypatch.undo()
    _wrap(monkeypatch, "normal", halves)
    _fails(case, "correlation of columns")


@statistical(2)
def test_noise_repeated_over_sample_positions_or_seeds_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Draws that repeat after half the sample, or that ignore the seed: each still fits its law."""

    def repeated(f: Any, rng: Any, shape: tuple[int, ...], dtype: Any, device: Any) -> Any:
        half = f(rng, (shape[0] - shape[0] // 2, *shape[1:]), dtype, device)
        return np.concatenate([half, half[: shape[0] // 2]])

    _wrap(monkeypatch, "normal", repeated)
    _fails("normal-batched", "sample positions")
    monkeypatch.undo()
    _wrap(monkeypatch, "normal", lambda f, rng, *args: f(np.random.default_rng(0), *args))
    _fails("normal-batched", "seeds 0 and 1")


@statistical(2)
def test_poisson_rates_below_a_thousandth_drawn_as_rate_one_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """A member whose mode holds all but 1e-6 of the mass is tested exactly (the number of draws off the mode),
    never skipped: Poisson(1e-6) drawn as Poisson(1) fails."""

    def tiny_as_one(f: Any, rng: Any, rate: Any, *args: Any) -> Any:
        return f(rng, np.where((rate > 0) & (rate < 1e-3), 1.0, rate), *args)

    check_sampler(CASES_BY_NAME["poisson-rate-zero"], NUMPY, "float64")
    _wrap(monkeypatch, "poisson", tiny_as_one)
    _fails("poisson-rate-zero", "column 1")


def test_exact_test_of_a_near_degenerate_member() -> None:
    """The probability of the observed number of draws off the mode, whatever the pooling: 0 draws of a value of
    mass 1e-9 is a p-value of ~1; 3 of them is ~1e-14 at 25,000 draws."""
    probs = np.array([1.0 - 1e-9, 1e-9])
    assert _stats.binned_pvalue(np.array([25_000.0, 0.0]), probs) == pytest.approx(1.0)
    tiny = _stats.binned_pvalue(np.array([24_997.0, 3.0]), probs)
    assert tiny < 1e-12


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


@statistical
def test_discrete_protocol_passes_a_correct_sampler() -> None:
    check_sampler(toy_case(), NUMPY, "float64")


@statistical
@pytest.mark.parametrize(
    ("wrong", "what"),
    [
        ({"bias": 0.02}, "probability off by 0.02"),
        ({"bias": 0.01}, "probability off by 0.01"),
        ({"drop_top": True}, "top value never drawn"),
    ],
)
def test_discrete_protocol_fails_a_wrong_sampler(wrong: dict[str, Any], what: str) -> None:
    with pytest.raises(AssertionError, match=r"corrected p-value"):
        check_sampler(toy_case(**wrong), NUMPY, "float64")


def test_discrete_protocol_fails_non_integer_and_impossible_draws() -> None:
    ref = BinomialRef(3, np.array([0.5]))
    good = np.random.default_rng(0).binomial(3, 0.5, size=(4000, 1)).astype(np.float64)
    assert min(_stats.discrete_pvalues(good, (1,), ref.d.pmf, ref.d.cdf)) > 1e-3
    assert _stats.discrete_pvalues(good + 0.5, (1,), ref.d.pmf, ref.d.cdf) == [0.0]  # not integers
    impossible = good.copy()
    impossible[0] = 4.0  # outside {0, ..., 3}: zero reference mass
    assert _stats.discrete_pvalues(impossible, (1,), ref.d.pmf, ref.d.cdf) == [0.0]


def test_pooling_keeps_every_bin_at_the_minimum_expected_count() -> None:
    expected = np.array([0.5, 1.0, 2.0, 10.0, 20.0, 3.0, 1.0, 0.5])
    observed = np.array([1, 0, 3, 9, 22, 2, 1, 0], dtype=np.float64)
    e, o = _stats.pooled_bins(expected, observed)
    np.testing.assert_array_equal(e, [13.5, 24.5])  # 0.5+1+2+10 | 20 + (3+1+0.5 too few: joins the one before)
    np.testing.assert_array_equal(o, [13.0, 25.0])
    assert e.sum() == expected.sum() and o.sum() == observed.sum()


def test_weighted_bonferroni() -> None:
    """Each group's p-values count times the group's size over its weight; the label names the smallest."""
    pv = _stats.PValues(moments=[("a", 0.01), ("b", 0.5)], other=[("c", 0.02), ("d", 0.3), ("e", 0.9)])
    p, label = pv.corrected()
    assert p == pytest.approx(min(0.01 * 2 / 0.5, 0.02 * 3 / 0.5)) and label.startswith("a ")
    assert _stats.PValues(other=[("x", 0.9)]).corrected()[0] == 1.0


# ------------------------------------------------------------------ the Monte-Carlo KL reference
@statistical(2)
def test_monte_carlo_kl_accepts_the_closed_form_and_rejects_a_wrong_value() -> None:
    """The KL test's fallback for references without a closed form (``_stats.monte_carlo_kl``): it agrees with
    the Normal closed form, and a KL off by 10 % falls outside its standard errors."""
    p = NormalRef(np.array([0.0, 1.0, -2.0]), np.array([1.0, 0.5, 2.0]))
    q = NormalRef(np.array([0.5, 1.0, -1.0]), np.array([1.5, 0.7, 1.0]))
    x = arraydist.Normal(p.loc, p.scale).sample((KL_DRAWS,), seed=KL_SEED)
    estimate, stderr = _stats.monte_carlo_kl(p.log_prob(x), q.log_prob(x))
    exact = p.kl_divergence(q)
    _stats.assert_within_monte_carlo(exact, estimate, stderr, "closed form")
    with pytest.raises(AssertionError, match=r"outside 5\.\d\d standard errors"):
        _stats.assert_within_monte_carlo(exact * 1.1, estimate, stderr, "wrong by 10%")
