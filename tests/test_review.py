"""``bibkit review``: scripted decisions through stdin, --accept/--reject, refusals, bib-side links."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from bibkit.claims.decisions import fingerprint
from bibkit.cli import cli
from bibkit.infra.output import write_if_unchanged


@pytest.fixture
def fixture(data, tmp_path, monkeypatch):
    """The commented review fixture copied into a throwaway project directory."""
    for name in ("references.bib", "claims.yaml"):
        shutil.copy(data / "review" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def diff(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if not line.startswith(("---", "+++", "@@"))]


def test_scripted_decisions_change_only_the_decided_links(fixture, runner):
    before = (fixture / "claims.yaml").read_text(encoding="utf-8")
    # links to review, in file order: alpha2001 (shorthand), beta1999 (flow), alpha2001 (block),
    # beta1999 (block), grain-fell: beta1999, alpha2001, delta2004 (from the bibliography)
    script = "y\ns\nn\nonly about 1958\nx\ns\nq\n"
    result = runner.invoke(cli, ["review", "--by", "A. Reviewer", "--date", "2026-11-28"], input=script)
    assert result.exit_code == 0, result.output
    after = (fixture / "claims.yaml").read_text(encoding="utf-8")
    fp1 = fingerprint("Harvest reports were inflated well beyond real output.", "alpha2001", None, None, "supports")
    fp3 = fingerprint("Harvest reports were inflated well beyond real output.", "alpha2001", "pp. 12--13",
                      "reported yields were three times the real ones", "supports")
    assert diff(before, after) == [
        "-    - alpha2001      # shorthand: becomes a mapping only when decided",
        "+    - key: alpha2001      # shorthand: becomes a mapping only when decided",
        "+      verified: true",
        "+      verified_by: A. Reviewer",
        "+      verified_on: 2026-11-28",
        f"+      fingerprint: {fp1}",
        "+      review: rejected",
        "+      reason: only about 1958",
        "+      verified_by: A. Reviewer",
        "+      verified_on: 2026-11-28",
        f"+      fingerprint: {fp3}",
    ]
    assert "(1/7) claim harvest-inflated" in result.stdout
    assert "y - verified" in result.stdout  # 'x' is not a key: the help is shown
    # shown: links 1 to 5 (q on the fifth leaves it undecided, so skipped); never shown: 6 and 7
    assert "\n1 verified, 1 rejected, 3 skipped, 2 not reached; decisions are saved in claims.yaml\n" in result.stdout
    assert result.stdout.count("Verified? [y,n,s,e,q,?]") == 6 and "(5/7)" in result.stdout and "(6/7)" not in result.stdout
    check = runner.invoke(cli, ["check", "--format", "json"])
    codes = [d["code"] for d in __import__("json").loads(check.stdout)["diagnostics"]]
    assert "C020" not in codes and "C009" not in codes and "C003" not in codes


def test_end_of_input_quits_and_keeps_saved_decisions(fixture, runner):
    result = runner.invoke(cli, ["review", "--by", "R", "--date", "2026-01-02"], input="y\n")
    assert result.exit_code == 0
    data = yaml.safe_load((fixture / "claims.yaml").read_text(encoding="utf-8"))
    assert data["claims"][0]["sources"][0]["verified"] is True
    assert "\n1 verified, 0 rejected, 1 skipped, 5 not reached; decisions are saved in claims.yaml\n" in result.stdout
    assert "(2/7)" in result.stdout and "(3/7)" not in result.stdout  # the second link was shown


def test_accept_from_the_command_line(fixture, runner):
    result = runner.invoke(cli, ["review", "--accept", "harvest-inflated", "beta1999", "--by", "B. Checker",
                                 "--date", "2026-11-28", "--note", "read the library copy"])
    assert result.exit_code == 2  # two links to beta1999 in that claim
    assert result.stderr.strip() == (
        "bibkit: error: claims.yaml: claim harvest-inflated links to beta1999 2 times (lines 16, 25, locators "
        "'p. 7', 'chap. 2'); choose one with --locator, or decide on them in turn with "
        "'bibkit review --claim harvest-inflated'")
    before = (fixture / "claims.yaml").read_text(encoding="utf-8")
    result = runner.invoke(cli, ["review", "--accept", "harvest-inflated", "beta1999", "--locator", "chap.  2",
                                 "--by", "B", "--date", "2026-11-28"])
    assert result.exit_code == 0, result.stderr
    assert diff(before, (fixture / "claims.yaml").read_text(encoding="utf-8"))[:2] == [
        "+      verified: true", "+      verified_by: B"]
    (fixture / "claims.yaml").write_text(before, encoding="utf-8")
    result = runner.invoke(cli, ["review", "--accept", "harvest-inflated", "beta1999", "--locator", "p. 8"])
    assert result.exit_code == 2 and "no link to beta1999 with locator 'p. 8'" in result.stderr
    result = runner.invoke(cli, ["review", "--accept", "grain-fell", "beta1999", "--by", "B. Checker",
                                 "--date", "2026-11-28", "--note", "read the library copy"])
    assert result.exit_code == 0, result.stderr
    link = yaml.safe_load((fixture / "claims.yaml").read_text(encoding="utf-8"))["claims"][1]["sources"][0]
    assert link == {"key": "beta1999", "verified": True, "verified_by": "B. Checker",
                    "verified_on": __import__("datetime").date(2026, 11, 28),
                    "fingerprint": fingerprint("Grain output fell in 1959, it's said.", "beta1999", None, None,
                                               "supports"),
                    "note": "read the library copy"}
    cmap = runner.invoke(cli, ["claim-map", "--format", "json"])
    claim = __import__("json").loads(cmap.stdout)["claims"][1]
    assert claim["verified"] is True and claim["links"][0]["stale"] is False


def test_reject_needs_a_reason_and_then_rejects(fixture, runner):
    result = runner.invoke(cli, ["review", "--reject", "grain-fell", "alpha2001"])
    assert result.exit_code == 2 and "--reason" in result.stderr
    result = runner.invoke(cli, ["review", "--reject", "grain-fell", "alpha2001", "--reason", "p. 19 is on rice",
                                 "--by", "R", "--date", "2026-11-28"])
    assert result.exit_code == 0, result.stderr
    cmap = __import__("json").loads(runner.invoke(cli, ["claim-map", "--format", "json"]).stdout)
    link = cmap["claims"][1]["links"][1]
    assert (link["review_state"], link["reason"], link["verified"]) == ("rejected", "p. 19 is on rice", False)
    # rejected links are not offered again by default
    again = runner.invoke(cli, ["review", "--claim", "grain-fell"], input="")
    assert "[beta1999]" in again.stdout and "[alpha2001]" not in again.stdout
    listed = runner.invoke(cli, ["review", "--claim", "grain-fell", "--status", "rejected"], input="s\n")
    assert "Kung" not in listed.stdout and "[alpha2001]" in listed.stdout and "p. 19 is on rice" in listed.stdout


@pytest.mark.parametrize("args, message", [
    (["--accept", "nope", "alpha2001"], "no claim with id nope"),
    (["--accept", "grain-fell", "delta1900"], "claim grain-fell has no link to delta1900"),
    (["--accept", "a", "b", "--reject", "c", "d", "--reason", "x"], "not both"),
    (["--date", "28/11/2026", "--accept", "grain-fell", "beta1999"], "YYYY-MM-DD"),
    (["--claim", "nope"], "no claim with id nope"),
])
def test_user_errors_are_one_line_exit_2(fixture, runner, args, message):
    before = (fixture / "claims.yaml").read_bytes()
    result = runner.invoke(cli, ["review", *args], input="")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert (fixture / "claims.yaml").read_bytes() == before


def test_link_from_the_bibliography_is_written_as_an_explicit_link(fixture, runner):
    before = (fixture / "claims.yaml").read_text(encoding="utf-8")
    result = runner.invoke(cli, ["review", "--accept", "grain-fell", "delta2004", "--by", "R",
                                 "--date", "2026-11-28"])
    assert result.exit_code == 0, result.stderr
    after = (fixture / "claims.yaml").read_text(encoding="utf-8")
    fp = fingerprint("Grain output fell in 1959, it's said.", "delta2004", None, None, "supports")
    assert diff(before, after) == [
        "-    sources: [beta1999, {key: alpha2001, locator: p. 19}]",
        "+    sources: [beta1999, {key: alpha2001, locator: p. 19}, {key: delta2004, verified: true, "
        f"verified_by: R, verified_on: 2026-11-28, fingerprint: {fp}}}]",
    ]
    cmap = __import__("json").loads(runner.invoke(cli, ["claim-map", "--format", "json"]).stdout)
    links = cmap["claims"][1]["links"]
    assert [(lk["key"], lk["origin"], lk["verified"]) for lk in links] == [
        ("beta1999", "claims", False), ("alpha2001", "claims", False), ("delta2004", "claims", True)]


def test_refuses_when_the_file_changed_between_read_and_write(fixture, runner, monkeypatch):
    """Another process edits claims.yaml after review read it: nothing is written over that edit."""
    edited = "# edited by someone else meanwhile\n" + (fixture / "claims.yaml").read_text(encoding="utf-8")

    def racing_write(snapshot, data):
        subprocess.run([sys.executable, "-c",
                        f"open({str(snapshot.path)!r}, 'w', encoding='utf-8').write({edited!r})"], check=True)
        return write_if_unchanged(snapshot, data)

    monkeypatch.setattr("bibkit.review.session.write_if_unchanged", racing_write)
    result = runner.invoke(cli, ["review", "--accept", "grain-fell", "beta1999", "--by", "R"])
    assert result.exit_code == 2
    assert "changed on disk since bibkit read it; nothing written" in result.stderr
    assert (fixture / "claims.yaml").read_text(encoding="utf-8") == edited


def test_interactive_review_stops_when_the_file_changes_meanwhile(fixture, runner, monkeypatch):
    real = write_if_unchanged
    calls = []

    def second_write_races(snapshot, data):
        calls.append(1)
        if len(calls) == 2:
            with open(snapshot.path, "a", encoding="utf-8") as fh:
                fh.write("# appended by an editor\n")
        return real(snapshot, data)

    monkeypatch.setattr("bibkit.review.session.write_if_unchanged", second_write_races)
    result = runner.invoke(cli, ["review", "--by", "R"], input="y\ny\ny\n")
    assert result.exit_code == 2
    text = (fixture / "claims.yaml").read_text(encoding="utf-8")
    assert text.endswith("# appended by an editor\n")
    assert text.count("verified: true") == 1  # the first decision was saved; the second was refused


def test_stdin_script_in_a_real_process(fixture):
    """The installed command reads answers from a pipe, as a shell script would feed it."""
    exe = shutil.which("bibkit", path=str(__import__("pathlib").Path(sys.executable).parent))
    proc = subprocess.run([exe, "review", "--source", "beta1999", "--by", "Pipe", "--date", "2026-11-28"],
                          input="s\ny\n", capture_output=True, text=True, cwd=fixture, timeout=60)
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load((fixture / "claims.yaml").read_text(encoding="utf-8"))
    assert data["claims"][0]["sources"][3]["verified_by"] == "Pipe"
    assert "Verified? [y,n,s,e,q,?] s\n" in proc.stdout  # answers are echoed for the log


def test_edit_note_keeps_the_decision_state(fixture, runner):
    result = runner.invoke(cli, ["review", "--claim", "grain-fell", "--source", "alpha2001"],
                           input="e\nchecked the 2nd edition\ns\n")
    assert result.exit_code == 0, result.output
    link = yaml.safe_load((fixture / "claims.yaml").read_text(encoding="utf-8"))["claims"][1]["sources"][1]
    assert link == {"key": "alpha2001", "locator": "p. 19", "note": "checked the 2nd edition"}


def test_quote_check_hook_is_shown_when_wired(fixture, runner, monkeypatch):
    from types import SimpleNamespace

    def checker(project):
        return [SimpleNamespace(claim="harvest-inflated", key="alpha2001", locator="pp. 12--13", status="close",
                                page="13", score=0.91, source_text="reported yields were twice the real ones",
                                file="sources/alpha2001.pdf", line=17)]

    monkeypatch.setattr("bibkit.cli.review.QUOTE_CHECKER", checker)
    result = runner.invoke(cli, ["review", "--claim", "harvest-inflated", "--source", "alpha2001"], input="s\ns\n")
    assert "quote check  close, page 13 (score 0.91) in sources/alpha2001.pdf" in result.stdout
    assert "source says \u201creported yields were twice the real ones\u201d" in result.stdout
    assert result.stdout.count("not checked ('bibkit verify'") == 1  # the shorthand link has no check


def test_readme_review_examples_are_real_output(root, tmp_path, monkeypatch, runner):
    """The README's console blocks for review are what bibkit prints on a copy of the bundled example."""
    import re
    import shlex

    for name in ("references.bib", "claims.yaml", "pyproject.toml"):
        shutil.copy(root / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Reviewing links: `bibkit review`", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```console\n(.*?)```", section, re.S)

    interactive, accept, warning = blocks[0], blocks[1], blocks[2]
    command, *shown = interactive.splitlines()
    answers = command.split("printf '", 1)[1].split("'", 1)[0].encode().decode("unicode_escape")
    args = shlex.split(command.split("| bibkit ", 1)[1])
    out = runner.invoke(cli, args, input=answers).stdout.splitlines()
    at = 0
    for line in shown:  # README lines appear in order; "…" stands for cut lines
        if line == "…":
            continue
        at = out.index(line, at) + 1

    before = (tmp_path / "claims.yaml").read_bytes()
    command = accept.split("\n", 1)[0] + accept.split("\n", 2)[1]
    args = shlex.split(command.replace("\\", " ").split("$ bibkit ", 1)[1])
    result = runner.invoke(cli, args)
    assert result.stdout.strip() == accept.strip().splitlines()[-1]
    assert (tmp_path / "claims.yaml").read_bytes() == before  # the example already holds this decision

    text = (tmp_path / "claims.yaml").read_text(encoding="utf-8")
    (tmp_path / "claims.yaml").write_text(text.replace("Researchers put the famine's death toll at 30 million "
                                                       "people or more.", "Researchers put the death toll at "
                                                       "30 million or more."), encoding="utf-8")
    check = runner.invoke(cli, ["check"]).stdout.splitlines()
    assert warning.strip() in check


def test_ctrl_c_keeps_saved_decisions_and_exits_130(fixture, runner, monkeypatch):
    import io

    from bibkit.project import load_project
    from bibkit.review.session import ReviewSession, interactive

    class Answers:
        """'y' for the first link, then Ctrl-C at the next prompt."""

        def __init__(self):
            self.lines = ["y\n"]

        def readline(self):
            if self.lines:
                return self.lines.pop(0)
            raise KeyboardInterrupt

    session = ReviewSession.open(load_project())
    tally = interactive(session, session.items(), Answers(), io.StringIO(), cite=lambda item: item.link.key,
                        by="R")
    assert (tally.verified, tally.skipped, tally.left, tally.interrupted) == (1, 1, 5, True)  # Ctrl-C on link 2
    assert yaml.safe_load((fixture / "claims.yaml").read_text())["claims"][0]["sources"][0]["verified"] is True

    def interrupted(*args, **kwargs):
        return type(tally)(verified=1, left=6, interrupted=True)

    monkeypatch.setattr("bibkit.cli.review.interactive", interrupted)
    result = runner.invoke(cli, ["review"])
    assert result.exit_code == 130 and "1 verified, 0 rejected, 0 skipped, 6 not reached" in result.stdout


def interrupt_at_refresh(monkeypatch, session, n: int) -> None:
    """Make the ``n``-th re-read of a link from the file (1-based) raise Ctrl-C, as if pressed just then."""
    refresh, calls = session.refresh, []

    def refresh_then_interrupt(item):
        calls.append(item)
        if len(calls) == n:
            raise KeyboardInterrupt
        return refresh(item)

    monkeypatch.setattr(session, "refresh", refresh_then_interrupt)


def test_ctrl_c_before_a_link_is_shown_counts_that_link_as_not_reached(fixture, monkeypatch):
    """Ctrl-C while link 2 is being read again from the file, before it is on screen: 1 verified, none
    skipped, and links 2 to 7 (six of the seven) not reached."""
    import io

    from bibkit.project import load_project
    from bibkit.review.session import ReviewSession, interactive

    session = ReviewSession.open(load_project())
    items = session.items()
    assert len(items) == 7
    interrupt_at_refresh(monkeypatch, session, 2)
    out = io.StringIO()
    tally = interactive(session, items, io.StringIO("y\n"), out, cite=lambda item: item.link.key, by="R")
    assert (tally.verified, tally.skipped, tally.left, tally.interrupted) == (1, 0, 6, True)
    assert "(2/7)" not in out.getvalue()


def test_symlinked_claims_file_is_updated_through_the_link(fixture, runner):
    real = fixture / "real"
    real.mkdir()
    (fixture / "claims.yaml").rename(real / "claims.yaml")
    (fixture / "claims.yaml").symlink_to(real / "claims.yaml")
    result = runner.invoke(cli, ["review", "--accept", "grain-fell", "beta1999", "--by", "R"])
    assert result.exit_code == 0, result.stderr
    assert (fixture / "claims.yaml").is_symlink()
    assert "verified_by: R" in (real / "claims.yaml").read_text()


def test_a_failing_quote_checker_is_a_warning_not_an_error(fixture, runner, monkeypatch):
    from bibkit.infra.errors import BibkitError

    def broken(project):
        raise BibkitError("sources/alpha2001.pdf: encrypted")

    monkeypatch.setattr("bibkit.cli.review.QUOTE_CHECKER", broken)
    result = runner.invoke(cli, ["review"], input="q\n")
    assert result.exit_code == 0
    assert "bibkit: warning: quote checks unavailable: sources/alpha2001.pdf: encrypted" in result.stderr


FORCE_BIB = "@misc{src2000, author = {Ann Author}, title = {Ledgers}, year = {2000}}\n"
FORCE_CLAIMS = """\
version: 1
claims:
  - id: tons
    text: The mill ground 412 tons in 1876.
    sources:
      - key: src2000
        quote: "with 412 tons of grain ground that year"
  - id: rust
    text: TraceMonkey was written in Rust.
    sources:
      - key: src2000
        quote: "TraceMonkey was written in Rust"
  - id: never
    text: Markets never fail.
    sources:
      - key: src2000
        quote: "markets never fail to allocate grain"
"""
FORCE_SOURCE = "The best year in the ledgers is 1876, with 412 tons of grain ground that year.\n" \
               "In the long run markets often fail to allocate grain when prices are fixed.\n"


@pytest.fixture
def quoted(tmp_path, monkeypatch):
    (tmp_path / "references.bib").write_text(FORCE_BIB, encoding="utf-8")
    (tmp_path / "claims.yaml").write_text(FORCE_CLAIMS, encoding="utf-8")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "src2000.txt").write_text(FORCE_SOURCE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _link(root, claim: str) -> dict:
    data = yaml.safe_load((root / "claims.yaml").read_text(encoding="utf-8"))
    return next(c for c in data["claims"] if c["id"] == claim)["sources"][0]


@pytest.mark.parametrize("claim, said", [
    ("rust", "quote not-found"),
    ("never", "quote close (a negation differs: 1 in the quote, 0 in the source)"),
])
def test_accepting_a_link_whose_quote_fails_needs_force_and_is_recorded_as_forced(quoted, runner, claim, said):
    before = (quoted / "claims.yaml").read_bytes()
    args = ["review", "--accept", claim, "src2000", "--by", "R", "--date", "2026-12-07"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"bibkit: error: claims.yaml:{11 if claim == 'rust' else 16}: not recorded: "
                                    f"the quote check says {said}; "), result.stderr
    assert (quoted / "claims.yaml").read_bytes() == before
    result = runner.invoke(cli, [*args, "--force"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.rstrip().endswith(f", forced: {said})")
    link = _link(quoted, claim)
    assert (link["verified"], link["forced"]) == (True, said)
    # every report says the verification was forced
    cmap = __import__("json").loads(runner.invoke(cli, ["claim-map", "--format", "json"]).stdout)
    (json_link,) = next(c for c in cmap["claims"] if c["id"] == claim)["links"]
    assert (json_link["review_state"], json_link["forced"]) == ("verified", said)
    for fmt, shown in (("text", f"✓ verified (forced past: {said})"), ("markdown", "✅ verified (forced past: quote"),
                       ("html", f"forced past: {said}")):
        assert shown in runner.invoke(cli, ["claim-map", "--format", fmt]).stdout, fmt
    check = __import__("json").loads(runner.invoke(cli, ["check", "--format", "json"]).stdout)
    assert not [d for d in check["diagnostics"] if d["code"] in ("C003", "C009", "C021")]


def test_a_found_quote_needs_no_force_and_a_fixed_quote_drops_the_forced_record(quoted, runner):
    result = runner.invoke(cli, ["review", "--accept", "tons", "src2000", "--by", "R", "--date", "2026-12-07"])
    assert result.exit_code == 0, result.stderr
    assert "forced" not in _link(quoted, "tons")
    runner.invoke(cli, ["review", "--accept", "never", "src2000", "--force", "--by", "R", "--date", "2026-12-07"])
    assert "forced" in _link(quoted, "never")
    text = (quoted / "claims.yaml").read_text(encoding="utf-8").replace("markets never fail", "markets often fail")
    (quoted / "claims.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["review", "--accept", "never", "src2000", "--by", "R", "--date", "2026-12-08"])
    assert result.exit_code == 0, result.stderr
    link = _link(quoted, "never")
    assert link["verified"] is True and "forced" not in link and link["verified_on"].isoformat() == "2026-12-08"


def test_interactively_a_failing_quote_asks_again(quoted, runner):
    result = runner.invoke(cli, ["review", "--claim", "rust", "--by", "R", "--date", "2026-12-07"], input="y\nn\ns\n")
    assert "The quote check says quote not-found. Record it verified anyway? [y/N]" in result.stdout
    assert "verified" not in _link(quoted, "rust")
    assert "0 verified, 0 rejected, 1 skipped" in result.stdout
    # the prompt says [y/N]: Enter alone, or anything but yes, is no
    for answer in ("\n", "maybe\n", "N\n"):
        result = runner.invoke(cli, ["review", "--claim", "rust", "--by", "R", "--date", "2026-12-07"],
                               input="y\n" + answer + "s\n")
        assert "verified" not in _link(quoted, "rust"), answer
        assert "0 verified, 0 rejected, 1 skipped" in result.stdout, answer
    result = runner.invoke(cli, ["review", "--claim", "rust", "--by", "R", "--date", "2026-12-07"], input="y\nY\n")
    assert _link(quoted, "rust")["forced"] == "quote not-found"
    assert "1 verified" in result.stdout


def test_force_goes_with_accept(quoted, runner):
    result = runner.invoke(cli, ["review", "--reject", "rust", "src2000", "--reason", "x", "--force"])
    assert result.exit_code == 2 and "--force goes with --accept" in result.stderr


def test_rejecting_a_verified_link_clears_verified(quoted, runner):
    assert runner.invoke(cli, ["review", "--accept", "tons", "src2000", "--by", "R", "--date", "2026-12-07"]).exit_code == 0
    assert _link(quoted, "tons")["verified"] is True
    result = runner.invoke(cli, ["review", "--reject", "tons", "src2000", "--reason", "wrong year", "--by", "R",
                                 "--date", "2026-12-08"])
    assert result.exit_code == 0, result.stderr
    link = _link(quoted, "tons")
    assert (link.get("verified"), link["review"], link["reason"]) == (False, "rejected", "wrong year")
    check = __import__("json").loads(runner.invoke(cli, ["check", "--format", "json"]).stdout)
    assert [d for d in check["diagnostics"] if d["code"] == "C003"] == []
    # and accepting it again drops the rejection and its reason
    runner.invoke(cli, ["review", "--accept", "tons", "src2000", "--by", "R", "--date", "2026-12-09"])
    link = _link(quoted, "tons")
    assert link["verified"] is True and "review" not in link and "reason" not in link


def test_plain_review_offers_a_stale_verification_again(quoted, runner):
    runner.invoke(cli, ["review", "--accept", "tons", "src2000", "--by", "R", "--date", "2026-12-07"])
    text = (quoted / "claims.yaml").read_text(encoding="utf-8")
    (quoted / "claims.yaml").write_text(text.replace("The mill ground 412 tons", "The mill ground 412 tonnes"),
                                        encoding="utf-8")
    result = runner.invoke(cli, ["review", "--claim", "tons", "--by", "R"], input="s\n")
    assert "(1/1) claim tons" in result.stdout, result.stdout
    result = runner.invoke(cli, ["review", "--reject", "never", "src2000", "--reason", "x", "--by", "R"])
    runner.invoke(cli, ["review", "--accept", "rust", "src2000", "--force", "--by", "R"])
    runner.invoke(cli, ["review", "--reject", "rust", "src2000", "--reason", "not in the paper", "--by", "R"])
    assert "forced" not in _link(quoted, "rust")  # a rejection drops what a forced acceptance recorded


# -- how a link's quote check and a session's tally read (pure functions, hand-written text) --------

def test_doubt_names_only_not_found_and_close_quotes():
    from types import SimpleNamespace as NS

    from bibkit.review.session import doubt

    assert doubt(None) is None
    assert doubt(NS(status="found", reason="x")) is None and doubt(NS(status="no-fulltext")) is None
    assert doubt(NS(status="not-found", reason="ignored")) == "quote not-found"
    assert doubt(NS(status="close", reason="numbers differ: 30 / 45")) == "quote close (numbers differ: 30 / 45)"
    assert doubt(NS(status="close", reason="")) == "quote close"
    assert doubt(NS(status="close")) == "quote close"


def test_quote_check_lines_read_exactly():
    from types import SimpleNamespace as NS

    from bibkit.review.session import quote_check_lines

    assert quote_check_lines(None) == ["not checked ('bibkit verify' checks quotes against the sources' full texts)"]
    close = NS(status="close", page=12, score=0.875, file="pdf/a.pdf", reason="numbers differ",
               source_text="the  yields were\nthree times the real ones")
    assert quote_check_lines(close, width=30) == [
        "close, page 12 (score 0.88) in pdf/a.pdf (numbers differ)",
        "source says \u201cthe yields were",
        "  three times the real ones\u201d"]
    found = NS(status="found", page=None, score=1.0, file=None, reason=None, source_text=None)
    assert quote_check_lines(found) == ["found"]
    assert quote_check_lines(NS(status="not-found", page=3, score=0, file="", reason="")) == [
        "not-found, page 3 (score 0.00)"]


def test_tally_summary_reads_exactly():
    from bibkit.review.session import Tally

    assert Tally().summary() == "0 verified, 0 rejected, 0 skipped"
    assert Tally(2, 1, 3, notes=1, left=4).summary() == "2 verified, 1 rejected, 3 skipped, 1 note edited, 4 not reached"
    assert Tally(0, 0, 0, notes=2).summary() == "0 verified, 0 rejected, 0 skipped, 2 notes edited"


def test_session_offers_resolving_links_and_writes_reasons_and_notes_folded(fixture):
    import datetime

    from bibkit.project import load_project
    from bibkit.review.session import Decision, ReviewSession

    text = (fixture / "claims.yaml").read_text(encoding="utf-8")
    (fixture / "claims.yaml").write_text(text.replace("    sources: [beta1999, {key: alpha2001, locator: p. 19}]",
                                                      "    sources: [beta1999, ghost2020, {key: alpha2001, locator: p. 19}]"),
                                         encoding="utf-8")
    project = load_project([str(fixture / "references.bib")], str(fixture / "claims.yaml"))
    session = ReviewSession.open(project)
    offered = [(i.claim.id, i.link.key, i.index, i.link.origin) for i in session.items(claims=["grain-fell"])]
    assert offered == [("grain-fell", "beta1999", 0, "claims"), ("grain-fell", "alpha2001", 0, "claims"),
                       ("grain-fell", "delta2004", 0, "bib")]  # ghost2020 is not in the bibliography: not offered
    from bibkit.infra.errors import BibkitError
    with pytest.raises(BibkitError) as err:
        session.find("grain-fell", "ghost2020")
    assert str(err.value) == "ghost2020 is not in the bibliography; fix the link of claim grain-fell first"
    day = datetime.date(2026, 11, 28)
    beta, alpha, delta = session.items(claims=["grain-fell"])
    written = session.decide(beta, Decision("reject", "R", day, reason="  p. 19\n   is on  rice ", note="  read it twice  "))
    assert (written["reason"], written["note"]) == ("p. 19 is on rice", "read it twice")
    session.decide(session.refresh(alpha), Decision("note", note="  \t "))  # white space only: no note
    # a link from the bibliography, once decided, is the claims file's link: refresh finds it there
    session.decide(delta, Decision("accept", "R", day))
    again = session.refresh(delta)
    assert (again.link.origin, again.state.state, again.link.verified_by) == ("claims", "verified", "R")
    links = yaml.safe_load((fixture / "claims.yaml").read_text(encoding="utf-8"))["claims"][1]["sources"]
    assert links[0] == {"key": "beta1999", "review": "rejected", "reason": "p. 19 is on rice", "verified_by": "R",
                        "verified_on": day, "fingerprint": links[0]["fingerprint"], "note": "read it twice"}
    assert links[2] == {"key": "alpha2001", "locator": "p. 19"}
    assert links[3]["key"] == "delta2004" and links[3]["verified"] is True


# -- the pure parts of a decision, field by field ---------------------------------------------------

def test_what_each_decision_writes():
    import datetime

    from bibkit.claims.decisions import review_state
    from bibkit.claims.writer import MISSING
    from bibkit.model import Claim, Link
    from bibkit.review.session import Decision, ReviewItem, changes

    on = datetime.date(2026, 12, 7)
    link = Link("smil1999", locator="p. 1", quote="old", verified=True, note="n")
    claim = Claim("c", "T.", links=[link])
    item = ReviewItem(claim, link, 0, review_state("T.", link))
    got = changes(item, Decision("accept", "R", on, quote="  a  new\n quote ", locator="  p.  2 ", note="  "),
                  "claims.yaml")
    assert got == {"quote": "a new quote", "locator": "p. 2", "verified": True, "review": MISSING,
                   "reason": MISSING, "forced": MISSING, "verified_by": "R", "verified_on": on,
                   "fingerprint": fingerprint("T.", "smil1999", "p. 2", "a new quote", "supports"), "note": MISSING}
    got = changes(item, Decision("accept", "R", on, locator="", forced="quote not-found"), "claims.yaml")
    assert (got["locator"], got["forced"], got["fingerprint"]) == (
        MISSING, "quote not-found", fingerprint("T.", "smil1999", None, "old", "supports"))
    got = changes(item, Decision("accept", "R", on, quote="a third quote"), "claims.yaml")  # the locator stays
    assert ("locator" in got, got["fingerprint"]) == (False, fingerprint("T.", "smil1999", "p. 1", "a third quote",
                                                                         "supports"))
    got = changes(item, Decision("reject", "R", on, reason=" not\n  there "), "claims.yaml")
    assert (got["review"], got["reason"], got["forced"], got["verified"]) == ("rejected", "not there", MISSING, False)
    for reason in (None, "", "  \n "):
        with pytest.raises(Exception, match="a rejection needs a reason"):
            changes(item, Decision("reject", "R", on, reason=reason), "claims.yaml")
    assert changes(item, Decision("note", note=" keep "), "claims.yaml") == {"note": "keep"}


def test_quote_check_lines_show_a_score_only_where_it_means_something():
    from types import SimpleNamespace

    from bibkit.review.session import quote_check_lines

    def check(status, **kw):
        return SimpleNamespace(status=status, page=kw.get("page"), score=0.875, file=kw.get("file"),
                               reason=kw.get("reason"), source_text=kw.get("text"))

    for status in ("found", "no-fulltext", "unreadable", "no-quote"):
        assert quote_check_lines(check(status)) == [status]
    assert quote_check_lines(check("close", page=3, file="a.pdf", reason="numbers differ: 3 / 4",
                                   text="the  source\nsays")) == [
        "close, page 3 (score 0.88) in a.pdf (numbers differ: 3 / 4)", "source says \u201cthe source says\u201d"]
    assert quote_check_lines(check("not-found")) == ["not-found (score 0.88)"]


def test_describe_shows_every_part_of_the_state():
    from bibkit.claims.decisions import review_state
    from bibkit.model import Claim, Link
    from bibkit.review.session import ReviewItem, describe

    def shown(link, text="T."):
        claim = Claim("c", text, links=[link])
        out = describe(ReviewItem(claim, link, 0, review_state(text, link)), "Smil 1999", "claims.yaml", width=200)
        return out.splitlines()

    lines = shown(Link("smil1999", stance="qualifies", note="see table", line=7, verified_by="R", verified_on="2026-12-01",
                       review="rejected", reason="wrong book"))
    assert lines[0] == "claim c  (claims.yaml:7)"
    assert "  stance       qualifies" in lines and "  note         see table" in lines
    assert "  status       rejected by R on 2026-12-01 (by hand, no review record): wrong book" in lines
    lines = shown(Link("smil1999", verified=True, reason="old reason", origin="bib"))
    assert lines[0] == "claim c  (from the bibliography entry smil1999)"
    assert "  status       verified (by hand, no review record)" in lines
    current = fingerprint("T.", "smil1999", None, None, "supports")
    lines = shown(Link("smil1999", verified=True, verified_by="R", verified_on="2026-12-01", fingerprint=current))
    assert "  status       verified by R on 2026-12-01" in lines  # a review record: not "by hand"
    old = fingerprint("Old.", "smil1999", None, None, None)
    lines = shown(Link("smil1999", review="rejected", reason="r", verified_by="R", fingerprint=old), "New.")
    assert "  status       stale: rejected by R, claim text changed since" in lines


def test_items_count_duplicate_links_per_key_and_filter_by_each_source(tmp_path):
    from bibkit.project import load_project
    from bibkit.review.session import ReviewSession

    (tmp_path / "references.bib").write_text(
        "@book{a, title={A}, year={2000}}\n@book{b, title={B}, year={2000}}\n@book{c, title={C}, year={2000}}\n",
        encoding="utf-8")
    (tmp_path / "claims.yaml").write_text(
        "version: 1\nclaims:\n  - id: x\n    text: X.\n    sources:\n"
        "      - {key: a, locator: p.  1}\n      - b\n      - {key: a, locator: p. 2}\n      - c\n", encoding="utf-8")
    project = load_project([str(tmp_path / "references.bib")], str(tmp_path / "claims.yaml"))
    session = ReviewSession.open(project)
    assert [(i.link.key, i.index) for i in session.items()] == [("a", 0), ("b", 0), ("a", 1), ("c", 0)]
    assert [i.link.key for i in session.items(sources=["c", "b"])] == ["b", "c"]
    assert session.find("x", "a", "p. 1").index == 0


def test_answers_are_read_in_either_case(fixture, runner):
    result = runner.invoke(cli, ["review", "--by", "R", "--date", "2026-01-02"], input=" Y \nS\n")
    assert result.exit_code == 0
    data = yaml.safe_load((fixture / "claims.yaml").read_text(encoding="utf-8"))
    assert data["claims"][0]["sources"][0]["verified"] is True
    assert "\n1 verified, 0 rejected, 2 skipped, 4 not reached; decisions are saved in claims.yaml\n" in result.stdout


def test_decisions_edited_claim_by_claim_keep_every_line_number_and_the_bibliographys_links(fixture):
    import datetime

    from bibkit.claims.decisions import STATES
    from bibkit.project import load_project
    from bibkit.review.session import Decision, ReviewSession

    (fixture / "claims.yaml").write_text(
        "\ufeff# decisions go here\nversion: 1\n\nclaims:\n  - id: one\n    text: One.\n    sources:\n      - alpha2001\n"
        "  - id: grain-fell\n    text: Grain fell.\n    sources:\n      - key: beta1999\n        locator: p. 2\n",
        encoding="utf-8")
    session = ReviewSession.open(load_project([str(fixture / "references.bib")], str(fixture / "claims.yaml")))
    bib_line = [i.link.line for i in session.items(states=STATES) if i.link.key == "delta2004"]
    day = datetime.date(2026, 11, 28)
    first = session.items(claims=["one"])[0]
    written = session.decide(first, Decision("accept", "R", day))
    assert written == {"verified": True, "verified_by": "R", "verified_on": day,
                       "fingerprint": fingerprint("One.", "alpha2001", None, None, "supports")}
    # the shorthand became a mapping with four more lines: the claim after it moves down by four, no more
    seen = [(i.claim.id, i.claim.line, i.link.key, i.link.origin, i.link.line) for i in session.items(states=STATES)]
    assert seen == [("one", 5, "alpha2001", "claims", 8), ("grain-fell", 13, "beta1999", "claims", 16),
                    ("grain-fell", 13, "delta2004", "bib", bib_line[0])]
    session.decide(session.items(claims=["grain-fell"])[0], Decision("accept", "R", day))
    seen = [(i.claim.id, i.claim.line, i.link.key, i.link.origin, i.state.state) for i in session.items(states=STATES)]
    assert seen == [("one", 5, "alpha2001", "claims", "verified"), ("grain-fell", 13, "beta1999", "claims", "verified"),
                    ("grain-fell", 13, "delta2004", "bib", "unverified")]
    assert (fixture / "claims.yaml").read_bytes().startswith("\ufeff# decisions go here\n".encode("utf-8"))


def test_a_decision_written_over_the_whole_file_is_read_again(fixture):
    import datetime

    from bibkit.claims.decisions import STATES
    from bibkit.project import load_project
    from bibkit.review.session import Decision, ReviewSession

    # an alias in the file: the decision is written by editing the whole file, which must then be read again
    (fixture / "claims.yaml").write_text(
        "version: 1\nclaims:\n  - id: one\n    text: One.\n    tags: &t [x]\n    sources:\n      - alpha2001\n"
        "  - id: two\n    text: Two.\n    tags: *t\n    sources: [beta1999]\n", encoding="utf-8")
    session = ReviewSession.open(load_project([str(fixture / "references.bib")], str(fixture / "claims.yaml")))
    session.decide(session.items(claims=["one"])[0], Decision("accept", "R", datetime.date(2026, 11, 28)))
    seen = [(i.claim.id, i.claim.line, i.link.key, i.link.line, i.state.state) for i in session.items(states=STATES)
            if i.link.origin == "claims"]
    assert seen == [("one", 3, "alpha2001", 7, "verified"), ("two", 12, "beta1999", 15, "unverified")]


def test_a_claim_on_the_files_second_line_keeps_its_line_numbers_after_a_decision(fixture):
    import datetime

    from bibkit.claims.decisions import STATES
    from bibkit.project import load_project
    from bibkit.review.session import Decision, ReviewSession

    (fixture / "claims.yaml").write_text("claims:\n  - id: one\n    text: One.\n    sources:\n      - alpha2001\n"
                                         "      - key: beta1999\n", encoding="utf-8")
    session = ReviewSession.open(load_project([str(fixture / "references.bib")], str(fixture / "claims.yaml")))
    session.decide(session.items(claims=["one"])[0], Decision("accept", "R", datetime.date(2026, 11, 28)))
    seen = [(i.claim.id, i.claim.line, i.link.key, i.link.line) for i in session.items(states=STATES)]
    assert seen == [("one", 2, "alpha2001", 5), ("one", 2, "beta1999", 10)]


# -- stop 34's mutation run: who decides, which file, a rejected link from the bibliography -----------

def test_default_reviewer_is_gits_user_name_seen_from_the_folder_else_the_login_name(tmp_path, monkeypatch):
    """``git config user.name`` run in the claims file's folder ("" is the working folder), else the login name,
    else "unknown"; git's own configuration files are kept out so only the repository's counts."""
    import os

    from bibkit.review import session as mod

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.setattr(mod.getpass, "getuser", lambda: "login-name")
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    repo.mkdir()
    elsewhere.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "config", "user.name", "Ann Reviewer"], check=True)
    monkeypatch.chdir(elsewhere)
    assert mod.default_reviewer(str(repo)) == "Ann Reviewer"
    assert mod.default_reviewer(str(elsewhere)) == "login-name"  # no repository, so no user.name
    monkeypatch.chdir(repo)
    assert mod.default_reviewer("") == "Ann Reviewer"  # os.path.dirname("claims.yaml") is ""
    assert mod.default_reviewer() == "Ann Reviewer"
    subprocess.run(["git", "-C", str(repo), "config", "user.name", ""], check=True)
    assert mod.default_reviewer(str(repo)) == "login-name"  # an empty user.name is no name

    def no_login():
        raise KeyError("getpwuid(): uid not found: 4321")

    monkeypatch.setattr(mod.getpass, "getuser", no_login)
    assert mod.default_reviewer(str(elsewhere)) == "unknown"


def test_a_session_needs_a_claims_file_it_can_read_as_utf8(tmp_path, monkeypatch):
    from bibkit.infra.errors import BibkitError
    from bibkit.project import load_project
    from bibkit.review.session import ReviewSession

    monkeypatch.chdir(tmp_path)
    (tmp_path / "references.bib").write_text("@book{a, title={A}, year={2000}}\n", encoding="utf-8")
    project = load_project(["references.bib"], no_claims=True)
    assert project.claims is None
    with pytest.raises(BibkitError) as err:
        ReviewSession.open(project)
    assert str(err.value) == "no claims file to review (give one with --claims)"
    with pytest.raises(BibkitError) as err:
        ReviewSession.open(project, "nothere.yaml")
    assert str(err.value) == "nothere.yaml: no such file (give one with --claims)"
    (tmp_path / "latin1.yaml").write_bytes("version: 1\nclaims:\n  - id: caf\u00e9\n    text: X.\n".encode("latin-1"))
    with pytest.raises(BibkitError) as err:
        ReviewSession.open(project, "latin1.yaml")
    assert str(err.value) == "latin1.yaml: is not UTF-8; cannot record decisions in it"
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbfversion: 1\nclaims:\n  - id: x\n    text: X.\n    sources: [a]\n")
    session = ReviewSession.open(project, "bom.yaml")
    assert [(i.claim.id, i.link.key, i.link.line) for i in session.items()] == [("x", "a", 5)]


def test_rejecting_a_link_from_the_bibliography_writes_it_as_a_rejected_link(fixture, runner):
    before = (fixture / "claims.yaml").read_text(encoding="utf-8")
    result = runner.invoke(cli, ["review", "--reject", "grain-fell", "delta2004", "--reason", "only about  1960",
                                 "--by", "R", "--date", "2026-11-28"])
    assert result.exit_code == 0, result.stderr
    fp = fingerprint("Grain output fell in 1959, it's said.", "delta2004", None, None, "supports")
    assert result.stdout == (f"claims.yaml:31: rejected link from grain-fell to delta2004 (by R, 2026-11-28, "
                             f"fingerprint {fp})\n")
    assert diff(before, (fixture / "claims.yaml").read_text(encoding="utf-8")) == [
        "-    sources: [beta1999, {key: alpha2001, locator: p. 19}]",
        "+    sources: [beta1999, {key: alpha2001, locator: p. 19}, {key: delta2004, review: rejected, "
        f"reason: only about 1960, verified_by: R, verified_on: 2026-11-28, fingerprint: {fp}}}]",
    ]


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_a_decision_in_an_ordinary_file_edits_and_reads_only_the_decided_claim(fixture, monkeypatch, bom):
    """The claim-by-claim path (the one that keeps a decision cheap on a long file) is taken for every claim
    of an ordinary file, the first one on line 3 included; the whole-file editor is never called."""
    import datetime

    from bibkit.claims.decisions import STATES
    from bibkit.project import load_project
    from bibkit.review import session as mod

    def whole_file(*args, **kwargs):
        raise AssertionError("the whole file was edited")

    monkeypatch.setattr(mod, "_edited", whole_file)
    (fixture / "claims.yaml").write_text(
        bom + "version: 1\nclaims:\n  - id: one\n    text: One.\n    sources: [alpha2001]\n"
        "  - id: two\n    text: Two.\n    sources:\n      - beta1999\n", encoding="utf-8")
    session = mod.ReviewSession.open(load_project([str(fixture / "references.bib")], str(fixture / "claims.yaml")))
    day = datetime.date(2026, 11, 28)
    session.decide(session.items(claims=["one"])[0], mod.Decision("accept", "R", day))
    session.decide(session.items(claims=["two"])[0], mod.Decision("reject", "R", day, reason="wrong page"))
    assert session.stale_parse is False
    seen = [(i.claim.id, i.claim.line, i.link.key, i.link.line, i.state.state) for i in session.items(states=STATES)
            if i.link.origin == "claims"]
    # "one"'s flow list grows by no line; "two"'s shorthand becomes a mapping of six lines
    assert seen == [("one", 3, "alpha2001", 5, "verified"), ("two", 6, "beta1999", 9, "rejected")]
    text = (fixture / "claims.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[8:] == ["      - key: beta1999", "        review: rejected", "        reason: wrong page",
                                     "        verified_by: R", "        verified_on: 2026-11-28",
                                     "        fingerprint: " + fingerprint("Two.", "beta1999", None, None, "supports")]


LONG_TEXT = "Harvest reports from the northern counties were inflated far beyond real output"  # 79 characters
NOT_CHECKED = ["  quote check  not checked ('bibkit verify' checks quotes against the sources'",
               "               full texts)"]


def test_describe_reads_exactly_at_the_default_width_of_80():
    """Every part of a link as review shows it, wrapped at 80 columns: labels padded to 13, continuation lines
    indented 15, no break at a hyphen in the claims file's words, the quote check's passage under it."""
    from types import SimpleNamespace

    from bibkit.claims.decisions import review_state
    from bibkit.model import Claim, Link
    from bibkit.review.session import ReviewItem, describe

    link = Link("smil1999", stance="qualifies", line=12, verified=True, verified_by="A. Reviewer",
                verified_on="2026-12-01", note="read the 1999 edition",
                quote="reported yields were three times the real ones, and the county-level figures were worse still")
    claim = Claim("c", LONG_TEXT, links=[link])
    check = SimpleNamespace(status="close", page=4, score=0.9, file="pdf/smil.pdf", reason="numbers differ",
                            source_text="reported yields were four times the real ones, while the county-level "
                                        "figures were worse still")
    shown = describe(ReviewItem(claim, link, 0, review_state(LONG_TEXT, link)), "Smil 1999, p. 4", "claims.yaml", check)
    assert shown.split("\n") == [
        "claim c  (claims.yaml:12)",
        "  Harvest reports from the northern counties were inflated far beyond real",
        "  output",
        "  source       Smil 1999, p. 4 [smil1999]",
        "  stance       qualifies",
        "  quote        \u201creported yields were three times the real ones, and the",
        "               county-level figures were worse still\u201d",
        "  note         read the 1999 edition",
        "  status       verified by A. Reviewer on 2026-12-01 (by hand, no review record)",
        "  quote check  close, page 4 (score 0.90) in pdf/smil.pdf (numbers differ)",
        "               source says \u201creported yields were four times the real ones, while",
        "                 the county-level figures were worse still\u201d",
    ]


REVIEW_BIB = "@book{a, title={A}, year={2000}}\n@book{b, title={B}, year={2001}}\n"
REVIEW_CLAIMS = f"""\
version: 1
claims:
  - id: one
    text: {LONG_TEXT}
    sources:
      - key: a
        note: old note
  - id: two
    text: Two.
    sources: [a, b]
  - id: three
    text: Three.
    sources: [a, b]
"""
PROMPT = "Verified? [y,n,s,e,q,?] "
REASON = "Reason (what the source says instead, or why it does not back the claim): "
HELP_TEXT = """\
y - verified: the source, at this locator, says what the claim says
n - rejected: it does not (you are asked for the reason)
s - skip this link for now
e - edit the link's note
q - quit; decisions made so far are saved
? - this help
"""


def shown_link(n: int, cid: str, line: int, text: list[str], key: str, note: str | None = None) -> str:
    """How interactive review shows an undecided, unchecked link (written out by hand from the rules)."""
    lines = [f"\n({n}/5) claim {cid}  (claims.yaml:{line})", *text, f"  source       {key} [{key}]",
             "  stance       supports", *([f"  note         {note}"] if note else []), "  status       unverified",
             *NOT_CHECKED]
    return "\n".join(lines) + "\n"


# The whole conversation: what review writes, and each prompt with the answer typed to it.
CONVERSATION = [
    ("out", shown_link(1, "one", 6, ["  Harvest reports from the northern counties were inflated far beyond real",
                                     "  output"], "a", "old note")),
    ("ask", PROMPT, "?"), ("out", HELP_TEXT),
    ("ask", PROMPT, "e"), ("ask", "Note (now: old note; empty keeps it, '-' removes it): ", "new note"),
    ("out", "  saved: note\n"),
    ("ask", PROMPT, "e"), ("ask", "Note (now: new note; empty keeps it, '-' removes it): ", "-"),
    ("out", "  saved: note\n"),
    ("ask", PROMPT, "E"), ("ask", "Note (now: none; empty keeps it, '-' removes it): ", ""),
    ("ask", PROMPT, "yes"), ("out", "  saved: verified by R on 2026-11-28\n"),
    # one/a lost its note line and gained four: the claims after it are three lines further down
    ("out", shown_link(2, "two", 13, ["  Two."], "a")),
    ("ask", PROMPT, "no"), ("ask", REASON, ""), ("ask", "A rejection needs a reason: ", "   "),
    ("ask", "A rejection needs a reason: ", "not in appendix X"), ("out", "  saved: rejected by R on 2026-11-28\n"),
    ("out", shown_link(3, "two", 13, ["  Two."], "b")),
    ("ask", PROMPT, "y"), ("out", "  saved: verified by R on 2026-11-28\n"),
    ("out", shown_link(4, "three", 16, ["  Three."], "a")),
    ("ask", PROMPT, "N"), ("ask", REASON, "wrong"), ("out", "  saved: rejected by R on 2026-11-28\n"),
    ("out", shown_link(5, "three", 16, ["  Three."], "b")),
    ("ask", PROMPT, "s"),
]


@pytest.mark.parametrize("echo", [False, True])
def test_an_interactive_review_reads_exactly_as_written_here(tmp_path, monkeypatch, echo):
    """Help, three note edits (set, '-' removes, empty keeps), an empty reason asked again, answers as words
    ("yes", "no") and in capitals; each answer echoed after its prompt only when asked to (scripted runs)."""
    import datetime
    import io

    from bibkit.project import load_project
    from bibkit.review.session import ReviewSession, interactive

    monkeypatch.chdir(tmp_path)
    (tmp_path / "references.bib").write_text(REVIEW_BIB, encoding="utf-8")
    (tmp_path / "claims.yaml").write_text(REVIEW_CLAIMS, encoding="utf-8")
    session = ReviewSession.open(load_project(["references.bib"], "claims.yaml"))
    items = session.items()
    script = "".join(part[2] + "\n" for part in CONVERSATION if part[0] == "ask")
    out = io.StringIO()
    extra = {"echo": True} if echo else {}  # the default is not to echo
    tally = interactive(session, items, io.StringIO(script), out, cite=lambda item: item.link.key, by="R",
                        on=datetime.date(2026, 11, 28), **extra)
    expected = "".join(part[1] if part[0] == "out" else part[1] + (part[2] + "\n" if echo else "")
                       for part in CONVERSATION)
    assert out.getvalue() == expected
    assert tally.summary() == "2 verified, 2 rejected, 1 skipped, 2 notes edited"
    data = yaml.safe_load((tmp_path / "claims.yaml").read_text(encoding="utf-8"))
    one, two, three = ([{k: v for k, v in link.items() if k != "fingerprint"} if isinstance(link, dict) else link
                        for link in c["sources"]] for c in data["claims"])
    day = datetime.date(2026, 11, 28)
    assert one == [{"key": "a", "verified": True, "verified_by": "R", "verified_on": day}]
    assert two == [{"key": "a", "review": "rejected", "reason": "not in appendix X", "verified_by": "R",
                    "verified_on": day}, {"key": "b", "verified": True, "verified_by": "R", "verified_on": day}]
    assert three == [{"key": "a", "review": "rejected", "reason": "wrong", "verified_by": "R", "verified_on": day}, "b"]


def review_session(tmp_path, monkeypatch):
    from bibkit.project import load_project
    from bibkit.review.session import ReviewSession

    monkeypatch.chdir(tmp_path)
    (tmp_path / "references.bib").write_text(REVIEW_BIB, encoding="utf-8")
    (tmp_path / "claims.yaml").write_text(REVIEW_CLAIMS, encoding="utf-8")
    return ReviewSession.open(load_project(["references.bib"], "claims.yaml"))


@pytest.mark.parametrize("first, counts", [
    ("", (0, 0, 0, 5)),  # Ctrl-C before the first link is shown: all five not reached
    ("y\n", (1, 0, 0, 4)),
    ("n\nwrong\n", (0, 1, 0, 4)),
    ("s\n", (0, 0, 1, 4)),
])
def test_ctrl_c_while_the_next_link_is_read_counts_it_as_not_reached(tmp_path, monkeypatch, first, counts):
    import io

    from bibkit.review.session import interactive

    session = review_session(tmp_path, monkeypatch)
    items = session.items()
    interrupt_at_refresh(monkeypatch, session, 2 if first else 1)
    out = io.StringIO()
    tally = interactive(session, items, io.StringIO(first), out, cite=lambda item: item.link.key, by="R")
    assert (tally.verified, tally.rejected, tally.skipped, tally.left, tally.interrupted) == (*counts, True)
    assert out.getvalue().endswith(("  saved: verified by R on " if first == "y\n" else "") and "\n")
    assert out.getvalue().count("\n(") == (1 if first else 0)  # only the first link was shown, or none


@pytest.mark.parametrize("script", ["n\n", "e\n", "y\n"])
def test_end_of_input_at_a_second_question_stops_with_the_link_skipped(tmp_path, monkeypatch, script):
    """End of input at the reason, note or "verified anyway?" question: the link on screen is skipped, the
    other four are not reached, nothing is written."""
    import io
    from types import SimpleNamespace

    from bibkit.review.session import interactive

    session = review_session(tmp_path, monkeypatch)
    before = (tmp_path / "claims.yaml").read_bytes()
    checks = {("one", "a", None): SimpleNamespace(status="not-found", page=None, score=0.2, file="a.txt",
                                                  reason=None, source_text=None)}
    out = io.StringIO()
    tally = interactive(session, session.items(), io.StringIO(script), out, cite=lambda item: item.link.key,
                        by="R", checks=checks)
    assert (tally.verified, tally.rejected, tally.skipped, tally.notes, tally.left) == (0, 0, 1, 0, 4)
    assert "(2/5)" not in out.getvalue() and out.getvalue().endswith((": \n", "[y/N] \n"))
    assert (tmp_path / "claims.yaml").read_bytes() == before


def test_a_verification_declined_at_the_quote_check_asks_about_the_same_link_again(tmp_path, monkeypatch):
    import io
    from types import SimpleNamespace

    from bibkit.review.session import interactive

    session = review_session(tmp_path, monkeypatch)
    checks = {("one", "a", None): SimpleNamespace(status="close", page=2, score=0.8, file="a.txt",
                                                  reason="numbers differ: 3 / 4", source_text=None)}
    out = io.StringIO()
    tally = interactive(session, session.items(), io.StringIO("y\nn\ny\nyes\n"), out,
                        cite=lambda item: item.link.key, by="R", checks=checks)
    anyway = "The quote check says quote close (numbers differ: 3 / 4). Record it verified anyway? [y/N] "
    assert out.getvalue().count(anyway) == 2 and out.getvalue().count("(1/5)") == 1
    assert (tally.verified, tally.skipped, tally.left) == (1, 1, 3)  # then end of input on link 2
    link = yaml.safe_load((tmp_path / "claims.yaml").read_text(encoding="utf-8"))["claims"][0]["sources"][0]
    assert link["forced"] == "quote close (numbers differ: 3 / 4)"


def test_a_link_gone_from_the_file_is_passed_over(tmp_path, monkeypatch):
    import dataclasses
    import io

    from bibkit.review.session import interactive

    session = review_session(tmp_path, monkeypatch)
    items = session.items()
    gone = dataclasses.replace(items[0], claim=dataclasses.replace(items[0].claim, id="no-such-claim"))
    out = io.StringIO()
    tally = interactive(session, [gone, items[1]], io.StringIO("y\n"), out, cite=lambda item: item.link.key, by="R")
    assert (tally.verified, tally.skipped, tally.left) == (1, 0, 0)
    assert out.getvalue().startswith("\n(2/2) claim two  (claims.yaml:10)\n")


def test_a_decision_without_reviewer_or_date_takes_gits_user_name_from_the_files_folder_and_today(tmp_path,
                                                                                                   monkeypatch):
    import datetime

    from bibkit.claims.decisions import review_state
    from bibkit.infra.errors import BibkitError
    from bibkit.model import Claim, Link
    from bibkit.review.session import Decision, ReviewItem, changes

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "config", "user.name", "Ann Reviewer"], check=True)
    monkeypatch.chdir(elsewhere)
    link = Link("smil1999")
    item = ReviewItem(Claim("c", "T.", links=[link]), link, 0, review_state("T.", link))
    got = changes(item, Decision("accept"), str(repo / "claims.yaml"))
    assert (got["verified_by"], got["verified_on"]) == ("Ann Reviewer", datetime.date.today())
    from bibkit.project import load_project
    from bibkit.review.session import ReviewSession

    (repo / "references.bib").write_text(REVIEW_BIB, encoding="utf-8")
    (repo / "claims.yaml").write_text(REVIEW_CLAIMS, encoding="utf-8")
    session = ReviewSession.open(load_project([str(repo / "references.bib")], str(repo / "claims.yaml")))
    assert session.decide(session.items()[0], Decision("accept"))["verified_by"] == "Ann Reviewer"
    with pytest.raises(BibkitError) as err:
        changes(item, Decision("reject", "R", reason=" "), "claims.yaml")
    assert str(err.value) == "a rejection needs a reason (--reason TEXT)"
    with pytest.raises(ValueError) as err:
        changes(item, Decision("maybe", "R"), "claims.yaml")
    assert str(err.value) == "unknown decision 'maybe'"


def test_find_picks_the_link_without_a_locator_by_an_empty_one_and_names_both_when_asked_without(tmp_path):
    from bibkit.infra.errors import BibkitError
    from bibkit.project import load_project
    from bibkit.review.session import ReviewSession

    (tmp_path / "references.bib").write_text("@book{a, title={A}, year={2000}}\n", encoding="utf-8")
    (tmp_path / "claims.yaml").write_text("version: 1\nclaims:\n  - id: x\n    text: X.\n    sources:\n"
                                          "      - a\n      - {key: a, locator: p.  2}\n", encoding="utf-8")
    session = ReviewSession.open(load_project([str(tmp_path / "references.bib")], str(tmp_path / "claims.yaml")))
    assert (session.find("x", "a", "").index, session.find("x", "a", " p. 2 ").index) == (0, 1)
    with pytest.raises(BibkitError) as err:
        session.find("x", "a")
    path = str(tmp_path / "claims.yaml")
    assert str(err.value) == (f"{path}: claim x links to a 2 times (lines 6, 7, locators '', 'p.  2'); choose one "
                              "with --locator, or decide on them in turn with 'bibkit review --claim x'")


def test_a_link_from_the_bibliography_is_found_again_under_its_own_claim(fixture):
    """delta2004 names grain-fell in its ``claims`` field; another claim, earlier in the file, links to delta2004 in
    claims.yaml too: reading the bibliography's link again must not give that other claim's link."""
    from bibkit.project import load_project
    from bibkit.review.session import ReviewSession

    text = (fixture / "claims.yaml").read_text(encoding="utf-8")
    (fixture / "claims.yaml").write_text(text.replace("    - alpha2001      # shorthand", "    - delta2004\n"
                                                      "    - alpha2001      # shorthand"), encoding="utf-8")
    session = ReviewSession.open(load_project([str(fixture / "references.bib")], str(fixture / "claims.yaml")))
    (bib,) = [i for i in session.items() if i.link.origin == "bib"]
    again = session.refresh(bib)
    assert (again.claim.id, again.link.key, again.link.origin) == ("grain-fell", "delta2004", "bib")


def test_quote_check_lines_wrap_the_passage_at_80_by_default_and_show_a_missing_status_as_a_question_mark():
    from types import SimpleNamespace as NS

    from bibkit.review.session import quote_check_lines

    words = "the reported yields were three times as high as the real ones in all"  # 13 + 68 = 81 columns
    assert quote_check_lines(NS(status="not-found", page=None, score=None, file=None, reason=None,
                                source_text=words)) == [
        "not-found", "source says \u201cthe reported yields were three times as high as the real ones in",
        "  all\u201d"]
    assert quote_check_lines(NS()) == ["?"]


def test_quote_checks_are_keyed_by_claim_key_and_locator_first_one_kept():
    """A record may leave out claim, key or locator (None); an empty locator is no locator; of two records for
    one link the first is kept; a checker that fails with a user or file error gives no checks and says why."""
    from types import SimpleNamespace as NS

    from bibkit.infra.errors import BibkitError
    from bibkit.review.session import quote_checks

    project = object()
    first = NS(claim="c", key="k", locator="", status="close")
    second = NS(claim="c", key="k", locator=None, status="found")
    bare = NS(status="found")
    seen = []

    def checker(p):
        seen.append(p)
        return [first, second, bare, NS(claim="c", key="k", locator="p. 2", status="found")]

    checks, why = quote_checks(project, checker)
    assert seen == [project] and why is None
    assert checks == {("c", "k", None): first, (None, None, None): bare,
                      ("c", "k", "p. 2"): checker(project)[3]}
    assert quote_checks(project, None) == ({}, None)
    for error in (BibkitError("a.pdf: encrypted"), OSError(13, "Permission denied")):
        def failing(p, error=error):
            raise error
        assert quote_checks(project, failing) == ({}, f"quote checks unavailable: {error}")


def test_ctrl_c_before_the_first_link_is_taken_counts_every_link_as_not_reached(tmp_path, monkeypatch):
    import io

    from bibkit.review.session import interactive

    session = review_session(tmp_path, monkeypatch)

    class Interrupted(list):
        """The links, but Ctrl-C arrives as the review starts going through them."""

        def __iter__(self):
            raise KeyboardInterrupt

    out = io.StringIO()
    tally = interactive(session, Interrupted(session.items()), io.StringIO("y\n"), out, cite=lambda i: i.link.key,
                        by="R")
    assert (tally.verified, tally.skipped, tally.left, tally.interrupted, out.getvalue()) == (0, 0, 5, True, "\n")


def test_the_terminals_width_is_used_for_every_link(tmp_path, monkeypatch):
    """On a terminal review wraps at its width (60 to 100 columns): at 100 the 79-character claim is one line."""
    import io

    from bibkit.review.session import interactive

    session = review_session(tmp_path, monkeypatch)
    out = io.StringIO()
    interactive(session, session.items()[:1], io.StringIO("s\n"), out, cite=lambda i: i.link.key, by="R", width=100)
    assert out.getvalue().startswith(f"\n(1/1) claim one  (claims.yaml:6)\n  {LONG_TEXT}\n")
    assert "  quote check  not checked ('bibkit verify' checks quotes against the sources' full texts)\n" in out.getvalue()


def test_a_session_keeps_the_claims_files_warnings_with_its_name(tmp_path, monkeypatch):
    from bibkit.project import load_project
    from bibkit.review.session import ReviewSession

    monkeypatch.chdir(tmp_path)
    (tmp_path / "references.bib").write_text(REVIEW_BIB, encoding="utf-8")
    (tmp_path / "claims.yaml").write_text("version: 1\nclaims:\n  - id: x\n    sources: [a]\n", encoding="utf-8")
    session = ReviewSession.open(load_project(["references.bib"], "claims.yaml"))
    assert [(d.code, d.file, d.line) for d in session.diagnostics] == [("C003", "claims.yaml", 3)]


def test_a_decision_on_a_claim_with_a_warning_is_written_claim_by_claim(tmp_path, monkeypatch):
    """The claim has no text (C003, a warning): reading its lines again after the decision still works."""
    import datetime

    from bibkit.review.session import Decision

    review_session(tmp_path, monkeypatch)
    (tmp_path / "claims.yaml").write_text("version: 1\nclaims:\n  - id: x\n    sources: [a]\n", encoding="utf-8")
    from bibkit.project import load_project
    from bibkit.review.session import ReviewSession

    session = ReviewSession.open(load_project(["references.bib"], "claims.yaml"))
    session.decide(session.items()[0], Decision("accept", "R", datetime.date(2026, 11, 28)))
    link = yaml.safe_load((tmp_path / "claims.yaml").read_text(encoding="utf-8"))["claims"][0]["sources"][0]
    assert (link["key"], link["verified"], session.stale_parse) == ("a", True, False)


# --- Stop 35: survivors left at stop 34 ---


def test_a_refusal_of_the_whole_file_editor_names_the_claims_file_and_line(tmp_path, monkeypatch, runner):
    # An alias anywhere makes a decision edit the whole file (not the claim's lines alone); a link from the
    # bibliography cannot be added to a claim written as one flow mapping, and the refusal names the file.
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "references.bib").write_text(
        "@book{delta2004,\n  author = {Delta, Dora},\n  title = {Grain},\n  year = {2004},\n"
        "  claims = {flowing},\n}\n", encoding="utf-8")
    text = ("version: 1\n"
            "claims:\n"
            "- id: first\n"
            "  text: &said Grain output fell.\n"
            "- {id: flowing, text: *said}\n")
    (tmp_path / "sub" / "claims.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["review", "--claims", "sub/claims.yaml", "--bib", "sub/references.bib",
                                 "--accept", "flowing", "delta2004", "--by", "R", "--date", "2026-11-28"])
    assert result.exit_code == 2
    assert result.stderr == "bibkit: error: sub/claims.yaml:5: cannot add a link to a claim in flow style\n"
    assert (tmp_path / "sub" / "claims.yaml").read_text(encoding="utf-8") == text


def hanging_git(monkeypatch, module) -> list:
    """``module``'s ``subprocess.run`` as it goes with a git that never answers: with a timeout, the timeout
    expires (at once here, instead of after the wait); without one the call would never return, which fails
    the test. Returns the timeouts asked for."""
    asked = []

    def run(cmd, *args, **kwargs):
        assert cmd[0] == "git"
        assert kwargs.get("timeout") is not None, f"{cmd} would wait for ever on a git that hangs"
        asked.append(kwargs["timeout"])
        raise subprocess.TimeoutExpired(cmd, kwargs["timeout"])

    monkeypatch.setattr(module.subprocess, "run", run)
    return asked


def test_a_git_that_never_answers_gives_the_login_name_as_reviewer(monkeypatch):
    from bibkit.review import session as mod

    monkeypatch.setattr(mod.getpass, "getuser", lambda: "login-name")
    asked = hanging_git(monkeypatch, mod)
    assert mod.default_reviewer(".") == "login-name"
    assert len(asked) == 1
