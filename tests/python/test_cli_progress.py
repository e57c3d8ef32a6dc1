"""Progress of `sweep`, `plan` and `run` on a terminal: one line on stderr redrawn with a carriage
return, with k/N, the elapsed time and an estimate of the time left; nothing of it when stderr
is not a terminal or with --quiet."""
from __future__ import annotations

import os
import pty
import re
import select
import subprocess
from pathlib import Path

from conftest import SOURCE_DIR, run_fleetsim

QUICKSTART = SOURCE_DIR / "scenarios" / "quickstart.yaml"


def stderr_on_a_terminal(*args: str, timeout: float = 300) -> tuple[int, str, str]:
    """Runs fleetsim with stderr on a pseudo-terminal: (exit code, stdout, what the terminal got)."""
    main, secondary = pty.openpty()
    proc = subprocess.Popen(list(args), stdout=subprocess.PIPE, stderr=secondary, stdin=subprocess.DEVNULL)
    os.close(secondary)
    received = b""
    while True:
        ready, _, _ = select.select([main], [], [], timeout)
        if not ready:
            proc.kill()
            raise TimeoutError(received.decode(errors="replace")[-500:])
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        received += chunk
    os.close(main)
    stdout = proc.stdout.read().decode()
    return proc.wait(), stdout, received.decode(errors="replace")


def progress_lines(terminal: str) -> list[str]:
    return [part.strip() for part in terminal.split("\r") if "elapsed" in part]


def test_sweep_shows_runs_done_elapsed_and_remaining(fleetsim_bin: Path, tmp_path: Path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text("parameters:\n  sites.0.pue: [1.1, 1.2, 1.3, 1.4, 1.5, 1.6]\n")
    code, stdout, terminal = stderr_on_a_terminal(str(fleetsim_bin), "sweep", str(QUICKSTART), "--grid", str(sweep),
                                                  "-o", str(tmp_path / "out"), "--set", "hours=4000")
    assert code == 0, terminal
    assert "sweep 's': 6 runs (6 ran" in stdout
    shown = progress_lines(terminal)
    assert shown, terminal
    # the runs' lines, and (when the summary takes long enough to be redrawn) its own line
    bad = [line for line in shown
           if not re.fullmatch(r"runs \d/6 +\d+%  elapsed \d+\.\d s(  remaining ~\d+\.\d s)?", line)
           and not re.fullmatch(r"writing the summary  elapsed \d+\.\d s", line)]
    assert not bad, (bad, terminal)  # the lines that do not match, and the whole terminal, to diagnose
    assert any("remaining ~" in line for line in shown), shown
    # each run's line stays, with its number, and the progress line is erased at the end
    assert re.search(r"\[1/6\] run-\d+_pue=[\d.]+: ran\r?\n", terminal)
    assert re.search(r"\[6/6\] run-\d+_pue=[\d.]+: ran\r?\n", terminal)
    assert re.search(r": ran\r?\n(\r[^\r\n]*)*\r {20,}\r$", terminal), terminal[-300:]  # last: blanked out
    # not a terminal: the run lines, no progress line
    result = run_fleetsim(fleetsim_bin, "sweep", str(QUICKSTART), "--grid", str(sweep), "-o",
                          str(tmp_path / "out2"), "--set", "hours=4000")
    assert result.returncode == 0
    assert "\r" not in result.stderr and "elapsed" not in result.stderr
    assert "  [6/6] run-" in result.stderr


def test_plan_shows_its_steps_and_quiet_shows_nothing(fleetsim_bin: Path, tmp_path: Path):
    args = [str(fleetsim_bin), "plan", str(QUICKSTART), "--set", "hours=3000"]
    code, stdout, terminal = stderr_on_a_terminal(*args)
    assert code == 0, terminal
    assert "frontier (least cost per target)" in stdout
    shown = progress_lines(terminal)
    assert shown, terminal
    assert any(re.fullmatch(r"cost frontier, target \d+/\d+ +\d+%  elapsed \d+\.\d s  remaining ~\d+\.\d s", line)
               for line in shown), shown
    code, stdout, terminal = stderr_on_a_terminal(*args, "--quiet")
    assert code == 0
    assert stdout == "" and terminal == ""


def test_run_shows_the_simulated_hour(fleetsim_bin: Path, tmp_path: Path):
    code, _, terminal = stderr_on_a_terminal(str(fleetsim_bin), "run", str(QUICKSTART), "--set", "hours=60000", "-o",
                                             str(tmp_path / "q.h5"))
    assert code == 0, terminal
    shown = progress_lines(terminal)
    assert any(re.fullmatch(r"simulating hour \d+/60000 +\d+%  elapsed \d+\.\d s(  remaining ~\d+\.\d s)?", line)
               for line in shown), shown
