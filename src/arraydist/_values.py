"""Checks of the values passed to ``log_prob``, ``cdf``, ``icdf`` and friends: their shape against
``sample_shape + batch_shape + event_shape`` (always) and the support (when validating), with messages that show
the expected layout beside the value's."""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

import numpy as np

from . import constraints
from ._backend import numpy_ops
from ._params import _TRACED, format_bad_values
from ._shapes import Shape, broadcast_shapes

Array = Any


class Values:
    """Value checks (a base of ``Distribution``)."""

    def _check_value(self, value: Array, method: str, support: Any = None) -> Array:
        """Shape check (always) and support check (when validating) of a value passed to ``method``; returns
        the value to compute with (on Dask, tied to its support check: see :meth:`_check_support`)."""
        shape = value.shape
        event = self._event_shape
        batch = self._batch_shape
        if not event and shape[len(shape) - len(batch) :] == batch:
            pass  # the common case, a univariate value that ends in the batch shape
        else:
            shape = tuple(shape)
            self._check_value_shape(shape, method)
        ops = self._ops
        if self._validate_args:
            support = self.support if support is None else support
            if ops.tracing():
                return self._check_support(value, method, support)  # a check of the compiled program
            if ops.notes_draws and getattr(support, "nan_check_only", False) and ops.is_noted_draw(value):
                pass  # a draw of a validated distribution: not NaN (distribution._noted)
            elif support is not None:  # the common case inline: a few numbers read once, inside the support
                values = ops.small_values(value)
                if values is None or support.check_values(values) is not True:
                    return self._check_support(value, method, support)  # the exact check, and the error
        return value

    def _check_support(self, value: Array, method: str, support: Any) -> Array:
        """``value`` against ``support``: a ``ValueError`` naming both where it is outside.  Where the values
        cannot be read now, a deferred check (``Ops.deferred_check``): the value returned is the one to compute
        with (Dask's is tied to the check, so ``compute()`` of any result raises the same error)."""
        ops = self._ops
        if support is None or isinstance(support, constraints._Dependent):
            return value
        if ops.tracing() or not ops.is_concrete(value):
            if not ops.defers_checks:
                return value
            if ops.lazy:
                return self._defer_support_check(value, method, support)
            message = f"{type(self).__name__}.{method}: the value must be {support.describe()} ({support!r})"
            return ops.deferred_check(support.check(value), message + _TRACED, value)
        values = ops.small_values(value)
        ok = None if values is None else support.check_values(values)
        if ok is None:
            ok = not ops.is_concrete(value) or support.check_all(value, ops)
        if not ok:
            ok = support.check(value)
            raise _support_error(ops, type(self).__name__, method, tuple(value.shape), support, ok, value)
        return value

    def _defer_support_check(self, value: Array, method: str, support: Any) -> Array:
        """Dask: ``value`` tied to its support check, whose chunks raise the eager message from their values
        (array bounds included, as chunks of their own: the support's description is made from them there, as
        the eager check makes it from the whole arrays)."""
        ops = self._ops
        template = _with_bounds(support, None)
        arrays = _bounds(support)
        event_dim = support.event_dim
        if any(a.ndim < event_dim for a in arrays):  # bounds without the event's dimensions: kept as they are
            template, arrays = support, []
        error = partial(_chunk_support_error, type(self).__name__, method, tuple(value.shape), template)
        operands = ((value, event_dim), *((a, event_dim) for a in arrays))
        return ops.deferred_check(support.check(value), "", value, event_dim, error, operands)

    def _validate_sample(self, value: Array) -> Array:
        """torch.distributions' check of a value: its shape against ``batch_shape + event_shape`` and, whatever
        ``validate_args`` says, its support (a ``ValueError`` naming both); for torch-style subclasses."""
        self._check_value_shape(tuple(value.shape), "_validate_sample")
        return self._check_support(value, "_validate_sample", self.support)

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


def _support_error(ops: Any, name: str, method: str, shape: Shape, support: Any, ok: Array, value: Array) -> ValueError:
    return ValueError(
        f"{name}.{method}: the value must be {support.describe()} (constraint {support!r}); got shape {shape} with "
        + format_bad_values(ops, value, ok, support.event_dim)
        + _first_member(ops, ok, support)
    )


def _chunk_support_error(name: str, method: str, shape: Shape, template: Any, ok: Any, value: Any, *arrays: Any) -> Any:
    """:func:`_support_error` from the chunks of a Dask check: the support rebuilt with its bounds' chunks."""
    return _support_error(numpy_ops(), name, method, shape, _with_bounds(template, list(arrays)), ok, value)


#: the attributes of a constraint that may hold arrays (bounds per batch member)
_BOUNDS = ("lower_bound", "upper_bound")


def _bounds(support: Any) -> list[Any]:
    """The array bounds of ``support`` (or of the constraint it reinterprets, ``Independent``'s), in order."""
    inner = getattr(support, "base_constraint", None)
    found = [] if inner is None else _bounds(inner)
    return found + [b for n in _BOUNDS if hasattr(b := getattr(support, n, None), "shape")]


def _with_bounds(support: Any, arrays: list[Any] | None) -> Any:
    """A copy of ``support`` with its array bounds (:func:`_bounds`' order) replaced: by ``arrays`` (taken from
    the front of the list), or by None (a template whose arrays travel apart)."""
    copied = copy.copy(support)
    inner = getattr(support, "base_constraint", None)
    if inner is not None:
        copied.base_constraint = _with_bounds(inner, arrays)
    for n in _BOUNDS:
        bound = getattr(support, n, 0)
        if arrays is None and hasattr(bound, "shape"):
            setattr(copied, n, None)
        elif arrays is not None and bound is None:
            setattr(copied, n, arrays.pop(0))
    return copied


def _first_member(ops: Any, ok: Array, support: Any) -> str:
    """Where the support's bounds differ per batch member (``Uniform``, ``Pareto``): the index of the first value
    refused and that member's own bounds, which the constraint's summary of the arrays cannot show."""
    names = [n for n in ("lower_bound", "upper_bound") if getattr(getattr(support, n, None), "ndim", 0)]
    if not names:
        return ""
    good = np.asarray(ops.to_numpy(ok))
    bad = np.argwhere(~good)
    if not len(bad):
        return ""
    first = tuple(int(i) for i in bad[0])
    shown = ", ".join(
        f"{n}={float(np.broadcast_to(np.asarray(ops.to_numpy(getattr(support, n))), good.shape)[first])!r}"
        for n in names
    )
    return f"; the first at index {first}, where the support is {type(support).__name__}({shown})"
