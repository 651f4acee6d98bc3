"""Half precision (float16 and bfloat16 on torch and JAX, float16 on NumPy and Dask): every registry case in
those dtypes gives results of that dtype, finite wherever the float64 result is finite and within the dtype's
range, and close to it; never the library's own ``NotImplementedError`` or ``TypeError`` ("cholesky_cpu not
implemented for 'Half'", "array type float16 is unsupported in linalg").

The policy (``docs/architecture.md``): the backend layer computes special functions, factorizations and the
samplers the library lacks in float32 and casts the result back, so no family handles the narrow floats itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraydist
from backends import DASK, JAX, NUMPY, TORCH, Backend
from cases import CASES, Case
from test_conformance import without_validation

#: the methods called on every case that has them
METHODS = ("sample", "rsample", "log_prob", "cdf", "icdf", "entropy", "mean", "variance")
#: each method's error, in units of the dtype's epsilon, relative to max(1, the largest |float64 result|) of the
#: case: the arithmetic around the special functions runs in the narrow dtype, a few roundings per formula
#: (measured on the full matrix: at most 6.1 eps, Multinomial's log-masses in float16; 5.4 in bfloat16)
TOLERANCE_EPS = 16


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


def _library(name: str) -> Backend:
    b = {"numpy": NUMPY, "torch": TORCH, "jax": JAX, "dask": DASK}[name]
    if not b.available():
        pytest.skip(f"needs {b.needs()}")
    return b


def _narrow(b: Backend, x: Any, narrow: str) -> Any:
    """A float64 NumPy value as an array of the library in ``narrow``."""
    x = np.array(x, dtype=np.float64)
    if b.name == "torch":
        return b.lib.as_tensor(x).to(getattr(b.lib, narrow))
    if b.name == "jax":
        jnp = __import__("jax.numpy").numpy
        return jnp.asarray(x).astype(getattr(jnp, narrow))
    with np.errstate(over="ignore"):  # a value beyond float16's range becomes inf, as on the other libraries
        return b.asarray(x, narrow)  # NumPy's and Dask's float16


def _float64(b: Backend, x: Any) -> np.ndarray:
    """An array of the library (any dtype) as float64 NumPy, exactly."""
    if b.name == "torch":
        return x.detach().double().numpy()
    if b.name == "jax":
        return np.asarray(x.astype("float64") if "float" in str(x.dtype) else x, dtype=np.float64)
    return np.asarray(b.to_numpy(x), dtype=np.float64)


def _seed(b: Backend) -> Any:
    if b.name == "torch":
        return b.lib.Generator().manual_seed(3)
    return b.lib.random.key(3) if b.name == "jax" else 3


def _dtype_name(x: Any) -> str:
    return str(x.dtype).rpartition(".")[2]


#: (library, dtype): NumPy (and Dask, CuPy) has no bfloat16
#: JAX's bfloat16 runs under --full-matrix only: JAX computes both narrow floats by the same path (the backend's
#: functions in float32, cast back), which CI runs in float16 on JAX and in bfloat16 on torch for every case; it
#: cost about a minute of the README's run and two of the complement (2026-12-07, 45 families); JAX's float16 runs
#: in the complement (about 45 subset cases, 3 to 9 s each: 3 CPU-minutes of the README's run)
LIBRARY_DTYPES = [
    pytest.param(
        library,
        narrow,
        id=f"{library}-{narrow}",
        marks=[pytest.mark.on_backend(library)]
        + ([pytest.mark.full_matrix_only] if (library, narrow) == ("jax", "bfloat16") else [])
        + ([pytest.mark.complement_only] if (library, narrow) == ("jax", "float16") else []),
    )
    for library, narrow in [
        ("numpy", "float16"),
        ("torch", "float16"),
        ("torch", "bfloat16"),
        ("jax", "float16"),
        ("jax", "bfloat16"),
        ("dask", "float16"),
    ]
]


@pytest.mark.parametrize(("library", "narrow"), LIBRARY_DTYPES)
def test_every_case_in_half_precision(case: Case, library: str, narrow: str) -> None:
    if "neutral" in case.tags:
        pytest.skip("Python numbers: the distribution takes no dtype from its parameters")
    b = _library(library)
    given: list[np.ndarray] = []
    case.build(arraydist, lambda x: given.append(np.asarray(x, dtype=np.float64)) or given[-1])
    rounded = [_float64(b, _narrow(b, x, narrow)) for x in given]
    # a parameter beyond the dtype's range (an overflow to inf) must be refused, naming it
    fits = all(np.all(np.isfinite(r) | ~np.isfinite(x)) for x, r in zip(given, rounded))
    if not fits:
        with pytest.raises(ValueError, match="parameter"):  # when built; on Dask when a draw is computed
            b.to_numpy(case.build(arraydist, lambda x: _narrow(b, x, narrow)).sample(seed=0))
        return
    d = case.build(arraydist, lambda x: _narrow(b, x, narrow))
    assert str(d.dtype).rpartition(".")[2] == narrow
    # the float64 reference: the same case from the parameters rounded to the narrow dtype, on NumPy
    ref = case.build(arraydist, lambda x: _float64(b, _narrow(b, x, narrow)))
    # the narrow draws are checked by the narrow distribution; the float64 reference computes at the same values,
    # which its float64 support can refuse (a simplex point sums to 1, an LKJ factor's rows have norm 1, only to
    # the narrow dtype's rounding)
    ref = without_validation(ref)
    x = d.sample((3,), seed=_seed(b))
    x64 = _float64(b, x)
    q = _narrow(b, np.full(d.batch_shape, 0.3), narrow)
    calls = {
        "sample": lambda dist, v, p: x,
        "rsample": lambda dist, v, p: dist.rsample((3,), seed=_seed(b)),
        "log_prob": lambda dist, v, p: dist.log_prob(v),
        "cdf": lambda dist, v, p: dist.cdf(v),
        "icdf": lambda dist, v, p: dist.icdf(p),
        "entropy": lambda dist, v, p: dist.entropy(),
        "mean": lambda dist, v, p: dist.mean,
        "variance": lambda dist, v, p: dist.variance,
    }
    has = {
        "rsample": case.has_rsample,
        "cdf": case.has_cdf,
        "icdf": case.has_icdf,
        "entropy": case.has_entropy,
        "mean": case.has_moments,
        "variance": case.has_moments,
    }
    eps = float(np.finfo(np.float16).eps) if narrow == "float16" else 2.0**-7
    top = float(np.finfo(np.float16).max) if narrow == "float16" else 3.3e38
    for method in METHODS:
        if not has.get(method, True):
            continue
        fn = calls[method]
        # NumPy warns where a result beyond float16's range becomes inf (a Geometric's variance near p = 0):
        # that inf is the answer, and the comparison below expects it there
        with np.errstate(over="ignore"):
            out = fn(d, x, q)
            got = _float64(b, out)
        expected_dtype = case.sample_dtype if method == "sample" and case.sample_dtype else narrow
        assert _dtype_name(out) == expected_dtype, (method, out.dtype)
        if method in ("sample", "rsample"):
            assert np.all(np.isfinite(got)), method
            continue
        if method == "log_prob" and ref.support is arraydist.constraints.simplex:
            # a draw's K coordinates, each rounded to the narrow dtype, sum to 1 within K eps of that dtype, not
            # of float64: the float64 reference takes the same point without checking it
            want = without_validation(ref).log_prob(x64)
        else:  # at the draws as the library's arithmetic sees them (XLA flushes float32's subnormals)
            want = fn(ref, b.as_computed(x64, narrow) if method == "cdf" else x64, _float64(b, q))
        want = np.broadcast_to(want, got.shape)
        representable = np.isfinite(want) & (np.abs(want) < top)
        if method == "log_prob" and case.dist == "TransformedDistribution":
            # a draw that rounded to +-1, the edge of tanh's range, has the density next to the edge in its own
            # dtype (docs/architecture.md): a point that differs with the dtype, so it is compared elsewhere
            representable &= np.abs(np.broadcast_to(x64, got.shape)) != 1.0
        assert np.all(np.isfinite(got[representable])), (method, got, want)
        scale = max(1.0, float(np.max(np.abs(want[representable]), initial=0.0)))
        err = np.abs(got[representable] - want[representable]) / scale  # no inf - inf (Pareto's, Cauchy's moments)
        assert np.all(err <= TOLERANCE_EPS * eps), (method, float(np.max(err, initial=0.0)) / eps, got, want)
