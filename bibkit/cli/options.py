"""Options and plumbing shared by the commands: project paths, output, formats, colour."""

from __future__ import annotations

import gc
import os
import sys
import time
from typing import Callable, Iterable, Iterator, Sequence

import click

from bibkit.bib.bibtex import paused_gc
from bibkit.bib.reader import READ_PROGRESS
from bibkit.config import Config, find_config
from bibkit.infra.diagnostics import Diagnostic, Severity
from bibkit.infra.output import is_stdout, refuse_overwriting_inputs, write_output
from bibkit.project import Project, load_project


def bib_option(f: Callable) -> Callable:
    """``--bib PATH`` (repeatable), with ``--no-cache`` alongside: every command that reads a bibliography has both."""
    f = no_cache_option(f)
    return click.option("--bib", "bib", multiple=True, type=click.Path(dir_okay=False),
                        help="BibTeX/BibLaTeX file (repeatable). Default: references.bib or the config.")(f)


def _set_no_cache(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.find_root().meta["bibkit.no_cache"] = True
    return value


def no_cache_option(f: Callable) -> Callable:
    """``--no-cache``: parse every file again and leave the parse cache alone."""
    return click.option("--no-cache", is_flag=True, expose_value=False, callback=_set_no_cache, is_eager=True,
                        help="Do not read or write the parse cache (BIBKIT_CACHE_DIR).")(f)


def cache_enabled() -> bool:
    """False when ``--no-cache`` was given or ``BIBKIT_NO_CACHE`` is set; checks the cache settings when on."""
    if os.environ.get("BIBKIT_NO_CACHE"):
        return False
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().meta.get("bibkit.no_cache"):
        return False
    from bibkit.infra.cache import max_bytes

    max_bytes()  # a bad BIBKIT_CACHE_MAX_MB is a one-line error before any work, not a traceback later
    return True


def claims_option(f: Callable) -> Callable:
    """``--claims PATH``."""
    return click.option("--claims", "claims", type=click.Path(dir_okay=False),
                        help="Claims file. Default: claims.yaml or the config.")(f)


def output_option(f: Callable) -> Callable:
    """``-o/--output PATH``."""
    return click.option("-o", "--output", "output", type=click.Path(dir_okay=False, allow_dash=True),
                        help="Write here instead of stdout ('-' is stdout). Written whole or not at all.")(f)


def format_option(choices: Sequence[str], default: str) -> Callable:
    """``--format`` with the given choices; its default may come from the config."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=None,
                        help=f"Output format [default: {default}, or 'format' in the config].")


#: How many passages ``--suggest`` without a number asks for.
SUGGEST_DEFAULT = 3


def suggest_option(f: Callable) -> Callable:
    """``--suggest [N]``: passage suggestions for links without a quote or whose quote is not found."""
    return click.option("--suggest", "suggest", type=click.IntRange(0, 20), is_flag=False, flag_value=SUGGEST_DEFAULT,
                        default=None, metavar="[N]",
                        help=f"Suggest the N passages of the source most likely to back the claim, for links without "
                             f"a quote or whose quote is not found (N: 0-20, default {SUGGEST_DEFAULT}; 0 turns it off). "
                             f"Default: 'suggest' in the command's config table, else off.")(f)


def suggest_count(value: int | None, command: str) -> int:
    """``--suggest``'s number, else the command's ``suggest`` setting (a whole number 0-20, or true for the default), else 0."""
    if value is not None:
        return value
    setting = config().section(command).get("suggest", 0)
    return SUGGEST_DEFAULT if setting is True else int(setting or 0)


def config() -> Config:
    """The project config for the current directory (read once per process)."""
    ctx = click.get_current_context()
    root = ctx.find_root()
    if root.obj is None:
        root.obj = find_config()
        root.obj.allow_outside += [os.path.abspath(p) for p in root.meta.get("bibkit.allow_outside", ())]
    return root.obj


def pick_format(value: str | None, choices: Sequence[str], default: str, command: str) -> str:
    """An explicit ``--format``, else the config's (per command, then global, if valid here), else ``default``."""
    if value:
        return value
    cfg = config()
    for candidate in (cfg.section(command).get("format"), cfg.format):
        if isinstance(candidate, str) and candidate in choices:
            return candidate
    return default


def load(bib: Sequence[str], claims: str | None, *, need_claims: bool = False, no_claims: bool = False,
         after_bibliography: Callable[[Project], None] | None = None) -> Project:
    """Load the project with the CLI's paths over the config's (``after_bibliography``: see ``load_project``)."""
    bar = Progress("Reading")
    token = READ_PROGRESS.set(bar.bibtex_hook if bar.enabled else None)
    with paused_gc():
        try:
            project = load_project(list(bib) or None, claims, config=config(), need_claims=need_claims,
                                   no_claims=no_claims, use_cache=cache_enabled(),
                                   after_bibliography=after_bibliography)
        finally:
            READ_PROGRESS.reset(token)
            bar.close()
        # The project lives until exit: freezing it keeps the collector from walking it again and again.
        gc.freeze()
    # The project's claims file and config are protected even when this command did not need them; a
    # claims file the command did not read may still be replaced where the user said --force.
    add_inputs(*project_inputs(project), project.config.path)
    add_inputs(claims or project.config.resolve(project.config.claims), replaceable=project.claims is None)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:  # its full texts are inputs too (verify, check and claim-map read them)
        ctx.find_root().meta["bibkit.project"] = project
    return project


def manuscript_keys(project: Project) -> list[str] | None:
    """What the project's configured manuscripts cite (for ``--cited-only``); None when none is configured."""
    paths = [project.config.resolve(p) for p in project.config.manuscript]
    if not paths:
        return None
    from bibkit.manuscripts.scan import cited_keys

    return cited_keys(paths, project.bibliography)


def warn_if_empty(count: int, project: Project, cited_only: bool, cited: list[str] | None,
                  filters: Sequence[str]) -> None:
    """One warning line on stderr when a selection of sources comes out empty, saying why if it can.

    ``filters`` names the options given (``--tag``, ``--cited-only``...); ``cited`` is what the
    manuscripts cite (None without one).
    """
    if count:
        return
    if not len(project.bibliography.entries):
        why = "the bibliography has no entries"
    elif cited_only and not any(c.links for c in (project.claims.claims if project.claims else [])) and not cited:
        what = "the claims link to no source" if project.claims is not None else "there is no claims file"
        if cited is None:
            why = f"--cited-only: {what} and no manuscript is configured ('manuscript' in bibkit.toml)"
        else:
            why = f"--cited-only: {what} and the manuscript cites none"
    else:
        why = f"no entry passes {', '.join(filters)}"
    click.echo(f"bibkit: warning: nothing selected: {why}", err=True)


def echo_diagnostics(diagnostics: Iterable[Diagnostic]) -> None:
    """Print what loading found (errors and warnings, one located line each) on stderr; info stays quiet.

    Every command that reads the bibliography calls it, so a damaged file never feeds a report silently.
    """
    for d in diagnostics:
        if d.severity is not Severity.INFO:
            click.echo(str(d), err=True)


def project_inputs(project: Project) -> list[str]:
    """Every file a loaded project was read from or points at: bibliographies, claims, manuscripts."""
    cfg = project.config
    paths = list(project.bib_paths) + [cfg.resolve(p) for p in cfg.manuscript]
    if project.claims is not None and project.claims.path:
        paths.append(project.claims.path)
        doc = project.claims.document.path
        if doc:
            paths.append(os.path.join(os.path.dirname(project.claims.path), doc))
    return paths


def add_inputs(*paths: str | None, replaceable: bool = False) -> None:
    """Record files the current command reads, so that ``-o`` may never name one of them.

    ``replaceable``: files the command protects but did not read (the project's claims file when
    ``claims extract`` drafts a new one): ``-o`` may name them when the user gave ``--force``.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        name = "bibkit.replaceable" if replaceable else "bibkit.inputs"
        ctx.find_root().meta.setdefault(name, []).extend(p for p in paths if p)


def command_inputs(force: bool = False) -> Iterator[str]:
    """The input files recorded for the current command (with ``force``, without the replaceable ones), then
    (found only when asked) the project's full texts."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    meta = ctx.find_root().meta
    yield from list(meta.get("bibkit.inputs", []))
    if not force:
        yield from list(meta.get("bibkit.replaceable", []))
    project = meta.get("bibkit.project")
    if project is not None:
        from bibkit.evidence.verify import fulltext_paths

        yield from fulltext_paths(project)


class Progress:
    """A progress bar on stderr for work that takes more than about a second; only on a terminal.

    ``update(done, total, label)`` may be called as often as wanted: nothing is drawn during the first
    second (quick runs stay quiet), then at most ten times a second. ``close()`` clears the line (call
    it before printing anything else; the next due ``update`` draws again). Library functions take
    :attr:`callback` as their ``progress`` (:mod:`bibkit.infra.progress`)::

        with Progress("Exporting") as bar:
            text = export_entries(entries, "csl-json", progress=bar.callback)

    Nothing is drawn when stderr is not a terminal or ``BIBKIT_NO_PROGRESS`` is set;
    ``BIBKIT_PROGRESS_DELAY`` (seconds) replaces the default delay of one second (tests set 0).
    """

    WIDTH = 30

    def __init__(self, what: str, delay: float | None = None, stream=None) -> None:
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)()) and not os.environ.get("BIBKIT_NO_PROGRESS")
        self.start = time.monotonic()
        self.delay = _default_delay() if delay is None else delay
        self.last = 0.0
        self.drawn = False

    @property
    def callback(self) -> Callable[[int, int], None] | None:
        """``update`` as a library ``progress`` callback, or None when nothing would be drawn (no cost then)."""
        return self.update if self.enabled else None

    def update(self, done: int, total: int, label: str = "") -> None:
        """Record progress; draw the bar when due."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < self.delay or now - self.last < 0.1:
            return
        self.last = now
        frac = min(1.0, done / total) if total else 1.0
        filled = int(frac * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        head = f"{self.what} {label}" if label else self.what
        self.drawn = True  # before writing: a Ctrl-C during the write must still find the line to clear
        self.stream.write(f"\r{head} [{bar}] {frac * 100:3.0f}%\x1b[K")
        self.stream.flush()

    def bibtex_hook(self, path: str, done: int, total: int) -> None:
        """The reader's progress callback (:data:`bibkit.bib.reader.READ_PROGRESS`)."""
        self.update(done, total, os.path.basename(path))

    def close(self) -> None:
        """Clear the bar if one was drawn."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _default_delay() -> float:
    """Seconds before a bar shows: ``BIBKIT_PROGRESS_DELAY`` when it is a number of seconds, else 1."""
    try:
        return max(0.0, float(os.environ.get("BIBKIT_PROGRESS_DELAY", "1")))
    except ValueError:
        return 1.0


def use_colour(to_stdout: bool = True) -> bool:
    """Colour only on a terminal and only when NO_COLOR is unset."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = sys.stdout if to_stdout else sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def emit(output: str | None, text: str, what: str, force: bool = False) -> None:
    """Write a report to ``-o`` (or stdout) and say where a file went, like coverage.py.

    Refuses (exit 2) when ``-o`` names one of the command's own inputs (see :func:`add_inputs`);
    ``force`` lets it replace a file recorded as replaceable (protected, but not read).
    """
    refuse_overwriting_inputs(output, command_inputs(force))
    write_output(output, text)
    if not is_stdout(output):
        click.echo(f"Wrote {what} to {output}", err=True)
