"""``bibkit lsp`` end to end with pytest-lsp: a real client talks to ``python -m bibkit lsp`` over stdio.

The project is a copy of tests/data/draft (three sources, ten claims, an article) made in a
temporary folder; expectations are written out by hand from those files.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
types = pytest.importorskip("lsprotocol.types")
from pygls.uris import from_fs_path  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "draft"
ARTICLE = """\
# Notes

Rain fell by a third [@alpha2001, p. 12], and @ghost2020 disagrees.
The harvest failed in 1959 across the whole region.
"""
TEX = "As \\citet{beta2002} argues, the toll was lower \\cite{alp"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lsp") / "draft"
    shutil.copytree(DATA, root)
    (root / "notes.md").write_text(ARTICLE, encoding="utf-8")
    (root / "paper.tex").write_text(TEX, encoding="utf-8")
    # a diagnostic of the bibliography's own (B022), which no other file may show
    bib = root / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace(
        "  journal = {Journal of Examples},\n", "  journal = {Journal of Examples},\n  journaltitle = {Journal of Examples},\n"),
        encoding="utf-8")
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "bibkit", "lsp"]),
                    scope="module")
async def client(lsp_client: LanguageClient, workdir: Path):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(workdir)), name="draft")]))
    yield
    await lsp_client.shutdown_session()


def open_doc(client: LanguageClient, path: Path, language: str, text: str | None = None) -> str:
    uri = from_fs_path(str(path))
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id=language, version=1, text=path.read_text(encoding="utf-8") if text is None else text)))
    return uri


async def diagnostics_for(client: LanguageClient, uri: str, timeout: float = 30.0):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while uri not in client.diagnostics:
        if loop.time() > end:
            raise AssertionError(f"no diagnostics for {uri}")
        await asyncio.sleep(0.05)
    return client.diagnostics[uri]


@pytest.mark.asyncio(loop_scope="module")
async def test_manuscript_diagnostics_unknown_key_and_needs_citation_hint(client, workdir):
    uri = open_doc(client, workdir / "notes.md", "markdown")
    found = await diagnostics_for(client, uri)
    by_code = {d.code: d for d in found}
    missing = by_code["M001"]
    assert missing.severity == types.DiagnosticSeverity.Error
    assert missing.message == "cited key ghost2020 is not in the bibliography"
    # "@ghost2020" is on line 3 (0-based 2); the range covers the key.
    line = ARTICLE.splitlines()[2]
    assert missing.range.start.line == 2
    assert line[missing.range.start.character:missing.range.end.character].lstrip("@") == "ghost2020"
    hint = by_code["M002"]
    assert hint.severity == types.DiagnosticSeverity.Hint and hint.range.start.line == 3


@pytest.mark.asyncio(loop_scope="module")
async def test_diagnostics_follow_edits(client, workdir):
    uri = from_fs_path(str(workdir / "notes.md"))
    await diagnostics_for(client, uri)
    client.diagnostics.pop(uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="Only [@alpha2001] here.\n")]))
    found = await diagnostics_for(client, uri)
    assert [d.code for d in found] == []


@pytest.mark.asyncio(loop_scope="module")
async def test_claims_yaml_diagnostics_are_checks(client, workdir):
    uri = open_doc(client, workdir / "claims.yaml", "yaml")
    found = await diagnostics_for(client, uri)
    # claims.yaml line 21: ghost-link cites ghost2020, which references.bib lacks (C008).
    c008 = [d for d in found if d.code == "C008"]
    assert len(c008) == 1 and c008[0].range.start.line == 20
    assert c008[0].message == "claim ghost-link cites unknown key ghost2020"
    # exactly what `bibkit check` says about this file, nothing about the bibliography or another file
    import json
    import subprocess

    checked = json.loads(subprocess.run([sys.executable, "-m", "bibkit", "check", "--format", "json"], cwd=workdir,
                                        capture_output=True, text=True).stdout)["diagnostics"]
    mine = sorted((d["line"] - 1, d["code"]) for d in checked if d["file"] == "claims.yaml")
    assert sorted((d.range.start.line, d.code) for d in found) == mine
    assert [d["code"] for d in checked if d["file"] == "references.bib"] == ["B022"]  # not shown here


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_a_key_shows_reference_annotation_and_claims(client, workdir):
    uri = from_fs_path(str(workdir / "claims.yaml"))
    text = (workdir / "claims.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(text) if "key: beta2002" in t)
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=text[line].index("beta2002") + 3)))
    assert result.contents.kind == types.MarkupKind.Markdown
    # From references.bib and claims.yaml by hand: beta2002 backs one claim, which it contradicts.
    assert result.contents.value == (
        "Beta, B. (2002). A Lower Count. Journal of Examples, 3, 1–20.\n\n"
        "Claims (1):\n"
        "- `toll-lower` contested (contradicts): The toll was lower than first reported.")


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_escapes_markdown_in_claim_texts(client, workdir):
    uri = from_fs_path(str(workdir / "article.md"))
    open_doc(client, workdir / "article.md", "markdown")
    text = (workdir / "article.md").read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(text) if "@alpha2001" in t)
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=text[line].index("@alpha2001") + 1)))
    value = result.contents.value
    assert "- `hostile_1.x` supported: Half of the \\<b\\>costs\\</b\\> &amp; 50% of the \\$ went to {brackets}." in value
    assert "<b>" not in value


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_after_at_and_in_cite(client, workdir):
    uri = open_doc(client, workdir / "notes.md", "markdown", text="See @al")
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=7)))
    assert [i.label for i in result.items] == ["alpha2001"]
    assert result.items[0].detail == "Alpha (2001)"
    tex = open_doc(client, workdir / "paper.tex", "latex")
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=tex), position=types.Position(line=0, character=len(TEX))))
    assert [i.label for i in result.items] == ["alpha2001"]


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_of_keys_in_claims_yaml(client, workdir):
    uri = from_fs_path(str(workdir / "claims.yaml"))
    text = (workdir / "claims.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(text) if "- key: alpha2001" in t)
    col = text[line].index("alpha2001")
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=col)))
    assert sorted(i.label for i in result.items) == ["alpha2001", "beta2002", "gamma2003"]


@pytest.mark.asyncio(loop_scope="module")
async def test_definition_from_key_to_bib_entry(client, workdir):
    uri = open_doc(client, workdir / "article.md", "markdown")
    text = (workdir / "article.md").read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(text) if "@beta2002" in t)
    result = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=text[line].index("@beta2002") + 2)))
    assert result.uri == from_fs_path(str(workdir / "references.bib"))
    bib = (workdir / "references.bib").read_text(encoding="utf-8").splitlines()
    assert bib[result.range.start.line].startswith("@article{beta2002,")


@pytest.mark.asyncio(loop_scope="module")
async def test_definition_from_claim_span_to_claims_yaml(client, workdir):
    uri = from_fs_path(str(workdir / "article.md"))
    text = (workdir / "article.md").read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(text) if "#prices-doubled" in t)
    result = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=text[line].index("#prices-doubled") + 3)))
    assert result.uri == from_fs_path(str(workdir / "claims.yaml"))
    claims = (workdir / "claims.yaml").read_text(encoding="utf-8").splitlines()
    assert claims[result.range.start.line].strip() == "- id: prices-doubled"


@pytest.mark.asyncio(loop_scope="module")
async def test_an_edited_bibliography_changes_what_manuscripts_see(client, workdir):
    bib_uri = open_doc(client, workdir / "references.bib", "bibtex")
    md_uri = open_doc(client, workdir / "ghost.md", "markdown", text="As [@ghost2020] shows.\n")
    found = await diagnostics_for(client, md_uri)
    assert [d.code for d in found] == ["M001"]
    client.diagnostics.pop(md_uri)
    added = (workdir / "references.bib").read_text(encoding="utf-8") + (
        "\n@book{ghost2020, author = {Ghost, G.}, title = {Found}, year = {2020}, publisher = {P}}\n")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=bib_uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=added)]))
    found = await diagnostics_for(client, md_uri)
    assert [d.code for d in found] == []  # the unsaved buffer's entry counts


def test_without_pygls_the_command_says_what_to_install(runner, monkeypatch):
    from bibkit.cli import cli

    monkeypatch.setitem(sys.modules, "bibkit.lsp.server", None)  # as if pygls were not installed
    result = runner.invoke(cli, ["lsp"])
    assert result.exit_code == 2
    assert "pip install 'bibkit[lsp]'" in result.stderr and "Traceback" not in result.output


@pytest.mark.asyncio(loop_scope="module")
async def test_ranges_are_in_utf16_units(client, workdir):
    line = "\U0001F600 Ö [@nokey1999] here."
    uri = open_doc(client, workdir / "emoji.md", "markdown", text=line + "\n")
    (d,) = [d for d in await diagnostics_for(client, uri) if d.code == "M001"]
    units = line.encode("utf-16-le")
    shown = units[2 * d.range.start.character:2 * d.range.end.character].decode("utf-16-le")
    assert shown.lstrip("@") == "nokey1999"


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_of_claim_ids_in_a_bib_claims_field(client, workdir):
    text = "@book{x, title = {T}, claims = {rainfall-fell, to"
    uri = open_doc(client, workdir / "extra.bib", "bibtex", text=text)
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=len(text))))
    assert [(i.label, i.detail) for i in result.items] == [("toll-lower", "contested")]


@pytest.mark.asyncio(loop_scope="module")
async def test_a_bibliography_edit_is_read_in_the_background(client, workdir):
    """Right after an edit of the .bib, requests are answered from the project as it was (nothing waits
    for the re-read); once it is read, the new entry completes and the diagnostics follow."""
    bib_uri = from_fs_path(str(workdir / "references.bib"))
    md_uri = open_doc(client, workdir / "later.md", "markdown", text="See [@zeta2030] and @ze")
    found = await diagnostics_for(client, md_uri)
    # with the hint `check` gives (difflib's closest key: beta2002 shares "eta200")
    assert "cited key zeta2030 is not in the bibliography (did you mean beta2002?)" in [d.message for d in found]
    client.diagnostics.pop(md_uri)
    text = (workdir / "references.bib").read_text(encoding="utf-8")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=bib_uri, version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(
            text=text + "\n@book{zeta2030, author = {Zeta, Z.}, title = {Later}, year = {2030}, publisher = {P}}\n")]))
    at = types.Position(line=0, character=len("See [@zeta2030] and @ze"))
    before = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=md_uri), position=at))
    assert [i.label for i in before.items] == []  # answered at once, from the old project
    found = await diagnostics_for(client, md_uri)  # the re-read publishes again
    assert [d.message for d in found] == ["cited key ze is not in the bibliography"]  # the half-typed one
    after = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=md_uri), position=at))
    assert [i.label for i in after.items] == ["zeta2030"]


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_an_unquoted_link_suggests_passages(client, workdir):
    """In the verify demonstration project (copied beside the draft), hovering the key of a link without a quote
    shows the passages `verify --suggest` finds for its claim; a link whose quote is found shows none."""
    demo = workdir.parent / "verify-demo"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "verify-demo", demo)
    uri = open_doc(client, demo / "claims.yaml", "yaml")
    text = (demo / "claims.yaml").read_text(encoding="utf-8").splitlines()

    async def hover(line: int, word: str) -> str:
        result = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=text[line].index(word) + 2)))
        return result.contents.value

    unquoted = next(i for i, t in enumerate(text) if t.strip() == "- okafor2021")  # dam-breached-1881's second link
    value = await hover(unquoted, "okafor2021")
    head, suggested = value.split("\n\nSuggested passages for `dam-breached-1881`:\n")
    assert "- `dam-breached-1881` supported: A storm breached the mill dam in February 1881." in head
    assert suggested.split("\n")[0] == ("1. p. 211 (score 0.93, strong): The best year in the ledgers is 1876, with "
                                        "412 tons; the worst is 1881, when a storm breached the dam in February and "
                                        "the mill stood idle for eleven weeks.")
    assert [line[:3] for line in suggested.split("\n")] == ["1. ", "2. ", "3. "]
    quoted = next(i for i, t in enumerate(text) if "key: okafor2021" in t)  # grinds-on-the-ebb: its quote is found
    assert "Suggested passages" not in await hover(quoted, "okafor2021")
