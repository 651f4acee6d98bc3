"""Declared parameters: the one construction path, conversion to one library / dtype / device, shapes,
validation and its error messages.

A family declares its parameters (``arg_constraints``, ``_param_forms``, ``_optional_params``...; see
``docs/architecture.md``) and its constructor is one call, ``self._init_params({name: value}, validate_args)``.
:class:`Parameters` (a base of ``Distribution``) turns that into the state, in one sequence: the given forms,
conversion, shapes, the canonical form, value checks, the state, the ``_post_init`` hook.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import Any

import numpy as np

from . import _numbers, constraints
from ._backend import Ops, _ops_by_type, neutral_ops, ops_for, ops_of
from ._backend import numpy_ops as _numpy_ops
from ._shapes import Shape, broadcast_shapes

Array = Any

#: ``_broadcast_dims`` of a distribution whose constructor broadcast nothing
NOTHING_BROADCAST: Mapping[str, tuple[bool, ...]] = MappingProxyType({})


def dtype_kind(dtype: Any) -> str:
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


def value_kind(x: Any) -> str:
    """The kind (see :func:`dtype_kind`) of an array, a Python number or a nested list of numbers."""
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
    return dtype_kind(dtype)


def format_bad_values(ops: Ops, value: Array, ok: Array, event_dim: int) -> str:
    """A few offending entries (or whole events) of ``value`` where ``ok`` is False, for error messages.

    ``ok`` may have more batch members than ``value`` (a scalar value against a support that differs per
    member, as ``Uniform``'s): both are broadcast to their common batch shape first."""
    v = np.asarray(ops.to_numpy(value))
    good = np.asarray(ops.to_numpy(ok))
    batch = v.shape[: v.ndim - event_dim] if event_dim else v.shape
    common = np.broadcast_shapes(batch, good.shape)
    v = np.broadcast_to(v, common + v.shape[len(batch) :])
    good = np.broadcast_to(good, common)
    bad_index = np.argwhere(~good)
    count = len(bad_index)
    if event_dim == 0:
        shown = v[~good][:5].tolist() if v.ndim else [v.item()]
        text = ", ".join(repr(x) for x in shown)
        return f"{count} invalid value(s): {text}{', ...' if count > 5 else ''}"
    first = tuple(int(i) for i in bad_index[0]) if count else ()
    event = np.array2string(v[first], precision=4, separator=", ").replace("\n", "")
    return f"{count} invalid event(s), the first at batch index {first}: {event}"


def repeated_dims(given: Shape, full: Shape) -> tuple[bool, ...]:
    """Per dimension of ``full``: whether broadcasting ``given`` to it repeats one value there (the dimension is
    missing from ``given`` or has size 1 in it, and more than one in ``full``)."""
    pad = len(full) - len(given)
    return tuple(n > 1 and (j < pad or given[j - pad] == 1) for j, n in enumerate(full))


def _all_finite(value: Any, ops: Ops) -> bool:
    """Whether every element of a concrete array is finite: its sum is, unless an inf, a NaN or an overflow."""
    total = ops.reduce_value(value, "sum")
    return total - total == 0 or ops.all(ops.xp.isfinite(value))


def _finite_values(values: list[Any]) -> bool:
    """Whether a few Python numbers are all finite (their sum is, unless an inf, a NaN or an overflow)."""
    total = sum(values)
    return total - total == 0 or all(map(math.isfinite, values))


class Parameters:
    """The construction of a distribution from its declared parameters (a base of ``Distribution``)."""

    def _init_params(self, params: dict[str, Any], validate_args: bool | None) -> None:
        """The one construction path: parameters to one library, dtype and device; shapes; validation; state.

        Every constructor calls this with its parameters by name (``None`` for a form or optional parameter
        that was not given).  Shapes are checked before values, values before the state is set, and
        :meth:`_post_init` runs last on every path.  Two common cases skip the general conversion (they cost
        most of a small training step otherwise): Python numbers alone (the ``Normal(0.0, 1.0)`` prior made
        anew in every step), whose converted and validated state is shared by every instance made of the same
        numbers (``_numbers``); and parameters that are already arrays of one library, floating dtype and
        device, whose shapes take one comparison when they agree.
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
        if t is float or t is int:
            if not self._static_params and _numbers.from_numbers(self, params, values, validate_args):
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
                validate = self._default_validate_args if validate_args is None else bool(validate_args)
                shapes = self._agreed_shapes(params, values)
                if shapes is None:
                    self._finish(params, ops, False, *self._shapes(params), validate, placed[0], placed[1], True)
                else:
                    self._finish(params, ops, False, *shapes, validate, placed[0], placed[1], False)
                return
        self._init_general(params, validate_args)

    def _agreed_shapes(self, params: dict[str, Array], values: tuple[Array, ...]) -> tuple[Shape, Shape] | None:
        """(batch, event) when nothing needs broadcasting, found cheaply: parameters of event rank 0 of one
        shape, or one parameter alone; None otherwise (the general :meth:`_shapes` then broadcasts)."""
        if self._univariate_params:
            shape = values[0].shape
            for v in values[1:]:
                if v.shape != shape:
                    return None
            return tuple(shape), ()
        if len(values) == 1 and not self._unbroadcast:
            (name,) = params
            shape = values[0].shape
            if self._param_ndims[name] == 1 and len(shape):  # vectors: no rank or squareness to check
                return tuple(shape[:-1]), self._event_shape_from(params)
            return self._shapes(params)
        return None

    def _init_general(self, params: dict[str, Any], validate_args: bool | None) -> None:
        params, ops, neutral = self._convert_params(params)
        validate = self._default_validate_args if validate_args is None else bool(validate_args)
        first = next(iter(params.values()))
        self._finish(params, ops, neutral, *self._shapes(params), validate, first.dtype, ops.device(first), True)

    def _finish(
        self,
        params: dict[str, Array],
        ops: Ops,
        neutral: bool,
        batch: Shape,
        event: Shape,
        validate: bool,
        dtype: Any,
        device: Any,
        broadcast: bool,
        given: bool = True,
    ) -> None:
        """Steps 4 to 7 of every route: the canonical form and the value checks (of ``given`` parameters, not
        of those that were checked before: unflattening, ``expand``...), the state, ``_post_init``."""
        if given:
            if self._has_canonical:
                params = self._canonical(params, ops, validate)
            if validate and not self._post_init_checks.issuperset(params):
                self._check_params(params, ops)
        state = self.__dict__
        if broadcast:
            repeated = self._broadcast(params, ops, batch)
            if repeated is not None:
                state["_broadcast_dims"] = repeated
        state.update(params, _ops=ops, _batch_shape=batch, _event_shape=event, _dtype=dtype, _device=device)
        if given:  # copies keep the setting the caller restored (``validate`` is False there: checked before)
            state["_validate_args"] = validate
        if neutral:
            state["_neutral"] = True
        if self._has_choices and tuple(params) != self._leaves:
            state["_leaves"] = tuple(params)
        if self._has_post_init:
            self._post_init(validate)

    def _broadcast(self, params: dict[str, Array], ops: Ops, batch: Shape) -> dict[str, tuple[bool, ...]] | None:
        """Parameters broadcast to the batch shape in place (views; not those in ``_unbroadcast``), and which
        dimensions of each now repeat one value (for ``explain``, on arrays without strides too)."""
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
                    repeated[k] = repeated_dims(shape, full)
                    params[k] = ops.broadcast_to(p, full)
        return repeated

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
        first = next(iter(params.values()))
        self._finish(params, ops, neutral, batch, event, False, first.dtype, ops.device(first), True, given=False)
        self.__dict__["_broadcast_dims"] = None  # already broadcast arrays: what repeats is not known here

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

    def _convert_params(self, params: dict[str, Any]) -> tuple[dict[str, Array], Ops, bool]:
        """User parameters as arrays of one library, one floating dtype and one device.

        The dtype is the result type of the floating parameters (the backend's default float when there are
        none): integer and boolean parameters are cast to it.  Complex and non-numeric parameters are a
        ``TypeError`` naming the parameter.  NumPy arrays beside arrays of one other library are taken as
        Python numbers are (converted to that library), as JAX and Dask take NumPy constants; two libraries
        other than NumPy are a ``TypeError`` naming both.
        """
        name = type(self).__name__
        ops: Ops | None = None
        floats: list[Any] = []
        numpy_floats: list[Any] = []
        numpy = None
        for k, v in params.items():
            try:
                vops = ops_of(v)
            except TypeError as exc:
                raise TypeError(f"{name}: parameter {k!r}: {exc}") from None
            kind = value_kind(v)
            if kind not in ("f", "i", "b"):
                got = "complex" if kind == "c" else "non-numeric"
                of = f"dtype {v.dtype}" if hasattr(v, "dtype") else type(v).__name__
                raise TypeError(f"{name}: parameter {k!r} must be real numbers; got a {got} value ({of}): {v!r:.80}")
            if vops is None:
                continue
            if vops.name == "numpy" and isinstance(v, (np.ndarray, np.generic)):
                numpy = vops
                if kind == "f":
                    numpy_floats.append(v)
                continue
            if ops is not None and vops is not ops:
                raise TypeError(
                    f"{name} parameters mix arrays of two libraries, {ops.name} and {vops.name}: arraydist takes "
                    "the backend from the data, so convert them to one library first"
                )
            ops = vops
            if kind == "f":
                floats.append(v)
        if ops is None and numpy is not None:
            ops, floats = numpy, numpy_floats
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
        return converted, ops, neutral

    def _check_params(self, params: dict[str, Array], ops: Ops) -> None:
        """Each parameter against its constraint, and finite unless the family gives infinity a meaning; where
        no value can be read (``torch.compile``, JAX's tracers), checks that the compiled program makes when it
        runs (``Ops.deferred_check``)."""
        infinite_ok = self._infinite_params
        if ops.tracing():
            for name, constraint in self.arg_constraints.items():
                value = params.get(name)
                if value is not None and name not in self._post_init_checks:
                    params[name] = self._defer_param_check(ops, name, value, constraint)
            return
        if len(params) > 1:
            ops.evaluate(params.values())  # lazy libraries: one computation for all of them (MLX)
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
            elif ops.is_concrete(value):
                if constraint.check_all_finite(value, ops, name in infinite_ok):
                    continue  # one reduction, one read: the parameters of a training step
                ok = finite = None
            else:
                ok = finite = None
            if ok is None or finite is None:
                concrete = ops.is_concrete(value)
                if not concrete:
                    params[name] = self._defer_param_check(ops, name, value, constraint)
                    continue
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

    def _defer_param_check(self, ops: Ops, name: str, value: Array, constraint: Any) -> Array:
        """Parameter ``name``'s constraint (and finiteness) as a check of the compiled program (the message is
        the eager one's, without the values, which cannot be shown from inside a trace) or of Dask's graph (the
        eager message, from the values of the chunk that fails); returns ``value``, guarded by the check."""
        if not ops.defers_checks or isinstance(constraint, constraints._Dependent):
            return value
        if constraint.event_dim > 1 and not ops.lazy:
            # compiled programs leave matrices to the factorization that uses them (a second Cholesky inside
            # the program would double its cost; torch's inductor also warns lowering it)
            return value
        xp = ops.xp
        ok = in_support = constraint.check(value)
        finite = None
        if name not in self._infinite_params and ops.is_float_dtype(value.dtype):
            finite = xp.isfinite(value)
            if constraint.event_dim:
                finite = xp.all(finite, axis=tuple(range(-constraint.event_dim, 0)))
            ok = ok & finite
        message = f"{type(self).__name__}: parameter {name!r} must be {_must(constraint)}"
        if not ops.lazy:
            return ops.deferred_check(ok, message + _TRACED, value)
        # Dask: the eager message, made from the chunk's values (the constraint first, then finiteness)
        event_dim = constraint.event_dim
        heads = (self._param_head(name, value), self._param_head(name, value, "finite"))
        error = partial(_first_failure, message, heads, event_dim)
        operands = ((value, event_dim), (in_support, 0)) + (() if finite is None else ((finite, 0),))
        return ops.deferred_check(ok, message, value, event_dim, error, operands)

    def _param_error_maker(self, name: str, value: Array, must: str = "", event_dim: int | None = None) -> Any:
        """:meth:`_param_error` as a function of NumPy arrays ``(ok, value)``: for checks made later (Dask's)."""
        event_dim = self.arg_constraints[name].event_dim if event_dim is None else event_dim
        return partial(_bad_values_error, self._param_head(name, value, must), event_dim)

    def _param_head(self, name: str, value: Array, must: str = "") -> str:
        """The start of :meth:`_param_error`'s message, up to the offending values."""
        must = must or _must(self.arg_constraints[name])
        return (
            f"{type(self).__name__}: parameter {name!r} must be {must}; got shape {tuple(value.shape)}, dtype "
            f"{str(value.dtype).rpartition('.')[2]}, with "
        )

    def _param_error(
        self, ops: Ops, name: str, value: Array, ok: Array, must: str = "", event_dim: int | None = None
    ) -> ValueError:
        """The error for parameter ``name`` where ``ok`` (over its batch) is False: its constraint, shape, dtype
        and a few of the offending values."""
        event_dim = self.arg_constraints[name].event_dim if event_dim is None else event_dim
        return ValueError(self._param_head(name, value, must) + format_bad_values(ops, value, ok, event_dim))

    def _require_param(self, name: str, ok: Array | None, derived: Array | None = None) -> Array | None:
        """For :meth:`_post_init`: parameter ``name`` (in ``_post_init_checks``) satisfies its constraint
        where the boolean array ``ok`` (over its batch) says so; None (not checked) passes.  Returns
        ``derived`` (what ``_post_init`` computed from the parameter, of the parameter's event rank), which on
        Dask is tied to the check as the parameter is: results computed from either raise at ``compute()``,
        naming a non-finite entry as such (as the eager families do) before the constraint."""
        ops = self._ops
        if ok is None or ok is True:
            return derived
        if ops.tracing() or not ops.is_concrete(ok):
            if not ops.defers_checks:
                return derived
            state = self.__dict__
            value = state[name]
            constraint = self.arg_constraints[name]
            message = f"{type(self).__name__}: parameter {name!r} must be {_must(constraint)}"
            if not ops.lazy:
                ops.deferred_check(ok, message + _TRACED)
                return derived
            event_dim = constraint.event_dim
            finite = ops.xp.all(ops.xp.isfinite(value), axis=tuple(range(-event_dim, 0)) if event_dim else None)
            heads = (self._param_head(name, value, "finite"), self._param_head(name, value))
            error = partial(_first_failure, message, heads, event_dim)
            operands = ((value, event_dim), (finite, 0), (ok, 0))
            state[name] = ops.deferred_check(ok, message, value, event_dim, error, operands)
            if derived is not None:
                derived = ops.deferred_check(ok, message, derived, event_dim, error, operands)
            return derived
        if ops.all(ok):
            return derived
        raise self._param_error(ops, name, self.__dict__[name], ok)

    def _require(self, ok: Array, condition: str, *names: str) -> None:
        """A cross-parameter check for :meth:`_post_init` (``low < high``): a ``ValueError`` naming the
        condition and the parameters where ``ok`` (a boolean array over the batch) is False anywhere."""
        ops = self._ops
        if ops.tracing() or not ops.is_concrete(ok):
            if not ops.defers_checks:
                return
            message = f"{type(self).__name__}: the parameters must satisfy {condition}"
            if not ops.lazy:
                ops.deferred_check(ok, message + _TRACED)
                return
            # Dask: every named parameter kept in the state is guarded (all of them where none is: a derived
            # form such as Geometric's probs from logits), so any result computed from them raises
            state = self.__dict__
            kept = [n for n in names if n in state] or [n for n in self.arg_constraints if n in state]
            error = partial(_condition_error, message, names)
            operands = tuple((getattr(self, n), self._param_ndims.get(n, 0)) for n in names)
            for n in kept:
                state[n] = ops.deferred_check(ok, message, state[n], self._param_ndims.get(n, 0), error, operands)
            return
        if ops.all(ok):
            return
        message = f"{type(self).__name__}: the parameters must satisfy {condition}"
        raise _condition_error(message, names, ok, *(ops.to_numpy(getattr(self, n)) for n in names))

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

    def _event_shape_from(self, params: dict[str, Array]) -> Shape:
        """The event shape implied by the parameters (``()`` for univariate families); may raise ValueError."""
        return ()

    def _const(self, value: float) -> Any:
        """``value`` as a constant operand in this distribution's dtype and device (see ``Ops.const``)."""
        return self._ops.const(value, self._dtype, self._device)


#: the end of a check's message made inside a compiled program: the values cannot be shown from there
_TRACED = " (checked inside a compiled function, where the offending values cannot be shown)"


def _must(constraint: Any) -> str:
    return f"{constraint.describe()} (constraint {constraint!r})"


# The errors below are made from NumPy arrays: the eager checks' (which read the whole arrays) and Dask's (the
# chunks of a check that fails when computed), so that both give one message.


def _bad_values_error(head: str, event_dim: int, ok: np.ndarray, value: np.ndarray) -> ValueError:
    return ValueError(head + format_bad_values(_numpy_ops(), value, ok, event_dim))


def _first_failure(
    message: str, heads: tuple[str, ...], event_dim: int, ok: np.ndarray, value: np.ndarray, *checks: np.ndarray
) -> ValueError:
    """The error of the first of ``checks`` (each with its message's head in ``heads``) that fails."""
    for head, check in zip(heads, checks):
        if not np.all(check):
            return _bad_values_error(head, event_dim, check, value)
    return ValueError(message)


def _condition_error(message: str, names: tuple[str, ...], ok: np.ndarray, *values: np.ndarray) -> ValueError:
    """A condition between parameters (``low < high``): a few values of each, and how many members fail."""
    shown = ", ".join(f"{n}={_describe_values(np.asarray(v))}" for n, v in zip(names, values))
    count = format_bad_values(_numpy_ops(), ok, ok, 0).split(":")[0].replace("value", "batch member")
    return ValueError(f"{message}; got {shown} ({count})")


def _describe_values(v: np.ndarray) -> str:
    return np.array2string(v.ravel()[:6], precision=4, separator=", ") + ("..." if v.size > 6 else "")
