"""The univariate normal (Gaussian) distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from .._backend import compiling
from ..distribution import Distribution
from ..kl import register_kl

__all__ = ["Normal"]

Array = Any
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_MINUS_HALF_LOG_2PI = -_HALF_LOG_2PI  # one object: Ops.const finds its tensor by identity
_SQRT2 = math.sqrt(2.0)


class Normal(Distribution):
    r"""Normal distribution with mean ``loc`` and standard deviation ``scale``.

    .. math::
        p(x \mid \mu, \sigma) = \frac{1}{\sigma\sqrt{2\pi}} \exp\left(-\frac{(x-\mu)^2}{2\sigma^2}\right)

    Args:
        loc: mean :math:`\mu` (real), any shape.
        scale: standard deviation :math:`\sigma > 0`, broadcastable with ``loc``.
        validate_args: check parameters and values (default: the global switch, on).

    ``batch_shape`` is the broadcast shape of ``loc`` and ``scale``; ``event_shape`` is ``()``.  Draws are
    reparameterized, :math:`x = \mu + \sigma\varepsilon` with :math:`\varepsilon \sim N(0, 1)`.

    Example:
        >>> import numpy as np
        >>> from arraydist import Normal
        >>> d = Normal(np.array([0.0, 1.0]), 2.0)
        >>> d.batch_shape
        (2,)
        >>> d.log_prob(np.array([0.0, 1.0])).round(4)
        array([-1.6121, -1.6121])
        >>> d.rsample((3,), seed=0).shape
        (3, 2)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    loc: Array
    scale: Array

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self._init_params({"loc": loc, "scale": scale}, validate_args)

    @property
    def mean(self) -> Array:
        return self.loc

    @property
    def mode(self) -> Array:
        return self.loc

    @property
    def stddev(self) -> Array:
        return self.scale

    @property
    def variance(self) -> Array:
        return self.scale * self.scale

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops, loc, scale = self._ops, self.loc, self.scale
        if sample_shape:
            eps = ops.normal(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        else:  # loc has the batch shape, dtype and device (parameters are broadcast to the batch shape)
            eps = ops.normal_like(rng, loc)
        if ops.can_inplace(loc, scale):  # eps is ours and full size: scale and shift it where it lies
            eps *= scale
            eps += loc
            return eps
        return ops.addcmul(loc, scale, eps)  # one autograd node instead of two

    def _rsample_and_log_prob(self, sample_shape: tuple[int, ...], rng: Any) -> tuple[Array, Array]:
        # the density from the standard draw itself, -eps^2 / 2 - log scale - log(2 pi) / 2: two operations fewer
        # than standardizing the draw again (the SAC rows of benchmarks/run.py)
        ops, loc, scale = self._ops, self.loc, self.scale
        if sample_shape:
            eps = ops.normal(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        else:
            eps = ops.normal_like(rng, loc)
        log_p = ops.addcmul(self._const(_MINUS_HALF_LOG_2PI) - ops.xp.log(scale), eps, eps, value=-0.5)
        return ops.addcmul(loc, scale, eps), log_p

    def _log_prob(self, value: Array) -> Array:
        # Never z * z: it overflows from |z| = 1.3e154 (float64; 1.8e19 in float32) where the log density,
        # -z^2 / 2 - ..., is still a finite number: the square of z / sqrt(2), or (-z / 2) * z.
        ops, loc, scale = self._ops, self.loc, self.scale
        log_scale = ops.xp.log(scale)
        k = self._const
        if ops.can_inplace(value, loc, scale):
            z = value - loc
            # Without autograd, work in place on the one full-size temporary: a third of the memory traffic
            # of the textbook expression on large arrays.
            z /= scale * k(_SQRT2)
            z *= z
            log_scale += k(_HALF_LOG_2PI)
            z += log_scale
            z *= k(-1.0)
            return z
        z = ops.standardize(value, loc, scale)  # a gradient in scale without scale**-2 (float32 at 1e+-20)
        return ops.addcmul(k(_MINUS_HALF_LOG_2PI) - log_scale, z, z, value=-0.5)  # (-z / 2) * z: no overflow

    def _cdf(self, value: Array) -> Array:
        return self._ops.ndtr(self._ops.standardize(value, self.loc, self.scale))

    def _log_cdf(self, value: Array) -> Array:
        return self._ops.log_ndtr(self._ops.standardize(value, self.loc, self.scale))

    def _survival_function(self, value: Array) -> Array:
        return self._ops.ndtr(self._ops.standardize(self.loc, value, self.scale))

    def _log_survival_function(self, value: Array) -> Array:
        return self._ops.log_ndtr(self._ops.standardize(self.loc, value, self.scale))

    def _icdf(self, value: Array) -> Array:
        return self.loc + self.scale * self._ops.ndtri(value)

    def entropy(self) -> Array:
        r""":math:`\tfrac12 + \tfrac12\log(2\pi) + \log\sigma`."""
        return self._ops.xp.log(self.scale) + self._const(0.5 + _HALF_LOG_2PI)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Array:
    r""":math:`\log\frac{\sigma_q}{\sigma_p} + \frac{\sigma_p^2 + (\mu_p-\mu_q)^2}{2\sigma_q^2} - \frac12`."""
    ops = p._ops
    known = q.__dict__.get("_scalars")  # q._scalar_params(), without the call on this hot path
    if known is not None:
        # q made of Python numbers (the N(0, 1) prior of a VAE): its values fold into constants, made once per
        # library, dtype and device (q is then a cached conversion of the prior, shared by every step).
        folded = q.__dict__.get("_kl_folded")
        if folded is None:
            folded = _fold_normal_prior(q, known)
        shift, const, half_precision = folded
        diff = p.loc if shift is None else p.loc - shift
        out = ops.addcmul(const - ops.xp.log(p.scale), p.scale, p.scale, value=half_precision)
        return ops.addcmul(out, diff, diff, value=half_precision)
    k = p._const
    ratio = p.scale / q.scale
    ratio = ratio * ratio
    t = (p.loc - q.loc) / q.scale
    return k(0.5) * (ops.addcmul(ratio, t, t) - ops.xp.log(ratio)) - k(0.5)


def _fold_normal_prior(q: Normal, known: dict[str, float]) -> tuple[Any, Any, float]:
    r"""For KL(p || q) with q = N(m, s) of Python numbers: (m as a constant or None when 0,
    :math:`\log s - \tfrac12` as a constant, :math:`1/(2s^2)`)."""
    loc_q, scale_q = known["loc"], known["scale"]
    folded = (
        None if loc_q == 0.0 else q._const(loc_q),
        q._const(math.log(scale_q) - 0.5),
        0.5 / (scale_q * scale_q),
    )
    if not compiling():
        q.__dict__["_kl_folded"] = folded
    return folded
