"""Registry cases of the categorical discrete families (see ``cases.py`` and ``docs/testing.md``): Categorical,
OneHotCategorical, OneHotCategoricalStraightThrough and Multinomial.

The references compute from the probabilities in float64 (normalized from the dtype-rounded parameters, as the
distributions normalize them) with SciPy (``scipy.special``, ``scipy.stats.multinomial`` and ``binom``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special, stats

from _case import Case, Conv, Partner
from _stats import binned_pvalue, categorical_uniforms, discrete_pvalues, scores_of

NEG_INF = -np.inf


def _probs_of(probs: Any = None, logits: Any = None) -> np.ndarray:
    """Normalized float64 probabilities from (rounded) probs or logits."""
    if probs is not None:
        p = np.asarray(probs, np.float64)
        return p / p.sum(-1, keepdims=True)
    return special.softmax(np.asarray(logits, np.float64), axis=-1)


def _others(p: np.ndarray) -> np.ndarray:
    """1 - p_k as the sum of the other categories' probabilities, without the cancellation of 1 - p_k at a
    near-certain category (the reference must be exact where the family is)."""
    return np.array([np.delete(p, k, axis=-1).sum(-1) for k in range(p.shape[-1])]).transpose((*range(1, p.ndim), 0))


class CategoricalRef:
    """Reference for Categorical: masses ``p`` of shape ``batch + (K,)``; goodness of fit by ``marginal_pmf``."""

    def __init__(self, p: np.ndarray, batch: tuple[int, ...] | None = None) -> None:
        batch = p.shape[:-1] if batch is None else batch
        self.p = np.broadcast_to(p, (*batch, p.shape[-1]))
        self.shape = batch

    def _mass(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64)
        inside = (x >= 0) & (x <= self.p.shape[-1] - 1) & (x == np.round(x))
        shape = np.broadcast_shapes(x.shape, self.shape)
        index = np.broadcast_to(np.where(inside, x, 0).astype(np.int64), shape)
        p = np.broadcast_to(self.p, (*shape, self.p.shape[-1]))
        return np.where(inside, np.take_along_axis(p, index[..., None], axis=-1)[..., 0], 0.0)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self._mass(x))

    def entropy(self) -> np.ndarray:
        return special.entr(self.p).sum(-1)

    @property
    def mean(self) -> np.ndarray:
        return np.full(self.shape, np.nan)

    variance = mean

    @property
    def mode(self) -> np.ndarray:
        return np.argmax(self.p, axis=-1).astype(np.float64)

    def marginal_pmf(self) -> tuple[tuple[int, ...], Callable[[np.ndarray], np.ndarray], Any]:
        cumulative = np.cumsum(self.p, axis=-1)

        def cdf(x: np.ndarray) -> np.ndarray:
            k = np.clip(np.floor(x), -1, self.p.shape[-1] - 1).astype(np.int64)
            c = np.broadcast_to(cumulative, (*np.broadcast_shapes(x.shape, self.shape), self.p.shape[-1]))
            found = np.take_along_axis(c, np.maximum(k, 0)[..., None], axis=-1)[..., 0]
            return np.where(k < 0, 0.0, found)

        return self.shape, self._mass, cdf

    def kl_divergence(self, other: CategoricalRef) -> np.ndarray:
        return special.rel_entr(self.p, other.p).sum(-1)


class OneHotRef(CategoricalRef):
    """Reference for OneHotCategorical (and its straight-through variant): values are one-hot vectors."""

    def _index(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        onehot = np.all((x == 0) | (x == 1), axis=-1) & (x.sum(-1) == 1)
        return np.argmax(x, axis=-1).astype(np.float64), onehot

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        index, onehot = self._index(np.asarray(x, np.float64))
        return np.where(onehot, super().log_prob(index), -np.inf)

    @property
    def mean(self) -> np.ndarray:
        return self.p

    @property
    def variance(self) -> np.ndarray:
        return self.p * _others(self.p)

    @property
    def mode(self) -> np.ndarray:
        return np.eye(self.p.shape[-1])[np.argmax(self.p, axis=-1)]

    def _flat(self, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """(category index of each draw ``(n, b)``, probabilities ``(b, K)``, whether every draw is one-hot)."""
        index, onehot = self._index(draws)
        k = self.p.shape[-1]
        flat = index.reshape(draws.shape[0], -1).astype(np.int64)
        return flat, np.broadcast_to(self.p, (*self.shape, k)).reshape(-1, k), bool(onehot.all())

    def gof_pvalues(self, draws: np.ndarray) -> list[float]:
        """Per batch member, the category counts against ``N p`` (chi-square or exact, ``binned_pvalue``)."""
        flat, p, onehot = self._flat(draws)
        if not onehot:
            return [0.0]  # not one-hot vectors
        k = p.shape[-1]
        return [binned_pvalue(np.bincount(flat[:, j], minlength=k).astype(np.float64), p[j]) for j in range(p.shape[0])]

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One column per batch member: the randomized probability integral transform of the category drawn."""
        flat, p, _ = self._flat(draws)
        return scores_of(categorical_uniforms(np.clip(flat, 0, p.shape[-1] - 1), p, rng))


class MultinomialRef:
    """Reference for Multinomial (``scipy.stats.multinomial``); goodness of fit by the binomial laws of every
    count and of every sum of two counts (which tests the covariances), and counts must sum to ``n``."""

    def __init__(self, n: int, p: np.ndarray, batch: tuple[int, ...] | None = None) -> None:
        batch = p.shape[:-1] if batch is None else batch
        self.n = n
        self.p = np.broadcast_to(p, (*batch, p.shape[-1]))
        self.shape = batch
        self.d = stats.multinomial(n, self.p)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return self.d.logpmf(x)

    def entropy(self) -> np.ndarray:
        return np.broadcast_to(self.d.entropy(), self.shape)

    @property
    def mean(self) -> np.ndarray:
        return self.n * self.p

    @property
    def variance(self) -> np.ndarray:
        return self.n * self.p * _others(self.p)

    @property
    def mode(self) -> np.ndarray:
        """By search over the box that holds every mode, n p_k - 1 < x_k <= (n + K - 1) p_k (Finucan 1964)."""
        k = self.p.shape[-1]
        out = np.empty(self.p.shape)
        for idx in np.ndindex(*self.shape):
            p = self.p[idx]
            ranges = [
                range(max(0, int(np.floor(self.n * q - 1)) + 1), int(np.floor((self.n + k - 1) * q)) + 1) for q in p
            ]
            candidates = np.array([c for c in itertools.product(*ranges) if sum(c) == self.n], np.float64)
            out[idx] = candidates[np.argmax(stats.multinomial(self.n, p).logpmf(candidates))]
        return out

    def normal_scores(self, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One column per batch member: the count of its most probable category, ``Binomial(n, p_max)``, through
        the randomized probability integral transform."""
        k = self.p.shape[-1]
        p = self.p.reshape(-1, k)
        top = np.argmax(p, axis=-1)
        b = p.shape[0]
        counts = draws.reshape(draws.shape[0], b, k)[:, np.arange(b), top]
        law = stats.binom(self.n, p[np.arange(b), top])
        with np.errstate(divide="ignore", invalid="ignore"):
            u = law.cdf(counts - 1) + rng.random(counts.shape) * law.pmf(counts)
        return scores_of(u)

    def gof_pvalues(self, draws: np.ndarray) -> list[float]:
        if not np.all(draws.sum(-1) == self.n):
            return [0.0]
        k = self.p.shape[-1]
        pairs = [(i,) for i in range(k)] + list(itertools.combinations(range(k), 2))
        out: list[float] = []
        for group in pairs:
            x = draws[..., list(group)].sum(-1)
            q = self.p[..., list(group)].sum(-1)
            law = stats.binom(self.n, q)
            out += discrete_pvalues(x, self.shape, law.pmf, law.cdf)
        return out


# ---------------------------------------------------------------------------------------------- parameters
_rng = np.random.default_rng(20261201)
P3 = np.array([0.2, 0.3, 0.5])
P45 = _rng.dirichlet(np.ones(5), size=4)
L36 = _rng.standard_normal((3, 6))
L235 = _rng.standard_normal((2, 3, 5))
ZERO_PROBS = np.array([[0.5, 0.0, 0.5, 0.0], [0.0, 0.0, 1.0, 0.0], [0.1, 0.2, 0.3, 0.4]])
MASKED = np.array([[0.0, NEG_INF, 1.0, NEG_INF, 2.0, 0.5], [NEG_INF, NEG_INF, NEG_INF, 3.0, NEG_INF, NEG_INF]])
DOMINANT = np.array([[30.0, 0.0, 0.0], [0.0, 0.5, 1.0]])  # one member all but certain, one not (seeds differ)
TINY = np.array([[1e-20, 0.5, 0.5], [0.3, 1e-30, 0.7]])
UNNORMALIZED = np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 0.5, 0.5, 9.0]])
LIST3 = [0.1, 0.6, 0.3]


def _numbers(lib: Any, values: list[float]) -> Any:
    """Python numbers for arraydist; torch.distributions' categorical families take tensors only (of torch's
    default dtype, which the parity tests set to the test's dtype)."""
    if lib.__name__.startswith("torch"):
        import torch

        return torch.tensor(values)
    return values


def _form(lib: Any, cls: str, c: Conv, form: str, value: Any, extra: tuple[Any, ...] = (), expand: Any = None) -> Any:
    d = getattr(lib, cls)(*extra, **{form: c(value) if c is not None else value})
    return d if expand is None else d.expand(expand)


def _partner(cls: str, form: str, value: Any, ref: Callable[[np.ndarray], Any], expand: Any = None) -> Partner:
    def reference(r: Conv) -> Any:
        return ref(_probs_of(**{form: r(value)}))

    return Partner(lambda lib, c: _form(lib, cls, c, form, value, expand=expand), reference)


# (suffix, form, parameters, batch_shape, partner form, partner parameters, tags, expand).  A partner is never the
# reversal of the categories (KL(p || reversed p) = KL(reversed p || p): a swap of KL's arguments would be invisible;
# test_registry.py holds every partner to an asymmetric KL)
_SETS: list[tuple[str, str, Any, tuple[int, ...], str, Any, frozenset[str], Any]] = [
    ("scalar", "probs", P3, (), "probs", np.array([0.25, 0.6, 0.15]), frozenset(), None),
    ("batched", "probs", P45, (4,), "probs", P45[::-1], frozenset(), None),
    ("logits", "logits", L36, (3,), "logits", -0.7 * L36[:, ::-1] + 0.2, frozenset(), None),
    ("batched-logits", "logits", L235, (2, 3), "logits", -L235, frozenset({"matrix"}), None),
    ("expanded", "probs", P45, (2, 4), "probs", np.roll(P45, 1, axis=-1), frozenset(), (2, 4)),
    ("unnormalized", "probs", UNNORMALIZED, (2,), "logits", -UNNORMALIZED / 3, frozenset(), None),
    ("zero-probs", "probs", ZERO_PROBS, (3,), "probs", ZERO_PROBS[[2, 0, 1]], frozenset({"boundary"}), None),
    # (a partner masked too makes both KLs infinite: no swap could show; this one is finite where p is masked)
    (
        "masked-logits",
        "logits",
        MASKED,
        (2,),
        "logits",
        np.nan_to_num(MASKED[:, ::-1], neginf=-1.0),
        frozenset({"boundary"}),
        None,
    ),
    ("dominant", "logits", DOMINANT, (2,), "logits", DOMINANT[::-1], frozenset({"huge"}), None),
    # (the partner has no tiny masses: torch clamps the log of a mass to log(eps), which KL(p || q) would show)
    ("tiny-probs", "probs", TINY, (2,), "probs", P45[:2, :3], frozenset({"tiny", "boundary"}), None),
]


#: p (1 - p) of a category of probability 1 - 1.9e-13 (the "dominant" sets): torch.distributions' variance
#: cancels in 1 - p (0 in float32, 0.7 % off in float64); ours is the sum of the other categories
DOMINANT_VARIANCE = {
    "torch_differs": frozenset({"variance", "stddev"}),
    "torch_differs_why": "torch's variance p (1 - p) cancels at p = 1 - 1.9e-13 (0 in float32, 0.7 % off in "
    "float64); ours sums the other categories (test_categorical.py::test_variance_of_a_near_certain_category)",
}


def _family(cls: str, prefix: str, ref: Callable[..., Any], one_hot: bool, **fields: Any) -> list[Case]:
    """The parameter sets of ``_SETS`` and a list of Python numbers as cases of ``cls``; ``one_hot``: the
    event shape is (K,)."""
    cases = []
    for suffix, form, value, batch, pform, pvalue, tags, expand in _SETS:
        extra = DOMINANT_VARIANCE if suffix == "dominant" else {}
        cases.append(
            Case(
                f"{prefix}-{suffix}",
                cls,
                lambda lib, c, form=form, value=value, expand=expand: _form(lib, cls, c, form, value, expand=expand),
                lambda r, form=form, value=value, batch=batch: ref(_probs_of(**{form: r(value)}), batch),
                batch,
                (np.shape(value)[-1],) if one_hot else (),
                tags=tags,
                kl_partner=_partner(cls, pform, pvalue, lambda p, batch=batch: ref(p, batch), expand),
                **fields,
                **extra,
            )
        )
    cases.append(
        Case(
            f"{prefix}-python-list",
            cls,
            lambda lib, c: getattr(lib, cls)(probs=_numbers(lib, LIST3)),
            lambda r: ref(_probs_of(probs=LIST3), ()),
            (),
            (3,) if one_hot else (),
            tags=frozenset({"neutral"}),
            kl_partner=Partner(
                lambda lib, c: getattr(lib, cls)(probs=_numbers(lib, list(P3))), lambda r: ref(_probs_of(probs=P3), ())
            ),
            **fields,
        )
    )
    return cases


def _multinomial(name: str, n: int, form: str, value: Any, batch: tuple[int, ...], **fields: Any) -> Case:
    return Case(
        name,
        "Multinomial",
        lambda lib, c: lib.Multinomial(n, **{form: c(value)}),
        lambda r: MultinomialRef(n, _probs_of(**{form: r(value)}), batch),
        batch,
        (np.shape(value)[-1],),
        has_rsample=False,
        discrete=True,
        **{**MULTINOMIAL_VS_TORCH, **fields},
    )


#: what torch.distributions' Multinomial lacks or computes less exactly (still checked against SciPy)
MULTINOMIAL_VS_TORCH: dict[str, Any] = {
    "torch_differs": frozenset({"mode", "entropy"}),
    "torch_differs_why": "torch's Multinomial has no mode, and its entropy takes lgamma of an int tensor, in "
    "float32 (1e-7 relative off in float64)",
}
_CATEGORICAL = {"has_rsample": False, "has_enumerate_support": True, "discrete": True}
_STRAIGHT_THROUGH = {**_CATEGORICAL, "has_rsample": True, "straight_through": True}
CASES: list[Case] = [
    *_family("Categorical", "cat", CategoricalRef, False, sample_dtype="int64", **_CATEGORICAL),
    *_family("OneHotCategorical", "onehot", OneHotRef, True, **_CATEGORICAL),
    *_family("OneHotCategoricalStraightThrough", "onehot-st", OneHotRef, True, **_STRAIGHT_THROUGH),
]
CASES += [
    _multinomial("multinomial-scalar", 10, "probs", P3, ()),
    _multinomial("multinomial-batched", 5, "probs", P45, (4,)),
    _multinomial("multinomial-logits", 7, "logits", L36, (3,)),
    _multinomial("multinomial-batched-logits", 6, "logits", L235, (2, 3), tags=frozenset({"matrix"})),
    _multinomial("multinomial-one-trial", 1, "probs", UNNORMALIZED, (2,)),
    _multinomial("multinomial-zero-probs", 12, "probs", ZERO_PROBS, (3,), tags=frozenset({"boundary"})),
    _multinomial("multinomial-masked-logits", 9, "logits", MASKED, (2,), tags=frozenset({"boundary"})),
    _multinomial(
        "multinomial-dominant",
        20,
        "logits",
        DOMINANT,
        (2,),
        torch_differs=MULTINOMIAL_VS_TORCH["torch_differs"] | DOMINANT_VARIANCE["torch_differs"],
        torch_differs_why=f"{MULTINOMIAL_VS_TORCH['torch_differs_why']}; {DOMINANT_VARIANCE['torch_differs_why']}",
    ),
    # larger counts: test_categorical.py (float32 cannot hold the entropy's cancellation at n = 1000, see there)
    _multinomial("multinomial-twenty-trials", 20, "probs", P45[:2], (2,)),
    Case(
        "multinomial-python-list",
        "Multinomial",
        lambda lib, c: lib.Multinomial(8, probs=_numbers(lib, LIST3)),
        lambda r: MultinomialRef(8, _probs_of(probs=LIST3), ()),
        (),
        (3,),
        has_rsample=False,
        discrete=True,
        tags=frozenset({"neutral"}),
        **MULTINOMIAL_VS_TORCH,
    ),
]
