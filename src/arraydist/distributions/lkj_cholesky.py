"""The LKJ distribution of Cholesky factors of correlation matrices."""

from __future__ import annotations

import math
import operator
from typing import Any

from .. import constraints
from ..distribution import Distribution

__all__ = ["LKJCholesky"]

Array = Any
_LOG_PI = math.log(math.pi)


class LKJCholesky(Distribution):
    r"""LKJ distribution over lower Cholesky factors :math:`L` of ``dim`` x ``dim`` correlation matrices
    :math:`M = LL^\top`, of density :math:`\propto |M|^{\eta - 1}` in :math:`M` (Lewandowski, Kurowicka and Joe,
    *Generating random correlation matrices based on vines and extended onion method*, 2009).

    In the off-diagonal entries of :math:`L`, with :math:`d` = ``dim`` and :math:`\alpha = \eta + (d - 1)/2`:

    .. math::
        p(L) = \prod_{i=1}^{d-1} \frac{\Gamma(\alpha)}{\pi^{i/2}\,\Gamma(\alpha - i/2)}\,
        L_{ii}^{2\eta + d - 3 - i}

    (rows counted from 0; the factor of row :math:`i` is the density of :math:`w_i = L_{i,:i}` in the unit ball
    of :math:`\mathbb{R}^i`, :math:`L_{ii} = \sqrt{1 - |w_i|^2}`).

    Args:
        dim: the size :math:`d \ge 2` of the matrices, a Python int shared by the whole batch.
        concentration: :math:`\eta > 0`, any shape (the batch shape); 1 is uniform over correlation matrices.
        validate_args: check parameters and values (default: the global switch, on).

    Draws are the onion method: row :math:`i` is :math:`w_i = \sqrt{y_i}\,u_i` with :math:`u_i` uniform on the
    sphere (normalized normals) and :math:`y_i = G_1 / (G_1 + G_2) \sim \mathrm{Beta}(i/2, \alpha - i/2)` from two
    gammas, and its diagonal :math:`\sqrt{G_2 / (G_1 + G_2)}` (not :math:`\sqrt{1 - |w_i|^2}`, which loses every
    digit where :math:`y_i` is near 1).  Unlike torch.distributions, ``rsample`` is reparameterized: the gammas'
    pathwise gradients carry :math:`\partial L / \partial\eta` (unbiased in distribution); and ``mean``,
    ``variance`` (entrywise, from the Beta law of each row) and ``mode`` exist, which torch's lacks.  There is no
    entropy, as in torch.distributions.

    Example:
        >>> import numpy as np
        >>> from arraydist import LKJCholesky
        >>> d = LKJCholesky(3, np.array([0.5, 2.0]))
        >>> d.batch_shape, d.event_shape
        ((2,), (3, 3))
        >>> d.log_prob(np.eye(3)).round(4)
        array([-2.531 , -0.6155])
        >>> L = d.sample((5,), seed=0)
        >>> bool(np.allclose((L * L).sum(-1), 1.0))
        True
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky
    has_rsample = True
    _static_params = ("dim",)

    dim: int
    concentration: Array

    def __init__(self, dim: int, concentration: Any = 1.0, validate_args: bool | None = None) -> None:
        try:
            d = operator.index(dim)
        except TypeError:
            raise TypeError(
                f"LKJCholesky: dim must be a Python int (the size of the matrices); got {dim!r:.80}"
            ) from None
        if d < 2:
            raise ValueError(f"LKJCholesky: parameter 'dim' must be an integer >= 2; got {d}")
        self.dim = d
        self._init_params({"concentration": concentration}, validate_args)

    def _event_shape_from(self, params: dict[str, Array]) -> tuple[int, ...]:
        return (self.dim, self.dim)

    def _rows(self) -> tuple[Array, Array]:
        """(i, alpha - i/2) for the rows i = 1 .. d - 1: the index and each row's second Beta parameter."""
        xp = self._ops.xp
        i = xp.arange(1, self.dim, dtype=self._dtype, device=self._device)
        alpha = self.concentration[..., None] + 0.5 * (self.dim - 1)
        return i, alpha - 0.5 * i

    def _diagonal_matrix(self, rest: Array, first: float) -> Array:
        """Matrices of diagonal ``(first, *rest)`` (``rest``: the rows 1 .. d - 1, shape batch + (d - 1,))."""
        ops, xp = self._ops, self._ops.xp
        head = xp.full((*self._batch_shape, 1), first, dtype=self._dtype, device=self._device)
        return xp.concat([head, rest], axis=-1)[..., None] * ops.eye(self.dim, self._dtype, self._device)

    def _mean_diagonal(self) -> tuple[Array, Array]:
        """(E L_ii, alpha) for the rows 1 .. d - 1: with L_ii^2 ~ Beta(b_i, i/2), E L_ii = B(b_i + 1/2, i/2) /
        B(b_i, i/2) = Gamma(b_i + 1/2) Gamma(alpha) / (Gamma(b_i) Gamma(alpha + 1/2))."""
        ops = self._ops
        _, b = self._rows()
        alpha = self.concentration[..., None] + 0.5 * (self.dim - 1)
        log_ratio = ops.lgamma(b + 0.5) - ops.lgamma(b) + ops.lgamma(alpha) - ops.lgamma(alpha + 0.5)
        return ops.xp.exp(log_ratio), alpha

    @property
    def mean(self) -> Array:
        r"""Entrywise: 0 off the diagonal (each row's direction is symmetric), :math:`E L_{00} = 1` and
        :math:`E L_{ii} = B(b_i + 	frac12, 	frac i2) / B(b_i, 	frac i2)`, :math:`b_i = lpha - i/2`."""
        return self._diagonal_matrix(self._mean_diagonal()[0], 1.0)

    @property
    def variance(self) -> Array:
        r"""Entrywise: :math:`1 / (2lpha)` left of the diagonal (:math:`E y_i / i`), :math:`1 - i/(2lpha) -
        (E L_{ii})^2` on it, 0 in the first row and above the diagonal."""
        ops, xp = self._ops, self._ops.xp
        d = self.dim
        mean, alpha = self._mean_diagonal()
        i, _ = self._rows()
        below = ops.tril(xp.ones((d, d), dtype=self._dtype, device=self._device)) - ops.eye(
            d, self._dtype, self._device
        )
        return self._diagonal_matrix(1 - i / (2 * alpha) - mean * mean, 0.0) + below / (2 * alpha[..., None])

    @property
    def mode(self) -> Array:
        """The identity where ``concentration > 1``, where every exponent of the density is positive; NaN
        elsewhere (at most 1 the last row's exponent is not positive: no unique largest density)."""
        xp = self._ops.xp
        eye = self._ops.eye(self.dim, self._dtype, self._device)
        return xp.where(self.concentration[..., None, None] > 1, eye, xp.full_like(eye, math.nan))

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops, xp = self._ops, self._ops.xp
        d, dtype, device = self.dim, self._dtype, self._device
        shape = sample_shape + self._batch_shape
        radial_rng, rest_rng, sphere_rng = ops.split(rng, 3)
        i, b = self._rows()
        g1 = ops.standard_gamma(radial_rng, 0.5 * i, (*shape, d - 1), dtype, device)
        g2 = ops.standard_gamma(rest_rng, b, (*shape, d - 1), dtype, device)
        total = g1 + g2
        eye = ops.eye(d, dtype, device)
        # rows 1 .. d - 1: normals left of the diagonal, normalized onto the sphere
        below = (ops.tril(xp.ones((d, d), dtype=dtype, device=device)) - eye)[1:, :]
        z = ops.normal(sphere_rng, (*shape, d - 1, d), dtype, device) * below
        radius = xp.sqrt(g1 / total) / xp.sqrt(xp.sum(z * z, axis=-1))
        # at least the smallest normal number: a quotient below it is flushed to 0 by XLA on the CPU, and the
        # support's diagonal is positive
        diagonal = xp.sqrt(xp.clip(g2 / total, min=float(xp.finfo(dtype).smallest_normal)))
        rows = z * radius[..., None] + diagonal[..., None] * eye[1:, :]
        first = ops.broadcast_to(eye[:1, :], (*shape, 1, d))
        return xp.concat([first, rows], axis=-2)

    def _log_prob(self, value: Array) -> Array:
        ops, xp = self._ops, self._ops.xp
        d = self.dim
        i, b = self._rows()
        order = 2 * self.concentration[..., None] + (d - 3) - i
        unnormalized = xp.sum(order * xp.log(ops.diagonal(value)[..., 1:]), axis=-1)
        alpha = self.concentration + 0.5 * (d - 1)
        log_norm = (d - 1) * ops.lgamma(alpha) - xp.sum(ops.lgamma(b), axis=-1) - 0.25 * d * (d - 1) * _LOG_PI
        return unnormalized + log_norm
