"""Distributions as JAX pytrees: parameter arrays are the leaves, settings the static part.

The batch shape is recomputed from the leaves on unflattening, so a ``jax.vmap`` that returns a distribution
gives one whose ``batch_shape`` includes the mapped axis.
"""

from __future__ import annotations

from typing import Any

import jax

_registered: set[type] = set()


def _flatten(dist: Any) -> tuple[Any, Any]:
    return dist._tree_flatten()


def register(cls: type) -> None:
    if cls in _registered:
        return
    _registered.add(cls)
    jax.tree_util.register_pytree_node(cls, _flatten, cls._tree_unflatten)  # type: ignore[attr-defined]


def register_all() -> None:
    from ..distribution import Distribution

    pending = [Distribution]
    while pending:
        cls = pending.pop()
        register(cls)
        pending.extend(cls.__subclasses__())
    Distribution._on_subclass = staticmethod(register)  # subclasses defined later register themselves
