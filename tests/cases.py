"""The case registry: every public distribution lists named parameter sets here.

A case builds the same distribution from ``arraydist`` or from ``torch.distributions`` (same API) with the
parameters converted by ``conv``, and gives a NumPy/SciPy reference built from the very same (dtype-rounded)
parameter values.  Generic tests run every case on every backend and dtype; the torch parity tests run every
case against ``torch.distributions``.  ``test_every_distribution_has_cases`` fails when a public distribution
has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

Conv = Callable[[Any], Any]


# ---------------------------------------------------------------------------------------------- references
class NormalRef:
    """Reference for Normal (and, through ``ndims``, for Independent(Normal, ndims))."""

    def __init__(self, loc: Any, scale: Any, ndims: int = 0) -> None:
        self.loc, self.scale = np.broadcast_arrays(np.asarray(loc, np.float64), np.asarray(scale, np.float64))
        self.ndims = ndims
        self.d = stats.norm(self.loc, self.scale)

    def _sum(self, x: np.ndarray) -> np.ndarray:
        return x.sum(axis=tuple(range(-self.ndims, 0))) if self.ndims else x

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return self._sum(self.d.logpdf(x))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return self.d.cdf(x)

    def icdf(self, q: np.ndarray) -> np.ndarray:
        return self.d.ppf(q)

    def entropy(self) -> np.ndarray:
        return self._sum(self.d.entropy())

    @property
    def mean(self) -> np.ndarray:
        return self.loc

    mode = mean

    @property
    def variance(self) -> np.ndarray:
        return self.scale**2

    def marginal_cdfs(self) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
        """(broadcast shape of one draw, CDF of each coordinate) for goodness-of-fit tests."""
        return self.loc.shape, self.d.cdf


class MultivariateNormalRef:
    def __init__(self, loc: Any, cov: np.ndarray) -> None:
        loc = np.asarray(loc, np.float64)
        cov = np.asarray(cov, np.float64)
        batch = np.broadcast_shapes(loc.shape[:-1], cov.shape[:-2])
        n = loc.shape[-1]
        self.loc = np.broadcast_to(loc, (*batch, n))
        self.cov = np.broadcast_to(cov, (*batch, n, n))
        self.batch = batch

    def _each(self, fn: Callable[[Any, np.ndarray, np.ndarray], Any]) -> np.ndarray:
        out = np.empty(self.batch)
        for idx in np.ndindex(*self.batch):
            out[idx] = fn(idx, self.loc[idx], self.cov[idx])
        return out

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        x = np.broadcast_to(x, np.broadcast_shapes(x.shape, self.loc.shape))
        lead = x.shape[: x.ndim - 1 - len(self.batch)]
        out = np.empty(lead + self.batch)
        for idx in np.ndindex(*self.batch):
            out[(..., *idx)] = stats.multivariate_normal(self.loc[idx], self.cov[idx]).logpdf(
                x[(..., *idx, slice(None))]
            )
        return out

    def entropy(self) -> np.ndarray:
        return self._each(lambda _, m, c: stats.multivariate_normal(m, c).entropy())

    @property
    def mean(self) -> np.ndarray:
        return self.loc

    mode = mean

    @property
    def variance(self) -> np.ndarray:
        return np.diagonal(self.cov, axis1=-2, axis2=-1)


# ---------------------------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    name: str
    dist: str  # the class name, in arraydist and torch.distributions alike
    #: build(lib, conv): the distribution from ``lib`` (arraydist or torch.distributions), arrays through ``conv``
    build: Callable[[Any, Conv], Any]
    #: reference(rounded): the NumPy/SciPy reference, parameters passed through ``rounded`` (dtype rounding)
    reference: Callable[[Conv], Any]
    batch_shape: tuple[int, ...]
    event_shape: tuple[int, ...] = ()
    has_cdf: bool = False
    tags: frozenset[str] = field(default_factory=frozenset)

    def __str__(self) -> str:
        return self.name


def _spd(n: int, seed: int, batch: tuple[int, ...] = (), cond: float = 10.0) -> np.ndarray:
    """Symmetric positive definite matrices with condition number about ``cond``."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((*batch, n, n)))
    eig = np.exp(np.linspace(0, np.log(cond), n)) * 0.5
    return (q * eig[..., None, :]) @ np.swapaxes(q, -1, -2)


_rng = np.random.default_rng(20261125)
L3 = _rng.standard_normal(3)
S3 = _rng.uniform(0.5, 2.0, 3)
L32 = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
S32 = np.sqrt(np.full((3, 2), 0.1))
L234 = _rng.standard_normal((2, 3, 4))
S234 = _rng.uniform(0.2, 3.0, (2, 3, 4))

COV2 = _spd(2, 1)
COV3B = _spd(3, 2, (4,))
COV3 = _spd(3, 3)
TRIL3 = np.linalg.cholesky(_spd(3, 4, (2,)))
PREC3 = _spd(3, 5, (2,))
LOC3B = _rng.standard_normal((4, 3))
LOC2B = _rng.standard_normal((5, 2))
DIAG_COV = 0.1 * np.eye(2)[None] * np.ones((3, 1, 1))

CASES: list[Case] = [
    # --- Normal
    Case(
        "normal-scalar",
        "Normal",
        lambda lib, c: lib.Normal(c(0.3), c(1.7)),
        lambda r: NormalRef(r(0.3), r(1.7)),
        (),
        has_cdf=True,
    ),
    Case(
        "normal-python-scalars",
        "Normal",
        lambda lib, c: lib.Normal(0.0, 1.0),
        lambda r: NormalRef(0.0, 1.0),
        (),
        has_cdf=True,
        tags=frozenset({"neutral"}),
    ),
    Case(
        "normal-batched",
        "Normal",
        lambda lib, c: lib.Normal(c(L3), c(S3)),
        lambda r: NormalRef(r(L3), r(S3)),
        (3,),
        has_cdf=True,
    ),
    Case(
        "normal-broadcast",
        "Normal",
        lambda lib, c: lib.Normal(c(L234), c(S234[0, 0])),
        lambda r: NormalRef(r(L234), r(S234[0, 0])),
        (2, 3, 4),
        has_cdf=True,
    ),
    Case(
        "normal-broadcast-scalar-scale",
        "Normal",
        lambda lib, c: lib.Normal(c(L3), 2.5),
        lambda r: NormalRef(r(L3), 2.5),
        (3,),
        has_cdf=True,
    ),
    Case(
        "normal-tutorial",
        "Normal",
        lambda lib, c: lib.Normal(c(L32), c(S32)),
        lambda r: NormalRef(r(L32), r(S32)),
        (3, 2),
        has_cdf=True,
    ),
    Case(
        "normal-tiny-scale",
        "Normal",
        lambda lib, c: lib.Normal(c([0.5, -2.0]), c([1e-4, 1e-3])),
        lambda r: NormalRef(r([0.5, -2.0]), r([1e-4, 1e-3])),
        (2,),
        has_cdf=True,
        tags=frozenset({"tiny"}),
    ),
    Case(
        "normal-huge-scale",
        "Normal",
        lambda lib, c: lib.Normal(c([1e3, 0.0]), c([1e4, 1e6])),
        lambda r: NormalRef(r([1e3, 0.0]), r([1e4, 1e6])),
        (2,),
        has_cdf=True,
        tags=frozenset({"huge"}),
    ),
    Case(
        "normal-column-row",
        "Normal",
        lambda lib, c: lib.Normal(c(L3[:, None]), c(S3[None, :2])),
        lambda r: NormalRef(r(L3[:, None]), r(S3[None, :2])),
        (3, 2),
        has_cdf=True,
    ),
    Case(
        "normal-far-tail-loc",
        "Normal",
        lambda lib, c: lib.Normal(c([-50.0, 80.0]), c([2.0, 0.5])),
        lambda r: NormalRef(r([-50.0, 80.0]), r([2.0, 0.5])),
        (2,),
        has_cdf=True,
    ),
    # --- MultivariateNormal
    Case(
        "mvn-tutorial",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(L32), covariance_matrix=c(DIAG_COV)),
        lambda r: MultivariateNormalRef(r(L32), r(DIAG_COV)),
        (3,),
        (2,),
    ),
    Case(
        "mvn-single",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(L3), covariance_matrix=c(COV3)),
        lambda r: MultivariateNormalRef(r(L3), r(COV3)),
        (),
        (3,),
    ),
    Case(
        "mvn-batched-cov",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(LOC3B), covariance_matrix=c(COV3B)),
        lambda r: MultivariateNormalRef(r(LOC3B), r(COV3B)),
        (4,),
        (3,),
    ),
    Case(
        "mvn-loc-batch-shared-cov",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(LOC2B), covariance_matrix=c(COV2)),
        lambda r: MultivariateNormalRef(r(LOC2B), r(COV2)),
        (5,),
        (2,),
    ),
    Case(
        "mvn-shared-loc-batch-cov",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(L3), covariance_matrix=c(COV3B)),
        lambda r: MultivariateNormalRef(r(L3), r(COV3B)),
        (4,),
        (3,),
    ),
    Case(
        "mvn-scale-tril",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(L3), scale_tril=c(TRIL3)),
        lambda r: MultivariateNormalRef(r(L3), r(TRIL3) @ np.swapaxes(r(TRIL3), -1, -2)),
        (2,),
        (3,),
    ),
    Case(
        "mvn-precision",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(L3), precision_matrix=c(PREC3)),
        lambda r: MultivariateNormalRef(r(L3), np.linalg.inv(r(PREC3))),
        (2,),
        (3,),
    ),
    Case(
        "mvn-2x-batch",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(
            c(LOC3B[None, :, :] + np.arange(2.0)[:, None, None]), covariance_matrix=c(COV3B)
        ),
        lambda r: MultivariateNormalRef(r(LOC3B[None] + np.arange(2.0)[:, None, None]), r(COV3B)),
        (2, 4),
        (3,),
    ),
    Case(
        "mvn-tiny-cov",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c([0.5, -1.0]), covariance_matrix=c(1e-6 * COV2)),
        lambda r: MultivariateNormalRef(r([0.5, -1.0]), r(1e-6 * COV2)),
        (),
        (2,),
        tags=frozenset({"tiny"}),
    ),
    Case(
        "mvn-huge-cov",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c([1e3, 0.0]), covariance_matrix=c(1e6 * COV2)),
        lambda r: MultivariateNormalRef(r([1e3, 0.0]), r(1e6 * COV2)),
        (),
        (2,),
        tags=frozenset({"huge"}),
    ),
    # --- Independent
    Case(
        "independent-tutorial",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L32), c(S32)), 1),
        lambda r: NormalRef(r(L32), r(S32), 1),
        (3,),
        (2,),
    ),
    Case(
        "independent-2-dims",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L234), c(S234)), 2),
        lambda r: NormalRef(r(L234), r(S234), 2),
        (2,),
        (3, 4),
    ),
    Case(
        "independent-all-dims",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L234), c(S234)), 3),
        lambda r: NormalRef(r(L234), r(S234), 3),
        (),
        (2, 3, 4),
    ),
    Case(
        "independent-zero-dims",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L3), c(S3)), 0),
        lambda r: NormalRef(r(L3), r(S3), 0),
        (3,),
        (),
    ),
    Case(
        "independent-broadcast",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L32), 0.5), 1),
        lambda r: NormalRef(r(L32), 0.5, 1),
        (3,),
        (2,),
    ),
    Case(
        "independent-tiny",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L3), c(S3 * 1e-4)), 1),
        lambda r: NormalRef(r(L3), r(S3 * 1e-4), 1),
        (),
        (3,),
        tags=frozenset({"tiny"}),
    ),
    Case(
        "independent-huge",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L3), c(S3 * 1e5)), 1),
        lambda r: NormalRef(r(L3), r(S3 * 1e5), 1),
        (),
        (3,),
        tags=frozenset({"huge"}),
    ),
    Case(
        "independent-of-mvn",
        "Independent",
        lambda lib, c: lib.Independent(lib.MultivariateNormal(c(LOC3B), covariance_matrix=c(COV3B)), 1),
        lambda r: _IndependentMVNRef(r(LOC3B), r(COV3B)),
        (),
        (4, 3),
    ),
    Case(
        "independent-python-scalars",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(0.0, 1.0).expand((4,)), 1),
        lambda r: NormalRef(np.zeros(4), np.ones(4), 1),
        (),
        (4,),
        tags=frozenset({"neutral"}),
    ),
    Case(
        "independent-column-row",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L3[:, None]), c(S3[None, :2])), 1),
        lambda r: NormalRef(r(L3[:, None]), r(S3[None, :2]), 1),
        (3,),
        (2,),
    ),
]


class _IndependentMVNRef(MultivariateNormalRef):
    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return super().log_prob(x).sum(-1)

    def entropy(self) -> np.ndarray:
        return super().entropy().sum(-1)


CASES_BY_NAME = {c.name: c for c in CASES}
