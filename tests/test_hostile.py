"""Hostile input: bounded time and memory, one located line, never a traceback.

claims.yaml: alias bombs, recursive aliases, deep nesting, duplicate and complex keys.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from bibkit.claims import loader as claims_mod
from bibkit.claims.loader import parse_claims
from bibkit.infra.diagnostics import Diagnostics

# Each level repeats the previous one nine times: 10 levels stand for 9**10 (3.5 billion) strings.
LEVELS = "abcdefghij"


def billion_laughs(levels: int = 10) -> str:
    lines = ["version: 1", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip(LEVELS, LEVELS[1:levels]):
        lines.append(f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]")
    lines.append("claims: []")
    return "\n".join(lines) + "\n"


def _errors(text: str) -> list[tuple[int, str, str]]:
    diags = Diagnostics()
    parse_claims(text, "claims.yaml", diags)
    return [(d.line, d.code, d.message) for d in diags]


# A child process under a memory ceiling: today's loader needs gigabytes for the bomb and is killed
# (or raises MemoryError) instead of answering.
CHILD = textwrap.dedent("""
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1024 * 1024 * 1024, 1024 * 1024 * 1024))
    from bibkit.claims.loader import parse_claims
    from bibkit.infra.diagnostics import Diagnostics
    diags = Diagnostics()
    parse_claims(sys.stdin.read(), "claims.yaml", diags)
    print(json.dumps([[d.line, d.code, d.message] for d in diags]))
""")


@pytest.mark.parametrize("levels", [9, 10])
def test_billion_laughs_is_refused_within_time_and_memory(levels: int) -> None:
    text = billion_laughs(levels)
    assert len(text) < 450
    proc = subprocess.run([sys.executable, "-c", CHILD], input=text, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (line, code, message), = json.loads(proc.stdout)
    assert code == "C001" and "aliases expand to more than" in message
    assert 2 <= line <= levels + 1


def test_aliases_in_normal_use_are_fine() -> None:
    text = textwrap.dedent("""\
        version: 1
        claims:
          - id: a
            text: First.
            sources: &both [smith2000, jones2001]
          - id: b
            text: Second.
            sources: *both
    """)
    diags = Diagnostics()
    result = parse_claims(text, "claims.yaml", diags)
    assert list(diags) == []
    assert [[link.key for link in c.links] for c in result.claims] == [["smith2000", "jones2001"]] * 2


def test_many_legitimate_alias_uses_stay_within_the_budget() -> None:
    """A thousand claims sharing one ten-source list is 10,000 expanded values: well inside the limit."""
    lines = ["version: 1", "claims:"]
    for i in range(1000):
        lines += [f"  - id: c{i}", "    text: T.",
                  "    sources: &s [" + ",".join(f"k{j}" for j in range(10)) + "]" if i == 0 else "    sources: *s"]
    diags = Diagnostics()
    result = parse_claims("\n".join(lines) + "\n", "claims.yaml", diags)
    assert list(diags) == [] and len(result.claims) == 1000
    assert all(len(c.links) == 10 for c in result.claims)


@pytest.fixture(params=["libyaml", "pure-python"])
def loader(request, monkeypatch):
    """Run each case with PyYAML's C loader and with its pure-Python one (which recurses in Python)."""
    if request.param == "pure-python":
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML built without libyaml")
    return request.param


def test_recursive_alias_is_c001_not_recursion_error(loader) -> None:
    text = "version: 1\nclaims: &x\n  - id: a\n    text: t\n    sources: *x\n"
    assert _errors(text) == [(2, "C001", "invalid YAML: recursive alias: a list that contains itself")]


def test_recursive_mapping_alias(loader) -> None:
    text = "version: 1\ndocument: &d\n  title: T\n  path: *d\nclaims: []\n"
    (line, code, message), = _errors(text)
    assert (line, code) == (2, "C001") and "recursive alias: a mapping that contains itself" in message


def test_deep_nesting_is_c001(loader) -> None:
    text = "version: 1\nclaims: " + "[" * 20000 + "]" * 20000 + "\n"
    (line, code, message), = _errors(text)
    assert code == "C001" and "nest" in message and line == 2


def test_duplicate_key_names_both_lines(loader) -> None:
    text = textwrap.dedent("""\
        version: 1
        claims:
          - id: a
            text: Supported and contradicted.
            sources:
              - key: smith2000
                stance: contradicts
            sources: [jones2001]
    """)
    assert _errors(text) == [(8, "C001", "invalid YAML: duplicate key 'sources' (first at line 5); "
                                         "YAML would silently keep only one")]


def test_duplicate_top_level_key(loader) -> None:
    (line, code, message), = _errors("version: 1\nclaims: []\nversion: 1\n")
    assert (line, code) == (3, "C001") and "duplicate key 'version' (first at line 1)" in message


def test_complex_key_is_reported_readably(loader) -> None:
    text = "version: 1\nclaims:\n  - id: a\n    text: t\n    ? [x, y]\n    : 1\n"
    (line, code, message), = _errors(text)
    assert (line, code, message) == (5, "C001", "invalid YAML: a key must be a plain word, not a list")
    assert "object at 0x" not in message


def test_budget_constants_are_what_the_readme_says(root: Path) -> None:
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"{claims_mod.MAX_ALIAS_EXPANSION:,}" in readme and f"{claims_mod.MAX_DEPTH} levels" in readme
