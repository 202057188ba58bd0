"""The README stays true: CI runs its test command, and its examples run."""

from __future__ import annotations

import re
from pathlib import Path

from domain.templates import template_names

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README)


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(command for command in _commands() if command.endswith("pytest"))

    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_run_command_starts_the_services() -> None:
    run_command = next(command for command in _commands() if "pip install" in command and "pytest" not in command)

    assert run_command.endswith("kampanya up --demo")


def test_the_readme_evaluate_example_uses_files_that_exist() -> None:
    example = next(command for command in _commands() if command.startswith("kampanya evaluate --campaigns examples"))
    paths = re.findall(r"examples/\S+\.json", example)

    assert len(paths) == 3
    for path in paths:
        assert (ROOT / path).is_file()


def test_every_template_is_in_the_readme_table() -> None:
    assert [name for name in template_names() if f"`{name}`" not in README] == []
