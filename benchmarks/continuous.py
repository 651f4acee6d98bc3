"""The continuous families' rows of ``benchmarks/run.py`` (issue 20, item 10): Gamma and Beta sampling, Beta
and StudentT log-densities, StudentT's CDF, and Normal's log-CDF far in the lower tail.

Each row is ``(name, ours, peer name, peer, number)``, wrapped in ``run.Row`` by ``run.py``; a row whose class is
not in arraydist yet is left out, and ``SKIPPED`` says which (``run.py`` prints it under the table).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

import arraydist as ad

RowSpec = tuple[str, Callable[[], Any], str, Callable[[], Any], int]
#: the rows left out of this run, with the reason
SKIPPED: list[str] = []


def _have(*names: str) -> bool:
    missing = [n for n in names if not hasattr(ad, n)]
    if missing:
        SKIPPED.append(f"{' and '.join(missing)}: not in arraydist yet, its rows are skipped")
    return not missing


def _implemented(call: Callable[[], Any], what: str) -> bool:
    try:
        call()
    except NotImplementedError as exc:
        SKIPPED.append(f"{what}: {exc}, its row is skipped")
        return False
    return True


def torch_rows(quick: bool) -> list[RowSpec]:
    """Sampling against torch.distributions' samplers, log-densities against torch.distributions."""
    import torch
    import torch.distributions as td

    torch.set_num_threads(1)
    n = 10**4 if quick else 10**6
    m = 10**5 if quick else 10**7
    gen = torch.Generator().manual_seed(7)
    rows: list[RowSpec] = []
    a = torch.rand(n, generator=gen, dtype=torch.float64) * 4.5 + 0.5
    b = torch.rand(n, generator=gen, dtype=torch.float64) * 4.5 + 0.5
    x = torch.rand(m, generator=gen, dtype=torch.float64) * 0.998 + 0.001
    a_big = torch.rand(m, generator=gen, dtype=torch.float64) * 4.5 + 0.5
    b_big = torch.rand(m, generator=gen, dtype=torch.float64) * 4.5 + 0.5
    t = torch.randn(m, generator=gen, dtype=torch.float64) * 3.0
    df = torch.rand(m, generator=gen, dtype=torch.float64) * 10.0 + 0.5
    seed = torch.Generator().manual_seed(8)
    if _have("Gamma"):
        ours, theirs = ad.Gamma(a, b), td.Gamma(a, b)
        rows.append(
            (f"Gamma.sample, {n:.0e} draws (torch)", partial(ours.sample, seed=seed), "torch.distributions",
             theirs.sample, 1)
        )  # fmt: skip
    if _have("Beta"):
        ours, theirs = ad.Beta(a, b), td.Beta(a, b)
        rows.append(
            (f"Beta.sample, {n:.0e} draws (torch)", partial(ours.sample, seed=seed), "torch.distributions",
             theirs.sample, 1)
        )  # fmt: skip
        big, big_theirs = ad.Beta(a_big, b_big), td.Beta(a_big, b_big)
        rows.append(
            (f"Beta.log_prob, {m:.0e} elements (torch)", partial(big.log_prob, x), "torch.distributions",
             partial(big_theirs.log_prob, x), 1)
        )  # fmt: skip
    if _have("StudentT"):
        ours, theirs = ad.StudentT(df, 0.5, 2.0), td.StudentT(df, 0.5, 2.0)
        rows.append(
            (f"StudentT.log_prob, {m:.0e} elements (torch)", partial(ours.log_prob, t), "torch.distributions",
             partial(theirs.log_prob, t), 1)
        )  # fmt: skip
    return rows


def numpy_rows(quick: bool) -> list[RowSpec]:
    """Sampling against NumPy's Generator, densities and CDFs against scipy.stats."""
    from scipy import stats

    n = 10**4 if quick else 10**6
    m = 10**5 if quick else 10**7
    host = np.random.default_rng(9)
    a, b = host.uniform(0.5, 5.0, n), host.uniform(0.5, 5.0, n)
    x = host.uniform(0.001, 0.999, m)
    a_big, b_big = host.uniform(0.5, 5.0, m), host.uniform(0.5, 5.0, m)
    t = 3.0 * host.standard_normal(m)
    df = host.uniform(0.5, 10.5, m)
    t_small, df_small = t[:n], df[:n]
    rng_ours, rng_numpy = np.random.default_rng(10), np.random.default_rng(10)
    rows: list[RowSpec] = []
    if _have("Gamma"):
        ours = ad.Gamma(a, b)
        rows.append(
            (f"Gamma.sample, {n:.0e} draws (numpy)", partial(ours.sample, seed=rng_ours), "numpy Generator.gamma",
             partial(rng_numpy.gamma, a, 1.0 / b), 1)
        )  # fmt: skip
    if _have("Beta"):
        ours = ad.Beta(a, b)
        rows.append(
            (f"Beta.sample, {n:.0e} draws (numpy)", partial(ours.sample, seed=rng_ours), "numpy Generator.beta",
             partial(rng_numpy.beta, a, b), 1)
        )  # fmt: skip
        big = ad.Beta(a_big, b_big)
        rows.append(
            (f"Beta.log_prob, {m:.0e} elements (numpy)", partial(big.log_prob, x), "scipy.stats.beta.logpdf",
             partial(stats.beta.logpdf, x, a_big, b_big), 1)
        )  # fmt: skip
    if _have("StudentT"):
        ours = ad.StudentT(df, 0.5, 2.0)
        rows.append(
            (f"StudentT.log_prob, {m:.0e} elements (numpy)", partial(ours.log_prob, t), "scipy.stats.t.logpdf",
             partial(stats.t.logpdf, t, df, 0.5, 2.0), 1)
        )  # fmt: skip
        small = ad.StudentT(df_small, 0.5, 2.0)
        if _implemented(partial(ad.StudentT(df_small[:2], 0.5, 2.0).cdf, t_small[:2]), "StudentT.cdf"):
            rows.append(
                (f"StudentT.cdf, {n:.0e} elements (numpy)", partial(small.cdf, t_small), "scipy.stats.t.cdf",
                 partial(stats.t.cdf, t_small, df_small, 0.5, 2.0), 3)
            )  # fmt: skip
    far = host.uniform(-40.0, -5.0, m)
    normal = ad.Normal(0.5, 2.0)
    rows.append(
        (f"Normal.log_cdf, {m:.0e} at z in (-20, -3) (numpy)", partial(normal.log_cdf, far),
         "scipy.stats.norm.logcdf", partial(stats.norm.logcdf, far, 0.5, 2.0), 1)
    )  # fmt: skip
    return rows
