"""Registry cases of the counts discrete families (see ``cases.py`` and ``docs/testing.md``)."""

from __future__ import annotations

from _case import Case

CASES: list[Case] = []
