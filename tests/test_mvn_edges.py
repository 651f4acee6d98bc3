"""MultivariateNormal at its edges: matrices with infinite or NaN entries, and batches of size zero."""

from __future__ import annotations

import numpy as np
import pytest

import arraydist
from arraydist import MultivariateNormal
from backends import Backend

#: the tests of one family: on NumPy and torch by default, on the other backends in the complement (_matrix.py)
pytestmark = pytest.mark.family

_FORMS = ("covariance_matrix", "precision_matrix", "scale_tril")

INF, NAN = float("inf"), float("nan")
#: matrices with one non-finite entry (or a symmetric pair), each somewhere a Cholesky factorization reads it
#: or does not: an infinite diagonal factorizes "successfully" on some libraries, and an entry of the strictly
#: upper triangle is never read by one
NON_FINITE = {
    "inf-diagonal": [[1.0, 0.0], [0.0, INF]],
    "inf-first-diagonal": [[INF, 0.0], [0.0, 1.0]],
    "inf-pair": [[1.0, INF], [INF, 1.0]],
    "inf-lower": [[1.0, 0.0], [INF, 1.0]],
    "inf-upper": [[1.0, INF], [0.0, 1.0]],
    "minus-inf-diagonal": [[-INF, 0.0], [0.0, 1.0]],
    "nan-diagonal": [[1.0, 0.0], [0.0, NAN]],
}


@pytest.mark.parametrize("form", _FORMS)
@pytest.mark.parametrize("matrix", NON_FINITE.values(), ids=NON_FINITE.keys())
def test_a_non_finite_matrix_is_refused_naming_it(eager_backend: Backend, form: str, matrix: list[list[float]]) -> None:
    loc = eager_backend.asarray(np.zeros(2))
    with pytest.raises(ValueError, match=rf"MultivariateNormal: parameter '{form}' must be (finite|.*positive)"):
        MultivariateNormal(loc, **{form: eager_backend.asarray(matrix)})
    # in a batch, the message says which member
    batch = eager_backend.asarray(np.stack([np.eye(2), np.array(matrix)]))
    with pytest.raises(ValueError, match=rf"parameter '{form}'.*1 invalid event\(s\), the first at batch index \(1,\)"):
        MultivariateNormal(loc, **{form: batch})


@pytest.mark.parametrize("form", ["covariance_matrix", "precision_matrix"])
def test_an_infinite_covariance_says_finite(eager_backend: Backend, form: str) -> None:
    # the message of every other parameter with an infinite value (scale_tril's, a Normal's scale)
    with pytest.raises(ValueError, match=rf"parameter '{form}' must be finite; got shape \(2, 2\)"):
        MultivariateNormal(eager_backend.asarray(np.zeros(2)), **{form: eager_backend.asarray(NON_FINITE["inf-pair"])})


#: (loc shape, matrix shape) with a batch of size zero, from either side or both
EMPTY_BATCHES = [((0, 3), (3, 3)), ((3,), (0, 3, 3)), ((0, 3), (0, 3, 3)), ((2, 0, 3), (3, 3)), ((0, 1, 3), (4, 3, 3))]


def _seed(backend: Backend) -> object:
    return backend.lib.random.key(0) if backend.name == "jax" else 0


@pytest.mark.parametrize("form", _FORMS)
@pytest.mark.parametrize(("loc_shape", "matrix_shape"), EMPTY_BATCHES, ids=str)
def test_an_empty_batch_works_everywhere(
    backend: Backend, form: str, loc_shape: tuple[int, ...], matrix_shape: tuple[int, ...]
) -> None:
    loc = backend.asarray(np.zeros(loc_shape))
    matrix = backend.asarray(np.broadcast_to(2.0 * np.eye(3), matrix_shape).copy())
    d = MultivariateNormal(loc, **{form: matrix})
    batch = np.broadcast_shapes(loc_shape[:-1], matrix_shape[:-2])
    assert d.batch_shape == batch
    assert 0 in batch
    seed = _seed(backend)
    expected = {
        "sample": ((2, *batch, 3), d.sample((2,), seed=seed)),
        "rsample": ((2, *batch, 3), d.rsample((2,), seed=seed)),
        "log_prob": ((5, *batch), d.log_prob(backend.asarray(np.zeros((5, *batch, 3))))),
        "log_prob of one event": (batch, d.log_prob(backend.asarray(np.zeros(3)))),
        "entropy": (batch, d.entropy()),
        "mean": ((*batch, 3), d.mean),
        "mode": ((*batch, 3), d.mode),
        "variance": ((*batch, 3), d.variance),
        "scale_tril": ((*batch, 3, 3), d.scale_tril),
        "covariance_matrix": ((*batch, 3, 3), d.covariance_matrix),
        "precision_matrix": ((*batch, 3, 3), d.precision_matrix),
        "kl_divergence": (batch, arraydist.kl_divergence(d, d)),
        "expand": ((4, *batch), d.expand((4, *batch)).log_prob(backend.asarray(np.zeros(3)))),
    }
    for what, (shape, out) in expected.items():
        assert backend.owns(out), what
        values = backend.to_numpy(out)  # computed: Dask's chunk functions run too
        assert values.shape == shape, what
        assert values.dtype == np.float64, what


def test_the_example_of_the_issue() -> None:
    d = MultivariateNormal(np.zeros((0, 3)), np.eye(3))
    assert d.sample((4,), seed=0).shape == (4, 0, 3)
    assert d.log_prob(np.zeros((0, 3))).shape == (0,)
    assert d.entropy().shape == (0,)
