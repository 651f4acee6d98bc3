"""Parity with torch.distributions' transforms: the same class built with the same parameters gives the same
values, inverses and log-determinants, on torch tensors (float32 and float64) and on NumPy arrays; where the two
differ by design, a test says how (``docs/transforms.md``).  Also ``torch.compile(fullgraph=True)`` over a
chain of transforms.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from _tolerance import assert_close
from _transform_specs import SPECS, Spec, host_points, libraries
from arraydist import constraints, transforms
from backends import on_backends

torch = pytest.importorskip("torch")
tt = torch.distributions.transforms

pytestmark = pytest.mark.family

#: the parity tolerances of the suite (docs/testing.md)
RTOL = {"float32": 2e-5, "float64": 1e-10}


def _pair(spec: Spec, dtype: str, on_torch: bool) -> tuple[Any, Any, Any]:
    """arraydist's transform in ``dtype`` (on torch tensors or NumPy arrays), torch's in float64 (Python-number
    parameters too: torch makes them tensors of its default dtype), and how to make arraydist's inputs."""
    to_float64 = lambda v: torch.as_tensor(np.asarray(v, dtype=np.float64))  # noqa: E731
    if on_torch:
        to_ours = lambda v: torch.as_tensor(np.asarray(v, dtype=np.float64), dtype=getattr(torch, dtype))  # noqa: E731
    else:
        to_ours = lambda v: np.asarray(v, dtype=dtype)  # noqa: E731
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        theirs = spec.build(libraries("torch"), to_float64)
    finally:
        torch.set_default_dtype(default)
    return spec.build(libraries("arraydist"), to_ours), theirs, to_ours


@pytest.mark.parametrize("where", ["torch", "numpy"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_values_inverses_and_log_determinants_match_torch(spec: Spec, dtype: str, where: str) -> None:
    """Each quantity against torch's in float64 on the same inputs (arraydist's own outputs for the inverse):
    in float32 that is the value torch's formula stands for, which torch's float32 misses where it cancels (the
    inverse stick breaking near a vertex: 1.6 % off in the ``compose-to-simplex`` points).  A float32 simplex
    point sums to 1 within a few eps, and torch's inverse reads the last sticks as ``1 - cumsum`` (5 % apart
    from the sum of the entries they hold there), so its reference inverts the point normalized in float64."""
    ours, theirs, conv = _pair(spec, dtype, where == "torch")
    host = host_points(spec)
    read = (lambda a: a.numpy()) if where == "torch" else np.asarray
    wide = lambda a: torch.as_tensor(np.asarray(read(a), dtype=np.float64))  # noqa: E731
    x, x64 = conv(host), torch.as_tensor(host)
    y = ours(x)
    rtol = RTOL[dtype]
    assert_close(read(y), theirs(x64).numpy(), rtol, err_msg="forward")
    y64 = wide(y) if spec.project is None else torch.as_tensor(spec.project(wide(y).numpy()))
    assert_close(read(ours.inv(y)), theirs.inv(y64).numpy(), rtol, err_msg="inverse")
    if spec.torch_ladj:
        expected = theirs.log_abs_det_jacobian(x64, wide(y)).numpy()
        assert_close(read(ours.log_abs_det_jacobian(x, y)), expected, rtol, err_msg="log_abs_det_jacobian")
    assert ours.bijective == theirs.bijective
    assert ours.domain.event_dim == theirs.domain.event_dim or spec.name == "stack"  # see the Stack test below
    assert ours.forward_shape(tuple(x.shape)) == tuple(theirs.forward_shape(x64.shape))
    assert ours.inverse_shape(tuple(y.shape)) == tuple(theirs.inverse_shape(wide(y).shape))


def test_the_sign_of_monotone_transforms_matches_torch() -> None:
    scale = torch.tensor([2.0, -1.0])
    for ours, theirs in [
        (transforms.ExpTransform(), tt.ExpTransform()),
        (transforms.TanhTransform(), tt.TanhTransform()),
        (transforms.AffineTransform(0.0, -2.0), tt.AffineTransform(0.0, -2.0)),
        (transforms.ComposeTransform([transforms.AffineTransform(0.0, -2.0), transforms.ExpTransform()]), None),
    ]:
        assert ours.sign == (-1 if theirs is None else theirs.sign)
    assert torch.equal(transforms.AffineTransform(0.0, scale).sign, tt.AffineTransform(0.0, scale).sign)
    assert transforms.TanhTransform().inv.sign == tt.TanhTransform().inv.sign


# ---------------------------------------------------------------------- where arraydist differs, by design
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tanh_inverse_at_plus_minus_one_is_finite_where_torch_is_infinite(dtype: str) -> None:
    y = torch.tensor([-1.0, 1.0], dtype=getattr(torch, dtype))
    assert torch.isinf(tt.TanhTransform().inv(y)).all()
    x = transforms.TanhTransform().inv(y)
    top = 1 - torch.finfo(y.dtype).eps / 2  # the nearest number below 1
    assert torch.isfinite(x).all() and torch.equal(x, torch.atanh(torch.tensor([-top, top], dtype=y.dtype)))


def test_affine_log_determinant_counts_every_element_of_the_event() -> None:
    """A 0-d tensor ``scale`` with ``event_dim=1``: log|scale| per element of the event (torch counts it once
    per event, unlike a Python-number scale)."""
    x = torch.zeros(5, 3)
    scale = torch.tensor(2.0)
    ours = transforms.AffineTransform(0.0, scale, event_dim=1).log_abs_det_jacobian(x, x)
    number = tt.AffineTransform(0.0, 2.0, event_dim=1).log_abs_det_jacobian(x, x)
    tensor = tt.AffineTransform(0.0, scale, event_dim=1).log_abs_det_jacobian(x, x)
    assert torch.allclose(ours, number) and not torch.allclose(tensor, number)


def test_stack_along_the_last_dimension_of_scalar_parts_is_a_batch_dimension() -> None:
    """torch's ``stack([...], dim=-1)`` constraint says event rank 1 for scalar parts while its check and its
    StackTransform's log-determinant keep that dimension; arraydist says 0, consistent with both."""
    parts = [constraints.positive, constraints.real]
    assert torch.distributions.constraints.stack([torch.distributions.constraints.positive] * 2, dim=-1).event_dim == 1
    assert constraints.stack(parts, dim=-1).event_dim == 0
    assert constraints.stack([constraints.simplex] * 2, dim=-1).event_dim == 2
    t = transforms.StackTransform([transforms.ExpTransform(), transforms.ExpTransform()], dim=-1)
    x = torch.zeros(3, 2)
    assert t.log_abs_det_jacobian(x, t(x)).shape == (3, 2) and t.event_dim == 0


def test_pickled_inverses_work_where_torchs_come_back_broken() -> None:
    ours = pickle.loads(pickle.dumps(transforms.ExpTransform().inv))
    assert torch.equal(ours(torch.ones(2)), torch.zeros(2))
    theirs = pickle.loads(pickle.dumps(tt.ExpTransform().inv))
    with pytest.raises(AssertionError):
        theirs(torch.ones(2))


# ---------------------------------------------------------------------- torch.compile
@pytest.mark.parametrize("library", on_backends("torch.compile"))
def test_compile_fullgraph(library: str) -> None:
    """A squashing chain (NumPy parameters meeting torch values, a tensor parameter, Tanh) compiles to one graph
    and gives the eager values."""
    chain = transforms.ComposeTransform(
        [
            transforms.AffineTransform(np.array([0.5, -1.0, 2.0]), torch.tensor(2.0)),
            transforms.TanhTransform(),
            transforms.AffineTransform(1.0, 3.0),
        ]
    )

    def step(x: Any) -> tuple[Any, Any, Any]:
        y = chain(x)
        return y, chain.log_abs_det_jacobian(x, y), chain.inv(y)

    x = torch.linspace(-2.0, 2.0, 12).reshape(4, 3)
    compiled = torch.compile(step, fullgraph=True)
    for a, b in zip(compiled(x), step(x)):
        assert_close(a.numpy(), b.numpy(), 1e-6)
