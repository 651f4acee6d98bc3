"""What is peculiar to VonMises: the density, variance and entropy at concentrations 1e-6 and 1e7 against mpmath
(float32 and float64), the sampler at the extremes (torch's hangs at small concentrations, pytorch#88443) and
under ``jax.jit`` and ``torch.compile(fullgraph=True)``."""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import pytest
from scipy import stats

import _stats
from arraydist import VonMises
from backends import Backend

pytestmark = pytest.mark.family

KAPPA = np.array([1e-6, 1e-3, 1.0, 49.9, 50.0, 1e3, 1e7])
LOC = np.array([0.3, -3.0, 1.0, 2.5, -0.5, 3.1, -2.0])
#: measured against mpmath: float32 1e-7 relative, float64 4e-16
RTOL = {"float32": 1e-6, "float64": 1e-13}


def _mp(loc: float, kappa: float, x: float) -> tuple[float, float, float]:
    """(log_prob at x, 1 - I1/I0, entropy) at 40 digits."""
    with mpmath.workdps(40):
        k = mpmath.mpf(kappa)
        i0, i1 = mpmath.besseli(0, k), mpmath.besseli(1, k)
        lp = k * mpmath.cos(mpmath.mpf(x) - mpmath.mpf(loc)) - mpmath.log(2 * mpmath.pi * i0)
        return float(lp), float(1 - i1 / i0), float(mpmath.log(2 * mpmath.pi * i0) - k * i1 / i0)


def test_density_variance_and_entropy_match_mpmath(backend: Backend, dtype: str) -> None:
    loc, kappa = (np.asarray(p, dtype) for p in (LOC, KAPPA))
    d = VonMises(backend.asarray(loc, dtype), backend.asarray(kappa, dtype))
    # near the mean at the scale of each member's spread (1e-4 at 1e7), and opposite it
    x = (loc + np.array([[1e-4], [0.3], [3.0]]) / np.sqrt(np.maximum(kappa, 1.0))).astype(dtype)
    lp = backend.to_numpy(d.log_prob(backend.asarray(x, dtype))).astype(np.float64)
    expected = np.vectorize(_mp)(loc.astype(np.float64), kappa.astype(np.float64), x.astype(np.float64))
    np.testing.assert_allclose(lp, expected[0], rtol=RTOL[dtype], atol=RTOL[dtype], err_msg="log_prob")
    np.testing.assert_allclose(backend.to_numpy(d.variance), expected[1][0], rtol=RTOL[dtype], err_msg="variance")
    h = backend.to_numpy(d.entropy()).astype(np.float64)
    np.testing.assert_allclose(h, expected[2][0], rtol=RTOL[dtype], atol=RTOL[dtype], err_msg="entropy")


def _scores(x: np.ndarray, loc: np.ndarray, kappa: np.ndarray) -> np.ndarray:
    """Uniforms of the draws through the reference CDF on [-pi, pi) (SciPy's vonmises, shifted)."""
    d = stats.vonmises(kappa, loc=loc)
    return d.cdf(x) - d.cdf(-np.pi)


@pytest.mark.statistical
def test_sampler_at_extreme_concentrations(backend: Backend, dtype: str) -> None:
    # 1e-12 (uniform to 1e-12: where torch's proposal hung) and 1e10 (a normal of sd 1e-5 to 1e-10), beside
    # the registry's 1e-6 and 1e7
    loc, kappa = np.array([1.0, -3.1]), np.array([1e-12, 1e10])
    d = VonMises(backend.asarray(loc, dtype), backend.asarray(kappa, dtype))
    x = backend.to_numpy(d.sample((20000,), seed=4)).astype(np.float64)
    assert np.isfinite(x).all() and (x >= -np.pi).all() and (x < np.pi).all()
    rounded = loc.astype(dtype).astype(np.float64)
    u_uniform = (x[:, 0] + np.pi) / (2 * np.pi)
    # at 1e10 the law is normal to 1e-10; its scores are measured from the rounded loc (x - loc exact in float64)
    u_normal = stats.norm.cdf((x[:, 1] - rounded[1]) * np.sqrt(1e10))
    pvalues = [stats.kstest(u, "uniform").pvalue for u in (u_uniform, u_normal)]
    _stats.check(_stats.bonferroni(pvalues), "VonMises draws at concentrations 1e-12 and 1e10")


@pytest.mark.statistical
@pytest.mark.on_backend("jax")
def test_sampler_under_jit() -> None:
    jax = pytest.importorskip("jax")
    loc, kappa = np.array([0.3, -2.0, 3.0]), np.array([1e-6, 1e7, 2.0])

    def draw(key: Any, loc: Any, kappa: Any) -> Any:
        return VonMises(loc, kappa, validate_args=False).sample((8000,), seed=key)

    x = np.asarray(jax.jit(draw)(jax.random.key(5), jax.numpy.asarray(loc), jax.numpy.asarray(kappa)))
    assert (x >= -np.pi).all() and (x < np.pi).all()
    u = _scores(x, loc, kappa)
    _stats.check(_stats.bonferroni([stats.kstest(u[:, j], "uniform").pvalue for j in range(3)]), "jit draws")


@pytest.mark.on_backend("torch.compile")
def test_sampler_traces_under_torch_compile_fullgraph() -> None:
    torch = pytest.importorskip("torch")

    def draw(loc: Any, kappa: Any) -> tuple[Any, Any]:
        d = VonMises(loc, kappa, validate_args=False)
        x = d.sample((64,))
        return x, d.log_prob(x)

    loc = torch.tensor([0.3, -2.0, 3.0], dtype=torch.float64)
    kappa = torch.tensor([1e-6, 1e7, 2.0], dtype=torch.float64)
    # the "eager" backend runs Dynamo's tracing (fullgraph: no graph break allowed) without compiling kernels
    x, lp = torch.compile(draw, fullgraph=True, backend="eager")(loc, kappa)
    assert x.shape == (64, 3) and bool(((x >= -np.pi) & (x < np.pi)).all())
    torch.testing.assert_close(lp, VonMises(loc, kappa).log_prob(x))
