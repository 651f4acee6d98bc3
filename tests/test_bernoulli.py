"""Bernoulli beyond the registry: the edges of both parameterizations, values of every kind, clear errors.

The registry (``cases_binary.py``) runs the conformance suite, SciPy references, torch parity and goodness of
fit; these tests pin down what a case cannot: exact masses at ``probs`` of 0 and 1, logits of +-100 in float32,
the two forms against each other, and the messages of bad input.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import arraydist
from arraydist import Bernoulli, kl_divergence
from backends import Backend

#: a family module: its tests without a registry case run on NumPy and torch by default, elsewhere in the
#: complement (tests/_matrix.py)
pytestmark = pytest.mark.family


def to_np(x: Any) -> np.ndarray:
    return np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x, dtype=np.float64)


def test_logits_of_100_are_finite_in_float32(backend: Backend) -> None:
    d = Bernoulli(logits=backend.asarray([-100.0, 100.0, 0.0], "float32"))
    lp = to_np(backend.to_numpy(d.log_prob(backend.asarray([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], "float32"))))
    np.testing.assert_allclose(lp, [[0.0, 0.0, -math.log(2)], [-100.0, -100.0, -math.log(2)]], rtol=1e-6, atol=1e-6)
    h = to_np(backend.to_numpy(d.entropy()))
    assert np.isfinite(h).all() and h[0] < 1e-30 and h[1] < 1e-30
    np.testing.assert_allclose(h[2], math.log(2), rtol=1e-6)


def test_probs_of_exactly_zero_and_one_have_exact_masses(backend: Backend) -> None:
    d = Bernoulli(probs=backend.asarray([0.0, 1.0], "float64"))
    lp = to_np(backend.to_numpy(d.log_prob(backend.asarray([[0.0, 1.0], [1.0, 0.0]], "float64"))))
    assert lp[0].tolist() == [0.0, 0.0] and lp[1].tolist() == [-math.inf, -math.inf]
    assert to_np(backend.to_numpy(d.entropy())).tolist() == [0.0, 0.0]
    draws = to_np(backend.to_numpy(d.sample((1000,), seed=0)))
    assert (draws[:, 0] == 0).all() and (draws[:, 1] == 1).all()
    # the derived logits are exact too: logit(0) = -inf, logit(1) = +inf
    assert to_np(backend.to_numpy(d.logits)).tolist() == [-math.inf, math.inf]


def test_both_forms_agree_where_both_are_exact() -> None:
    logits = np.linspace(-8.0, 8.0, 9)
    probs = 1.0 / (1.0 + np.exp(-logits))
    a, b = Bernoulli(logits=logits), Bernoulli(probs=probs)
    x = np.array([0.0, 1.0])[:, None]
    np.testing.assert_allclose(a.log_prob(x), b.log_prob(x), rtol=1e-12)
    np.testing.assert_allclose(a.entropy(), b.entropy(), rtol=1e-12)
    np.testing.assert_allclose(a.probs, b.probs, rtol=1e-15)
    np.testing.assert_allclose(b.logits, logits, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(kl_divergence(a, a[::-1]), kl_divergence(b, b[::-1]), rtol=1e-10)
    assert a.param_shape == b.param_shape == (9,)


def test_only_the_given_form_is_stored() -> None:
    d = Bernoulli(logits=np.array([0.5, -1.0]))
    assert "logits" in d.__dict__ and "probs" not in d.__dict__
    assert d._tree_flatten()[1][1] == ("logits",)
    _ = d.probs
    assert d._tree_flatten()[1][1] == ("logits",)  # the derived form is cached, not a leaf


def test_integer_boolean_and_float_values(backend: Backend) -> None:
    d = Bernoulli(probs=backend.asarray([0.25, 0.75], "float32"))
    expected = np.log([[0.75, 0.75], [0.25, 0.75]])
    as_float = backend.asarray([[0.0, 1.0], [1.0, 1.0]], "float32")
    as_int = backend.asarray([[0, 1], [1, 1]], "int64")
    as_bool = backend.asarray([[False, True], [True, True]], "bool")
    for value in (as_float, as_int, as_bool):
        lp = d.log_prob(value)
        assert backend.dtype_name(lp) == "float32"
        np.testing.assert_allclose(to_np(backend.to_numpy(lp)), expected, rtol=1e-6)


def test_draws_are_floats_of_the_parameters_dtype(backend: Backend) -> None:
    for dtype in ("float32", "float64"):
        x = Bernoulli(logits=backend.asarray([0.0, 2.0], dtype)).sample((5,), seed=1)
        assert backend.dtype_name(x) == dtype
        values = to_np(backend.to_numpy(x))
        assert set(np.unique(values)) <= {0.0, 1.0}


def test_mode_is_nan_at_one_half_and_torch_agrees() -> None:
    torch = pytest.importorskip("torch")
    p = [0.2, 0.5, 0.8]
    ours = to_np(Bernoulli(probs=torch.tensor(p)).mode)
    theirs = torch.distributions.Bernoulli(probs=torch.tensor(p)).mode.numpy()
    np.testing.assert_array_equal(ours, theirs)
    assert np.isnan(ours[1])


def test_kl_is_infinite_where_q_excludes_a_value_of_p() -> None:
    p = Bernoulli(probs=np.array([0.5, 0.0, 1.0, 0.3]))
    q = Bernoulli(probs=np.array([0.0, 0.5, 0.5, 1.0]))
    kl = kl_divergence(p, q)
    assert kl[0] == math.inf and kl[3] == math.inf
    np.testing.assert_allclose(kl[1:3], [math.log(2), math.log(2)], rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"probs": np.array([0.5, 1.5])}, r"Bernoulli: parameter 'probs' must be in \[0.0, 1.0\].*1\.5"),
        ({"logits": np.array([0.0, np.nan])}, r"Bernoulli: parameter 'logits' must be real.*nan"),
        ({"logits": np.array([0.0, np.inf])}, r"Bernoulli: parameter 'logits' must be finite.*inf"),
        ({"probs": 0.5, "logits": 0.0}, r"Bernoulli takes exactly one of probs, logits; got probs, logits"),
        ({}, r"Bernoulli takes exactly one of probs, logits; got none"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Bernoulli(**kwargs)


def test_values_outside_the_support_are_named() -> None:
    d = Bernoulli(probs=np.array([0.3, 0.6]))
    with pytest.raises(ValueError, match=r"Bernoulli.log_prob: the value must be .*0\.5"):
        d.log_prob(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"Bernoulli.log_prob: the value must be .*2"):
        d.log_prob(np.array([2, 1]))
    # without validation a value between 0 and 1 is the usual relaxation, as in torch.distributions
    relaxed = Bernoulli(probs=np.array([0.3, 0.6]), validate_args=False).log_prob(np.array([0.5, 0.5]))
    np.testing.assert_allclose(relaxed, 0.5 * np.log([0.3 * 0.7, 0.6 * 0.4]), rtol=1e-12)


def test_python_number_forms_made_one_after_the_other() -> None:
    arraydist.distribution.clear_caches()
    a, b = Bernoulli(probs=0.3), Bernoulli(logits=0.3)
    c, d = Bernoulli(logits=0.3), Bernoulli(probs=0.3)
    assert float(a.probs) == float(d.probs) == 0.3
    np.testing.assert_allclose(float(b.probs), 1 / (1 + math.exp(-0.3)), rtol=1e-15)
    assert float(c.logits) == 0.3 and "probs" not in c.__dict__
    with pytest.raises(ValueError, match="probs"):
        Bernoulli(probs=2.0)  # after Bernoulli(logits=2.0) below as well
    Bernoulli(logits=2.0)
    with pytest.raises(ValueError, match="probs"):
        Bernoulli(probs=2.0)


def test_the_given_form_decides_after_the_other_is_derived() -> None:
    """Reading the derived form caches it on the instance; masses still come from the form given."""
    d = Bernoulli(probs=np.array([0.0, 1.0]))
    _ = d.logits  # -inf, +inf, now kept on the instance
    assert d.log_prob(np.array([0.0, 1.0])).tolist() == [0.0, 0.0]
    assert d.entropy().tolist() == [0.0, 0.0]
    q = Bernoulli(logits=np.array([100.0]))
    _ = q.probs
    assert float(q.log_prob(np.array([0.0]))[0]) == -100.0
