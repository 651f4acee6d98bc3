"""Goodness of fit of every sampler, on every case, backend and dtype.

Note on randomized tests (the one policy for every statistical test in this suite)
----------------------------------------------------------------------------------
Every test draws with a fixed seed, so a given version of the code passes or fails deterministically; the
false-alarm rate is the probability, over seeds, that a *correct* sampler fails.  Each test computes its
p-values (Kolmogorov-Smirnov against the exact marginal CDF, and a normal approximation for correlations),
combines them with a Bonferroni correction, and fails when the smallest corrected p-value is below
``ALPHA = 1e-4``.  About 120 such tests run (cases x backends x dtypes), so a correct implementation fails on
a fresh set of seeds with probability at most 120 * 1e-4 ~= 1.2 %, and, with the seeds fixed, never flakes.
With ``N = 4000`` draws per batch member, KS at that level rejects a location error of 0.15 standard
deviations, or a scale error of 10 %, with probability above 99 %; ``test_the_tests_have_power`` checks that
on a sampler made wrong on purpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

import arraydist
from backends import Backend
from cases import CASES, Case, MultivariateNormalRef, NormalRef

ALPHA = 1e-4
N = 4000


def gof_pvalue(draws: np.ndarray, ref: Any) -> float:
    """Smallest Bonferroni-corrected p-value of the draws (shape ``(N, *ref.loc.shape)``) against ``ref``."""
    pvalues: list[float] = []
    if isinstance(ref, NormalRef):
        cdf = stats.norm(ref.loc, ref.scale).cdf
        u = cdf(draws.reshape(N, *ref.loc.shape)).reshape(N, -1)
        pvalues += [stats.kstest(u[:, j], "uniform").pvalue for j in range(u.shape[1])]
    else:
        assert isinstance(ref, MultivariateNormalRef)
        n = ref.loc.shape[-1]
        x = draws.reshape(N, -1, n)
        locs, covs = ref.loc.reshape(-1, n), ref.cov.reshape(-1, n, n)
        for b in range(x.shape[1]):
            # whitened draws are iid N(0, 1): check each coordinate's law and every pairwise correlation
            z = np.linalg.solve(np.linalg.cholesky(covs[b]), (x[:, b] - locs[b]).T).T
            pvalues += [stats.kstest(z[:, j], "norm").pvalue for j in range(n)]
            corr = np.corrcoef(z.T)
            for i, j in zip(*np.triu_indices(n, 1)):
                pvalues.append(2 * stats.norm.sf(abs(corr[i, j]) * np.sqrt(N)))
    return min(pvalues) * len(pvalues)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_sampler_goodness_of_fit(case: Case, backend: Backend, dtype: str) -> None:
    d = case.build(arraydist, lambda x: backend.asarray(x, dtype))
    draws = d._ops.to_numpy(d.sample((N,), seed=2026)).astype(np.float64)
    ref = case.reference(lambda x: np.asarray(np.asarray(x, dtype=dtype), dtype=np.float64))
    assert np.isfinite(draws).all()
    assert gof_pvalue(draws, ref) > ALPHA


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
