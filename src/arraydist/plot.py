"""Plots of draws (matplotlib, the ``plot`` extra).  No pyplot global state: figures are made and saved directly.

Example:
    >>> import numpy as np
    >>> from arraydist import MultivariateNormal
    >>> from arraydist.plot import plot_samples
    >>> d = MultivariateNormal(np.array([[1.0, 1.0], [2.0, 2.0]]), covariance_matrix=0.1 * np.eye(2))
    >>> fig = plot_samples(d, 50, seed=0)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['batch member 0', 'batch member 1']
"""

from __future__ import annotations

from os import PathLike
from typing import TYPE_CHECKING, Any

from .distribution import Distribution

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_samples"]


def plot_samples(
    dist: Distribution,
    n: int = 100,
    *,
    seed: Any = None,
    path: str | PathLike[str] | None = None,
    title: str | None = None,
    ax: Any = None,
) -> Figure:
    """Scatter ``n`` draws of a distribution over 2-vectors, one colour per batch member.

    For each batch member ``i`` it plots ``samples[:, i, 0]`` against ``samples[:, i, 1]``: the axis after the
    sample axis is the batch axis.

    Args:
        dist: a distribution with ``event_shape == (2,)`` and at most one batch dimension.
        n: draws per batch member.
        seed: passed to ``dist.sample``.
        path: where to save the figure as an image (format from the suffix, e.g. ``.png``).
        title: figure title (default: the distribution's class and shapes).
        ax: a matplotlib ``Axes`` to draw into instead of a new figure.

    Returns:
        The matplotlib ``Figure``.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("plot_samples needs matplotlib: pip install 'arraydist[plot]'") from exc
    if dist.event_shape != (2,) or len(dist.batch_shape) > 1:
        raise ValueError(
            "plot_samples draws 2-D events over at most one batch dimension; got batch_shape "
            f"{dist.batch_shape} and event_shape {dist.event_shape}"
        )
    samples = dist._ops.to_numpy(dist.sample((n,), seed=seed))
    samples = samples.reshape(n, -1, 2)  # (n, batch, 2), batch of 1 for an unbatched distribution
    fig = ax.figure if ax is not None else Figure(figsize=(5.5, 5.0), layout="constrained")
    ax = ax if ax is not None else fig.subplots()
    means = dist._ops.to_numpy(dist.mean).reshape(-1, 2)
    for i in range(samples.shape[1]):
        ax.scatter(samples[:, i, 0], samples[:, i, 1], s=10, alpha=0.6, label=f"batch member {i}")
        ax.scatter(*means[i], marker="x", s=90, color="black", zorder=3)
    ax.set_xlabel("samples[:, i, 0]")
    ax.set_ylabel("samples[:, i, 1]")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(
        title or f"{type(dist).__name__}: {n} draws, batch_shape={dist.batch_shape}, event_shape={dist.event_shape}",
        fontsize="medium",
    )
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
