"""Registry cases of the elementary continuous families: Laplace, Cauchy, HalfCauchy, HalfNormal, LogNormal,
ContinuousBernoulli and GeneralizedPareto (issue 20, part 2).

References are SciPy's (``laplace``, ``cauchy``, ``halfcauchy``, ``halfnorm``, ``lognorm``, ``genpareto``), with
the moments SciPy leaves undefined where the family's are infinite (a Cauchy's variance, a GeneralizedPareto's
mean at concentration 1 and more).  SciPy has no continuous Bernoulli: its reference is the density's formula in
the ``probs`` form, evaluated with mpmath at 50 digits (``test_elementary.py`` checks it against numerical
integration).  KL references integrate ``p log(p / q)`` numerically, member by member, between quantiles of
``p`` and the kinks of both densities: independent of the closed forms of the families.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import mpmath as mp
import numpy as np
from scipy import integrate, stats

from _case import Case, Partner

Fn = Callable[[np.ndarray], np.ndarray]
#: quantiles of p between which the KL integral is cut (its mass beyond the outer two changes a KL by < 1e-13); a
#: cut per two decades of the tails keeps each piece easy for heavy tails (a Cauchy's)
_TAIL = (1e-15, 1e-13, 1e-11, 1e-9, 1e-7, 1e-5, 1e-4, 1e-3, 0.01, 0.05)
_KL_QUANTILES = (*_TAIL, 0.1, 0.25, 0.5, 0.75, 0.9, *(1 - t for t in reversed(_TAIL)))


class _Member:
    """One batch member of a reference: its log density, quantile function and the points where the log density
    is not smooth (a Laplace's location)."""

    def __init__(self, logpdf: Fn, ppf: Fn, kinks: Sequence[float] = ()) -> None:
        self.logpdf, self.ppf, self.kinks = logpdf, ppf, list(kinks)


def numerical_kl(p: _Member, q: _Member) -> float:
    """KL(p || q) by adaptive quadrature of ``p log(p / q)`` between p's quantiles and both members' kinks."""
    lo, hi = float(p.ppf(np.array(_KL_QUANTILES[0]))), float(p.ppf(np.array(_KL_QUANTILES[-1])))
    cuts = {float(p.ppf(np.array(t))) for t in _KL_QUANTILES} | {k for k in p.kinks + q.kinks if lo < k < hi}
    points = sorted(cuts)

    def integrand(x: float) -> float:
        lp = float(p.logpdf(np.array(x)))
        return float(np.exp(lp)) * (lp - float(q.logpdf(np.array(x))))

    total = 0.0
    for a, b in itertools.pairwise(points):
        if b > a:
            total += _quad(integrand, a, b)
    return total


def _quad(f: Callable[[float], float], a: float, b: float) -> float:
    """``integrate.quad`` near float64's resolution; its warning that the last digits are rounding is not an
    error here (a reference too far off fails the comparison it serves)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        return integrate.quad(f, a, b, epsabs=1e-15, epsrel=1e-13, limit=200)[0]


class ScipyRef:
    """A univariate family from a SciPy distribution ``family`` of parameters ``params`` (broadcast to one batch
    shape), with its ``mode`` and, where SciPy's differ from the family's definition, ``mean`` and ``variance``;
    ``kinks`` names the parameters at which the log density has a corner."""

    def __init__(
        self,
        family: Any,
        params: dict[str, Any],
        mode: Any,
        mean: Any = None,
        variance: Any = None,
        kinks: Sequence[str] = (),
    ) -> None:
        names = list(params)
        arrays = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in params.values()))
        self.params = dict(zip(names, arrays))
        self.shape = arrays[0].shape
        self.family, self.kinks = family, list(kinks)
        self.d = family(**self.params)
        self._mode, self._mean, self._variance = mode, mean, variance

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

    def entropy(self) -> np.ndarray:
        return np.broadcast_to(self.d.entropy(), self.shape)

    @property
    def mean(self) -> np.ndarray:
        return np.broadcast_to(self.d.mean() if self._mean is None else self._mean, self.shape)

    @property
    def variance(self) -> np.ndarray:
        return np.broadcast_to(self.d.var() if self._variance is None else self._variance, self.shape)

    @property
    def mode(self) -> np.ndarray:
        return np.broadcast_to(self._mode, self.shape)

    def marginal_cdfs(self) -> tuple[tuple[int, ...], Fn]:
        return self.shape, self.d.cdf

    def member(self, idx: tuple[int, ...]) -> _Member:
        d = self.family(**{k: v[idx] for k, v in self.params.items()})
        return _Member(d.logpdf, d.ppf, [float(self.params[k][idx]) for k in self.kinks])

    def kl_divergence(self, other: Any) -> np.ndarray:
        out = np.empty(self.shape)
        for idx in np.ndindex(*self.shape):
            out[idx] = numerical_kl(self.member(idx), other.member(idx))
        return out


def _broadcast(*xs: Any) -> list[np.ndarray]:
    return list(np.broadcast_arrays(*(np.asarray(x, np.float64) for x in xs)))


def laplace_ref(loc: Any, scale: Any) -> ScipyRef:
    loc, scale = _broadcast(loc, scale)
    return ScipyRef(stats.laplace, {"loc": loc, "scale": scale}, mode=loc, kinks=["loc"])


def cauchy_ref(loc: Any, scale: Any) -> ScipyRef:
    loc, scale = _broadcast(loc, scale)
    return ScipyRef(
        stats.cauchy, {"loc": loc, "scale": scale}, mode=loc, mean=np.full(loc.shape, np.nan), variance=np.inf
    )


def half_cauchy_ref(scale: Any) -> ScipyRef:
    (scale,) = _broadcast(scale)
    return ScipyRef(stats.halfcauchy, {"scale": scale}, mode=0.0, mean=np.inf, variance=np.inf)


def half_normal_ref(scale: Any) -> ScipyRef:
    (scale,) = _broadcast(scale)
    return ScipyRef(stats.halfnorm, {"scale": scale}, mode=0.0)


def log_normal_ref(loc: Any, scale: Any) -> ScipyRef:
    loc, scale = _broadcast(loc, scale)
    ref = ScipyRef(stats.lognorm, {"s": scale, "scale": np.exp(loc)}, mode=np.exp(loc - scale**2))
    # SciPy's lognorm variance is exp(s^2) - 1 times exp(2 mu + s^2), with exp(s^2) - 1 rounded: expm1 instead
    ref._variance = np.expm1(scale**2) * np.exp(2 * loc + scale**2)
    return ref


def generalized_pareto_ref(loc: Any, scale: Any, concentration: Any) -> ScipyRef:
    loc, scale, xi = _broadcast(loc, scale, concentration)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(xi < 1, loc + scale / (1 - xi), np.inf)
        variance = np.where(xi < 0.5, scale**2 / ((1 - xi) ** 2 * (1 - 2 * xi)), np.inf)
    # the density decreases from loc where xi >= -1; below, it increases to the upper end of the support
    mode = np.where(xi < -1, loc - scale / np.where(xi < 0, xi, -1.0), loc)
    return ScipyRef(stats.genpareto, {"c": xi, "loc": loc, "scale": scale}, mode=mode, mean=mean, variance=variance)


# ---------------------------------------------------------------------------------------------- ContinuousBernoulli
def _mp_vectorize(fn: Callable[..., Any]) -> Callable[..., np.ndarray]:
    """``fn`` of mpmath numbers at 50 digits, elementwise over float64 arrays."""

    def one(*args: Any) -> float:
        with mp.workdps(50):
            return float(fn(*(mp.mpf(float(a)) for a in args)))

    return np.vectorize(one, otypes=[np.float64])


def _cb_log_c(lam: Any) -> Any:
    """log of the normalizing constant :math:`C(\\lambda) = 2\\operatorname{atanh}(1 - 2\\lambda)/(1 - 2\\lambda)`
    (2 at 1/2)."""
    if lam == mp.mpf(0.5):
        return mp.log(2)
    return mp.log(2 * mp.atanh(1 - 2 * lam) / (1 - 2 * lam))


def _cb_log_pdf(x: Any, lam: Any) -> Any:
    return _cb_log_c(lam) + x * mp.log(lam) + (1 - x) * mp.log(1 - lam)


def _cb_cdf(x: Any, lam: Any) -> Any:
    if lam == mp.mpf(0.5):
        return x
    return (lam**x * (1 - lam) ** (1 - x) + lam - 1) / (2 * lam - 1)


def _cb_sf(x: Any, lam: Any) -> Any:
    if lam == mp.mpf(0.5):
        return 1 - x
    return (lam - lam**x * (1 - lam) ** (1 - x)) / (2 * lam - 1)


def _cb_icdf(p: Any, lam: Any) -> Any:
    if lam == mp.mpf(0.5):
        return p
    return (mp.log1p(-lam + p * (2 * lam - 1)) - mp.log1p(-lam)) / (mp.log(lam) - mp.log1p(-lam))


def _cb_mean(lam: Any) -> Any:
    if lam == mp.mpf(0.5):
        return mp.mpf(0.5)
    return lam / (2 * lam - 1) + 1 / (mp.log1p(-lam) - mp.log(lam))


def _cb_variance(lam: Any) -> Any:
    if lam == mp.mpf(0.5):
        return mp.mpf(1) / 12
    return lam * (lam - 1) / (1 - 2 * lam) ** 2 + 1 / (mp.log1p(-lam) - mp.log(lam)) ** 2


def _cb_entropy(lam: Any) -> Any:
    """:math:`-E[\\log p(X)] = -\\log C - E[X] \\log\\lambda - (1 - E[X]) \\log(1 - \\lambda)`."""
    m = _cb_mean(lam)
    return -_cb_log_c(lam) - m * mp.log(lam) - (1 - m) * mp.log(1 - lam)


class ContinuousBernoulliRef:
    """The continuous Bernoulli of ``probs`` (float64, any shape) from its formulas, at 50 digits."""

    def __init__(self, probs: Any) -> None:
        self.probs = np.asarray(probs, np.float64)
        self.shape = self.probs.shape

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return _mp_vectorize(_cb_log_pdf)(x, self.probs)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return _mp_vectorize(_cb_cdf)(x, self.probs)

    def log_cdf(self, x: np.ndarray) -> np.ndarray:
        return _mp_vectorize(lambda x, lam: mp.log(_cb_cdf(x, lam)))(x, self.probs)

    def survival_function(self, x: np.ndarray) -> np.ndarray:
        return _mp_vectorize(_cb_sf)(x, self.probs)

    def log_survival_function(self, x: np.ndarray) -> np.ndarray:
        return _mp_vectorize(lambda x, lam: mp.log(_cb_sf(x, lam)))(x, self.probs)

    def icdf(self, q: np.ndarray) -> np.ndarray:
        return _mp_vectorize(_cb_icdf)(q, self.probs)

    def entropy(self) -> np.ndarray:
        return _mp_vectorize(_cb_entropy)(self.probs)

    @property
    def mean(self) -> np.ndarray:
        return _mp_vectorize(_cb_mean)(self.probs)

    @property
    def variance(self) -> np.ndarray:
        return _mp_vectorize(_cb_variance)(self.probs)

    @property
    def mode(self) -> np.ndarray:
        return np.where(self.probs > 0.5, 1.0, np.where(self.probs < 0.5, 0.0, np.nan))

    def marginal_cdfs(self) -> tuple[tuple[int, ...], Fn]:
        """The CDF in float64 for the sampler's many draws: :math:`\\operatorname{expm1}(\\eta x) /
        \\operatorname{expm1}(\\eta)` (``x`` where :math:`\\eta = 0`)."""
        eta = np.log(self.probs) - np.log1p(-self.probs)

        def cdf(x: np.ndarray) -> np.ndarray:
            safe = np.where(eta == 0, 1.0, eta)
            return np.where(eta == 0, x, np.expm1(safe * x) / np.expm1(safe))

        return self.shape, cdf

    def member(self, idx: tuple[int, ...]) -> _Member:
        lam = float(self.probs[idx])
        log_pdf = _mp_vectorize(lambda x: _cb_log_pdf(x, mp.mpf(lam)))
        icdf = _mp_vectorize(lambda p: _cb_icdf(p, mp.mpf(lam)))
        return _Member(log_pdf, icdf)

    def kl_divergence(self, other: Any) -> np.ndarray:
        out = np.empty(self.shape)
        for idx in np.ndindex(*self.shape):
            p, q = self.member(idx), other.member(idx)

            def f(x: float, p: _Member = p, q: _Member = q) -> float:
                lp = float(p.logpdf(np.array(x)))
                return float(np.exp(lp)) * (lp - float(q.logpdf(np.array(x))))

            out[idx] = _quad(f, 0.0, 1.0)
        return out


def _expit(logits: Any) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(logits, np.float64)))


# ---------------------------------------------------------------------------------------------- parameters
_LOC23 = np.array([[0.3, -1.2, 2.0], [0.0, 0.7, -0.4]])
_SCALE3 = np.array([0.5, 1.5, 3.0])
_SCALES = np.array([1e-3, 1e3])
_CB_PROBS = np.array([[0.2, 0.7, 0.45], [0.9, 0.3, 0.6]])
_CB_NEAR_HALF = np.array([0.5, 0.502, 0.49, 0.6])
_CB_EXTREME = np.array([1e-3, 0.99, 0.02])  # 0.999 rounds to 1 in bfloat16: the clamp then differs per dtype


def _partner(dist: str, ref: Callable[..., Any], *params: Any, convert: bool = True) -> Partner:
    """A second distribution of the family ``dist`` with these parameters; ``convert=False`` keeps Python
    numbers (a neutral partner)."""

    def build(lib: Any, c: Any) -> Any:
        return getattr(lib, dist)(*(c(p) if convert else p for p in params))

    return Partner(build, lambda r: ref(*(r(p) if convert else p for p in params)))


def _cb_partner(probs: Any) -> Partner:
    return Partner(lambda lib, c: lib.ContinuousBernoulli(probs=c(probs)), lambda r: ContinuousBernoulliRef(r(probs)))


_TORCH_GP = (
    "torch.distributions' GeneralizedPareto.log_prob and cdf fail in float64 (torch.isclose of the concentration "
    "against a float32 zero: 'Double did not match Float'); test_elementary.py compares them under a float64 "
    "default dtype"
)
_HEAVY = (
    _TORCH_GP + "; and an infinite mean or variance is NaN in torch.distributions (infinite here, as in SciPy's "
    "moments of the law)"
)

CASES: list[Case] = [
    # --- Laplace
    Case(
        "laplace-broadcast",
        "Laplace",
        lambda lib, c: lib.Laplace(c(_LOC23), c(_SCALE3)),
        lambda r: laplace_ref(r(_LOC23), r(_SCALE3)),
        (2, 3),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_partner("Laplace", laplace_ref, _LOC23[::-1] + 0.5, _SCALE3[::-1]),
        tags=frozenset({"matrix"}),
    ),
    Case(
        "laplace-python-numbers",
        "Laplace",
        lambda lib, c: lib.Laplace(0.0, 1.0),
        lambda r: laplace_ref(0.0, 1.0),
        (),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_partner("Laplace", laplace_ref, 0.5, 2.0, convert=False),
        tags=frozenset({"neutral"}),
    ),
    Case(
        "laplace-tiny-huge-scale",
        "Laplace",
        lambda lib, c: lib.Laplace(c([0.5, 1e3]), c(_SCALES)),
        lambda r: laplace_ref(r([0.5, 1e3]), r(_SCALES)),
        (2,),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_partner("Laplace", laplace_ref, [0.5 + 1e-3, 0.0], [3e-3, 2e3]),
        tags=frozenset({"tiny", "huge"}),
    ),
    # --- Cauchy
    Case(
        "cauchy-broadcast",
        "Cauchy",
        lambda lib, c: lib.Cauchy(c(_LOC23), c(_SCALE3)),
        lambda r: cauchy_ref(r(_LOC23), r(_SCALE3)),
        (2, 3),
        has_cdf=True,
        has_icdf=True,
        tags=frozenset({"matrix"}),
    ),
    Case(
        "cauchy-python-numbers",
        "Cauchy",
        lambda lib, c: lib.Cauchy(0.0, 1.0),
        lambda r: cauchy_ref(0.0, 1.0),
        (),
        has_cdf=True,
        has_icdf=True,
        tags=frozenset({"neutral"}),
    ),
    Case(
        "cauchy-tiny-huge-scale",
        "Cauchy",
        lambda lib, c: lib.Cauchy(c([0.5, 1e3]), c(_SCALES)),
        lambda r: cauchy_ref(r([0.5, 1e3]), r(_SCALES)),
        (2,),
        has_cdf=True,
        has_icdf=True,
        tags=frozenset({"tiny", "huge"}),
    ),
    # --- HalfCauchy
    Case(
        "half-cauchy-batched",
        "HalfCauchy",
        lambda lib, c: lib.HalfCauchy(c(_SCALE3)),
        lambda r: half_cauchy_ref(r(_SCALE3)),
        (3,),
        has_cdf=True,
        has_icdf=True,
        tags=frozenset({"matrix"}),
    ),
    Case(
        "half-cauchy-python-numbers",
        "HalfCauchy",
        lambda lib, c: lib.HalfCauchy(1.0),
        lambda r: half_cauchy_ref(1.0),
        (),
        has_cdf=True,
        has_icdf=True,
        tags=frozenset({"neutral"}),
    ),
    Case(
        "half-cauchy-tiny-huge-scale",
        "HalfCauchy",
        lambda lib, c: lib.HalfCauchy(c(_SCALES)),
        lambda r: half_cauchy_ref(r(_SCALES)),
        (2,),
        has_cdf=True,
        has_icdf=True,
        tags=frozenset({"tiny", "huge"}),
    ),
    # --- HalfNormal
    Case(
        "half-normal-batched",
        "HalfNormal",
        lambda lib, c: lib.HalfNormal(c(_SCALE3)),
        lambda r: half_normal_ref(r(_SCALE3)),
        (3,),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_partner("HalfNormal", half_normal_ref, _SCALE3[::-1] * 1.3),
        tags=frozenset({"matrix"}),
    ),
    Case(
        "half-normal-python-numbers",
        "HalfNormal",
        lambda lib, c: lib.HalfNormal(1.0),
        lambda r: half_normal_ref(1.0),
        (),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_partner("HalfNormal", half_normal_ref, 2.5, convert=False),
        tags=frozenset({"neutral"}),
    ),
    Case(
        "half-normal-tiny-huge-scale",
        "HalfNormal",
        lambda lib, c: lib.HalfNormal(c(_SCALES)),
        lambda r: half_normal_ref(r(_SCALES)),
        (2,),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_partner("HalfNormal", half_normal_ref, [3e-3, 2e2]),
        tags=frozenset({"tiny", "huge"}),
    ),
    # --- LogNormal
    Case(
        "log-normal-broadcast",
        "LogNormal",
        lambda lib, c: lib.LogNormal(c(_LOC23), c(_SCALE3 * 0.5)),
        lambda r: log_normal_ref(r(_LOC23), r(_SCALE3 * 0.5)),
        (2, 3),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_partner("LogNormal", log_normal_ref, _LOC23[::-1] + 0.5, _SCALE3[::-1] * 0.4),
        tags=frozenset({"matrix"}),
    ),
    Case(
        "log-normal-python-numbers",
        "LogNormal",
        lambda lib, c: lib.LogNormal(0.0, 1.0),
        lambda r: log_normal_ref(0.0, 1.0),
        (),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_partner("LogNormal", log_normal_ref, 0.5, 2.0, convert=False),
        tags=frozenset({"neutral"}),
    ),
    Case(
        "log-normal-tiny-huge-scale",
        "LogNormal",
        lambda lib, c: lib.LogNormal(c([-3.0, 5.0]), c([1e-3, 3.0])),
        lambda r: log_normal_ref(r([-3.0, 5.0]), r([1e-3, 3.0])),
        (2,),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_partner("LogNormal", log_normal_ref, [-3.0 + 1e-3, 4.0], [3e-3, 2.0]),
        floors={"log_prob": 20.0, "prob": 2e3, "cdf": 1.0},
        floors_why="log x - loc cancels: the float32 logarithm's absolute error, eps |log x|, becomes 1e-4 relative "
        "in the standardized (log x - loc) / scale at scale 1e-3 (torch.distributions alike), so log_prob is off by "
        "4e-4 at 4.1 (compared absolutely below 20; the density, 60, within that relative error) and the CDF by 1e-5 "
        "(compared absolutely)",
        tags=frozenset({"tiny", "huge"}),
    ),
    # --- ContinuousBernoulli
    Case(
        "continuous-bernoulli-broadcast",
        "ContinuousBernoulli",
        lambda lib, c: lib.ContinuousBernoulli(probs=c(_CB_PROBS)),
        lambda r: ContinuousBernoulliRef(r(_CB_PROBS)),
        (2, 3),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_cb_partner(_CB_PROBS[::-1, ::-1]),
        torch_differs=frozenset({"mode"}),
        torch_differs_why="torch.distributions' ContinuousBernoulli has no mode",
        tags=frozenset({"matrix"}),
    ),
    Case(
        "continuous-bernoulli-logits-python",
        "ContinuousBernoulli",
        lambda lib, c: lib.ContinuousBernoulli(logits=-1.3),
        lambda r: ContinuousBernoulliRef(_expit(-1.3)),
        (),
        has_cdf=True,
        has_icdf=True,
        kl_partner=Partner(lambda lib, c: lib.ContinuousBernoulli(probs=0.97), lambda r: ContinuousBernoulliRef(0.97)),
        torch_differs=frozenset({"mode"}),
        torch_differs_why="torch.distributions' ContinuousBernoulli has no mode",
        tags=frozenset({"neutral"}),
    ),
    Case(
        "continuous-bernoulli-near-half",
        "ContinuousBernoulli",
        lambda lib, c: lib.ContinuousBernoulli(probs=c(_CB_NEAR_HALF)),
        lambda r: ContinuousBernoulliRef(r(_CB_NEAR_HALF)),
        (4,),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_cb_partner(np.array([0.501, 0.5, 0.95, 0.1])),
        torch_differs=frozenset({"mode", "variance", "stddev", "kl"}),
        torch_differs_why="torch.distributions' ContinuousBernoulli has no mode, and its float32 variance (and so "
        "its KL, from the mean and log-normalizer) cancels near probs = 1/2 outside its Taylor region "
        "(1e-3 relative at 0.502); this one uses the series where float32 needs them",
    ),
    Case(
        "continuous-bernoulli-extreme",
        "ContinuousBernoulli",
        lambda lib, c: lib.ContinuousBernoulli(probs=c(_CB_EXTREME)),
        lambda r: ContinuousBernoulliRef(r(_CB_EXTREME)),
        (3,),
        has_cdf=True,
        has_icdf=True,
        kl_partner=_cb_partner(np.array([0.05, 0.9, 1e-4])),
        torch_differs=frozenset({"mode"}),
        torch_differs_why="torch.distributions' ContinuousBernoulli has no mode",
    ),
    # --- GeneralizedPareto
    Case(
        "generalized-pareto-broadcast",
        "GeneralizedPareto",
        lambda lib, c: lib.GeneralizedPareto(c(0.3), c([[0.5], [2.0]]), c([-0.3, 0.0, 0.4])),
        lambda r: generalized_pareto_ref(r(0.3), r([[0.5], [2.0]]), r([-0.3, 0.0, 0.4])),
        (2, 3),
        has_cdf=True,
        has_icdf=True,
        torch_differs=frozenset({"log_prob", "cdf"}),
        torch_differs_why=_TORCH_GP,
        tags=frozenset({"matrix"}),
    ),
    Case(
        "generalized-pareto-python-numbers",
        "GeneralizedPareto",
        lambda lib, c: lib.GeneralizedPareto(0.0, 1.0, 0.2),
        lambda r: generalized_pareto_ref(0.0, 1.0, 0.2),
        (),
        has_cdf=True,
        has_icdf=True,
        torch_differs=frozenset({"log_prob", "cdf"}),
        torch_differs_why=_TORCH_GP,
        tags=frozenset({"neutral"}),
    ),
    Case(
        "generalized-pareto-uniform-and-heavy",
        "GeneralizedPareto",
        lambda lib, c: lib.GeneralizedPareto(c([1.0, 0.0, -5.0]), c([2.0, 1e-2, 1e2]), c([-1.0, 0.6, 1.5])),
        lambda r: generalized_pareto_ref(r([1.0, 0.0, -5.0]), r([2.0, 1e-2, 1e2]), r([-1.0, 0.6, 1.5])),
        (3,),
        has_cdf=True,
        has_icdf=True,
        torch_differs=frozenset({"log_prob", "cdf", "mean", "variance", "stddev"}),
        torch_differs_why=_HEAVY,
        tags=frozenset({"tiny", "huge"}),
    ),
]
