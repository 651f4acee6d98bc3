"""The conformance suite: every case of the registry, on every backend, in float32 and float64.

Values are compared with the NumPy/SciPy reference evaluated at the same (dtype-rounded) parameters and values,
so the tolerance only covers the rounding of the computation itself.  What a case can do is read from its
capability fields (``cases.Case``), never from its class.  Every case runs on NumPy and torch; the other
backends run the subset of ``_matrix.py`` unless ``--full-matrix`` is given.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

import _stats
import _tolerance
import arraydist
from backends import Backend
from cases import CASES, Case

TOL = {"float32": 3e-5, "float64": 1e-9}
#: KLs are differences of terms of order 1 and more (log-determinants, traces): their tolerance factor (it was 50
#: over the whole array's largest value, which let a float32 KL below 1 be 24 % off)
KL_SCALE = 3.0


def assert_close(
    actual: Any, expected: Any, dtype: str, backend: Backend, scale: float = 1.0, floor: Any = 1.0, what: str = ""
) -> None:
    """``_tolerance.assert_close`` at the dtype's tolerance, member by member above ``floor`` (infinities and NaNs
    must match by position)."""
    _tolerance.assert_close(as_numpy(actual, backend), expected, rtol=TOL[dtype] * scale, floor=floor, err_msg=what)


#: the tail functions beside ``cdf`` (the reference's methods of the same names), and the quantity whose floor
#: they take: the logarithms are compared as ``log_prob`` is, the survival function as ``cdf`` is
TAILS = {"log_cdf": "log_prob", "survival_function": "cdf", "log_survival_function": "log_prob"}


def floor(case: Case, quantity: str, expected: Any, spread: Any = None, dtype: str = "float64") -> np.ndarray:
    """The magnitude below which ``quantity``'s error is absolute, member by member (``_tolerance``):

    * logarithms (``log_prob``, ``entropy``, ``kl``): 1; their error is absolute (the relative error of what they
      are the logarithm of), so near 0 they are compared absolutely and above 1 relatively;
    * their exponentials (``prob``, ``perplexity``): ``|e| |log e|``, i.e. a relative error of ``rtol (1 + |log
      e|)``, what the logarithm's absolute error makes of it;
    * locations (``mean``, ``mode``, ``icdf``): the member's standard deviation ``spread``, the unit a location
      is measured in (a mean of 0 is compared within a fraction of its spread);
    * ``variance``, ``stddev``, ``cdf``: 0, relative all the way down (a tiny member's variance is its own scale);

    or the case's own ``floors`` where larger (with its reason); and never below the dtype's smallest normal
    number (over ``TOL``): a subnormal result holds a few bits, and 0 is an acceptable underflow of it."""
    e = np.abs(np.asarray(expected, np.float64))
    if quantity in ("log_prob", "entropy", "kl"):
        base = np.ones_like(e)
    elif quantity in ("prob", "perplexity"):
        with np.errstate(divide="ignore"):
            base = np.where(e > 0, e * np.abs(np.log(np.where(e > 0, e, 1.0))), 0.0)
    elif quantity in ("mean", "mode", "icdf"):
        base = np.broadcast_to(np.nan_to_num(np.asarray(spread, np.float64)), e.shape)
    else:
        base = np.zeros_like(e)
    tiny = float(np.finfo(dtype).tiny)
    underflow = (math.sqrt(tiny) if quantity == "stddev" else tiny) / TOL[dtype]
    return np.maximum(base, max(case.floors.get(quantity, 0.0), underflow))


def as_numpy(x: Any, backend: Backend) -> np.ndarray:
    """A result as NumPy: those of neutral (Python-number) distributions already are."""
    return np.asarray(x) if isinstance(x, np.ndarray | float) else backend.to_numpy(x)


def without_validation(d: Any) -> Any:
    """A copy of ``d`` that does not validate values (what ``validate_args=False`` at construction gives)."""
    d = copy.copy(d)
    d.__dict__["_validate_args"] = False
    return d


def build(case: Case, backend: Backend, dtype: str) -> Any:
    return case.build(arraydist, lambda x: backend.asarray(x, dtype))


def reference(case: Case, dtype: str) -> Any:
    return case.reference(lambda x: np.asarray(np.asarray(x, dtype=dtype), dtype=np.float64))


def expected_backend(case: Case, backend: Backend) -> str:
    return "numpy" if "neutral" in case.tags else backend.name


def expected_dtype(case: Case, dtype: str) -> str:
    return "float64" if "neutral" in case.tags else dtype


def value_dtype(case: Case, dtype: str) -> str:
    """The dtype of the distribution's draws: the parameters' unless the case says otherwise."""
    return case.sample_dtype or expected_dtype(case, dtype)


#: the sample shape of every draw of a case in this module but the layout checks (a test compiles each new shape
#: once on JAX, where that is the whole cost of a test: one shape shared by the tests keeps it to one compile)
SAMPLE_SHAPE = (4, 5)


def draws(case: Case, d: Any, backend: Backend, dtype: str) -> tuple[Any, np.ndarray]:
    """(values for log_prob in the test's backend and dtype, the same numbers in float64): the ``SAMPLE_SHAPE``
    draws of ``d``, flattened to 20 values per batch member."""
    vdtype = case.sample_dtype or dtype
    x = np.asarray(d._ops.to_numpy(d.sample(SAMPLE_SHAPE, seed=11)), dtype=vdtype)
    x = x.reshape((-1, *x.shape[len(SAMPLE_SHAPE) :]))
    return backend.asarray(x, vdtype), x.astype(np.float64)


def check_rsample_capability(case: Case, d: Any, sample_shape: tuple[int, ...] = SAMPLE_SHAPE) -> None:
    """``rsample`` draws ``sample_shape + batch + event`` when the case has it, else raises naming the class."""
    if case.has_rsample:
        assert tuple(d.rsample(sample_shape, seed=2).shape) == (*sample_shape, *case.batch_shape, *case.event_shape)
    else:
        with pytest.raises(NotImplementedError, match=f"^{type(d).__name__} does not implement rsample"):
            d.rsample(sample_shape, seed=2)


def check_enumerate_support(case: Case, d: Any, to_numpy: Any) -> None:
    """``enumerate_support`` lists each batch member's support: shapes with and without ``expand``, and the
    masses of the listed values sum to 1 (log-sum-exp of ``log_prob`` over them is 0)."""
    if not (case.has_enumerate_support and case.enumerates):
        with pytest.raises(NotImplementedError, match=f"^{type(d).__name__} does not implement enumerate_support"):
            d.enumerate_support()
        return
    values = d.enumerate_support()
    k = values.shape[0]
    assert k >= 1
    assert tuple(values.shape) == (k, *case.batch_shape, *case.event_shape)
    compact = d.enumerate_support(expand=False)
    assert tuple(compact.shape) == (k, *(1,) * len(case.batch_shape), *case.event_shape)
    lp = np.asarray(to_numpy(d.log_prob(values)), dtype=np.float64)
    assert lp.shape == (k, *case.batch_shape)
    peak = lp.max(axis=0)
    total = peak + np.log(np.exp(lp - peak).sum(axis=0))
    np.testing.assert_allclose(total, 0.0, atol=1e-5, err_msg="the masses over enumerate_support do not sum to 1")


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


def check_moments_shape(case: Case, d: Any, full: tuple[int, ...]) -> None:
    """The moments have the batch and event shape, or raise naming the class where the case has none."""
    for moment in ("mean", "variance", "stddev", "mode"):
        if moment in case.moments:
            assert tuple(getattr(d, moment).shape) == full
        else:
            # stddev is the square root of the variance in the base class: the variance is what is missing
            missing = "variance" if moment == "stddev" else moment
            with pytest.raises(NotImplementedError, match=f"^{type(d).__name__} does not implement {missing}"):
                getattr(d, moment)


@pytest.mark.base_machinery
def test_shapes_and_identity(case: Case, backend: Backend, dtype: str) -> None:
    """Layout: batch and event shapes, draws of ``sample_shape + batch + event`` in the backend and dtype,
    ``log_prob``, entropy and moments of the batch layout, ``repr``, ``enumerate_support``."""
    d = build(case, backend, dtype)
    assert d.batch_shape == case.batch_shape
    assert d.event_shape == case.event_shape
    assert type(d.batch_shape) is tuple and type(d.event_shape) is tuple
    assert d.backend == expected_backend(case, backend)
    full = case.batch_shape + case.event_shape
    one = d.sample(seed=0)
    many = d.sample(SAMPLE_SHAPE, seed=1)
    assert tuple(one.shape) == full
    assert tuple(many.shape) == (*SAMPLE_SHAPE, *full)
    check_rsample_capability(case, d)
    if "neutral" in case.tags:
        assert isinstance(many, np.ndarray)
    else:
        assert backend.owns(many)
    assert backend.dtype_name(many) == value_dtype(case, dtype)
    assert tuple(d.log_prob(many).shape) == (*SAMPLE_SHAPE, *case.batch_shape)
    if case.has_entropy:
        assert tuple(d.entropy().shape) == case.batch_shape
    else:
        with pytest.raises(NotImplementedError, match=f"^{type(d).__name__} does not implement entropy"):
            d.entropy()
    check_moments_shape(case, d, full)
    assert d._extended_shape((2,)) == (2, *full)
    text = repr(d)
    assert type(d).__name__ in text and str(case.batch_shape) in text and d.backend in text
    check_enumerate_support(case, d, lambda x: as_numpy(x, backend))


def test_values_match_reference(case: Case, backend: Backend, dtype: str) -> None:
    """``log_prob``, ``prob``, ``cdf``, ``icdf``, entropy, perplexity and the moments against the reference at
    the same (dtype-rounded) parameters and values; a class without one of them raises, naming itself."""
    d = build(case, backend, dtype)
    name = type(d).__name__
    ref = reference(case, dtype)
    x, x64 = draws(case, d, backend, dtype)
    _stats.assert_in_support(ref, x64, f"{case.name} on {backend.id} {dtype}")
    lp_dtype = dtype
    if "neutral" in case.tags and case.sample_dtype is not None and backend.name in ("torch", "mlx"):
        lp_dtype = "float32"  # an integer value carries no floating dtype: Python numbers adopt the default float
    expected_lp = ref.log_prob(x64)
    assert_close(d.log_prob(x), expected_lp, lp_dtype, backend, floor=floor(case, "log_prob", expected_lp, dtype=dtype))
    prob = np.exp(expected_lp)
    assert_close(d.prob(x), prob, lp_dtype, backend, floor=floor(case, "prob", prob, dtype=dtype), what="prob")
    # a value with fewer batch dimensions than the distribution broadcasts (the first batch member's draw)
    if case.batch_shape:
        x0 = x64[(0,) + (0,) * len(case.batch_shape)]
        lp0 = ref.log_prob(np.broadcast_to(x0, x64.shape[1:]))
        d0 = d
        if hasattr(ref, "support_bounds") and np.isneginf(lp0).any():
            # inside the first member's support, outside another's: refused with validation on, naming that
            # member and its bounds (where values can be read: not Dask's); of log density -inf there with
            # validation off
            if not backend.lazy:
                with pytest.raises(ValueError, match=rf"^{name}\.log_prob: .* where the support is "):
                    d.log_prob(backend.asarray(x0, dtype))
            d0 = without_validation(d)
        lp = d0.log_prob(backend.asarray(x0, dtype))
        assert tuple(lp.shape) == case.batch_shape
        assert_close(lp, lp0, lp_dtype, backend, floor=floor(case, "log_prob", lp0, dtype=dtype))
    full = case.batch_shape + case.event_shape
    spread = np.sqrt(np.broadcast_to(np.asarray(ref.variance, np.float64), full))
    if case.has_cdf:
        seen = backend.as_computed(x64, dtype)  # a draw below the smallest normal number is 0 to XLA
        cdf = ref.cdf(seen)
        assert_close(d.cdf(x), cdf, dtype, backend, floor=floor(case, "cdf", cdf, dtype=dtype), what="cdf")
        for method, quantity in TAILS.items():
            expected = getattr(ref, method)(seen)
            got = getattr(d, method)(x)
            assert_close(got, expected, dtype, backend, floor=floor(case, quantity, expected, dtype=dtype), what=method)
    else:
        with pytest.raises(NotImplementedError, match=f"^{name} does not implement cdf"):
            d.cdf(x)
    q = np.linspace(0.01, 0.99, 7).reshape((7,) + (1,) * len(case.batch_shape))
    q = np.asarray(np.broadcast_to(q, (7, *case.batch_shape)), dtype=dtype)
    if case.has_icdf:
        icdf = ref.icdf(q.astype(np.float64))
        assert_close(
            d.icdf(backend.asarray(q, dtype)),
            icdf,
            dtype,
            backend,
            10,
            floor(case, "icdf", icdf, spread, dtype),
            "icdf",
        )
    elif not case.event_shape:  # icdf of a multivariate family takes events, not these probabilities
        with pytest.raises(NotImplementedError, match=f"^{name} does not implement icdf"):
            d.icdf(backend.asarray(q, dtype))
    if case.has_entropy:
        h = ref.entropy()
        assert_close(d.entropy(), h, dtype, backend, floor=floor(case, "entropy", h, dtype=dtype), what="entropy")
        perplexity = np.exp(h)
        assert_close(
            d.perplexity(),
            perplexity,
            dtype,
            backend,
            10,
            floor(case, "perplexity", perplexity, dtype=dtype),
            "perplexity",
        )
    else:
        with pytest.raises(NotImplementedError, match=f"^{name} does not implement entropy"):
            d.entropy()
    full = case.batch_shape + case.event_shape
    if not case.has_moments:
        return  # check_moments_shape asserts that they raise
    mean = np.broadcast_to(ref.mean, full)
    assert_close(d.mean, mean, dtype, backend, floor=floor(case, "mean", mean, spread, dtype), what="mean")
    if not case.has_mode:
        pass  # check_moments_shape asserts that it raises
    elif hasattr(ref, "is_mode"):  # discrete: a value of largest mass (either of two that tie to rounding)
        mode = as_numpy(d.mode, backend)
        assert mode.shape == full and ref.is_mode(mode).all(), f"mode {mode} is not a mode (one is {ref.mode})"
    else:
        mode = np.broadcast_to(ref.mode, full)
        assert_close(d.mode, mode, dtype, backend, floor=floor(case, "mode", mode, spread, dtype), what="mode")
    variance = np.broadcast_to(ref.variance, full)
    assert_close(d.variance, variance, dtype, backend, 10, floor(case, "variance", variance, dtype=dtype), "variance")
    assert_close(
        d.stddev, np.sqrt(variance), dtype, backend, 10, floor(case, "stddev", variance, dtype=dtype), "stddev"
    )


def test_kl_divergence_matches_reference(case: Case, backend: Backend, dtype: str) -> None:
    """KL(p || q) to the case's partner against the reference's closed form; KL(p || p) = 0.  (A reference
    without a closed form: ``test_kl_divergence_by_monte_carlo``.)"""
    if case.kl_partner is None:
        pytest.skip(f"{case.dist} has no KL partner in the registry")
    p, q, ref_p, ref_q = kl_pair(case, backend, dtype)
    if not hasattr(ref_p, "kl_divergence"):
        pytest.skip(f"{case.name}'s reference has no closed-form KL: test_kl_divergence_by_monte_carlo")
    kl = as_numpy(arraydist.kl_divergence(p, q), backend)
    assert kl.shape == case.batch_shape
    zero = np.zeros(case.batch_shape)
    assert_close(
        arraydist.kl_divergence(p, p),
        zero,
        dtype,
        backend,
        KL_SCALE,
        floor(case, "kl", zero, dtype=dtype),
        "KL(p || p)",
    )
    expected = ref_p.kl_divergence(ref_q)
    assert_close(kl, expected, dtype, backend, KL_SCALE, floor(case, "kl", expected, dtype=dtype), "KL(p || q)")


def kl_pair(case: Case, backend: Backend, dtype: str) -> tuple[Any, Any, Any, Any]:
    """(p, its partner q, their references)."""
    assert case.kl_partner is not None
    p = build(case, backend, dtype)
    q = case.kl_partner.build(arraydist, lambda x: backend.asarray(x, dtype))
    ref_q = case.kl_partner.reference(lambda x: np.asarray(np.asarray(x, dtype=dtype), dtype=np.float64))
    return p, q, reference(case, dtype), ref_q


#: cases with a KL partner whose reference has no closed-form KL
MONTE_CARLO_KL = [
    c for c in CASES if c.kl_partner is not None and not hasattr(c.reference(np.asarray), "kl_divergence")
]


@pytest.mark.statistical
@pytest.mark.parametrize("case", MONTE_CARLO_KL, ids=str)
def test_kl_divergence_by_monte_carlo(case: Case, backend: Backend, dtype: str) -> None:
    """KL(p || q) against a Monte-Carlo estimate from the references' log densities at ``KL_DRAWS`` draws of p
    (within ``_stats.Z`` standard errors, Bonferroni over the batch: one check)."""
    p, q, ref_p, ref_q = kl_pair(case, backend, dtype)
    kl = as_numpy(arraydist.kl_divergence(p, q), backend)
    assert kl.shape == case.batch_shape
    assert_close(arraydist.kl_divergence(p, p), np.zeros(case.batch_shape), dtype, backend, scale=50)
    x = np.asarray(p._ops.to_numpy(p.sample((_stats.KL_DRAWS,), seed=_stats.KL_SEED)), np.float64)
    estimate, stderr = _stats.monte_carlo_kl(ref_p.log_prob(x), ref_q.log_prob(x))
    _stats.assert_within_monte_carlo(kl, estimate, stderr, f"KL({case.name} || its partner)")


@pytest.mark.base_machinery
def test_batch_operations(case: Case, backend: Backend, dtype: str) -> None:
    """``expand`` (a value of batch ``(1, *batch)`` broadcasts against the expanded batch), indexing of batch
    dimensions (``d[i].log_prob(x[:, i])`` is ``d.log_prob(x)[:, i]``; event dimensions cannot be indexed),
    and the flatten / unflatten round trip of pytrees."""
    d = build(case, backend, dtype)
    x, _ = draws(case, d, backend, dtype)  # (20, *batch, *event)
    full = backend.to_numpy(d.log_prob(x))
    children, aux = d._tree_flatten()
    again = type(d)._tree_unflatten(aux, children, neutral=d._neutral)
    assert again.batch_shape == d.batch_shape and again.event_shape == d.event_shape
    assert_close(again.log_prob(x), full, dtype, backend)

    new_batch = (2, *case.batch_shape)
    e = d.expand(new_batch)
    assert type(e) is type(d)
    assert e.batch_shape == new_batch and e.event_shape == case.event_shape
    assert tuple(e.sample(SAMPLE_SHAPE, seed=3).shape) == (*SAMPLE_SHAPE, *new_batch, *case.event_shape)
    one = x[:1, ...]  # batch part (1, *batch)
    assert_close(e.log_prob(one), np.broadcast_to(full[:1], new_batch), dtype, backend)
    assert d.expand(list(case.batch_shape)).batch_shape == case.batch_shape
    with pytest.raises(ValueError, match=r"expand|batch_shape"):
        d.expand(incompatible_batch_shape(case.batch_shape))

    if not case.batch_shape:
        with pytest.raises(IndexError, match="event dimensions cannot be indexed"):
            d[0]
        return
    first = d[0]
    assert first.batch_shape == case.batch_shape[1:] and first.event_shape == case.event_shape
    assert_close(first.log_prob(x[:, 0, ...]), full[:, 0], dtype, backend)
    tail = d[..., :1]
    assert tail.batch_shape == (*case.batch_shape[:-1], 1)
    # the same slice of the values, spelled out in full (the array API standard has no implicit trailing dims)
    last_batch_axis = len(case.batch_shape)
    index = tuple(slice(0, 1) if axis == last_batch_axis else slice(None) for axis in range(x.ndim))
    assert_close(tail.log_prob(x[index]), full[..., :1], dtype, backend)
    with pytest.raises(IndexError):
        d[(0,) * (len(case.batch_shape) + 1)]


def incompatible_batch_shape(batch: tuple[int, ...]) -> tuple[int, ...]:
    """A batch shape that ``batch`` cannot be expanded to: one of its sizes other than 1 changed (a size of 1
    expands to any size), or a negative size."""
    for axis in reversed(range(len(batch))):
        if batch[axis] != 1:
            return (*batch[:axis], batch[axis] + 1, *batch[axis + 1 :])
    return (-2,)


@pytest.mark.base_machinery
def test_seeds_reproduce_and_inputs_are_not_mutated(case: Case, backend: Backend, dtype: str) -> None:
    """One seed gives the same draws (``sample`` and ``rsample``), other seeds others; no method writes into
    the parameters or the value."""
    d = build(case, backend, dtype)
    children, _ = d._tree_flatten()
    leaves = [c for c in children if not isinstance(c, arraydist.Distribution)]
    leaves += [c for c in children if isinstance(c, arraydist.Distribution) for c in c._tree_flatten()[0]]
    before = [d._ops.to_numpy(leaf).copy() for leaf in leaves]

    a = d._ops.to_numpy(d.sample(SAMPLE_SHAPE, seed=123))
    np.testing.assert_array_equal(a, d._ops.to_numpy(d.sample(SAMPLE_SHAPE, seed=123)))
    # four other seeds: enough that one differs somewhere even for discrete members close to certain
    assert any(not np.array_equal(a, d._ops.to_numpy(d.sample(SAMPLE_SHAPE, seed=s))) for s in range(124, 128))
    if case.has_rsample:
        np.testing.assert_array_equal(a, d._ops.to_numpy(d.rsample(SAMPLE_SHAPE, seed=123)))

    x, _ = draws(case, d, backend, dtype)
    x_before = backend.to_numpy(x).copy()
    d.log_prob(x)
    d.prob(x)
    if case.has_entropy:
        d.entropy()
    if case.has_cdf:
        d.cdf(x)
    np.testing.assert_array_equal(backend.to_numpy(x), x_before)
    for leaf, old in zip(leaves, before):
        np.testing.assert_array_equal(d._ops.to_numpy(leaf), old)
