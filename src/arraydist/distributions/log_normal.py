"""The log-normal distribution: the exponential of a normal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from .. import constraints
from ..kl import register_kl
from ..transforms import ExpTransform
from ._widening import in_tail_float
from .normal import Normal, _kl_normal_normal
from .transformed_distribution import TransformedDistribution

__all__ = ["LogNormal"]

Array = Any


class LogNormal(TransformedDistribution):
    r"""Log-normal distribution: :math:`e^X` for :math:`X \sim N(\mu, \sigma^2)`.

    .. math::
        p(x \mid \mu, \sigma) = \frac{1}{x\sigma\sqrt{2\pi}} \exp\left(-\frac{(\log x - \mu)^2}{2\sigma^2}\right),
        \qquad F(x) = \Phi\left(\frac{\log x - \mu}{\sigma}\right), \quad x > 0

    Args:
        loc: :math:`\mu`, the mean of :math:`\log X` (real), any shape.
        scale: :math:`\sigma > 0`, the standard deviation of :math:`\log X`, broadcastable with ``loc``.
        validate_args: check parameters and values (default: the global switch, on).

    A :class:`TransformedDistribution` of ``Normal(loc, scale)`` by ``ExpTransform()``, as in
    ``torch.distributions``, with closed forms for the moments and the entropy; the tails are the normal's
    (``log_cdf`` from ``log_ndtr``: finite and accurate far left).

    Example:
        >>> import numpy as np
        >>> from arraydist import LogNormal
        >>> d = LogNormal(np.array([0.0, 1.0]), 0.5)
        >>> d.log_prob(np.array([1.0, 1.0])).round(4)
        array([-0.2258, -2.2258])
        >>> round(float(LogNormal(0.0, 1.0).log_cdf(1e-20)), 2)
        -1065.13
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    _param_ndims: ClassVar[dict[str, int]] = {}  # the parameters live in base_dist: no leaves of their own
    support = constraints.positive
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        try:
            base = Normal(loc, scale, validate_args=validate_args)
        except (TypeError, ValueError) as e:  # name the class the user built, not only its base
            raise type(e)(f"LogNormal: {e}") from None
        super().__init__(base, ExpTransform(), validate_args)

    @property
    def loc(self) -> Array:
        return self.base_dist.loc

    @property
    def scale(self) -> Array:
        return self.base_dist.scale

    @property
    def mean(self) -> Array:
        return self._ops.xp.exp(self.loc + 0.5 * self.scale * self.scale)

    @property
    def mode(self) -> Array:
        return self._ops.xp.exp(self.loc - self.scale * self.scale)

    @property
    def variance(self) -> Array:
        xp = self._ops.xp
        s2 = self.scale * self.scale
        return xp.expm1(s2) * xp.exp(2.0 * self.loc + s2)

    def _of_log(self, fn: Callable[[Array], Array], value: Array) -> Array:
        """``fn(log value)``; float16 and bfloat16 values are widened to float32 first: ``log x - loc`` cancels,
        and the narrow logarithm's rounding (eps |log x|) would be magnified by ``1 / scale`` (a CDF off by 0.1
        at scale 1e-3)."""
        ops = self._ops
        work = ops.wide_float(self._dtype)
        if work == self._dtype:
            return fn(ops.xp.log(value))
        return ops.cast(fn(ops.xp.log(ops.cast(value, work))), self._dtype)

    def _log_prob(self, value: Array) -> Array:
        return self._of_log(lambda y: self.base_dist._log_prob(y) - y, value)

    @in_tail_float
    def _cdf(self, value: Array) -> Array:
        return self._of_log(self.base_dist._cdf, value)

    @in_tail_float
    def _survival_function(self, value: Array) -> Array:
        return self._of_log(self.base_dist._survival_function, value)

    @in_tail_float
    def _log_cdf(self, value: Array) -> Array:
        return self._of_log(self.base_dist._log_cdf, value)

    @in_tail_float
    def _log_survival_function(self, value: Array) -> Array:
        return self._of_log(self.base_dist._log_survival_function, value)

    def _icdf(self, value: Array) -> Array:
        return self._ops.xp.exp(self.base_dist._icdf(value))

    def _repr_params(self) -> list[str]:
        return [f"loc: {self._describe_param(self.loc)}", f"scale: {self._describe_param(self.scale)}"]

    def entropy(self) -> Array:
        r""":math:`\mu + \tfrac12 + \tfrac12\log 2\pi\sigma^2`."""
        return self.base_dist.entropy() + self.loc


@register_kl(LogNormal, LogNormal)
def _kl_log_normal_log_normal(p: LogNormal, q: LogNormal) -> Array:
    """That of the two normals (a bijection leaves a divergence unchanged; torch.distributions finds it through the
    rule of transformed distributions)."""
    return _kl_normal_normal(p.base_dist, q.base_dist)
