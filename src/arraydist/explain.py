r"""Shapes you can see: which dimensions of a draw are sample, batch and event dimensions.

A draw has shape ``sample_shape + batch_shape + event_shape``; ``log_prob`` of such a value has shape
``sample_shape + batch_shape``; each parameter is laid out as ``batch_shape`` followed by its own dimensions (a
vector or a matrix per batch member).  :meth:`Distribution.explain <arraydist.Distribution.explain>` lays all of
that out as a table, computing nothing but shapes, so it costs the same on every backend (Dask included).

Dimensions are labelled by what they are *for the distribution explained*: inside ``Independent(Normal(loc,
scale), 1)`` the rightmost dimension of ``loc`` is an ``event`` dimension, because ``Independent`` reinterpreted
it.  A ``param`` dimension is one of a parameter's own dimensions (a covariance matrix's rows and columns, a
vector of category probabilities).  A batch dimension of a parameter is marked broadcast when the parameter is
stored repeating one value along it (it was given with size 1 or without that dimension).  That is known from
what the constructor or ``expand`` broadcast, which the distribution records on every backend, and from the
array's strides where the library keeps them (NumPy, PyTorch, CuPy, ``array_api_strict``: a view the user
broadcast shows too).  JAX and Dask arrays keep no strides: a distribution whose arrays arrived already
broadcast there (the output of ``jax.jit``, a slice, a reshape) has no record, and the table says so.

Example:
    >>> import numpy as np
    >>> from arraydist import Normal
    >>> print(Normal(np.zeros((3, 2)), 1.0).to_event(1).explain(100))
    Independent(Normal, 1) of numpy float64 arrays
    draw = sample_shape + batch_shape + event_shape = (100,) + (3,) + (2,) = (100, 3, 2)
    <BLANKLINE>
    dimension   0       1      2
    size        100     3      2
    kind        sample  batch  event
    <BLANKLINE>
    quantity         shape        dimensions
    sample((100,))   (100, 3, 2)  sample 100, batch 3, event 2
    log_prob(value)  (100, 3)     sample 100, batch 3
    mean             (3, 2)       batch 3, event 2
    base_dist.loc    (3, 2)       batch 3, event 2
    base_dist.scale  (3, 2)       batch 3*, event 2*
    <BLANKLINE>
    broadcast (*: repeats one value; given with size 1 or without the dimension):
      base_dist.scale: batch dim 0 and event dim 0
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _tree
from ._shapes import Shape, as_shape

if TYPE_CHECKING:
    from .distribution import Distribution

__all__ = ["Dim", "Explanation", "Row", "explain", "value_layout"]

#: the kinds of dimension, in the order they appear in a draw, with their colours in HTML and plots
KINDS = ("sample", "batch", "event", "param")
COLOURS = {"sample": "#c7dcf5", "batch": "#c9ebc9", "event": "#fbe3a6", "param": "#e2e2e2"}


@dataclass(frozen=True)
class Dim:
    """One dimension of an array: its ``kind`` (``sample``, ``batch``, ``event`` or ``param``), its size, and
    whether it is a broadcast view (``None``: the array library keeps no strides to tell)."""

    kind: str
    size: int
    broadcast: bool | None = False

    def __str__(self) -> str:
        return f"{self.kind} {self.size}{'*' if self.broadcast else ''}"


@dataclass(frozen=True)
class Row:
    """One quantity of the table: its name, its shape and what each of its dimensions is."""

    name: str
    shape: Shape
    dims: tuple[Dim, ...]
    #: the batch dimensions a parameter lacks (kept unbroadcast: one value shared by those batch members)
    shared: tuple[int, ...] = ()
    #: a parameter's own shape per batch member (``(2, 2)`` for a covariance matrix)
    value_shape: Shape = ()

    @property
    def layout(self) -> str:
        return ", ".join(map(str, self.dims)) if self.dims else "(a scalar)"


class Explanation:
    """The shapes of a distribution laid out: ``str()`` is a text table, ``_repr_html_`` an HTML one.

    Attributes:
        name: the distribution, e.g. ``"Independent(Normal, 1)"``.
        backend, dtype: its array library and floating dtype (names).
        sample_shape, batch_shape, event_shape: the three parts of a draw's shape.
        draw: the dimensions of one draw of ``sample_shape`` (a tuple of :class:`Dim`).
        rows: :class:`Row` for ``sample``, ``log_prob``, ``mean`` and each parameter.
        broadcast_known: whether every parameter's broadcast dimensions are known (from the record of the
            constructor or ``expand``, or from strides; False on JAX or Dask after ``jax.jit``, slicing,
            reshaping).
        neutral: made of Python numbers alone (it adopts the library of the arrays it meets).
    """

    def __init__(
        self,
        name: str,
        backend: str,
        dtype: str,
        sample_shape: Shape,
        batch_shape: Shape,
        event_shape: Shape,
        rows: list[Row],
        broadcast_known: bool,
        neutral: bool = False,
    ) -> None:
        self.neutral = neutral
        self.name = name
        self.backend = backend
        self.dtype = dtype
        self.sample_shape = sample_shape
        self.batch_shape = batch_shape
        self.event_shape = event_shape
        self.rows = rows
        self.broadcast_known = broadcast_known
        self.draw = _dims(("sample", sample_shape), ("batch", batch_shape), ("event", event_shape))

    def row(self, name: str) -> Row:
        """The row named ``name`` (``"mean"``, ``"loc"``, ``"base_dist.scale"``...)."""
        for r in self.rows:
            if r.name == name or r.name.partition("(")[0] == name:
                return r
        raise KeyError(f"no row {name!r}; the rows are {[r.name for r in self.rows]}")

    @property
    def shapes(self) -> dict[str, Shape]:
        """Row name -> shape."""
        return {r.name: r.shape for r in self.rows}

    def _broadcast_notes(self) -> list[str]:
        notes = []
        for r in self.rows:
            parts = []
            counts = dict.fromkeys(KINDS, 0)
            for d in r.dims:
                if d.broadcast:
                    parts.append(f"{d.kind} dim {counts[d.kind]}")
                counts[d.kind] += 1
            if r.shared:
                missing = _and([str(i) for i in r.shared])
                parts.append(f"one {r.value_shape} value for every batch member (batch dim {missing} not stored)")
            if parts:
                notes.append(f"  {r.name}: {_and(parts)}")
        return notes

    def _summary(self) -> list[str]:
        draw_parts = " + ".join(str(s) for s in (self.sample_shape, self.batch_shape, self.event_shape))
        neutral = " (Python numbers: it adopts the library of the arrays it meets)" if self.neutral else ""
        return [
            f"{self.name} of {self.backend} {self.dtype} arrays{neutral}",
            f"draw = sample_shape + batch_shape + event_shape = {draw_parts} = "
            f"{self.sample_shape + self.batch_shape + self.event_shape}",
        ]

    def __str__(self) -> str:
        lines = self._summary()
        lines.append("")
        if self.draw:
            table = [
                ["dimension", *(str(i) for i in range(len(self.draw)))],
                ["size", *(str(d.size) for d in self.draw)],
                ["kind", *(d.kind for d in self.draw)],
            ]
            lines += _columns(table, gap=2, first_gap=3)
        else:
            lines.append("a draw is a scalar: no sample, batch or event dimensions")
        lines.append("")
        lines += _columns([["quantity", "shape", "dimensions"], *([r.name, str(r.shape), r.layout] for r in self.rows)])
        notes = self._broadcast_notes()
        lines.append("")
        if notes:
            starred = any(d.broadcast for r in self.rows for d in r.dims)
            lines.append(
                "broadcast (*: repeats one value; given with size 1 or without the dimension):"
                if starred
                else "broadcast:"
            )
            lines += notes
        elif self.broadcast_known:
            lines.append("broadcast: none (every parameter holds one value per batch member)")
        if not self.broadcast_known:
            lines.append(_UNKNOWN.format(self.backend))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        e = html.escape
        cell = "padding:2px 8px;border:1px solid #bbb;text-align:center"

        def dim_cell(d: Dim) -> str:
            mark = "*" if d.broadcast else ""
            return f'<td style="{cell};background:{COLOURS[d.kind]}">{e(d.kind)} {d.size}{mark}</td>'

        width = max([len(self.draw), *(len(r.dims) for r in self.rows)])
        out = [f"<div><b>{e(self.name)}</b> of {e(self.backend)} {e(self.dtype)} arrays<br>"]
        out.append(f"<code>{e(self._summary()[1])}</code>")
        out.append('<table style="border-collapse:collapse;margin-top:4px">')
        out.append(f'<tr><th style="{cell}">quantity</th><th style="{cell}">shape</th>')
        out.append(f'<th style="{cell}" colspan="{max(width, 1)}">dimensions</th></tr>')
        for r in self.rows:
            cells = "".join(dim_cell(d) for d in r.dims)
            pad = f'<td colspan="{width - len(r.dims)}"></td>' if width > len(r.dims) else ""
            out.append(
                f'<tr><td style="{cell};text-align:left"><code>{e(r.name)}</code></td>'
                f'<td style="{cell}"><code>{e(str(r.shape))}</code></td>{pad}{cells}</tr>'
            )
        out.append("</table>")
        notes = self._broadcast_notes()
        if notes:
            out.append("broadcast (*: repeats one value):<br>" + "<br>".join(e(n.strip()) for n in notes))
        if not self.broadcast_known:
            out.append("<br>" + e(_UNKNOWN.format(self.backend)))
        out.append("</div>")
        return "".join(out)


def explain(dist: Distribution, sample_shape: Any = ()) -> Explanation:
    """The :class:`Explanation` of ``dist`` for draws of ``sample_shape`` (see the module docstring)."""
    sample = as_shape(sample_shape)
    batch, event = dist.batch_shape, dist.event_shape
    draw = _dims(("sample", sample), ("batch", batch), ("event", event))
    rows = [
        Row(f"sample({sample or ''})", sample + batch + event, draw),
        Row("log_prob(value)", sample + batch, _dims(("sample", sample), ("batch", batch))),
        Row("mean", batch + event, _dims(("batch", batch), ("event", event))),
    ]
    known = [True]
    _param_rows(dist, rows, known)
    dtype = str(dist.dtype).rpartition(".")[2]
    return Explanation(_name(dist), dist.backend, dtype, sample, batch, event, rows, known[0], dist._neutral)


def value_layout(batch: Shape, event: Shape, shape: Shape) -> str:
    """For shape errors: the layout a value must have (``sample_shape + batch_shape + event_shape``) beside the
    value's shape, dimension by dimension from the right, and what does not fit."""
    expected = len(batch) + len(event)
    width = max(len(shape), expected)
    kinds = ["sample"] * (width - expected) + ["batch"] * len(batch) + ["event"] * len(event)
    need = ["any"] * (width - expected) + [str(s) for s in batch + event]
    got = [""] * (width - len(shape)) + [str(s) for s in shape]
    if width == expected:  # show that sample dimensions may come first
        kinds, need, got = ["sample...", *kinds], ["any", *need], ["", *got]
    problems = []
    lead = width - len(shape)
    for i, (kind, size) in enumerate(zip(kinds[-expected:] if expected else [], batch + event)):
        j = width - expected + i - lead  # the value's dimension facing this one
        index = i if kind == "batch" else i - len(batch)
        if j < 0:
            if kind == "event":
                problems.append(f"the value has no dimension for event dim {index} (size {size})")
            continue
        v = shape[j]
        if kind == "event" and v != size:
            problems.append(f"event dim {index}: the value has {v}, the event needs {size}")
        elif kind == "batch" and v not in (1, size) and size != 1:
            problems.append(f"batch dim {index}: {v} does not broadcast with {size}")
    lines = [
        f"a value must be laid out as sample_shape + batch_shape + event_shape = (...) + {batch} + {event}; "
        "from the right:",
        *("  " + line for line in _columns([["", *kinds], ["expected", *need], ["the value", *got]], right=True)),
    ]
    lines += [f"  {p}" for p in problems]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- helpers
_UNKNOWN = (
    "broadcast: not known ({} arrays keep no strides, and these arrived already broadcast: "
    "only constructors and expand record it)"
)


def _dims(*parts: tuple[str, Shape]) -> tuple[Dim, ...]:
    return tuple(Dim(kind, int(s)) for kind, shape in parts for s in shape)


def _name(node: Any) -> str:
    """``Independent(Normal, 1)``, ``TransformedDistribution(Normal, [TanhTransform])``: a composite by its parts
    and static settings, a family by its class name."""
    parts = getattr(node, "_parts", ())
    if not parts:
        return type(node).__name__
    named = []
    for name in parts:
        part = node.__dict__[name]
        named.append("[" + ", ".join(_name(p) for p in part) + "]" if isinstance(part, (list, tuple)) else _name(part))
    named += [repr(node.__dict__[k]) for k in node._static_params]
    return f"{type(node).__name__}({', '.join(named)})"


def _param_rows(dist: Distribution, rows: list[Row], known: list[bool]) -> None:
    """A row for every array of the tree of ``dist`` (its parameters, its parts' parameters), with each dimension
    labelled for the distribution explained: the leading ones are its batch dimensions; of the trailing ones
    that are not (``nd``, from the tree's layout), a child distribution's extra batch dimensions are ``event``
    (``Independent`` reinterprets them), a parameter's own dimensions are ``event`` where they are the event of
    its distribution (a MultivariateNormal's ``loc``) and ``param`` otherwise (a covariance matrix), and a
    transform's are the ``event`` dimensions of the values it acts on."""
    for path, p, nd, _, owner, name, extra_kinds in _leaves(dist):
        shape = tuple(int(s) for s in p.shape)
        views = _views(dist, p)
        record = getattr(owner, "_broadcast_dims", None) if hasattr(owner, "_leaves") else {}
        if record is not None:  # what the constructor or expand broadcast (None: not known)
            recorded = record.get(name, (False,) * len(shape))
            views = recorded if views is None else tuple(a or b for a, b in zip(views, recorded))
        if views is None:
            known[0] = False
        if hasattr(owner, "_param_ndims"):  # a distribution's parameter: its batch part, then its own dims
            param_nd = min(owner._param_ndims.get(name, 0), len(shape))
            batch, reinterpreted = tuple(owner.batch_shape), nd - param_nd
        else:  # a transform's: the batch, then the event dims of the values it acts on
            param_nd, batch, reinterpreted = 0, tuple(dist.batch_shape) + shape[len(shape) - nd :], nd
        own = shape[: len(shape) - param_nd]
        offset = len(batch) - len(own)  # a parameter kept unbroadcast may lack leading batch dimensions
        dims = []
        for j, size in enumerate(own):
            b = batch[offset + j] if offset + j >= 0 else size
            broadcast = (size == 1 and b != 1) or (views[j] if views is not None else False)
            extra = offset + j - (len(batch) - reinterpreted)  # which dimension beyond the root's batch, if any
            kind = "batch" if extra < 0 else extra_kinds[extra] if len(extra_kinds) == reinterpreted else "event"
            dims.append(Dim(kind, size, broadcast if views is not None or broadcast else None))
        # a parameter's own dimensions: the event's where they are the event (a MultivariateNormal's loc)
        mine = shape[len(own) :]
        kind = "event" if param_nd and mine == tuple(owner.event_shape) else "param"
        dims += [Dim(kind, size) for size in mine]
        rows.append(Row(path, shape, tuple(dims), tuple(range(offset)), mine))


def _leaves(node: Any, extra: int = 0, prefix: str = "", kinds: tuple[str, ...] = ()) -> Any:
    """``_tree.iter_leaves`` with, for each leaf, the kind of each dimension beyond the root's batch that its
    ancestors added: ``event`` (``Independent`` reinterprets them), or the composite's ``_part_dim_kind`` (a
    mixture's components are ``param``: neither batch nor event of the mixture)."""
    children, _ = _tree.node_children(node)
    for child, name, (nd, shared) in zip(children, _tree.child_names(node, children), _tree.child_layout(node, extra)):
        if _tree.is_node(child):
            added = (getattr(node, "_part_dim_kind", "event"),) * (nd - extra)
            yield from _leaves(child, nd, f"{prefix}{name}.", kinds + added)
        elif hasattr(child, "shape"):
            yield f"{prefix}{name}", child, nd, shared, node, name, kinds


def _views(dist: Distribution, p: Any) -> tuple[bool, ...] | None:
    """Per dimension of ``p``: whether it is a broadcast view along it (stride 0, size > 1); None where the
    array library keeps no strides."""
    strides = None
    try:
        if isinstance(p, np.ndarray):
            strides = p.strides
        elif dist.backend == "torch":
            strides = p.stride()
        elif dist.backend == "cupy":
            strides = p.strides
        elif not dist._ops.lazy and dist.backend != "jax":
            strides = np.from_dlpack(p).strides  # array_api_strict and other DLPack libraries share their memory
    except (TypeError, AttributeError, RuntimeError, BufferError):
        strides = None
    if strides is None:
        return None
    return tuple(s == 0 and n > 1 for s, n in zip(strides, p.shape))


def _columns(table: list[list[str]], gap: int = 2, first_gap: int | None = None, right: bool = False) -> list[str]:
    widths = [max(len(row[i]) for row in table if i < len(row)) for i in range(max(map(len, table)))]
    lines = []
    for row in table:
        cells = []
        for i, text in enumerate(row):
            cells.append(text.rjust(widths[i]) if right and i else text.ljust(widths[i]))
        sep = " " * gap
        line = cells[0] + " " * (first_gap or gap) + sep.join(cells[1:]) if len(cells) > 1 else cells[0]
        lines.append(line.rstrip())
    return lines


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
