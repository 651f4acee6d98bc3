"""The distribution families, one module each."""

from .bernoulli import Bernoulli
from .binomial import Binomial
from .categorical import Categorical
from .exponential import Exponential
from .geometric import Geometric
from .gumbel import Gumbel
from .independent import Independent
from .kumaraswamy import Kumaraswamy
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .pareto import Pareto
from .poisson import Poisson
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform
from .weibull import Weibull

__all__ = [
    "Bernoulli",
    "Binomial",
    "Categorical",
    "Exponential",
    "Geometric",
    "Gumbel",
    "Independent",
    "Kumaraswamy",
    "Multinomial",
    "MultivariateNormal",
    "NegativeBinomial",
    "Normal",
    "OneHotCategorical",
    "OneHotCategoricalStraightThrough",
    "Pareto",
    "Poisson",
    "TransformedDistribution",
    "Uniform",
    "Weibull",
]
