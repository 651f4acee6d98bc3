"""Parity with ``torch.distributions`` on every case of the registry (at least ten per class), float32 and float64.

Both libraries get the very same tensors; values are compared at draws of the torch distribution.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraydist
from cases import CASES, Case

torch = pytest.importorskip("torch")
td = torch.distributions

TOL = {"float32": 2e-5, "float64": 1e-10}
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def pair(case: Case, dtype: str, conv_scale: float = 1.0) -> tuple[Any, Any]:
    def conv(x: Any) -> Any:
        return torch.as_tensor(np.array(x, dtype=np.float64) * conv_scale, dtype=DTYPES[dtype])

    return case.build(arraydist, conv), case.build(td, conv)


def as_torch(x: Any) -> Any:
    """Results of neutral (Python-number) distributions are NumPy: compare them as tensors."""
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(np.array(x))


def close(actual: Any, expected: Any, dtype: str, scale: float = 1.0) -> None:
    actual = as_torch(actual)
    assert actual.shape == expected.shape, f"shape {tuple(actual.shape)} != {tuple(expected.shape)}"
    tol = TOL[dtype] * scale
    magnitude = max(1.0, float(expected.abs().max())) if expected.numel() else 1.0
    torch.testing.assert_close(actual.to(expected.dtype), expected, rtol=tol, atol=tol * magnitude)


@pytest.fixture(params=["float32", "float64"])
def dtype(request: pytest.FixtureRequest) -> str:
    return request.param


def test_every_class_has_ten_parity_cases() -> None:
    for name in ("Normal", "MultivariateNormal", "Independent"):
        assert sum(c.dist == name for c in CASES) >= 10, name


@pytest.mark.parametrize("case", CASES, ids=str)
def test_values_match_torch_distributions(case: Case, dtype: str) -> None:
    ours, theirs = pair(case, dtype)
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    torch.manual_seed(0)
    x = theirs.sample((6,))
    if "neutral" in case.tags:  # Python numbers adopt the value's dtype; torch uses its default float
        x = x.to(DTYPES[dtype])
    close(ours.log_prob(x), theirs.log_prob(x), dtype, scale=20)
    close(ours.entropy(), theirs.entropy(), dtype)
    for name in ("mean", "variance", "stddev", "mode"):
        close(getattr(ours, name), getattr(theirs, name), dtype, scale=10)
    if case.has_cdf:
        close(ours.cdf(x), theirs.cdf(x), dtype, scale=5)
        q = torch.linspace(0.001, 0.999, 11, dtype=x.dtype).reshape((11,) + (1,) * len(case.batch_shape))
        q = q.expand((11, *case.batch_shape))
        close(ours.icdf(q), theirs.icdf(q), dtype, scale=50)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_kl_matches_torch_distributions(case: Case, dtype: str) -> None:
    p_ours, p_theirs = pair(case, dtype)
    q_ours, q_theirs = pair(case, dtype, conv_scale=1.5)
    close(arraydist.kl_divergence(p_ours, q_ours), td.kl_divergence(p_theirs, q_theirs), dtype, scale=50)
    close(arraydist.kl_divergence(p_ours, p_ours), td.kl_divergence(p_theirs, p_theirs), dtype, scale=50)


@pytest.mark.parametrize("case", [c for c in CASES if c.dist == "Normal"], ids=str)
def test_kl_to_a_standard_normal_of_python_numbers(case: Case, dtype: str) -> None:
    ours, theirs = pair(case, dtype)
    expected = td.kl_divergence(theirs, td.Normal(torch.zeros((), dtype=DTYPES[dtype]), 1.0))
    result = arraydist.kl_divergence(ours, arraydist.Normal(0.0, 1.0))
    if "neutral" not in case.tags:
        assert result.dtype == DTYPES[dtype]
    close(result, expected.to(torch.float64 if "neutral" in case.tags else DTYPES[dtype]), dtype, 50)
