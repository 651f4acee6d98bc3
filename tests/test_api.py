"""The rest of the contract: Python numbers are backend-neutral, seeds, the KL registry, imports, repr."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import arraydist
from arraydist import Distribution, Independent, MultivariateNormal, Normal, kl_divergence, register_kl
from backends import Backend


def test_python_numbers_adopt_the_backend_they_meet(backend: Backend, dtype: str) -> None:
    d = Normal(0.0, 1.0)
    assert d.backend == "numpy" and d.batch_shape == ()
    x = backend.asarray([0.0, 1.0], dtype)
    lp = d.log_prob(x)
    assert backend.owns(lp)
    assert backend.dtype_name(lp) == dtype
    np.testing.assert_allclose(backend.to_numpy(lp), [-0.9189385332, -1.4189385332], rtol=1e-6)
    assert backend.dtype_name(d.cdf(x)) == dtype
    q = Normal(backend.asarray([0.5, 1.0], dtype), backend.asarray([1.0, 2.0], dtype))
    for kl in (kl_divergence(q, d), kl_divergence(d, q)):
        assert backend.owns(kl)
        assert backend.dtype_name(kl) == dtype
    # the same number on NumPy when nothing else decides
    assert isinstance(d.mean, np.ndarray) and isinstance(d.sample(seed=0), np.ndarray | np.floating)


def test_equal_numbers_share_converted_state_exactly() -> None:
    # Distributions of Python numbers reuse the state of an earlier equal one (found by identity of the numbers,
    # then by their exact bits): never a state of other numbers, another validate_args or another type.
    zero, one = 0.0, 1.0
    first, second = Normal(zero, one), Normal(zero, one)
    assert first is not second and first._neutral and second._neutral
    second.note = "mine"  # instances stay independent objects
    assert not hasattr(Normal(zero, one), "note")
    assert np.signbit(Normal(-0.0, one).loc) and not np.signbit(Normal(zero, one).loc)
    assert Normal(zero, one, validate_args=False)._validate_args is False
    assert Normal(zero, one)._validate_args is True
    assert Normal(np.float64(zero), one).backend == "numpy" and not Normal(np.float64(zero), one)._neutral
    assert Normal(0, 1).loc.dtype == np.float64
    try:
        arraydist.set_default_validate_args(False)
        assert Normal(zero, one)._validate_args is False
    finally:
        arraydist.set_default_validate_args(True)
    assert Normal(zero, one)._validate_args is True
    with pytest.raises(ValueError, match="scale"):
        Normal(zero, -one)


def test_a_shared_prior_meets_each_dtype(torch_backend: Backend) -> None:
    # the conversion of a prior of numbers, kept for the last dtype it met, follows every change of dtype
    torch = torch_backend.lib
    prior = Normal(0.0, 1.0)
    for dtype in (torch.float32, torch.float64, torch.float32, torch.float64):
        q = Normal(torch.zeros(2, dtype=dtype), torch.full((2,), 2.0, dtype=dtype))
        kl = kl_divergence(q, Normal(0.0, 1.0))
        assert kl.dtype == dtype and kl_divergence(q, prior).dtype == dtype
        np.testing.assert_allclose(kl.numpy(), np.log(0.5) + 2.0 - 0.5, rtol=1e-6)
        assert q.log_prob(torch.zeros(2, dtype=dtype)).dtype == dtype


def test_seed_decides_the_backend_of_a_neutral_distribution(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    d = Normal(0.0, 1.0).expand((3,))
    draws = d.sample((2,), seed=torch.Generator().manual_seed(0))
    assert isinstance(draws, torch.Tensor) and draws.shape == (2, 3) and draws.dtype == torch.get_default_dtype()


def test_mixed_python_numbers_and_arrays(backend: Backend, dtype: str) -> None:
    d = Normal(backend.asarray([1.0, 2.0], dtype), 3.0)
    assert d.backend == backend.name and backend.dtype_name(d.scale) == dtype
    assert tuple(d.scale.shape) == (2,)
    mvn = MultivariateNormal([0.0, 0.0], covariance_matrix=backend.asarray(np.eye(2), dtype))
    assert mvn.backend == backend.name and mvn.batch_shape == () and mvn.event_shape == (2,)
    ints = Normal(np.array([1, 2]), 1)
    assert ints.dtype == np.float64


def test_seeds(backend: Backend) -> None:
    d = Normal(backend.asarray(np.zeros(4)), 1.0)
    first = backend.to_numpy(d.sample(seed=7))
    np.testing.assert_array_equal(first, backend.to_numpy(d.sample(seed=7)))
    np.testing.assert_array_equal(first, backend.to_numpy(d.sample(seed=np.int64(7))))
    if backend.name == "torch":
        torch = backend.lib
        gen = torch.Generator(device=backend.device or "cpu").manual_seed(3)
        a, b = d.sample(seed=gen), d.sample(seed=gen)
        assert not torch.equal(a, b)  # a generator advances
        torch.manual_seed(11)
        c = d.sample()
        torch.manual_seed(11)
        torch.testing.assert_close(c, d.sample())  # seed=None is torch's global RNG
    elif backend.name == "jax":
        jax = backend.lib
        key = jax.random.key(3)
        np.testing.assert_array_equal(d.sample(seed=key), d.sample(seed=key))  # keys are values, not state
        k1, k2 = jax.random.split(key)
        assert not np.array_equal(d.sample(seed=k1), d.sample(seed=k2))
        with pytest.raises(ValueError, match=r"JAX has no global random state: pass a key"):
            d.sample()
        with pytest.raises(TypeError, match=r"seed for a jax distribution must be a key"):
            d.sample(seed=np.random.default_rng(0))
    elif backend.name == "mlx":
        mx = backend.lib
        key = mx.random.key(3)
        np.testing.assert_array_equal(d.sample(seed=key), d.sample(seed=key))  # keys are values, not state
        k1, k2 = mx.random.split(key)
        assert not np.array_equal(d.sample(seed=k1), d.sample(seed=k2))
        mx.random.seed(11)
        c = d.sample()
        mx.random.seed(11)
        np.testing.assert_array_equal(c, d.sample())  # seed=None draws from MLX's global generator
        with pytest.raises(TypeError, match=r"seed for a mlx distribution must be None, a key"):
            d.sample(seed=np.random.default_rng(0))
    else:
        # NumPy-style generators: the library's own (numpy.random for NumPy and the array API, dask.array.random,
        # cupy.random); seed=None draws from the library-owned generator, so manual_seed reproduces it
        lib = backend.lib if backend.name in ("dask", "cupy") else np
        gen = lib.random.default_rng(3)
        a, b = d.sample(seed=gen), d.sample(seed=gen)
        assert not np.array_equal(backend.to_numpy(a), backend.to_numpy(b))  # a generator advances
        arraydist.manual_seed(11)
        c = d.sample()
        arraydist.manual_seed(11)
        np.testing.assert_array_equal(backend.to_numpy(c), backend.to_numpy(d.sample()))


def test_every_kl_pair_torch_registers_among_our_classes_is_registered() -> None:
    """torch.distributions' KL registry, read at test time: each pair of its classes that arraydist has (by name) has
    a rule here, exact for the pair (a rule reached only through a base class would compute another divergence)."""
    td = pytest.importorskip("torch.distributions")
    from torch.distributions.kl import _KL_REGISTRY

    ours = {(p.__name__, q.__name__) for (p, q) in arraydist.kl._REGISTRY}
    missing = sorted(
        f"{p.__name__}-{q.__name__}"
        for (p, q) in _KL_REGISTRY
        if hasattr(arraydist, p.__name__) and hasattr(arraydist, q.__name__) and (p.__name__, q.__name__) not in ours
    )
    assert not missing, f"torch.distributions registers KL rules arraydist lacks: {missing}"
    assert len(_KL_REGISTRY) > 50 and td.kl_divergence is not None  # the registry was read, not an empty stand-in


def test_kl_dispatch_picks_the_most_specific_rule() -> None:
    class MyNormal(Normal):
        pass

    p, q = MyNormal(np.zeros(2), 1.0), Normal(np.ones(2), 2.0)
    expected = kl_divergence(Normal(np.zeros(2), 1.0), q)
    np.testing.assert_allclose(kl_divergence(p, q), expected)

    @register_kl(MyNormal, Normal)
    def _kl_mine(p: Normal, q: Normal) -> float:
        return -1.0

    assert kl_divergence(p, q) == -1.0
    assert kl_divergence(q, p) is not None and np.all(kl_divergence(q, q) == 0)

    class Other(Normal):
        pass

    @register_kl(Normal, Other)
    def _kl_other(p: Normal, q: Normal) -> float:
        return -2.0

    with pytest.warns(RuntimeWarning, match="ambiguous KL rules for \\(MyNormal, Other\\)"):
        assert kl_divergence(p, Other(0.0, 1.0)) == -1.0
    with pytest.raises(TypeError, match="register_kl expects Distribution subclasses"):
        register_kl(int, Normal)


def test_import_does_not_load_frameworks() -> None:
    frameworks = ("torch", "jax", "matplotlib", "cupy", "dask")
    code = f"import sys, arraydist; print(sorted(m for m in {frameworks!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_surface() -> None:
    for name in arraydist.__all__:
        assert hasattr(arraydist, name), name
    assert issubclass(Independent, Distribution)
    assert Normal.has_rsample and MultivariateNormal.has_rsample
    assert Independent(Normal(np.zeros(2), 1.0), 1).has_rsample


def test_multivariate_normal_derived_forms_agree(backend: Backend) -> None:
    cov = np.array([[2.0, 0.6, 0.1], [0.6, 1.0, 0.2], [0.1, 0.2, 0.5]])
    loc = backend.asarray(np.zeros(3))
    forms = [
        MultivariateNormal(loc, covariance_matrix=backend.asarray(cov)),
        MultivariateNormal(loc, precision_matrix=backend.asarray(np.linalg.inv(cov))),
        MultivariateNormal(loc, scale_tril=backend.asarray(np.linalg.cholesky(cov))),
    ]
    for d in forms:
        np.testing.assert_allclose(backend.to_numpy(d.covariance_matrix), cov, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(backend.to_numpy(d.precision_matrix), np.linalg.inv(cov), rtol=1e-10)
        np.testing.assert_allclose(backend.to_numpy(d.scale_tril), np.linalg.cholesky(cov), rtol=1e-10, atol=1e-12)


def test_batched_multivariate_normal_is_broadcast_not_copied() -> None:
    d = MultivariateNormal(np.zeros((1000, 2)), covariance_matrix=np.eye(2))
    assert d._unbroadcasted_scale_tril.shape == (2, 2)
    assert d.scale_tril.shape == (1000, 2, 2)
    assert d.scale_tril.strides[0] == 0


def test_no_warnings_in_normal_use(backend: Backend) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = Normal(backend.asarray(np.linspace(-1, 1, 5)), 0.5)
        kl_divergence(d, Normal(0.0, 1.0))
        d.log_prob(d.sample((3,), seed=0))


def test_torch_style_subclasses_work(torch_backend: Backend) -> None:
    """Code written for torch.distributions (attributes + super().__init__, public overrides) runs as is."""
    torch = torch_backend.lib

    class Shifted(Distribution):
        has_rsample = True

        def __init__(self, loc: object, validate_args: bool | None = None) -> None:
            self.loc = loc
            super().__init__(batch_shape=loc.shape, validate_args=validate_args)  # type: ignore[attr-defined]

        def rsample(self, sample_shape: object = ()) -> object:
            return self.loc + torch.randn(tuple(sample_shape) + tuple(self.loc.shape))  # type: ignore[arg-type]

        def log_prob(self, value: object) -> object:
            return -0.5 * (value - self.loc) ** 2  # type: ignore[operator]

    loc = torch.zeros(3, requires_grad=True)
    with pytest.warns(UserWarning, match="Shifted does not define arg_constraints"):
        Shifted(loc)  # as torch.distributions warns: its parameters go unchecked
    Shifted.arg_constraints = {}
    d = Shifted(loc)
    assert d.batch_shape == (3,) and d.backend == "torch" and d.dtype == torch.float32
    draws = d.sample((2,))
    assert draws.shape == (2, 3) and not draws.requires_grad
    assert d.rsample().requires_grad
    torch.testing.assert_close(d.log_prob(torch.ones(3)), torch.full((3,), -0.5))
    assert "Shifted" in repr(d) and "backend=torch" in repr(d)
    with pytest.raises(NotImplementedError, match=r"Shifted does not implement expand \(declare its parameters"):
        d.expand((2, 3))
    with pytest.raises(NotImplementedError, match="Shifted does not implement __getitem__"):
        d[0]
