"""The half-normal distribution: the absolute value of a centred normal."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from .. import constraints
from ..distribution import Distribution
from ..kl import register_kl
from ..transforms import AbsTransform
from .normal import Normal
from .transformed_distribution import TransformedDistribution

__all__ = ["HalfNormal"]

Array = Any
_LOG_2 = math.log(2.0)
_SQRT_HALF = math.sqrt(0.5)
#: below this t = x / (scale sqrt 2), log erfc(t) is its Taylor series (degree 6: the next term is 5e-16 of the
#: first at t = 0.01); above, log_ndtr(-t sqrt 2) + log 2 (which cancels to nothing where erfc(t) rounds to 1)
_SERIES_BELOW = 0.01
#: the coefficients of t, ..., t^6 in log erfc(t) (mpmath.taylor at 40 digits)
_LOG_ERFC_SERIES = (
    -1.1283791670955126, -0.6366197723675814, -0.10277260330193998, 0.019128447009036476, 0.0002091946403140244,
    -0.0016962059315739659,
)  # fmt: skip


class HalfNormal(TransformedDistribution):
    r"""Half-normal distribution of scale ``scale``: :math:`|X|` for :math:`X \sim N(0, \sigma^2)`.

    .. math::
        p(x \mid \sigma) = \frac{\sqrt2}{\sigma\sqrt\pi} \exp\left(-\frac{x^2}{2\sigma^2}\right), \qquad
        F(x) = \operatorname{erf}\left(\frac{x}{\sigma\sqrt2}\right), \quad x \ge 0

    Args:
        scale: :math:`\sigma > 0`, any shape.
        validate_args: check parameters and values (default: the global switch, on).

    A :class:`TransformedDistribution` of ``Normal(0, scale)`` by ``AbsTransform()``, as in ``torch.distributions``
    (``base_dist``, ``transforms``), with closed forms for the density, the moments, the entropy and both tails:
    ``survival_function`` is :math:`\operatorname{erfc}`, ``log_survival_function`` is
    :math:`\log 2 + \log\Phi(-x/\sigma)` (finite far past where ``erfc`` underflows), ``icdf`` is
    :math:`\sigma\sqrt2 \operatorname{erf}^{-1}(p)` (no rounding of :math:`(1 + p)/2` for small :math:`p`).

    Example:
        >>> import numpy as np
        >>> from arraydist import HalfNormal
        >>> d = HalfNormal(np.array([1.0, 2.0]))
        >>> d.log_prob(np.array([0.5, 0.5])).round(4)
        array([-0.3508, -0.9502])
        >>> round(float(HalfNormal(1.0).log_survival_function(40.0)), 4)
        -803.9153
    """

    arg_constraints = {"scale": constraints.positive}
    _param_ndims: ClassVar[dict[str, int]] = {}  # the parameter lives in base_dist: no leaf of its own
    support = constraints.nonnegative
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        try:
            base = Normal(0.0, scale, validate_args=validate_args)
        except (TypeError, ValueError) as e:  # name the class the user built, not only its base
            raise type(e)(f"HalfNormal: {e}") from None
        super().__init__(base, AbsTransform(), validate_args)

    @property
    def scale(self) -> Array:
        return self.base_dist.scale

    @property
    def mean(self) -> Array:
        return math.sqrt(2.0 / math.pi) * self.scale

    @property
    def mode(self) -> Array:
        return self._ops.xp.zeros_like(self.scale)

    @property
    def variance(self) -> Array:
        return (1.0 - 2.0 / math.pi) * (self.scale * self.scale)

    def _rsample_and_log_prob(self, sample_shape: tuple[int, ...], rng: Any) -> tuple[Array, Array]:
        return Distribution._rsample_and_log_prob(self, sample_shape, rng)  # |x| has no log-determinant

    def _log_prob(self, value: Array) -> Array:
        xp = self._ops.xp
        log_p = self.base_dist._log_prob(value) + _LOG_2
        return xp.where(value >= 0, log_p, xp.full_like(log_p, -math.inf))

    def _t(self, value: Array) -> Array:
        """:math:`x / \\sigma\\sqrt2`, clipped at 0 (values below the support have CDF 0)."""
        xp = self._ops.xp
        t = value / self.scale * _SQRT_HALF
        return xp.maximum(t, xp.zeros_like(t))

    def _cdf(self, value: Array) -> Array:
        return self._ops.erf(self._t(value))

    def _survival_function(self, value: Array) -> Array:
        return self._ops.erfc(self._t(value))

    def _log_cdf(self, value: Array) -> Array:
        ops = self._ops
        xp = ops.xp
        t = self._t(value)
        lower = t < 1.0  # below: the CDF itself, above: 1 - erfc (each side's small number, no log1p(-1))
        return xp.where(lower, xp.log(ops.erf(t)), xp.log1p(-ops.erfc(xp.where(lower, xp.ones_like(t), t))))

    def _log_survival_function(self, value: Array) -> Array:
        ops = self._ops
        xp = ops.xp
        t = self._t(value)
        side = ops.side(t, _SERIES_BELOW)
        if side:
            return ops.log_ndtr(-math.sqrt(2.0) * t) + _LOG_2
        # the series' argument kept below its bound: far above it the polynomial's gradient would overflow
        near_t = t if side is False else xp.clip(t, None, _SERIES_BELOW)
        near = _LOG_ERFC_SERIES[-1] * near_t
        for c in reversed(_LOG_ERFC_SERIES[:-1]):
            near = (near + c) * near_t
        if side is False:
            return near
        return xp.where(t < _SERIES_BELOW, near, ops.log_ndtr(-math.sqrt(2.0) * t) + _LOG_2)

    def _icdf(self, value: Array) -> Array:
        return (math.sqrt(2.0) * self.scale) * self._ops.erfinv(value)

    def _repr_params(self) -> list[str]:
        return [f"scale: {self._describe_param(self.scale)}"]

    def entropy(self) -> Array:
        r""":math:`\tfrac12\log\frac{\pi\sigma^2}{2} + \tfrac12`."""
        return self._ops.xp.log(self.scale) + (0.5 * math.log(0.5 * math.pi) + 0.5)


@register_kl(HalfNormal, HalfNormal)
def _kl_half_normal_half_normal(p: HalfNormal, q: HalfNormal) -> Array:
    r""":math:`\log\frac{\sigma_q}{\sigma_p} + \frac{\sigma_p^2}{2\sigma_q^2} - \tfrac12` (that of the two normals
    folded), as :math:`(t - \log(1 + t)) + t^2/2` of :math:`t = (\sigma_p - \sigma_q)/\sigma_q`: two terms that are
    never negative, so nearby scales give a small positive KL, not a cancellation."""
    t = (p.scale - q.scale) / q.scale
    return (t - p._ops.xp.log1p(t)) + 0.5 * t * t
