"""The operations every backend provides, with fallbacks written against the array API standard.

A backend subclass overrides only what it does better or what the standard lacks (random numbers,
special functions, triangular solves).  Where the standard has no way at all to compute something
(``erfinv``, ``lgamma``...), the fallback round-trips through NumPy/SciPy on the host via DLPack: correct
everywhere, fast nowhere, and never used by the NumPy, PyTorch or JAX backends.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

Array = Any
Shape = tuple[int, ...]

_LIBRARY_RNG: list[np.random.Generator] = []


def library_rng() -> np.random.Generator:
    """The generator that ``seed=None`` uses on backends without a global RNG of their own."""
    if not _LIBRARY_RNG:
        _LIBRARY_RNG.append(np.random.default_rng())
    return _LIBRARY_RNG[0]


def set_library_seed(seed: int) -> None:
    """Re-seed the library-owned generator used by ``sample(seed=None)`` on NumPy (and other stateless backends)."""
    _LIBRARY_RNG[:] = [np.random.default_rng(seed)]


def public_type_name(obj: object) -> str:
    """``torch.Generator`` rather than ``torch._C.Generator``: the type's name without private modules."""
    t = type(obj)
    module = ".".join(part for part in t.__module__.split(".") if not part.startswith("_"))
    return f"{module}.{t.__qualname__}" if module else t.__qualname__


def seed_type_error(backend: str, seed: object, accepted: str) -> TypeError:
    return TypeError(f"seed for a {backend} distribution must be {accepted}; got {public_type_name(seed)}")


def numpy_rng_from_seed(seed: object, backend: str) -> np.random.Generator:
    """``None``/int/``numpy.random.Generator`` to a NumPy generator (shared by the host-side backends)."""
    if seed is None:
        return library_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise seed_type_error(backend, seed, "None, an int or a numpy.random.Generator")


def seeded_generator(seed: object, backend: str, default_rng: Any, generator_type: type) -> Any:
    """A generator of a library seeded like NumPy (Dask, CuPy): ``None`` draws a seed from the library-owned
    generator (so ``arraydist.manual_seed`` reproduces it), an int seeds a new one, a generator is used as is."""
    if seed is None:
        return default_rng(int(library_rng().integers(2**63)))
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return default_rng(int(seed))
    if isinstance(seed, generator_type):
        return seed
    public_module = ".".join(p for p in generator_type.__module__.split(".") if not p.startswith("_"))
    raise seed_type_error(backend, seed, f"None, an int or a {public_module}.{generator_type.__qualname__}")


class Ops:
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

    def tracing(self) -> bool:
        """Whether a whole-program tracer runs (``torch.compile``): then no value can be read, and value checks
        are skipped.  Per-array tracing (JAX's tracers) answers in :meth:`is_concrete`."""
        return False

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
        """``a + value * b * c`` (one fused operation where the backend has one)."""
        return a + b * c if value == 1.0 else a + value * (b * c)

    def const(self, value: float, dtype: Any, device: Any) -> Any:
        """A constant operand for arithmetic with arrays of ``dtype`` on ``device``.

        A Python float everywhere but where the backend pays for wrapping scalars (torch: a cached 0-d tensor).
        """
        return value

    def all(self, x: Array) -> bool:
        return bool(self.xp.all(x))

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

    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        if tuple(x.shape) == shape:
            return x
        return self.xp.broadcast_to(x, shape)

    def sum_squares(self, x: Array) -> Array:
        r""":math:`\sum_i x_i^2` over the last axis."""
        return self.xp.sum(x * x, axis=-1)

    def sum_rightmost(self, x: Array, n: int) -> Array:
        if n == 0:
            return x
        return self.xp.sum(x, axis=tuple(range(-n, 0)))

    def cast(self, x: Array, dtype: Any) -> Array:
        return x if x.dtype == dtype else self.xp.astype(x, dtype)

    # ------------------------------------------------------------------ random numbers
    def make_rng(self, seed: object, device: Any) -> Any:
        """Turn a user ``seed`` into this backend's generator (or key)."""
        return numpy_rng_from_seed(seed, self.name)

    def split(self, rng: Any, n: int) -> list[Any]:
        """``n`` independent generators; stateful generators simply advance, so they are returned as is."""
        return [rng] * n

    def normal(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        draws = rng.standard_normal(size=shape)
        return self.xp.asarray(draws, dtype=dtype, device=device)

    def normal_like(self, rng: Any, x: Array) -> Array:
        """Standard normal draws of the shape, dtype and device of ``x``."""
        return self.normal(rng, tuple(x.shape), x.dtype, self.device(x))

    def uniform(self, rng: Any, shape: Shape, dtype: Any, device: Any) -> Array:
        """Uniform draws on the open interval (0, 1)."""
        draws = rng.random(size=shape)
        tiny = np.finfo(np.float32).tiny
        return self.xp.asarray(np.clip(draws, tiny, 1.0 - 2.0**-24), dtype=dtype, device=device)

    # ------------------------------------------------------------------ special functions
    def _host(self, fn: Any, *arrays: Array) -> Array:
        like = arrays[0]
        result = fn(*[self.to_numpy(a) for a in arrays])
        return self.xp.asarray(np.asarray(result, dtype=self.to_numpy(like).dtype), device=self.device(like))

    def erf(self, x: Array) -> Array:
        from scipy import special

        return self._host(special.erf, x)

    def erfc(self, x: Array) -> Array:
        from scipy import special

        return self._host(special.erfc, x)

    def erfinv(self, x: Array) -> Array:
        from scipy import special

        return self._host(special.erfinv, x)

    def ndtr(self, x: Array) -> Array:
        from scipy import special

        return self._host(special.ndtr, x)

    def ndtri(self, x: Array) -> Array:
        from scipy import special

        return self._host(special.ndtri, x)

    def log_ndtr(self, x: Array) -> Array:
        from scipy import special

        return self._host(special.log_ndtr, x)

    def lgamma(self, x: Array) -> Array:
        from scipy import special

        return self._host(special.gammaln, x)

    def digamma(self, x: Array) -> Array:
        from scipy import special

        return self._host(special.digamma, x)

    def xlogy(self, x: Array, y: Array) -> Array:
        xp = self.xp
        return xp.where(x == 0, xp.zeros_like(x * y), x * xp.log(y))

    def softplus(self, x: Array) -> Array:
        xp = self.xp
        return xp.where(x > 20, x, xp.log1p(xp.exp(xp.minimum(x, 20))))

    def logsumexp(self, x: Array, axis: int = -1) -> Array:
        xp = self.xp
        m = xp.max(x, axis=axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
        out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
        return xp.squeeze(out, axis=axis)

    # ------------------------------------------------------------------ linear algebra
    def cholesky(self, x: Array) -> Array:
        return self.xp.linalg.cholesky(x)

    def solve_triangular(self, a: Array, b: Array, *, lower: bool = True) -> Array:
        """Solve ``a @ x = b`` for triangular ``a`` (batched, broadcasting)."""
        return self.xp.linalg.solve(a, b)

    def diagonal(self, x: Array) -> Array:
        return self.xp.linalg.diagonal(x)

    def matrix_transpose(self, x: Array) -> Array:
        return self.xp.linalg.matrix_transpose(x)

    def eye(self, n: int, dtype: Any, device: Any) -> Array:
        return self.xp.eye(n, dtype=dtype, device=device)

    def tril(self, x: Array) -> Array:
        return self.xp.tril(x)

    def is_positive_definite(self, x: Array) -> Array:
        """Per-matrix booleans: symmetric (to a dtype-relative tolerance) with positive eigenvalues."""
        xp = self.xp
        xt = self.matrix_transpose(x)
        scale = xp.max(xp.abs(x), axis=(-2, -1))
        eps = float(np.finfo(self.to_numpy(x).dtype).eps) if self.is_concrete(x) else 1e-6
        symmetric = xp.all(xp.abs(x - xt) <= 16 * eps * scale[..., None, None], axis=(-2, -1))
        return symmetric & (xp.min(xp.linalg.eigvalsh((x + xt) / 2), axis=-1) > 0)


LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
