"""The backend layer imports nothing above it; JAX pytree registration goes through its class registry."""

from __future__ import annotations

import ast
import pathlib

import pytest

import arraydist._backend as backend_layer

BACKEND_DIR = pathlib.Path(backend_layer.__file__).parent


@pytest.mark.parametrize("path", sorted(BACKEND_DIR.glob("*.py")), ids=lambda p: p.name)
def test_backend_modules_import_nothing_above_the_layer(path: pathlib.Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level <= 1, f"{path.name}:{node.lineno} imports from {'.' * node.level}{node.module}"
        if isinstance(node, ast.Import):
            assert all(not alias.name.startswith("arraydist") for alias in node.names), path.name


def test_classes_defined_after_jax_loads_are_pytrees() -> None:
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    from arraydist import Distribution, Normal

    assert Distribution in backend_layer.tree_classes()
    assert Normal in backend_layer.tree_classes()

    class Shifted(Normal):  # defined now, after the JAX backend registered the others
        pass

    d = Shifted(jnp.zeros(3), jnp.ones(3))
    leaves, treedef = jax.tree_util.tree_flatten(d)
    assert len(leaves) == 2
    rebuilt = jax.tree_util.tree_unflatten(treedef, [leaf + 1 for leaf in leaves])
    assert type(rebuilt) is Shifted
    assert float(rebuilt.loc[0]) == 1.0
    assert Shifted in backend_layer.tree_classes()


def test_a_hook_sees_every_known_class_then_each_new_one() -> None:
    seen: list[type] = []
    backend_layer._set_tree_hook(seen.append)
    try:
        from arraydist import Normal

        assert Normal in seen

        class Later(Normal):
            pass

        assert seen[-1] is Later
    finally:
        backend_layer._tree_hooks.remove(seen.append)


#: issue 19's bound on a source module: each readable alone (docs/architecture.md maps them)
MAX_MODULE_LINES = 600


def test_no_source_module_is_longer_than_the_bound() -> None:
    root = BACKEND_DIR.parent
    sizes = {str(p.relative_to(root)): len(p.read_text().splitlines()) for p in sorted(root.rglob("*.py"))}
    assert len(sizes) > 40  # the package itself, not an empty glob
    too_long = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"
