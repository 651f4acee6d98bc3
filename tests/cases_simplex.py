"""Registry cases of the simplex group: Dirichlet and LogisticNormal (see ``cases.py`` and ``docs/testing.md``).

Dirichlet's reference is ``scipy.stats.dirichlet`` member by member (its methods take one concentration vector
at a time); its density is written out with SciPy's special functions, since ``dirichlet.logpdf`` refuses points
that sum to 1 only to float32's precision.  The goodness of fit uses the stick-breaking representation: the share
of entry ``j`` in what entries ``j..K`` hold is Beta(a_j, a_{j+1} + ... + a_K), independent of the shares before
it, so ``K - 1`` independent uniforms per draw.  At tiny concentrations entries underflow to the dtype's smallest
normal number, where the sampler clamps them: such an entry is an atom holding the mass below it, and its score is
randomized over that mass (as the gamma group's references do).

LogisticNormal's reference inverts the stick breaking with NumPy and writes the density out: SciPy has none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special, stats

from _case import Case, Partner
from _stats import scores_of

#: the smallest normal numbers of float32 and float64, where Dirichlet clamps entries that underflow
TINIES = np.array([np.finfo(np.float32).tiny, np.finfo(np.float64).tiny], np.float64)


def _clamped(x: np.ndarray) -> np.ndarray:
    return np.isclose(x[None], TINIES.reshape((2,) + (1,) * x.ndim), rtol=1e-6, atol=0).any(0)


class DirichletRef:
    """``scipy.stats.dirichlet`` of each member of ``concentration`` (shape ``(*batch, K)``)."""

    def __init__(self, concentration: Any) -> None:
        self.a = np.asarray(concentration, np.float64)
        self.batch, self.k = self.a.shape[:-1], self.a.shape[-1]

    def _each(self, fn: Callable[[Any], Any], event: bool = False) -> np.ndarray:
        out = np.empty(self.batch + ((self.k,) if event else ()))
        for idx in np.ndindex(*self.batch):
            out[idx] = fn(stats.dirichlet(self.a[idx]))
        return out

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        a = self.a
        norm = special.gammaln(a.sum(-1)) - special.gammaln(a).sum(-1)
        return special.xlogy(a - 1, x).sum(-1) + norm

    def entropy(self) -> np.ndarray:
        return self._each(lambda d: d.entropy())

    @property
    def mean(self) -> np.ndarray:
        return self._each(lambda d: d.mean(), event=True)

    @property
    def variance(self) -> np.ndarray:
        return self._each(lambda d: d.var(), event=True)

    @property
    def mode(self) -> np.ndarray:
        """torch.distributions' convention: ``max(a - 1, 0)`` normalized (NaN where that is 0 / 0), the first vertex
        where every concentration is below 1 (the density is infinite at every vertex; torch's argmax of a row of
        0 / 0 picks the first)."""
        a = self.a
        am1 = np.maximum(a - 1, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            interior = am1 / am1.sum(-1, keepdims=True)
        vertex = np.eye(self.k)[0]
        return np.where((a < 1).all(-1, keepdims=True), vertex, interior)

    def kl_divergence(self, other: DirichletRef) -> np.ndarray:
        """By the expectation of the log-ratio under ``self``: E[log x_j] = psi(a_j) - psi(A)."""
        p, q = self.a, np.broadcast_to(other.a, self.a.shape)
        mean_log = special.digamma(p) - special.digamma(p.sum(-1, keepdims=True))
        log_norm_p = special.gammaln(p.sum(-1)) - special.gammaln(p).sum(-1)
        log_norm_q = special.gammaln(q.sum(-1)) - special.gammaln(q).sum(-1)
        return log_norm_p - log_norm_q + ((p - q) * mean_log).sum(-1)

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The stick-breaking shares ``r_j = x_j / (x_j + ... + x_K)``, each through its Beta CDF (from the side
        where it is accurate: ``1 - r_j`` is the next tail over this one), randomized over the clamps' atoms: an
        entry at a clamp stands for the share below it, the tail after ``j`` all at clamps for the share above;
        where the whole tail from ``j`` on is clamped the share is not observed (a fresh uniform: independent of
        the shares before it)."""
        n = draws.shape[0]
        x = np.asarray(draws, np.float64).reshape(n, -1, self.k)
        a = np.broadcast_to(self.a, (*self.batch, self.k)).reshape(-1, self.k)
        tail = np.flip(np.cumsum(np.flip(x, -1), -1), -1)  # x_j + ... + x_K
        clamped = _clamped(x)
        tail_clamped = np.flip(np.cumulative_prod(np.flip(clamped, -1), axis=-1), -1).astype(bool)
        rest = np.flip(np.cumsum(np.flip(a, -1), -1), -1)
        columns = []
        for j in range(self.k - 1):
            r = x[..., j] / tail[..., j]
            s = tail[..., j + 1] / tail[..., j]
            a_j, b_j = a[:, j], rest[:, j + 1]
            u = np.where(r < 0.5, stats.beta(a_j, b_j).cdf(r), stats.beta(b_j, a_j).sf(s))
            v = rng.uniform(size=u.shape)
            u = np.where(clamped[..., j], v * u, np.where(tail_clamped[..., j + 1], u + v * (1 - u), u))
            columns.append(np.where(tail_clamped[..., j], v, u))
        return scores_of(np.stack(columns, -1)).reshape(n, -1)


class LogisticNormalRef:
    """The stick-breaking image of ``N(loc, diag scale^2)``: ``x_k = log(y_k / (y_{k+1} + ... + y_K)) + log(K - k)``
    (0-based ``k`` over ``K`` normal coordinates) is normal, and the density of the first ``K`` entries is the
    normal's over the product of all ``K + 1`` entries (the Jacobian of the stick breaking)."""

    def __init__(self, loc: Any, scale: Any) -> None:
        self.loc, self.scale = np.broadcast_arrays(np.asarray(loc, np.float64), np.asarray(scale, np.float64))
        if self.loc.ndim == 0:
            self.loc, self.scale = self.loc[None], self.scale[None]
        self.k = self.loc.shape[-1]

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        tail = np.flip(np.cumsum(np.flip(y, -1), -1), -1)
        return np.log(y[..., :-1]) - np.log(tail[..., 1:]) + np.log(np.arange(self.k, 0, -1.0))

    def log_prob(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, np.float64)
        x = self._inverse(y)
        return stats.norm(self.loc, self.scale).logpdf(x).sum(-1) - np.log(y).sum(-1)

    @property
    def variance(self) -> np.ndarray:
        """A scale for the harness's tolerances only (the family has no moments in closed form): the variance of
        20,000 reference draws at a fixed seed."""
        x = self.loc + self.scale * np.random.default_rng(0).standard_normal((20000, *self.loc.shape))
        u = x - np.log(np.arange(self.k, 0, -1.0))
        zero = np.zeros_like(u[..., :1])
        log_rest = np.cumsum(-np.logaddexp(0.0, u), -1)  # log prod_{j <= k} (1 - sigmoid(u_j))
        log_y = np.concatenate([-np.logaddexp(0.0, -u), zero], -1) + np.concatenate([zero, log_rest], -1)
        return np.exp(log_y).var(0)

    def kl_divergence(self, other: LogisticNormalRef) -> np.ndarray:
        """That of the normal vectors (a bijection applied to both leaves it unchanged)."""
        ratio = self.scale / other.scale
        z = (self.loc - other.loc) / other.scale
        return (-np.log(ratio) + 0.5 * (ratio**2 + z**2) - 0.5).sum(-1)

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The normal coordinates behind each draw, standardized: iid N(0, 1)."""
        n = draws.shape[0]
        x = self._inverse(np.asarray(draws, np.float64))
        return ((x - self.loc) / self.scale).reshape(n, -1)


# ------------------------------------------------------------------------------------------- cases
def _tensor_or_list(lib: Any, values: list[float]) -> Any:
    """Python numbers for arraydist; torch.distributions' Dirichlet takes tensors only (of torch's default dtype,
    which the parity tests set to the test's dtype)."""
    if lib.__name__.startswith("torch"):
        import torch

        return torch.tensor(values)
    return values


#: a (4, 5) batch of concentrations below and above 1, and of 1e2 (float32's direct density loses 3e-4 there)
A45 = np.array(
    [[0.3, 0.7, 1.0, 2.5, 4.0], [1.5, 1.5, 1.5, 1.5, 1.5], [0.5, 3.0, 0.8, 6.0, 1.2], [1e2, 1e2, 1e2, 1e2, 1e2]]
)
#: concentrations 1e-3 and 1e2, K = 2.  An entry of 1e-3 is clamped at the dtype's smallest normal number most of
#: the time (92 % in float32, half in float64), where it multiplies the density by about e^87 (float32) or e^708
#: (float64): one such entry per member is all that ``prob`` holds without overflowing (as for Beta(1e-3, 1e-3));
#: members of five tiny entries are tests/test_simplex.py's
EDGES = np.array([[1e-3, 1e-3], [1e2, 1e2], [1e-3, 2.0]])

NO_VECTOR_GRADIENT_CHECK = (
    "vector events: the suite's distributional gradient check is univariate (reference quantiles); "
    "tests/test_simplex.py checks Dirichlet's pathwise gradient in distribution against E x and E x^2 in closed form"
)
HUGE_F32 = (
    "torch.distributions computes lgamma(A) - sum lgamma(a_j) and the entropy's digamma terms directly in "
    "float32: about 2e-4 off at five concentrations of 100 (its float64 agrees)"
)


def _dirichlet(concentration: Any, neutral: bool = False) -> tuple[Any, Any]:
    if neutral:
        values = list(concentration)
        return (lambda lib, c: lib.Dirichlet(_tensor_or_list(lib, values))), (lambda r: DirichletRef(values))
    return (lambda lib, c: lib.Dirichlet(c(concentration))), (lambda r: DirichletRef(r(concentration)))


def _logistic_normal(loc: Any, scale: Any) -> tuple[Any, Any]:
    return (
        lambda lib, c: lib.LogisticNormal(c(loc), c(scale)),
        lambda r: LogisticNormalRef(r(loc), r(scale)),
    )


CASES = [
    # --- Dirichlet
    Case(
        "dirichlet-batched", "Dirichlet", *_dirichlet(A45), (4,), (5,),
        no_reparam_check_why=NO_VECTOR_GRADIENT_CHECK,
        torch_differs=frozenset({"log_prob", "entropy"}), torch_differs_why=HUGE_F32,
        kl_partner=Partner(*_dirichlet(A45[::-1, ::-1] * 1.3 + 0.1)), tags=frozenset({"matrix"}),
    ),
    Case(
        "dirichlet-python-list", "Dirichlet", *_dirichlet([0.5, 2.0], neutral=True), (), (2,),
        no_reparam_check_why=NO_VECTOR_GRADIENT_CHECK,
        kl_partner=Partner(*_dirichlet([3.0, 0.7], neutral=True)), tags=frozenset({"neutral"}),
    ),
    Case(
        "dirichlet-tiny-and-huge", "Dirichlet", *_dirichlet(EDGES), (3,), (2,),
        no_reparam_check_why=NO_VECTOR_GRADIENT_CHECK,
        kl_partner=Partner(*_dirichlet(EDGES[::-1] * 2.0 + 1e-3)), tags=frozenset({"tiny", "huge"}),
    ),
    # --- LogisticNormal
    Case(
        "logistic-normal-broadcast", "LogisticNormal",
        *_logistic_normal(np.array([[-1.0, 0.0, 0.5], [2.0, -0.5, 1.0]]), np.array([0.5, 1.0, 2.0])), (2,), (4,),
        has_entropy=False, has_moments=False,
        kl_partner=Partner(
            *_logistic_normal(np.array([[0.5, 1.0, -1.0], [0.0, 0.5, -2.0]]), np.array([1.5, 0.7, 1.0]))
        ),
        tags=frozenset({"matrix"}),
    ),
    Case(
        "logistic-normal-one-number", "LogisticNormal", *_logistic_normal(0.3, 1.5), (), (2,),
        has_entropy=False, has_moments=False, kl_partner=Partner(*_logistic_normal(-0.5, 0.8)),
    ),
    Case(
        "logistic-normal-tiny-and-wide", "LogisticNormal",
        *_logistic_normal(np.array([3.0, -2.0, 0.0, 1.0]), np.array([1e-3, 3.0, 1e-2, 0.2])), (), (5,),
        has_entropy=False, has_moments=False,
        kl_partner=Partner(*_logistic_normal(np.array([2.5, -1.0, 0.1, 1.5]), np.array([2e-3, 2.0, 1e-2, 0.3]))),
        tags=frozenset({"tiny"}),
    ),
]  # fmt: skip
