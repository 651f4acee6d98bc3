"""Results that were silently wrong (issue 23's findings), each reproduced on every backend of the suite.

Each test states the wrong result it replaces; the reference is SciPy or the closed form at float64.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import pytest

import arraydist
from arraydist import Binomial, Categorical, Multinomial, Normal, Poisson, kl_divergence
from backends import Backend


@pytest.mark.parametrize(("offset", "dtype"), [(1e30, "float64"), (1e6, "float32"), (3e38, "float32")])
def test_logits_with_a_large_common_offset_keep_their_normalization(
    backend: Backend, offset: float, dtype: str
) -> None:
    """``Categorical(logits=[1e30] * 3).probs`` was [1, 1, 1] on NumPy, Dask and array_api_strict: the log-softmax
    subtracted ``logsumexp``, in which ``m + log(3)`` rounds to ``m``."""
    logits = np.array([[offset, offset, offset], [offset, offset - 1.0 * offset / 1e6, offset]])
    d = Categorical(logits=backend.asarray(logits, dtype))
    probs = backend.to_numpy(d.probs)
    expected = np.exp(logits - logits.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(probs, expected, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-30)
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_log_prob_far_out_is_finite_where_the_truth_is(backend: Backend, dtype: str) -> None:
    """``Normal(0, 1).log_prob(1.5e154)`` was ``-inf`` (``z * z`` overflowed) where the truth is -1.125e308; in
    float32 from 1.9e19 on.  Also through autograd (the torch path that keeps a graph)."""
    far = 1.5e154 if dtype == "float64" else 1.5e19
    x = np.array([far, -far, 0.3])
    expected = -((x / np.sqrt(2.0)) ** 2) - 0.5 * np.log(2 * np.pi)  # -x^2 / 2 without the overflow
    rtol = 4e-7 if dtype == "float32" else 1e-15
    if backend.name == "torch":
        import torch

        loc = torch.zeros(3, dtype=getattr(torch, dtype), device=backend.device, requires_grad=True)
        got = Normal(loc, 1.0).log_prob(backend.asarray(x, dtype))
        np.testing.assert_allclose(got.detach().cpu().numpy(), expected, rtol=rtol)
    got = backend.to_numpy(Normal(backend.asarray(np.zeros(3), dtype), 1.0).log_prob(backend.asarray(x, dtype)))
    assert np.isfinite(got).all(), got
    np.testing.assert_allclose(got, expected, rtol=rtol)


def _mp_kl_trial(p: float, q: float) -> float:
    p, q = mpmath.mpf(p), mpmath.mpf(q)
    return float(p * mpmath.log(p / q) + (1 - p) * mpmath.log((1 - p) / (1 - q)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("family", ["Poisson", "Bernoulli", "Binomial", "Geometric"])
def test_kl_between_nearby_parameters_is_positive_and_right(backend: Backend, family: str, dtype: str) -> None:
    """``kl_divergence(Poisson(float32 1e7), Poisson(float32 1.0001e7))`` was -8.0 (the truth 0.05); Bernoulli,
    Binomial and Geometric were negative likewise: the textbook forms cancel.  Now sums of ``bd0`` deviances.

    The reference is mpmath at the dtype-rounded parameters.  The tolerance is the KL's own conditioning: a KL
    of nearby parameters moves by ``2 eps p / |p - q|`` relatively when a parameter moves by one rounding
    (forming ``1 - p`` costs one), about 1e-2 in float32 at these parameters; Poisson's rates need no ``1 - p``."""
    mpmath.mp.dps = 40
    if family == "Poisson":
        a, b = np.array([1e7, 3.0, 1e-3], dtype), np.array([1.0001e7, 3.0003, 2e-3], dtype)
        expected = [
            float(mpmath.mpf(float(x)) * mpmath.log(mpmath.mpf(float(x)) / mpmath.mpf(float(y))) + float(y) - float(x))
            for x, y in zip(a, b)
        ]
        make = lambda v: Poisson(backend.asarray(v, dtype))  # noqa: E731
        rtol = 1e-5 if dtype == "float32" else 1e-12
    else:
        a, b = np.array([0.3, 0.9, 1e-4], dtype), np.array([0.30001, 0.90002, 1.0001e-4], dtype)
        per_trial = np.array([_mp_kl_trial(float(x), float(y)) for x, y in zip(a, b)])
        scale = {"Bernoulli": 1.0, "Binomial": 100.0, "Geometric": 1.0 / a.astype(np.float64)}[family]
        expected = per_trial * scale
        rtol = 1e-2 if dtype == "float32" else 1e-8
        if family == "Binomial":
            make = lambda v: Binomial(100, backend.asarray(v, dtype))  # noqa: E731
        else:
            make = lambda v: getattr(arraydist, family)(backend.asarray(v, dtype))  # noqa: E731
    got = backend.to_numpy(kl_divergence(make(a), make(b)))
    assert (got > 0).all(), got
    np.testing.assert_allclose(got, expected, rtol=rtol)


def _mp_log_choose_term(successes: float, failures: float, p: Any) -> float:
    k, f = mpmath.mpf(successes), mpmath.mpf(failures)
    choose = mpmath.loggamma(k + f + 1) - mpmath.loggamma(k + 1) - mpmath.loggamma(f + 1)
    return float(choose + k * mpmath.log(p) + f * mpmath.log1p(-p))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("form", ["probs", "logits"])
def test_count_log_masses_keep_their_accuracy_past_the_exact_integers(backend: Backend, form: str, dtype: str) -> None:
    """Binomial's float32 log-mass was 1.3e-4 relative off at n = 1e9 and 3.5e-3 at 1e12 (``n - k`` and ``n p``
    rounded), 3e-3 from logits (``p`` rounded once); NegativeBinomial's 1e-4 at r = 1e12 (``k + r`` rounded); the
    float64 ones 4e-5 at 1e12 (a difference of three lgamma of 2.7e13).  The reference is mpmath at the
    dtype-rounded counts and parameters; 1e-6 relative in float32 (6e-8 per rounding, a few of them), 1e-13 in
    float64, where float64 logits add their own conditioning: ``p`` rounds once (no wider float to take its
    sigmoid in), which moves the log-mass near the mean by about ``eps sqrt(n)``."""
    mpmath.mp.dps = 40
    rtol = 1e-6 if dtype == "float32" else 1e-13
    steps = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    for n in (1e9, 1e12):
        n32 = float(np.asarray(n, dtype))
        if form == "probs":
            p_arg = np.asarray(0.3, dtype)
            p_exact = mpmath.mpf(float(p_arg))
        else:
            p_arg = np.asarray(math.log(0.3 / 0.7), dtype)
            p_exact = 1 / (1 + mpmath.exp(-mpmath.mpf(float(p_arg))))
        param = {form: backend.asarray(p_arg, dtype)}
        tol = rtol + (1e-16 * math.sqrt(n) if (form, dtype) == ("logits", "float64") else 0.0)
        # Binomial(n, p) around its mean
        ks = np.round(np.asarray(n32 * 0.3 + math.sqrt(n32 * 0.21) * steps, dtype))
        got = backend.to_numpy(Binomial(backend.asarray(n32, dtype), **param).log_prob(backend.asarray(ks, dtype)))
        expected = [_mp_log_choose_term(float(k), n32 - float(k), p_exact) for k in ks]
        np.testing.assert_allclose(got, expected, rtol=tol, err_msg=f"Binomial n={n}")
        # NegativeBinomial(r, p): k successes before the r-th failure, around its mean r p / (1 - p)
        mean = n32 * 0.3 / 0.7
        ks = np.round(np.asarray(mean + math.sqrt(mean / 0.7) * steps, dtype))
        nb = arraydist.NegativeBinomial(backend.asarray(n32, dtype), **param)
        got = backend.to_numpy(nb.log_prob(backend.asarray(ks, dtype)))
        r = mpmath.mpf(n32)
        expected = [
            float(
                mpmath.loggamma(mpmath.mpf(float(k)) + r) - mpmath.loggamma(mpmath.mpf(float(k)) + 1)
                - mpmath.loggamma(r) + float(k) * mpmath.log(p_exact) + r * mpmath.log1p(-p_exact)
            )
            for k in ks
        ]  # fmt: skip
        np.testing.assert_allclose(got, expected, rtol=tol, err_msg=f"NegativeBinomial r={n}")


def test_boolean_category_indices_work_on_every_backend(backend: Backend) -> None:
    """Boolean indices are documented for Categorical; on array_api_strict ``log_prob`` of them raised
    ``TypeError: Only real numeric dtypes are allowed in __mod__`` (the standard has no arithmetic on booleans)."""
    d = Categorical(probs=backend.asarray(np.array([0.25, 0.75])))
    got = backend.to_numpy(d.log_prob(backend.asarray(np.array([True, False]), "bool")))
    np.testing.assert_allclose(got, np.log([0.75, 0.25]), rtol=1e-12)


@pytest.mark.parametrize(("count", "dtype"), [(10**400, "float64"), (10**39, "float32")])
def test_a_total_count_past_the_dtype_is_refused_naming_it(eager_backend: Backend, count: int, dtype: str) -> None:
    """``Multinomial(10**400, ...)`` was accepted and failed later with ``OverflowError``."""
    probs = eager_backend.asarray(np.array([0.5, 0.5]), dtype)
    with pytest.raises(ValueError, match=rf"Multinomial: parameter 'total_count' must be at most the largest {dtype}"):
        Multinomial(count, probs=probs)
    big = Multinomial(10**38, probs=probs)  # past int64, inside the dtype: moments are finite
    np.testing.assert_allclose(eager_backend.to_numpy(big.mean), [5e37, 5e37], rtol=1e-6)


# ---------------------------------------------------------------------------------------------- under compilation
def _compiled_cases() -> list[Any]:
    from _matrix import SUBSET
    from cases import CASES

    return [c for c in CASES if c.name in SUBSET and "neutral" not in c.tags]


#: a message inside a compiled function starts with the class it concerns (the case's, or a part's: the Normal
#: inside an Independent)
_NAMES = tuple(n for n in dir(arraydist) if n[:1].isupper()) + tuple(
    {c.dist for c in _compiled_cases()}  # with the registry's unexported classes (ExpRelaxedCategorical)
)


def _poisoned(case: Any, lib_asarray: Any, bad: Any) -> Any:
    """The case's distribution with every array parameter multiplied by ``bad`` (1: valid; NaN: invalid)."""
    return case.build(arraydist, lambda x: lib_asarray(x) * bad)


@pytest.mark.on_backend("jax")
@pytest.mark.parametrize("case", _compiled_cases(), ids=str)
def test_invalid_parameters_are_reported_under_jit_with_checkify(case: Any) -> None:
    """``jax.jit(lambda s: Normal(0., s).log_prob(0.))(-1.)`` was a silent NaN; under ``checkify`` every family
    now reports its invalid parameters with the eager message (without the values)."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    from jax.experimental import checkify

    def asarray(x: Any) -> Any:
        return jnp.asarray(np.asarray(x, np.float64))

    x = _poisoned(case, asarray, 1.0).sample(seed=0)

    def run(bad: Any) -> Any:
        return _poisoned(case, asarray, bad).log_prob(x)

    checked = checkify.checkify(jax.jit(run))
    err, _ = checked(jnp.asarray(1.0))
    assert err.get() is None
    err, _ = checked(jnp.asarray(math.nan))
    assert err.get() is not None and err.get().startswith(_NAMES), err.get()  # the class, or a part's


@pytest.mark.on_backend("torch.compile")
@pytest.mark.parametrize("case", _compiled_cases()[:6], ids=str)
# torch 2.13's inductor lowers the diagonal of a Cholesky factor through its own deprecated check (its warning)
@pytest.mark.filterwarnings("ignore:`torch._prims_common.check` is deprecated:FutureWarning")
def test_invalid_parameters_raise_under_torch_compile(case: Any) -> None:
    """Under ``torch.compile(fullgraph=True)`` validation was off (as in torch.distributions); now the compiled
    program asserts the constraints when it runs: a ``RuntimeError`` with the eager message, no graph break.
    (Six families: a compilation costs seconds; the JAX test above covers every family's checks.)"""
    torch = pytest.importorskip("torch")

    def asarray(x: Any) -> Any:
        return torch.as_tensor(np.asarray(x, np.float64))

    torch._dynamo.reset()  # one lambda per case: without a reset its recompilations add up to dynamo's limit
    x = _poisoned(case, asarray, 1.0).sample(seed=0)
    run = torch.compile(lambda bad: _poisoned(case, asarray, bad).log_prob(x), fullgraph=True)
    assert torch.isfinite(run(torch.tensor(1.0, dtype=torch.float64))).all()
    with pytest.raises(RuntimeError) as raised:
        run(torch.tensor(math.nan, dtype=torch.float64))
    assert str(raised.value).startswith(_NAMES), str(raised.value)
