"""The von Mises distribution of angles."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution
from .truncated_normal import _work_dtype

__all__ = ["VonMises"]

Array = Any
_LOG_2PI = math.log(2 * math.pi)


def _series_coefficients(terms: int) -> tuple[list[float], list[float]]:
    r"""Coefficients of the asymptotic series :math:`I_\nu(\kappa) \sim e^\kappa (2\pi\kappa)^{-1/2}
    \sum_k (-1)^k a_k(\nu) \kappa^{-k}`, :math:`a_k(\nu) = \prod_{j \le k} (4\nu^2 - (2j - 1)^2) / (k!\,8^k)`:
    those of :math:`I_0` and those of :math:`I_0 - I_1` (whose leading terms cancel exactly, so they are left out
    instead of subtracted)."""

    def a(k: int, nu: int) -> float:
        return math.prod(4 * nu * nu - (2 * j - 1) ** 2 for j in range(1, k + 1)) / (math.factorial(k) * 8**k)

    return [(-1) ** k * a(k, 0) for k in range(terms)], [(-1) ** k * (a(k, 0) - a(k, 1)) for k in range(terms)]


#: from this concentration on, 1 - I1/I0 comes from the asymptotic series (14 terms: 5e-17 relative at 50,
#: checked against mpmath); below, from i1e / i0e, which loses only 1/(1 - I1/I0) < 100 ulps there
_SERIES_FROM = 50.0
_I0_TERMS, _DIFF_TERMS = _series_coefficients(14)
#: rounds of the vectorized rejection sampler before the first check that every draw was accepted, and in all
#: when nothing can be read (under jax.jit, torch.compile, Dask): each round accepts with probability at least
#: 0.656 (Best and Fisher), so a draw is still unaccepted after 32 rounds with probability below 1.5e-15
_FIRST_ROUNDS = 4
_TRACED_ROUNDS = 32


class VonMises(Distribution):
    r"""The von Mises (circular normal) distribution of an angle, with mean direction ``loc`` and concentration
    ``concentration``.

    .. math::
        p(x \mid \mu, \kappa) = \frac{e^{\kappa \cos(x - \mu)}}{2\pi I_0(\kappa)}

    Args:
        loc: mean direction :math:`\mu` (real; any angle), any shape.
        concentration: :math:`\kappa > 0`, broadcastable with ``loc``.
        validate_args: check parameters and values (default: the global switch, on).

    As in torch.distributions: the density is :math:`2\pi`-periodic (``support`` is the real line), draws lie in
    :math:`[-\pi, \pi)`, ``mean`` and ``mode`` are ``loc`` and ``variance`` is the circular variance
    :math:`1 - I_1(\kappa)/I_0(\kappa)`; no reparameterized sampler.  The density and the variance use the
    exponentially scaled Bessel functions and :math:`\cos t - 1 = -2\sin^2(t/2)`, and :math:`1 - I_1/I_0` comes
    from the asymptotic series of its own for large :math:`\kappa`: accurate from :math:`\kappa = 10^{-6}` to
    :math:`10^{7}` and beyond.  ``entropy`` (which torch.distributions lacks) is
    :math:`\log(2\pi I_0(\kappa)) - \kappa I_1(\kappa)/I_0(\kappa)`.

    Draws: Best and Fisher's rejection from a wrapped Cauchy proposal, vectorized over the draws with a bounded
    number of rounds (see ``_TRACED_ROUNDS``), so the sampler traces under ``jax.jit`` and
    ``torch.compile(fullgraph=True)``.  The proposal is written as
    :math:`\tan(\theta/2) = \frac{1-\rho}{1+\rho}\tan(\pi u/2)`, with :math:`1 - \rho` computed without
    cancellation, so that the angle keeps its precision at :math:`\kappa = 10^7` in float32 (where
    :math:`\arccos` of the textbook form is within one ulp of 1).

    Example:
        >>> import numpy as np
        >>> from arraydist import VonMises
        >>> d = VonMises(np.array([0.0, 3.0]), np.array([1e-6, 1e7]))
        >>> x = d.sample((2000,), seed=0)
        >>> bool((x >= -np.pi).all() and (x < np.pi).all()), float(np.abs(x[:, 1] - 3.0).max()) < 0.01
        (True, True)
        >>> d.variance
        array([9.99999500e-01, 5.00000013e-08])
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    loc: Array
    concentration: Array

    def __init__(self, loc: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self._init_params({"loc": loc, "concentration": concentration}, validate_args)

    @property
    def mean(self) -> Array:
        return self.loc

    @property
    def mode(self) -> Array:
        return self.loc

    def _one_minus_ratio(self) -> Array:
        r""":math:`1 - I_1(\kappa)/I_0(\kappa)`, in float64 for narrower parameters where the library has it (below
        the series, ``1 - i1e/i0e`` loses up to 100 ulps: 6e-6 in float32 at 49.9)."""
        ops = self._ops
        xp = ops.xp
        work = _work_dtype(ops, self._dtype)

        def k(value: float) -> Any:
            return ops.const(value, work, self._device)

        kappa = ops.cast(self.concentration, work)
        direct = k(1.0) - ops.i1e(kappa) / ops.i0e(kappa)
        y = k(1.0) / xp.maximum(kappa, k(_SERIES_FROM))
        i0 = k(_I0_TERMS[-1])
        diff = k(_DIFF_TERMS[-1])
        for a, b in zip(reversed(_I0_TERMS[:-1]), reversed(_DIFF_TERMS[:-1])):
            i0 = i0 * y + k(a)
            diff = diff * y + k(b)
        return ops.cast(xp.where(kappa < k(_SERIES_FROM), direct, diff / i0), self._dtype)

    @property
    def variance(self) -> Array:
        return self._one_minus_ratio()

    def entropy(self) -> Array:
        r""":math:`\log 2\pi + \log I_0(\kappa) - \kappa + \kappa (1 - I_1(\kappa)/I_0(\kappa))`, with
        :math:`\log I_0(\kappa) - \kappa = \log \mathrm{i0e}(\kappa)`."""
        ops = self._ops
        kappa = self.concentration
        return self._const(_LOG_2PI) + ops.xp.log(ops.i0e(kappa)) + kappa * self._one_minus_ratio()

    def _log_prob(self, value: Array) -> Array:
        ops = self._ops
        xp = ops.xp
        k = self._const
        s = xp.sin((value - self.loc) * k(0.5))
        # kappa (cos t - 1) = -2 kappa sin^2(t / 2): no cancellation near the mean at large kappa
        return k(-2.0) * self.concentration * s * s - (k(_LOG_2PI) + xp.log(ops.i0e(self.concentration)))

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        xp = ops.xp
        k = self._const
        shape = sample_shape + self._batch_shape
        kappa = self.concentration
        # the wrapped Cauchy proposal's rho = (tau - sqrt(2 tau)) / (2 kappa), tau = 1 + sqrt(1 + 4 kappa^2), in
        # forms without cancellation: rho itself for small kappa, 1 - rho for large
        s = xp.sqrt(k(1.0) + k(4.0) * kappa * kappa)
        tau = k(1.0) + s
        root = xp.sqrt(k(2.0) * tau)
        rho = k(2.0) * kappa * tau / ((s + k(1.0)) * (tau + root))
        far = (root - k(1.0) - k(1.0) / (k(2.0) * kappa + s)) / (k(2.0) * kappa)
        one_minus_rho = xp.where(kappa > k(1.0), far, k(1.0) - rho)
        ratio = one_minus_rho / (k(2.0) - one_minus_rho)
        # kappa (r - 1), r = (1 + rho^2) / (2 rho)
        kappa_r1 = kappa * one_minus_rho * one_minus_rho / (k(2.0) * rho)

        def propose(keys: list[Any]) -> tuple[Array, Array]:
            u = k(2.0) * ops.uniform(keys[0], shape, self._dtype, self._device) - k(1.0)  # (-1, 1): the sign too
            half = u * k(math.pi / 2)
            theta = k(2.0) * xp.atan2(ratio * xp.sin(half), xp.cos(half))
            t = xp.sin(theta * k(0.5))
            c = kappa_r1 + k(2.0) * kappa * t * t  # kappa (r - cos theta)
            v = ops.uniform(keys[1], shape, self._dtype, self._device)
            accept = (c * (k(2.0) - c) > v) | (xp.log(c / v) + k(1.0) - c >= k(0.0))
            return theta, accept

        traced = ops.tracing() or not ops.is_concrete(kappa)
        rounds = _TRACED_ROUNDS if traced else _FIRST_ROUNDS
        keys = ops.split(rng, 2 * rounds + 1)
        spare = keys[-1]
        theta, accepted = propose(keys[:2])
        for i in range(1, rounds):
            proposal, ok = propose(keys[2 * i : 2 * i + 2])
            theta = xp.where(accepted, theta, proposal)
            accepted = accepted | ok
        if not traced:
            while not ops.all(accepted):  # rare: more rounds, until every draw is accepted
                *keys, spare = ops.split(spare, 3)
                proposal, ok = propose(keys)
                theta = xp.where(accepted, theta, proposal)
                accepted = accepted | ok
        x = theta + self.loc
        # to [-pi, pi): the draw is an angle
        x = x - k(2 * math.pi) * xp.floor((x + k(math.pi)) / k(2 * math.pi))
        return ops.stop_gradient(xp.where(x >= k(math.pi), x - k(2 * math.pi), x))
