"""The multivariate normal distribution with a low-rank plus diagonal covariance: Woodbury and the capacitance."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from .._backend import Ops
from .._shapes import broadcast_shapes
from ..distribution import Distribution, lazy_property
from ..kl import register_kl
from .multivariate_normal import MultivariateNormal, _mahalanobis_sq

__all__ = ["LowRankMultivariateNormal"]

Array = Any
_LOG_2PI = math.log(2 * math.pi)
#: the number of values per block of rows in log_prob (1 MiB in float32: the temporaries stay in the cache)
_BLOCK = 2**18


def _rows_matmul(ops: Ops, x: Array, m: Array) -> Array:
    """``x @ m`` for vectors ``x`` of shape ``(..., p)`` and matrices ``m`` of shape ``(*b, p, q)``, the dimensions
    of ``x`` left of its vectors broadcasting against ``b``: shape ``(..., q)``.

    A matrix-vector product per draw is a batch of tiny products (slow everywhere): the dimensions of ``x`` to the
    left of ``b`` (sample dimensions) are gathered into the rows of one matrix product per distinct ``m``.
    """
    xp = ops.xp
    k = m.ndim - 2
    if k == 0:
        return x @ m  # the operator: no wrapper of array_api_compat on the hot path
    p, q = m.shape[-2:]
    dbatch = tuple(x.shape[:-1])
    split = max(len(dbatch) - k, 0)
    lead = dbatch[:split]
    tail = broadcast_shapes(dbatch[split:], tuple(m.shape[:-2]), what="the value's and the factor's batch shapes")
    rows = math.prod(lead)
    if rows == 0 or 0 in tail or len(lead) == 0:
        # nothing to gather (and Dask cannot reshape every empty array): one product per vector
        return xp.matmul(ops.broadcast_to(x, lead + tail + (p,))[..., None, :], m)[..., 0, :]
    x = ops.broadcast_to(x, lead + tail + (p,))
    x = xp.reshape(x, (rows, *tail, p))
    x = xp.permute_dims(x, (*range(1, k + 1), 0, k + 1))  # (*tail, rows, p)
    y = xp.matmul(x, ops.broadcast_to(m, (*tail, p, q)))  # (*tail, rows, q)
    y = xp.permute_dims(y, (k, *range(k), k + 1))
    return xp.reshape(y, lead + tail + (q,))


class LowRankMultivariateNormal(Distribution):
    r"""Multivariate normal distribution whose covariance is a low-rank matrix plus a diagonal.

    .. math::
        \Sigma = WW^\top + D, \qquad
        p(x) = (2\pi)^{-n/2} |\Sigma|^{-1/2} \exp\left(-\tfrac12 (x-\mu)^\top \Sigma^{-1} (x-\mu)\right)

    Args:
        loc: mean :math:`\mu`, shape ``(*batch, n)``.
        cov_factor: :math:`W`, shape ``(*batch, n, r)`` (usually ``r`` much smaller than ``n``).
        cov_diag: the diagonal of :math:`D`, positive, shape ``(*batch, n)``.
        validate_args: check parameters and values (default: the global switch, on).

    The three parameters broadcast over their batch dimensions; ``cov_factor`` and ``cov_diag`` are stored
    unbroadcast (one shared factor for a batch of means is worked on once).  Everything goes through the
    :math:`r \times r` capacitance matrix :math:`C = I + W^\top D^{-1} W` and its Cholesky factor :math:`L_C`,
    computed once: :math:`|\Sigma| = |C|\,|D|` (the determinant lemma) and
    :math:`\Sigma^{-1} = D^{-1} - D^{-1} W C^{-1} W^\top D^{-1}` (Woodbury), so ``log_prob`` of ``m`` points costs
    :math:`O(m n r)` and never forms an :math:`n \times n` matrix.  Draws are
    :math:`\mu + W\varepsilon_r + D^{1/2}\varepsilon_n`.  ``covariance_matrix``, ``precision_matrix`` and
    ``scale_tril`` are dense, computed on first access.  The Mahalanobis distance and the traces of the KL
    divergences are evaluated as sums of squares (of the Woodbury residual), or as a difference of two terms only
    where the first is at least twice the second (eager ``log_prob`` on a CPU: one matrix product by the values
    instead of two), so they keep float32's precision when ``cov_diag`` is far smaller than ``W W^T``; float16
    and bfloat16 distributions compute them in float32.

    Example:
        >>> import numpy as np
        >>> from arraydist import LowRankMultivariateNormal
        >>> d = LowRankMultivariateNormal(np.zeros(3), np.array([[1.0], [0.5], [0.0]]), np.ones(3))
        >>> d.batch_shape, d.event_shape
        ((), (3,))
        >>> d.variance
        array([2.  , 1.25, 1.  ])
        >>> d.sample((100,), seed=0).shape
        (100, 3)
        >>> float(d.log_prob(np.zeros(3)).round(4))
        -3.1623
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    has_rsample = True
    _unbroadcast = frozenset(("cov_factor", "cov_diag"))

    loc: Array
    _capacitance_tril: Array

    def __init__(self, loc: Any, cov_factor: Any, cov_diag: Any, validate_args: bool | None = None) -> None:
        self._init_params({"loc": loc, "cov_factor": cov_factor, "cov_diag": cov_diag}, validate_args)

    def _event_shape_from(self, params: dict[str, Array]) -> tuple[int, ...]:
        loc, factor, diag = params["loc"], params["cov_factor"], params["cov_diag"]
        n = loc.shape[-1]
        if factor.shape[-2] != n or diag.shape[-1] != n:
            raise ValueError(
                f"LowRankMultivariateNormal: loc has shape {tuple(loc.shape)}, cov_factor {tuple(factor.shape)} and "
                f"cov_diag {tuple(diag.shape)}: they must be (..., n), (..., n, r) and (..., n), here n = {n}"
            )
        return (int(n),)

    def _post_init(self, validate: bool) -> None:
        # C = I + B^T B with B = D^{-1/2} W: the same matrix as W^T D^{-1} W, with no D^{-1} that could overflow
        # (float16 and bfloat16: in float32, as every Woodbury quantity; C's entries are |W|^2 / D)
        ops = self._ops
        state = self.__dict__
        b = self._wide(state["cov_factor"]) / ops.xp.sqrt(self._wide(state["cov_diag"]))[..., None]
        eye = ops.eye(b.shape[-1], b.dtype, self._device)
        state["_capacitance_tril"] = ops.cholesky(ops.matrix_transpose(b) @ b + eye)

    def _wide(self, x: Array) -> Array:
        """``x`` in float32 where the distribution's dtype is narrower (float16, bfloat16; see
        :meth:`Ops.wide_float`): the Woodbury terms are sums of squares of values of size ``|W| / D^1/2``, whose
        half-precision rounding would leave nothing of the result."""
        ops = self._ops
        return ops.cast(x, ops.wide_float(self._dtype))

    @property
    def _unbroadcasted_cov_factor(self) -> Array:
        return self.__dict__["cov_factor"]

    @property
    def _unbroadcasted_cov_diag(self) -> Array:
        return self.__dict__["cov_diag"]

    @property
    def cov_factor(self) -> Array:
        """:math:`W`, of shape ``batch + (n, r)``."""
        w = self._unbroadcasted_cov_factor
        return self._ops.broadcast_to(w, self._batch_shape + tuple(w.shape[-2:]))

    @property
    def cov_diag(self) -> Array:
        """The diagonal of :math:`D`, of shape ``batch + (n,)``."""
        return self._ops.broadcast_to(self._unbroadcasted_cov_diag, self._batch_shape + self._event_shape)

    def _solver(self) -> tuple[Array, Array, Array]:
        r"""``(1/D, (D^{-1/2}G)^T, W^T)`` with :math:`B = D^{-1/2}W` and :math:`G = BC^{-1}` (the two matrices
        of shape ``(..., r, n)``, row-major: the layout in which products by many rows run fastest), so that
        :math:`\Sigma^{-1} = D^{-1/2}(I + BB^\top)^{-1}D^{-1/2}` is applied without an :math:`n \times n` matrix."""
        ops = self._ops
        inv_d = 1.0 / self._wide(self._unbroadcasted_cov_diag)
        s = ops.xp.sqrt(inv_d)[..., None, :]
        w_t = ops.row_major(ops.matrix_transpose(self._wide(self._unbroadcasted_cov_factor)))
        tril = self._capacitance_tril
        g_t = ops.solve_triangular(ops.matrix_transpose(tril), ops.solve_triangular(tril, w_t * s), lower=False)
        return inv_d, ops.row_major(g_t * s), w_t

    def _mahalanobis_sq(
        self, diff: Array, solver: tuple[Array, Array, Array] | None = None, inplace: bool = False
    ) -> Array:
        r""":math:`\delta^\top \Sigma^{-1} \delta = \|\rho\|^2 + \|u\|^2` with :math:`z = D^{-1/2}\delta`,
        :math:`u = C^{-1}B^\top z` and the residual :math:`\rho = z - Bu = (I + BB^\top)^{-1}z
        = D^{-1/2}(\delta - Wu)` (``inplace``: ``diff`` is a temporary that may be overwritten).

        Two sums of squares, nothing cancels: the textbook :math:`\|z\|^2 - z^\top BC^{-1}B^\top z` loses
        :math:`\epsilon\|z\|^2` to the subtraction, all of float32's digits when ``cov_diag`` is 1e-6 of
        ``W W^T`` (``z`` of size 1e3 in ``W``'s span), where :math:`\rho` is computed to :math:`\epsilon\|z\|`.
        """
        ops = self._ops
        xp = ops.xp
        inv_d, sg_t, w_t = self._solver() if solver is None else solver
        diff = ops.cast(diff, inv_d.dtype)
        if diff.ndim == 2 and sg_t.ndim == 2:
            # (r, n) @ (n, rows) rather than (rows, n) @ (n, r): 1.5x faster on torch's CPU at r = 8
            u = ops.matrix_transpose(sg_t @ ops.matrix_transpose(diff))
        else:
            u = _rows_matmul(ops, diff, ops.matrix_transpose(sg_t))
        e = diff - _rows_matmul(ops, u, w_t)
        if inplace:
            e *= e
        else:
            e = e * e
        # a matrix-vector product where D is one vector: no temporary of the values' size
        weighted = e @ inv_d if inv_d.ndim == 1 else xp.sum(e * inv_d, axis=-1)
        return weighted + ops.sum_squares(u)

    def _value_mahalanobis_sq(self, value: Array) -> Array:
        """:meth:`_mahalanobis_sq` of ``value - loc``, in blocks of sample rows when evaluated eagerly without
        autograd (:meth:`Ops.can_inplace`) on a CPU: the temporaries of a block stay in the cache, where full-size ones
        (10^5 x 256 values in the benchmark) cost a page fault per 4 KiB on every call, more than the arithmetic.
        """
        ops = self._ops
        xp = ops.xp
        loc = self._wide(self.loc)
        solver = self._solver()
        tail = len(self._batch_shape) + 1
        lead = tuple(value.shape[: value.ndim - tail])
        rows = math.prod(lead)
        row_size = math.prod(value.shape[len(lead) :])
        block = max(1, _BLOCK // max(row_size, 1))
        eager = ops.can_inplace(value, loc, *solver)
        # a CPU story: on a GPU one pass is a few kernels, where blocks would be hundreds of launches
        if not eager or getattr(self._device, "type", self._device) != "cpu":
            return self._mahalanobis_sq(value - loc, solver, eager)
        s = xp.sqrt(solver[0])
        projector = ops.row_major(
            ops.solve_triangular(self._capacitance_tril, solver[2] * s[..., None, :]) * s[..., None, :]
        )
        if rows <= block:
            return self._eager_mahalanobis_sq(value, loc, solver, projector)
        x = xp.reshape(value, (rows, *value.shape[len(lead) :]))
        parts = [self._eager_mahalanobis_sq(x[i : i + block], loc, solver, projector) for i in range(0, rows, block)]
        maha = xp.concat(parts, axis=0)
        return xp.reshape(maha, lead + tuple(maha.shape[1:]))

    def _eager_mahalanobis_sq(
        self, value: Array, loc: Array, solver: tuple[Array, Array, Array], projector: Array
    ) -> Array:
        r""":math:`\|z\|^2 - \|v\|^2` with :math:`v = L_C^{-1}B^\top z` (``projector`` is
        :math:`L_C^{-1}W^\top D^{-1}`): one matrix product by the values where :meth:`_mahalanobis_sq` makes two.
        Its rounding error is :math:`\epsilon(\|z\|^2 + \|v\|^2)`, at most three times :math:`\epsilon` of the
        result while :math:`\|v\|^2 \le \|z\|^2 / 2`; values beyond that (a point far along :math:`W` where
        ``cov_diag`` is small) are computed again by the sums of squares, with those of the same block.  Eager
        arrays only (it reads whether any value of the block needs the second pass)."""
        ops = self._ops
        inv_d = solver[0]
        diff = ops.cast(value - loc, inv_d.dtype)
        if diff.ndim == 2 and projector.ndim == 2:
            v = ops.matrix_transpose(projector @ ops.matrix_transpose(diff))  # as in _mahalanobis_sq
        else:
            v = _rows_matmul(ops, diff, ops.matrix_transpose(projector))
        v_sq = ops.sum_squares(v)
        diff *= diff  # a temporary of ours
        z_sq = diff @ inv_d if inv_d.ndim == 1 else ops.xp.sum(diff * inv_d, axis=-1)
        if not ops.all(v_sq <= 0.5 * z_sq):  # NaN and infinity too: the sums of squares decide what they give
            return self._mahalanobis_sq(value - loc, solver, True)
        return z_sq - v_sq

    def _half_log_det(self) -> Array:
        xp = self._ops.xp
        log_c = xp.sum(xp.log(self._ops.diagonal(self._capacitance_tril)), axis=-1)
        return log_c + 0.5 * xp.sum(xp.log(self._wide(self._unbroadcasted_cov_diag)), axis=-1)

    @property
    def mean(self) -> Array:
        return self.loc

    @property
    def mode(self) -> Array:
        return self.loc

    @property
    def variance(self) -> Array:
        w = self._unbroadcasted_cov_factor
        var = self._ops.xp.sum(w * w, axis=-1) + self._unbroadcasted_cov_diag
        return self._ops.broadcast_to(var, self._batch_shape + self._event_shape)

    @lazy_property
    def covariance_matrix(self) -> Array:
        """:math:`WW^\\top + D`, of shape ``batch + (n, n)``."""
        ops = self._ops
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        eye = ops.eye(self._event_shape[0], self._dtype, self._device)
        cov = w @ ops.matrix_transpose(w) + d[..., None] * eye
        return ops.broadcast_to(cov, self._batch_shape + self._event_shape * 2)

    @lazy_property
    def precision_matrix(self) -> Array:
        """:math:`D^{-1} - D^{-1}WC^{-1}W^\\top D^{-1}` (Woodbury), of shape ``batch + (n, n)``."""
        ops = self._ops
        inv_d, sg_t, w_t = self._solver()
        eye = ops.eye(self._event_shape[0], inv_d.dtype, self._device)
        prec = ops.cast(inv_d[..., None] * (eye - ops.matrix_transpose(w_t) @ sg_t), self._dtype)
        return ops.broadcast_to(prec, self._batch_shape + self._event_shape * 2)

    @lazy_property
    def scale_tril(self) -> Array:
        """:math:`L = D^{1/2}\\operatorname{chol}(I + D^{-1/2}WW^\\top D^{-1/2})`, of shape ``batch + (n, n)``."""
        # the matrix factorized has eigenvalues of at least 1, however small D is: a Cholesky factor of
        # W W^T + D itself fails in float32 once D is below eps times W's scale
        ops = self._ops
        root = ops.xp.sqrt(self._unbroadcasted_cov_diag)
        b = self._unbroadcasted_cov_factor / root[..., None]
        eye = ops.eye(self._event_shape[0], self._dtype, self._device)
        tril = root[..., None] * ops.cholesky(b @ ops.matrix_transpose(b) + eye)
        return ops.broadcast_to(tril, self._batch_shape + self._event_shape * 2)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        w = self._unbroadcasted_cov_factor
        r = w.shape[-1]
        # one draw split in two: the same as two independent draws, without splitting the seed
        eps = ops.normal(rng, sample_shape + self._batch_shape + (r + self._event_shape[0],), self._dtype, self._device)
        low = _rows_matmul(ops, eps[..., :r], ops.matrix_transpose(w))
        return self.loc + low + ops.xp.sqrt(self._unbroadcasted_cov_diag) * eps[..., r:]

    def _log_prob(self, value: Array) -> Array:
        n = self._event_shape[0]
        ops = self._ops
        maha = self._value_mahalanobis_sq(value)
        return ops.cast(ops.add_scaled(-0.5 * n * _LOG_2PI - self._half_log_det(), maha, -0.5), self._dtype)

    def entropy(self) -> Array:
        r""":math:`\tfrac n2 (1 + \log 2\pi) + \tfrac12 (\log|C| + \log|D|)`."""
        n = self._event_shape[0]
        h = 0.5 * n * (1.0 + _LOG_2PI) + self._half_log_det()
        return self._ops.broadcast_to(self._ops.cast(h, self._dtype), self._batch_shape)


# KL(p || q) = [tr(S_q^-1 S_p) + d^T S_q^-1 d - n + log|S_q| - log|S_p|] / 2 with d = m_q - m_p. For a low-rank q,
# tr(S_q^-1 R R^T) is summed column by column of R (R R^T = S_p) as the Mahalanobis distance is: two sums of
# squares; the textbook difference of traces loses all of float32's digits at cov_diag = 1e-6 W W^T (a KL(p || p)
# of 0.5). It costs an n x n matrix for the diagonal part of a low-rank p (O(n^2 r), as the dense MVN's own KL).
def _check_events(p: Distribution, q: Distribution) -> None:
    if p.event_shape != q.event_shape:
        raise ValueError(
            f"kl_divergence({type(p).__name__}, {type(q).__name__}): event shapes {p.event_shape} and "
            f"{q.event_shape} differ"
        )


def _frob(ops: Ops, x: Array) -> Array:
    return ops.xp.sum(ops.xp.sum(x * x, axis=-1), axis=-1)


def _trace_inv(q: LowRankMultivariateNormal, x: Array) -> Array:
    """:math:`\\operatorname{tr}(x^\\top \\Sigma_q^{-1} x)` for matrices ``x`` of shape ``(..., n, k)``."""
    ops = q._ops
    inv_d, sg_t, w_t = q._solver()
    x = ops.cast(x, inv_d.dtype)
    u = sg_t @ x
    e = x - ops.matrix_transpose(w_t) @ u
    return ops.xp.sum(ops.xp.sum(e * e, axis=-1) * inv_d, axis=-1) + _frob(ops, u)


def _kl(p: Distribution, q: Distribution, trace: Array, maha: Array) -> Array:
    kl = q._half_log_det() - p._half_log_det() + 0.5 * (trace + maha - p.event_shape[0])
    return p._ops.broadcast_to(p._ops.cast(kl, p._dtype), broadcast_shapes(p.batch_shape, q.batch_shape))


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p: LowRankMultivariateNormal, q: LowRankMultivariateNormal) -> Array:
    _check_events(p, q)
    ops = p._ops
    root = ops.xp.sqrt(p._unbroadcasted_cov_diag)
    diag = root[..., None] * ops.eye(p.event_shape[0], p._dtype, p._device)
    trace = _trace_inv(q, p._unbroadcasted_cov_factor) + _trace_inv(q, diag)
    return _kl(p, q, trace, q._mahalanobis_sq(q.loc - p.loc))


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_mvn_lowrank(p: MultivariateNormal, q: LowRankMultivariateNormal) -> Array:
    _check_events(p, q)
    return _kl(p, q, _trace_inv(q, p._unbroadcasted_scale_tril), q._mahalanobis_sq(q.loc - p.loc))


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_mvn(p: LowRankMultivariateNormal, q: MultivariateNormal) -> Array:
    _check_events(p, q)
    ops = p._ops
    n = p.event_shape[0]
    lq = q._unbroadcasted_scale_tril
    wp, dp = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    batch = broadcast_shapes(tuple(lq.shape[:-2]), tuple(wp.shape[:-2]), tuple(dp.shape[:-1]), what="batch shapes")
    eye = ops.broadcast_to(ops.eye(n, lq.dtype, ops.device(lq)), (*batch, n, n))
    inv = ops.solve_triangular(ops.broadcast_to(lq, (*batch, n, n)), eye, lower=True)  # L_q^-1
    # tr(S_q^-1 S_p) = ||L_q^-1 W_p||^2 + ||L_q^-1 D_p^1/2||^2, the second a column scaling of L_q^-1
    trace = _frob(ops, inv @ wp) + _frob(ops, inv * ops.xp.sqrt(dp)[..., None, :])
    return _kl(p, q, trace, _mahalanobis_sq(ops, lq, q.loc - p.loc))
