#!/usr/bin/python3
"""Sorts the findings of a fuzz run into fleetsim's and HDF5's own (docs/reliability.md, "Fuzzing").

    triage.py HARNESS_BINARY FINDING...

Each finding (a crash-*, timeout-*, leak-* or oom-* input libFuzzer saved) is run again through
the harness, and the report read: it is HDF5's own when the innermost frame of the report's
first stack that is not the sanitizer runtime, libFuzzer or libc lies in libhdf5, and, for a
bad access to a heap buffer, that buffer was allocated inside libhdf5 too. Everything else is
fleetsim's: a stack through fleetsim's code, a UBSan report (HDF5 is not instrumented), a
harness check, an uncaught exception, a leak outside HDF5 (those inside it are suppressed, see
tests/sanitizers/lsan.supp), a report without a stack or whose stack holds no frame of either.
A finding that runs cleanly alone, three times, is neither: in fork mode a child runs many
inputs, and its crash needed what earlier inputs left in the process (HDF5, which is not
instrumented, damaging its own free lists or cache unseen is the likely cause); it is listed,
kept in the findings folder, and does not fail the run (tests/fuzz/unreproduced/README.md).
Prints one line a finding; exits 1 if any is fleetsim's.

Debian 12's HDF5 1.10.8 reads past buffers, crashes and loops for ever on some crafted files
(docs/reliability.md lists the kinds found); fleetsim cannot fix that, and the run-file harness
runs with -fork and -ignore_crashes so that those do not end the run, and this script then
fails it only for fleetsim's own findings.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

# "#3 0x... in FUNCTION /path/file.cpp:12:5", "#4 0x... in FUNCTION (/lib/x.so+0x12)",
# "#5 0x...  (/lib/x.so+0x12)" or, where the C library's debug information is installed,
# "#6 0x... in abort stdlib/./stdlib/abort.c:79:7" (a path relative to glibc's sources); a
# function's name may hold spaces ("operator new(unsigned long)").
FRAME = re.compile(
    r"^\s+#\d+ 0x[0-9a-f]+\s+(?:in (?P<function>.+?) )?"
    r"(?P<where>\(?(?:/|<unknown).*|[^\s()]+\.[A-Za-z]+:\d+(?::\d+)?(?:\s.*)?)$"
)
# Frames that are not where a finding is: the sanitizer runtime, libFuzzer, libc, and the
# standard library's templates (inlined into fleetsim's code: the frame after them is).
RUNTIME = re.compile(
    r"__interceptor_|__asan|__sanitizer|__lsan|__ubsan|fuzzer::|^mem(cpy|move|set|cmp)|__mem(cpy|move|set)|"
    r"^str[a-z]*$|^malloc$|^calloc$|^realloc$|^free$|^operator new|^operator delete|^(void )?std::|^__gnu_cxx::"
)
# glibc's frames: its library, or its source folders (relative paths, from its debug information)
RUNTIME_PLACE = re.compile(
    r"libc\.so|ld-linux|sysdeps|compiler-rt|libclang_rt|/fuzzer/|"
    r"^(?:\./)?(?:nptl|stdlib|libio|debug|signal|csu|string|malloc|posix|misc|elf|assert|stdio-common)/"
)
# A finding is run alone up to this many times while it runs cleanly.
ATTEMPTS = 3
# The largest single allocation a harness needs, in MB (libFuzzer's own buffers: ~20 MB), to
# find the allocation behind an out-of-memory stop.
SINGLE_ALLOCATION_MB = 256
HEAP_ERRORS = ("heap-buffer-overflow", "heap-use-after-free", "double-free", "attempting free")
REPORT_START = re.compile(
    r"==\d+==\s*ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fleetsim fuzz:|terminate called"
)


def stacks(lines: list[str]) -> list[list[tuple[str, str]]]:
    """The stack traces of a report, each a list of (function, where) from the innermost frame."""
    out: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in lines:
        match = FRAME.match(line)
        if match:
            current.append((match.group("function") or "", match.group("where")))
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def innermost_code(stack: list[tuple[str, str]]) -> tuple[str, str] | None:
    for function, where in stack:
        if RUNTIME.search(function) or RUNTIME_PLACE.search(where):
            continue
        return function, where
    return None


def named(stack: list[tuple[str, str]], frame: tuple[str, str] | None) -> str:
    """The function of `frame`, or of the first frame after it that has a name."""
    if frame is None:
        return "no frame of fleetsim or HDF5"
    for function, where in stack[stack.index(frame) :]:
        if function:
            return function if function == frame[0] else f"{frame[1].split()[0]}, called from {function}"
    return frame[1].split()[0]


def in_hdf5(frame: tuple[str, str] | None) -> bool:
    return frame is not None and "libhdf5" in frame[1]


def classify(binary: str, finding: Path) -> tuple[str, str]:
    """("hdf5", "fleetsim" or "alone-ok", a one-line description): the finding run alone, up to
    ATTEMPTS times while it runs cleanly."""
    owner, description = "alone-ok", ""
    for _ in range(ATTEMPTS):
        owner, description = run_once(binary, finding)
        if owner != "alone-ok":
            break
    if owner == "fleetsim" and "out-of-memory (used:" in description:
        # The process outgrew -rss_limit_mb; its report shows the live allocations, not the
        # one that grew it. One allocation of more than SINGLE_ALLOCATION_MB stops the run
        # again, with that allocation's stack: HDF5 asks for ~2 GB on some damaged files.
        again = run_once(binary, finding, f"-malloc_limit_mb={SINGLE_ALLOCATION_MB}")
        if "out-of-memory (malloc(" in again[1]:
            return again
    return owner, description


def run_once(binary: str, finding: Path, *options: str) -> tuple[str, str]:
    environment = dict(os.environ)
    here = Path(__file__).resolve().parent
    environment.setdefault("ASAN_OPTIONS", "halt_on_error=1:detect_leaks=1")
    environment.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    environment.setdefault("LSAN_OPTIONS", f"suppressions={here.parent / 'sanitizers' / 'lsan.supp'}:print_suppressions=0")
    try:
        result = subprocess.run(
            [binary, "-timeout=10", "-rss_limit_mb=2048", *options, str(finding)],
            capture_output=True,
            text=True,
            errors="replace",
            env=environment,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        return "fleetsim", "the input did not finish in 600 s when run again"
    return classify_report(result.returncode, result.stderr)


def classify_report(returncode: int, stderr: str) -> tuple[str, str]:
    """("hdf5", "fleetsim" or "alone-ok", a one-line description) of one run of the harness on a
    finding."""
    if returncode == 0:
        return "alone-ok", "runs cleanly alone: its crash needed what earlier inputs left in the process"
    lines = stderr.splitlines()
    start = next((i for i, line in enumerate(lines) if REPORT_START.search(line)), None)
    if start is None:
        return "fleetsim", f"exit {returncode} without a sanitizer or libFuzzer report"
    headline = lines[start].strip()
    if not headline.startswith("=="):
        return "fleetsim", headline  # UBSan, a harness check or an uncaught exception
    report = stacks(lines[start:])
    if not report:
        return "fleetsim", headline + " (no stack)"
    frame = innermost_code(report[0])
    description = f"{headline[headline.find('ERROR:') + 7:]} in {named(report[0], frame)}"
    # glibc's own message before an abort ("*** buffer overflow detected ***: terminated")
    message = next((line.strip() for line in lines[:start] if line.startswith("*** ")), None)
    if message:
        description += f" ({message})"
    if frame is None:  # say what the stack held, so that the log can be read without the input
        description += ": " + " <- ".join(function or where.split()[0] for function, where in report[0][:12])
    if "LeakSanitizer" in headline or not in_hdf5(frame):
        return "fleetsim", description
    if any(kind in headline for kind in HEAP_ERRORS):
        allocation = next((i for i, line in enumerate(lines) if "allocated by thread" in line), None)
        owner = innermost_code(stacks(lines[allocation:])[0]) if allocation is not None else None
        if allocation is not None and not in_hdf5(owner):
            return "fleetsim", description + f" (a buffer allocated in {owner[0] if owner else 'unknown'})"
    return "hdf5", description


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary, findings = sys.argv[1], [Path(p) for p in sys.argv[2:]]
    count = {"fleetsim": 0, "hdf5": 0, "alone-ok": 0}
    for finding in findings:
        owner, description = classify(binary, finding)
        count[owner] += 1
        print(f"{owner:8} {finding.name}: {description[:600]}")
    print(f"triage.py: {len(findings)} findings, {count['fleetsim']} in fleetsim, {count['hdf5']} inside HDF5, "
          f"{count['alone-ok']} that ran cleanly alone {ATTEMPTS} times (kept; see tests/fuzz/unreproduced/README.md)")
    return 1 if count["fleetsim"] else 0


if __name__ == "__main__":
    sys.exit(main())
