"""tests/fuzz/triage.py sorts fuzz findings into fleetsim's and HDF5's own (docs/reliability.md,
"Fuzzing"): checked here on reports of the shapes that ASan, UBSan, LeakSanitizer and libFuzzer
print, cut to their frames. A wrong sort either fails CI for HDF5's crash or hides fleetsim's."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

TRIAGE = Path(__file__).resolve().parents[1] / "fuzz" / "triage.py"
spec = importlib.util.spec_from_file_location("triage", TRIAGE)
triage = importlib.util.module_from_spec(spec)
spec.loader.exec_module(triage)

HDF5 = "(/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0x1233e4) (BuildId: 0123)"
HARNESS = "/check/work/main/build-sanitize/tests/fuzz/fuzz_run_file"
READER = "/check/work/main/sim/output/h5_reader.cpp:120:7"

# What libFuzzer prints when a library calls abort() through glibc (here a _FORTIFY_SOURCE check
# in HDF5), with glibc's debug information installed: glibc's frames name relative source paths.
# CI's first such finding was sorted as fleetsim's ("deadly signal in no frame of fleetsim or
# HDF5"), because those frames were not read as frames and the stack ended before HDF5's.
ABORT_REPORT = """\
*** buffer overflow detected ***: terminated
==25879== ERROR: libFuzzer: deadly signal
    #0 0x559295616ca1 in __sanitizer_print_stack_trace ({harness}+0xe9ca1) (BuildId: 6a72)
    #1 0x5592955895f8 in fuzzer::PrintStackTrace() ({harness}+0x5c5f8) (BuildId: 6a72)
    #2 0x55929556eec3 in fuzzer::Fuzzer::CrashCallback() ({harness}+0x41ec3) (BuildId: 6a72)
    #3 0x7ff58e25a04f  (/lib/x86_64-linux-gnu/libc.so.6+0x3c04f) (BuildId: 93ac)
    #4 0x7ff58e2a8eeb in __pthread_kill_implementation nptl/./nptl/pthread_kill.c:43:17
    #5 0x7ff58e259fb1 in raise signal/../sysdeps/posix/raise.c:26:13
    #6 0x7ff58e244471 in abort stdlib/./stdlib/abort.c:79:7
    #7 0x7ff58e29d42e in __libc_message libio/../sysdeps/posix/libc_fatal.c:156:5
    #8 0x7ff58e336211 in __fortify_fail debug/./debug/fortify_fail.c:26:5
    #9 0x7ff58e334d1f in __chk_fail debug/./debug/chk_fail.c:28:3
    #10 0x7ff58e7fb132 in {function} {where}
    #11 0x55929564a071 in LLVMFuzzerTestOneInput /check/work/main/tests/fuzz/fuzz_run_file.cpp:64:5
    #12 0x5592955702b3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) ({harness}+0x432b3)

NOTE: libFuzzer has rudimentary signal handlers.
SUMMARY: libFuzzer: deadly signal
"""


def report(template: str, **fields: str) -> str:
    return template.format(harness=HARNESS, **fields)


def test_an_abort_inside_hdf5_is_hdf5s():
    owner, description = triage.classify_report(1, report(ABORT_REPORT, function="H5HG_read", where=HDF5))
    assert owner == "hdf5", description
    assert "deadly signal in H5HG_read" in description
    assert "buffer overflow detected" in description  # glibc's message is kept


def test_an_abort_inside_fleetsim_is_fleetsims():
    owner, description = triage.classify_report(
        1, report(ABORT_REPORT, function="fleetsim::output::RunFileReader::read_strings(std::string const&) const",
                  where=READER))
    assert owner == "fleetsim", description
    assert "RunFileReader::read_strings" in description


def test_a_stack_without_code_frames_is_fleetsims_and_says_what_it_held():
    text = "\n".join(ABORT_REPORT.splitlines()[:7]) + "\n"  # the stack ends in glibc
    owner, description = triage.classify_report(1, report(text))
    assert owner == "fleetsim", description
    assert "no frame of fleetsim or HDF5" in description
    assert "fuzzer::Fuzzer::CrashCallback()" in description and "__pthread_kill_implementation" in description


SEGV_REPORT = """\
AddressSanitizer:DEADLYSIGNAL
=================================================================
==7==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x7f2464388809 bp 0x7ffd5ef1d330 sp 0x7ffd5ef1cae8 T0)
==7==The signal is caused by a READ memory access.
    #0 0x7f2464388809  (/lib/x86_64-linux-gnu/libc.so.6+0x15d809) (BuildId: 93ac)
    #1 0x7f24648a1234 in __asan_memcpy (/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.asan-x86_64.so+0x1234)
    #2 0x7f2464a0b123 in H5F__accum_read (/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0xb123) (BuildId: 0123)
    #3 0x55929564a071 in fleetsim::output::RunFileReader::RunFileReader(std::string const&) /check/work/main/sim/output/h5_reader.cpp:40:3
"""


def test_a_segv_inside_hdf5_is_hdf5s():
    owner, description = triage.classify_report(1, SEGV_REPORT)
    assert (owner, description) == ("hdf5", "AddressSanitizer: SEGV on unknown address 0x000000000000 "
                                    "(pc 0x7f2464388809 bp 0x7ffd5ef1d330 sp 0x7ffd5ef1cae8 T0) in H5F__accum_read")


def test_a_segv_in_fleetsims_code_is_fleetsims():
    text = SEGV_REPORT.replace("#2 0x7f2464a0b123 in H5F__accum_read (/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0xb123)",
                               f"#2 0x7f2464a0b123 in fleetsim::output::H5Attribute::read() {READER}")
    owner, description = triage.classify_report(1, text)
    assert owner == "fleetsim" and "H5Attribute::read" in description


OVERFLOW_REPORT = """\
==9==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020000000f1 at pc 0x55 bp 0x7f sp 0x7f
READ of size 16 at 0x6020000000f1 thread T0
    #0 0x55929564a000 in __asan_memcpy (/check/x/fuzz_run_file+0xe9000)
    #1 0x7f2464a0b123 in H5HG_read (/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0xb123) (BuildId: 0123)
    #2 0x55929564a071 in fleetsim::output::RunFileReader::read_strings(std::string const&) const {reader}

0x6020000000f1 is located 0 bytes to the right of 1-byte region [0x6020000000f0,0x6020000000f1)
allocated by thread T0 here:
    #0 0x55929564b000 in malloc (/check/x/fuzz_run_file+0xea000)
    #1 {allocator}
"""


@pytest.mark.parametrize(
    ("allocator", "owner"),
    [
        ("0x7f2464a0c000 in H5FL_blk_malloc (/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0xc000)", "hdf5"),
        (f"0x55929564c000 in fleetsim::output::RunFileReader::read_strings(std::string const&) const {READER}",
         "fleetsim"),
    ],
)
def test_an_overflow_inside_hdf5_is_hdf5s_only_for_hdf5s_buffer(allocator: str, owner: str):
    found, description = triage.classify_report(1, OVERFLOW_REPORT.format(reader=READER, allocator=allocator))
    assert found == owner, description
    assert "heap-buffer-overflow" in description and "H5HG_read" in description


def test_leaks_ub_and_broken_messages_are_fleetsims():
    leak = ("==3==ERROR: LeakSanitizer: detected memory leaks\n\nDirect leak of 8 byte(s) in 1 object(s) allocated from:\n"
            "    #0 0x55 in malloc (/check/x/fuzz_run_file+0xea000)\n"
            "    #1 0x7f in H5MM_malloc (/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0xc000)\n")
    assert triage.classify_report(1, leak)[0] == "fleetsim"
    ub = f"{READER}: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'\n"
    assert triage.classify_report(1, ub) == ("fleetsim", ub.strip())
    assert triage.classify_report(1, "fleetsim fuzz: H5Error message is empty\n")[0] == "fleetsim"
    assert triage.classify_report(1, "Segmentation fault\n") == (
        "fleetsim", "exit 1 without a sanitizer or libFuzzer report")
    assert triage.classify_report(0, "")[0] == "alone-ok"  # listed, not failed: see triage.py


def test_frames_are_read_whatever_their_place():
    lines = report(ABORT_REPORT, function="H5HG_read", where=HDF5).splitlines()
    frames = triage.stacks(lines)[0]
    assert len(frames) == 13
    assert frames[6] == ("abort", "stdlib/./stdlib/abort.c:79:7")
    assert frames[12][0] == "fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long)"


RSS_REPORT = """\
==32436== ERROR: libFuzzer: out-of-memory (used: 2166Mb; limit: 2048Mb)
Live Heap Allocations: 26333425 bytes in 3521 chunks
20971840 byte(s) (79%) in 1 allocation(s)
    #0 0x55bcfb81573d in operator new(unsigned long) (/check/x/fuzz_run_file+0x37673d)
    #1 0x55bcfb72d47d in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/check/x/fuzz_run_file+0x28e47d)
    #2 0x55bcfb757c02 in main (/check/x/fuzz_run_file+0x2b8c02)
"""
MALLOC_REPORT = """\
==32457== ERROR: libFuzzer: out-of-memory (malloc(1970237448))
    #0 0x5596c7d81a71 in __sanitizer_print_stack_trace (/check/x/fuzz_run_file+0x345a71)
    #1 0x5596c7cf43c8 in fuzzer::PrintStackTrace() (/check/x/fuzz_run_file+0x2b83c8)
    #2 0x5596c7d779ed in malloc (/check/x/fuzz_run_file+0x33b9ed)
    #3 0x7efd109233e4  (/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0x1233e4)
    #4 0x7efd10923af1 in H5FL_blk_malloc (/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0x123af1)
    #5 0x5596c7ea414f in fleetsim::output::RunFileReader::read_strings(std::string const&) const {reader}
"""


def fake_harness(tmp_path: Path, body: str) -> Path:
    """A stand-in for a fuzz harness: a script that prints a report chosen by its options."""
    script = tmp_path / "harness"
    script.write_text("#!/usr/bin/python3\nimport sys\nfrom pathlib import Path\n"
                      f"calls = Path({str(tmp_path / 'calls')!r})\n"
                      "calls.write_text(calls.read_text() + ' '.join(sys.argv[1:]) + '\\n' if calls.exists() else "
                      "' '.join(sys.argv[1:]) + '\\n')\n" + body)
    script.chmod(0o755)
    return script


def test_an_out_of_memory_stop_is_sorted_by_the_allocation_that_grew_the_process(tmp_path: Path):
    """The RSS report names no allocation; a run with a malloc limit finds HDF5's 2 GB one."""
    harness = fake_harness(tmp_path, f"""
if any(a.startswith('-malloc_limit_mb=') for a in sys.argv):
    sys.stderr.write({MALLOC_REPORT.format(reader=READER)!r}); sys.exit(1)
sys.stderr.write({RSS_REPORT!r}); sys.exit(1)
""")
    owner, description = triage.classify(str(harness), tmp_path / "oom-input")
    assert owner == "hdf5", description
    assert description.startswith("libFuzzer: out-of-memory (malloc(1970237448)) in")
    assert "H5FL_blk_malloc" in description
    assert f"-malloc_limit_mb={triage.SINGLE_ALLOCATION_MB}" in (tmp_path / "calls").read_text()


def test_an_out_of_memory_stop_without_a_large_allocation_stays_fleetsims(tmp_path: Path):
    harness = fake_harness(tmp_path, f"sys.stderr.write({RSS_REPORT!r}); sys.exit(1)\n")
    owner, description = triage.classify(str(harness), tmp_path / "oom-input")
    assert owner == "fleetsim" and "out-of-memory (used: 2166Mb" in description


def test_a_finding_that_runs_cleanly_alone_is_tried_three_times(tmp_path: Path):
    harness = fake_harness(tmp_path, "sys.exit(0)\n")
    assert triage.classify(str(harness), tmp_path / "crash-input")[0] == "alone-ok"
    assert len((tmp_path / "calls").read_text().splitlines()) == triage.ATTEMPTS == 3
