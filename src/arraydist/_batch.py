"""A distribution as a node of the tree of parts (``_tree``), and the batch operations written on it once:
``expand``, indexing, ``reshape``, conversion, JAX pytrees, pickling.

A family declares its parameters (``arg_constraints``) and a composite declares its parts (``_parts``: the
names of attributes holding child distributions, transforms, or lists of them) with how they line up with its
batch (``_part_layout``) and how its shapes follow from them (``_part_shapes``).  Nothing else: every operation
here walks the declaration.
"""

from __future__ import annotations

import contextlib
import math
import operator
from typing import Any

import numpy as np

from . import _tree
from ._backend import numpy_ops as _numpy_ops
from ._backend import ops_of
from ._params import dtype_kind, repeated_dims
from ._shapes import Shape

Array = Any

#: state that is not pickled or copied: the backend (found again from the arrays) and caches of conversions
_TRANSIENT = frozenset(("_ops", "_dtype", "_device", "_materialized", "_kl_folded"))


def _is_distribution(x: Any) -> bool:
    return hasattr(type(x), "_unflatten_node")


def _is_mask(item: Any) -> bool:
    dtype = getattr(item, "dtype", None)
    return dtype is not None and getattr(item, "ndim", 0) > 0 and dtype_kind(dtype) == "b"


def _index_ndim(name: str, item: Any) -> int:
    """How many batch dimensions one item of an index consumes (a boolean mask consumes its ndim)."""
    if item is None or item is Ellipsis:
        return 0
    if isinstance(item, (bool, np.bool_)):
        raise IndexError(f"{name}: a boolean scalar is not a batch index; got {item!r}")
    if _is_mask(item):
        return int(item.ndim)
    return 1


def _positive_steps(name: str, index: tuple[Any, ...], batch: Shape) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    """``index`` (its ``...`` spelled out) with each slice of negative step turned into one of positive step over
    its dimension reversed, and those dimensions: torch refuses negative steps, the array API standard leaves them
    to the library, and ``flip`` then a slice is the same on every backend."""
    items, flips, dim = [], [], 0
    for item in index:
        if isinstance(item, slice) and item.step is not None and item.step < 0:
            size = batch[dim]
            picked = range(*item.indices(size))
            item = slice(size - 1 - picked[0], size - picked[-1], -item.step) if picked else slice(0, 0)
            flips.append(dim)
        items.append(item)
        dim += _index_ndim(name, item)
    return tuple(items), tuple(flips)


def reshaped_batch(name: str, old: Shape, shape: Any) -> Shape:
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


def _same_layout(old: Any, new: Any) -> None:
    """A conversion keeps what repeats (the arrays have the same shapes)."""
    if _is_distribution(old) and all(
        tuple(old.__dict__[k].shape) == tuple(getattr(new.__dict__.get(k), "shape", ())) for k in old._leaves
    ):
        new.__dict__["_broadcast_dims"] = old._broadcast_dims


def _expanded_layout(old: Any, new: Any) -> None:
    """``expand``: what repeated before still does, and what the expansion repeats now."""
    if not _is_distribution(old):
        return
    known = old._broadcast_dims
    if known is None:
        new.__dict__["_broadcast_dims"] = None
        return
    record = {}
    for k in old._leaves:
        before = tuple(old.__dict__[k].shape)
        after = tuple(new.__dict__[k].shape)
        previous = known.get(k, (False,) * len(before))
        if before == after:
            if k in known:
                record[k] = previous
            continue
        pad = len(after) - len(before)
        record[k] = tuple(r or (j >= pad and previous[j - pad]) for j, r in enumerate(repeated_dims(before, after)))
    new.__dict__["_broadcast_dims"] = record


class Batch:
    """The tree of parts and the batch operations (a base of ``Distribution``)."""

    def _flatten_node(self) -> tuple[tuple[Any, ...], Any]:
        """(children, aux), one level deep: the parameter arrays this instance holds (its ``_leaves``), then
        its parts; ``aux`` names them and holds the settings (``validate_args``, static parameters)."""
        state = self.__dict__
        leaves = self._leaves
        statics = tuple((k, state[k]) for k in self._static_params) if self._static_params else ()
        if not self._parts:
            return tuple([state[k] for k in leaves]), (self._validate_args, leaves, statics, ())
        children = [state[k] for k in leaves]
        lengths: list[int | None] = []
        for name in self._parts:
            part = state[name]
            if isinstance(part, (list, tuple)):
                children.extend(part)
                lengths.append(len(part))
            else:
                children.append(part)
                lengths.append(None)
        return tuple(children), (self._validate_args, leaves, statics, tuple(lengths))

    @classmethod
    def _unflatten_node(cls, aux: Any, children: Any, neutral: bool = False) -> Any:
        obj = cls.__new__(cls)
        validate, leaves, statics, lengths = aux
        state = obj.__dict__
        state["_validate_args"] = validate
        if statics:
            state.update(statics)  # the static parameters
        n = len(leaves)
        params = dict(zip(leaves, children[:n]))
        if not lengths:
            obj._set_params(params, neutral=neutral)  # type: ignore[attr-defined]
            return obj
        i = n
        for name, length in zip(cls._parts, lengths):
            if length is None:
                state[name] = children[i]
                i += 1
            else:
                state[name] = list(children[i : i + length])
                i += length
        if params:
            state.update(params)
        # JAX unflattens tree structures with placeholder leaves (in_axes specs...): they stay as they are
        with contextlib.suppress(AttributeError):
            obj._state_from_parts(validate=False)
        return obj

    def _child_layout(self, extra: int) -> list[tuple[int, bool]]:
        """``(nd, shared)`` of each child (see ``_tree``): a parameter's trailing ``nd`` dimensions are its event
        rank plus the ``extra`` dimensions of this batch that are beyond the root's."""
        ndims = self._param_ndims
        unbroadcast = self._unbroadcast
        layout = [(ndims[k] + extra, k in unbroadcast) for k in self._leaves]
        if self._parts:
            layout.extend(self._part_layout(extra))
        return layout

    def _child_ndims(self, extra: int) -> list[int]:
        return [nd for nd, _ in self._child_layout(extra)]

    def _child_names(self) -> list[str]:
        names = list(self._leaves)
        for name in self._parts:
            part = self.__dict__[name]
            if isinstance(part, (list, tuple)):
                names.extend(f"{name}[{i}]" for i in range(len(part)))
            else:
                names.append(name)
        return names

    def _part_layout(self, extra: int) -> list[tuple[int, bool]]:
        """For a composite: ``(extra, shared)`` of each part (list parts element by element), where ``extra``
        is how many trailing batch dimensions of a child distribution are beyond this one's batch, or the
        event rank of the values a transform receives beyond this batch.  Default: every part lines up with
        this batch."""
        return [(extra, False)] * (len(self._child_names()) - len(self._leaves))

    def _part_shapes(self) -> tuple[Shape, Shape]:
        """For a composite: (batch shape, event shape) from its parts."""
        raise NotImplementedError(f"{type(self).__name__} declares _parts but not _part_shapes")

    def _init_parts(
        self, parts: dict[str, Any], validate_args: bool | None, shapes: tuple[Shape, Shape] | None = None
    ) -> None:
        """The construction path of a composite: its parts set, its state derived from them (its ``shapes``, when
        the constructor found them on its way: batch and event); ``validate_args`` defaults to the first child
        distribution's setting."""
        state = self.__dict__
        state.update(parts)
        first = next((p for p in parts.values() if _is_distribution(p)), None)
        if validate_args is None:
            validate = first._validate_args if first is not None else self._default_validate_args  # type: ignore[attr-defined]
        else:
            validate = bool(validate_args)
        state["_validate_args"] = validate
        self._state_from_parts(validate, shapes, first)

    def _part_nodes(self) -> list[Any]:
        found = []
        for name in self._parts:
            part = self.__dict__[name]
            found.extend(part if isinstance(part, (list, tuple)) else (part,))
        return found

    def _state_from_parts(self, validate: bool, shapes: tuple[Shape, Shape] | None = None, first: Any = None) -> None:
        """Library, dtype and device of the first child distribution; shapes from ``_part_shapes``."""
        if first is None:
            first = next(p for p in self._part_nodes() if _is_distribution(p))
        batch, event = self._part_shapes() if shapes is None else shapes
        self.__dict__.update(
            _ops=first._ops, _neutral=first._neutral, _dtype=first.__dict__.get("_dtype"),
            _device=first.__dict__.get("_device"), _batch_shape=batch, _event_shape=event,
        )  # fmt: skip
        if self._has_post_init:
            self._post_init(validate)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ pytrees and conversion
    def _tree_flatten(self) -> tuple[tuple[Any, ...], Any]:
        """The JAX pytree of the whole tree below this distribution: its array leaves (those that may lack
        batch dimensions padded with leading dimensions of size 1, so that the axis ``jax.vmap`` puts in front
        of every output leaf is one batch axis) and the structure."""
        if not self._parts and not self._unbroadcast:
            return self._flatten_node()
        leaves, structure = _tree.flatten_all(self, len(self._batch_shape))
        return tuple(leaves), structure

    @classmethod
    def _tree_unflatten(cls, aux: Any, children: Any, neutral: bool = False) -> Any:
        if not cls._parts and not cls._unbroadcast:
            return cls._unflatten_node(aux, children, neutral)
        return _tree.unflatten_all(aux, iter(children), neutral)

    def _map_leaves(self, fn: Any, neutral: bool = False) -> Any:
        """A copy with ``fn`` applied to every array (and number) of the tree (a conversion)."""
        return _tree.map_tree(self, lambda leaf, nd, shared: fn(leaf), neutral=neutral, hook=_same_layout)

    def __getstate__(self) -> dict[str, Any]:
        # The backend, dtype and device are found again from the arrays (devices of some libraries do not
        # pickle); conversion caches are rebuilt on demand.
        return {k: v for k, v in self.__dict__.items() if k not in _TRANSIENT}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for v in state.values():
            if _is_distribution(v):
                self._ops, self._dtype, self._device = v._ops, v.__dict__.get("_dtype"), v.__dict__.get("_device")
                return
            ops = ops_of(v) if hasattr(v, "shape") and hasattr(v, "dtype") else None
            if ops is not None:
                self._ops, self._dtype, self._device = ops, v.dtype, ops.device(v)
                return
        self._ops = _numpy_ops()

    # ------------------------------------------------------------------ batch operations
    def _undeclared(self, what: str) -> NotImplementedError | None:
        """The error for a subclass that declares no parameters or parts (torch style) and does not override
        ``what``."""
        if not self._param_ndims and not self._parts and type(self)._flatten_node is Batch._flatten_node:
            return NotImplementedError(
                f"{type(self).__name__} does not implement {what} (declare its parameters in arg_constraints, "
                f"or override {what})"
            )
        return None

    def _expand(self, batch_shape: Shape) -> Any:
        error = self._undeclared("expand")
        if error is not None:
            raise error
        ops = self._ops

        def grow(leaf: Any, nd: int, shared: bool) -> Any:
            if shared or not hasattr(leaf, "shape"):
                return leaf  # a shared value broadcasts as it is
            return ops.broadcast_to(leaf, batch_shape + _tree.tail(leaf, nd))

        return _tree.map_tree(self, grow, neutral=self._neutral, hook=_expanded_layout)

    def _reshape(self, batch_shape: Shape) -> Any:
        error = self._undeclared("reshape")
        if error is not None:
            raise error
        ops = self._ops
        batch = self._batch_shape

        def reshape(leaf: Any, nd: int, shared: bool) -> Any:
            if not hasattr(leaf, "shape"):
                return leaf
            event = _tree.tail(leaf, nd)
            if shared and _tree.batch_size(leaf, nd) == 1:
                return ops.xp.reshape(leaf, event)  # one value shared by every batch member stays one
            return ops.xp.reshape(ops.broadcast_to(leaf, batch + event), batch_shape + event)

        return _tree.map_tree(self, reshape, neutral=self._neutral)

    def _index(self, index: tuple[Any, ...]) -> Any:
        error = self._undeclared("__getitem__")
        if error is not None:
            raise error
        ops = self._ops
        batch = self._batch_shape
        # a mask alone is indexed as the sole index (the array API standard allows a mask only so)
        mask = index[0] if len(index) == 1 and _is_mask(index[0]) else None
        flat = mask is not None and mask.ndim > 1 and ops.lazy  # Dask knows the size of 1-d masks alone
        flips: tuple[int, ...] = ()
        if mask is not None:
            key: tuple[Any, ...] = ops.to_numpy(mask).ravel() if flat else ops.mask_key(mask)
        else:
            index, flips = _positive_steps(type(self).__name__, index, batch)
            key = (*index, Ellipsis)

        def pick(leaf: Any, nd: int, shared: bool) -> Any:
            if not hasattr(leaf, "shape") or (shared and leaf.ndim <= nd):
                return leaf  # no batch dimensions: the same for every member
            event = _tree.tail(leaf, nd)
            full = ops.broadcast_to(leaf, batch + event)
            if flat:
                full = ops.xp.reshape(full, (math.prod(batch), *event))
            if flips:
                full = ops.xp.flip(full, axis=flips)
            return full[key]  # the standard wants the event dims spelled out

        return _tree.map_tree(self, pick, neutral=self._neutral)

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
        kind = dtype_kind(item.dtype)
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
