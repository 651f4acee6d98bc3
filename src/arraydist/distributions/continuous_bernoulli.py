"""The continuous Bernoulli distribution on [0, 1] (Loaiza-Ganem and Cunningham, 2019)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import constraints
from ..distribution import Distribution, lazy_property
from ..kl import register_infinite_kl, register_kl
from .laplace import Laplace
from .normal import Normal

__all__ = ["ContinuousBernoulli"]

Array = Any
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_2 = math.log(2.0)
#: below this |logits| the closed forms cancel (the mean is a difference of two terms of size 1/|logits|, the
#: variance of two of size 1/logits^2), so the Taylor series in the logits replace them: the cut balances the
#: cancellation (about eps/cut^2) against the series' first omitted term (below 1e-10 up to 0.5)
_TAYLOR_CUT = {True: 0.5, False: 0.05}  # narrow float (float32 and below), float64


def _log_of_large(ops: Any, log_p: Array, other: Callable[[], Array]) -> Array:
    """The log of a tail, ``log_p``, where it is below ``log(1/2)``, else ``log1p(-other())`` from the other tail's
    closed form: the log of a tail near 1 keeps the digits of the other (``log(1 - 1e-15)`` keeps 2 digits).
    ``other`` is computed only where some tail is above 1/2 (or the values cannot be read)."""
    side = ops.side(log_p, -_LOG_2)
    if side is False:
        return log_p
    xp = ops.xp
    large = log_p > -_LOG_2
    return xp.where(large, xp.log1p(-xp.where(large, other(), xp.zeros_like(log_p))), log_p)


def _poly(x: Array, coefficients: tuple[float, ...]) -> Array:
    """:math:`\\sum_k c_k x^k` by Horner's rule."""
    out = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        out = out * x + c
    return out


class ContinuousBernoulli(Distribution):
    r"""Continuous Bernoulli distribution on :math:`[0, 1]`, of shape parameter ``probs`` :math:`\lambda` or
    ``logits`` :math:`\eta = \log\frac{\lambda}{1 - \lambda}`.

    .. math::
        p(x \mid \lambda) = C(\lambda)\, \lambda^x (1 - \lambda)^{1 - x}
        = \frac{\eta\, e^{\eta x}}{e^\eta - 1}, \qquad
        F(x) = \frac{e^{\eta x} - 1}{e^\eta - 1}

    Args:
        probs: :math:`\lambda \in [0, 1]` (exactly one of ``probs`` and ``logits``); it is not the mean.  Clamped
            to the dtype's nearest numbers to 0 and 1 (finite logits; torch.distributions clamps to
            :math:`[\epsilon, 1 - \epsilon]`).
        logits: :math:`\eta`, real.
        lims: accepted for torch.distributions' signature.  torch replaces its closed forms by low-order Taylor
            polynomials for ``probs`` within ``lims``; here every quantity is computed from :math:`\eta` with
            forms that neither overflow nor cancel, and series of higher order replace them where
            :math:`|\eta|` is below 0.05 (float64) or 0.5 (narrower floats), so ``lims`` changes nothing.
        validate_args: check parameters and values (default: the global switch, on).

    Every quantity is written with :math:`a = |\eta|`, :math:`e^{-a}` and ``expm1(-a)``, so nothing overflows at
    any :math:`\eta`; the CDF and its inverse have no cancellation at all (exact at :math:`\eta = 0`), and
    ``log_cdf`` and ``log_survival_function`` keep their relative accuracy in both tails.  Draws are
    reparameterized by the inverse CDF.  The mode is 1 above :math:`\lambda = 1/2`, 0 below and NaN at 1/2 (every
    point); torch.distributions has none.

    Example:
        >>> import numpy as np
        >>> from arraydist import ContinuousBernoulli
        >>> d = ContinuousBernoulli(probs=np.array([0.2, 0.5, 0.9]))
        >>> d.mean.round(4)
        array([0.388 , 0.5   , 0.6699])
        >>> d.log_prob(np.array([0.5, 0.5, 0.5])).round(4)
        array([-0.0788,  0.    , -0.1936])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    _param_forms = (("probs", "logits"),)
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self,
        probs: Any = None,
        logits: Any = None,
        lims: tuple[float, float] = (0.499, 0.501),
        validate_args: bool | None = None,
    ) -> None:
        self._init_params({"probs": probs, "logits": logits}, validate_args)

    @lazy_property
    def probs(self) -> Array:
        return self._ops.expit(self.logits)

    @lazy_property
    def logits(self) -> Array:
        xp = self._ops.xp
        finfo = xp.finfo(self._dtype)
        # the nearest numbers to 0 and 1, not torch's [eps, 1 - eps]: that clamp moves a probs of 1e-3 to 0.0078
        # in bfloat16 (logits -4.8 for -6.9)
        return self._ops.logit(xp.clip(self.probs, float(finfo.smallest_normal), 1.0 - float(finfo.eps) / 2))

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of the parameter given (``probs`` or ``logits``)."""
        return tuple(self.__dict__[self._leaves[0]].shape)

    # ------------------------------------------------------------------ functions of the logits
    def _eta_parts(self) -> tuple[Array, Array, Array]:
        """(eta, where the Taylor series apply, a = |eta| kept away from 0 there)."""
        xp = self._ops.xp
        eta = self.logits
        a = xp.abs(eta)
        taylor = a < _TAYLOR_CUT[self._ops.narrow_float(self._dtype)]
        return eta, taylor, xp.where(taylor, xp.ones_like(a), a)

    def _log_normalizer(self) -> Array:
        r""":math:`A(\eta) = \log\frac{e^\eta - 1}{\eta} = \max(\eta, 0) + \log(1 - e^{-a}) - \log a`."""
        xp = self._ops.xp
        eta, taylor, a_safe = self._eta_parts()
        exact = xp.maximum(eta, xp.zeros_like(eta)) + xp.log(-xp.expm1(-a_safe)) - xp.log(a_safe)
        series = 0.5 * eta + _poly(eta * eta, (0.0, 1 / 24, -1 / 2880, 1 / 181440, -1 / 9676800))
        return xp.where(taylor, series, exact)

    @property
    def mean(self) -> Array:
        r""":math:`\frac{1}{1 - e^{-\eta}} - \frac1\eta`, as :math:`1/a - e^{-a}/(1 - e^{-a})` for negative
        :math:`\eta` (no overflow, and the small mean keeps its digits)."""
        xp = self._ops.xp
        eta, taylor, a_safe = self._eta_parts()
        s = -xp.expm1(-a_safe)
        exact = xp.where(eta > 0, 1.0 / s - 1.0 / a_safe, 1.0 / a_safe - xp.exp(-a_safe) / s)
        series = 0.5 + eta * _poly(eta * eta, (1 / 12, -1 / 720, 1 / 30240, -1 / 1209600))
        return xp.where(taylor, series, exact)

    @property
    def variance(self) -> Array:
        r""":math:`\frac{1}{\eta^2} - \frac{e^{-a}}{(1 - e^{-a})^2}`."""
        xp = self._ops.xp
        eta, taylor, a_safe = self._eta_parts()
        s = -xp.expm1(-a_safe)
        exact = 1.0 / (a_safe * a_safe) - xp.exp(-a_safe) / (s * s)
        series = _poly(eta * eta, (1 / 12, -1 / 240, 1 / 6048, -1 / 172800, 1 / 5322240))
        return xp.where(taylor, series, exact)

    @property
    def mode(self) -> Array:
        xp, eta = self._ops.xp, self.logits
        one, zero = xp.ones_like(eta), xp.zeros_like(eta)
        return xp.where(eta > 0, one, xp.where(eta < 0, zero, xp.full_like(eta, math.nan)))

    def entropy(self) -> Array:
        r""":math:`A(\eta) - \eta\,\mathbb{E}[X]` (at most 0, the uniform's)."""
        return self._log_normalizer() - self.logits * self.mean

    def _log_prob(self, value: Array) -> Array:
        return self.logits * value - self._log_normalizer()

    # ------------------------------------------------------------------ the CDF, both tails and its inverse
    def _ratio(self, u: Array, sign: float) -> tuple[Array, Array, Array]:
        r"""(:math:`\eta`, :math:`a`, :math:`r(u) = \frac{1 - e^{-a u}}{1 - e^{-a}}`): the CDF is :math:`r(x)`
        for :math:`\eta < 0` and :math:`e^{-a(1 - x)} r(x)` above, the survival function the same at
        :math:`1 - x` with the sides swapped.  At :math:`\eta = 0` exactly :math:`r(u) = u`, written with its
        first-order term in :math:`\eta` (``sign`` * :math:`\eta\, u(1 - u)/2`: -1 for the CDF, +1 for the
        survival function) so that the derivative in :math:`\eta` is right there too (that of :math:`|\eta|` is
        0 at 0)."""
        xp = self._ops.xp
        eta = self.logits
        a = xp.abs(eta)
        zero = a == 0
        a_safe = xp.where(zero, xp.ones_like(a), a)
        at_zero = u + (0.5 * sign) * eta * u * (1.0 - u)
        return eta, a, xp.where(zero, at_zero, xp.expm1(-a_safe * u) / xp.expm1(-a_safe))

    def _unit(self, value: Array) -> Array:
        xp = self._ops.xp
        return xp.clip(value, 0.0, 1.0)

    def _cdf(self, value: Array) -> Array:
        x = self._unit(value)
        eta, a, r = self._ratio(x, -1.0)
        xp = self._ops.xp
        return xp.where(eta > 0, xp.exp(-a * (1.0 - x)) * r, r)

    def _survival_function(self, value: Array) -> Array:
        x = self._unit(value)
        eta, a, r = self._ratio(1.0 - x, 1.0)
        xp = self._ops.xp
        return xp.where(eta > 0, r, xp.exp(-a * x) * r)

    def _log_cdf(self, value: Array) -> Array:
        x = self._unit(value)
        eta, a, r = self._ratio(x, -1.0)
        xp = self._ops.xp
        log_cdf = xp.log(r) - xp.where(eta > 0, a * (1.0 - x), xp.zeros_like(r))
        return _log_of_large(self._ops, log_cdf, lambda: self._survival_function(value))

    def _log_survival_function(self, value: Array) -> Array:
        x = self._unit(value)
        eta, a, r = self._ratio(1.0 - x, 1.0)
        xp = self._ops.xp
        log_sf = xp.log(r) - xp.where(eta > 0, xp.zeros_like(r), a * x)
        return _log_of_large(self._ops, log_sf, lambda: self._cdf(value))

    def _icdf(self, value: Array) -> Array:
        r""":math:`q(p) = \log(1 + p\,(e^{-a} - 1)) / (-a)` for :math:`\eta \le 0` and :math:`1 - q(1 - p)` above
        (the reflection :math:`x \to 1 - x` turns :math:`\eta` into :math:`-\eta`): no overflow of
        :math:`e^\eta`."""
        xp = self._ops.xp
        eta = self.logits
        a = xp.abs(eta)
        zero = a == 0
        a_safe = xp.where(zero, xp.ones_like(a), a)
        positive = eta > 0
        u = xp.where(positive, 1.0 - value, value)
        # at eta = 0 the first-order term carries the derivative in eta, p (1 - p) / 2 (the value is p)
        q = xp.where(zero, value + 0.5 * eta * value * (1.0 - value), xp.log1p(u * xp.expm1(-a_safe)) / -a_safe)
        return xp.where(positive, 1.0 - q, q)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        u = self._ops.uniform(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return self._icdf(u)


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p: ContinuousBernoulli, q: ContinuousBernoulli) -> Array:
    r""":math:`(\eta_p - \eta_q)\,\mathbb{E}_p[X] - A(\eta_p) + A(\eta_q)`."""
    return (p.logits - q.logits) * p.mean - p._log_normalizer() + q._log_normalizer()


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p: ContinuousBernoulli, q: Normal) -> Array:
    r""":math:`-H(p) + \log\sigma + \tfrac12\log 2\pi + \frac{\operatorname{Var}_p X + (\mathbb{E}_p X - \mu)^2}
    {2\sigma^2}`."""
    xp = p._ops.xp
    d = p.mean - q.loc
    return -p.entropy() + xp.log(q.scale) + _HALF_LOG_2PI + (p.variance + d * d) / (2.0 * q.scale * q.scale)


register_infinite_kl((Normal, ContinuousBernoulli), where="the normal puts mass outside [0, 1]")


register_infinite_kl((Laplace, ContinuousBernoulli), where="the Laplace distribution puts mass outside [0, 1]")
