"""Hostile sources from a pull request stay bounded and inside the project.

Each attack input is generated here (no bombs are committed) and run through the real command
line in a child process under a memory ceiling (RLIMIT_AS) and a wall-clock limit: the code
before the fixes ran out of memory (a MemoryError traceback) or past the limit on every one.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

GIB = 1024 ** 3


def bounded_bibkit(args: list[str], cwd: Path, *, memory: int = 2 * GIB, timeout: float = 60,
                   env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m bibkit ARGS`` in ``cwd`` under ``memory`` bytes of address space and ``timeout`` seconds of
    CPU time (each process; the clock allows ten times that, so a busy machine does not fail a run that
    does the same work)."""
    seconds = int(timeout)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))

    full_env = {**os.environ, "BIBKIT_NO_CACHE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "bibkit", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=10 * timeout, preexec_fn=limit, env=full_env)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr, proc.stderr[-3000:]


# -- @string macros that double on every line ---------------------------------------------------------

def string_bomb(levels: int = 41) -> str:
    lines = ['@string{s0 = "abcdefgh"}']
    lines += [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, levels)]
    lines.append(f"@article{{k, author = {{Ann Author}}, title = s{levels - 1}, journal = {{J}}, year = 2000}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("command", [["check"], ["fmt", "--check"], ["export", "--to", "csl-json"],
                                     ["claim-map", "--format", "json"]])
def test_string_bomb_is_a_located_error_within_bounds(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "references.bib").write_text(string_bomb(), encoding="utf-8")
    proc = bounded_bibkit(command, tmp_path, timeout=120)  # a hang guard: the memory ceiling and the located error are what is tested
    no_traceback(proc)
    if command == ["check"]:
        assert proc.returncode == 1
        first = proc.stdout.splitlines()[0]
        # the first value that passes 1,000,000 characters: s17 (8 * 2**17 = 1,048,576), on line 18
        assert first.startswith("references.bib:18:") and " B023 " in first, proc.stdout[:2000]


def test_joined_values_are_bounded_per_file_too(tmp_path: Path) -> None:
    lines = ['@string{s0 = "abcdefgh"}'] + [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, 17)]
    # each value is 524,289 characters, well under the per-value limit; 200 of them pass the per-file one
    lines += [f"@misc{{k{i}, title = s16 # \"x\"}}" for i in range(200)]
    (tmp_path / "references.bib").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = bounded_bibkit(["check", "--select", "B023"], tmp_path, timeout=120)
    no_traceback(proc)
    located = [line for line in proc.stdout.splitlines() if " B023 " in line]
    # the @string lines join 8 * (2 + 4 + ... + 2**16) = 1,048,560 characters; then
    # (64,000,000 - 1,048,560) // 524,289 = 120 values fit, and the 121st (line 18 + 120) is refused
    assert located and located[0].startswith("references.bib:138:"), proc.stdout[:2000]
    assert "in this file" in located[0]


# -- manuscripts with very many citations -------------------------------------------------------------

@pytest.mark.parametrize("name, line", [
    ("essay.md", "Claim {i} is stated here [@knuth1984, p. {i}].\n"),
    ("paper.tex", "Claim {i} is stated here \\cite[p.~{i}]{{knuth1984}}.\n"),
])
def test_fifty_thousand_citations_scan_in_linear_time(tmp_path: Path, name: str, line: str) -> None:
    (tmp_path / "references.bib").write_text("@book{knuth1984, author = {Donald Knuth}, title = {Literate "
                                             "Programming}, publisher = {CSLI}, year = 1984}\n", encoding="utf-8")
    (tmp_path / name).write_text("".join(line.format(i=i) for i in range(50_000)), encoding="utf-8")
    # one paragraph of 50,000 sentences: each sentence used to look at every citation (98 s; now about 3 s)
    proc = bounded_bibkit(["scan", name, "--format", "json"], tmp_path, timeout=40)
    no_traceback(proc)
    import json

    (doc,) = json.loads(proc.stdout)["documents"]
    assert len(doc["citations"]) == 50_000
    assert {c["key"] for c in doc["citations"]} == {"knuth1984"}
    assert doc["needs_citation"] == []  # every sentence was handed its own citation


# -- full texts: a PDF decompression bomb ------------------------------------------------------------------

def bomb_pdf(inflated_mb: int) -> bytes:
    """A one-page PDF whose content stream (``Hello`` and then spaces) inflates to ``inflated_mb`` megabytes."""
    import zlib

    comp = zlib.compressobj(1)
    body = bytearray(comp.compress(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET\n"))
    chunk = b" " * (1 << 20)
    for _ in range(inflated_mb):
        body += comp.compress(chunk)
    body += comp.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + bytes(body) + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def quote_project(root: Path, key: str = "smith2000", quote: str = "Hello", suffix: str = ".pdf",
                  content: bytes = b"") -> Path:
    """A project whose one claim quotes ``quote`` from ``sources/KEY.SUFFIX`` (holding ``content``)."""
    (root / "references.bib").write_text(f"@article{{{key}, author = {{Ann Smith}}, title = {{A Title}}, "
                                         f"journal = {{J}}, year = 2000}}\n", encoding="utf-8")
    (root / "claims.yaml").write_text(f"version: 1\nclaims:\n  - id: c1\n    text: Something.\n    sources:\n"
                                      f"      - key: {key}\n        quote: {quote}\n", encoding="utf-8")
    (root / "sources").mkdir(exist_ok=True)
    path = root / "sources" / f"{key}{suffix}"
    path.write_bytes(content)
    return path


def test_pdf_bomb_is_unreadable_and_the_run_goes_on(tmp_path: Path) -> None:
    quote_project(tmp_path, content=bomb_pdf(1536))
    (tmp_path / "sources" / "other.txt").write_text("Hello there.", encoding="utf-8")
    # PDFium needs 2.5 GB for this file; under a 3 GB ceiling for the whole run the worker (1.5 GB) gives up
    proc = bounded_bibkit(["verify", "--format", "json"], tmp_path, memory=3 * GIB, timeout=60)
    no_traceback(proc)
    import json

    (link,) = json.loads(proc.stdout)["links"]
    assert link["status"] == "unreadable"
    assert "memory limit" in link["reason"] and "BIBKIT_PDF_MEMORY_MB" in link["reason"], link["reason"]


def test_a_slow_pdf_meets_the_time_limit(tmp_path: Path) -> None:
    quote_project(tmp_path, content=bomb_pdf(1536))
    proc = bounded_bibkit(["verify", "--format", "json"], tmp_path, memory=16 * GIB, timeout=60,
                          env={"BIBKIT_PDF_MEMORY_MB": "8192", "BIBKIT_PDF_TIMEOUT": "1"})
    no_traceback(proc)
    import json

    (link,) = json.loads(proc.stdout)["links"]
    assert link["status"] == "unreadable"
    assert "longer than 1 s" in link["reason"], link["reason"]


def test_ctrl_c_stops_a_pdf_extraction_at_once(tmp_path: Path) -> None:
    import signal
    import time

    quote_project(tmp_path, content=bomb_pdf(1536))
    env = {**os.environ, "BIBKIT_NO_CACHE": "1", "BIBKIT_PDF_MEMORY_MB": "8192"}
    proc = subprocess.Popen([sys.executable, "-m", "bibkit", "verify"], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        worker = None
        while worker is None and proc.poll() is None:  # wait for the event: the worker has started
            worker = next((p for p in _children(proc.pid) if "fulltext.worker" in _cmdline(p)), None)
            time.sleep(0.05)
        assert worker is not None, proc.communicate()
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        out, err = proc.communicate(timeout=30)  # the bomb takes 9 s and more to inflate; Ctrl-C does not wait
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not os.path.exists(f"/proc/{worker}") or _state(worker) == "Z"


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


# -- full texts outside the project ------------------------------------------------------------------------

SECRET = "Zyxwvut quorkle snarfblat is the password of the deploy key MOONBEAM7731 here."
QUOTE = "Zyxwvut quorkle snarfblat is the password of the deploy key"  # a closest passage would show MOONBEAM7731


def _outside_project(tmp_path: Path, file_field: str | None, link: str | None = None) -> tuple[Path, Path]:
    """A project in ``tmp_path/proj`` whose source's full text is the secret outside it, named by ``file_field``
    (with ``{secret}`` for the secret's path) or by a symbolic link ``sources/<key>.txt``."""
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n", encoding="utf-8")
    proj = tmp_path / "proj"
    proj.mkdir()
    quote_project(proj, quote=QUOTE, suffix=".keep", content=b"")
    (proj / "sources" / "smith2000.keep").unlink()
    if file_field is not None:
        field = file_field.format(secret=secret, rel=os.path.relpath(secret, proj))
        bib = proj / "references.bib"
        bib.write_text(bib.read_text().replace("year = 2000}", "year = 2000,\n  file = {" + field + "}}"))
    if link is not None:
        (proj / "sources" / link).symlink_to(secret)
    return proj, secret


OUTPUTS = [["verify"], ["verify", "--format", "json"], ["check"], ["check", "--format", "sarif"],
           ["check", "--format", "json"], ["check", "--format", "github"], ["claim-map", "--format", "json"],
           ["claim-map", "--format", "html"], ["claim-map", "--format", "markdown"], ["claim-map", "--format", "csv"]]


@pytest.mark.parametrize("file_field, link", [
    ("{secret}", None),                      # an absolute path
    ("{rel}", None),                         # ../elsewhere/secret.txt
    (":{secret}:Text", None),                # JabRef's description:path:type
    ("file://{secret}", None),
    (None, "smith2000.txt"),                 # a symbolic link committed in sources/
    ("sources/smith2000.txt", "smith2000.txt"),
])
def test_no_byte_of_a_file_outside_the_project_reaches_any_output(tmp_path: Path, file_field, link) -> None:
    proj, secret = _outside_project(tmp_path, file_field, link)
    for args in OUTPUTS:
        proc = bounded_bibkit(args, proj, timeout=60)
        no_traceback(proc)
        assert "MOONBEAM" not in proc.stdout and "MOONBEAM" not in proc.stderr, (args, proc.stdout[:3000])
    proc = bounded_bibkit(["verify", "--format", "json"], proj)
    (result,) = __import__("json").loads(proc.stdout)["links"]
    assert result["status"] == "unreadable"
    assert "outside the project folder" in result["reason"] and "allow_outside" in result["reason"]
    # allowed by name, the same text is read and the quote is close to it
    proc = bounded_bibkit(["--allow-outside", str(secret.parent), "verify", "--format", "json"], proj)
    (result,) = __import__("json").loads(proc.stdout)["links"]
    assert result["status"] == "found" and "MOONBEAM7731" in proc.stdout, result  # the planted leak shows


def test_a_tilde_is_not_the_home_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "papers").mkdir(parents=True)
    (home / "papers" / "x.txt").write_text(SECRET, encoding="utf-8")
    proj, _ = _outside_project(tmp_path, "~/papers/x.txt")
    proc = bounded_bibkit(["verify", "--format", "json"], proj, env={"HOME": str(home)})
    (result,) = __import__("json").loads(proc.stdout)["links"]
    assert result["status"] == "unreadable" and "MOONBEAM" not in proc.stdout
    assert result["reason"] == "~/papers/x.txt: file not found", result["reason"]  # proj/~/papers/x.txt


def test_allow_outside_in_the_config_reads_a_zotero_storage_folder(tmp_path: Path) -> None:
    proj, secret = _outside_project(tmp_path, "{secret}")
    (proj / "bibkit.toml").write_text(f'allow_outside = ["{secret.parent}"]\n', encoding="utf-8")
    proc = bounded_bibkit(["verify", "--format", "json"], proj)
    (result,) = __import__("json").loads(proc.stdout)["links"]
    assert result["status"] == "found"


# -- full texts: size, hostile Markdown, -o ----------------------------------------------------------------

def test_a_3_gb_full_text_is_unreadable_with_a_reason(tmp_path: Path) -> None:
    path = quote_project(tmp_path, suffix=".txt", content=b"Hello")
    with open(path, "r+b") as fh:  # sparse: 3 GB on paper, nothing on disk
        fh.truncate(3 * GIB)
    proc = bounded_bibkit(["verify", "--format", "json"], tmp_path, timeout=60)
    no_traceback(proc)
    (result,) = __import__("json").loads(proc.stdout)["links"]
    assert result["status"] == "unreadable"
    assert result["reason"].endswith("3,072 MB, larger than the 512 MB input limit (raise it with BIBKIT_MAX_INPUT_MB)")
    assert proc.returncode == 1  # the gate's finding (unreadable fails the default gate), never 2 or a crash


def test_a_full_text_with_more_text_than_any_book_is_unreadable(tmp_path: Path) -> None:
    quote_project(tmp_path, suffix=".txt", content=b"Hello there. " + b"word " * 10_500_000)  # 52 MB
    proc = bounded_bibkit(["verify", "--format", "json"], tmp_path, timeout=60)
    no_traceback(proc)
    (result,) = __import__("json").loads(proc.stdout)["links"]
    assert result["status"] == "unreadable"
    assert result["reason"].endswith("52,500,013 characters of text, more than bibkit's limit of 50,000,000")


@pytest.mark.parametrize("hostile", ["[" * 200_000, "<!--" * 100_000, "[a](" * 50_000, "![x][" * 40_000,
                                     "[a](" + "(" * 200_000])
def test_hostile_markdown_full_texts_verify_in_linear_time(tmp_path: Path, hostile: str) -> None:
    quote_project(tmp_path, suffix=".md", content=("Hello world.\n\n" + hostile).encode())
    proc = bounded_bibkit(["verify", "--format", "json"], tmp_path, timeout=20)  # the old patterns ran > 120 s
    no_traceback(proc)
    (result,) = __import__("json").loads(proc.stdout)["links"]
    assert result["status"] == "found"


@pytest.mark.parametrize("field", [None, "papers/smith.txt"])
def test_o_never_writes_over_a_full_text(tmp_path: Path, field: str | None) -> None:
    path = quote_project(tmp_path, suffix=".txt", content=b"Hello")
    if field:
        (tmp_path / "papers").mkdir()
        path = tmp_path / field
        path.write_bytes(b"Hello")
        bib = tmp_path / "references.bib"
        bib.write_text(bib.read_text().replace("year = 2000}", "year = 2000, file = {" + field + "}}"))
    for command in (["verify"], ["check"], ["claim-map"], ["export", "--to", "ris"]):
        proc = bounded_bibkit([*command, "-o", str(path)], tmp_path)
        assert proc.returncode == 2, (command, proc.stderr)
        assert ": is an input of this command (" in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
        assert path.read_bytes() == b"Hello"


# -- a config found by walking up ----------------------------------------------------------------------

MESSY = "@article{a,\n title={T},   author = {A B},\n year=2000, journal={J}}\n"


@pytest.mark.parametrize("mode, owner, name", [(0o666, None, "bibkit.toml"), (0o664, None, "bibkit.toml"),
                                               (0o646, None, "pyproject.toml"), (0o644, 4242, "bibkit.toml")])
def test_a_parent_config_others_can_write_cannot_redirect_fmt(tmp_path: Path, mode: int, owner, name: str) -> None:
    if owner is not None and os.getuid() != 0:
        pytest.skip("giving a file to another user needs root")
    victim = tmp_path / "victim" / "refs.bib"
    victim.parent.mkdir()
    victim.write_text(MESSY, encoding="utf-8")
    shared = tmp_path / "shared"  # a folder everyone may write, like /tmp
    (shared / "me").mkdir(parents=True)
    table = "[tool.bibkit]\n" if name == "pyproject.toml" else ""
    config = shared / name
    config.write_text(f'{table}bib = "{victim}"\nallow_outside = ["/"]\n', encoding="utf-8")
    config.chmod(mode)
    if owner is not None:
        os.chown(config, owner, -1)
    if mode & 0o020 and not mode & 0o002:
        if os.getuid() != 0:
            pytest.skip("giving a file to another group needs root")
        os.chown(config, -1, os.getgid() + 4242)  # a group others are in (one's own group may write)
    (shared / "me" / "references.bib").write_text(MESSY, encoding="utf-8")
    proc = bounded_bibkit(["fmt"], shared / "me")
    no_traceback(proc)
    assert victim.read_text(encoding="utf-8") == MESSY  # not rewritten
    assert (shared / "me" / "references.bib").read_text(encoding="utf-8") != MESSY  # the folder's own file was
    why = f"owned by another user (uid {owner})" if owner else (
        f"writable by {'everyone' if mode & 0o002 else 'its group'} (mode {mode:o})")
    assert proc.stderr.startswith(f"bibkit: warning: ../{name}: ignored, {why}; "), proc.stderr


@pytest.mark.parametrize("mode", [0o644, 0o664])  # 664: umask 002 systems, the user's own group
def test_a_parent_config_of_ones_own_is_used(tmp_path: Path, mode: int) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "refs.bib").write_text(MESSY, encoding="utf-8")
    (tmp_path / "bibkit.toml").write_text('bib = "refs.bib"\n', encoding="utf-8")
    (tmp_path / "bibkit.toml").chmod(mode)
    os.chown(tmp_path / "bibkit.toml", -1, os.getgid())
    proc = bounded_bibkit(["fmt"], tmp_path / "sub")
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr
    assert (tmp_path / "refs.bib").read_text(encoding="utf-8") != MESSY


# -- control characters from input in text output ----------------------------------------------------------

HOSTILE_CLAIMS = '''version: 1
document:
  title: "T\\n::error::title"
claims:
  - id: a1
    text: "Text with\\n::warning::bad and \\u001b[31mred\\u001b[0m \\u2028::error::ls"
    sources:
      - key: "knuth1984\\n::error file=x.py::k"
        quote: "q\\n::error::q"
        locator: "p. 1\\n::error::loc"
      - key: knuth1984
        quote: "q2\\n::error::q2"
  - id: a2
    text: "Other"
'''
HOSTILE_BIB = ('@book{knuth1984, author = {Donald Knuth}, title = {Literate\n::error::t}, publisher = {CSLI}, '
               'year = {19\n::error::84}, note = {\x1b[2J}}\n'
               '@misc{orphan, title = {x}, author = {A B}, year = {2000}, note = {n\x1b]8;;http://x\x1b\\\\}}\n')


@pytest.mark.parametrize("args", [["check"], ["claim-map"], ["claim-map", "--orphans"], ["verify", "--all"],
                                  ["scan", "essay.md"], ["reading-list"], ["claim-map", "--format", "markdown"]])
def test_hostile_text_cannot_start_a_workflow_command_line(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "claims.yaml").write_text(HOSTILE_CLAIMS, encoding="utf-8")
    (tmp_path / "references.bib").write_text(HOSTILE_BIB, encoding="utf-8")
    (tmp_path / "essay.md").write_text("A claim [@knuth1984\n::error::m; @ghost\u2028::error::g].\n", encoding="utf-8")
    proc = bounded_bibkit(args, tmp_path)
    no_traceback(proc)
    assert proc.stdout.strip()
    for stream in (proc.stdout, proc.stderr):
        for line in stream.splitlines():  # str.splitlines also breaks at U+2028, as some log viewers do
            assert not line.lstrip().startswith("::"), (args, line)
        assert "\x1b" not in stream, (args, stream)


# -- a .docx with a DOCTYPE ----------------------------------------------------------------------------------

def test_a_docx_whose_entities_are_dropped_says_so(tmp_path: Path) -> None:
    import zipfile

    from bibkit.formatting.pandoc_run import pandoc_path

    (tmp_path / "essay.md").write_text("First paragraph [@knuth1984].\n\nSecond paragraph XXEHERE.\n", encoding="utf-8")
    subprocess.run([pandoc_path(), "essay.md", "-o", "made.docx"], cwd=tmp_path, check=True)
    (tmp_path / "secret.txt").write_text("MOONBEAM7731", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "made.docx") as src, zipfile.ZipFile(tmp_path / "evil.docx", "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                head, rest = data.split(b"?>", 1)
                doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{tmp_path}/secret.txt">]>'.encode()
                data = head + b"?>" + doctype + rest.replace(b"XXEHERE", b"&xxe;")
            out.writestr(info, data)
    (tmp_path / "references.bib").write_text("@book{knuth1984, author = {Donald Knuth}, title = {Literate "
                                             "Programming}, publisher = {CSLI}, year = 1984}\n", encoding="utf-8")
    proc = bounded_bibkit(["scan", "evil.docx"], tmp_path)
    no_traceback(proc)
    assert "MOONBEAM" not in proc.stdout + proc.stderr
    assert ("evil.docx:2: unreadable-citation word/document.xml uses 1 XML entity (&xxe;) from a DOCTYPE Word never "
            "writes; not expanded, their text is left out") in proc.stdout.splitlines(), proc.stdout


def test_a_sibling_folder_sharing_the_projects_name_prefix_is_outside(tmp_path: Path) -> None:
    # /x/proj-evil starts with the characters of /x/proj but is not inside it
    proj = tmp_path / "proj"
    proj.mkdir()
    evil = tmp_path / "proj-evil"
    evil.mkdir()
    (evil / "secret.txt").write_text(SECRET, encoding="utf-8")
    quote_project(proj, quote=QUOTE, suffix=".keep", content=b"")
    bib = proj / "references.bib"
    bib.write_text(bib.read_text().replace("year = 2000}", f"year = 2000, file = {{{evil / 'secret.txt'}}}}}"))
    proc = bounded_bibkit(["verify", "--format", "json"], proj)
    (result,) = __import__("json").loads(proc.stdout)["links"]
    assert result["status"] == "unreadable" and "outside the project folder" in result["reason"]
    assert "MOONBEAM" not in proc.stdout
    (proj / "bibkit.toml").write_text(f'bib = "../proj-evil/refs.bib"\n', encoding="utf-8")
    (evil / "refs.bib").write_text("@misc{a, title = {T}}\n", encoding="utf-8")
    proc = bounded_bibkit(["check"], proj)
    assert proc.returncode == 2 and "leads outside the project folder" in proc.stderr


def test_a_dangling_symbolic_link_in_sources_is_unreadable_not_missing(tmp_path: Path) -> None:
    quote_project(tmp_path, suffix=".keep", content=b"")
    (tmp_path / "sources" / "smith2000.keep").unlink()
    (tmp_path / "sources" / "smith2000.pdf").symlink_to(tmp_path / "sources" / "gone.pdf")
    proc = bounded_bibkit(["verify", "--format", "json"], tmp_path)
    (result,) = __import__("json").loads(proc.stdout)["links"]
    assert result["status"] == "unreadable" and result["reason"].endswith("file not found"), result
    assert proc.returncode == 1  # fails the default gate, as a listed full text that cannot be read must
