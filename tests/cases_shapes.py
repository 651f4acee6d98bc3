"""Registry cases of Uniform, Exponential, Gumbel, Pareto, Weibull and Kumaraswamy, with SciPy references.

Uniform's and Pareto's supports depend on their parameters: their references say so (``support_bounds``), and
the harness then checks that draws lie in their own member's support and that a value inside one member's
support and outside another's is refused (validation on) or has log density -inf (validation off).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import integrate, stats

from _case import Case, Partner

Fn = Callable[[np.ndarray], np.ndarray]


class ContinuousRef:
    """A univariate continuous reference from a frozen SciPy distribution ``d`` of batch shape ``shape``: every
    quantity is SciPy's (its ``logcdf``, ``sf`` and ``logsf`` for the tails) but the mode, which SciPy lacks
    (``mode``, an array of the batch shape).  The KL to another ``ContinuousRef`` is computed by adaptive
    quadrature over this member's support, independent of any closed form.  ``bounded=True`` marks a support
    that depends on the parameters (``support_bounds``)."""

    def __init__(self, d: Any, shape: tuple[int, ...], mode: Any, bounded: bool = False) -> None:
        self.d, self.shape = d, shape
        self._mode = mode
        if bounded:
            self.support_bounds = self._support_bounds

    def _b(self, x: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, np.float64), self.shape)

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
        return self._b(self.d.entropy())

    @property
    def mean(self) -> np.ndarray:
        return self._b(self.d.mean())

    @property
    def mode(self) -> np.ndarray:
        return self._b(self._mode)

    @property
    def variance(self) -> np.ndarray:
        return self._b(self.d.var())

    def _support_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(lowest, highest) value of each member's support."""
        low, high = self.d.support()
        return self._b(low), self._b(high)

    def marginal_cdfs(self) -> tuple[tuple[int, ...], Fn]:
        return self.shape, self.d.cdf

    def kl_divergence(self, other: ContinuousRef) -> np.ndarray:
        """KL(self || other) member by member, by quadrature over p's quantiles, the integral over (0, 1) of
        ``log p(x) - log q(x)`` at ``x = F_p^-1(u)`` (smooth and scale-free, where the integral over x of a narrow
        member misses it); infinite where q's support misses part of p's."""
        out = np.empty(self.shape)
        low, high = (self._b(b) for b in self.d.support())
        olow, ohigh = (np.broadcast_to(np.asarray(b, np.float64), self.shape) for b in other.d.support())
        for idx in np.ndindex(*self.shape):
            if olow[idx] > low[idx] or ohigh[idx] < high[idx]:
                out[idx] = np.inf
                continue
            p, q = self.member(idx), other.member(idx)

            def integrand(u: float, p: Any = p, q: Any = q) -> float:
                x = p.ppf(u)
                return float(p.logpdf(x) - q.logpdf(x))

            out[idx] = sum(
                integrate.quad(integrand, a, b, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
                for a, b in ((0.0, 0.5), (0.5, 1.0))
            )
        return out

    def member(self, idx: tuple[int, ...]) -> Any:
        """The frozen SciPy distribution of one batch member."""
        args = [self._b(a)[idx] for a in self.d.args]
        kwds = {k: self._b(v)[idx] for k, v in self.d.kwds.items()}
        return self.d.dist(*args, **kwds)


def _shape(*params: Any) -> tuple[int, ...]:
    return np.broadcast_shapes(*(np.shape(p) for p in params))


def _f(x: Any) -> np.ndarray:
    return np.asarray(x, np.float64)


def uniform_ref(low: Any, high: Any) -> ContinuousRef:
    low, high = _f(low), _f(high)
    shape = _shape(low, high)
    return ContinuousRef(stats.uniform(loc=low, scale=high - low), shape, np.full(shape, np.nan), bounded=True)


def exponential_ref(rate: Any) -> ContinuousRef:
    rate = _f(rate)
    return ContinuousRef(stats.expon(scale=1.0 / rate), rate.shape, np.zeros(rate.shape))


def _case(name: str, dist: str, build: Any, reference: Any, batch_shape: tuple[int, ...], **fields: Any) -> Case:
    return Case(name, dist, build, reference, batch_shape, has_cdf=True, has_icdf=True, **fields)


def _partner(cls: str, ref: Callable[..., ContinuousRef], *params: Any, convert: bool = True) -> Partner:
    """A partner of family ``cls`` with these parameters (Python numbers kept as they are where ``convert`` is
    False: a neutral partner)."""

    def build(lib: Any, c: Conv) -> Any:
        return getattr(lib, cls)(*(c(p) if convert else p for p in params))

    return Partner(build, lambda r: ref(*(r(p) if convert else p for p in params)))


Conv = Callable[[Any], Any]

# Uniform members with bounds of their own, some disjoint: a draw of the first member lies outside others'
U_LOW = np.array([[0.0, 1.0, -3.0], [-2.5, -0.5, 10.0]])
U_HIGH = np.array([0.5, 4.0, 12.0])
E_RATE = np.array([[0.5, 1.0, 3.0], [0.1, 7.0, 1.5]])

CASES: list[Case] = [
    # --- Uniform
    _case(
        "uniform-per-member-bounds",
        "Uniform",
        lambda lib, c: lib.Uniform(c(U_LOW), c(U_HIGH)),
        lambda r: uniform_ref(r(U_LOW), r(U_HIGH)),
        (2, 3),
        kl_partner=_partner("Uniform", uniform_ref, U_LOW - 1.0, U_HIGH + np.array([0.5, 2.0, 0.1])),
        tags=frozenset({"matrix"}),
    ),
    _case(
        "uniform-python-numbers",
        "Uniform",
        lambda lib, c: lib.Uniform(-1.0, 3.0),
        lambda r: uniform_ref(-1.0, 3.0),
        (),
        kl_partner=_partner("Uniform", uniform_ref, -2.0, 3.5, convert=False),
        tags=frozenset({"neutral"}),
    ),
    _case(
        "uniform-narrow-and-wide",
        "Uniform",
        lambda lib, c: lib.Uniform(c([1e3, -1e-4, -1e6]), c([1.5e3, 1e-4, 1e6])),
        lambda r: uniform_ref(r([1e3, -1e-4, -1e6]), r([1.5e3, 1e-4, 1e6])),
        (3,),
        kl_partner=_partner("Uniform", uniform_ref, [999.0, -1e-3, -2e6], [1.6e3, 2e-4, 1e6]),
        tags=frozenset({"tiny", "huge"}),
    ),
    # --- Exponential
    _case(
        "exponential-batched",
        "Exponential",
        lambda lib, c: lib.Exponential(c(E_RATE)),
        lambda r: exponential_ref(r(E_RATE)),
        (2, 3),
        kl_partner=_partner("Exponential", exponential_ref, E_RATE[::-1] * 1.3),
        tags=frozenset({"matrix"}),
    ),
    _case(
        "exponential-python-numbers",
        "Exponential",
        lambda lib, c: lib.Exponential(1.5),
        lambda r: exponential_ref(1.5),
        (),
        kl_partner=_partner("Exponential", exponential_ref, 0.5, convert=False),
        tags=frozenset({"neutral"}),
    ),
    _case(
        "exponential-tiny-and-huge-rates",
        "Exponential",
        lambda lib, c: lib.Exponential(c([1e-6, 1e6])),
        lambda r: exponential_ref(r([1e-6, 1e6])),
        (2,),
        kl_partner=_partner("Exponential", exponential_ref, [3e-6, 2e5]),
        tags=frozenset({"tiny", "huge"}),
    ),
]
