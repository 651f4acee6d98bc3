"""The distribution families, one module each."""

from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .chi2 import Chi2
from .fisher_snedecor import FisherSnedecor
from .gamma import Gamma
from .geometric import Geometric
from .independent import Independent
from .inverse_gamma import InverseGamma
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .student_t import StudentT
from .transformed_distribution import TransformedDistribution

__all__ = [
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Chi2",
    "FisherSnedecor",
    "Gamma",
    "Geometric",
    "Independent",
    "InverseGamma",
    "Multinomial",
    "MultivariateNormal",
    "NegativeBinomial",
    "Normal",
    "OneHotCategorical",
    "OneHotCategoricalStraightThrough",
    "Poisson",
    "StudentT",
    "TransformedDistribution",
]
