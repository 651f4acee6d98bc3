"""The discrete families' tails far out, where 1 - cdf would be 0 or 1 - (a number near 1): each tail from its own
function (issue 20), against SciPy's ``sf``/``logsf``/``cdf``/``logcdf`` in float64 (its binom, nbinom, poisson
and geom tails are the incomplete beta and gamma functions in double precision, exact there) on the
dtype-rounded parameters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

import arraydist
from backends import Backend, on_backends

pytestmark = pytest.mark.family

# (family, its parameters, SciPy's law of the same parameters, values in both tails)
TAILS: list[tuple[str, dict[str, list[float]], Any, list[float]]] = [
    (
        "Binomial",
        {"total_count": [1000.0], "probs": [0.01]},
        lambda p: stats.binom(p[0], p[1]),
        [0.0, 1.0, 60.0, 120.0],
    ),
    (
        "NegativeBinomial",
        {"total_count": [3.0], "probs": [0.2]},
        lambda p: stats.nbinom(p[0], 1 - p[1]),
        [0.0, 2.0, 40.0, 80.0],
    ),
    ("Poisson", {"rate": [4.0]}, lambda p: stats.poisson(p[0]), [0.0, 1.0, 45.0, 90.0]),
    ("Geometric", {"probs": [1e-6]}, lambda p: stats.geom(p[0], loc=-1), [0.0, 3.0, 1e7, 6e7]),
]

#: relative bounds by dtype: a few hundred units of float32 (the tail's magnitude is exp of a number of size 100,
#: whose rounding the result carries), and float64's tolerance of the conformance suite
RTOL = {"float32": 2e-4, "float64": 1e-9}


@pytest.mark.parametrize(("family", "params", "law", "values"), TAILS, ids=[t[0] for t in TAILS])
def test_tails_keep_relative_accuracy_far_out(
    backend: Backend, dtype: str, family: str, params: dict[str, list[float]], law: Any, values: list[float]
) -> None:
    if backend.name in ("torch", "jax") and dtype == "float32" and family == "Poisson":
        pytest.skip("torch's and JAX's own float32 igamma: 5e-5 relative (torch computes it in float64 instead)")
    arrays = {k: backend.asarray(np.asarray(v, dtype=dtype), dtype) for k, v in params.items()}
    d = getattr(arraydist, family)(**arrays)
    ref = law([np.asarray(v, dtype=dtype).astype(np.float64) for v in params.values()])
    x = backend.asarray(np.asarray(values, dtype=dtype), dtype)
    x64 = np.asarray(values, dtype=dtype).astype(np.float64)
    tiny = np.finfo(dtype).tiny
    for method, expected in (
        ("cdf", ref.cdf(x64)),
        ("survival_function", ref.sf(x64)),
        ("log_cdf", ref.logcdf(x64)),
        ("log_survival_function", ref.logsf(x64)),
    ):
        got = backend.to_numpy(getattr(d, method)(x)).astype(np.float64)
        if method in ("cdf", "survival_function"):
            # the tails reach 1e-60 and beyond: compared where the dtype holds them (a normal number)
            keep = expected >= tiny
            assert np.all(got[~keep] <= 2 * tiny), (method, got)
            np.testing.assert_allclose(got[keep], expected[keep], rtol=RTOL[dtype], err_msg=method)
        else:
            # logs: relative to the log's size (an absolute error of rtol near 0); computed in log space (finite
            # where the tail underflows: float32 below 1e-38) but Geometric's, -inf there
            keep = np.isfinite(expected) if family != "Geometric" else expected >= np.log(tiny)
            assert np.all(got[~keep] <= np.log(tiny) + 1), (method, got)
            np.testing.assert_allclose(got[keep], expected[keep], rtol=RTOL[dtype], atol=RTOL[dtype], err_msg=method)
    # both tails really are far out here: the smaller tail at the ends is below 1e-30 in float64
    assert min(ref.cdf(x64[0]), ref.sf(x64[-1])) < 1e-12


def test_geometric_icdf_is_the_smallest_count_reaching_the_probability(backend: Backend, dtype: str) -> None:
    """icdf(u) is k for u a quarter of a step below F(k), and k + 1 a quarter of a step above it (SciPy's ppf
    too), in float32 included; the steps themselves are a matter of rounding, in SciPy as here."""
    probs = np.asarray([0.9, 0.3, 1e-3], dtype=dtype)
    law = stats.geom(probs.astype(np.float64), loc=-1)
    k = np.arange(1, 6, dtype=np.float64)[:, None] * np.ones(3)
    below = law.cdf(k) - 0.25 * law.pmf(k)
    above = law.cdf(k) + 0.25 * law.pmf(k + 1)
    d = arraydist.Geometric(probs=backend.asarray(probs, dtype))
    for u, expected in ((below, k), (above, k + 1)):
        u = np.asarray(u, dtype=dtype)
        got = backend.to_numpy(d.icdf(backend.asarray(u, dtype))).astype(np.float64)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(law.ppf(u.astype(np.float64)), expected)


@pytest.mark.parametrize("lib", on_backends("torch", "jax"))
def test_tail_gradients_in_the_parameters(lib: str) -> None:
    """d/dp of Binomial's cdf and NegativeBinomial's log survival function, d/drate of Poisson's survival function
    (through betainc / gammainc), against central differences of SciPy's."""
    pytest.importorskip(lib)
    h = 1e-6
    checks = [
        ("Binomial", lambda v: {"total_count": 10.0, "probs": v}, 0.3, "cdf", 2.0, lambda v: stats.binom(10, v).cdf(2)),
        (
            "NegativeBinomial",
            lambda v: {"total_count": 3.0, "probs": v},
            0.4,
            "log_survival_function",
            4.0,
            lambda v: stats.nbinom(3, 1 - v).logsf(4),
        ),
        ("Poisson", lambda v: {"rate": v}, 3.5, "survival_function", 5.0, lambda v: stats.poisson(v).sf(5)),
    ]
    for family, params, at, method, k, law in checks:
        expected = (law(at + h) - law(at - h)) / (2 * h)
        if lib == "torch":
            import torch

            v = torch.tensor(at, dtype=torch.float64, requires_grad=True)
            out = getattr(getattr(arraydist, family)(**params(v)), method)(torch.tensor(k, dtype=torch.float64))
            (grad,) = torch.autograd.grad(out, v)
            got = float(grad)
        else:
            import jax
            import jax.numpy as jnp

            def value(v: Any, family: str = family, params: Any = params, method: str = method, k: float = k) -> Any:
                return getattr(getattr(arraydist, family)(**params(v)), method)(jnp.asarray(k, dtype=jnp.float64))

            got = float(jax.grad(value)(jnp.asarray(at, dtype=jnp.float64)))
        np.testing.assert_allclose(got, expected, rtol=1e-7, err_msg=family)
