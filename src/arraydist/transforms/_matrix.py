r"""Maps onto matrices: :class:`LowerCholeskyTransform`, :class:`PositiveDefiniteTransform` (neither bijective:
they ignore the upper triangle) and :class:`CorrCholeskyTransform` (a bijection from
:math:`\mathbb{R}^{D(D-1)/2}` onto Cholesky factors of :math:`D \times D` correlation matrices).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import constraints
from .._backend import ops_of
from .._shapes import as_shape
from ._base import Transform
from ._elementwise import open_unit

__all__ = ["CorrCholeskyTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform"]

Array = Any
Shape = tuple[int, ...]

_LOG_2 = math.log(2.0)


def _square(owner: Transform, x: Array) -> int:
    shape = tuple(x.shape)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"{type(owner).__name__}: values must be square matrices; got shape {shape}")
    return shape[-1]


def _masks(ops: Any, n: int, like: Array) -> tuple[Array, Array]:
    """``(strictly_lower, diagonal)``: boolean ``n x n`` masks on the device of ``like``."""
    xp = ops.xp
    i = xp.arange(n, device=ops.device(like))
    rows, cols = i[:, None], i[None, :]
    return rows > cols, rows == cols


def _diagonal_row(ops: Any, x: Array) -> Array:
    return ops.diagonal(x)[..., None, :]  # (..., 1, n): broadcasts along the rows, lands on the diagonal by mask


class LowerCholeskyTransform(Transform):
    r"""Unconstrained square matrices to lower triangular ones with a positive diagonal: the strictly lower
    triangle as it is, :math:`\exp` of the diagonal, zeros above (the upper triangle is dropped, so it is not a
    bijection of its domain; the inverse takes :math:`\log` of the diagonal).

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import LowerCholeskyTransform
        >>> LowerCholeskyTransform()(np.array([[0.0, 5.0], [2.0, np.log(3.0)]]))
        array([[1., 0.],
               [2., 3.]])
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def _map(self, x: Array, diagonal: Any) -> Array:
        ops = ops_of(x)
        xp = ops.xp
        lower, diag = _masks(ops, _square(self, x), x)
        on_diagonal = xp.where(diag, diagonal(_diagonal_row(ops, x)), xp.zeros_like(x))
        return xp.where(lower, x, on_diagonal)

    def _call(self, x: Array) -> Array:
        return self._map(x, ops_of(x).xp.exp)

    def _inverse(self, y: Array) -> Array:
        return self._map(y, ops_of(y).xp.log)


class PositiveDefiniteTransform(Transform):
    r"""Unconstrained square matrices to positive definite ones: :math:`L L^\top` with :math:`L` the
    :class:`LowerCholeskyTransform` of the input (not a bijection: the upper triangle is dropped); the inverse
    factorizes (Cholesky) and takes :math:`\log` of the diagonal.

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import PositiveDefiniteTransform
        >>> PositiveDefiniteTransform()(np.array([[0.0, 0.0], [1.0, 0.0]]))
        array([[1., 1.],
               [1., 2.]])
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def _call(self, x: Array) -> Array:
        ops = ops_of(x)
        lower = LowerCholeskyTransform()._call(x)
        return ops.xp.matmul(lower, ops.matrix_transpose(lower))

    def _inverse(self, y: Array) -> Array:
        _square(self, y)
        return LowerCholeskyTransform()._inverse(ops_of(y).cholesky(y))


def _size_from_entries(owner: Transform, n: int) -> int:
    d = round((0.25 + 2 * n) ** 0.5 + 0.5)
    if d * (d - 1) // 2 != n:
        raise ValueError(
            f"{type(owner).__name__}: a vector of {n} entries is not the strictly lower triangle of a square "
            "matrix (sizes 0, 1, 3, 6, 10, ...)"
        )
    return d


def _lower_entries(d: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each strictly lower entry, in row order: (1, 0), (2, 0), (2, 1), (3, 0), ..."""
    rows, cols = np.tril_indices(d, -1)
    return rows, cols


def _vector_to_lower(ops: Any, v: Array, d: int) -> Array:
    """``(..., d(d-1)/2)`` to ``(..., d, d)``, the entries on the strictly lower triangle in row order."""
    xp = ops.xp
    rows, cols = _lower_entries(d)
    where = np.full(d * d, rows.size)  # everywhere else: the appended zero
    where[rows * d + cols] = np.arange(rows.size)
    padded = xp.concat([v, xp.zeros_like(v[..., :1])], axis=-1)
    index = xp.asarray(where, device=ops.device(v))
    return xp.reshape(xp.take(padded, index, axis=-1), (*v.shape[:-1], d, d))


def _lower_to_vector(ops: Any, m: Array, d: int) -> Array:
    xp = ops.xp
    rows, cols = _lower_entries(d)
    flat = xp.reshape(m, (*m.shape[:-2], d * d))
    return xp.take(flat, xp.asarray(rows * d + cols, device=ops.device(m)), axis=-1)


def _log_sech(ops: Any, x: Array) -> Array:
    r""":math:`\log \operatorname{sech} x = \log \sqrt{1 - \tanh^2 x}
    = \log 2 - |x| - \operatorname{softplus}(-2|x|)`, exact at any :math:`x`."""
    a = ops.xp.abs(x)
    return _LOG_2 - a - ops.softplus(-2.0 * a)


class CorrCholeskyTransform(Transform):
    r"""A bijection from :math:`\mathbb{R}^{D(D-1)/2}` onto Cholesky factors of :math:`D \times D`
    correlation matrices (lower triangular, positive diagonal, rows of unit norm).

    The entries fill the strictly lower triangle in row order; each row :math:`i` is a signed stick breaking of
    :math:`r_{ij} = \tanh x_{ij}`: :math:`y_{ij} = r_{ij} \prod_{k<j} \sqrt{1 - r_{ik}^2}` below the diagonal and
    :math:`y_{ii} = \prod_{k<i} \sqrt{1 - r_{ik}^2}`.  The products are sums of
    :math:`\log \operatorname{sech} x` (no :math:`1 - r^2` cancellation), with :math:`x` clipped where
    :math:`|\tanh x|` would pass :math:`1 - \epsilon` (as torch.distributions clips :math:`r`), so the diagonal
    stays positive.  The log-determinant of the map onto the strictly lower entries (torch.distributions'
    convention) is

    .. math::
        \sum_{j<i} 2 \log \operatorname{sech} x_{ij} + (i - 1 - j) \log \operatorname{sech} \tilde x_{ij}

    with :math:`\tilde x` the clipped entries.  The inverse reads each remaining stick as the norm of the rest of
    its row.

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import CorrCholeskyTransform
        >>> y = CorrCholeskyTransform()(np.array([0.5, -0.2, 1.0]))
        >>> np.allclose((y * y).sum(-1), 1.0)
        True
    """

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    @staticmethod
    def _clipped(ops: Any, x: Array) -> Array:
        eps = float(ops.xp.finfo(x.dtype).eps)
        bound = math.atanh(1.0 - eps)  # |tanh x| <= 1 - eps: the last factor of a row stays >= sqrt(eps)
        return ops.xp.clip(x, min=-bound, max=bound)

    def _call(self, x: Array) -> Array:
        if x.ndim < 1:
            raise ValueError(f"CorrCholeskyTransform: values must be vectors; got shape {tuple(x.shape)}")
        d = _size_from_entries(self, x.shape[-1])
        ops = ops_of(x)
        xp = ops.xp
        x = self._clipped(ops, x)
        r = _vector_to_lower(ops, xp.tanh(x), d)
        log_sech = _vector_to_lower(ops, _log_sech(ops, x), d)
        log_rest = xp.cumulative_sum(log_sech, axis=-1)  # the log of the stick left after entry j of each row
        log_stick = xp.concat([xp.zeros_like(log_rest[..., :1]), log_rest[..., :-1]], axis=-1)
        _, diag = _masks(ops, d, x)
        return xp.where(diag, xp.ones_like(r), r) * xp.exp(log_stick)

    def _inverse(self, y: Array) -> Array:
        d = _square(self, y)
        ops = ops_of(y)
        xp = ops.xp
        lower, diag = _masks(ops, d, y)
        squares = xp.where(lower | diag, y * y, xp.zeros_like(y))
        tail = xp.flip(xp.cumulative_sum(xp.flip(squares, axis=-1), axis=-1), axis=-1)  # sum_{k >= j} y_ik^2
        r = _lower_to_vector(ops, y, d) / xp.sqrt(_lower_to_vector(ops, tail, d))
        top = open_unit(xp, y.dtype)[1]
        return xp.atanh(xp.clip(r, min=-top, max=top))

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        x = self._value(x)
        ops = ops_of(x)
        xp = ops.xp
        d = _size_from_entries(self, x.shape[-1])
        rows, cols = _lower_entries(d)
        later = xp.asarray((rows - 1 - cols).astype(np.float64), dtype=x.dtype, device=ops.device(x))
        terms = 2.0 * _log_sech(ops, x) + later * _log_sech(ops, self._clipped(ops, x))
        return xp.sum(terms, axis=-1)

    def forward_shape(self, shape: Sequence[int]) -> Shape:
        shape = as_shape(shape, "shape")
        if not shape:
            raise ValueError("CorrCholeskyTransform: expected the shape of vectors; got ()")
        d = _size_from_entries(self, shape[-1])
        return (*shape[:-1], d, d)

    def inverse_shape(self, shape: Sequence[int]) -> Shape:
        shape = as_shape(shape, "shape")
        if len(shape) < 2 or shape[-1] != shape[-2]:
            raise ValueError(f"CorrCholeskyTransform: expected the shape of square matrices; got {shape}")
        d = shape[-1]
        return (*shape[:-2], d * (d - 1) // 2)
