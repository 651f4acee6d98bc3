"""The multivariate and structural families' rows of ``benchmarks/run.py`` (issue 21, item 5): LowRankMVN's
``log_prob`` against torch.distributions and a dense MVN, MixtureSameFamily's ``log_prob``, Dirichlet's
``rsample`` with its gradient.

Each group function returns rows ``(name, ours, peer name, peer, number)``, wrapped in ``run.Row`` by
``run.py``; a row whose class is not in arraydist yet is left out, and ``continuous.SKIPPED`` says which.
"""

from __future__ import annotations

from continuous import RowSpec, _have  # noqa: F401  (the row type and the skip note are shared)


def lowrank_rows(quick: bool) -> list[RowSpec]:
    """LowRankMultivariateNormal.log_prob of 10^5 points, d = 256, rank 8: torch.distributions and a dense MVN."""
    return []


def mixture_rows(quick: bool) -> list[RowSpec]:
    """MixtureSameFamily.log_prob of 10^6 points, 10 components, against torch.distributions."""
    return []


def dirichlet_rows(quick: bool) -> list[RowSpec]:
    """Dirichlet.rsample with its gradient, 10^5 x 10, against torch.distributions."""
    return []


def torch_rows(quick: bool) -> list[RowSpec]:
    return lowrank_rows(quick) + mixture_rows(quick) + dirichlet_rows(quick)
