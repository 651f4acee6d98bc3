"""The inverse gamma distribution: the reciprocal of a gamma variable."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from .. import constraints
from ..transforms import PowerTransform
from ._widening import in_wide_float
from .gamma import Gamma, log_minus_digamma
from .transformed_distribution import TransformedDistribution

__all__ = ["InverseGamma"]

Array = Any
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class InverseGamma(TransformedDistribution):
    r"""Inverse gamma distribution: :math:`1/X` for :math:`X \sim \mathrm{Gamma}(\alpha, \beta)`.

    .. math::
        p(y \mid \alpha, \beta) = \frac{\beta^\alpha}{\Gamma(\alpha)} y^{-\alpha - 1} e^{-\beta / y}, \qquad y > 0

    Args:
        concentration: shape :math:`\alpha > 0`, any shape.
        rate: :math:`\beta > 0` (the scale of :math:`Y`), broadcastable with ``concentration``.
        validate_args: check parameters and values (default: the global switch, on).

    A :class:`TransformedDistribution` of ``Gamma(concentration, rate)`` through ``PowerTransform(-1)``, as in
    torch.distributions (``base_dist``, ``transforms``), with closed forms for the moments (infinite where they
    diverge: the mean for :math:`\alpha \le 1`, the variance for :math:`\alpha \le 2`) and the entropy; the
    CDF is the gamma's survival function at :math:`1/y`.

    Example:
        >>> import numpy as np
        >>> from arraydist import InverseGamma
        >>> d = InverseGamma(np.array([0.5, 3.0]), 2.0)
        >>> d.mean
        array([inf,  1.])
        >>> d.log_prob(np.array([1.0, 1.0])).round(4)
        array([-2.2258, -0.6137])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    # the parameters live in base_dist: this node of the tree holds no arrays of its own
    _param_ndims: ClassVar[dict[str, int]] = {}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        base = Gamma(concentration, rate, validate_args=validate_args)
        super().__init__(base, PowerTransform(-1.0), validate_args=validate_args)

    @property
    def concentration(self) -> Array:
        return self.base_dist.concentration

    @property
    def rate(self) -> Array:
        return self.base_dist.rate

    @property
    @in_wide_float
    def mean(self) -> Array:
        xp, a = self._ops.xp, self.concentration
        return xp.where(a > 1, self.rate / (a - 1), xp.full_like(a, math.inf))

    @property
    @in_wide_float
    def mode(self) -> Array:
        return self.rate / (self.concentration + 1)

    @property
    @in_wide_float
    def variance(self) -> Array:
        xp, a = self._ops.xp, self.concentration
        am1 = a - 1
        return xp.where(a > 2, self.rate * self.rate / (am1 * am1 * (a - 2)), xp.full_like(a, math.inf))

    @in_wide_float
    def entropy(self) -> Array:
        r""":math:`\alpha + \log\beta + \log\Gamma(\alpha) - (1 + \alpha)\psi(\alpha)`, as
        :math:`\operatorname{stirlerr}(\alpha) + \tfrac12\log 2\pi - \tfrac32\log\alpha + (1 + \alpha)
        R(\alpha) + \log\beta` (:math:`R = \log - \psi`): no cancellation of large terms."""
        ops, xp, a = self._ops, self._ops.xp, self.concentration
        return (
            ops.stirlerr(a) + _HALF_LOG_2PI - 1.5 * xp.log(a) + (1 + a) * log_minus_digamma(ops, a) + xp.log(self.rate)
        )

    @in_wide_float
    def _cdf(self, value: Array) -> Array:
        # the gamma's survival function at 1 / y itself: the chain's 1 - F(1 / y) loses the lower tail
        return self.base_dist._survival_function(1 / value)

    @in_wide_float
    def _icdf(self, value: Array) -> Array:
        # the gamma's upper quantile itself: the chain's icdf of 1 - q loses small q
        return self.rate / self._ops.xp.clip(self._ops.gammainccinv(self.concentration, value), min=0.0)

    def _repr_params(self) -> list[str]:
        describe = self._describe_param
        return [f"concentration: {describe(self.concentration)}", f"rate: {describe(self.rate)}"]
