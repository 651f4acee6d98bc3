"""The special functions of the backend layer (one table, every backend) against SciPy, float32 and float64.

Each case evaluates one function of ``arraydist._backend.SPECIAL_FUNCTIONS`` on arrays of a backend and compares
with ``scipy.special`` in float64 (mpmath where SciPy has none) on the same (dtype-rounded) inputs; infinities and
NaNs must match.  The suite
runs with warnings as errors, so a fallback that warns (``xlogy(0, 0)`` dividing by zero) fails here.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest
from scipy import special

from arraydist._backend import SPECIAL_FUNCTIONS, ops_of
from backends import Backend

inf, nan = math.inf, math.nan
POSITIVE = [1e-3, 0.1, 0.5, 0.9, 1.5, 3.0, 7.5, 20.0, 150.0]
REAL = [-30.0, -7.0, -2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 3.0, 9.0, 30.0]
UNIT = [1e-6, 0.01, 0.3, 0.5, 0.77, 0.99, 1.0 - 1e-6]


def _pairs(a: list[float], b: list[float]) -> tuple[list[float], list[float]]:
    grid = np.array([(x, y) for x in a for y in b])
    return grid[:, 0].tolist(), grid[:, 1].tolist()


mpmath.mp.dps = 40  # the saddle-point terms' references: their definitions cancel in float64 too


@np.vectorize
def _mp_stirlerr(x: float) -> float:
    with mpmath.workdps(40):  # the definition cancels: 33 digits at x = 3e7
        x = mpmath.mpf(x)
        return float(mpmath.loggamma(x + 1) - (x + 0.5) * mpmath.log(x) + x - mpmath.log(2 * mpmath.pi) / 2)


@np.vectorize
def _mp_bd0(x: float, m: float) -> float:
    if m == 0:
        return inf
    with mpmath.workdps(40):
        x, m = mpmath.mpf(x), mpmath.mpf(m)
        return float(x * mpmath.log(x / m) + m - x)


@np.vectorize
def _mp_betaln(a: float, b: float) -> float:
    return float(mpmath.log(mpmath.beta(a, b)))  # SciPy's: 4e-10 relative off at (0.1, 3e5)


@np.vectorize
def _mp_log1mexp(x: float) -> float:
    return float(mpmath.log(-mpmath.expm1(-abs(mpmath.mpf(x))))) if x != 0 else -inf


@np.vectorize
def _mp_lgamma_ratio(x: float, d: float) -> float:
    x, d = mpmath.mpf(x), mpmath.mpf(d)
    return float(mpmath.loggamma(x + d) - mpmath.loggamma(x))


@np.vectorize
def _mp_gamma_entropy_term(a: float) -> float:
    a = mpmath.mpf(a)
    return float(a + mpmath.loggamma(a) + (1 - a) * mpmath.digamma(a))


@np.vectorize
def _mp_log_i0e(x: float) -> float:
    x = mpmath.mpf(x)
    return float(mpmath.log(mpmath.besseli(0, x)) - abs(x))


def _mp_log_smaller_first(small: Any, other: Any) -> float:
    """log(small), through log1p(-other) where small is near 1 (mpmath's value of a number near 1 would need
    more digits than the working precision to keep its distance from 1)."""
    if small == 0:
        return -inf
    return float(mpmath.log(small) if small < 0.5 else mpmath.log1p(-other))


@np.vectorize
def _mp_log_gammainc(a: float, x: float, upper: bool = False) -> float:
    a, x = mpmath.mpf(a), mpmath.mpf(x)
    p = mpmath.gammainc(a, 0, x, regularized=True)
    q = mpmath.gammainc(a, x, mpmath.inf, regularized=True)
    return _mp_log_smaller_first(q, p) if upper else _mp_log_smaller_first(p, q)


@np.vectorize
def _mp_log_betainc(a: float, b: float, x: float, upper: bool = False) -> float:
    a, b, x = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x)
    lower = mpmath.betainc(a, b, 0, x, regularized=True)
    rest = mpmath.betainc(b, a, 0, 1 - x, regularized=True)  # 1 - I_x(a, b) = I_{1-x}(b, a), 1 - x exact here
    return _mp_log_smaller_first(rest, lower) if upper else _mp_log_smaller_first(lower, rest)


def _triples(a: list[float], b: list[float], x: list[float]) -> list[list[float]]:
    grid = np.array([(u, v, w) for u in a for v in b for w in x])
    return [grid[:, 0].tolist(), grid[:, 1].tolist(), grid[:, 2].tolist()]


STIRLERR_AT = [1e-3, 0.5, 1.0, 7.5, 14.9, 15.0, 15.1, 40.0, 1e3, 1e6, 3e7]
#: x > 0 against m >= 0, near x = m (the cancellation), far from it, and a ratio that overflows float32
BD0_AT = _pairs([1.0, 7.0, 1e4, 1e6, 3e7], [0.0, 1e-30, 0.5, 6.5, 7.0, 7.3, 9990.0, 1e4, 1.2e6, 3.0001e7])

LOG_GAMMAINC_AT = [0.0, 1e-250, 1e-20, 0.05, 3.0, 40.0, 800.0, inf]
LOG_BETAINC_AT = [0.0, 1e-250, 1e-20, 0.3, 0.9, 1 - 1e-12, 1.0]
# name -> (array arguments as lists, extra Python arguments, SciPy reference in float64)
CASES: dict[str, tuple[list[list[float]], tuple[Any, ...], Callable[..., Any]]] = {
    "erf": ([[*REAL, inf, -inf, nan]], (), special.erf),
    "erfc": ([[*REAL, inf, -inf]], (), special.erfc),
    "erfinv": ([[-1.0, -0.999, -0.5, 0.0, 0.2, 0.9, 0.99999, 1.0]], (), special.erfinv),
    "erfcx": ([[*REAL, -9.0, 30.0, 1e4, 1e8, inf]], (), special.erfcx),
    "ndtr": ([[*REAL, -37.0, inf, -inf]], (), special.ndtr),
    "ndtri": ([[0.0, *UNIT, 1.0]], (), special.ndtri),
    "log_ndtr": ([[*REAL, -37.0, -1000.0, -inf, inf]], (), special.log_ndtr),
    "lgamma": ([[*POSITIVE, -2.5, -0.5, 1000000.0]], (), special.gammaln),
    "gammaln": ([[*POSITIVE, -2.5, -0.5, 1000000.0]], (), special.gammaln),
    "digamma": ([[*POSITIVE, -2.5, -0.5, 1000000.0]], (), special.digamma),
    "polygamma": ([[*POSITIVE, 10000.0]], (1,), lambda x: special.polygamma(1, x)),
    "xlogy": (list(_pairs([0.0, 0.5, 2.0, -3.0], [0.0, 1e-300, 0.1, 1.0, 7.0])), (), special.xlogy),
    "xlog1py": (list(_pairs([0.0, 0.5, 2.0, -3.0], [-1.0, -0.5, 1e-10, 1.0, 7.0])), (), special.xlog1py),
    "gammainc": (list(_pairs([0.1, 1.0, 2.5, 30.0], [0.0, 0.05, 1.0, 3.0, 40.0, inf])), (), special.gammainc),
    "gammaincc": (list(_pairs([0.1, 1.0, 2.5, 30.0], [0.0, 0.05, 1.0, 3.0, 20.0, inf])), (), special.gammaincc),
    # the log tails where the tail underflows (x = 1e-20 and 1e-250, 800) and where the other rounds to 1
    "log_gammainc": (list(_pairs([0.1, 2.5, 30.0], LOG_GAMMAINC_AT)), (), _mp_log_gammainc),
    "log_gammaincc": (list(_pairs([0.1, 2.5, 30.0], LOG_GAMMAINC_AT)), (), lambda a, x: _mp_log_gammainc(a, x, True)),
    "log_betainc": (_triples([0.5, 2.5, 30.0], [0.5, 4.0], LOG_BETAINC_AT), (), _mp_log_betainc),
    "log_betaincc": (
        _triples([0.5, 2.5, 30.0], [0.5, 4.0], LOG_BETAINC_AT),
        (),
        lambda a, b, x: _mp_log_betainc(a, b, x, True),
    ),
    "betaln": (list(_pairs([0.1, 1.0, 2.5, 30.0, 1e4], [0.2, 1.0, 4.0, 80.0, 3e5])), (), _mp_betaln),
    "betainc": (
        _triples([0.2, 1.0, 2.5, 30.0], [0.5, 1.0, 4.0, 80.0], [0.0, 1e-4, 0.1, 0.5, 0.9, 0.999, 1.0]),
        (),
        special.betainc,
    ),
    "betaincc": (
        _triples([0.2, 1.0, 2.5, 30.0], [0.5, 1.0, 4.0, 80.0], [0.0, 1e-4, 0.1, 0.5, 0.9, 0.999, 1.0]),
        (),
        special.betaincc,
    ),
    "betaincinv": (
        _triples([0.2, 1.0, 2.5, 30.0], [0.5, 1.0, 4.0, 80.0], [0.0, 1e-6, 0.1, 0.5, 0.9, 0.999, 1.0]),
        (),
        special.betaincinv,
    ),
    "gammaincinv": (
        list(_pairs([0.1, 1.0, 2.5, 30.0], [0.0, 1e-6, 0.1, 0.5, 0.9, 0.9999, 1.0])),
        (),
        special.gammaincinv,
    ),
    "gammainccinv": (
        list(_pairs([0.1, 1.0, 2.5, 30.0], [0.0, 1e-6, 0.1, 0.5, 0.9, 0.9999, 1.0])),
        (),
        special.gammainccinv,
    ),
    "log1mexp": ([[-1e-20, -1e-6, -0.3, -0.69, -0.7, -2.0, -30.0, -800.0, 0.0, 0.5, -inf]], (), _mp_log1mexp),
    "lgamma_ratio": (list(_pairs([0.3, 2.0, 7.9, 8.1, 40.0, 1e4, 1e7], [-0.2, 0.5, 3.0])), (), _mp_lgamma_ratio),
    "gamma_entropy_term": ([[1e-3, 0.5, 1.0, 3.0, 7.9, 8.1, 40.0, 1e4, 1e7]], (), _mp_gamma_entropy_term),
    "log_i0e": ([[-1e7, -150.0, -3.0, 0.0, 0.5, 20.0, 99.0, 101.0, 1e4, 1e7]], (), _mp_log_i0e),
    "i0": ([[-20.0, -1.5, 0.0, 0.3, 2.0, 15.0, 50.0]], (), special.i0),
    "i0e": ([[-700.0, -20.0, -1.5, 0.0, 0.3, 2.0, 15.0, 700.0]], (), special.i0e),
    "i1": ([[-20.0, -1.5, 0.0, 0.3, 2.0, 15.0, 50.0]], (), special.i1),
    "i1e": ([[-700.0, -20.0, -1.5, 0.0, 0.3, 2.0, 15.0, 700.0]], (), special.i1e),
    "expit": ([[*REAL, -10000.0, 10000.0, inf, -inf]], (), special.expit),
    "logit": ([[0.0, *UNIT, 1.0]], (), special.logit),
    "log_sigmoid": ([[*REAL, -10000.0, 10000.0, -inf, inf]], (), special.log_expit),
    "softplus": ([[*REAL, -10000.0, 10000.0, -inf, inf]], (), lambda x: np.logaddexp(0.0, x)),
    "multigammaln": ([[1.5, 2.0, 3.7, 12.0, 200.0]], (3,), lambda x: np.vectorize(special.multigammaln)(x, 3)),
    "stirlerr": ([STIRLERR_AT], (), _mp_stirlerr),
    "bd0": (list(BD0_AT), (), _mp_bd0),
}
#: functions of a different signature, tested below
SPECIAL_SIGNATURES = {"logsumexp"}

RTOL = {"float32": 2e-5, "float64": 1e-12}
#: where a backend's own algorithm is documented as less accurate than SciPy's, its bound (float32, float64)
LOOSER: dict[tuple[str, str], tuple[float, float]] = {
    ("jax", "gammainc"): (2e-4, 1e-10),
    ("jax", "gammaincc"): (2e-4, 1e-10),
    ("jax", "log_gammainc"): (2e-4, 1e-10),  # the logs inherit it where the tail is above 1e-300
    ("jax", "log_gammaincc"): (2e-4, 1e-10),
    ("jax", "gammaincinv"): (2e-4, 1e-9),  # the inverses inherit the accuracy of the backend's gammainc
    ("jax", "gammainccinv"): (2e-4, 1e-9),
    ("jax", "polygamma"): (1e-4, 1e-11),
    ("torch", "gammainc"): (2e-4, 1e-10),
    ("torch", "gammaincc"): (2e-4, 1e-10),
    ("torch", "log_gammainc"): (2e-4, 1e-10),
    ("torch", "log_gammaincc"): (2e-4, 1e-10),
    ("torch", "gammaincinv"): (2e-4, 1e-9),
    ("torch", "gammainccinv"): (2e-4, 1e-9),
    ("torch", "multigammaln"): (1e-5, 1e-12),
    ("torch", "polygamma"): (1e-4, 1e-9),  # torch's trigamma: a short series, 5e-10 relative at 0.5
}


def test_every_table_entry_is_tested() -> None:
    assert set(CASES) | SPECIAL_SIGNATURES == set(SPECIAL_FUNCTIONS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_special_function_matches_scipy(backend: Backend, dtype: str, name: str) -> None:
    columns, extra, reference = CASES[name]
    host = [np.asarray(c, dtype=dtype) for c in columns]
    arrays = [backend.asarray(h, dtype) for h in host]
    ops = ops_of(arrays[0])
    fn = getattr(ops, name)
    got = fn(*extra, *arrays) if name == "polygamma" else fn(*arrays, *extra)
    assert backend.owns(got), type(got)
    assert backend.dtype_name(got) == dtype
    with np.errstate(all="ignore"):  # SciPy's reference at poles and edges
        expected = np.asarray(reference(*[h.astype(np.float64) for h in host]), dtype=np.float64)
        if dtype == "float32":  # the answer a float32 result can hold (underflow to 0, overflow to inf)
            expected = expected.astype(np.float32).astype(np.float64)
    rtol = RTOL[dtype]
    looser = LOOSER.get((backend.name, name))
    if looser is not None:
        rtol = looser[dtype == "float64"]
    values = backend.to_numpy(got).astype(np.float64)
    # an absolute floor at the dtype's resolution of values of order 1 (near zeros of lgamma, digamma...)
    np.testing.assert_allclose(values, expected, rtol=rtol, atol=rtol, equal_nan=True, err_msg=name)
    # infinities are exact: same sign, same places
    np.testing.assert_array_equal(np.isposinf(values), np.isposinf(expected), err_msg=name)
    np.testing.assert_array_equal(np.isneginf(values), np.isneginf(expected), err_msg=name)


def test_saddle_point_terms_keep_their_relative_accuracy(backend: Backend, dtype: str) -> None:
    """stirlerr and bd0 where their definitions cancel: stirlerr relative to its size from 15 up (the series;
    below, an absolute error at the dtype's resolution of 40), bd0 relative everywhere, also at x = m +- 1e-4
    relative, against mpmath on the dtype-rounded inputs."""
    eps = float(np.finfo(dtype).eps)
    at = np.asarray(STIRLERR_AT, dtype=dtype)
    ops = ops_of(backend.asarray(at, dtype))
    got = backend.to_numpy(ops.stirlerr(backend.asarray(at, dtype))).astype(np.float64)
    expected = _mp_stirlerr(at.astype(np.float64))
    series = at > 15
    np.testing.assert_allclose(got[series], expected[series], rtol=8 * eps, atol=0)
    np.testing.assert_allclose(got[~series], expected[~series], rtol=0, atol=40 * 8 * eps)
    xs, ms = (np.asarray(c, dtype=dtype) for c in BD0_AT)
    xs, ms = np.concatenate([xs, xs]), np.concatenate([ms, xs * (1 + np.where(xs > 5, 1e-4, 0.5))]).astype(dtype)
    got = backend.to_numpy(ops.bd0(backend.asarray(xs, dtype), backend.asarray(ms, dtype))).astype(np.float64)
    expected = _mp_bd0(xs.astype(np.float64), ms.astype(np.float64))
    np.testing.assert_allclose(got, expected, rtol=16 * eps, atol=0)


def test_logsumexp_matches_scipy(backend: Backend, dtype: str) -> None:
    host = np.array([[0.0, 1.0, -2.0], [-inf, -inf, -inf], [-inf, 3.0, 700.0], [1e4, 1e4, -1e4]], dtype=dtype)
    x = backend.asarray(host, dtype)
    ops = ops_of(x)
    for axis in (-1, 0):
        got = backend.to_numpy(ops.logsumexp(x, axis=axis)).astype(np.float64)
        with np.errstate(divide="ignore"):
            expected = special.logsumexp(host.astype(np.float64), axis=axis)
        np.testing.assert_allclose(got, expected, rtol=RTOL[dtype], equal_nan=False)


def test_stable_formulas_do_not_overflow(backend: Backend) -> None:
    """softplus / log_sigmoid / expit at +-1e4 and xlogy(0, 0): finite, exact, and (warnings are errors) silent."""
    x = backend.asarray([-1e4, -50.0, 0.0, 50.0, 1e4])
    ops = ops_of(x)
    np.testing.assert_allclose(backend.to_numpy(ops.softplus(x)), [0.0, np.exp(-50.0), np.log(2.0), 50.0, 1e4])
    np.testing.assert_allclose(backend.to_numpy(ops.log_sigmoid(x)), [-1e4, -50.0, -np.log(2.0), -np.exp(-50.0), 0])
    np.testing.assert_allclose(backend.to_numpy(ops.expit(x)), [0.0, np.exp(-50.0), 0.5, 1.0, 1.0])
    zero = backend.asarray([0.0, 0.0, 1.0])
    y = backend.asarray([0.0, 2.0, 0.0])
    np.testing.assert_array_equal(backend.to_numpy(ops.xlogy(zero, y)), [0.0, 0.0, -inf])
    np.testing.assert_array_equal(backend.to_numpy(ops.xlog1py(zero, y - 1.0)), [0.0, 0.0, -inf])


def test_special_methods_are_bound_from_the_table(backend: Backend) -> None:
    """Every entry is a method of the backend's Ops; a torch/JAX entry naming a function is that function
    (behind the wrappers that compute float16 and bfloat16 in float32, or float32 in float64)."""
    ops = ops_of(backend.asarray([1.0]))
    for name, entry in SPECIAL_FUNCTIONS.items():
        assert callable(getattr(ops, name)), name
        path = getattr(entry, backend.name, None)
        if path not in (None, "own") and backend.name in ("torch", "jax"):
            from arraydist._backend._special import resolve

            target = resolve(backend.lib, path)
            assert inspect.unwrap(getattr(ops, name), stop=lambda f, target=target: f is target) is target, name


def test_log_ndtr_keeps_the_upper_tail(backend: Backend, dtype: str) -> None:
    """log_ndtr where ndtr is 1 - 1e-15 and beyond (jax.scipy's kept 3 digits there: log(ndtr(x)) up to x = 8)
    and in the lower tail (its float64 series was 2e-11 off at -20), relative to SciPy: the issue's target."""
    xs = np.asarray([-30.0, -20.5, -5.0, -0.5, 0.0, 0.5, 3.0, 5.5, 8.2, 9.5], dtype=dtype)
    ops = ops_of(backend.asarray(xs, dtype))
    got = backend.to_numpy(ops.log_ndtr(backend.asarray(xs, dtype))).astype(np.float64)
    rtol = {"float32": 1e-5, "float64": 1e-12}[dtype]
    np.testing.assert_allclose(got, special.log_ndtr(xs.astype(np.float64)), rtol=rtol, atol=0)


# ---------------------------------------------------------------------- torch's normal CDF in the lower tail
def _torch_x(torch: Any, dtype: str) -> Any:
    lowest = -37.5 if dtype == "float64" else -13.0  # where ndtr underflows (to subnormals in float32)
    return torch.linspace(lowest, 8.0, 4001, dtype=getattr(torch, dtype))


def test_torch_ndtr_keeps_the_lower_tail(torch_backend: Backend, dtype: str) -> None:
    """Relative error within a few ulps times the condition number 1 + x**2 of ndtr, down to the underflow
    (torch.special.ndtr is 1.8% off at -8 in float64 and 0 from -9)."""
    torch = torch_backend.lib
    x = _torch_x(torch, dtype)
    got = ops_of(x).ndtr(x).double().numpy()
    xs = x.double().numpy()
    expected = special.ndtr(xs)
    eps = np.finfo(dtype).eps
    tiny = np.finfo(dtype).tiny
    normal = expected > tiny
    rel = np.abs(got[normal] - expected[normal]) / expected[normal]
    assert np.all(rel <= 4 * eps * (1 + xs[normal] ** 2)), rel.max()
    assert normal[0] if dtype == "float64" else got[0] > 0  # the whole range: ndtr(-37.5) is a normal float64


def test_torch_log_ndtr_is_accurate(torch_backend: Backend, dtype: str) -> None:
    torch = torch_backend.lib
    x = torch.cat([_torch_x(torch, dtype), torch.tensor([-100.0, -1e4], dtype=getattr(torch, dtype))])
    got = ops_of(x).log_ndtr(x).double().numpy()
    xs = x.double().numpy()
    expected = special.log_ndtr(xs)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(got, expected, rtol=16 * eps, atol=16 * eps)


@pytest.mark.parametrize("name", ["ndtr", "log_ndtr"])
def test_torch_normal_cdf_gradients_are_the_density(torch_backend: Backend, dtype: str, name: str) -> None:
    torch = torch_backend.lib
    x = _torch_x(torch, dtype).requires_grad_(True)
    y = getattr(ops_of(x), name)(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    xs = x.detach().double().numpy()
    log_pdf = -0.5 * xs**2 - 0.5 * np.log(2 * np.pi)
    expected = np.exp(log_pdf) if name == "ndtr" else np.exp(log_pdf - special.log_ndtr(xs))
    g = grad.double().numpy()
    assert np.all(np.isfinite(g))
    keep = expected > np.finfo(dtype).tiny
    eps = np.finfo(dtype).eps
    rel = np.abs(g[keep] - expected[keep]) / expected[keep]
    assert np.all(rel <= 8 * eps * (1 + xs[keep] ** 2)), rel.max()


def test_log_softmax_softmax_and_take_last(backend: Backend, dtype: str) -> None:
    """Normalized log-probabilities (``-inf`` entries stay ``-inf``, rows sum to 1) and ``x[..., index]``
    element by element with the batch dimensions broadcast, against NumPy."""
    logits = np.array([[0.5, -np.inf, 2.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    index = np.array([[2, 0], [1, 3], [0, 0]])  # (3, 2) against the logits' batch (2,)
    x = backend.asarray(logits, dtype)
    ops = ops_of(x)
    expected = logits - special.logsumexp(logits, axis=-1, keepdims=True)
    got = backend.to_numpy(ops.log_softmax(x))
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert got[0, 1] == -np.inf
    np.testing.assert_allclose(backend.to_numpy(ops.softmax(x)).sum(-1), 1.0, rtol=1e-6)
    taken = backend.to_numpy(ops.take_last(ops.log_softmax(x), backend.asarray(index, "int64")))
    np.testing.assert_allclose(
        taken, np.take_along_axis(np.broadcast_to(expected, (3, 2, 4)), index[..., None], -1)[..., 0], rtol=1e-6
    )
    assert str(ops.index_dtype()).rpartition(".")[2] in ("int64", "int32")
