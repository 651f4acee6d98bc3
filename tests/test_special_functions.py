"""The special functions of issue 20 at extreme arguments, their gradients, and betainc under torch.compile.

``test_backend_special.py`` checks every table entry on a moderate grid; here ``betainc`` and its inverses at
a, b from 1e-3 to 1e5 and x near 0 and 1, and the stable forms where their definitions cancel, against SciPy in
float64 (exact there: Boost's algorithms) or mpmath, on the dtype-rounded inputs.  The bounds are the accuracy
reached (measured), stated per dtype.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import pytest
from scipy import special

from arraydist._backend import ops_of
from backends import MLX, Backend, on_backends

mpmath.mp.dps = 50

SIZES = [1e-3, 0.5, 1.0, 3.0, 1e3, 1e5]
X_AT = [1e-6, 1e-3, 0.1, 0.5, 0.9, 0.999, 1 - 1e-6]


def _grid(dtype: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = [(a, b, x) for a in SIZES for b in SIZES for x in [*X_AT, a / (a + b)]]  # the centre: slowest to converge
    grid = np.array(rows, dtype=dtype)
    return grid[:, 0], grid[:, 1], grid[:, 2]


def _relative(got: np.ndarray, expected: np.ndarray, dtype: str) -> np.ndarray:
    """Relative errors where the expected value is a normal number of the dtype, else 0 (underflow agrees)."""
    normal = np.abs(expected) >= np.finfo(dtype).tiny
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(normal, np.abs(got - expected) / np.where(normal, np.abs(expected), 1.0), 0.0)


#: measured relative accuracy of betainc over the grid, float32 and float64, where both arguments are >= 1/2
#: (float64: 5e-13 on torch, 1.1e-12 on JAX; float32: 7e-5, lost in the continued fraction's steps at the
#: centre of a = b = 1e5)
BETAINC_RTOL = {"float32": 1e-4, "float64": 2e-12}
#: b (or a) = 1e-3 with x on the far side of the mean: the value is 1 minus the fraction computed on the near
#: side, which is close to 1, so its error is that of the complement (absolute, a few hundred units of the dtype)
BETAINC_ATOL_SMALL = {"float32": 2e-5, "float64": 1e-13}


def test_betainc_at_extreme_arguments(backend: Backend, dtype: str) -> None:
    a, b, x = _grid(dtype)
    ops = ops_of(backend.asarray(a, dtype))
    got = backend.to_numpy(ops.betainc(*(backend.asarray(v, dtype) for v in (a, b, x)))).astype(np.float64)
    expected = special.betainc(a.astype(np.float64), b.astype(np.float64), x.astype(np.float64))
    if dtype == "float32":
        expected = expected.astype(np.float32).astype(np.float64)
    assert np.all(np.isfinite(got)) and np.all((got >= 0) & (got <= 1))
    regular = (a >= 0.5) & (b >= 0.5)
    rel = _relative(got, expected, dtype)
    assert rel[regular].max() <= BETAINC_RTOL[dtype], rel[regular].max()
    tol = BETAINC_RTOL[dtype] * expected + BETAINC_ATOL_SMALL[dtype]
    assert np.all(np.abs(got - expected)[~regular] <= tol[~regular])


def test_betainc_keeps_both_tails(backend: Backend, dtype: str) -> None:
    """I_x(a, b) and betaincc(a, b, x) = 1 - I_x(a, b) each to relative accuracy where small (the discrete
    families' cdf and survival function): the upper tail is never 1 - (something near 1)."""
    a = np.array([5.0, 40.0, 1000.0, 2.0], dtype=dtype)
    b = np.array([300.0, 3.0, 1000.0, 1e4], dtype=dtype)
    x = np.array([0.2, 0.2, 0.45, 0.003], dtype=dtype)
    ops = ops_of(backend.asarray(a, dtype))
    for name in ("betainc", "betaincc"):
        args = (a, b, x)
        got = getattr(ops, name)(*(backend.asarray(v, dtype) for v in args))
        expected = getattr(special, name)(*(v.astype(np.float64) for v in args))
        assert expected.min() < 1e-10  # each call has values far in a tail
        assert _relative(backend.to_numpy(got).astype(np.float64), expected, dtype).max() <= 8 * BETAINC_RTOL[dtype]


@pytest.mark.parametrize("name", ["betaincinv", "gammaincinv", "gammainccinv"])
def test_inverses_at_extreme_arguments(backend: Backend, dtype: str, name: str) -> None:
    """The inverses over y from 1e-20 to 1 - 1e-6 against SciPy's, relative to the condition number of the
    inverse, |y f / (x f')| (the digits x can have given y's rounding), times the forward function's accuracy."""
    ys = [1e-20, 1e-5, 0.3, 0.5, 0.9, 1 - 1e-6] if dtype == "float64" else [1e-20, 1e-5, 0.3, 0.5, 0.9]
    sizes = [0.1, 1.0, 3.0, 1e3] if name == "betaincinv" else [0.1, 1.0, 3.0, 30.0, 1e3, 1e5]
    if name == "betaincinv":
        rows = np.array([(a, b, y) for a in sizes for b in sizes for y in ys], dtype=dtype)
        args = [rows[:, 0], rows[:, 1], rows[:, 2]]
    else:
        rows = np.array([(a, y) for a in sizes for y in ys], dtype=dtype)
        args = [rows[:, 0], rows[:, 1]]
    ops = ops_of(backend.asarray(args[0], dtype))
    got = backend.to_numpy(getattr(ops, name)(*(backend.asarray(v, dtype) for v in args))).astype(np.float64)
    wide = [v.astype(np.float64) for v in args]
    expected = getattr(special, name)(*wide)
    side = np.minimum(wide[-1], 1 - wide[-1])
    with np.errstate(all="ignore"):  # the slope at x = 0 or 1 (rounded ends): an infinite condition number
        if name == "betaincinv":
            log_slope = (wide[0] - 1) * np.log(expected) + (wide[1] - 1) * np.log1p(-expected)
            log_slope = log_slope - special.betaln(*wide[:2])
        else:
            log_slope = (wide[0] - 1) * np.log(expected) - expected - special.gammaln(wide[0])
        condition = side / (expected * np.exp(log_slope))
    condition = np.nan_to_num(condition, nan=1.0, posinf=1e30)
    eps = float(np.finfo(dtype).eps)
    # the forward function's accuracy: torch's and JAX's gammainc are 1e-10 off in float64, JAX's 3e-4 in
    # float32 at a = 1e5
    exact = backend.name in ("numpy", "dask", "array_api_strict")
    forward = {"float32": 4e-5 if exact or name == "betaincinv" else 5e-4, "float64": 1e-12 if exact else 2e-10}
    if dtype == "float32":
        expected = expected.astype(np.float32).astype(np.float64)
    bound = np.maximum(condition, 1.0) * (forward[dtype] + 4 * eps)
    rel = _relative(got, expected, dtype)
    worst = np.argmax(rel / bound)
    assert np.all(rel <= bound), (rows[worst], got[worst], expected[worst], rel[worst], bound[worst])


# ---------------------------------------------------------------------- stable forms where the definitions cancel
def _mp(fn: Any, *columns: np.ndarray) -> np.ndarray:
    return np.array([float(fn(*(mpmath.mpf(float(v)) for v in row))) for row in zip(*columns)])


STABLE = {
    # StudentT's normalizer at df = 2e4, 2e8: lgamma((df + 1) / 2) - lgamma(df / 2)
    "lgamma_ratio": (
        [[1e4, 1e8, 0.7, 12.0, 3e5], [0.5, 0.5, 0.5, -3.5, 0.1]],
        lambda x, d: mpmath.loggamma(x + d) - mpmath.loggamma(x),
    ),
    "betaln": ([[0.5, 1e-3, 3.0, 1e5, 2e4], [1e5, 1e5, 1e7, 1e5, 7.0]], lambda a, b: mpmath.log(mpmath.beta(a, b))),
    "gamma_entropy_term": (
        [[1e7, 1e4, 50.0, 0.3]],
        lambda a: a + mpmath.loggamma(a) + (1 - a) * mpmath.digamma(a),
    ),
    "log_i0e": ([[1e7, 1e5, 120.0, 80.0, 1.0]], lambda x: mpmath.log(mpmath.besseli(0, x)) - x),
    "log1mexp": ([[-1e-30, -1e-8, -0.6931, -0.6932, -5.0, -40.0, -1e3]], lambda x: mpmath.log(-mpmath.expm1(x))),
}


@pytest.mark.parametrize("name", sorted(STABLE))
def test_stable_forms_keep_their_digits(backend: Backend, dtype: str, name: str) -> None:
    columns, reference = STABLE[name]
    host = [np.asarray(c, dtype=dtype) for c in columns]
    ops = ops_of(backend.asarray(host[0], dtype))
    got = backend.to_numpy(getattr(ops, name)(*(backend.asarray(h, dtype) for h in host))).astype(np.float64)
    expected = _mp(reference, *host)
    eps = float(np.finfo(dtype).eps)
    # 64 ulps: the terms of size of the result carry a few roundings each; log1mexp's result can be tiny
    np.testing.assert_allclose(got, expected, rtol=64 * eps, atol=0, err_msg=name)


# ---------------------------------------------------------------------- gradients (torch, JAX)
def _grad(lib: str, fn: Any, args: list[np.ndarray], dtype: str, wrt: tuple[int, ...] = ()) -> list[np.ndarray]:
    """d sum(fn(*args)) / d each argument numbered in ``wrt`` (default: all), on ``lib``."""
    wrt = wrt or tuple(range(len(args)))
    if lib == "torch":
        import torch

        ts = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=i in wrt) for i, a in enumerate(args)]
        out = fn(ops_of(ts[0]), *ts)
        return [g.double().numpy() for g in torch.autograd.grad(out.sum(), [ts[i] for i in wrt])]
    import jax
    import jax.numpy as jnp

    js = [jnp.asarray(a, dtype=dtype) for a in args]
    grads = jax.grad(lambda *v: fn(ops_of(v[0]), *v).sum(), argnums=wrt)(*js)
    return [np.asarray(g, dtype=np.float64) for g in grads]


def _central(fn: Any, args: list[np.ndarray], i: int, h: float = 1e-6) -> np.ndarray:
    up = [a.copy() for a in args]
    down = [a.copy() for a in args]
    step = h * np.maximum(np.abs(args[i]), 1.0)
    up[i] = up[i] + step
    down[i] = down[i] - step
    return (fn(*up) - fn(*down)) / (2 * step)


GRAD_RTOL = {"float32": 2e-3, "float64": 1e-7}  # the references are central differences of SciPy (float64)


@pytest.mark.parametrize("lib", on_backends("torch", "jax"))
def test_betainc_gradients(lib: str, dtype: str) -> None:
    """In x: the density x^(a-1) (1-x)^(b-1) / B(a, b) (exact); in a and b: central differences of SciPy's."""
    pytest.importorskip(lib)
    a = np.array([2.5, 0.5, 30.0, 1e3, 3.0])
    b = np.array([4.0, 3.0, 2.0, 1e3, 0.7])
    x = np.array([0.3, 0.01, 0.9, 0.49, 0.99])
    ga, gb, gx = _grad(lib, lambda ops, a, b, x: ops.betainc(a, b, x), [a, b, x], dtype)
    density = np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - special.betaln(a, b))
    rtol = GRAD_RTOL[dtype]
    np.testing.assert_allclose(gx, density, rtol=rtol)
    np.testing.assert_allclose(ga, _central(special.betainc, [a, b, x], 0), rtol=rtol, atol=1e-9)
    np.testing.assert_allclose(gb, _central(special.betainc, [a, b, x], 1), rtol=rtol, atol=1e-9)


@pytest.mark.parametrize("lib", on_backends("torch", "jax"))
def test_inverse_gradients_are_the_reciprocal_slopes(lib: str, dtype: str) -> None:
    pytest.importorskip(lib)
    a, b, y = np.array([2.5, 0.5, 40.0]), np.array([4.0, 3.0, 2.0]), np.array([0.3, 1e-4, 0.95])
    _, _, gy = _grad(lib, lambda ops, a, b, y: ops.betaincinv(a, b, y), [a, b, y], dtype)
    x = special.betaincinv(a, b, y)
    np.testing.assert_allclose(
        gy, np.exp(special.betaln(a, b) - (a - 1) * np.log(x) - (b - 1) * np.log1p(-x)), rtol=GRAD_RTOL[dtype]
    )
    ga, _, _ = _grad(lib, lambda ops, a, b, y: ops.betaincinv(a, b, y), [a, b, y], dtype)
    np.testing.assert_allclose(ga, _central(special.betaincinv, [a, b, y], 0), rtol=GRAD_RTOL[dtype] * 10)
    for name, sign in (("gammaincinv", 1.0), ("gammainccinv", -1.0)):
        # in y only: torch does not differentiate its gammainc in a (nor, then, these), as torch.special
        (gy,) = _grad(lib, lambda ops, a, y, name=name: getattr(ops, name)(a, y), [a, y], dtype, wrt=(1,))
        x = getattr(special, name)(a, y)
        expected = sign * np.exp(special.gammaln(a) - (a - 1) * np.log(x) + x)
        np.testing.assert_allclose(gy, expected, rtol=GRAD_RTOL[dtype], err_msg=name)


@pytest.mark.parametrize("lib", on_backends("torch", "jax"))
def test_stable_form_gradients(lib: str, dtype: str) -> None:
    """Where the stable forms matter: log_i0e at 1e7 (i1/i0 - 1, from mpmath), gamma_entropy_term at 1e7
    (1 + (1 - a) trigamma(a)), lgamma_ratio (digamma(x + d) - digamma(x)), log1mexp (-1 / expm1(-x))."""
    pytest.importorskip(lib)
    k = np.array([1e7, 500.0, 2.0])
    (g,) = _grad(lib, lambda ops, k: ops.log_i0e(k), [k], dtype)
    expected = [float(mpmath.besseli(1, v) / mpmath.besseli(0, v) - 1) for v in k]
    np.testing.assert_allclose(g, expected, rtol=GRAD_RTOL[dtype])
    a = np.array([1e7, 40.0, 0.5])
    (g,) = _grad(lib, lambda ops, a: ops.gamma_entropy_term(a), [a], dtype)
    np.testing.assert_allclose(g, 1 + (1 - a) * special.polygamma(1, a), rtol=GRAD_RTOL[dtype] * 10)
    x, d = np.array([1e4, 3.0]), np.array([0.5, 2.0])
    gx, gd = _grad(lib, lambda ops, x, d: ops.lgamma_ratio(x, d), [x, d], dtype)
    np.testing.assert_allclose(gd, special.digamma(x + d), rtol=GRAD_RTOL[dtype])
    np.testing.assert_allclose(gx, special.digamma(x + d) - special.digamma(x), rtol=GRAD_RTOL[dtype] * 10)
    t = np.array([-1e-6, -0.5, -0.9, -30.0])
    (g,) = _grad(lib, lambda ops, t: ops.log1mexp(t), [t], dtype)
    np.testing.assert_allclose(g, -1 / np.expm1(-t), rtol=GRAD_RTOL[dtype])


@pytest.mark.slow
@pytest.mark.family  # about 36 s of compiling: in the complement (CI), not in the README's run (_matrix.py)
@pytest.mark.on_backend("torch.compile")
def test_betainc_compiles_whole_under_torch_compile(torch_backend: Backend) -> None:
    """One graph (fullgraph=True): the continued fraction is a scan under the compiler, not 180 unrolled steps."""
    torch = torch_backend.lib
    a, b, x = torch.tensor([2.5, 1e3, 0.5]), torch.tensor([4.0, 1e3, 3.0]), torch.tensor([0.3, 0.49, 0.999])
    ops = ops_of(a)
    compiled = torch.compile(lambda a, b, x: ops.betainc(a, b, x), fullgraph=True)
    got = compiled(a, b, x).double().numpy()
    np.testing.assert_allclose(
        got, special.betainc(a.double().numpy(), b.double().numpy(), x.double().numpy()), rtol=1e-5
    )


# ---------------------------------------------------------------------- MLX's composites of the former host functions
def _mp_gammainc(name: str, a: float, x: float) -> float:
    if x == 0 or math.isinf(x):
        return float((x == 0) == (name == "gammaincc"))
    a_, x_ = mpmath.mpf(a), mpmath.mpf(x)
    upper = name == "gammaincc"
    return float(mpmath.gammainc(a_, x_ if upper else 0, mpmath.inf if upper else x_, regularized=True))


#: measured against mpmath over the grid below: 1.2e-13 in float64 (SciPy's own is 6e-12 off at (3000, 1500));
#: float32 is computed in float64 and rounded once
GAMMAINC_RTOL = {"float32": 6e-8, "float64": 3e-13}


@pytest.mark.parametrize("lib", on_backends("mlx"))
@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_mlx_gammainc_composites_keep_both_tails(lib: str, dtype: str, name: str) -> None:
    """The continued fractions and the small-a series at a from 1e-6 to 1e4, x from 0 to inf (the centre
    x ~ a, x = a + 1 where the fractions switch, and values down to 1e-250), against mpmath."""
    pytest.importorskip("mlx.core")
    rows = [
        (a, x)
        for a in [1e-6, 0.1, 0.49, 1.0, 3.0, 30.5, 1e3, 1e4]
        for x in [
            0.0,
            1e-8,
            0.5,
            1.49,
            a / 2,
            a - math.sqrt(a),
            a,
            a + 0.999,
            a + 1,
            a + 5 * math.sqrt(a),
            5 * a + 10,
            math.inf,
        ]
    ]
    grid = np.array([r for r in rows if r[1] >= 0], dtype=dtype)
    ops = ops_of(MLX.asarray(grid[:, 0], dtype))
    got = np.array(getattr(ops, name)(MLX.asarray(grid[:, 0], dtype), MLX.asarray(grid[:, 1], dtype))).astype(
        np.float64
    )
    expected = np.array([_mp_gammainc(name, float(a), float(x)) for a, x in grid])
    if dtype == "float32":
        expected = expected.astype(np.float32).astype(np.float64)
    assert expected[expected > 0].min() < 1e-30  # far tails are in the grid
    rel = _relative(got, expected, dtype)
    assert rel.max() <= GAMMAINC_RTOL[dtype], grid[np.argmax(rel)]


@pytest.mark.parametrize("lib", on_backends("mlx"))
def test_mlx_ndtri_and_bessel_composites(lib: str, dtype: str) -> None:
    """ndtri (AS 241 and a Newton step) from 1e-300 to 1 - 1e-16, exact ends; i0, i0e, i1, i1e on both sides of
    the switch from the series to the asymptotic expansion (25), against SciPy (Cephes: 1e-16 there)."""
    ops = ops_of(MLX.asarray(np.zeros(1), dtype))
    p = np.array([0.0, 1e-300, 1e-20, 1e-5, 0.0749, 0.075, 0.5, 0.925, 0.93, 1 - 1e-10, 1.0], dtype=dtype)
    x = np.array([0.0, 1e-8, -0.7, 3.0, -24.99, 25.0, 25.01, 80.0, -700.0, 1e5], dtype=dtype)
    eps = float(np.finfo(dtype).eps)
    got = np.array(ops.ndtri(MLX.asarray(p, dtype))).astype(np.float64)
    expected = special.ndtri(p.astype(np.float64))
    assert got[0] == -math.inf and got[-1] == math.inf
    np.testing.assert_allclose(got, expected, rtol=8 * eps)
    for name in ("i0e", "i1e", "i0", "i1"):
        with np.errstate(over="ignore"):  # i0, i1 overflow at 700 in float32 (and at 1e5 in float64): inf both
            expected = getattr(special, name)(x.astype(np.float64)).astype(dtype).astype(np.float64)
        got = np.array(getattr(ops, name)(MLX.asarray(x, dtype))).astype(np.float64)
        finite = np.isfinite(expected)
        assert np.array_equal(got[~finite], expected[~finite]), name
        np.testing.assert_allclose(got[finite], expected[finite], rtol=8 * eps, atol=0, err_msg=name)
