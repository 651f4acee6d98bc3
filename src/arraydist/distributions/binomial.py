"""The binomial distribution: successes in ``total_count`` independent trials."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from ..distribution import Distribution, lazy_property
from ..kl import register_kl

__all__ = ["Binomial"]

#: the largest count whose log-mass is the difference of three lgamma (float64; the saddle-point form from there
#: on, also under tracing): that difference loses eps * n log n, 4e-5 of the log-mass at n = 1e12
LGAMMA_FORM_UPTO = 2.0**20

Array = Any


# Terms of the binary families (Binomial, Geometric, NegativeBinomial), from the form that was given (named in
# ``_leaves``; the other form, once derived, is cached in ``__dict__`` too): probs of exactly 0 and 1 give exact
# masses, logits of +-100 stay finite in float32.
def _xlogp(x: Array, d: Distribution) -> Array:
    """:math:`x \\log p` of ``d``'s success probability, 0 where ``x`` is 0."""
    if "probs" in d._leaves:
        return d._ops.xlogy(x, d.probs)
    return -x * d._ops.softplus(-d.logits)


def _xlog1mp(x: Array, d: Distribution) -> Array:
    """:math:`x \\log(1 - p)`, 0 where ``x`` is 0."""
    if "probs" in d._leaves:
        return d._ops.xlog1py(x, -d.probs)
    return -x * d._ops.softplus(d.logits)


def _logp(d: Distribution) -> Array:
    """:math:`\\log p` (``-inf`` at probs 0)."""
    if "probs" in d._leaves:
        return d._ops.xp.log(d.probs)
    return -d._ops.softplus(-d.logits)


def _log1mp(d: Distribution) -> Array:
    """:math:`\\log(1 - p)` (``-inf`` at probs 1)."""
    if "probs" in d._leaves:
        return d._ops.xp.log1p(-d.probs)
    return -d._ops.softplus(d.logits)


def _log_binomial_term(d: Distribution, successes: Array, failures: Array, failures_err: Any = None) -> Array:
    r""":math:`\log\binom{a + b}{a} p^a (1 - p)^b` for real :math:`a, b > 0`, in the saddle-point form
    :math:`\operatorname{stirlerr}(a + b) - \operatorname{stirlerr}(a) - \operatorname{stirlerr}(b) -
    \operatorname{bd0}(a, (a + b) p) - \operatorname{bd0}(b, (a + b)(1 - p)) - \tfrac12 \log\frac{2\pi a b}{a + b}`
    (C. Loader, 2000), exact to a few units of the dtype's resolution at any size: the narrow-float log-mass of
    Binomial and NegativeBinomial.  ``failures_err``: the rounding error of ``failures`` where it was computed
    (:math:`n - k`), so that :math:`b` is ``failures + failures_err`` exactly."""
    ops = d._ops
    xp = ops.xp
    # the total and the means n p, n (1 - p) to more than the dtype's precision: each a rounded part and its
    # error, the errors entering the deviance to second order (beyond 2^24 float32's n - k and k + r round, and
    # the rounding of n p moved float32's log-mass by 6.8e-6 at n = 1e6, 1.3e-4 at 1e9)
    total, total_err = ops.two_sum(successes, failures)
    if failures_err is not None:
        total_err = total_err + failures_err
    p, q = _probs_pair(d)
    log_total = xp.log(total)
    mean_p, err_p = ops.two_product(total, p)
    err_p = err_p + total_err * p
    if "probs" in d._leaves:  # n (1 - p) = n - n p, exactly from the given p
        mean_q, rest = ops.two_sum(total, -mean_p)
        err_q = rest + total_err - err_p
        deviance = ops.bd0(successes, mean_p) + ops.bd0(failures, mean_q)
    else:  # log(total p) without the underflow of p
        mean_q, err_q = ops.two_product(total, q)
        err_q = err_q + total_err * q
        p_err, q_err = _sigmoid_errors(d, p, q)
        if p_err is not None:  # p and 1 - p rounded from the logits: their errors times n
            err_p, err_q = err_p + total * p_err, err_q + total * q_err
        deviance = ops.bd0(successes, mean_p, log_total + _logp(d))
        deviance = deviance + ops.bd0(failures, mean_q, log_total + _log1mp(d))
    deviance = deviance + _deviance_shift(xp, successes, mean_p, err_p)
    deviance = deviance + _deviance_shift(xp, failures, mean_q, err_q, failures_err)
    spread = xp.log(2 * math.pi * successes) + xp.log(failures) - log_total
    return ops.stirlerr(total) - ops.stirlerr(successes) - ops.stirlerr(failures) - deviance - 0.5 * spread


def _sigmoid_errors(d: Distribution, p: Array, q: Array) -> tuple[Any, Any]:
    """The rounding errors of the float32 sigmoids ``p`` and ``q`` of ``d``'s logits (from their float64
    sigmoids, where the backend has float64), or ``(None, None)`` where the dtype is not narrower than that."""
    ops = d._ops
    work = ops.count_work_dtype(d._dtype)
    if work == d._dtype:
        return None, None
    logits = ops.cast(d.logits, work)
    p_err = ops.expit(logits) - ops.cast(p, work)
    q_err = ops.expit(-logits) - ops.cast(q, work)
    return ops.cast(p_err, d._dtype), ops.cast(q_err, d._dtype)


def _deviance_shift(xp: Any, x: Array, m: Array, err_m: Array, err_x: Any = None) -> Array:
    r""":math:`\operatorname{bd0}(x + e_x, m + e_m) - \operatorname{bd0}(x, m)` to second order in the rounding
    errors :math:`e_m, e_x` (beyond 2^24 in float32 the squares matter: 4.5e-4 of the log-mass at :math:`n =
    10^{12}`): :math:`e_m \frac{m - x}{m} + e_m^2 \frac{x}{2 m^2} + e_x \log\frac{x}{m} + \frac{e_x^2}{2x} -
    \frac{e_x e_m}{m}`; 0 at :math:`m = 0`."""
    safe_m = xp.where(m > 0, m, xp.ones_like(m))
    shift = err_m * ((m - x) + 0.5 * err_m * x / safe_m) / safe_m
    if err_x is not None:
        # log(x / m) as log1p of the exact difference near x = m (x / m rounds there, where the deviation is the
        # value), log x - log m elsewhere (x / m may overflow: a tiny m from extreme logits)
        near = xp.abs(x - safe_m) < safe_m
        log_ratio = xp.where(
            near, xp.log1p(xp.where(near, x - safe_m, xp.zeros_like(x)) / safe_m), xp.log(x) - xp.log(safe_m)
        )
        shift = shift + err_x * (log_ratio + 0.5 * err_x / x - err_m / safe_m)
    return xp.where(m > 0, shift, xp.zeros_like(shift))


def _beta_tail(d: Distribution, a: Array, b: Array, upper: bool) -> Array:
    r""":math:`I_p(a, b)` (``upper``) or :math:`1 - I_p(a, b) = I_{1-p}(b, a)` of ``d``'s success probability
    :math:`p`, each through the smaller of :math:`p` and :math:`1 - p` (``betainc`` or ``betaincc``): the argument
    is then exact (float32's :math:`1 - 10^{-5}` holds :math:`p` to 3e-3 only), and each tail keeps its relative
    accuracy."""
    ops = d._ops
    xp = ops.xp
    p, q = _probs_pair(d)
    small = p <= 0.5
    if upper:
        return xp.where(small, ops.betainc(a, b, p), ops.betaincc(b, a, q))
    return xp.where(small, ops.betaincc(a, b, p), ops.betainc(b, a, q))


def _log_beta_tail(d: Distribution, a: Array, b: Array, upper: bool) -> Array:
    r"""The log of :func:`_beta_tail` in log space (``log_betainc``, ``log_betaincc``): finite where the tail
    underflows, exact where it rounds to 1."""
    ops = d._ops
    xp = ops.xp
    p, q = _probs_pair(d)
    small = p <= 0.5
    if upper:
        return xp.where(small, ops.log_betainc(a, b, p), ops.log_betaincc(b, a, q))
    return xp.where(small, ops.log_betaincc(a, b, p), ops.log_betainc(b, a, q))


def _probs_pair(d: Distribution) -> tuple[Array, Array]:
    """:math:`(p, 1 - p)`; from logits both as sigmoids, so neither loses digits near 0."""
    if "probs" in d._leaves:
        return d.probs, 1 - d.probs
    return d.probs, d._ops.expit(-d.logits)


def _deviance(ops: Any, x: Array, m: Array) -> Array:
    r""":math:`x \log(x / m) + m - x \ge 0` (``Ops.bd0``, no cancellation near :math:`x = m`), with its limit
    :math:`m` at :math:`x = 0` and :math:`+\infty` where only :math:`m` is 0."""
    xp = ops.xp
    positive = x > 0
    one = xp.ones_like(x)
    return xp.where(positive, ops.bd0(xp.where(positive, x, one), xp.where(positive, m, one)), m + 0 * x)


def _kl_trial(p: Distribution, q: Distribution) -> Array:
    r"""KL between one trial of success probability ``p`` and one of ``q``, as the sum of two deviances:
    :math:`p \log\frac{p}{q} + (1-p)\log\frac{1-p}{1-q} = \operatorname{bd0}(p, q) + \operatorname{bd0}(1-p,
    1-q)` (their :math:`m - x` terms cancel exactly).  Each term is non-negative and computed without the
    cancellation of the textbook form, which made the KL of nearby float32 parameters negative."""
    ops = p._ops
    pp, pf = _probs_pair(p)
    qp, qf = _probs_pair(q)
    return _deviance(ops, pp, qp) + _deviance(ops, pf, qf)


class Binomial(Distribution):
    r"""Binomial distribution: the number of successes in ``total_count`` trials of success probability
    ``probs`` (or log-odds ``logits``).

    .. math::
        P(X = k) = \binom{n}{k} p^k (1 - p)^{n - k}, \qquad k = 0, \dots, n

    with :math:`\log\binom{n}{k} = \log\Gamma(n + 1) - \log\Gamma(k + 1) - \log\Gamma(n - k + 1)` in float64,
    so that large counts (:math:`n = 10^6` and beyond) need no factorials; in narrower floats, where those terms
    lose the digits of the result, the saddle-point form of :func:`_log_binomial_term` for :math:`0 < k < n`.

    Args:
        total_count: the number of trials :math:`n`, a non-negative integer, broadcastable with the others.
        probs: success probability :math:`p \in [0, 1]` (exactly one of ``probs`` and ``logits``).
        logits: log-odds :math:`\log(p / (1 - p))`, real.
        validate_args: check parameters and values (default: the global switch, on).

    ``support`` is ``integer_interval(0, total_count)``; draws are floats of the parameters' dtype.

    Example:
        >>> import numpy as np
        >>> from arraydist import Binomial
        >>> d = Binomial(10, probs=np.array([0.2, 0.5]))
        >>> d.mean
        array([2., 5.])
        >>> d.log_prob(np.array([2, 5])).round(4)
        array([-1.1974, -1.402 ])
        >>> d.sample((3,), seed=0).shape
        (3, 2)
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    _param_forms = (("probs", "logits"),)
    has_enumerate_support = True

    total_count: Array

    def __init__(
        self, total_count: Any = 1, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        self._init_params({"total_count": total_count, "probs": probs, "logits": logits}, validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count)

    @lazy_property
    def probs(self) -> Array:
        return self._ops.expit(self.logits)

    @lazy_property
    def logits(self) -> Array:
        return self._ops.logit(self.probs)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._batch_shape

    @property
    def mean(self) -> Array:
        return self.total_count * self.probs

    @property
    def mode(self) -> Array:
        n = self.total_count
        return self._ops.xp.minimum(self._ops.xp.floor((n + 1) * self.probs), n)

    @property
    def variance(self) -> Array:
        p, q = _probs_pair(self)
        return self.total_count * p * q

    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        n, p = ops.stop_gradient(self.total_count), ops.stop_gradient(self.probs)
        return ops.binomial(rng, n, p, sample_shape + self._batch_shape, self._dtype, self._device)

    def _log_prob(self, value: Array) -> Array:
        ops, n = self._ops, self.total_count
        if not ops.narrow_float(self._dtype) and ops.side(n, LGAMMA_FORM_UPTO) is False:
            log_choose = ops.lgamma(n + 1) - ops.lgamma(value + 1) - ops.lgamma(n - value + 1)
            return log_choose + _xlogp(value, self) + _xlog1mp(n - value, self)
        xp = ops.xp
        inside = (value > 0) & (value < n)
        one = xp.ones_like(value)  # the saddle-point side is kept away from its poles at the edges
        failures, failures_err = ops.two_sum(n, -value)  # beyond 2^24 float32's n - k rounds
        term = _log_binomial_term(
            self, xp.where(inside, value, one), xp.where(inside, failures, one), xp.where(inside, failures_err, 0 * one)
        )
        return xp.where(inside, term, xp.where(value == 0, _xlog1mp(n, self), _xlogp(n, self)))

    def _cdf(self, value: Array) -> Array:
        r""":math:`P(X \le k) = I_{1-p}(n - k, k + 1)`, the regularized incomplete beta function (1 from
        :math:`k = n`)."""
        return self._tail(value, lower=True)

    def _survival_function(self, value: Array) -> Array:
        r""":math:`P(X > k) = I_p(k + 1, n - k)`: the upper tail by its own function, not :math:`1 - F`, so it
        keeps its relative accuracy where it is tiny (0 from :math:`k = n`)."""
        return self._tail(value, lower=False)

    def _log_cdf(self, value: Array) -> Array:
        return self._tail(value, lower=True, log=True)

    def _log_survival_function(self, value: Array) -> Array:
        return self._tail(value, lower=False, log=True)

    def _tail(self, value: Array, lower: bool, log: bool = False) -> Array:
        ops, n = self._ops, self.total_count
        xp = ops.xp
        below = value < n
        # the side beyond n is kept away from betainc's pole at a = 0
        left = xp.where(below, n - value, xp.ones_like(value))
        if log:  # in log space: finite where a tail underflows, exact where the CDF rounds to 1
            tail = _log_beta_tail(self, value + 1, left, upper=not lower)
            return xp.where(below, tail, xp.zeros_like(tail) if lower else xp.full_like(tail, -math.inf))
        tail = _beta_tail(self, value + 1, left, upper=not lower)
        return xp.where(below, tail, xp.ones_like(tail) if lower else xp.zeros_like(tail))

    def _counts(self, what: str, homogeneous: bool) -> int:
        """The largest total_count, read to the host (``what`` needs it as a Python int)."""
        ops = self._ops
        if ops.tracing() or not (ops.is_concrete(self.total_count) or ops.lazy):  # Dask's is computed: the
            raise NotImplementedError(f"Binomial does not implement {what} while tracing (it reads total_count)")
        values = ops.to_numpy(self.total_count)  # shape of the result depends on it
        high = int(values.max()) if values.size else 0
        if homogeneous and values.size and values.min() != high:
            raise NotImplementedError(
                f"Binomial does not implement {what} for a total_count that differs between batch members "
                f"(from {values.min():g} to {high}), as torch.distributions"
            )
        return high

    def enumerate_support(self, expand: bool = True) -> Array:
        """The values :math:`0, \\dots, n` of a total_count :math:`n` shared by every batch member."""
        n = self._counts("enumerate_support", homogeneous=True)
        return self._enumerate_values(self._ops.xp.arange(n + 1, dtype=self._dtype, device=self._device), expand)

    def entropy(self) -> Array:
        r""":math:`-\sum_{k=0}^{n} P(k) \log P(k)`, summed up to the largest ``total_count`` (members of fewer
        trials have mass 0 beyond theirs)."""
        ops, n = self._ops, self.total_count
        xp = ops.xp
        high = self._counts("entropy", homogeneous=False)
        k = self._enumerate_values(xp.arange(high + 1, dtype=self._dtype, device=self._device), False)
        mass = xp.exp(self._log_prob(xp.minimum(k, n)))  # clipped: no lgamma pole beyond n
        mass = xp.where(k <= n, mass, xp.zeros_like(mass))
        return -xp.sum(ops.xlogy(mass, mass), axis=0)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p: Binomial, q: Binomial) -> Array:
    r""":math:`n \left(p \log\frac{p}{q} + (1 - p) \log\frac{1 - p}{1 - q}\right)` for equal counts :math:`n`
    (:func:`_kl_trial`, non-negative in any dtype);
    infinite where :math:`n_p > n_q`.  For :math:`n_p < n_q` the KL has no closed form (as in
    torch.distributions, a ``NotImplementedError``; NaN for those members when the counts cannot be read)."""
    ops = p._ops
    xp = ops.xp
    n_p, n_q = p.total_count, q.total_count
    if not ops.tracing() and ops.is_concrete(n_p) and ops.is_concrete(n_q) and not ops.all(n_p >= n_q):
        raise NotImplementedError("KL(Binomial || Binomial) is not implemented where p.total_count < q.total_count")
    kl = n_p * _kl_trial(p, q)
    inf = xp.full_like(kl, math.inf)
    return xp.where(n_p > n_q, inf, xp.where(n_p < n_q, xp.full_like(kl, math.nan), kl))
