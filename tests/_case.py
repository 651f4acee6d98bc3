"""The case record of the registry (``Case``, ``Partner``) and the shared reference of discrete families.

``cases.py`` holds the registry itself; the cases of each group of families live in a module of their own
(``cases_binary.py``, ``cases_categorical.py``, ``cases_counts.py``), all made of these records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Conv = Callable[[Any], Any]


class DiscreteRef:
    """Reference for a univariate discrete family from a frozen ``scipy.stats`` distribution ``d`` whose
    parameters have the batch shape ``shape``; SciPy has no mode, so the family's mode is given (an array of
    ``shape``), and so is the entropy where SciPy's sum over the support is not exact (``entropy``, optional).

    The goodness-of-fit protocol is ``marginal_pmf`` (counts against the pmf, ``_stats.discrete_pvalues``).
    """

    def __init__(self, d: Any, shape: tuple[int, ...], mode: Any, entropy: Any = None) -> None:
        self.d = d
        self.shape = shape
        self.mode = np.broadcast_to(np.asarray(mode, np.float64), shape)
        self._entropy = entropy

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return self.d.logpmf(x)

    def entropy(self) -> np.ndarray:
        e = self.d.entropy() if self._entropy is None else self._entropy
        return np.broadcast_to(np.asarray(e, np.float64), self.shape)

    @property
    def mean(self) -> np.ndarray:
        return np.broadcast_to(self.d.mean(), self.shape)

    @property
    def variance(self) -> np.ndarray:
        return np.broadcast_to(self.d.var(), self.shape)

    def marginal_pmf(self) -> tuple[tuple[int, ...], Callable[[np.ndarray], np.ndarray], Any]:
        return self.shape, self.d.pmf, self.d.cdf


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
    #: ``rsample`` returns discrete draws carrying a surrogate gradient (OneHotCategoricalStraightThrough): the
    #: one discrete family with ``has_rsample``; gradients of its draws are not compared with finite differences
    straight_through: bool = False
    #: ``entropy`` is implemented (False: it raises NotImplementedError naming the class, as for Poisson,
    #: whose entropy has no closed form and which torch.distributions leaves out too)
    has_entropy: bool = True
    #: ``mean``, ``variance``, ``stddev`` and ``mode`` are implemented (False: they raise NotImplementedError
    #: naming the class, as for a TransformedDistribution, which has no closed form for them)
    has_moments: bool = True
    #: ``entropy`` works under ``jax.jit`` and ``torch.compile`` (False: it needs a parameter's values as a
    #: Python number, as Binomial's sum over the support of the largest ``total_count``)
    traced_entropy: bool = True
    #: ``enumerate_support`` works on this case (False: the family has it, but the support differs between
    #: batch members, e.g. Binomial with mixed ``total_count``, so it raises NotImplementedError as in torch)
    enumerates: bool = True
    #: quantities (``log_prob``, ``entropy``, ``mean``, ``variance``, ``stddev``, ``mode``, ``kl``) not compared
    #: with torch.distributions on this case, and why (``torch_differs_why``): torch lacks them or is less
    #: accurate there; they are still compared with the SciPy reference
    torch_differs: frozenset[str] = field(default_factory=frozenset)
    torch_differs_why: str = ""
    #: the dtypes this case runs in, and why not the others (``dtypes_why``): the other tests are skipped with it
    dtypes: frozenset[str] = frozenset({"float32", "float64"})
    dtypes_why: str = ""
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
        if self.torch_differs and not self.torch_differs_why:
            raise ValueError(f"case {self.name}: torch_differs needs torch_differs_why")
        if self.torch_differs - PARITY_QUANTITIES:
            raise ValueError(f"case {self.name}: unknown quantities {sorted(self.torch_differs - PARITY_QUANTITIES)}")
        if self.dtypes != {"float32", "float64"} and not self.dtypes_why:
            raise ValueError(f"case {self.name}: dtypes needs dtypes_why")
        unknown = self.tags - KNOWN_TAGS
        if unknown:
            raise ValueError(f"case {self.name}: unknown tags {sorted(unknown)} (known: {sorted(KNOWN_TAGS)})")

    def __str__(self) -> str:
        return self.name


PARITY_QUANTITIES = frozenset({"log_prob", "entropy", "mean", "variance", "stddev", "mode", "kl", "enumerate_support"})
#: ``boundary``: parameters on the boundary of their domain (probabilities of exactly 0 or 1), where finite
#: differences step outside it: no finite-difference gradient checks
KNOWN_TAGS = frozenset({"neutral", "tiny", "huge", "matrix", "boundary"})
