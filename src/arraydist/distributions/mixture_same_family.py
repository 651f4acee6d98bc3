"""``MixtureSameFamily``: a finite mixture of distributions of one family, weighted by a ``Categorical``."""

from __future__ import annotations

import math
from typing import Any

from .. import _tree, constraints
from .._shapes import broadcast_shapes
from ..distribution import Distribution, _not_implemented
from .categorical import Categorical

__all__ = ["MixtureSameFamily"]

Array = Any

#: values x components in one block of an eager ``log_prob`` on a CPU (256 KiB of float32): measured best of
#: 2^11, 2^13 and 2^15 rows of 10 components
_BLOCK = 1 << 16


class MixtureSameFamily(Distribution):
    r"""A mixture of :math:`K` distributions of one family: the rightmost batch dimension of
    ``component_distribution`` indexes the components, ``mixture_distribution`` weighs them.

    .. math::
        p(x) = \sum_{k=1}^{K} w_k \, p_k(x), \qquad
        \log p(x) = \operatorname{logsumexp}_k \left(\log w_k + \log p_k(x)\right)

    with mean :math:`\sum_k w_k \mu_k` and, by the law of total variance,
    :math:`\sum_k w_k \sigma_k^2 + \sum_k w_k (\mu_k - \mu)^2`; for univariate components the CDF is
    :math:`\sum_k w_k F_k(x)`.

    Args:
        mixture_distribution: a :class:`Categorical` over the :math:`K` components, of a batch shape that
            broadcasts with the component distribution's batch shape without its last dimension.
        component_distribution: any distribution whose batch shape ends in :math:`K`, the components.
        validate_args: check values (default: the mixture distribution's setting).

    A draw picks a component index per member and draws from that component alone (its parameters gathered at
    the indices): one draw of the family per value, not :math:`K`.  There is no reparameterized sampler
    (``has_rsample`` is False, as in torch.distributions), no entropy and no mode (neither has a closed form).
    A weight of exactly 0 keeps the gradients of ``log_prob`` finite.

    Example:
        >>> import numpy as np
        >>> from arraydist import Categorical, MixtureSameFamily, Normal
        >>> mix = Categorical(probs=np.array([0.25, 0.75]))
        >>> d = MixtureSameFamily(mix, Normal(np.array([-1.0, 1.0]), 0.5))
        >>> d.batch_shape, d.event_shape
        ((), ())
        >>> float(d.mean), float(d.variance)
        (0.5, 1.0)
        >>> d.log_prob(np.array([-1.0, 1.0])).round(4)
        array([-1.6111, -0.5134])
        >>> d.sample((3,), seed=0).shape
        (3,)
    """

    arg_constraints: dict[str, constraints.Constraint] = {}
    _parts = ("mixture_distribution", "component_distribution")
    #: ``explain`` labels the components' dimension of their parameters ``param``, as the weights' own
    _part_dim_kind = "param"
    has_rsample = False

    mixture_distribution: Categorical
    component_distribution: Distribution

    def __init__(
        self, mixture_distribution: Categorical, component_distribution: Distribution, validate_args: bool | None = None
    ) -> None:
        mix, comp = mixture_distribution, component_distribution
        for name, part, kind in (("mixture_distribution", mix, Categorical), ("component_distribution", comp, None)):
            if not isinstance(part, kind or Distribution):
                wanted = "an arraydist Categorical" if kind else "an arraydist Distribution"
                raise TypeError(
                    f"MixtureSameFamily: {name} must be {wanted}, got {type(part).__module__}.{type(part).__qualname__}"
                )
        cbatch = comp.batch_shape
        if not cbatch:
            raise ValueError(
                "MixtureSameFamily: component_distribution must have a batch dimension of components (its "
                f"rightmost); got {type(comp).__name__} with batch_shape ()"
            )
        k = mix._num_events
        if cbatch[-1] != k:
            raise ValueError(
                f"MixtureSameFamily: mixture_distribution has {k} categories (param_shape {mix.param_shape}) but "
                f"component_distribution's rightmost batch dimension has {cbatch[-1]} components (batch_shape "
                f"{cbatch})"
            )
        batch = broadcast_shapes(
            mix.batch_shape, cbatch[:-1], what="MixtureSameFamily: mixture_distribution and component_distribution "
            "batch shapes (the latter without its component dimension)",
        )  # fmt: skip
        mix, comp = _one_library(mix, comp)
        # both parts carry the whole batch, so that every batch operation of the tree sees them line up
        if mix.batch_shape != batch:
            mix = mix.expand(batch)
        if cbatch[:-1] != batch:
            comp = comp.expand((*batch, k))
        self._init_parts({"mixture_distribution": mix, "component_distribution": comp}, validate_args)

    def _part_shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return self.mixture_distribution.batch_shape, self.component_distribution.event_shape

    def _part_layout(self, extra: int) -> list[tuple[int, bool]]:
        return [(extra, False), (extra + 1, False)]  # the components are one more batch dimension

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """The components' support where it is one region for all of them; where each component has bounds of its
        own (a Uniform's), the mixture's is their union, which no constraint here describes: values are then not
        checked, and each component's log density is -inf outside its own bounds."""
        support = self.component_distribution.support
        if _has_member_bounds(support):
            return constraints._Dependent(is_discrete=support.is_discrete, event_dim=support.event_dim)
        return support

    # ------------------------------------------------------------------ helpers
    def _pad(self, value: Array) -> Array:
        """``value`` with a dimension of size 1 for the components, before the event dimensions."""
        return self._ops.xp.expand_dims(value, axis=-1 - len(self._event_shape))

    def _weights(self) -> Array:
        """The probabilities, of shape ``batch + (K,)`` followed by a 1 per event dimension."""
        probs = self.mixture_distribution.probs
        return self._ops.xp.reshape(probs, (*probs.shape, *(1,) * len(self._event_shape)))

    @property
    def _log_weights(self) -> Array:
        r""":math:`\log w_k`, ``-inf`` for a weight of 0."""
        state = self.mixture_distribution.__dict__
        if "logits" in state:
            return state["logits"]  # normalized; a masked category is -inf, its gradient 0 in log_softmax
        xp = self._ops.xp
        probs = state["probs"]
        positive = probs > 0
        return xp.where(
            positive, xp.log(xp.where(positive, probs, xp.ones_like(probs))), xp.full_like(probs, -math.inf)
        )

    def _mix(self, values: Array) -> Array:
        r""":math:`\log \sum_k w_k \exp v_k` over the last dimension (``values`` :math:`v_k`: the components' log
        densities, or their log-CDFs).

        Where gradients may flow to weights given as ``probs``, the sum is taken of :math:`w_k \exp(v_k - m)`,
        with :math:`m` the largest :math:`v_k + \log w_k` of a positive weight (so no term overflows), and a weight
        of exactly 0 enters as :math:`0 \cdot \exp(v_k - m)`: its gradient is the exact
        :math:`\exp v_k / \sum_j w_j \exp v_j`, where ``log(w)`` would pass back :math:`0 \cdot 1/0`, NaN (NumPyro's
        mixtures until pyro-ppl/numpyro#2224)."""
        ops = self._ops
        state = self.mixture_distribution.__dict__
        if "logits" in state or not ops.differentiable or ops.can_inplace(values, state["probs"]):
            return ops.logsumexp(values + self._log_weights, axis=-1)
        xp = ops.xp
        probs = state["probs"]
        positive = probs > 0
        shifted = values + xp.log(xp.where(positive, probs, xp.ones_like(probs)))  # v + log w (v where w = 0)
        top = xp.max(xp.where(positive, shifted, xp.full_like(shifted, -math.inf)), axis=-1, keepdims=True)
        top = ops.stop_gradient(xp.where(xp.isfinite(top), top, xp.zeros_like(top)))  # no positive term: -inf
        # both branches finite, so the one not taken passes back 0, never 0 * inf: a positive weight's exponent
        # is <= 0 by the choice of top (not clipped there: JAX splits the gradient of a clip at its bound, and
        # the largest term sits on it), a zero weight's is clipped far above any value that matters
        zero = xp.zeros_like(shifted)
        big = math.log(xp.finfo(probs.dtype).max) - 2.0
        terms = xp.where(
            positive,
            xp.exp(xp.where(positive, shifted - top, zero)),
            probs * xp.exp(xp.clip(values - top, max=big)),
        )
        return xp.log(xp.sum(terms, axis=-1)) + top[..., 0]

    def _univariate(self, what: str) -> None:
        if self._event_shape:
            raise _not_implemented(self, f"{what} (its components are not univariate: event_shape {self._event_shape})")

    # ------------------------------------------------------------------ densities
    def _log_prob(self, value: Array) -> Array:
        comp = self.component_distribution
        ops = self._ops
        ne = len(self._event_shape)
        rows = int(value.shape[0]) if value.ndim > len(self._batch_shape) + ne else 0  # a leading sample dimension
        if rows > 1 and ops.can_inplace(value) and getattr(self._device, "type", self._device) == "cpu":
            batch = broadcast_shapes(tuple(value.shape[1 : value.ndim - ne]), self._batch_shape)
            step = max(1, _BLOCK // (math.prod(batch) * math.prod(self._event_shape) * comp.batch_shape[-1] or 1))
            if step < rows:
                # Eagerly on a CPU, blocks of sample rows: each block's values x components stay in the cache
                # between the component's log density and the log-sum-exp (10^6 points x 10 Normal components in
                # a third of the time of whole-array passes)
                blocks = [self._mix(comp._log_prob(self._pad(value[i : i + step]))) for i in range(0, rows, step)]
                return ops.xp.concat(blocks, axis=0)
        return self._mix(comp._log_prob(self._pad(value)))

    def _cdf(self, value: Array) -> Array:
        self._univariate("cdf")
        cdf = self.component_distribution._cdf(self._pad(value))
        return self._ops.dot_last(*self._ops.xp.broadcast_arrays(cdf, self.mixture_distribution.probs))

    def _survival_function(self, value: Array) -> Array:
        self._univariate("survival_function")
        sf = self.component_distribution._survival_function(self._pad(value))
        return self._ops.dot_last(*self._ops.xp.broadcast_arrays(sf, self.mixture_distribution.probs))

    def _log_cdf(self, value: Array) -> Array:
        self._univariate("log_cdf")
        return self._mix(self.component_distribution._log_cdf(self._pad(value)))

    def _log_survival_function(self, value: Array) -> Array:
        self._univariate("log_survival_function")
        return self._mix(self.component_distribution._log_survival_function(self._pad(value)))

    # ------------------------------------------------------------------ moments
    @property
    def mean(self) -> Array:
        axis = -1 - len(self._event_shape)
        return self._ops.xp.sum(self._weights() * self.component_distribution.mean, axis=axis)

    @property
    def variance(self) -> Array:
        xp = self._ops.xp
        comp = self.component_distribution
        axis = -1 - len(self._event_shape)
        w = self._weights()
        means = comp.mean
        spread = means - xp.expand_dims(xp.sum(w * means, axis=axis), axis=axis)
        return xp.sum(w * (comp.variance + spread * spread), axis=axis)  # within + between the components

    # ------------------------------------------------------------------ sampling
    def _sample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        rng_index, rng_draw = ops.split(rng, 2)
        index = self.mixture_distribution._sample(sample_shape, rng_index)  # sample + batch
        return self._gathered(index)._sample((), rng_draw)

    def _gathered(self, index: Array) -> Distribution:
        """The component distribution with its parameters gathered at ``index`` (``sample + batch``): a
        distribution of batch ``sample + batch`` whose member ``(s, b)`` is component ``index[s, b]`` of ``b``."""
        ops = self._ops
        xp = ops.xp
        comp = self.component_distribution
        cbatch = comp.batch_shape
        axis = len(cbatch) - 1

        def gather(leaf: Any, nd: int, shared: bool) -> Any:
            if not hasattr(leaf, "shape") or (shared and leaf.ndim <= nd):
                return leaf  # no batch dimensions: the same for every component
            tail = _tree.tail(leaf, nd)
            full = ops.broadcast_to(leaf, cbatch + tail)
            # the component dimension last, then one index per batch member broadcast over the parameter's own
            # dimensions (take_along_axis, one gather: no temporary of draws x components)
            moved = xp.permute_dims(full, (*range(axis), *range(axis + 1, full.ndim), axis))
            where = xp.reshape(index, (*index.shape, *(1,) * len(tail)))
            return ops.take_last(moved, where)

        return _tree.map_tree(comp, gather, neutral=comp._neutral)

    def _repr_params(self) -> list[str]:
        return [f"{self.mixture_distribution!r}", f"{self.component_distribution!r}"]


def _has_member_bounds(support: constraints.Constraint) -> bool:
    """Whether ``support`` holds bounds per batch member (arrays), also inside another constraint."""
    for v in vars(support).values():
        if getattr(v, "ndim", 0) > 0 or (isinstance(v, constraints.Constraint) and _has_member_bounds(v)):
            return True
    return False


def _one_library(mix: Categorical, comp: Distribution) -> tuple[Categorical, Distribution]:
    """The two parts in one library, dtype and device: a part of Python numbers adopts the other's; the weights
    take the components' dtype (the values' dtype is the components')."""
    if mix._ops is not comp._ops and not (mix._neutral or comp._neutral):
        raise TypeError(
            f"MixtureSameFamily: mixture_distribution is of {mix._ops.name} and component_distribution of "
            f"{comp._ops.name}; give both parts in one array library"
        )
    if comp._neutral and not mix._neutral:
        comp = comp._materialize(mix._ops, mix._dtype, mix._device)
    elif mix._neutral and not comp._neutral:
        mix = mix._materialize(comp._ops, comp._dtype, comp._device)  # type: ignore[assignment]
    if mix._dtype != comp._dtype:
        ops = comp._ops
        mix = mix._map_leaves(lambda x: ops.asarray(x, comp._dtype, comp._device))  # type: ignore[assignment]
    return mix, comp
