"""``docs/errors.md`` is what the library does: the catalogue regenerated now equals the document."""

from __future__ import annotations

import pytest

import errors_catalogue


def test_the_bad_input_catalogue_is_current() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    expected = errors_catalogue.render()
    assert errors_catalogue.DOC.read_text() == expected, (
        "docs/errors.md is out of date: run `python tests/errors_catalogue.py` and review the difference"
    )


def test_every_error_row_names_a_class() -> None:
    """No row leaks an internal error: each raised message starts with the class (or its method) it concerns."""
    ns = errors_catalogue.namespace()
    names = tuple(n for n in ns if n[:1].isupper())
    for _, code, _ in errors_catalogue.ROWS:
        result = errors_catalogue.outcome(code, ns)
        if result is None or not result.startswith("raises"):
            continue
        message = result.split(": ", 1)[1]
        assert message.startswith(names), f"{code}: {result}"
