"""Random primitives of the backend layer on every backend: seeds, shapes and dtypes, goodness of fit, gradients.

False-alarm policy: the one of ``tests/_stats.py`` (fixed seeds; each test one check at ``ALPHA``, its p-values
Bonferroni-corrected: KS tests for continuous draws, chi-square or exact binomial tests for discrete ones, normal
tests for moments; counted in the run's false-alarm budget), with ``N = 4,000`` draws, enough to catch a wrong
parameterization (a rate for a scale, an off-by-one category) with power near 1.  Dask's chunked samplers are
held to independent streams per chunk, along the sample axis and the batch axes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import special, stats

import _stats
from _stats import bonferroni, check
from arraydist._backend import ops_of
from backends import Backend

N = 4000
statistical = pytest.mark.statistical


def _ops(backend: Backend) -> Any:
    return ops_of(backend.asarray([0.0]))


def _dtype(backend: Backend, name: str) -> Any:
    return getattr(backend.lib.numpy if backend.name == "jax" else backend.lib, name)


def _draw(backend: Backend, name: str, seed: Any, *params: Any, shape: tuple[int, ...], dtype: str = "float64") -> Any:
    ops = _ops(backend)
    rng = ops.make_rng(seed, None)
    args = [backend.asarray(p, dtype) if isinstance(p, (list, np.ndarray)) else p for p in params]
    if name == "categorical":
        return getattr(ops, name)(rng, *args, shape)
    return getattr(ops, name)(rng, *args, shape, _dtype(backend, dtype), None)


PRIMITIVES = {
    "standard_gamma": ([[0.7, 4.5]],),
    "exponential": ((),),
    "poisson": ([[0.5, 7.0]],),
    "binomial": ([[5.0, 40.0]], [[0.3, 0.9]]),
    "bernoulli": ([[0.2, 0.7]],),
    "categorical": ([np.log([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])],),
}


def _params(name: str) -> list[Any]:
    spec = PRIMITIVES[name]
    return [] if spec == ((),) else [np.asarray(p[0] if isinstance(p, list) else p, dtype=np.float64) for p in spec]


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_seeds_shapes_and_dtypes(backend: Backend, name: str, dtype: str) -> None:
    params = _params(name)
    shape = (3, 2)
    a = _draw(backend, name, 7, *params, shape=shape, dtype=dtype)
    b = _draw(backend, name, 7, *params, shape=shape, dtype=dtype)
    assert backend.owns(a)
    assert tuple(a.shape) == shape
    if name == "categorical":
        expected = {"torch": "int64", "jax": "int64"}.get(backend.name, "int64")
        assert backend.dtype_name(a) == expected
    else:
        assert backend.dtype_name(a) == dtype
    np.testing.assert_array_equal(backend.to_numpy(a), backend.to_numpy(b))  # same seed, same draws
    # different seeds: over 40 draws of these laws, equal draws for all of them would be a broken seed
    c = _draw(backend, name, 8, *params, shape=(20, 2), dtype=dtype)
    d = _draw(backend, name, 9, *params, shape=(20, 2), dtype=dtype)
    assert not np.array_equal(backend.to_numpy(c), backend.to_numpy(d))


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_a_generator_advances_and_a_key_is_a_value(backend: Backend, name: str) -> None:
    ops = _ops(backend)
    params = [backend.asarray(p) for p in _params(name)]
    rng = ops.make_rng(11, None)

    def draw() -> np.ndarray:
        if name == "categorical":
            return backend.to_numpy(ops.categorical(rng, *params, (20, 2)))
        return backend.to_numpy(getattr(ops, name)(rng, *params, (20, 2), _dtype(backend, "float64"), None))

    first, second = draw(), draw()
    if backend.name in ("jax", "mlx"):
        np.testing.assert_array_equal(first, second)  # keys are values: the caller splits
    else:
        assert not np.array_equal(first, second)


def _columns(backend: Backend, x: Any) -> np.ndarray:
    return backend.to_numpy(x).astype(np.float64)


@statistical
def test_standard_gamma_fits(backend: Backend) -> None:
    draws = _columns(backend, _draw(backend, "standard_gamma", 2026, [0.7, 4.5], shape=(N, 2)))
    assert draws.min() > 0
    check(bonferroni([stats.kstest(draws[:, j], stats.gamma(a).cdf).pvalue for j, a in enumerate([0.7, 4.5])]), "KS")


@statistical
def test_exponential_fits(backend: Backend) -> None:
    draws = _columns(backend, _draw(backend, "exponential", 2026, shape=(N,)))
    check(stats.kstest(draws, stats.expon.cdf).pvalue, "KS")


def test_float32_exponential_draws_are_never_zero(backend: Backend) -> None:
    """An exponential draw of exactly 0 has probability 0 (about 1e-45 once rounded to float32), but NumPy's
    float32 ziggurat gives 10 in 5e7 draws and JAX's -log1p(-u) 3: a Gumbel's draw, -log of it, was then +inf. 4e7
    draws (this seed's held zeros on NumPy, JAX and Dask before the fix)."""
    draws = backend.to_numpy(_draw(backend, "exponential", 2027, shape=(4 * 10**7,), dtype="float32"))
    assert draws.dtype == np.float32 and draws.min() > 0


def _chi_square_pvalue(draws: np.ndarray, pmf: np.ndarray) -> float:
    """Counts of the values 0, 1, ... against ``pmf`` over them (the mass beyond joins the last value): exact or
    chi-square after pooling, ``_stats.binned_pvalue``; a draw outside is p = 0."""
    counts = np.bincount(draws.astype(np.int64), minlength=len(pmf)).astype(np.float64)
    if len(counts) > len(pmf) or draws.min() < 0:
        return 0.0
    folded = np.asarray(pmf, np.float64).copy()
    folded[-1] += max(0.0, 1.0 - folded.sum())
    return _stats.binned_pvalue(counts, folded)


@statistical
def test_poisson_fits(backend: Backend) -> None:
    draws = _columns(backend, _draw(backend, "poisson", 2026, [0.5, 7.0], shape=(N, 2)))
    pvalues = [
        _chi_square_pvalue(draws[:, j], stats.poisson(rate).pmf(np.arange(60))) for j, rate in enumerate([0.5, 7.0])
    ]
    check(bonferroni(pvalues), "counts")


@statistical
def test_binomial_fits(backend: Backend) -> None:
    draws = _columns(backend, _draw(backend, "binomial", 2026, [5.0, 40.0], [0.3, 0.9], shape=(N, 2)))
    pvalues = [
        _chi_square_pvalue(draws[:, j], stats.binom(n, p).pmf(np.arange(n + 1)))
        for j, (n, p) in enumerate([(5, 0.3), (40, 0.9)])
    ]
    check(bonferroni(pvalues), "counts")


@statistical
def test_bernoulli_fits(backend: Backend) -> None:
    draws = _columns(backend, _draw(backend, "bernoulli", 2026, [0.2, 0.7], shape=(N, 2)))
    assert set(np.unique(draws)) <= {0.0, 1.0}
    check(bonferroni([stats.binomtest(int(draws[:, j].sum()), N, p).pvalue for j, p in enumerate([0.2, 0.7])]), "ones")


@statistical
def test_categorical_fits_and_never_draws_minus_inf(backend: Backend) -> None:
    probs = np.array([[0.2, 0.0, 0.5, 0.3, 0.0], [0.0, 0.1, 0.1, 0.0, 0.8]])
    with np.errstate(divide="ignore"):
        logits = np.log(probs) + 3.0  # unnormalized
    draws = _columns(backend, _draw(backend, "categorical", 2026, logits, shape=(N, 2)))
    for j in range(2):
        counts = np.bincount(draws[:, j].astype(np.int64), minlength=5)
        assert np.all(counts[probs[j] == 0] == 0), counts  # -inf logits are never drawn
    check(bonferroni([_chi_square_pvalue(draws[:, j], probs[j]) for j in range(2)]), "counts")


#: one draw per row on torch races exponential clocks over up to 8 categories and searches the CDF above
_ROWS = {
    5: np.array([[0.2, 0.0, 0.5, 0.3, 0.0], [0.0, 0.1, 0.1, 0.0, 0.8]]),
    12: np.array([[0.1, 0.0, 0.05, 0.15, 0.0, 0.1, 0.2, 0.0, 0.05, 0.15, 0.2, 0.0], [0.0] * 9 + [0.3, 0.0, 0.7]]),
}


@statistical
@pytest.mark.parametrize("width", sorted(_ROWS))
def test_categorical_one_draw_per_row_fits(backend: Backend, dtype: str, width: int) -> None:
    """One draw for each row of a batch of logits (an RL step's actions: torch draws them over the batch as it
    is), from the logits or from their probabilities (``probs=``, a Categorical's cache): each column of equal
    rows fits its probabilities, and categories of weight 0 are never drawn."""
    probs = _ROWS[width]
    with np.errstate(divide="ignore"):
        logits = backend.asarray(np.broadcast_to(np.log(probs) + 3.0, (N, 2, width)).copy(), dtype)  # unnormalized
    ops = _ops(backend)
    pvalues = []
    for seed, given in ((2027, None), (2028, ops.softmax(logits))):
        draws = _columns(backend, ops.categorical(ops.make_rng(seed, None), logits, (N, 2), probs=given))
        assert draws.shape == (N, 2)
        for j in range(2):
            counts = np.bincount(draws[:, j].astype(np.int64), minlength=width)
            assert np.all(counts[probs[j] == 0] == 0), counts
            pvalues.append(_chi_square_pvalue(draws[:, j], probs[j]))
    check(bonferroni(pvalues), "counts")


@statistical
def test_torch_categorical_one_draw_per_row_from_the_global_generator() -> None:
    """seed=None on torch: the one-per-row draws come from torch's global generator (torch.manual_seed
    reproduces them), and fit."""
    torch = pytest.importorskip("torch")
    probs = np.array([0.1, 0.0, 0.6, 0.3])
    with np.errstate(divide="ignore"):
        logits = torch.as_tensor(np.broadcast_to(np.log(probs), (N, 4)).copy(), dtype=torch.float32)
    ops = ops_of(logits)
    torch.manual_seed(5)
    first = ops.categorical(ops.make_rng(None, None), logits, (N,))
    torch.manual_seed(5)
    np.testing.assert_array_equal(first.numpy(), ops.categorical(None, logits, (N,)).numpy())
    draws = first.numpy().astype(np.float64)
    assert not np.any(draws == 1.0)
    check(_chi_square_pvalue(draws, probs), "counts")


@statistical
def test_categorical_broadcasts_logits_without_batch(backend: Backend) -> None:
    """One row of logits for every draw (the torch path samples n per row), and a 1-wide middle axis."""
    logits = np.log(np.array([[[0.25, 0.75]], [[0.9, 0.1]]]))  # batch (2, 1), 2 categories
    draws = _columns(backend, _draw(backend, "categorical", 5, logits, shape=(N, 2, 3)))
    assert draws.shape == (N, 2, 3)
    pvalues = [
        stats.binomtest(int(draws[:, i, k].sum()), N, p).pvalue for i, p in enumerate([0.75, 0.1]) for k in range(3)
    ]
    check(bonferroni(pvalues), "ones")


@statistical
def test_categorical_many_categories_and_extreme_weights(backend: Backend) -> None:
    """The binary search over 1000 categories: a category of weight 1e-12 relative still has its place."""
    k = 1000
    logits = np.full(k, -np.inf)
    logits[[0, 499, 998]] = [0.0, math.log(3.0), -30.0]  # 998 has probability ~2e-14: essentially never
    draws = _columns(backend, _draw(backend, "categorical", 3, logits, shape=(N,)))
    values, counts = np.unique(draws, return_counts=True)
    assert set(values) <= {0.0, 499.0}
    check(stats.binomtest(int(counts[values == 499.0].sum()), N, 0.75).pvalue, "category 499")


def test_numpy_counts_are_the_generators_draws_as_floats() -> None:
    """NumPy's Poisson and Binomial draws are the Generator's own, as float64 (converted in place, by blocks:
    200_001 draws span several) or float32; a total_count broadcast from one number draws as that number."""
    ops = ops_of(np.zeros(1))
    rng = np.random.default_rng(0)
    rate = rng.uniform(0.5, 20.0, 200_001)
    probs = rng.uniform(0.05, 0.95, (3, 66_667))
    count = np.broadcast_to(np.float64(100.0), probs.shape)  # stride 0: a view of one number
    for dtype in (np.float64, np.float32):
        draws = ops.poisson(np.random.default_rng(1), rate, rate.shape, np.dtype(dtype), None)
        assert draws.dtype == dtype and draws.shape == rate.shape
        np.testing.assert_array_equal(draws, np.random.default_rng(1).poisson(rate))
        draws = ops.binomial(np.random.default_rng(2), count, probs, probs.shape, np.dtype(dtype), None)
        assert draws.dtype == dtype and draws.shape == probs.shape
        np.testing.assert_array_equal(draws, np.random.default_rng(2).binomial(100, probs))
    # a count broadcast along one axis only: each row keeps its own number of trials
    rows = np.broadcast_to(np.array([[1.0], [50.0], [1000.0]]), probs.shape)
    draws = ops.binomial(np.random.default_rng(3), rows, probs, probs.shape, np.dtype(np.float64), None)
    np.testing.assert_array_equal(draws, np.random.default_rng(3).binomial(np.array([[1], [50], [1000]]), probs))
    assert draws[0].max() <= 1 and draws[1].max() <= 50 and draws[2].max() > 50


@statistical
@pytest.mark.parametrize("name", ["poisson", "binomial"])
def test_large_counts_have_the_right_moments(backend: Backend, name: str) -> None:
    """Rate / total count 1e6: O(1) per draw (a per-trial loop would take minutes here)."""
    if name == "poisson":
        draws = _columns(backend, _draw(backend, "poisson", 4, [1e6], shape=(N, 1)))
        mean, var = 1e6, 1e6
    else:
        draws = _columns(backend, _draw(backend, "binomial", 4, [1e6], [0.3], shape=(N, 1)))
        mean, var = 3e5, 1e6 * 0.3 * 0.7
    assert np.all(draws == np.round(draws))
    # the mean is normal to 1e-3 of a standard deviation here; the sample variance of a near-normal law, chi-square
    location = 2 * stats.norm.sf(abs(draws.mean() - mean) / math.sqrt(var / N))
    q = (N - 1) * draws.var(ddof=1) / var
    spread = 2 * min(stats.chi2.cdf(q, N - 1), stats.chi2.sf(q, N - 1))
    check(bonferroni([location, spread]), "moments")


# ---------------------------------------------------------------------- pathwise gradients of standard_gamma
def _implicit_gradient(z: np.ndarray, a: float) -> np.ndarray:
    """dz/dalpha = -(dF/dalpha)(z) / f(z), dF/dalpha by central differences of scipy's gammainc."""
    h = 1e-6 * max(a, 1.0)
    dfda = (special.gammainc(a + h, z) - special.gammainc(a - h, z)) / (2 * h)
    return -dfda / stats.gamma(a).pdf(z)


def test_standard_gamma_pathwise_gradient(backend: Backend) -> None:
    if not backend.differentiable:
        pytest.skip(f"{backend.name} does not differentiate")
    alphas = np.array([0.3, 1.0, 2.5, 9.0])
    shape = (50, 4)
    if backend.name == "torch":
        torch = backend.lib
        a = torch.tensor(alphas, dtype=torch.float64, device=backend.device, requires_grad=True)
        ops = ops_of(a)
        z = ops.standard_gamma(ops.make_rng(3, a.device), a, shape, torch.float64, a.device)
        (grad_sum,) = torch.autograd.grad(z.sum(), a, retain_graph=True)
        # per-draw gradients: d z_ij / d a_j, one column at a time through a weighted sum
        per_draw = np.stack(
            [torch.autograd.grad(z[i].sum(), a, retain_graph=True)[0].cpu().numpy() for i in range(shape[0])]
        )
        values = z.detach().cpu().numpy()
        np.testing.assert_allclose(grad_sum.cpu().numpy(), per_draw.sum(0), rtol=1e-10)
    elif backend.name == "mlx":
        mx = backend.lib
        a = mx.array(alphas, dtype=mx.float64)
        ops = ops_of(a)
        key = ops.make_rng(3, None)
        values = np.array(ops.standard_gamma(key, a, shape, mx.float64, None))
        # the draws of one column depend on its concentration only: the gradient of a column's sum is the sum
        # of its draws' derivatives, one vjp per row gives them one by one
        per_draw = np.stack(
            [np.array(mx.grad(lambda a, i=i: ops.standard_gamma(key, a, shape, mx.float64, None)[i].sum())(a))
             for i in range(shape[0])]
        )  # fmt: skip
    else:
        jax = backend.lib
        jnp = jax.numpy
        ops = ops_of(jnp.zeros(1))
        key = ops.make_rng(3, None)

        def draws(a: Any) -> Any:
            return ops.standard_gamma(key, a, shape, jnp.float64, None)

        a = jnp.asarray(alphas)
        values = np.asarray(draws(a))
        per_draw = np.asarray(jax.jacfwd(draws)(a))  # (50, 4, 4): diagonal in the last two axes
        assert np.all(per_draw[:, np.arange(4), np.arange(4)[:, None]][:, ~np.eye(4, dtype=bool)] == 0)
        per_draw = per_draw[:, np.arange(4), np.arange(4)]
    # torch's _standard_gamma_grad is a fitted approximation (3e-4 relative at alpha = 9); JAX's is exact to 1e-5
    rtol = 1e-3 if backend.name == "torch" else 1e-4
    for j, alpha in enumerate(alphas):
        expected = _implicit_gradient(values[:, j], alpha)
        np.testing.assert_allclose(per_draw[:, j], expected, rtol=rtol, atol=1e-8)


# ---------------------------------------------------------------------- Dask: draws built chunk by chunk, lazily
def _exploding(shape: tuple[int, ...], chunks: Any, value: float) -> Any:
    """A Dask array whose every chunk raises when computed, and counts the attempts."""
    import dask.array as da

    calls: list[int] = []

    def block(block_id: Any = None) -> np.ndarray:
        calls.append(1)
        raise RuntimeError("a parameter was computed while the draws were being built")

    x = da.map_blocks(
        block, chunks=da.core.normalize_chunks(chunks, shape), dtype=np.float64, meta=np.empty((0,) * len(shape))
    )
    assert calls == []  # making it computed nothing
    return x, calls


@pytest.mark.parametrize("name", ["standard_gamma", "poisson", "binomial", "bernoulli", "categorical"])
def test_dask_draws_compute_nothing_while_built(name: str) -> None:
    da = pytest.importorskip("dask.array")
    ops = ops_of(da.zeros(1))
    event = (3,) if name == "categorical" else ()
    param, calls = _exploding((4, *event), (2, *event), 0.5)
    rng = ops.make_rng(0, None)
    if name == "categorical":
        draws = ops.categorical(rng, param, (10, 4))
    elif name == "binomial":
        draws = ops.binomial(rng, param, param, (10, 4), np.float64, None)
    else:
        draws = getattr(ops, name)(rng, param, (10, 4), np.float64, None)
    assert isinstance(draws, da.Array)
    assert draws.shape == (10, 4)
    assert draws.chunks[1] == (2, 2)  # the parameter's chunks, kept
    assert calls == []
    with pytest.raises(RuntimeError, match="a parameter was computed"):
        draws.compute()
    assert calls


def test_dask_draws_depend_on_seed_and_chunks_only() -> None:
    da = pytest.importorskip("dask.array")
    ops = ops_of(da.zeros(1))
    a = da.from_array(np.array([0.5, 2.0, 3.0, 9.0]), chunks=2)
    first = ops.standard_gamma(ops.make_rng(1, None), a, (6, 4), np.float64, None).compute()
    again = ops.standard_gamma(ops.make_rng(1, None), a, (6, 4), np.float64, None).compute()
    other = ops.standard_gamma(ops.make_rng(2, None), a, (6, 4), np.float64, None).compute()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    rng = ops.make_rng(1, None)
    x = ops.standard_gamma(rng, a, (6, 4), np.float64, None)
    y = ops.standard_gamma(rng, a, (6, 4), np.float64, None)
    assert not np.array_equal(x.compute(), y.compute())  # the generator advances
    # each chunk has its own stream: two chunks of equal parameters and shapes draw differently
    same = ops.standard_gamma(ops.make_rng(1, None), da.from_array(np.full(4, 2.0), chunks=2), (6, 4), np.float64, None)
    chunks = [c.compute() for c in (same.blocks[0, 0], same.blocks[0, 1])]
    assert not np.array_equal(chunks[0], chunks[1])


#: (parameters of one batch member, the law's CDF and mass for normal scores) of every Dask primitive; those with
#: parameters draw chunk by chunk (``_dask_random.sample_chunks``), the others through Dask's own generator
_DASK_LAWS: dict[str, tuple[list[Any], Any]] = {
    "normal": ([], stats.norm()),
    "uniform": ([], stats.uniform()),
    "exponential": ([], stats.expon()),
    "standard_gamma": ([2.0], stats.gamma(2.0)),
    "poisson": ([3.0], stats.poisson(3.0)),
    "binomial": ([10.0, 0.4], stats.binom(10, 0.4)),
    "bernoulli": ([0.3], stats.bernoulli(0.3)),
    "categorical": ([np.log([0.2, 0.5, 0.3])], stats.randint(0, 3)),
}
_CHUNKED = ["standard_gamma", "poisson", "binomial", "bernoulli", "categorical"]


def _dask_draws(name: str, n: int, batch: int = 4, chunk_size: str | None = None) -> tuple[Any, np.ndarray]:
    """(lazy draws ``(n, batch)`` of the primitive with the same parameters in every batch member, chunked by 2
    along the batch; the draws computed, as normal scores of their law: randomized for discrete laws)."""
    import dask
    import dask.array as da

    ops = ops_of(da.zeros(1))
    params, law = _DASK_LAWS[name]
    args = [
        da.from_array(np.broadcast_to(np.asarray(p, np.float64), (batch, *np.shape(p))).copy(), chunks=2)
        for p in params
    ]
    rng = ops.make_rng(2026, None)
    with dask.config.set({"array.chunk-size": chunk_size} if chunk_size else {}):
        if name == "categorical":
            x = ops.categorical(rng, args[0], (n, batch))
        else:
            x = getattr(ops, name)(rng, *args, (n, batch), np.float64, None)
    values = np.asarray(x.compute(), np.float64)
    if name in ("normal", "uniform", "exponential", "standard_gamma"):
        return x, _stats.scores_of(law.cdf(values))
    if name == "categorical":
        law = stats.rv_discrete(values=([0, 1, 2], [0.2, 0.5, 0.3]))
    u = law.cdf(values - 1) + np.random.default_rng(0).random(values.shape) * law.pmf(values)
    return x, _stats.scores_of(u)


def _chunk_independence(x: Any, z: np.ndarray) -> float:
    """Bonferroni over the correlation of every two batch members (two chunks of the batch axis) and the pooled
    correlation across every boundary of sample chunks."""
    pvalues = [p for _, p in _stats.correlation_pvalues(z)]
    bounds = np.cumsum(x.chunks[0])[:-1]
    pvalues += [_stats.lag_pvalue(z, z, int(b)) for b in bounds[:3]]
    return bonferroni(pvalues)


@statistical
@pytest.mark.parametrize("name", sorted(_DASK_LAWS))
def test_dask_chunks_of_the_batch_axis_have_independent_streams(name: str) -> None:
    """Members of equal parameters in different chunks of the batch axis draw independently (correlation of
    their normal scores); Dask's own generator (no parameters: it chunks the batch axis as it likes) is cut along
    the sample axis by a small chunk size instead, and its sample chunks are held to independence."""
    pytest.importorskip("dask.array")
    chunked = name in _CHUNKED
    x, z = _dask_draws(name, 10_000, chunk_size=None if chunked else "16KiB")
    assert len(x.chunks[1] if chunked else x.chunks[0]) > 1
    check(_chunk_independence(x, z), f"Dask {name}: chunks")


@statistical
@pytest.mark.parametrize(
    "name",
    _CHUNKED,
)
def test_dask_draws_with_a_chunked_sample_axis(name: str) -> None:
    """A draw whose sample axis Dask cuts into chunks (a chunk size smaller than the draw): each chunk has its own
    stream (pooled correlation across the chunk boundaries)."""
    pytest.importorskip("dask.array")
    x, z = _dask_draws(name, 10_000, chunk_size="16KiB")
    assert len(x.chunks[0]) > 1
    check(_chunk_independence(x, z), f"Dask {name}: sample chunks")


def test_dask_chunks_sharing_a_seed_fail_the_independence_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above made to fail: chunks of the batch axis seeded alike (the block index of the batch axes
    dropped from each chunk's seed) draw the same stream, which the correlation of their members sees."""
    pytest.importorskip("dask.array")
    from arraydist._backend import _dask_random

    original = _dask_random._block

    # (Dask passes block_id and block_info only to a function that names them)
    def shared(*blocks: Any, block_id: tuple[int, ...] = (), block_info: Any = None, **kwargs: Any) -> Any:
        batchless = (*block_id[:1], *(0,) * (len(block_id) - 1))
        return original(*blocks, block_id=batchless, block_info=block_info, **kwargs)

    monkeypatch.setattr(_dask_random, "_block", shared)
    for name in _CHUNKED:
        x, z = _dask_draws(name, 2000)
        assert _chunk_independence(x, z) < 1e-12, name


# ---------------------------------------------------------------------- standardize: gradients without b**-2
def test_jax_standardize_gradient_is_finite_in_float32() -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    ops = ops_of(jnp.zeros(1))

    def log_prob(scale: Any, x: Any) -> Any:
        z = ops.standardize(x, jnp.float32(0.0), scale)
        return -0.5 * z * z - jnp.log(scale)

    for scale in (1e-20, 1e20, 1.0):
        s = jnp.float32(scale)
        x = jnp.float32(2.0 * scale)  # z = 2: d/dscale = (z**2 - 1) / scale = 3 / scale
        g = float(jax.grad(log_prob)(s, x))
        assert math.isfinite(g)
        np.testing.assert_allclose(g, 3.0 / scale, rtol=1e-5)
    # every argument: d z/dx = 1/scale, d z/dloc = -1/scale, d z/dscale = -z/scale
    grads = jax.grad(lambda x, m, s: ops.standardize(x, m, s), argnums=(0, 1, 2))(3.0, 1.0, 4.0)
    np.testing.assert_allclose([float(g) for g in grads], [0.25, -0.25, -0.125])


def test_standardize_values(backend: Backend) -> None:
    x, loc, scale = (backend.asarray(v) for v in ([1.0, 2.0], [0.5, -1.0], [2.0, 3.0]))
    np.testing.assert_allclose(backend.to_numpy(ops_of(x).standardize(x, loc, scale)), [0.25, 1.0])


@statistical
def test_categorical_fits_over_many_categories(backend: Backend) -> None:
    """Over 100 categories (torch switches from multinomial to an inverse CDF from 64 on): every row's counts
    fit its probabilities, and categories of weight 0 are never drawn."""
    rng = np.random.default_rng(7)
    probs = rng.uniform(0.2, 1.0, (2, 100))
    probs[0, ::7] = 0.0
    probs[1, 60:] = 0.0
    probs /= probs.sum(-1, keepdims=True)
    with np.errstate(divide="ignore"):
        logits = np.log(probs) - 5.0  # unnormalized
    draws = _columns(backend, _draw(backend, "categorical", 11, logits, shape=(N, 2)))
    for j in range(2):
        counts = np.bincount(draws[:, j].astype(np.int64), minlength=100)
        assert np.all(counts[probs[j] == 0] == 0), counts
    check(bonferroni([_chi_square_pvalue(draws[:, j], probs[j]) for j in range(2)]), "counts")
