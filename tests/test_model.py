"""The model's own logic: offsets to lines."""

from __future__ import annotations

import pytest

from bibkit.model import SourceText


@pytest.mark.parametrize("text", ["", "a", "\n", "a\nb", "a\r\nb\rc\n", "\r", "\r\n", "\n\n\r\r\n", "x\r", "é\r\nü\n"])
def test_line_ends_are_lf_crlf_and_lone_cr(text):
    ends = [i for i, c in enumerate(text) if c == "\n" or (c == "\r" and text[i + 1:i + 2] != "\n")]
    source = SourceText("x.bib", text)
    assert source._nl() == ends
    assert [source.line_of(i) for i in range(len(text) + 1)] == [
        1 + sum(1 for e in ends if e < i) for i in range(len(text) + 1)]
