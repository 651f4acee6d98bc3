"""The chi-squared distribution, a gamma distribution of rate 1/2."""

from __future__ import annotations

from typing import Any

from .. import constraints
from .gamma import Gamma

__all__ = ["Chi2"]

Array = Any


class Chi2(Gamma):
    r"""Chi-squared distribution with ``df`` degrees of freedom: ``Gamma(df / 2, 1 / 2)``.

    .. math::
        p(x \mid k) = \frac{x^{k/2 - 1} e^{-x/2}}{2^{k/2}\,\Gamma(k/2)}, \qquad x > 0

    Args:
        df: degrees of freedom :math:`k > 0` (not necessarily an integer), any shape.
        validate_args: check parameters and values (default: the global switch, on).

    Everything else is :class:`Gamma`'s (its KL rules included), with ``concentration = df / 2`` and
    ``rate = 1 / 2``.

    Example:
        >>> import numpy as np
        >>> from arraydist import Chi2
        >>> d = Chi2(np.array([1.0, 4.0]))
        >>> d.mean, d.variance
        (array([1., 4.]), array([2., 8.]))
        >>> float(d.cdf(np.array(3.0))[1].round(4))
        0.4422
    """

    arg_constraints = {"df": constraints.positive}

    df: Array

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        self._init_params({"df": df}, validate_args)

    @property
    def concentration(self) -> Array:  # type: ignore[override]
        return self.df * 0.5

    @property
    def rate(self) -> Array:  # type: ignore[override]
        return self._ops.xp.full_like(self.df, 0.5)
