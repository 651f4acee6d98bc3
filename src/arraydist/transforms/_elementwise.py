r"""Elementwise transforms: :class:`AbsTransform`, :class:`AffineTransform`, :class:`ExpTransform`,
:class:`PowerTransform`, :class:`SigmoidTransform`, :class:`SoftplusTransform`, :class:`TanhTransform`.

Log-determinants are written so that no digit is lost where the map saturates: the sigmoid's and tanh's through
softplus (:math:`\log(1 - \tanh^2 x) = 2(\log 2 - x - \operatorname{softplus}(-2x))`, finite for any finite
:math:`x`, where :math:`\log(1 - y^2)` is :math:`-\infty` once :math:`y` rounds to :math:`\pm 1`).  Inverses of
maps onto a bounded interval clip their argument to the open interval first (the nearest representable numbers
inside it, in the value's dtype), so that every value of the codomain, its bounds included, has a finite
preimage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import constraints
from .._backend import ops_of
from .._shapes import as_shape, broadcast_shapes
from ._base import Transform
from ._values import as_parameter, check_libraries, is_number

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "ExpTransform",
    "PowerTransform",
    "SigmoidTransform",
    "SoftplusTransform",
    "TanhTransform",
]

Array = Any
Shape = tuple[int, ...]

#: (type of the dtype, its name) -> bounds: dtypes of different libraries may hash alike and warn when compared
#: (array_api_strict's against NumPy's), and ``id`` cannot be traced by torch.compile
_OPEN_UNIT: dict[tuple[type, str], tuple[float, float]] = {}


def open_unit(xp: Any, dtype: Any) -> tuple[float, float]:
    """``(tiny, top)``: the smallest normal number of ``dtype`` and the largest number below 1 (``1 - eps/2``),
    the ends of the open unit interval that a saturating map's inverse clips to."""
    key = (type(dtype), str(dtype))
    found = _OPEN_UNIT.get(key)
    if found is None:
        info = xp.finfo(dtype)
        found = (float(info.smallest_normal), 1.0 - float(info.eps) / 2)
        if len(_OPEN_UNIT) < 64:
            _OPEN_UNIT[key] = found
    return found


def real_of_rank(rank: int) -> Any:
    """``real`` for events of ``rank`` dimensions."""
    return constraints.real if rank == 0 else constraints.independent(constraints.real, rank)


def _shape_of(p: Any) -> Shape:
    return () if is_number(p) else tuple(p.shape)


class ExpTransform(Transform):
    r""":math:`y = e^x`, :math:`\log |dy/dx| = x`.

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import ExpTransform
        >>> ExpTransform()(np.array([0.0, np.log(2.0)]))
        array([1., 2.])
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = 1

    def _call(self, x: Array) -> Array:
        return ops_of(x).xp.exp(x)

    def _inverse(self, y: Array) -> Array:
        return ops_of(y).xp.log(y)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        return self._value(x)


class AbsTransform(Transform):
    r""":math:`y = |x|`; not a bijection of the real line (its ``inv`` is the identity on the positive half).

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import AbsTransform
        >>> AbsTransform()(np.array([-2.0, 3.0]))
        array([2., 3.])
    """

    domain = constraints.real
    codomain = constraints.positive

    def _call(self, x: Array) -> Array:
        return ops_of(x).xp.abs(x)

    def _inverse(self, y: Array) -> Array:
        return y


class SigmoidTransform(Transform):
    r""":math:`y = \sigma(x) = 1 / (1 + e^{-x})`, :math:`x = \operatorname{logit} y`,
    :math:`\log |dy/dx| = \log \sigma(x) + \log \sigma(-x)`.

    Outputs are clipped to ``[tiny, 1 - eps/2]`` of their dtype (as torch.distributions clips them, so that they
    stay inside the open interval), and so are the inverse's inputs: ``inv(0.0)`` and ``inv(1.0)`` are finite.

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import SigmoidTransform
        >>> SigmoidTransform()(np.array([0.0]))
        array([0.5])
        >>> bool(np.isfinite(SigmoidTransform().inv(np.array([1.0]))).all())
        True
    """

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = 1

    def _call(self, x: Array) -> Array:
        ops = ops_of(x)
        tiny, top = open_unit(ops.xp, x.dtype)
        return ops.xp.clip(ops.expit(x), min=tiny, max=top)

    def _inverse(self, y: Array) -> Array:
        ops = ops_of(y)
        tiny, top = open_unit(ops.xp, y.dtype)
        return ops.logit(ops.xp.clip(y, min=tiny, max=top))

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        x = self._value(x)
        ops = ops_of(x)
        return ops.log_sigmoid(x) + ops.log_sigmoid(-x)


class SoftplusTransform(Transform):
    r""":math:`y = \log(1 + e^x)`, :math:`x = y + \log(1 - e^{-y})`,
    :math:`\log |dy/dx| = \log \sigma(x) = -\operatorname{softplus}(-x)`.

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import SoftplusTransform
        >>> t = SoftplusTransform()
        >>> np.allclose(t.inv(t(np.array([-3.0, 0.0, 30.0]))), [-3.0, 0.0, 30.0])
        True
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = 1

    def _call(self, x: Array) -> Array:
        return ops_of(x).softplus(x)

    def _inverse(self, y: Array) -> Array:
        xp = ops_of(y).xp
        return y + xp.log(-xp.expm1(-y))  # log(e^y - 1) without overflow for large y

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        x = self._value(x)
        return ops_of(x).log_sigmoid(x)


class TanhTransform(Transform):
    r""":math:`y = \tanh x`, :math:`\log |dy/dx| = \log(1 - \tanh^2 x) = 2(\log 2 - x - \operatorname{softplus}(-2x))`.

    The log-determinant is computed from :math:`x` and is finite for every finite :math:`x` (at :math:`x = 10^4`
    too), where a formula in :math:`y` is :math:`-\infty` once :math:`|x| > 9` in float32.  The inverse clips
    :math:`y` to :math:`\pm(1 - \epsilon/2)`, the representable numbers nearest to :math:`\pm 1` inside the open
    interval, before :math:`\operatorname{atanh}`: ``inv(1.0)`` is about 8.7 in float32 and 18.7 in float64, not
    infinite (torch.distributions returns ``inf`` there).

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import TanhTransform
        >>> t = TanhTransform()
        >>> x = np.array([-1e4, 0.0, 1e4])
        >>> t.log_abs_det_jacobian(x, t(x))
        array([-19998.61370564,      0.        , -19998.61370564])
        >>> bool(np.isfinite(t.inv(np.array([-1.0, 1.0]))).all())
        True
    """

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = 1

    def _call(self, x: Array) -> Array:
        return ops_of(x).xp.tanh(x)

    def _inverse(self, y: Array) -> Array:
        xp = ops_of(y).xp
        top = open_unit(xp, y.dtype)[1]
        return xp.atanh(xp.clip(y, min=-top, max=top))

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        x = self._value(x)
        return ops_of(x).log_dtanh(x)


class AffineTransform(Transform):
    r""":math:`y = \text{loc} + \text{scale} \cdot x`, elementwise;
    :math:`\log |\det J| = \sum_{\text{event}} \log |\text{scale}|`.

    Args:
        loc: the shift: a number or an array, broadcast right-aligned against the values.
        scale: the factor (non-zero): a number or an array.
        event_dim: the rank of one event (0: scalars, 1: vectors...); the log-determinant sums over it.
        cache_size: 0 or 1.

    With ``event_dim > 0`` the log-determinant counts every element of the event, the parameters broadcast over
    it (torch.distributions counts a 0-d tensor ``scale`` once per event).

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import AffineTransform
        >>> t = AffineTransform(1.0, np.array([2.0, 4.0]), event_dim=1)
        >>> t(np.zeros(2))
        array([1., 1.])
        >>> float(t.log_abs_det_jacobian(np.zeros(2), t(np.zeros(2))))  # log 2 + log 4
        2.0794415416798357
    """

    bijective = True
    _child_names = ("loc", "scale")
    _param_names = ("loc", "scale")
    _static_names = ("_event_dim",)

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.loc = as_parameter(loc, "AffineTransform", "loc")
        self.scale = as_parameter(scale, "AffineTransform", "scale")
        check_libraries("AffineTransform", {"loc": self.loc, "scale": self.scale})
        if isinstance(event_dim, bool) or not isinstance(event_dim, int) or event_dim < 0:
            raise ValueError(f"AffineTransform: event_dim must be an int >= 0; got {event_dim!r}")
        self._event_dim = event_dim
        for name in ("loc", "scale"):
            p = getattr(self, name)
            if is_number(p) and not math.isfinite(p):
                raise ValueError(f"AffineTransform: {name} must be finite; got {p}")
        if is_number(self.scale) and self.scale == 0:
            raise ValueError("AffineTransform: scale must not be 0 (the map would not be invertible)")

    @property
    def event_dim(self) -> int:
        return self._event_dim

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return real_of_rank(self._event_dim)

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return real_of_rank(self._event_dim)

    @property
    def sign(self) -> Any:
        scale = self.scale
        if is_number(scale):
            return 1 if scale > 0 else -1
        return ops_of(scale).xp.sign(scale)

    def _call(self, x: Array) -> Array:
        _, x, (loc, scale) = self._prepare(x)
        return loc + scale * x

    def _inverse(self, y: Array) -> Array:
        _, y, (loc, scale) = self._prepare(y)
        return (y - loc) / scale

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        ops, x, (_, scale) = self._prepare(x)
        xp, k = ops.xp, self._event_dim
        if is_number(scale):
            shape = tuple(x.shape)
            batch = shape[: len(shape) - k]
            value = math.log(abs(scale)) * math.prod(shape[len(shape) - k :])
            return xp.full(batch, value, dtype=x.dtype, device=ops.device(x))
        shape = broadcast_shapes(tuple(x.shape), tuple(scale.shape), what="AffineTransform: value and scale shapes")
        return ops.sum_rightmost(ops.broadcast_to(xp.log(xp.abs(scale)), shape), k)

    def forward_shape(self, shape: Sequence[int]) -> Shape:
        return broadcast_shapes(as_shape(shape, "shape"), _shape_of(self.loc), _shape_of(self.scale))

    def inverse_shape(self, shape: Sequence[int]) -> Shape:
        return self.forward_shape(shape)

    def _repr_args(self) -> list[str]:
        args = super()._repr_args()
        if self._event_dim:
            args.insert(2, f"event_dim={self._event_dim}")
        return args


class PowerTransform(Transform):
    r""":math:`y = x^{\text{exponent}}` on the positive numbers;
    :math:`\log |dy/dx| = \log |\text{exponent}| + (\text{exponent} - 1) \log x`.

    The log-determinant is computed from :math:`x` alone (torch.distributions' :math:`\log|e\,y/x|` is
    :math:`-\infty` or :math:`+\infty` where :math:`y` underflows or overflows).

    Args:
        exponent: a non-zero number or array, broadcast right-aligned against the values.
        cache_size: 0 or 1.

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import PowerTransform
        >>> t = PowerTransform(2.0)
        >>> t(np.array([3.0])), t.inv(np.array([9.0]))
        (array([9.]), array([3.]))
    """

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True
    _child_names = ("exponent",)
    _param_names = ("exponent",)

    def __init__(self, exponent: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.exponent = as_parameter(exponent, "PowerTransform", "exponent")
        e = self.exponent
        if is_number(e) and (e == 0 or not math.isfinite(e)):
            raise ValueError(f"PowerTransform: exponent must be finite and non-zero; got {e}")

    @property
    def sign(self) -> Any:
        e = self.exponent
        if is_number(e):
            return 1 if e > 0 else -1
        return ops_of(e).xp.sign(e)

    def _call(self, x: Array) -> Array:
        _, x, (e,) = self._prepare(x)
        return x**e

    def _inverse(self, y: Array) -> Array:
        _, y, (e,) = self._prepare(y)
        return y ** (1 / e)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        ops, x, (e,) = self._prepare(x)
        xp = ops.xp
        if is_number(e):
            return math.log(abs(e)) + (e - 1) * xp.log(x)
        return xp.log(xp.abs(e)) + (e - 1) * xp.log(x)

    def forward_shape(self, shape: Sequence[int]) -> Shape:
        return broadcast_shapes(as_shape(shape, "shape"), _shape_of(self.exponent))

    def inverse_shape(self, shape: Sequence[int]) -> Shape:
        return self.forward_shape(shape)
