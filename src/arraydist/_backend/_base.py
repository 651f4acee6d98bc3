"""The operations every backend provides, with fallbacks written against the array API standard.

A backend subclass overrides only what it does better or what the standard lacks (random numbers,
special functions, triangular solves).  Where the standard has no way at all to compute something
(``erfinv``, ``lgamma``...), the fallback round-trips through NumPy/SciPy on the host via DLPack: correct
everywhere, fast nowhere, and never used by the NumPy, PyTorch or JAX backends.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ._precision import widen_methods, widened  # noqa: F401  (re-exported for the backend modules)
from ._sampling import Sampling, categorical_inverse_cdf  # noqa: F401  (re-exported for the backend modules)
from ._seeds import (  # noqa: F401  (the seed policy, re-exported for the backend modules)
    SEED_RANGE,
    check_seed,
    library_rng,
    numpy_rng_from_seed,
    public_type_name,
    seeded_generator,
    set_library_seed,
)
from ._special import OWN, SPECIAL_FUNCTIONS
from ._special_math import LOG_SQRT_2PI, SpecialMath

Array = Any
Shape = tuple[int, ...]


def symmetric_values(values: Any, eps: float) -> bool:
    """Whether every matrix of a nested list (``tolist()`` of an array ``(..., n, n)``) is symmetric to
    ``16 eps`` of its largest entry, as :meth:`Ops.is_symmetric` asks, that entry finite: an infinite one would
    make the tolerance infinite.  A NaN fails its comparison off the diagonal; on it, only where ``max`` lands
    on it, so callers also factorize (a Cholesky factorization refuses a NaN pivot)."""
    if not values or not values[0] or type(values[0][0]) is list:
        return all(symmetric_values(v, eps) for v in values)
    n = len(values)
    largest = max(abs(v) for row in values for v in row)
    if not largest <= sys.float_info.max:
        return False
    tol = 16 * eps * largest
    return all(abs(values[i][j] - values[j][i]) <= tol for i in range(n) for j in range(i))


class Ops(SpecialMath, Sampling):
    """Backend operations over one array namespace ``xp``."""

    name = "array-api"
    #: arrays whose values cannot be inspected eagerly without forcing a computation (Dask)
    lazy = False
    #: the backend computes gradients, so ``rsample`` carries them and ``sample`` must stop them
    differentiable = False

    def __init__(self, xp: Any) -> None:
        self.xp = xp

    def __repr__(self) -> str:
        return f"<arraydist backend {self.name}>"

    # ------------------------------------------------------------------ arrays, dtypes, devices
    def asarray(self, x: Any, dtype: Any = None, device: Any = None) -> Array:
        return self.xp.asarray(x, dtype=dtype, device=device)

    def default_float(self) -> Any:
        return self.xp.__array_namespace_info__().default_dtypes()["real floating"]

    def float_dtype(self, arrays: Sequence[Array]) -> Any:
        """The result type of ``arrays``, or the default float when that is not a real floating type."""
        dtype = self.xp.result_type(*arrays) if arrays else None
        if dtype is None or not self.xp.isdtype(dtype, "real floating"):
            return self.default_float()
        return dtype

    def is_float_dtype(self, dtype: Any) -> bool:
        return bool(self.xp.isdtype(dtype, "real floating"))

    def narrow_float(self, dtype: Any) -> bool:
        r"""Whether ``dtype`` is narrower than float64: too short a significand for the direct log-masses of the
        count families, which subtract terms of size :math:`k \log k` (at :math:`k = 10^4` float32 is off in the
        third digit of a Poisson log-mass, float64 in the twelfth), so those use the saddle-point form
        (:meth:`stirlerr`, :meth:`bd0`)."""
        return bool(self.xp.finfo(dtype).bits < 64)

    def wide_float(self, dtype: Any) -> Any:
        """float32 for a floating dtype narrower than it (float16, bfloat16), else ``dtype``: what a formula
        whose large terms cancel computes in, to cast its result back (the backend computes special functions
        and factorizations of the narrow floats so already: :func:`widened`)."""
        return self.xp.float32 if self.xp.finfo(dtype).bits < 32 else dtype

    def tail_float(self, dtype: Any, device: Any) -> Any:
        """What a CDF or log tail whose standardization is ill-conditioned computes in (``in_tail_float``): float64
        for the narrower floats where this backend computes it at little cost on ``device`` (NumPy, PyTorch on the
        CPU, JAX on the CPU with x64), else :meth:`wide_float` (accelerators are slow in float64, MLX's GPUs
        have none)."""
        return self.wide_float(dtype)

    def device(self, x: Array) -> Any:
        return x.device

    def placement(self, arrays: tuple[Any, ...]) -> tuple[Any, Any] | None:
        """``(dtype, device)`` when ``arrays`` (the first one of this library) are all arrays of one type, one
        floating dtype and one device, else None: then a distribution takes them as they are, unconverted."""
        first = arrays[0]
        t, dtype = type(first), first.dtype
        if not self.is_float_dtype(dtype):
            return None
        device = self.device(first)
        for a in arrays[1:]:
            if type(a) is not t or a.dtype != dtype or self.device(a) != device:
                return None
        return dtype, device

    def device_key(self, device: Any) -> Any:
        """A hashable stand-in for ``device`` (a cache key); devices of most libraries are hashable already."""
        return device

    def is_concrete(self, x: Array) -> bool:
        """Whether the values of ``x`` can be read now (False for tracers and lazy arrays)."""
        return not self.lazy

    def blocks_ok(self, arrays: list[Array]) -> bool:
        """Whether an eager elementwise evaluation over ``arrays`` may be computed in blocks written into one
        output (``arraydist._blocks``): on the host, with nothing a tape records or a trace sees.  Default:
        no (lazy, traced and device libraries gain nothing from it)."""
        return False

    def can_cache(self, x: Array) -> bool:
        """Whether ``x``, derived now from a distribution's parameters, may be kept on it (a ``lazy_property``):
        its values are concrete and no ``torch.compile`` trace runs (a tracer cannot replay the write)."""
        from . import compiling  # the package's switch (this module is imported before the package defines it)

        return not compiling() and self.is_concrete(x)

    def tracing(self) -> bool:
        """Whether a whole-program tracer runs (``torch.compile``): then no value can be read, and value checks
        are skipped.  Per-array tracing (JAX's tracers) answers in :meth:`is_concrete`."""
        return False

    #: whether reading a value costs a computation of its own (MLX: a wait for the stream) and draws are therefore
    #: noted (:meth:`note_draw`), so that a support check of a draw that cannot be outside is skipped
    notes_draws: bool = False

    def note_draw(self, x: Array) -> None:
        """Note ``x`` as a draw of a distribution whose parameters passed validation and whose support only
        excludes NaN (``Constraint.nan_check_only``): finite parameters give no NaN draw."""

    def is_noted_draw(self, x: Array) -> bool:
        """Whether ``x`` (this very array) was noted by :meth:`note_draw`."""
        return False

    #: whether :meth:`deferred_check` does anything (torch, JAX, Dask): elsewhere no check array is built
    defers_checks: bool = False

    def deferred_check(
        self,
        ok: Array,
        message: str,
        guarded: Array | None = None,
        event_dim: int = 0,
        error: Any = None,
        operands: tuple[tuple[Array, int], ...] = (),
    ) -> Array | None:
        """Where no value can be read now (a compiler's trace, JAX's tracers, Dask's lazy arrays): a check of the
        boolean array ``ok`` made when the program runs, failing where any element is False; returns ``guarded``
        (an array the check is about, with ``event_dim`` dimensions beyond ``ok``'s), which callers keep in its
        place.

        torch: an asynchronous assert in the graph, a ``RuntimeError(message)``; JAX: reported with ``message``
        through ``jax.experimental.checkify``; both return ``guarded`` itself.  Dask returns ``guarded`` tied to
        the check, so that ``compute()`` of anything derived from it raises ``error(ok_chunk, *operand_chunks)``
        (the eager exception, from the values of the chunk that failed; each operand ``(array, event_dim)`` has
        batch dimensions right-aligned with ``ok``'s), or ``ValueError(message)``.  Backends that read every
        value (NumPy) do nothing."""
        return guarded

    def to_numpy(self, x: Array) -> np.ndarray:
        try:
            return np.from_dlpack(x)
        except (TypeError, AttributeError, RuntimeError, BufferError):
            return np.asarray(x)

    def from_numpy(self, x: np.ndarray, like: Array) -> Array:
        return self.xp.asarray(x, device=self.device(like))

    def can_inplace(self, *arrays: Array) -> bool:
        """Whether fresh temporaries may be updated in place (no autograd graph, mutable arrays)."""
        return False

    def stop_gradient(self, x: Array) -> Array:
        return x

    def addcmul(self, a: Array, b: Array, c: Array, *, value: float = 1.0) -> Array:
        """``a + value * b * c`` (one fused operation where the backend has one), as ``(value * b) * c``: as torch's
        kernel, so that ``b * c`` cannot overflow where the result does not (``-z * z / 2`` at ``z = 1.5e154``)."""
        return a + b * c if value == 1.0 else a + (value * b) * c

    def add_scaled(self, a: Array, b: Array, alpha: float) -> Array:
        """``a + alpha * b`` (one fused operation where the backend has one: one autograd node, not two)."""
        return a + alpha * b

    def const(self, value: float, dtype: Any, device: Any) -> Any:
        """A constant operand for arithmetic with arrays of ``dtype`` on ``device``.

        A Python float everywhere but where the backend pays for wrapping scalars (torch: a cached 0-d tensor).
        """
        return value

    def all(self, x: Array) -> bool:
        return bool(self.xp.all(x))

    def evaluate(self, arrays: Iterable[Any]) -> None:
        """Compute lazily built arrays together before their values are read one by one (MLX: one wait for its
        stream instead of one per array); arrays that cannot be computed here (tracers) are left as they are.
        Eager libraries: nothing to do."""

    def small_values(self, x: Array) -> Iterable[Any] | None:
        """The values of a small concrete array as Python numbers (an iterable, to be read once), else None.

        Value checks on the parameters of a training step (a handful of numbers) read them this way: cheaper
        than a reduction and its host read.  Call it only where :meth:`tracing` is False; it answers None for
        other arrays whose values cannot be read (JAX tracers, lazy arrays), and callers then ask
        :meth:`is_concrete`.  Backends whose arrays live elsewhere keep the default, None.
        """
        return None

    def reduce_value(self, x: Array, how: str) -> float:
        """``min``, ``max`` or ``sum`` of all of ``x`` as a Python float (NaN-propagating; empty is neutral)."""
        if x.size == 0 if isinstance(x.size, int) else False:
            return {"min": math.inf, "max": -math.inf, "sum": 0.0}[how]
        with np.errstate(invalid="ignore", over="ignore"):  # NumPy underneath: inf - inf is NaN, the answer
            return float(getattr(self.xp, how)(x))

    def value_range(self, x: Array) -> tuple[float, float]:
        """``(min, max)`` of all of a concrete ``x`` as Python floats (NaN where it holds a NaN; empty:
        ``(inf, -inf)``); backends that can, in one reduction and one host read."""
        return self.reduce_value(x, "min"), self.reduce_value(x, "max")

    def mask_key(self, mask: Array) -> Any:
        """What indexes the leading dimensions that a boolean ``mask`` covers (``x[key]``): the mask itself where
        the library indexes with masks."""
        return mask

    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        if tuple(x.shape) == shape:
            return x
        return self.xp.broadcast_to(x, shape)

    def sum_squares(self, x: Array) -> Array:
        r""":math:`\sum_i x_i^2` over the last axis."""
        return self.xp.sum(x * x, axis=-1)

    def dot_last(self, x: Array, y: Array) -> Array:
        r""":math:`\sum_i x_i y_i` over the last axis (real arrays of one shape)."""
        return self.xp.sum(x * y, axis=-1)

    def sum_rightmost(self, x: Array, n: int) -> Array:
        if n == 0:
            return x
        return self.xp.sum(x, axis=tuple(range(-n, 0)))

    def clip_lowest(self, x: Array) -> Array:
        """``x`` clipped below at the most negative finite number of its dtype: ``-inf`` becomes finite, with a
        gradient of 0 there (``p log p`` of a masked category, ``0 * -inf``, is then 0 and not NaN)."""
        xp = self.xp
        return xp.clip(x, min=xp.finfo(x.dtype).min)

    def cast(self, x: Array, dtype: Any) -> Array:
        return x if x.dtype == dtype else self.xp.astype(x, dtype)

    #: :meth:`index_dtype` where it is one fixed object (``torch.int64``), for an identity test on hot paths;
    #: None where it is not known in advance (JAX's depends on ``jax_enable_x64``)
    index_type: Any = None

    def index_dtype(self) -> Any:
        """The integer dtype of indices and of categorical draws: int64 (JAX: its default integer)."""
        return self.xp.__array_namespace_info__().default_dtypes()["indexing"]

    def take_last(self, x: Array, index: Array) -> Array:
        """``x[..., index]`` element by element: ``out[i] = x[i, index[i]]``, the batch dimensions of ``x``
        (all but the last) and of ``index`` broadcast (``log_prob`` of a category).  ``index`` must be
        integer-valued (any integer, boolean or floating dtype; cast to :meth:`index_dtype`) and in range."""
        xp = self.xp
        index = self.cast(index, self.index_dtype())
        shape = np.broadcast_shapes(tuple(x.shape[:-1]), tuple(index.shape))
        x = xp.broadcast_to(x, (*shape, x.shape[-1]))
        index = xp.broadcast_to(index, shape)
        take_along_axis = getattr(xp, "take_along_axis", None)
        if take_along_axis is not None:
            return take_along_axis(x, xp.expand_dims(index, axis=-1), axis=-1)[..., 0]
        # no take_along_axis in this namespace: select with a comparison (a temporary of the size of x)
        hit = xp.expand_dims(index, axis=-1) == xp.arange(x.shape[-1], dtype=index.dtype)
        return xp.sum(xp.where(hit, x, xp.zeros_like(x)), axis=-1)

    # ------------------------------------------------------------------ special functions
    # One method per entry of _special.SPECIAL_FUNCTIONS: the "host" ones are made from the table below the
    # class; here are the pure-standard formulas and the composites, which backends reuse where the table
    # names no function of theirs.
    def _host(self, fn: Any, *args: Any) -> Array:
        """``fn`` (SciPy) on the host over the array arguments; other arguments (ints) are passed as they are."""
        like = next(a for a in args if hasattr(a, "shape"))
        # float32 in float64: SciPy's float32 loops of some functions are far less accurate (betainc 3e-3 off)
        host = [_in_float64(self.to_numpy(a)) if hasattr(a, "shape") else a for a in args]
        result = fn(*host)
        return self.xp.asarray(np.asarray(result, dtype=self.to_numpy(like).dtype), device=self.device(like))

    def xlogy(self, x: Array, y: Array) -> Array:
        xp = self.xp
        zero = x == 0
        with np.errstate(divide="ignore", invalid="ignore"):  # NumPy underneath: log(0) = -inf is the answer
            return xp.where(zero, xp.zeros_like(x * y), x * xp.log(xp.where(zero, xp.ones_like(y), y)))

    def xlog1py(self, x: Array, y: Array) -> Array:
        xp = self.xp
        zero = x == 0
        with np.errstate(divide="ignore", invalid="ignore"):  # log1p(-1) = -inf is the answer
            return xp.where(zero, xp.zeros_like(x * y), x * xp.log1p(xp.where(zero, xp.zeros_like(y), y)))

    def softplus(self, x: Array) -> Array:
        # max(x, 0) + log1p(exp(-|x|)): exp never overflows, and nothing is lost for large |x|
        xp = self.xp
        return xp.maximum(x, xp.zeros_like(x)) + xp.log1p(xp.exp(-xp.abs(x)))

    def log_dtanh(self, x: Array) -> Array:
        r""":math:`\log \frac{d}{dx}\tanh x = \log(1 - \tanh^2 x) = 2(\log 2 - x - \operatorname{softplus}(-2x))`,
        finite at every finite :math:`x` (a formula in :math:`\tanh x` is :math:`-\infty` once it rounds to 1)."""
        u = x * self.const(-2.0, x.dtype, self.device(x))
        return self.add_scaled(u, self.softplus(u), -2.0) + self.const(2.0 * math.log(2.0), x.dtype, self.device(x))

    def log_sigmoid(self, x: Array) -> Array:
        xp = self.xp
        return xp.minimum(x, xp.zeros_like(x)) - xp.log1p(xp.exp(-xp.abs(x)))

    def expit(self, x: Array) -> Array:
        # exp(-|x|) in (0, 1]: no overflow on either side
        xp = self.xp
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def logit(self, p: Array) -> Array:
        xp = self.xp
        with np.errstate(divide="ignore", invalid="ignore"):  # NumPy underneath: logit(0) = -inf is the answer
            return xp.log(p) - xp.log1p(-p)

    def logsumexp(self, x: Array, axis: int = -1) -> Array:
        xp = self.xp
        m = xp.max(x, axis=axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
        with np.errstate(divide="ignore"):  # a row of -inf: log(0) = -inf is the answer
            out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
        return xp.squeeze(out, axis=axis)

    def log_softmax(self, x: Array, axis: int = -1) -> Array:
        """``x - logsumexp(x)`` over ``axis``: normalized log-probabilities (``-inf`` entries stay ``-inf``).

        The maximum comes out first, ``(x - m) - log(sum(exp(x - m)))``: subtracting ``logsumexp(x)`` itself
        loses the normalization when the logits share a large offset (``[1e30] * 3`` gave probabilities of 1,
        float32 logits from about 1e6 on), since ``m + log(3)`` rounds to ``m``."""
        xp = self.xp
        if 0 in tuple(x.shape):  # nothing to normalize (Dask's max has no identity for an empty reduction)
            return x
        m = xp.max(x, axis=axis, keepdims=True)
        shifted = x - xp.where(xp.isfinite(m), m, xp.zeros_like(m))
        with np.errstate(divide="ignore"):  # a row of -inf: log(0) = -inf, and the row is NaN as before
            return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))

    def cumulative_sum(self, x: Array, axis: int = -1) -> Array:
        """Running sums along ``axis`` (the standard's ``cumulative_sum``; torch's own under ``torch.compile``)."""
        return self.xp.cumulative_sum(x, axis=axis)

    def softmax(self, x: Array, axis: int = -1) -> Array:
        """``exp(log_softmax(x))``: probabilities over ``axis`` (``-inf`` logits have probability 0)."""
        return self.xp.exp(self.log_softmax(x, axis))

    def log_softmax_checked(self, x: Array, check: bool) -> tuple[Array, bool | None]:
        """``(log_softmax(x), ok)`` over the last axis.  With ``check`` and values that can be read now, ``ok``
        says whether every row is valid logits: no NaN or ``+inf``, at least one finite entry (``-inf`` masks
        an entry).  Exactly then the normalized row has no NaN (they are <= 0 elsewhere), so one reduction and
        one host read tell; bad rows normalize to NaN without a warning.  ``ok`` is None when not checked."""
        if not check or self.tracing() or not self.is_concrete(x):
            return self.log_softmax(x), None
        with np.errstate(invalid="ignore", over="ignore"):  # NumPy underneath: inf - inf, exp(1e300) in a bad row
            out = self.log_softmax(x)
        top = self.reduce_value(out, "max")
        return out, top == top

    def multigammaln(self, x: Array, p: int) -> Array:
        r""":math:`\log\Gamma_p(x) = \frac{p(p-1)}{4}\log\pi + \sum_{j=0}^{p-1}\log\Gamma(x - j/2)`, elementwise."""
        out = self.lgamma(x)
        for j in range(1, p):
            out = out + self.lgamma(x - 0.5 * j)
        return out + 0.25 * p * (p - 1) * math.log(math.pi)

    def stirlerr(self, x: Array) -> Array:
        r"""The error of Stirling's formula, :math:`\log\Gamma(x + 1) - (x + \tfrac12)\log x + x -
        \tfrac12\log 2\pi`, for :math:`x > 0`.

        Above 15 it is the asymptotic series :math:`\frac{1}{12x} - \frac{1}{360x^3} + \frac{1}{1260x^5} -
        \frac{1}{1680x^7} + \frac{1}{1188x^9} - \frac{691}{360360x^{11}}` (truncated 6e-16 below its value at 15,
        relatively, less beyond), so it keeps its relative accuracy at any size, where the difference of the
        large terms it stands for loses every digit (float32 at :math:`x = 10^7`).  Below, the defining
        difference, whose terms are small there (an absolute error of a few units of the dtype's resolution at
        40).  The saddle-point log-masses of the
        count families are built from it and :meth:`bd0` (C. Loader, *Fast and accurate computation of
        binomial probabilities*, 2000)."""
        xp = self.xp
        side = self.side(x, _STIRLING_FROM)
        if side is False:
            return self.lgamma(x + 1) - (x + 0.5) * xp.log(x) + x - LOG_SQRT_2PI
        w = 1 / (x * x)
        series = (1 / 12 - w * (1 / 360 - w * (1 / 1260 - w * (1 / 1680 - w * (1 / 1188 - w * 691 / 360360))))) / x
        small = xp.clip(x, max=_STIRLING_FROM)  # the discarded side stays finite, in the gradient too
        direct = self.lgamma(small + 1) - (small + 0.5) * xp.log(small) + small - LOG_SQRT_2PI
        if side:
            return series
        return xp.where(x > _STIRLING_FROM, series, direct)

    def bd0(self, x: Array, m: Array, log_m: Array | None = None) -> Array:
        r"""The deviance term of the saddle-point log-masses, :math:`x\log\frac{x}{m} + m - x \ge 0`, for
        :math:`x > 0` and :math:`m \ge 0` (:math:`+\infty` at :math:`m = 0`).

        Near :math:`x = m` the two sides cancel to second order; there (:math:`|v| < 0.1` with
        :math:`v = \frac{x - m}{x + m}`) it is :math:`(x - m)\,v + 2x\,(\operatorname{atanh} v - v)`, the
        second term from its series :math:`\sum_{j \ge 1} v^{2j+1} / (2j + 1)`, and no digit is lost.
        Elsewhere the definition with :math:`\log(x / m)`, or :math:`\log x - \log m` where :math:`x / m`
        overflows (``log_m``, when given, is :math:`\log m` without the rounding of ``m``: from logits, say,
        where ``m`` underflows)."""
        xp = self.xp
        diff = x - m
        v = diff / (x + m)
        w = v * v
        tail = 1 / 3 + w * (1 / 5 + w * (1 / 7 + w * (1 / 9 + w * (1 / 11 + w * (1 / 13 + w / 15)))))
        series = diff * v + 2 * x * (v * w) * tail
        # the definition, with every operand kept finite (also in the gradient, and on Dask, which evaluates
        # outside any errstate): x / m is read where it is finite, False at m = 0
        readable = m > x * (2 / xp.finfo(m.dtype).max)
        log_ratio = xp.log(x / xp.where(readable, m, x))
        if log_m is None:
            positive = m > 0
            log_m = xp.log(xp.where(positive, m, xp.ones_like(m)))
            fallback = xp.where(positive, xp.log(x) - log_m, xp.full_like(log_m, math.inf))
        else:
            fallback = xp.log(x) - log_m
        far = x * xp.where(readable, log_ratio, fallback) - diff
        return xp.where(xp.abs(v) < 0.1, series, far)

    # ------------------------------------------------------------------ elementwise building blocks
    def standardize(self, x: Array, loc: Array, scale: Array) -> Array:
        """``(x - loc) / scale``, with a gradient in ``scale`` of ``-z / scale`` (never ``scale**-2``, which
        overflows or underflows in float32 for scales far from 1); torch already differentiates it so."""
        return (x - loc) / scale

    # ------------------------------------------------------------------ linear algebra
    def cholesky(self, x: Array) -> Array:
        return self.xp.linalg.cholesky(x)

    def cholesky_checked(self, x: Array, check: bool) -> tuple[Array | None, Array | None]:
        """``(L, ok)``: the Cholesky factor of ``x`` and, when ``check`` is True and the values can be read, the
        per-matrix booleans of :meth:`is_positive_definite` (``ok`` is None otherwise).  ``L`` is None where a
        matrix is not positive definite.  Backends whose factorization reports failure per matrix (torch's
        ``cholesky_ex``) check with the factorization itself, so validating costs no second factorization."""
        ok = self.is_positive_definite(x) if check and self.is_concrete(x) and not self.tracing() else None
        if ok is not None and not self.all(ok):
            return None, ok
        return self.cholesky(x), ok

    def is_symmetric(self, x: Array) -> Array:
        """Per-matrix booleans: finite, and symmetric to a dtype-relative tolerance (16 eps of the largest
        entry; an infinite entry would make that tolerance infinite)."""
        xp = self.xp
        scale = xp.max(xp.abs(x), axis=(-2, -1))
        eps = float(np.finfo(self.to_numpy(x).dtype).eps) if self.is_concrete(x) else 1e-6
        with np.errstate(invalid="ignore"):  # NumPy underneath: inf - inf is NaN, which compares False
            close = xp.abs(x - self.matrix_transpose(x)) <= 16 * eps * scale[..., None, None]
        return xp.all(close, axis=(-2, -1)) & xp.isfinite(scale)

    def solve_triangular(self, a: Array, b: Array, *, lower: bool = True) -> Array:
        """Solve ``a @ x = b`` for triangular ``a`` (batched, broadcasting)."""
        return self.xp.linalg.solve(a, b)

    def diagonal(self, x: Array) -> Array:
        return self.xp.linalg.diagonal(x)

    def matrix_transpose(self, x: Array) -> Array:
        return self.xp.linalg.matrix_transpose(x)

    def row_major(self, x: Array) -> Array:
        """``x`` laid out row by row where the backend has strides (else ``x``): a small matrix used as the
        right operand of many products (torch's CPU ``x @ m`` with ``m`` of shape ``(256, 8)``: 2-6x faster when
        ``m`` is ``(8, 256)`` row-major, transposed)."""
        return x

    def eye(self, n: int, dtype: Any, device: Any) -> Array:
        return self.xp.eye(n, dtype=dtype, device=device)

    def tril(self, x: Array) -> Array:
        return self.xp.tril(x)

    def is_positive_definite(self, x: Array) -> Array:
        """Per-matrix booleans: finite, symmetric (to a dtype-relative tolerance), with positive eigenvalues."""
        xp = self.xp
        symmetric = self.is_symmetric(x)
        # the eigenvalues of the finite matrices only (a non-finite one is refused above, and may not converge)
        safe = xp.where(symmetric[..., None, None], x, self.eye(x.shape[-1], x.dtype, self.device(x)))
        return symmetric & (xp.min(xp.linalg.eigvalsh((safe + self.matrix_transpose(safe)) / 2), axis=-1) > 0)


def _host_special(name: str, scipy_name: str) -> Any:
    def method(self: Ops, *args: Any) -> Array:
        from scipy import special

        return self._host(getattr(special, scipy_name), *args)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``scipy.special.{scipy_name}`` on the host (the array API standard cannot express it)."
    return method


for _name, _entry in SPECIAL_FUNCTIONS.items():
    if _entry.fallback == "host" and _name not in Ops.__dict__:
        setattr(Ops, _name, _host_special(_name, _entry.scipy if _entry.scipy not in (None, OWN) else _name))


def _in_float64(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float64) if x.dtype == np.float32 else x


#: where stirlerr switches from its definition to the asymptotic series
_STIRLING_FROM = 15.0
