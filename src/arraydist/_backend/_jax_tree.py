"""Distributions as JAX pytrees: parameter arrays are the leaves, settings the static part.

The classes come from the backend layer's registry (``register_tree_root`` / ``tree_class_defined`` in
``arraydist._backend``), so this module imports nothing above the backend layer: ``install`` registers every
class known when JAX is first seen and hooks the registry so that classes defined later register on definition.
The flatten functions are the classes' own ``_tree_flatten`` / ``_tree_unflatten``.

The batch shape is recomputed from the leaves on unflattening, so a ``jax.vmap`` that returns a distribution
gives one whose ``batch_shape`` includes the mapped axis.
"""

from __future__ import annotations

from typing import Any

import jax

from . import _set_tree_hook

_registered: set[type] = set()


def _flatten(obj: Any) -> tuple[Any, Any]:
    return obj._tree_flatten()


def register(cls: type) -> None:
    if cls in _registered:
        return
    _registered.add(cls)
    jax.tree_util.register_pytree_node(cls, _flatten, cls._tree_unflatten)  # type: ignore[attr-defined]


def install() -> None:
    _set_tree_hook(register)
