"""``bibkit import``: add RIS / CSL-JSON / CSL-YAML / BibTeX sources to the bibliography, skipping duplicates."""

from __future__ import annotations

import os
import stat

import click

from bibkit.cli.options import config, echo_diagnostics
from bibkit.importer import DEFAULT_KEY_PATTERN, FORMATS, describe, encode_result, import_files
from bibkit.manuscripts import import_from_manuscripts
from bibkit.output import atomic_write


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
    pattern = key_pattern or cfg.extra.get("key_pattern") or DEFAULT_KEY_PATTERN
    if not isinstance(pattern, str) or "{" not in pattern:
        raise click.BadParameter(f"key pattern {pattern!r} has no {{author}}, {{year}} or {{title}}",
                                 param_hint="--key-pattern")
    try:
        pattern.format(author="", year="", title="")
    except (KeyError, IndexError, ValueError):
        raise click.BadParameter(f"key pattern {pattern!r} may only use {{author}}, {{year}} and {{title}}",
                                 param_hint="--key-pattern") from None
    if manuscripts:
        result = import_from_manuscripts(list(manuscripts), target, list(files), from_, merge=merge,
                                         overwrite=overwrite, key_pattern=pattern)
    else:
        result = import_files(list(files), target, from_, merge=merge, overwrite=overwrite, key_pattern=pattern)
    echo_diagnostics(result.diagnostics)
    lines = describe(result)
    if dry_run:
        click.echo("\n".join(lines))
        click.echo("(dry run: nothing written)", err=True)
        return
    click.echo("\n".join(lines), err=True)
    if result.new_text == result.original:
        return
    data = encode_result(result)
    mode = stat.S_IMODE(os.stat(target).st_mode) if os.path.exists(target) else None
    atomic_write(target, data, mode=mode)
    click.echo(f"Wrote {target}", err=True)
