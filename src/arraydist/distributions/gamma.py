"""The gamma distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from ..kl import register_kl
from .normal import Normal

__all__ = ["Gamma"]

Array = Any
_LOG_2PI = math.log(2 * math.pi)


class Gamma(Distribution):
    r"""Gamma distribution of shape ``concentration`` and inverse scale ``rate``.

    .. math::
        p(x \mid \alpha, \beta) = \frac{\beta^\alpha}{\Gamma(\alpha)} x^{\alpha - 1} e^{-\beta x}, \qquad x > 0

    Args:
        concentration: shape :math:`\alpha > 0`, any shape.
        rate: rate :math:`\beta > 0`, broadcastable with ``concentration``.
        validate_args: check parameters and values (default: the global switch, on).

    Draws are the backend's standard gamma divided by the rate, reparameterized by the implicit gradient
    :math:`\partial z / \partial \alpha = -(\partial F / \partial \alpha)(z) / f(z)`; they are at least the
    dtype's smallest normal number, as in torch.distributions (so ``log_prob`` of a draw stays finite).  ``cdf``
    and the tails are the regularized incomplete gamma functions :math:`P(\alpha, \beta x)` and
    :math:`Q(\alpha, \beta x)`.

    Example:
        >>> import numpy as np
        >>> from arraydist import Gamma
        >>> d = Gamma(np.array([0.5, 2.0]), 3.0)
        >>> d.mean
        array([0.16666667, 0.66666667])
        >>> d.log_prob(np.array([0.5, 0.5])).round(4)
        array([-1.1765,  0.0041])
        >>> d.rsample((4,), seed=0).shape
        (4, 2)
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    concentration: Array
    rate: Array

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self._init_params({"concentration": concentration, "rate": rate}, validate_args)

    @property
    def mean(self) -> Array:
        return self.concentration / self.rate

    @property
    def mode(self) -> Array:
        xp = self._ops.xp
        return xp.clip((self.concentration - 1) / self.rate, min=0.0)

    @property
    def variance(self) -> Array:
        return self.concentration / (self.rate * self.rate)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        shape = sample_shape + self._batch_shape
        z = ops.standard_gamma(rng, self.concentration, shape, self._dtype, self._device) / self.rate
        # the draw divided by a large rate can fall below the smallest normal number again
        return ops.xp.clip(z, min=float(ops.xp.finfo(self._dtype).smallest_normal))

    def _log_prob(self, value: Array) -> Array:
        ops, a, b = self._ops, self.concentration, self.rate
        return ops.xlogy(a, b) + ops.xlogy(a - 1, value) - b * value - ops.lgamma(a)

    def _cdf(self, value: Array) -> Array:
        return self._ops.gammainc(self.concentration, self.rate * value)

    def _survival_function(self, value: Array) -> Array:
        return self._ops.gammaincc(self.concentration, self.rate * value)

    def _log_cdf(self, value: Array) -> Array:
        return self._ops.xp.log(self._cdf(value))

    def _log_survival_function(self, value: Array) -> Array:
        return self._ops.xp.log(self._survival_function(value))

    def entropy(self) -> Array:
        r""":math:`\alpha - \log\beta + \log\Gamma(\alpha) + (1 - \alpha)\psi(\alpha)`."""
        ops, a = self._ops, self.concentration
        return a - ops.xp.log(self.rate) + ops.lgamma(a) + (1 - a) * ops.digamma(a)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Array:
    r""":math:`\alpha_q \log\frac{\beta_p}{\beta_q} + \log\frac{\Gamma(\alpha_q)}{\Gamma(\alpha_p)}
    + (\alpha_p - \alpha_q)\psi(\alpha_p) + (\beta_q - \beta_p)\frac{\alpha_p}{\beta_p}`."""
    ops, xp = p._ops, p._ops.xp
    a_p, a_q = p.concentration, q.concentration
    return (
        a_q * xp.log(p.rate / q.rate)
        + ops.lgamma(a_q)
        - ops.lgamma(a_p)
        + (a_p - a_q) * ops.digamma(a_p)
        + (q.rate - p.rate) * (a_p / p.rate)
    )


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p: Gamma, q: Normal) -> Array:
    r""":math:`-H(p) + \tfrac12\log(2\pi\sigma^2) + \frac{E_p[x^2] - 2\mu E_p[x] + \mu^2}{2\sigma^2}`, with
    :math:`E_p[x] = \alpha/\beta` and :math:`E_p[x^2] = \alpha(\alpha + 1)/\beta^2`."""
    xp = p._ops.xp
    a, b = p.concentration, p.rate
    mean = a / b
    second = mean * (a + 1) / b
    var_q = q.scale * q.scale
    return -p.entropy() + 0.5 * (xp.log(var_q) + _LOG_2PI) + (0.5 * second - q.loc * mean + 0.5 * q.loc * q.loc) / var_q


@register_kl(Normal, Gamma)
def _kl_normal_gamma(p: Normal, q: Gamma) -> Array:
    """Infinite: a normal puts mass below 0, where the gamma has none."""
    xp = p._ops.xp
    return xp.full_like(p.loc + q.concentration, math.inf)
