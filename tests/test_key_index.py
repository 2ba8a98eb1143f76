"""KeyIndex gives exactly difflib's "did you mean" answer (the reference), only faster."""

import difflib
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bibkit.bib.key_index import KeyIndex, char_tokens, members, sharing_at_least, token_bitmaps

KEYS = st.text(alphabet="abcdeé:-_0123456789", min_size=0, max_size=14)


def reference(key: str, keys: list[str]) -> str | None:
    """What ``bibkit check`` hinted before KeyIndex existed, and what it must keep hinting."""
    want = difflib.get_close_matches(key, keys, n=1, cutoff=0.75)
    return want[0] if want else None


@settings(max_examples=400, deadline=None)
@given(keys=st.lists(KEYS, max_size=40, unique=True), key=KEYS)
def test_closest_is_difflibs_answer(keys, key):
    assert KeyIndex(keys).closest(key) == reference(key, keys)


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.text(alphabet="ab", max_size=8), max_size=30, unique=True), key=st.text(alphabet="ab", max_size=8))
def test_ties_go_to_the_greatest_key_as_in_difflib(keys, key):
    # A two-letter alphabet makes equal ratios common: the tie-break must be difflib's.
    assert KeyIndex(keys).closest(key) == reference(key, keys)


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(KEYS, min_size=1, max_size=70), key=KEYS, need=st.integers(0, 16))
def test_sharing_at_least_counts_common_characters(keys, key, need):
    common = [sum(min(k.count(c), key.count(c)) for c in set(key)) for k in keys]
    bitmap = sharing_at_least(token_bitmaps(keys), char_tokens(key), need, len(keys))
    assert sorted(members(bitmap, keys)) == sorted(k for k, n in zip(keys, common) if n >= need)


def corpus_keys(corpus) -> list[str]:
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in corpus)
    keys = sorted(set(re.findall(r"@\w+\s*\{\s*([^,\s{}]+),", text)))
    assert len(keys) > 10000
    return keys


def test_closest_on_real_keys(corpus):
    keys = corpus_keys(corpus)
    index = KeyIndex(keys)
    probes = [k[:-1] + "z" for k in keys[::97]] + [k + "x" for k in keys[3::89]] + ["ghost"]
    for probe in probes:
        assert index.closest(probe) == reference(probe, keys), probe


def mistype(key: str, rng: random.Random) -> str:
    """``key`` with one typing slip: a letter replaced, dropped, doubled or two swapped."""
    i = rng.randrange(len(key))
    slip = rng.choice(["replace", "drop", "double", "swap"])
    if slip == "replace":
        return key[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz0123456789:-_") + key[i + 1:]
    if slip == "drop":
        return key[:i] + key[i + 1:]
    if slip == "double":
        return key[:i] + key[i] + key[i:]
    j = min(i + 1, len(key) - 1)
    return key[:i] + key[j] + key[i] + key[j + 1:] if j > i else key[:i] + key[i:]


def test_closest_on_mistyped_real_keys(corpus):
    # The independent reference, exactly, on 300 keys mistyped as people do and 30 made-up keys.
    keys = corpus_keys(corpus)
    rng = random.Random(14)
    probes = [mistype(k, rng) for k in rng.sample(keys, 300)]
    probes += ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(3, 24)))
               for _ in range(30)]
    index = KeyIndex(keys)
    got = [index.closest(p) for p in probes]
    want = [reference(p, keys) for p in probes]
    assert got == want
    assert sum(w is not None for w in want) > 250  # most slips have a hint, so the test compares real answers


def test_hint_text():
    assert KeyIndex(["smil1999", "peng1987"]).did_you_mean("smil199") == " (did you mean smil1999?)"
    assert KeyIndex(["smil1999"]).did_you_mean("zzz") == ""


# -- suggestions: batch answers, kept in the cache per set of keys ------------------------------------------------


def test_suggestions_are_closest_and_cached_per_set_of_keys(tmp_path, monkeypatch):
    from bibkit.bib import key_index

    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path))
    keys = ["smil1999", "peng1987", "ashton1984"]
    want = {"smil199": "smil1999", "zzz": None, "peng1978": "peng1987"}
    assert key_index.suggestions(keys, ["smil199", "zzz", "peng1978", "zzz"], use_cache=True) == want
    assert len(list(tmp_path.glob("hints-*.marshal"))) == 1

    def no_search(self, key):
        raise AssertionError(f"searched for {key} again")

    monkeypatch.setattr(key_index.KeyIndex, "closest", no_search)
    assert key_index.suggestions(list(reversed(keys)), ["zzz", "smil199"], use_cache=True) == {
        "zzz": None, "smil199": "smil1999"}  # another order of the same keys: the same record
    with pytest.raises(AssertionError):
        key_index.suggestions(keys + ["smil1998"], ["smil199"], use_cache=True)  # another set of keys: searched


def test_suggestions_without_cache_write_nothing(tmp_path, monkeypatch):
    from bibkit.bib import key_index

    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path))
    assert key_index.suggestions(["smil1999"], ["smil199"]) == {"smil199": "smil1999"}
    assert key_index.suggestions(["smil1999"], []) == {}
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong shape"])
def test_damaged_hints_record_is_ignored_and_rewritten(tmp_path, monkeypatch, damage):
    from bibkit.infra import cache
    from bibkit.bib import key_index

    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path))
    keys = ["smil1999", "peng1987"]
    key_index.suggestions(keys, ["smil199"], use_cache=True)
    (record,) = tmp_path.glob("hints-*.marshal")
    if damage == "truncate":
        record.write_bytes(record.read_bytes()[:-3])
    elif damage == "garbage":
        record.write_bytes(b"\0" * 100)
    else:  # a valid record that does not hold key -> key
        cache.write_record("hints", record.name[len("hints-"):-len(".marshal")], {"smil199": 42})
    assert key_index.suggestions(keys, ["smil199"], use_cache=True) == {"smil199": "smil1999"}
    assert key_index._read_hints(record.name[len("hints-"):-len(".marshal")]) == {"smil199": "smil1999"}


def test_remembered_answers_are_bounded(tmp_path, monkeypatch):
    from bibkit.bib import key_index

    monkeypatch.setenv("BIBKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(key_index, "MAX_REMEMBERED", 3)
    keys = ["smil1999", "peng1987"]
    key_index.suggestions(keys, ["a1", "a2", "a3"], use_cache=True)
    key_index.suggestions(keys, ["b1", "smil199"], use_cache=True)
    (record,) = tmp_path.glob("hints-*.marshal")
    assert key_index._read_hints(record.name[len("hints-"):-len(".marshal")]) == {"b1": None, "smil199": "smil1999"}
