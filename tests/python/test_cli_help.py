"""What a new user meets first (issue 16, "CLI"): a help of its own for each command, listing
every option with its unit and default; the manual page and the bash completion made from the
same declarations; "did you mean" for a mistyped command, option or region, in one line with
exit code 2."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SOURCE_DIR, run_fleetsim

COMMANDS = ["run", "validate", "sweep", "plan", "inspect", "catalog", "help"]
QUICKSTART = SOURCE_DIR / "scenarios" / "quickstart.yaml"
OPTION = re.compile(r"^  (?:-(\w), )?\s*(--[\w-]+)", re.M)


def options_in_help(text: str) -> set[str]:
    """The options a command's help lists (long and short forms)."""
    found = set()
    for short, long in OPTION.findall(text.split("\noptions:\n", 1)[1]):
        found.add(long)
        if short:
            found.add("-" + short)
    return found


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_global_help_lists_every_command_in_one_line(fleetsim_bin: Path):
    result = run_fleetsim(fleetsim_bin, "--help")
    assert result.returncode == 0
    listed = re.findall(r"^  (\w+)  +\S.*$", result.stdout.split("commands:\n", 1)[1], re.M)
    assert listed == COMMANDS
    assert run_fleetsim(fleetsim_bin, "help").stdout == result.stdout
    assert run_fleetsim(fleetsim_bin).returncode == 2  # no command: the usage, and bad input


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_help(fleetsim_bin: Path, command: str):
    shown = run_fleetsim(fleetsim_bin, command, "--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"usage: fleetsim {command} ")
    assert run_fleetsim(fleetsim_bin, command, "-h").stdout == shown.stdout
    assert run_fleetsim(fleetsim_bin, "help", command).stdout == shown.stdout
    # also after other arguments, and without the required ones
    assert run_fleetsim(fleetsim_bin, command, "x.yaml", "--help").stdout == shown.stdout
    assert "--help" in options_in_help(shown.stdout)
    for command_other in COMMANDS:
        if command_other != command:
            assert f"usage: fleetsim {command_other} " not in shown.stdout


def test_help_shows_units_defaults_and_the_options_no_help_showed_before(fleetsim_bin: Path):
    def help_of(command: str) -> str:
        return run_fleetsim(fleetsim_bin, command, "--help").stdout

    run_help = help_of("run")
    assert re.search(r"--threads N +threads for the per-site phase.*\(default: 1\)", run_help, re.S)
    assert "-q, --quiet" in run_help and "-o, --output OUT.h5" in run_help
    assert "(default: the scenario file's name with .h5" in run_help
    sweep_help = help_of("sweep")
    for option in ("--merge", "--dry-run", "--force", "--quiet", "--shard K/N", "-j, --jobs N"):
        assert option in sweep_help
    plan_help = help_of("plan")
    assert re.search(r"--target-cfe X +target hourly CFE score, a fraction of the load in \(0, 1\] \(default: 0.9\)",
                     plan_help)
    assert "usage: fleetsim plan SCENARIO [--target-cfe X]" in plan_help
    assert "--frontier T..." in plan_help and "hourly load in MW" in plan_help
    assert "--json" in help_of("inspect")
    assert "--grid SWEEP.yaml" in help_of("validate")


def test_plan_says_when_it_uses_the_default_target(fleetsim_bin: Path):
    result = run_fleetsim(fleetsim_bin, "plan", str(QUICKSTART), "--set", "hours=800", "--frontier", "0.95")
    assert result.returncode == 0, result.stderr
    assert "target hourly CFE 90.0% (the default; --target-cfe X sets it)" in result.stdout
    result = run_fleetsim(fleetsim_bin, "plan", str(QUICKSTART), "--set", "hours=800", "--frontier", "0.95",
                          "--target-cfe", "0.9")
    assert "target hourly CFE 90.0%, policy" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["rn"], "fleetsim: error: unknown command 'rn' (did you mean 'run'?); fleetsim --help lists the commands"),
    (["inspekt", "x.h5"], "fleetsim: error: unknown command 'inspekt' (did you mean 'inspect'?)"),
    (["frobnicate"], "fleetsim: error: unknown command 'frobnicate'; fleetsim --help lists the commands"),
    (["--verison"], "fleetsim: error: unknown option '--verison' (did you mean '--version'?)"),
    (["help", "swep"], "fleetsim: error: fleetsim help: unknown command 'swep' (did you mean 'sweep'?)"),
    (["run", str(QUICKSTART), "--treads", "2"],
     "fleetsim: error: fleetsim run: unknown option '--treads' (did you mean '--threads'?); fleetsim run --help "
     "lists the options"),
    (["sweep", str(QUICKSTART), "--grid", "s.yaml", "--dryrun"], "unknown option '--dryrun' (did you mean '--dry-run'?)"),
    (["plan", str(QUICKSTART), "--region", "us-wst", "--set", "hours=800"],
     f"fleetsim: error: fleetsim plan: --region: no region named 'us-wst' in {QUICKSTART} (did you mean 'us-west'?)"),
    (["plan", str(QUICKSTART), "--region", "mars", "--set", "hours=800"], "no region named 'mars' in "),
    (["run", str(QUICKSTART), "--set", "sites.0.region=us-wst"], "(did you mean 'us-west'?)"),
])
def test_mistakes_get_a_did_you_mean_in_one_line(fleetsim_bin: Path, tmp_path: Path, args: list[str], message: str):
    line = one_error_line(run_fleetsim(fleetsim_bin, *args, cwd=tmp_path))
    assert message in line, line
    if "mars" in args:
        assert "did you mean" not in line
    assert list(tmp_path.iterdir()) == []


def test_the_version_is_not_an_unknown_option(fleetsim_bin: Path):
    assert run_fleetsim(fleetsim_bin, "--version").stdout.startswith("fleetsim ")


def rendered_man_page() -> str:
    if shutil.which("groff") is None:
        pytest.skip("groff is not installed (Debian: groff-base)")
    result = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-P-cbou", str(SOURCE_DIR / "docs" / "fleetsim.1")],
                            capture_output=True, text=True, check=True)
    assert result.stderr == "", result.stderr  # no roff warnings
    return result.stdout.replace("\u2212", "-").replace("\u2010", "-")


def test_the_man_page_is_current_and_lists_every_option_help_shows(fleetsim_bin: Path):
    page = (SOURCE_DIR / "docs" / "fleetsim.1").read_text()
    assert page == run_fleetsim(fleetsim_bin, "help", "--man").stdout, \
        "regenerate with: build/sim/cli/fleetsim help --man > docs/fleetsim.1"
    text = rendered_man_page()
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "EXAMPLES"):
        assert re.search(rf"^{section}$", text, re.M), section
    sections = re.split(r"^   fleetsim (\w+) ", text.split("\nCOMMANDS\n", 1)[1], flags=re.M)
    described = {sections[i]: sections[i + 1] for i in range(1, len(sections) - 1, 2)}
    assert sorted(described) == sorted(COMMANDS)
    for command in COMMANDS:
        help_options = options_in_help(run_fleetsim(fleetsim_bin, command, "--help").stdout)
        man_options = set(re.findall(r"(?<![\w-])(--[a-z][\w-]*|-[a-zA-Z])\b", described[command]))
        assert help_options <= man_options, (command, help_options - man_options)


COMPLETE = r"""
source "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_fleetsim
printf '%s\n' "${COMPREPLY[@]}"
"""


def complete(*words: str, cwd: Path) -> list[str]:
    script = SOURCE_DIR / "scripts" / "completion" / "fleetsim.bash"
    result = subprocess.run(["bash", "-c", COMPLETE, "complete", str(script), "fleetsim", *words], cwd=cwd,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return sorted(line for line in result.stdout.splitlines() if line)


def test_bash_completion_completes_commands_options_and_files(fleetsim_bin: Path, tmp_path: Path):
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    assert (SOURCE_DIR / "scripts" / "completion" / "fleetsim.bash").read_text() == \
        run_fleetsim(fleetsim_bin, "help", "--bash-completion").stdout, \
        "regenerate with: build/sim/cli/fleetsim help --bash-completion > scripts/completion/fleetsim.bash"
    (tmp_path / "a.yaml").write_text("")
    (tmp_path / "b.h5").write_text("")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "out").mkdir()
    assert complete("ru", cwd=tmp_path) == ["run"]
    assert complete("", cwd=tmp_path) == sorted(COMMANDS + ["--help", "--version"])
    assert complete("run", "--th", cwd=tmp_path) == ["--threads"]
    assert complete("sweep", "x.yaml", "--d", cwd=tmp_path) == ["--dry-run"]
    assert complete("inspect", "--j", cwd=tmp_path) == ["--json"]
    assert complete("run", "", cwd=tmp_path) == ["a.yaml", "out"]  # scenarios and folders
    assert complete("run", "a.yaml", "-o", "", cwd=tmp_path) == ["b.h5", "out"]
    assert complete("inspect", "", cwd=tmp_path) == ["b.h5", "out"]
    assert complete("sweep", "a.yaml", "-o", "", cwd=tmp_path) == ["out"]
    assert complete("run", "a.yaml", "--baseline", "fi", cwd=tmp_path) == ["fifo"]
    assert complete("help", "pl", cwd=tmp_path) == ["plan"]
    assert complete("run", "a.yaml", "--threads", "", cwd=tmp_path) == []
    # every option of every command's help is offered
    for command in COMMANDS:
        help_options = options_in_help(run_fleetsim(fleetsim_bin, command, "--help").stdout)
        assert set(complete(command, "-", cwd=tmp_path)) == help_options, command
