"""``TransformedDistribution``: a base distribution pushed through a chain of transforms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import _tree, constraints
from .._backend import Ops, ops_of
from ..distribution import Distribution, _not_implemented
from ..kl import kl_divergence, register_kl
from ..transforms import Transform
from ._widening import in_tail_float
from .independent import Independent

__all__ = ["TransformedDistribution"]

_SAME_SHAPE = Transform.forward_shape
_SAME_SHAPE_INVERSE = Transform.inverse_shape

Array = Any
Shape = tuple[int, ...]


def _event_ranks(transforms: Sequence[Transform]) -> tuple[int, int]:
    """(domain, codomain) event ranks of the chain: each part needs at least its own rank, and changes the
    rank by the difference of its codomain's and domain's (torch's rule for ``ComposeTransform``)."""
    if not transforms:
        return 0, 0
    domain = transforms[-1].codomain.event_dim
    for t in reversed(transforms):
        domain = max(domain + t.domain.event_dim - t.codomain.event_dim, t.domain.event_dim)
    codomain = transforms[0].domain.event_dim
    for t in transforms:
        codomain = max(codomain + t.codomain.event_dim - t.domain.event_dim, t.codomain.event_dim)
    return domain, codomain


def _elementwise(transforms: Sequence[Transform]) -> bool:
    """Whether every transform maps scalars to scalars and holds no parameters (Tanh, Exp, Sigmoid...)."""
    for t in transforms:
        if (
            t._child_names
            or t._child_list
            or t.domain.event_dim
            or t.codomain.event_dim
            or type(t).forward_shape is not _SAME_SHAPE
            or type(t).inverse_shape is not _SAME_SHAPE_INVERSE
        ):
            return False
    return True


def _library(base: Distribution, transforms: Sequence[Transform]) -> Ops | None:
    """The one library other than NumPy among the base's arrays and the transforms' (None: NumPy or neutral);
    two such libraries are a ``TypeError`` naming both."""
    found = None if base._neutral or base.backend == "numpy" else base._ops
    for t in transforms:
        for path, leaf, *_ in _tree.iter_leaves(t):
            ops = ops_of(leaf)
            if ops is None or ops.name == "numpy" or ops is found:
                continue
            if found is not None:
                raise TypeError(
                    f"TransformedDistribution: {type(t).__name__}.{path} is a {ops.name} array but the other "
                    f"arrays are {found.name} arrays; arraydist does not mix array libraries (NumPy arrays and "
                    "Python numbers are converted, others are not)"
                )
            found = ops
    return found


def _oriented(sign: Any, p: Array) -> Array:
    """``p`` where the chain increases, ``1 - p`` where it decreases."""
    return p if isinstance(sign, int) and sign == 1 else sign * (p - 0.5) + 0.5


class TransformedDistribution(Distribution):
    r"""The distribution of :math:`Y = f(X)`, :math:`X` drawn from ``base_distribution`` and
    :math:`f = f_n \circ \dots \circ f_1` the ``transforms`` applied in order.

    .. math::
        \log p_Y(y) = \log p_X(x) - \sum_{i=1}^{n} \log \left|\det \frac{\partial f_i}{\partial x_{i-1}}\right|,
        \qquad x = f^{-1}(y)

    Args:
        base_distribution: the distribution of :math:`X`.
        transforms: a :class:`~arraydist.transforms.Transform` or a list of them, applied first to last.
        validate_args: check values (default: the base distribution's setting).

    Shapes follow torch.distributions: the base is expanded where a transform's parameters broadcast it, and
    its rightmost batch dimensions become event dimensions (``Independent``) where the chain acts on events of
    a higher rank; ``forward_shape`` gives the shape of a draw.  Python numbers and NumPy arrays among the
    transforms' parameters take the base's library, dtype and device.  ``cdf`` and ``icdf`` exist for chains
    of monotone univariate transforms.  :meth:`rsample_and_log_prob` computes the density from the draw before
    the transforms: exact where ``log_prob`` of the transformed value must first invert it (a ``tanh`` that
    rounds to :math:`\pm 1`).

    Example:
        >>> import numpy as np
        >>> from arraydist import Normal, TransformedDistribution
        >>> from arraydist.transforms import TanhTransform
        >>> d = TransformedDistribution(Normal(np.zeros(6), 3.0), [TanhTransform()])
        >>> action, log_p = d.rsample_and_log_prob((256,), seed=0)
        >>> action.shape, bool(np.isfinite(log_p).all())
        ((256, 6), True)
        >>> d.log_prob(np.array([0.0, 0.5, 0.9, 0.99, 1.0, -1.0])).round(2)
        array([-2.02, -1.75, -0.48,  1.51, 14.57, 14.57])
    """

    arg_constraints: dict[str, constraints.Constraint] = {}
    _parts = ("base_dist", "transforms")

    base_dist: Distribution
    transforms: list[Transform]

    def __init__(
        self,
        base_distribution: Distribution,
        transforms: Transform | Sequence[Transform],
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(base_distribution, Distribution):
            raise TypeError(
                "TransformedDistribution: base_distribution must be an arraydist Distribution, got "
                f"{type(base_distribution).__module__}.{type(base_distribution).__qualname__}"
            )
        if isinstance(transforms, Transform):
            transforms = [transforms]
        elif isinstance(transforms, (list, tuple)) and all(isinstance(t, Transform) for t in transforms):
            transforms = list(transforms)
        else:
            raise TypeError(
                "TransformedDistribution: transforms must be an arraydist Transform or a list of them, got "
                f"{transforms!r:.80}"
            )
        if _elementwise(transforms):  # tanh squashing, exp...: the base's shapes, nothing to place or expand
            base = base_distribution
            self._init_parts({"base_dist": base, "transforms": transforms}, validate_args,
                             (base._batch_shape, base._event_shape))  # fmt: skip
            return
        base, transforms = self._placed(base_distribution, transforms)
        base_shape = base.batch_shape + base.event_shape
        domain_rank, codomain_rank = _event_ranks(transforms)
        if len(base_shape) < domain_rank:
            raise ValueError(
                f"TransformedDistribution: the transforms act on events of rank {domain_rank} but the base "
                f"{type(base).__name__} has values of shape {base_shape}"
            )
        shape = base_shape
        for t in transforms:
            if type(t).forward_shape is not _SAME_SHAPE:  # the others keep the shape: no call
                shape = t.forward_shape(shape)
        expanded = shape
        for t in reversed(transforms):
            if type(t).inverse_shape is not _SAME_SHAPE_INVERSE:
                expanded = t.inverse_shape(expanded)
        if expanded != base_shape:  # the transforms' parameters broadcast the base
            base = base.expand(expanded[: len(expanded) - len(base.event_shape)])
        base_rank = len(base.event_shape)
        if domain_rank > base_rank:
            base = Independent(base, domain_rank - base_rank)
        event_rank = max(codomain_rank, base_rank + codomain_rank - domain_rank)
        cut = len(shape) - event_rank
        self._init_parts({"base_dist": base, "transforms": transforms}, validate_args, (shape[:cut], shape[cut:]))

    @staticmethod
    def _placed(base: Distribution, transforms: list[Transform]) -> tuple[Distribution, list[Transform]]:
        """The base and the transforms on one library, dtype and device: Python numbers and NumPy arrays take
        the library of the other arrays (the base's, else the transforms'), floating arrays the base's dtype."""
        if not any(t._child_names or t._child_list for t in transforms):
            return base, transforms  # no parameters to place (a tanh squashing)
        target = _library(base, transforms)
        if target is not None and target is not base._ops:
            if base._neutral:
                base = base._materialize(target, target.default_float(), None)
            else:  # NumPy parameters beside another library's, taken as Python numbers are
                base = base._map_leaves(lambda x: target.asarray(x, target.default_float(), None))
        ops, dtype, device = base._ops, base.dtype, base.device

        def place(leaf: Any, nd: int, shared: bool) -> Any:
            if type(leaf) in (float, int) or ops_of(leaf) is not ops:
                return ops.asarray(leaf, dtype, device)
            return ops.cast(leaf, dtype) if leaf.dtype != dtype and ops.is_float_dtype(leaf.dtype) else leaf

        placed = []
        for t in transforms:
            if _tree.node_children(t)[0]:  # a transform with parameters: rebuilt where one of them moves
                moved: list[bool] = []

                def place_and_note(leaf: Any, nd: int, shared: bool, moved: list[bool] = moved) -> Any:
                    new = place(leaf, nd, shared)
                    moved.append(new is not leaf)
                    return new

                rebuilt = _tree.map_tree(t, place_and_note)
                t = rebuilt if any(moved) else t
            placed.append(t)
        return base, placed

    def _part_shapes(self) -> tuple[Shape, Shape]:
        base = self.base_dist
        shape = base.batch_shape + base.event_shape
        for t in self.transforms:
            shape = t.forward_shape(shape)
        domain, codomain = _event_ranks(self.transforms)
        event_rank = max(codomain, len(base.event_shape) + codomain - domain)
        cut = len(shape) - event_rank
        return shape[:cut], shape[cut:]

    def _part_layout(self, extra: int) -> list[tuple[int, bool]]:
        # a transform's parameters line up with the events of the values it receives (kept as given: shared)
        layout = [(extra, False)]
        rank = len(self.base_dist.event_shape)
        for t in self.transforms:
            layout.append((extra + rank, True))
            rank += t.codomain.event_dim - t.domain.event_dim
        return layout

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        if not self.transforms:
            return self.base_dist.support
        codomain = self.transforms[-1].codomain
        extra = len(self._event_shape) - codomain.event_dim
        return constraints.independent(codomain, extra) if extra > 0 else codomain

    def _sample(self, sample_shape: Shape, rng: Any) -> Array:
        x = self.base_dist._sample(sample_shape, rng)
        for t in self.transforms:
            x = t(x)
        return self._ops.stop_gradient(x)  # no gradient through the transforms' parameters either

    def _rsample(self, sample_shape: Shape, rng: Any) -> Array:
        if not self.base_dist.has_rsample:
            raise _not_implemented(self, "rsample (its base distribution has no reparameterized sampler)")
        x = self.base_dist._rsample(sample_shape, rng)
        for t in self.transforms:
            x = t(x)
        return x

    def _log_prob(self, value: Array) -> Array:
        ops = self._ops
        rank = len(self._event_shape)
        log_det = None
        y = value
        for t in reversed(self.transforms):
            x = t.inv(y)
            rank += t.domain.event_dim - t.codomain.event_dim
            term = ops.sum_rightmost(t.log_abs_det_jacobian(x, y), rank - t.domain.event_dim)
            log_det = term if log_det is None else log_det + term
            y = x
        log_p = ops.sum_rightmost(self.base_dist._log_prob(y), rank - len(self.base_dist.event_shape))
        return log_p if log_det is None else log_p - log_det

    def _rsample_and_log_prob(self, sample_shape: Shape, rng: Any) -> tuple[Array, Array]:
        if not self.base_dist.has_rsample:
            raise _not_implemented(self, "rsample (its base distribution has no reparameterized sampler)")
        ops = self._ops
        x, log_p = self.base_dist._rsample_and_log_prob(sample_shape, rng)
        rank = len(self.base_dist.event_shape)  # of the values the next transform receives
        for t in self.transforms:
            y = t(x)
            log_p = log_p - ops.sum_rightmost(t.log_abs_det_jacobian(x, y), rank - t.domain.event_dim)
            rank += t.codomain.event_dim - t.domain.event_dim
            x = y
        return x, log_p

    def _monotone_sign(self, method: str) -> Any:
        """The product of the transforms' signs, for ``cdf``/``icdf`` of a chain of monotone univariate
        transforms; an error naming the transform that is not."""
        sign = 1
        for t in self.transforms:
            if t.domain.event_dim or t.codomain.event_dim:
                raise NotImplementedError(f"TransformedDistribution.{method}: {t!r} is not univariate")
            try:
                sign = sign * t.sign
            except NotImplementedError:
                raise NotImplementedError(
                    f"TransformedDistribution.{method}: {t!r} is not monotone (it has no sign)"
                ) from None
        return sign

    @in_tail_float
    def _cdf(self, value: Array) -> Array:
        sign = self._monotone_sign("cdf")
        y = value
        for t in reversed(self.transforms):
            value = t.inv(value)
        p = _oriented(sign, self.base_dist.cdf(value))
        # at the ends of a bounded support the CDF is exactly 0 and 1: a saturating inverse (tanh's, sigmoid's)
        # clips them inside, where the base's CDF is only close to them (far from it in bfloat16)
        support = self.support
        low, high = getattr(support, "lower_bound", None), getattr(support, "upper_bound", None)
        if type(low) in (int, float) and type(high) in (int, float):
            xp = self._ops.xp
            p = xp.where(y >= high, xp.ones_like(p), xp.where(y <= low, xp.zeros_like(p), p))
        return p

    def _tail(self, value: Array, method: str, lower: str, upper: str) -> Array:
        """The base's ``lower`` tail function (``log_cdf``...) at the preimage where the chain increases, its
        ``upper`` one where it decreases: the upper tail of ``Y`` is the lower one of ``X`` there, so the stable
        form of each tail carries through the chain."""
        sign = self._monotone_sign(method)
        for t in reversed(self.transforms):
            value = t.inv(value)
        base = self.base_dist
        if isinstance(sign, int):
            return getattr(base, lower if sign == 1 else upper)(value)
        return self._ops.xp.where(sign > 0, getattr(base, lower)(value), getattr(base, upper)(value))

    @in_tail_float
    def _log_cdf(self, value: Array) -> Array:
        return self._tail(value, "log_cdf", "log_cdf", "log_survival_function")

    @in_tail_float
    def _survival_function(self, value: Array) -> Array:
        return self._tail(value, "survival_function", "survival_function", "cdf")

    @in_tail_float
    def _log_survival_function(self, value: Array) -> Array:
        return self._tail(value, "log_survival_function", "log_survival_function", "log_cdf")

    def _icdf(self, value: Array) -> Array:
        sign = self._monotone_sign("icdf")
        x = self.base_dist.icdf(_oriented(sign, value))
        for t in self.transforms:
            x = t(x)
        return x

    def _repr_params(self) -> list[str]:
        return [f"{self.base_dist!r}", f"transforms={self.transforms!r}"]


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p: TransformedDistribution, q: TransformedDistribution) -> Any:
    r"""KL is invariant under a bijection applied to both: :math:`KL(p_X \| q_X)` of the bases when the two
    chains of transforms are equal (summed over the event dimensions the transforms add); otherwise no closed
    form (a ``NotImplementedError``, as in torch.distributions)."""
    if len(p.transforms) != len(q.transforms) or any(a != b for a, b in zip(p.transforms, q.transforms)):
        raise NotImplementedError(
            "KL(TransformedDistribution || TransformedDistribution) needs the same transforms on both sides"
        )
    if p.event_shape != q.event_shape:
        raise NotImplementedError("KL(TransformedDistribution || TransformedDistribution) needs equal event shapes")
    kl = kl_divergence(p.base_dist, q.base_dist)
    return p._ops.sum_rightmost(kl, len(p.event_shape) - len(p.base_dist.event_shape))
