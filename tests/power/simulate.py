"""Power and false-alarm rate of the suite's sampler check (``tests/_stats.py``), measured by simulation.

    python tests/power/simulate.py [--reps 100] [--seed 0]

Each scenario draws what a sampler that is right, or wrong on purpose, would draw (NumPy, float64), as many draws as
``tests/test_sampling_statistics.py`` takes for a case of that many columns (``_stats.sample_size``, two seeds),
and runs the very check of the suite on them (``_stats.sampler_pvalues``: fit and independence, weighted Bonferroni,
level ``ALPHA``).  It prints, per scenario, the fraction of replications the check rejects with its 95 % interval
(Clopper-Pearson), the normal-theory power of the one test that carries the scenario, and for the correct samplers
the fraction of corrected p-values below 0.1 and 0.01 (a calibrated check keeps them at most there).  The old check
(``N = 4000``, KS per column, ``ALPHA = 1e-4``) is simulated beside it for the scale errors.  ``docs/testing.md``
quotes the result; about a minute on one core at the default 100 replications.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _stats
from _case import DiscreteRef

Draw = Callable[[np.random.Generator, int], np.ndarray]


class Continuous:
    """A reference of the ``marginal_cdfs`` protocol: a frozen SciPy law per column."""

    def __init__(self, law: Any, k: int) -> None:
        self.law, self.k = law, k

    def marginal_cdfs(self) -> tuple[tuple[int, ...], Any]:
        return (self.k,), self.law.cdf


def discrete(law: Any, k: int) -> Any:
    """A reference of the ``marginal_pmf`` protocol, with the law of the sum of draws: the registry's own."""
    return DiscreteRef(law, (k,))


def rejects(ref: Any, draw: Draw, k: int, rng: np.random.Generator) -> tuple[bool, float]:
    """(whether the suite's check rejects, its corrected p-value) on draws of one replication."""
    n = _stats.sample_size(k) // 2
    runs = [draw(rng, n) for _ in _stats.GOF_SEEDS]
    p, _ = _stats.sampler_pvalues(runs, ref).corrected()
    return p <= _stats.ALPHA, p


def old_rejects(cdf: Any, draw: Draw, rng: np.random.Generator) -> bool:
    """The check before issue 24: N = 4000, one KS test per column, Bonferroni, ALPHA = 1e-4."""
    x = draw(rng, 4000)
    pvalues = [stats.kstest(x[:, j], cdf).pvalue for j in range(x.shape[1])]
    return min(1.0, min(pvalues) * len(pvalues)) <= 1e-4


def interval(hits: int, reps: int) -> str:
    lo = stats.beta.ppf(0.025, hits, reps - hits + 1) if hits else 0.0
    hi = stats.beta.ppf(0.975, hits + 1, reps - hits) if hits < reps else 1.0
    return f"{hits / reps:7.2%} [{lo:6.2%}, {hi:6.2%}]"


def normal_draw(k: int, loc: float = 0.0, scale: float = 1.0, where: slice = slice(None)) -> Draw:
    """N(0, 1) draws in ``k`` columns, the columns ``where`` shifted by ``loc`` and scaled by ``scale``."""

    def draw(rng: np.random.Generator, n: int) -> np.ndarray:
        x = rng.standard_normal((n, k))
        x[:, where] = loc + scale * x[:, where]
        return x

    return draw


def shared_noise(k: int) -> Draw:
    """Every column the same N(0, 1) noise: each column fits, none is independent of the others."""
    return lambda rng, n: np.repeat(rng.standard_normal((n, 1)), k, axis=1)


def count_draw(sample: Callable[[np.random.Generator, tuple[int, int]], np.ndarray], k: int) -> Draw:
    return lambda rng, n: sample(rng, (n, k)).astype(np.float64)


def scenarios() -> list[tuple[str, Any, Draw, int, float | None]]:
    """(what, reference, draws, columns, normal-theory power of the test that carries it or None)."""
    norm = stats.norm()
    k1, k24 = 1, 24
    n1, n24 = _stats.sample_size(k1), _stats.sample_size(k24)
    z2 = (n1, 0.1025, math.sqrt(2 / n1))  # the sum of squares of n scores: mean 1.1025 for a 5 % wider sampler
    spread = stats.norm.sf(stats.norm.isf(_stats.moment_level(1) / 2) - z2[1] / z2[2])
    out: list[tuple[str, Any, Draw, int, float | None]] = [
        ("Normal, correct, 1 column", Continuous(norm, k1), normal_draw(k1), k1, None),
        ("Normal, correct, 24 columns", Continuous(norm, k24), normal_draw(k24), k24, None),
        ("Normal 5 % too wide, 1 column", Continuous(norm, k1), normal_draw(k1, scale=1.05), k1, spread),
        (
            "Normal 0.05 sd off, 1 column",
            Continuous(norm, k1),
            normal_draw(k1, loc=0.05),
            k1,
            _stats.mean_test_power(k1, n1),
        ),
        (
            "Normal 0.05 sd off, 1 of 24 columns",
            Continuous(norm, k24),
            normal_draw(k24, loc=0.05, where=slice(0, 1)),
            k24,
            _stats.mean_test_power(k24, n24),
        ),
        ("Normal, noise shared by 24 columns", Continuous(norm, k24), shared_noise(k24), k24, None),
    ]
    for rate in (1.0, 3.5, 30.0):  # the mean moves by 0.05 sqrt(rate) standard deviations
        out.append(
            (
                f"Poisson({rate:g}) drawn at a 5 % higher rate",
                discrete(stats.poisson(rate), k1),
                count_draw(lambda rng, shape, r=rate: rng.poisson(1.05 * r, shape), k1),
                k1,
                _stats.mean_test_power(k1, n1, 0.05 * math.sqrt(rate)),
            )
        )
    out += [
        (
            "Poisson(3.5), correct",
            discrete(stats.poisson(3.5), k1),
            count_draw(lambda rng, s: rng.poisson(3.5, s), k1),
            k1,
            None,
        ),
        (
            "Poisson(1e-6) drawn as Poisson(1)",
            discrete(stats.poisson(1e-6), k1),
            count_draw(lambda rng, s: rng.poisson(1.0, s), k1),
            k1,
            None,
        ),
        (
            "Poisson(1e-3) drawn as Poisson(1.5e-3)",
            discrete(stats.poisson(1e-3), k1),
            count_draw(lambda rng, s: rng.poisson(1.5e-3, s), k1),
            k1,
            None,
        ),
        (
            "Binomial(10, 0.3) drawn with p 5 % higher",
            discrete(stats.binom(10, 0.3), k1),
            count_draw(lambda rng, s: rng.binomial(10, 0.315, s), k1),
            k1,
            _stats.mean_test_power(k1, n1, 0.15 / math.sqrt(2.1)),
        ),
        (
            "Bernoulli(0.5) drawn with p 5 % higher",
            discrete(stats.bernoulli(0.5), k1),
            count_draw(lambda rng, s: rng.binomial(1, 0.525, s), k1),
            k1,
            _stats.mean_test_power(k1, n1, 0.05),
        ),
        (
            "Bernoulli(0.3) drawn with p 5 % higher",
            discrete(stats.bernoulli(0.3), k1),
            count_draw(lambda rng, s: rng.binomial(1, 0.315, s), k1),
            k1,
            _stats.mean_test_power(k1, n1, 0.015 / math.sqrt(0.21)),
        ),
        (
            "Geometric(0.3) drawn with p 5 % higher",
            discrete(stats.geom(0.3, loc=-1), k1),
            count_draw(lambda rng, s: rng.geometric(0.315, s) - 1, k1),
            k1,
            _stats.mean_test_power(k1, n1, (0.7 / 0.3 - 0.685 / 0.315) * 0.3 / math.sqrt(0.7)),
        ),
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100, help="replications per scenario")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    print(
        f"ALPHA = {_stats.ALPHA:g} per check; draws per column: {_stats.sample_size(1)} (1 column), "
        f"{_stats.sample_size(24)} (24 columns); {args.reps} replications each\n"
    )
    print("| scenario | rejected (95 % interval) | normal theory | p < 0.1 / p < 0.01 |")
    print("|---|---|---|---|")
    for what, ref, draw, k, theory in scenarios():
        results = [rejects(ref, draw, k, rng) for _ in range(args.reps)]
        hits = sum(r for r, _ in results)
        pvalues = np.array([p for _, p in results])
        calibration = f"{np.mean(pvalues < 0.1):.1%} / {np.mean(pvalues < 0.01):.1%}" if "correct" in what else ""
        expected = f"{theory:.4f}" if theory is not None else ""
        print(f"| {what} | {interval(hits, args.reps)} | {expected} | {calibration} |", flush=True)
    print("\nthe check before issue 24 (N = 4000, KS per column, ALPHA = 1e-4):\n")
    print("| scenario | rejected (95 % interval) |")
    print("|---|---|")
    for scale in (1.05, 1.10):
        hits = sum(old_rejects(stats.norm.cdf, normal_draw(2, scale=scale), rng) for _ in range(args.reps))
        print(f"| Normal {scale - 1:.0%} too wide, 2 columns | {interval(hits, args.reps)} |", flush=True)
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
