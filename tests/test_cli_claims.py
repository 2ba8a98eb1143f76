"""``bibkit claims extract``: a claims.yaml skeleton that loads cleanly and whose anchors are found."""

from __future__ import annotations

import json
import shutil

import yaml

from bibkit.claims.loader import load_claims
from bibkit.cli import cli
from bibkit.infra.diagnostics import Diagnostics


def test_extract_to_stdout_loads_cleanly(root, runner, monkeypatch, tmp_path):
    monkeypatch.chdir(root / "examples" / "great-leap-forward")
    result = runner.invoke(cli, ["claims", "extract", "article.md"])
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "claims.yaml"
    out.write_text(result.stdout, encoding="utf-8")
    diags = Diagnostics()
    claims = load_claims(str(out), diags)
    assert list(diags) == []
    assert claims.document.path == "article.md" and claims.document.title == "The Great Leap Forward"
    first = claims.claims[0]
    assert first.text.startswith("In 1958 the leadership of the Chinese Communist Party")
    assert [(link.key, link.verified) for link in first.links] == [("smil1999", False)]
    located = [link for c in claims.claims for link in c.links if link.locator]
    assert ("smil1999", "p. 1619") in {(link.key, link.locator) for link in located}
    assert any(not c.links and c.note and "statistic" in c.note for c in claims.claims)
    assert len({c.id for c in claims.claims}) == len(claims.claims)


def test_extracted_file_passes_check_with_anchors_found(root, runner, project):
    path = project()
    shutil.copy(root / "examples" / "great-leap-forward" / "article.md", path / "article.md")
    shutil.copy(root / "references.bib", path / "references.bib")
    result = runner.invoke(cli, ["claims", "extract", "article.md", "-o", "claims.yaml"])
    assert result.exit_code == 0 and "Wrote claims skeleton to claims.yaml" in result.stderr
    data = yaml.safe_load((path / "claims.yaml").read_text(encoding="utf-8"))
    assert data["version"] == 1 and all(c["anchor"] for c in data["claims"])
    check = runner.invoke(cli, ["check", "--format", "json", "--fail-on", "warning"])
    assert '"C010"' not in check.stdout and '"error"' not in check.stdout, check.stdout
    assert check.exit_code == 0, check.stdout


def test_extract_path_is_relative_to_the_output(root, runner, project):
    path = project(**{"text/a.md": "It rose [@x].\n"})
    (path / "out").mkdir()
    result = runner.invoke(cli, ["claims", "extract", "text/a.md", "-o", "out/claims.yaml"])
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load((path / "out" / "claims.yaml").read_text())["document"]["path"] == "../text/a.md"


def test_extract_missing_file_is_a_one_line_error(runner, project):
    project()
    result = runner.invoke(cli, ["claims", "extract", "nope.md"])
    assert result.exit_code == 2 and result.stderr.strip() == "bibkit: error: nope.md: no such file"


# -- never overwrite review work; --update merges -----------------------------------------------

ARTICLE = """\
# Harvests

## Counting

Reported harvests were three times the real ones [@alpha2001, p. 12].

Grain output fell in 1959 [@beta1999].

Rations were cut to 1,200 calories a day in 1960.
"""


def _extract(runner, *args):
    return runner.invoke(cli, ["claims", "extract", "article.md", "-o", "claims.yaml", *args])


def test_extract_refuses_to_overwrite_without_force(runner, project):
    path = project(**{"article.md": ARTICLE, "claims.yaml": "# my review work\nversion: 1\nclaims: []\n"})
    before = (path / "claims.yaml").read_bytes()
    result = _extract(runner)
    assert result.exit_code == 2
    assert result.stderr.strip() == ("bibkit: error: claims.yaml exists; --update merges the manuscript into it, "
                                     "--force overwrites it (and its review work); nothing written")
    assert (path / "claims.yaml").read_bytes() == before
    result = _extract(runner, "--force")
    assert result.exit_code == 0, result.stderr
    assert [c["id"][:8] for c in yaml.safe_load((path / "claims.yaml").read_text())["claims"]] == [
        "reported", "grain-ou", "rations-"]


BIB = ("@article{alpha2001, author={Alpha, A.}, title={T}, journal={J}, year={2001}}\n"
       "@article{beta1999, author={Beta, B.}, title={T}, journal={J}, year={1999}}\n")


def test_force_replaces_the_claims_file_bibkit_init_wrote(runner, project):
    # Issue 27, item 1: the hint says --force, and --force must then work, in a project whose bibliography
    # loads (the claims file is then the project's, which the command protects but does not read).
    path = project(**{"article.md": ARTICLE, "references.bib": BIB})
    assert runner.invoke(cli, ["init"]).exit_code == 0
    refused = _extract(runner)
    assert refused.exit_code == 2 and "--force overwrites it" in refused.stderr
    result = _extract(runner, "--force")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "Wrote claims skeleton to claims.yaml\n"
    data = yaml.safe_load((path / "claims.yaml").read_text(encoding="utf-8"))
    assert data["document"]["path"] == "article.md" and len(data["claims"]) == 3
    assert not [p.name for p in path.iterdir() if ".bibkit-" in p.name]  # no temporary file left
    # --force replaces only the claims file: the manuscript, bibliography and config stay protected.
    for name in ("article.md", "references.bib", "bibkit.toml"):
        before = (path / name).read_bytes()
        other = runner.invoke(cli, ["claims", "extract", "article.md", "-o", name, "--force"])
        assert other.exit_code == 2
        assert other.stderr == (f"bibkit: error: {name}: is an input of this command; refusing to write over it "
                                "(choose another -o)\n")
        assert (path / name).read_bytes() == before


def test_force_writes_through_a_symlinked_claims_file(runner, project):
    path = project(**{"article.md": ARTICLE, "references.bib": BIB, "kept/claims.yaml": "version: 1\nclaims: []\n"})
    (path / "claims.yaml").symlink_to(path / "kept" / "claims.yaml")
    result = _extract(runner, "--force")
    assert result.exit_code == 0, result.stderr
    assert (path / "claims.yaml").is_symlink()
    assert len(yaml.safe_load((path / "kept" / "claims.yaml").read_text(encoding="utf-8"))["claims"]) == 3


def test_update_keeps_ids_links_and_review_fields_and_rewording_goes_stale(runner, project):
    path = project(**{"article.md": ARTICLE})
    (path / "references.bib").write_text("@article{alpha2001, author={Alpha, A.}, title={T}, journal={J}, year={2001}}\n"
                                         "@article{beta1999, author={Beta, B.}, title={T}, journal={J}, year={1999}}\n"
                                         "@article{gamma2000, author={Gamma, G.}, title={T}, journal={J}, year={2000}}\n")
    assert _extract(runner).exit_code == 0
    ids = [c["id"] for c in yaml.safe_load((path / "claims.yaml").read_text())["claims"]]
    for cid, key in ((ids[0], "alpha2001"), (ids[1], "beta1999")):
        assert runner.invoke(cli, ["review", "--accept", cid, key, "--by", "R", "--date", "2026-11-28"]).exit_code == 0
    with open(path / "claims.yaml", "a", encoding="utf-8") as fh:
        fh.write("# a comment the writer keeps\n")
    reviewed = (path / "claims.yaml").read_text(encoding="utf-8")
    (path / "article.md").write_text(ARTICLE.replace("Grain output fell in 1959 [@beta1999].",
                                                     "Grain output fell sharply in 1959 [@beta1999; @gamma2000].")
                                     .replace("Rations were cut", "Rations were said to be cut")
                                     + "\nThe famine ended in 1962 [@gamma2000].\n", encoding="utf-8")
    result = _extract(runner, "--update")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == (
        "claims.yaml: 1 unchanged, 2 reworded (1 with review decisions now stale), 1 new, 1 new link")
    after = (path / "claims.yaml").read_text(encoding="utf-8")
    assert "# a comment the writer keeps\n" in after
    data = yaml.safe_load(after)["claims"]
    assert [c["id"] for c in data[:3]] == ids  # reworded sentences keep their id
    assert data[0]["sources"] == yaml.safe_load(reviewed)["claims"][0]["sources"]  # unchanged: review kept
    assert data[1]["text"] == "Grain output fell sharply in 1959."
    assert data[1]["sources"][0]["verified_by"] == "R"  # the decision stays, and is now stale
    assert data[1]["sources"][1] == {"key": "gamma2000", "verified": False}
    assert data[3]["text"] == "The famine ended in 1962." and data[3]["sources"] == [
        {"key": "gamma2000", "verified": False}]
    cmap = json.loads(runner.invoke(cli, ["claim-map", "--format", "json"]).stdout)
    assert [lk["stale"] for lk in cmap["claims"][1]["links"]] == [True, False]
    assert cmap["summary"]["verified"] == 1
    # an update with nothing new changes nothing, byte for byte
    again = _extract(runner, "--update")
    assert again.exit_code == 0 and (path / "claims.yaml").read_text(encoding="utf-8") == after


def test_update_keeps_or_prunes_claims_no_longer_in_the_manuscript(runner, project):
    path = project(**{"article.md": ARTICLE})
    assert _extract(runner).exit_code == 0
    first = yaml.safe_load((path / "claims.yaml").read_text())["claims"][0]["id"]
    (path / "article.md").write_text(ARTICLE.replace("Reported harvests were three times the real ones "
                                                     "[@alpha2001, p. 12].", ""), encoding="utf-8")
    kept = _extract(runner, "--update")
    assert kept.exit_code == 0
    assert f"1 no longer in the manuscript (kept; --prune removes them: {first})" in kept.stderr
    assert first in (path / "claims.yaml").read_text()
    pruned = _extract(runner, "--update", "--prune")
    assert pruned.exit_code == 0 and "(removed:" in pruned.stderr
    assert first not in (path / "claims.yaml").read_text()
    assert runner.invoke(cli, ["claims", "extract", "article.md", "--prune"]).exit_code == 2


def test_update_fills_the_claims_file_bibkit_init_wrote(runner, project):
    path = project(**{"article.md": ARTICLE})
    assert runner.invoke(cli, ["init"]).exit_code == 0
    before = (path / "claims.yaml").read_text(encoding="utf-8")
    result = _extract(runner, "--update")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == ("claims.yaml: 0 unchanged, 0 reworded, 3 new, "
                                     "document title and path set from the manuscript")
    after = (path / "claims.yaml").read_text(encoding="utf-8")
    head, example = before.split("\nclaims:\n")
    # init's placeholder title and commented-out path become the manuscript's, in place
    assert "  title: My article\n  # path: article.md          # lets `bibkit check` verify each claim's anchor\n" in head
    head = head.replace("  title: My article\n  # path: article.md          # lets `bibkit check` verify each "
                        "claim's anchor\n", "  title: Harvests\n  path: article.md\n")
    assert after.startswith(head + "\nclaims:\n  - id: reported-harvests")
    assert after.endswith(example)  # the template's commented example stays, after the new claims
    assert len(yaml.safe_load(after)["claims"]) == 3


IN_TEXT = """\
---
title: Counting the harvest
---

@alpha2001 reports that harvests were *three times* the real ones.

Grain output fell in 1959 [@beta1999, p. 4].
"""


def test_update_writes_what_a_plain_extract_writes(runner, project):
    # Issue 27, item 7: after `bibkit init`, --update wrote "@alpha2001 reports ..." as claim text and kept
    # "My article" with no document.path, so no anchor was ever checked.
    path = project(**{"article.md": IN_TEXT, "references.bib": BIB})
    assert runner.invoke(cli, ["init"]).exit_code == 0
    plain = runner.invoke(cli, ["claims", "extract", "article.md"])
    assert plain.exit_code == 0, plain.stderr
    result = _extract(runner, "--update")
    assert result.exit_code == 0, result.stderr
    updated = yaml.safe_load((path / "claims.yaml").read_text(encoding="utf-8"))
    drafted = yaml.safe_load(plain.stdout)
    assert updated["document"] == drafted["document"] == {"title": "Counting the harvest", "path": "article.md"}
    assert updated["claims"] == drafted["claims"]
    assert updated["claims"][0]["text"] == "Alpha (2001) reports that harvests were three times the real ones."
    # the anchors are now checked: all found, and an edit of the text is reported
    check = runner.invoke(cli, ["check", "--fail-on", "warning"])
    assert check.exit_code == 0, check.stdout
    (path / "article.md").write_text(IN_TEXT.replace("three times", "twice"), encoding="utf-8")
    check = runner.invoke(cli, ["check", "--fail-on", "warning"])
    assert check.exit_code == 1 and "C010 anchor of claim reports-that-harvests-were" in check.stdout


def test_update_rewords_with_citations_by_name_and_keeps_a_real_title(runner, project):
    path = project(**{"article.md": IN_TEXT, "references.bib": BIB,
                      "claims.yaml": "version: 1\ndocument:\n  title: My own title\nclaims: []\n"})
    assert _extract(runner, "--update").exit_code == 0
    (path / "article.md").write_text(IN_TEXT.replace("reports that", "reports, with care, that"), encoding="utf-8")
    result = _extract(runner, "--update")
    assert result.exit_code == 0 and result.stderr.strip() == "claims.yaml: 1 unchanged, 1 reworded, 0 new"
    data = yaml.safe_load((path / "claims.yaml").read_text(encoding="utf-8"))
    assert data["document"] == {"title": "My own title", "path": "article.md"}
    assert data["claims"][0]["text"] == ("Alpha (2001) reports, with care, that harvests were three times the "
                                         "real ones.")


def test_update_keeps_a_hand_refined_text_when_the_sentence_is_unchanged(runner, project):
    path = project(**{"article.md": ARTICLE})
    assert _extract(runner).exit_code == 0
    text = (path / "claims.yaml").read_text(encoding="utf-8")
    refined = text.replace("text: Grain output fell in 1959.", "text: Grain output fell in 1959 (national total).")
    assert refined != text
    (path / "claims.yaml").write_text(refined, encoding="utf-8")
    result = _extract(runner, "--update")
    assert result.exit_code == 0 and "3 unchanged, 0 reworded, 0 new" in result.stderr
    assert (path / "claims.yaml").read_text(encoding="utf-8") == refined


def test_update_refuses_a_claims_file_with_errors(runner, project):
    path = project(**{"article.md": ARTICLE, "claims.yaml": "version: 1\nclaims:\n  - text: no id here\n"})
    before = (path / "claims.yaml").read_bytes()
    result = _extract(runner, "--update")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("bibkit: error: claims.yaml:3:5: error C004 claim without id (left out); "
                                     "fix the claims file before updating it")
    assert (path / "claims.yaml").read_bytes() == before
