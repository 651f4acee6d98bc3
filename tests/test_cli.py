"""The ``arraydist`` command: the tour on every backend (its lines paste and run as printed, real PNG plots),
``arraydist explain`` with its safe evaluator (hostile expressions refused with exit code 2), ``--help``."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from arraydist import Normal
from arraydist.cli import MAX_ELEMENTS, ExpressionError, SafeEvaluator, main, tour
from backends import Backend

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TOUR_BACKENDS = ("numpy", "torch", "jax", "dask", "cupy", "mlx")


def code_lines(text: str) -> list[tuple[str, str | None]]:
    """The tour's ``>>>`` lines: (code, what the tour says it gives, or None)."""
    found = []
    for line in text.splitlines():
        if line.startswith("    >>> "):
            code, _, said = line[8:].partition(" # ")
            found.append((code.rstrip(), said.strip() or None))
    return found


def test_the_tour_on_each_backend_pastes_and_runs_as_printed(tmp_path: Path, backend: Backend) -> None:
    if backend.name not in TOUR_BACKENDS or backend.device is not None:
        pytest.skip(f"the tour runs on {', '.join(TOUR_BACKENDS)}, each library's default device")
    pytest.importorskip("matplotlib")
    out = io.StringIO()
    written = tour(backend.name, seed=3, samples=40, out=tmp_path, stream=out)
    text = out.getvalue()
    assert re.search(r">>> multi_normal\.batch_shape +# \(3,\)\n", text)
    for expected in (
        "multi_normal.sample((40,), seed=3).shape",
        "# (40, 3, 2)",
        "# (3, 2)  every coordinate is a batch member",
        f"MultivariateNormal of {backend.name} ",
        "base_dist.loc    (3, 2)  batch 3, event 2",
        "The two plots show the same cloud: with the same seed",
        "sample_shape + batch_shape + event_shape",
    ):
        assert expected in text, expected
    assert "seed=..." not in text and "= ..." not in text
    if backend.name == "torch":
        assert "y.requires_grad" in text and "# True" in text and "# False" in text
    elif backend.name in ("jax", "mlx"):
        assert "rsample(seed=3).sum())(loc) # [1., 1.]" in text and "sample(seed=3).sum())(loc) # [0., 0.]" in text
    else:
        assert "has no autograd" in text
    # the lines run as printed, in order, in a fresh namespace; the shapes they print are the shapes they give
    namespace: dict[str, object] = {}
    lines = code_lines(text)
    alias = {"numpy": "np", "torch": "torch", "jax": "jnp", "dask": "da", "cupy": "cp", "mlx": "mx"}[backend.name]
    constructors = {c.split("(")[0] for code, _ in lines for c in code.split() if c.count(".asarray(")}
    assert all(c.lstrip("=").startswith(f"{alias}.") for c in constructors)  # one spelling throughout
    checked = 0
    for code, said in lines:
        exec(compile(code, "<tour>", "exec"), namespace)
        last = code.rpartition("; ")[2]  # the expression whose value the tour shows
        if said is not None and last.endswith(".shape"):
            assert said.startswith(str(tuple(eval(last, namespace)))), code
            checked += 1
        if said is not None and last.endswith("_shape") and "(" not in last:
            assert said.startswith(str(eval(last, namespace))), code
            checked += 1
    assert checked >= 8
    assert backend.to_numpy(abs(namespace["a"] - namespace["b"])).max() == 0.0  # the same cloud
    assert [p.name for p in written] == ["multivariate_normal.png", "independent_normal.png"]
    import matplotlib.image

    for path in written:
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        image = matplotlib.image.imread(path)
        assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 300
        assert len(np.unique(image.reshape(-1, image.shape[-1]).round(2), axis=0)) > 50  # not a blank canvas


def test_tour_difference_between_independent_and_mvn_is_tiny() -> None:
    out = io.StringIO()
    tour("numpy", out=None, stream=out)
    line = next(line for line in out.getvalue().splitlines() if "abs(iid_normal.log_prob(x)" in line)
    assert float(line.rsplit("#", 1)[1]) < 1e-12
    assert "plots skipped" in out.getvalue()


def test_explain_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "Independent(Normal(zeros((3, 2)), 1.0), 1)", "--sample-shape", "100"]) == 0
    expected = str(Normal(np.zeros((3, 2)), 1.0).to_event(1).explain(100))
    assert capsys.readouterr().out == expected + "\n"
    assert main(["explain", "Normal(zeros(3), 1.0)[1:]", "--sample-shape", "(10, 5)", "--html"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<div><b>Normal</b>") and "sample 10" in page and "batch 2" in page


def test_explain_on_each_backend(capsys: pytest.CaptureFixture[str], backend: Backend) -> None:
    if backend.device is not None:
        pytest.skip("arraydist explain makes arrays on each library's default device")
    tutorial = (
        "MultivariateNormal(asarray([[1, 1], [2, 2], [3, 3]]), "
        "covariance_matrix=full((3, 2), 0.1)[:, :, None] * eye(2))"
    )
    assert main(["explain", tutorial, "--backend", backend.name, "--sample-shape", "100"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"MultivariateNormal of {backend.name} ")
    assert "covariance_matrix  (3, 2, 2)    batch 3, param 2, param 2" in text
    assert "sample((100,))     (100, 3, 2)  sample 100, batch 3, event 2" in text


HOSTILE = {
    "__import__('os')": "the name '__import__'",
    "__import__('os').system('true')": "attribute access (.system)",
    "().__class__.__bases__": "attribute access (.__bases__)",
    "open('x')": "the name 'open'",
    "(lambda: Normal(0.0, 1.0))()": "a lambda",
    "[Normal(0.0, 1.0) for _ in zeros(3)][0]": "a list comprehension",
    "Normal.__init__": "attribute access (.__init__)",
    "zeros(3).reshape(3)": "attribute access (.reshape)",
    "Normal(**{'loc': 0.0})": "**-unpacking",
    "Normal(loc={'a': 0.0}, scale=1.0)": "a dict",
    "Normal(*[0.0, 1.0])": "*-unpacking",
    "Normal(0.0, 1.0) if 1 else 0": "a conditional expression",
    "zeros(9 ** 99)": "the operator **",
    "Normal(zeros((10 * 10000, 10000)), 1.0)": f"allows at most {MAX_ELEMENTS:,}",
    "Normal(zeros((5000, 1)), ones((1, 5000)))": "the distribution Normal of shape (5000, 5000)",
    "zeros((4000, 1)) * ones((1, 4000))": "the result of an operation of shape (4000, 4000)",
    "arange(0, 1e300, 1e-300)": "has 1.0",  # 1e600 elements overflow to inf: no finite count
    "[0] * 1000": "arithmetic on list",
    "Normal(zeros(3), 1.0)[zeros(2)]": "an index of type ndarray",
    "zeros[0]": "indexing a function or class",
    "(1, 2)[0]": "indexing a tuple",
    "f'{1}'": "an f-string",
    "Normal(0.0, 1.0) and 1": "and/or",
    "zeros(3)": "must make a distribution",
    "Normal(0.0, 1.0": "not a Python expression",
    "Normal(1j, 1.0)": "a complex constant",
    "Normal(0.0, 1.0) @ 2": "the operator @",
}


@pytest.mark.parametrize("expression", list(HOSTILE), ids=range(len(HOSTILE)))
def test_hostile_expressions_are_refused(expression: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", expression]) == 2
    err = capsys.readouterr().err
    assert err.startswith("arraydist explain: ")
    assert HOSTILE[expression] in err or "no finite number" in err, err


def test_errors_of_the_library_exit_1_and_limits(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "Normal(zeros(3), -1.0)"]) == 1
    assert "ValueError: Normal: parameter 'scale' must be positive" in capsys.readouterr().err
    with pytest.raises(ExpressionError, match="characters; at most"):
        SafeEvaluator().evaluate("Normal(0.0, 1.0)" + " " * 10_000)
    with pytest.raises(ExpressionError, match=r"nested too deeply|not a Python expression"):
        SafeEvaluator().evaluate("(" * 3000 + "1" + ")" * 3000)
    with pytest.raises(ExpressionError, match="dtype must be one of"):
        SafeEvaluator().evaluate("zeros(3, dtype='object')")
    assert SafeEvaluator().evaluate("Normal(zeros(3, dtype='float32'), 1.0)").dtype == np.float32
    assert SafeEvaluator().evaluate("Categorical(logits=array([0.0, -inf]))").batch_shape == ()
    assert SafeEvaluator().evaluate("Normal(linspace(0, 1, 4) + arange(4) / 2, sqrt(2.0))").batch_shape == (4,)
    with pytest.raises(SystemExit):
        main(["explain", "Normal(0.0, 1.0)", "--sample-shape", "2.5"])
    assert "a sample shape is ints separated by commas" in capsys.readouterr().err


def test_every_refusal_names_what_is_allowed() -> None:
    with pytest.raises(ExpressionError) as info:
        SafeEvaluator().evaluate("print(1)")
    message = str(info.value)
    assert "the name 'print'" in message and "Normal" in message and "linspace" in message
    assert ast.literal_eval("1") == 1  # the evaluator is not literal_eval: it builds arrays and distributions


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["explain", "--help"], ["tour", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert "examples:" in out and 'arraydist explain "Independent(Normal(zeros((3, 2)), 1.0), 1)"' in out


def test_command_line_entry_points() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "arraydist", "tour", "--no-plots", "--seed", "1", "--samples", "7"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "multi_normal.sample((7,), seed=1).shape" in result.stdout and "(7, 3, 2)" in result.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "arraydist", "explain", "__import__('os')"], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "the name '__import__'" in refused.stderr and not refused.stdout
    assert main(["tour", "--samples", "0"]) == 2
    with pytest.raises(SystemExit):
        main(["tour", "--backend", "array_api_strict"])
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0


BAD_SAMPLE_SHAPES = {
    "-1": "sizes must be >= 0",
    "3,-2": "sizes must be >= 0",
    "2.5": "ints separated by commas",
    "1e3": "ints separated by commas",
    "abc": "ints separated by commas",
    "10**9": "ints separated by commas",
    "1,,2": "ints separated by commas",
    ",".join(["1"] * 40): "at most 32 dimensions",
}


@pytest.mark.parametrize("text", list(BAD_SAMPLE_SHAPES), ids=range(len(BAD_SAMPLE_SHAPES)))
def test_a_bad_sample_shape_is_a_clean_error(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["explain", "Normal(zeros(3), 1.0)", "--sample-shape", text])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--sample-shape" in err and BAD_SAMPLE_SHAPES[text] in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("text", ["99999999999999999999", "10000,10000", "4000000"])
def test_a_huge_sample_shape_is_refused_with_the_size_cap(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "Normal(zeros(3), 1.0)", "--sample-shape", text]) == 2
    err = capsys.readouterr().err
    assert err.startswith("arraydist explain: --sample-shape") and f"at most {MAX_ELEMENTS:,}" in err, err
    assert "Traceback" not in err


def test_sample_shapes_that_are_fine(capsys: pytest.CaptureFixture[str]) -> None:
    shapes = [
        ("0", (0,)),
        ("", ()),
        ("()", ()),
        ("[10, 5]", (10, 5)),
        (" 7 ", (7,)),
        ("(8,)", (8,)),
        ("3333333", (3333333,)),
    ]
    for text, shape in shapes:
        assert main(["explain", "Normal(zeros(3), 1.0)", "--sample-shape", text]) == 0
        assert f"draw = sample_shape + batch_shape + event_shape = {shape} + (3,)" in capsys.readouterr().out


def test_the_command_line_gets_exit_code_2_for_a_negative_sample_shape() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "arraydist", "explain", "Normal(0.0, 1.0)", "--sample-shape", "-1"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "--sample-shape" in result.stderr


METHOD_CALLS = {
    "Normal(zeros(3), 1.0).expand((2, 3))": ((2, 3), ()),
    "Normal(0.0, 1.0).expand([4])": ((4,), ()),
    "Normal(zeros(3), 1.0).expand(batch_shape=(5, 3))": ((5, 3), ()),
    "Normal(zeros((3, 2)), 1.0).to_event(1)": ((3,), (2,)),
    "Normal(zeros((3, 2)), 1.0).to_event()": ((), (3, 2)),
    "Normal(zeros((3, 2)), 1.0).to_event(reinterpreted_batch_ndims=2)": ((), (3, 2)),
    "Normal(zeros((3, 4)), 1.0).reshape(-1)": ((12,), ()),
    "Normal(zeros((3, 4)), 1.0).reshape((2, 6))": ((2, 6), ()),
    "MultivariateNormal(zeros((3, 4, 2)), eye(2)).reshape(batch_shape=(12,))[:5].to_event(1)": ((), (5, 2)),
    "Independent(Normal(zeros((2, 3)), 1.0), 1).expand((4, 2))": ((4, 2), (3,)),
    "Normal(zeros(3), 1.0)[:2].expand((3, 2)).to_event(1)": ((3,), (2,)),
}


@pytest.mark.parametrize("expression", list(METHOD_CALLS), ids=range(len(METHOD_CALLS)))
def test_distribution_methods_of_the_readme_are_allowed(expression: str) -> None:
    d = SafeEvaluator().evaluate(expression)
    assert (d.batch_shape, d.event_shape) == METHOD_CALLS[expression]


REFUSED_METHOD_CALLS = {
    "Normal(0.0, 1.0).sample((3,))": "attribute access (.sample)",
    "Normal(0.0, 1.0).log_prob(0.0)": "attribute access (.log_prob)",
    "Normal(0.0, 1.0).expand": "attribute access (.expand)",
    "zeros(3).reshape(3)": "attribute access (.reshape) on a ndarray",
    "Normal.expand(Normal(0.0, 1.0), (2,))": "attribute access (.expand) on a type",
    "Normal(0.0, 1.0).expand((2,), (3,))": "expand takes one argument",
    "Normal(0.0, 1.0).expand(shape=(2,))": "expand takes one argument, batch_shape",
    "Normal(0.0, 1.0).expand((-1,))": "expand's sizes must be ints >= 0",
    "Normal(0.0, 1.0).expand((2.5,))": "an int or a tuple of ints",
    "Normal(0.0, 1.0).expand('ab')": "an int or a tuple of ints",
    "Normal(0.0, 1.0).expand((100000, 100000))": f"allows at most {MAX_ELEMENTS:,}",
    "Normal(zeros(3), 1.0).reshape((-1, -1))": "at most one -1",
    "Normal(zeros(3), 1.0).reshape((-2,))": "ints >= 0, with at most one -1",
    "Normal(zeros((3, 2)), 1.0).to_event(-1)": "an int >= 0 or None",
    "Normal(zeros((3, 2)), 1.0).to_event(True)": "an int >= 0 or None",
    "Normal(zeros((3, 2)), 1.0).to_event(1, 2)": "to_event takes one argument",
    "Normal(0.0, 1.0).expand(*[(2,)])": "*-unpacking",
}


@pytest.mark.parametrize("expression", list(REFUSED_METHOD_CALLS), ids=range(len(REFUSED_METHOD_CALLS)))
def test_other_method_calls_and_bad_arguments_are_refused(expression: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", expression]) == 2
    err = capsys.readouterr().err
    assert err.startswith("arraydist explain: ") and REFUSED_METHOD_CALLS[expression] in err, err


def test_a_method_the_library_refuses_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "Normal(zeros(3), 1.0).expand((2,))"]) == 1  # not a broadcast of (3,)
    assert "ValueError" in capsys.readouterr().err
    assert main(["explain", "Normal(zeros(3), 1.0).to_event(2)"]) == 1  # more than the batch dimensions
    assert "ValueError" in capsys.readouterr().err


def test_method_calls_on_another_backend(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    assert main(["explain", "Normal(zeros((3, 2)), 1.0).expand((4, 3, 2)).to_event(1)", "--backend", "torch"]) == 0
    assert capsys.readouterr().out.startswith("Independent(Normal, 1) of torch ")
