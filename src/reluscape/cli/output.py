"""Output safety, the same for every command: the file first, a rescue copy, the pipe guard.

A command checks every output path before its work (:func:`reluscape.validation.
check_output_path`, :func:`reluscape.validation.check_output_dir`), writes its document
before it prints anything (a reader of stdout that goes away, ``| head``, cannot cost the
file), and when the write still fails after the work (the directory removed, the disk
full) keeps the work in a rescue copy in the first writable place among the temporary
directory, the working directory and the home directory, named on stderr. If no place
takes it, the summary is still printed and the exit code (2) says the file is missing.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from reluscape.validation import PROG, InputError, write_output


def print_out(text: str) -> None:
    """Print to stdout; a reader that went away (``| head``) is not an error.

    As the Python documentation advises (signal module, "Note on SIGPIPE"), stdout is
    then pointed at devnull, so the interpreter's final flush does not fail again; the
    run goes on, its files are written and its exit code is unchanged.
    """
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _rescue_places() -> list[Path]:
    places: list[Path] = []
    for get in (tempfile.gettempdir, Path.cwd, Path.home):
        with contextlib.suppress(OSError, RuntimeError):
            place = Path(get()).resolve()
            if place not in places:
                places.append(place)
    return places


def rescue(text: str, what: str) -> Path | None:
    """Write ``text`` to a new file in the first writable rescue place; None if none
    takes it. A place that fails midway (a full disk) keeps no partial file: the copy is
    written atomically (:func:`reluscape.validation.write_output`) and the name reserved
    for it is removed."""
    for place in _rescue_places():
        try:
            fd, name = tempfile.mkstemp(dir=place, prefix=f"{PROG}-{what}-", suffix=".json")
        except OSError:
            continue
        os.close(fd)
        try:
            return write_output(name, text)
        except InputError:
            with contextlib.suppress(OSError):
                os.unlink(name)
    return None


def save(target: Path, text: str, *, what: str, quiet: bool) -> bool:
    """Write the document ``text`` to ``target`` (checked before the work); on failure,
    save a rescue copy and say where on stderr. Returns whether ``target`` was written:
    the command then exits with :data:`reluscape.cli.common.EXIT_NOT_SAVED` (after
    printing its summary: the work is not lost)."""
    try:
        written = write_output(target, text)
    except InputError as exc:
        kept = rescue(text, what)
        where = (
            f"the {what} was saved to {kept} instead"
            if kept is not None
            else f"no writable place for a copy was found (tried "
            f"{', '.join(str(p) for p in _rescue_places())}): the {what} file is missing; "
            "the summary follows on stdout"
        )
        print(f"{PROG}: error: {exc}; {where}", file=sys.stderr, flush=True)
        return False
    if not quiet:
        print(f"{PROG}: {what} written to {written}", file=sys.stderr, flush=True)
    return True
