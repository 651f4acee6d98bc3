"""``TransformedDistribution``: shapes by torch's rules, densities against SciPy and torch.distributions, the
squashed Gaussian that never gives NaN, and the tree (vmap, jit, torch.compile, Dask, pickling, batch
operations) with no override."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from scipy import stats

import arraydist
from arraydist import Independent, Normal, TransformedDistribution
from arraydist.transforms import (
    AffineTransform,
    ExpTransform,
    SigmoidTransform,
    StickBreakingTransform,
    TanhTransform,
)
from backends import BACKENDS, Backend

pytestmark = pytest.mark.family


def _backend(name: str) -> Backend:
    found = next(x for x in BACKENDS if x.name == name and x.device is None)
    if not found.available():
        pytest.skip(f"needs {found.needs()}")
    return found


EAGER = [pytest.param(name, id=name, marks=pytest.mark.on_backend(name)) for name in ("numpy", "torch", "jax")]


def test_shapes_follow_torchs_rules() -> None:
    base = Normal(np.zeros(3), 1.0)
    assert TransformedDistribution(base, []).batch_shape == (3,)
    # a transform's parameters broadcast the base
    d = TransformedDistribution(base, [AffineTransform(np.zeros((2, 3)), 1.0)])
    assert (d.batch_shape, d.event_shape, d.base_dist.batch_shape) == ((2, 3), (), (2, 3))
    # a transform on vectors reinterprets the base's last batch dimension as an event dimension
    s = TransformedDistribution(Normal(np.zeros((4, 3)), 1.0), [StickBreakingTransform()])
    assert (s.batch_shape, s.event_shape) == ((4,), (4,))
    assert isinstance(s.base_dist, Independent)
    with pytest.raises(ValueError, match="act on events of rank 1 but the base Normal has values of shape"):
        TransformedDistribution(Normal(0.0, 1.0), [StickBreakingTransform()])
    with pytest.raises(TypeError, match="transforms must be an arraydist Transform or a list of them"):
        TransformedDistribution(base, [np.exp])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_normal_against_scipy(dtype: str) -> None:
    loc, scale = np.array([0.0, 0.5, -1.0], dtype), np.array([1.0, 0.3, 2.0], dtype)
    d = TransformedDistribution(Normal(loc, scale), [ExpTransform()])
    x = np.array([[0.5, 1.0, 3.0], [2.0, 0.1, 10.0]], dtype)
    ref = stats.lognorm(s=scale.astype(np.float64), scale=np.exp(loc.astype(np.float64)))
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(d.log_prob(x), ref.logpdf(x), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(d.cdf(x), ref.cdf(x), rtol=rtol, atol=rtol)
    q = np.array([0.1, 0.5, 0.9], dtype)
    np.testing.assert_allclose(d.icdf(q), ref.ppf(q), rtol=10 * rtol)
    # a decreasing chain: the CDF of -exp(X) is 1 - the lognormal's survival reflected
    neg = TransformedDistribution(Normal(loc, scale), [ExpTransform(), AffineTransform(0.0, -1.0)])
    np.testing.assert_allclose(neg.cdf(-x), ref.sf(x), rtol=10 * rtol, atol=rtol)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, c: lib.TransformedDistribution(lib.Normal(c([0.0, 1.0]), c([1.0, 0.5])), [SigmoidOf(lib)()]),
        lambda lib, c: lib.TransformedDistribution(
            lib.Normal(c([[0.0, 1.0, -1.0]]), 1.0), [StickBreakingOf(lib)(), AffineOf(lib)(1.0, 2.0)]
        ),
        lambda lib, c: lib.TransformedDistribution(lib.Normal(c([0.3, -0.2]), 2.0), [TanhOf(lib)()]),
    ],
    ids=["sigmoid", "stick-breaking-affine", "tanh"],
)
def test_log_prob_matches_torch_distributions(make: Any) -> None:
    torch = pytest.importorskip("torch")
    import torch.distributions as td

    ours = make(arraydist, lambda v: torch.tensor(v, dtype=torch.float64))
    theirs = make(td, lambda v: torch.tensor(v, dtype=torch.float64))
    assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == tuple(theirs.event_shape)
    y = theirs.sample((5,))
    torch.testing.assert_close(ours.log_prob(y), theirs.log_prob(y), rtol=1e-10, atol=1e-10)


def SigmoidOf(lib: Any) -> Any:
    return SigmoidTransform if lib is arraydist else lib.transforms.SigmoidTransform


def StickBreakingOf(lib: Any) -> Any:
    return StickBreakingTransform if lib is arraydist else lib.transforms.StickBreakingTransform


def AffineOf(lib: Any) -> Any:
    return AffineTransform if lib is arraydist else lib.transforms.AffineTransform


def TanhOf(lib: Any) -> Any:
    return TanhTransform if lib is arraydist else lib.transforms.TanhTransform


@pytest.mark.slow
@pytest.mark.parametrize("library", EAGER)
def test_squashed_gaussian_never_gives_nan(library: str) -> None:
    """10^6 float32 actions of wide policies: every log_prob finite, from the value (``log_prob``, through the
    clipped inverse) and from the draw (``rsample_and_log_prob``); torch.distributions' count for comparison is in
    the benchmark."""
    b = _backend(library)
    rng = np.random.default_rng(0)
    loc = b.asarray(rng.normal(0.0, 3.0, size=(1000, 1)), "float32")
    scale = b.asarray(np.geomspace(0.1, 30.0, 1000).reshape(1000, 1), "float32")
    d = TransformedDistribution(Normal(loc, scale), [TanhTransform()])
    seed = 1 if library != "jax" else b.lib.random.key(1)
    y, from_draw = d.rsample_and_log_prob((1000,), seed=seed)
    from_value = d.log_prob(y)
    y, from_draw, from_value = b.to_numpy(y), b.to_numpy(from_draw), b.to_numpy(from_value)
    assert y.dtype == np.float32 and y.shape == (1000, 1000, 1)
    saturated = np.abs(y) == 1.0
    assert saturated.sum() > 1000  # the test reaches the boundary
    assert np.isfinite(from_draw).all() and np.isfinite(from_value).all()
    inside = ~saturated & (np.abs(y) < 0.999)
    np.testing.assert_allclose(from_value[inside], from_draw[inside], rtol=2e-3, atol=2e-3)


def test_squashed_density_against_a_histogram() -> None:
    """Draws of tanh(N(0.7, 1.5)) binned against the probabilities the distribution's own cdf gives, and its
    density integrated over each bin: a chi-square test under the suite's false-alarm rate."""
    from _stats import ALPHA

    d = TransformedDistribution(Normal(0.7, 1.5), [TanhTransform()])
    y = d.sample((200_000,), seed=3)
    edges = np.tanh(np.linspace(-4.0, 5.5, 41))
    edges = np.concatenate([[-1.0], edges, [1.0]])
    counts = np.histogram(y, edges)[0]
    probs = np.diff(d.cdf(np.clip(edges, -1.0, 1.0)))
    assert stats.chisquare(counts, probs * counts.sum()).pvalue > ALPHA
    grid = np.linspace(edges[1:-1][:-1], edges[1:-1][1:], 201, axis=-1)  # each interior bin
    integral = np.trapezoid(np.exp(d.log_prob(grid)), grid, axis=-1)
    np.testing.assert_allclose(integral, probs[1:-1], rtol=1e-3)


def test_a_value_at_the_boundary_is_the_density_next_to_it() -> None:
    """log_prob at exactly +-1 is the density at the nearest representable value inside (-1, 1)."""
    for dtype in (np.float32, np.float64):
        d = TransformedDistribution(Normal(np.zeros((), dtype), 1.0), [TanhTransform()])
        edge = np.nextafter(dtype(1.0), dtype(0.0))
        assert d.log_prob(np.array(1.0, dtype)) == d.log_prob(np.array(edge, dtype))
        assert np.isfinite(d.log_prob(np.array([-1.0, 1.0], dtype))).all()


def test_the_issue_vmap_case() -> None:
    """jax.vmap of a function returning TransformedDistribution(Normal(l, 1.0), [AffineTransform(l, 2.0)])."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy

    def make(center: Any) -> TransformedDistribution:
        return TransformedDistribution(Normal(center, 1.0), [AffineTransform(center, 2.0)])

    centers = jnp.arange(12.0).reshape(4, 3)
    batched = jax.vmap(make)(centers)
    assert batched.batch_shape == (4, 3)
    x = jnp.ones((4, 3))
    expect = np.stack([np.asarray(make(centers[i]).log_prob(x[i])) for i in range(4)])
    np.testing.assert_allclose(np.asarray(batched.log_prob(x)), expect, rtol=1e-6)
    rows = {row.name for row in batched.explain().rows}
    assert {"base_dist.loc", "base_dist.scale", "transforms[0].loc", "transforms[0].scale"} <= rows
    jitted = jax.jit(lambda d, v: d.log_prob(v))(make(centers[0]), x[0])
    np.testing.assert_allclose(np.asarray(jitted), expect[0], rtol=1e-6)


def test_torch_compile_fullgraph() -> None:
    torch = pytest.importorskip("torch")

    def step(loc: Any, scale: Any) -> Any:
        d = TransformedDistribution(Normal(loc, scale), [TanhTransform()])
        action, log_p = d.rsample_and_log_prob()
        return action, log_p.sum(-1)

    loc, scale = torch.zeros(4, 3), torch.ones(4, 3)
    arraydist.set_default_validate_args(False)
    try:
        compiled = torch.compile(step, fullgraph=True, backend="eager")
        torch.manual_seed(0)
        action, log_p = compiled(loc, scale)
    finally:
        arraydist.set_default_validate_args(True)
    torch.manual_seed(0)
    eager_action, eager_log_p = step(loc, scale)
    torch.testing.assert_close(action, eager_action)
    torch.testing.assert_close(log_p, eager_log_p)


def test_dask_stays_lazy() -> None:
    b = _backend("dask")
    loc = b.asarray(np.zeros((6, 4)))
    d = TransformedDistribution(Normal(loc, 1.0), [AffineTransform(np.ones(4), 2.0), ExpTransform()])
    lp = d.log_prob(b.asarray(np.ones((6, 4))))
    assert hasattr(lp, "compute") and d.transforms[0].loc.__class__.__module__.startswith("dask")
    reference = stats.lognorm(s=2.0, scale=np.e).logpdf(1.0)
    np.testing.assert_allclose(lp.compute(), np.full((6, 4), reference), rtol=1e-12)


@pytest.mark.parametrize("library", EAGER)
def test_batch_operations_by_values(library: str) -> None:
    """Slices (open-ended and negative), expand and reshape compared member by member with the parameters
    indexed directly; pickling keeps the chain."""
    b = _backend(library)
    loc = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    shift = np.array([0.5, -0.5, 1.0])

    def make(l: np.ndarray, s: np.ndarray) -> TransformedDistribution:  # noqa: E741
        return TransformedDistribution(Normal(b.asarray(l), 0.7), [AffineTransform(b.asarray(s), 2.0), ExpTransform()])

    d = make(loc, shift)
    x = np.exp(np.linspace(-0.5, 0.5, 12).reshape(4, 3))
    full = b.to_numpy(d.log_prob(b.asarray(x)))
    for index in [(slice(1, None),), (slice(None, -2),), (-1,), (Ellipsis, slice(1, None))]:
        expected = make(loc[index], np.broadcast_to(shift, (4, 3))[index])
        np.testing.assert_allclose(b.to_numpy(d[index].log_prob(b.asarray(x[index]))), full[index], rtol=1e-6)
        np.testing.assert_allclose(b.to_numpy(expected.log_prob(b.asarray(x[index]))), full[index], rtol=1e-6)
    np.testing.assert_allclose(b.to_numpy(d.reshape(-1).log_prob(b.asarray(x.ravel()))), full.ravel(), rtol=1e-6)
    e = d.expand((2, 4, 3))
    np.testing.assert_allclose(b.to_numpy(e.log_prob(b.asarray(x))), np.broadcast_to(full, (2, 4, 3)), rtol=1e-6)
    if library != "jax":
        again = pickle.loads(pickle.dumps(d))
        np.testing.assert_allclose(b.to_numpy(again.log_prob(b.asarray(x))), full, rtol=1e-12)


def test_parameters_take_the_bases_library_and_dtype() -> None:
    torch = pytest.importorskip("torch")
    d = TransformedDistribution(Normal(torch.zeros(3), 1.0), [AffineTransform(np.ones(3), 2.0)])
    loc = d.transforms[0].loc
    assert isinstance(loc, torch.Tensor) and loc.dtype == torch.float32
    neutral = TransformedDistribution(Normal(0.0, 1.0), [AffineTransform(1.0, 2.0)])
    assert neutral._neutral
    lp = neutral.log_prob(torch.tensor([1.0, 3.0]))
    torch.testing.assert_close(lp, torch.tensor(stats.norm(1.0, 2.0).logpdf([1.0, 3.0]), dtype=torch.float32))
    jnp = pytest.importorskip("jax.numpy")
    with pytest.raises(TypeError, match=r"AffineTransform\.loc is a jax array but the other arrays are torch arrays"):
        TransformedDistribution(Normal(torch.zeros(3), 1.0), [AffineTransform(jnp.ones(3), 2.0)])


def test_sample_carries_no_gradient_and_rsample_does() -> None:
    torch = pytest.importorskip("torch")
    loc = torch.zeros(3, requires_grad=True)
    shift = torch.ones(3, requires_grad=True)
    d = TransformedDistribution(Normal(loc, 1.0), [AffineTransform(shift, 2.0)])
    assert not d.sample((2,)).requires_grad
    x, log_p = d.rsample_and_log_prob((2,))
    (x.sum() + log_p.sum()).backward()
    assert loc.grad is not None and shift.grad is not None


def test_kl_between_equal_chains_is_the_bases_kl_and_matches_torch() -> None:
    """torch.distributions' one rule for transformed distributions: equal transforms, KL of the bases (summed over
    the event dimensions the transforms add); different transforms: NotImplementedError."""
    import torch
    import torch.distributions as td

    from arraydist import kl_divergence
    from arraydist.transforms import AffineTransform, TanhTransform

    loc_p, loc_q = np.array([0.0, 1.0]), np.array([0.5, -1.0])
    chain = [AffineTransform(1.0, 2.0), TanhTransform()]
    p = TransformedDistribution(Normal(loc_p, 1.0), chain)
    q = TransformedDistribution(Normal(loc_q, 2.0), chain)
    theirs = td.kl_divergence(
        td.TransformedDistribution(
            td.Normal(torch.tensor(loc_p), 1.0), [td.AffineTransform(1.0, 2.0), td.TanhTransform()]
        ),
        td.TransformedDistribution(
            td.Normal(torch.tensor(loc_q), 2.0), [td.AffineTransform(1.0, 2.0), td.TanhTransform()]
        ),
    )
    np.testing.assert_allclose(kl_divergence(p, q), theirs.numpy(), rtol=1e-12)
    np.testing.assert_allclose(kl_divergence(p, q), kl_divergence(p.base_dist, q.base_dist), rtol=0)
    with pytest.raises(NotImplementedError, match="the same transforms"):
        kl_divergence(p, TransformedDistribution(Normal(loc_q, 2.0), [TanhTransform()]))
