"""The command group: every command reachable by name, each module imported only when needed."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

from bibkit.cli import COMMANDS, cli


def test_every_command_module_defines_the_command_of_its_name():
    for name, module in COMMANDS.items():
        assert importlib.import_module(module).command.name == name


def test_help_lists_every_command(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines()[1:]
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed[:len(COMMANDS)] == sorted(COMMANDS)


def test_running_one_command_imports_only_its_module():
    code = ("import json, sys; from bibkit.cli import main; sys.argv = ['bibkit', 'schema', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    imported = set(json.loads(out.splitlines()[-1]))
    assert {m for m in COMMANDS.values() if m in imported} == {"bibkit.cli.schema"}


def test_an_unknown_command_is_still_a_one_line_usage_error(runner):
    result = runner.invoke(cli, ["chekc"])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("bibkit: error: No such command 'chekc'")
