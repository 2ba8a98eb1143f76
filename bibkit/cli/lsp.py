"""``bibkit lsp``: the language server, over stdio."""

from __future__ import annotations

import click

from bibkit.infra.errors import BibkitError


@click.command("lsp")
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the default and only transport).")
def command(stdio) -> None:
    """A language server for manuscripts, .bib files and claims.yaml (editors start it themselves).

    \b
    Diagnostics as you type (unknown citation keys, sentences that may need a citation as hints,
    bibkit check for .bib and claims.yaml), hover on a key (reference, annotation, claims),
    completion of keys after @, in \\cite{...} and in claims.yaml, go to definition.
    Needs the 'lsp' extra: pip install 'bibkit[lsp]'.
    """
    try:
        from bibkit.lsp.server import main
    except ImportError as exc:
        raise BibkitError(f"the language server needs pygls 2 ({exc.name} is missing): "
                          "pip install 'bibkit[lsp]'") from None
    main()
