"""The distribution families, one module each."""

from .independent import Independent
from .multivariate_normal import MultivariateNormal
from .normal import Normal

__all__ = [
    "Independent",
    "MultivariateNormal",
    "Normal",
]
