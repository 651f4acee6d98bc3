"""LowRankMultivariateNormal beyond the registry: the KL pairs with MultivariateNormal (both ways), the dense
matrices it derives, log_prob in row blocks against one pass, and its shape and value errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraydist
from _tolerance import assert_close
from arraydist import LowRankMultivariateNormal, MultivariateNormal
from arraydist.distributions import low_rank_multivariate_normal
from backends import Backend
from cases_lowrank import LowRankRef

#: the tests of one family: on NumPy and torch by default, on the other backends in the complement (_matrix.py)
pytestmark = pytest.mark.family

TOL = {"float32": 1e-4, "float64": 1e-10}

_rng = np.random.default_rng(2112)
#: low-rank: batch (2, 3) from a (3,) batch of means, (2, 1) factors and one diagonal; n = 5, rank 2
LOC = _rng.standard_normal((3, 5))
FACTOR = _rng.standard_normal((2, 1, 5, 2))
DIAG = _rng.uniform(0.3, 2.0, 5)
#: dense: one mean and a (3,) batch of covariances, broadcasting against the low-rank batch
_q, _ = np.linalg.qr(_rng.standard_normal((3, 5, 5)))
COV = (_q * np.linspace(0.5, 3.0, 5)[..., None, :]) @ np.swapaxes(_q, -1, -2)
MVN_LOC = _rng.standard_normal(5)


def _pair(backend: Backend, dtype: str) -> tuple[Any, Any]:
    c = lambda x: backend.asarray(x, dtype)  # noqa: E731
    return LowRankMultivariateNormal(c(LOC), c(FACTOR), c(DIAG)), MultivariateNormal(c(MVN_LOC), c(COV))


def _rounded(x: Any, dtype: str) -> np.ndarray:
    return np.asarray(np.asarray(x, dtype=dtype), np.float64)


def _references(dtype: str) -> tuple[LowRankRef, LowRankRef]:
    r = lambda x: _rounded(x, dtype)  # noqa: E731
    return LowRankRef.low_rank(r(LOC), r(FACTOR), r(DIAG)), LowRankRef(r(MVN_LOC), r(COV))


@pytest.mark.parametrize("direction", ["lowrank-mvn", "mvn-lowrank"])
def test_kl_with_a_multivariate_normal_matches_the_dense_formula(backend: Backend, dtype: str, direction: str) -> None:
    low, dense = _pair(backend, dtype)
    ref_low, ref_dense = _references(dtype)
    if direction == "lowrank-mvn":
        kl, expected = arraydist.kl_divergence(low, dense), ref_low.kl_divergence(ref_dense)
    else:
        kl, expected = arraydist.kl_divergence(dense, low), ref_dense.kl_divergence(ref_low)
    assert tuple(kl.shape) == (2, 3)
    assert_close(backend.to_numpy(kl), expected, TOL[dtype], err_msg=direction)


@pytest.mark.parametrize("direction", ["lowrank-mvn", "mvn-lowrank", "lowrank-lowrank"])
def test_kl_matches_torch_distributions(dtype: str, direction: str) -> None:
    torch = pytest.importorskip("torch")
    td = torch.distributions
    t = {"float32": torch.float32, "float64": torch.float64}[dtype]
    c = lambda x: torch.as_tensor(np.ascontiguousarray(x), dtype=t)  # noqa: E731
    args = (c(LOC), c(FACTOR), c(DIAG))
    other = (c(LOC[::-1]), c(0.5 * FACTOR + 0.1), c(DIAG[::-1]))
    ours = {"low": arraydist.LowRankMultivariateNormal(*args), "mvn": arraydist.MultivariateNormal(c(MVN_LOC), c(COV))}
    theirs = {"low": td.LowRankMultivariateNormal(*args), "mvn": td.MultivariateNormal(c(MVN_LOC), c(COV))}
    ours["other"], theirs["other"] = arraydist.LowRankMultivariateNormal(*other), td.LowRankMultivariateNormal(*other)
    p, q = {"lowrank-mvn": ("low", "mvn"), "mvn-lowrank": ("mvn", "low"), "lowrank-lowrank": ("low", "other")}[
        direction
    ]
    expected = td.kl_divergence(theirs[p], theirs[q])
    assert_close(arraydist.kl_divergence(ours[p], ours[q]).numpy(), expected.numpy(), 10 * TOL[dtype])


def test_kl_refuses_different_event_sizes() -> None:
    low = LowRankMultivariateNormal(np.zeros(3), np.ones((3, 1)), np.ones(3))
    dense = MultivariateNormal(np.zeros(2), np.eye(2))
    for p, q in (
        (low, dense),
        (dense, low),
        (low, LowRankMultivariateNormal(np.zeros(2), np.ones((2, 1)), np.ones(2))),
    ):
        with pytest.raises(ValueError, match=r"event shapes \(3,\) and \(2,\) differ|event shapes \(2,\) and \(3,\)"):
            arraydist.kl_divergence(p, q)


def test_dense_matrices_match_the_covariance(backend: Backend, dtype: str) -> None:
    """``covariance_matrix``, ``precision_matrix`` (Woodbury) and ``scale_tril`` against the dense covariance."""
    low, _ = _pair(backend, dtype)
    ref, _ = _references(dtype)
    cov = backend.to_numpy(low.covariance_matrix)
    assert cov.shape == (2, 3, 5, 5)
    assert_close(cov, ref.cov, TOL[dtype], floor=np.abs(ref.cov).max())
    prec = backend.to_numpy(low.precision_matrix)
    inverse = np.linalg.inv(ref.cov)
    assert_close(prec, inverse, 10 * TOL[dtype], floor=np.abs(inverse).max())
    tril = backend.to_numpy(low.scale_tril).astype(np.float64)
    assert np.all(np.triu(tril, 1) == 0) and np.all(np.diagonal(tril, axis1=-2, axis2=-1) > 0)
    assert_close(tril @ np.swapaxes(tril, -1, -2), ref.cov, 10 * TOL[dtype], floor=np.abs(ref.cov).max())


def test_the_factor_and_diagonal_stay_unbroadcast(backend: Backend) -> None:
    low, _ = _pair(backend, "float64")
    assert tuple(low.cov_factor.shape) == (2, 3, 5, 2) and tuple(low.cov_diag.shape) == (2, 3, 5)
    stored = low.expand((4, 2, 3)).__dict__
    assert tuple(stored["cov_factor"].shape) == (2, 1, 5, 2) and tuple(stored["cov_diag"].shape) == (5,)


@pytest.mark.parametrize("batched", [False, True], ids=["one", "batched"])
def test_log_prob_in_row_blocks_equals_one_pass(monkeypatch: pytest.MonkeyPatch, batched: bool) -> None:
    """The blocked evaluation (eager, no autograd) against one pass over all rows, including a last short block
    and several sample dimensions."""
    d = (
        LowRankMultivariateNormal(LOC, FACTOR, DIAG)
        if batched
        else LowRankMultivariateNormal(LOC[0], FACTOR[0, 0], DIAG)
    )
    value = np.random.default_rng(3).standard_normal((7, 11, *d.batch_shape, 5))
    before = value.copy()
    one_pass = d._mahalanobis_sq(value - d.loc)
    monkeypatch.setattr(low_rank_multivariate_normal, "_BLOCK", 3 * value[0, 0].size)  # 3 rows: 26 blocks
    blocked = d._value_mahalanobis_sq(value)
    assert blocked.shape == one_pass.shape == (7, 11, *d.batch_shape)
    assert_close(blocked, one_pass, 1e-13)
    np.testing.assert_array_equal(value, before)


def test_eager_log_prob_falls_back_to_sums_of_squares_where_the_difference_cancels(eager_backend: Backend) -> None:
    """Eager log_prob on a CPU takes the Mahalanobis distance as |z|^2 - |v|^2 (one product by the values)
    only where |v|^2 <= |z|^2 / 2; points far along W with a tiny cov_diag (|v|^2 ~ |z|^2, where the difference
    keeps nothing of float32) go to the sums of squares: float32 against float64 of the same rounded numbers."""
    rng = np.random.default_rng(7)
    w = np.array([[1.0], [2.0], [-1.0], [0.5]], np.float32)
    diag = np.full(4, 1e-6, np.float32)
    along = rng.uniform(-1e3, 1e3, (40, 1)) * w[:, 0] + 1e-3 * rng.standard_normal((40, 4))
    ordinary = rng.standard_normal((40, 4))
    value = np.concatenate([ordinary, along]).astype(np.float32)  # one block: the first rows take the one product
    c = lambda x: eager_backend.asarray(x, "float32")  # noqa: E731
    ours = LowRankMultivariateNormal(c(np.zeros(4, np.float32)), c(w), c(diag)).log_prob(c(value))
    truth = LowRankMultivariateNormal(np.zeros(4), w.astype(np.float64), diag.astype(np.float64))
    expected = truth.log_prob(value.astype(np.float64))
    assert_close(eager_backend.to_numpy(ours), expected, 1e-5)
    ordinary_only = LowRankMultivariateNormal(c(np.zeros(4, np.float32)), c(w), c(diag)).log_prob(c(value[:40]))
    assert_close(eager_backend.to_numpy(ordinary_only), expected[:40], 1e-5)


def test_shape_errors_name_the_parameters() -> None:
    with pytest.raises(ValueError, match=r"LowRankMultivariateNormal: loc has shape \(3,\), cov_factor \(2, 1\)"):
        LowRankMultivariateNormal(np.zeros(3), np.ones((2, 1)), np.ones(3))
    with pytest.raises(ValueError, match=r"cov_diag \(2,\)"):
        LowRankMultivariateNormal(np.zeros(3), np.ones((3, 1)), np.ones(2))
    with pytest.raises(ValueError, match=r"LowRankMultivariateNormal: the batch shapes.*loc \(2,\).*cov_factor \(3,\)"):
        LowRankMultivariateNormal(np.zeros((2, 3)), np.ones((3, 3, 1)), np.ones(3))


def test_value_errors_name_the_parameter(eager_backend: Backend) -> None:
    c = eager_backend.asarray
    with pytest.raises(ValueError, match=r"LowRankMultivariateNormal: parameter 'cov_diag' must be"):
        LowRankMultivariateNormal(c(np.zeros(3)), c(np.ones((3, 1))), c(np.array([1.0, 0.0, 1.0])))
    with pytest.raises(ValueError, match=r"LowRankMultivariateNormal: parameter 'cov_factor' must be"):
        LowRankMultivariateNormal(c(np.zeros(3)), c(np.array([[1.0], [np.nan], [0.0]])), c(np.ones(3)))


def _kl_pairs(loc: Any, factor: Any, diag: Any, cov: Any) -> tuple[Any, Any, Any]:
    p = LowRankMultivariateNormal(loc, factor, diag)
    q = LowRankMultivariateNormal(0.5 * loc, factor + 0.1, 2.0 * diag)
    dense = MultivariateNormal(loc[0], cov)
    return arraydist.kl_divergence(p, q), arraydist.kl_divergence(p, dense), arraydist.kl_divergence(dense, p)


def test_the_kl_pairs_compile_in_one_torch_graph() -> None:
    torch = pytest.importorskip("torch")
    args = [torch.as_tensor(np.ascontiguousarray(a)) for a in (LOC, FACTOR, DIAG, COV[0])]
    torch._dynamo.reset()
    compiled = torch.compile(_kl_pairs, fullgraph=True, backend="aot_eager")(*args)
    for got, expected in zip(compiled, _kl_pairs(*args)):
        torch.testing.assert_close(got, expected)


def test_the_kl_pairs_under_jax_jit() -> None:
    jax = pytest.importorskip("jax")
    args = [jax.numpy.asarray(a, dtype=jax.numpy.float32) for a in (LOC, FACTOR, DIAG, COV[0])]
    for got, expected in zip(jax.jit(_kl_pairs)(*args), _kl_pairs(*args)):
        assert_close(np.asarray(got), np.asarray(expected), TOL["float32"])
