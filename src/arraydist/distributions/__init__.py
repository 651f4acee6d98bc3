"""The distribution families, one module each."""

from .bernoulli import Bernoulli
from .binomial import Binomial
from .geometric import Geometric
from .independent import Independent
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .poisson import Poisson

__all__ = [
    "Bernoulli",
    "Binomial",
    "Geometric",
    "Independent",
    "MultivariateNormal",
    "NegativeBinomial",
    "Normal",
    "Poisson",
]
