"""Shared CLI plumbing: error-to-exit-code mapping, settings from options."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pcfgraph.errors import InputError, PcfgraphError

if TYPE_CHECKING:
    from pcfgraph.release import Release

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
#: A bug, not the input: kept apart from 1 so scripts never read a crash as findings.
EXIT_INTERNAL = 3
#: Environment variable that makes an internal error print its traceback.
DEBUG_ENV = "PCFGRAPH_DEBUG"

F = TypeVar("F", bound=Callable[..., Any])

#: The formats of commands that print rows.
TABLE_FORMATS = ("table", "csv", "json")


def format_option(
    choices: Sequence[str] = TABLE_FORMATS,
    default: str | None = None,
    *,
    short: bool = False,
    help: str | None = None,
) -> Callable[[F], F]:
    """The ``--format`` option (``-f`` too when ``short``) of a command, passed as ``fmt``;
    the default is the first choice."""
    decls = ["--format", "-f", "fmt"] if short else ["--format", "fmt"]
    return click.option(
        *decls,
        type=click.Choice(list(choices)),
        default=default if default is not None else choices[0],
        show_default=True,
        help=help,
    )


def _dash_is_stdout(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """``-o -`` is stdout, as for most command-line tools (it wrote a file named ``-``)."""
    return None if value is not None and str(value) == "-" else value


#: ``-o/--output FILE`` (stdout when left out, or given as ``-``), passed as ``output``.
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    default=None,
    callback=_dash_is_stdout,
)


#: Formats written as bytes that are not text: never printed on a terminal, never put in a
#: file whose name says text.
BINARY_FORMATS = frozenset({"xlsx"})
#: A ``.txt`` file holds any text: it names a format only when ``--format`` is left out.
_ANY_TEXT_SUFFIXES = frozenset({".txt"})
#: Suffixes of office and archive files: a command that writes none of them refuses such an
#: ``-o`` rather than put text in a file its program will not open.
_BINARY_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".odt", ".docx", ".pdf", ".zip"})


def output_format(
    fmt: str, output: Path | None, suffixes: Mapping[str, str], *, param: str = "fmt"
) -> str:
    """The format a command writes: ``--format`` when given, else the one ``-o``'s suffix
    names (``suffixes``: lower-case suffix -> one of the command's format names), else the
    default. ``--format`` given with an ``-o`` whose suffix names another of the command's
    formats (``--format json -o findings.xlsx``: a file its own program refuses to open) is
    a usage error (exit 2) naming both; so is an office or archive suffix (``.xlsx``,
    ``.zip``...) the command writes no format for, given ``--format`` or not."""
    if output is None:
        return fmt
    suffix = output.suffix.lower()
    named = suffixes.get(suffix)
    if named is None and suffix in _BINARY_SUFFIXES:
        known = ", ".join(sorted(set(suffixes)))
        raise click.UsageError(
            f"-o {output}: this command writes no {suffix} file (the file would hold text its "
            f"program refuses to open); name it with one of {known}"
        )
    source = click.get_current_context().get_parameter_source(param)
    if source is click.core.ParameterSource.DEFAULT:
        return named or fmt
    if named is None or named == fmt:
        return fmt
    if suffix in _ANY_TEXT_SUFFIXES and fmt not in BINARY_FORMATS:
        return fmt
    expected = next((s for s, name in suffixes.items() if name == fmt), None)
    raise click.UsageError(
        f"--format {fmt} and -o {output} disagree: {suffix} names the format {named}; "
        f"leave out --format (the suffix decides) or name the file "
        + (f"*{expected}" if expected else "with another suffix")
    )


def refuse_binary_on_terminal(fmt: str, output: Path | None) -> None:
    """A binary format with no ``-o`` and stdout a terminal: refused (exit 2) before any work,
    so a workbook's bytes never fill the screen (redirected or piped stdout gets them)."""
    if fmt in BINARY_FORMATS and output is None and sys.stdout.isatty():
        raise InputError(
            f"--format {fmt} is a binary file, not printed on a terminal: give -o FILE.{fmt} "
            f"(or redirect stdout to a file)"
        )


def extra_sources_options(command: F) -> F:
    """``--add FILE...`` (passed as ``add_workbooks``) and ``--sources FILE`` (``sources_file``):
    the sources ``build`` and ``serve`` add to the shipped data, declared once for both."""
    command = click.option(
        "--sources",
        "sources_file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        metavar="FILE",
        help="Add the frameworks of a sources file (the schema of data/frameworks.yaml).",
    )(command)
    return click.option(
        "--add",
        "add_workbooks",
        multiple=True,
        type=click.Path(path_type=Path, dir_okay=False),
        metavar="FILE",
        help="Add an APQC workbook (any edition and version) to the shipped data (repeatable).",
    )(command)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """``SIGHUP`` and ``SIGTERM`` raise ``SystemExit(128 + signal)`` meanwhile (the status a
    shell shows for a process they ended), as ``SIGINT`` raises KeyboardInterrupt, so the
    work in hand cleans up: a ``build -o`` whose terminal closed left its half-written
    temporary release beside ``-o`` until a publication an hour later swept it. A signal
    ignored (``nohup``) stays ignored."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    import threading

    previous = {}
    main_thread = threading.current_thread() is threading.main_thread()  # else: not settable
    for sig in (signal.SIGHUP, signal.SIGTERM) if main_thread else ():
        if signal.getsignal(sig) is signal.SIG_DFL:
            previous[sig] = signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print a one-line message to stderr and exit with ``code``; what it quotes (a file's
    name) made visible, as :func:`run_main` prints an error's."""
    from pcfgraph.terminal_text import printable

    click.echo(f"pcfgraph: error: {printable(message)}", err=True)
    raise SystemExit(code)


def print_warnings(warnings: Sequence[str]) -> None:
    """Print warnings (an importer's, naming workbook, sheet and row) to stderr, one a line:
    ``import apqc``, ``build`` and ``serve`` alike."""
    from pcfgraph.terminal_text import printable

    for warning in warnings:
        click.echo(f"pcfgraph: warning: {printable(warning)}", err=True)


#: The settings that add sources to the shipped data (``add_workbooks``, ``sources_file``).
_EXTRA_SOURCE_VARIABLES = frozenset({"PCFGRAPH_ADD_WORKBOOKS", "PCFGRAPH_SOURCES_FILE"})


def own_warnings(release: Release) -> list[str]:
    """What the release's build warned about but the shipped data's own workbook warnings
    (:attr:`~pcfgraph.release.Release.shipped_warnings`), each left out once: a workbook of
    the user's warning in the very same words still warns."""
    left = list(release.shipped_warnings)
    out = []
    for warning in release.warnings:
        if warning in left:
            left.remove(warning)
        else:
            out.append(warning)
    return out


def opened_release(path: Path | None, *, shipped_warnings: bool = False) -> Release:
    """The release a command reads (:func:`pcfgraph.release_cache.open_release`), with what
    its build warned about printed to stderr as ``build`` and ``serve`` print it: the warnings
    of the workbooks and sources file the user added (they were never shown by ``validate``,
    ``diff``, ``audit``, ``query`` ...). The shipped data's own workbook warnings only with
    ``shipped_warnings`` (``validate``, ``push``: where that data is checked or published):
    the same two lines on every command were noise to a user auditing a model, about a
    workbook they cannot change; ``build`` and ``serve`` print them too. Once per command:
    call it once.

    Without ``path``, the shipped data with the workbooks and sources file the environment
    adds (``PCFGRAPH_ADD_WORKBOOKS``, ``PCFGRAPH_SOURCES_FILE``), as ``serve`` and ``mcp``
    build it: a command run beside a server reads the graph it serves (they read only the
    shipped data, while the settings say they are added to it wherever it is assembled)."""
    from pcfgraph.release_cache import open_release

    extra = None
    if path is None and any(name.upper() in _EXTRA_SOURCE_VARIABLES for name in os.environ):
        # read by the settings, which are imported only then (pydantic: 90 ms of a command)
        from pcfgraph.config import Settings
        from pcfgraph.release_reload import extra_sources

        extra = extra_sources(Settings.from_env()) or None
    release = open_release(path, extra=extra)
    print_warnings(release.warnings if shipped_warnings else own_warnings(release))
    return release


class OutputClosed(Exception):
    """What a command raises for a ``BrokenPipeError``, stdout's reader having gone
    (``pcfgraph export | head``): click turned that error into exit status 1, in pcfgraph's
    terms "findings", at random (as the reader closed before or after the last write)."""


#: A write that failed for want of room (a full disk, a quota, ``ulimit -f``): no bug.
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _discard_stdout() -> None:
    """Send what is still buffered for stdout to /dev/null: flushed at exit into a closed
    pipe or a full disk, it failed again ("Exception ignored ...", exit status 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor (a test's captured stdout)
        pass


def _escape_what_cannot_be_encoded() -> None:
    """stdout and stderr show a character their encoding lacks as an escape (``\\u2019``):
    under a Latin-1 locale (``LANG=de_DE.ISO-8859-1``) a name holding a curly quote was
    "internal error (UnicodeEncodeError ...). This is a bug", exit 3."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


def _closed_output_to_devnull() -> None:
    """A stdout or stderr closed when the command started (``>&-``, some service wrappers)
    is /dev/null, as for a reader that left: it was "internal error (AttributeError:
    'NoneType' object has no attribute 'buffer')", exit 3, and the first file opened took
    its number, so what a forked process wrote to its stdout went into that file."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is None:
            devnull = os.open(os.devnull, os.O_WRONLY)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
            setattr(sys, name, open(fd, "w", encoding="utf-8", closefd=False))  # noqa: SIM115


def run_main(group: click.Group, args: list[str] | None = None) -> int:
    """Run the click group, turning pcfgraph errors into one-line messages and exit codes."""
    _closed_output_to_devnull()
    _escape_what_cannot_be_encoded()
    try:
        group.main(args=args, prog_name="pcfgraph", standalone_mode=False)
        sys.stdout.flush()  # what is still buffered fails here, where it is reported
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        _show(exc)
        return EXIT_BAD_INPUT
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_BAD_INPUT
    except InputError as exc:
        from pcfgraph.terminal_text import printable  # only on an error: start-up stays lean

        click.echo(f"pcfgraph: error: {printable(str(exc))}", err=True)
        return EXIT_BAD_INPUT
    except PcfgraphError as exc:
        from pcfgraph.terminal_text import printable

        click.echo(f"pcfgraph: error: {printable(str(exc))}", err=True)
        return EXIT_BAD_INPUT
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_BAD_INPUT
    except (OutputClosed, BrokenPipeError):
        _discard_stdout()
        return EXIT_OK
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno in _NO_ROOM:  # was 'internal error', 3
            _discard_stdout()
            from pcfgraph.terminal_text import printable

            where = printable(str(exc.filename2 or exc.filename or "the output"))
            click.echo(f"pcfgraph: error: cannot write {where}: {exc.strerror}", err=True)
            return EXIT_BAD_INPUT
        if os.environ.get(DEBUG_ENV):
            import traceback  # only here: importing it costs every command's start-up

            traceback.print_exc()
        from pcfgraph.terminal_text import printable

        click.echo(
            f"pcfgraph: internal error ({type(exc).__name__}: {printable(str(exc))}). This is "
            f"a bug, not your input; please report it (set {DEBUG_ENV}=1 for the traceback).",
            err=True,
        )
        return EXIT_INTERNAL
    return EXIT_OK


def _show(exc: click.ClickException) -> None:
    """``exc.show()`` with what it quotes made visible: click names an option or command as
    typed (``No such option: --x``), so an argument holding an escape sequence or a
    right-to-left override was printed for the terminal to run or turn around."""
    import io

    from pcfgraph.terminal_text import printable

    class Kept(io.StringIO):
        def isatty(self) -> bool:  # click strips CSI sequences from what is not a terminal:
            return True  # here they are kept, to be shown escaped

    shown = Kept()
    exc.show(file=shown)
    click.echo(printable(shown.getvalue()), err=True, nl=False)


def parse_params(values: tuple[str, ...]) -> dict[str, Any]:
    """``--param k=v`` pairs to a dict; a malformed pair or a key given twice is bad input
    (as at ``/queries``)."""
    out: dict[str, Any] = {}
    for item in values:
        if "=" not in item:
            raise InputError(f"--param expects key=value, got {item!r}")
        key, value = item.split("=", 1)
        key = key.strip()
        if key in out:
            raise InputError(f"parameter {key!r} given more than once")
        out[key] = value
    return out


__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "TABLE_FORMATS",
    "fail",
    "format_option",
    "output_format",
    "output_option",
    "parse_params",
    "refuse_binary_on_terminal",
    "run_main",
    "sys",
]


def read_model_file(path: Path, max_bytes: int) -> bytes:
    """A model file's bytes, never read past ``max_bytes`` + 1: a file over the upload limit
    is refused as the parser would refuse it (:class:`~pcfgraph.errors.PayloadTooLarge`,
    naming its size) before it is read whole into memory (a multi-gigabyte file given by
    mistake), by its size when it has one, else (a pipe) once the limit is passed."""
    from pcfgraph.audit.parse import check_upload_size

    try:
        with path.open("rb") as f:
            stat = os.fstat(f.fileno())
            if os.path.isfile(path) and stat.st_size > max_bytes:
                check_upload_size(str(path), stat.st_size, max_bytes)
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    check_upload_size(str(path), len(data), max_bytes, " or more" if len(data) > max_bytes else "")
    return data
