"""arraydist: probability distributions with torch.distributions' semantics on any array library.

The backend of a distribution is the array library of its parameters (NumPy, PyTorch, ...); Python numbers
are backend-neutral.  See ``arraydist tour`` for a walk through sample, batch and event shapes.
"""

from . import _backend
from . import constraints
from . import transforms
from ._backend import set_library_seed as manual_seed
from .distribution import Distribution
from .distributions import Bernoulli
from .distributions import Beta
from .distributions import Binomial
from .distributions import Categorical
from .distributions import Cauchy
from .distributions import Chi2
from .distributions import ContinuousBernoulli
from .distributions import Dirichlet
from .distributions import Exponential
from .distributions import FisherSnedecor
from .distributions import Gamma
from .distributions import GeneralizedPareto
from .distributions import Geometric
from .distributions import Gumbel
from .distributions import HalfCauchy
from .distributions import HalfNormal
from .distributions import Independent
from .distributions import InverseGamma
from .distributions import Kumaraswamy
from .distributions import LKJCholesky
from .distributions import Laplace
from .distributions import LogNormal
from .distributions import LogisticNormal
from .distributions import LowRankMultivariateNormal
from .distributions import MixtureSameFamily
from .distributions import Multinomial
from .distributions import MultivariateNormal
from .distributions import NegativeBinomial
from .distributions import Normal
from .distributions import OneHotCategorical
from .distributions import OneHotCategoricalStraightThrough
from .distributions import Pareto
from .distributions import Poisson
from .distributions import RelaxedBernoulli
from .distributions import RelaxedOneHotCategorical
from .distributions import StudentT
from .distributions import TransformedDistribution
from .distributions import Truncated
from .distributions import TruncatedNormal
from .distributions import Uniform
from .distributions import VonMises
from .distributions import Weibull
from .distributions import Wishart
from .explain import Explanation
from .kl import kl_divergence
from .kl import register_kl
from .transforms import biject_to
from .transforms import transform_to

__version__ = "0.1.0"

_backend.load_present_backends()

set_default_validate_args = Distribution.set_default_validate_args
set_default_backend = Distribution.set_default_backend

__all__ = [
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Cauchy",
    "Chi2",
    "ContinuousBernoulli",
    "Dirichlet",
    "Distribution",
    "Explanation",
    "Exponential",
    "FisherSnedecor",
    "Gamma",
    "GeneralizedPareto",
    "Geometric",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "Independent",
    "InverseGamma",
    "Kumaraswamy",
    "LKJCholesky",
    "Laplace",
    "LogNormal",
    "LogisticNormal",
    "LowRankMultivariateNormal",
    "MixtureSameFamily",
    "Multinomial",
    "MultivariateNormal",
    "NegativeBinomial",
    "Normal",
    "OneHotCategorical",
    "OneHotCategoricalStraightThrough",
    "Pareto",
    "Poisson",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
    "StudentT",
    "TransformedDistribution",
    "Truncated",
    "TruncatedNormal",
    "Uniform",
    "VonMises",
    "Weibull",
    "Wishart",
    "__version__",
    "biject_to",
    "constraints",
    "kl_divergence",
    "manual_seed",
    "register_kl",
    "set_default_backend",
    "set_default_validate_args",
    "transform_to",
    "transforms",
]
