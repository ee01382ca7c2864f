"""Commands imported when they run, not when ``pcfgraph`` starts.

Importing every command module pulled in pyoxigraph, rdflib, openpyxl and the web layer before
``--help`` could print (0.5-0.8 s). A lazy command is registered with its module, attribute and
the help listing reads the command function's docstring from the module's source (``ast``, no
import), and the module is imported only when the command is looked up to run (or by
``main.commands[name]``). ``test_cli_lazy`` checks that each listed line equals the command's
own short help and that ``--help`` imports no heavy module.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import re
from typing import Any

import click


class LazyCommands(dict[str, click.Command]):
    """``Group.commands`` that imports a registered command on first access."""

    def __init__(self) -> None:
        super().__init__()
        self.lazy: dict[str, tuple[str, str]] = {}

    def __missing__(self, name: str) -> click.Command:
        if name not in self.lazy:
            raise KeyError(name)
        module, attr = self.lazy[name]
        command = getattr(importlib.import_module(module), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module}.{attr} is not a click command")
        self[name] = command
        return command

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self.lazy

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def names(self) -> list[str]:
        return sorted(set(dict.keys(self)) | set(self.lazy))


class LazyGroup(click.Group):
    """A click group whose commands may be registered by import path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lazy = LazyCommands()
        lazy.update(self.commands)
        self.commands = lazy

    def add_lazy(self, name: str, target: str) -> None:
        """Register ``name`` as the command ``module:attribute`` (imported when it runs)."""
        module, attr = target.split(":", 1)
        assert isinstance(self.commands, LazyCommands)
        self.commands.lazy[name] = (module, attr)

    def lazy_help(self, name: str) -> str:
        """The docstring of a lazy command's function, read from its module's source."""
        assert isinstance(self.commands, LazyCommands)
        module, attr = self.commands.lazy[name]
        return docstring_of(module, attr)

    def list_commands(self, ctx: click.Context) -> list[str]:
        assert isinstance(self.commands, LazyCommands)
        return self.commands.names()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        """The command, its ``BrokenPipeError`` raised as :class:`OutputClosed` (click
        caught it and exited 1; :func:`~pcfgraph.cli.common.run_main` exits 0)."""
        from pcfgraph.cli.common import OutputClosed

        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise OutputClosed() from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The usual command list, with lazy commands' help from their registration."""
        assert isinstance(self.commands, LazyCommands)
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if dict.__contains__(self.commands, name):
                cmd = dict.__getitem__(self.commands, name)
                if cmd.hidden:
                    continue
                text = cmd.get_short_help_str(limit)
            else:
                # Same truncation as the real command's listing, without importing it.
                stand_in = click.Command(name, help=self.lazy_help(name))
                text = stand_in.get_short_help_str(limit)
            rows.append((name, text))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def docstring_of(module: str, attr: str) -> str:
    """The docstring of function ``attr`` in ``module``'s source, without importing it.

    Only the function's own lines are parsed (from its ``def`` to the next line that starts
    at column 0), and each module's source is read once: parsing all 18 command modules
    whole was most of ``--help``'s own time. Anything the slice cannot answer falls back to
    parsing the whole module."""
    source = _source(module)
    if source is None:
        return ""
    match = re.search(rf"^(?:async )?def {re.escape(attr)}\(", source, re.MULTILINE)
    if match is not None:
        chunk = source[match.start() :]
        end = _TOP_LEVEL.search(chunk, 1)
        try:
            found = _docstring_in(ast.parse(chunk[: end.start() if end else None]), attr)
        except SyntaxError:
            found = None
        if found is not None:
            return found
    return _docstring_in(ast.parse(source), attr) or ""


#: The start of the next top-level statement after a ``def`` (a closing ``)`` of a signature
#: split over lines, comments and blank lines do not end the function).
_TOP_LEVEL = re.compile(r"\n(?=[^\s)#])")


@functools.cache
def _source(module: str) -> str | None:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    with open(spec.origin, encoding="utf-8") as fh:
        return fh.read()


def _docstring_in(tree: ast.Module, attr: str) -> str | None:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == attr:
            return ast.get_docstring(node) or ""
    return None
