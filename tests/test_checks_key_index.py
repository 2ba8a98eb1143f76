"""KeyIndex gives exactly difflib's "did you mean" answer (the reference), only faster."""

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from bibkit.checks import KeyIndex

KEYS = st.text(alphabet="abcdeé:-_0123456789", min_size=0, max_size=14)


@settings(max_examples=400, deadline=None)
@given(keys=st.lists(KEYS, max_size=40, unique=True), key=KEYS)
def test_closest_is_difflibs_answer(keys, key):
    want = difflib.get_close_matches(key, keys, n=1, cutoff=0.75)
    assert KeyIndex(keys).closest(key) == (want[0] if want else None)


def test_closest_on_real_keys(corpus):
    import re

    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in corpus)
    keys = sorted(set(re.findall(r"@\w+\s*\{\s*([^,\s{}]+),", text)))
    assert len(keys) > 10000
    index = KeyIndex(keys)
    probes = [k[:-1] + "z" for k in keys[::97]] + [k + "x" for k in keys[3::89]] + ["ghost"]
    for probe in probes:
        want = difflib.get_close_matches(probe, keys, n=1, cutoff=0.75)
        assert index.closest(probe) == (want[0] if want else None), probe


def test_hint_text():
    assert KeyIndex(["smil1999", "peng1987"]).did_you_mean("smil199") == " (did you mean smil1999?)"
    assert KeyIndex(["smil1999"]).did_you_mean("zzz") == ""
