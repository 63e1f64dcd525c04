"""HTML report: index.html parses, every referenced figure is a non-empty PNG, CLI errors;
each figure a function drawing on a Matplotlib axis, labelled with the data's column names."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import sys
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes

from reluscape.data import InputError, load_problem
from reluscape.execution import pipeline
from reluscape.numerical.report import (
    disconnectivity_graph,
    face_type,
    parse_slices,
    plot_basins,
    plot_function,
    plot_slice,
    read_compare,
    report_from_files,
    write_report,
)
from reluscape.numerical.report.common import Floats
from reluscape.numerical.report.landscape import landscape_section
from reluscape.schema import Face, Minimum, Result

DATA = Path(__file__).resolve().parents[1] / "data"
D1 = DATA / "d1_n5.csv"
D2 = DATA / "d2_n6.csv"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VOID = {"meta", "img", "br", "hr", "link", "input"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.images: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}>, open: {self.stack[-3:]}")
        else:
            self.stack.pop()


def check_report(index: Path) -> list[str]:
    checker = _Checker()
    checker.feed(index.read_text(encoding="utf-8"))
    checker.close()
    assert not checker.errors, checker.errors
    assert not checker.stack, checker.stack
    assert checker.images
    for src in checker.images:
        assert not src.startswith(("/", "http")), src
        png = index.parent / src
        data = png.read_bytes()
        assert len(data) > 100 and data.startswith(PNG_SIGNATURE), src
    return checker.images


@pytest.fixture(scope="module")
def d1(tmp_path_factory):
    problem = load_problem(D1, hidden=2, lam="1/10")
    result = pipeline.solve(problem, face_timeout=60, jobs=2)
    path = tmp_path_factory.mktemp("d1") / "result.json"
    result.save(path)
    return problem, result, path


@pytest.fixture(scope="module")
def d2(tmp_path_factory):
    problem = load_problem(D2, hidden=1, lam="1/10")
    result = pipeline.solve(problem, face_timeout=60)
    path = tmp_path_factory.mktemp("d2") / "result.json"
    result.save(path)
    return problem, result, path


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    """d2_n6 with its own column names (height, width -> price), L = 1."""
    folder = tmp_path_factory.mktemp("named")
    data = folder / "named.csv"
    rows = D2.read_text(encoding="utf-8").splitlines()[1:]
    data.write_text("height,width,price\n" + "\n".join(rows) + "\n", encoding="utf-8")
    problem = load_problem(data, hidden=1, lam="1/10")
    result = pipeline.solve(problem, face_timeout=60)
    path = folder / "result.json"
    result.save(path)
    return problem, result, path


def expected_images(result: Result, hidden: int) -> int:
    """Function figure, one slice per unit, and a projection per positive-dimensional set."""
    return sum(1 + hidden + (m.dimension > 0) for m in result.minima)


def split_family(result: Result, units: int) -> Result:
    """The set of minima of ``units`` units that split one L = 1 minimum on a ray.

    With theta* = t* K (K the ray's basis vector) and a*, the points theta_l = u_l theta*,
    a_l = u_l a* with u_l > 0, sum u_l^2 = 1 all compute f* and have the same ridge term:
    {sum_l t_l^2 = t*^2} in the face coordinates, of dimension ``units`` - 1 (t*^2 is
    rounded to a rational here; the set is exact up to 1e-38).
    """
    m = next(m for m in result.minima if m.face[0].dim == 1)
    t = m.point.rational["t0_0"]
    a = m.point.rational["a0"]
    u = {2: [Fraction(3, 5), Fraction(4, 5)], 3: [Fraction(1, 3), Fraction(2, 3), Fraction(2, 3)]}
    weights = u[units]
    basis = m.face[0].basis[0]
    variables = [f"t{unit}_0" for unit in range(units)]
    split = Minimum(
        id=1,
        dimension=units - 1,
        loss=m.loss,
        loss_interval=m.loss_interval,
        is_global=True,
        face=[m.face[0] for _ in weights],
        activation=m.activation * units,
        point={
            "a": [float(a * w) for w in weights],
            "B": [[float(t * w * k) for k in basis[:-1]] for w in weights],
            "c": [float(t * w * basis[-1]) for w in weights],
            "rational": {
                **{f"a{unit}": str(a * w) for unit, w in enumerate(weights)},
                **{f"t{unit}_0": str(t * w) for unit, w in enumerate(weights)},
            },
        },
        system={"variables": [], "generators": []},
        verdict={"is_minimum": True, "decided_by": "Morse-Bott", "detail": "test construction"},
        orbit_size=1,
        component={
            "dimension": units - 1,
            "variables": variables,
            "prime": [" + ".join(f"{v}^2" for v in variables) + f" - {t * t}"],
        },
    )
    problem = dataclasses.replace(result.problem, hidden=units)
    return Result(problem=problem, minima=[split], stats={"complete": True})


@pytest.mark.slow  # seconds of whole runs: the fast tier stays under 5 minutes
def test_report_d1(d1, tmp_path):
    problem, result, _ = d1
    index = write_report(result, problem, tmp_path / "rep")
    images = check_report(index)
    assert len(images) == expected_images(result, problem.hidden)
    text = index.read_text(encoding="utf-8")
    assert "complete" in text
    curves = [m for m in result.minima if m.dimension == 1]
    assert curves
    assert "same function" in text
    for m in curves:
        assert f"minimum_{m.id}_projection.png" in images
    # the implicit equation of each curve's projection is shown, in psi coordinates
    assert text.count("implicit equation F = 0 with F = ") == len(curves)
    assert "B_0^4" in text or "c_0^4" in text
    # one slice per unit, each moving that unit's (B_l, c_l)
    assert "(B_0, c_0)" in text and "(B_1, c_1)" in text


def test_report_d2(d2, tmp_path):
    problem, result, _ = d2
    calls = []
    index = write_report(result, problem, tmp_path / "rep",
                         progress=lambda done, total, s: calls.append((done, total)))  # fmt: skip
    assert len(check_report(index)) == expected_images(result, problem.hidden)
    count = len(result.minima)
    assert calls == [(k, count) for k in range(count + 1)]


@pytest.mark.slow
@pytest.mark.parametrize("units", [2, 3])
def test_report_d2_family(d2, tmp_path, units):
    """A curve (2 units) and a surface (3 units) of minima on d = 2 data: members drawn,
    the same function, the projection with its implicit equation."""
    _, result, _ = d2
    split = split_family(result, units)
    problem = load_problem(D2, hidden=units, lam="1/10")
    index = write_report(split, problem, tmp_path / "rep")
    images = check_report(index)
    assert "minimum_1_projection.png" in images
    text = index.read_text(encoding="utf-8")
    assert "All members drawn compute the same function" in text
    assert "members drawn" in text and "implicit equation F = 0 with F = " in text
    assert len(images) == 1 + units + 1
    # the projection on an axis of its own: a 2-D axis for a curve, a 3-D one for a surface
    from reluscape.numerical.report import Projection, plot_projection
    from reluscape.numerical.report.family import set_samples

    m = split.minima[0]
    geometry, samples = set_samples(m, Floats.of(problem))
    projection = Projection.of(geometry, samples)
    ax = plot_projection(m, projection)
    labels = [ax.get_xlabel(), ax.get_ylabel()] + ([ax.get_zlabel()] if units == 3 else [])
    assert labels == projection.labels and len(labels) == units
    plt.close(ax.figure)
    if units == 3:
        fig, flat = plt.subplots()
        with pytest.raises(ValueError, match="3-D axis"):
            plot_projection(m, projection, ax=flat)
        plt.close(fig)


def test_parse_slices():
    assert parse_slices(["B_0_0,c_0", "B_1_1,B_0_0"], 2, 2) == [(0, 2), (4, 0)]
    assert parse_slices(["B_1,c_0"], 2, 1) == [(2, 1)]
    for bad in ["B_0", "B_0,B_0", "B_0,a_0", "B_2,c_0"]:
        with pytest.raises(InputError, match="--slice"):
            parse_slices([bad], 2, 1)


def _fake_compare(result: Result) -> dict:
    """A compare document for ``result``, as ``reluscape compare --out`` writes it."""
    section = {
        "runs": 10,
        "basins": {str(m.id): 1 for m in result.minima},
        "stuck_at_saddles_or_kinks": 2,
        "not_converged": 1,
        "not_probed": 0,
        "possible_bugs": [],
        "dead_unit_runs": [{}],
    }
    return {
        "problem": result.problem.describe(),
        "enumeration": {"minima": [{"id": m.id, "loss": m.loss} for m in result.minima]},
        "multistart": section,
        "adam": {"status": "ok", **copy.deepcopy(section)},
    }


def test_report_with_compare(d2, tmp_path):
    _, result, path = d2
    cmp = tmp_path / "cmp.json"
    cmp.write_text(json.dumps(_fake_compare(result)), encoding="utf-8")
    index = report_from_files(path, D2, tmp_path / "rep", compare_path=cmp, slices=["B_0_1,c_0"])
    images = check_report(index)
    assert "basins.png" in images
    assert "Basins of attraction" in index.read_text(encoding="utf-8")
    assert len(images) == 1 + 2 * len(result.minima)


def test_read_compare_rejects_other_problems(d1, d2, tmp_path):
    _, result1, _ = d1
    _, result2, _ = d2
    cmp = tmp_path / "cmp.json"
    cmp.write_text(json.dumps(_fake_compare(result1)), encoding="utf-8")
    with pytest.raises(InputError, match="different problem"):
        read_compare(cmp, result2)
    doc = _fake_compare(result2)
    doc["enumeration"]["minima"][0]["loss"] += 0.5
    cmp.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="different list of minima"):
        read_compare(cmp, result2)


def test_face_type():
    chamber = Face(signs="+-", kind="chamber", basis=[[1, 0], [0, 1]])
    origin = Face(signs="00", kind="origin", basis=[])
    boundary = Face(signs="0+", kind="boundary", basis=[[0, 1]])
    assert face_type([chamber, origin]) == "interior"
    assert face_type([boundary]) == "boundary"


def test_report_from_files_different_data(d2, tmp_path):
    _, _, path = d2
    with pytest.raises(InputError, match="different data"):
        report_from_files(path, D1, tmp_path / "rep")
    # the same samples with one outcome changed: named exactly, in one line
    other = tmp_path / "other.csv"
    lines = D2.read_text(encoding="utf-8").splitlines()  # a header, then the samples
    row = lines[1].split(",")
    row[-1] = "1/3" if row[-1].strip() != "1/3" else "2/3"
    lines[1] = ",".join(row)
    other.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"different data .*: y\[0\] is .* in the result") as err:
        report_from_files(path, other, tmp_path / "rep")
    assert "\n" not in str(err.value)


@pytest.mark.slow
def test_report_without_data_file(d2, tmp_path):
    """The data recorded in the result give the same report as the data file."""
    _, _, path = d2
    with_file = report_from_files(path, D2, tmp_path / "a")
    without = report_from_files(path, None, tmp_path / "b")
    assert without.read_text(encoding="utf-8") == with_file.read_text(encoding="utf-8")
    check_report(without)


@pytest.mark.slow
def test_report_of_incomplete_run(d1, tmp_path):
    """No minimum of an incomplete run is called global: the lowest found is marked as such,
    and one certified above another found minimum is spurious."""
    problem, result, _ = d1
    minima = [dataclasses.replace(m, is_global=None) for m in result.minima]
    incomplete = Result(problem=result.problem, minima=minima, stats={"complete": False})
    text = write_report(incomplete, problem, tmp_path / "rep").read_text(encoding="utf-8")
    lowest = min(minima, key=lambda m: m.loss_interval[1])
    heading = next(h for h in text.splitlines() if h.startswith(f'<h3 id="m{lowest.id}"'))
    assert heading.endswith(", lowest found, not certified global</h3>")
    assert ", global</h3>" not in text and "INCOMPLETE" in text
    assert "<td>global</td><td>0</td>" in text
    above = [m for m in minima if m.loss_interval[0] > lowest.loss_interval[1]]
    assert above
    assert f"<td>spurious</td><td>{len(above)}</td>" in text


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reluscape", *args], capture_output=True, text=True, timeout=120
    )


def assert_input_error(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reluscape: error:"), proc.stderr


@pytest.mark.slow  # a whole report through the command (a process importing Matplotlib)
def test_cli_report(d2, tmp_path):
    _, _, path = d2
    proc = run("report", str(path), str(D2), "--out", str(tmp_path / "rep"))
    assert proc.returncode == 0, proc.stderr
    check_report(tmp_path / "rep" / "index.html")
    # without DATA.csv: the data recorded in the result
    proc = run("report", str(path), "--out", str(tmp_path / "rep2"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "rep2" / "index.html").read_text(encoding="utf-8") == (
        tmp_path / "rep" / "index.html"
    ).read_text(encoding="utf-8")


def test_cli_report_bad_input(d2, tmp_path):
    _, _, path = d2
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert_input_error(run("report", str(bad), str(D2), "--out", str(tmp_path / "r1")))
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["minima"][0]["point"]["B"] = "oops"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert_input_error(run("report", str(bad), str(D2), "--out", str(tmp_path / "r2")))
    del doc["minima"][0]["face"]
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert_input_error(run("report", str(bad), str(D2), "--out", str(tmp_path / "r3")))
    # the output directory is an existing file
    assert_input_error(run("report", str(path), str(D2), "--out", str(path)))
    # a compare document that is not JSON, not a comparison, or of another data set
    good = str(path)
    bad.write_text("[1, 2", encoding="utf-8")
    assert_input_error(
        run("report", good, str(D2), "--out", str(tmp_path / "r4"), "--compare", str(bad))
    )
    bad.write_text(json.dumps({"problem": doc["problem"]}), encoding="utf-8")
    assert_input_error(
        run("report", good, str(D2), "--out", str(tmp_path / "r5"), "--compare", str(bad))
    )
    other = dict(doc["problem"], y=list(reversed(doc["problem"]["y"])))
    bad.write_text(json.dumps({"problem": other}), encoding="utf-8")
    assert_input_error(
        run("report", good, str(D2), "--out", str(tmp_path / "r6"), "--compare", str(bad))
    )
    assert_input_error(
        run("report", good, str(D2), "--out", str(tmp_path / "r7"), "--slice", "B_0")
    )
    assert_input_error(run("report", str(tmp_path / "missing.json"), str(D2), "--out", "r"))


@pytest.mark.slow
def test_cli_solve_report(tmp_path):
    proc = run(
        "solve",
        str(D2),
        "--hidden",
        "1",
        "--lam",
        "1/10",
        "--quiet",
        "--report",
        str(tmp_path / "rep"),
    )
    assert proc.returncode == 0, proc.stderr
    check_report(tmp_path / "rep" / "index.html")


CHROMIUM = Path("/usr/bin/chromium")


# Injected into a copy of the page: after load, the page records in <body data-broken>
# the images that did not load (naturalWidth 0), for --dump-dom to show.
_PROBE = (
    "<script>window.addEventListener('load', () => { document.body.dataset.broken = "
    "[...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
    ".map(i => i.getAttribute('src')).join(' ') || 'none'; });</script>"
)


class _Figures(HTMLParser):
    """The rendered DOM's figures: (img src, caption text), and the body's data-broken."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[list[str]] = []
        self.broken: str | None = None
        self.in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.broken = dict(attrs).get("data-broken")
        elif tag == "img":
            self.figures.append([dict(attrs)["src"] or "", ""])
        self.in_caption = tag == "figcaption"

    def handle_endtag(self, tag: str) -> None:
        self.in_caption = False

    def handle_data(self, data: str) -> None:
        if self.in_caption:
            self.figures[-1][1] += data


@pytest.mark.slow  # seconds of whole runs: the fast tier stays under 5 minutes
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")
def test_chromium_renders(named, tmp_path):
    """Headless Chromium loads every figure of the page (function, slice, basins), and
    each figure's caption names its axes with the CSV header's column names."""
    problem, result, _ = named
    comparison = _read_fake_compare(result, tmp_path)
    index = write_report(result, problem, tmp_path / "rep", comparison=comparison)
    probe = index.with_name("probe.html")
    probe.write_text(
        index.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), "utf-8"
    )
    proc = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            "--dump-dom",
            probe.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    dom = _Figures()
    dom.feed(proc.stdout)
    assert dom.broken == "none", dom.broken
    sources = [src for src, _ in dom.figures]
    assert sources == check_report(index)
    assert len(sources) == expected_images(result, problem.hidden) + 1  # + basins
    captions = dict(dom.figures)
    for m in result.minima:
        function = captions[f"minimum_{m.id}_function.png"]
        assert "height" in function and "width" in function and "price" in function
        assert "weight of height" in captions[f"minimum_{m.id}_slice_0.png"]
    assert "runs (of 10)" in captions["basins.png"]
    # Chromium logs every console message of the page as ":CONSOLE" on stderr.
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console


@pytest.mark.slow
def test_report_shows_the_certified_global_minimum(d2, tmp_path):
    """The global section: the result's exact interval, and from a compare document the
    multistart best and p* with their gaps to the certified value."""
    from reluscape.numerical.compare import certified_interval, global_comparison

    _, result, path = d2
    lower, upper, _ = certified_interval(result)
    doc = _fake_compare(result)
    doc["global"] = global_comparison(result, float(upper) + 0.25, float(lower) - 0.125)
    cmp = tmp_path / "cmp.json"
    cmp.write_text(json.dumps(doc), encoding="utf-8")
    text = report_from_files(path, D2, tmp_path / "rep", compare_path=cmp).read_text("utf-8")
    section = text[text.index("<h2>Global minimum</h2>") : text.index("<h2>Minima</h2>")]
    assert "Certified by enumeration" in section
    assert f"{float(upper):.12g}" in section
    assert "+2.500e-01" in section and "-1.250e-01" in section
    bare = write_report(result, result.problem, tmp_path / "bare").read_text("utf-8")
    assert "Certified by enumeration" in bare and "multistart best" not in bare


def test_column_names_reach_the_result_document(named):
    problem, _, path = named
    assert problem.x_names == ("height", "width") and problem.y_name == "price"
    assert Result.read(path).problem.columns == ("height", "width", "price")


def _labels(ax: Axes) -> set[str]:
    return {text for each in ax.figure.axes for text in (each.get_xlabel(), each.get_ylabel())}


def test_plot_function_draws_on_an_axis_with_the_column_names(named):
    problem, result, _ = named
    floats = Floats.of(problem)
    m = result.minima[0]
    ax = plot_function(floats, m)  # ax=None: a new figure
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() == "height" and ax.get_ylabel() == "width"
    assert "price (fitted: f)" in _labels(ax)  # the colour bar
    plt.close(ax.figure)
    fig, axs = plt.subplots(1, 2)
    assert plot_function(floats, m, ax=axs[1]) is axs[1]
    assert axs[0].get_xlabel() == "" and axs[1].get_xlabel() == "height"
    plt.close(fig)


def test_plot_function_d1_and_d3_labels(tmp_path):
    from reluscape.data import make_problem

    one = make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam=1, columns=["dose", "effect"])
    three = make_problem(
        [[0, 1, 2], [1, 0, 1], [2, 2, 0], [1, 1, 1]], [1, 2, 6, 3], hidden=1, lam=1,
        columns=["a", "b", "c", "yield"],
    )  # fmt: skip
    for problem, (xlabel, ylabel) in [
        (one, ("dose", "effect (fitted: f)")),
        (three, ("yield", "f at the data (fitted yield)")),
    ]:
        result = pipeline.solve(problem, face_timeout=60)
        ax = plot_function(Floats.of(problem), result.minima[0])
        assert (ax.get_xlabel(), ax.get_ylabel()) == (xlabel, ylabel)
        plt.close(ax.figure)


def test_plot_slice_has_uniform_labelled_levels(named):
    problem, result, _ = named
    m = result.minima[0]
    ax = plot_slice(Floats.of(problem), m, (0, 2))
    assert ax.get_xlabel() == "B_0_0 (weight of height)" and ax.get_ylabel() == "c_0 (bias)"
    filled = next(c for c in ax.collections if getattr(c, "filled", False))
    steps = np.diff(filled.levels)
    assert len(steps) >= 5 and np.allclose(steps, steps[0])
    assert ax.texts, "contour lines are labelled"
    assert "reduced loss r (sum convention)" in _labels(ax)  # the colour bar
    plt.close(ax.figure)


def _read_fake_compare(result: Result, folder: Path) -> dict:
    """:func:`_fake_compare` as :func:`read_compare` returns it (integer ids)."""
    path = folder / "cmp.json"
    path.write_text(json.dumps(_fake_compare(result)), encoding="utf-8")
    return read_compare(path, result)


def test_plot_basins_on_an_axis(named, tmp_path):
    _, result, _ = named
    fig, ax = plt.subplots()
    assert plot_basins(_read_fake_compare(result, tmp_path), result, ax=ax) is ax
    assert ax.get_ylabel() == "runs (of 10)"
    assert [t.get_text() for t in ax.get_xticklabels()][: len(result.minima)] == [
        f"#{m.id}" for m in result.minima
    ]
    plt.close(fig)


@pytest.mark.slow
def test_disconnectivity_graph_is_readable(tmp_path):
    """Every minimum named on the axis, and no text of the figure outside it."""
    from reluscape.numerical.landscape import connect

    problem = load_problem(D2, hidden=1, lam="1/10")
    result = connect(problem, pipeline.solve(problem, face_timeout=None, census=True))
    assert result.landscape is not None and result.landscape.joins
    ax = disconnectivity_graph(result)
    fig = ax.figure
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert sorted(ticks) == sorted(f"#{m.id}" for m in result.minima)
    box = fig.bbox
    renderer = fig.canvas.get_renderer()
    texts = [*ax.texts, *ax.get_xticklabels(), *ax.get_yticklabels(), ax.title,
             ax.xaxis.label, ax.yaxis.label]  # fmt: skip
    for text in texts:
        if text.get_text():
            inside = text.get_window_extent(renderer)
            assert box.x0 <= inside.x0 and inside.x1 <= box.x1, text.get_text()
            assert box.y0 <= inside.y0 and inside.y1 <= box.y1, text.get_text()
    width, height = fig.get_size_inches()
    assert width >= 6 and height >= 5
    plt.close(fig)


def _overflowed_landscape() -> SimpleNamespace:
    """A landscape whose minimum #1, joining point and one connection have losses that
    overflow a float (None in the document); minimum #2's is known."""
    point = SimpleNamespace(
        id=3, kind="kink", index=1, loss=None, face=[SimpleNamespace(kind="chamber", signs="++")],
        connects=[SimpleNamespace(minimum=1, barrier=None, paths=1),
                  SimpleNamespace(minimum=2, barrier=0.5, paths=1)],
    )  # fmt: skip
    join = SimpleNamespace(point=3, height=None, basins=((1,), (2,)), minimax=False)
    return SimpleNamespace(
        problem=SimpleNamespace(convention="sum", n=2),
        minima=[SimpleNamespace(id=1, loss=None), SimpleNamespace(id=2, loss=1.0)],
        critical_points=[point],
        landscape=SimpleNamespace(joins=[join], components=[[1, 2]], lost_paths=[]),
    )


def test_landscape_section_shows_an_overflowed_loss_as_such():
    """Overflowed losses read "(overflows a float)" in the joins (height, both barriers)
    and the connections (the point's loss, one barrier); the section raised TypeError."""
    text = landscape_section(_overflowed_landscape(), "")
    assert text.count("(overflows a float)") == 5
    assert "#2 (barrier 0.5)" in text


def test_disconnectivity_graph_skips_an_overflowed_loss():
    """Only minimum #2's leaf is drawn: #1's loss and the join's height overflowed."""
    ax = disconnectivity_graph(_overflowed_landscape())
    drawn = [(list(line.get_xdata()), list(line.get_ydata())) for line in ax.get_lines()]
    assert drawn == [([1.0], [1.0])]
    plt.close(ax.figure)
