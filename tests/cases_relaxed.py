"""Registry cases of the relaxed family: ``LogitRelaxedBernoulli``, ``RelaxedBernoulli``, ``ExpRelaxedCategorical``
and ``RelaxedOneHotCategorical`` (see ``cases.py`` and ``docs/testing.md``).

SciPy has none of them: the references are the densities written here with NumPy in float64.  The logit of a
relaxed Bernoulli draw is a logistic of location ``logits / temperature`` and scale ``1 / temperature``; the
relaxed one-hot categorical is the Concrete distribution of Maddison et al. (2017), whose log-density in log
space (the ExpConcrete) is ``log (K-1)! + (K-1) log t + sum_k (s_k - logsumexp(s))`` with ``s = logits - t x``.

Goodness of fit: the relaxed Bernoullis by their CDFs (KS and the moments of the normal scores); the categorical
ones by two exact laws: the difference of two log-coordinates, ``t (x_i - x_j) - (logits_i - logits_j)``, is the
difference of two Gumbel noises, a standard logistic (one column per member, from its two most probable
categories, whose coordinates do not underflow), and the argmax of a draw is ``Categorical(probs)`` (category
counts, ``gof_pvalues``).

``LogitRelaxedBernoulli`` and ``ExpRelaxedCategorical`` are not exported at the top level (torch.distributions
does not export them either): the builds find them in their modules, in either library.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from _case import Case
from _stats import binned_pvalue, scores_of

_LOG_BASES = {"LogitRelaxedBernoulli": "relaxed_bernoulli", "ExpRelaxedCategorical": "relaxed_categorical"}


def _class(lib: Any, name: str) -> Any:
    """``lib.<name>``, or, for the classes neither library exports at the top level, the one in its module
    (``arraydist.distributions.<module>``, ``torch.distributions.<module>``), by attribute access alone: the
    build runs inside ``torch.compile``, which does not trace ``importlib``."""
    if name in _LOG_BASES:
        return getattr(getattr(getattr(lib, "distributions", lib), _LOG_BASES[name]), name)
    return getattr(lib, name)


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)


def _logit(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)


def _logsumexp(x: np.ndarray) -> np.ndarray:
    m = np.max(x, axis=-1, keepdims=True)
    return (m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)))[..., 0]


class LogisticRef:
    """LogitRelaxedBernoulli: the logistic of location ``logits / t`` and scale ``1 / t``.  Its density is
    ``t sigmoid(d) sigmoid(-d)`` at ``d = logits - t x``, its CDF ``sigmoid(t x - logits)``."""

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None) -> None:
        ell = _logit(np.asarray(probs, np.float64)) if logits is None else np.asarray(logits, np.float64)
        self.t, self.ell = np.broadcast_arrays(np.asarray(temperature, np.float64), ell)
        self.shape = self.t.shape

    def _d(self, x: np.ndarray) -> np.ndarray:
        return self.ell - self.t * x

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        d = self._d(x)
        return np.log(self.t) + _log_sigmoid(d) + _log_sigmoid(-d)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return np.exp(self.log_cdf(x))

    def log_cdf(self, x: np.ndarray) -> np.ndarray:
        return _log_sigmoid(-self._d(x))

    def survival_function(self, x: np.ndarray) -> np.ndarray:
        return np.exp(self.log_survival_function(x))

    def log_survival_function(self, x: np.ndarray) -> np.ndarray:
        return _log_sigmoid(self._d(x))

    def icdf(self, q: np.ndarray) -> np.ndarray:
        return (self.ell + _logit(q)) / self.t

    def entropy(self) -> np.ndarray:
        return 2.0 - np.log(self.t)

    @property
    def mean(self) -> np.ndarray:
        return self.ell / self.t

    mode = mean

    @property
    def variance(self) -> np.ndarray:
        return math.pi**2 / (3.0 * self.t**2)

    def marginal_cdfs(self) -> tuple[tuple[int, ...], Any]:
        return self.shape, self.cdf


class RelaxedBernoulliRef:
    """RelaxedBernoulli: ``sigmoid`` of the logistic, by the change of variables (``dy/dx = y (1 - y)``)."""

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None) -> None:
        self.base = LogisticRef(temperature, probs, logits)
        self.shape = self.base.shape

    def log_prob(self, y: np.ndarray) -> np.ndarray:
        return self.base.log_prob(_logit(y)) - np.log(y) - np.log1p(-y)

    def cdf(self, y: np.ndarray) -> np.ndarray:
        return self.base.cdf(_logit(y))

    def log_cdf(self, y: np.ndarray) -> np.ndarray:
        return self.base.log_cdf(_logit(y))

    def survival_function(self, y: np.ndarray) -> np.ndarray:
        return self.base.survival_function(_logit(y))

    def log_survival_function(self, y: np.ndarray) -> np.ndarray:
        return self.base.log_survival_function(_logit(y))

    def icdf(self, q: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.base.icdf(q)))

    def _expect(self, power: int) -> np.ndarray:
        """``E[Y^power]`` by the midpoint rule over the quantile function (2^14 nodes)."""
        n = 2**14
        u = ((np.arange(n) + 0.5) / n).reshape((n,) + (1,) * len(self.shape))
        return np.mean(self.icdf(u) ** power, axis=0)

    @property
    def mean(self) -> np.ndarray:
        """No closed form (``has_moments=False``): the harness measures quantiles in units of the spread."""
        return self._expect(1)

    @property
    def variance(self) -> np.ndarray:
        return np.maximum(self._expect(2) - self.mean**2, 0.0)

    def marginal_cdfs(self) -> tuple[tuple[int, ...], Any]:
        return self.shape, self.cdf


class ExpConcreteRef:
    """ExpRelaxedCategorical: the log-density of the Concrete's logarithm (Maddison et al. 2017)."""

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None) -> None:
        if logits is None:
            with np.errstate(divide="ignore"):
                logits = np.log(np.asarray(probs, np.float64))
        ell = np.asarray(logits, np.float64)
        ell = ell - _logsumexp(ell)[..., None]
        t = np.asarray(temperature, np.float64)
        self.shape = np.broadcast_shapes(t.shape, ell.shape[:-1])
        self.k = ell.shape[-1]
        self.ell = np.broadcast_to(ell, (*self.shape, self.k))
        self.t = np.broadcast_to(t, self.shape)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        s = self.ell - self.t[..., None] * x
        return np.sum(s - _logsumexp(s)[..., None], axis=-1) + (self.k - 1) * np.log(self.t) + math.lgamma(self.k)

    @property
    def variance(self) -> np.ndarray:
        """No closed form, and no quantile to measure (a vector family has no icdf): NaN."""
        return np.full((*self.shape, self.k), np.nan)

    def _logs(self, draws: np.ndarray) -> np.ndarray:
        return draws

    def _flat(self, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(log-coordinates ``(n, b, K)``, logits ``(b, K)``, temperatures ``(b,)``)."""
        n = draws.shape[0]
        return (
            self._logs(draws).reshape(n, -1, self.k),
            self.ell.reshape(-1, self.k),
            self.t.reshape(-1),
        )

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One column per member: ``t (x_i - x_j) - (logits_i - logits_j)`` for its two most probable categories,
        a standard logistic (a difference of two Gumbel noises), through its CDF."""
        x, ell, t = self._flat(draws)
        top = np.argsort(-ell, axis=-1)[:, :2]
        cols = np.arange(ell.shape[0])
        i, j = top[:, 0], top[:, 1]
        z = t * (x[:, cols, i] - x[:, cols, j]) - (ell[cols, i] - ell[cols, j])
        return scores_of(np.exp(_log_sigmoid(z)))

    def gof_pvalues(self, draws: np.ndarray) -> list[float]:
        """Per member, the counts of the argmax of the draws against ``Categorical(probs)``."""
        x, ell, _ = self._flat(draws)
        index = np.argmax(x, axis=-1)
        p = np.exp(ell)
        counts = [np.bincount(index[:, m], minlength=self.k).astype(np.float64) for m in range(len(p))]
        return [binned_pvalue(c, q) for c, q in zip(counts, p)]


class ConcreteRef(ExpConcreteRef):
    """RelaxedOneHotCategorical: the Concrete density on the simplex, that of the logarithms less ``sum log y``."""

    def log_prob(self, y: np.ndarray) -> np.ndarray:
        log_y = np.log(y)
        return super().log_prob(log_y) - np.sum(log_y, axis=-1)

    def _logs(self, draws: np.ndarray) -> np.ndarray:
        return np.log(draws)


def _tensors(lib: Any, value: Any) -> Any:
    """Python numbers for arraydist; torch.distributions' relaxed families need a tensor temperature (its
    ``log_prob`` calls ``temperature.log()``), of torch's default dtype, which the parity tests set."""
    if lib.__name__.startswith("torch"):
        import torch

        return torch.tensor(value)
    return value


def _case(name: str, dist: str, ref: Any, t: Any, form: str, value: Any, batch: tuple[int, ...], **kw: Any) -> Case:
    neutral = "neutral" in kw.get("tags", frozenset())

    def build(lib: Any, c: Any) -> Any:
        if neutral:
            return _class(lib, dist)(_tensors(lib, t), **{form: _tensors(lib, value)})
        return _class(lib, dist)(c(t), **{form: c(value)})

    def reference(r: Any) -> Any:
        return ref(t if neutral else r(t), **{form: value if neutral else r(value)})

    return Case(name, dist, build, reference, batch, **kw)


_rng = np.random.default_rng(20261207)
T31 = np.array([[0.1], [0.5], [2.0]])
P34 = _rng.uniform(0.05, 0.95, size=(3, 4))
T31_WARM = np.array([[1.0], [2.0], [5.0]])
L235 = _rng.standard_normal((2, 3, 5))
EDGE_PROBS = np.array([1e-6, 1e-3, 0.999, 1.0 - 1e-6])
EDGE_T = np.array([0.1, 0.1, 2.0, 2.0])
EDGE_CATEGORICAL = np.array([[1e-6, 0.3, 0.7 - 1e-6], [0.999, 5e-4, 5e-4]])
LOW_T_CATEGORICAL = np.array([[0.2, 0.3, 0.5], [0.001, 0.009, 0.99]])

_CONTINUOUS = {"has_cdf": True, "has_icdf": True}
#: torch's RelaxedBernoulli inherits TransformedDistribution.cdf/icdf, which call its base's: not implemented
_TORCH_NO_CDF = {
    "torch_differs": frozenset({"cdf", "icdf"}),
    "torch_differs_why": "torch's LogitRelaxedBernoulli has no cdf or icdf, so its RelaxedBernoulli's inherited "
    "ones raise NotImplementedError",
}
_NO_MOMENTS = {"has_moments": False, "has_entropy": False}
_VECTOR = {"has_moments": False, "has_entropy": False}

CASES: list[Case] = [
    # temperature (3, 1) against probs (3, 4): torch's batch shape is that of probs, so both agree here
    _case(
        "logit-relaxed-bernoulli-broadcast",
        "LogitRelaxedBernoulli",
        LogisticRef,
        T31,
        "probs",
        P34,
        (3, 4),
        tags=frozenset({"matrix"}),
        **_CONTINUOUS,
    ),
    _case(
        "logit-relaxed-bernoulli-python",
        "LogitRelaxedBernoulli",
        LogisticRef,
        2.0,
        "logits",
        -0.7,
        (),
        tags=frozenset({"neutral"}),
        **_CONTINUOUS,
    ),
    # probs 1e-6 to 1 - 1e-6 as logits (in float16 and bfloat16 1 - 1e-6 rounds to 1, whose logit is +inf)
    _case(
        "logit-relaxed-bernoulli-extreme-logits",
        "LogitRelaxedBernoulli",
        LogisticRef,
        EDGE_T,
        "logits",
        np.log(EDGE_PROBS) - np.log1p(-EDGE_PROBS),
        (4,),
        tags=frozenset({"tiny", "boundary"}),
        **_CONTINUOUS,
    ),
    # warmer temperatures than the logit's case: at temperature 0.1 and probs 1/2 one float32 draw in six is
    # clipped to 1 - 2^-24 (test_relaxed.py checks that they stay inside (0, 1)), an atom the goodness of fit
    # would rightly see
    _case(
        "relaxed-bernoulli-broadcast",
        "RelaxedBernoulli",
        RelaxedBernoulliRef,
        T31_WARM,
        "probs",
        P34,
        (3, 4),
        tags=frozenset({"matrix"}),
        **_CONTINUOUS,
        **_NO_MOMENTS,
        **_TORCH_NO_CDF,
    ),
    _case(
        "relaxed-bernoulli-python",
        "RelaxedBernoulli",
        RelaxedBernoulliRef,
        2.0,
        "probs",
        0.3,
        (),
        tags=frozenset({"neutral"}),
        **_CONTINUOUS,
        **_NO_MOMENTS,
        **_TORCH_NO_CDF,
    ),
    _case(
        "relaxed-bernoulli-extreme-probs",
        "RelaxedBernoulli",
        RelaxedBernoulliRef,
        EDGE_T,
        "probs",
        EDGE_PROBS,
        (4,),
        tags=frozenset({"tiny", "boundary"}),
        dtypes=frozenset({"float64"}),
        dtypes_why="at temperature 0.1 and probs 1e-6 the draws lie near e^-138, below float32's smallest normal "
        "number, where the sigmoid clips them (test_relaxed.py checks the clipped draws and their log_prob)",
        **_CONTINUOUS,
        **_NO_MOMENTS,
        **_TORCH_NO_CDF,
    ),
    # a 0-d temperature against batched logits: torch's categorical relaxations multiply the value by the
    # temperature along the category axis, so a batched one is wrong there (test_relaxed.py)
    _case(
        "exp-relaxed-categorical-broadcast",
        "ExpRelaxedCategorical",
        ExpConcreteRef,
        np.array(0.5),
        "logits",
        L235,
        (2, 3),
        event_shape=(5,),
        tags=frozenset({"matrix"}),
        **_VECTOR,
    ),
    _case(
        "exp-relaxed-categorical-python",
        "ExpRelaxedCategorical",
        ExpConcreteRef,
        2.0,
        "probs",
        [0.1, 0.6, 0.3],
        (),
        event_shape=(3,),
        tags=frozenset({"neutral"}),
        **_VECTOR,
    ),
    _case(
        "exp-relaxed-categorical-extreme-probs",
        "ExpRelaxedCategorical",
        ExpConcreteRef,
        np.array(0.1),
        "probs",
        EDGE_CATEGORICAL,
        (2,),
        event_shape=(3,),
        tags=frozenset({"tiny", "boundary"}),
        **_VECTOR,
    ),
    _case(
        "relaxed-onehot-broadcast",
        "RelaxedOneHotCategorical",
        ConcreteRef,
        np.array(0.5),
        "logits",
        L235,
        (2, 3),
        event_shape=(5,),
        tags=frozenset({"matrix"}),
        **_VECTOR,
    ),
    _case(
        "relaxed-onehot-python",
        "RelaxedOneHotCategorical",
        ConcreteRef,
        2.0,
        "probs",
        [0.1, 0.6, 0.3],
        (),
        event_shape=(3,),
        tags=frozenset({"neutral"}),
        **_VECTOR,
    ),
    _case(
        "relaxed-onehot-low-temperature",
        "RelaxedOneHotCategorical",
        ConcreteRef,
        np.array(0.1),
        "probs",
        LOW_T_CATEGORICAL,
        (2,),
        event_shape=(3,),
        tags=frozenset({"tiny"}),
        dtypes=frozenset({"float64"}),
        dtypes_why="at temperature 0.1 and probs 0.001 a coordinate of a draw is near e^-70 and below float32's "
        "smallest normal number one draw in seven, where it is kept at that number (test_relaxed.py checks those "
        "draws and their finite log_prob)",
        **_VECTOR,
    ),
]
