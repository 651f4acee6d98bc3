"""The case registry: every public distribution lists named parameter sets here.

A case builds the same distribution from ``arraydist`` or from ``torch.distributions`` (same API) with the
parameters converted by ``conv``, and gives a NumPy/SciPy reference built from the very same (dtype-rounded)
parameter values.  Capability fields (``has_rsample``, ``has_cdf``, ``has_icdf``, ``has_enumerate_support``,
``discrete``, ``implicit_reparam``) tell the generic tests what to check, and ``kl_partner`` gives a second
distribution of the same family for the KL tests.  ``test_registry.py`` fails when a public distribution has no
case or when a case's fields disagree with the distribution it builds.  How the cases are spread over the
backends (every case on NumPy and torch, a subset elsewhere) is decided in ``_matrix.py``; how to add a family
is written in ``docs/testing.md``.

Reference protocol (NumPy/SciPy, float64): ``log_prob(x)``, ``entropy()``, ``mean``, ``mode``, ``variance``;
``cdf`` (with ``log_cdf``, ``survival_function`` and ``log_survival_function``, accurate in the tails)/``icdf``
where the case says so; one goodness-of-fit protocol of ``_stats.normal_scores``
(``marginal_cdfs``, ``marginal_pmf`` or ``normal_scores``); optionally ``kl_divergence(other_ref)`` in closed
form (otherwise the KL test estimates it by Monte Carlo from ``log_prob`` of both references).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from _case import KNOWN_TAGS, Case, Conv, DiscreteRef, Partner
from _stats import whiten

__all__ = ["CASES", "CASES_BY_NAME", "KNOWN_TAGS", "Case", "Conv", "DiscreteRef", "Partner"]


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

    def log_cdf(self, x: np.ndarray) -> np.ndarray:
        return self.d.logcdf(x)

    def survival_function(self, x: np.ndarray) -> np.ndarray:
        return self.d.sf(x)

    def log_survival_function(self, x: np.ndarray) -> np.ndarray:
        return self.d.logsf(x)

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

    def marginal_cdfs(self) -> tuple[tuple[int, ...], Callable[[np.ndarray], np.ndarray]]:
        """(broadcast shape of one draw, CDF of each coordinate) for goodness-of-fit tests."""
        return self.loc.shape, self.d.cdf

    def kl_divergence(self, other: NormalRef) -> np.ndarray:
        """Closed form: log(s_q / s_p) + (s_p^2 + (m_p - m_q)^2) / (2 s_q^2) - 1/2, summed over ``ndims``."""
        ratio = self.scale / other.scale
        return self._sum(-np.log(ratio) + 0.5 * (ratio**2 + ((self.loc - other.loc) / other.scale) ** 2) - 0.5)


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

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Each member's draws whitened by its own Cholesky factor: every coordinate iid N(0, 1)."""
        n = self.loc.shape[-1]
        x = draws.reshape(draws.shape[0], -1, n)
        return whiten(x, self.loc.reshape(-1, n), self.cov.reshape(-1, n, n))

    def kl_divergence(self, other: MultivariateNormalRef) -> np.ndarray:
        """Closed form: (tr(S_q^-1 S_p) + d' S_q^-1 d - n + log det S_q - log det S_p) / 2, d = m_q - m_p."""
        n = self.loc.shape[-1]
        cov_q = np.broadcast_to(other.cov, self.cov.shape)
        delta = np.broadcast_to(other.loc, self.loc.shape) - self.loc
        trace = np.trace(np.linalg.solve(cov_q, self.cov), axis1=-2, axis2=-1)
        mahalanobis = np.einsum("...i,...i->...", delta, np.linalg.solve(cov_q, delta[..., None])[..., 0])
        logdets = np.linalg.slogdet(cov_q)[1] - np.linalg.slogdet(self.cov)[1]
        return 0.5 * (trace + mahalanobis - n + logdets)


# ---------------------------------------------------------------------------------------------- cases
def _spd(n: int, seed: int, batch: tuple[int, ...] = (), cond: float = 10.0) -> np.ndarray:
    """Symmetric positive definite matrices with condition number about ``cond``."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((*batch, n, n)))
    eig = np.exp(np.linspace(0, np.log(cond), n)) * 0.5
    return (q * eig[..., None, :]) @ np.swapaxes(q, -1, -2)


def _normal_partner(loc: Any, scale: Any, ndims: int | None = None, convert: bool = True) -> Partner:
    """Normal (``ndims`` None) or Independent(Normal, ndims) with these parameters; ``convert=False`` keeps
    Python numbers (a neutral partner)."""

    def build(lib: Any, c: Conv) -> Any:
        d = lib.Normal(c(loc), c(scale)) if convert else lib.Normal(loc, scale)
        return d if ndims is None else lib.Independent(d, ndims)

    return Partner(
        build, lambda r: NormalRef(r(loc), r(scale), ndims or 0) if convert else NormalRef(loc, scale, ndims or 0)
    )


def _mvn_partner(loc: Any, cov: np.ndarray, form: str = "covariance_matrix", independent: int | None = None) -> Partner:
    """MultivariateNormal with covariance ``cov`` given as ``form`` (covariance_matrix, scale_tril or
    precision_matrix), optionally inside Independent."""
    given = {"covariance_matrix": cov, "scale_tril": np.linalg.cholesky(cov), "precision_matrix": np.linalg.inv(cov)}[
        form
    ]

    def build(lib: Any, c: Conv) -> Any:
        d = lib.MultivariateNormal(c(loc), **{form: c(given)})
        return d if independent is None else lib.Independent(d, independent)

    def reference(r: Conv) -> Any:
        g = r(given)
        rounded = {
            "covariance_matrix": g,
            "scale_tril": g @ np.swapaxes(g, -1, -2),
            "precision_matrix": np.linalg.inv(g),
        }
        return (MultivariateNormalRef if independent is None else _IndependentMVNRef)(r(loc), rounded[form])

    return Partner(build, reference)


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
        has_icdf=True,
        kl_partner=_normal_partner(-0.4, 0.9),
    ),
    Case(
        "normal-python-scalars",
        "Normal",
        lambda lib, c: lib.Normal(0.0, 1.0),
        lambda r: NormalRef(0.0, 1.0),
        (),
        has_cdf=True,
        has_icdf=True,
        tags=frozenset({"neutral"}),
        kl_partner=_normal_partner(0.5, 2.0, convert=False),
    ),
    Case(
        "normal-batched",
        "Normal",
        lambda lib, c: lib.Normal(c(L3), c(S3)),
        lambda r: NormalRef(r(L3), r(S3)),
        (3,),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_normal_partner(L3[::-1] + 0.3, S3 * 0.7),
    ),
    Case(
        "normal-broadcast",
        "Normal",
        lambda lib, c: lib.Normal(c(L234), c(S234[0, 0])),
        lambda r: NormalRef(r(L234), r(S234[0, 0])),
        (2, 3, 4),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_normal_partner(0.5 * L234 + 0.3, S234[0, 0] + 0.4),
        tags=frozenset({"matrix"}),
    ),
    Case(
        "normal-broadcast-scalar-scale",
        "Normal",
        lambda lib, c: lib.Normal(c(L3), 2.5),
        lambda r: NormalRef(r(L3), 2.5),
        (3,),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_normal_partner(L3 + 1.0, S3[::-1]),
    ),
    Case(
        "normal-tutorial",
        "Normal",
        lambda lib, c: lib.Normal(c(L32), c(S32)),
        lambda r: NormalRef(r(L32), r(S32)),
        (3, 2),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_normal_partner(L32[::-1], 2.0 * S32),
    ),
    Case(
        "normal-tiny-scale",
        "Normal",
        lambda lib, c: lib.Normal(c([0.5, -2.0]), c([1e-4, 1e-3])),
        lambda r: NormalRef(r([0.5, -2.0]), r([1e-4, 1e-3])),
        (2,),
        has_cdf=True,
        has_icdf=True,
        tags=frozenset({"tiny"}),
        kl_partner=_normal_partner([0.5 + 2e-4, -2.0 - 1e-3], [2e-4, 5e-4]),
    ),
    Case(
        "normal-huge-scale",
        "Normal",
        lambda lib, c: lib.Normal(c([1e3, 0.0]), c([1e4, 1e6])),
        lambda r: NormalRef(r([1e3, 0.0]), r([1e4, 1e6])),
        (2,),
        has_cdf=True,
        has_icdf=True,
        tags=frozenset({"huge"}),
        kl_partner=_normal_partner([0.0, 3e5], [2e4, 5e5]),
    ),
    Case(
        "normal-column-row",
        "Normal",
        lambda lib, c: lib.Normal(c(L3[:, None]), c(S3[None, :2])),
        lambda r: NormalRef(r(L3[:, None]), r(S3[None, :2])),
        (3, 2),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_normal_partner(L3[:, None] - 0.5, S3[None, 1:]),
    ),
    Case(
        "normal-far-tail-loc",
        "Normal",
        lambda lib, c: lib.Normal(c([-50.0, 80.0]), c([2.0, 0.5])),
        lambda r: NormalRef(r([-50.0, 80.0]), r([2.0, 0.5])),
        (2,),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_normal_partner([-48.0, 79.0], [3.0, 0.4]),
    ),
    # --- MultivariateNormal
    Case(
        "mvn-tutorial",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(L32), covariance_matrix=c(DIAG_COV)),
        lambda r: MultivariateNormalRef(r(L32), r(DIAG_COV)),
        (3,),
        (2,),
        kl_partner=_mvn_partner(L32 + 0.2, DIAG_COV + 0.05),
    ),
    Case(
        "mvn-single",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(L3), covariance_matrix=c(COV3)),
        lambda r: MultivariateNormalRef(r(L3), r(COV3)),
        (),
        (3,),
        kl_partner=_mvn_partner(L3[::-1], _spd(3, 13)),
    ),
    Case(
        "mvn-batched-cov",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(LOC3B), covariance_matrix=c(COV3B)),
        lambda r: MultivariateNormalRef(r(LOC3B), r(COV3B)),
        (4,),
        (3,),
        kl_partner=_mvn_partner(0.5 * LOC3B, _spd(3, 12, (4,))),
        tags=frozenset({"matrix"}),
    ),
    Case(
        "mvn-loc-batch-shared-cov",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(LOC2B), covariance_matrix=c(COV2)),
        lambda r: MultivariateNormalRef(r(LOC2B), r(COV2)),
        (5,),
        (2,),
        kl_partner=_mvn_partner(LOC2B + 1.0, _spd(2, 11)),
    ),
    Case(
        "mvn-shared-loc-batch-cov",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(L3), covariance_matrix=c(COV3B)),
        lambda r: MultivariateNormalRef(r(L3), r(COV3B)),
        (4,),
        (3,),
        kl_partner=_mvn_partner(L3 - 1.0, _spd(3, 14, (4,)), form="scale_tril"),
    ),
    Case(
        "mvn-scale-tril",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(L3), scale_tril=c(TRIL3)),
        lambda r: MultivariateNormalRef(r(L3), r(TRIL3) @ np.swapaxes(r(TRIL3), -1, -2)),
        (2,),
        (3,),
        kl_partner=_mvn_partner(L3 + 0.5, _spd(3, 15, (2,)), form="scale_tril"),
    ),
    Case(
        "mvn-precision",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c(L3), precision_matrix=c(PREC3)),
        lambda r: MultivariateNormalRef(r(L3), np.linalg.inv(r(PREC3))),
        (2,),
        (3,),
        kl_partner=_mvn_partner(L3 * 2.0, _spd(3, 16, (2,)), form="precision_matrix"),
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
        kl_partner=_mvn_partner(LOC3B[None] - np.arange(2.0)[:, None, None], _spd(3, 17, (4,))),
    ),
    Case(
        "mvn-tiny-cov",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c([0.5, -1.0]), covariance_matrix=c(1e-6 * COV2)),
        lambda r: MultivariateNormalRef(r([0.5, -1.0]), r(1e-6 * COV2)),
        (),
        (2,),
        tags=frozenset({"tiny"}),
        kl_partner=_mvn_partner([0.5 + 1e-3, -1.0], 2e-6 * _spd(2, 18)),
    ),
    Case(
        "mvn-huge-cov",
        "MultivariateNormal",
        lambda lib, c: lib.MultivariateNormal(c([1e3, 0.0]), covariance_matrix=c(1e6 * COV2)),
        lambda r: MultivariateNormalRef(r([1e3, 0.0]), r(1e6 * COV2)),
        (),
        (2,),
        tags=frozenset({"huge"}),
        kl_partner=_mvn_partner([0.0, 2e3], 3e6 * _spd(2, 19)),
    ),
    # --- Independent
    Case(
        "independent-tutorial",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L32), c(S32)), 1),
        lambda r: NormalRef(r(L32), r(S32), 1),
        (3,),
        (2,),
        kl_partner=_normal_partner(L32 - 1.0, S32 * 1.7, 1),
    ),
    Case(
        "independent-2-dims",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L234), c(S234)), 2),
        lambda r: NormalRef(r(L234), r(S234), 2),
        (2,),
        (3, 4),
        kl_partner=_normal_partner(L234[::-1], S234[:, ::-1], 2),
        tags=frozenset({"matrix"}),
    ),
    Case(
        "independent-all-dims",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L234), c(S234)), 3),
        lambda r: NormalRef(r(L234), r(S234), 3),
        (),
        (2, 3, 4),
        kl_partner=_normal_partner(L234 + 0.5, 1.3 * S234[::-1], 3),  # (S234[::-1] alone: a symmetric KL)
    ),
    Case(
        "independent-zero-dims",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L3), c(S3)), 0),
        lambda r: NormalRef(r(L3), r(S3), 0),
        (3,),
        (),
        kl_partner=_normal_partner(L3[::-1] + 0.2, S3[::-1] * 1.3, 0),
    ),
    Case(
        "independent-broadcast",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L32), 0.5), 1),
        lambda r: NormalRef(r(L32), 0.5, 1),
        (3,),
        (2,),
        kl_partner=_normal_partner(L32 * 0.5, S32 + 0.3, 1),
    ),
    Case(
        "independent-tiny",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L3), c(S3 * 1e-4)), 1),
        lambda r: NormalRef(r(L3), r(S3 * 1e-4), 1),
        (),
        (3,),
        tags=frozenset({"tiny"}),
        kl_partner=_normal_partner(L3 + 1e-4, S3[::-1] * 1.5e-4, 1),  # (S3[::-1] * 1e-4: a symmetric KL)
    ),
    Case(
        "independent-huge",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L3), c(S3 * 1e5)), 1),
        lambda r: NormalRef(r(L3), r(S3 * 1e5), 1),
        (),
        (3,),
        tags=frozenset({"huge"}),
        kl_partner=_normal_partner(L3 * 1e5, S3[::-1] * 1e5, 1),
    ),
    Case(
        "independent-of-mvn",
        "Independent",
        lambda lib, c: lib.Independent(lib.MultivariateNormal(c(LOC3B), covariance_matrix=c(COV3B)), 1),
        lambda r: _IndependentMVNRef(r(LOC3B), r(COV3B)),
        (),
        (4, 3),
        kl_partner=_mvn_partner(0.5 * LOC3B, _spd(3, 12, (4,)), independent=1),
    ),
    Case(
        "independent-python-scalars",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(0.0, 1.0).expand((4,)), 1),
        lambda r: NormalRef(np.zeros(4), np.ones(4), 1),
        (),
        (4,),
        tags=frozenset({"neutral"}),
        kl_partner=Partner(
            lambda lib, c: lib.Independent(lib.Normal(0.5, 2.0).expand((4,)), 1),
            lambda r: NormalRef(np.full(4, 0.5), np.full(4, 2.0), 1),
        ),
    ),
    Case(
        "independent-column-row",
        "Independent",
        lambda lib, c: lib.Independent(lib.Normal(c(L3[:, None]), c(S3[None, :2])), 1),
        lambda r: NormalRef(r(L3[:, None]), r(S3[None, :2]), 1),
        (3,),
        (2,),
        kl_partner=_normal_partner(L3[:, None] + 1.0, S3[None, 1:], 1),
    ),
]


class _IndependentMVNRef(MultivariateNormalRef):
    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return super().log_prob(x).sum(-1)

    def entropy(self) -> np.ndarray:
        return super().entropy().sum(-1)

    def kl_divergence(self, other: MultivariateNormalRef) -> np.ndarray:
        return super().kl_divergence(other).sum(-1)


# The other families, one module of cases per group (each module's CASES, in registry order).
from cases_binary import CASES as _BINARY  # noqa: E402
from cases_categorical import CASES as _CATEGORICAL  # noqa: E402
from cases_counts import CASES as _COUNTS  # noqa: E402
from cases_elementary import CASES as _ELEMENTARY  # noqa: E402
from cases_gamma import CASES as _GAMMA  # noqa: E402
from cases_lowrank import CASES as _LOWRANK  # noqa: E402
from cases_matrix import CASES as _MATRIX  # noqa: E402
from cases_mixture import CASES as _MIXTURE  # noqa: E402
from cases_relaxed import CASES as _RELAXED  # noqa: E402
from cases_shapes import CASES as _SHAPES  # noqa: E402
from cases_simplex import CASES as _SIMPLEX  # noqa: E402
from cases_transformed import CASES as _TRANSFORMED  # noqa: E402
from cases_truncated import CASES as _TRUNCATED  # noqa: E402

CASES += _BINARY + _CATEGORICAL + _COUNTS + _TRANSFORMED
CASES += _SHAPES
CASES += _ELEMENTARY
CASES += _TRUNCATED
CASES += _GAMMA
CASES += _LOWRANK
CASES += _RELAXED
CASES += _MIXTURE
CASES += _SIMPLEX
CASES += _MATRIX

CASES_BY_NAME = {c.name: c for c in CASES}
