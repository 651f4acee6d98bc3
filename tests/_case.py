"""The case record of the registry (``Case``, ``Partner``) and the shared reference of discrete families.

``cases.py`` holds the registry itself; the cases of each group of families live in a module of their own
(``cases_binary.py``, ``cases_categorical.py``, ``cases_counts.py``), all made of these records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

Conv = Callable[[Any], Any]


class DiscreteRef:
    """Reference for a univariate discrete family from a frozen ``scipy.stats`` distribution ``d`` whose
    parameters have the batch shape ``shape``.  SciPy has no mode: it is found by enumerating SciPy's masses over
    each member's support (never by the family's own formula), with ``ties`` deciding between equal masses:
    ``"largest"`` (torch's convention for the count families: ``floor((n + 1) p)`` at an integer is the larger of
    two modes) or ``"nan"`` (Bernoulli at 1/2).  The entropy is SciPy's unless ``entropy`` (a function, called
    when the entropy is first asked for: a sum over a support of a million values is not paid by a sampler test)
    gives it where SciPy's is not exact.

    The goodness-of-fit protocol is ``marginal_pmf`` (counts against the pmf, ``_stats.discrete_uniforms``).
    """

    #: masses within this relative distance of the largest are ties: two equal modes (Poisson at an integer
    #: rate) agree only to about 1e-11 in SciPy's masses at rates of 1e4, and a mode computed from rounded
    #: parameters (NegativeBinomial's (r - 1) p / (1 - p) of 197.99999999999983 at p = 0.99) can fall either side
    TIE_RTOL = 1e-9

    def __init__(
        self, d: Any, shape: tuple[int, ...], entropy: Callable[[], Any] | None = None, ties: str = "largest"
    ) -> None:
        if ties not in ("largest", "nan"):
            raise ValueError(f"ties must be 'largest' or 'nan', not {ties!r}")
        self.d = d
        self.shape = shape
        self._entropy = entropy
        self._ties = ties

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return self.d.logpmf(x)

    # the tails from SciPy's own complementary functions (sf, logsf: not 1 - cdf), for cases with has_cdf; SciPy
    # warns at the edges (log1p(-1) in geom at p = 1, log(0) past the support's end) where its answer is right
    def cdf(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.d.cdf(x)

    def log_cdf(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.d.logcdf(x)

    def survival_function(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.d.sf(x)

    def log_survival_function(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.d.logsf(x)

    def icdf(self, q: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.d.ppf(q)

    def entropy(self) -> np.ndarray:
        e = self.d.entropy() if self._entropy is None else self._entropy()
        return np.broadcast_to(np.asarray(e, np.float64), self.shape)

    @property
    def mean(self) -> np.ndarray:
        return np.broadcast_to(self.d.mean(), self.shape)

    @property
    def variance(self) -> np.ndarray:
        return np.broadcast_to(self.d.var(), self.shape)

    def _masses(self) -> tuple[np.ndarray, np.ndarray]:
        """(values, their masses) over each member's window between SciPy's quantiles at 1e-9 and 1 - 1e-9, where
        every mode lies (masses past a member's window are -1)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = np.broadcast_to(np.nan_to_num(self.d.ppf(1e-9), nan=0.0, posinf=0.0), self.shape)
            hi = np.broadcast_to(self.d.isf(1e-9), self.shape)
        hi = np.where(np.isfinite(hi), hi, lo)
        lo = np.maximum(np.minimum(lo, hi) - 1.0, 0.0)
        width = (np.maximum(hi, lo) - lo + 2.0).astype(np.int64)
        t = np.arange(int(width.max(initial=1)), dtype=np.float64).reshape((-1,) + (1,) * len(self.shape))
        values = lo + t
        with np.errstate(divide="ignore", invalid="ignore"):
            return values, np.where(t < width, np.nan_to_num(self.d.pmf(values)), -1.0)

    @property
    def mode(self) -> np.ndarray:
        """The most probable value of each member, by enumeration of SciPy's masses (ties: ``ties``)."""
        values, masses = self._masses()
        tied = masses >= masses.max(axis=0) * (1.0 - self.TIE_RTOL)
        largest = np.max(np.where(tied, values, -np.inf), axis=0)
        if self._ties == "nan":
            return np.where(tied.sum(axis=0) > 1, np.nan, largest)
        return largest

    def is_mode(self, x: np.ndarray) -> np.ndarray:
        """Whether each member's ``x`` has the largest mass (within ``TIE_RTOL``); NaN is a mode exactly where
        two values tie and ``ties`` is ``"nan"``, and a number there is not."""
        _, masses = self._masses()
        top = masses.max(axis=0)
        tie = (masses >= top * (1.0 - self.TIE_RTOL)).sum(axis=0) > 1
        x = np.broadcast_to(np.asarray(x, np.float64), self.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            mass = np.nan_to_num(self.d.pmf(np.nan_to_num(x, nan=-1.0)))
        if self._ties == "nan":
            return np.where(np.isnan(x), tie, ~tie & (mass >= top * (1.0 - self.TIE_RTOL)))
        return ~np.isnan(x) & (mass >= top * (1.0 - self.TIE_RTOL))

    def marginal_pmf(self) -> tuple[tuple[int, ...], Callable[[np.ndarray], np.ndarray], Any]:
        return self.shape, self.d.pmf, self.d.cdf

    def sum_law(self, n: int) -> Any:
        """The law of the sum of ``n`` independent draws of each member (a frozen SciPy law of ``shape``), for an
        exact test of the mean (``_stats.sampler_pvalues``); ``None`` where SciPy's family has no closed form."""
        name = self.d.dist.name
        args = [np.broadcast_to(np.asarray(a, np.float64), self.shape) for a in self.d.args]
        if name == "poisson":
            return stats.poisson(n * args[0])
        if name == "binom":
            return stats.binom(n * args[0], args[1])
        if name == "bernoulli":
            return stats.binom(n, args[0])
        if name == "nbinom":
            return stats.nbinom(n * args[0], args[1])
        if name == "geom" and self.d.kwds.get("loc", 0) == -1:  # failures before the first success: NB(1, p)
            return stats.nbinom(n, args[0])
        return None


@dataclass(frozen=True)
class Partner:
    """A second distribution of a case's family, with different valid parameters of the same shapes (for KL)."""

    build: Callable[[Any, Conv], Any]
    reference: Callable[[Conv], Any]


@dataclass(frozen=True)
class Case:
    name: str
    dist: str  # the class name, in arraydist and torch.distributions alike
    #: build(lib, conv): the distribution from ``lib`` (arraydist or torch.distributions), arrays through ``conv``
    build: Callable[[Any, Conv], Any]
    #: reference(rounded): the NumPy/SciPy reference, parameters passed through ``rounded`` (dtype rounding).
    #: For ``implicit_reparam`` cases it must pass the parameters through ``rounded`` in the order ``build``
    #: passes them through ``conv`` (the implicit-gradient check perturbs them one by one).
    reference: Callable[[Conv], Any]
    batch_shape: tuple[int, ...]
    event_shape: tuple[int, ...] = ()
    #: ``rsample`` gives reparameterized draws (False: it raises NotImplementedError naming the class)
    has_rsample: bool = True
    #: ``cdf`` is implemented and the reference has ``cdf`` (False: it raises NotImplementedError)
    has_cdf: bool = False
    #: ``icdf`` is implemented and the reference has ``icdf`` (independent of ``has_cdf``)
    has_icdf: bool = False
    #: ``enumerate_support`` is implemented (the tests check its shapes and that its masses sum to 1)
    has_enumerate_support: bool = False
    #: integer- or boolean-valued support: goodness of fit by counts; no rsample (``Case`` refuses both)
    discrete: bool = False
    #: ``rsample`` differentiates through an implicit gradient (Gamma, Beta...): the draw path is checked by
    #: ``dz/dθ = -(∂F/∂θ)(z; θ) / f(z; θ)`` against the reference ``cdf``, not by finite differences of draws
    implicit_reparam: bool = False
    #: ``rsample`` is a pathwise sampler of several noises (Beta from two gammas, StudentT from a normal and a
    #: gamma, a gamma boosted in log space below concentration 1): its gradient is right in distribution, not draw
    #: by draw (the inverse-CDF identity of ``implicit_reparam`` holds only for one noise), so it is checked by
    #: ``test_gradients.test_reparameterized_gradient_in_distribution``: the Monte-Carlo mean of
    #: ``d f(draw) / dθ`` against the derivative of ``E f(X)`` from the reference's quantile function
    distributional_reparam: bool = False
    #: the relative tolerance of the draw-by-draw implicit-gradient check on torch where the backend's gradient
    #: is itself an approximation, and why (``implicit_rtol_why``); ``None``: the check's default (1e-5)
    implicit_rtol: float | None = None
    implicit_rtol_why: str = ""
    #: why the gradient of the draws is not checked on this case (empty: it is, by finite differences,
    #: ``implicit_reparam`` or ``distributional_reparam``), e.g. draws that underflow to the dtype's smallest
    #: normal number at tiny concentrations, whose gradient is 0 there
    no_reparam_check_why: str = ""
    #: ``rsample`` returns discrete draws carrying a surrogate gradient (OneHotCategoricalStraightThrough): the
    #: one discrete family with ``has_rsample``; gradients of its draws are not compared with finite differences
    straight_through: bool = False
    #: ``entropy`` is implemented (False: it raises NotImplementedError naming the class, as for Poisson,
    #: whose entropy has no closed form and which torch.distributions leaves out too)
    has_entropy: bool = True
    #: ``mean``, ``variance``, ``stddev`` and ``mode`` are implemented (False: they raise NotImplementedError
    #: naming the class, as for a TransformedDistribution, which has no closed form for them)
    has_moments: bool = True
    #: ``mode`` is implemented where ``has_moments`` is (False: it raises NotImplementedError naming the class, as
    #: for a mixture, whose mode has no closed form and which torch.distributions leaves out too)
    has_mode: bool = True
    #: ``entropy`` works under ``jax.jit`` and ``torch.compile`` (False: it needs a parameter's values as a
    #: Python number, as Binomial's sum over the support of the largest ``total_count``)
    traced_entropy: bool = True
    #: ``enumerate_support`` works on this case (False: the family has it, but the support differs between
    #: batch members, e.g. Binomial with mixed ``total_count``, so it raises NotImplementedError as in torch)
    enumerates: bool = True
    #: quantities (``log_prob``, ``entropy``, ``mean``, ``variance``, ``stddev``, ``mode``, ``kl``, ``cdf``,
    #: ``icdf``) not compared
    #: with torch.distributions on this case, and why (``torch_differs_why``): torch lacks them or is less
    #: accurate there; they are still compared with the SciPy reference
    torch_differs: frozenset[str] = field(default_factory=frozenset)
    torch_differs_why: str = ""
    #: the dtypes this case runs in, and why not the others (``dtypes_why``): the other tests are skipped with it
    dtypes: frozenset[str] = frozenset({"float32", "float64"})
    dtypes_why: str = ""
    #: magnitudes below which a quantity's error is absolute in the conformance tests, where the default of
    #: ``test_conformance.FLOORS`` is too tight for this case, and why (``floors_why``): e.g. a log density that
    #: is a small difference of large terms (``{"log_prob": 1e3}``)
    floors: Mapping[str, float] = field(default_factory=dict)
    floors_why: str = ""
    #: the KL test's second distribution (``None``: the family has no KL rule of its own)
    kl_partner: Partner | None = None
    #: the dtype of draws where it is not the parameters' (e.g. ``"int64"`` for Categorical)
    sample_dtype: str | None = None
    #: ``neutral`` (Python numbers), ``tiny``/``huge`` (extreme scales), ``matrix`` (runs on every backend),
    #: ``boundary`` (parameters on the edge of their domain)
    tags: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.implicit_reparam and not self.has_rsample:
            raise ValueError(f"case {self.name}: implicit_reparam needs has_rsample")
        if self.discrete and self.has_rsample and not self.straight_through:
            raise ValueError(f"case {self.name}: a discrete distribution has no reparameterized sampler")
        if self.straight_through and not (self.discrete and self.has_rsample):
            raise ValueError(f"case {self.name}: straight_through needs discrete and has_rsample")
        if self.implicit_reparam and self.distributional_reparam:
            raise ValueError(f"case {self.name}: implicit_reparam and distributional_reparam exclude each other")
        if self.distributional_reparam and not self.has_rsample:
            raise ValueError(f"case {self.name}: distributional_reparam needs has_rsample")
        if self.implicit_rtol is not None and not (self.implicit_reparam and self.implicit_rtol_why):
            raise ValueError(f"case {self.name}: implicit_rtol needs implicit_reparam and implicit_rtol_why")
        if self.torch_differs and not self.torch_differs_why:
            raise ValueError(f"case {self.name}: torch_differs needs torch_differs_why")
        if self.torch_differs - PARITY_QUANTITIES:
            raise ValueError(f"case {self.name}: unknown quantities {sorted(self.torch_differs - PARITY_QUANTITIES)}")
        if self.floors and not self.floors_why:
            raise ValueError(f"case {self.name}: floors needs floors_why")
        if set(self.floors) - FLOOR_QUANTITIES:
            raise ValueError(f"case {self.name}: unknown quantities {sorted(set(self.floors) - FLOOR_QUANTITIES)}")
        if self.dtypes != {"float32", "float64"} and not self.dtypes_why:
            raise ValueError(f"case {self.name}: dtypes needs dtypes_why")
        unknown = self.tags - KNOWN_TAGS
        if unknown:
            raise ValueError(f"case {self.name}: unknown tags {sorted(unknown)} (known: {sorted(KNOWN_TAGS)})")

    def __str__(self) -> str:
        return self.name

    @property
    def moments(self) -> tuple[str, ...]:
        """The moments the case's distribution implements (``mean``, ``variance``, ``stddev``, ``mode``)."""
        if not self.has_moments:
            return ()
        return ("mean", "variance", "stddev", "mode") if self.has_mode else ("mean", "variance", "stddev")

    @property
    def smooth_draws(self) -> bool:
        """Whether draws at a fixed seed are smooth functions of the parameters, so that finite differences of
        draws check ``rsample``'s gradient: not for implicit or several-noise samplers (whose gradients the
        implicit and distributional checks hold), surrogates, or cases that say why not."""
        return self.has_rsample and not (
            self.implicit_reparam or self.distributional_reparam or self.straight_through or self.no_reparam_check_why
        )


FLOOR_QUANTITIES = frozenset(
    {"log_prob", "prob", "cdf", "icdf", "entropy", "perplexity", "mean", "mode", "variance", "stddev", "kl"}
)
#: ``rsample``: ``has_rsample`` differs from torch.distributions' (LKJCholesky: reparameterized here, not there)
PARITY_QUANTITIES = frozenset(
    {"log_prob", "entropy", "mean", "variance", "stddev", "mode", "kl", "enumerate_support", "cdf", "icdf", "rsample"}
)
#: ``boundary``: parameters on the boundary of their domain (probabilities of exactly 0 or 1), where finite
#: differences step outside it: no finite-difference gradient checks
KNOWN_TAGS = frozenset({"neutral", "tiny", "huge", "matrix", "boundary"})
