r"""Maps onto the probability simplex: :class:`SoftmaxTransform` (not bijective) and
:class:`StickBreakingTransform` (a bijection from :math:`\mathbb{R}^{K}` onto the simplex in
:math:`\mathbb{R}^{K+1}`).

Stick breaking is computed in log space: every remaining stick is a sum of log-sigmoids, never
:math:`1 - \sum_j y_j`, which loses every digit once the first pieces take nearly all of the stick.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import constraints
from .._backend import ops_of
from .._shapes import as_shape
from ._base import Transform

__all__ = ["SoftmaxTransform", "StickBreakingTransform"]

Array = Any
Shape = tuple[int, ...]


def _event_vector(owner: Transform, x: Array, least: int = 0) -> int:
    if x.ndim < 1 or x.shape[-1] < least:
        raise ValueError(
            f"{type(owner).__name__}: values must be vectors (at least one dimension"
            f"{f' of size >= {least}' if least else ''}); got shape {tuple(x.shape)}"
        )
    return int(x.shape[-1])


def _vector_shape(owner: Transform, shape: Sequence[int], delta: int) -> Shape:
    shape = as_shape(shape, "shape")
    if not shape or shape[-1] + delta < 0:
        raise ValueError(f"{type(owner).__name__}: expected the shape of vectors; got {shape}")
    return (*shape[:-1], shape[-1] + delta)


class SoftmaxTransform(Transform):
    r""":math:`y = e^{x} / \sum_j e^{x_j}` over the last dimension; :math:`x = \log y` (one of the preimages:
    softmax forgets a shift, so it is not a bijection and has no log-determinant).

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import SoftmaxTransform
        >>> SoftmaxTransform()(np.log(np.array([1.0, 3.0])))
        array([0.25, 0.75])
    """

    domain = constraints.real_vector
    codomain = constraints.simplex

    def _call(self, x: Array) -> Array:
        _event_vector(self, x)
        return ops_of(x).softmax(x)

    def _inverse(self, y: Array) -> Array:
        _event_vector(self, y)
        return ops_of(y).xp.log(y)

    def forward_shape(self, shape: Sequence[int]) -> Shape:
        return _vector_shape(self, shape, 0)

    def inverse_shape(self, shape: Sequence[int]) -> Shape:
        return _vector_shape(self, shape, 0)


class StickBreakingTransform(Transform):
    r"""A bijection from :math:`\mathbb{R}^K` onto the simplex of :math:`K + 1` entries by breaking a stick:
    :math:`z_k = \sigma(x_k - \log(K - k))`, :math:`y_k = z_k \prod_{j<k}(1 - z_j)`, :math:`y_K = \prod_j (1 - z_j)`
    (``x = 0`` gives the uniform point).

    .. math::
        \log |\det \partial y_{0..K-1} / \partial x| = \sum_k \log \sigma(u_k) + (K - k) \log \sigma(-u_k),
        \quad u_k = x_k - \log(K - k)

    (torch.distributions' convention: the Jacobian of the first :math:`K` entries), from :math:`x` alone.  The
    inverse reads each remaining stick as the sum of the entries after it (no :math:`1 - \sum` cancellation).

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import StickBreakingTransform
        >>> t = StickBreakingTransform()
        >>> t(np.zeros(2))
        array([0.33333333, 0.33333333, 0.33333333])
        >>> np.allclose(t.inv(np.array([0.2, 0.3, 0.5])), np.log([0.2, 0.3]) - np.log([0.8, 0.5]) + np.log([2, 1]))
        True
    """

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    @staticmethod
    def _log_offset(ops: Any, x: Array, k: int) -> Array:
        xp = ops.xp
        return xp.log(xp.arange(k, 0, -1, dtype=x.dtype, device=ops.device(x)))  # log K, log(K-1), ..., 0

    def _call(self, x: Array) -> Array:
        k = _event_vector(self, x)
        ops = ops_of(x)
        xp = ops.xp
        u = x - self._log_offset(ops, x, k)
        log_rest = ops.cumulative_sum(ops.log_sigmoid(-u), axis=-1)  # log of the stick left after piece k
        zero = xp.zeros_like(x[..., :1])
        log_y = xp.concat([ops.log_sigmoid(u), zero], axis=-1) + xp.concat([zero, log_rest], axis=-1)
        return xp.exp(log_y)

    def _inverse(self, y: Array) -> Array:
        k = _event_vector(self, y, least=1) - 1
        ops = ops_of(y)
        xp = ops.xp
        tail = xp.flip(ops.cumulative_sum(xp.flip(y, axis=-1), axis=-1), axis=-1)  # sum_{j >= i} y_j
        rest = xp.clip(tail[..., 1:], min=xp.finfo(y.dtype).smallest_normal)
        return xp.log(y[..., :-1]) - xp.log(rest) + self._log_offset(ops, y, k)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        x = self._value(x)
        k = _event_vector(self, x)
        ops = ops_of(x)
        xp = ops.xp
        u = x - self._log_offset(ops, x, k)
        pieces = xp.arange(k, 0, -1, dtype=x.dtype, device=ops.device(x))
        return xp.sum(ops.log_sigmoid(u) + pieces * ops.log_sigmoid(-u), axis=-1)

    def forward_shape(self, shape: Sequence[int]) -> Shape:
        return _vector_shape(self, shape, 1)

    def inverse_shape(self, shape: Sequence[int]) -> Shape:
        return _vector_shape(self, shape, -1)
