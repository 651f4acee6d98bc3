"""The logistic-normal distribution: a normal vector mapped onto the simplex by breaking a stick."""

from __future__ import annotations

from typing import Any, ClassVar

from .. import constraints
from ..distribution import Distribution
from ..transforms import StickBreakingTransform
from ._widening import in_wide_float
from .normal import Normal
from .transformed_distribution import TransformedDistribution

__all__ = ["LogisticNormal"]

Array = Any


class LogisticNormal(TransformedDistribution):
    r"""Logistic-normal distribution on the simplex of :math:`K + 1` entries: :math:`Y = f(X)` for
    :math:`X \sim N(\mu, \operatorname{diag}\sigma^2)` in :math:`\mathbb{R}^K` and :math:`f` the stick-breaking
    bijection (:class:`~arraydist.transforms.StickBreakingTransform`).

    .. math::
        p(y \mid \mu, \sigma) = \prod_{k=1}^{K} \frac{1}{\sigma_k} \varphi\!\left(\frac{x_k - \mu_k}{\sigma_k}\right)
        \Big/ \prod_{j=1}^{K+1} y_j, \qquad x_k = \log\frac{y_k}{\sum_{j > k} y_j} + \log(K + 1 - k)

    (the density of the first :math:`K` entries, as torch.distributions'), with :math:`\varphi` the standard
    normal density.

    Args:
        loc: :math:`\mu`, shape ``(*batch, K)`` (a Python number or 0-d array: :math:`K = 1`).
        scale: :math:`\sigma > 0`, broadcastable with ``loc``.
        validate_args: check parameters and values (default: the global switch, on).

    A :class:`TransformedDistribution` of ``Independent(Normal(loc, scale), 1)`` by ``StickBreakingTransform()``,
    as in torch.distributions: events have :math:`K + 1` entries, and the moments and the entropy have no closed
    form.

    Example:
        >>> import numpy as np
        >>> from arraydist import LogisticNormal
        >>> d = LogisticNormal(np.zeros(2), np.ones(2))
        >>> d.batch_shape, d.event_shape
        ((), (3,))
        >>> round(float(d.log_prob(np.array([1 / 3, 1 / 3, 1 / 3]))), 4)
        1.458
        >>> d.sample((5,), seed=0).sum(-1).round(6)
        array([1., 1., 1., 1., 1.])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    _param_ndims: ClassVar[dict[str, int]] = {}  # the parameters live in base_dist: no leaves of their own
    support = constraints.simplex
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        try:
            base = Normal(loc, scale, validate_args=validate_args)
        except (TypeError, ValueError) as e:  # name the class the user built, not only its base
            raise type(e)(f"LogisticNormal: {e}") from None
        if not base.batch_shape:  # one number: a vector of one entry, as torch.distributions
            base = base.expand((1,))
        super().__init__(base, StickBreakingTransform(), validate_args)

    @property
    def loc(self) -> Array:
        return self.base_dist.base_dist.loc

    @property
    def scale(self) -> Array:
        return self.base_dist.base_dist.scale

    # a distribution on the simplex has no CDF here (torch's neither): the base class's uniform refusal, naming
    # this class, instead of TransformedDistribution's message about a transform that is not univariate
    _cdf = Distribution._cdf
    _log_cdf = Distribution._log_cdf
    _survival_function = Distribution._survival_function
    _log_survival_function = Distribution._log_survival_function
    _icdf = Distribution._icdf

    @in_wide_float
    def _log_prob(self, value: Array) -> Array:
        # in float32 for the narrow floats: the inverse stick breaking's rounding (eps of float16 relative) is
        # magnified by 1 / scale in the normal's density (a log density off by 1 at scale 1e-3)
        return super()._log_prob(value)

    def _repr_params(self) -> list[str]:
        return [f"loc: {self._describe_param(self.loc)}", f"scale: {self._describe_param(self.scale)}"]
