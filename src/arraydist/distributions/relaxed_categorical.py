"""The relaxed one-hot categorical (Concrete, Gumbel-softmax) distribution, and its logarithm."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from .. import constraints
from ..distribution import Distribution, lazy_property
from ..transforms import ExpTransform
from ..transforms._elementwise import open_unit
from .categorical import normalized
from .transformed_distribution import TransformedDistribution

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]

Array = Any


class ExpRelaxedCategorical(Distribution):
    r"""The logarithm of a :class:`RelaxedOneHotCategorical` draw (the ExpConcrete of Maddison et al., 2017):
    :math:`X = \operatorname{log\_softmax}((\ell + G) / \tau)` for :math:`G` iid standard Gumbel noises.

    .. math::
        \log p(x \mid \tau, \ell) = \log (K-1)! + (K-1)\log\tau
            + \sum_{k=1}^{K} \left(s_k - \log\sum_{j=1}^{K} e^{s_j}\right), \quad s = \ell - \tau x

    a density on the :math:`(K-1)`-dimensional set :math:`\{x : \log\sum_k e^{x_k} = 0\}`, with respect to the
    Lebesgue measure of :math:`K - 1` of the coordinates.

    Args:
        temperature: :math:`\tau > 0`, broadcastable with the batch shape of ``probs`` or ``logits``.
        probs: non-negative weights of shape ``batch_shape + (K,)``, normalized over the last axis (exactly one
            of ``probs`` and ``logits``).
        logits: unnormalized log-probabilities of the same shape, normalized to ``logits - logsumexp(logits)``.
        validate_args: check parameters and values (default: the global switch, on).

    ``event_shape`` is ``(K,)``.  Kept in log space, draws neither underflow nor lose the small coordinates
    at low temperature (where their exponentials are below every dtype's smallest number).  Not exported at
    the top level, as in torch.distributions: ``from arraydist.distributions.relaxed_categorical import
    ExpRelaxedCategorical``.

    Example:
        >>> import numpy as np
        >>> from arraydist.distributions.relaxed_categorical import ExpRelaxedCategorical
        >>> d = ExpRelaxedCategorical(np.array([0.5, 1.0]), probs=np.array([0.2, 0.3, 0.5]))
        >>> d.batch_shape, d.event_shape
        ((2,), (3,))
        >>> d.log_prob(np.log(np.array([0.25, 0.25, 0.5]))).round(4)
        array([-4.0712, -2.6435])
    """

    arg_constraints = {
        "temperature": constraints.positive,
        "probs": constraints.simplex,
        "logits": constraints.real_vector,
    }
    _param_forms = (("probs", "logits"),)
    _infinite_params = frozenset({"logits"})
    _post_init_checks = frozenset({"probs", "logits"})  # the given values are checked by ``normalized``
    support = constraints.real_vector  # the draws lie on a submanifold of it (log-sum-exp 0)
    has_rsample = True

    temperature: Array

    def __init__(
        self, temperature: Any, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        self._init_params({"temperature": temperature, "probs": probs, "logits": logits}, validate_args)

    _canonical = normalized

    def _event_shape_from(self, params: dict[str, Array]) -> tuple[int, ...]:
        form = "logits" if "logits" in params else "probs"
        k = int(params[form].shape[-1])
        if k == 0:
            raise ValueError(f"{type(self).__name__}: {form} must have at least one category")
        return (k,)

    @lazy_property
    def probs(self) -> Array:
        return self._ops.xp.exp(self.logits)  # the logits are normalized

    @lazy_property
    def logits(self) -> Array:
        probs = self.probs
        return self._ops.xlogy(self._ops.xp.ones_like(probs), probs)  # log(0) = -inf, without a warning

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._batch_shape + self._event_shape

    def _temperature_column(self) -> Array:
        """``temperature`` with a trailing axis, to meet the categories."""
        return self._ops.xp.expand_dims(self.temperature, axis=-1)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        shape = sample_shape + self._batch_shape + self._event_shape
        # -log(-log u) of a uniform on the open interval: finite on every backend (NumPy's float32 exponential
        # can be exactly 0, whose -log is +inf and whose draw would be NaN)
        u = ops.uniform(rng, shape, self._dtype, self._device)
        gumbels = -ops.xp.log(-ops.xp.log(u))
        return ops.log_softmax((self.logits + gumbels) / self._temperature_column())

    def _log_prob(self, value: Array) -> Array:
        ops = self._ops
        k = self._event_shape[0]
        t = self.temperature
        scores = ops.log_softmax(self.logits - self._temperature_column() * value)
        return ops.xp.sum(scores, axis=-1) + ((k - 1) * ops.xp.log(t) + math.lgamma(k))


class RelaxedOneHotCategorical(TransformedDistribution):
    r"""Relaxed one-hot categorical (Concrete, Gumbel-softmax) distribution on the simplex:
    :math:`Y = \operatorname{softmax}((\ell + G) / \tau)` for :math:`G` iid standard Gumbel noises, a
    reparameterizable relaxation of ``OneHotCategorical(probs)`` that approaches it as the temperature goes
    to 0 (Maddison et al., 2017; Jang et al., 2017).  Whatever the temperature, the largest coordinate of a
    draw is a ``Categorical(probs)`` draw.

    .. math::
        p(y \mid \tau, \ell) = (K-1)!\, \tau^{K-1}
            \frac{\prod_{k=1}^{K} e^{\ell_k} y_k^{-\tau-1}}{\left(\sum_{k=1}^{K} e^{\ell_k} y_k^{-\tau}\right)^K}

    Args:
        temperature: :math:`\tau > 0`, broadcastable with the batch shape of ``probs`` or ``logits``.
        probs: non-negative weights of shape ``batch_shape + (K,)``, normalized over the last axis (exactly one
            of ``probs`` and ``logits``).
        logits: unnormalized log-probabilities of the same shape.
        validate_args: check parameters and values (default: the global switch, on).

    A :class:`TransformedDistribution` of ``ExpRelaxedCategorical(temperature, probs, logits)`` by
    ``ExpTransform()``, as in torch.distributions, with no closed-form moments or entropy.  At low temperature
    the small coordinates of a draw fall below the dtype's smallest normal number; draws keep them at it (so
    they stay inside the open simplex and their ``log_prob`` is finite, in float32 too), and ``log_prob``
    takes a coordinate of exactly 0 (a draw of another library that underflowed) as that number.
    ``rsample_and_log_prob`` gives the density of the draw before that rounding.

    Example:
        >>> import numpy as np
        >>> from arraydist import RelaxedOneHotCategorical
        >>> d = RelaxedOneHotCategorical(np.array([0.5, 1.0]), probs=np.array([0.2, 0.3, 0.5]))
        >>> d.log_prob(np.array([0.25, 0.25, 0.5])).round(4)
        array([-0.6055,  0.8222])
        >>> y = RelaxedOneHotCategorical(np.float32(0.01), logits=np.zeros(5, np.float32)).sample((100,), seed=0)
        >>> bool((y > 0).all()), bool(np.isfinite(RelaxedOneHotCategorical(np.float32(0.01),
        ...     logits=np.zeros(5, np.float32)).log_prob(y)).all())
        (True, True)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    _param_ndims: ClassVar[dict[str, int]] = {}  # the parameters live in base_dist: no leaves of their own
    support = constraints.simplex
    has_rsample = True  # type: ignore[assignment]

    base_dist: ExpRelaxedCategorical

    def __init__(
        self, temperature: Any, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        try:
            base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        except (TypeError, ValueError) as e:  # name the class the user built, not only its base
            raise type(e)(f"RelaxedOneHotCategorical: {e}") from None
        super().__init__(base, ExpTransform(), validate_args)

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

    # no CDF of a vector: the base class's refusals, naming this class (not the base distribution)
    _cdf = Distribution._cdf
    _log_cdf = Distribution._log_cdf
    _survival_function = Distribution._survival_function
    _log_survival_function = Distribution._log_survival_function
    _icdf = Distribution._icdf

    def _inside(self, y: Array) -> Array:
        """``y`` with coordinates below the smallest normal number raised to it (gradient 0 there)."""
        xp = self._ops.xp
        return xp.clip(y, min=open_unit(xp, y.dtype)[0])

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        return self._inside(super()._sample(sample_shape, rng))

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        return self._inside(super()._rsample(sample_shape, rng))

    def _rsample_and_log_prob(self, sample_shape: tuple[int, ...], rng: Any) -> tuple[Array, Array]:
        y, log_p = super()._rsample_and_log_prob(sample_shape, rng)
        return self._inside(y), log_p

    def _log_prob(self, value: Array) -> Array:
        return super()._log_prob(self._inside(value))

    def _repr_params(self) -> list[str]:
        form = self.base_dist._leaves[1]
        return [
            f"temperature: {self._describe_param(self.temperature)}",
            f"{form}: {self._describe_param(getattr(self, form))}",
        ]
