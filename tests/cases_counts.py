"""Registry cases of the counts discrete families: Binomial, Geometric, NegativeBinomial, Poisson (see
``cases.py`` and ``docs/testing.md``).

SciPy's conventions differ from torch's in two places: ``geom`` counts trials (torch's Geometric counts failures:
``loc=-1``), and ``nbinom(n, p)`` takes the probability of a failure in torch's terms (``nbinom(total_count,
1 - probs)``).  KL references are exact sums over the support (to where SciPy's tail mass is below 1e-15, and a margin).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

from _case import Case, Conv, DiscreteRef, Partner

_TAIL = 1e-15  # SciPy's isf is NaN much below this


class CountRef(DiscreteRef):
    """A :class:`DiscreteRef` whose KL to another of a count family is the exact sum over the support."""

    def _support(self, other: CountRef) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):  # SciPy's geom.isf at p = 1 (inf: the mass is at 0)
            high = np.broadcast_to(self.d.isf(_TAIL), self.shape)
        assert not np.isnan(high).any(), "the reference's support bound is NaN"
        high = 1.1 * np.max(np.where(np.isfinite(high), high, 0.0), initial=0.0) + 10
        return np.arange(int(high) + 1, dtype=np.float64).reshape((-1,) + (1,) * len(self.shape))

    def kl_divergence(self, other: CountRef) -> np.ndarray:
        k = self._support(other)
        lp, lq = self.d.logpmf(k), other.d.logpmf(k)
        with np.errstate(invalid="ignore"):
            terms = np.where(lp > -np.inf, np.exp(lp) * (lp - lq), 0.0)
        return np.broadcast_to(terms.sum(axis=0), self.shape)


def _probs(probs: Any = None, logits: Any = None) -> np.ndarray:
    return np.asarray(probs, np.float64) if logits is None else special.expit(np.asarray(logits, np.float64))


def _binary_entropy_sum(d: Any, shape: tuple[int, ...], high: int) -> np.ndarray:
    """Exact -sum P log P over 0..high (SciPy's own entropy warns at probabilities of exactly 0 and 1)."""
    k = np.arange(high + 1, dtype=np.float64).reshape((-1,) + (1,) * len(shape))
    return -special.xlogy(d.pmf(k), d.pmf(k)).sum(axis=0)


# ------------------------------------------------------------------------------------------- Binomial
def binomial_ref(n: Any, probs: Any = None, logits: Any = None) -> CountRef:
    n, p = np.broadcast_arrays(np.asarray(n, np.float64), _probs(probs, logits))
    d = stats.binom(n, p)
    return CountRef(d, n.shape, lambda: _binary_entropy_sum(d, n.shape, int(n.max()) if n.size else 0))


def _binomial(n: Any, form: str, value: Any, convert: bool = True) -> tuple[Any, Any]:
    """(build, reference) of Binomial(n, form=value); ``convert=False`` keeps Python numbers."""

    def build(lib: Any, c: Conv) -> Any:
        return lib.Binomial(c(n), **{form: c(value)}) if convert else lib.Binomial(n, **{form: value})

    def reference(r: Conv) -> Any:
        rounded = (r(n), r(value)) if convert else (n, value)
        return binomial_ref(rounded[0], **{form: rounded[1]})

    return build, reference


def _binomial_case(name: str, n: Any, form: str, value: Any, partner: Any, shape: tuple[int, ...], **kw: Any) -> Case:
    convert = "neutral" not in kw.get("tags", ())
    build, reference = _binomial(n, form, value, convert)
    return Case(
        name, "Binomial", build, reference, shape, has_rsample=False, discrete=True, has_enumerate_support=True,
        has_cdf=True, traced_entropy=False, kl_partner=Partner(*_binomial(n, form, partner, convert)), **kw,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------- Geometric
class GeometricRef(CountRef):
    """SciPy's geom moments divide by zero at p = 1 (a point mass at 0): the closed forms instead."""

    @property
    def mean(self) -> np.ndarray:
        p = self.d.args[0]
        return (1 - p) / p

    @property
    def variance(self) -> np.ndarray:
        p = self.d.args[0]
        return (1 - p) / p**2

    def icdf(self, q: np.ndarray) -> np.ndarray:
        """0 at p = 1, a point mass at 0 (SciPy's ppf says -1 there)."""
        return np.where(np.asarray(self.d.args[0]) >= 1, 0.0, super().icdf(q))

    def marginal_pmf(self) -> tuple[tuple[int, ...], Any, Any]:
        def quiet(fn: Any) -> Any:
            def call(k: np.ndarray) -> np.ndarray:
                with np.errstate(divide="ignore", invalid="ignore"):  # log1p(-1) inside SciPy at p = 1
                    return fn(k)

            return call

        return self.shape, quiet(self.d.pmf), quiet(self.d.cdf)


def geometric_ref(probs: Any = None, logits: Any = None) -> CountRef:
    p = _probs(probs, logits)
    d = stats.geom(p, loc=-1)
    with np.errstate(divide="ignore", invalid="ignore"):  # log1p(-1) at p = 1, where the mass is at 0
        high = int(np.max(np.where(p < 1, np.log(_TAIL) / np.log1p(-p), 0.0), initial=0.0)) + 1
    return GeometricRef(d, p.shape, lambda: _binary_entropy_sum(d, p.shape, high))


def _geometric_case(name: str, form: str, value: Any, partner: Any, shape: tuple[int, ...], **kw: Any) -> Case:
    convert = "neutral" not in kw.get("tags", ())

    def pair(v: Any) -> tuple[Any, Any]:
        if convert:
            return lambda lib, c: lib.Geometric(**{form: c(v)}), lambda r: geometric_ref(**{form: r(v)})
        return lambda lib, c: lib.Geometric(**{form: v}), lambda r: geometric_ref(**{form: v})

    return Case(
        name, "Geometric", *pair(value), shape, has_rsample=False, discrete=True, has_cdf=True, has_icdf=True,
        kl_partner=Partner(*pair(partner)), **kw,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------- NegativeBinomial
def negative_binomial_ref(r: Any, probs: Any = None, logits: Any = None) -> DiscreteRef:
    r, p = np.broadcast_arrays(np.asarray(r, np.float64), _probs(probs, logits))
    return DiscreteRef(stats.nbinom(r, 1 - p), r.shape)


def _nb_case(name: str, r: Any, form: str, value: Any, shape: tuple[int, ...], **kw: Any) -> Case:
    if "neutral" in kw.get("tags", ()):
        build = lambda lib, c: lib.NegativeBinomial(r, **{form: value})  # noqa: E731
        reference = lambda _: negative_binomial_ref(r, **{form: value})  # noqa: E731
    else:
        build = lambda lib, c: lib.NegativeBinomial(c(r), **{form: c(value)})  # noqa: E731
        reference = lambda rd: negative_binomial_ref(rd(r), **{form: rd(value)})  # noqa: E731
    return Case(
        name, "NegativeBinomial", build, reference, shape, has_rsample=False, discrete=True, has_entropy=False,
        has_cdf=True, **kw,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------- Poisson
def poisson_ref(rate: Any) -> CountRef:
    rate = np.asarray(rate, np.float64)
    return CountRef(stats.poisson(rate), rate.shape)


def _poisson_case(name: str, rate: Any, partner: Any, shape: tuple[int, ...], **kw: Any) -> Case:
    if "neutral" in kw.get("tags", ()):
        pair = lambda v: (lambda lib, c: lib.Poisson(v), lambda r: poisson_ref(v))  # noqa: E731
    else:
        pair = lambda v: (lambda lib, c: lib.Poisson(c(v)), lambda r: poisson_ref(r(v)))  # noqa: E731
    return Case(
        name, "Poisson", *pair(rate), shape, has_rsample=False, discrete=True, has_entropy=False, has_cdf=True,
        kl_partner=Partner(*pair(partner)), **kw,
    )  # fmt: skip


CLAMP = "torch clamps probs to [eps, 1 - eps]"
#: why torch's log_prob differs at counts near 1e6
LARGE_COUNTS_FLOAT32 = (
    "torch's float32 log_prob at counts near 1e6 is off by O(1) (lgamma(1e6 + 1) ~ 1.3e7 holds +-1 in float32); "
    "arraydist's narrow-float saddle-point form keeps float32's resolution, checked against SciPy here"
)
#: why the tails of two Poisson cases are compared absolutely (to 2 rtol) below 2: cdf and survival_function
IGAMMA = (
    "the Poisson tails are torch's igammac and igamma (arraydist's special-function table), 1.5e-9 relative off in "
    "float64 at rates 1 to 30 (test_backend_special.py's LOOSER), past the float64 tolerance of 1e-9"
)
_U4 = np.array([0.1, 0.4, 0.7, 0.95])
_L23 = np.array([[-2.0, -0.5, 0.0], [0.5, 1.5, 3.0]])
NEUTRAL = frozenset({"neutral"})

CASES: list[Case] = [
    # --- Binomial
    _binomial_case("binomial-scalar", 10.0, "probs", 0.3, 0.6, ()),
    _binomial_case("binomial-batched", 12.0, "probs", _U4, _U4[::-1], (4,)),
    _binomial_case("binomial-logits", 7.0, "logits", _L23, _L23[::-1] + 0.3, (2, 3), tags=frozenset({"matrix"})),
    # total_count 0 (a point mass at 0) beside others: a column against a probs row
    _binomial_case(
        "binomial-column-row",
        [[0.0], [3.0], [8.0]],
        "probs",
        [0.2, 0.5, 0.7],
        [0.6, 0.3, 0.1],
        (3, 3),
        enumerates=False,
        torch_differs=frozenset({"entropy"}),
        torch_differs_why="torch's Binomial.entropy refuses a total_count that differs between batch members",
    ),
    _binomial_case(
        "binomial-probs-edges",
        6.0,
        "probs",
        [0.0, 1e-6, 0.5, 1 - 1e-6, 1.0],
        [0.3, 0.2, 0.6, 0.1, 0.7],
        (5,),
        tags=frozenset({"tiny", "boundary"}),
        torch_differs=frozenset({"kl"}),
        torch_differs_why=f"{CLAMP}: its KL from probs of exactly 1 is -inf",
    ),
    _binomial_case(
        "binomial-logits-extreme",
        5.0,
        "logits",
        [-30.0, 0.5, 12.0],
        [-1.0, 0.0, 2.0],
        (3,),
        tags=frozenset({"tiny"}),
        torch_differs=frozenset({"kl"}),
        torch_differs_why=f"{CLAMP}: in float32 its KL at logits 12 is 0.6786, the exact value 0.6343",
    ),
    _binomial_case("binomial-total-count-one", 1.0, "logits", [-0.7, 1.2, 0.0], [0.4, -1.5, 2.0], (3,)),
    _binomial_case(
        "binomial-huge-count",
        1e6,
        "probs",
        [1e-5, 3e-6],
        [2e-5, 1e-6],
        (2,),
        tags=frozenset({"huge"}),
        torch_differs=frozenset({"entropy", "log_prob"}),
        torch_differs_why="torch's entropy is off by 4e-10 relative at n = 1e6 (the sum of 1e6 float64 terms); "
        + LARGE_COUNTS_FLOAT32,
    ),
    _binomial_case("binomial-python-probs", 10, "probs", 0.3, 0.45, (), tags=NEUTRAL),
    _binomial_case("binomial-python-logits", 10, "logits", 0.3, -0.45, (), tags=NEUTRAL),
    # --- Geometric
    _geometric_case("geometric-scalar", "probs", 0.3, 0.6, ()),
    _geometric_case("geometric-batched", "probs", [0.05, 0.2, 0.5, 0.9], [0.5, 0.9, 0.05, 0.2], (4,)),
    _geometric_case("geometric-logits", "logits", _L23, _L23[::-1] + 0.3, (2, 3), tags=frozenset({"matrix"})),
    _geometric_case("geometric-row", "logits", _L23[1:], _L23[:1], (1, 3)),
    _geometric_case(
        "geometric-probs-edges",
        "probs",
        [1e-3, 1 - 1e-6, 1.0],
        [0.3, 0.5, 0.8],
        (3,),
        tags=frozenset({"tiny", "boundary"}),
        torch_differs=frozenset({"entropy", "kl"}),
        torch_differs_why=f"{CLAMP}: its float32 entropy at p = 1e-3 is 4e-5 off, its KL from p = 1 not finite",
    ),
    _geometric_case(
        "geometric-logits-extreme",
        "logits",
        [-6.0, 12.0],
        [-2.0, 3.0],
        (2,),
        tags=frozenset({"huge"}),
        torch_differs=frozenset({"kl"}),
        torch_differs_why=f"{CLAMP}: in float32 its KL at logits 12 is off by 0.04",
    ),
    _geometric_case("geometric-python-probs", "probs", 0.3, 0.7, (), tags=NEUTRAL),
    _geometric_case("geometric-python-logits", "logits", 0.3, -1.2, (), tags=NEUTRAL),
    # --- NegativeBinomial (torch registers no KL rule for it)
    _nb_case("negative-binomial-scalar", 5.0, "probs", 0.4, ()),
    _nb_case("negative-binomial-batched", [1.0, 2.5, 10.0], "probs", [0.2, 0.5, 0.8], (3,)),
    _nb_case(
        "negative-binomial-column-row", [[0.5], [4.0]], "probs", [0.1, 0.6, 0.3], (2, 3), tags=frozenset({"matrix"})
    ),
    _nb_case("negative-binomial-logits", [2.0, 7.5], "logits", [-1.0, 0.8], (2,)),
    _nb_case(
        "negative-binomial-tiny-count", [1e-3, 1e-3, 1.5], "probs", [0.3, 0.9, 0.5], (3,), tags=frozenset({"tiny"})
    ),
    _nb_case(
        "negative-binomial-probs-edges",
        3.0,
        "probs",
        [0.0, 1e-6, 0.99],
        (3,),
        tags=frozenset({"tiny", "boundary"}),
        torch_differs=frozenset({"stddev"}),
        torch_differs_why=f"{CLAMP}: its stddev at p = 0 (a point mass) is sqrt(3 eps), 6e-4 in float32, not 0",
    ),
    _nb_case("negative-binomial-large-mean", [30.0, 80.0], "probs", [0.9, 0.5], (2,), tags=frozenset({"huge"})),
    _nb_case("negative-binomial-python-probs", 4.0, "probs", 0.3, (), tags=NEUTRAL),
    _nb_case("negative-binomial-python-logits", 4.0, "logits", 0.3, (), tags=NEUTRAL),
    # --- Poisson
    _poisson_case("poisson-scalar", 3.5, 1.2, ()),
    _poisson_case(
        "poisson-batched", [0.1, 1.0, 7.5, 30.0], [0.5, 3.0, 6.0, 40.0], (4,), floors={"cdf": 2.0}, floors_why=IGAMMA
    ),
    _poisson_case(
        "poisson-matrix",
        np.exp(_L23),
        np.exp(_L23[::-1]),
        (2, 3),
        tags=frozenset({"matrix"}),
        floors={"cdf": 2.0},
        floors_why=IGAMMA,
    ),
    _poisson_case("poisson-row", [[0.5, 4.0, 9.0]], [[1.0, 3.0, 12.0]], (1, 3)),
    _poisson_case(
        "poisson-rate-zero",
        [0.0, 1e-6, 2.0],
        [0.5, 1e-3, 2.5],
        (3,),
        tags=frozenset({"tiny", "boundary"}),
        torch_differs=frozenset({"kl"}),
        torch_differs_why="torch's KL(Poisson || Poisson) is NaN at rate 0 (0 log 0)",
    ),
    _poisson_case(
        "poisson-huge-rate",
        [1e4, 1e6],
        [1.1e4, 0.9e6],
        (2,),
        tags=frozenset({"huge"}),
        torch_differs=frozenset({"log_prob", "kl"}),
        torch_differs_why=LARGE_COUNTS_FLOAT32 + "; its float32 KL of 5,361 at rates 1e6 and 9e5 is a difference "
        "of terms of 1.4e7 (0.48 off; ours is bd0's, to float32's resolution)",
        floors={"cdf": 2.0, "log_prob": 2.0},
        floors_why="the tails are JAX's igamma, 1e-9 off in float64 at a = 1e4 and 2.5e-9 at 1e6 (absolutely below "
        "2, their logs too: log_cdf's floor is log_prob's, whose values here are all below -2)",
    ),
    _poisson_case("poisson-python-number", 2.5, 4.0, (), tags=NEUTRAL),
    _poisson_case("poisson-python-integer", 3, 1, (), tags=NEUTRAL),
]
