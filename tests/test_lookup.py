"""Registry lookups against recorded Crossref and OpenAlex answers served over a real socket on 127.0.0.1.

Nothing of bibkit is mocked: the HTTP goes through httpx to :class:`FakeRegistries`, which serves
the recorded answers (tests/data/lookup/README.md) and plants faults.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bibkit.bib.bibtex import load_bibliography
from bibkit.evidence.lookup import Settings, lookup_entries
from bibkit.evidence.lookup.report import all_findings, gate_failed
from bibkit.infra.diagnostics import Diagnostics
from lookup_fixtures import BIB, EXPECTED, MAILTO, RETRACTED_DOI, registries


def entries(tmp_path: Path, text: str = BIB):
    path = tmp_path / "refs.bib"
    path.write_text(text, encoding="utf-8")
    return list(load_bibliography([str(path)], Diagnostics()))


def settings(tmp_path: Path, server, **more) -> Settings:
    base = dict(crossref_url=server.url + "/crossref", openalex_url=server.url + "/openalex", mailto=MAILTO,
                cache_path=str(tmp_path / "lookup.sqlite"), backoff=0.01, timeout=5.0)
    base.update(more)
    return Settings(**base)


def test_statuses_on_recorded_answers(tmp_path):
    with registries() as server:
        results = lookup_entries(entries(tmp_path), settings(tmp_path, server))
    by_key = {r.key: r for r in results}
    assert {k: r.status for k, r in by_key.items()} == EXPECTED
    assert by_key["lieber1997"].differences == {"year": {"entry": "1990", "registry": "1997"}}
    assert by_key["tosatto2015"].suggested_doi == "10.1038/srep16696"
    assert by_key["tosatto2015"].doi_exists is True
    assert by_key["boulkedid2011"].suggested_doi == "10.1371/journal.pone.0020476"
    assert by_key["marsh2023"].doi_exists is False
    assert by_key["marsh2023"].asked == ["crossref", "openalex"]
    assert by_key["knuth1997"].suggested_doi is None
    assert by_key["fermi1984"].registry == "openalex"
    correction = by_key["sadasivan2012"].notices
    assert [(n.type, n.doi, n.date, n.source) for n in correction] == [
        ("correction", "10.1371/annotation/c76da2c1-ccb8-4797-94c1-359d3ceceeda", "2012-05-08", "crossref")]
    assert [(n.type, n.date, n.source) for n in by_key["snail2011"].notices] == [
        ("retraction", "2021-03-04", "retraction-watch")]
    assert by_key["snail2011"].retracted and not by_key["sadasivan2012"].retracted


def test_a_doi_no_registry_answers_for_but_a_search_finds_under_it_is_confirmed(tmp_path):
    doi = "10.1371/journal.pone.0033693"  # sadasivan2012's own DOI
    with registries({doi: "404", "openalex:" + doi: "404"}) as server:
        results = lookup_entries(entries(tmp_path), settings(tmp_path, server))
    sadasivan = {r.key: r for r in results}["sadasivan2012"]
    assert (sadasivan.status, sadasivan.doi_exists, sadasivan.suggested_doi) == ("confirmed", False, None)
    assert sadasivan.record.doi == doi and sadasivan.differences == {}
    assert sadasivan.notes[-1] == ("no registry asked answered for the entry's DOI; the work is found by title "
                                   "under that DOI")
    assert {r.key: r.status for r in results if r.key != "sadasivan2012"} == {
        k: v for k, v in EXPECTED.items() if k != "sadasivan2012"}


def test_every_request_carries_the_mailto(tmp_path):
    with registries() as server:
        lookup_entries(entries(tmp_path), settings(tmp_path, server))
        seen = list(server.requests)
    assert seen
    for request in seen:
        assert f"mailto:{MAILTO}" in request["user_agent"], request
        assert request["user_agent"].startswith("bibkit/")
        assert request["query"].get("mailto") == MAILTO


def test_second_run_and_offline_come_from_the_cache(tmp_path):
    with registries() as server:
        first = lookup_entries(entries(tmp_path), settings(tmp_path, server))
        before = len(server.requests)
        second = lookup_entries(entries(tmp_path), settings(tmp_path, server))
        assert len(server.requests) == before  # nothing asked again
        url = server.url
    offline = Settings(crossref_url=url + "/crossref", openalex_url=url + "/openalex", mailto=MAILTO,
                       cache_path=str(tmp_path / "lookup.sqlite"), offline=True)
    third = lookup_entries(entries(tmp_path), offline)  # the server is gone
    assert [r.to_dict() for r in second] == [r.to_dict() for r in first] == [r.to_dict() for r in third]


def test_offline_without_cache_is_no_answer_never_not_found(tmp_path):
    offline = Settings(crossref_url="http://127.0.0.1:9/crossref", openalex_url=None, offline=True,
                       cache_path=str(tmp_path / "none.sqlite"))
    results = lookup_entries(entries(tmp_path), offline)
    assert {r.status for r in results} == {"no-answer"}
    assert not (tmp_path / "none.sqlite").exists()


def test_max_age_asks_again(tmp_path):
    with registries() as server:
        lookup_entries(entries(tmp_path)[:1], settings(tmp_path, server))
        before = len(server.requests)
        lookup_entries(entries(tmp_path)[:1], settings(tmp_path, server, max_age=0.0))
        assert len(server.requests) > before


@pytest.mark.parametrize("fault", ["500", "timeout", "html", "bad-json"])
def test_faults_are_no_answer_and_never_cached(tmp_path, fault):
    doi = "10.1371/journal.pone.0033693"
    with registries({doi: fault, "openalex:" + doi: fault}, slow_seconds=1.5) as server:
        results = lookup_entries(entries(tmp_path)[:1], settings(tmp_path, server, timeout=0.5, attempts=2))
        assert [r.status for r in results] == ["no-answer"]
        assert results[0].reason
        url = server.url
    rows = sqlite3.connect(tmp_path / "lookup.sqlite").execute(
        "SELECT registry, request, status FROM answers WHERE request LIKE '/works/10.1371/journal.pone.0033693%'"
        " OR request LIKE '/works/doi:10.1371/journal.pone.0033693%'").fetchall()
    assert rows == []  # the failure is not a fact
    offline = Settings(crossref_url=url + "/crossref", openalex_url=url + "/openalex", offline=True,
                       cache_path=str(tmp_path / "lookup.sqlite"))
    assert [r.status for r in lookup_entries(entries(tmp_path)[:1], offline)] == ["no-answer"]
    assert not [d for d in all_findings(results) if d.code in ("L002", "L003")]


def test_429_with_retry_after_is_honoured(tmp_path):
    doi = "10.1371/journal.pone.0033693"
    with registries({doi: "429-once"}) as server:
        results = lookup_entries(entries(tmp_path)[:1], settings(tmp_path, server))
        paths = [r["path"] for r in server.requests]
    assert [r.status for r in results] == ["confirmed"]
    assert paths.count(f"/crossref/works/{doi}") == 2


def test_a_disabled_registry_is_not_asked(tmp_path):
    with registries() as server:
        results = lookup_entries(entries(tmp_path), settings(tmp_path, server, openalex_url=None))
        assert not [r for r in server.requests if r["path"].startswith("/openalex")]
    by_key = {r.key: r for r in results}
    assert by_key["fermi1984"].status == "not-found"  # only OpenAlex holds that DataCite DOI
    assert by_key["fermi1984"].asked == ["crossref"]


def test_retraction_watch_csv(tmp_path):
    csv = tmp_path / "rw.csv"
    csv.write_text("Record ID,Title,OriginalPaperDOI,RetractionDOI,RetractionNature,RetractionDate,Reason\n"
                   "1,x,10.1002/JOR.1100150407,10.5555/notice.1,Expression of concern,4/30/2021 0:00,+Concerns;\n"
                   "2,y,unavailable,unavailable,Retraction,1/2/2020 0:00,+Error;\n", encoding="utf-8")
    with registries() as server:
        results = lookup_entries(entries(tmp_path), settings(tmp_path, server, retractions=str(csv)))
    lieber = next(r for r in results if r.key == "lieber1997")
    assert [n.to_dict() for n in lieber.notices] == [{"type": "expression_of_concern", "doi": "10.5555/notice.1",
                                                       "date": "2021-04-30", "source": "retraction-watch",
                                                       "reason": "+Concerns"}]
    assert gate_failed(results, ["expression-of-concern"])
    assert "L006" in {d.code for d in all_findings(results)}


def test_gate_and_codes(tmp_path):
    with registries() as server:
        results = lookup_entries(entries(tmp_path), settings(tmp_path, server))
    codes = {(d.key, d.code) for d in all_findings(results)}
    assert ("snail2011", "L001") in codes and ("marsh2023", "L002") in codes
    assert ("tosatto2015", "L003") in codes and ("lieber1997", "L004") in codes
    assert ("boulkedid2011", "L005") in codes and ("sadasivan2012", "L007") in codes
    assert ("knuth1997", "L002") in codes
    assert gate_failed(results, ["retraction"])
    assert not gate_failed([r for r in results if r.key == "sadasivan2012"], ["retraction", "wrong-doi"])
    text = " ".join(d.message for d in all_findings(results)).lower()
    assert "invented" not in text and "fake" not in text and "hallucinat" not in text
    assert RETRACTED_DOI not in {r.suggested_doi for r in results}


def _facts(text: str):
    from bibkit.bib.bibtex import parse_text
    from bibkit.evidence.lookup.matching import facts

    return facts(parse_text(text, "t.bib", Diagnostics()).entries[0])


def test_registry_markup_and_entry_latex_are_compared_as_text():
    """Crossref titles carry HTML and MathML tags and TeX math; the entry carries LaTeX: both decoded, the same work
    with the same title is not a mismatch (the recorded record, its title marked up as Crossref does for others)."""
    import copy

    from bibkit.evidence.lookup.matching import differences, is_same_work
    from bibkit.evidence.lookup.records import from_crossref
    from lookup_fixtures import crossref_records

    record = copy.deepcopy(crossref_records()["10.1371/journal.pone.0033693"])
    record["title"] = ["Methylphenidate Exposure Induces <i>Dopamine</i> Neuron Loss and Activation of Microglia in "
                       "the Basal Ganglia of Mice at 37&#x202F;$^\\circ$C"]
    mine = _facts(r"""@article{s, author = {Sadasivan, Shankar and Pond, Brooks B. and {PLoS ONE Group}},
      title = {Methylphenidate Exposure Induces \emph{Dopamine} Neuron Loss and Activation of Microglia in the
               Basal Ganglia of Mice at 37~$^\circ$C}, journal = {PLoS ONE}, year = 2012}""")
    work = from_crossref(record)
    assert is_same_work(mine, work, by_doi=False)
    assert differences(mine, work) == ({}, [])


def test_pages_volume_issue_and_year_one_off():
    from bibkit.evidence.lookup.matching import differences
    from bibkit.evidence.lookup.records import from_crossref
    from lookup_fixtures import crossref_records

    work = from_crossref(crossref_records()["10.1002/jor.1100150407"])  # 15(4), 519-527, 1997
    same = _facts("@article{l, author={Lieber, R. L.}, title={Growth hormone secretagogue increases muscle strength "
                  "during remobilization after canine hindlimb immobilization}, journal={J. Orthop. Res.},"
                  " year={1998}, volume={15}, number={4}, pages={519--27}}")
    diffs, notes = differences(same, work)
    assert diffs == {} and notes and "one off" in notes[0]
    other = _facts("@article{l, author={Lieber, R. L.}, title={Growth hormone secretagogue increases muscle strength "
                   "during remobilization after canine hindlimb immobilization}, journal={Journal of Orthopaedic "
                   "Research}, year={1997}, volume={16}, number={2}, pages={520--527}}")
    assert set(differences(other, work)[0]) == {"volume", "issue", "pages"}


def test_dois_are_asked_in_batches_and_a_failed_batch_falls_back(tmp_path):
    with registries() as server:
        results = lookup_entries(entries(tmp_path), settings(tmp_path, server))
        batches = [r for r in server.requests if r["path"] == "/crossref/works" and "filter" in r["query"]]
        singles = {r["path"] for r in server.requests if r["path"].startswith("/crossref/works/")}
    assert len(batches) == 1 and batches[0]["query"]["filter"].count("doi:") == 6
    # found in the batch: never asked alone; not in it (registered elsewhere or nowhere): asked alone, for its 404
    assert "/crossref/works/10.1371/journal.pone.0033693" not in singles
    assert singles == {"/crossref/works/10.9999/jabp.2023.0042", "/crossref/works/10.2210/pdb4hhb/pdb"}
    assert {r.key: r.status for r in results} == EXPECTED
    with registries({"10.1002/jor.1100150407": "500"}) as server:  # the batch holding it fails as a whole
        results = lookup_entries(entries(tmp_path), settings(tmp_path / "other", server,
                                                             cache_path=str(tmp_path / "other.sqlite")))
        singles = {r["path"] for r in server.requests if r["path"].startswith("/crossref/works/")}
    assert "/crossref/works/10.1371/journal.pone.0033693" in singles
    assert {r.key: r.status for r in results} == {**EXPECTED, "lieber1997": "no-answer"}
