"""Registry cases of the binary family, Bernoulli (see ``cases.py`` and ``docs/testing.md``).

The reference is SciPy's ``bernoulli`` for draws and moments, with masses, entropy and KL recomputed in float64
from the form given: from the log-odds with ``logaddexp`` (so ``logits`` of +-100 are exact, where SciPy, fed
``sigmoid(100) == 1.0``, would give a mass of 0), from the probabilities with ``xlogy``/``xlog1py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

from _case import Case, Conv, DiscreteRef, Partner


class BernoulliRef(DiscreteRef):
    def __init__(self, probs: Any = None, logits: Any = None) -> None:
        self.logits = None if logits is None else np.asarray(logits, np.float64)
        p = special.expit(self.logits) if probs is None else np.asarray(probs, np.float64)
        self.p = p
        super().__init__(stats.bernoulli(p), p.shape, entropy=self._entropy_value, ties="nan")

    def _log_p(self) -> tuple[np.ndarray, np.ndarray]:
        """(log p, log(1 - p)), from the logits where they are given."""
        if self.logits is not None:
            return -np.logaddexp(0.0, -self.logits), -np.logaddexp(0.0, self.logits)
        with np.errstate(divide="ignore"):
            return np.log(self.p), np.log1p(-self.p)

    def _entropy_value(self) -> np.ndarray:
        log_p, log_q = self._log_p()
        return -(special.xlogy(self.p, np.exp(log_p)) + special.xlogy(1 - self.p, np.exp(log_q)))

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        log_p, log_q = self._log_p()
        return np.where(x == 1, log_p, np.where(x == 0, log_q, -np.inf))

    # the tails from the form given too: SciPy's, fed sigmoid(100) == 1.0, would put F(0) at 0
    def cdf(self, x: np.ndarray) -> np.ndarray:
        return np.exp(self.log_cdf(x))

    def log_cdf(self, x: np.ndarray) -> np.ndarray:
        return np.where(x >= 1, 0.0, self._log_p()[1] + 0 * x)

    def survival_function(self, x: np.ndarray) -> np.ndarray:
        return np.exp(self.log_survival_function(x))

    def log_survival_function(self, x: np.ndarray) -> np.ndarray:
        return np.where(x >= 1, -np.inf, self._log_p()[0] + 0 * x)

    def kl_divergence(self, other: BernoulliRef) -> np.ndarray:
        a_p, a_q = self._log_p()
        b_p, b_q = other._log_p()
        with np.errstate(invalid="ignore"):
            t1 = np.where(self.p == 0, 0.0, self.p * (a_p - b_p))
            t2 = np.where(self.p == 1, 0.0, (1 - self.p) * (a_q - b_q))
        return t1 + t2


def _bernoulli_case(name: str, form: str, values: Any, partner: Any, shape: tuple[int, ...], **kw: Any) -> Case:
    """A Bernoulli case given as ``form`` (``probs`` or ``logits``) with a partner of the same form; Python
    numbers stay numbers under the "neutral" tag."""
    neutral = "neutral" in kw.get("tags", frozenset())

    def make(v: Any) -> Any:
        def build(lib: Any, c: Conv) -> Any:
            return lib.Bernoulli(**{form: v if neutral else c(v)})

        return build

    def ref(v: Any) -> Any:
        return lambda r: BernoulliRef(**{form: v if neutral else r(v)})

    return Case(
        name,
        "Bernoulli",
        make(values),
        ref(values),
        shape,
        has_rsample=False,
        has_enumerate_support=True,
        has_cdf=True,
        has_icdf=True,
        discrete=True,
        kl_partner=Partner(make(partner), ref(partner)),
        **kw,
    )


_rng = np.random.default_rng(20261201)
P5 = np.array([0.1, 0.3, 0.5, 0.75, 0.95])
L23 = _rng.normal(0.0, 2.0, (2, 3))
P43 = _rng.uniform(0.05, 0.95, (4, 3))

CASES: list[Case] = [
    _bernoulli_case("bernoulli-scalar", "probs", 0.3, 0.6, ()),
    _bernoulli_case("bernoulli-probs-batched", "probs", P5, P5[::-1] * 0.9 + 0.04, (5,)),
    _bernoulli_case("bernoulli-logits", "logits", L23, -0.5 * L23 + 0.3, (2, 3), tags=frozenset({"matrix"})),
    _bernoulli_case("bernoulli-probs-2d", "probs", P43, 0.8 * P43[::-1] + 0.1, (4, 3)),  # (1 - p: symmetric)
    _bernoulli_case("bernoulli-python-probs", "probs", 0.3, 0.8, (), tags=frozenset({"neutral"})),
    _bernoulli_case("bernoulli-python-logits", "logits", 0.3, -1.5, (), tags=frozenset({"neutral"})),
    _bernoulli_case(
        "bernoulli-exact-edges",
        "probs",
        [0.0, 1.0, 0.5, 1e-3],
        [0.5, 0.25, 0.9, 0.5],
        (4,),
        tags=frozenset({"tiny", "boundary"}),
    ),
    _bernoulli_case(
        "bernoulli-huge-logits", "logits", [-100.0, 100.0, 0.5], [-90.0, 95.0, -30.0], (3,), tags=frozenset({"huge"})
    ),
    _bernoulli_case("bernoulli-logits-column", "logits", L23[:1].T, L23[1:].T, (3, 1)),
]
