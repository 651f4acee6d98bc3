"""Parity with ``torch.distributions`` on every case of the registry (at least ten per class), float32 and float64.

Both libraries get the very same tensors; values are compared at draws of the torch distribution.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import _tolerance
import arraydist
from cases import CASES, Case

torch = pytest.importorskip("torch")
td = torch.distributions

TOL = {"float32": 2e-5, "float64": 1e-10}
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def conv_for(dtype: str) -> Any:
    return lambda x: torch.as_tensor(np.array(x, dtype=np.float64), dtype=DTYPES[dtype])


def pair(case: Case, dtype: str) -> tuple[Any, Any]:
    """The case from both libraries; torch makes Python-number parameters tensors of its default dtype, so it
    builds under the test's dtype (as arraydist's neutral distributions adopt the value's dtype)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(DTYPES[dtype])
    try:
        return case.build(arraydist, conv_for(dtype)), case.build(td, conv_for(dtype))
    finally:
        torch.set_default_dtype(previous)


def _torch_implements(d: Any, method: str) -> bool:
    """Whether torch's class overrides ``method`` (its discrete families have no cdf or icdf: nothing to compare)."""
    return getattr(type(d), method) is not getattr(td.Distribution, method)


def as_torch(x: Any) -> Any:
    """Results of neutral (Python-number) distributions are NumPy: compare them as tensors."""
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(np.array(x))


def close(actual: Any, expected: Any, dtype: str, scale: float = 1.0) -> None:
    """``_tolerance.assert_close`` (infinities and NaNs by position), both sides rounded to ``expected``'s dtype."""
    actual = as_torch(actual)
    assert actual.shape == expected.shape, f"shape {tuple(actual.shape)} != {tuple(expected.shape)}"
    actual = actual.detach().to(expected.dtype).cpu().numpy()
    _tolerance.assert_close(actual, expected.detach().cpu().numpy().astype(np.float64), rtol=TOL[dtype] * scale)


@pytest.fixture(params=["float32", "float64"])
def dtype(request: pytest.FixtureRequest) -> str:
    return request.param


#: cases each class needs at least: a batched one, Python numbers, an edge (at 45 classes, the README's test
#: command holds about four a class within its 15 minutes: docs/testing.md)
MIN_CASES = 3


def test_every_class_has_enough_cases() -> None:
    for name in {c.dist for c in CASES}:
        assert sum(c.dist == name for c in CASES) >= MIN_CASES, name


@pytest.mark.parametrize("case", CASES, ids=str)
def test_values_match_torch_distributions(case: Case, dtype: str) -> None:
    if not hasattr(td, case.dist):
        pytest.skip(f"torch.distributions has no {case.dist}")
    ours, theirs = pair(case, dtype)
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    torch.manual_seed(0)
    with warnings.catch_warnings():
        # torch's Wishart.rsample warns "Singular sample detected" on valid draws (its check is inverted)
        warnings.filterwarnings("ignore", "Singular sample detected", UserWarning)
        x = theirs.sample((6,))
    if "neutral" in case.tags:  # Python numbers adopt the value's dtype; torch uses its default float
        x = x.to(DTYPES[dtype])
    skip = case.torch_differs  # torch lacks these or is less accurate there (the case says why)
    if "log_prob" not in skip:
        close(ours.log_prob(x), theirs.log_prob(x), dtype, scale=20)
    if case.has_entropy and "entropy" not in skip:
        close(ours.entropy(), theirs.entropy(), dtype)
    for name in case.moments:
        if name not in skip:
            close(getattr(ours, name), getattr(theirs, name), dtype, scale=10)
    assert ours.has_rsample == case.has_rsample
    if "rsample" not in skip:
        assert ours.has_rsample == theirs.has_rsample
    assert ours.has_enumerate_support == theirs.has_enumerate_support == case.has_enumerate_support
    if case.has_cdf and "cdf" not in skip and _torch_implements(theirs, "cdf"):
        close(ours.cdf(x), theirs.cdf(x), dtype, scale=5)
    if case.has_icdf and "icdf" not in skip and _torch_implements(theirs, "icdf"):
        q = torch.linspace(0.001, 0.999, 11, dtype=x.dtype).reshape((11,) + (1,) * len(case.batch_shape))
        q = q.expand((11, *case.batch_shape))
        close(ours.icdf(q), theirs.icdf(q), dtype, scale=50)
    if case.has_enumerate_support and case.enumerates and "enumerate_support" not in skip:
        close(ours.enumerate_support(), theirs.enumerate_support(), dtype)
        close(ours.enumerate_support(expand=False), theirs.enumerate_support(expand=False), dtype)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.kl_partner is not None and "kl" not in c.torch_differs], ids=str
)
def test_kl_matches_torch_distributions(case: Case, dtype: str) -> None:
    assert case.kl_partner is not None
    conv = conv_for(dtype)
    p_ours, q_ours = case.build(arraydist, conv), case.kl_partner.build(arraydist, conv)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(DTYPES[dtype])  # as in pair()
    try:
        p_theirs, q_theirs = case.build(td, conv), case.kl_partner.build(td, conv)
    finally:
        torch.set_default_dtype(previous)
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
