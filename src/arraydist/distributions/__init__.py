"""The distribution families, one module each."""

from .bernoulli import Bernoulli
from .independent import Independent
from .multivariate_normal import MultivariateNormal
from .normal import Normal

__all__ = [
    "Bernoulli",
    "Independent",
    "MultivariateNormal",
    "Normal",
]
