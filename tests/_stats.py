"""Statistical checks of the suite, and the one false-alarm policy they all follow.

Note on randomized tests (the one policy for every statistical test in this suite)
----------------------------------------------------------------------------------
* **Fixed seeds.**  Every statistical test draws with fixed seeds, so a given version of the code passes or fails
  deterministically: the suite never flakes.  The false-alarm rate below is the probability, over seeds, that a
  *correct* implementation fails: what a run risks whenever the random streams change (a new case, a new
  sampler, a new NumPy), and what a new case risks once.  A failure is investigated by rerunning that one test
  with other seeds, never by loosening it.
* **One check per test, at one level.**  A statistical test computes its p-values, combines them into one
  corrected p-value by a (weighted) Bonferroni correction (:class:`PValues`: each p-value times the size of its
  group over the group's weight, the smallest of them) and calls :func:`check`, which fails below
  ``ALPHA = 1e-6``.  Monte-Carlo comparisons (the KL check) use the matching two-sided normal quantile
  ``Z = 4.89`` standard errors.  A test that calls :func:`check` is marked ``pytest.mark.statistical(k)`` with
  the number ``k`` of checks it makes (default 1); ``conftest.py`` fails a test that makes more checks than it
  declares, and counts the checks.
* **One budget for the run.**  By the union bound a run that makes ``M`` checks fails falsely with probability
  at most ``M * ALPHA``.  The suite counts ``M`` itself (the marks of the collected tests, for this run and for
  the full matrix, and the checks actually made) and prints the bound at the end of every run;
  ``test_the_false_alarm_budget_holds`` fails when the bound of this run or of the full matrix exceeds
  ``BUDGET = 1 %``.  (761 checks declared in the README's run and 1,828 in the full matrix at 12 families; about
  2,900 and 7,800 at 45 families x 9 cases: the level holds both under 1 % as the catalogue grows.)
* **Power, by construction.**  Draws are standardized to normal scores (the probability integral transform,
  randomized for discrete laws, then the normal quantile: exactly iid N(0, 1) for a correct sampler, whatever
  the family).  Each column's mean and sum of squares (and for count families the sum of its draws) share half of
  ``ALPHA`` (``MOMENT_WEIGHT``) with the other columns'; :func:`sample_size` chooses the number of draws so
  that a location error of ``EFFECT = 0.05`` standard deviations in any one column (and a fortiori a scale error
  of 5 %) is rejected with probability ``POWER = 0.99``.  ``tests/power/simulate.py`` measures the power of the
  whole check by simulation (quoted in ``docs/testing.md``), and ``test_sampling_statistics.py`` checks it on
  samplers made wrong on purpose.

What one sampler check tests (:func:`sampler_pvalues`), on draws from two seeds:

* **fit**, per column and pooled over the columns: the mean of the normal scores (location), their sum of
  squares (scale, chi-square), Kolmogorov-Smirnov of the uniforms (shape); for discrete laws also the counts of
  each value (:func:`discrete_uniforms`), with near-degenerate members tested exactly, and for count families the
  sum of the draws under its exact law (``ref.sum_law``: the most powerful test of a rate); a family may add its
  own p-values (``gof_pvalues``).
* **independence**: between columns (batch members and independent coordinates: every pairwise correlation of
  the scores), between sample positions (pooled correlation at lag 1, at half the draws, and at the chunk length
  of a Dask sample axis), and between the two seeds (correlation at lags -1, 0, 1).

Protocols of a reference (what it offers decides the test; the generic tests never look at the family):

* ``ref.marginal_cdfs() -> (shape, cdf)``: continuous univariate marginals, independent coordinates.
* ``ref.marginal_pmf() -> (shape, pmf, cdf)``: discrete univariate marginals, independent coordinates.
* ``ref.normal_scores(draws, rng) -> (n, k)``: anything else (multivariate families): ``k`` columns of scores,
  each iid N(0, 1) and independent of the others for a correct sampler; optionally
  ``ref.gof_pvalues(draws) -> list`` of further p-values (category counts, say).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from scipy import special, stats

#: the level of one statistical check (one corrected p-value)
ALPHA = 1e-6
#: the most a run may risk of failing falsely (union bound: checks in the run x ALPHA)
BUDGET = 0.01
#: two-sided normal quantile of ALPHA: Monte-Carlo comparisons fail beyond Z standard errors
Z = float(stats.norm.isf(ALPHA / 2))
#: the power promised against an error of EFFECT standard deviations in the location of any one column
POWER = 0.99
EFFECT = 0.05
#: the share of ALPHA given to the per-column mean and sum-of-squares tests (the rest: every other p-value)
MOMENT_WEIGHT = 0.5
#: seeds of the two draws of a sampler check; the randomized probability integral transform's own generator
GOF_SEEDS = (2026, 2027)
PIT_SEED = 20261203
KL_SEED = 4242
#: draws for Monte-Carlo KL references (about 1 % relative standard error on KLs of order 0.1 to 1: a KL off by
#: 10 % is caught, test_sampling_statistics.py)
KL_DRAWS = 100_000
MIN_EXPECTED = 5.0


# ---------------------------------------------------------------------------------------------- counting
#: (checks declared by the tests of this run, by every test of the full matrix), set at collection
DECLARED_KEY = pytest.StashKey[tuple[int, int]]()


def declared_checks(item: Any) -> int:
    """The checks a collected test declares with ``pytest.mark.statistical(k)`` (``k`` defaults to 1; 0 when
    unmarked)."""
    mark = item.get_closest_marker("statistical")
    if mark is None:
        return 0
    return int(mark.args[0]) if mark.args else int(mark.kwargs.get("checks", 1))


class _Counter:
    checks = 0


def reset_checks() -> None:
    _Counter.checks = 0


def checks_made() -> int:
    """Checks made since the last :func:`reset_checks` (``conftest.py`` resets it before every test)."""
    return _Counter.checks


def check(pvalue: float, what: str) -> None:
    """The one statistical assertion: ``pvalue`` (already corrected for everything the test computed) above
    ``ALPHA``.  Counted for the run's false-alarm budget."""
    _Counter.checks += 1
    assert pvalue > ALPHA, f"{what}: corrected p-value {pvalue:.3g} <= ALPHA = {ALPHA:g}"


def check_pvalues(pvalues: PValues, what: str) -> None:
    p, label = pvalues.corrected()
    check(p, f"{what}: {label}")


def bonferroni(pvalues: Sequence[float]) -> float:
    """The smallest p-value, corrected for how many were computed (capped at 1)."""
    assert len(pvalues) > 0, "no p-values: nothing was tested"
    return min(1.0, float(min(pvalues)) * len(pvalues))


@dataclass
class PValues:
    """Labelled p-values in two groups for a weighted Bonferroni correction: ``moments`` (the per-column mean and
    sum-of-squares tests, weight ``MOMENT_WEIGHT``) and ``other`` (everything else, the rest of the weight).  A
    p-value ``p`` of a group of ``m`` with weight ``w`` counts as ``p * m / w``; the family-wise level is
    ``ALPHA`` because the weights sum to 1."""

    moments: list[tuple[str, float]] = field(default_factory=list)
    other: list[tuple[str, float]] = field(default_factory=list)

    def corrected(self) -> tuple[float, str]:
        """(the corrected p-value, the label of the p-value that gives it)."""
        assert self.moments or self.other, "no p-values: nothing was tested"
        best, label = 1.0, "every p-value"
        for weight, group in ((MOMENT_WEIGHT, self.moments), (1.0 - MOMENT_WEIGHT, self.other)):
            for name, p in group:
                corrected = float(p) * len(group) / weight
                if corrected < best:
                    best, label = corrected, f"{name} (p = {float(p):.3g} of {len(group)})"
        return best, label


# ---------------------------------------------------------------------------------------------- sample size
#: statistics per column in the moments group: the mean and the sum of squares of its scores, and for count laws
#: the exact law of the sum of its draws (``ref.sum_law``)
MOMENTS_PER_COLUMN = 3


def moment_level(columns: int) -> float:
    """The level of one column's mean test (``MOMENTS_PER_COLUMN`` statistics per column share
    ``MOMENT_WEIGHT * ALPHA``)."""
    return MOMENT_WEIGHT * ALPHA / (MOMENTS_PER_COLUMN * columns)


def sample_size(columns: int) -> int:
    """Draws per column, both seeds together, so that the mean test of one column at :func:`moment_level`
    rejects a location error of ``EFFECT`` standard deviations with probability ``POWER``: the smallest even
    ``n`` with ``EFFECT * sqrt(n) >= z(level / 2) + z(1 - POWER)``, rounded up to a multiple of 1000."""
    z = stats.norm.isf(moment_level(columns) / 2) + stats.norm.isf(1.0 - POWER)
    return 1000 * math.ceil((z / EFFECT) ** 2 / 1000)


def mean_test_power(columns: int, n: int, shift: float = EFFECT) -> float:
    """Power of one column's mean test (two-sided, at :func:`moment_level`) against a shift of ``shift``
    standard deviations, from ``n`` draws."""
    z = stats.norm.isf(moment_level(columns) / 2)
    d = shift * math.sqrt(n)
    return float(stats.norm.sf(z - d) + stats.norm.cdf(-z - d))


# ---------------------------------------------------------------------------------------------- normal scores
def scores_of(u: np.ndarray) -> np.ndarray:
    """Normal scores of uniforms (a CDF of exactly 0 or 1 in float64 is 8 standard deviations out, not inf)."""
    return special.ndtri(np.clip(u, 1e-16, 1.0 - 2.0**-53))


def whiten(x: np.ndarray, locs: np.ndarray, covs: np.ndarray) -> np.ndarray:
    """Draws ``(n, b, d)`` of ``b`` multivariate normals, whitened by each member's Cholesky factor: ``(n, b*d)``
    scores, iid N(0, 1) for a correct sampler."""
    n, b, d = x.shape
    out = np.empty((n, b, d))
    for i in range(b):
        out[:, i] = np.linalg.solve(np.linalg.cholesky(covs[i]), (x[:, i] - locs[i]).T).T
    return out.reshape(n, b * d)


def categorical_uniforms(index: np.ndarray, probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Randomized probability integral transform of category indices ``(n, b)`` under probabilities ``(b, K)``:
    ``F(x - 1) + V p(x)``, exactly uniform for a correct sampler."""
    below = np.cumsum(probs, axis=-1) - probs
    cols = np.arange(index.shape[1])
    return below[cols, index] + rng.random(index.shape) * probs[cols, index]


def _grid(flat: np.ndarray, shape: tuple[int, ...], pmf: Callable, cdf: Callable) -> tuple[np.ndarray, ...]:
    """(lo ``(k,)``, width ``(k,)``, masses ``(K, k)`` of ``lo + t``, CDF just below lo ``(k,)``, mass above
    ``lo + width - 1`` ``(k,)``): per column the integers that cover its draws, widened (by doubling steps) until
    the reference expects fewer than ``MIN_EXPECTED`` draws beyond them, so that a value the sampler never draws is
    seen.  Masses past a column's width are 0."""
    n, k = flat.shape

    def cdf_at(values: np.ndarray) -> np.ndarray:
        return np.asarray(cdf(values.reshape(1, *shape)), dtype=np.float64).reshape(k)

    lo, hi = flat.min(axis=0), flat.max(axis=0)
    step = np.ones(k)
    while np.any(wide := n * cdf_at(lo - 1.0) >= MIN_EXPECTED):
        lo, step = np.where(wide, lo - step, lo), np.where(wide, 2 * step, step)
    step = np.ones(k)
    while np.any(wide := n * (1.0 - cdf_at(hi)) >= MIN_EXPECTED):
        hi, step = np.where(wide, hi + step, hi), np.where(wide, 2 * step, step)
    width = (hi - lo + 1).astype(np.int64)
    t = np.arange(int(width.max()), dtype=np.float64)[:, None]
    probs = np.asarray(pmf((lo + t).reshape(t.size, *shape)), dtype=np.float64).reshape(t.size, k)
    probs = np.where(t < width, probs, 0.0)
    return lo, width, probs, cdf_at(lo - 1.0), np.maximum(0.0, 1.0 - cdf_at(hi))


def discrete_uniforms(
    draws: np.ndarray, shape: tuple[int, ...], pmf: Callable, cdf: Callable, rng: np.random.Generator
) -> tuple[np.ndarray, list[tuple[str, float]]]:
    """(randomized PIT ``F(x - 1) + V p(x)`` of integer draws ``(n, *shape)`` as ``(n, k)`` uniforms, the count
    p-value of each column, :func:`binned_pvalue` over the values of :func:`_grid` with the mass beyond them
    joined to the extreme bins); ``pmf``/``cdf`` take values of ``(K, *shape)``."""
    n = draws.shape[0]
    flat = draws.reshape(n, -1)
    if not np.array_equal(flat, np.round(flat)):
        return np.full(flat.shape, 0.5), [("draws that are not integers", 0.0)]
    lo, width, probs, below_lo, above = _grid(flat, shape, pmf, cdf)
    below = below_lo + np.cumsum(probs, axis=0) - probs
    at = (flat - lo).astype(np.int64)
    cols = np.arange(flat.shape[1])
    u = below[at, cols] + rng.random(flat.shape) * probs[at, cols]
    counts = []
    for j in cols:
        folded = probs[: width[j], j].copy()
        folded[0] += below_lo[j]
        folded[-1] += above[j]
        observed = np.bincount(at[:, j], minlength=width[j]).astype(np.float64)
        counts.append((f"counts of column {j}", binned_pvalue(observed, folded)))
    return u, counts


def discrete_pvalues(draws: np.ndarray, shape: tuple[int, ...], pmf: Callable, cdf: Callable) -> list[float]:
    """The count p-value of each coordinate of integer draws ``(n, *shape)`` (:func:`discrete_uniforms`); a
    non-integer draw is p = 0."""
    _, counts = discrete_uniforms(draws, shape, pmf, cdf, np.random.default_rng(0))
    return [p for _, p in counts]


def pooled_bins(expected: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pool adjacent bins left to right until each expects at least ``MIN_EXPECTED`` (the last joins the one
    before when it falls short): (pooled expected, pooled observed)."""
    exp_out: list[float] = []
    obs_out: list[float] = []
    e_acc = o_acc = 0.0
    for e, o in zip(expected, observed):
        e_acc += float(e)
        o_acc += float(o)
        if e_acc >= MIN_EXPECTED:
            exp_out.append(e_acc)
            obs_out.append(o_acc)
            e_acc = o_acc = 0.0
    if e_acc > 0 or o_acc > 0:
        if exp_out:
            exp_out[-1] += e_acc
            obs_out[-1] += o_acc
        else:
            exp_out.append(e_acc)
            obs_out.append(o_acc)
    return np.asarray(exp_out), np.asarray(obs_out)


def binned_pvalue(observed: np.ndarray, probs: np.ndarray) -> float:
    """p-value of counts ``observed`` of consecutive values against their probabilities ``probs`` (the extreme
    bins hold the mass beyond them): a count where the mass is 0 is p = 0; bins pooled to at least
    ``MIN_EXPECTED`` draws each, then chi-square (``bins - 1`` degrees of freedom), or the exact binomial test for
    two bins; a near-degenerate law that pools into one bin is tested exactly too, on the number of draws off its
    mode (``Binomial(n, 1 - p_mode)``): never skipped."""
    observed = np.asarray(observed, dtype=np.float64)
    n = int(observed.sum())
    if np.any((probs <= 0) & (observed > 0)):
        return 0.0
    expected, pooled = pooled_bins(n * probs, observed)
    if expected.size == 1:
        mode = int(np.argmax(probs))
        off = float(max(0.0, 1.0 - probs[mode]))
        return float(stats.binomtest(n - int(observed[mode]), n, min(off, 1.0)).pvalue)
    if expected.size == 2:
        return float(stats.binomtest(int(pooled[0]), n, min(1.0, expected[0] / expected.sum())).pvalue)
    expected = expected * (n / expected.sum())  # the reference's rounding, so that the sums agree exactly
    return float(stats.chi2.sf(((pooled - expected) ** 2 / expected).sum(), expected.size - 1))


def normal_scores(draws: np.ndarray, ref: Any, rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[str, float]]]:
    """(scores ``(n, k)``, the protocol's own p-values): the reference's protocol decides (module docstring)."""
    n = draws.shape[0]
    if hasattr(ref, "normal_scores"):
        extra = ref.gof_pvalues(draws) if hasattr(ref, "gof_pvalues") else []
        return ref.normal_scores(draws, rng), [(f"{type(ref).__name__} p-value {i}", p) for i, p in enumerate(extra)]
    if hasattr(ref, "marginal_pmf"):
        shape, pmf, cdf = ref.marginal_pmf()
        u, counts = discrete_uniforms(draws.reshape(n, *shape), shape, pmf, cdf, rng)
        return scores_of(u), counts
    if hasattr(ref, "marginal_cdfs"):
        shape, cdf = ref.marginal_cdfs()
        return scores_of(np.asarray(cdf(draws.reshape(n, *shape)), dtype=np.float64).reshape(n, -1)), []
    raise TypeError(
        f"{type(ref).__name__} offers no goodness-of-fit protocol (marginal_cdfs, marginal_pmf, normal_scores)"
    )


def assert_in_support(ref: Any, draws: np.ndarray, what: str) -> None:
    """Draws ``(n, *batch)`` of a family whose support depends on its parameters (the reference's
    ``support_bounds()``: each member's lowest and highest value) lie in their own member's support.  Not a
    statistical check: one draw outside is wrong at any frequency, and the scores of the goodness of fit, clipped
    at 8 standard deviations, would hide a few."""
    if not hasattr(ref, "support_bounds"):
        return
    low, high = ref.support_bounds()
    outside = (draws < low) | (draws > high)
    if outside.any():
        first = tuple(int(i) for i in np.argwhere(outside)[0])
        member = first[1:]
        raise AssertionError(
            f"{what}: {int(outside.sum())} draw(s) outside their member's support, the first {draws[first]!r} at "
            f"index {first}, outside [{low[member]!r}, {high[member]!r}]"
        )


# ---------------------------------------------------------------------------------------------- statistics
def _two_sided_normal(s: np.ndarray) -> np.ndarray:
    return 2.0 * stats.norm.sf(np.abs(s))


def ks_pvalue(u: np.ndarray) -> np.ndarray:
    """Two-sided Kolmogorov-Smirnov p-values of each column of ``u`` ``(m, k)`` against U(0, 1): the Kolmogorov
    limit law at ``D (sqrt(m) + 0.12 + 0.11 / sqrt(m))`` (Stephens' correction; at m of ten thousand and more it is
    within 3 % of the exact p-value down to 1e-15, and the exact one costs 0.1 s a column)."""
    m = u.shape[0]
    s = np.sort(u, axis=0)
    i = np.arange(1, m + 1)[:, None]
    d = np.maximum((i / m - s).max(axis=0), (s - (i - 1) / m).max(axis=0))
    return stats.kstwobign.sf(d * (math.sqrt(m) + 0.12 + 0.11 / math.sqrt(m)))


def moment_pvalues(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean test, sum-of-squares test) p-values of each column of scores ``(m, k)``: the mean of m iid N(0, 1)
    times sqrt(m) is N(0, 1); their sum of squares is chi-square with m degrees of freedom (both exact)."""
    m = z.shape[0]
    mean = _two_sided_normal(z.sum(axis=0) / math.sqrt(m))
    q = (z * z).sum(axis=0)
    spread = 2.0 * np.minimum(stats.chi2.cdf(q, m), stats.chi2.sf(q, m))
    return mean, np.minimum(spread, 1.0)


def correlation_pvalues(z: np.ndarray) -> list[tuple[str, float]]:
    """Every pairwise correlation of the columns of scores ``(m, k)``: for independent normal columns
    ``r sqrt((m - 2) / (1 - r^2))`` is Student's t with m - 2 degrees of freedom (exact)."""
    m, k = z.shape
    if k < 2:
        return []
    r = np.corrcoef(z, rowvar=False)
    rows, cols = np.triu_indices(k, 1)
    rr = np.clip(np.abs(r[rows, cols]), 0.0, 1.0)
    with np.errstate(divide="ignore"):
        t = rr * np.sqrt((m - 2) / np.maximum(1.0 - rr * rr, 0.0))
    p = 2.0 * stats.t.sf(t, m - 2)
    return [(f"correlation of columns {a} and {b}", float(q)) for a, b, q in zip(rows, cols, p)]


def lag_pvalue(a: np.ndarray, b: np.ndarray, lag: int) -> float:
    """Pooled correlation of scores ``a[i]`` and ``b[i + lag]`` over every column (``(m, k)`` each): under
    independence ``sum a b / sqrt(pairs)`` is asymptotically N(0, 1) (products of independent N(0, 1) have mean 0
    and variance 1; a martingale difference sum)."""
    if lag < 0:
        return lag_pvalue(b, a, -lag)
    x, y = a[: a.shape[0] - lag], b[lag:]
    return float(_two_sided_normal(np.array((x * y).sum() / math.sqrt(x.size)))[()])


def sum_pvalues(runs: Sequence[np.ndarray], ref: Any) -> list[float]:
    """Exact two-sided p-value of the sum of each column's draws under the law of the sum (``ref.sum_law(m)``,
    count families: Poisson, Binomial, NegativeBinomial...): the most powerful test of an error in a rate or a
    probability; none where the reference has no such law."""
    law = ref.sum_law(sum(x.shape[0] for x in runs)) if hasattr(ref, "sum_law") else None
    if law is None:
        return []
    total = np.concatenate(runs, axis=0)
    s = total.reshape(total.shape[0], -1).sum(axis=0)
    lower = np.asarray(law.cdf(s.reshape(ref.shape)), np.float64).reshape(-1)
    upper = np.asarray(law.sf(s.reshape(ref.shape) - 1), np.float64).reshape(-1)
    return [float(p) for p in np.minimum(1.0, 2.0 * np.minimum(lower, upper))]


def sampler_pvalues(runs: Sequence[np.ndarray], ref: Any, lags: Iterable[int] = ()) -> PValues:
    """Every p-value of one sampler check (module docstring) on ``runs``: draws ``(n, *batch, *event)`` of the
    same distribution from different seeds.  ``lags``: further sample lags to test for independence (the chunk
    length of a Dask sample axis)."""
    rng = np.random.default_rng(PIT_SEED)
    out = PValues()
    scored = [normal_scores(x, ref, rng) for x in runs]
    z_runs = [z for z, _ in scored]
    for r, (_, extra) in enumerate(scored):
        out.other += [(f"seed {r}: {label}", p) for label, p in extra]
    z = np.concatenate(z_runs, axis=0)
    k = z.shape[1]
    mean, spread = moment_pvalues(z)
    out.moments += [(f"mean of column {j}", float(p)) for j, p in enumerate(mean)]
    out.moments += [(f"spread of column {j}", float(p)) for j, p in enumerate(spread)]
    out.moments += [(f"sum of the draws of column {j}", p) for j, p in enumerate(sum_pvalues(runs, ref))]
    u = special.ndtr(z)
    out.other += [(f"shape (KS) of column {j}", float(p)) for j, p in enumerate(ks_pvalue(u))]
    if k > 1:
        pooled_mean, pooled_spread = moment_pvalues(z.reshape(-1, 1))
        out.other += [
            ("mean of every column pooled", float(pooled_mean[0])),
            ("spread of every column pooled", float(pooled_spread[0])),
            ("shape (KS) of every column pooled", float(ks_pvalue(u.reshape(-1, 1))[0])),
        ]
    out.other += correlation_pvalues(z)
    for r, zr in enumerate(z_runs):
        n = zr.shape[0]
        for lag in sorted({1, n // 2, *(int(v) for v in lags)}):
            if 0 < lag < n:
                out.other.append((f"seed {r}: sample positions {lag} apart", lag_pvalue(zr, zr, lag)))
    for r in range(1, len(z_runs)):
        a, b = z_runs[0], z_runs[r]
        for lag in (-1, 0, 1):
            out.other.append((f"seeds 0 and {r} at lag {lag}", lag_pvalue(a, b, lag)))
    return out


# ---------------------------------------------------------------------------------------------- Monte Carlo
def monte_carlo_kl(log_p: np.ndarray, log_q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(estimate, standard error) of KL(p || q) from log densities of draws of p (``(n, *batch)``)."""
    diff = log_p - log_q
    n = diff.shape[0]
    return diff.mean(0), diff.std(0, ddof=1) / np.sqrt(n)


def assert_within_monte_carlo(actual: np.ndarray, estimate: np.ndarray, stderr: np.ndarray, what: str) -> None:
    """``actual`` within ``Z`` standard errors of the estimate everywhere (a small floor for zero variance), as one
    check: Bonferroni over the values compared, so each value is held to ``Z`` at ``ALPHA / size``."""
    actual = np.asarray(actual, np.float64)
    z_bound = float(stats.norm.isf(ALPHA / 2 / max(1, np.size(estimate))))
    tol = z_bound * stderr + 1e-9 * (1.0 + np.abs(estimate))
    off = np.abs(actual - estimate) > tol
    _Counter.checks += 1
    assert not off.any(), (
        f"{what}: {int(off.sum())} of {off.size} value(s) outside {z_bound:.2f} standard errors of the Monte-Carlo "
        f"estimate: actual {actual[off][:4]}, estimate {estimate[off][:4]} +- {tol[off][:4]}"
    )
