"""The multivariate normal distribution: the given matrix form stored, its Cholesky factor derived once."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from .._backend import Ops
from .._shapes import broadcast_shapes
from ..distribution import Distribution
from ..kl import register_kl

__all__ = ["MultivariateNormal"]

Array = Any
_LOG_2PI = math.log(2 * math.pi)
_FORMS = ("covariance_matrix", "precision_matrix", "scale_tril")


def _mahalanobis_sq(ops: Ops, scale_tril: Array, diff: Array) -> Array:
    r""":math:`\|L^{-1} d\|^2` over the last axis, for ``L`` of shape ``(*b, n, n)`` and ``d`` of ``(..., n)``.

    The dimensions of ``d`` to the left of ``L``'s batch dimensions (sample dimensions, typically) are gathered
    into ``m`` rows per matrix, so each distinct ``L`` is worked on once, not once per draw.  With few rows, one
    triangular solve :math:`L y = d`; with many (``m >= 4n`` and ``m n >= 4096``), the inverse factor
    :math:`L^{-1}` (one solve against the identity, :math:`O(n^3)`) and one matrix product
    :math:`y = d L^{-\top}`, which runs at matrix-multiply speed instead of the solver's (2-3x on CPUs, more on
    GPUs).  Both are backward stable up to the conditioning of :math:`L`, which is what the Mahalanobis distance
    itself is sensitive to.  Below a few thousand numbers the solve's fewer operations win (2x at 100 draws of
    2-vectors on torch's CPU).
    """
    xp = ops.xp
    n = scale_tril.shape[-1]
    lbatch = tuple(scale_tril.shape[:-2])
    k = len(lbatch)
    dbatch = tuple(diff.shape[:-1])
    split = max(len(dbatch) - k, 0)
    lead = dbatch[:split]
    tail = broadcast_shapes(dbatch[split:], lbatch, what="MultivariateNormal: value and scale_tril batch shapes")
    diff = ops.broadcast_to(diff, lead + tail + (n,))
    m = math.prod(lead)
    if m == 0 or 0 in tail:
        # nothing to solve, and reshapes of empty arrays are not all possible (Dask): the empty result of the
        # right shape, still computed from the value
        return ops.sum_squares(diff)
    # Every operation is an autograd node on torch, costlier than the arithmetic on small shapes: no reshape
    # that changes nothing, and one permutation into the layout the solve wants.
    rows = diff if len(lead) == 1 else xp.reshape(diff, (m, *tail, n))
    scale_tril = ops.broadcast_to(scale_tril, (*tail, n, n))
    if m >= 4 * n and m * n >= 4096:
        if k:
            rows = xp.permute_dims(rows, (*range(1, k + 1), 0, k + 1))  # (*tail, m, n)
        eye = ops.broadcast_to(ops.eye(n, scale_tril.dtype, ops.device(scale_tril)), (*tail, n, n))
        inv_t = ops.matrix_transpose(ops.solve_triangular(scale_tril, eye, lower=True))
        sq = ops.sum_squares(xp.matmul(rows, inv_t))  # (*tail, m)
    else:
        cols = xp.permute_dims(rows, (*range(1, k + 1), k + 1, 0))  # (*tail, n, m)
        y = ops.solve_triangular(scale_tril, cols, lower=True)
        sq = xp.sum(y * y, axis=-2)  # (*tail, m)
    if k:
        sq = xp.permute_dims(sq, (k, *range(k)))  # (m, *tail)
    return sq if len(lead) == 1 else xp.reshape(sq, lead + tail)


def _precision_to_scale_tril(ops: Ops, precision: Array, check: bool) -> tuple[Array | None, Array | None]:
    r"""Lower-triangular :math:`L` with :math:`L L^\top = P^{-1}`, without forming :math:`P^{-1}`.

    With :math:`J` the reversal permutation, the Cholesky factor :math:`C` of :math:`JPJ` gives the upper
    triangular :math:`U = JCJ` with :math:`P = UU^\top`, hence :math:`P^{-1} = U^{-\top}U^{-1}` and
    :math:`L = U^{-\top}`, lower triangular with a positive diagonal.  Returns ``(L, ok)`` as
    :meth:`Ops.cholesky_checked` does (the reversal keeps a matrix symmetric positive definite or not).
    """
    xp = ops.xp
    c, ok = ops.cholesky_checked(xp.flip(precision, axis=(-2, -1)), check)
    if c is None:
        return None, ok
    u_t = ops.matrix_transpose(xp.flip(c, axis=(-2, -1)))  # U^T, lower triangular
    n = precision.shape[-1]
    eye = ops.broadcast_to(ops.eye(n, precision.dtype, ops.device(precision)), tuple(precision.shape))
    return ops.solve_triangular(u_t, eye, lower=True), ok


class MultivariateNormal(Distribution):
    r"""Multivariate normal distribution with mean ``loc`` and one of three forms of its covariance.

    .. math::
        p(x) = (2\pi)^{-n/2} |\Sigma|^{-1/2} \exp\left(-\tfrac12 (x-\mu)^\top \Sigma^{-1} (x-\mu)\right)

    Args:
        loc: mean :math:`\mu`, shape ``(*batch, n)``.
        covariance_matrix: :math:`\Sigma`, symmetric positive definite, shape ``(*batch, n, n)``.
        precision_matrix: :math:`\Sigma^{-1}`, symmetric positive definite, shape ``(*batch, n, n)``.
        scale_tril: :math:`L` with :math:`LL^\top = \Sigma`, lower triangular with a positive diagonal.
        validate_args: check parameters and values (default: the global switch, on).

    Exactly one of the three matrix forms must be given.  ``loc`` and the matrix broadcast over their batch
    dimensions (a ``(3, 2)`` ``loc`` with one ``(2, 2)`` covariance, or a ``(2,)`` ``loc`` with ``(3, 2, 2)``
    covariances).  The given matrix is stored unbroadcast (it is the parameter that flattening, slicing and
    pickling see); its Cholesky factor is derived once and every method works with it; the other two forms are
    derived from the factor on access.  Draws are :math:`x = \mu + L\varepsilon`.

    Example:
        >>> import numpy as np
        >>> from arraydist import MultivariateNormal
        >>> mean = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
        >>> d = MultivariateNormal(mean, covariance_matrix=0.1 * np.eye(2))
        >>> d.batch_shape, d.event_shape
        ((3,), (2,))
        >>> d.sample((100,), seed=0).shape
        (100, 3, 2)
        >>> d.log_prob(mean).round(4)
        array([0.4647, 0.4647, 0.4647])
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True
    _param_forms = (_FORMS,)
    _unbroadcast = frozenset(_FORMS)
    _post_init_checks = frozenset(("covariance_matrix", "precision_matrix"))  # checked by their factorization

    loc: Array
    _unbroadcasted_scale_tril: Array

    def __init__(
        self,
        loc: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        self._init_params(
            {
                "loc": loc,
                "covariance_matrix": covariance_matrix,
                "precision_matrix": precision_matrix,
                "scale_tril": scale_tril,
            },
            validate_args,
        )

    def _event_shape_from(self, params: dict[str, Array]) -> tuple[int, ...]:
        loc = params["loc"]
        form = next(k for k in _FORMS if k in params)
        matrix = params[form]
        if tuple(matrix.shape[-2:]) != (loc.shape[-1],) * 2:
            raise ValueError(
                f"MultivariateNormal: loc has shape {tuple(loc.shape)} and {form} has shape "
                f"{tuple(matrix.shape)}: loc must be (..., n) and the matrix (..., n, n), here n = {loc.shape[-1]}"
            )
        return (int(loc.shape[-1]),)

    def _post_init(self, validate: bool) -> None:
        # The Cholesky factor is the one form every method works with, derived from the form that was given; the
        # factorization is also the check that a covariance or precision matrix is positive definite.
        state = self.__dict__
        ops = self._ops
        if "scale_tril" in state:
            state["_unbroadcasted_scale_tril"] = state["scale_tril"]
            return
        if "covariance_matrix" in state:
            form = "covariance_matrix"
            tril, ok = ops.cholesky_checked(state[form], validate)
        else:
            form = "precision_matrix"
            tril, ok = _precision_to_scale_tril(ops, state[form], validate)
        if ok is not None and ok is not True and not ops.tracing() and ops.is_concrete(ok) and not ops.all(ok):
            # the error path alone: an infinite or NaN entry is named as for every other parameter ("finite")
            finite = ops.xp.all(ops.xp.isfinite(state[form]), axis=(-2, -1))
            if not ops.all(finite):
                raise self._param_error(ops, form, state[form], finite, "finite")
        state["_unbroadcasted_scale_tril"] = self._require_param(form, ok, tril)

    def _given_matrix(self, form: str) -> Array | None:
        matrix = self.__dict__.get(form)
        return None if matrix is None else self._ops.broadcast_to(matrix, self._batch_shape + self._event_shape * 2)

    @property
    def scale_tril(self) -> Array:
        """:math:`L`, lower triangular with :math:`LL^\\top = \\Sigma`, of shape ``batch + (n, n)``."""
        return self._ops.broadcast_to(self._unbroadcasted_scale_tril, self._batch_shape + self._event_shape * 2)

    @property
    def covariance_matrix(self) -> Array:
        """:math:`\\Sigma = LL^\\top`, of shape ``batch + (n, n)``."""
        given = self._given_matrix("covariance_matrix")
        if given is not None:
            return given
        tril = self._unbroadcasted_scale_tril
        cov = tril @ self._ops.matrix_transpose(tril)
        return self._ops.broadcast_to(cov, self._batch_shape + self._event_shape * 2)

    @property
    def precision_matrix(self) -> Array:
        """:math:`\\Sigma^{-1} = L^{-\\top}L^{-1}`, of shape ``batch + (n, n)``."""
        given = self._given_matrix("precision_matrix")
        if given is not None:
            return given
        ops = self._ops
        tril = self._unbroadcasted_scale_tril
        n = tril.shape[-1]
        eye = ops.broadcast_to(ops.eye(n, tril.dtype, self._device), tuple(tril.shape))
        inv = ops.solve_triangular(tril, eye, lower=True)
        return ops.broadcast_to(ops.matrix_transpose(inv) @ inv, self._batch_shape + self._event_shape * 2)

    @property
    def mean(self) -> Array:
        return self.loc

    @property
    def mode(self) -> Array:
        return self.loc

    @property
    def variance(self) -> Array:
        tril = self._unbroadcasted_scale_tril
        return self._ops.broadcast_to(self._ops.xp.sum(tril * tril, axis=-1), self._batch_shape + self._event_shape)

    def _half_log_det(self) -> Array:
        ops = self._ops
        return ops.xp.sum(ops.xp.log(ops.diagonal(self._unbroadcasted_scale_tril)), axis=-1)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops = self._ops
        eps = ops.normal(rng, sample_shape + self._batch_shape + self._event_shape, self._dtype, self._device)
        return self.loc + (self._unbroadcasted_scale_tril @ eps[..., None])[..., 0]

    def _log_prob(self, value: Array) -> Array:
        n = self._event_shape[0]
        ops = self._ops
        maha = _mahalanobis_sq(ops, self._unbroadcasted_scale_tril, value - self.loc)
        # the constant and the log-determinant are batch-sized: one full-size operation adds them
        return ops.add_scaled(self._const(-0.5 * n * _LOG_2PI) - self._half_log_det(), maha, -0.5)

    def entropy(self) -> Array:
        r""":math:`\tfrac n2 (1 + \log 2\pi) + \tfrac12 \log|\Sigma|`."""
        n = self._event_shape[0]
        h = 0.5 * n * (1.0 + _LOG_2PI) + self._half_log_det()
        return self._ops.broadcast_to(h, self._batch_shape)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p: MultivariateNormal, q: MultivariateNormal) -> Array:
    r""":math:`\tfrac12\left[\operatorname{tr}(\Sigma_q^{-1}\Sigma_p) + \delta^\top\Sigma_q^{-1}\delta - n
    + \log|\Sigma_q| - \log|\Sigma_p|\right]` with :math:`\delta = \mu_q - \mu_p`, through Cholesky factors."""
    if p.event_shape != q.event_shape:
        raise ValueError(
            f"kl_divergence(MultivariateNormal, MultivariateNormal): event shapes {p.event_shape} and "
            f"{q.event_shape} differ"
        )
    ops = p._ops
    xp = ops.xp
    n = p.event_shape[0]
    lp, lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    mat_batch = broadcast_shapes(tuple(lp.shape[:-2]), tuple(lq.shape[:-2]), what="scale_tril batch shapes")
    m = ops.solve_triangular(ops.broadcast_to(lq, (*mat_batch, n, n)), ops.broadcast_to(lp, (*mat_batch, n, n)))
    trace = xp.sum(xp.sum(m * m, axis=-1), axis=-1)
    maha = _mahalanobis_sq(ops, lq, q.loc - p.loc)
    kl = q._half_log_det() - p._half_log_det() + 0.5 * (trace + maha - n)
    return ops.broadcast_to(kl, broadcast_shapes(p.batch_shape, q.batch_shape))
