"""The transforms the transform tests run: each built the same way with arraydist's or torch.distributions'
classes, with points of its domain and, where it changes the number of coordinates, the free coordinates of
its outputs (for the Jacobian).

``build(lib, conv)``: ``lib`` is ``arraydist`` or ``torch``; ``lib.T`` and ``lib.D`` below are its transforms
and distributions modules; every array parameter passes through ``conv`` (a host list to an array of the backend
and dtype under test).  ``domain(rng)`` gives float64 host points of the domain, batch dimensions included.
Every one of torch.distributions' eighteen transforms appears at least once (``test_every_transform_has_a_spec``),
at event ranks 0, 1 and 2 where the transform allows them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

Array = Any


def libraries(name: str) -> Any:
    """``.T`` (transforms) and ``.D`` (distributions) of ``"arraydist"`` or ``"torch"``."""
    if name == "torch":
        import torch.distributions as dists
        import torch.distributions.transforms as tt

        return SimpleNamespace(T=tt, D=dists, name="torch")
    import arraydist
    from arraydist import transforms

    return SimpleNamespace(T=transforms, D=arraydist, name="arraydist")


def _normal(shape: tuple[int, ...], scale: float = 1.0) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: scale * rng.standard_normal(shape)


def _positive(shape: tuple[int, ...]) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: np.exp(0.5 * rng.standard_normal(shape))


def _simplex(shape: tuple[int, ...]) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: rng.dirichlet(np.full(shape[-1], 2.0), size=shape[:-1])


def _open_unit(shape: tuple[int, ...]) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: np.tanh(rng.standard_normal(shape))


def strict_lower(y: Any, xp: Any = None) -> Any:
    """The strictly lower entries of square matrices, in row order (the free coordinates of a correlation
    Cholesky factor)."""
    d = y.shape[-1]
    rows, cols = np.tril_indices(d, -1)
    flat = y.reshape((*y.shape[:-2], d * d))
    index = rows * d + cols
    return flat[..., index.tolist()] if xp is None else xp.take(flat, xp.asarray(index), axis=-1)


def drop_last(y: Any, xp: Any = None) -> Any:
    return y[..., :-1]


def normalized(y: np.ndarray) -> np.ndarray:
    return y / y.sum(-1, keepdims=True)


@dataclass(frozen=True)
class Spec:
    name: str
    build: Callable[[Any, Callable[[Any], Any]], Any]
    domain: Callable[[np.random.Generator], np.ndarray]
    #: the free coordinates of an output (an output of more coordinates than the input has)
    free: Callable[..., Any] | None = None
    bijective: bool = True
    #: torch.distributions' transform has a log-determinant to compare with
    torch_ladj: bool = True
    #: a point of the codomain rounded to float32, put back on it in float64 (a simplex point, normalized), for
    #: references that assume it lies exactly there
    project: Callable[[np.ndarray], np.ndarray] | None = None

    def __str__(self) -> str:
        return self.name


def _cdf(lib: Any, c: Callable[[Any], Any]) -> Any:
    return lib.T.CumulativeDistributionTransform(lib.D.Normal(c([0.5, -1.0, 0.0]), c([2.0, 1.0, 0.5])))


SPECS = [
    Spec("abs", lambda lib, c: lib.T.AbsTransform(), _normal((4, 3)), bijective=False, torch_ladj=False),
    Spec("affine-numbers", lambda lib, c: lib.T.AffineTransform(0.5, -2.0), _normal((4, 3))),
    Spec(
        "affine-arrays",
        lambda lib, c: lib.T.AffineTransform(c([0.5, -1.0, 2.0]), c([2.0, -0.5, 3.0])),
        _normal((4, 3)),
    ),
    Spec(
        "affine-event-1", lambda lib, c: lib.T.AffineTransform(1.0, c([2.0, -0.5, 3.0]), event_dim=1), _normal((4, 3))
    ),
    Spec(
        "affine-event-2",
        lambda lib, c: lib.T.AffineTransform(c([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), 2.0, event_dim=2),
        _normal((2, 3, 2)),
    ),
    Spec("exp", lambda lib, c: lib.T.ExpTransform(), _normal((4, 3))),
    Spec("power", lambda lib, c: lib.T.PowerTransform(c([2.0, 0.5, -1.5])), _positive((4, 3))),
    Spec("power-number", lambda lib, c: lib.T.PowerTransform(3.0), _positive((4, 3))),
    Spec("sigmoid", lambda lib, c: lib.T.SigmoidTransform(), _normal((4, 3), 2.0)),
    Spec("softplus", lambda lib, c: lib.T.SoftplusTransform(), _normal((4, 3), 2.0)),
    Spec("tanh", lambda lib, c: lib.T.TanhTransform(), _normal((4, 3))),
    Spec("tanh-inverse", lambda lib, c: lib.T.TanhTransform().inv, _open_unit((4, 3))),
    Spec("independent-exp-1", lambda lib, c: lib.T.IndependentTransform(lib.T.ExpTransform(), 1), _normal((4, 3))),
    Spec(
        "independent-tanh-2",
        lambda lib, c: lib.T.IndependentTransform(lib.T.TanhTransform(), 2),
        _normal((2, 3, 2)),
    ),
    Spec(
        "compose",
        lambda lib, c: lib.T.ComposeTransform(
            [lib.T.AffineTransform(c([0.5, -1.0, 2.0]), 2.0), lib.T.TanhTransform(), lib.T.AffineTransform(0.5, 3.0)]
        ),
        _normal((4, 3)),
    ),
    Spec(
        "compose-to-simplex",
        lambda lib, c: lib.T.ComposeTransform(
            [lib.T.ExpTransform(), lib.T.AffineTransform(1.0, 2.0), lib.T.StickBreakingTransform()]
        ),
        _normal((4, 3)),
        free=drop_last,
        project=normalized,
    ),
    Spec("identity", lambda lib, c: lib.T.identity_transform, _normal((4, 3))),
    Spec("reshape", lambda lib, c: lib.T.ReshapeTransform((3, 2), (6,)), _normal((4, 3, 2))),
    Spec(
        "cat",
        lambda lib, c: lib.T.CatTransform(
            [lib.T.ExpTransform(), lib.T.TanhTransform(), lib.T.AffineTransform(1.0, c([2.0]))],
            dim=-1,
            lengths=[1, 2, 1],
        ),
        _normal((3, 4)),
    ),
    Spec(
        "cat-dim-0",
        lambda lib, c: lib.T.CatTransform([lib.T.ExpTransform(), lib.T.SigmoidTransform()], dim=0, lengths=[1, 2]),
        _normal((3, 4)),
    ),
    Spec(
        "cat-event-1",
        lambda lib, c: lib.T.CatTransform(
            [lib.T.IndependentTransform(lib.T.ExpTransform(), 1), lib.T.AffineTransform(0.0, 2.0, event_dim=1)],
            dim=-1,
            lengths=[2, 2],
        ),
        _normal((3, 4)),
    ),
    Spec(
        "stack",
        lambda lib, c: lib.T.StackTransform(
            [lib.T.ExpTransform(), lib.T.TanhTransform(), lib.T.identity_transform], dim=-1
        ),
        _normal((4, 3)),
    ),
    Spec(
        "stack-dim-0",
        lambda lib, c: lib.T.StackTransform([lib.T.ExpTransform(), lib.T.SoftplusTransform()], dim=0),
        _normal((2, 3)),
    ),
    Spec(
        "stick-breaking",
        lambda lib, c: lib.T.StickBreakingTransform(),
        _normal((4, 3)),
        free=drop_last,
        project=normalized,
    ),
    Spec("softmax", lambda lib, c: lib.T.SoftmaxTransform(), _normal((4, 3)), bijective=False, torch_ladj=False),
    Spec("corr-cholesky", lambda lib, c: lib.T.CorrCholeskyTransform(), _normal((3, 6)), free=strict_lower),
    Spec("corr-cholesky-2", lambda lib, c: lib.T.CorrCholeskyTransform(), _normal((3, 1)), free=strict_lower),
    Spec(
        "lower-cholesky",
        lambda lib, c: lib.T.LowerCholeskyTransform(),
        _normal((2, 3, 3)),
        bijective=False,
        torch_ladj=False,
    ),
    Spec(
        "positive-definite",
        lambda lib, c: lib.T.PositiveDefiniteTransform(),
        _normal((2, 3, 3)),
        bijective=False,
        torch_ladj=False,
    ),
    Spec("cdf-normal", _cdf, _normal((4, 3))),
]

#: the free coordinates a spec's outputs keep for the autodiff Jacobian (all, unless it says otherwise)
BY_NAME = {s.name: s for s in SPECS}

#: torch.distributions' transform classes (its __all__ without the base and the identity)
TORCH_TRANSFORMS = [
    "AbsTransform",
    "AffineTransform",
    "CatTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "ExpTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StackTransform",
    "StickBreakingTransform",
    "TanhTransform",
]


def host_points(spec: Spec, seed: int = 0) -> np.ndarray:
    return np.asarray(spec.domain(np.random.default_rng(seed)), dtype=np.float64)
