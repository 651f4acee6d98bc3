"""Transforms on every backend: round trips, log-determinants against autodiff Jacobians, the tree of parts
(JAX pytrees, ``jax.jit``), pickling, equality, caching, the backend of parameters and values, bad input, and the
numerics at the edges (Tanh at +-1 and 1e4, stick breaking near a vertex, correlation factors at large inputs,
against mpmath).

Each test runs on the transforms of ``tests/_transform_specs.py`` (every one of torch's eighteen, at event ranks
0, 1 and 2).  A family module: the tests that take a backend run on NumPy and PyTorch by default and on the other
backends in the complement run (``tests/_matrix.py``).
"""

from __future__ import annotations

import copy
import math
import pickle
from typing import Any

import mpmath
import numpy as np
import pytest

from _tolerance import assert_close
from _transform_specs import SPECS, TORCH_TRANSFORMS, Spec, host_points, libraries, strict_lower
from arraydist import Normal, transforms
from arraydist.transforms import (
    AbsTransform,
    AffineTransform,
    CatTransform,
    ComposeTransform,
    CorrCholeskyTransform,
    CumulativeDistributionTransform,
    ExpTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    StackTransform,
    StickBreakingTransform,
    TanhTransform,
    Transform,
)
from backends import BACKENDS, NUMPY, Backend, on_backends

pytestmark = pytest.mark.family

ADT = libraries("arraydist")
BIJECTIVE = [s for s in SPECS if s.bijective]
#: round trips: float32 loses a few units of its resolution through exp/log and tanh/atanh pairs
ROUND_TRIP_RTOL = {"float32": 2e-4, "float64": 1e-9}


def build(spec: Spec, backend: Backend, dtype: str) -> Transform:
    return spec.build(ADT, lambda v: backend.asarray(np.asarray(v, dtype=np.float64), dtype))


def walk(t: Any) -> list[Any]:
    """``t`` and every transform nested in it."""
    found = [t]
    if isinstance(t, Transform):
        for child in t._tree_flatten()[0]:
            if isinstance(child, Transform):
                found.extend(walk(child))
    return found


def test_every_transform_has_a_spec() -> None:
    """torch's eighteen transforms are exported under their names and each appears in the specs."""
    assert set(TORCH_TRANSFORMS) <= set(transforms.__all__)
    seen = {type(t).__name__ for s in SPECS for t in walk(s.build(ADT, np.asarray))}
    assert set(TORCH_TRANSFORMS) <= seen, set(TORCH_TRANSFORMS) - seen
    ranks = {s.build(ADT, np.asarray).domain.event_dim for s in SPECS}
    assert {0, 1, 2} <= ranks


# ---------------------------------------------------------------------- round trips, shapes, backends
@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_round_trip(spec: Spec, backend: Backend, dtype: str) -> None:
    """``inv(t(x)) = x`` on the domain (bijections), ``t(inv(y)) = y`` on the codomain (every transform); the
    results are arrays of the input's library and dtype, of the shapes ``forward_shape`` / ``inverse_shape``
    state; the log-determinant has the batch shape and is finite; inputs are not mutated."""
    t = build(spec, backend, dtype)
    host = host_points(spec)
    x = backend.asarray(host, dtype)
    y = t(x)
    assert backend.owns(y) and backend.dtype_name(y) == dtype
    assert tuple(y.shape) == t.forward_shape(tuple(x.shape))
    rtol = ROUND_TRIP_RTOL[dtype]
    y_host = backend.to_numpy(y)
    if spec.bijective:
        back = t.inv(y)
        assert backend.owns(back) and tuple(back.shape) == t.inverse_shape(tuple(y.shape))
        assert_close(backend.to_numpy(back), host, rtol, err_msg=spec.name)
        ladj = t.log_abs_det_jacobian(x, y)
        assert backend.owns(ladj) and backend.dtype_name(ladj) == dtype
        batch = tuple(x.shape)[: x.ndim - t.domain.event_dim]
        assert tuple(ladj.shape) == batch
        assert np.isfinite(backend.to_numpy(ladj)).all()
    other = t(backend.asarray(host_points(spec, seed=1), dtype))  # points of the codomain
    assert_close(backend.to_numpy(t(t.inv(other))), backend.to_numpy(other), rtol, err_msg=spec.name)
    assert_close(backend.to_numpy(x), host.astype(dtype), 0.0)  # not mutated
    assert_close(backend.to_numpy(y), y_host, 0.0)


# ---------------------------------------------------------------------- log-determinants against autodiff
def _autodiff_logdet(jacobian: Any, slogdet: Any, t: Transform, x: Any, free: Any, xp: Any) -> Any:
    """``log |det J|`` of each event's map from its flattened input to its flattened (free) output, from the
    Jacobian of the whole batch (block diagonal: one block per batch member)."""
    shape = tuple(x.shape)
    k = t.domain.event_dim
    batch = shape[: len(shape) - k]
    members, size = math.prod(batch), math.prod(shape[len(batch) :])

    def f(flat: Any) -> Any:
        y = t(xp.reshape(flat, shape))
        if free is not None:
            y = free(y, xp)
        return xp.reshape(y, (members, -1))

    jac = jacobian(f)(xp.reshape(x, (-1,)))
    jac = xp.reshape(jac, (members, jac.shape[1], members, size))
    blocks = xp.stack([jac[i, :, i, :] for i in range(members)])
    return xp.reshape(slogdet(blocks), batch)


@pytest.mark.parametrize("spec", BIJECTIVE, ids=str)
def test_log_abs_det_jacobian_against_torch_autodiff(spec: Spec) -> None:
    """The log-determinant is log|det| of the Jacobian (torch.func.jacrev, float64) of each event's map onto its
    free coordinates (the first K of a stick-breaking simplex, the strictly lower entries of a correlation
    factor: torch.distributions' convention); the inverse's is its negative at the image."""
    torch = pytest.importorskip("torch")
    t = spec.build(ADT, lambda v: torch.as_tensor(np.asarray(v, dtype=np.float64)))
    x = torch.as_tensor(host_points(spec))
    expected = _autodiff_logdet(
        torch.func.jacrev, lambda m: torch.linalg.slogdet(m)[1], t, x, spec.free, _TorchXP(torch)
    )
    y = t(x)
    assert_close(t.log_abs_det_jacobian(x, y).numpy(), expected.numpy(), 1e-10, err_msg=spec.name)
    assert_close(t.inv.log_abs_det_jacobian(y, x).numpy(), -expected.numpy(), 1e-10, err_msg=spec.name)


@pytest.mark.on_backend("jax")
@pytest.mark.parametrize("spec", BIJECTIVE, ids=str)
def test_log_abs_det_jacobian_against_jax_autodiff(spec: Spec) -> None:
    """The same with ``jax.jacfwd``, under ``jax.jit``."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    t = spec.build(ADT, lambda v: jnp.asarray(np.asarray(v, dtype=np.float64)))
    x = jnp.asarray(host_points(spec))

    @jax.jit
    def both(t: Transform, x: Any) -> tuple[Any, Any]:
        slogdet = lambda m: jnp.linalg.slogdet(m)[1]  # noqa: E731
        return t.log_abs_det_jacobian(x, t(x)), _autodiff_logdet(jax.jacfwd, slogdet, t, x, spec.free, jnp)

    ladj, expected = both(t, x)
    assert_close(np.asarray(ladj), np.asarray(expected), 1e-10, err_msg=spec.name)


class _TorchXP:
    """The few array functions ``_autodiff_logdet`` uses, on torch tensors."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch

    def reshape(self, x: Any, shape: tuple[int, ...]) -> Any:
        return x.reshape(shape)

    def stack(self, xs: list[Any]) -> Any:
        return self.torch.stack(xs)

    def take(self, x: Any, index: Any, axis: int) -> Any:
        return self.torch.index_select(x, axis % x.ndim, index)

    def asarray(self, x: Any) -> Any:
        return self.torch.as_tensor(x)


# ---------------------------------------------------------------------- the tree of parts
@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_tree_flatten_unflatten(spec: Spec) -> None:
    """``_tree_unflatten(aux, children)`` rebuilds an equal transform that computes the same; it accepts
    placeholder children without computing; the static data is hashable; ``_child_ndims`` has one entry per
    child."""
    t = build(spec, NUMPY, "float64")
    x = host_points(spec)
    for obj in (t, t.inv):
        children, aux = obj._tree_flatten()
        hash(aux)
        again = type(obj)._tree_unflatten(aux, children)
        assert again == obj
        assert len(obj._child_ndims(2)) == len(children)
        type(obj)._tree_unflatten(aux, [object()] * len(children))
        type(obj)._tree_unflatten(aux, [None] * len(children))
    assert_close(type(t)._tree_unflatten(*reversed(t._tree_flatten()))(x), t(x), 0.0)


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_jax_pytree_round_trip(spec: Spec) -> None:
    """``jax.tree_util`` flattens every transform (and its inverse) to its arrays and rebuilds an equal one."""
    jax = pytest.importorskip("jax")
    t = spec.build(ADT, lambda v: jax.numpy.asarray(np.asarray(v, dtype=np.float64)))
    for obj in (t, t.inv):
        leaves, treedef = jax.tree_util.tree_flatten(obj)
        assert all(isinstance(leaf, (jax.Array, float)) for leaf in leaves), leaves
        assert jax.tree_util.tree_unflatten(treedef, leaves) == obj


@pytest.mark.on_backend("jax")
@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_jax_jit(spec: Spec) -> None:
    """``jax.jit(lambda t, x: t(x))(t, x)`` equals the eager result, and so do the inverse and the
    log-determinant under ``jit``."""
    jax = pytest.importorskip("jax")
    t = spec.build(ADT, lambda v: jax.numpy.asarray(np.asarray(v, dtype=np.float64)))
    x = jax.numpy.asarray(host_points(spec))
    y = t(x)
    assert_close(np.asarray(jax.jit(lambda t, x: t(x))(t, x)), np.asarray(y), 1e-12)
    assert_close(np.asarray(jax.jit(lambda t, y: t.inv(y))(t, y)), np.asarray(t.inv(y)), 1e-12)
    if spec.bijective:
        ladj = jax.jit(lambda t, x, y: t.log_abs_det_jacobian(x, y))(t, x, y)
        assert_close(np.asarray(ladj), np.asarray(t.log_abs_det_jacobian(x, y)), 1e-12)


def test_jax_vmap_returns_a_transform_with_a_batch_of_parameters() -> None:
    """A transform returned by ``jax.vmap`` holds the mapped parameters and applies them per row."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    loc = jnp.arange(4.0)
    t = jax.vmap(lambda v: AffineTransform(v, 2.0))(loc)
    assert t.loc.shape == (4,)
    assert_close(np.asarray(t(jnp.zeros(4))), np.arange(4.0), 0.0)


def test_child_ndims() -> None:
    """How each child's dimensions line up with the values: parameters and nested transforms at the event rank
    their input has, a distribution at the rank given, a stack's parts without the stacked dimension."""
    a = np.ones(3)
    assert AffineTransform(a, a)._child_ndims(1) == (1, 1)
    assert PowerTransform(a)._child_ndims(0) == (0,)
    chain = ComposeTransform([ReshapeTransform((6,), (3, 2)), IndependentTransform(ExpTransform(), 2)])
    assert chain._child_ndims(1) == (1, 2)
    assert ComposeTransform([ExpTransform(), StickBreakingTransform()])._child_ndims(1) == (1, 1)
    assert ComposeTransform([CorrCholeskyTransform(), LowerCholeskyTransform()])._child_ndims(1) == (1, 2)
    assert IndependentTransform(ExpTransform(), 1)._child_ndims(1) == (1,)
    assert ReshapeTransform((6,), (3, 2)).inv._child_ndims(2) == (1,)
    assert StackTransform([ExpTransform(), ExpTransform()], dim=-1)._child_ndims(1) == (0, 0)
    assert StackTransform([ExpTransform(), ExpTransform()], dim=0)._child_ndims(1) == (1, 1)
    assert CumulativeDistributionTransform(Normal(a, 1.0))._child_ndims(1) == (1,)
    assert CatTransform([ExpTransform(), ExpTransform()], dim=-1, lengths=[1, 2])._child_ndims(1) == (1, 1)


# ---------------------------------------------------------------------- pickling, copies, equality
@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_pickle_and_deepcopy(spec: Spec) -> None:
    """Every transform and its ``inv`` pickle and deep-copy into working transforms (torch's inverse comes back
    broken), whose ``inv`` works too and links back."""
    t = build(spec, NUMPY, "float64")
    x = host_points(spec)
    y = t(x)
    for copied in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert copied == t
        assert_close(copied(x), y, 0.0)
        assert copied.inv.inv is copied
    for copied in (pickle.loads(pickle.dumps(t.inv)), copy.deepcopy(t.inv)):
        assert copied == t.inv
        assert_close(copied(y), t.inv(y), 0.0)
        assert_close(copied.inv(x), y, 0.0)  # its inverse is a working forward transform
        assert copied.inv.inv is copied


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_equality(spec: Spec) -> None:
    """Transforms built alike are equal (and hash alike), their inverses too; a transform is not its inverse."""
    a, b = build(spec, NUMPY, "float64"), build(spec, NUMPY, "float64")
    assert a == b and hash(a) == hash(b) and a.inv == b.inv
    assert a != a.inv or spec.name == "identity"
    assert a.with_cache(1) == a  # the cache is not part of what a transform is


def test_equality_compares_parameters() -> None:
    assert AffineTransform(0.0, 2.0) != AffineTransform(0.0, 3.0)
    assert AffineTransform(np.zeros(2), 2.0) == AffineTransform(np.zeros(2), 2.0)
    assert AffineTransform(np.zeros(2), 2.0) != AffineTransform(np.zeros(3), 2.0)
    assert AffineTransform(0.0, 2.0, event_dim=1) != AffineTransform(0.0, 2.0)
    assert ReshapeTransform((2, 3), (6,)) != ReshapeTransform((3, 2), (6,))
    assert ComposeTransform([ExpTransform()]) != ComposeTransform([ExpTransform(), ExpTransform()])
    assert CumulativeDistributionTransform(Normal(0.0, 1.0)) == CumulativeDistributionTransform(Normal(0.0, 1.0))
    assert CumulativeDistributionTransform(Normal(0.0, 1.0)) != CumulativeDistributionTransform(Normal(0.0, 2.0))
    assert ExpTransform() != ExpTransform().inv.inv.inv
    assert {ExpTransform(), ExpTransform(), TanhTransform()} == {ExpTransform(), TanhTransform()}


# ---------------------------------------------------------------------- caches
class _Counting(ExpTransform):
    """An ``ExpTransform`` that counts its forward and inverse computations."""

    def __init__(self, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.calls = [0, 0]

    def _call(self, x: Any) -> Any:
        self.calls[0] += 1
        return super()._call(x)

    def _inverse(self, y: Any) -> Any:
        self.calls[1] += 1
        return super()._inverse(y)


def test_cache_keeps_the_last_pair_by_identity() -> None:
    t = _Counting(cache_size=1)
    x = np.array([0.5, 1.0])
    y = t(x)
    assert t(x) is y and t.inv(y) is x and t.calls == [1, 0]
    assert t(x.copy()) is not y and t.calls == [2, 0]  # equal values, another object: computed again
    y2 = np.array([2.0])
    x2 = t.inv(y2)
    assert t(x2) is y2 and t.calls == [2, 1]
    plain = _Counting()
    plain(x), plain(x)
    assert plain.calls == [2, 0]


def test_with_cache() -> None:
    """``with_cache`` gives a transform of that cache size (nested transforms too), itself when it has it."""
    t = ComposeTransform([ExpTransform(), AffineTransform(np.ones(2), 2.0)])
    cached = t.with_cache(1)
    assert cached is not t and cached.with_cache(1) is cached and t.with_cache(0) is t
    assert all(p._cache_size == 1 for p in cached.parts) and cached._cache_size == 1
    assert cached.with_cache(0).parts[0]._cache_size == 0
    x = np.array([0.1, 0.2])
    assert_close(cached(x), t(x), 0.0)
    inv = TanhTransform().inv.with_cache(1)
    assert inv.inv._cache_size == 1 and inv.inv.inv is inv
    nested = IndependentTransform(TanhTransform(), 1, cache_size=1)
    assert nested.base_transform._cache_size == 1
    assert CatTransform([ExpTransform()], cache_size=1).transforms[0]._cache_size == 1
    assert StackTransform([ExpTransform()]).with_cache(1).transforms[0]._cache_size == 1
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        ExpTransform().with_cache(2)


# ---------------------------------------------------------------------- the backend of parameters and values
@pytest.mark.parametrize("library", on_backends("torch", "jax", "array_api_strict"))
def test_numpy_parameters_meet_values_of_another_library(library: str) -> None:
    """NumPy parameter arrays are converted to the value's library, dtype and device, once per placement; Python
    numbers stay numbers."""
    backend = next(b for b in BACKENDS if b.name == library and b.device is None)
    if not backend.available():
        pytest.skip(f"needs {backend.module}")
    t = AffineTransform(np.array([1.0, 2.0, 3.0]), 2.0)
    x = backend.asarray(np.zeros(3), "float32")
    y = t(x)
    assert backend.owns(y) and backend.dtype_name(y) == "float32"
    assert_close(backend.to_numpy(y), [1.0, 2.0, 3.0], 0.0)
    first = t._params(x)
    assert t._params(x)[0] is first[0] and backend.owns(first[0]) and first[1] == 2.0
    assert type(t.loc) is np.ndarray and t.scale == 2.0


def test_values_meet_parameters_of_another_library() -> None:
    """A NumPy or Python-number value meeting torch parameters is converted to torch; two libraries other than
    NumPy are a TypeError naming both."""
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    t = AffineTransform(torch.tensor([1.0, 2.0]), 2.0)
    assert isinstance(t(np.zeros(2)), torch.Tensor) and t(np.zeros(2)).dtype == torch.float32
    assert isinstance(t(0.0), torch.Tensor) and isinstance(t.inv([1.0, 2.0]), torch.Tensor)
    assert type(ExpTransform()([0.0, 1.0])) is np.ndarray
    with pytest.raises(TypeError, match=r"torch.*jax"):
        t(jax.numpy.zeros(2))
    with pytest.raises(TypeError, match=r"torch.*jax|jax.*torch"):
        AffineTransform(torch.zeros(2), jax.numpy.ones(2))
    i = ExpTransform()(torch.tensor([0, 1]))
    assert i.dtype == torch.get_default_dtype()  # integer values are taken as the library's default float


# ---------------------------------------------------------------------- bad input
def _bad_inputs() -> list[Any]:
    e = ExpTransform()
    return [
        (lambda: ExpTransform(cache_size=2), ValueError, "ExpTransform: cache_size must be 0 or 1; got 2"),
        (lambda: AffineTransform(0.0, 1.0, event_dim=-1), ValueError, "event_dim must be an int >= 0; got -1"),
        (lambda: AffineTransform(0.0, 0.0), ValueError, "scale must not be 0"),
        (lambda: AffineTransform(math.nan, 1.0), ValueError, "loc must be finite"),
        (lambda: AffineTransform("a", 1.0), TypeError, "AffineTransform: loc"),
        (lambda: AffineTransform(0.0, np.array([1 + 2j])), TypeError, "scale must be real numbers.*complex128"),
        (lambda: PowerTransform(0.0), ValueError, "exponent must be finite and non-zero"),
        (lambda: ReshapeTransform((2, 3), (5,)), ValueError, r"\(2, 3\) \(6 elements\).*\(5,\) \(5 elements\)"),
        (lambda: ReshapeTransform((2, 3), (6,))(np.zeros((4, 3, 2))), ValueError, r"\(4, 3, 2\).*\(2, 3\)"),
        (lambda: ReshapeTransform((2.5,), (6,)), TypeError, "in_shape"),
        (lambda: CatTransform([e], lengths=[1, 2]), ValueError, "2 lengths for 1 transforms"),
        (lambda: CatTransform([e, 3]), TypeError, r"tseq\[1\] must be a Transform; got int"),
        (lambda: CatTransform([]), ValueError, "at least one transform"),
        (lambda: CatTransform([e, e], lengths=[1, -1]), ValueError, "lengths must be >= 0"),
        (
            lambda: CatTransform([e, e], dim=-1)(np.zeros((2, 3))),
            ValueError,
            r"expected 2 entries along dim -1.*\(2, 3\)",
        ),
        (lambda: CatTransform([e, e], dim=2)(np.zeros((2, 3))), ValueError, "dim 2 is out of range"),
        (lambda: StackTransform([e], dim=0)(np.zeros((2, 3))), ValueError, "expected 1 entries along dim 0"),
        (lambda: StackTransform([e], dim=0.5), TypeError, "dim must be an int"),
        (lambda: IndependentTransform(3, 1), TypeError, "base_transform must be a Transform"),
        (lambda: IndependentTransform(e, -1), ValueError, "reinterpreted_batch_ndims must be >= 0; got -1"),
        (lambda: IndependentTransform(e, 2)(np.zeros(3)), ValueError, r"shape \(3,\) has fewer than the 2"),
        (lambda: ComposeTransform([e, "x"]), TypeError, r"parts\[1\] must be a Transform; got str"),
        (lambda: CumulativeDistributionTransform("normal"), TypeError, "must be an arraydist Distribution"),
        (lambda: StickBreakingTransform()(np.float64(1.0)), ValueError, r"must be vectors.*got shape \(\)"),
        (lambda: StickBreakingTransform().inv(np.zeros((2, 0))), ValueError, "size >= 1"),
        (lambda: CorrCholeskyTransform()(np.zeros(4)), ValueError, "4 entries is not the strictly lower triangle"),
        (lambda: CorrCholeskyTransform().inv(np.zeros((2, 3))), ValueError, r"square matrices; got shape \(2, 3\)"),
        (lambda: CorrCholeskyTransform().event_dim, ValueError, r"changes the event rank \(1 -> 2\)"),
        (lambda: CorrCholeskyTransform().forward_shape((4,)), ValueError, "4 entries"),
        (lambda: LowerCholeskyTransform()(np.zeros((2, 3))), ValueError, "square matrices"),
        (lambda: e("abc"), TypeError, "ExpTransform: values must be real numbers"),
        (lambda: e(np.array([1 + 1j])), TypeError, "values must be real numbers; got an array of dtype complex"),
        (lambda: AbsTransform().log_abs_det_jacobian(1.0, 1.0), NotImplementedError, "AbsTransform has no log_abs"),
        (lambda: AbsTransform().sign, NotImplementedError, "AbsTransform has no sign"),
        (lambda: transforms.biject_to.register("x"), TypeError, "expected a Constraint subclass or instance"),
    ]


@pytest.mark.parametrize("index", range(len(_bad_inputs())))
def test_bad_input_is_a_clear_error(index: int) -> None:
    fn, kind, message = _bad_inputs()[index]
    with pytest.raises(kind, match=message):
        fn()


# ---------------------------------------------------------------------- numerics at the edges
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tanh_at_the_edges(backend: Backend, dtype: str) -> None:
    """``inv(+-1)`` is finite (the nearest numbers inside (-1, 1)), and the log-determinant is finite and exact
    (mpmath: ``-2 log cosh x``) for |x| up to 1e4, where ``1 - tanh(x)^2`` is 0 in either dtype."""
    t = TanhTransform()
    edges = t.inv(backend.asarray(np.array([-1.0, 1.0]), dtype))
    edge_values = backend.to_numpy(edges)
    assert np.isfinite(edge_values).all() and edge_values[1] == -edge_values[0] > 8
    host = np.array([-1e4, -300.0, -20.0, -1.0, 0.0, 0.5, 9.0, 40.0, 1e4])
    ladj = backend.to_numpy(t.log_abs_det_jacobian(backend.asarray(host, dtype), None))
    with mpmath.workdps(40):
        expected = [float(-2 * mpmath.log(mpmath.cosh(mpmath.mpf(float(v))))) for v in host.astype(dtype)]
    assert_close(ladj, expected, {"float32": 2e-6, "float64": 1e-14}[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_and_softplus_at_the_edges(backend: Backend, dtype: str) -> None:
    """Sigmoid's inverse of 0 and 1 is finite; its and Softplus's log-determinants are exact far out (mpmath)."""
    s = SigmoidTransform()
    assert np.isfinite(backend.to_numpy(s.inv(backend.asarray(np.array([0.0, 1.0]), dtype)))).all()
    host = np.array([-500.0, -30.0, 0.0, 30.0, 500.0])
    x = backend.asarray(host, dtype)
    with mpmath.workdps(40):
        sig = [-mpmath.log1p(mpmath.exp(-mpmath.mpf(v))) for v in host]  # log sigma(x)
        sig_neg = [-mpmath.log1p(mpmath.exp(mpmath.mpf(v))) for v in host]
    rtol = {"float32": 2e-6, "float64": 1e-14}[dtype]
    assert_close(backend.to_numpy(s.log_abs_det_jacobian(x, None)), [float(a + b) for a, b in zip(sig, sig_neg)], rtol)
    assert_close(
        backend.to_numpy(transforms.SoftplusTransform().log_abs_det_jacobian(x, None)), [float(a) for a in sig], rtol
    )


def _stick_breaking_mp(x: np.ndarray) -> tuple[list[Any], Any]:
    """The simplex point and log-determinant of one vector, with mpmath (50 digits) from the definition."""
    with mpmath.workdps(50):
        k = len(x)
        rest, y, logdet = mpmath.mpf(1), [], mpmath.mpf(0)
        for i, v in enumerate(x):
            z = 1 / (1 + mpmath.exp(-(mpmath.mpf(float(v)) - mpmath.log(k - i))))
            y.append(z * rest)
            logdet += mpmath.log(z * rest) + mpmath.log(1 - z)  # the triangular Jacobian's diagonal
            rest *= 1 - z
        return [*y, rest], logdet


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stick_breaking_without_cancellation(dtype: str) -> None:
    """Far from the centre (entries of 30 or -30) the map and its log-determinant match mpmath to the dtype's
    resolution, and the inverse of a point next to a vertex (pieces of 1e-12) gives back its small pieces to
    full relative precision, where ``1 - cumsum`` loses most of their digits."""
    t = StickBreakingTransform()
    rtol = {"float32": 3e-6, "float64": 1e-13}[dtype]
    for host in (np.array([30.0, -30.0, 2.0]), np.array([-30.0, -30.0, 30.0]), np.array([15.0, 20.0, -40.0])):
        x = host.astype(dtype)
        y_mp, logdet_mp = _stick_breaking_mp(x)
        y = t(x)
        assert_close(y / np.asarray([float(v) for v in y_mp]), np.ones(4), rtol)
        assert_close(t.log_abs_det_jacobian(x, y), float(logdet_mp), rtol)
    corner = np.array([1 - 3e-12, 1e-12, 2e-12, 0.0]) + np.array([0.0, 0.0, 0.0, 5e-13])
    again = t(t.inv(corner))
    assert_close(again[1:] / corner[1:], np.ones(3), 1e-12)


def _corr_cholesky_mp(x: np.ndarray, d: int) -> Any:
    """The log-determinant of the map onto the strictly lower entries, with mpmath (80 digits), from the
    definition: the tanh factors and the remaining sticks ``0.5 log(1 - sum_{k<j} y_ik^2)``."""
    with mpmath.workdps(80):
        rows, cols = np.tril_indices(d, -1)
        r = {(i, j): mpmath.tanh(mpmath.mpf(float(v))) for i, j, v in zip(rows, cols, x)}
        logdet = mpmath.mpf(0)
        for i in range(d):
            used = mpmath.mpf(0)
            for j in range(i):
                logdet += mpmath.log(1 - r[i, j] ** 2) + 0.5 * mpmath.log(1 - used)
                used += (r[i, j] ** 2) * (1 - used)
        return logdet


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_corr_cholesky_at_large_inputs(dtype: str) -> None:
    """Inputs up to 7 (float32) or 15 (float64), where ``1 - tanh^2`` keeps a few digits at most: the factor is
    in ``corr_cholesky`` and the log-determinant matches mpmath; beyond the clipping point (100) the factor
    still has a positive diagonal and unit rows, and its log-determinant is finite."""
    from arraydist import constraints

    t = CorrCholeskyTransform()
    top = {"float32": 7.0, "float64": 15.0}[dtype]
    rng = np.random.default_rng(3)
    for host in (np.array([top, -top, top, 0.5, -top, top]), top * np.tanh(rng.standard_normal(10))):
        x = host.astype(dtype)
        d = round((0.25 + 2 * x.size) ** 0.5 + 0.5)
        y = t(x)
        assert bool(constraints.corr_cholesky.check(y))
        assert_close(
            t.log_abs_det_jacobian(x, y), float(_corr_cholesky_mp(x, d)), {"float32": 1e-5, "float64": 1e-12}[dtype]
        )
    far = np.array([100.0, -100.0, 100.0, 100.0, -100.0, 100.0], dtype=dtype)
    y = t(far)
    assert bool(constraints.corr_cholesky.check(y)) and np.isfinite(t.log_abs_det_jacobian(far, y))
    assert_close(strict_lower(y), strict_lower(t(t.inv(y))), {"float32": 1e-4, "float64": 1e-9}[dtype])
