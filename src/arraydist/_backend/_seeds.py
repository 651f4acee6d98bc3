"""Seeds: the one policy every backend applies (``check_seed``), the library-owned generator of ``seed=None``
on backends without a global random state, and NumPy generators made from seeds of any library."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

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


#: the integers accepted as seeds on every backend, as the messages write it
SEED_RANGE = "[0, 2**64)"


def _describe_seed(seed: object) -> str:
    text, kind = repr(seed), public_type_name(seed).removeprefix("builtins.")
    if text.startswith("<") or len(text) > 60:  # an object without a short value: its type says enough
        return kind
    return f"{text} ({kind})"


def check_seed(seed: object, backend: str, accepted: str, is_own: Callable[[object], bool]) -> Any:
    """The seed policy of every backend: ``None``, the backend's own generator or key (``is_own``), or an integer.

    Returns ``seed`` itself when it is None or ``is_own(seed)``, else the seed as a Python ``int`` in
    ``[0, 2**64)``.  An integer is a Python int or an integer scalar of any library (a NumPy integer, a 0-d
    integer torch tensor or JAX array: anything ``operator.index`` takes); ``bool`` is refused.  Anything else
    is a ``TypeError`` and an integer out of range a ``ValueError``; both name the seed and the accepted range.
    ``accepted`` lists what the backend takes besides integers ("None, a numpy.random.Generator").
    """
    if seed is None or is_own(seed):
        return seed
    value = None
    dtype = getattr(seed, "dtype", None)
    if not isinstance(seed, (bool, np.bool_)) and "bool" not in str(dtype) and getattr(seed, "ndim", 0) == 0:
        try:
            value = operator.index(seed)  # type: ignore[call-overload]
        except (TypeError, ValueError, RuntimeError):  # RuntimeError: a torch tensor without a single value
            value = None
    expected = f"seed for a {backend} distribution must be {accepted} or an integer in {SEED_RANGE}"
    if value is None:
        raise TypeError(f"{expected}; got {_describe_seed(seed)}")
    if not 0 <= value < 2**64:
        raise ValueError(f"{expected}; got {value}")
    return value


def numpy_rng_from_seed(seed: object, backend: str) -> np.random.Generator:
    """``None``/int/``numpy.random.Generator`` to a NumPy generator (shared by the host-side backends)."""
    seed = check_seed(seed, backend, "None, a numpy.random.Generator", _is_numpy_generator)
    if seed is None:
        return library_rng()
    if type(seed) is int:
        return np.random.default_rng(seed)
    return seed


def _is_numpy_generator(seed: object) -> bool:
    return isinstance(seed, np.random.Generator)


def seeded_generator(seed: object, backend: str, default_rng: Any, generator_type: type) -> Any:
    """A generator of a library seeded like NumPy (Dask, CuPy): ``None`` draws a seed from the library-owned
    generator (so ``arraydist.manual_seed`` reproduces it), an int seeds a new one, a generator is used as is."""
    public_module = ".".join(p for p in generator_type.__module__.split(".") if not p.startswith("_"))
    seed = check_seed(
        seed,
        backend,
        f"None, a {public_module}.{generator_type.__qualname__}",
        lambda s: isinstance(s, generator_type),
    )
    if seed is None:
        return default_rng(int(library_rng().integers(2**63)))
    if type(seed) is int:
        return default_rng(seed)
    return seed
