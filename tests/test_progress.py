"""Progress (reluscape.progress): a bar where someone watches, nothing in a file."""

from __future__ import annotations

import io
import sys

import pytest

import reluscape
from reluscape.progress import Bar, progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_and_nothing_in_a_file() -> None:
    term, file = Terminal(), io.StringIO()
    for stream in (term, file):
        with Bar("faces", stream=stream, unit="face") as bar:
            for done in range(4):
                bar(done, 3, 0.1 * done)
    assert "faces" in term.getvalue() and "3/3" in term.getvalue()
    assert file.getvalue() == ""


def test_progress_argument() -> None:
    calls: list[tuple[int, int]] = []

    def callback(done: int, total: int, seconds: float) -> None:
        calls.append((done, total))

    assert progress_bar(callback, "faces") is callback
    assert progress_bar(False, "faces") is None and progress_bar(None, "faces") is None
    assert isinstance(progress_bar(True, "faces"), Bar)
    with pytest.raises(reluscape.InputError, match="progress must be True, False or a callable"):
        progress_bar("yes", "faces")  # type: ignore[arg-type]


def test_solve_with_progress_true(monkeypatch: pytest.MonkeyPatch) -> None:
    """reluscape.solve(..., progress=True): a bar of the faces and one of the census's
    descents on a terminal; nothing on stderr when it is a file."""
    data = ([[0], [1], [2]], [0, 1, 0])
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    reluscape.solve(*data, hidden=1, lam="1/10", census=True, progress=True)
    text = term.getvalue()
    assert "faces" in text and "census descents" in text
    file = io.StringIO()
    monkeypatch.setattr(sys, "stderr", file)
    reluscape.solve(*data, hidden=1, lam="1/10", progress=True)
    assert file.getvalue() == ""


def test_a_status_line_on_a_terminal_only() -> None:
    """``global`` reports in words: the bar's text on a terminal, nothing in a file."""
    term, file = Terminal(), io.StringIO()
    for stream in (term, file):
        with Bar("global search", stream=stream) as bar:
            bar.status("solved 100 pieces")
            bar.status("solved 200 pieces")
    assert "global search" in term.getvalue() and "solved 200 pieces" in term.getvalue()
    assert file.getvalue() == ""
