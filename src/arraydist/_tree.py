"""The tree of parts: flattening, batch operations and conversion written once for every distribution.

A distribution is a node of a tree.  Its children are its declared parameters (arrays) and its declared parts:
child distributions (``Independent``'s ``base_dist``) and other nodes that hold arrays (transforms).  A node
answers three questions, and everything in this module is written on those answers alone:

* ``_flatten_node()`` (distributions) or ``_tree_flatten()`` (other nodes): ``(children, aux)``, its children in
  a fixed order and hashable static data;
* ``_unflatten_node(aux, children, neutral)`` / ``_tree_unflatten(aux, children)``: the node rebuilt from them;
* ``_child_layout(extra)`` (distributions) or ``_child_ndims(extra)`` (other nodes): how each child lines up
  with the batch of the distribution at the root.  ``extra`` is the number of trailing dimensions of what the
  node sees (its batch, or the value a transform receives) that are *not* root batch dimensions; for an array
  child the answer is how many trailing dimensions of that array are not root batch dimensions (``nd``) and
  whether the array may lack batch dimensions (``shared``: kept unbroadcast, as a ``MultivariateNormal``'s
  ``scale_tril`` or a transform's parameter); for a node child, the ``extra`` that node sees.

So every array in the tree is known as ``batch part + trailing nd dimensions``, and ``expand``, slicing,
``reshape``, conversion to another library, the batch-rank padding that ``jax.vmap`` needs and ``explain`` are
each one function over the leaves (``map_tree``, ``flatten_all``, ``iter_leaves``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

Array = Any
#: ``fn(leaf, nd, shared) -> new leaf`` for :func:`map_tree`
LeafFn = Callable[[Any, int, bool], Any]


def is_node(x: Any) -> bool:
    """Whether ``x`` is a node of the tree (a distribution or a transform), not a leaf (an array, a number)."""
    return hasattr(type(x), "_child_ndims")


def node_children(node: Any) -> tuple[tuple[Any, ...], Any]:
    """``(children, aux)`` of one node, one level deep."""
    flatten = getattr(node, "_flatten_node", None)
    return flatten() if flatten is not None else node._tree_flatten()


def node_rebuild(cls: type, aux: Any, children: Any, neutral: bool = False) -> Any:
    """A node of class ``cls`` from its static data and children (the inverse of :func:`node_children`)."""
    unflatten = getattr(cls, "_unflatten_node", None)
    if unflatten is not None:
        return unflatten(aux, children, neutral)
    return cls._tree_unflatten(aux, children)


def child_layout(node: Any, extra: int) -> list[tuple[int, bool]]:
    """``(nd, shared)`` for each child of ``node`` (for a node child, ``nd`` is the ``extra`` it sees)."""
    layout = getattr(node, "_child_layout", None)
    if layout is not None:
        return layout(extra)
    return [(n, True) for n in node._child_ndims(extra)]


def tail(leaf: Array, nd: int) -> tuple[int, ...]:
    """The trailing ``nd`` dimensions of ``leaf`` that are not batch dimensions (size 1 where it lacks them)."""
    shape = tuple(leaf.shape)
    return (1,) * (nd - len(shape)) + shape if nd >= len(shape) else shape[len(shape) - nd :]


def batch_size(leaf: Array, nd: int) -> int:
    """How many batch members ``leaf`` holds (1 for a value shared by every member)."""
    return math.prod(leaf.shape[: max(leaf.ndim - nd, 0)])


def map_tree(
    node: Any,
    fn: LeafFn,
    extra: int = 0,
    neutral: bool = False,
    hook: Callable[[Any, Any], None] | None = None,
) -> Any:
    """A copy of ``node`` with ``fn(leaf, nd, shared)`` applied to every leaf of its tree; ``hook(old, new)``
    runs on every rebuilt node (children first)."""
    children, aux = node_children(node)
    new = []
    for child, (nd, shared) in zip(children, child_layout(node, extra)):
        new.append(map_tree(child, fn, nd, neutral, hook) if is_node(child) else fn(child, nd, shared))
    out = node_rebuild(type(node), aux, new, neutral)
    if hook is not None:
        hook(node, out)
    return out


def _pad(leaf: Any, rank: int) -> Any:
    ndim = getattr(leaf, "ndim", None)
    if ndim is None or ndim >= rank or not hasattr(leaf, "reshape"):
        return leaf
    return leaf.reshape((1,) * (rank - ndim) + tuple(leaf.shape))


def flatten_all(node: Any, rank: int, extra: int = 0) -> tuple[list[Any], tuple[Any, ...]]:
    """Every leaf of the tree below ``node`` in order, and the structure that :func:`unflatten_all` rebuilds
    it from.  Leaves with fewer than ``rank + nd`` dimensions get leading dimensions of size 1 (a free
    reshape), ``rank`` being the root's batch rank: then an axis that ``jax.vmap`` puts in front of every
    leaf is one batch axis for all of them."""
    children, aux = node_children(node)
    leaves: list[Any] = []
    specs: list[Any] = []
    for child, (nd, _) in zip(children, child_layout(node, extra)):
        if is_node(child):
            sub, spec = flatten_all(child, rank, nd)
            leaves.extend(sub)
            specs.append(spec)
        else:
            leaves.append(_pad(child, rank + nd))
            specs.append(None)
    return leaves, (type(node), aux, tuple(specs))


def unflatten_all(structure: tuple[Any, ...], leaves: Iterator[Any], neutral: bool = False) -> Any:
    """The tree that :func:`flatten_all` described, from an iterator over its leaves."""
    cls, aux, specs = structure
    children = [next(leaves) if spec is None else unflatten_all(spec, leaves, neutral) for spec in specs]
    return node_rebuild(cls, aux, children, neutral)


def child_names(node: Any, children: tuple[Any, ...]) -> list[str]:
    """A name for each child, for ``explain`` and messages: declared names for distributions, attribute names
    found by identity for other nodes (the position where none is found)."""
    names = getattr(node, "_child_names", None)
    if callable(names):
        return names()
    attrs = vars(node)
    found = []
    for i, child in enumerate(children):
        name = next((k for k, v in attrs.items() if v is child), None)
        if name is None:
            for k, v in attrs.items():  # a sequence of nodes (ComposeTransform's parts)
                if isinstance(v, (list, tuple)) and any(x is child for x in v):
                    name = f"{k}[{next(j for j, x in enumerate(v) if x is child)}]"
                    break
        found.append(name if name is not None else f"[{i}]")
    return found


def iter_leaves(node: Any, extra: int = 0, prefix: str = "") -> Iterator[tuple[str, Any, int, bool, Any, str]]:
    """``(path, leaf, nd, shared, owner, name)`` for every array leaf below ``node``: ``path`` as a user would
    write it (``base_dist.loc``, ``transforms[0].scale``), ``owner`` the node that holds it, ``name`` its
    attribute there."""
    children, _ = node_children(node)
    for child, name, (nd, shared) in zip(children, child_names(node, children), child_layout(node, extra)):
        if is_node(child):
            yield from iter_leaves(child, nd, f"{prefix}{name}.")
        elif hasattr(child, "shape"):
            yield f"{prefix}{name}", child, nd, shared, node, name
