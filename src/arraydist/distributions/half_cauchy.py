"""The half-Cauchy distribution: the absolute value of a centred Cauchy."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from .. import constraints
from ..distribution import Distribution
from ..kl import register_kl
from ..transforms import AbsTransform
from .cauchy import Cauchy
from .transformed_distribution import TransformedDistribution

__all__ = ["HalfCauchy"]

Array = Any
_LOG_2 = math.log(2.0)


class HalfCauchy(TransformedDistribution):
    r"""Half-Cauchy distribution of scale ``scale``: :math:`|X|` for :math:`X` Cauchy of location 0.

    .. math::
        p(x \mid \gamma) = \frac{2}{\pi\gamma\,(1 + (x/\gamma)^2)}, \qquad
        F(x) = \frac2\pi \arctan\frac{x}{\gamma}, \quad x \ge 0

    Args:
        scale: :math:`\gamma > 0`, any shape.
        validate_args: check parameters and values (default: the global switch, on).

    A :class:`TransformedDistribution` of ``Cauchy(0, scale)`` by ``AbsTransform()``, as in
    ``torch.distributions``, with closed forms for the density, the entropy and both tails (the upper one as
    :math:`\tfrac2\pi\operatorname{atan2}(1, x/\gamma)`, relative accuracy kept far out).  The mean and the
    variance are infinite.

    Example:
        >>> import numpy as np
        >>> from arraydist import HalfCauchy
        >>> d = HalfCauchy(np.array([1.0, 2.0]))
        >>> d.log_prob(np.array([1.0, 1.0])).round(4)
        array([-1.1447, -1.3679])
        >>> float(HalfCauchy(1.0).survival_function(1e12))
        6.366197723675813e-13
    """

    arg_constraints = {"scale": constraints.positive}
    _param_ndims: ClassVar[dict[str, int]] = {}  # the parameter lives in base_dist: no leaf of its own
    support = constraints.nonnegative
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        try:
            base = Cauchy(0.0, scale, validate_args=validate_args)
        except (TypeError, ValueError) as e:  # name the class the user built, not only its base
            raise type(e)(f"HalfCauchy: {e}") from None
        super().__init__(base, AbsTransform(), validate_args)

    @property
    def scale(self) -> Array:
        return self.base_dist.scale

    @property
    def mean(self) -> Array:
        """Infinite."""
        return self._ops.xp.full_like(self.scale, math.inf)

    @property
    def mode(self) -> Array:
        return self._ops.xp.zeros_like(self.scale)

    @property
    def variance(self) -> Array:
        """Infinite."""
        return self._ops.xp.full_like(self.scale, math.inf)

    def _rsample_and_log_prob(self, sample_shape: tuple[int, ...], rng: Any) -> tuple[Array, Array]:
        return Distribution._rsample_and_log_prob(self, sample_shape, rng)  # |x| has no log-determinant

    def _log_prob(self, value: Array) -> Array:
        xp = self._ops.xp
        log_p = self.base_dist._log_prob(value) + _LOG_2
        return xp.where(value >= 0, log_p, xp.full_like(log_p, -math.inf))

    def _z(self, value: Array) -> Array:
        xp = self._ops.xp
        z = value / self.scale
        return xp.maximum(z, xp.zeros_like(z))

    def _cdf(self, value: Array) -> Array:
        return self._ops.xp.atan(self._z(value)) * (2.0 / math.pi)

    def _survival_function(self, value: Array) -> Array:
        xp = self._ops.xp
        z = self._z(value)
        return xp.atan2(xp.ones_like(z), z) * (2.0 / math.pi)

    def _log_cdf(self, value: Array) -> Array:
        xp = self._ops.xp
        z = self._z(value)
        lower = z < 1.0  # below the quartile: the CDF itself, above: 1 - the survival function (each <= 1/2)
        small = xp.where(lower, xp.atan(z), xp.atan2(xp.ones_like(z), z)) * (2.0 / math.pi)
        return xp.where(lower, xp.log(small), xp.log1p(-small))

    def _log_survival_function(self, value: Array) -> Array:
        xp = self._ops.xp
        z = self._z(value)
        upper = z > 1.0
        small = xp.where(upper, xp.atan2(xp.ones_like(z), z), xp.atan(z)) * (2.0 / math.pi)
        return xp.where(upper, xp.log(small), xp.log1p(-small))

    def _icdf(self, value: Array) -> Array:
        r""":math:`\gamma\tan(\pi p/2)`, as :math:`\gamma\cot(\pi(1 - p)/2)` above 1/2 (the upper tail from the
        small :math:`1 - p`; ``inf`` at 1)."""
        xp = self._ops.xp
        lower = value <= 0.5
        t = xp.tan((0.5 * math.pi) * xp.where(lower, value, 1.0 - value))
        tiny = float(xp.finfo(t.dtype).smallest_normal)
        upper = xp.where(t > 0, 1.0 / xp.maximum(t, xp.full_like(t, tiny)), xp.full_like(t, math.inf))
        return self.scale * xp.where(lower, t, upper)

    def _repr_params(self) -> list[str]:
        return [f"scale: {self._describe_param(self.scale)}"]

    def entropy(self) -> Array:
        r""":math:`\log 2\pi\gamma`."""
        return self._ops.xp.log((2.0 * math.pi) * self.scale)


@register_kl(HalfCauchy, HalfCauchy)
def _kl_half_cauchy_half_cauchy(p: HalfCauchy, q: HalfCauchy) -> Array:
    r""":math:`\log\left(1 + \frac{(s - 1)^2}{4s}\right)`, :math:`s = \gamma_p/\gamma_q`: that of the two Cauchy
    distributions folded (torch.distributions finds it through the rule of transformed distributions)."""
    t = (p.scale - q.scale) / q.scale  # s - 1, without the rounding of s
    return p._ops.xp.log1p(t * t / (4.0 * (1.0 + t)))
