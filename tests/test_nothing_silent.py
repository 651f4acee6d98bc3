"""Results that were silently wrong (issue 23's findings), each reproduced on every backend of the suite.

Each test states the wrong result it replaces; the reference is SciPy or the closed form at float64.
"""

from __future__ import annotations

import numpy as np
import pytest

from arraydist import Categorical, Normal
from backends import Backend


@pytest.mark.parametrize(("offset", "dtype"), [(1e30, "float64"), (1e6, "float32"), (3e38, "float32")])
def test_logits_with_a_large_common_offset_keep_their_normalization(
    backend: Backend, offset: float, dtype: str
) -> None:
    """``Categorical(logits=[1e30] * 3).probs`` was [1, 1, 1] on NumPy, Dask and array_api_strict: the log-softmax
    subtracted ``logsumexp``, in which ``m + log(3)`` rounds to ``m``."""
    logits = np.array([[offset, offset, offset], [offset, offset - 1.0 * offset / 1e6, offset]])
    d = Categorical(logits=backend.asarray(logits, dtype))
    probs = backend.to_numpy(d.probs)
    expected = np.exp(logits - logits.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(probs, expected, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-30)
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_log_prob_far_out_is_finite_where_the_truth_is(backend: Backend, dtype: str) -> None:
    """``Normal(0, 1).log_prob(1.5e154)`` was ``-inf`` (``z * z`` overflowed) where the truth is -1.125e308; in
    float32 from 1.9e19 on.  Also through autograd (the torch path that keeps a graph)."""
    far = 1.5e154 if dtype == "float64" else 1.5e19
    x = np.array([far, -far, 0.3])
    expected = -((x / np.sqrt(2.0)) ** 2) - 0.5 * np.log(2 * np.pi)  # -x^2 / 2 without the overflow
    rtol = 4e-7 if dtype == "float32" else 1e-15
    if backend.name == "torch":
        import torch

        loc = torch.zeros(3, dtype=getattr(torch, dtype), device=backend.device, requires_grad=True)
        got = Normal(loc, 1.0).log_prob(backend.asarray(x, dtype))
        np.testing.assert_allclose(got.detach().cpu().numpy(), expected, rtol=rtol)
    got = backend.to_numpy(Normal(backend.asarray(np.zeros(3), dtype), 1.0).log_prob(backend.asarray(x, dtype)))
    assert np.isfinite(got).all(), got
    np.testing.assert_allclose(got, expected, rtol=rtol)
