r"""Transforms: invertible maps with the log-determinants of their Jacobians, torch.distributions' eighteen under
its names, and the ``biject_to`` / ``transform_to`` registries.

The backend of every computation is the input's array library; parameters given as Python numbers are constants
and NumPy parameter arrays are converted to the library of the values they meet.  Every transform and its
``inv`` pickles and copies, and every transform is a JAX pytree.

Example:
    >>> import numpy as np
    >>> from arraydist.transforms import AffineTransform, ComposeTransform, TanhTransform
    >>> t = ComposeTransform([AffineTransform(0.0, 2.0), TanhTransform()])
    >>> x = np.array([0.0, 0.5])
    >>> y = t(x)
    >>> np.allclose(t.inv(y), x)
    True
    >>> t.log_abs_det_jacobian(x, y).shape
    (2,)
"""

from ._base import Transform
from ._compose import ComposeTransform, identity_transform
from ._elementwise import (
    AbsTransform,
    AffineTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
)
from ._matrix import CorrCholeskyTransform, LowerCholeskyTransform, PositiveDefiniteTransform
from ._registry import ConstraintRegistry, biject_to, transform_to
from ._simplex import SoftmaxTransform, StickBreakingTransform
from ._structure import (
    CatTransform,
    CumulativeDistributionTransform,
    IndependentTransform,
    ReshapeTransform,
    StackTransform,
)

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "CatTransform",
    "ComposeTransform",
    "ConstraintRegistry",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "ExpTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StackTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "biject_to",
    "identity_transform",
    "transform_to",
]
