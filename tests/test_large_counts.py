"""Poisson, binomial and negative binomial draws at large rates and counts, on every backend and dtype.

Issue 23: the backends' own samplers are wrong at large parameters (JAX's Poisson is int32 without x64 and 1.5x
too spread at 1e8 with it, NumPy's 1.4x at 1e16 and refused past 9.2e18, torch's Poisson(1e300) is -9.2e18,
float32 binomials 1.4x at n = 1e9).  Here the sample mean and variance of every column of a grid of parameters,
up to the dtype's largest exact integer and beyond, are held to the exact moments.

False-alarm policy: the one of ``tests/_stats.py``; each test is one check at ``ALPHA``, its p-values (two per
column: the mean, normal with the law's variance over N; the variance, normal with variance
``(kappa_4 + 2 sigma^4) / N``, both from 20,000 draws, far into the central limit at these means) Bonferroni-
corrected.  A column whose spread the dtype cannot resolve (a standard deviation below 10 units in the last
place of the mean: Poisson(1e300) in float64, every draw the rate rounded) is checked exactly instead: every
draw within 6 standard deviations and 2 units in the last place of the mean.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

import arraydist
from _stats import bonferroni, check
from arraydist import NegativeBinomial
from arraydist._backend import ops_of
from backends import Backend

#: the default run keeps the core backends (NumPy, PyTorch); JAX (with and without x64, under jit), Dask, MLX,
#: array_api_strict and torch.compile run in the CI complement and the full matrix (``tests/_matrix.py``): the JAX
#: tests alone take about 35 s of one core (a child process and its compilations)
pytestmark = pytest.mark.family

N = 20_000
statistical = pytest.mark.statistical

#: rates: past 2^31 (JAX's int32), 1e8 (JAX's spread), 2^53 / 2^24 (the exact range), and beyond
POISSON_RATES = {
    "float64": [0.5, 7.0, 1e2, 1e6, 2.0**31 + 5, 1e8, 1e12, 2.0**53, 1e16, 1e300],
    "float32": [0.5, 7.0, 1e2, 1e6, 2.0**24, 2.0**31 + 256, 1e8, 1e12],
}
#: (total_count, probs): p = 0.3, p > 1/2 (drawn as n minus a draw at 1 - p) and a tiny p (mean of order 10)
BINOMIAL_PARAMS = {
    "float64": [(40.0, 0.3), (1e2, 0.3), (1e6, 0.3), (2.0**31 + 5, 0.3), (1e9, 0.3), (1e12, 0.3), (2.0**53, 0.3),
                (1e16, 0.3), (1e300, 0.3), (1e9, 0.9), (1e16, 0.99), (1e13, 1e-12), (1e15, 1e-12),
                (2.0**53, 1e-12), (1e17, 1e-12), (1e300, 1e-12)],
    "float32": [(40.0, 0.3), (1e2, 0.3), (1e6, 0.3), (2.0**24, 0.3), (2.0**31 + 256, 0.3), (1e9, 0.3),
                (1e12, 0.3), (1e9, 0.9), (1e10, 1e-9), (1e12, 1e-9)],
}  # fmt: skip
#: NegativeBinomial(total_count, probs = 1/2): the gamma-Poisson mixture at rates of the total count's size
NEGATIVE_BINOMIAL_COUNTS = {"float64": [10.0, 1e6, 1e9, 1e12, 1e16], "float32": [10.0, 1e6, 1e9, 1e12]}


def poisson_moments(rate: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, variance, fourth cumulant)."""
    return rate, rate, rate


def binomial_moments(n: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    var = n * p * (1 - p)
    return n * p, var, var * (1 - 6 * p * (1 - p))


def negative_binomial_moments(r: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # successes before r failures, success probability p: the failures' convention with q = p
    mean = r * p / (1 - p)
    return mean, mean / (1 - p), r * p * (1 + 4 * p + p * p) / (1 - p) ** 4


def moment_pvalues(x: np.ndarray, moments: tuple[np.ndarray, ...], dtype: str, what: str) -> list[float]:
    """Per column of the draws ``x`` (N, k): the p-values of its mean and variance, or, where the dtype cannot
    resolve the spread, the exact check (module docstring)."""
    assert np.all(np.isfinite(x)) and np.all(x >= 0), f"{what}: a draw is not a finite count"
    assert np.all(x == np.round(x)), f"{what}: a draw is not an integer"
    pvalues = []
    for j, (mean, var, k4) in enumerate(zip(*moments)):
        column = x[:, j].astype(np.float64)
        sd = math.sqrt(var)
        ulp = float(np.spacing(np.asarray(mean, dtype=dtype)))
        if sd < 10 * ulp:
            worst = float(np.max(np.abs(column - mean)))
            assert worst <= 6 * sd + 2 * ulp, f"{what}, column {j} (mean {mean:.3g}): a draw {worst:.3g} away"
            continue
        centred = column - mean  # exact at these sizes: no cancellation in the sample moments
        z_mean = centred.mean() / math.sqrt(var / N)
        z_var = (centred.var(ddof=1) - var) / math.sqrt((k4 + 2 * var * var) / N)
        pvalues += [2 * stats.norm.sf(abs(z_mean)), 2 * stats.norm.sf(abs(z_var))]
    return pvalues


def _ops(backend: Backend, dtype: str) -> Any:
    return ops_of(backend.asarray([0.0], dtype))


def _dtype(backend: Backend, name: str) -> Any:
    return getattr(backend.lib.numpy if backend.name == "jax" else backend.lib, name)


@statistical
def test_poisson_at_every_rate(backend: Backend, dtype: str) -> None:
    rates = np.asarray(POISSON_RATES[dtype])
    ops = _ops(backend, dtype)
    draws = ops.poisson(ops.make_rng(23, None), backend.asarray(rates, dtype), (N, rates.size),
                        _dtype(backend, dtype), None)  # fmt: skip
    x = backend.to_numpy(draws)
    assert x.shape == (N, rates.size) and x.dtype == np.dtype(dtype)
    rates = rates.astype(dtype).astype(np.float64)  # the rates the sampler was given
    check(bonferroni(moment_pvalues(x, poisson_moments(rates), dtype, "Poisson")), "Poisson moments")


@statistical
def test_binomial_at_every_count(backend: Backend, dtype: str) -> None:
    n, p = (np.asarray(column) for column in zip(*BINOMIAL_PARAMS[dtype]))
    ops = _ops(backend, dtype)
    draws = ops.binomial(ops.make_rng(23, None), backend.asarray(n, dtype), backend.asarray(p, dtype),
                         (N, n.size), _dtype(backend, dtype), None)  # fmt: skip
    x = backend.to_numpy(draws)
    assert x.shape == (N, n.size) and x.dtype == np.dtype(dtype)
    n, p = n.astype(dtype).astype(np.float64), p.astype(dtype).astype(np.float64)
    assert np.all(x <= n), "a binomial draw above its total count"
    check(bonferroni(moment_pvalues(x, binomial_moments(n, p), dtype, "Binomial")), "Binomial moments")


@statistical
def test_negative_binomial_at_large_counts(backend: Backend, dtype: str) -> None:
    r = np.asarray(NEGATIVE_BINOMIAL_COUNTS[dtype])
    d = NegativeBinomial(backend.asarray(r, dtype), probs=backend.asarray(np.full(r.size, 0.5), dtype))
    x = backend.to_numpy(d.sample((N,), seed=23))
    r = r.astype(dtype).astype(np.float64)
    moments = negative_binomial_moments(r, np.full(r.size, 0.5))
    check(bonferroni(moment_pvalues(x, moments, dtype, "NegativeBinomial")), "NegativeBinomial moments")


# JAX without x64 computes in float32 only (the composite samplers' working float is float32 there): a process of
# its own, since the suite enables x64 at import
_NO_X64 = """
import sys, numpy as np, jax, jax.numpy as jnp
from arraydist import NegativeBinomial
from arraydist._backend import ops_of
assert not jax.config.jax_enable_x64
rates, n, p, r, N, out = (np.load(sys.argv[1])[k] for k in ("rates", "n", "p", "r", "N", "out"))
ops, key = ops_of(jnp.zeros(1)), jax.random.key(23)
a, b, c = jax.random.split(key, 3)
poisson = ops.poisson(a, jnp.asarray(rates, jnp.float32), (int(N), rates.size), jnp.float32, None)
n, p = jnp.asarray(n, jnp.float32), jnp.asarray(p, jnp.float32)
binomial = ops.binomial(b, n, p, (int(N), n.size), jnp.float32, None)
jitted = jax.jit(lambda k: ops.poisson(k, jnp.asarray(rates, jnp.float32), (int(N), rates.size), jnp.float32, None))
d = NegativeBinomial(jnp.asarray(r, jnp.float32), probs=jnp.full(r.size, 0.5, jnp.float32))
results = [poisson, binomial, jitted(c), d.sample((int(N),), seed=c)]
assert all(x.dtype == jnp.float32 for x in results)
np.savez(str(out), *[np.asarray(x) for x in results])
"""


@statistical
@pytest.mark.on_backend("jax")
def test_jax_without_x64(tmp_path: Path) -> None:
    """Float32 throughout (no float64 to compute in): eagerly, under ``jax.jit``, and the negative binomial."""
    pytest.importorskip("jax")
    rates = np.asarray(POISSON_RATES["float32"])
    n, p = (np.asarray(column) for column in zip(*BINOMIAL_PARAMS["float32"]))
    r = np.asarray(NEGATIVE_BINOMIAL_COUNTS["float32"])
    out = tmp_path / "draws.npz"
    np.savez(tmp_path / "params.npz", rates=rates, n=n, p=p, r=r, N=N, out=str(out))
    env = {**os.environ, "JAX_ENABLE_X64": "0", "PYTHONPATH": str(Path(arraydist.__file__).parents[1])}
    done = subprocess.run([sys.executable, "-c", _NO_X64, str(tmp_path / "params.npz")], env=env,
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    draws = np.load(out)
    as32 = lambda a: a.astype(np.float32).astype(np.float64)  # noqa: E731
    pvalues = moment_pvalues(draws["arr_0"], poisson_moments(as32(rates)), "float32", "Poisson, no x64")
    pvalues += moment_pvalues(draws["arr_1"], binomial_moments(as32(n), as32(p)), "float32", "Binomial, no x64")
    pvalues += moment_pvalues(draws["arr_2"], poisson_moments(as32(rates)), "float32", "Poisson, no x64, jit")
    moments = negative_binomial_moments(as32(r), np.full(r.size, 0.5))
    pvalues += moment_pvalues(draws["arr_3"], moments, "float32", "NegativeBinomial, no x64")
    check(bonferroni(pvalues), "moments without x64")


@statistical
@pytest.mark.on_backend("jax")
def test_traced_samplers_under_jax_jit() -> None:
    """Under ``jax.jit`` the values cannot be read: the composite samplers run on every parameter (every range,
    a fixed number of rejection rounds), right for the small ones too."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    rates = np.asarray(POISSON_RATES["float64"])
    n, p = (np.asarray(column) for column in zip(*BINOMIAL_PARAMS["float64"]))
    ops = ops_of(jnp.zeros(1))

    @jax.jit
    def draw(key: Any) -> tuple[Any, Any]:
        a, b = jax.random.split(key)
        poisson = ops.poisson(a, jnp.asarray(rates), (N, rates.size), jnp.float64, None)
        return poisson, ops.binomial(b, jnp.asarray(n), jnp.asarray(p), (N, n.size), jnp.float64, None)

    poisson, binomial = (np.asarray(x) for x in draw(jax.random.key(23)))
    pvalues = moment_pvalues(poisson, poisson_moments(rates), "float64", "Poisson under jit")
    pvalues += moment_pvalues(binomial, binomial_moments(n, p), "float64", "Binomial under jit")
    check(bonferroni(pvalues), "moments under jax.jit")


@statistical
@pytest.mark.on_backend("torch.compile")
def test_traced_samplers_under_torch_compile() -> None:
    """Under ``torch.compile(fullgraph=True)``: the composite samplers on every parameter, their rejection rounds
    in one traced ``while_loop`` (a rate or count from each range)."""
    torch = pytest.importorskip("torch")
    rates = np.array([0.5, 7.0, 1e2, 1e6, 1e12, 1e16])
    n, p = np.array([40.0, 1e6, 1e12, 1e17, 1e17]), np.array([0.3, 0.3, 0.9, 0.3, 1e-12])
    ops = ops_of(torch.zeros(1))

    def draw(rates: Any, n: Any, p: Any) -> tuple[Any, Any]:
        poisson = ops.poisson(None, rates, (N, rates.shape[0]), torch.float64, None)
        return poisson, ops.binomial(None, n, p, (N, n.shape[0]), torch.float64, None)

    torch.manual_seed(23)
    compiled = torch.compile(draw, fullgraph=True, backend="aot_eager")
    poisson, binomial = (x.numpy() for x in compiled(*(torch.as_tensor(a) for a in (rates, n, p))))
    pvalues = moment_pvalues(poisson, poisson_moments(rates), "float64", "Poisson under torch.compile")
    pvalues += moment_pvalues(binomial, binomial_moments(n, p), "float64", "Binomial under torch.compile")
    check(bonferroni(pvalues), "moments under torch.compile")


def test_edge_parameters_on_the_composite_path(backend: Backend) -> None:
    """A batch that takes the composite path (one huge parameter) draws the law at the others too: rate or count
    0 is 0, p = 1 is n, a NaN parameter a NaN draw (never a count: validation refuses it before, when on)."""
    ops = _ops(backend, "float64")
    rates = np.array([0.0, 1e300, np.nan])
    x = backend.to_numpy(ops.poisson(ops.make_rng(1, None), backend.asarray(rates), (50, 3), _dtype(backend, "float64"),
                                     None))  # fmt: skip
    assert np.all(x[:, 0] == 0) and np.all(np.isnan(x[:, 2]))
    n = np.array([0.0, 7.0, 1e300, 5.0, np.nan])
    p = np.array([0.3, 1.0, 0.5, 0.0, 0.5])
    x = backend.to_numpy(ops.binomial(ops.make_rng(1, None), backend.asarray(n), backend.asarray(p), (50, 5),
                                      _dtype(backend, "float64"), None))  # fmt: skip
    assert np.all(x[:, 0] == 0) and np.all(x[:, 1] == 7) and np.all(x[:, 3] == 0) and np.all(np.isnan(x[:, 4]))
    assert np.all(np.abs(x[:, 2] - 5e299) <= 2 * np.spacing(5e299))
