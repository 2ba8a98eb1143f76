"""bibkit.bib.textdiff: GNU patch (the reference) turns the old text into the new one with our diff."""

import difflib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bibkit.bib.fmt import format_text
from bibkit.bib.textdiff import unified_diff

PATCH = shutil.which("patch")
needs_patch = pytest.mark.skipif(PATCH is None and not os.environ.get("CI"), reason="GNU patch not installed")


def patched(tmp: Path, before: str, diff: str) -> str:
    """``before`` with ``diff`` applied by GNU patch."""
    target = tmp / "file.bib"
    target.write_bytes(before.encode("utf-8"))
    (tmp / "change.diff").write_bytes(diff.encode("utf-8"))
    subprocess.run([PATCH or "patch", "-s", "--no-backup-if-mismatch", str(target), str(tmp / "change.diff")],
                   check=True, capture_output=True)
    return target.read_bytes().decode("utf-8")


def test_equal_texts_have_no_diff():
    assert unified_diff("a\n", "a\n", "x", "y") == ""


ENTRIES = "@article{a,\n  title = {One},\n}\n\n@book{b,\n  title = {Two},\n}\n"


@pytest.mark.parametrize("before, after", [
    (ENTRIES, ENTRIES.replace("Two", "Three")),
    ("", ENTRIES),
    (ENTRIES, ""),
    ("x\n" * 20 + ENTRIES, ENTRIES + "y\n" * 20),
])
def test_small_changes_read_exactly_like_difflib(before, after):
    want = difflib.unified_diff(before.splitlines(True), after.splitlines(True), "old", "new")
    assert unified_diff(before, after, "old", "new") == "".join(want)


LINE = st.sampled_from(["\x0c\n", "@article{a,\n", "@Book{ b ,\n", "@misc{c,\n", "  title = {T},\n", "  year = 2001,\n",
                        "}\n", "\n", "% note\n", "@string{x = {y}}\n", "  author = {A and B},\n"])


@needs_patch
@settings(max_examples=150, deadline=None)
@given(before=st.lists(LINE, max_size=30), after=st.lists(LINE, max_size=30), tail=st.booleans())
def test_patch_applies_the_diff(tmp_path_factory, before, after, tail):
    a, b = "".join(before), "".join(after) + ("no newline" if tail else "")
    diff = unified_diff(a, b, "old", "new")
    assert patched(tmp_path_factory.mktemp("p"), a, diff) == b


@needs_patch
@pytest.mark.slow
def test_fmt_diff_of_every_corpus_file_patches_to_the_formatted_file(corpus, tmp_path):
    checked = 0
    for path in corpus:
        before = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
        after = format_text(before, str(path)).text
        if before == after:
            continue
        assert patched(tmp_path, before, unified_diff(before, after, "old", "new")) == after, path
        checked += 1
    assert checked > 200
