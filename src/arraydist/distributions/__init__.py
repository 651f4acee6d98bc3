"""The distribution families, one module each."""

from .bernoulli import Bernoulli
from .categorical import Categorical
from .independent import Independent
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough

__all__ = [
    "Bernoulli",
    "Categorical",
    "Independent",
    "Multinomial",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "OneHotCategoricalStraightThrough",
]
