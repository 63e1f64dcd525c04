"""Progress bars: the one helper every long stage reports through.

The stages (the enumeration's faces, the census's descents, the report's minima, the
training runs of ``compare``, the pieces of ``global``) call a *progress callback*
``progress(done, total, elapsed_seconds)``. :func:`progress_bar` turns the user's
``progress`` argument into one:

- ``True``: a :class:`Bar`, drawn by ``tqdm.auto`` (a widget in a Jupyter notebook, a
  text bar on a terminal); off when neither a notebook nor a terminal is there to show
  it, so that a file or a pipe never receives carriage returns;
- a callable: used as it is;
- ``False`` or None: no progress.

The command line passes ``not --quiet``.

Examples
--------
>>> import io
>>> bar = Bar("faces", stream=io.StringIO())  # not a terminal: off
>>> bar(3, 10, 0.5)
>>> bar.enabled, bar.stream.getvalue()
(False, '')
>>> progress_bar(None, "faces") is None
True
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

__all__ = ["Bar", "ProgressCallback", "close", "in_notebook", "progress_bar"]

ProgressCallback = Callable[[int, int, float], None]
"""``progress(done, total, elapsed_seconds)``, called as a stage advances."""


FALLBACK_COLUMNS = 80
"""The bar's width on a terminal that reports none (a new pseudo-terminal, some CI
runners), where tqdm would draw a bar of width 0."""


def _has_width(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal that reports its width (columns > 0)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns > 0
    except (AttributeError, OSError, ValueError):
        return False


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (where tqdm.auto draws a widget)."""
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    kernel = get() if callable(get) else None
    return kernel is not None and type(kernel).__name__ == "ZMQInteractiveShell"


class Bar:
    """A progress callback drawing a tqdm bar labelled ``label``; call :meth:`close`
    (or use it as a context manager) when the stage ends.

    The bar is drawn only where someone can watch it: in a notebook, or when ``stream``
    (stderr by default) is a terminal. Elsewhere every call does nothing.
    """

    def __init__(self, label: str, *, stream: TextIO | None = None, unit: str = "it") -> None:
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = in_notebook() or bool(callable(isatty) and isatty())
        self._bar: Any = None

    def status(self, line: str) -> None:
        """Show ``line`` as the bar's text: the progress of a stage that reports in words
        (``global``'s search, whose total is not known in advance)."""
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=None, desc=self.label, bar_format="{desc}: {postfix}",
                             file=self.stream, dynamic_ncols=True, leave=True)  # fmt: skip
        self._bar.set_postfix_str(line)

    def __call__(self, done: int, total: int, elapsed: float = 0.0) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm.auto import tqdm  # lazy: only a run that shows progress pays it

            sized = _has_width(self.stream)
            self._bar = tqdm(
                total=total, initial=done, desc=self.label, unit=self.unit, file=self.stream,
                dynamic_ncols=sized, ncols=None if sized else FALLBACK_COLUMNS, leave=True,
            )  # fmt: skip
            return
        if self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        """End the bar (its last state stays on screen)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(
    progress: bool | ProgressCallback | None, label: str, *, unit: str = "it"
) -> ProgressCallback | None:
    """The callback for a stage from the user's ``progress`` argument (module docstring):
    a new :class:`Bar` for True, the callable itself, or None."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return Bar(label, unit=unit)
    if not callable(progress):
        from reluscape.validation import InputError

        raise InputError(
            f"progress must be True, False or a callable (done, total, seconds), "
            f"got {type(progress).__name__}"
        )
    return progress


def close(callback: ProgressCallback | None) -> None:
    """Close ``callback`` if it is a :class:`Bar` (any other callable is left as it is)."""
    if isinstance(callback, Bar):
        callback.close()
