"""Registry cases of the gamma group: Gamma, Chi2, InverseGamma, Beta, StudentT, FisherSnedecor (see ``cases.py``
and ``docs/testing.md``), with SciPy references (``gamma``, ``chi2``, ``invgamma``, ``beta``, ``t``, ``f``).

The moments follow torch.distributions where they do not exist (NaN or infinity, per family); the references
say so explicitly rather than trusting SciPy's own conventions there.  Draws of tiny concentrations underflow:
the samplers clamp them to the dtype's smallest normal number (a gamma draw before its division by the rate;
Beta's at the top to the largest number below 1), so those values are atoms holding the mass beyond them, and
the goodness-of-fit scores randomize the probability integral transform over each atom
(``ContinuousRef.normal_scores``), as the discrete families do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from _case import Case, Conv, Partner
from _stats import scores_of

#: the smallest normal numbers of float32 and float64, where the samplers clamp underflowing draws
TINIES = np.array([np.finfo(np.float32).tiny, np.finfo(np.float64).tiny], np.float64)
#: the largest numbers below 1 in float32 and float64, where Beta clamps draws that round to 1
BELOW_ONE = np.array([1.0 - 2.0**-24, 1.0 - 2.0**-53])


def clamps(shape: tuple[int, ...], scale: Any = 1.0) -> np.ndarray:
    """Where a gamma draw divided by ``1 / scale`` lands when the backend's standard gamma clamped it: the dtype's
    smallest normal number times ``scale`` where ``scale > 1`` (the quotient is clamped again below that),
    for each dtype: shape ``(2, *shape)``."""
    scale = np.broadcast_to(np.asarray(scale, np.float64), shape)
    return np.stack([np.maximum(t, t * scale) for t in TINIES])


class ContinuousRef:
    """A univariate continuous reference from a frozen SciPy distribution ``d`` of batch shape ``shape``, with the
    moments given in torch.distributions' conventions."""

    def __init__(
        self, d: Any, shape: tuple[int, ...], mean: Any, mode: Any, variance: Any, entropy: bool = True,
        lower: np.ndarray | None = None, upper: np.ndarray | None = None,
    ) -> None:  # fmt: skip
        self.d, self.shape = d, shape
        #: the values (one per dtype, for each member) where the sampler clamps its lowest and highest draws
        self.lower = clamps(shape) if lower is None else lower
        self.upper = upper
        self._mean, self._mode, self._variance = mean, mode, variance
        if entropy:
            self.entropy = lambda: np.broadcast_to(np.asarray(d.entropy(), np.float64), shape)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return self.d.logpdf(x)

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

    @property
    def mean(self) -> np.ndarray:
        return np.broadcast_to(np.asarray(self._mean, np.float64), self.shape)

    @property
    def mode(self) -> np.ndarray:
        return np.broadcast_to(np.asarray(self._mode, np.float64), self.shape)

    @property
    def variance(self) -> np.ndarray:
        return np.broadcast_to(np.asarray(self._variance, np.float64), self.shape)

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``Phi^-1(F(x))``, randomized over the atoms where the sampler clamps: a draw at a lower clamp stands
        for the mass ``F(x)`` below it (uniform on ``[0, F(x)]``), one at an upper clamp for ``1 - F(x)``."""
        n = draws.shape[0]
        x = draws.reshape(n, *self.shape)
        u = np.asarray(self.d.cdf(x), np.float64)
        v = rng.uniform(size=u.shape)
        lower = np.isclose(x[None], self.lower[:, None], rtol=1e-6, atol=0).any(0)
        upper = (
            np.zeros_like(lower)
            if self.upper is None
            else np.isclose(x[None], self.upper[:, None], rtol=1e-6, atol=0).any(0)
        )
        u = np.where(lower, v * u, np.where(upper, u + v * (1.0 - u), u))
        return scores_of(u).reshape(n, -1)


def _arrays(*xs: Any) -> list[np.ndarray]:
    return list(np.broadcast_arrays(*[np.asarray(x, np.float64) for x in xs]))


# ------------------------------------------------------------------------------------------- references
def gamma_ref(a: Any, b: Any) -> ContinuousRef:
    a, b = _arrays(a, b)
    return ContinuousRef(
        stats.gamma(a, scale=1 / b),
        a.shape,
        a / b,
        np.maximum((a - 1) / b, 0.0),
        a / b**2,
        lower=clamps(a.shape, 1 / b),
    )


def chi2_ref(df: Any) -> ContinuousRef:
    df = np.asarray(df, np.float64)
    return ContinuousRef(stats.chi2(df), df.shape, df, np.maximum(df - 2, 0.0), 2 * df, lower=clamps(df.shape, 2.0))


def inverse_gamma_ref(a: Any, b: Any) -> ContinuousRef:
    a, b = _arrays(a, b)
    d = stats.invgamma(a, scale=b)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(a > 1, d.mean(), np.inf)
        variance = np.where(a > 2, d.var(), np.inf)
    return ContinuousRef(
        d, a.shape, mean, b / (a + 1), variance, lower=np.zeros((1, *a.shape)), upper=1 / clamps(a.shape, 1 / b)
    )


def beta_mode(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """torch.distributions' convention: the interior mode where it exists, 1 where both concentrations are below
    1 (both ends have infinite density; torch's argmax of 0 / 0 picks the first), NaN where the density has no
    single mode (both 1, or one below 1 and the other exactly 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        interior = np.maximum(a - 1, 0) / (np.maximum(a - 1, 0) + np.maximum(b - 1, 0))
    return np.where((a < 1) & (b < 1), 1.0, interior)


def beta_ref(a: Any, b: Any) -> ContinuousRef:
    a, b = _arrays(a, b)
    d = stats.beta(a, b)
    upper = np.broadcast_to(BELOW_ONE.reshape((2,) + (1,) * a.ndim), (2, *a.shape))
    return ContinuousRef(d, a.shape, d.mean(), beta_mode(a, b), d.var(), upper=upper)


def student_t_ref(df: Any, loc: Any = 0.0, scale: Any = 1.0) -> ContinuousRef:
    df, loc, scale = _arrays(df, loc, scale)
    d = stats.t(df, loc, scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.where(df > 2, d.var(), np.where(df > 1, np.inf, np.nan))
    return ContinuousRef(d, df.shape, np.where(df > 1, loc, np.nan), loc, variance, lower=np.zeros((1, *df.shape)))


def fisher_snedecor_ref(df1: Any, df2: Any) -> ContinuousRef:
    df1, df2 = _arrays(df1, df2)
    d = stats.f(df1, df2)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(df2 > 2, d.mean(), np.nan)
        mode = np.where(df1 > 2, (df1 - 2) / df1 * df2 / (df2 + 2), np.nan)
        variance = np.where(df2 > 4, d.var(), np.nan)
    return ContinuousRef(d, df1.shape, mean, mode, variance, entropy=False)


# ------------------------------------------------------------------------------------------- cases
Pair = tuple[Callable[[Any, Conv], Any], Callable[[Conv], Any]]


def _pair(dist: str, ref: Callable[..., ContinuousRef], *params: Any, convert: bool = True) -> Pair:
    """(build, reference) of ``dist(*params)``; ``convert=False`` keeps Python numbers (a neutral case)."""
    if not convert:
        return (lambda lib, c: getattr(lib, dist)(*params)), (lambda r: ref(*params))
    return (lambda lib, c: getattr(lib, dist)(*[c(p) for p in params])), (lambda r: ref(*[r(p) for p in params]))


#: what torch.distributions lacks of these families (no betainc or gammaincinv: pytorch#129085, #145679)
TORCH_LACKS = {
    "Gamma": {"icdf"}, "Chi2": {"icdf"}, "InverseGamma": {"icdf"},
    "Beta": {"cdf", "icdf"}, "StudentT": {"cdf", "icdf"}, "FisherSnedecor": {"cdf", "icdf"},
}  # fmt: skip
TORCH_LACKS_WHY = (
    "torch.distributions has no betainc or gammaincinv (pytorch#129085, #145679): no Beta, StudentT or "
    "FisherSnedecor cdf, no Gamma or Chi2 icdf, and its InverseGamma.icdf calls Gamma's"
)


def _case(name: str, dist: str, ref: Callable[..., ContinuousRef], params: tuple, shape: tuple[int, ...], **kw: Any):
    neutral = "neutral" in kw.get("tags", ())
    given = {m for m in ("cdf", "icdf") if kw.get(f"has_{m}")}
    lacks = TORCH_LACKS[dist] & given
    if lacks:
        kw["torch_differs"] = frozenset(kw.get("torch_differs", frozenset()) | lacks)
        kw["torch_differs_why"] = "; ".join(w for w in (kw.get("torch_differs_why", ""), TORCH_LACKS_WHY) if w)
    partner = kw.pop("partner", None)
    if partner is not None:
        kw["kl_partner"] = Partner(*_pair(dist, ref, *partner, convert=not neutral))
    return Case(name, dist, *_pair(dist, ref, *params, convert=not neutral), shape, **kw)


_rng = np.random.default_rng(20261207)
A23 = _rng.uniform(0.4, 5.0, (2, 3))
B3 = _rng.uniform(0.3, 4.0, 3)
TORCH_GAMMA_GRAD = (
    "torch's gamma gradient (_standard_gamma_grad) is an approximation of the implicit one, to about 3e-4 "
    "relative (series, asymptotic expansions and a rational fit by region)"
)
UNDERFLOW = (
    "at concentration 1e-3 most draws underflow to the clamp (the dtype's smallest normal number), where the "
    "gradient is 0, and the rest have derivatives spread over hundreds of orders of magnitude"
)

POWER_JACOBIAN = (
    "torch's PowerTransform Jacobian, log|e y / x|, is -inf where the draw 1 / x overflows float32's y / x (2**126 at "
    "concentration 0.1); its float32 entropy cancels lgamma and digamma terms of 1e4 at concentration 1e3"
)
STUDENT_F32 = (
    "torch's float32 lgamma(df / 2) - lgamma((df + 1) / 2) cancels: off by 2e-3 at df = 1e4 (log_prob, entropy)"
)
ENTROPY_F32 = "torch's float32 entropy cancels lgamma and digamma terms of 1e3 to 1e4 (off by 6e-5 to 1e-3 there)"

CASES: list[Case] = [
    # --- Gamma
    _case(
        "gamma-broadcast", "Gamma", gamma_ref, (A23, B3), (2, 3), has_cdf=True, has_icdf=True, implicit_reparam=True,
        implicit_rtol=1e-3, implicit_rtol_why=TORCH_GAMMA_GRAD, partner=(A23[::-1] * 0.7 + 0.2, B3 + 0.5),
        tags=frozenset({"matrix"}),
    ),
    _case(
        "gamma-python-scalars", "Gamma", gamma_ref, (2.0, 0.5), (), has_cdf=True, has_icdf=True, partner=(1.5, 2.0),
        tags=frozenset({"neutral"}),
    ),
    _case(
        "gamma-tiny-and-huge", "Gamma", gamma_ref, (np.array([1e-3, 1e3, 1e-3]), np.array([1.0, 2.5, 40.0])), (3,),
        has_cdf=True, has_icdf=True, no_reparam_check_why=UNDERFLOW,
        torch_differs=frozenset({"entropy"}), torch_differs_why=ENTROPY_F32, tags=frozenset({"tiny", "huge"}),
    ),
    # --- Chi2
    _case(
        "chi2-batched", "Chi2", chi2_ref, (np.array([0.5, 1.0, 2.5, 7.0, 30.0]),), (5,), has_cdf=True, has_icdf=True,
        implicit_reparam=True, implicit_rtol=1e-3, implicit_rtol_why=TORCH_GAMMA_GRAD,
        partner=(np.array([1.5, 0.7, 6.0, 3.0, 31.0]),), tags=frozenset({"matrix"}),
    ),
    _case(
        "chi2-python-scalar", "Chi2", chi2_ref, (3.0,), (), has_cdf=True, has_icdf=True, partner=(5.5,),
        tags=frozenset({"neutral"}),
    ),
    _case(
        "chi2-tiny-and-huge", "Chi2", chi2_ref, (np.array([2e-3, 2e3]),), (2,), has_cdf=True, has_icdf=True,
        no_reparam_check_why=UNDERFLOW, torch_differs=frozenset({"entropy"}), torch_differs_why=ENTROPY_F32,
        tags=frozenset({"tiny", "huge"}),
    ),
    # --- InverseGamma (0.1 at the small end: the entropy at 1e-2 overflows the perplexity, 0.05 the float32 icdf)
    _case(
        "inverse-gamma-broadcast", "InverseGamma", inverse_gamma_ref,
        (np.array([[0.7], [1.5], [3.5]]), np.array([0.5, 2.0])), (3, 2), has_cdf=True, has_icdf=True,
        implicit_reparam=True,
        implicit_rtol=1e-3, implicit_rtol_why=TORCH_GAMMA_GRAD, tags=frozenset({"matrix"}),
    ),
    _case(
        "inverse-gamma-python-scalars", "InverseGamma", inverse_gamma_ref, (3.0, 2.0), (), has_cdf=True, has_icdf=True,
        tags=frozenset({"neutral"}),
    ),
    _case(
        "inverse-gamma-tiny-and-huge", "InverseGamma", inverse_gamma_ref,
        (np.array([0.1, 1e3]), np.array([1.0, 0.3])), (2,), has_cdf=True, has_icdf=True, no_reparam_check_why=UNDERFLOW,
        torch_differs=frozenset({"log_prob", "entropy"}), torch_differs_why=POWER_JACOBIAN,
        tags=frozenset({"tiny", "huge"}),
    ),
    # --- Beta
    _case(
        "beta-broadcast", "Beta", beta_ref, (A23 * 0.25, B3), (2, 3), distributional_reparam=True,
        partner=(A23[::-1] + 0.3, B3[::-1] * 1.3), has_cdf=True, has_icdf=True, tags=frozenset({"matrix"}),
    ),
    _case("beta-python-scalars", "Beta", beta_ref, (0.5, 2.0), (), partner=(2.0, 0.7), has_cdf=True, has_icdf=True,
    tags=frozenset({"neutral"})),
    _case(
        "beta-tiny-and-huge", "Beta", beta_ref, (np.array([1e-3, 1e3, 1e-3]), np.array([1e-3, 1e3, 2.0])), (3,),
        no_reparam_check_why=UNDERFLOW,
        torch_differs=frozenset({"entropy"}), torch_differs_why=ENTROPY_F32, has_cdf=True, has_icdf=True,
        tags=frozenset({"tiny", "huge"}),
    ),
    # --- StudentT
    _case(
        "student-t-broadcast", "StudentT", student_t_ref,
        (np.array([[0.8], [2.05], [6.0]]), np.array([-1.0, 0.0, 0.5, 3.0]), np.array([[0.5], [1.0], [2.0]])),
        (3, 4), distributional_reparam=True, has_cdf=True, has_icdf=True, tags=frozenset({"matrix"}),
    ),
    _case("student-t-python-scalar", "StudentT", student_t_ref, (3.0,), (), has_cdf=True, has_icdf=True,
    tags=frozenset({"neutral"})),
    _case(
        "student-t-df-edges", "StudentT", student_t_ref, (np.array([0.3, 2.0, 1.9, 1e4]), 0.5, 2.0), (4,),
        distributional_reparam=True, torch_differs=frozenset({"log_prob", "entropy"}), torch_differs_why=STUDENT_F32,
        has_cdf=True, has_icdf=True, tags=frozenset({"tiny", "huge"}),
    ),
    # --- FisherSnedecor
    _case(
        "fisher-snedecor-broadcast", "FisherSnedecor", fisher_snedecor_ref,
        (np.array([[0.7], [5.0]]), np.array([1.5, 4.5, 12.0])), (2, 3), distributional_reparam=True,
        has_entropy=False, has_cdf=True, has_icdf=True, tags=frozenset({"matrix"}),
    ),
    _case(
        "fisher-snedecor-python-scalars", "FisherSnedecor", fisher_snedecor_ref, (3.0, 8.0), (), has_entropy=False,
        has_cdf=True, has_icdf=True, tags=frozenset({"neutral"}),
    ),
    _case(
        "fisher-snedecor-tiny-and-huge", "FisherSnedecor", fisher_snedecor_ref,
        (np.array([2e-3, 2e3, 30.0]), np.array([5.0, 2e3, 1e3])), (3,), has_entropy=False,
        no_reparam_check_why=UNDERFLOW, has_cdf=True, has_icdf=True, tags=frozenset({"tiny", "huge"}),
    ),
]  # fmt: skip
