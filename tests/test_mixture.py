"""Maths peculiar to MixtureSameFamily: a weight of exactly 0 (finite and exact gradients, NumPyro's NaN until
pyro-ppl/numpyro#2224), sampling by gathering (one draw of the family per value), the batch operations of the
tree on a mixture (no peer slices one), broadcasting between the two parts, the tails, and the errors."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from scipy import special, stats

import arraydist
from arraydist import Categorical, MixtureSameFamily, MultivariateNormal, Normal
from backends import BACKENDS, Backend, on_backends

#: a family module: its tests without a registry case run on NumPy and torch by default, elsewhere in the
#: complement (tests/_matrix.py)
pytestmark = pytest.mark.family

PROBS = np.array([0.3, 0.0, 0.7])
LOC = np.array([-2.0, 0.0, 3.0])
SCALE = np.array([0.5, 1.0, 2.0])
#: points near each component and one far in the upper tail, where the zero-weight component's density is 0
X = np.array([-2.5, 0.1, 1.0, 40.0])


def _backend(name: str) -> Backend:
    found = next(b for b in BACKENDS if b.name == name and b.device is None)
    if not found.available():
        pytest.skip(f"needs {found.needs()}")
    return found


def _reference_log_prob(probs: np.ndarray, loc: np.ndarray, scale: np.ndarray, x: np.ndarray = X) -> float:
    """Sum over ``x`` of the log density of the mixture, the weights normalized as Categorical does."""
    with np.errstate(divide="ignore"):
        log_w = np.log(probs / probs.sum())
    return float(special.logsumexp(stats.norm.logpdf(x[:, None], loc, scale) + log_w, axis=-1).sum())


def _gradients(library: str, form: str) -> list[np.ndarray]:
    """Gradients of the summed ``log_prob`` at ``X`` in the weights (as ``form``), locations and scales."""
    b = _backend(library)
    weights = PROBS if form == "probs" else np.log(np.where(PROBS > 0, PROBS, 1.0)) + np.where(PROBS > 0, 0, -np.inf)
    if library == "torch":
        params = [b.asarray(p).requires_grad_() for p in (weights, LOC, SCALE)]
        d = MixtureSameFamily(Categorical(**{form: params[0]}), Normal(params[1], params[2]))
        d.log_prob(b.asarray(X)).sum().backward()
        return [p.grad.numpy() for p in params]
    import jax

    def objective(w: Any, loc: Any, scale: Any) -> Any:
        return MixtureSameFamily(Categorical(**{form: w}), Normal(loc, scale)).log_prob(b.asarray(X)).sum()

    grads = jax.jit(jax.grad(objective, argnums=(0, 1, 2)))(*(b.asarray(p) for p in (weights, LOC, SCALE)))
    return [np.asarray(g) for g in grads]


@pytest.mark.parametrize("library", on_backends("torch", "jax"))
def test_a_zero_weight_gives_finite_exact_gradients(library: str) -> None:
    """Weights given as probs: every gradient finite, and equal to finite differences of the SciPy reference (one
    sided at the zero weight, which may only grow): the zero weight's is f_k(x) / p(x) summed, not 0 or NaN."""
    grad_w, grad_loc, grad_scale = _gradients(library, "probs")
    for g in (grad_w, grad_loc, grad_scale):
        assert np.all(np.isfinite(g)), g
    h = 1e-7
    base = _reference_log_prob(PROBS, LOC, SCALE)
    for k in range(3):
        step = np.eye(3)[k] * h
        np.testing.assert_allclose(grad_w[k], (_reference_log_prob(PROBS + step, LOC, SCALE) - base) / h, rtol=1e-5)
        central_loc = (
            _reference_log_prob(PROBS, LOC + step, SCALE) - _reference_log_prob(PROBS, LOC - step, SCALE)
        ) / (2 * h)
        central_scale = (
            _reference_log_prob(PROBS, LOC, SCALE + step) - _reference_log_prob(PROBS, LOC, SCALE - step)
        ) / (2 * h)
        np.testing.assert_allclose(grad_loc[k], central_loc, rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(grad_scale[k], central_scale, rtol=1e-5, atol=1e-9)
    assert grad_loc[1] == 0.0 and grad_scale[1] == 0.0  # a component of weight 0 does not move the density


@pytest.mark.parametrize("library", on_backends("torch", "jax"))
def test_a_masked_logit_gives_finite_gradients(library: str) -> None:
    """Weights given as logits with a -inf entry: finite gradients, 0 for the masked component's parameters."""
    grad_w, grad_loc, grad_scale = _gradients(library, "logits")
    for g in (grad_w, grad_loc, grad_scale):
        assert np.all(np.isfinite(g)), g
    assert grad_loc[1] == 0.0 and grad_scale[1] == 0.0


def test_sampling_draws_one_value_of_the_family_per_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    """The component index is drawn, the components' parameters gathered at it, and the family drawn once per value:
    the family's sampler sees draws of ``sample + batch``, never ``sample + batch + (K,)``."""
    shapes = []
    original = Normal._rsample

    def recording(self: Normal, sample_shape: tuple[int, ...], rng: Any) -> Any:
        out = original(self, sample_shape, rng)
        shapes.append(tuple(out.shape))
        return out

    monkeypatch.setattr(Normal, "_rsample", recording)
    d = MixtureSameFamily(Categorical(logits=np.zeros((2, 5))), Normal(np.arange(10.0).reshape(2, 5), 1e-3))
    x = d.sample((1000,), seed=0)
    assert shapes == [(1000, 2)] and x.shape == (1000, 2)
    # every draw sits on one of its own member's components (scale 1e-3), each component drawn about 200 times
    nearest = np.rint(x).astype(int)
    assert np.all(np.abs(x - nearest) < 0.01)
    assert np.all((nearest[:, 0] < 5) & (nearest[:, 1] >= 5))
    counts = np.bincount(nearest.ravel(), minlength=10)
    assert counts.min() > 100


def _mvn_mixture(b: Backend) -> MixtureSameFamily:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 3, 2, 2))
    cov = a @ np.swapaxes(a, -1, -2) + 0.5 * np.eye(2)
    mvn = MultivariateNormal(b.asarray(rng.normal(size=(4, 3, 2))), covariance_matrix=b.asarray(cov))
    return MixtureSameFamily(Categorical(logits=b.asarray(rng.normal(size=(4, 3)))), mvn)


@pytest.mark.parametrize("library", on_backends("numpy", "torch", "jax", "dask", "array_api_strict"))
def test_slicing_expand_reshape_and_pickling_of_a_mixture(library: str) -> None:
    """The tree's batch operations on a mixture of vector events, member by member against the full mixture."""
    b = _backend(library)
    d = _mvn_mixture(b)
    assert d.batch_shape == (4,) and d.event_shape == (2,)
    x = np.random.default_rng(4).normal(size=(5, 4, 2))
    full = b.to_numpy(d.log_prob(b.asarray(x)))
    for index in [(1,), (slice(1, None),), (slice(None, -1),), (Ellipsis, 2)]:
        part = d[index]
        assert isinstance(part, MixtureSameFamily) and part.component_distribution.batch_shape[-1] == 3
        np.testing.assert_allclose(b.to_numpy(part.log_prob(b.asarray(x[:, index[-1]]))), full[:, index[-1]])
    mask = np.array([True, False, True, True])
    np.testing.assert_allclose(b.to_numpy(d[b.asarray(mask, "bool")].log_prob(b.asarray(x[:, mask]))), full[:, mask])
    e = d.expand((2, 4))
    assert e.batch_shape == (2, 4) and e.component_distribution.batch_shape == (2, 4, 3)
    np.testing.assert_allclose(b.to_numpy(e.log_prob(b.asarray(x[:, None]))), np.broadcast_to(full[:, None], (5, 2, 4)))
    r = d.reshape((2, 2))
    np.testing.assert_allclose(b.to_numpy(r.log_prob(b.asarray(x.reshape(5, 2, 2, 2)))), full.reshape(5, 2, 2))
    again = pickle.loads(pickle.dumps(d))
    np.testing.assert_allclose(b.to_numpy(again.log_prob(b.asarray(x))), full)
    np.testing.assert_allclose(b.to_numpy(d[1:].mean), b.to_numpy(d.mean)[1:])
    np.testing.assert_allclose(b.to_numpy(d[2].variance), b.to_numpy(d.variance)[2])


def test_a_mixture_under_jax_vmap_and_jit() -> None:
    """A mixture built inside ``jax.vmap`` is a mixture of the mapped batch; ``jax.jit`` takes one as argument."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy

    def make(center: Any) -> MixtureSameFamily:
        return MixtureSameFamily(
            Categorical(logits=jnp.stack([center, 0.0])), Normal(jnp.stack([center, -center]), 1.0)
        )

    centers = jnp.asarray([0.5, 1.0, 2.0])
    batched = jax.vmap(make)(centers)
    assert batched.batch_shape == (3,) and batched.component_distribution.batch_shape == (3, 2)
    x = jnp.asarray([0.3, -1.0, 2.5])
    expected = np.array([float(make(centers[i]).log_prob(x[i])) for i in range(3)])
    np.testing.assert_allclose(np.asarray(batched.log_prob(x)), expected, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(jax.jit(lambda d, v: d.log_prob(v))(batched, x)), expected, rtol=1e-12)
    sliced = jax.jit(lambda d: d[1:])(batched)
    np.testing.assert_allclose(np.asarray(sliced.log_prob(x[1:])), expected[1:], rtol=1e-12)


def test_explain_labels_the_parts() -> None:
    d = _mvn_mixture(_backend("numpy"))
    e = d.explain((5,))
    assert e.row("sample").shape == (5, 4, 2) and e.row("log_prob").shape == (5, 4)
    rows = {row.name: row for row in e.rows}
    assert set(rows) >= {"mixture_distribution.logits", "component_distribution.loc"}
    # the components' dimension is neither batch nor event of the mixture: param, as the weights' own
    assert [dim.kind for dim in rows["component_distribution.loc"].dims] == ["batch", "param", "event"]
    assert [dim.kind for dim in rows["mixture_distribution.logits"].dims] == ["batch", "param"]
    inside = {row.name: row for row in d.to_event(1).explain().rows}["base_dist.component_distribution.loc"]
    assert [dim.kind for dim in inside.dims] == ["event", "param", "event"]
    assert "MixtureSameFamily(Categorical, MultivariateNormal)" in str(e)


@pytest.mark.parametrize("library", on_backends("numpy", "torch"))
def test_the_parts_broadcast_their_batch_shapes(library: str) -> None:
    """Weights shared by every member, or components shared by every row: the batch is the broadcast of the
    mixture's and the components' (without the component dimension), as if the parts were expanded to it."""
    b = _backend(library)
    rng = np.random.default_rng(5)
    logits, loc = rng.normal(size=(2, 1, 4)), rng.normal(size=(3, 4))
    d = MixtureSameFamily(Categorical(logits=b.asarray(logits)), Normal(b.asarray(loc), 1.0))
    assert d.batch_shape == (2, 3)
    full = MixtureSameFamily(
        Categorical(logits=b.asarray(np.broadcast_to(logits, (2, 3, 4)).copy())),
        Normal(b.asarray(np.broadcast_to(loc, (2, 3, 4)).copy()), 1.0),
    )
    x = b.asarray(rng.normal(size=(7, 2, 3)))
    np.testing.assert_allclose(b.to_numpy(d.log_prob(x)), b.to_numpy(full.log_prob(x)), rtol=1e-12)
    np.testing.assert_allclose(b.to_numpy(d.variance), b.to_numpy(full.variance), rtol=1e-12)
    assert tuple(d.sample((6,), seed=1).shape) == (6, 2, 3)
    shared = MixtureSameFamily(Categorical(logits=b.asarray(logits[0, 0])), Normal(b.asarray(loc), 1.0))
    assert shared.batch_shape == (3,) and shared.mixture_distribution.batch_shape == (3,)


def test_python_numbers_adopt_the_library_of_the_value() -> None:
    torch = pytest.importorskip("torch")
    d = MixtureSameFamily(Categorical(probs=[0.25, 0.75]), Normal([-1.0, 1.0], 0.5))
    x = torch.tensor([0.0, 1.0], dtype=torch.float32)
    lp = d.log_prob(x)
    assert isinstance(lp, torch.Tensor) and lp.dtype == torch.float32
    expected = special.logsumexp(stats.norm.logpdf([[0.0], [1.0]], [-1.0, 1.0], 0.5) + np.log([0.25, 0.75]), axis=-1)
    np.testing.assert_allclose(lp.numpy(), expected, rtol=1e-6)
    # a torch part beside a part of Python numbers: the numbers take torch's arrays
    mixed = MixtureSameFamily(Categorical(probs=torch.tensor([0.25, 0.75])), Normal([-1.0, 1.0], 0.5))
    assert mixed.backend == "torch" and mixed.component_distribution.backend == "torch"


def test_the_tails_of_a_mixture_against_scipy() -> None:
    """log_cdf and log_survival_function by logsumexp of the components' log tails: right 40 standard deviations
    out, where 1 - cdf is 0 and log(cdf) is -inf."""
    d = MixtureSameFamily(Categorical(probs=PROBS), Normal(LOC, SCALE))
    x = np.array([-60.0, -25.0, 0.0, 50.0, 90.0])
    log_w = np.log(np.where(PROBS > 0, PROBS, 1.0)) + np.where(PROBS > 0, 0.0, -np.inf)
    expected_lower = special.logsumexp(stats.norm.logcdf(x[:, None], LOC, SCALE) + log_w, axis=-1)
    expected_upper = special.logsumexp(stats.norm.logsf(x[:, None], LOC, SCALE) + log_w, axis=-1)
    np.testing.assert_allclose(d.log_cdf(x), expected_lower, rtol=1e-12)
    np.testing.assert_allclose(d.log_survival_function(x), expected_upper, rtol=1e-12)
    np.testing.assert_allclose(d.survival_function(x), np.exp(expected_upper), rtol=1e-12)
    assert np.all(np.isfinite(d.log_cdf(x)))


def test_multivariate_components_have_no_cdf() -> None:
    d = _mvn_mixture(_backend("numpy"))
    with pytest.raises(NotImplementedError, match=r"^MixtureSameFamily does not implement cdf \(its components"):
        d.cdf(np.zeros((4, 2)))
    for missing in ("entropy", "mode"):
        with pytest.raises(NotImplementedError, match=f"^MixtureSameFamily does not implement {missing}"):
            d.entropy() if missing == "entropy" else d.mode


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: MixtureSameFamily(Normal(0.0, 1.0), Normal(LOC, SCALE)), TypeError, "mixture_distribution must be"),
        (lambda: MixtureSameFamily(Categorical(probs=PROBS), "normal"), TypeError, "component_distribution must be"),
        (lambda: MixtureSameFamily(Categorical(probs=PROBS), Normal(0.0, 1.0)), ValueError, "batch_shape \\(\\)"),
        (
            lambda: MixtureSameFamily(Categorical(probs=PROBS), Normal(np.zeros(4), 1.0)),
            ValueError,
            "has 3 categories .* has 4 components",
        ),
        (
            lambda: MixtureSameFamily(Categorical(probs=np.ones((2, 3))), Normal(np.zeros((4, 3)), 1.0)),
            ValueError,
            r"\(2,\), \(4,\)",
        ),
    ],
)
def test_bad_parts_are_named(build: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=f"^MixtureSameFamily: .*{message}"):
        build()


def test_parts_of_two_libraries_are_refused() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"^MixtureSameFamily: mixture_distribution is of numpy and component"):
        MixtureSameFamily(Categorical(probs=np.array([0.5, 0.5])), Normal(torch.zeros(2), 1.0))


def test_validation_names_the_mixture() -> None:
    d = MixtureSameFamily(Categorical(probs=np.array([0.5, 0.5])), MultivariateNormal(np.zeros((2, 2)), np.eye(2)))
    with pytest.raises(ValueError, match=r"^MixtureSameFamily"):
        d.log_prob(np.zeros(3))
    assert arraydist.MixtureSameFamily is MixtureSameFamily


def test_components_with_bounds_of_their_own() -> None:
    """Uniform components: the mixture's support is the union of theirs (not checked, no constraint describes
    it), and the density is -inf outside every component, never a component's bounds applied to another's value."""
    d = MixtureSameFamily(Categorical(probs=np.array([0.5, 0.5])), arraydist.Uniform(np.array([0.0, 2.0]), 3.0))
    lp = d.log_prob(np.array([0.5, 2.5, 3.5, -1.0]))
    np.testing.assert_allclose(lp, [np.log(0.5 / 3.0), np.log(0.5 / 3.0 + 0.5), -np.inf, -np.inf], rtol=1e-12)
    assert isinstance(d.support, arraydist.constraints.Constraint) and d.support.event_dim == 0


@pytest.mark.parametrize("library", on_backends("numpy", "torch"))
def test_log_prob_in_blocks_of_sample_rows(library: str) -> None:
    """Eagerly on a CPU, many sample rows are computed in blocks that stay in the cache: the same values as the
    reference, rows across block boundaries included."""
    b = _backend(library)
    d = MixtureSameFamily(Categorical(probs=b.asarray(PROBS)), Normal(b.asarray(LOC), b.asarray(SCALE)))
    x = np.random.default_rng(6).normal(0.0, 3.0, size=(50_000, 1))  # 3 blocks of 21,845 rows of 3 components
    lp = b.to_numpy(d.log_prob(b.asarray(x)))
    assert lp.shape == (50_000, 1)
    with np.errstate(divide="ignore"):
        expected = special.logsumexp(stats.norm.logpdf(x[..., None], LOC, SCALE) + np.log(PROBS), axis=-1)
    np.testing.assert_allclose(lp, expected, rtol=1e-12)


def test_a_mixture_stands_on_the_tree() -> None:
    """MixtureSameFamily overrides none of the batch operations: the tree of parts gives them all."""
    for method in ("_expand", "_index", "_reshape", "_tree_flatten", "_tree_unflatten", "_map_leaves", "__getstate__"):
        assert method not in MixtureSameFamily.__dict__, method


def test_the_weights_take_the_components_dtype() -> None:
    torch = pytest.importorskip("torch")
    d = MixtureSameFamily(
        Categorical(probs=torch.tensor([0.25, 0.75], dtype=torch.float64)), Normal(torch.zeros(2), 1.0)
    )
    assert d.dtype == torch.float32 and d.mixture_distribution.probs.dtype == torch.float32
    assert d.log_prob(torch.zeros(3)).dtype == torch.float32 and d.sample((2,), seed=0).dtype == torch.float32
