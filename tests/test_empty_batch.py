"""A batch with a dimension of size zero is a batch like any other: every method gives empty arrays of the
right shape, on every backend (computed, so Dask's chunk functions run too), from ``expand``, slicing and the
constructor alike."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import arraydist
from backends import NUMPY, Backend
from cases import CASES, Case

#: a test per family without a case grows with the catalogue: on NumPy and torch by default, on the other backends
#: in the complement (_matrix.py); the registry test follows the subset rule
pytestmark = pytest.mark.family


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


def _seed(backend: Backend) -> Any:
    return backend.lib.random.key(0) if backend.name == "jax" else 0


def _empty_value(backend: Backend, d: Any, lead: tuple[int, ...]) -> Any:
    """A value of shape ``lead + batch + event`` in the support: an empty draw of ``d`` (of no element)."""
    return d.sample(lead, seed=_seed(backend))


def check_every_method(case: Case, backend: Backend, d: Any, one_event: Any = None) -> None:
    """Call every method ``case`` says ``d`` (a batch of zero members) has; assert each result's shape and library,
    and compute it.  ``one_event``, where given, is a value of the event's shape (broadcast over the batch)."""
    batch, event = d.batch_shape, d.event_shape
    assert math.prod(batch) == 0
    seed = _seed(backend)
    value = _empty_value(backend, d, (2,))
    shapes: dict[str, tuple[tuple[int, ...], Any]] = {
        "sample": ((2, *batch, *event), value),
        "log_prob": ((2, *batch), d.log_prob(value)),
    }
    for moment in case.moments:
        shapes[moment] = ((*batch, *event), getattr(d, moment))
    if one_event is not None:
        shapes["log_prob of one event"] = (batch, d.log_prob(one_event))
    if case.has_rsample:
        shapes["rsample"] = ((3, *batch, *event), d.rsample((3,), seed=seed))
    if case.has_entropy:
        shapes["entropy"] = (batch, d.entropy())
    if case.has_cdf:
        shapes["cdf"] = ((2, *batch), d.cdf(value))
    if case.has_icdf:
        q = backend.asarray(np.full((2, *batch), 0.25), str(d.dtype).rpartition(".")[2])
        shapes["icdf"] = ((2, *batch), d.icdf(q))
    if case.has_enumerate_support and case.enumerates:
        support = d.enumerate_support()
        assert support.shape[1:] == (*batch, *event)
        shapes["enumerate_support"] = (tuple(support.shape), support)
    if case.kl_partner is not None:
        shapes["kl_divergence"] = (batch, arraydist.kl_divergence(d, d))
    for what, (shape, out) in shapes.items():
        # a distribution of Python numbers keeps NumPy unless the value brings another library
        owner = backend if backend.owns(out) or "neutral" not in case.tags else NUMPY
        assert owner.owns(out), what
        assert tuple(out.shape) == shape, (what, tuple(out.shape), shape)
        assert owner.to_numpy(out).shape == shape, what


@pytest.mark.base_machinery
def test_every_case_works_with_an_empty_batch(case: Case, backend: Backend) -> None:
    d = case.build(arraydist, lambda x: backend.asarray(x, "float64"))
    batch = d.batch_shape
    one_event = d.sample(seed=_seed(backend))[(*(0,) * len(batch), ...)]  # an event in the support, of every member
    if "neutral" in case.tags:  # Python numbers: the empty batch takes the backend of the value
        one_event = backend.asarray(np.asarray(one_event))
    empties = {"expand((0,) + batch)": d.expand((0, *batch))}
    if backend.name != "jax":  # the other routes too (on JAX each new shape costs a compilation)
        empties["expand((2, 0) + batch)"] = d.expand((2, 0, *batch))
    if batch and backend.name != "jax":
        empties["[:0]"] = d[:0]
        empties["[..., :0]"] = d[..., :0]
        empties["[:0].expand"] = d[:0].expand((3, 0, *batch[1:]))
    for how, empty in empties.items():
        assert 0 in empty.batch_shape, how
        check_every_method(case, backend, empty, one_event)


#: a distribution of every public family from parameters that are empty arrays (the constructor's route);
#: ``test_every_family_is_built_empty`` fails when a family is missing here
EMPTY_BUILDS = {
    "Normal": lambda z: arraydist.Normal(z((0, 3)), z((0, 3)) + 1.0),
    "MultivariateNormal": lambda z: arraydist.MultivariateNormal(z((0, 2)), covariance_matrix=z((0, 2, 2))),
    "LowRankMultivariateNormal": lambda z: arraydist.LowRankMultivariateNormal(
        z((2, 3)), z((0, 1, 3, 2)), z((3,)) + 1.0
    ),
    "Independent": lambda z: arraydist.Independent(arraydist.Normal(z((4, 0, 2)), 1.0), 1),
    "Bernoulli": lambda z: arraydist.Bernoulli(probs=z((0,))),
    "Categorical": lambda z: arraydist.Categorical(logits=z((0, 4))),
    "OneHotCategorical": lambda z: arraydist.OneHotCategorical(logits=z((3, 0, 4))),
    "OneHotCategoricalStraightThrough": lambda z: arraydist.OneHotCategoricalStraightThrough(probs=z((0, 4)) + 0.25),
    "Multinomial": lambda z: arraydist.Multinomial(5, logits=z((0, 3))),
    "Binomial": lambda z: arraydist.Binomial(z((0,)) + 4.0, probs=z((0,))),
    "Geometric": lambda z: arraydist.Geometric(logits=z((2, 0))),
    "NegativeBinomial": lambda z: arraydist.NegativeBinomial(z((0,)) + 3.0, logits=z((0,))),
    "Poisson": lambda z: arraydist.Poisson(z((0, 2))),
    "TransformedDistribution": lambda z: arraydist.TransformedDistribution(
        arraydist.Normal(z((0, 3)), 1.0), [arraydist.transforms.ExpTransform()]
    ),
    "Uniform": lambda z: arraydist.Uniform(z((0,)), z((0,)) + 1.0),
    "Exponential": lambda z: arraydist.Exponential(z((0, 2)) + 1.0),
    "Gumbel": lambda z: arraydist.Gumbel(z((0,)), z((0,)) + 1.0),
    "Pareto": lambda z: arraydist.Pareto(z((0,)) + 1.0, z((0,)) + 3.0),
    "Weibull": lambda z: arraydist.Weibull(z((0,)) + 1.0, z((0,)) + 2.0),
    "Kumaraswamy": lambda z: arraydist.Kumaraswamy(z((0,)) + 1.0, z((0,)) + 2.0),
    "Laplace": lambda z: arraydist.Laplace(z((0, 3)), z((0, 3)) + 1.0),
    "Cauchy": lambda z: arraydist.Cauchy(z((0,)), z((0,)) + 1.0),
    "HalfCauchy": lambda z: arraydist.HalfCauchy(z((0,)) + 1.0),
    "HalfNormal": lambda z: arraydist.HalfNormal(z((0,)) + 1.0),
    "LogNormal": lambda z: arraydist.LogNormal(z((0,)), z((0,)) + 1.0),
    "ContinuousBernoulli": lambda z: arraydist.ContinuousBernoulli(probs=z((0,)) + 0.3),
    "GeneralizedPareto": lambda z: arraydist.GeneralizedPareto(z((0,)), z((0,)) + 1.0, z((0,)) + 0.1),
    "Gamma": lambda z: arraydist.Gamma(z((0,)) + 2.0, z((0,)) + 1.0),
    "Chi2": lambda z: arraydist.Chi2(z((0,)) + 3.0),
    "InverseGamma": lambda z: arraydist.InverseGamma(z((0,)) + 3.0, z((0,)) + 1.0),
    "Beta": lambda z: arraydist.Beta(z((0,)) + 2.0, z((0,)) + 3.0),
    "Dirichlet": lambda z: arraydist.Dirichlet(z((0, 3)) + 2.0),
    "LogisticNormal": lambda z: arraydist.LogisticNormal(z((0, 2)), z((0, 2)) + 1.0),
    "StudentT": lambda z: arraydist.StudentT(z((0,)) + 3.0),
    "FisherSnedecor": lambda z: arraydist.FisherSnedecor(z((0,)) + 3.0, z((0,)) + 5.0),
    "VonMises": lambda z: arraydist.VonMises(z((0,)), z((0,)) + 1.0),
    "TruncatedNormal": lambda z: arraydist.TruncatedNormal(z((0,)), z((0,)) + 1.0, z((0,)) - 1.0, z((0,)) + 1.0),
    "Truncated": lambda z: arraydist.Truncated(arraydist.Normal(z((0,)), 1.0), low=z((0,)) - 1.0),
    "RelaxedBernoulli": lambda z: arraydist.RelaxedBernoulli(z((0, 1)) + 0.5, probs=z((3,)) + 0.3),
    "RelaxedOneHotCategorical": lambda z: arraydist.RelaxedOneHotCategorical(z((0,)) + 0.5, logits=z((2, 1, 4))),
    "MixtureSameFamily": lambda z: arraydist.MixtureSameFamily(
        arraydist.Categorical(logits=z((0, 3))), arraydist.Normal(z((0, 3)), z((0, 3)) + 1.0)
    ),
    "Wishart": lambda z: arraydist.Wishart(z((0,)) + 3.0, covariance_matrix=z((0, 2, 2)) + 1.0),
    "LKJCholesky": lambda z: arraydist.LKJCholesky(3, z((2, 0)) + 1.5),
}


def test_every_family_is_built_empty() -> None:
    public = {
        name
        for name in arraydist.__all__
        if isinstance(getattr(arraydist, name), type) and issubclass(getattr(arraydist, name), arraydist.Distribution)
    } - {"Distribution"}
    assert public == set(EMPTY_BUILDS)


@pytest.mark.parametrize("family", EMPTY_BUILDS)
def test_the_constructor_takes_empty_parameters(backend: Backend, family: str) -> None:
    d = EMPTY_BUILDS[family](lambda shape: backend.asarray(np.zeros(shape)))
    assert 0 in d.batch_shape
    assert type(d).__name__ == family
    case = next(c for c in CASES if c.dist == family)  # the family's capabilities
    check_every_method(case, backend, d, None)
