"""The source filters shared by reading lists and exports."""

from __future__ import annotations

import pytest

from bibkit.formatting.selection import select_entries
from bibkit.infra.errors import BibkitError
from bibkit.project import load_project

BIB = """\
@misc{a, title = {A}, keywords = {Famine; mortality}}
@misc{b, title = {B}, keywords = {steel}}
@misc{c, title = {C}}
"""
CLAIMS = """\
version: 1
claims:
  - {id: one, text: x, sources: [a]}
  - {id: two, text: y, sources: [{key: b, stance: contradicts}, {key: a}]}
  - {id: three, text: z, sources: [{key: c, stance: mentions}]}
"""


def keys(**filters) -> list[str]:
    return [e.key for e in select_entries(load_project(), **filters)]


def test_filters(project):
    project(bib=BIB, claims=CLAIMS)
    assert keys() == ["a", "b", "c"]
    assert keys(keys=["c, a"]) == ["a", "c"]
    assert keys(tags=["FAMINE"]) == ["a"]
    assert keys(cited_only=True) == ["a", "b", "c"]
    assert keys(claim_ids=["two"]) == ["a", "b"]
    assert keys(statuses=["partial"]) == ["c"]
    assert keys(statuses=["contested"], tags=["steel"]) == ["b"]


@pytest.mark.parametrize("filters, message", [
    ({"keys": ["nope"]}, "--keys: not in the bibliography: nope"),
    ({"claim_ids": ["nope"]}, "--claim: no such claim"),
])
def test_unknown_names_are_user_errors(project, filters, message):
    project(bib=BIB, claims=CLAIMS)
    with pytest.raises(BibkitError, match=message):
        select_entries(load_project(), **filters)


def test_claim_filters_need_claims(project):
    project(bib=BIB)
    with pytest.raises(BibkitError, match="needs a claims file .* or a manuscript"):
        select_entries(load_project(), cited_only=True)
