r"""The transform base: :class:`Transform` and its inverse (what ``t.inv`` is), the cache and the tree of parts.

A transform is a map :math:`y = f(x)` with, where it is a bijection, the log-determinant of its Jacobian
:math:`\log |\det \partial y / \partial x|` over the event (``domain.event_dim`` rightmost dimensions).  The
backend of every computation comes from the input: a transform holds no library of its own.  Parameters given as
Python numbers stay numbers; parameter arrays of the input's library are used as they are; a NumPy parameter
array meeting a value of another library is converted to that library, dtype and device once (cached on the
instance); arrays of two other libraries are a ``TypeError`` naming both.

Every transform is a node of the tree of parts that distributions are made of (JAX pytrees, ``expand``, slicing,
conversions): ``_tree_flatten`` gives its children (parameter arrays or numbers, nested transforms or
distributions) and hashable static data, ``_tree_unflatten`` rebuilds it without computing anything, and
``_child_ndims`` says how each child's dimensions line up with the values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from .. import _backend, constraints
from .._backend import Ops, numpy_ops, ops_of
from .._shapes import as_shape
from ._values import is_number, short_repr

__all__ = ["Transform"]

Array = Any
Shape = tuple[int, ...]

#: an empty cache slot: no input is this object
_EMPTY = (object(), None)
#: instance attributes that are caches, found again on demand: never pickled, flattened or compared
_TRANSIENT = frozenset({"_inv", "_cached_x_y", "_converted", "_native", "_event_dims"})


def same_value(a: Any, b: Any) -> bool:
    """Equality of two children: numbers by value, concrete arrays by shape and values, distributions by class,
    settings and parameters, anything else (tracers, lazy arrays) by identity."""
    if a is b:
        return True
    if isinstance(a, Transform):
        return a == b
    if hasattr(a, "_tree_flatten") and hasattr(b, "_tree_flatten"):  # distributions: parts of the tree too
        if type(a) is not type(b):
            return False
        (ca, aux_a), (cb, aux_b) = a._tree_flatten(), b._tree_flatten()
        return bool(aux_a == aux_b) and len(ca) == len(cb) and all(same_value(u, v) for u, v in zip(ca, cb))
    if is_number(a) and is_number(b):
        return bool(a == b)
    if is_number(a) or is_number(b):
        a, b = (np.asarray(a) if is_number(a) else a), (np.asarray(b) if is_number(b) else b)
    oa, ob = ops_of(a), ops_of(b)
    if oa is None or ob is None or not hasattr(a, "shape") or not hasattr(b, "shape"):
        return False
    if oa.tracing() or ob.tracing() or not (oa.is_concrete(a) and ob.is_concrete(b)):
        return False
    return tuple(a.shape) == tuple(b.shape) and bool(np.all(oa.to_numpy(a) == ob.to_numpy(b)))


class Transform:
    r"""A map :math:`y = f(x)` between a ``domain`` and a ``codomain``, with torch.distributions' API.

    Args:
        cache_size: 0 (no cache) or 1: the last ``(x, y)`` pair is kept and found again by identity, in both
            directions (``t(x)`` then ``t.inv(y)`` returns ``x`` itself).

    Attributes:
        domain, codomain: constraints on the inputs and outputs; their ``event_dim`` is the rank of one event.
        bijective: whether ``t.inv(t(x)) == x`` on the domain and ``t(t.inv(y)) == y`` on the codomain.
        sign: +1 or -1 for monotone univariate transforms (an array where it differs by batch member).

    Subclasses implement ``_call`` and ``_inverse`` (inputs are arrays of a real floating dtype) and, where
    bijective, ``log_abs_det_jacobian``.

    Example:
        >>> import numpy as np
        >>> from arraydist.transforms import ExpTransform
        >>> t = ExpTransform()
        >>> y = t(np.array([0.0, 1.0]))
        >>> t.inv(y)
        array([0., 1.])
        >>> t.log_abs_det_jacobian(np.array([0.0, 1.0]), y)
        array([0., 1.])
    """

    domain: Any = constraints.real
    codomain: Any = constraints.real
    bijective: ClassVar[bool] = False
    #: attribute names of the children (parameters, nested transforms or distributions), in flattening order
    _child_names: ClassVar[tuple[str, ...]] = ()
    #: attribute name of a list of nested transforms (Compose's ``parts``), flattened after ``_child_names``
    _child_list: ClassVar[str | None] = None
    #: attribute names of the static settings (hashable), besides the cache size
    _static_names: ClassVar[tuple[str, ...]] = ()
    #: children that are parameters (arrays or numbers), converted to the library of the values they meet
    _param_names: ClassVar[tuple[str, ...]] = ()

    _cache_size: int = 0
    _inv: Transform | None = None
    _cached_x_y: tuple[Any, Any] = _EMPTY

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _backend.tree_class_defined(cls)  # registered as a JAX pytree once JAX is in use

    def __init__(self, cache_size: int = 0) -> None:
        if isinstance(cache_size, bool) or cache_size not in (0, 1):
            raise ValueError(f"{type(self).__name__}: cache_size must be 0 or 1; got {cache_size!r}")
        self._cache_size = int(cache_size)

    # ------------------------------------------------------------------ the public API
    @property
    def event_dim(self) -> int:
        """The event rank, where domain and codomain agree on it."""
        domain, codomain = self._event_ranks()
        if domain != codomain:
            raise ValueError(
                f"{type(self).__name__} changes the event rank ({domain} -> {codomain}): use domain.event_dim or "
                "codomain.event_dim"
            )
        return domain

    @property
    def inv(self) -> Transform:
        """The inverse transform: ``t.inv(y)`` inverts, ``t.inv.inv is t``; it pickles and copies on its own."""
        inv = self._inv
        if inv is None:
            inv = self._make_inverse()
            if not _backend.compiling():
                self._inv = inv
        return inv

    @property
    def sign(self) -> Any:
        """The sign of the derivative of a monotone univariate transform."""
        raise NotImplementedError(f"{type(self).__name__} has no sign: it is not a monotone univariate transform")

    def with_cache(self, cache_size: int = 1) -> Transform:
        """This transform with a cache of ``cache_size`` (nested transforms too); itself when it has that size."""
        if cache_size == self._cache_size:
            return self
        if isinstance(cache_size, bool) or cache_size not in (0, 1):
            raise ValueError(f"{type(self).__name__}: cache_size must be 0 or 1; got {cache_size!r}")
        children, aux = self._tree_flatten()
        children = tuple(c.with_cache(cache_size) if isinstance(c, Transform) else c for c in children)
        return type(self)._tree_unflatten((int(cache_size), *aux[1:]), children)

    def __call__(self, x: Any) -> Array:
        """``y = f(x)``."""
        if self._cache_size:
            old_x, old_y = self._cached_x_y
            if x is old_x:
                return old_y
            y = self._call(self._value(x))
            self._remember(x, y)
            return y
        return self._call(self._value(x))

    def _inv_call(self, y: Any) -> Array:
        """``x = f^{-1}(y)`` (what ``t.inv(y)`` calls)."""
        if self._cache_size:
            old_x, old_y = self._cached_x_y
            if y is old_y:
                return old_x
            x = self._inverse(self._value(y))
            self._remember(x, y)
            return x
        return self._inverse(self._value(y))

    def _remember(self, x: Any, y: Any) -> None:
        if not _backend.compiling():
            self._cached_x_y = (x, y)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        r""":math:`\log |\det \partial y / \partial x|` per event: of shape ``x.shape`` without the domain's
        event dimensions (broadcast with the parameters)."""
        raise NotImplementedError(
            f"{type(self).__name__} has no log_abs_det_jacobian: it is not a bijection of its domain"
        )

    def forward_shape(self, shape: Sequence[int]) -> Shape:
        """The shape of ``t(x)`` for ``x`` of ``shape``."""
        return as_shape(shape, "shape")

    def inverse_shape(self, shape: Sequence[int]) -> Shape:
        """The shape of ``t.inv(y)`` for ``y`` of ``shape``."""
        return as_shape(shape, "shape")

    def _call(self, x: Array) -> Array:
        raise NotImplementedError(f"{type(self).__name__} does not implement the forward map")

    def _inverse(self, y: Array) -> Array:
        raise NotImplementedError(f"{type(self).__name__} does not implement the inverse map")

    def _make_inverse(self) -> Transform:
        return _InverseTransform(self)

    def _event_ranks(self) -> tuple[int, int]:
        """``(domain.event_dim, codomain.event_dim)``, kept on the instance (they depend on the structure only)."""
        ranks = self.__dict__.get("_event_dims")
        if ranks is None:
            ranks = (self.domain.event_dim, self.codomain.event_dim)
            if not _backend.compiling():
                self._event_dims = ranks
        return ranks

    # ------------------------------------------------------------------ values and parameters
    def _value(self, x: Any) -> Array:
        """``x`` as an array of real floats: arrays as they are (integers and booleans cast to the library's
        default float), Python numbers and lists as arrays of the library of this transform's parameter
        arrays, else NumPy float64."""
        try:
            ops = ops_of(x)
        except TypeError:
            raise TypeError(f"{type(self).__name__}: values must be real numbers or arrays; got {x!r:.80}") from None
        if ops is not None:
            dtype = x.dtype
            if ops.is_float_dtype(dtype):
                return x
            if "complex" in str(dtype):
                raise TypeError(f"{type(self).__name__}: values must be real numbers; got an array of dtype {dtype}")
            return ops.cast(x, ops.default_float())
        arrays = [p for p in self._own_params() if not is_number(p)]
        found = _backend.ops_for(*arrays) if arrays else None
        target = numpy_ops() if found is None else found
        try:
            value = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{type(self).__name__}: values must be real numbers or arrays; got {x!r:.80}") from None
        if found is None:
            return value
        return target.asarray(value, dtype=target.float_dtype(arrays), device=target.device(arrays[0]))

    def _own_params(self) -> tuple[Any, ...]:
        d = self.__dict__
        return tuple(d[n] for n in self._param_names)

    def _params(self, x: Array) -> tuple[Any, ...]:
        """This transform's parameters ready to meet ``x``: numbers and arrays of ``x``'s library as they are,
        NumPy arrays converted to ``x``'s library, dtype and device (once per placement)."""
        params = self._own_params()
        ops = ops_of(x)
        if all(is_number(p) or ops_of(p) is ops for p in params):
            if not _backend.compiling():
                self._native = ops  # the parameters need no conversion for this library: the next call knows
            return params
        if ops.name == "numpy":  # a NumPy value meets another library's parameters: the value is converted
            return params
        d = self.__dict__
        key = (ops.name, x.dtype, ops.device_key(ops.device(x)))
        cache = d.get("_converted")
        found = None if cache is None else cache.get(key)
        if found is not None:
            return found
        out = []
        for name, p in zip(self._param_names, params):
            pops = None if is_number(p) else ops_of(p)
            if pops is None or pops is ops:
                out.append(p)
            elif pops.name == "numpy":
                out.append(ops.cast(ops.from_numpy(p, x), x.dtype))
            else:
                raise TypeError(
                    f"{type(self).__name__}: {name} is a {pops.name} array but the value is a {ops.name} array; "
                    "arraydist does not mix array libraries (NumPy parameters are converted, others are not)"
                )
        found = tuple(out)
        if not _backend.compiling() and all(is_number(p) or ops.is_concrete(p) for p in found):
            d.setdefault("_converted", {})[key] = found
        return found

    def _prepare(self, x: Any) -> tuple[Ops, Array, tuple[Any, ...]]:
        """``(ops, x, params)``: the value as an array of the library it meets, and the parameters for it."""
        native = self.__dict__.get("_native")
        if native is not None and type(x) is not float and ops_of(x) is native and native.is_float_dtype(x.dtype):
            return native, x, self._own_params()
        x = self._value(x)
        ops = ops_of(x)
        if ops.name == "numpy" and self._param_names:
            # a NumPy value beside parameters of another library is converted to it, as a Python number is
            others = [p for p in self._own_params() if not is_number(p) and ops_of(p) is not ops]
            if others:
                target = _backend.ops_for(*others, what=f"{type(self).__name__}'s parameters")
                dtype = x.dtype if target is None else target.float_dtype(others)
                x = target.asarray(x, dtype=dtype, device=target.device(others[0]))
                ops = target
        return ops, x, self._params(x)

    # ------------------------------------------------------------------ the tree of parts
    def _tree_flatten(self) -> tuple[tuple[Any, ...], Any]:
        """``(children, aux)``: the children in a fixed order (parameters, nested transforms, distributions) and
        hashable static data (the cache size first, then the class's settings)."""
        d = self.__dict__
        children = tuple(d[n] for n in self._child_names)
        if self._child_list is not None:
            children += tuple(d[self._child_list])
        return children, (self._cache_size, *(d[n] for n in self._static_names))

    @classmethod
    def _tree_unflatten(cls, aux: Any, children: Any) -> Transform:
        """The transform of ``aux`` and ``children``; computes nothing (JAX passes placeholder children)."""
        obj = cls.__new__(cls)
        d = obj.__dict__
        d["_cache_size"] = aux[0]
        d.update(zip(cls._static_names, aux[1:]))
        children = tuple(children)
        n = len(cls._child_names)
        d.update(zip(cls._child_names, children[:n]))
        if cls._child_list is not None:
            d[cls._child_list] = list(children[n:])
        return obj

    def _child_ndims(self, ndim: int) -> tuple[int, ...]:
        """One int per child: for a parameter array, how many of its trailing dimensions are not batch
        dimensions of the enclosing distribution when the values this transform receives have ``ndim`` such
        dimensions (parameters broadcast right-aligned against the value: ``ndim``); for a nested transform, the
        ``ndim`` of its input; for a nested distribution, how many of its trailing batch dimensions lie beyond the
        enclosing batch."""
        return (ndim,) * len(self._tree_flatten()[0])

    # ------------------------------------------------------------------ equality, pickling, repr
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return False
        mine, aux = self._tree_flatten()
        theirs, other_aux = other._tree_flatten()  # type: ignore[attr-defined]
        return (
            aux[1:] == other_aux[1:]
            and len(mine) == len(theirs)
            and all(same_value(a, b) for a, b in zip(mine, theirs))
        )

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(type(self))  # equal transforms have the same class: consistent with __eq__

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in _TRANSIENT}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _repr_args(self) -> list[str]:
        d = self.__dict__
        args = [f"{n}={short_repr(d[n])}" for n in self._param_names]
        if self._cache_size:
            args.append(f"cache_size={self._cache_size}")
        return args

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._repr_args())})"


class _InverseTransform(Transform):
    """The inverse of a transform (``t.inv``): calls its ``_inv_call``, negates its log-determinant.

    It holds the forward transform as its one child, so it pickles, copies and flattens on its own; afterwards
    its ``inv`` is that (copied) forward transform, whose ``inv`` is it again.
    """

    _child_names = ("base",)

    def __init__(self, base: Transform) -> None:
        super().__init__(base._cache_size)
        self.base = base
        self._inv = base

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._link()

    @classmethod
    def _tree_unflatten(cls, aux: Any, children: Any) -> Transform:
        obj = super()._tree_unflatten(aux, children)
        obj._link()  # type: ignore[attr-defined]
        return obj

    def _link(self) -> None:
        base = self.__dict__.get("base")
        if isinstance(base, Transform):
            self._inv = base
            if base.__dict__.get("_inv") is None:
                base._inv = self

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return self.base.codomain

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return self.base.domain

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return self.base.bijective

    @property
    def sign(self) -> Any:
        return self.base.sign

    @property
    def inv(self) -> Transform:
        return self.base

    def with_cache(self, cache_size: int = 1) -> Transform:
        return self.base.with_cache(cache_size).inv

    def __call__(self, x: Any) -> Array:
        return self.base._inv_call(x)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Array:
        return -self.base.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape: Sequence[int]) -> Shape:
        return self.base.inverse_shape(shape)

    def inverse_shape(self, shape: Sequence[int]) -> Shape:
        return self.base.forward_shape(shape)

    def _child_ndims(self, ndim: int) -> tuple[int, ...]:
        domain, codomain = self.base._event_ranks()
        return (ndim + domain - codomain,)

    def __repr__(self) -> str:
        return f"{self.base!r}.inv"


_backend.register_tree_root(Transform)  # every Transform class becomes a JAX pytree once JAX is in use
