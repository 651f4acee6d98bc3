"""MultivariateNormal at its edges: matrices with infinite or NaN entries, and batches of size zero."""

from __future__ import annotations

import numpy as np
import pytest

import arraydist
from arraydist import MultivariateNormal
from backends import Backend

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
