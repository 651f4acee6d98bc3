"""The relaxed Bernoulli (binary Concrete) distribution, and its logit, a logistic."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from .. import constraints
from ..distribution import Distribution, lazy_property
from ..transforms import SigmoidTransform
from .transformed_distribution import TransformedDistribution

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]

Array = Any


class LogitRelaxedBernoulli(Distribution):
    r"""The logit of a :class:`RelaxedBernoulli` draw: :math:`X = (\ell + L) / \tau` for :math:`L` a standard
    logistic noise, i.e. a logistic distribution of location :math:`\ell/\tau` and scale :math:`1/\tau`
    (Maddison et al., 2017, the binary Concrete; Jang et al., 2017).

    .. math::
        \log p(x \mid \tau, \ell) = \log\tau + \log\sigma(d) + \log\sigma(-d), \quad d = \ell - \tau x, \qquad
        F(x) = \sigma(\tau x - \ell)

    Args:
        temperature: :math:`\tau > 0`, broadcastable with ``probs`` or ``logits``.
        probs: the probability :math:`p \in [0, 1]` of the Bernoulli being relaxed (exactly one of ``probs`` and
            ``logits``).
        logits: its log-odds :math:`\ell = \log\frac{p}{1-p}`.
        validate_args: check parameters and values (default: the global switch, on).

    Beyond torch.distributions, whose batch shape is that of ``probs`` alone, ``temperature`` takes part in the
    batch shape; and the logistic's ``cdf``, ``icdf``, tails, moments (mean and mode :math:`\ell/\tau`, variance
    :math:`\pi^2/3\tau^2`) and entropy (:math:`2 - \log\tau`) are given.  Draws take the noise as the logit of
    a uniform on the open interval, and the density is computed from :math:`\log\sigma`, which neither overflows
    nor cancels: at ``probs`` of :math:`10^{-6}` and temperature :math:`10^{-3}` in float32 draws and densities
    are finite.

    Example:
        >>> import numpy as np
        >>> from arraydist.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
        >>> d = LogitRelaxedBernoulli(np.array([0.5, 2.0]), probs=0.25)
        >>> d.batch_shape, d.mean.round(4)
        ((2,), array([-2.1972, -0.5493]))
        >>> d.log_prob(np.array([0.0, 0.0])).round(4)
        array([-2.3671, -0.9808])
    """

    arg_constraints = {
        "temperature": constraints.positive,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    _param_forms = (("probs", "logits"),)
    support = constraints.real
    has_rsample = True

    temperature: Array

    def __init__(
        self, temperature: Any, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        self._init_params({"temperature": temperature, "probs": probs, "logits": logits}, validate_args)

    @lazy_property
    def probs(self) -> Array:
        return self._ops.expit(self.logits)

    @lazy_property
    def logits(self) -> Array:
        return self._ops.logit(self.probs)

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of the parameter given (``probs`` or ``logits``)."""
        return tuple(self.__dict__[self._leaves[1]].shape)

    @property
    def mean(self) -> Array:
        return self.logits / self.temperature

    mode = mean

    @property
    def variance(self) -> Array:
        t = self.temperature
        return (math.pi**2 / 3.0) / (t * t)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        u = ops.uniform(rng, sample_shape + self._batch_shape, self._dtype, self._device)  # open interval
        return (self.logits + ops.logit(u)) / self.temperature

    def _rsample_and_log_prob(self, sample_shape: tuple[int, ...], rng: Any) -> tuple[Array, Array]:
        ops = self._ops
        noise = ops.logit(ops.uniform(rng, sample_shape + self._batch_shape, self._dtype, self._device))
        t = self.temperature
        # d = logits - t x is minus the noise: the density from the noise itself, without t x's rounding
        return (self.logits + noise) / t, ops.xp.log(t) + ops.log_sigmoid(noise) + ops.log_sigmoid(-noise)

    def _d(self, value: Array) -> Array:
        return self.logits - self.temperature * value

    def _log_prob(self, value: Array) -> Array:
        ops = self._ops
        d = self._d(value)
        return ops.xp.log(self.temperature) + ops.log_sigmoid(d) + ops.log_sigmoid(-d)

    def _cdf(self, value: Array) -> Array:
        return self._ops.expit(-self._d(value))

    def _survival_function(self, value: Array) -> Array:
        return self._ops.expit(self._d(value))

    def _log_cdf(self, value: Array) -> Array:
        return self._ops.log_sigmoid(-self._d(value))

    def _log_survival_function(self, value: Array) -> Array:
        return self._ops.log_sigmoid(self._d(value))

    def _icdf(self, value: Array) -> Array:
        return (self.logits + self._ops.logit(value)) / self.temperature

    def entropy(self) -> Array:
        r""":math:`2 - \log\tau` (the logistic's, :math:`\log s + 2` at scale :math:`s = 1/\tau`)."""
        return 2.0 - self._ops.xp.log(self.temperature)


class RelaxedBernoulli(TransformedDistribution):
    r"""Relaxed Bernoulli (binary Concrete) distribution on :math:`(0, 1)`: :math:`Y = \sigma(X)` for
    :math:`X \sim` :class:`LogitRelaxedBernoulli`, a reparameterizable relaxation of ``Bernoulli(probs)`` that
    approaches it as the temperature goes to 0.

    .. math::
        p(y \mid \tau, \ell) = \frac{\tau\, e^{\ell}\, y^{-\tau-1} (1-y)^{-\tau-1}}
            {\left(e^{\ell} y^{-\tau} + (1-y)^{-\tau}\right)^2}, \qquad
        F(y) = \sigma\left(\tau \operatorname{logit} y - \ell\right)

    Args:
        temperature: :math:`\tau > 0`, broadcastable with ``probs`` or ``logits``.
        probs: :math:`p \in [0, 1]` (exactly one of ``probs`` and ``logits``).
        logits: :math:`\ell = \log\frac{p}{1-p}`.
        validate_args: check parameters and values (default: the global switch, on).

    A :class:`TransformedDistribution` of ``LogitRelaxedBernoulli(temperature, probs, logits)`` by
    ``SigmoidTransform()``, as in torch.distributions; ``cdf``, ``icdf`` and the tails come through the
    monotone chain, and there are no closed-form moments or entropy.  Draws stay inside :math:`(0, 1)` in
    every dtype: the sigmoid clips to the smallest normal number and to the largest number below 1 (at
    temperature 0.1 and probs 1/2, one float32 draw in six would round to 1).
    ``rsample_and_log_prob`` gives the density of the draw before that rounding.

    Example:
        >>> import numpy as np
        >>> from arraydist import RelaxedBernoulli
        >>> d = RelaxedBernoulli(np.array([0.5, 2.0]), probs=np.array([0.25, 0.9]))
        >>> d.log_prob(np.array([0.5, 0.5])).round(4)
        array([-0.9808, -0.3285])
        >>> y = RelaxedBernoulli(np.float32(0.01), probs=np.float32(0.5)).sample((1000,), seed=0)
        >>> bool(((y > 0) & (y < 1)).all())
        True
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    _param_ndims: ClassVar[dict[str, int]] = {}  # the parameters live in base_dist: no leaves of their own
    support = constraints.unit_interval
    has_rsample = True  # type: ignore[assignment]

    base_dist: LogitRelaxedBernoulli

    def __init__(
        self, temperature: Any, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        try:
            base = LogitRelaxedBernoulli(temperature, probs, logits, validate_args=validate_args)
        except (TypeError, ValueError) as e:  # name the class the user built, not only its base
            raise type(e)(f"RelaxedBernoulli: {e}") from None
        super().__init__(base, SigmoidTransform(), validate_args)

    @property
    def temperature(self) -> Array:
        return self.base_dist.temperature

    @property
    def probs(self) -> Array:
        return self.base_dist.probs

    @property
    def logits(self) -> Array:
        return self.base_dist.logits

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self.base_dist.param_shape

    def _repr_params(self) -> list[str]:
        form = self.base_dist._leaves[1]
        return [
            f"temperature: {self._describe_param(self.temperature)}",
            f"{form}: {self._describe_param(getattr(self, form))}",
        ]
