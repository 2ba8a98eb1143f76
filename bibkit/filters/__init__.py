"""The pandoc/Quarto Lua filter that brings the claim map into rendered documents.

``_extensions/bibkit/`` is a Quarto extension (``_extension.yml`` and ``bibkit.lua``); the same
``bibkit.lua`` is a plain pandoc Lua filter. It reads the JSON claim map and needs no Python at
render time: ``bibkit filter --path`` says where it is, ``bibkit filter --quarto DIR`` copies the
extension into a Quarto project.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from bibkit.infra.errors import BibkitError

EXTENSION = ("_extensions", "bibkit")
FILTER = "bibkit.lua"


def extension_dir() -> Path:
    """The installed Quarto extension folder (``.../_extensions/bibkit``)."""
    return Path(str(resources.files(__name__).joinpath(*EXTENSION)))


def filter_path() -> Path:
    """The installed Lua filter."""
    return extension_dir() / FILTER


def defaults_file(map_path: str = "claim-map.json") -> str:
    """A pandoc defaults file that runs the filter before citeproc and asks for a reviewer's draft."""
    import json

    return (f"# pandoc --defaults bibkit-draft.yaml article.md -o draft.html\n"
            f"filters:\n"
            f"  - {{type: lua, path: {json.dumps(str(filter_path()))}}}\n"
            f"  - {{type: citeproc}}\n"
            f"metadata:\n"
            f"  bibkit-map: {json.dumps(map_path)}\n"
            f"  bibkit-draft: true\n"
            f"  # bibkit-fail-under: 80    # stop the render below 80% of claims backed\n")


def install_quarto_extension(project_dir: str) -> Path:
    """Copy the extension to ``project_dir/_extensions/bibkit`` (refuses to overwrite a different one)."""
    target = Path(project_dir, *EXTENSION)
    source = extension_dir()
    if not Path(project_dir).is_dir():
        raise BibkitError(f"{project_dir}: no such directory")
    if target.exists():
        same = all((target / f.name).is_file() and (target / f.name).read_bytes() == f.read_bytes()
                   for f in source.iterdir() if f.is_file())
        if same:
            return target
        raise BibkitError(f"{target} exists and differs from this bibkit's extension; remove it first to update")
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target
