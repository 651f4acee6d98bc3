"""Registry cases of the matrix families: Wishart and LKJCholesky (see ``cases.py`` and ``docs/testing.md``).

Wishart's reference is ``scipy.stats.wishart`` member by member (log density, mean, variance, entropy; the mode
in torch.distributions' convention, NaN where ``df <= p + 1``).  LKJCholesky's density is written out here from
the onion construction (each row's off-diagonal part ``w_i`` is ``sqrt(y_i) u_i``, ``y_i ~ Beta(i/2, alpha -
i/2)`` and ``u_i`` uniform on the sphere), its normalizer from the gamma function; SciPy has no LKJ.

Goodness of fit (``normal_scores``) inverts each construction, so that a correct sampler gives iid N(0, 1)
columns: for Wishart the Bartlett factor ``A`` of ``L^-1 X L^-T = A A^T`` (``A_ii^2 ~ chi2(df - i)``, normals
below the diagonal, all independent); for LKJ each row's ``L_ii^2 ~ Beta(alpha - i/2, i/2)`` and its direction on
the sphere, taken apart coordinate by coordinate (the first coordinate ``t`` of a uniform point of the sphere in
``R^k`` has ``(t + 1)/2 ~ Beta((k - 1)/2, (k - 1)/2)``, the rest divided by ``sqrt(1 - t^2)`` is uniform on the
sphere of ``R^(k-1)``, down to a sign, scored by the randomized probability integral transform).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

from _case import Case, Partner
from _stats import scores_of


def _members(x: np.ndarray, batch: tuple[int, ...], event_ndim: int = 2) -> np.ndarray:
    """``x`` of shape ``(..., *batch, *event)`` as ``(m, members, *event)`` (leading dimensions flattened)."""
    event = x.shape[x.ndim - event_ndim :]
    x = np.broadcast_to(x, np.broadcast_shapes(x.shape, batch + event))
    return x.reshape(-1, int(np.prod(batch, dtype=int)), *event)


def _cholesky_clamped(b: np.ndarray) -> np.ndarray:
    """Cholesky factors of matrices ``(n, p, p)``, a pivot below 0 taken as 0: a float32 draw with eigenvalues
    about 1e-7 of its largest (``df`` near ``p - 1``, a last chi-square near 0) can round to an indefinite matrix;
    its Bartlett diagonal is then 0, whose chi-square CDF (about 0) is where the draw was."""
    p = b.shape[-1]
    a = np.zeros_like(b)
    for j in range(p):
        pivot = np.sqrt(np.maximum(b[:, j, j] - (a[:, j, :j] ** 2).sum(-1), 0.0))
        a[:, j, j] = pivot
        for i in range(j + 1, p):
            below = b[:, i, j] - (a[:, i, :j] * a[:, j, :j]).sum(-1)
            a[:, i, j] = below / np.where(pivot > 0, pivot, np.inf)
    return a


class WishartRef:
    def __init__(self, df: Any, cov: Any) -> None:
        df, cov = np.asarray(df, np.float64), np.asarray(cov, np.float64)
        self.batch = np.broadcast_shapes(df.shape, cov.shape[:-2])
        self.p = cov.shape[-1]
        self.df = np.broadcast_to(df, self.batch)
        self.cov = np.broadcast_to(cov, (*self.batch, self.p, self.p))
        flat_df, flat_cov = self.df.reshape(-1), self.cov.reshape(-1, self.p, self.p)
        self.d = [stats.wishart(nu, s) for nu, s in zip(flat_df, flat_cov)]

    def _event(self, values: list[Any]) -> np.ndarray:
        return np.stack(values).reshape((*self.batch, self.p, self.p))

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        lead = x.shape[: x.ndim - 2 - len(self.batch)]
        flat = _members(x, self.batch)
        out = np.stack([d.logpdf(np.moveaxis(flat[:, j], 0, -1)) for j, d in enumerate(self.d)], axis=-1)
        return out.reshape(lead + self.batch)

    def entropy(self) -> np.ndarray:
        return np.array([d.entropy() for d in self.d]).reshape(self.batch)

    @property
    def mean(self) -> np.ndarray:
        return self._event([d.mean() for d in self.d])

    @property
    def variance(self) -> np.ndarray:
        return self._event([d.var() for d in self.d])

    @property
    def mode(self) -> np.ndarray:
        """(df - p - 1) Sigma, NaN where df <= p + 1 (torch.distributions; SciPy's is None below p + 1)."""
        factor = self.df - self.p - 1
        return np.where(factor > 0, factor, np.nan)[..., None, None] * self.cov

    def kl_divergence(self, other: WishartRef) -> np.ndarray:
        """By the expectations under ``self`` of ``log|X|`` (``psi_p(n / 2) + p log 2 + log|S|``) and of ``X``
        (``n S``) in the log-ratio of the two densities."""
        n_p, n_q = np.broadcast_arrays(self.df, other.df)
        s_p = np.broadcast_to(self.cov, (*n_p.shape, self.p, self.p))
        s_q = np.broadcast_to(other.cov, s_p.shape)
        logdet_p, logdet_q = np.linalg.slogdet(s_p)[1], np.linalg.slogdet(s_q)[1]
        trace = np.trace(np.linalg.solve(s_q, s_p), axis1=-2, axis2=-1)
        half = np.arange(self.p) / 2  # log Gamma_p(a) = sum_j log Gamma(a - j/2) + a constant that cancels
        psi = special.digamma(n_p[..., None] / 2 - half).sum(-1)
        log_gamma_ratio = (special.gammaln(n_q[..., None] / 2 - half) - special.gammaln(n_p[..., None] / 2 - half)).sum(
            -1
        )
        return (
            0.5 * n_q * (logdet_q - logdet_p) + 0.5 * n_p * (trace - self.p) + log_gamma_ratio + 0.5 * (n_p - n_q) * psi
        )

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        p = self.p
        flat = _members(draws, self.batch)
        below = np.tril_indices(p, -1)
        cols = []
        for j, (nu, cov) in enumerate(zip(self.df.reshape(-1), self.cov.reshape(-1, p, p))):
            inv = np.linalg.inv(np.linalg.cholesky(cov))
            a = _cholesky_clamped(inv @ flat[:, j] @ inv.T)  # the Bartlett factor of each draw
            diag = np.diagonal(a, axis1=-2, axis2=-1)
            cols.append(scores_of(stats.chi2(nu - np.arange(p)).cdf(diag**2)))
            cols.append(a[:, below[0], below[1]])
        return np.concatenate(cols, axis=1)


def _sphere_scores(u: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Points ``(n, k)`` of the unit sphere of ``R^k`` as ``k`` columns of normal scores, iid N(0, 1) for uniform
    points: ``k - 1`` symmetric Beta coordinates and a sign (randomized probability integral transform)."""
    cols = []
    while u.shape[1] > 1:
        k = u.shape[1]
        t = np.clip(u[:, 0], -1.0, 1.0)
        cols.append(scores_of(stats.beta((k - 1) / 2, (k - 1) / 2).cdf((t + 1) / 2)))
        u = u[:, 1:] / np.sqrt(np.maximum(1.0 - t * t, 1e-300))[:, None]
    sign = u[:, 0] > 0
    cols.append(scores_of(0.5 * (sign + rng.random(sign.shape))))
    return cols


class LKJCholeskyRef:
    def __init__(self, dim: int, concentration: Any) -> None:
        self.dim = dim
        self.eta = np.asarray(concentration, np.float64)
        self.batch = self.eta.shape

    def _rows(self) -> tuple[np.ndarray, np.ndarray]:
        i = np.arange(1, self.dim, dtype=np.float64)
        return i, self.eta[..., None] + 0.5 * (self.dim - 1 - i)  # (i, the second Beta parameter of row i)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        """Sum over rows of log[(1 - |w_i|^2)^(b_i - 1) Gamma(i/2 + b_i) / (Gamma(b_i) pi^(i/2))], the density
        of ``w_i = sqrt(y_i) u_i`` in the ball, with ``1 - |w_i|^2 = L_ii^2``."""
        i, b = self._rows()
        diag = np.diagonal(x, axis1=-2, axis2=-1)[..., 1:]
        terms = (2 * b - 2) * np.log(diag) + special.gammaln(0.5 * i + b) - special.gammaln(b) - 0.5 * i * np.log(np.pi)
        return terms.sum(-1)

    @property
    def mean(self) -> np.ndarray:
        """E L: 0 off the diagonal (a uniform direction), 1 at (0, 0), E sqrt(Beta(b_i, i/2)) on the diagonal."""
        i, b = self._rows()
        out = np.zeros((*self.batch, self.dim, self.dim))
        out[..., 0, 0] = 1.0
        b, i = np.broadcast_arrays(b, i)
        root = [stats.beta(bj, ij).expect(np.sqrt) for bj, ij in zip(b.reshape(-1), 0.5 * i.reshape(-1))]
        out[..., np.arange(1, self.dim), np.arange(1, self.dim)] = np.reshape(root, b.shape)  # by quadrature
        return out

    @property
    def mode(self) -> np.ndarray:
        """Where the density (prod L_ii^(2 b_i - 2)) is largest: the identity when every exponent 2 b_i - 2 is
        positive; with one not positive (the last row's, 2 eta - 2) no unique point is: NaN."""
        _, b = self._rows()
        positive = np.all(2 * b - 2 > 0, axis=-1)
        return np.where(positive[..., None, None], np.eye(self.dim), np.nan)

    @property
    def variance(self) -> np.ndarray:
        """The variance of each entry of L: ``1 / (2 alpha)`` left of the diagonal (``E y_i / i``),
        ``1 - i / (2 alpha) - (E L_ii)^2`` on it with ``E L_ii = B(b_i + 1/2, i/2) / B(b_i, i/2)``, 0 elsewhere."""
        d = self.dim
        i, b = self._rows()
        alpha = self.eta[..., None] + 0.5 * (d - 1)
        mean_diag = np.exp(special.betaln(b + 0.5, 0.5 * i) - special.betaln(b, 0.5 * i))
        out = np.zeros((*self.batch, d, d))
        rows, cols = np.tril_indices(d, -1)
        out[..., rows, cols] = 1 / (2 * alpha)
        out[..., np.arange(1, d), np.arange(1, d)] = 1 - i / (2 * alpha) - mean_diag**2
        return out

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        d = self.dim
        flat = _members(draws, self.batch)
        cols = []
        for j, eta in enumerate(self.eta.reshape(-1)):
            for i in range(1, d):
                b = eta + 0.5 * (d - 1 - i)
                row = flat[:, j, i]
                w = row[:, :i]
                # L_ii^2 = 1 - y_i ~ Beta(b, i/2): from y_i = |w_i|^2 below 1/2, where L_ii^2 (float32) rounds
                # to 1, and from L_ii^2 above, where y_i rounds to 1
                y = (w * w).sum(1)
                radial = np.where(
                    y < 0.5, stats.beta(i / 2, b).sf(np.minimum(y, 0.5)), stats.beta(b, i / 2).cdf(row[:, i] ** 2)
                )
                cols.append(scores_of(radial))
                cols += _sphere_scores(w / np.linalg.norm(w, axis=1, keepdims=True), rng)
        return np.stack(cols, axis=1)


def _spd(n: int, seed: int, batch: tuple[int, ...] = (), cond: float = 10.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((*batch, n, n)))
    eig = np.exp(np.linspace(0, np.log(cond), n)) * 0.5
    return (q * eig[..., None, :]) @ np.swapaxes(q, -1, -2)


# (2, 1) against three covariances: batch (2, 3), p = 3.  Not nearer p - 1: a draw with eigenvalues 1e-2 of its
# largest is indefinite once rounded to bfloat16 (test_low_precision); test_matrix_families.py draws df = 2.3
WISHART_DF = np.array([[4.5], [7.0]])
WISHART_COV = _spd(3, 31, (3,))
WISHART_COV_PARTNER = _spd(3, 41, (3,))
WISHART_TRIL = np.linalg.cholesky(_spd(2, 32))
WISHART_PREC = _spd(2, 33) * 1e3  # a scale of about 1e-3: the precision form, far from 1
LKJ_ETA = np.array([[0.5, 1.0, 2.0], [4.0, 1.5, 0.8]])
LKJ_SMALL_ETA = np.array([0.2, 0.6])

_DRAWS_WHY = (
    "draws mix gammas (implicit gradients in df or the concentration) with normals: their gradient is right in "
    "distribution, not draw by draw, and the distributional check is univariate; test_matrix_families.py checks "
    "it through the moments"
)
_WISHART_KL_WHY = (
    "torch.distributions has no Wishart KL rule of its own: its generic exponential-family rule mixes the batch "
    "members (11.13/11.40 where each member alone gives 0.67/13.85); compared with the closed form instead"
)
_LKJ_WHY = (
    "torch.distributions' LKJCholesky has no rsample, mean, variance or mode; arraydist's rsample is "
    "reparameterized (test_matrix_families.py) and its moments are entrywise"
)

CASES = [
    # --- Wishart
    Case(
        "wishart-broadcast",
        "Wishart",
        lambda lib, c: lib.Wishart(c(WISHART_DF), covariance_matrix=c(WISHART_COV)),
        lambda r: WishartRef(r(WISHART_DF), r(WISHART_COV)),
        batch_shape=(2, 3),
        event_shape=(3, 3),
        no_reparam_check_why=_DRAWS_WHY,
        kl_partner=Partner(
            lambda lib, c: lib.Wishart(c([[5.0], [6.0]]), covariance_matrix=c(WISHART_COV_PARTNER)),
            lambda r: WishartRef(r([[5.0], [6.0]]), r(WISHART_COV_PARTNER)),
        ),
        torch_differs=frozenset({"kl"}),
        torch_differs_why=_WISHART_KL_WHY,
        tags=frozenset({"matrix"}),
    ),
    Case(
        "wishart-number-df",
        "Wishart",
        lambda lib, c: lib.Wishart(4.0, scale_tril=c(WISHART_TRIL)),
        lambda r: WishartRef(4.0, r(WISHART_TRIL) @ r(WISHART_TRIL).T),
        batch_shape=(),
        event_shape=(2, 2),
        no_reparam_check_why=_DRAWS_WHY,
        kl_partner=Partner(
            lambda lib, c: lib.Wishart(2.5, covariance_matrix=c(WISHART_PREC / 1e3)),
            lambda r: WishartRef(2.5, r(WISHART_PREC / 1e3)),
        ),
    ),
    Case(
        "wishart-precision-large-df",
        "Wishart",
        lambda lib, c: lib.Wishart(c([40.0, 3.0]), precision_matrix=c(WISHART_PREC)),
        lambda r: WishartRef(r([40.0, 3.0]), np.linalg.inv(r(WISHART_PREC))),
        batch_shape=(2,),
        event_shape=(2, 2),
        no_reparam_check_why=_DRAWS_WHY,
        kl_partner=Partner(
            lambda lib, c: lib.Wishart(c([30.0, 4.0]), precision_matrix=c(WISHART_PREC * 1.5)),
            lambda r: WishartRef(r([30.0, 4.0]), np.linalg.inv(r(WISHART_PREC * 1.5))),
        ),
        torch_differs=frozenset({"kl"}),
        torch_differs_why=_WISHART_KL_WHY,
        tags=frozenset({"huge"}),
    ),
    # --- LKJCholesky
    Case(
        "lkj-broadcast",
        "LKJCholesky",
        lambda lib, c: lib.LKJCholesky(4, c(LKJ_ETA)),
        lambda r: LKJCholeskyRef(4, r(LKJ_ETA)),
        batch_shape=(2, 3),
        event_shape=(4, 4),
        floors={"variance": 0.03, "stddev": 0.1},
        floors_why=(
            "the variance of a diagonal entry is 1 - i / (2 alpha) - (E L_ii)^2, terms of about 1 whose lgamma "
            "ratios hold about 1e-6 absolutely in float32 (JAX: 8e-4 relative at a variance of 4e-3, eta = 4; its "
            "stddev 4e-4)"
        ),
        has_entropy=False,
        no_reparam_check_why=_DRAWS_WHY,
        torch_differs=frozenset({"rsample", "mean", "variance", "stddev", "mode"}),
        torch_differs_why=_LKJ_WHY,
        tags=frozenset({"matrix"}),
    ),
    Case(
        "lkj-numbers",
        "LKJCholesky",
        lambda lib, c: lib.LKJCholesky(3, 1.5),
        lambda r: LKJCholeskyRef(3, 1.5),
        batch_shape=(),
        event_shape=(3, 3),
        has_entropy=False,
        no_reparam_check_why=_DRAWS_WHY,
        torch_differs=frozenset({"rsample", "mean", "variance", "stddev", "mode"}),
        torch_differs_why=_LKJ_WHY,
        tags=frozenset({"neutral"}),
    ),
    Case(
        "lkj-dim2-small-concentration",
        "LKJCholesky",
        lambda lib, c: lib.LKJCholesky(2, c(LKJ_SMALL_ETA)),
        lambda r: LKJCholeskyRef(2, r(LKJ_SMALL_ETA)),
        batch_shape=(2,),
        event_shape=(2, 2),
        has_entropy=False,
        no_reparam_check_why=_DRAWS_WHY,
        torch_differs=frozenset({"rsample", "mean", "variance", "stddev", "mode"}),
        torch_differs_why=_LKJ_WHY,
        tags=frozenset({"tiny"}),
    ),
]
