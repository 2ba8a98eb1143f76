""""Did you mean" hints for unknown keys: exactly difflib's answer, found fast and cached per set of keys.

The reference is ``difflib.get_close_matches(key, keys, n=1, cutoff=0.75)``. :class:`KeyIndex` gives
the same answer without running difflib, or even rapidfuzz, over every key, and :func:`suggestions`
keeps the answers in the cache (:mod:`bibkit.infra.cache`), keyed by the bibliography's keys, so an unknown
key costs nothing the next time it is checked against the same keys.
"""

from __future__ import annotations

from typing import Iterable

#: difflib's cutoff for a hint: ``SequenceMatcher.ratio()`` of at least this.
CUTOFF = 0.75
#: Room for rounding when rapidfuzz's score (in percent) is compared with a difflib ratio.
_SLACK = 1e-6
#: Bump when the answers could change (part of the cache key).
ALGORITHM = 2

Token = tuple[str, int]


def length_bound(n: int, m: int) -> float:
    """The highest difflib ratio two strings of lengths ``n`` and ``m`` can reach (``2 min / (n + m)``).

    Computed as difflib computes its ratio (``2.0 * matches / total``), so in floating point too no
    ratio exceeds it.
    """
    return 2.0 * min(n, m) / (n + m) if n + m else 1.0


def char_tokens(text: str) -> list[Token]:
    """The characters of ``text`` as a set of tokens, ``(c, k)`` for the k-th ``c``.

    Two strings share ``sum(min(count))`` tokens: the most characters any alignment can match, so
    at least difflib's number of matching characters.
    """
    seen: dict[str, int] = {}
    out = []
    for c in text:
        k = seen.get(c, 0) + 1
        seen[c] = k
        out.append((c, k))
    return out


def token_bitmaps(keys: list[str]) -> dict[Token, int]:
    """For each token, an int whose bit ``i`` is set when ``keys[i]`` has that token."""
    size = (len(keys) + 7) // 8
    arrays: dict[Token, bytearray] = {}
    for i, key in enumerate(keys):
        byte, bit = i >> 3, 1 << (i & 7)
        for token in char_tokens(key):
            array = arrays.get(token)
            if array is None:
                array = arrays[token] = bytearray(size)
            array[byte] |= bit
    return {token: int.from_bytes(array, "little") for token, array in arrays.items()}


def sharing_at_least(bitmaps: dict[Token, int], tokens: list[Token], need: int, width: int) -> int:
    """A bitmap of the keys (of ``width`` keys) that have at least ``need`` of ``tokens``.

    Counts for all keys at once: bit-sliced counters (plane ``j`` holds bit ``j`` of every key's
    count), then a bit-sliced comparison with ``need``.
    """
    planes: list[int] = []
    for token in tokens:
        carry = bitmaps.get(token, 0)
        j = 0
        while carry:
            if j == len(planes):
                planes.append(carry)
                break
            plane = planes[j]
            planes[j] = plane ^ carry
            carry &= plane
            j += 1
    if need >> len(planes):
        return 0  # more than any count can reach
    greater, equal = 0, (1 << width) - 1
    for j in range(len(planes) - 1, -1, -1):  # most significant plane first
        plane = planes[j]
        if need >> j & 1:
            equal &= plane
        else:
            greater |= equal & plane
            equal &= ~plane
    return greater | equal


def members(bitmap: int, keys: list[str]) -> list[str]:
    """The keys whose bits are set in ``bitmap``."""
    out = []
    while bitmap:
        low = bitmap & -bitmap
        out.append(keys[low.bit_length() - 1])
        bitmap ^= low
    return out


class KeyIndex:
    """Bibliography keys indexed for "did you mean" hints on unknown keys.

    :meth:`closest` is exactly ``difflib.get_close_matches(key, keys, n=1, cutoff=0.75)`` (highest
    ratio, ties to the greatest key), found by branch and bound, each filter a proven upper bound of
    difflib's ratio:

    * keys are grouped by length, and a group is visited only while ``2 min(n, m) / (n + m)``, the
      best ratio its length allows, can still match or beat the best answer so far;
    * within a group, only keys that share enough characters (counted with repeats) can reach the
      cutoff: bitmaps select them for the whole group in a few big-integer operations;
    * rapidfuzz's Indel ratio (computed in C) is never below difflib's ratio: it ranks those few, and
      difflib scores them best first until the Indel ratio falls below the best difflib ratio found.
    """

    def __init__(self, keys: Iterable[str]) -> None:
        self._by_length: dict[int, list[str]] = {}
        for key in keys:
            self._by_length.setdefault(len(key), []).append(key)
        self._bitmaps: dict[int, dict[Token, int]] = {}  # per length, built when first needed

    def lengths_to_try(self, n: int) -> list[int]:
        """The key lengths that could reach the cutoff against a key of length ``n``, most promising first."""
        usable = [m for m in self._by_length if length_bound(n, m) >= CUTOFF]
        return sorted(usable, key=lambda m: -length_bound(n, m))

    def candidates(self, tokens: list[Token], m: int) -> list[str]:
        """The keys of length ``m`` that share enough characters with a key of ``len(tokens)`` characters."""
        keys = self._by_length[m]
        bitmaps = self._bitmaps.get(m)
        if bitmaps is None:
            bitmaps = self._bitmaps[m] = token_bitmaps(keys)
        need = -(-3 * (len(tokens) + m) // 8)  # matches >= CUTOFF * (n + m) / 2, in integers
        return members(sharing_at_least(bitmaps, tokens, need, len(keys)), keys)

    def closest(self, key: str) -> str | None:
        """The known key most like ``key``, or None when none is close enough."""
        from difflib import SequenceMatcher

        n = len(key)
        if n == 0:
            return "" if 0 in self._by_length else None  # difflib: two empty strings match fully
        tokens = char_tokens(key)
        matcher = SequenceMatcher()
        matcher.set_seq2(key)  # as get_close_matches does: the unknown key is b, each known key a
        best: tuple[float, str] | None = None
        for m in self.lengths_to_try(n):
            if best is not None and length_bound(n, m) < best[0]:
                break  # no key of this length, nor of any later one, can match the best so far
            best = self._best_of(self.candidates(tokens, m), key, matcher, best)
        return best[1] if best else None

    @staticmethod
    def _best_of(candidates: list[str], key: str, matcher, best: tuple[float, str] | None) -> tuple[float, str] | None:
        """``best`` or a better ``(ratio, candidate)`` from ``candidates`` (ratio ties go to the greater key)."""
        if not candidates:
            return best
        from rapidfuzz import fuzz, process

        floor = best[0] if best else CUTOFF
        for candidate, score, _ in process.extract(key, candidates, scorer=fuzz.ratio,
                                                   score_cutoff=floor * 100 - _SLACK, limit=None):
            if score < floor * 100 - _SLACK:
                break  # best Indel ratio first, and Indel ratio >= difflib ratio: none further can win
            matcher.set_seq1(candidate)
            ratio = matcher.ratio()
            if ratio >= CUTOFF and (best is None or (ratio, candidate) > best):
                best = (ratio, candidate)
                floor = ratio
        return best

    def did_you_mean(self, key: str) -> str:
        """`` (did you mean KEY?)`` for the closest known key, or an empty string."""
        return hint_text(self.closest(key))


def hint_text(match: str | None) -> str:
    """`` (did you mean KEY?)``, or an empty string for no match."""
    return f" (did you mean {match}?)" if match else ""


#: At most this many answers are kept per set of keys (beyond it, only the last run's).
MAX_REMEMBERED = 20_000


def suggestions(keys: Iterable[str], unknown: Iterable[str], use_cache: bool = False) -> dict[str, str | None]:
    """The closest known key (or None) for each unknown key, as :meth:`KeyIndex.closest` gives it.

    With ``use_cache``, answers are kept in one cache record per set of ``keys`` (order does not
    matter; editing an entry's fields does not change it), so only unknown keys not seen before
    against these keys are computed; a damaged record is ignored.
    """
    wanted = list(dict.fromkeys(unknown))
    if not wanted:
        return {}
    keys = list(keys)
    record = _hints_record(keys) if use_cache else None
    known = _read_hints(record) if record else {}
    missing = [key for key in wanted if key not in known]
    if missing:
        index = KeyIndex(keys)
        known.update((key, index.closest(key)) for key in missing)
        if record:
            _write_hints(record, known, wanted)
    return {key: known[key] for key in wanted}


def _hints_record(keys: list[str]) -> str:
    """The cache key of the hints for this set of keys (and this algorithm and bibkit version)."""
    from bibkit.infra.cache import cache_key, code_fingerprint

    data = "\0".join(sorted(keys)).encode("utf-8", "surrogatepass")
    return cache_key("hints", data, (ALGORITHM, CUTOFF, code_fingerprint()))


def _read_hints(record: str) -> dict[str, str | None]:
    """The stored answers, or nothing when the record is absent, damaged or not a mapping of keys."""
    from bibkit.infra.cache import read_record

    stored = read_record("hints", record)
    if not isinstance(stored, dict):
        return {}
    if not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in stored.items()):
        return {}
    return stored


def _write_hints(record: str, known: dict[str, str | None], wanted: list[str]) -> None:
    """Store the answers (only this run's when there are too many to keep them all)."""
    from bibkit.infra.cache import write_record

    if len(known) > MAX_REMEMBERED:
        known = {key: known[key] for key in wanted}
    write_record("hints", record, known)
