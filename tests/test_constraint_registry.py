"""``biject_to`` and ``transform_to``: for every registered constraint, unconstrained inputs of several scales
land in the constraint (its own ``check``), bijections invert, the values agree with torch.distributions'
registries, and the registries take new entries as torch's do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from _tolerance import assert_close
from arraydist import constraints
from arraydist.transforms import ConstraintRegistry, ExpTransform, Transform, biject_to, transform_to
from backends import Backend

pytestmark = pytest.mark.family


@dataclass(frozen=True)
class Target:
    """A constraint (built from the bounds converted by ``conv``), the shape of the unconstrained inputs, and
    whether ``biject_to`` has it (``transform_to`` has every one)."""

    name: str
    make: Callable[[Any, Callable[[Any], Any]], Any]
    shape: tuple[int, ...]
    bijective: bool = True
    #: the scales of the inputs: a positive definite matrix from inputs of scale 10 has eigenvalues e^-40 to
    #: e^40, a condition number no floating-point check can tell from singular
    scales: tuple[float, ...] = (0.01, 1.0, 10.0)

    def __str__(self) -> str:
        return self.name


def _c(lib: Any) -> Any:
    return lib.constraints if hasattr(lib, "constraints") else lib


TARGETS = [
    Target("real", lambda c, b: c.real, (5,)),
    Target("real_vector", lambda c, b: c.real_vector, (5, 3)),
    Target("independent-positive-2", lambda c, b: c.independent(c.positive, 2), (2, 3, 2)),
    Target("positive", lambda c, b: c.positive, (5,)),
    Target("nonnegative", lambda c, b: c.nonnegative, (5,)),
    Target("greater_than", lambda c, b: c.greater_than(2.5), (5,)),
    Target("greater_than-array", lambda c, b: c.greater_than(b([-1.0, 0.0, 3.0])), (5, 3)),
    Target("greater_than_eq", lambda c, b: c.greater_than_eq(-1.0), (5,)),
    Target("less_than", lambda c, b: c.less_than(3.0), (5,)),
    Target("less_than-array", lambda c, b: c.less_than(b([-1.0, 0.0, 3.0])), (5, 3)),
    Target("unit_interval", lambda c, b: c.unit_interval, (5,)),
    Target("interval", lambda c, b: c.interval(-1.0, 3.0), (5,)),
    Target("interval-array", lambda c, b: c.interval(b([-1.0, 0.0, 2.0]), b([0.0, 10.0, 2.5])), (5, 3)),
    Target("half_open_interval", lambda c, b: c.half_open_interval(0.0, 2.0), (5,)),
    Target("simplex", lambda c, b: c.simplex, (5, 3)),
    Target("corr_cholesky", lambda c, b: c.corr_cholesky, (5, 3)),
    Target("cat", lambda c, b: c.cat([c.positive, c.real, c.interval(0.0, 2.0)], dim=-1, lengths=[2, 1, 2]), (3, 5)),
    Target("stack", lambda c, b: c.stack([c.positive, c.less_than(1.0)], dim=-1), (3, 2)),
    Target("stack-dim-0", lambda c, b: c.stack([c.positive, c.unit_interval], dim=0), (2, 3)),
    Target("lower_cholesky", lambda c, b: c.lower_cholesky, (5, 3, 3), bijective=False),
    Target("positive_definite", lambda c, b: c.positive_definite, (5, 3, 3), bijective=False, scales=(0.01, 1.0)),
    Target(
        "positive_semidefinite", lambda c, b: c.positive_semidefinite, (5, 3, 3), bijective=False, scales=(0.01, 1.0)
    ),
]


def _inputs(target: Target, backend: Backend, dtype: str, scale: float) -> Any:
    return backend.asarray(scale * np.random.default_rng(7).standard_normal(target.shape), dtype)


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_outputs_lie_in_the_constraint(target: Target, registry: str, backend: Backend, dtype: str) -> None:
    """``registry(c)(x)`` satisfies ``c`` for unconstrained ``x`` of scales 0.01 to 10, in the input's library
    and dtype; bijections give the inputs back (scale 1) and a finite log-determinant.  Lazy (Dask) outputs are
    checked on the host: the backend layer has no lazy eigenvalues for the matrix constraints."""
    if registry == "biject_to" and not target.bijective:
        with pytest.raises(NotImplementedError, match="biject_to: no transform is registered"):
            biject_to(target.make(constraints, lambda v: backend.asarray(np.asarray(v), dtype)))
        return
    c = target.make(constraints, lambda v: backend.asarray(np.asarray(v), dtype))
    t = (biject_to if registry == "biject_to" else transform_to)(c)
    assert isinstance(t, Transform)
    for scale in target.scales:
        x = _inputs(target, backend, dtype, scale)
        y = t(x)
        assert backend.owns(y) and backend.dtype_name(y) == dtype
        assert tuple(y.shape) == t.forward_shape(tuple(x.shape))
        if backend.lazy:
            c, y = target.make(constraints, lambda v: np.asarray(v, dtype=dtype)), backend.to_numpy(y)
        ok = backend.to_numpy(c.check(y))
        assert ok.all(), (scale, backend.to_numpy(y)[~ok] if ok.ndim else backend.to_numpy(y))
    if registry == "biject_to":
        x = _inputs(target, backend, dtype, 1.0)
        y = t(x)
        assert_close(backend.to_numpy(t.inv(y)), backend.to_numpy(x), {"float32": 1e-4, "float64": 1e-9}[dtype])
        assert np.isfinite(backend.to_numpy(t.log_abs_det_jacobian(x, y))).all()
        assert t.codomain.event_dim == c.event_dim


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_values_match_torch(target: Target, registry: str) -> None:
    """The same constraint in torch.distributions maps the same inputs to the same values (float64)."""
    torch = pytest.importorskip("torch")
    import torch.distributions as dists

    if registry == "biject_to" and not target.bijective:
        return
    ours = getattr(__import__("arraydist.transforms", fromlist=[registry]), registry)
    theirs = getattr(dists, registry)
    c_ours = target.make(constraints, lambda v: torch.as_tensor(np.asarray(v, dtype=np.float64)))
    c_theirs = target.make(dists.constraints, lambda v: torch.as_tensor(np.asarray(v, dtype=np.float64)))
    x = torch.as_tensor(np.random.default_rng(7).standard_normal(target.shape))
    assert_close(ours(c_ours)(x).numpy(), theirs(c_theirs)(x).numpy(), 1e-10)


def test_register_as_torch_does() -> None:
    """A class or an instance standing for it, directly or as a decorator; lookups by the constraint's exact
    class; a class without an entry is a NotImplementedError naming it."""
    registry = ConstraintRegistry("mine")

    class Odd(constraints.Constraint):
        def check(self, value: Any) -> Any:
            return value % 2 == 1

    def factory(c: Any) -> Transform:
        return ExpTransform()

    assert registry.register(Odd, factory) is factory
    assert registry(Odd()) == ExpTransform()
    decorated = registry.register(constraints.positive)(factory)
    assert decorated is factory and registry(constraints.greater_than(3.0)) == ExpTransform()
    with pytest.raises(NotImplementedError, match="mine: no transform is registered for IntegerGreaterThanEq"):
        registry(constraints.nonnegative_integer)  # a subclass of greater_than_eq: exact classes only
    for unregistered in (constraints.boolean, constraints.dependent, constraints.one_hot, constraints.lower_triangular):
        with pytest.raises(NotImplementedError, match="no transform is registered"):
            biject_to(unregistered)
    with pytest.raises(TypeError, match="the factory must be callable"):
        registry.register(Odd, 3)


def test_registered_transforms_keep_python_numbers() -> None:
    """Bounds given as numbers stay numbers in the transforms (constants), and the special cases pick the
    plain transforms: ``positive`` is ``ExpTransform``, the unit interval ``SigmoidTransform``."""
    assert biject_to(constraints.positive) == ExpTransform()
    assert type(biject_to(constraints.unit_interval)).__name__ == "SigmoidTransform"
    affine = biject_to(constraints.interval(-1.0, 3.0)).parts[1]
    assert affine.loc == -1.0 and affine.scale == 4.0
    assert transform_to(constraints.real) is biject_to(constraints.real)
