"""Registry cases of ``TransformedDistribution``: a base pushed through monotone univariate transforms, with a
reference by the change of variables on SciPy's base distribution.

A transformed distribution has no closed-form moments or entropy (torch.distributions has none either):
``has_moments=False`` and ``has_entropy=False`` say so, and the harness checks that they raise, naming the class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from _case import Case

Fn = Callable[[np.ndarray], np.ndarray]


class TransformedRef:
    """The distribution of ``y = forward(x)``, ``x`` from the frozen SciPy distribution ``base`` of batch shape
    ``shape``, for an increasing ``forward`` with inverse ``inverse`` and ``log |dy/dx|`` given as a function of
    ``x`` (``log_det``)."""

    def __init__(
        self, base: Any, shape: tuple[int, ...], forward: Fn, inverse: Fn, log_det: Fn, decreasing: bool = False
    ) -> None:
        self.base, self.shape = base, shape
        self.forward, self.inverse, self.log_det = forward, inverse, log_det
        self.decreasing = decreasing

    def log_prob(self, y: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # a float32 draw that rounded to the boundary
            x = self.inverse(y)
        return self.base.logpdf(x) - self.log_det(x)

    def cdf(self, y: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # a float32 draw that rounded to the boundary: its CDF is 0 or 1
            x = self.inverse(y)
        return self.base.sf(x) if self.decreasing else self.base.cdf(x)

    def _tail(self, y: np.ndarray, lower: str, upper: str) -> np.ndarray:
        with np.errstate(divide="ignore"):
            x = self.inverse(y)
        return getattr(self.base, upper if self.decreasing else lower)(x)

    def log_cdf(self, y: np.ndarray) -> np.ndarray:
        return self._tail(y, "logcdf", "logsf")

    def survival_function(self, y: np.ndarray) -> np.ndarray:
        return self._tail(y, "sf", "cdf")

    def log_survival_function(self, y: np.ndarray) -> np.ndarray:
        return self._tail(y, "logsf", "logcdf")

    def icdf(self, q: np.ndarray) -> np.ndarray:
        return self.forward(self.base.isf(q) if self.decreasing else self.base.ppf(q))

    def _expect(self, fn: Fn) -> np.ndarray:
        """E[fn(Y)] by Gauss-Hermite quadrature over the normal base (every case here has one)."""
        nodes, weights = np.polynomial.hermite_e.hermegauss(120)
        loc, scale = self.base.mean(), self.base.std()
        nodes = nodes.reshape((-1,) + (1,) * loc.ndim)  # the nodes along a leading axis, as draws are
        values = fn(self.forward(loc + scale * nodes))
        return np.tensordot(weights, values, axes=1) / weights.sum()

    @property
    def mean(self) -> np.ndarray:
        """The reference's mean and variance: the distribution has none in closed form (has_moments=False), but
        the harness measures locations (icdf) in units of the spread."""
        return self._expect(lambda y: y)

    @property
    def variance(self) -> np.ndarray:
        return np.maximum(self._expect(lambda y: y * y) - self.mean**2, 0.0)

    def marginal_cdfs(self) -> tuple[tuple[int, ...], Fn]:
        return self.shape, self.cdf


def _lognormal(loc: Any, scale: Any) -> TransformedRef:
    loc, scale = np.broadcast_arrays(np.asarray(loc, np.float64), np.asarray(scale, np.float64))
    return TransformedRef(stats.norm(loc, scale), loc.shape, np.exp, np.log, lambda x: x)


def _squashed(loc: Any, scale: Any) -> TransformedRef:
    loc, scale = np.broadcast_arrays(np.asarray(loc, np.float64), np.asarray(scale, np.float64))
    return TransformedRef(
        stats.norm(loc, scale),
        loc.shape,
        np.tanh,
        np.arctanh,
        lambda x: 2.0 * (np.log(2.0) - x - np.logaddexp(0.0, -2.0 * x)),
    )


def _shifted_lognormal(loc: Any, shift: Any, scale: float) -> TransformedRef:
    """``exp(shift + scale * x)`` for ``x ~ N(loc, 1)``: a lognormal whose parameters differ per member."""
    loc, shift = np.broadcast_arrays(np.asarray(loc, np.float64), np.asarray(shift, np.float64))
    return TransformedRef(
        stats.norm(loc, 1.0),
        loc.shape,
        lambda x: np.exp(shift + scale * x),
        lambda y: (np.log(y) - shift) / scale,
        lambda x: np.log(scale) + shift + scale * x,
    )


def _normal(loc: Any, scale: Any) -> Any:
    loc, scale = np.broadcast_arrays(np.asarray(loc, np.float64), np.asarray(scale, np.float64))
    return stats.norm(loc, scale), loc.shape


def _logit_normal(loc: Any, scale: Any) -> TransformedRef:
    base, shape = _normal(loc, scale)
    expit = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    log_det = lambda x: -np.logaddexp(0.0, -x) - np.logaddexp(0.0, x)  # noqa: E731
    return TransformedRef(base, shape, expit, lambda y: np.log(y) - np.log1p(-y), log_det)


def _softplus_normal(loc: Any, scale: Any) -> TransformedRef:
    base, shape = _normal(loc, scale)
    return TransformedRef(
        base, shape, lambda x: np.logaddexp(0.0, x), lambda y: np.log(np.expm1(y)), lambda x: -np.logaddexp(0.0, -x)
    )


def _affine_normal(loc: Any, scale: Any, shift: float, factor: float) -> TransformedRef:
    base, shape = _normal(loc, scale)
    return TransformedRef(
        base,
        shape,
        lambda x: shift + factor * x,
        lambda y: (y - shift) / factor,
        lambda x: np.full_like(x, np.log(abs(factor))),
        decreasing=factor < 0,
    )


def _squared_lognormal(loc: Any, scale: Any) -> TransformedRef:
    base, shape = _normal(loc, scale)
    return TransformedRef(
        base, shape, lambda x: np.exp(2.0 * x), lambda y: 0.5 * np.log(y), lambda x: np.log(2.0) + 2 * x
    )


_LOC = np.array([0.2, -0.5, 1.0])
_SCALE = np.array([0.5, 1.0, 0.3])
_SQUASH_LOC = np.array([[0.0, 1.5, -2.0], [0.3, -0.7, 3.0]])
_SQUASH_SCALE = np.array([[0.3, 1.0, 2.0], [0.8, 1.5, 0.5]])
_SHIFT = np.array([0.5, -0.5, 0.0])
_BASE_LOC = np.array([[0.1, 0.0, -0.2], [0.3, 0.2, 0.1]])


def _case(name: str, build: Any, reference: Any, batch_shape: tuple[int, ...], **fields: Any) -> Case:
    """A case of a chain of monotone univariate transforms: cdf and icdf, no moments or entropy."""
    return Case(
        name, "TransformedDistribution", build, reference, batch_shape, has_cdf=True, has_icdf=True,
        has_entropy=False, has_moments=False, **fields,
    )  # fmt: skip


CASES: list[Case] = [
    _case(
        "transformed-lognormal",
        lambda lib, c: lib.TransformedDistribution(lib.Normal(c(_LOC), c(_SCALE)), [lib.transforms.ExpTransform()]),
        lambda r: _lognormal(r(_LOC), r(_SCALE)),
        (3,),
        tags=frozenset({"matrix"}),
    ),
    _case(
        "transformed-squashed-normal",
        lambda lib, c: lib.TransformedDistribution(
            lib.Normal(c(_SQUASH_LOC), c(_SQUASH_SCALE)), [lib.transforms.TanhTransform()]
        ),
        lambda r: _squashed(r(_SQUASH_LOC), r(_SQUASH_SCALE)),
        (2, 3),
    ),
    _case(
        "transformed-affine-exp-per-member",
        lambda lib, c: lib.TransformedDistribution(
            lib.Normal(c(_BASE_LOC), 1.0),
            [lib.transforms.AffineTransform(c(_SHIFT), 0.5), lib.transforms.ExpTransform()],
        ),
        lambda r: _shifted_lognormal(r(_BASE_LOC), r(_SHIFT), 0.5),
        (2, 3),
    ),
    _case(
        "transformed-logit-normal",
        lambda lib, c: lib.TransformedDistribution(lib.Normal(c(_LOC), c(_SCALE)), [lib.transforms.SigmoidTransform()]),
        lambda r: _logit_normal(r(_LOC), r(_SCALE)),
        (3,),
    ),
    _case(
        "transformed-softplus-normal",
        lambda lib, c: lib.TransformedDistribution(
            lib.Normal(c(_LOC), c(_SCALE)), [lib.transforms.SoftplusTransform()]
        ),
        lambda r: _softplus_normal(r(_LOC), r(_SCALE)),
        (3,),
    ),
    _case(
        "transformed-decreasing-affine",
        lambda lib, c: lib.TransformedDistribution(
            lib.Normal(c(_SQUASH_LOC), c(_SQUASH_SCALE)), [lib.transforms.AffineTransform(1.0, -2.0)]
        ),
        lambda r: _affine_normal(r(_SQUASH_LOC), r(_SQUASH_SCALE), 1.0, -2.0),
        (2, 3),
        floors={"cdf": 1.0},
        floors_why="a decreasing chain's CDF is 1 - F(x) of the base (as in torch.distributions): absolute to the "
        "dtype's resolution, 1e-4 is known to 6e-8 in float32, not relatively",
    ),
    _case(
        "transformed-exp-power",
        lambda lib, c: lib.TransformedDistribution(
            lib.Normal(c(_LOC), c(_SCALE)), [lib.transforms.ExpTransform(), lib.transforms.PowerTransform(c(2.0))]
        ),
        lambda r: _squared_lognormal(r(_LOC), r(_SCALE)),
        (3,),
    ),
    _case(
        "transformed-python-numbers",
        lambda lib, c: lib.TransformedDistribution(lib.Normal(0.0, 1.0), [lib.transforms.ExpTransform()]),
        lambda r: _lognormal(0.0, 1.0),
        (),
        tags=frozenset({"neutral"}),
    ),
]
