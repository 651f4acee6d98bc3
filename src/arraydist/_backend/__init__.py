"""The backend layer: which array library an array (or seed) belongs to, and that library's operations.

``ops_of(x)`` maps ``type(x)`` to an :class:`Ops` through a cache.  A framework's backend module is imported
only when one of its arrays (or generators) is first seen, so ``import arraydist`` imports no framework.
Python numbers and nested lists of them belong to no library: ``ops_of`` returns ``None`` for them.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Callable
from typing import Any

from ._base import SEED_RANGE, Array, Ops, check_seed, library_rng, public_type_name, set_library_seed
from ._special import SPECIAL_FUNCTIONS

__all__ = [
    "SEED_RANGE",
    "SPECIAL_FUNCTIONS",
    "Array",
    "Ops",
    "check_seed",
    "compiling",
    "library_rng",
    "load_present_backends",
    "neutral_key",
    "neutral_ops",
    "numpy_ops",
    "ops_for",
    "ops_for_seed",
    "ops_of",
    "register_tree_root",
    "set_library_seed",
    "set_neutral_backend",
    "tree_class_defined",
    "tree_classes",
]

# root module of an array type -> our backend module
_BACKEND_MODULES = {
    "numpy": "_numpy",
    "torch": "_torch",
    "jax": "_jax",
    "jaxlib": "_jax",
    "dask": "_dask",
    "cupy": "_cupy",
    "mlx": "_mlx",
}

_NEUTRAL_TYPES = (bool, int, float, list, tuple)
_ops_by_type: dict[type, Ops | None] = dict.fromkeys(_NEUTRAL_TYPES)
_ops_by_namespace: dict[int, Ops] = {}


_loaded: dict[str, Ops] = {}


def _backend_ops(module: str) -> Ops:
    ops = _loaded.get(module)
    if ops is None:
        ops = _loaded[module] = _import_backend(module).OPS
    return ops


def _import_backend(module: str) -> Any:
    # Import statements, not importlib: torch.compile's tracer runs an import statement when it meets one (so a
    # first use of the torch backend inside a compiled function works), whereas it refuses importlib calls.
    if module == "_torch":
        from . import _torch as backend
    elif module == "_numpy":
        from . import _numpy as backend
    elif module == "_jax":
        from . import _jax as backend
    elif module == "_dask":
        from . import _dask as backend
    elif module == "_cupy":
        from . import _cupy as backend
    elif module == "_mlx":
        from . import _mlx as backend
    else:
        raise ValueError(f"unknown arraydist backend module {module!r}")
    return backend


def numpy_ops() -> Ops:
    return _backend_ops("_numpy")


#: ``torch.compiler.is_compiling`` once the torch backend is loaded (see ``_torch``)
_torch_is_compiling: Any = None


def _set_torch_is_compiling(fn: Any) -> None:
    global _torch_is_compiling
    _torch_is_compiling = fn


def compiling() -> bool:
    """Whether ``torch.compile`` is tracing: caches are then read but never written (a tracer replays writes)."""
    is_compiling = _torch_is_compiling
    if is_compiling is not None:
        return is_compiling()
    torch = sys.modules.get("torch")
    return torch is not None and torch.compiler.is_compiling()


#: the backend module of distributions made of Python numbers (``set_default_backend``)
_neutral_module = ["_numpy"]
_DEFAULT_BACKENDS = {"numpy": "_numpy", "torch": "_torch", "jax": "_jax"}


def set_neutral_backend(name: str) -> None:
    """Make ``name`` (``"numpy"``, ``"torch"`` or ``"jax"``) the library of distributions of Python numbers."""
    module = _DEFAULT_BACKENDS.get(name) if isinstance(name, str) else None
    if module is None:
        raise ValueError(
            f"set_default_backend: the backend must be one of {', '.join(_DEFAULT_BACKENDS)}; got {name!r}"
        )
    if module != "_numpy":
        __import__(name)  # the framework itself, before its backend module
    _backend_ops(module)
    _neutral_module[0] = module


def neutral_ops() -> Ops:
    """The backend that holds the parameters of a distribution made of Python numbers.

    NumPy unless ``set_default_backend`` chose another; torch while ``torch.compile`` traces: there every
    array such a distribution can meet is a torch tensor, and the tracer cannot follow NumPy's dtypes.
    """
    return _backend_ops("_torch") if compiling() else _backend_ops(_neutral_module[0])


def neutral_key() -> Any:
    """What decides the arrays of a distribution of Python numbers besides the numbers: ``None`` on NumPy
    (always float64 on the host), else the default backend with its default dtype and device, which the user
    may change at any time (``torch.set_default_dtype``, ``jax_enable_x64``): caches of such distributions are
    keyed by it."""
    module = _neutral_module[0]
    if module == "_numpy":
        return None
    if module == "_torch":
        torch = sys.modules["torch"]
        return (module, torch.get_default_dtype(), str(torch.get_default_device()))
    jax = sys.modules["jax"]
    return (module, bool(jax.config.jax_enable_x64), str(jax.config.jax_default_device))


def load_present_backends() -> None:
    """Load the backends of the frameworks that are already imported (and only those).

    Done when arraydist is imported, so that the first call inside ``torch.compile`` or ``jax.jit`` finds its
    backend loaded: tracers cannot follow an import.
    """
    for root, module in _BACKEND_MODULES.items():
        # NumPy is always present but never traced: its backend (and SciPy) loads with the first NumPy array
        if root != "numpy" and root in sys.modules:
            _backend_ops(module)


def _resolve(t: type, x: Any) -> Ops | None:
    root = t.__module__.partition(".")[0]
    module = _BACKEND_MODULES.get(root)
    if module is not None:
        return _backend_ops(module)
    if hasattr(x, "__array_namespace__"):
        xp = x.__array_namespace__()
        ops = _ops_by_namespace.get(id(xp))
        if ops is None:
            ops = Ops(xp)
            ops.name = getattr(xp, "__name__", "array-api")
            _ops_by_namespace[id(xp)] = ops
        return ops
    if isinstance(x, numbers.Number):
        return None
    raise TypeError(
        f"arraydist cannot use an object of type {public_type_name(x)} as an array: parameters and "
        "values must be Python numbers or arrays of an array-API library (NumPy, PyTorch, JAX, CuPy, Dask...)"
    )


def ops_of(x: Any) -> Ops | None:
    """The backend of one array, or ``None`` for Python numbers and lists."""
    t = type(x)
    try:
        return _ops_by_type[t]
    except KeyError:
        ops = _resolve(t, x)
        if not compiling():
            _ops_by_type[t] = ops
        return ops


def ops_for(*xs: Any, what: str = "parameters") -> Ops | None:
    """The one backend of several arrays; mixing array libraries is a ``TypeError`` naming both."""
    found: Ops | None = None
    for x in xs:
        ops = ops_of(x)
        if ops is None or ops is found:
            continue
        if found is not None:
            raise TypeError(
                f"{what} mix arrays of two libraries, {found.name} and {ops.name}: arraydist takes the backend "
                "from the data, so convert them to one library first"
            )
        found = ops
    return found


def ops_for_seed(seed: Any) -> Ops | None:
    """The backend that a seed implies (a ``torch.Generator`` means torch), or ``None`` for None/int."""
    if seed is None or isinstance(seed, (int, numbers.Integral)):
        return None
    root = type(seed).__module__.partition(".")[0]
    module = _BACKEND_MODULES.get(root)
    if module is None:
        return None
    return _backend_ops(module)


# ---------------------------------------------------------------------- classes that frameworks register
# Some frameworks need every class of a hierarchy registered with them (JAX pytrees).  The layer above names the
# roots of such hierarchies here and reports each class it defines; a framework's backend module, once loaded,
# registers every class known so far and then each new one (``_set_tree_hook``).  So the backend layer never
# imports the layers above it.
_tree_roots: list[type] = []
_tree_hooks: list[Callable[[type], None]] = []


def tree_classes() -> list[type]:
    """Every root registered with ``register_tree_root`` and all their subclasses defined so far."""
    found: list[type] = []
    pending = list(_tree_roots)
    while pending:
        cls = pending.pop()
        if cls not in found:
            found.append(cls)
            pending.extend(cls.__subclasses__())
    return found


def register_tree_root(cls: type) -> None:
    """Declare ``cls`` (with its ``_tree_flatten`` / ``_tree_unflatten``) and its subclasses as pytree classes."""
    if cls not in _tree_roots:
        _tree_roots.append(cls)
    for hook in _tree_hooks:
        for c in tree_classes():
            hook(c)


def tree_class_defined(cls: type) -> None:
    """Report a newly defined subclass of a root (called from the root's ``__init_subclass__``)."""
    for hook in _tree_hooks:
        hook(cls)


def _set_tree_hook(hook: Callable[[type], None]) -> None:
    """Called by a backend module when it loads: ``hook`` registers one class (it must be idempotent)."""
    _tree_hooks.append(hook)
    for cls in tree_classes():
        hook(cls)
