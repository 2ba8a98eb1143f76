"""``bibkit import``: add RIS / CSL-JSON / CSL-YAML / BibTeX sources to the bibliography, skipping duplicates."""

from __future__ import annotations

import contextlib
import os

import click

from bibkit.bib.fmt import FmtOptions
from bibkit.bib.keypattern import KeyPatternError, check_key_pattern
from bibkit.cli.options import Progress, config, echo_diagnostics
from bibkit.infra.errors import BibkitError
from bibkit.infra.output import read_for_update, snapshot_of, update_lock, write_if_unchanged
from bibkit.interchange.importer import DEFAULT_KEY_PATTERN, FORMATS, describe, encode_result, import_files
from bibkit.manuscripts import import_from_manuscripts


def _key_pattern(option: str | None, cfg) -> str:
    """The key pattern from --key-pattern, else the config, else the default; checked either way."""
    try:
        if option is not None:
            return check_key_pattern(option)
        return check_key_pattern(cfg.extra.get("key_pattern") or DEFAULT_KEY_PATTERN)
    except KeyPatternError as exc:
        if option is not None:
            raise click.BadParameter(str(exc), param_hint="--key-pattern") from None
        raise BibkitError(f"{cfg.path or 'config'}: {exc}") from None


@click.command("import")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--from", "from_", type=click.Choice(FORMATS), default=None,
              help="Format of the FILES [default: guessed from their content].")
@click.option("--from-manuscript", "manuscripts", multiple=True, type=click.Path(dir_okay=False), metavar="DOCX",
              help="Also import the sources a Word document's Zotero, Mendeley, EndNote or Word citations carry "
                   "(repeatable); the same item cited many times is imported once.")
@click.option("--into", type=click.Path(dir_okay=False),
              help="Bibliography to add to [default: references.bib or the first 'bib' of the config].")
@click.option("--merge", is_flag=True, help="Fill empty fields of a duplicate from the incoming record.")
@click.option("--overwrite", is_flag=True, help="With --merge: also replace fields that already have a value.")
@click.option("--dry-run", "-n", is_flag=True, help="Print what would be added and skipped; write nothing.")
@click.option("--key-pattern", default=None,
              help="Pattern for new keys: {author}, {year}, {title} [default: 'key_pattern' in the config, "
                   f"else {DEFAULT_KEY_PATTERN}].")
def command(files, from_, manuscripts, into, merge, overwrite, dry_run, key_pattern) -> None:
    """Import sources from Zotero, pandoc, EndNote... without creating duplicates.

    A record is a duplicate when its DOI matches an entry's, or else its title, year and first
    author's family name do. Duplicates are skipped (or merged with --merge). New entries are
    appended at the end of the bibliography; every other byte of the file stays as it was.

    \b
    Examples:
      bibkit import zotero-export.ris --dry-run
      bibkit import refs.json --into references.bib --merge
      bibkit import --from-manuscript article.docx --dry-run
    """
    if not files and not manuscripts:
        raise click.UsageError("nothing to import: give FILES or --from-manuscript DOCX")
    if overwrite and not merge:
        raise click.UsageError("--overwrite only makes sense with --merge")
    cfg = config()
    target = into or cfg.resolve(cfg.bib[0])
    pattern = _key_pattern(key_pattern, cfg)
    layout = FmtOptions.from_config(cfg.section("fmt"), cfg.path or "bibkit.toml")  # written as `bibkit fmt` would
    # The whole read-plan-write holds the bibliography's update lock, so two imports (or fmt and an
    # import) run one after the other instead of one silently losing the other's entries.
    with contextlib.nullcontext() if dry_run else update_lock(target):
        snapshot = read_for_update(target) if not dry_run and os.path.exists(target) else snapshot_of(target, b"")
        if manuscripts:
            result = import_from_manuscripts(list(manuscripts), target, list(files), from_, merge=merge,
                                             overwrite=overwrite, key_pattern=pattern, fmt_options=layout)
        else:
            with Progress("Importing") as bar:
                result = import_files(list(files), target, from_, merge=merge, overwrite=overwrite,
                                      key_pattern=pattern, progress=bar.callback, fmt_options=layout)
        echo_diagnostics(result.diagnostics)
        lines = describe(result)
        if dry_run:
            click.echo("\n".join(lines))
            click.echo("(dry run: nothing written)", err=True)
            return
        click.echo("\n".join(lines), err=True)
        if result.new_text == result.original:
            snapshot.release()
            return
        write_if_unchanged(snapshot, encode_result(result))
    click.echo(f"Wrote {target}", err=True)
