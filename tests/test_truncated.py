"""What is peculiar to TruncatedNormal and Truncated: the tails against mpmath where both bounds lie far in one
tail (float32 and float64), draws within the bounds there (JAX's ``truncated_normal(5.25, 1e6)`` returns about
1e6, TFP's NaN or draws outside), gradients through infinite bounds held in arrays, the errors, and the generic
``Truncated`` against the closed forms."""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import pytest
from scipy import stats

import arraydist
from arraydist import MultivariateNormal, Normal, Poisson, Truncated, TruncatedNormal, VonMises
from backends import Backend

pytestmark = pytest.mark.family

inf = math.inf
#: (loc, scale, low, high) of members far in one tail: the issue's (5.25, 1e6) and (-40, -30), (30, 40), a bound
#: 93 standard deviations out and an interval 0.1 wide 30 out
FAR = np.array(
    [[0.0, 1.0, 5.25, 1e6], [0.0, 1.0, -40.0, -30.0], [0.0, 1.0, 30.0, 40.0], [-250.0, 3.0, 30.0, 3e4],
     [0.0, 1.0, 30.0, 30.1], [0.3, 2.0, -1.0, 2.0]]
).T  # fmt: skip
#: measured against mpmath (the worst of these members): float32 2e-6 relative, float64 2e-15
TAIL_RTOL = {"float32": 1e-5, "float64": 1e-12}


def _mass(lo: Any, hi: Any) -> Any:
    return mpmath.ncdf(-lo) - mpmath.ncdf(-hi) if lo + hi > 0 else mpmath.ncdf(hi) - mpmath.ncdf(lo)


def _mp_point(loc: float, scale: float, low: float, high: float, x: float) -> tuple[float, float, float]:
    """(log_prob, log_cdf, log_survival_function) at 60 digits."""
    with mpmath.workdps(60):
        loc_, scale_ = mpmath.mpf(loc), mpmath.mpf(scale)
        a, b, z = ((mpmath.mpf(v) - loc_) / scale_ for v in (low, high, x))
        mass = _mass(a, b)
        lp = -(z**2) / 2 - mpmath.log(mpmath.sqrt(2 * mpmath.pi) * scale_ * mass)
        return float(lp), float(mpmath.log(_mass(a, z) / mass)), float(mpmath.log(_mass(z, b) / mass))


def _params(backend: Backend, dtype: str, columns: np.ndarray = FAR) -> list[Any]:
    return [backend.asarray(p, dtype) for p in columns]


def test_tails_match_mpmath_far_in_one_tail(backend: Backend, dtype: str) -> None:
    d = TruncatedNormal(*_params(backend, dtype))
    rounded = FAR.astype(dtype).astype(np.float64)
    loc, scale, low, high = rounded
    # points from the mean out by fractions of the member's spread, within a hair of the bound where the mass is
    mean = backend.to_numpy(d.mean).astype(np.float64)
    spread = np.sqrt(backend.to_numpy(d.variance).astype(np.float64))
    x = (mean + np.array([[-0.999], [-0.9], [-0.3], [0.5], [2.0]]) * spread).astype(dtype).astype(np.float64)
    x = np.clip(x, low, high)
    got = [backend.to_numpy(f(backend.asarray(x, dtype))) for f in (d.log_prob, d.log_cdf, d.log_survival_function)]
    expected = np.vectorize(_mp_point)(loc, scale, low, high, x)
    for name, g, e in zip(("log_prob", "log_cdf", "log_survival_function"), got, expected):
        np.testing.assert_allclose(g, e, rtol=TAIL_RTOL[dtype], atol=TAIL_RTOL[dtype], err_msg=name)
    cdf = backend.to_numpy(d.cdf(backend.asarray(x, dtype)))
    np.testing.assert_allclose(cdf, np.exp(expected[1]), rtol=TAIL_RTOL[dtype], err_msg="cdf")


#: (loc, scale, low, high) of the tails next to a bound: a few ulps inside each, and 30.4565 in (30, 40), where
#: log_cdf is -1e-6
NEAR = np.array([[0.5, 2.0, -1.0, 3.0], [0.0, 1.0, 30.0, 40.0]]).T


def _mp_near(loc: float, scale: float, low: float, high: float, x: float) -> tuple[float, float, float]:
    """(0, log_cdf, log_survival_function) at 60 digits, a mass near 1 as log1p of the other's ratio (-6e-165 a
    few ulps below 40 in (30, 40))."""
    with mpmath.workdps(60):
        loc_, scale_ = mpmath.mpf(loc), mpmath.mpf(scale)
        a, b, z = ((mpmath.mpf(v) - loc_) / scale_ for v in (low, high, x))
        mass = _mass(a, b)
        below, above = _mass(a, z) / mass, _mass(z, b) / mass
        log_cdf = mpmath.log1p(-above) if above < below else mpmath.log(below)
        log_sf = mpmath.log1p(-below) if below < above else mpmath.log(above)
        return 0.0, float(log_cdf), float(log_sf)


@pytest.mark.parametrize("generic", [False, True], ids=["TruncatedNormal", "Truncated"])
def test_tails_next_to_a_bound_against_mpmath(backend: Backend, dtype: str, generic: bool) -> None:
    """A few ulps inside a bound the tails are differences of two rounded values (3 % off in float64 and 4 % in
    float32 before: log_ndtr of each standardized bound, or log_cdf of each bound), and the log of a mass near 1
    is lost in the difference of two logs (log_cdf 0 where it is -1e-6 in (30, 40)): relative accuracy there."""
    params = _params(backend, dtype, NEAR)
    d = Truncated(Normal(params[0], params[1]), params[2], params[3]) if generic else TruncatedNormal(*params)
    loc, scale, low, high = NEAR.astype(dtype).astype(np.float64)
    inner = [np.nextafter(low, high), low, high, high]
    for _ in range(3):
        inner = [np.nextafter(inner[0], high), np.nextafter(inner[0], high), np.nextafter(inner[2], low), high]
    x = np.array([inner[0], inner[2], [-0.999, 30.4565], [2.999, 30.0017]]).astype(dtype).astype(np.float64)
    expected = np.vectorize(_mp_near)(loc, scale, low, high, x)
    # JAX's float64 log_ndtr is 3.5e-13 relative off at -30 (1.6e-10 of the normalizer's log S(30) = -454), which
    # Truncated's integral of a mass next to the bound meets (the table's known miss)
    rtol = 1e-9 if generic and backend.name == "jax" and dtype == "float64" else TAIL_RTOL[dtype]
    for name, col in (("log_cdf", 1), ("log_survival_function", 2)):
        got = backend.to_numpy(getattr(d, name)(backend.asarray(x, dtype))).astype(np.float64)
        np.testing.assert_allclose(got, expected[col], rtol=rtol, err_msg=name)
    got = backend.to_numpy(d.cdf(backend.asarray(x, dtype))).astype(np.float64)
    np.testing.assert_allclose(got, np.exp(expected[1]), rtol=rtol, err_msg="cdf")


def test_moments_match_mpmath_far_in_one_tail(backend: Backend, dtype: str) -> None:
    from cases_truncated import _mp_moments

    d = TruncatedNormal(*_params(backend, dtype))
    expected = np.array([_mp_moments(*p) for p in FAR.astype(dtype).astype(np.float64).T]).T
    # float64: 4e-10 for the variance of the interval 0.1 wide (a difference of terms of 900), 1e-15 elsewhere
    rtol = {"float32": 1e-6, "float64": 1e-9}[dtype]
    for name, got, e in zip(("mean", "variance", "entropy"), (d.mean, d.variance, d.entropy()), expected):
        np.testing.assert_allclose(backend.to_numpy(got), e, rtol=rtol, atol=rtol, err_msg=name)


def test_draws_stay_within_bounds_far_in_one_tail(backend: Backend, dtype: str) -> None:
    d = TruncatedNormal(*_params(backend, dtype))
    x = backend.to_numpy(d.sample((5000,), seed=0)).astype(np.float64)
    low, high = FAR[2:].astype(dtype).astype(np.float64)
    assert np.isfinite(x).all() and (x >= low).all() and (x <= high).all()
    # (5.25, 1e6): 8 standard deviations out has probability Q(8) / Q(5.25) = 8e-9 per draw, not about 1
    assert x[:, 0].max() < 8.0
    # the quantiles against SciPy's, both tails: within 1e-9 of the spread in float64; in float32 loc + scale z
    # rounds at eps |loc| = 5e-4 of the spread of the member 93 standard deviations out (loc -250, scale 3)
    q = np.broadcast_to(np.array([1e-6, 1e-3, 0.5, 0.999, 1 - 1e-6])[:, None], (5, FAR.shape[1]))
    got = backend.to_numpy(d.icdf(backend.asarray(q, dtype))).astype(np.float64)
    loc, scale = FAR[:2].astype(dtype).astype(np.float64)
    expected = stats.truncnorm((low - loc) / scale, (high - loc) / scale, loc, scale).ppf(q.astype(dtype))
    spread = np.sqrt(backend.to_numpy(d.variance).astype(np.float64))
    np.testing.assert_allclose((got - expected) / spread, 0.0, atol={"float32": 3e-3, "float64": 1e-9}[dtype])


def test_gradients_through_infinite_bounds_in_arrays(torch_backend: Backend) -> None:
    torch = pytest.importorskip("torch")
    values = [np.array([0.2, -0.4, 1.5]), np.array([0.5, 1.0, 3.0]), np.array([-inf, 0.5, -1.0])]
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    high = torch.tensor([1.0, inf, inf], dtype=torch.float64)
    d = TruncatedNormal(*leaves, high)
    x = torch.tensor([0.1, 0.9, 2.0], dtype=torch.float64)
    total = d.rsample((5,), seed=3).sum() + d.log_prob(x).sum() + d.cdf(x).sum() + d.log_survival_function(x).sum()
    total = total + (d.mean + d.variance + d.entropy()).sum()
    total.backward()
    for t in leaves:
        assert torch.isfinite(t.grad).all(), t.grad
    # the draws' pathwise derivative in loc and scale against central differences at the same seed
    for i in range(2):
        loc_scale = [leaves[0].detach(), leaves[1].detach()]
        t = loc_scale[i].clone().requires_grad_(True)
        loc_scale[i] = t
        TruncatedNormal(*loc_scale, leaves[2].detach(), high).rsample((5,), seed=3).sum().backward()
        h = 1e-6

        def drawn(shift: float, i: int = i) -> Any:
            moved = [leaves[0].detach().clone(), leaves[1].detach().clone()]
            moved[i] = moved[i] + shift
            return TruncatedNormal(*moved, leaves[2].detach(), high).rsample((5,), seed=3).sum(0)

        numeric = (drawn(h) - drawn(-h)) / (2 * h)
        torch.testing.assert_close(t.grad, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: TruncatedNormal(0.0, 1.0, 2.0, 1.0), r"TruncatedNormal: the parameters must satisfy low < high"),
        (lambda: TruncatedNormal(0.0, 1.0, np.nan, 1.0), r"TruncatedNormal: .*low"),
        (lambda: TruncatedNormal(0.0, -1.0, 0.0, 1.0), r"TruncatedNormal: parameter 'scale' must be positive"),
        (lambda: TruncatedNormal(0.0, 1.0, 0.0, 1.0).log_prob(1.5), r"TruncatedNormal.log_prob: the value must be in"),
        (lambda: Truncated(Poisson(2.0), 1.0, 3.0), r"Truncated: base_dist Poisson is discrete"),
        (lambda: Truncated(VonMises(0.0, 1.0), -1.0, 1.0), r"Truncated: base_dist VonMises has no cdf and no icdf"),
        (lambda: Truncated(MultivariateNormal(np.zeros(2), np.eye(2)), 0.0), r"Truncated: .*event_shape \(2,\)"),
        (lambda: Truncated(Normal(0.0, 1.0), 1.0, -1.0), r"Truncated: the parameters must satisfy low < high"),
        (lambda: Truncated(np.zeros(2), 0.0), r"Truncated: base_dist must be an arraydist Distribution"),
    ],
)
def test_bad_arguments_are_named(build: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_truncated_matches_truncated_normal_with_infinite_bounds_per_member(backend: Backend, dtype: str) -> None:
    loc, scale = np.array([0.2, -0.4, 1.5, 0.0]), np.array([0.5, 1.0, 3.0, 1.0])
    low, high = np.array([-inf, 0.5, -1.0, -inf]), np.array([1.0, inf, 8.0, inf])
    conv = [backend.asarray(p, dtype) for p in (loc, scale, low, high)]
    ours = Truncated(Normal(conv[0], conv[1]), conv[2], conv[3])
    closed = TruncatedNormal(*conv)
    x = closed.sample((7,), seed=1)
    q = backend.asarray(np.linspace(0.05, 0.95, 7)[:, None] * np.ones(4), dtype)
    rtol = {"float32": 2e-5, "float64": 1e-11}[dtype]
    for name in ("log_prob", "cdf", "log_cdf", "log_survival_function", "icdf"):
        arg = q if name == "icdf" else x
        a, b = (backend.to_numpy(getattr(d, name)(arg)).astype(np.float64) for d in (ours, closed))
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol, err_msg=name)
    # one bound given as None, the other as a Python number: the base's batch expanded to the bounds'
    one_sided = Truncated(Normal(conv[0][0], conv[1][0]), high=backend.asarray(np.array([1.0, 2.0]), dtype))
    assert one_sided.batch_shape == (2,) and one_sided.base_dist.batch_shape == (2,)
    assert float(backend.to_numpy(one_sided.low)[0]) == -inf


@pytest.mark.on_backend("jax")
def test_truncated_normal_under_jit() -> None:
    jax = pytest.importorskip("jax")
    params = [jax.numpy.asarray(p) for p in FAR]

    def step(key: Any, loc: Any, scale: Any, low: Any, high: Any) -> tuple[Any, Any, Any]:
        d = TruncatedNormal(loc, scale, low, high, validate_args=False)
        x = d.rsample((50,), seed=key)
        return x, d.log_prob(x), d.entropy()

    x, lp, h = jax.jit(step)(jax.random.key(0), *params)
    d = TruncatedNormal(*params)
    np.testing.assert_allclose(np.asarray(x), np.asarray(d.rsample((50,), seed=jax.random.key(0))), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(lp), np.asarray(d.log_prob(x)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(h), np.asarray(d.entropy()), rtol=1e-12)
    grads = jax.grad(lambda p: step(jax.random.key(1), *p)[0].sum())(params)
    assert all(bool(np.isfinite(np.asarray(g)).all()) for g in grads)


def test_python_numbers_adopt_the_library_of_the_value(torch_backend: Backend) -> None:
    d = Truncated(Normal(0.0, 1.0), -0.5, 2.0)
    x = torch_backend.asarray(np.array([0.0, 1.0]), "float32")
    got = d.log_prob(x)
    assert torch_backend.owns(got) and torch_backend.dtype_name(got) == "float32"
    np.testing.assert_allclose(
        torch_backend.to_numpy(got), np.asarray(TruncatedNormal(0.0, 1.0, -0.5, 2.0).log_prob(np.array([0.0, 1.0]))),
        rtol=1e-6,
    )  # fmt: skip
    assert arraydist.Truncated is Truncated


def test_bounds_of_another_library_convert_a_neutral_or_numpy_base(torch_backend: Backend) -> None:
    low = torch_backend.asarray(np.array([-1.0, 0.5]), "float64")
    for base in (Normal(0.0, 1.0), Normal(np.zeros(2), 1.0)):
        d = Truncated(base, low)
        assert d.backend == "torch" and torch_backend.dtype_name(d.low) == "float64", d
        assert torch_backend.dtype_name(d.base_dist.loc) == "float64"
    jnp = pytest.importorskip("jax.numpy")
    with pytest.raises(TypeError, match="Truncated: low is a jax array but the base"):
        Truncated(Normal(low, 1.0), jnp.zeros(2))
