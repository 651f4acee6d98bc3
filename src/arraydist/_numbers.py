"""Backend-neutral Python numbers: distributions made of them, their shared state and their conversions.

A distribution made only of Python numbers keeps NumPy float64 parameters (or arrays of the default backend,
``set_default_backend``) and ``_neutral = True``; it adopts the library, dtype and device of what it meets (a
value, the other side of a KL, a seed).  Two caches make the prior written inside a training step cost next to
nothing: the state of a distribution of equal numbers (converted and validated once) and its conversions.
Every cache is keyed by what decides its content: the class, the parameter names (``probs`` is not
``logits``), ``validate_args`` as given, the numbers' exact bits (-0.0 is not 0.0) and the default backend with
its default dtype and device (``_backend.neutral_key``).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

import numpy as np

from ._backend import Ops, compiling, neutral_key, ops_of
from ._params import dtype_kind, value_kind

if TYPE_CHECKING:
    from .distribution import Distribution

Array = Any

#: (class, leaf names, exact bits, aux, target) -> the conversion of a distribution of Python scalars
_SCALAR_MATERIALIZED: dict[Any, Any] = {}
#: (class, parameter names, validate_args, exact bits, neutral key) -> the state of a distribution made of them
_NUMBER_TEMPLATES: dict[Any, dict[str, Any]] = {}
_NUMBER_TYPES = frozenset((float, int))
#: class -> (parameter names, the Python numbers, validate_args, neutral key, state) of its last distribution of
#: numbers alone
_LAST_NUMBERS: dict[type, tuple[tuple[str, ...], tuple[Any, ...], Any, Any, dict[str, Any]]] = {}
_CLASS_DEFAULTED = frozenset(("_batch_shape", "_event_shape", "_validate_args", "_neutral", "_leaves"))
_EMPTY: dict[Any, Any] = {}

#: n -> packs n numbers as doubles: their exact bits, a cache key that tells -0.0 from 0.0
_pack_floats = [struct.Struct(f"{n}d").pack for n in range(9)]


def clear_caches() -> None:
    """Forget every state shared between distributions of Python numbers (and their conversions)."""
    _NUMBER_TEMPLATES.clear()
    _LAST_NUMBERS.clear()
    _SCALAR_MATERIALIZED.clear()


def forget_default_validation() -> None:
    """Forget the states made under the global ``validate_args`` default (it changed)."""
    for key in [k for k in _NUMBER_TEMPLATES if k[2] is None]:
        del _NUMBER_TEMPLATES[key]
    _LAST_NUMBERS.clear()


def from_numbers(dist: Any, params: dict[str, Any], values: tuple[Any, ...], validate_args: Any) -> bool:
    """Set the state of ``dist``, made of the Python numbers ``params``, from an equal distribution made
    before, or make it and share it; False where nothing can be shared (the general path then runs).  Under
    torch.compile the neutral backend is torch and nothing is shared."""
    if compiling():
        return False
    cls = type(dist)
    names = tuple(params)
    where = neutral_key()
    # The very objects of the last such distribution of this class (the literals of a prior made in every
    # training step): its state, found by identity, without hashing or packing the numbers.
    last = _LAST_NUMBERS.get(cls)
    if last is not None and last[2] is validate_args and last[0] == names and last[3] == where:
        for a, b in zip(last[1], values):
            if a is not b:
                break
        else:
            dist.__dict__.update(last[4])
            return True
    if not _NUMBER_TYPES.issuperset(map(type, values)):
        return False
    try:
        key = (cls, names, validate_args, _pack_floats[len(values)](*values), where)
        template = _NUMBER_TEMPLATES.get(key)
    except (struct.error, OverflowError, IndexError, TypeError):  # no double, many numbers, or an unhashable
        key = template = None  # validate_args
    if template is not None:
        dist.__dict__.update(template)
    else:
        dist._init_general(params, validate_args)
        template = None if key is None else _share(dist, key)
    if template is not None:
        _LAST_NUMBERS[cls] = (names, values, validate_args, where, template)
    return True


def _share(dist: Any, key: Any) -> dict[str, Any] | None:
    """Keep this state (of Python numbers alone) for later distributions made of the same numbers."""
    if len(_NUMBER_TEMPLATES) >= 256:
        return None
    # conversions to other libraries (_materialize) are shared too: the instances are equal values
    dist.__dict__.setdefault("_materialized", {})
    cls = type(dist)
    template = {}
    for k, v in dist.__dict__.items():
        if type(v) is np.ndarray:
            v.flags.writeable = False  # shared by every instance made of these numbers
        elif k in _CLASS_DEFAULTED and getattr(cls, k) == v:
            continue  # the class attribute holds it: a smaller state to copy into every instance
        template[k] = v
    _NUMBER_TEMPLATES[key] = template
    return template


class NeutralNumbers:
    """Conversions of backend-neutral distributions to the library they meet (a base of ``Distribution``)."""

    def _scalar_params(self) -> dict[str, float] | None:
        """The parameters as Python floats when this distribution was made of Python numbers alone, else None."""
        return self.__dict__.get("_scalars")

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
        convert = self._map_leaves  # type: ignore[attr-defined]
        if compiling():
            return convert(lambda x: ops.asarray(x, dtype, device))
        shared_key = None
        if not self._parts:  # type: ignore[attr-defined]
            children, aux = self._flatten_node()  # type: ignore[attr-defined]
            if 0 < len(children) < 9 and all(type(c) is np.ndarray and c.ndim == 0 for c in children):
                numbers = [float(c) for c in children]
                # the exact bits of the numbers (-0.0 is not 0.0) and their names (probs is not logits)
                shared_key = (type(self), aux, _pack_floats[len(numbers)](*numbers), key)
                found = _SCALAR_MATERIALIZED.get(shared_key)
        if found is None:
            found = convert(lambda x: ops.asarray(x, dtype, device))
            if shared_key is not None:
                # The Python values stay known, so formulas may fold them into constants (see _scalar_params).
                found._scalars = dict(zip(self._leaves, numbers))  # type: ignore[attr-defined]
                if len(_SCALAR_MATERIALIZED) < 512:
                    _SCALAR_MATERIALIZED[shared_key] = found
        cache = self.__dict__.setdefault("_materialized", {})
        cache[key] = found
        cache[None] = (ops, dtype, device, found)
        return found

    def _adopt(self, value: Array, method: str) -> tuple[Any, Array]:
        """The distribution and value to compute ``method`` with: same library (neutral distributions
        converted), and a value of real numbers (integer and boolean values cast to the distribution's dtype)."""
        ops = self._ops
        try:
            vops = ops_of(value)
        except TypeError as exc:
            raise TypeError(f"{type(self).__name__}.{method}: {exc}") from None
        if vops is not ops:
            if vops is None:
                if value_kind(value) not in ("f", "i", "b"):
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
        kind = dtype_kind(dtype)
        if kind == "f":
            ops = self._ops
            if ops.xp.finfo(dtype).bits < ops.xp.finfo(self._dtype).bits:
                # a narrower float, widened (exactly): functions of the value alone (lgamma(k + 1) of the count
                # families) would be computed in its precision, not in the parameters' that the result takes
                return ops.cast(value, self._dtype)
            return value
        if kind == "i":
            return value if self._index_values else self._ops.cast(value, self._dtype)
        if kind == "b":
            # category indices of booleans as integers: the array API has no arithmetic on booleans (the
            # support's integrality check, the family's indexing), NumPy and torch have
            ops = self._ops
            return ops.cast(value, ops.index_dtype() if self._index_values else self._dtype)
        raise TypeError(
            f"{type(self).__name__}.{method}: the value must be real numbers; got an array of dtype "
            f"{str(dtype).rpartition('.')[2]} and shape {tuple(value.shape)}"
        )

    def _adopt_like(self, other: Any) -> Any:
        """This distribution converted, if neutral, to the library, dtype and device of ``other``."""
        if self._neutral and not other._neutral and (self._ops is not other._ops or self._dtype != other._dtype):
            return self._materialize(other._ops, other._dtype, other._device)
        return self
