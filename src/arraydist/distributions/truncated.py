"""``Truncated``: any univariate continuous distribution with a cdf and an icdf, restricted to an interval."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from .._backend import ops_of
from .._shapes import broadcast_shapes
from ..distribution import Distribution, _not_implemented
from .truncated_normal import _NODES, _WEIGHTS, _log1mexp, _work_dtype

__all__ = ["Truncated"]

Array = Any
Shape = tuple[int, ...]
#: Newton steps of the inverse CDF from the base's icdf (quadratic convergence: 4 from a start at the far bound
#: of (8, 12) standard deviations, 1 or 2 from a start that the base's icdf got right)
_NEWTON_STEPS = 6
#: Gauss-Legendre's five points (``_NODES``, ``_WEIGHTS``): the base's mass over an interval across which its log
#: density varies by less than ``_FLAT`` (per dtype width) is integrated, not taken as a difference of its CDF
#: (measured on normal bases: 1e-9 relative at a variation of 0.25, below 1e-15 at 0.05; the difference of two
#: log-CDFs of size L loses L ulps of a small mass: 2e-4 in float32 near a bound 8 sd out)
_FLAT = {32: 0.25, 64: 0.05}


class Truncated(Distribution):
    r"""The distribution of ``base_dist`` conditioned on :math:`\mathrm{low} \le X \le \mathrm{high}`.

    .. math::
        p(x) = \frac{p_{\text{base}}(x)}{F(\mathrm{high}) - F(\mathrm{low})}, \qquad
        \mathrm{low} \le x \le \mathrm{high}

    Args:
        base_dist: a univariate continuous distribution with ``cdf`` and ``icdf`` (a ``ValueError`` names the
            class otherwise).
        low: lower bound (``None``: ``-inf``, one-sided truncation); a number or an array.
        high: upper bound (``None``: ``inf``); ``low < high`` in every batch member.
        validate_args: check values (default: the base distribution's setting).

    ``batch_shape`` is the broadcast of the base's batch shape and the bounds' shapes (the base is expanded to
    it).  The normalizer and the CDF are computed in log space from the base's ``log_cdf`` or
    ``log_survival_function``, whichever tail the interval lies in (its stable forms: a mass of
    :math:`10^{-300}` stays exact); draws are the base's ``icdf`` of uniform draws mapped into
    :math:`[F(\mathrm{low}), F(\mathrm{high})]`, reparameterized when the base is (gradients flow to the base's
    parameters and to the bounds), and clipped to the bounds.  The inverse CDF of an interval in the upper tail
    goes through :math:`1 - S(x)` (the API has no inverse survival function): its draws keep the dtype's absolute
    resolution in probability there.  A mass near 1 is the complement of the other, small one, and float32 (and
    narrower) distributions compute in float64 where the library has it: the log-tails of size :math:`L` that the
    masses compare hold :math:`L` ulps (3e-5 of the CDF in float32 at the bounds (30, 40) of a standard normal).
    No closed-form moments or entropy (as for ``TransformedDistribution``); :class:`~arraydist.TruncatedNormal`
    has them.

    Example:
        >>> import numpy as np
        >>> from arraydist import Normal, Truncated
        >>> d = Truncated(Normal(np.zeros(2), 1.0), low=np.array([-1.0, 2.0]))
        >>> d.batch_shape
        (2,)
        >>> x = d.sample((1000,), seed=0)
        >>> bool((x >= np.array([-1.0, 2.0])).all())
        True
        >>> d.cdf(np.array([0.0, 2.0])).round(4)
        array([0.4057, 0.    ])
    """

    arg_constraints = {"low": constraints.real, "high": constraints.real}
    _infinite_params = frozenset({"low", "high"})
    _parts = ("base_dist",)

    base_dist: Distribution
    low: Array
    high: Array

    def __init__(
        self, base_dist: Distribution, low: Any = None, high: Any = None, validate_args: bool | None = None
    ) -> None:
        if not isinstance(base_dist, Distribution):
            raise TypeError(
                "Truncated: base_dist must be an arraydist Distribution, got "
                f"{type(base_dist).__module__}.{type(base_dist).__qualname__}"
            )
        name = type(base_dist).__name__
        if base_dist.event_shape:
            raise ValueError(f"Truncated: base_dist {name} has event_shape {base_dist.event_shape}; it must be ()")
        support = base_dist.support
        if getattr(support, "is_discrete", False):
            raise ValueError(f"Truncated: base_dist {name} is discrete; Truncated takes continuous distributions")
        missing = [m for m in ("cdf", "icdf") if getattr(type(base_dist), f"_{m}") is getattr(Distribution, f"_{m}")]
        if missing:
            raise ValueError(
                f"Truncated: base_dist {name} has no {' and no '.join(missing)}; Truncated needs both (the "
                "normalizer and the draws come from them)"
            )
        base, low, high = self._placed(base_dist, -math.inf if low is None else low, math.inf if high is None else high)
        batch = broadcast_shapes(
            base.batch_shape, tuple(low.shape), tuple(high.shape), what="Truncated: base batch_shape, low and high"
        )
        if batch != base.batch_shape:
            base = base.expand(batch)
        ops = base._ops
        low, high = ops.broadcast_to(low, batch), ops.broadcast_to(high, batch)
        self._init_parts({"base_dist": base, "low": low, "high": high}, validate_args, (batch, ()))

    @staticmethod
    def _placed(base: Distribution, low: Any, high: Any) -> tuple[Distribution, Array, Array]:
        """The base and the bounds on one library, dtype and device: Python numbers and NumPy arrays take the
        base's (a neutral base takes the library of array bounds of another library)."""
        found = None
        for what, bound in (("low", low), ("high", high)):
            try:
                bops = ops_of(bound)
            except TypeError as exc:
                raise TypeError(f"Truncated: {what}: {exc}") from None
            if bops is None or bops.name == "numpy" or bops is base._ops:
                continue
            if not base._neutral and base.backend != "numpy":
                raise TypeError(
                    f"Truncated: {what} is a {bops.name} array but the base distribution's parameters are "
                    f"{base.backend} arrays; arraydist does not mix array libraries"
                )
            found = bops
        if found is not None and found is not base._ops:
            arrays = [b for b in (low, high) if ops_of(b) is found]
            dtype, device = found.float_dtype(arrays), found.device(arrays[0])
            if base._neutral:
                base = base._materialize(found, dtype, device)
            else:  # NumPy parameters beside another library's, taken as Python numbers are
                base = base._map_leaves(lambda x: found.asarray(x, dtype, device))
        ops, dtype, device = base._ops, base.dtype, base.device

        def place(bound: Any) -> Array:
            if ops_of(bound) is ops and ops.is_float_dtype(bound.dtype):
                return ops.cast(bound, dtype) if bound.dtype != dtype else bound
            return ops.asarray(bound, dtype, device)

        return base, place(low), place(high)

    def _part_shapes(self) -> tuple[Shape, Shape]:
        low, high = self.__dict__["low"], self.__dict__["high"]
        return broadcast_shapes(self.base_dist.batch_shape, tuple(low.shape), tuple(high.shape)), ()

    def _post_init(self, validate: bool) -> None:
        if validate:
            self._require(self.low < self.high, "low < high", "low", "high")

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.interval(self.low, self.high)

    # ------------------------------------------------------------------ the normalizer, in log space
    def _ends(self) -> tuple[Any, ...]:
        r"""``(lower, lf_low, lf_high, ls_low, ls_high, log Z)``: whether each member's interval is measured in
        the lower tail (:math:`F(\mathrm{high}) \le S(\mathrm{low})`), the base's log-CDF and log-survival at the
        bounds, and :math:`\log Z = \log(F(\mathrm{high}) - F(\mathrm{low}))` from the tail that holds it."""
        xp = self._ops.xp
        k = self._const
        base = self.base_dist
        low, high = self.low, self.high
        # an infinite bound enters as its known limits, not through the base's functions at infinity (whose
        # gradients there would be 0 * inf = NaN): the base sees a finite stand-in
        has_low, has_high = low > k(-math.inf), high < k(math.inf)
        inside = xp.where(has_high, high, xp.where(has_low, low, k(0.0)))
        low = xp.where(has_low, low, inside)
        high = xp.where(has_high, high, xp.where(has_low, low, inside))
        zero, minus_inf = k(0.0), k(-math.inf)
        lf_low = xp.where(has_low, base._log_cdf(low), minus_inf)
        lf_high = xp.where(has_high, base._log_cdf(high), zero)
        ls_low = xp.where(has_low, base._log_survival_function(low), zero)
        ls_high = xp.where(has_high, base._log_survival_function(high), minus_inf)
        lower = lf_high <= ls_low
        log_z = xp.where(
            lower,
            lf_high + self._log1mexp(lf_low - lf_high),
            ls_low + self._log1mexp(ls_high - ls_low),
        )
        return lower, lf_low, lf_high, ls_low, ls_high, self._log_mass(self.low, self.high, log_z)

    def _log_mass(self, a: Array, b: Array, by_tails: Array) -> Array:
        """``log P_base[a, b]`` for ``a <= b``: ``by_tails`` (from the base's log-CDF or log-survival), or where the
        base's log density varies by less than ``_FLAT`` over a finite ``[a, b]``, Gauss-Legendre's integral of
        the density (exact to the dtype where the tails' difference cancels: near a bound, a narrow interval)."""
        xp = self._ops.xp
        k = self._const
        base = self.base_dist
        finite = xp.isfinite(a) & xp.isfinite(b) & (b > a)
        a = xp.where(finite, a, k(0.0))
        b = xp.where(finite, b, k(1.0))
        half = (b - a) * k(0.5)
        mid = a + half
        logs = [base._log_prob(mid + half * k(t)) if t else base._log_prob(mid) for t in _NODES]
        ends = [base._log_prob(a), base._log_prob(b)]
        top = logs[0]
        low = logs[0]
        for v in logs[1:] + ends:
            top, low = xp.maximum(top, v), xp.minimum(low, v)
        flat = finite & (top - low < k(_FLAT[64 if xp.finfo(self._dtype).bits >= 64 else 32]))
        total = sum((k(w) * xp.exp(v - top) for w, v in zip(_WEIGHTS, logs)), k(0.0))
        quadrature = xp.log(half) + top + xp.log(total)
        return xp.where(flat, quadrature, by_tails)

    def _log1mexp(self, d: Array) -> Array:
        """``log(1 - exp(d))``, ``d`` clipped to ``<= 0`` (a base's rounding may put it a hair above)."""
        xp = self._ops.xp
        return _log1mexp(xp, self._const, xp.minimum(d, self._const(0.0)))

    def _clipped(self, value: Array) -> Array:
        xp = self._ops.xp
        return xp.minimum(xp.maximum(value, self.low), self.high)

    def _widened(self) -> Truncated | None:
        """This distribution in float64 when its dtype is narrower and the library computes in it (JAX only under
        ``jax_enable_x64``), else in float32 when it is narrower than that, else None.  Its masses are ratios of
        log-tails of size L, each rounded by L ulps: at the bounds (30, 40) of a normal base, L = 450 and float32's
        ulp there is 3e-5 of the CDF (0.02 of a log-density 7 sd out in float16)."""
        ops = self._ops
        wide = _work_dtype(ops, ops.wide_float(self._dtype))
        if wide == self._dtype:
            return None
        return self._map_leaves(lambda x: ops.cast(x, wide))  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ densities
    def _log_prob(self, value: Array) -> Array:
        xp = self._ops.xp
        wide = self._widened()
        if wide is not None:
            return self._ops.cast(wide._log_prob(self._ops.cast(value, wide.dtype)), self._dtype)
        inside = (value >= self.low) & (value <= self.high)
        log_z = self._ends()[-1]
        lp = self.base_dist._log_prob(self._clipped(value)) - log_z
        return xp.where(inside, lp, self._const(-math.inf))

    def _log_split(self, value: Array) -> tuple[Array, Array]:
        """``(log_cdf, log_survival_function)`` at ``value``, each from the tail the interval lies in."""
        xp = self._ops.xp
        wide = self._widened()
        if wide is not None:
            split = wide._log_split(self._ops.cast(value, wide.dtype))
            return self._ops.cast(split[0], self._dtype), self._ops.cast(split[1], self._dtype)
        base = self.base_dist
        lower, lf_low, lf_high, ls_low, ls_high, log_z = self._ends()
        x = self._clipped(value)
        lf, ls = base._log_cdf(x), base._log_survival_function(x)
        below = xp.where(lower, lf + self._log1mexp(lf_low - lf), ls_low + self._log1mexp(ls - ls_low))
        above = xp.where(lower, lf_high + self._log1mexp(lf - lf_high), ls + self._log1mexp(ls_high - ls))
        log_cdf = self._log_mass(self.low, x, below) - log_z
        log_sf = self._log_mass(x, self.high, above) - log_z
        # a mass near 1 is the complement of the other, small one: its log (-1e-15 next to a bound, -1e-6 at
        # 30.46 in (30, 40)) is lost in the difference of two log-masses of size L that forms it directly
        half = self._const(-math.log(2.0))
        return (
            xp.where(log_sf < half, self._log1mexp(log_sf), log_cdf),
            xp.where(log_cdf < half, self._log1mexp(log_cdf), log_sf),
        )

    def _log_cdf(self, value: Array) -> Array:
        return self._log_split(value)[0]

    def _log_survival_function(self, value: Array) -> Array:
        return self._log_split(value)[1]

    def _cdf(self, value: Array) -> Array:
        return self._ops.xp.exp(self._log_cdf(value))

    def _survival_function(self, value: Array) -> Array:
        return self._ops.xp.exp(self._log_survival_function(value))

    # ------------------------------------------------------------------ quantiles and draws
    def _icdf(self, value: Array) -> Array:
        r""":math:`F^{-1}(F(\mathrm{low}) + qZ)`: the target formed in log space in the tail the interval lies in
        (:math:`\log F(x)` in the lower tail, :math:`\log S(x)` in the upper), a start from the base's ``icdf``
        of it (which loses the upper tail to :math:`1 - S` and a deep lower tail to underflow), then
        ``_NEWTON_STEPS`` Newton steps on the base's log-tail function, which converge from either side for a
        log-concave base and give the implicit derivative of the quantile at convergence (the start carries
        no gradient)."""
        ops = self._ops
        xp = ops.xp
        wide = self._widened()
        if wide is not None:
            return ops.cast(wide._icdf(ops.cast(value, wide.dtype)), self._dtype)
        k = self._const
        base = self.base_dist
        lower, lf_low, _, ls_low, ls_high, log_z = self._ends()
        log_q = xp.log(value) + log_z
        # in the upper tail above q = 1/2, S(x) = S(high) + (1 - q) Z: S(low) - q Z would lose 1 - q = 1e-15 in
        # log(q) + log Z (-454 at (30, 40)) and put x at the lower bound
        upper = xp.logaddexp(ls_high, xp.log1p(-xp.minimum(value, k(1.0))) + log_z)
        upper = xp.where(value > k(0.5), upper, ls_low + self._log1mexp(log_q - ls_low))
        target = xp.where(lower, xp.logaddexp(lf_low, log_q), upper)
        p = xp.where(lower, xp.exp(target), -xp.expm1(target))
        x = ops.stop_gradient(base._icdf(p))
        # a start at an infinite bound (a probability that rounded to 0 or 1) moves to the other one
        x = xp.where(xp.isfinite(x), x, xp.where(x > k(0.0), self.low, self.high))
        x = self._clipped(xp.where(xp.isfinite(x), x, k(0.0)))
        for _ in range(_NEWTON_STEPS):
            log_f = base._log_prob(x)
            log_tail = xp.where(lower, base._log_cdf(x), base._log_survival_function(x))
            # d log F / dx = f / F, d log S / dx = -f / S
            step = (log_tail - target) * xp.exp(log_tail - log_f)
            step = xp.where(lower, -step, step)
            x = self._clipped(xp.where(xp.isfinite(step), x + step, x))
        return x

    def _rsample(self, sample_shape: Shape, rng: Any) -> Array:
        if not self.base_dist.has_rsample:
            raise _not_implemented(self, "rsample (its base distribution has no reparameterized sampler)")
        return self._icdf(self._ops.uniform(rng, sample_shape + self._batch_shape, self._dtype, self._device))

    def _sample(self, sample_shape: Shape, rng: Any) -> Array:
        ops = self._ops
        u = ops.uniform(rng, sample_shape + self._batch_shape, self._dtype, self._device)
        return ops.stop_gradient(self._icdf(u))

    def _repr_params(self) -> list[str]:
        low, high = self._describe_param(self.low), self._describe_param(self.high)
        return [f"{self.base_dist!r}", f"low: {low}", f"high: {high}"]
