"""The :class:`Distribution` base class: shapes, backend resolution, validation, sampling, derived defaults.

A draw has shape ``sample_shape + batch_shape + event_shape``; ``log_prob`` of such a value has shape
``sample_shape + batch_shape``.

Parametric subclasses declare their parameters (``arg_constraints``: name -> constraint, whose ``event_dim``
is the parameter's event rank) and call :meth:`Distribution._init_params`; the base class then infers the batch
shape, converts every parameter once to one dtype on one device of one array library, validates them, and
derives ``expand``, slicing (``dist[i]``), flattening (JAX pytrees) and the conversion of backend-neutral
distributions from that declaration.  Subclasses implement the private methods ``_rsample``/``_sample``,
``_log_prob``, ``_cdf``, ``_icdf`` and the properties; the public methods around them check the value's
library, shape and support in one place.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from . import _backend, constraints
from ._backend import Ops, _ops_by_type, compiling, neutral_ops, ops_for, ops_for_seed, ops_of
from ._backend import numpy_ops as _numpy_ops
from ._shapes import Shape, as_shape, broadcast_shapes

__all__ = ["Distribution"]

Array = Any


def _not_implemented(dist: Distribution, what: str) -> NotImplementedError:
    return NotImplementedError(f"{type(dist).__name__} does not implement {what}")


def _format_bad_values(ops: Ops, value: Array, ok: Array, event_dim: int) -> str:
    """A few offending entries (or whole events) of ``value`` where ``ok`` is False, for error messages."""
    v = ops.to_numpy(value)
    good = np.broadcast_to(ops.to_numpy(ok), v.shape[: v.ndim - event_dim] if event_dim else v.shape)
    bad_index = np.argwhere(~good)
    count = len(bad_index)
    if event_dim == 0:
        shown = np.asarray(v)[~good][:5].tolist() if v.ndim else [v.item()]
        text = ", ".join(repr(x) for x in shown)
        return f"{count} invalid value(s): {text}{', ...' if count > 5 else ''}"
    first = tuple(int(i) for i in bad_index[0]) if count else ()
    event = np.array2string(v[first], precision=4, separator=", ").replace("\n", "")
    return f"{count} invalid event(s), the first at batch index {first}: {event}"


_SCALAR_MATERIALIZED: dict[Any, Distribution] = {}
#: (class, validate, Python-number parameters) -> the state of a distribution made of them (read-only arrays)
_NUMBER_TEMPLATES: dict[Any, dict[str, Any]] = {}
_NUMBER_TYPES = frozenset((float, int))
#: class -> (the Python numbers, validate_args, state) of its last distribution made of numbers alone
_LAST_NUMBERS: dict[type, tuple[tuple[Any, ...], Any, dict[str, Any]]] = {}
_CLASS_DEFAULTED = frozenset(("_batch_shape", "_event_shape", "_validate_args", "_neutral"))


#: n -> packs n numbers as doubles: their exact bits, a cache key that tells -0.0 from 0.0
_pack_floats = [struct.Struct(f"{n}d").pack for n in range(9)]


_EMPTY: dict[Any, Any] = {}
_NO_SHAPE: Shape = ()


def _index_ndim(item: Any) -> int:
    """How many batch dimensions one item of an index consumes (a boolean mask consumes its ndim)."""
    if item is None or item is Ellipsis:
        return 0
    dtype = getattr(item, "dtype", None)
    if dtype is not None and str(dtype).rpartition(".")[2] == "bool":
        return int(item.ndim)
    return 1


class Distribution:
    r"""Base class of every distribution, with the API and semantics of ``torch.distributions.Distribution``.

    Attributes:
        arg_constraints: parameter name -> :class:`~arraydist.constraints.Constraint` (whose ``event_dim`` is
            the parameter's event rank).
        support: the constraint that values in ``log_prob`` must satisfy.
        has_rsample: whether :meth:`rsample` gives reparameterized (differentiable) draws.

    The backend is the array library of the parameters.  Python numbers are backend-neutral: a distribution
    made only of Python numbers adopts the library, dtype and device of the value it meets in
    :meth:`log_prob`/:meth:`cdf`, of the other distribution in :func:`~arraydist.kl_divergence`, or of the
    ``seed`` in :meth:`sample`, and computes with NumPy otherwise.

    Example:
        >>> import numpy as np
        >>> from arraydist import Normal
        >>> d = Normal(np.zeros(3), 1.0)
        >>> d.batch_shape, d.event_shape
        ((3,), ())
        >>> d.sample((5,), seed=0).shape
        (5, 3)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {}
    support: Any = None
    has_rsample: ClassVar[bool] = False
    has_enumerate_support: ClassVar[bool] = False

    # canonical parameters (the pytree leaves) -> event rank; derived from ``arg_constraints`` unless declared
    _param_ndims: ClassVar[dict[str, int]] = {}
    #: every declared parameter has event rank 0 and the event shape is () (set per subclass)
    _univariate_params: ClassVar[bool] = False
    # canonical parameters kept without broadcasting to the batch shape (e.g. one shared ``scale_tril``)
    _unbroadcast: ClassVar[frozenset[str]] = frozenset()
    _default_validate_args: ClassVar[bool] = True

    _ops: Ops
    _neutral: bool = False
    _batch_shape: Shape = ()
    _event_shape: Shape = ()
    _validate_args: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_param_ndims" not in cls.__dict__ and "arg_constraints" in cls.__dict__:
            cls._param_ndims = {k: c.event_dim for k, c in cls.arg_constraints.items()}
        cls._univariate_params = (
            bool(cls._param_ndims)
            and not any(cls._param_ndims.values())
            and cls._event_shape_from is Distribution._event_shape_from
        )
        _backend.tree_class_defined(cls)  # registered as a JAX pytree once JAX is in use

    def __init__(self, batch_shape: Any = (), event_shape: Any = (), validate_args: bool | None = None) -> None:
        """For subclasses that manage their own state, as in ``torch.distributions``: set the parameters as
        attributes, then call this; the backend, dtype and device come from those attributes' arrays."""
        self._batch_shape = as_shape(batch_shape, "batch_shape")
        self._event_shape = as_shape(event_shape, "event_shape")
        self._validate_args = self._resolve_validate(validate_args)
        if "_ops" not in self.__dict__:
            arrays = [v for v in vars(self).values() if hasattr(v, "shape") and hasattr(v, "dtype")]
            ops = ops_for(*arrays, what=f"{type(self).__name__} attributes")
            self._ops = ops if ops is not None else _numpy_ops()
            self._neutral = False
            self._dtype = arrays[0].dtype if arrays else self._ops.default_float()
            self._device = self._ops.device(arrays[0]) if arrays else None

    # ------------------------------------------------------------------ global switch
    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions created afterwards without ``validate_args``."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._default_validate_args = value
        for key in [k for k in _NUMBER_TEMPLATES if k[1] is None]:  # made under the previous default
            del _NUMBER_TEMPLATES[key]
        _LAST_NUMBERS.clear()

    @staticmethod
    def _resolve_validate(validate_args: bool | None) -> bool:
        return Distribution._default_validate_args if validate_args is None else bool(validate_args)

    # ------------------------------------------------------------------ construction from parameters
    def _init_params(self, params: dict[str, Any], validate_args: bool | None) -> None:
        """Convert user parameters to one library, dtype and device; validate; set them as attributes.

        Two common cases skip the general conversion (they cost most of a small training step otherwise):
        parameters that are already arrays of one library, dtype and device, and Python numbers alone (the
        ``Normal(0.0, 1.0)`` prior made anew in every step), whose converted and validated state is a value
        shared by every instance made of the same numbers.
        """
        values = tuple(params.values())
        t = type(values[0])
        if t is float or t is int:
            # Python numbers alone: the state of an equal distribution, converted and validated once.  Under
            # torch.compile the neutral backend is torch and nothing is shared.
            if not compiling():
                # The very objects of the last such distribution of this class (the literals of a prior made in
                # every training step): its state, found by identity, without hashing or packing the numbers.
                last = _LAST_NUMBERS.get(type(self))
                if last is not None and last[1] is validate_args:
                    for a, b in zip(last[0], values):
                        if a is not b:
                            break
                    else:
                        self.__dict__.update(last[2])
                        return
                if _NUMBER_TYPES.issuperset(map(type, values)):
                    # Equal numbers: the key holds their exact bits (-0.0 is not 0.0) and validate_args as given
                    # (the templates made with None go when the global default changes).
                    try:
                        key = (type(self), validate_args, _pack_floats[len(values)](*values))
                        template = _NUMBER_TEMPLATES.get(key)
                    except (struct.error, OverflowError, IndexError, TypeError):  # no double, many numbers,
                        key = template = None  # or an unhashable validate_args
                    if template is not None:
                        self.__dict__.update(template)
                    else:
                        self._set_params(*self._convert_params(params, validate_args))
                        template = None if key is None else self._share_numbers(key)
                    if template is not None:
                        _LAST_NUMBERS[type(self)] = (values, validate_args, template)
                    return
        else:
            ops = _ops_by_type.get(t)
            placed = None if ops is None else ops.placement(values)
            if placed is not None:
                validate = Distribution._default_validate_args if validate_args is None else bool(validate_args)
                if validate:
                    self._check_params(params, ops)
                if self._univariate_params:
                    # every parameter has event rank 0: the batch shape is their common shape (the usual case)
                    shape = values[0].shape
                    for v in values[1:]:
                        if v.shape != shape:
                            break
                    else:
                        # the whole state in one update (_neutral and _event_shape keep their class defaults)
                        self.__dict__.update(
                            params,
                            _validate_args=validate,
                            _ops=ops,
                            _batch_shape=tuple(shape),
                            _dtype=placed[0],
                            _device=placed[1],
                        )
                        return
                self._validate_args = validate
                self._set_params(params, ops)
                return
        self._set_params(*self._convert_params(params, validate_args))

    def _share_numbers(self, key: Any) -> dict[str, Any] | None:
        """Keep this state (of Python numbers alone) for later distributions made of the same numbers."""
        if len(_NUMBER_TEMPLATES) < 256:
            # conversions to other libraries (_materialize) are shared too: the instances are equal values
            self.__dict__.setdefault("_materialized", {})
            cls = type(self)
            template = {}
            for k, v in self.__dict__.items():
                if type(v) is np.ndarray:
                    v.flags.writeable = False  # shared by every instance made of these numbers
                elif k in _CLASS_DEFAULTED and getattr(cls, k) == v:
                    continue  # the class attribute holds it: a smaller state to copy into every instance
                template[k] = v
            _NUMBER_TEMPLATES[key] = template
            return template
        return None

    def _convert_params(self, params: dict[str, Any], validate_args: bool | None) -> tuple[dict[str, Array], Ops, bool]:
        """User parameters as arrays of one library, dtype and device, validated when asked for."""
        name = type(self).__name__
        ops = ops_for(*params.values(), what=f"{name} parameters")
        neutral = ops is None
        if neutral:
            ops = neutral_ops()
            arrays: list[Any] = []
        else:
            arrays = [v for v in params.values() if ops_of(v) is ops]
        dtype = ops.float_dtype(arrays)
        device = ops.device(arrays[0]) if arrays else None
        try:
            converted = {k: ops.asarray(v, dtype, device) for k, v in params.items()}
        except (TypeError, ValueError, OverflowError) as exc:
            raise TypeError(f"{name}: cannot convert the parameters to {ops.name} arrays: {exc}") from exc
        self._validate_args = validate = self._resolve_validate(validate_args)
        if validate:
            self._check_params(converted, ops)
        return converted, ops, neutral

    def _check_params(self, params: dict[str, Array], ops: Ops) -> None:
        if ops.tracing():
            return  # no value can be read
        for name, constraint in self.arg_constraints.items():
            value = params.get(name)
            if value is None:
                continue
            # a few numbers (the parameters of a training step) are read once and checked as Python numbers
            values = ops.small_values(value)
            ok = None if values is None else constraint.check_values(values)
            if ok is None:
                ok = not ops.is_concrete(value) or constraint.check_all(value, ops)
            if ok:
                continue
            ok = constraint.check(value)
            raise ValueError(
                f"{type(self).__name__}: parameter {name!r} must be {constraint.describe()} "
                f"(constraint {constraint!r}); got shape {tuple(value.shape)}, dtype {value.dtype}, with "
                + _format_bad_values(ops, value, ok, constraint.event_dim)
            )

    def _set_params(self, params: dict[str, Array], ops: Ops | None = None, neutral: bool = False) -> None:
        """Set canonical parameters, inferring batch and event shapes and broadcasting (no validation).

        ``params`` may be updated in place (broadcast parameters): callers pass a dict of their own.
        """
        state = self.__dict__
        if ops is not None and self._univariate_params:
            # every parameter has event rank 0: the batch shape is their common shape (the usual case)
            it = iter(params.values())
            first = next(it)
            batch = first.shape
            for p in it:
                if p.shape != batch:
                    break
            else:
                state.update(params)
                state.update(
                    _ops=ops,
                    _neutral=neutral,
                    _batch_shape=tuple(batch),
                    _event_shape=(),
                    _dtype=first.dtype,
                    _device=ops.device(first),
                )
                return
        ndims = self._param_ndims
        batch_shapes = []
        try:
            for k, p in params.items():
                shape = tuple(p.shape)
                nd = ndims[k]
                if nd:
                    if len(shape) < nd:
                        raise ValueError(
                            f"{type(self).__name__}: parameter {k.lstrip('_')!r} needs at least {nd} dimension(s) "
                            f"for its event, got shape {shape}"
                        )
                    shape = shape[: len(shape) - nd]
                batch_shapes.append(shape)
        except AttributeError:
            # JAX unflattens tree structures with placeholder leaves (in_axes specs...): keep them as they are.
            state.update(params)
            return
        if ops is None:
            ops = ops_for(*params.values()) or _numpy_ops()
        batch = batch_shapes[0]
        for other in batch_shapes:
            if other != batch:
                batch = self._broadcast_params(params, batch_shapes, ops)
                break
        state.update(params)
        state["_ops"] = ops
        state["_neutral"] = neutral
        state["_batch_shape"] = batch
        state["_event_shape"] = self._event_shape_from(params)
        first = next(iter(params.values()))
        state["_dtype"] = first.dtype
        state["_device"] = ops.device(first)

    def _broadcast_params(self, params: dict[str, Array], batch_shapes: list[Shape], ops: Ops) -> Shape:
        listed = ", ".join(f"{k.lstrip('_')} {s}" for k, s in zip(params, batch_shapes))
        batch = broadcast_shapes(
            *batch_shapes, what=f"{type(self).__name__}: the batch shapes of the parameters ({listed})"
        )
        for k, p in params.items():
            if k not in self._unbroadcast:
                nd = self._param_ndims[k]
                params[k] = ops.broadcast_to(p, batch + (tuple(p.shape[p.ndim - nd :]) if nd else ()))
        return batch

    def _event_shape_from(self, params: dict[str, Array]) -> Shape:
        """The event shape implied by the canonical parameters (``()`` for univariate families)."""
        return ()

    def _scalar_params(self) -> dict[str, float] | None:
        """The parameters as Python floats when this distribution was made of Python numbers alone, else None."""
        return self.__dict__.get("_scalars")

    def _const(self, value: float) -> Any:
        """``value`` as a constant operand in this distribution's dtype and device (see ``Ops.const``)."""
        return self._ops.const(value, self._dtype, self._device)

    # ------------------------------------------------------------------ flattening (pytrees, conversions)
    def _tree_flatten(self) -> tuple[tuple[Any, ...], Any]:
        """(children, static data): children are parameter arrays or nested distributions."""
        return tuple(self.__dict__[k] for k in self._param_ndims), (self._validate_args,)

    @classmethod
    def _tree_unflatten(cls, aux: Any, children: Any, neutral: bool = False) -> Distribution:
        obj = cls.__new__(cls)
        obj._validate_args = aux[0]
        obj._set_params(dict(zip(cls._param_ndims, children)), neutral=neutral)
        return obj

    def _map_leaves(self, fn: Callable[[Array], Array], neutral: bool = False) -> Distribution:
        """A copy with ``fn`` applied to every parameter array (through nested distributions)."""
        children, aux = self._tree_flatten()
        mapped = [c._map_leaves(fn, neutral) if isinstance(c, Distribution) else fn(c) for c in children]
        return type(self)._tree_unflatten(aux, mapped, neutral=neutral)

    def _materialize(self, ops: Ops, dtype: Any, device: Any) -> Distribution:
        """This backend-neutral distribution as arrays of ``ops``, dtype ``dtype`` on ``device``.

        Results are cached on the instance; a distribution of Python scalars alone (``Normal(0.0, 1.0)`` as the
        prior of every training step) is a value, so its conversion is shared between equal instances too.
        """
        cache = self.__dict__.get("_materialized", _EMPTY)
        last = cache.get(None)  # the last conversion asked for (a prior's, in every step): found by identity
        if last is not None and last[0] is ops and last[1] is dtype and last[2] is device:
            return last[3]
        key = (ops.name, dtype, device)
        try:
            found = cache.get(key)
        except TypeError:  # a device that is not hashable (CuPy's): key by the backend's stand-in
            key = (ops.name, dtype, ops.device_key(device))
            found = cache.get(key)
        if found is not None:
            if cache is not _EMPTY and not compiling():
                cache[None] = (ops, dtype, device, found)
            return found
        if compiling():
            return self._map_leaves(lambda x: ops.asarray(x, dtype, device))
        children, aux = self._tree_flatten()
        shared_key = None
        if all(type(c) is np.ndarray and c.ndim == 0 for c in children):
            shared_key = (type(self), tuple(float(c) for c in children), aux, key)
            found = _SCALAR_MATERIALIZED.get(shared_key)
        if found is None:
            found = self._map_leaves(lambda x: ops.asarray(x, dtype, device))
            if shared_key is not None:
                # The Python values stay known, so formulas may fold them into constants (see _scalar_params).
                found._scalars = dict(zip(self._param_ndims, shared_key[1]))
                if len(_SCALAR_MATERIALIZED) < 512:
                    _SCALAR_MATERIALIZED[shared_key] = found
        cache = self.__dict__.setdefault("_materialized", {})
        cache[key] = found
        cache[None] = (ops, dtype, device, found)
        return found

    def _adopt(self, value: Array, method: str) -> tuple[Distribution, Array]:
        """The distribution and value to compute ``method`` with: same library, neutral ones converted."""
        ops = self._ops
        vops = ops_of(value)
        if vops is not ops:
            if vops is None:
                return self, ops.asarray(value, self._dtype, self._device)
            if not self._neutral:
                raise TypeError(
                    f"{type(self).__name__}.{method}: the distribution's parameters are {ops.name} arrays but "
                    f"the value is a {vops.name} array; arraydist does not mix array libraries"
                )
            dtype = value.dtype if vops.is_float_dtype(value.dtype) else vops.default_float()
            return self._materialize(vops, dtype, vops.device(value)), value
        if self._neutral and value.dtype != self._dtype and ops.is_float_dtype(value.dtype):
            return self._materialize(ops, value.dtype, None), value
        return self, value

    def _adopt_like(self, other: Distribution) -> Distribution:
        """This distribution converted, if neutral, to the library, dtype and device of ``other``."""
        if self._neutral and not other._neutral and (self._ops is not other._ops or self._dtype != other._dtype):
            return self._materialize(other._ops, other._dtype, other._device)
        return self

    # ------------------------------------------------------------------ value checks
    def _check_value(self, value: Array, method: str, support: Any = None) -> None:
        """Shape check (always) and support check (when validating) of a value passed to ``method``."""
        shape = value.shape
        event = self._event_shape
        batch = self._batch_shape
        if not event and shape[len(shape) - len(batch) :] == batch:
            pass  # the common case, a univariate value that ends in the batch shape
        else:
            shape = tuple(shape)
            self._check_value_shape(shape, method)
        if self._validate_args:
            support = self.support if support is None else support
            ops = self._ops
            if support is None or ops.tracing():
                return
            values = ops.small_values(value)
            ok = None if values is None else support.check_values(values)
            if ok is None:
                ok = not ops.is_concrete(value) or support.check_all(value, ops)
            if not ok:
                ok = support.check(value)
                raise ValueError(
                    f"{type(self).__name__}.{method}: the value must be {support.describe()} (constraint "
                    f"{support!r}); got shape {tuple(shape)} with "
                    + _format_bad_values(ops, value, ok, support.event_dim)
                )

    def _check_value_shape(self, shape: Shape, method: str) -> None:
        event = self._event_shape
        n = len(event)
        if n and (len(shape) < n or shape[len(shape) - n :] != event):
            raise ValueError(
                f"{type(self).__name__}.{method}: the value has shape {shape} but the event shape is {event}: "
                f"the rightmost {n} dimension(s) of the value must equal it"
            )
        batch = self._batch_shape
        vb = shape[: len(shape) - n]
        if vb[len(vb) - len(batch) :] != batch:
            broadcast_shapes(
                vb,
                batch,
                what=f"{type(self).__name__}.{method}: the value's shape {shape} (batch part {vb}) and the "
                f"distribution's batch_shape {batch}: the shapes",
            )

    # ------------------------------------------------------------------ shapes and identity
    @property
    def batch_shape(self) -> Shape:
        """Shape over which parameters are batched: independent, non-identical distributions."""
        return self._batch_shape

    @property
    def event_shape(self) -> Shape:
        """Shape of a single draw (``()`` for univariate distributions)."""
        return self._event_shape

    @property
    def dtype(self) -> Any:
        """The one floating dtype of the parameters."""
        return self._dtype

    @property
    def device(self) -> Any:
        """The device of the parameters (``"cpu"`` on NumPy)."""
        return self._device

    @property
    def backend(self) -> str:
        """The array library of the parameters: ``"numpy"``, ``"torch"``, ...."""
        return self._ops.name

    @property
    def xp(self) -> Any:
        """The array-API namespace of the parameters."""
        return self._ops.xp

    def _extended_shape(self, sample_shape: Any = ()) -> Shape:
        return as_shape(sample_shape) + self._batch_shape + self._event_shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """A view of this distribution with a larger batch shape (parameters broadcast, not copied).

        Example:
            >>> from arraydist import Normal
            >>> Normal(0.0, 1.0).expand((2, 3)).batch_shape
            (2, 3)
        """
        new = as_shape(batch_shape, "batch_shape")
        old = self._batch_shape
        if broadcast_shapes(old, new, what=f"{type(self).__name__}.expand: batch shapes") != new:
            raise ValueError(f"{type(self).__name__}.expand: cannot expand batch_shape {old} to {new}")
        return self._expand(new)

    def _undeclared(self, what: str) -> NotImplementedError | None:
        """The error for a subclass that declares no parameters (torch style) and does not override ``what``."""
        if not self._param_ndims and type(self)._tree_flatten is Distribution._tree_flatten:
            return _not_implemented(self, f"{what} (declare its parameters in arg_constraints, or override {what})")
        return None

    def _expand(self, batch_shape: Shape) -> Distribution:
        error = self._undeclared("expand")
        if error is not None:
            raise error
        ops = self._ops
        children, aux = self._tree_flatten()
        expanded = []
        for (k, nd), p in zip(self._param_ndims.items(), children):
            if k in self._unbroadcast:
                expanded.append(p)
            else:
                expanded.append(ops.broadcast_to(p, batch_shape + (tuple(p.shape[p.ndim - nd :]) if nd else ())))
        return type(self)._tree_unflatten(aux, expanded, neutral=self._neutral)

    def _normalize_index(self, index: Any) -> tuple[Any, ...]:
        index = index if isinstance(index, tuple) else (index,)
        ndim = len(self._batch_shape)
        used = sum(_index_ndim(item) for item in index)
        if used > ndim:
            raise IndexError(
                f"{type(self).__name__}: the index {index!r} uses {used} dimension(s) but batch_shape "
                f"{self._batch_shape} has {ndim}; event dimensions cannot be indexed"
            )
        if any(item is Ellipsis for item in index):
            at = next(i for i, item in enumerate(index) if item is Ellipsis)
            index = index[:at] + (slice(None),) * (ndim - used) + index[at + 1 :]
        return index

    def __getitem__(self, index: Any) -> Distribution:
        """Index the batch dimensions: ``dist[0]``, ``dist[:, 1:]``, ``dist[mask]``.

        Example:
            >>> import numpy as np
            >>> from arraydist import Normal
            >>> Normal(np.zeros((4, 3)), 1.0)[1:3].batch_shape
            (2, 3)
        """
        return self._index(self._normalize_index(index))

    def _index(self, index: tuple[Any, ...]) -> Distribution:
        error = self._undeclared("__getitem__")
        if error is not None:
            raise error
        ops = self._ops
        batch = self._batch_shape
        children, aux = self._tree_flatten()
        indexed = []
        for nd, p in zip(self._param_ndims.values(), children):
            full = ops.broadcast_to(p, batch + (tuple(p.shape[p.ndim - nd :]) if nd else ()))
            indexed.append(full[(*index, Ellipsis)])  # the standard wants the event dims spelled out
        return type(self)._tree_unflatten(aux, indexed, neutral=self._neutral)

    # ------------------------------------------------------------------ sampling
    def _sampling(self, seed: Any) -> tuple[Distribution, Any]:
        d = self
        if self._neutral:
            sops = ops_for_seed(seed)
            if sops is not None and sops is not self._ops:
                device = getattr(seed, "device", None)
                d = self._materialize(sops, sops.default_float(), device)
        return d, d._ops.make_rng(seed, d._device)

    def sample(self, sample_shape: Any = (), *, seed: Any = None) -> Array:
        """Draw ``sample_shape + batch_shape + event_shape`` samples; no gradient flows to the parameters.

        Args:
            sample_shape: leading shape of the draws (int, tuple, list or ``torch.Size``).
            seed: ``None`` (torch's global RNG on torch, a library-owned generator on NumPy), an ``int``, a
                ``numpy.random.Generator`` or a ``torch.Generator`` (matching the parameters' library).
        """
        d, rng = self._sampling(seed)
        return d._sample(as_shape(sample_shape), rng)

    def rsample(self, sample_shape: Any = (), *, seed: Any = None) -> Array:
        """Reparameterized draws: gradients flow back to the parameters where the backend differentiates."""
        if not self.has_rsample:
            raise _not_implemented(self, "rsample (it has no reparameterized sampler; use sample)")
        if self._neutral:
            d, rng = self._sampling(seed)
        else:
            d, rng = self, self._ops.make_rng(seed, self._device)
        return d._rsample(sample_shape if sample_shape is _NO_SHAPE else as_shape(sample_shape), rng)

    def _sample(self, sample_shape: Shape, rng: Any) -> Array:
        if not self.has_rsample:
            raise _not_implemented(self, "sample")
        cls = type(self)
        if cls._rsample is Distribution._rsample and cls.rsample is not Distribution.rsample:
            # a torch.distributions-style subclass that overrides the public rsample (it takes no seed)
            return self._ops.stop_gradient(self.rsample(sample_shape))
        return self._ops.stop_gradient(self._rsample(sample_shape, rng))

    def _rsample(self, sample_shape: Shape, rng: Any) -> Array:
        raise _not_implemented(self, "rsample")

    # ------------------------------------------------------------------ densities
    def log_prob(self, value: Any) -> Array:
        """Log density (or log mass) of ``value``; the result has shape ``sample_shape + batch_shape``."""
        if _ops_by_type.get(type(value)) is self._ops and not self._neutral:
            self._check_value(value, "log_prob")  # the common case: a value of the parameters' library
            return self._log_prob(value)
        d, value = self._adopt(value, "log_prob")
        d._check_value(value, "log_prob")
        return d._log_prob(value)

    def prob(self, value: Any) -> Array:
        """Density (or mass) of ``value``: ``exp(log_prob(value))``."""
        d, value = self._adopt(value, "prob")
        d._check_value(value, "prob")
        return d._ops.xp.exp(d._log_prob(value))

    def cdf(self, value: Any) -> Array:
        """Cumulative distribution function at ``value``."""
        d, value = self._adopt(value, "cdf")
        d._check_value(value, "cdf")
        return d._cdf(value)

    def icdf(self, value: Any) -> Array:
        """Inverse cumulative distribution function at probabilities ``value`` in [0, 1]."""
        d, value = self._adopt(value, "icdf")
        d._check_value(value, "icdf", support=constraints.unit_interval)
        return d._icdf(value)

    def _log_prob(self, value: Array) -> Array:
        raise _not_implemented(self, "log_prob")

    def _cdf(self, value: Array) -> Array:
        raise _not_implemented(self, "cdf")

    def _icdf(self, value: Array) -> Array:
        raise _not_implemented(self, "icdf")

    def entropy(self) -> Array:
        """Differential (or Shannon) entropy, of shape ``batch_shape``."""
        raise _not_implemented(self, "entropy")

    def perplexity(self) -> Array:
        """``exp(entropy())``."""
        return self._ops.xp.exp(self.entropy())

    def enumerate_support(self, expand: bool = True) -> Array:
        raise _not_implemented(self, "enumerate_support")

    # ------------------------------------------------------------------ moments
    @property
    def mean(self) -> Array:
        """Mean, of shape ``batch_shape + event_shape``."""
        raise _not_implemented(self, "mean")

    @property
    def mode(self) -> Array:
        """Mode, of shape ``batch_shape + event_shape``."""
        raise _not_implemented(self, "mode")

    @property
    def variance(self) -> Array:
        """Variance (per coordinate), of shape ``batch_shape + event_shape``."""
        raise _not_implemented(self, "variance")

    @property
    def stddev(self) -> Array:
        """Standard deviation: ``sqrt(variance)`` unless the family knows better."""
        return self._ops.xp.sqrt(self.variance)

    # ------------------------------------------------------------------ display
    def _describe_param(self, value: Array) -> str:
        if getattr(value, "ndim", 0) == 0 and self._ops.is_concrete(value):
            try:
                return repr(float(value))
            except (TypeError, ValueError, RuntimeError):
                pass
        dtype = str(getattr(value, "dtype", "?")).rpartition(".")[2]
        return f"{dtype}[{', '.join(str(s) for s in value.shape)}]"

    def _repr_params(self) -> list[str]:
        return [f"{k}: {self._describe_param(getattr(self, k))}" for k in self.arg_constraints if k in self.__dict__]

    def __repr__(self) -> str:
        parts = self._repr_params()
        backend = self._ops.name + (" (neutral: adopts the library it meets)" if self._neutral else "")
        device = self.__dict__.get("_device")
        where = f", device={device}" if device is not None and "cpu" not in str(device).lower() else ""
        parts.append(f"batch_shape={self._batch_shape}, event_shape={self._event_shape}, backend={backend}{where}")
        return f"{type(self).__name__}({', '.join(parts)})"


_backend.register_tree_root(Distribution)  # every Distribution class becomes a JAX pytree once JAX is in use

LOG_2PI = math.log(2 * math.pi)
