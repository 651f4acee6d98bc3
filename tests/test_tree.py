"""The base as a tree of parts: a composite written in a test file gets every batch operation, pytrees,
conversion, pickling and ``explain`` from its declaration alone; and what the base used to get wrong."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

import arraydist
from arraydist import Distribution, Independent, MultivariateNormal, Normal, constraints
from arraydist._backend import ops_of
from backends import BACKENDS, NUMPY, TORCH, Backend, on_backends


class Shift:
    """A node of the tree that is no distribution: it holds an array that lines up with the values it acts on
    (as a transform's parameter does), and nothing else of the transform API."""

    def __init__(self, offset: Any) -> None:
        self.offset = offset

    def _tree_flatten(self) -> tuple[tuple[Any, ...], Any]:
        return (self.offset,), None

    @classmethod
    def _tree_unflatten(cls, aux: Any, children: Any) -> Shift:
        return cls(children[0])

    def _child_ndims(self, ndim: int) -> tuple[int, ...]:
        return (ndim,)


class Shifted(Distribution):
    """``base_dist`` moved by ``shift.offset``: a wrapper of a distribution and a part holding an array.  It
    overrides no batch operation: expand, slicing, reshape, pytrees, conversion and explain come from
    ``_parts`` and the two hooks below."""

    arg_constraints: dict[str, constraints.Constraint] = {}
    _parts = ("base_dist", "shift")
    has_rsample = True

    def __init__(self, base: Distribution, offset: Any) -> None:
        self._init_parts({"base_dist": base, "shift": Shift(offset)}, None)

    def _part_shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        base = self.base_dist
        offset = self.shift.offset
        shape = np.broadcast_shapes(base.batch_shape + base.event_shape, tuple(getattr(offset, "shape", ())))
        cut = len(shape) - len(base.event_shape)
        return shape[:cut], shape[cut:]

    def _part_layout(self, extra: int) -> list[tuple[int, bool]]:
        return [(extra, False), (extra + len(self.base_dist.event_shape), True)]

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Any:
        return self.base_dist._rsample(sample_shape, rng) + self.shift.offset

    def _log_prob(self, value: Any) -> Any:
        return self.base_dist._log_prob(value - self.shift.offset)


def _shifted(backend: Backend) -> Shifted:
    loc = backend.asarray(np.arange(12.0).reshape(4, 3))
    return Shifted(Normal(loc, 1.0), backend.asarray(np.array([10.0, 20.0, 30.0])))


def _backend(name: str) -> Backend:
    found = next(x for x in BACKENDS if x.name == name and x.device is None)
    if not found.available():
        pytest.skip(f"needs {found.needs()}")
    return found


def _values(backend: Backend, d: Distribution, x: np.ndarray) -> np.ndarray:
    return backend.to_numpy(d.log_prob(backend.asarray(x)))


@pytest.mark.parametrize("library", on_backends("numpy", "torch", "jax", "dask", "array_api_strict"))
def test_a_composite_gets_every_batch_operation_from_its_declaration(library: str) -> None:
    b = _backend(library)
    d = _shifted(b)
    assert d.batch_shape == (4, 3) and d.event_shape == ()
    x = np.random.default_rng(0).normal(size=(4, 3)) * 3 + np.arange(12.0).reshape(4, 3) + [10, 20, 30]
    full = _values(b, d, x)
    # slices: compared member by member with the parameters indexed directly (open-ended and negative too)
    for index in [(1,), (slice(1, None),), (slice(None, -1),), (Ellipsis, 2), (slice(None), slice(1, None))]:
        part = d[index]
        np.testing.assert_allclose(_values(b, part, x[index]), full[index], rtol=1e-12)
    # expand, reshape
    e = d.expand((2, 4, 3))
    assert e.batch_shape == (2, 4, 3)
    np.testing.assert_allclose(_values(b, e, np.broadcast_to(x, (2, 4, 3))), np.broadcast_to(full, (2, 4, 3)))
    r = d.reshape((12,))
    np.testing.assert_allclose(_values(b, r, x.reshape(12)), full.reshape(12), rtol=1e-12)
    # pickling and conversion keep the tree
    again = pickle.loads(pickle.dumps(d))
    np.testing.assert_allclose(_values(b, again, x), full, rtol=1e-12)
    rows = {row.name: row for row in d.explain((5,)).rows}
    assert set(rows) >= {"base_dist.loc", "base_dist.scale", "shift.offset"}
    assert [dim.kind for dim in rows["shift.offset"].dims] == ["batch"]


def test_a_composite_under_jax_vmap_and_jit() -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    loc = jnp.arange(3.0)

    def make(center: Any) -> Shifted:
        return Shifted(Normal(center, 1.0), 2.0 * jnp.ones(()) + center[0])

    batched = jax.vmap(make)(jnp.stack([loc, loc + 1.0, loc + 2.0, loc + 3.0]))
    assert batched.batch_shape == (4, 3)
    x = jnp.zeros((4, 3))
    expect = np.stack([np.asarray(make(loc + i).log_prob(x[i])) for i in range(4)])
    np.testing.assert_allclose(np.asarray(batched.log_prob(x)), expect, rtol=1e-6)
    jitted = jax.jit(lambda d, v: d.log_prob(v))(make(loc), jnp.zeros(3))
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(make(loc).log_prob(jnp.zeros(3))), rtol=1e-6)


def test_independent_stands_on_the_tree() -> None:
    """Independent overrides none of the batch operations: the tree gives them."""
    for method in ("_expand", "_index", "_reshape", "_tree_flatten", "_tree_unflatten", "_map_leaves"):
        assert method not in Independent.__dict__, method


def test_neutral_numbers_follow_torchs_default_dtype() -> None:
    torch = pytest.importorskip("torch")
    arraydist.set_default_backend("torch")
    old = torch.get_default_dtype()
    try:
        assert Normal(0.0, 1.0).dtype == torch.float32
        torch.set_default_dtype(torch.float64)
        assert Normal(0.0, 1.0).dtype == torch.float64  # the same numbers as before: not the float32 state
        assert Normal(0.0, 2.0).dtype == torch.float64
        torch.set_default_dtype(torch.float32)
        assert Normal(0.0, 1.0).dtype == torch.float32
    finally:
        torch.set_default_dtype(old)
        arraydist.set_default_backend("numpy")
    assert Normal(0.0, 1.0).backend == "numpy"


def test_neutral_numbers_follow_jaxs_x64() -> None:
    jax = pytest.importorskip("jax")
    arraydist.set_default_backend("jax")
    x64 = jax.config.jax_enable_x64
    try:
        jax.config.update("jax_enable_x64", False)
        assert str(Normal(0.0, 1.0).dtype) == "float32"
        jax.config.update("jax_enable_x64", True)
        assert str(Normal(0.0, 1.0).dtype) == "float64"
    finally:
        jax.config.update("jax_enable_x64", x64)
        arraydist.set_default_backend("numpy")


@pytest.mark.parametrize("shape", [{3: 1}, {2, 3}])
def test_mappings_and_sets_are_no_sample_shape(shape: Any) -> None:
    expected = f"sample_shape must be an int or a sequence of ints; got a {type(shape).__name__}"
    with pytest.raises(TypeError, match=expected):
        Normal(0.0, 1.0).sample(shape)


def test_a_jax_key_passed_as_sample_shape_says_how_to_pass_it() -> None:
    jax = pytest.importorskip("jax")
    d = Normal(jax.numpy.zeros(2), 1.0)
    for key in (jax.random.PRNGKey(0), jax.random.key(0)):
        with pytest.raises(TypeError, match=r"got a JAX random key .*write d\.sample\(seed=key\)"):
            d.sample(key)


@pytest.mark.parametrize("library", on_backends("torch", "jax", "dask"))
def test_numpy_arrays_beside_another_library_are_converted(library: str) -> None:
    b = _backend(library)
    loc = b.asarray(np.zeros((2, 3)))
    d = MultivariateNormal(loc, covariance_matrix=np.eye(3))
    assert d.backend == b.name and ops_of(d.covariance_matrix).name == b.name
    value = b.asarray(np.ones((2, 3)))
    reference = MultivariateNormal(np.zeros((2, 3)), covariance_matrix=np.eye(3)).log_prob(np.ones((2, 3)))
    np.testing.assert_allclose(b.to_numpy(d.log_prob(value)), reference, rtol=1e-6)


def test_the_bad_value_message_broadcasts_a_value_against_its_members() -> None:
    """A scalar value outside a support that differs per batch member: the message, not a crash."""
    from arraydist._params import format_bad_values

    ops = ops_of(np.zeros(1))
    text = format_bad_values(ops, np.array(2.5), np.array([False, False, True]), 0)
    assert text == "2 invalid value(s): 2.5, 2.5"


@pytest.mark.parametrize("backend", [NUMPY, TORCH], ids=str)
def test_expand_records_what_repeats_through_the_tree(backend: Backend) -> None:
    if not backend.available():
        pytest.skip(f"needs {backend.needs()}")
    d = Independent(Normal(backend.asarray(np.zeros((3, 2))), 1.0), 1).expand((4, 3))
    rows = {row.name: row for row in d.explain().rows}
    assert [dim.broadcast for dim in rows["base_dist.loc"].dims] == [True, False, False]


@pytest.mark.parametrize("validate", [True, False])
def test_copies_keep_validate_args(validate: bool) -> None:
    """expand, slicing, reshape, conversion and unflattening keep the setting of the distribution copied."""
    d = Independent(Normal(np.zeros((3, 2)), 1.0, validate_args=validate), 1)
    neutral = Normal(0.0, 1.0, validate_args=validate)
    torch = pytest.importorskip("torch")
    copies = [
        d.expand((4, 3)),
        d[1:],
        d.reshape((3,)),
        d.base_dist[0],
        neutral._materialize(ops_of(torch.zeros(1)), torch.float32, None),
    ]
    copies.append(type(d)._tree_unflatten(*reversed(d._tree_flatten())))
    for copy in copies:
        assert copy._validate_args is validate
        if isinstance(copy, Independent):
            assert copy.base_dist._validate_args is validate
