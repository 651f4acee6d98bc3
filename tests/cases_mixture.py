"""Registry cases of ``MixtureSameFamily``: Normal components (batched, their parameters broadcast), MultivariateNormal
components (vector events) and a mixture with a weight of exactly 0; references are weighted sums of SciPy's
component densities.

A mixture has no entropy and no mode in closed form (torch.distributions has neither): ``has_entropy=False`` and
``has_mode=False``, and the harness checks that they raise, naming the class.  Its sampler is checked by the
mixture's CDF (Normal components) or by the Rosenblatt transform (vector events: each coordinate's CDF given the
ones before it, a mixture of the components' conditional normals under the posterior weights of the components).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special, stats

from _case import Case
from _stats import scores_of


def _log(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):  # a weight of 0: log 0 = -inf, the answer
        return np.log(p)


def _weights(probs: Any = None, logits: Any = None) -> np.ndarray:
    """The normalized weights, as Categorical normalizes them."""
    if probs is not None:
        p = np.asarray(probs, np.float64)
        return p / p.sum(axis=-1, keepdims=True)
    return special.softmax(np.asarray(logits, np.float64), axis=-1)


class NormalMixtureRef:
    """Mixture of Normal components ``(loc, scale)`` of batch ``batch + (K,)`` with weights ``probs``."""

    def __init__(self, probs: np.ndarray, loc: Any, scale: Any) -> None:
        loc, scale = np.broadcast_arrays(np.asarray(loc, np.float64), np.asarray(scale, np.float64))
        self.probs = np.broadcast_to(probs, loc.shape)
        self.loc, self.scale = loc, scale
        self.shape = loc.shape[:-1]
        self.d = stats.norm(loc, scale)

    def _mix_log(self, log_values: np.ndarray) -> np.ndarray:
        return special.logsumexp(log_values + _log(self.probs), axis=-1)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return self._mix_log(self.d.logpdf(np.asarray(x)[..., None]))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return (self.probs * self.d.cdf(np.asarray(x)[..., None])).sum(axis=-1)

    def survival_function(self, x: np.ndarray) -> np.ndarray:
        return (self.probs * self.d.sf(np.asarray(x)[..., None])).sum(axis=-1)

    def log_cdf(self, x: np.ndarray) -> np.ndarray:
        return self._mix_log(self.d.logcdf(np.asarray(x)[..., None]))

    def log_survival_function(self, x: np.ndarray) -> np.ndarray:
        return self._mix_log(self.d.logsf(np.asarray(x)[..., None]))

    @property
    def mean(self) -> np.ndarray:
        return (self.probs * self.loc).sum(axis=-1)

    @property
    def variance(self) -> np.ndarray:
        spread = self.loc - self.mean[..., None]
        return (self.probs * (self.scale**2 + spread**2)).sum(axis=-1)

    def marginal_cdfs(self) -> tuple[tuple[int, ...], Callable[[np.ndarray], np.ndarray]]:
        return self.shape, self.cdf


class MVNMixtureRef:
    """Mixture of MultivariateNormal components ``(loc, cov)`` of batch ``batch + (K,)`` with weights ``probs``."""

    def __init__(self, probs: np.ndarray, loc: np.ndarray, cov: np.ndarray) -> None:
        self.probs = np.asarray(probs, np.float64)
        self.loc = np.asarray(loc, np.float64)
        self.cov = np.asarray(cov, np.float64)
        self.shape = self.loc.shape[:-2]
        self.k, self.n = self.loc.shape[-2:]

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64)
        lead = x.shape[: x.ndim - 1 - len(self.shape)]
        x = np.broadcast_to(x, (*lead, *self.shape, self.n))
        out = np.empty((*lead, *self.shape, self.k))
        for idx in np.ndindex(*self.shape, self.k):
            out[(..., *idx)] = stats.multivariate_normal(self.loc[idx], self.cov[idx]).logpdf(
                x[(..., *idx[:-1], slice(None))]
            )
        return special.logsumexp(out + _log(self.probs), axis=-1)

    @property
    def mean(self) -> np.ndarray:
        return (self.probs[..., None] * self.loc).sum(axis=-2)

    @property
    def variance(self) -> np.ndarray:
        spread = self.loc - self.mean[..., None, :]
        within = np.diagonal(self.cov, axis1=-2, axis2=-1)
        return (self.probs[..., None] * (within + spread**2)).sum(axis=-2)

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The Rosenblatt transform: coordinate ``j`` of each draw through its CDF given coordinates ``< j``, a
        mixture of the components' conditional normals weighted by the components' posterior probabilities given
        those coordinates.  Every column is iid N(0, 1) for a correct sampler."""
        m = int(np.prod(self.shape))
        n = draws.shape[0]
        x = draws.reshape(n, m, self.n).astype(np.float64)
        loc = self.loc.reshape(m, self.k, self.n)
        cov = self.cov.reshape(m, self.k, self.n, self.n)
        log_post = np.broadcast_to(_log(self.probs.reshape(m, self.k)), (n, m, self.k)).copy()
        scores = np.empty((n, m, self.n))
        for j in range(self.n):
            if j:
                gain = np.linalg.solve(cov[:, :, :j, :j], cov[:, :, :j, j, None])[..., 0]  # (m, k, j)
                diff = x[:, :, None, :j] - loc[None, :, :, :j]
                mean = loc[None, :, :, j] + np.einsum("mkj,nmkj->nmk", gain, diff)
                var = cov[:, :, j, j] - np.einsum("mkj,mkj->mk", gain, cov[:, :, :j, j])
            else:
                mean, var = np.broadcast_to(loc[None, :, :, 0], (n, m, self.k)), cov[:, :, 0, 0]
            sd = np.sqrt(var)[None]
            post = special.softmax(log_post, axis=-1)
            u = (post * stats.norm.cdf(x[:, :, None, j], mean, sd)).sum(axis=-1)
            scores[:, :, j] = scores_of(u)
            log_post += stats.norm.logpdf(x[:, :, None, j], mean, sd)
        return scores.reshape(n, m * self.n)


def _spd(n: int, seed: int, batch: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((*batch, n, n))
    return a @ np.swapaxes(a, -1, -2) / n + 0.3 * np.eye(n)


_rng = np.random.default_rng(20261207)
#: batch (2, 3), 4 components: the weights per member, the components' locations broadcast along the batch rows
#: and their scales along the batch columns
PROBS_234 = _rng.uniform(0.1, 1.0, (2, 3, 4))
LOC_214 = _rng.normal(0.0, 3.0, (2, 1, 4))
SCALE_34 = _rng.uniform(0.3, 2.0, (3, 4))
#: batch (2,), 3 components of dimension 2
LOGITS_23 = _rng.normal(0.0, 1.0, (2, 3))
LOC_232 = _rng.normal(0.0, 2.0, (2, 3, 2))
COV_2322 = _spd(2, 5, (2, 3))
#: one mixture whose middle component has weight exactly 0
PROBS_ZERO = np.array([0.3, 0.0, 0.7])
LOC_ZERO = np.array([-2.0, 0.0, 3.0])
SCALE_ZERO = np.array([0.5, 1.0, 2.0])

CASES: list[Case] = [
    Case(
        "mixture-normal-broadcast",
        "MixtureSameFamily",
        lambda lib, c: lib.MixtureSameFamily(lib.Categorical(probs=c(PROBS_234)), lib.Normal(c(LOC_214), c(SCALE_34))),
        lambda r: NormalMixtureRef(_weights(r(PROBS_234)), r(LOC_214), r(SCALE_34)),
        (2, 3),
        has_rsample=False,
        has_cdf=True,
        has_entropy=False,
        has_mode=False,
        tags=frozenset({"matrix"}),
    ),
    Case(
        "mixture-mvn",
        "MixtureSameFamily",
        lambda lib, c: lib.MixtureSameFamily(
            lib.Categorical(logits=c(LOGITS_23)), lib.MultivariateNormal(c(LOC_232), covariance_matrix=c(COV_2322))
        ),
        lambda r: MVNMixtureRef(_weights(logits=r(LOGITS_23)), r(LOC_232), r(COV_2322)),
        (2,),
        (2,),
        has_rsample=False,
        has_entropy=False,
        has_mode=False,
    ),
    Case(
        "mixture-zero-weight",
        "MixtureSameFamily",
        lambda lib, c: lib.MixtureSameFamily(
            lib.Categorical(probs=c(PROBS_ZERO)), lib.Normal(c(LOC_ZERO), c(SCALE_ZERO))
        ),
        lambda r: NormalMixtureRef(_weights(r(PROBS_ZERO)), r(LOC_ZERO), r(SCALE_ZERO)),
        (),
        has_rsample=False,
        has_cdf=True,
        has_entropy=False,
        has_mode=False,
        # a weight of exactly 0 is on the edge of the simplex: a finite difference would step outside it
        tags=frozenset({"boundary"}),
    ),
]
