"""The Wishart distribution over symmetric positive definite matrices."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints
from .._shapes import broadcast_shapes
from ..distribution import Distribution
from ..kl import register_kl
from .multivariate_normal import _precision_to_scale_tril

__all__ = ["Wishart"]

Array = Any
_LOG_2 = math.log(2.0)
_FORMS = ("covariance_matrix", "precision_matrix", "scale_tril")


def _multidigamma(ops: Any, x: Array, p: int) -> Array:
    r""":math:`\psi_p(x) = \sum_{j=0}^{p-1} \psi(x - j/2)`, the derivative of :math:`\log\Gamma_p(x)`."""
    out = ops.digamma(x)
    for j in range(1, p):
        out = out + ops.digamma(x - 0.5 * j)
    return out


class Wishart(Distribution):
    r"""Wishart distribution of ``df`` degrees of freedom and scale matrix :math:`\Sigma`, over symmetric
    positive definite :math:`p \times p` matrices.

    .. math::
        p(X) = \frac{|X|^{(\nu - p - 1)/2} \exp\left(-\tfrac12 \operatorname{tr}(\Sigma^{-1} X)\right)}
        {2^{\nu p / 2} |\Sigma|^{\nu / 2} \Gamma_p(\nu / 2)}

    Args:
        df: degrees of freedom :math:`\nu > p - 1`, shape broadcastable with the matrices' batch shape.
        covariance_matrix: :math:`\Sigma`, symmetric positive definite, shape ``(*batch, p, p)``.
        precision_matrix: :math:`\Sigma^{-1}`, symmetric positive definite, shape ``(*batch, p, p)``.
        scale_tril: :math:`L` with :math:`LL^\top = \Sigma`, lower triangular with a positive diagonal.
        validate_args: check parameters and values (default: the global switch, on).

    Exactly one of the three matrix forms must be given; it is stored unbroadcast and its Cholesky factor
    :math:`L` is derived once, as in ``MultivariateNormal``.  The mean is :math:`\nu\Sigma`, the mode
    :math:`(\nu - p - 1)\Sigma` (NaN where :math:`\nu \le p + 1`, as torch.distributions), the variance of
    :math:`X_{ij}` is :math:`\nu(\Sigma_{ij}^2 + \Sigma_{ii}\Sigma_{jj})`.  Draws are the Bartlett decomposition
    :math:`X = (LA)(LA)^\top` with :math:`A` lower triangular, :math:`A_{ii}^2 \sim \chi^2(\nu - i)` (from the
    backend's ``standard_gamma``) and standard normals below the diagonal: pathwise gradients in :math:`\nu`
    and :math:`\Sigma` on torch and JAX.  Unlike torch.distributions, draws are never redrawn (no data-dependent
    loop, so ``rsample`` traces under ``torch.compile`` and ``jax.jit``): for :math:`p - 1 < \nu < p` a draw can
    be numerically singular, whose ``log_prob`` is then ``-inf`` or NaN.

    Example:
        >>> import numpy as np
        >>> from arraydist import Wishart
        >>> d = Wishart(np.array([3.0, 5.0]), covariance_matrix=np.eye(2))
        >>> d.batch_shape, d.event_shape
        ((2,), (2, 2))
        >>> d.mean[1]
        array([[5., 0.],
               [0., 5.]])
        >>> d.log_prob(np.eye(2)).round(4)
        array([-3.531 , -5.3228])
        >>> d.rsample((4,), seed=0).shape
        (4, 2, 2, 2)
    """

    arg_constraints = {
        "df": constraints.positive,  # and df > p - 1, which depends on the matrices (checked in _post_init)
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.positive_definite
    has_rsample = True
    _param_forms = (_FORMS,)
    _unbroadcast = frozenset(_FORMS)
    _post_init_checks = frozenset(("covariance_matrix", "precision_matrix"))  # checked by their factorization

    df: Array
    _unbroadcasted_scale_tril: Array

    def __init__(
        self,
        df: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        self._init_params(
            {
                "df": df,
                "covariance_matrix": covariance_matrix,
                "precision_matrix": precision_matrix,
                "scale_tril": scale_tril,
            },
            validate_args,
        )

    def _event_shape_from(self, params: dict[str, Array]) -> tuple[int, ...]:
        matrix = next(params[k] for k in _FORMS if k in params)
        return (int(matrix.shape[-1]),) * 2

    def _post_init(self, validate: bool) -> None:
        state = self.__dict__
        ops = self._ops
        p = self._event_shape[-1]
        if "scale_tril" in state:
            tril = state["scale_tril"]
        else:
            form = "covariance_matrix" if "covariance_matrix" in state else "precision_matrix"
            if form == "covariance_matrix":
                tril, ok = ops.cholesky_checked(state[form], validate)
            else:
                tril, ok = _precision_to_scale_tril(ops, state[form], validate)
            if ok is not None and ok is not True and not ops.tracing() and ops.is_concrete(ok) and not ops.all(ok):
                # an infinite or NaN entry is named as for every other parameter ("finite"), not as indefinite
                finite = ops.xp.all(ops.xp.isfinite(state[form]), axis=(-2, -1))
                if not ops.all(finite):
                    raise self._param_error(ops, form, state[form], finite, "finite")
            tril = self._require_param(form, ok, tril)
        state["_unbroadcasted_scale_tril"] = tril
        if validate and p > 1:
            self._require(self.df > p - 1, f"df > p - 1 = {p - 1} (p = {p}, the size of the matrices)", "df")

    def _matrix(self, form: str) -> Array | None:
        matrix = self.__dict__.get(form)
        return None if matrix is None else self._ops.broadcast_to(matrix, self._batch_shape + self._event_shape)

    @property
    def scale_tril(self) -> Array:
        """:math:`L`, lower triangular with :math:`LL^\\top = \\Sigma`, of shape ``batch + (p, p)``."""
        return self._ops.broadcast_to(self._unbroadcasted_scale_tril, self._batch_shape + self._event_shape)

    @property
    def covariance_matrix(self) -> Array:
        """The scale matrix :math:`\\Sigma = LL^\\top`, of shape ``batch + (p, p)``."""
        given = self._matrix("covariance_matrix")
        if given is not None:
            return given
        tril = self._unbroadcasted_scale_tril
        return self._ops.broadcast_to(tril @ self._ops.matrix_transpose(tril), self._batch_shape + self._event_shape)

    @property
    def precision_matrix(self) -> Array:
        """:math:`\\Sigma^{-1} = L^{-\\top}L^{-1}`, of shape ``batch + (p, p)``."""
        given = self._matrix("precision_matrix")
        if given is not None:
            return given
        ops = self._ops
        tril = self._unbroadcasted_scale_tril
        eye = ops.broadcast_to(ops.eye(tril.shape[-1], tril.dtype, self._device), tuple(tril.shape))
        inv = ops.solve_triangular(tril, eye, lower=True)
        return ops.broadcast_to(ops.matrix_transpose(inv) @ inv, self._batch_shape + self._event_shape)

    @property
    def mean(self) -> Array:
        return self.df[..., None, None] * self.covariance_matrix

    @property
    def mode(self) -> Array:
        xp = self._ops.xp
        factor = self.df - (self._event_shape[-1] + 1)
        factor = xp.where(factor > 0, factor, xp.full_like(factor, math.nan))
        return factor[..., None, None] * self.covariance_matrix

    @property
    def variance(self) -> Array:
        cov = self.covariance_matrix
        diag = self._ops.diagonal(cov)
        return self.df[..., None, None] * (cov * cov + diag[..., :, None] * diag[..., None, :])

    def _half_log_det(self) -> Array:
        ops = self._ops
        return ops.xp.sum(ops.xp.log(ops.diagonal(self._unbroadcasted_scale_tril)), axis=-1)

    def _rsample(self, sample_shape: tuple[int, ...], rng: Any) -> Array:
        ops, xp = self._ops, self._ops.xp
        p = self._event_shape[-1]
        shape = sample_shape + self._batch_shape
        dtype, device = self._dtype, self._device
        gamma_rng, normal_rng = ops.split(rng, 2)
        # A_ii^2 ~ chi2(df - i) = 2 Gamma((df - i) / 2)
        half_df = (self.df[..., None] - xp.arange(p, dtype=dtype, device=device)) / 2
        diag = xp.sqrt(2 * ops.standard_gamma(gamma_rng, half_df, (*shape, p), dtype, device))
        eye = ops.eye(p, dtype, device)
        strictly_lower = ops.tril(xp.ones((p, p), dtype=dtype, device=device)) - eye
        a = ops.normal(normal_rng, (*shape, p, p), dtype, device) * strictly_lower + diag[..., None] * eye
        la = self._unbroadcasted_scale_tril @ a
        return la @ ops.matrix_transpose(la)

    def _log_prob(self, value: Array) -> Array:
        ops, xp = self._ops, self._ops.xp
        p = self._event_shape[-1]
        nu = self.df
        chol = ops.cholesky(value)
        log_det = 2 * xp.sum(xp.log(ops.diagonal(chol)), axis=-1)
        # tr(Sigma^-1 X) = |L^-1 C|_F^2 with X = C C^T
        tril = self._unbroadcasted_scale_tril
        full = (*broadcast_shapes(tuple(chol.shape[:-2]), tuple(tril.shape[:-2])), p, p)
        m = ops.solve_triangular(ops.broadcast_to(tril, full), ops.broadcast_to(chol, full), lower=True)
        trace = xp.sum(xp.sum(m * m, axis=-1), axis=-1)
        return (
            0.5 * (nu - p - 1) * log_det
            - 0.5 * trace
            - nu * (0.5 * p * _LOG_2 + self._half_log_det())
            - ops.multigammaln(0.5 * nu, p)
        )

    def entropy(self) -> Array:
        r""":math:`\tfrac{p + 1}{2}\log|\Sigma| + \tfrac{p(p + 1)}{2}\log 2 + \log\Gamma_p(\tfrac\nu2)
        - \tfrac{\nu - p - 1}{2}\psi_p(\tfrac\nu2) + \tfrac{\nu p}{2}`."""
        ops = self._ops
        p = self._event_shape[-1]
        nu = self.df
        return (
            (p + 1) * (0.5 * p * _LOG_2 + self._half_log_det())
            + ops.multigammaln(0.5 * nu, p)
            - 0.5 * (nu - p - 1) * _multidigamma(ops, 0.5 * nu, p)
            + 0.5 * nu * p
        )


@register_kl(Wishart, Wishart)
def _kl_wishart_wishart(p: Wishart, q: Wishart) -> Array:
    r""":math:`\tfrac{\nu_q}{2}(\log|\Sigma_q| - \log|\Sigma_p|) + \tfrac{\nu_p}{2}(\operatorname{tr}(\Sigma_q^{-1}
    \Sigma_p) - n) + \log\Gamma_n(\tfrac{\nu_q}{2}) - \log\Gamma_n(\tfrac{\nu_p}{2}) + \tfrac{\nu_p - \nu_q}{2}
    \psi_n(\tfrac{\nu_p}{2})`, the trace as :math:`\|L_q^{-1} L_p\|_F^2` (torch reaches it through its generic
    exponential-family rule)."""
    if p.event_shape != q.event_shape:
        raise ValueError(f"kl_divergence(Wishart, Wishart): event shapes {p.event_shape} and {q.event_shape} differ")
    ops = p._ops
    xp = ops.xp
    n = p.event_shape[-1]
    lp, lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    full = (*broadcast_shapes(tuple(lp.shape[:-2]), tuple(lq.shape[:-2]), what="scale_tril batch shapes"), n, n)
    m = ops.solve_triangular(ops.broadcast_to(lq, full), ops.broadcast_to(lp, full), lower=True)
    trace = xp.sum(xp.sum(m * m, axis=-1), axis=-1)
    nu_p, nu_q = p.df, q.df
    kl = (
        nu_q * (q._half_log_det() - p._half_log_det())
        + 0.5 * nu_p * (trace - n)
        + ops.multigammaln(0.5 * nu_q, n)
        - ops.multigammaln(0.5 * nu_p, n)
        + 0.5 * (nu_p - nu_q) * _multidigamma(ops, 0.5 * nu_p, n)
    )
    return ops.broadcast_to(kl, broadcast_shapes(p.batch_shape, q.batch_shape))
