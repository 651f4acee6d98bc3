"""Bad input gets a clear error naming the parameter, the shape or the constraint, and the value."""

from __future__ import annotations

import numpy as np
import pytest

import arraydist
from arraydist import Independent, MultivariateNormal, Normal
from backends import Backend


@pytest.mark.parametrize(
    ("loc", "scale", "pattern"),
    [
        (0.0, -1.0, r"Normal: parameter 'scale' must be positive \(> 0\).*-1\.0"),
        (0.0, 0.0, r"'scale' must be positive.*shape \(\), .*1 invalid value\(s\): 0\.0"),
        ([0.0, 1.0, 2.0], [1.0, -2.0, 0.0], r"'scale'.*shape \(3,\).*2 invalid value\(s\): -2\.0, 0\.0"),
        (float("nan"), 1.0, r"parameter 'loc' must be real \(not NaN\).*nan"),
        (0.0, float("nan"), r"'scale' must be positive.*nan"),
    ],
)
def test_invalid_normal_parameters(eager_backend: Backend, loc: object, scale: object, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        Normal(eager_backend.asarray(loc), eager_backend.asarray(scale))


def test_python_number_parameters_are_validated_too() -> None:
    with pytest.raises(ValueError, match=r"'scale' must be positive"):
        Normal(0.0, -1.0)


def test_validation_can_be_switched_off_per_instance_and_globally(eager_backend: Backend) -> None:
    d = Normal(eager_backend.asarray(0.0), eager_backend.asarray(-1.0), validate_args=False)
    assert d.batch_shape == ()
    Normal.set_default_validate_args(False)
    try:
        assert Normal(eager_backend.asarray(0.0), eager_backend.asarray(-1.0)).batch_shape == ()
        assert np.isnan(
            eager_backend.to_numpy(Normal(eager_backend.asarray(0.0), 1.0).log_prob(eager_backend.asarray(np.nan)))
        )
        with pytest.raises(ValueError, match="must be positive"):
            Normal(eager_backend.asarray(0.0), eager_backend.asarray(-1.0), validate_args=True)
    finally:
        arraydist.set_default_validate_args(True)
    with pytest.raises(ValueError, match="must be positive"):
        Normal(eager_backend.asarray(0.0), eager_backend.asarray(-1.0))
    with pytest.raises(ValueError, match="True or False"):
        arraydist.set_default_validate_args("yes")  # type: ignore[arg-type]


def test_value_outside_the_support(eager_backend: Backend) -> None:
    d = Normal(eager_backend.asarray([0.0, 1.0]), 1.0)
    with pytest.raises(ValueError, match=r"Normal\.log_prob: the value must be real \(not NaN\).*shape \(2,\)"):
        d.log_prob(eager_backend.asarray([0.5, np.nan]))
    with pytest.raises(ValueError, match=r"Normal\.icdf: the value must be in \[0\.0, 1\.0\].*1\.5"):
        d.icdf(eager_backend.asarray([0.5, 1.5]))


def test_covariance_that_is_not_positive_definite(eager_backend: Backend) -> None:
    not_pd = eager_backend.asarray([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match=r"'covariance_matrix' must be symmetric positive definite.*\(2, 2\)"):
        MultivariateNormal(eager_backend.asarray([0.0, 0.0]), covariance_matrix=not_pd)
    not_symmetric = eager_backend.asarray([[2.0, 0.5], [0.0, 2.0]])
    with pytest.raises(ValueError, match=r"'precision_matrix' must be symmetric positive definite"):
        MultivariateNormal(eager_backend.asarray([0.0, 0.0]), precision_matrix=not_symmetric)
    with pytest.raises(ValueError, match=r"'scale_tril' must be lower triangular with a positive diagonal"):
        MultivariateNormal(eager_backend.asarray([0.0, 0.0]), scale_tril=not_symmetric)
    batch = eager_backend.asarray(np.stack([np.eye(2), [[1.0, 2.0], [2.0, 1.0]]]))
    with pytest.raises(ValueError, match=r"1 invalid event\(s\), the first at batch index \(1,\)"):
        MultivariateNormal(eager_backend.asarray([0.0, 0.0]), covariance_matrix=batch)


def test_covariance_forms_are_exclusive(backend: Backend) -> None:
    eye = backend.asarray(np.eye(2))
    loc = backend.asarray([0.0, 0.0])
    with pytest.raises(ValueError, match=r"exactly one of .*; got covariance_matrix, scale_tril"):
        MultivariateNormal(loc, covariance_matrix=eye, scale_tril=eye)
    with pytest.raises(ValueError, match=r"exactly one of .*; got none"):
        MultivariateNormal(loc)
    # structural errors are raised even without validation
    with pytest.raises(ValueError, match="exactly one of"):
        MultivariateNormal(loc, covariance_matrix=eye, precision_matrix=eye, validate_args=False)


def test_structural_shape_errors_name_the_shapes(backend: Backend) -> None:
    with pytest.raises(ValueError, match=r"loc has shape \(3,\) and covariance_matrix has shape \(2, 2\)"):
        MultivariateNormal(backend.asarray(np.zeros(3)), covariance_matrix=backend.asarray(np.eye(2)))
    with pytest.raises(ValueError, match=r"loc has shape \(\)"):
        MultivariateNormal(backend.asarray(0.0), covariance_matrix=backend.asarray(np.eye(2)), validate_args=False)
    with pytest.raises(ValueError, match=r"batch shapes of the parameters \(loc \(3,\), scale \(2,\)\)"):
        Normal(backend.asarray(np.zeros(3)), backend.asarray(np.ones(2)))
    d = MultivariateNormal(backend.asarray(np.zeros((3, 2))), covariance_matrix=backend.asarray(np.eye(2)))
    for validate in (True, False):
        d = MultivariateNormal(
            backend.asarray(np.zeros((3, 2))), covariance_matrix=backend.asarray(np.eye(2)), validate_args=validate
        )
        with pytest.raises(ValueError, match=r"log_prob: the value has shape \(3, 3\) but the event shape is \(2,\)"):
            d.log_prob(backend.asarray(np.zeros((3, 3))))
        with pytest.raises(ValueError, match=r"value's shape \(4, 2\).*batch_shape \(3,\)"):
            d.log_prob(backend.asarray(np.zeros((4, 2))))


def test_independent_arguments() -> None:
    base = Normal(np.zeros((3, 2)), 1.0)
    with pytest.raises(ValueError, match=r"reinterpreted_batch_ndims=3 exceeds the 2 batch dimension\(s\).*\(3, 2\)"):
        Independent(base, 3)
    with pytest.raises(ValueError, match="must be an int >= 0, got -1"):
        Independent(base, -1)
    with pytest.raises(TypeError, match="base_distribution must be an arraydist Distribution"):
        Independent(np.zeros(3), 1)  # type: ignore[arg-type]


def test_mixing_array_libraries_is_a_type_error(torch_backend: Backend) -> None:
    torch = torch_backend.lib
    d = Normal(np.zeros(3), 1.0)
    with pytest.raises(TypeError, match="parameters are numpy arrays but the value is a torch array"):
        d.log_prob(torch.zeros(3))
    # NumPy beside one other library is taken as Python numbers are; two libraries besides NumPy are an error
    mixed = Normal(np.zeros(3), torch.ones(3, dtype=torch.float64))
    assert mixed.backend == "torch" and mixed.dtype == torch.float64
    jnp = pytest.importorskip("jax.numpy")
    with pytest.raises(TypeError, match="mix arrays of two libraries, torch and jax"):
        Normal(torch.zeros(3), jnp.ones(3))
    with pytest.raises(TypeError, match="p has torch parameters and q has numpy parameters"):
        arraydist.kl_divergence(Normal(torch.zeros(3), 1.0), Normal(np.zeros(3), 1.0))
    with pytest.raises(TypeError, match=r"seed for a numpy distribution must be .*torch\.Generator"):
        d.sample(seed=torch.Generator())
    with pytest.raises(TypeError, match=r"seed for a torch distribution must be .*numpy\.random"):
        Normal(torch.zeros(3), 1.0).sample(seed=np.random.default_rng(0))


def test_unsupported_objects_and_shapes() -> None:
    with pytest.raises(TypeError, match=r"cannot use an object of type builtins\.str as an array"):
        Normal("0", 1.0)
    d = Normal(np.zeros(3), 1.0)
    with pytest.raises(TypeError, match="sample_shape must be"):
        d.sample("abc")
    with pytest.raises(ValueError, match="sample_shape must not have negative sizes"):
        d.sample((-1,))


def test_missing_methods_have_one_uniform_error() -> None:
    mvn = MultivariateNormal(np.zeros(2), covariance_matrix=np.eye(2))
    for call in (lambda: mvn.cdf(np.zeros(2)), lambda: mvn.icdf(np.zeros(2)), lambda: mvn.enumerate_support()):
        with pytest.raises(NotImplementedError, match="MultivariateNormal does not implement"):
            call()
    with pytest.raises(
        NotImplementedError, match="no KL divergence is registered for Normal \\|\\| MultivariateNormal"
    ):
        arraydist.kl_divergence(Normal(0.0, 1.0), mvn)
