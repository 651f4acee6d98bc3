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
import operator
import struct
import warnings
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from . import _backend, constraints
from ._backend import Ops, _ops_by_type, compiling, neutral_ops, ops_for, ops_for_seed, ops_of, set_neutral_backend
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


#: (class, leaf names, exact bits, aux, target) -> the conversion of a distribution of Python scalars
_SCALAR_MATERIALIZED: dict[Any, Distribution] = {}
#: (class, parameter names, validate_args, exact bits) -> the state of a distribution made of them (read-only)
_NUMBER_TEMPLATES: dict[Any, dict[str, Any]] = {}
_NUMBER_TYPES = frozenset((float, int))
#: class -> (parameter names, the Python numbers, validate_args, state) of its last distribution of numbers alone
_LAST_NUMBERS: dict[type, tuple[tuple[str, ...], tuple[Any, ...], Any, dict[str, Any]]] = {}
_CLASS_DEFAULTED = frozenset(("_batch_shape", "_event_shape", "_validate_args", "_neutral", "_leaves"))
#: state that is not pickled or copied: the backend (found again from the arrays) and caches of conversions
_TRANSIENT = frozenset(("_ops", "_dtype", "_device", "_materialized", "_kl_folded"))


#: n -> packs n numbers as doubles: their exact bits, a cache key that tells -0.0 from 0.0
_pack_floats = [struct.Struct(f"{n}d").pack for n in range(9)]


_EMPTY: dict[Any, Any] = {}
_NO_SHAPE: Shape = ()
#: ``Distribution._broadcast_dims`` of a distribution whose constructor broadcast nothing
_NOTHING_BROADCAST: Mapping[str, tuple[bool, ...]] = MappingProxyType({})


def _repeated_dims(given: Shape, full: Shape) -> tuple[bool, ...]:
    """Per dimension of ``full``: whether broadcasting ``given`` to it repeats one value there (the dimension is
    missing from ``given`` or has size 1 in it, and more than one in ``full``)."""
    pad = len(full) - len(given)
    return tuple(n > 1 and (j < pad or given[j - pad] == 1) for j, n in enumerate(full))


def clear_caches() -> None:
    """Forget every state shared between distributions of Python numbers (and their conversions)."""
    _NUMBER_TEMPLATES.clear()
    _LAST_NUMBERS.clear()
    _SCALAR_MATERIALIZED.clear()


def _dtype_kind(dtype: Any) -> str:
    """``"f"`` (real floating), ``"i"`` (integer), ``"b"`` (boolean), ``"c"`` (complex) or ``"?"``, from the
    dtype's name: the same answer for NumPy, torch, JAX, CuPy, Dask and array-API dtypes."""
    name = str(dtype).rpartition(".")[2]
    if name.startswith(("float", "bfloat")):
        return "f"
    if name.startswith(("int", "uint")):
        return "i"
    if name == "bool":
        return "b"
    if name.startswith("complex"):
        return "c"
    return "?"


def _value_kind(x: Any) -> str:
    """The kind (see :func:`_dtype_kind`) of an array, a Python number or a nested list of numbers."""
    t = type(x)
    if t is float or t is int:
        return "f" if t is float else "i"
    if t is bool:
        return "b"
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        if isinstance(x, complex):
            return "c"
        try:
            dtype = np.asarray(x).dtype
        except (TypeError, ValueError, OverflowError):
            return "?"
    return _dtype_kind(dtype)


def _all_finite(value: Any, ops: Ops) -> bool:
    """Whether every element of a concrete array is finite: its sum is, unless an inf, a NaN or an overflow."""
    total = ops.reduce_value(value, "sum")
    return total - total == 0 or ops.all(ops.xp.isfinite(value))


def _finite_values(values: list[Any]) -> bool:
    """Whether a few Python numbers are all finite (their sum is, unless an inf, a NaN or an overflow)."""
    total = sum(values)
    return total - total == 0 or all(map(math.isfinite, values))


def _is_mask(item: Any) -> bool:
    dtype = getattr(item, "dtype", None)
    return dtype is not None and getattr(item, "ndim", 0) > 0 and _dtype_kind(dtype) == "b"


def _index_ndim(name: str, item: Any) -> int:
    """How many batch dimensions one item of an index consumes (a boolean mask consumes its ndim)."""
    if item is None or item is Ellipsis:
        return 0
    if isinstance(item, (bool, np.bool_)):
        raise IndexError(f"{name}: a boolean scalar is not a batch index; got {item!r}")
    if _is_mask(item):
        return int(item.ndim)
    return 1


def _reshaped_batch(name: str, old: Shape, shape: Any) -> Shape:
    """The batch shape ``old`` reshapes to: ``shape`` (ints, one of them may be -1) checked against its size."""
    try:
        items = (shape,) if isinstance(shape, int) or getattr(shape, "ndim", 1) == 0 else tuple(shape)
        if any(isinstance(s, (bool, np.bool_)) for s in items):
            raise TypeError
        new = tuple(operator.index(s) for s in items)  # Python, NumPy, torch and JAX integers; not 2.0 or "3"
    except TypeError:
        raise TypeError(f"{name}.reshape: batch_shape must be an int or a sequence of ints; got {shape!r}") from None
    size = math.prod(old)
    if new.count(-1) > 1 or any(s < -1 for s in new):
        raise ValueError(f"{name}.reshape: batch_shape {new} may have one -1 and no other negative size")
    if -1 in new:
        known = math.prod(s for s in new if s != -1)
        if known == 0 or size % known:
            raise ValueError(
                f"{name}.reshape: cannot reshape batch_shape {old} ({size} member(s)) to {new}: no size for -1 fits"
            )
        new = tuple(size // known if s == -1 else s for s in new)
    if math.prod(new) != size:
        raise ValueError(
            f"{name}.reshape: cannot reshape batch_shape {old} ({size} member(s)) to {new} ({math.prod(new)} "
            "member(s)); the event shape is not part of the batch"
        )
    return new


class lazy_property:
    """A derived attribute: computed on first access and kept on the instance (``probs`` from ``logits``).

    A parameter given to the constructor lives in the instance's ``__dict__`` under the same name and so hides
    this descriptor: only the form that was not given is derived.  Nothing is kept while ``torch.compile``
    traces or when the value cannot be read now (JAX tracers, lazy arrays): it is recomputed instead.
    """

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, cls: type | None = None) -> Any:
        if obj is None:
            return self
        value = self.fn(obj)
        if obj._ops.can_cache(value):
            obj.__dict__[self.name] = value
        return value


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

    #: parameter (leaf) name -> event rank, for every parameter a constructor may store; from ``arg_constraints``
    _param_ndims: ClassVar[dict[str, int]] = {}
    #: alternative parameterizations: each group names parameters of which exactly one is given
    #: (``(("probs", "logits"),)``); only the given one is stored, a ``lazy_property`` derives the other
    _param_forms: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: parameters that may be left out (``None``) besides the alternatives
    _optional_params: ClassVar[frozenset[str]] = frozenset()
    #: parameters that may be infinite (a truncation bound); any other infinite parameter is an error
    _infinite_params: ClassVar[frozenset[str]] = frozenset()
    #: parameters whose constraint the family checks in :meth:`_post_init` with :meth:`_require_param`, because
    #: the check shares its work with derived state (a positive definite matrix and its Cholesky factor)
    _post_init_checks: ClassVar[frozenset[str]] = frozenset()
    #: the parameters (pytree leaves) a distribution of this class holds when all are given in their first form;
    #: an instance made with other forms keeps its own tuple
    _leaves: tuple[str, ...] = ()
    #: every declared parameter has event rank 0 and the event shape is () (set per subclass)
    _univariate_params: ClassVar[bool] = False
    #: the class declares alternative forms or optional parameters (``None`` values are dropped)
    _has_choices: ClassVar[bool] = False
    #: the parameters are the alternatives of one group alone (``Categorical``'s probs or logits)
    _one_form: ClassVar[bool] = False
    #: the class overrides :meth:`_post_init`
    _has_post_init: ClassVar[bool] = False
    # canonical parameters kept without broadcasting to the batch shape (e.g. one shared ``scale_tril``)
    _unbroadcast: ClassVar[frozenset[str]] = frozenset()
    #: constructor arguments that are Python values, not arrays (``Multinomial``'s ``total_count``): set as
    #: attributes by the constructor before :meth:`_init_params`, carried in the pytree's static data
    _static_params: ClassVar[tuple[str, ...]] = ()
    #: values are category indices: integer (and boolean) values reach ``_log_prob`` as they are, not cast to
    #: the floating dtype (the family casts them to ``Ops.index_dtype`` where it indexes)
    _index_values: ClassVar[bool] = False
    #: the class overrides :meth:`_canonical`
    _has_canonical: ClassVar[bool] = False
    _default_validate_args: ClassVar[bool] = True

    _ops: Ops
    _neutral: bool = False
    _batch_shape: Shape = ()
    _event_shape: Shape = ()
    _validate_args: bool = True
    #: parameter name -> per stored dimension, whether the array repeats one value there because the base
    #: broadcast it (constructors and ``expand`` record it; :meth:`explain` reads it where arrays keep no
    #: strides, on JAX and Dask); ``None`` where it is not known (arrays that arrived already broadcast: a
    #: pytree unflattened after ``jax.jit``, a slice, a reshape)
    _broadcast_dims: Mapping[str, tuple[bool, ...]] | None = _NOTHING_BROADCAST

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_param_ndims" not in cls.__dict__ and "arg_constraints" in cls.__dict__:
            cls._param_ndims = {k: c.event_dim for k, c in cls.arg_constraints.items()}
        alternatives = {k for group in cls._param_forms for k in group[1:]}
        cls._leaves = tuple(k for k in cls._param_ndims if k not in alternatives and k not in cls._optional_params)
        cls._has_choices = bool(cls._param_forms or cls._optional_params)
        cls._one_form = (
            len(cls._param_forms) == 1
            and set(cls._param_forms[0]) == set(cls._param_ndims)
            and not cls._optional_params
        )
        cls._has_post_init = cls._post_init is not Distribution._post_init
        cls._has_canonical = cls._canonical is not Distribution._canonical
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
        if self._validate_args and not any("arg_constraints" in c.__dict__ for c in type(self).__mro__[:-2]):
            warnings.warn(
                f"{type(self).__name__} does not define arg_constraints, so its parameters are not validated: "
                "set arg_constraints = {} (or the constraints of its parameters), or pass validate_args=False",
                UserWarning,
                stacklevel=2,
            )
        if "_ops" not in self.__dict__:
            arrays = [v for v in vars(self).values() if hasattr(v, "shape") and hasattr(v, "dtype")]
            ops = ops_for(*arrays, what=f"{type(self).__name__} attributes")
            self._ops = ops if ops is not None else _numpy_ops()
            self._neutral = False
            self._dtype = arrays[0].dtype if arrays else self._ops.default_float()
            self._device = self._ops.device(arrays[0]) if arrays else None

    # ------------------------------------------------------------------ global switches
    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions created afterwards without ``validate_args``."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._default_validate_args = value
        for key in [k for k in _NUMBER_TEMPLATES if k[2] is None]:  # made under the previous default
            del _NUMBER_TEMPLATES[key]
        _LAST_NUMBERS.clear()

    @staticmethod
    def set_default_backend(name: str) -> None:
        """The array library of distributions made of Python numbers alone: ``"numpy"`` (the default),
        ``"torch"`` (its default dtype and device; ``sample()`` then draws from torch's global generator, as in
        a torch program) or ``"jax"``.  Distributions made before keep their library.

        Example:
            >>> import arraydist
            >>> arraydist.set_default_backend("numpy")
            >>> arraydist.Normal(0.0, 1.0).backend
            'numpy'
        """
        set_neutral_backend(name)
        clear_caches()

    @staticmethod
    def _resolve_validate(validate_args: bool | None) -> bool:
        return Distribution._default_validate_args if validate_args is None else bool(validate_args)

    # ------------------------------------------------------------------ construction from parameters
    def _init_params(self, params: dict[str, Any], validate_args: bool | None) -> None:
        """The one construction path: parameters to one library, dtype and device; shapes; validation; state.

        Every constructor calls this with its parameters by name (``None`` for a form or optional parameter
        that was not given).  Shapes are checked before values, values before the state is set, and
        :meth:`_post_init` runs last on every path.  Two common cases skip the general conversion (they cost
        most of a small training step otherwise): parameters that are already arrays of one library, floating
        dtype and device, and Python numbers alone (the ``Normal(0.0, 1.0)`` prior made anew in every step),
        whose converted and validated state is shared by every instance made of the same numbers.
        """
        if self._one_form:  # Categorical(logits=...): the one parameter given, without the general check
            given = {}
            for k, v in params.items():
                if v is not None:
                    given[k] = v
            params = given if len(given) == 1 else self._given(params)
        elif self._has_choices:
            params = self._given(params)
        values = tuple(params.values())
        t = type(values[0])
        if (t is float or t is int) and not self._static_params:
            # Python numbers alone: the state of an equal distribution, converted and validated once.  Under
            # torch.compile the neutral backend is torch and nothing is shared.
            if not compiling():
                names = tuple(params)
                # The very objects of the last such distribution of this class (the literals of a prior made in
                # every training step): its state, found by identity, without hashing or packing the numbers.
                last = _LAST_NUMBERS.get(type(self))
                if last is not None and last[2] is validate_args and last[0] == names:
                    for a, b in zip(last[1], values):
                        if a is not b:
                            break
                    else:
                        self.__dict__.update(last[3])
                        return
                if _NUMBER_TYPES.issuperset(map(type, values)):
                    # Equal numbers: one key of the class, the parameter names, validate_args as given (the
                    # templates made with None go when the global default changes) and the numbers' exact bits
                    # (-0.0 is not 0.0).
                    try:
                        key = (type(self), names, validate_args, _pack_floats[len(values)](*values))
                        template = _NUMBER_TEMPLATES.get(key)
                    except (struct.error, OverflowError, IndexError, TypeError):  # no double, many numbers,
                        key = template = None  # or an unhashable validate_args
                    if template is not None:
                        self.__dict__.update(template)
                    else:
                        self._init_general(params, validate_args)
                        template = None if key is None else self._share_numbers(key)
                    if template is not None:
                        _LAST_NUMBERS[type(self)] = (names, values, validate_args, template)
                    return
        else:
            ops = _ops_by_type.get(t)
            if ops is None and t not in _ops_by_type:
                # the first array of its type: the same path now as for every later one
                try:
                    ops = ops_of(values[0])
                except TypeError:
                    ops = None  # not an array: the general path names the parameter
            placed = None if ops is None else ops.placement(values)
            if placed is not None:
                validate = Distribution._default_validate_args if validate_args is None else bool(validate_args)
                if self._univariate_params:
                    # every parameter has event rank 0: the batch shape is their common shape (the usual case)
                    shape = values[0].shape
                    for v in values[1:]:
                        if v.shape != shape:
                            break
                    else:
                        if self._has_canonical:
                            params = self._canonical(params, ops, validate)
                        if validate:
                            self._check_params(params, ops)
                        # the whole state in one update (_neutral and _event_shape keep their class defaults)
                        self.__dict__.update(
                            params,
                            _validate_args=validate,
                            _ops=ops,
                            _batch_shape=tuple(shape),
                            _dtype=placed[0],
                            _device=placed[1],
                        )
                        if self._has_choices and tuple(params) != self._leaves:
                            self._leaves = tuple(params)
                        if self._has_post_init:
                            self._post_init(validate)
                        return
                elif len(values) == 1 and not self._unbroadcast:
                    # one parameter with an event (Categorical(logits=...)): nothing to broadcast, its batch
                    # shape is its shape without the event, and the state is set in one update
                    (name,) = params
                    shape = values[0].shape
                    if self._param_ndims[name] == 1 and len(shape):  # vectors: no rank or squareness to check
                        batch, event = tuple(shape[:-1]), self._event_shape_from(params)
                    else:
                        batch, event = self._shapes(params)
                    if self._has_canonical:
                        params = self._canonical(params, ops, validate)
                    if validate and not self._post_init_checks.issuperset(params):
                        self._check_params(params, ops)
                    self.__dict__.update(
                        params, _validate_args=validate, _ops=ops, _batch_shape=batch, _event_shape=event,
                        _dtype=placed[0], _device=placed[1],
                    )  # fmt: skip
                    if self._has_choices and tuple(params) != self._leaves:
                        self._leaves = tuple(params)
                    if self._has_post_init:
                        self._post_init(validate)
                    return
                self._validate_args = validate
                batch, event = self._shapes(params)
                if self._has_canonical:
                    params = self._canonical(params, ops, validate)
                if validate:
                    self._check_params(params, ops)
                self._apply(params, ops, False, batch, event, validate)
                return
        self._init_general(params, validate_args)

    def _given(self, params: dict[str, Any]) -> dict[str, Any]:
        """The parameters that were given (``None`` dropped), exactly one of each group of alternatives."""
        given = {k: v for k, v in params.items() if v is not None}
        for group in self._param_forms:
            chosen = [k for k in group if k in given]
            if len(chosen) != 1:
                named = ", ".join(chosen) if chosen else "none"
                raise ValueError(f"{type(self).__name__} takes exactly one of {', '.join(group)}; got {named}")
        missing = [k for k in params if k not in given and k not in self._optional_params]
        missing = [k for k in missing if not any(k in group for group in self._param_forms)]
        if missing:
            raise ValueError(f"{type(self).__name__}: parameter {missing[0]!r} is required, got None")
        return given

    def _init_general(self, params: dict[str, Any], validate_args: bool | None) -> None:
        params, ops, neutral = self._convert_params(params, validate_args)
        batch, event = self._shapes(params)
        if self._has_canonical:
            params = self._canonical(params, ops, self._validate_args)
        if self._validate_args:
            self._check_params(params, ops)
        self._apply(params, ops, neutral, batch, event, self._validate_args)

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
        """User parameters as arrays of one library, one floating dtype and one device.

        The dtype is the result type of the floating parameters (the backend's default float when there are
        none): integer and boolean parameters are cast to it.  Complex and non-numeric parameters are a
        ``TypeError`` naming the parameter.
        """
        name = type(self).__name__
        ops: Ops | None = None
        floats: list[Any] = []
        for k, v in params.items():
            try:
                vops = ops_of(v)
            except TypeError as exc:
                raise TypeError(f"{name}: parameter {k!r}: {exc}") from None
            kind = _value_kind(v)
            if kind not in ("f", "i", "b"):
                got = "complex" if kind == "c" else "non-numeric"
                of = f"dtype {v.dtype}" if hasattr(v, "dtype") else type(v).__name__
                raise TypeError(f"{name}: parameter {k!r} must be real numbers; got a {got} value ({of}): {v!r:.80}")
            if vops is None:
                continue
            if ops is not None and vops is not ops:
                raise TypeError(
                    f"{name} parameters mix arrays of two libraries, {ops.name} and {vops.name}: arraydist takes "
                    "the backend from the data, so convert them to one library first"
                )
            ops = vops
            if kind == "f":
                floats.append(v)
        neutral = ops is None
        if ops is None:
            ops = neutral_ops()
        dtype = ops.float_dtype(floats)
        arrays = floats or [v for v in params.values() if ops_of(v) is ops]
        device = ops.device(arrays[0]) if arrays else None
        converted = {}
        for k, v in params.items():
            try:
                if ops_of(v) is ops and v.dtype != dtype:
                    v = ops.cast(v, dtype)
                converted[k] = ops.asarray(v, dtype, device)
            except (TypeError, ValueError, OverflowError) as exc:
                raise TypeError(f"{name}: cannot convert parameter {k!r} to a {ops.name} array: {exc}") from exc
        self._validate_args = self._resolve_validate(validate_args)
        return converted, ops, neutral

    def _check_params(self, params: dict[str, Array], ops: Ops) -> None:
        """Each parameter against its constraint, and finite unless the family gives infinity a meaning."""
        if ops.tracing():
            return  # no value can be read
        infinite_ok = self._infinite_params
        for name, constraint in self.arg_constraints.items():
            value = params.get(name)
            if value is None or name in self._post_init_checks:
                continue
            # a few numbers (the parameters of a training step) are read once and checked as Python numbers
            values = ops.small_values(value)
            if values is not None:
                values = values if type(values) is list else list(values)
                ok = constraint.check_values(values)
                finite = name in infinite_ok or _finite_values(values)
            else:
                ok = finite = None
            if ok is None or finite is None:
                concrete = ops.is_concrete(value)
                if ok is None:
                    ok = not concrete or constraint.check_all(value, ops)
                if finite is None:
                    finite = not concrete or name in infinite_ok or _all_finite(value, ops)
            if ok and finite:
                continue
            if ok:
                ok = ops.xp.isfinite(value)
                if constraint.event_dim:
                    ok = ops.xp.all(ok, axis=tuple(range(-constraint.event_dim, 0)))
                raise self._param_error(ops, name, value, ok, "finite", constraint.event_dim)
            raise self._param_error(ops, name, value, constraint.check(value))

    def _param_error(
        self, ops: Ops, name: str, value: Array, ok: Array, must: str = "", event_dim: int | None = None
    ) -> ValueError:
        """The error for parameter ``name`` where ``ok`` (over its batch) is False: its constraint, shape, dtype
        and a few of the offending values."""
        constraint = self.arg_constraints[name]
        must = must or f"{constraint.describe()} (constraint {constraint!r})"
        return ValueError(
            f"{type(self).__name__}: parameter {name!r} must be {must}; got shape {tuple(value.shape)}, dtype "
            f"{str(value.dtype).rpartition('.')[2]}, with "
            + _format_bad_values(ops, value, ok, constraint.event_dim if event_dim is None else event_dim)
        )

    def _require_param(self, name: str, ok: Array | None) -> None:
        """For :meth:`_post_init`: parameter ``name`` (in ``_post_init_checks``) satisfies its constraint
        where the boolean array ``ok`` (over its batch) says so; None (not checked) passes."""
        ops = self._ops
        if ok is None or ok is True or ops.tracing() or not ops.is_concrete(ok) or ops.all(ok):
            return
        raise self._param_error(ops, name, self.__dict__[name], ok)

    def _require(self, ok: Array, condition: str, *names: str) -> None:
        """A cross-parameter check for :meth:`_post_init` (``low < high``): a ``ValueError`` naming the
        condition and the parameters where ``ok`` (a boolean array over the batch) is False anywhere."""
        ops = self._ops
        if ops.tracing() or not ops.is_concrete(ok) or ops.all(ok):
            return
        shown = ", ".join(f"{n}={self._describe_values(getattr(self, n))}" for n in names)
        raise ValueError(
            f"{type(self).__name__}: the parameters must satisfy {condition}; got {shown} ("
            + _format_bad_values(ops, ok, ok, 0).split(":")[0].replace("value", "batch member")
            + ")"
        )

    def _describe_values(self, value: Array) -> str:
        v = self._ops.to_numpy(value)
        return np.array2string(v.ravel()[:6], precision=4, separator=", ") + ("..." if v.size > 6 else "")

    def _canonical(self, params: dict[str, Array], ops: Ops, validate: bool) -> dict[str, Array]:
        """Hook run by the constructor alone, after conversion and shape checks and before the value checks:
        the parameters in canonical form (``Categorical`` normalizes ``probs`` to sum to 1 and ``logits`` to
        log-probabilities, as ``torch.distributions`` does).  Copies, ``expand``, slicing and unflattening
        receive canonical parameters already and skip it.  May raise a ``ValueError`` about the given values
        when ``validate`` is True (checks that need them before they are normalized)."""
        return params

    def _post_init(self, validate: bool) -> None:
        """Hook run once the parameters are set, on every construction path (the constructor, ``expand``,
        slicing, unflattening, conversion): derived state, and cross-parameter checks (with :meth:`_require`)
        when ``validate`` is True (it is False where the parameters were checked before, as in ``expand``)."""

    def _shapes(self, params: dict[str, Array]) -> tuple[Shape, Shape]:
        """(batch shape, event shape) of converted parameters: each parameter's rank (and squareness, for
        matrix constraints) against its event rank, then their batch parts broadcast; errors name them all."""
        ndims = self._param_ndims
        batch_shapes = []
        name = type(self).__name__
        for k, p in params.items():
            shape = tuple(p.shape)
            nd = ndims[k]
            if nd:
                if len(shape) < nd:
                    raise ValueError(
                        f"{name}: {k} has shape {shape} but the parameter needs at least {nd} dimension(s) for "
                        "its event"
                    )
                constraint = self.arg_constraints.get(k)
                if nd >= 2 and getattr(constraint, "square", False) and shape[-1] != shape[-2]:
                    raise ValueError(f"{name}: parameter {k!r} must be square matrices (..., n, n), got shape {shape}")
                shape = shape[: len(shape) - nd]
            batch_shapes.append(shape)
        batch = batch_shapes[0] if batch_shapes else ()
        for other in batch_shapes:
            if other != batch:
                listed = ", ".join(f"{k} {s}" for k, s in zip(params, batch_shapes))
                batch = broadcast_shapes(*batch_shapes, what=f"{name}: the batch shapes of the parameters ({listed})")
                break
        return batch, self._event_shape_from(params)

    def _apply(
        self, params: dict[str, Array], ops: Ops, neutral: bool, batch: Shape, event: Shape, validate: bool
    ) -> None:
        """Set the state: parameters broadcast to the batch shape (views; not those in ``_unbroadcast``)."""
        ndims = self._param_ndims
        unbroadcast = self._unbroadcast
        repeated = None
        for k, p in params.items():
            if k not in unbroadcast:
                nd = ndims[k]
                shape = tuple(p.shape)
                full = batch + (shape[len(shape) - nd :] if nd else ())
                if shape != full:
                    if repeated is None:
                        repeated = {}
                    repeated[k] = _repeated_dims(shape, full)  # for explain, on arrays without strides too
                    params[k] = ops.broadcast_to(p, full)
        state = self.__dict__
        state.update(params)
        if repeated is not None:
            state["_broadcast_dims"] = repeated
        first = next(iter(params.values()))
        state.update(
            _ops=ops, _neutral=neutral, _batch_shape=batch, _event_shape=event, _dtype=first.dtype,
            _device=ops.device(first),
        )  # fmt: skip
        names = tuple(params)
        if names != self._leaves:
            state["_leaves"] = names
        if self._has_post_init:
            self._post_init(validate)

    def _set_params(self, params: dict[str, Array], ops: Ops | None = None, neutral: bool = False) -> None:
        """Set already validated parameters (unflattening, ``expand``, slicing, conversion): shapes inferred,
        parameters broadcast, :meth:`_post_init` run without validation.  ``params`` may be updated in place."""
        try:
            batch, event = self._shapes(params)
        except AttributeError:
            # JAX unflattens tree structures with placeholder leaves (in_axes specs...): keep them as they are.
            self.__dict__.update(params)
            return
        if ops is None:
            ops = ops_for(*params.values()) or _numpy_ops()
        self._apply(params, ops, neutral, batch, event, False)
        self.__dict__["_broadcast_dims"] = None  # already broadcast arrays: what repeats is not known here

    def _event_shape_from(self, params: dict[str, Array]) -> Shape:
        """The event shape implied by the parameters (``()`` for univariate families); may raise ValueError."""
        return ()

    def _scalar_params(self) -> dict[str, float] | None:
        """The parameters as Python floats when this distribution was made of Python numbers alone, else None."""
        return self.__dict__.get("_scalars")

    def _const(self, value: float) -> Any:
        """``value`` as a constant operand in this distribution's dtype and device (see ``Ops.const``)."""
        return self._ops.const(value, self._dtype, self._device)

    # ------------------------------------------------------------------ flattening (pytrees, conversions)
    def _tree_flatten(self) -> tuple[tuple[Any, ...], Any]:
        """(children, static data): children are the parameter arrays this instance holds (its ``_leaves``,
        named in the static data) or nested distributions."""
        leaves = self._leaves
        state = self.__dict__
        if self._unbroadcast:
            return self._flatten_padded()
        if self._static_params:
            statics = tuple((k, state[k]) for k in self._static_params)
            return tuple(state[k] for k in leaves), (self._validate_args, leaves, statics)
        return tuple(state[k] for k in leaves), (self._validate_args, leaves)

    def _flatten_padded(self) -> tuple[tuple[Any, ...], Any]:
        """:meth:`_tree_flatten` where parameters are kept unbroadcast: those with fewer batch dimensions than
        the batch shape get leading dimensions of size 1 (a free reshape), so that every child has the full
        batch rank and an axis put in front of every child (``jax.vmap``'s outputs) is one batch axis."""
        state = self.__dict__
        xp, rank, ndims = self._ops.xp, len(self._batch_shape), self._param_ndims
        children = []
        for k in self._leaves:
            p = state[k]
            missing = rank + ndims[k] - p.ndim
            children.append(xp.reshape(p, (1,) * missing + tuple(p.shape)) if missing > 0 else p)
        statics = tuple((k, state[k]) for k in self._static_params)
        return tuple(children), (
            (self._validate_args, self._leaves, statics) if statics else (self._validate_args, self._leaves)
        )

    @classmethod
    def _tree_unflatten(cls, aux: Any, children: Any, neutral: bool = False) -> Distribution:
        obj = cls.__new__(cls)
        obj._validate_args = aux[0]
        if len(aux) > 2:
            obj.__dict__.update(aux[2])  # the static parameters
        obj._set_params(dict(zip(aux[1], children)), neutral=neutral)
        return obj

    def _map_leaves(self, fn: Callable[[Array], Array], neutral: bool = False) -> Distribution:
        """A copy with ``fn`` applied to every parameter array (through nested distributions)."""
        children, aux = self._tree_flatten()
        mapped = [c._map_leaves(fn, neutral) if isinstance(c, Distribution) else fn(c) for c in children]
        out = type(self)._tree_unflatten(aux, mapped, neutral=neutral)
        if all(getattr(a, "shape", None) == getattr(b, "shape", None) for a, b in zip(children, mapped)):
            out.__dict__["_broadcast_dims"] = self._broadcast_dims  # a conversion: the same layout
        return out

    # ------------------------------------------------------------------ pickling and copying
    def __getstate__(self) -> dict[str, Any]:
        # The backend, dtype and device are found again from the arrays (devices of some libraries do not
        # pickle); conversion caches are rebuilt on demand.
        return {k: v for k, v in self.__dict__.items() if k not in _TRANSIENT}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for v in state.values():
            if isinstance(v, Distribution):
                self._ops, self._dtype, self._device = v._ops, v.__dict__.get("_dtype"), v.__dict__.get("_device")
                return
            ops = ops_of(v) if hasattr(v, "shape") and hasattr(v, "dtype") else None
            if ops is not None:
                self._ops, self._dtype, self._device = ops, v.dtype, ops.device(v)
                return
        self._ops = _numpy_ops()

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
        if 0 < len(children) < 9 and all(type(c) is np.ndarray and c.ndim == 0 for c in children):
            numbers = [float(c) for c in children]
            # the exact bits of the numbers (-0.0 is not 0.0) and their names (probs is not logits)
            shared_key = (type(self), aux, _pack_floats[len(numbers)](*numbers), key)
            found = _SCALAR_MATERIALIZED.get(shared_key)
        if found is None:
            found = self._map_leaves(lambda x: ops.asarray(x, dtype, device))
            if shared_key is not None:
                # The Python values stay known, so formulas may fold them into constants (see _scalar_params).
                found._scalars = dict(zip(self._leaves, numbers))
                if len(_SCALAR_MATERIALIZED) < 512:
                    _SCALAR_MATERIALIZED[shared_key] = found
        cache = self.__dict__.setdefault("_materialized", {})
        cache[key] = found
        cache[None] = (ops, dtype, device, found)
        return found

    def _adopt(self, value: Array, method: str) -> tuple[Distribution, Array]:
        """The distribution and value to compute ``method`` with: same library (neutral distributions
        converted), and a value of real numbers (integer and boolean values cast to the distribution's dtype)."""
        ops = self._ops
        try:
            vops = ops_of(value)
        except TypeError as exc:
            raise TypeError(f"{type(self).__name__}.{method}: {exc}") from None
        if vops is not ops:
            if vops is None:
                if _value_kind(value) not in ("f", "i", "b"):
                    raise TypeError(
                        f"{type(self).__name__}.{method}: the value must be real numbers; got {value!r:.80}"
                    )
                return self, ops.asarray(value, self._dtype, self._device)
            if not self._neutral:
                raise TypeError(
                    f"{type(self).__name__}.{method}: the distribution's parameters are {ops.name} arrays but "
                    f"the value is a {vops.name} array; arraydist does not mix array libraries"
                )
            dtype = value.dtype if vops.is_float_dtype(value.dtype) else vops.default_float()
            d = self._materialize(vops, dtype, vops.device(value))
            return d, d._real_value(value, method)
        if self._neutral and value.dtype != self._dtype and ops.is_float_dtype(value.dtype):
            return self._materialize(ops, value.dtype, None), value
        return self, self._real_value(value, method)

    def _real_value(self, value: Array, method: str) -> Array:
        """``value`` (an array of this distribution's library) as real floating numbers."""
        dtype = value.dtype
        if dtype is self._dtype:
            return value
        kind = _dtype_kind(dtype)
        if kind == "f":
            ops = self._ops
            if ops.xp.finfo(dtype).bits < ops.xp.finfo(self._dtype).bits:
                # a narrower float, widened (exactly): functions of the value alone (lgamma(k + 1) of the count
                # families) would be computed in its precision, not in the parameters' that the result takes
                return ops.cast(value, self._dtype)
            return value
        if kind in ("i", "b"):
            return value if self._index_values else self._ops.cast(value, self._dtype)
        raise TypeError(
            f"{type(self).__name__}.{method}: the value must be real numbers; got an array of dtype "
            f"{str(dtype).rpartition('.')[2]} and shape {tuple(value.shape)}"
        )

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
        ops = self._ops
        if self._validate_args and not ops.tracing():
            support = self.support if support is None else support
            if support is not None:  # the common case inline: a few numbers read once, inside the support
                values = ops.small_values(value)
                if values is None or support.check_values(values) is not True:
                    self._check_support(value, method, support)  # the exact check, and the error

    def _check_support(self, value: Array, method: str, support: Any) -> None:
        ops = self._ops
        if support is None or ops.tracing() or isinstance(support, constraints._Dependent):
            return
        values = ops.small_values(value)
        ok = None if values is None else support.check_values(values)
        if ok is None:
            ok = not ops.is_concrete(value) or support.check_all(value, ops)
        if not ok:
            ok = support.check(value)
            raise ValueError(
                f"{type(self).__name__}.{method}: the value must be {support.describe()} (constraint "
                f"{support!r}); got shape {tuple(value.shape)} with "
                + _format_bad_values(ops, value, ok, support.event_dim)
            )

    def _validate_sample(self, value: Array) -> None:
        """torch.distributions' check of a value: its shape against ``batch_shape + event_shape`` and, whatever
        ``validate_args`` says, its support (a ``ValueError`` naming both); for torch-style subclasses."""
        self._check_value_shape(tuple(value.shape), "_validate_sample")
        self._check_support(value, "_validate_sample", self.support)

    def _check_value_shape(self, shape: Shape, method: str) -> None:
        event = self._event_shape
        n = len(event)
        batch = self._batch_shape
        if n and (len(shape) < n or shape[len(shape) - n :] != event):
            problem = (
                f"{type(self).__name__}.{method}: the value has shape {shape} but the event shape is {event}: "
                f"the rightmost {n} dimension(s) of the value must equal it"
            )
        else:
            vb = shape[: len(shape) - n]
            if vb[len(vb) - len(batch) :] == batch:
                return
            try:
                broadcast_shapes(
                    vb,
                    batch,
                    what=f"{type(self).__name__}.{method}: the value's shape {shape} (batch part {vb}) and the "
                    f"distribution's batch_shape {batch}: the shapes",
                )
                return
            except ValueError as exc:
                problem = str(exc)
        from .explain import value_layout  # the error path alone pays for the import

        raise ValueError(f"{problem}\n{value_layout(batch, event, shape)}")

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
        ndims = self._param_ndims
        children, aux = self._tree_flatten()
        expanded = []
        known = self._broadcast_dims
        repeated: dict[str, tuple[bool, ...]] | None = None if known is None else {}
        for k, p in zip(self._leaves, children):
            if k in self._unbroadcast:
                expanded.append(p)
            else:
                nd = ndims[k]
                shape = tuple(p.shape)
                full = batch_shape + (shape[len(shape) - nd :] if nd else ())
                expanded.append(ops.broadcast_to(p, full))
                if repeated is not None:  # what repeated before still does, and what expand repeats now
                    before = known.get(k, (False,) * len(shape))
                    now = _repeated_dims(shape, full)
                    pad = len(full) - len(shape)
                    repeated[k] = tuple(r or (j >= pad and before[j - pad]) for j, r in enumerate(now))
        new = type(self)._tree_unflatten(aux, expanded, neutral=self._neutral)
        new.__dict__["_broadcast_dims"] = repeated
        return new

    def reshape(self, batch_shape: Any) -> Distribution:
        """The same distribution with its batch dimensions reshaped (row-major, as ``numpy.reshape``; one size
        may be ``-1``, inferred); the event shape is untouched.

        ``d.reshape(s).log_prob(x.reshape(sample_shape + s + event_shape))`` equals
        ``d.log_prob(x).reshape(sample_shape + s)``.

        Example:
            >>> import numpy as np
            >>> from arraydist import MultivariateNormal
            >>> d = MultivariateNormal(np.zeros((3, 4, 2)), covariance_matrix=np.eye(2))
            >>> r = d.reshape(-1)
            >>> r.batch_shape, r.event_shape
            ((12,), (2,))
        """
        return self._reshape(_reshaped_batch(type(self).__name__, self._batch_shape, batch_shape))

    def _reshape(self, batch_shape: Shape) -> Distribution:
        error = self._undeclared("reshape")
        if error is not None:
            raise error
        ops = self._ops
        batch = self._batch_shape
        ndims = self._param_ndims
        children, aux = self._tree_flatten()
        reshaped = []
        for k, p in zip(self._leaves, children):
            nd = ndims[k]
            event = tuple(p.shape[p.ndim - nd :]) if nd else ()
            if k in self._unbroadcast and math.prod(p.shape[: p.ndim - nd]) == 1:
                reshaped.append(ops.xp.reshape(p, event))  # one value shared by every batch member stays one
            else:
                reshaped.append(ops.xp.reshape(ops.broadcast_to(p, batch + event), batch_shape + event))
        return type(self)._tree_unflatten(aux, reshaped, neutral=self._neutral)

    def to_event(self, reinterpreted_batch_ndims: int | None = None) -> Distribution:
        """``Independent(self, reinterpreted_batch_ndims)``: the rightmost batch dimensions become event
        dimensions (all of them when ``None``).

        Example:
            >>> import numpy as np
            >>> from arraydist import Normal
            >>> d = Normal(np.zeros((3, 2)), 1.0).to_event(1)
            >>> d.batch_shape, d.event_shape
            ((3,), (2,))
        """
        from .distributions.independent import Independent

        n = len(self._batch_shape) if reinterpreted_batch_ndims is None else reinterpreted_batch_ndims
        return Independent(self, n)

    def explain(self, sample_shape: Any = ()) -> Any:
        """Which dimensions of a draw of ``sample_shape`` are sample, batch and event dimensions, and the shapes
        of ``sample``, ``log_prob``, ``mean`` and each parameter: an :class:`arraydist.explain.Explanation`
        (printed as a table, an HTML table in notebooks).  Computes nothing but shapes.

        Example:
            >>> import numpy as np
            >>> from arraydist import Normal
            >>> Normal(np.zeros(3), 1.0).explain(5).row("sample").shape
            (5, 3)
        """
        from .explain import explain

        return explain(self, sample_shape)

    def _normalize_index(self, index: Any) -> tuple[Any, ...]:
        """The index with its ``...`` spelled out, checked against the batch shape on every backend: at most one
        ``...``, integers within the sizes (JAX would clamp them), masks of the shape of the dimensions they
        cover; indexing event dimensions is an ``IndexError``."""
        index = index if isinstance(index, tuple) else (index,)
        name = type(self).__name__
        batch = self._batch_shape
        ndim = len(batch)
        ellipses = sum(1 for item in index if item is Ellipsis)
        if ellipses > 1:
            raise IndexError(f"{name}: an index can have only one ellipsis ('...'); got {index!r}")
        used = sum(_index_ndim(name, item) for item in index)
        if used > ndim:
            raise IndexError(
                f"{name}: the index {index!r} uses {used} dimension(s) but batch_shape {batch} has {ndim}; "
                "event dimensions cannot be indexed"
            )
        if ellipses:
            at = next(i for i, item in enumerate(index) if item is Ellipsis)
            index = index[:at] + (slice(None),) * (ndim - used) + index[at + 1 :]
        dim = 0
        checked = []
        for item in index:
            n = _index_ndim(name, item)
            checked.append(self._check_index_item(item, dim, n))
            dim += n
        return tuple(checked)

    def _check_index_item(self, item: Any, dim: int, n: int) -> Any:
        if item is None or isinstance(item, slice):
            return item
        name = type(self).__name__
        sizes = self._batch_shape[dim : dim + n]
        if not hasattr(item, "shape") or getattr(item, "ndim", 0) == 0:
            try:
                i = operator.index(item)
            except TypeError:
                if hasattr(item, "shape"):  # a 0-d array whose value cannot be read now (a tracer)
                    return item
                raise IndexError(
                    f"{name}: batch indices must be integers, slices, None, ..., integer arrays or boolean "
                    f"masks; got {item!r}"
                ) from None
            if not -sizes[0] <= i < sizes[0]:
                raise IndexError(
                    f"{name}: index {i} is out of range for batch dimension {dim} of size {sizes[0]} "
                    f"(batch_shape {self._batch_shape})"
                )
            return i
        ops = ops_of(item)
        kind = _dtype_kind(item.dtype)
        if kind == "b":
            if tuple(item.shape) != sizes:
                raise IndexError(
                    f"{name}: a boolean mask of shape {tuple(item.shape)} does not match the batch dimensions "
                    f"{dim}..{dim + n - 1} of batch_shape {self._batch_shape}, of sizes {sizes}"
                )
            if ops is not None and ops.lazy:
                item = ops.to_numpy(item)  # the batch shape after a mask needs the mask's values
            return item
        if kind != "i":
            raise IndexError(f"{name}: index arrays must be integers or booleans; got dtype {item.dtype}")
        if ops is not None and ops.is_concrete(item) and not ops.tracing():
            values = ops.to_numpy(item)
            if values.size and not (-sizes[0] <= values.min() and values.max() < sizes[0]):
                raise IndexError(
                    f"{name}: index array with values in [{values.min()}, {values.max()}] is out of range for "
                    f"batch dimension {dim} of size {sizes[0]} (batch_shape {self._batch_shape})"
                )
        return item

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
        ndims = self._param_ndims
        children, aux = self._tree_flatten()
        # a mask alone is indexed as the sole index (the array API standard allows a mask only so)
        mask = index[0] if len(index) == 1 and _is_mask(index[0]) else None
        flat = mask is not None and mask.ndim > 1 and ops.lazy  # Dask knows the size of 1-d masks alone
        key = (ops.to_numpy(mask).ravel() if flat else mask) if mask is not None else (*index, Ellipsis)
        indexed = []
        for k, p in zip(self._leaves, children):
            nd = ndims[k]
            event = tuple(p.shape[p.ndim - nd :]) if nd else ()
            full = ops.broadcast_to(p, batch + event)
            if flat:
                full = ops.xp.reshape(full, (math.prod(batch), *event))
            indexed.append(full[key])  # the standard wants the event dims spelled out
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
        if self._neutral:
            d, rng = self._sampling(seed)
        elif seed is None and self._ops.global_rng_is_none:
            d, rng = self, None
        else:
            d, rng = self, self._ops.make_rng(seed, self._device)
        return d._sample(sample_shape if sample_shape is _NO_SHAPE else as_shape(sample_shape), rng)

    def rsample(self, sample_shape: Any = (), *, seed: Any = None) -> Array:
        """Reparameterized draws: gradients flow back to the parameters where the backend differentiates."""
        if not self.has_rsample:
            raise _not_implemented(self, "rsample (it has no reparameterized sampler; use sample)")
        if self._neutral:
            d, rng = self._sampling(seed)
        elif seed is None and self._ops.global_rng_is_none:
            d, rng = self, None
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
        ops = self._ops
        if (
            _ops_by_type.get(type(value)) is ops
            and not self._neutral
            and (value.dtype is self._dtype or (self._index_values and value.dtype is ops.index_type))
        ):
            # the common case, a value of the parameters' library: the checks of _check_value, inline
            shape = value.shape
            batch = self._batch_shape
            if self._event_shape or shape[len(shape) - len(batch) :] != batch:
                self._check_value_shape(tuple(shape), "log_prob")
            if self._validate_args and not ops.tracing():
                support = self.support
                if support is not None:
                    values = ops.small_values(value)
                    if values is None or support.check_values(values) is not True:
                        self._check_support(value, "log_prob", support)
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
        """Every value of the (finite) support, along a new leading dimension: shape ``(k,) + batch_shape +
        event_shape``, or ``(k,) + (1,) * len(batch_shape) + event_shape`` with ``expand=False``."""
        raise _not_implemented(self, "enumerate_support")

    def _enumerate_values(self, values: Array, expand: bool) -> Array:
        """For ``enumerate_support``: ``values`` of shape ``(k,) + event_shape`` (one row per value of the
        support) laid out along the batch dimensions, broadcast to them when ``expand`` (views)."""
        ops = self._ops
        batch = self._batch_shape
        k = int(values.shape[0])
        event = tuple(values.shape[1:])
        values = ops.xp.reshape(values, (k, *(1,) * len(batch), *event))
        return ops.broadcast_to(values, (k, *batch, *event)) if expand else values

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
        statics = [f"{k}: {self.__dict__[k]!r}" for k in self._static_params]
        return statics + [
            f"{k}: {self._describe_param(getattr(self, k))}" for k in self.arg_constraints if k in self.__dict__
        ]

    def __repr__(self) -> str:
        parts = self._repr_params()
        backend = self._ops.name + (" (neutral: adopts the library it meets)" if self._neutral else "")
        device = self.__dict__.get("_device")
        where = f", device={device}" if device is not None and "cpu" not in str(device).lower() else ""
        parts.append(f"batch_shape={self._batch_shape}, event_shape={self._event_shape}, backend={backend}{where}")
        return f"{type(self).__name__}({', '.join(parts)})"


_backend.register_tree_root(Distribution)  # every Distribution class becomes a JAX pytree once JAX is in use

LOG_2PI = math.log(2 * math.pi)
