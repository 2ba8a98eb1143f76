"""Config discovery: the nearest ``bibkit.toml`` or ``pyproject.toml`` with ``[tool.bibkit]`` at or
above the current directory, its paths relative to the file that holds them (ruff's and git's model)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bibkit.cli import cli
from bibkit.config import find_config, locate_config

BIB_ONE = "@book{parent2001, author = {Parent, Ann}, title = {Up There}, publisher = {P}, year = {2001}}\n"
BIB_TWO = ("@book{near2002, author = {Near, Ned}, title = {Close}, publisher = {P}, year = {2002}}\n"
           "@book{near2003, author = {Near, Ned}, title = {Closer}, publisher = {P}, year = {2003}}\n")
CLAIMS = "version: 1\nclaims:\n  - id: c1\n    text: A claim.\n    sources: [parent2001]\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/proj/{bibkit.toml, refs/main.bib, notes/claims.yaml} and an empty tmp/proj/a/b/c below it."""
    if locate_config(str(tmp_path)) is not None:
        pytest.skip("a bibkit config above the temporary directory would change what these tests find")
    proj = tmp_path / "proj"
    (proj / "refs").mkdir(parents=True)
    (proj / "notes").mkdir()
    (proj / "a" / "b" / "c").mkdir(parents=True)
    (proj / "refs" / "main.bib").write_text(BIB_ONE, encoding="utf-8")
    (proj / "notes" / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    (proj / "bibkit.toml").write_text('bib = "refs/main.bib"\nclaims = "notes/claims.yaml"\n', encoding="utf-8")
    return proj


def check_json(runner, *args: str) -> dict:
    result = runner.invoke(cli, ["check", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_found_from_a_deep_subdirectory_with_paths_relative_to_the_config(tree, runner, monkeypatch):
    monkeypatch.chdir(tree / "a" / "b" / "c")
    cfg = find_config()
    assert cfg.path == os.path.join("..", "..", "..", "bibkit.toml")
    assert cfg.resolve(cfg.bib[0]) == os.path.join("..", "..", "..", "refs", "main.bib")
    assert cfg.resolve(cfg.claims) == os.path.join("..", "..", "..", "notes", "claims.yaml")
    doc = check_json(runner)
    # One entry and one claim: the parent project's files, read through the config found three levels up.
    assert doc["summary"]["entries"] == 1 and doc["summary"]["claims"] == 1
    assert doc["summary"]["errors"] == 0


def test_claim_map_from_a_subdirectory_reads_the_projects_claims(tree, runner, monkeypatch):
    monkeypatch.chdir(tree / "a")
    result = runner.invoke(cli, ["claim-map", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [c["id"] for c in doc["claims"]] == ["c1"]
    assert doc["claims"][0]["status"] == "supported"


def test_nearest_config_wins(tree, runner, monkeypatch):
    inner = tree / "a" / "b"
    (inner / "two.bib").write_text(BIB_TWO, encoding="utf-8")
    (inner / "bibkit.toml").write_text('bib = "two.bib"\nclaims = "none.yaml"\n', encoding="utf-8")
    monkeypatch.chdir(inner / "c")
    doc = check_json(runner)
    assert doc["summary"]["entries"] == 2 and doc["summary"]["claims"] == 0


def test_bibkit_toml_wins_over_pyproject_in_the_same_directory(tree, monkeypatch):
    (tree / "pyproject.toml").write_text('[tool.bibkit]\nbib = "other.bib"\n', encoding="utf-8")
    monkeypatch.chdir(tree)
    assert find_config().bib == ["refs/main.bib"]
    assert find_config().path == "bibkit.toml"


def test_pyproject_without_a_bibkit_table_is_passed_over(tree, monkeypatch):
    (tree / "a" / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n',
                                               encoding="utf-8")
    monkeypatch.chdir(tree / "a" / "b")
    assert find_config().path == os.path.join("..", "..", "bibkit.toml")


def test_pyproject_with_a_bibkit_table_stops_the_walk(tree, monkeypatch):
    (tree / "a" / "pyproject.toml").write_text('[tool.bibkit]\nbib = "x.bib"\n', encoding="utf-8")
    monkeypatch.chdir(tree / "a" / "b")
    cfg = find_config()
    assert cfg.path == os.path.join("..", "pyproject.toml")
    assert cfg.resolve(cfg.bib[0]) == os.path.join("..", "x.bib")


def test_an_empty_bibkit_table_still_marks_the_project_root(tree, monkeypatch):
    (tree / "a" / "pyproject.toml").write_text("[tool.bibkit]\n", encoding="utf-8")
    monkeypatch.chdir(tree / "a" / "b")
    cfg = find_config()
    assert cfg.resolve(cfg.bib[0]) == os.path.join("..", "references.bib")


def test_no_config_anywhere_means_defaults_in_the_current_directory(tmp_path, monkeypatch):
    if locate_config(str(tmp_path)) is not None:
        pytest.skip("a bibkit config above the temporary directory")
    monkeypatch.chdir(tmp_path)
    cfg = find_config()
    assert cfg.path is None
    assert cfg.resolve(cfg.bib[0]) == "references.bib"


def test_absolute_paths_stay_absolute(tree, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere.bib"
    elsewhere.write_text(BIB_TWO, encoding="utf-8")
    (tree / "bibkit.toml").write_text(f'bib = {json.dumps(str(elsewhere))}\nallow_outside = '
                                      f'[{json.dumps(str(tmp_path))}]\n', encoding="utf-8")
    monkeypatch.chdir(tree / "a")
    cfg = find_config()
    assert cfg.resolve(cfg.bib[0]) == str(elsewhere)


def test_a_configured_path_outside_the_project_is_refused(tree, tmp_path, runner, monkeypatch):
    elsewhere = tmp_path / "elsewhere.bib"
    elsewhere.write_text(BIB_TWO, encoding="utf-8")
    (tree / "bibkit.toml").write_text(f'bib = {json.dumps(str(elsewhere))}\n', encoding="utf-8")
    monkeypatch.chdir(tree / "a")
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 2
    assert result.stderr == (f"bibkit: error: {os.path.join('..', 'bibkit.toml')}: {str(elsewhere)!r} leads outside "
                             f"the project folder ({os.path.realpath(tree)}); refused (to allow it, list its folder "
                             "in allow_outside in bibkit.toml, or pass --allow-outside FOLDER)\n")
    # the same through a symbolic link inside the project, and through ..
    (tree / "link.bib").symlink_to(elsewhere)
    for written in ("link.bib", "../elsewhere.bib"):
        (tree / "bibkit.toml").write_text(f'bib = "{written}"\n', encoding="utf-8")
        result = runner.invoke(cli, ["check"])
        assert result.exit_code == 2 and "leads outside the project folder" in result.stderr, result.stderr
        assert (f"(to {os.path.realpath(elsewhere)})" in result.stderr) == (written == "link.bib")
    # allowed by the flag, and by the environment variable it sets
    result = runner.invoke(cli, ["--allow-outside", str(tmp_path), "check"])
    assert result.exit_code == 0, result.stderr


def test_errors_name_the_config_as_the_user_sees_it(tree, runner, monkeypatch):
    (tree / "bibkit.toml").write_text('bibb = "x.bib"\n', encoding="utf-8")
    monkeypatch.chdir(tree / "a")
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"bibkit: error: {os.path.join('..', 'bibkit.toml')}: unknown setting 'bibb'")
    assert "Traceback" not in result.output


def test_invalid_toml_above_is_a_one_line_error(tree, runner, monkeypatch):
    (tree / "bibkit.toml").write_text('bib = [\n', encoding="utf-8")
    monkeypatch.chdir(tree / "a" / "b")
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 2
    assert f"{os.path.join('..', '..', 'bibkit.toml')}: invalid TOML" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_bibliography_names_its_resolved_path(tree, runner, monkeypatch):
    (tree / "refs" / "main.bib").unlink()
    monkeypatch.chdir(tree / "a")
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 2
    assert f"{os.path.join('..', 'refs', 'main.bib')}: no such file" in result.stderr


def test_a_config_in_a_sibling_tree_is_not_found(tmp_path, monkeypatch):
    if locate_config(str(tmp_path)) is not None:
        pytest.skip("a bibkit config above the temporary directory")
    (tmp_path / "left").mkdir()
    (tmp_path / "right").mkdir()
    (tmp_path / "left" / "bibkit.toml").write_text('bib = "l.bib"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path / "right")
    assert find_config().path is None


def test_scan_resolves_the_configured_manuscript_from_a_subdirectory(tree, runner, monkeypatch):
    (tree / "paper.md").write_text("As shown [@parent2001], and [@ghost1999].\n", encoding="utf-8")
    (tree / "bibkit.toml").write_text('bib = "refs/main.bib"\nmanuscript = "paper.md"\n', encoding="utf-8")
    monkeypatch.chdir(tree / "a" / "b")
    result = runner.invoke(cli, ["scan", "--format", "json"])
    doc = json.loads(result.stdout)
    assert [d["path"] for d in doc["documents"]] == [os.path.join("..", "..", "paper.md")]
    assert doc["documents"][0]["missing_keys"] == ["ghost1999"]


def test_inside_any_is_by_whole_folders_with_links_resolved(tmp_path):
    from bibkit.config import inside_any

    proj, sibling = tmp_path / "proj", tmp_path / "project2"
    proj.mkdir()
    sibling.mkdir()
    (proj / "in.pdf").write_bytes(b"x")
    (proj / "out.pdf").symlink_to(sibling / "x.pdf")
    root = os.path.realpath(proj)
    assert inside_any(str(proj / "in.pdf"), [root]) and inside_any(str(proj), [root])
    assert not inside_any(str(sibling / "x.pdf"), [root])  # shares the name's start, not the folder
    assert not inside_any(str(proj / "out.pdf"), [root])  # a link out of the project
    assert not inside_any(str(proj / ".." / "project2" / "x.pdf"), [root])
    assert inside_any(str(sibling / "x.pdf"), [root, os.path.realpath(sibling)])
    # a root that cannot be compared (relative, where the path is absolute) is skipped, not the end
    assert inside_any(str(sibling / "x.pdf"), ["relative/root", os.path.realpath(sibling)])
    assert not inside_any(str(sibling / "x.pdf"), [])


def test_allowed_roots_from_the_config_the_environment_and_home(tmp_path, monkeypatch):
    from bibkit.config import Config

    for name in ("proj", "a", "b", "home", "real"):
        (tmp_path / name).mkdir()
    (tmp_path / "home" / "pdfs").symlink_to(tmp_path / "real")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BIBKIT_ALLOW_OUTSIDE", os.pathsep.join([str(tmp_path / "a"), " ", str(tmp_path / "b")]))
    cfg = Config(root=str(tmp_path / "proj"), allow_outside=["~/pdfs", "../a"])
    real = os.path.realpath(tmp_path)
    assert cfg.allowed_roots() == [os.path.join(real, "proj"), os.path.join(real, "real"), os.path.join(real, "a"),
                                   os.path.join(real, "b")]
    assert cfg.inside(str(tmp_path / "home" / "pdfs" / "x.pdf")) and cfg.inside(str(tmp_path / "b" / "y.pdf"))
    assert not cfg.inside(str(tmp_path / "home" / "other.pdf"))


# -- confinement and walk-up edges, each branch (issue 24) --------------------------------------------------

def test_resolve_inside_relative_and_absolute(tmp_path):
    from bibkit.config import Config

    (tmp_path / "sub").mkdir()
    cfg = Config(root=str(tmp_path))
    assert cfg.resolve("sub/../refs.bib") == os.path.join(str(tmp_path), "refs.bib")
    assert cfg.resolve(str(tmp_path / "sub" / "x.bib")) == str(tmp_path / "sub" / "x.bib")
    assert cfg.resolve(".") == str(tmp_path)
    # an absolute path is taken as written (not normalised), once it is inside
    assert cfg.resolve(f"{tmp_path}/sub/../x.bib") == f"{tmp_path}/sub/../x.bib"
    with pytest.raises(Exception) as exc:
        Config(root=str(tmp_path / "sub"), path="bibkit.toml").resolve("/")
    assert str(exc.value) == (f"bibkit.toml: '/' leads outside the project folder ({os.path.realpath(tmp_path / 'sub')}); "
                              "refused (to allow it, list its folder in allow_outside in bibkit.toml, or pass "
                              "--allow-outside FOLDER)")


def test_the_environment_list_is_split_by_the_path_separator_and_blanks_skipped(tmp_path, monkeypatch):
    from bibkit.config import Config

    for name in ("proj", "a", "b"):
        (tmp_path / name).mkdir()
    real = os.path.realpath(tmp_path)
    monkeypatch.setenv("BIBKIT_ALLOW_OUTSIDE", f"{tmp_path / 'a'}{os.pathsep}{os.pathsep}  {os.pathsep}{tmp_path / 'b'}")
    cfg = Config(root=str(tmp_path / "proj"))
    assert cfg.allowed_roots() == [os.path.join(real, "proj"), os.path.join(real, "a"), os.path.join(real, "b")]
    monkeypatch.setenv("BIBKIT_ALLOW_OUTSIDE", "")
    assert cfg.allowed_roots() == [os.path.join(real, "proj")]
    assert not cfg.inside(str(tmp_path / "a" / "x.pdf"))


def test_a_redirect_note_only_when_links_lead_elsewhere(tmp_path):
    from bibkit.config import redirect_note

    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert redirect_note(str(tmp_path / "real" / "x")) == ""
    assert redirect_note(str(tmp_path / "link" / "x")) == f" (to {os.path.realpath(tmp_path / 'real' / 'x')})"


def _loose(path: Path, mode: int) -> None:
    path.chmod(mode)
    os.chown(path, -1, os.getgid())


@pytest.mark.parametrize("mode, other_group, why", [
    (0o666, False, "writable by everyone (mode 666)"), (0o602, False, "writable by everyone (mode 602)"),
    (0o664, True, "writable by its group (mode 664)"), (0o620, True, "writable by its group (mode 620)"),
    # only write bits count: execute for others, or a group that may not write, leave it trusted
    (0o645, False, None), (0o645, True, None), (0o644, True, None),
    (0o621, True, "writable by its group (mode 621)"),  # group-writable, others may only execute: "its group"
])
def test_every_way_others_can_write_a_config_above(tmp_path, monkeypatch, capsys, mode, other_group, why):
    if locate_config(str(tmp_path)) is not None:
        pytest.skip("a bibkit config above the temporary directory")
    if other_group and os.getuid() != 0:
        pytest.skip("giving a file to another group needs root")
    (tmp_path / "sub").mkdir()
    (tmp_path / "bibkit.toml").write_text('bib = "x.bib"\n', encoding="utf-8")
    (tmp_path / "bibkit.toml").chmod(mode)
    os.chown(tmp_path / "bibkit.toml", -1, os.getgid() + 4242 if other_group else os.getgid())
    monkeypatch.chdir(tmp_path / "sub")
    assert find_config().path == (None if why else os.path.join("..", "bibkit.toml"))
    err = capsys.readouterr().err
    assert err.startswith(f"bibkit: warning: ../bibkit.toml: ignored, {why}; ") if why else err == ""


@pytest.mark.parametrize("name, table", [("bibkit.toml", ""), ("pyproject.toml", "[tool.bibkit]\n")])
def test_a_config_others_can_write_is_ignored_above_but_used_in_the_working_folder(tmp_path, monkeypatch, capsys,
                                                                                    name, table):
    if locate_config(str(tmp_path)) is not None:
        pytest.skip("a bibkit config above the temporary directory")
    (tmp_path / "sub").mkdir()
    (tmp_path / name).write_text(f'{table}bib = "x.bib"\n', encoding="utf-8")
    _loose(tmp_path / name, 0o646)
    monkeypatch.chdir(tmp_path / "sub")
    assert find_config().path is None
    assert capsys.readouterr().err == (
        f"bibkit: warning: ../{name}: ignored, writable by everyone (mode 646); bibkit uses a config above the "
        "working folder only when it is yours and writable by you alone (run bibkit in its folder to use it anyway)\n")
    monkeypatch.chdir(tmp_path)
    assert find_config().path == name and capsys.readouterr().err == ""  # in its own folder: used
    _loose(tmp_path / name, 0o664)  # writable by one's own group: used from below too
    monkeypatch.chdir(tmp_path / "sub")
    assert find_config().path == os.path.join("..", name) and capsys.readouterr().err == ""


def test_a_pyproject_whose_bibkit_is_not_a_table_and_a_folder_named_bibkit_toml_are_passed_over(tmp_path, monkeypatch):
    if locate_config(str(tmp_path)) is not None:
        pytest.skip("a bibkit config above the temporary directory")
    (tmp_path / "bibkit.toml").write_text('bib = "up.bib"\n', encoding="utf-8")
    (tmp_path / "a" / "bibkit.toml").mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text('[tool]\nbibkit = "x"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path / "a")
    cfg = find_config()
    assert (cfg.path, cfg.root, cfg.bib) == (os.path.join("..", "bibkit.toml"), "..", ["up.bib"])


def test_config_paths_as_the_user_sees_them(tmp_path, monkeypatch):
    if locate_config(str(tmp_path)) is not None:
        pytest.skip("a bibkit config above the temporary directory")
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "x" / "deep").mkdir(parents=True)
    (tmp_path / "bibkit.toml").write_text("", encoding="utf-8")
    (tmp_path / "x" / "bibkit.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "a" / "b")
    assert (find_config().path, find_config().root) == (os.path.join("..", "..", "bibkit.toml"), os.path.join("..", ".."))
    # a config reached by climbing up and down again is named by its absolute path
    monkeypatch.chdir(tmp_path / "a")
    cfg = find_config(str(tmp_path / "x" / "deep"))
    assert (cfg.path, cfg.root) == (str(tmp_path / "x" / "bibkit.toml"), str(tmp_path / "x"))
    monkeypatch.chdir(tmp_path)
    assert (find_config().path, find_config().root) == ("bibkit.toml", ".")


def test_without_a_config_the_root_is_the_start_as_the_user_sees_it(tmp_path, monkeypatch):
    if locate_config(str(tmp_path)) is not None:
        pytest.skip("a bibkit config above the temporary directory")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    assert find_config("sub").root == "sub" and find_config().root == "."


@pytest.mark.parametrize("owner, used", [(0, True), (4242, True), (4243, False)])
def test_a_config_above_is_used_when_owned_by_the_user_or_root_only(tmp_path, monkeypatch, capsys, owner, used):
    # The user here is uid 4242 (os.getuid patched); a config above owned by root (0) or by the user is used,
    # one owned by anyone else (4243) is ignored with a warning, as git's safe.directory rule does.
    if os.getuid() != 0:
        pytest.skip("giving a file to another owner needs root")
    if locate_config(str(tmp_path)) is not None:
        pytest.skip("a bibkit config above the temporary directory")
    (tmp_path / "sub").mkdir()
    (tmp_path / "bibkit.toml").write_text('bib = "x.bib"\n', encoding="utf-8")
    (tmp_path / "bibkit.toml").chmod(0o644)
    os.chown(tmp_path / "bibkit.toml", owner, os.getgid())
    monkeypatch.setattr(os, "getuid", lambda: 4242)
    monkeypatch.chdir(tmp_path / "sub")
    assert (find_config().path == os.path.join("..", "bibkit.toml")) is used
    err = capsys.readouterr().err
    assert err == ("" if used else "bibkit: warning: ../bibkit.toml: ignored, owned by another user (uid 4243); "
                   "bibkit uses a config above the working folder only when it is yours and writable by you alone "
                   "(run bibkit in its folder to use it anyway)\n")


# -- stop 34's mutmut survivors in config.py: which owners and files decide trust -----------------------------


def test_trust_of_a_vanished_file_and_where_there_are_no_owners(tmp_path, monkeypatch, capsys):
    from bibkit.config import trusted

    assert trusted(str(tmp_path / "gone.toml")) is False  # removed after the walk saw it: not trusted
    loose = tmp_path / "bibkit.toml"
    loose.write_text("", encoding="utf-8")
    loose.chmod(0o666)
    monkeypatch.delattr(os, "getuid")  # as on Windows: no owners to compare, so any config is used
    assert trusted(str(loose)) is True
    assert capsys.readouterr().err == ""


def test_the_walk_looks_for_pyproject_in_each_folder_not_the_working_one(tmp_path, monkeypatch):
    (tmp_path / "proj" / "sub").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # first: the working folder (a checkout's own pyproject) must not count
    if locate_config(str(tmp_path)) is not None:
        pytest.skip("a bibkit config above the temporary directory")
    (tmp_path / "proj" / "pyproject.toml").write_text('[tool.bibkit]\nbib = "r.bib"\n', encoding="utf-8")
    assert locate_config(str(tmp_path / "proj" / "sub")) == (str(tmp_path / "proj" / "pyproject.toml"),
                                                             {"bib": "r.bib"})
    # a pyproject whose "tool" is no table is passed over, not a crash
    (tmp_path / "proj" / "sub" / "pyproject.toml").write_text('tool = "not a table"\n', encoding="utf-8")
    assert locate_config(str(tmp_path / "proj" / "sub")) == (str(tmp_path / "proj" / "pyproject.toml"),
                                                             {"bib": "r.bib"})


def test_locate_config_starts_in_the_working_folder_by_default(tmp_path, monkeypatch):
    if locate_config(str(tmp_path)) is not None:
        pytest.skip("a bibkit config above the temporary directory")
    (tmp_path / "bibkit.toml").write_text('bib = "x.bib"\n', encoding="utf-8")
    (tmp_path / "bibkit.toml").chmod(0o666)  # writable by all: fine in the working folder itself, not from below
    monkeypatch.chdir(tmp_path)
    assert locate_config() == (str(tmp_path / "bibkit.toml"), {"bib": "x.bib"})


def test_an_unreadable_config_is_a_one_line_error_naming_it(tmp_path):
    from bibkit.config import _read_toml
    from bibkit.infra.errors import BibkitError

    folder = tmp_path / "bibkit.toml"
    folder.mkdir()
    with pytest.raises(BibkitError) as err:
        _read_toml(str(folder))
    assert str(err.value) == f"{folder}: cannot read: Is a directory"


def test_no_environment_list_adds_no_folder(tmp_path, monkeypatch):
    from bibkit.config import Config

    monkeypatch.delenv("BIBKIT_ALLOW_OUTSIDE", raising=False)
    assert Config(root=str(tmp_path)).allowed_roots() == [os.path.realpath(tmp_path)]
