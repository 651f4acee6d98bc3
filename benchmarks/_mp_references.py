"""The mpmath references of the tails table (``benchmarks/accuracy.py``): one entry per univariate family.

Each entry says how to build the family in arraydist from its parameters and gives its log-density (or
log-mass), CDF and survival function written from the maths with mpmath, in forms that keep their relative
accuracy in both tails at 50 digits: a survival function is never ``1 - cdf`` where the CDF is near 1, a
difference of two CDFs in the upper tail is taken between survival functions, and ``expm1``/``log1p`` replace
``exp(t) - 1`` and ``log(1 + t)`` where ``t`` may be tiny.  The parameters are Python floats that float32 holds
exactly where possible (the table rounds them to each dtype and evaluates the reference at the rounded values).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath as mp

#: the working precision of every reference: benchmarks/accuracy.py evaluates them inside mp.workdps(DPS) (no
#: global setting: the test process shares mpmath with other tests)
DPS = 50

Mpf = Any
Params = dict[str, float]
inf = math.inf


@dataclass(frozen=True)
class Family:
    #: the label of the table's section: the class name, or a composite's description
    label: str
    #: the arraydist class the entry needs (the entry is skipped while it does not exist)
    cls: str
    #: parameter sets; the table shows the worst over all of them
    params: tuple[Params, ...]
    logpdf: Callable[..., Mpf]
    cdf: Callable[..., Mpf]
    sf: Callable[..., Mpf]
    #: (lower, upper) bounds of the support
    support: Callable[..., tuple[float, float]] = lambda **p: (-inf, inf)
    #: a point near the median and a typical spread, from which the grid's search starts
    center: Callable[..., float] = lambda **p: 0.0
    width: Callable[..., float] = lambda **p: 1.0
    #: build the distribution from the parameters (arrays of one backend); default: the class on the keywords
    build: Callable[[Any, dict[str, Any]], Any] | None = None
    discrete: bool = False

    def make(self, ad: Any, params: dict[str, Any]) -> Any:
        if self.build is not None:
            return self.build(ad, params)
        return getattr(ad, self.cls)(**params)


def _f(x: float) -> Mpf:
    return mp.mpf(x)


with mp.workdps(DPS + 10):
    LOG_2PI = mp.log(2 * mp.pi)


def _ncdf(z: Mpf) -> Mpf:
    return mp.ncdf(z)


def _normal_mass(a: Mpf, b: Mpf) -> Mpf:
    """Phi(b) - Phi(a) for a < b, as a difference of the two smaller tails (no cancellation against 1)."""
    if b <= 0:
        return _ncdf(b) - _ncdf(a)
    if a >= 0:
        return _ncdf(-a) - _ncdf(-b)
    return 1 - _ncdf(a) - _ncdf(-b)


def _reg_lower_gamma(a: Mpf, y: Mpf) -> Mpf:
    return mp.gammainc(a, 0, y, regularized=True)


def _reg_upper_gamma(a: Mpf, y: Mpf) -> Mpf:
    return mp.gammainc(a, y, mp.inf, regularized=True)


def _ibeta(a: Mpf, b: Mpf, x: Mpf) -> Mpf:
    return mp.betainc(a, b, 0, x, regularized=True)


def _log_beta(a: Mpf, b: Mpf) -> Mpf:
    return mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)


# --- location-scale families on the real line --------------------------------------------------------------


def _normal_logpdf(x: Mpf, loc: Mpf, scale: Mpf) -> Mpf:
    z = (x - loc) / scale
    return -z * z / 2 - mp.log(scale) - LOG_2PI / 2


def _cauchy_cdf(x: Mpf, loc: Mpf, scale: Mpf) -> Mpf:
    z = (x - loc) / scale
    if z < 0:  # 1/2 + atan(z)/pi cancels for large |z|: the same angle from the other side
        return mp.atan(-1 / z) / mp.pi
    return 1 - (mp.atan(1 / z) / mp.pi if z > 0 else mp.mpf(0.5))


def _laplace_cdf(x: Mpf, loc: Mpf, scale: Mpf) -> Mpf:
    z = (x - loc) / scale
    return mp.exp(z) / 2 if z < 0 else 1 - mp.exp(-z) / 2


def _gumbel_z(x: Mpf, loc: Mpf, scale: Mpf) -> Mpf:
    return (x - loc) / scale


def _gumbel_cdf(x: Mpf, loc: Mpf, scale: Mpf) -> Mpf:
    z = _gumbel_z(x, loc, scale)
    # below z = -700 the CDF is under 10^(-10^303), and exp(-exp(-z)) of the grid search's far points
    # (z = -1e160) would need an exponent of 1e160 bits
    return mp.exp(-mp.exp(-z)) if z > -700 else mp.mpf(0)


def _gumbel_sf(x: Mpf, loc: Mpf, scale: Mpf) -> Mpf:
    z = _gumbel_z(x, loc, scale)
    return -mp.expm1(-mp.exp(-z)) if z > -700 else mp.mpf(1)


def _student_lower(t: Mpf, df: Mpf) -> Mpf:
    """P(T <= t) for t <= 0."""
    return _ibeta(df / 2, mp.mpf(0.5), df / (df + t * t)) / 2


def _student_cdf(x: Mpf, df: Mpf, loc: Mpf, scale: Mpf) -> Mpf:
    t = (x - loc) / scale
    return _student_lower(t, df) if t <= 0 else 1 - _student_lower(-t, df)


def _student_logpdf(x: Mpf, df: Mpf, loc: Mpf, scale: Mpf) -> Mpf:
    t = (x - loc) / scale
    return (
        mp.loggamma((df + 1) / 2)
        - mp.loggamma(df / 2)
        - mp.log(df * mp.pi) / 2
        - mp.log(scale)
        - (df + 1) / 2 * mp.log1p(t * t / df)
    )


def _trunc_logpdf(x: Mpf, loc: Mpf, scale: Mpf, low: Mpf, high: Mpf) -> Mpf:
    a, b = (low - loc) / scale, (high - loc) / scale
    return _normal_logpdf(x, loc, scale) - mp.log(_normal_mass(a, b))


def _trunc_cdf(x: Mpf, loc: Mpf, scale: Mpf, low: Mpf, high: Mpf) -> Mpf:
    a, b, z = (low - loc) / scale, (high - loc) / scale, (x - loc) / scale
    return _normal_mass(a, z) / _normal_mass(a, b)


def _trunc_sf(x: Mpf, loc: Mpf, scale: Mpf, low: Mpf, high: Mpf) -> Mpf:
    a, b, z = (low - loc) / scale, (high - loc) / scale, (x - loc) / scale
    return _normal_mass(z, b) / _normal_mass(a, b)


def _von_mises_logpdf(x: Mpf, loc: Mpf, concentration: Mpf) -> Mpf:
    return concentration * mp.cos(x - loc) - mp.log(2 * mp.pi * mp.besseli(0, concentration))


_VON_MISES_COEFFICIENTS: dict[Mpf, list[Mpf]] = {}


def _von_mises_tail(t: Mpf, concentration: Mpf) -> Mpf:
    """The mass of (-pi, t] for loc 0: (t + pi) / (2 pi) + sum_n I_n(k) sin(n t) / (n pi I_0(k)), at 20 more
    digits (the sum cancels the first term near -pi); a hundred times faster than quadrature."""
    with mp.workdps(mp.mp.dps + 20):
        coefficients = _VON_MISES_COEFFICIENTS.get(concentration)
        if coefficients is None:
            i0, coefficients, n = mp.besseli(0, concentration), [], 1
            while not coefficients or abs(coefficients[-1]) > mp.mpf(10) ** -(mp.mp.dps + 5):
                coefficients.append(mp.besseli(n, concentration) / (n * mp.pi * i0))
                n += 1
            _VON_MISES_COEFFICIENTS[concentration] = coefficients
        t = mp.mpf(t)
        total = (t + mp.pi) / (2 * mp.pi) + mp.fsum(c * mp.sin((n + 1) * t) for n, c in enumerate(coefficients))
    return +total


def _von_mises_cdf(x: Mpf, loc: Mpf, concentration: Mpf) -> Mpf:
    return _von_mises_tail(x - loc, concentration)


def _von_mises_sf(x: Mpf, loc: Mpf, concentration: Mpf) -> Mpf:
    return _von_mises_tail(loc - x, concentration)


def _continuous_bernoulli_logc(probs: Mpf) -> Mpf:
    if probs == 0.5:
        return mp.log(2)
    return mp.log(2 * mp.atanh(1 - 2 * probs) / (1 - 2 * probs))


def _continuous_bernoulli_cdf(x: Mpf, probs: Mpf) -> Mpf:
    if probs == 0.5:
        return x
    lam = probs
    return (1 - lam) * mp.expm1(x * mp.log(lam / (1 - lam))) / (2 * lam - 1)


def _continuous_bernoulli_sf(x: Mpf, probs: Mpf) -> Mpf:
    if probs == 0.5:
        return 1 - x
    lam = probs
    return -lam * mp.expm1(-(1 - x) * mp.log(lam / (1 - lam))) / (2 * lam - 1)


def _gpd_y(x: Mpf, loc: Mpf, scale: Mpf, concentration: Mpf) -> Mpf:
    """log1p(xi z) / xi: the cumulative hazard."""
    z = (x - loc) / scale
    return mp.log1p(concentration * z) / concentration


def _kumaraswamy_log_sf(x: Mpf, concentration1: Mpf, concentration0: Mpf) -> Mpf:
    return concentration0 * mp.log1p(-(x**concentration1))


def _normal_build(ad: Any, p: dict[str, Any], name: str) -> Any:
    base = ad.Normal(p["loc"], p["scale"])
    if name == "Truncated":
        return ad.Truncated(base, low=p["low"], high=p["high"])
    return ad.TransformedDistribution(base, [ad.transforms.ExpTransform()])


def _lognormal_z(x: Mpf, loc: Mpf, scale: Mpf) -> Mpf:
    return (mp.log(x) - loc) / scale


_POS = {"support": lambda **p: (0.0, inf)}
_UNIT = {"support": lambda **p: (0.0, 1.0), "center": lambda **p: 0.5, "width": lambda **p: 0.25}

FAMILIES: tuple[Family, ...] = (
    Family(
        "Normal",
        "Normal",
        ({"loc": 0.5, "scale": 2.0},),
        _normal_logpdf,
        lambda x, loc, scale: _ncdf((x - loc) / scale),
        lambda x, loc, scale: _ncdf((loc - x) / scale),
        center=lambda loc, scale: loc,
        width=lambda loc, scale: scale,
    ),
    Family(
        "Exponential",
        "Exponential",
        ({"rate": 2.0},),
        lambda x, rate: mp.log(rate) - rate * x,
        lambda x, rate: -mp.expm1(-rate * x),
        lambda x, rate: mp.exp(-rate * x),
        center=lambda rate: 0.7 / rate,
        **_POS,
    ),
    Family(
        "Uniform",
        "Uniform",
        ({"low": -1.0, "high": 3.0},),
        lambda x, low, high: -mp.log(high - low),
        lambda x, low, high: (x - low) / (high - low),
        lambda x, low, high: (high - x) / (high - low),
        support=lambda low, high: (low, high),
        center=lambda low, high: (low + high) / 2,
    ),
    Family(
        "Laplace",
        "Laplace",
        ({"loc": 0.5, "scale": 2.0},),
        lambda x, loc, scale: -mp.log(2 * scale) - abs(x - loc) / scale,
        _laplace_cdf,
        lambda x, loc, scale: _laplace_cdf(2 * loc - x, loc, scale),
        center=lambda loc, scale: loc,
        width=lambda loc, scale: scale,
    ),
    Family(
        "Cauchy",
        "Cauchy",
        ({"loc": 0.5, "scale": 2.0},),
        lambda x, loc, scale: -mp.log(mp.pi * scale) - mp.log1p(((x - loc) / scale) ** 2),
        _cauchy_cdf,
        lambda x, loc, scale: _cauchy_cdf(2 * loc - x, loc, scale),
        center=lambda loc, scale: loc,
        width=lambda loc, scale: scale,
    ),
    Family(
        "HalfCauchy",
        "HalfCauchy",
        ({"scale": 2.0},),
        lambda x, scale: mp.log(2 / (mp.pi * scale)) - mp.log1p((x / scale) ** 2),
        lambda x, scale: 2 * mp.atan(x / scale) / mp.pi,
        lambda x, scale: 2 * mp.atan(scale / x) / mp.pi,
        center=lambda scale: scale,
        **_POS,
    ),
    Family(
        "HalfNormal",
        "HalfNormal",
        ({"scale": 2.0},),
        lambda x, scale: mp.log(2 / mp.pi) / 2 - mp.log(scale) - x * x / (2 * scale * scale),
        lambda x, scale: mp.erf(x / (scale * mp.sqrt(2))),
        lambda x, scale: mp.erfc(x / (scale * mp.sqrt(2))),
        center=lambda scale: 0.7 * scale,
        **_POS,
    ),
    Family(
        "LogNormal",
        "LogNormal",
        ({"loc": 0.5, "scale": 1.5},),
        lambda x, loc, scale: -mp.log(x) - mp.log(scale) - LOG_2PI / 2 - _lognormal_z(x, loc, scale) ** 2 / 2,
        lambda x, loc, scale: _ncdf(_lognormal_z(x, loc, scale)),
        lambda x, loc, scale: _ncdf(-_lognormal_z(x, loc, scale)),
        center=lambda loc, scale: math.exp(loc),
        **_POS,
    ),
    Family(
        "TransformedDistribution(Normal, [ExpTransform()])",
        "TransformedDistribution",
        ({"loc": 0.5, "scale": 1.5},),
        lambda x, loc, scale: -mp.log(x) - mp.log(scale) - LOG_2PI / 2 - _lognormal_z(x, loc, scale) ** 2 / 2,
        lambda x, loc, scale: _ncdf(_lognormal_z(x, loc, scale)),
        lambda x, loc, scale: _ncdf(-_lognormal_z(x, loc, scale)),
        center=lambda loc, scale: math.exp(loc),
        build=lambda ad, p: _normal_build(ad, p, "TransformedDistribution"),
        **_POS,
    ),
    Family(
        "Gumbel",
        "Gumbel",
        ({"loc": 0.5, "scale": 2.0},),
        lambda x, loc, scale: -mp.log(scale) - _gumbel_z(x, loc, scale) - mp.exp(-_gumbel_z(x, loc, scale)),
        _gumbel_cdf,
        _gumbel_sf,
        center=lambda loc, scale: loc,
        width=lambda loc, scale: scale,
    ),
    Family(
        "Gamma",
        "Gamma",
        ({"concentration": 2.5, "rate": 2.0}, {"concentration": 0.125, "rate": 1.0}),
        lambda x, concentration, rate: (
            concentration * mp.log(rate) + (concentration - 1) * mp.log(x) - rate * x - mp.loggamma(concentration)
        ),
        lambda x, concentration, rate: _reg_lower_gamma(concentration, rate * x),
        lambda x, concentration, rate: _reg_upper_gamma(concentration, rate * x),
        center=lambda concentration, rate: concentration / rate,
        **_POS,
    ),
    Family(
        "Chi2",
        "Chi2",
        ({"df": 3.0},),
        lambda x, df: -df / 2 * mp.log(2) + (df / 2 - 1) * mp.log(x) - x / 2 - mp.loggamma(df / 2),
        lambda x, df: _reg_lower_gamma(df / 2, x / 2),
        lambda x, df: _reg_upper_gamma(df / 2, x / 2),
        center=lambda df: df,
        **_POS,
    ),
    Family(
        "InverseGamma",
        "InverseGamma",
        ({"concentration": 2.5, "rate": 2.0},),
        lambda x, concentration, rate: (
            concentration * mp.log(rate) - mp.loggamma(concentration) - (concentration + 1) * mp.log(x) - rate / x
        ),
        lambda x, concentration, rate: _reg_upper_gamma(concentration, rate / x),
        lambda x, concentration, rate: _reg_lower_gamma(concentration, rate / x),
        center=lambda concentration, rate: rate / concentration,
        **_POS,
    ),
    Family(
        "Beta",
        "Beta",
        ({"concentration1": 2.5, "concentration0": 0.5}, {"concentration1": 0.125, "concentration0": 4.0}),
        lambda x, concentration1, concentration0: (
            (concentration1 - 1) * mp.log(x)
            + (concentration0 - 1) * mp.log1p(-x)
            - _log_beta(concentration1, concentration0)
        ),
        lambda x, concentration1, concentration0: _ibeta(concentration1, concentration0, x),
        lambda x, concentration1, concentration0: _ibeta(concentration0, concentration1, 1 - x),
        **_UNIT,
    ),
    Family(
        "StudentT",
        "StudentT",
        ({"df": 3.0, "loc": 0.5, "scale": 2.0}, {"df": 0.5, "loc": 0.0, "scale": 1.0}),
        _student_logpdf,
        _student_cdf,
        lambda x, df, loc, scale: _student_cdf(2 * loc - x, df, loc, scale),
        center=lambda df, loc, scale: loc,
        width=lambda df, loc, scale: scale,
    ),
    Family(
        "FisherSnedecor",
        "FisherSnedecor",
        ({"df1": 3.0, "df2": 5.0},),
        lambda x, df1, df2: (
            df1 / 2 * mp.log(df1 / df2)
            + (df1 / 2 - 1) * mp.log(x)
            - (df1 + df2) / 2 * mp.log1p(df1 * x / df2)
            - _log_beta(df1 / 2, df2 / 2)
        ),
        lambda x, df1, df2: _ibeta(df1 / 2, df2 / 2, df1 * x / (df1 * x + df2)),
        lambda x, df1, df2: _ibeta(df2 / 2, df1 / 2, df2 / (df1 * x + df2)),
        center=lambda df1, df2: 1.0,
        **_POS,
    ),
    Family(
        "Pareto",
        "Pareto",
        ({"scale": 1.5, "alpha": 2.5},),
        lambda x, scale, alpha: mp.log(alpha) + alpha * mp.log(scale) - (alpha + 1) * mp.log(x),
        lambda x, scale, alpha: -mp.expm1(alpha * mp.log(scale / x)),
        lambda x, scale, alpha: mp.exp(alpha * mp.log(scale / x)),
        support=lambda scale, alpha: (scale, inf),
        center=lambda scale, alpha: 1.3 * scale,
        width=lambda scale, alpha: scale,
    ),
    Family(
        "Weibull",
        "Weibull",
        ({"scale": 2.0, "concentration": 1.5},),
        lambda x, scale, concentration: (
            mp.log(concentration / scale) + (concentration - 1) * mp.log(x / scale) - (x / scale) ** concentration
        ),
        lambda x, scale, concentration: -mp.expm1(-((x / scale) ** concentration)),
        lambda x, scale, concentration: mp.exp(-((x / scale) ** concentration)),
        center=lambda scale, concentration: scale,
        **_POS,
    ),
    Family(
        "Kumaraswamy",
        "Kumaraswamy",
        ({"concentration1": 2.5, "concentration0": 0.5},),
        lambda x, concentration1, concentration0: (
            mp.log(concentration1 * concentration0)
            + (concentration1 - 1) * mp.log(x)
            + (concentration0 - 1) * mp.log1p(-(x**concentration1))
        ),
        lambda x, concentration1, concentration0: -mp.expm1(_kumaraswamy_log_sf(x, concentration1, concentration0)),
        lambda x, concentration1, concentration0: mp.exp(_kumaraswamy_log_sf(x, concentration1, concentration0)),
        **_UNIT,
    ),
    Family(
        "ContinuousBernoulli",
        "ContinuousBernoulli",
        ({"probs": 0.25},),
        lambda x, probs: _continuous_bernoulli_logc(probs) + x * mp.log(probs) + (1 - x) * mp.log1p(-probs),
        _continuous_bernoulli_cdf,
        _continuous_bernoulli_sf,
        **_UNIT,
    ),
    Family(
        "GeneralizedPareto",
        "GeneralizedPareto",
        (
            {"loc": 0.5, "scale": 2.0, "concentration": 0.25},
            {"loc": 0.0, "scale": 1.0, "concentration": -0.25},
        ),
        lambda x, loc, scale, concentration: (
            -mp.log(scale) - (1 / concentration + 1) * mp.log1p(concentration * (x - loc) / scale)
        ),
        lambda x, loc, scale, concentration: -mp.expm1(-_gpd_y(x, loc, scale, concentration)),
        lambda x, loc, scale, concentration: mp.exp(-_gpd_y(x, loc, scale, concentration)),
        support=lambda loc, scale, concentration: (loc, loc - scale / concentration if concentration < 0 else inf),
        center=lambda loc, scale, concentration: loc + scale,
        width=lambda loc, scale, concentration: scale,
    ),
    Family(
        "VonMises",
        "VonMises",
        ({"loc": 0.0, "concentration": 2.0},),
        _von_mises_logpdf,
        _von_mises_cdf,
        _von_mises_sf,
        support=lambda loc, concentration: (loc - math.pi, loc + math.pi),
        center=lambda loc, concentration: loc,
    ),
    Family(
        "TruncatedNormal",
        "TruncatedNormal",
        (
            {"loc": 0.5, "scale": 2.0, "low": -1.0, "high": 3.0},
            {"loc": 0.0, "scale": 1.0, "low": 30.0, "high": 40.0},
        ),
        _trunc_logpdf,
        _trunc_cdf,
        _trunc_sf,
        support=lambda loc, scale, low, high: (low, high),
        center=lambda loc, scale, low, high: min(max(loc, low + (high - low) / 64), high - (high - low) / 2),
        width=lambda loc, scale, low, high: scale,
    ),
    Family(
        "Truncated(Normal)",
        "Truncated",
        (
            {"loc": 0.5, "scale": 2.0, "low": -1.0, "high": 3.0},
            {"loc": 0.0, "scale": 1.0, "low": 30.0, "high": 40.0},
        ),
        _trunc_logpdf,
        _trunc_cdf,
        _trunc_sf,
        support=lambda loc, scale, low, high: (low, high),
        center=lambda loc, scale, low, high: min(max(loc, low + (high - low) / 64), high - (high - low) / 2),
        width=lambda loc, scale, low, high: scale,
        build=lambda ad, p: _normal_build(ad, p, "Truncated"),
    ),
    # the discrete families: masses at integers, CDFs through the regularized incomplete gamma and beta
    Family(
        "Poisson",
        "Poisson",
        ({"rate": 3.5},),
        lambda k, rate: k * mp.log(rate) - rate - mp.loggamma(k + 1),
        lambda k, rate: _reg_upper_gamma(k + 1, rate),
        lambda k, rate: _reg_lower_gamma(k + 1, rate),
        center=lambda rate: rate,
        support=lambda rate: (0.0, inf),
        discrete=True,
    ),
    Family(
        "Binomial",
        "Binomial",
        ({"total_count": 400.0, "probs": 0.25},),
        lambda k, total_count, probs: (
            mp.loggamma(total_count + 1)
            - mp.loggamma(k + 1)
            - mp.loggamma(total_count - k + 1)
            + k * mp.log(probs)
            + (total_count - k) * mp.log1p(-probs)
        ),
        lambda k, total_count, probs: 1 if k >= total_count else _ibeta(total_count - k, k + 1, 1 - probs),
        lambda k, total_count, probs: 0 if k >= total_count else _ibeta(k + 1, total_count - k, probs),
        support=lambda total_count, probs: (0.0, total_count),
        center=lambda total_count, probs: total_count * probs,
        discrete=True,
    ),
    Family(
        "NegativeBinomial",
        "NegativeBinomial",
        ({"total_count": 4.5, "probs": 0.75},),
        lambda k, total_count, probs: (
            mp.loggamma(k + total_count)
            - mp.loggamma(k + 1)
            - mp.loggamma(total_count)
            + k * mp.log(probs)
            + total_count * mp.log1p(-probs)
        ),
        lambda k, total_count, probs: _ibeta(total_count, k + 1, 1 - probs),
        lambda k, total_count, probs: _ibeta(k + 1, total_count, probs),
        support=lambda total_count, probs: (0.0, inf),
        center=lambda total_count, probs: total_count * probs / (1 - probs),
        discrete=True,
    ),
    Family(
        "Geometric",
        "Geometric",
        ({"probs": 0.125},),
        lambda k, probs: k * mp.log1p(-probs) + mp.log(probs),
        lambda k, probs: -mp.expm1((k + 1) * mp.log1p(-probs)),
        lambda k, probs: mp.exp((k + 1) * mp.log1p(-probs)),
        support=lambda probs: (0.0, inf),
        center=lambda probs: 1 / probs,
        discrete=True,
    ),
    Family(
        "Bernoulli",
        "Bernoulli",
        ({"probs": 0.125},),
        lambda k, probs: mp.log(probs) if k == 1 else mp.log1p(-probs),
        lambda k, probs: 1 - probs if k == 0 else mp.mpf(1),
        lambda k, probs: probs if k == 0 else mp.mpf(0),
        support=lambda probs: (0.0, 1.0),
        discrete=True,
    ),
)

#: the public distributions that have no row, with the reason
NOT_TABULATED = {
    "Categorical": "categories are labels, not ordered values: no CDF (as torch.distributions)",
    "OneHotCategorical": "events are one-hot vectors: multivariate",
    "OneHotCategoricalStraightThrough": "events are one-hot vectors: multivariate",
    "Multinomial": "events are count vectors: multivariate",
    "MultivariateNormal": "multivariate",
    "LowRankMultivariateNormal": "multivariate",
    "Dirichlet": "multivariate",
    "Independent": "reinterprets batch dimensions as events: multivariate",
    "MixtureSameFamily": "a mixture: its tails are those of its components",
    "RelaxedBernoulli": "its tails are the logistic's at the logit, sigmoid(t logit(y) - logits): not tabulated yet",
    "RelaxedOneHotCategorical": "events on the simplex: multivariate",
}
