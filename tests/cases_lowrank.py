"""Registry cases of ``LowRankMultivariateNormal``, with a reference on SciPy's ``multivariate_normal`` of the dense
covariance ``W W^T + diag(D)`` built here in float64 (never the family's Woodbury formulas)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from _case import Case, Conv, Partner
from _stats import whiten


class LowRankRef:
    """A multivariate normal of mean ``loc`` and covariance ``cov`` (any batch shapes, broadcast), on SciPy."""

    def __init__(self, loc: Any, cov: np.ndarray) -> None:
        loc, cov = np.asarray(loc, np.float64), np.asarray(cov, np.float64)
        self.batch = np.broadcast_shapes(loc.shape[:-1], cov.shape[:-2])
        n = loc.shape[-1]
        self.loc = np.broadcast_to(loc, (*self.batch, n))
        self.cov = np.broadcast_to(cov, (*self.batch, n, n))

    @classmethod
    def low_rank(cls, loc: Any, cov_factor: Any, cov_diag: Any) -> LowRankRef:
        w, d = np.asarray(cov_factor, np.float64), np.asarray(cov_diag, np.float64)
        return cls(loc, w @ np.swapaxes(w, -1, -2) + d[..., None] * np.eye(d.shape[-1]))

    def _frozen(self, idx: tuple[int, ...]) -> Any:
        return stats.multivariate_normal(self.loc[idx], self.cov[idx])

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        x = np.broadcast_to(x, np.broadcast_shapes(x.shape, self.loc.shape))
        out = np.empty(x.shape[:-1])
        for idx in np.ndindex(*self.batch):
            out[(..., *idx)] = self._frozen(idx).logpdf(x[(..., *idx, slice(None))])
        return out

    def entropy(self) -> np.ndarray:
        out = np.empty(self.batch)
        for idx in np.ndindex(*self.batch):
            out[idx] = self._frozen(idx).entropy()
        return out

    @property
    def mean(self) -> np.ndarray:
        return self.loc

    mode = mean

    @property
    def variance(self) -> np.ndarray:
        return np.diagonal(self.cov, axis1=-2, axis2=-1)

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n = self.loc.shape[-1]
        return whiten(draws.reshape(draws.shape[0], -1, n), self.loc.reshape(-1, n), self.cov.reshape(-1, n, n))

    def kl_divergence(self, other: Any) -> np.ndarray:
        """(tr(S_q^-1 S_p) + d' S_q^-1 d - n + log det S_q - log det S_p) / 2 with d = m_q - m_p, on the dense
        matrices (``other``: any reference with ``loc`` and ``cov``)."""
        shape = np.broadcast_shapes(self.batch, other.loc.shape[:-1], other.cov.shape[:-2])
        n = self.loc.shape[-1]
        cov_p, cov_q = np.broadcast_to(self.cov, (*shape, n, n)), np.broadcast_to(other.cov, (*shape, n, n))
        delta = np.broadcast_to(other.loc - self.loc, (*shape, n))
        trace = np.trace(np.linalg.solve(cov_q, cov_p), axis1=-2, axis2=-1)
        mahalanobis = np.einsum("...i,...i->...", delta, np.linalg.solve(cov_q, delta[..., None])[..., 0])
        return 0.5 * (trace + mahalanobis - n + np.linalg.slogdet(cov_q)[1] - np.linalg.slogdet(cov_p)[1])


def _build(loc: Any, cov_factor: Any, cov_diag: Any) -> tuple[Callable[[Any, Conv], Any], Callable[[Conv], Any]]:
    def build(lib: Any, c: Conv) -> Any:
        return lib.LowRankMultivariateNormal(c(loc), c(cov_factor), c(cov_diag))

    return build, lambda r: LowRankRef.low_rank(r(loc), r(cov_factor), r(cov_diag))


def _case(name: str, params: tuple[Any, Any, Any], partner: tuple[Any, Any, Any], **kw: Any) -> Case:
    return Case(name, "LowRankMultivariateNormal", *_build(*params), kl_partner=Partner(*_build(*partner)), **kw)


_rng = np.random.default_rng(20261207)
#: a (3,) batch of means, a (2, 1) batch of factors and one shared diagonal: batch (2, 3), event (4,), rank 2
BROADCAST = (_rng.standard_normal((3, 4)), _rng.standard_normal((2, 1, 4, 2)), _rng.uniform(0.3, 2.0, 4))
BROADCAST_PARTNER = (_rng.standard_normal((3, 4)), 0.7 * _rng.standard_normal((2, 1, 4, 2)), _rng.uniform(0.3, 2.0, 4))
SINGLE = ([0.5, -1.0, 2.0], [[1.0], [0.5], [-0.3]], [0.4, 1.0, 2.5])
SINGLE_PARTNER = ([0.0, -0.5, 1.0], [[0.2], [-1.0], [0.8]], [1.5, 0.3, 0.9])
#: D a million times smaller than W W^T: the covariance's condition number is about 1e6, and Sigma^-1 is
#: dominated by D^-1 off W's column space (the Woodbury terms cancel to about that factor)
TINY_W = _rng.standard_normal((4, 2))
TINY = (_rng.standard_normal(4), TINY_W, np.full(4, 1e-6) * _rng.uniform(0.5, 2.0, 4))
TINY_PARTNER = (
    TINY[0] + 1e-3,
    TINY_W + 0.3 * _rng.standard_normal((4, 2)),
    np.full(4, 2e-6) * _rng.uniform(0.5, 2.0, 4),
)

CASES = [
    _case(
        "lowrank-broadcast",
        BROADCAST,
        BROADCAST_PARTNER,
        batch_shape=(2, 3),
        event_shape=(4,),
        tags=frozenset({"matrix"}),
    ),
    _case("lowrank-single", SINGLE, SINGLE_PARTNER, batch_shape=(), event_shape=(3,)),
    _case(
        "lowrank-tiny-diag",
        TINY,
        TINY_PARTNER,
        batch_shape=(),
        event_shape=(4,),
        tags=frozenset({"tiny"}),
        floors={"log_prob": 50.0, "prob": 3e3},
        floors_why="log|Sigma| = log|C| + log|D| adds terms of about +28 and -55, rounded relative to their size, and "
        "the Woodbury residual is exact to eps cond(C) |z| with |z| about 1e3: float32 errors of 1e-4 to 3e-4 on log "
        "densities of about 4 (and that relative error on densities of up to about 100: prob)",
        torch_differs=frozenset({"log_prob", "kl"}),
        torch_differs_why="torch.distributions subtracts the Woodbury term from ||D^-1/2 (x - loc)||^2 (and traces "
        "likewise in KL), which cancels to eps |z|^2 = 0.1-1 here in float32: its log_prob is 0.3 off and its "
        "KL(p || p) is 0.5; ours sums squares (see LowRankMultivariateNormal._mahalanobis_sq), checked against SciPy",
    ),
]
