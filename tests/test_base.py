"""The base class as the catalogue stands on it: one construction path, declared parameter forms, caches that are
correct by construction, values and indices, pickling, and the torch.distributions porting surface.

Each test names the failure it guards against (they were found on the base before these changes).
"""

from __future__ import annotations

import copy
import io
import math
import pickle
from typing import Any

import numpy as np
import pytest

import arraydist
from arraydist import Distribution, Independent, MultivariateNormal, Normal, constraints
from arraydist.distribution import clear_caches, lazy_property
from backends import Backend
from cases import CASES, Case


# ---------------------------------------------------------------------------------------------- test families
class Coin(Distribution):
    """A family with two forms (probs | logits), as Bernoulli will be: only the given one is stored."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    _param_forms = (("probs", "logits"),)
    support = constraints.boolean

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._init_params({"probs": probs, "logits": logits}, validate_args)

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Any:
        ops = self._ops
        u = ops.uniform(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return ops.cast(u < self.probs, self._dtype)

    def _log_prob(self, value: Any) -> Any:
        xp = self._ops.xp
        return value * xp.log(self.probs) + (1 - value) * xp.log1p(-self.probs)

    @lazy_property
    def probs(self) -> Any:
        return 1.0 / (1.0 + self._ops.xp.exp(-self.logits))

    @lazy_property
    def logits(self) -> Any:
        return self._ops.xp.log(self.probs) - self._ops.xp.log1p(-self.probs)


class Shifted(Distribution):
    """A family with an optional parameter."""

    arg_constraints = {"loc": constraints.real, "shift": constraints.real}
    _optional_params = frozenset({"shift"})

    def __init__(self, loc: Any, shift: Any = None, validate_args: bool | None = None) -> None:
        self._init_params({"loc": loc, "shift": shift}, validate_args)


class Box(Distribution):
    """A family with a cross-parameter check and derived state in the one hook."""

    arg_constraints = {"low": constraints.real, "high": constraints.real}
    calls: list[bool] = []

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self._init_params({"low": low, "high": high}, validate_args)

    def _post_init(self, validate: bool) -> None:
        Box.calls.append(validate)
        self.width = self.high - self.low
        if validate:
            self._require(self.low < self.high, "low < high", "low", "high")


def _state(d: Distribution) -> dict[str, Any]:
    """A distribution's state, arrays as (type, dtype, shape, exact bytes) so that -0.0 differs from 0.0."""
    out: dict[str, Any] = {}
    for k, v in vars(d).items():
        if k in ("_materialized", "_kl_folded", "_ops"):
            continue
        if isinstance(v, Distribution):
            out[k] = _state(v)
        elif hasattr(v, "shape") and hasattr(v, "dtype"):
            a = d._ops.to_numpy(v)
            out[k] = (type(v).__name__, str(v.dtype), tuple(v.shape), np.ascontiguousarray(a).tobytes())
        else:
            out[k] = v
    for k in ("_neutral", "_batch_shape", "_event_shape", "_validate_args", "_leaves"):  # class defaults too
        out[k] = getattr(d, k)
    return out


# ---------------------------------------------------------------------------------------------- caches
def test_python_number_state_is_keyed_by_parameter_names() -> None:
    p = Coin(probs=0.25)
    q = Coin(logits=0.25)  # once got probs 0.25
    assert "logits" in vars(q) and "probs" not in vars(q) and q._leaves == ("logits",)
    assert float(q.logits) == 0.25
    np.testing.assert_allclose(float(q.probs), 1 / (1 + math.exp(-0.25)))
    assert float(p.probs) == 0.25
    Coin(logits=2.0)
    with pytest.raises(ValueError, match=r"Coin: parameter 'probs' must be in \[0.0, 1.0\]|Coin: parameter 'probs'"):
        Coin(probs=2.0)  # once skipped validation


def test_optional_parameters_are_part_of_the_key() -> None:
    r, s = 0.5, 2.0
    a = Shifted(r)
    b = Shifted(r, s)  # the identity lookup once zipped (r,) with (r, s) and took a's state
    assert a._leaves == ("loc",) and b._leaves == ("loc", "shift")
    assert float(b.shift) == 2.0 and "shift" not in vars(Shifted(r))


def test_negative_zero_survives_every_cache(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    x = torch.zeros(2, dtype=torch.float64)
    Normal(0.0, 1.0).log_prob(x)
    d = Normal(-0.0, 1.0)  # its conversion was once the shared one of Normal(0.0, 1.0): loc +0.0
    assert np.signbit(d.loc)
    converted = d._materialize(_torch_ops(), torch.float64, torch.device("cpu"))
    assert torch.signbit(converted.loc)
    assert not torch.signbit(Normal(0.0, 1.0)._materialize(_torch_ops(), torch.float64, torch.device("cpu")).loc)


def _torch_ops() -> Any:
    import torch

    from arraydist._backend import ops_of

    return ops_of(torch.zeros(()))


@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_every_case_built_twice_has_the_state_of_one_built_fresh(order: str) -> None:
    """Registry-driven: every case made after every other (in either order) equals the same case made fresh."""
    cases: list[Case] = list(CASES) if order == "forward" else list(reversed(CASES))
    fresh = {}
    for case in cases:
        clear_caches()
        fresh[case.name] = _state(case.build(arraydist, np.asarray))
    clear_caches()
    for _ in range(2):
        for case in cases:
            assert _state(case.build(arraydist, np.asarray)) == fresh[case.name], case.name


def test_forms_made_one_after_the_other_in_any_order() -> None:
    forms = [{"probs": 0.3}, {"logits": 0.3}, {"probs": 0.0}, {"logits": -0.0}, {"logits": 0.0}]
    fresh = []
    for kw in forms:
        clear_caches()
        fresh.append(_state(Coin(**kw)))
    clear_caches()
    order = list(range(len(forms)))
    for indices in (order, order[::-1], order):
        for i in indices:
            assert _state(Coin(**forms[i])) == fresh[i], forms[i]


# ---------------------------------------------------------------------------------------------- forms
def test_only_the_given_form_is_stored_and_flattened(backend: Backend) -> None:
    logits = backend.asarray([0.0, 1.0, -2.0])
    d = Coin(logits=logits)
    children, aux = d._tree_flatten()
    assert aux[1] == ("logits",) and len(children) == 1
    for e in (d.expand((2, 3)), d[1:], type(d)._tree_unflatten(aux, children)):
        assert e._leaves == ("logits",) and "probs" not in vars(e)
    assert d.expand((2, 3)).batch_shape == (2, 3) and d[1:].batch_shape == (2,)
    assert "logits" in repr(d) and "probs" not in repr(d)
    np.testing.assert_allclose(backend.to_numpy(d.probs), 1 / (1 + np.exp(-np.array([0.0, 1.0, -2.0]))), rtol=1e-6)
    with pytest.raises(ValueError, match="Coin takes exactly one of probs, logits; got probs, logits"):
        Coin(probs=logits, logits=logits)
    with pytest.raises(ValueError, match="Coin takes exactly one of probs, logits; got none"):
        Coin()


def test_neutral_forms_convert_with_their_names(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    d = Coin(logits=0.5)._materialize(_torch_ops(), torch.float32, torch.device("cpu"))
    assert d._leaves == ("logits",) and d._scalars == {"logits": 0.5}
    assert d.logits.dtype == torch.float32


def test_multivariate_normal_stores_the_given_matrix(backend: Backend) -> None:
    cov = np.array([[2.0, 0.3], [0.3, 1.0]])
    for form, matrix in [
        ("covariance_matrix", cov),
        ("precision_matrix", np.linalg.inv(cov)),
        ("scale_tril", np.linalg.cholesky(cov)),
    ]:
        d = MultivariateNormal(backend.asarray(np.zeros((3, 2))), **{form: backend.asarray(matrix)})
        assert d._flatten_node()[1][1] == ("loc", form)
        for e in (d, d[1:], d.expand((2, 3))):
            np.testing.assert_allclose(
                backend.to_numpy(e.covariance_matrix)[..., :, :],
                np.broadcast_to(cov, (*e.batch_shape, 2, 2)),
                rtol=1e-10,
            )
            np.testing.assert_array_equal(
                backend.to_numpy(getattr(e, form)), np.broadcast_to(matrix, (*e.batch_shape, 2, 2))
            )


# ---------------------------------------------------------------------------------------------- one path
def test_the_hook_runs_on_every_construction_path(backend: Backend) -> None:
    a = backend.asarray(np.zeros(3))
    b = backend.asarray(np.ones(3))
    paths = {
        "arrays": lambda: Box(a, b),
        "broadcast arrays": lambda: Box(a, backend.asarray(1.0)),
        "numbers": lambda: Box(0.0, 1.0),
        "numbers again": lambda: Box(0.0, 1.0),
        "lists": lambda: Box([0.0], [1.0]),
        "expand": lambda: Box(a, b).expand((2, 3)),
        "slice": lambda: Box(a, b)[1:],
        "unflatten": lambda: Box._tree_unflatten(*reversed(Box(a, b)._tree_flatten())),
    }
    for what, make in paths.items():
        d = make()
        assert "width" in vars(d), what
        np.testing.assert_array_equal(d._ops.to_numpy(d.width), np.ones(d.batch_shape), err_msg=what)
    if not backend.lazy:
        with pytest.raises(
            ValueError, match=r"Box: the parameters must satisfy low < high; got low=\[0\.?, 0\.?, 0\.?\]"
        ):
            Box(a, backend.asarray(np.array([1.0, 0.0, 1.0])))
        with pytest.raises(ValueError, match="low < high"):
            Box(1.0, 0.0)
    Box(a, backend.asarray(np.array([1.0, 0.0, 1.0])), validate_args=False)  # no check asked for


def test_hook_does_not_revalidate_derived_copies() -> None:
    Box.calls.clear()
    d = Box(np.zeros(2), np.ones(2))
    d.expand((3, 2))
    d[0]
    assert Box.calls == [True, False, False]


# ---------------------------------------------------------------------------------------------- values
def test_integer_parameters_take_the_float_dtype(backend: Backend) -> None:
    loc = backend.asarray(np.zeros(3), "float32")
    scale = backend.asarray(np.array([1, 2, 3]), "int64")
    d = Normal(loc, scale)  # float32 x int64 once gave float64 on NumPy and failed on array_api_strict
    assert backend.dtype_name(d.scale) == "float32" and backend.dtype_name(d.loc) == "float32"
    assert backend.dtype_name(Normal(backend.asarray(np.zeros(3), "int64"), 1.0).loc) in ("float64", "float32")


def test_integer_and_boolean_values_are_cast(backend: Backend) -> None:
    d = Normal(backend.asarray(np.zeros(3), "float32"), 1.0)
    for values, dt in [(np.array([0, 1, 2]), "int64"), (np.array([True, False, True]), "bool")]:
        lp = d.log_prob(backend.asarray(values, dt))
        assert backend.dtype_name(lp) == "float32"
        np.testing.assert_allclose(backend.to_numpy(lp), -0.5 * values**2 - 0.5 * math.log(2 * math.pi), rtol=1e-6)


def test_complex_and_non_numeric_inputs_are_type_errors() -> None:
    with pytest.raises(TypeError, match=r"Normal: parameter 'loc' must be real numbers; got a complex value"):
        Normal(np.array([1.0 + 1j]), 1.0)
    with pytest.raises(TypeError, match=r"Normal: parameter 'scale' must be real numbers; got a complex value"):
        Normal(0.0, 1j)
    with pytest.raises(TypeError, match=r"Normal: parameter 'loc' must be real numbers; got a non-numeric value"):
        Normal(np.array(["1.0"]), 1.0)  # once parsed as 1.0
    with pytest.raises(TypeError, match=r"Normal: parameter 'loc'"):
        Normal("1.0", 1.0)
    with pytest.raises(
        TypeError, match=r"Normal.log_prob: the value must be real numbers; got an array of dtype complex"
    ):
        Normal(np.zeros(2), 1.0).log_prob(np.array([1j, 0.0]))  # once a complex log_prob
    with pytest.raises(TypeError, match=r"Normal.log_prob: the value must be real numbers"):
        Normal(0.0, 1.0).log_prob(1j)


def test_complex_torch_parameters_are_type_errors(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    with pytest.raises(TypeError, match=r"Normal: parameter 'loc' must be real numbers; got a complex value"):
        Normal(torch.zeros(2, dtype=torch.complex64), 1.0)


@pytest.mark.parametrize("shape", [(2.5,), ("3",), True, (True,), 2.0, "3", None, (None,)])
def test_sample_shape_takes_integers_only(shape: Any) -> None:
    with pytest.raises(TypeError, match="sample_shape must be an int or a sequence of ints"):
        Normal(0.0, 1.0).sample(shape, seed=0)


def test_sample_shape_takes_integer_scalars_of_any_library(backend: Backend) -> None:
    d = Normal(0.0, 1.0)
    for shape in [3, (3,), [3], np.int64(3), np.array(3), (np.int32(3),), np.array([3])]:
        assert d.sample(shape, seed=0).shape == (3,)
    if backend.name in ("torch", "jax") and backend.device is None:
        scalar = backend.lib.tensor(3) if backend.name == "torch" else backend.lib.numpy.asarray(3)
        assert d.sample(scalar, seed=0).shape == (3,)
        assert d.sample((scalar, 2), seed=0).shape == (3, 2)
    if backend.name == "torch" and backend.device is None:
        assert d.sample(backend.lib.Size([3, 2]), seed=0).shape == (3, 2)


def test_infinite_parameters_are_errors(backend: Backend) -> None:
    for loc, scale, name in [(np.inf, 1.0, "loc"), (-np.inf, 1.0, "loc"), (0.0, np.inf, "scale")]:
        with pytest.raises(ValueError, match=rf"Normal: parameter '{name}' must be finite; .*inf"):
            # refused when built; on Dask when a draw is computed
            backend.to_numpy(
                Normal(backend.asarray(np.array([0.0, loc])), backend.asarray(np.array([1.0, scale]))).sample(seed=0)
            )
        with pytest.raises(ValueError, match=rf"parameter '{name}' must be finite"):
            Normal(loc, scale)
    big = np.full(100, 1e308)  # the sum overflows, the values are finite
    backend.to_numpy(Normal(backend.asarray(big), 1.0).sample(seed=0))
    with pytest.raises(ValueError, match="must be finite"):
        backend.to_numpy(Normal(backend.asarray(np.concatenate([big, [np.inf]])), 1.0).sample(seed=0))


def test_shape_checks_come_before_value_checks(backend: Backend) -> None:
    loc = backend.asarray(np.zeros(3))
    with pytest.raises(ValueError, match=r"MultivariateNormal: scale_tril has shape \(3,\) but the parameter needs"):
        MultivariateNormal(loc, scale_tril=backend.asarray(np.ones(3)))
    with pytest.raises(ValueError, match=r"parameter 'covariance_matrix' must be square matrices.*\(3, 2\)"):
        MultivariateNormal(loc, covariance_matrix=backend.asarray(np.ones((3, 2))))
    with pytest.raises(ValueError, match=r"loc has shape \(3,\) and precision_matrix has shape \(2, 2\)"):
        MultivariateNormal(loc, precision_matrix=backend.asarray(-np.eye(2)))  # not positive definite either


def test_zero_size_batches(backend: Backend) -> None:
    d = MultivariateNormal(backend.asarray(np.zeros((0, 2))), covariance_matrix=backend.asarray(np.eye(2)))
    assert d.batch_shape == (0,) and tuple(d.log_prob(backend.asarray(np.zeros((0, 2)))).shape) == (0,)
    assert Normal(backend.asarray(np.zeros(0)), 1.0).sample((2,), seed=0).shape == (2, 0)


def test_reinterpreted_batch_ndims_takes_integer_scalars() -> None:
    base = Normal(np.zeros((2, 3)), 1.0)
    assert Independent(base, np.int64(1)).event_shape == (3,)
    for bad in (True, 1.0, -1, "1"):
        with pytest.raises(ValueError, match="reinterpreted_batch_ndims must be an int >= 0"):
            Independent(base, bad)


# ---------------------------------------------------------------------------------------------- indices
def test_batch_indices_are_checked_on_every_backend(backend: Backend) -> None:
    d = Normal(backend.asarray(np.arange(6.0).reshape(3, 2)), 1.0)
    for index in (3, -4, (0, 2), (slice(None), 5)):
        with pytest.raises(IndexError, match="out of range for batch dimension"):
            d[index]  # JAX once clamped to the last member
    with pytest.raises(IndexError, match=r"only one ellipsis"):
        Independent(d, 1)[..., ..., None]  # torch once moved the event dimension into the batch
    assert d[-1].batch_shape == (2,) and d[2, 1].batch_shape == ()
    np.testing.assert_array_equal(backend.to_numpy(d[-3].loc), [0.0, 1.0])
    with pytest.raises(IndexError, match="boolean scalar"):
        d[True]
    with pytest.raises(IndexError, match="event dimensions cannot be indexed"):
        Independent(d, 1)[0, 0]


def test_boolean_masks_wherever_the_backend_expresses_them(backend: Backend) -> None:
    mask = backend.asarray(np.array([True, False, True]), "bool")
    d = Normal(backend.asarray(np.arange(6.0).reshape(3, 2)), backend.asarray(np.ones((3, 2))))
    picked = d[mask]
    assert picked.batch_shape == (2, 2)
    np.testing.assert_array_equal(backend.to_numpy(picked.loc), [[0.0, 1.0], [4.0, 5.0]])
    m = MultivariateNormal(backend.asarray(np.zeros((3, 2))), covariance_matrix=backend.asarray(np.eye(2)))
    assert m[mask].batch_shape == (2,) and m[mask].event_shape == (2,)
    full = backend.asarray(np.array([[True, False], [False, True], [True, True]]), "bool")
    assert d[full].batch_shape == (4,)
    with pytest.raises(IndexError, match=r"boolean mask of shape \(2,\) does not match"):
        d[backend.asarray(np.array([True, False]), "bool")]


def test_integer_array_indices_are_checked(backend: Backend) -> None:
    if backend.name == "array_api_strict":
        pytest.skip("the array API standard has no integer array indexing")
    d = Normal(backend.asarray(np.arange(3.0)), 1.0)
    np.testing.assert_array_equal(backend.to_numpy(d[backend.asarray(np.array([2, 0]), "int64")].loc), [2.0, 0.0])
    if not backend.lazy:
        with pytest.raises(IndexError, match="out of range"):
            d[backend.asarray(np.array([0, 3]), "int64")]


# ---------------------------------------------------------------------------------------------- pickling
def _examples(backend: Backend) -> list[Distribution]:
    c = backend.asarray
    return [
        Normal(c(np.zeros(3)), c(np.ones(3))),
        Normal(0.0, 1.0),
        MultivariateNormal(c(np.zeros((2, 2))), scale_tril=c(np.eye(2))),
        Independent(Normal(c(np.zeros((3, 2))), 2.0), 1),
        Coin(logits=c(np.zeros(2))),
    ]


def test_distributions_pickle_and_deep_copy(backend: Backend) -> None:
    for d in _examples(backend):
        x = d.sample((2,), seed=0)
        expected = d._ops.to_numpy(d.log_prob(x))
        for again in (pickle.loads(pickle.dumps(d)), copy.deepcopy(d), copy.copy(d)):
            assert type(again) is type(d) and again.batch_shape == d.batch_shape and again.backend == d.backend
            assert again._neutral == d._neutral and again._leaves == d._leaves
            assert str(again.dtype) == str(d.dtype)
            np.testing.assert_array_equal(again._ops.to_numpy(again.log_prob(x)), expected)
    neutral = pickle.loads(pickle.dumps(Normal(0.0, 1.0)))
    assert neutral._neutral and backend.owns(neutral.log_prob(backend.asarray(np.zeros(2))))


def test_distributions_survive_torch_save(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    loc = torch.zeros(3, requires_grad=True)
    model = {"posterior": Normal(loc, torch.ones(3)), "prior": Normal(0.0, 1.0)}
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)  # distributions are objects, not weights
    assert loaded["posterior"].backend == "torch" and loaded["prior"]._neutral
    value = torch.zeros(3)
    torch.testing.assert_close(loaded["posterior"].log_prob(value), model["posterior"].log_prob(value))
    assert copy.deepcopy(model)["posterior"].loc.requires_grad


# ---------------------------------------------------------------------------------------------- porting
def test_validate_sample_for_torch_style_subclasses() -> None:
    d = Normal(np.zeros(3), 1.0, validate_args=False)
    d._validate_sample(np.zeros(3))
    with pytest.raises(ValueError, match=r"_validate_sample: the value's shape \(2,\)"):
        d._validate_sample(np.zeros(2))
    with pytest.raises(ValueError, match=r"_validate_sample: the value must be real"):
        d._validate_sample(np.array([0.0, np.nan, 0.0]))


def test_class_level_supports_are_constraints() -> None:
    assert isinstance(Independent.support, constraints.Constraint)
    assert Independent.support.event_dim == 0 and not Independent.support.is_discrete
    assert isinstance(Normal.support, constraints.Constraint)
    d = Independent(Normal(np.zeros((3, 2)), 1.0), 1)
    assert isinstance(d.support, constraints.Constraint) and d.support.event_dim == 1


def test_set_default_backend_torch(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    try:
        arraydist.set_default_backend("torch")
        d = Normal(0.0, 1.0)
        assert d.backend == "torch" and d._neutral and d.dtype == torch.get_default_dtype()
        torch.manual_seed(7)
        x = d.sample((3,))
        torch.manual_seed(7)
        torch.testing.assert_close(x, torch.randn(3))  # torch's global generator, as in a torch program
        assert Normal(0.0, 1.0).log_prob(np.zeros(2)).dtype == np.float64  # still neutral: adopts NumPy
        with pytest.raises(ValueError, match="set_default_backend: the backend must be one of numpy, torch, jax"):
            arraydist.set_default_backend("tensorflow")
    finally:
        arraydist.set_default_backend("numpy")
    assert isinstance(Normal(0.0, 1.0).sample((3,), seed=0), np.ndarray)


# ---------------------------------------------------------------------------------------------- gradients
def test_jax_float32_gradients_in_scale_stay_finite_far_from_one() -> None:
    """d/dscale log N(x; 0, scale) = (z**2 - 1) / scale: JAX's quotient rule once went through scale**-2, which
    leaves the float32 range (inf at scale 1e-20, a wrong 1e-20 at 1e20)."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    for scale in (1e-20, 1e20):
        x = jnp.float32(0.5 * scale)
        grad = jax.grad(lambda s, x=x: Normal(jnp.float32(0.0), s).log_prob(x))(jnp.float32(scale))
        np.testing.assert_allclose(float(grad), -0.75 / scale, rtol=1e-5)
        grad_cdf = jax.grad(lambda s, x=x: Normal(jnp.float32(0.0), s).cdf(x))(jnp.float32(scale))
        # d/dscale Phi(x / scale) = -phi(z) z / scale
        np.testing.assert_allclose(float(grad_cdf), -np.exp(-0.125) / np.sqrt(2 * np.pi) * 0.5 / scale, rtol=1e-5)


def test_covariance_checked_by_its_factorization(backend: Backend) -> None:
    """The covariance is checked by the Cholesky factorization the distribution keeps (one factorization, not
    two): a non-symmetric or indefinite matrix is refused, small (a few numbers read once) or large, and the
    message names the parameter and the first bad matrix."""
    good = np.array([[2.0, 0.3], [0.3, 1.0]])
    for batch in ((3,), (40,)):  # 12 numbers (read as Python numbers on torch) and 160 (checked as arrays)
        for bad, _kind in [
            (np.array([[1.0, 0.5], [0.0, 1.0]]), "non-symmetric"),
            (np.array([[1.0, 2.0], [2.0, 1.0]]), "indefinite"),
        ]:
            cov = np.broadcast_to(good, (*batch, 2, 2)).copy()
            cov[1] = bad
            with pytest.raises(
                ValueError,
                match=r"parameter 'covariance_matrix' must be symmetric positive definite.*"
                r"1 invalid event\(s\), the first at batch index \(1,\)",
            ):
                backend.to_numpy(  # refused when built; on Dask when a draw is computed
                    MultivariateNormal(backend.asarray(np.zeros(2)), covariance_matrix=backend.asarray(cov)).sample(
                        seed=0
                    )
                )
            with pytest.raises(ValueError, match="precision_matrix' must be symmetric positive definite"):
                backend.to_numpy(  # refused when built; on Dask when a draw is computed
                    MultivariateNormal(backend.asarray(np.zeros(2)), precision_matrix=backend.asarray(cov)).sample(
                        seed=0
                    )
                )
        d = MultivariateNormal(
            backend.asarray(np.zeros(2)), covariance_matrix=backend.asarray(np.broadcast_to(good, (*batch, 2, 2)))
        )
        np.testing.assert_allclose(
            backend.to_numpy(d.scale_tril), np.broadcast_to(np.linalg.cholesky(good), (*batch, 2, 2))
        )
