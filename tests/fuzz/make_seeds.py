#!/usr/bin/python3
"""Writes the seed inputs of one libFuzzer harness (docs/reliability.md, "Fuzzing").

    make_seeds.py HARNESS OUT_DIR [--make-run-files PATH]

HARNESS is scenario, sweep, csv or run_file. Seeds come from the tree, in each harness's
input format:
  scenario  scenarios/, tests/fixtures/scenarios/ and tests/bad_input/ (a bad-input file's
            `# args: --set ...` overrides follow its text, each after a NUL byte);
  sweep     scenarios/sweeps/ and tests/bad_sweep/;
  csv       every CSV of tests/bad_csv/ and tests/fixtures/ (and a small alibaba_openb
            trace), each behind the two bytes that choose a reader and its options
            (tests/fuzz/fuzz_csv.cpp), once for every reader its header or the bad-CSV
            manifest fits;
  run_file  run files written by PATH (fuzz_make_run_files, the current writer) and, when
            h5py is there, small HDF5 files of other layouts.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]

# fuzz_csv.cpp's Reader values.
EIA930, EMAPS, EMAPS_DIRECT, ENTSOE, COLUMNS, COLUMNS_PCT = 0, 1, 2, 3, 4, 5
PROFILE_CF, PROFILE_MAX, PROFILE_DIV, PROFILE_RAW = 6, 7, 8, 9
TRACE, TRACE_ALIBABA, REQUESTS = 10, 11, 12
# fuzz_csv.cpp's kStartEpochS, as the dates that start the fixtures.
STARTS = ["2022-01-01T00", "2024-01-01T00", "2020-01-01T00", "2022-06-30T22", "2020-02-29T22"]
HOURS = [6, 48, 1, 3]
FILLS = {"none": 0, "previous": 1, "linear": 2}
MANIFEST_FORMATS = {
    "eia930": [EIA930],
    "electricitymaps": [EMAPS],
    "entsoe": [ENTSOE],
    "columns": [COLUMNS],
    "profile_cf": [PROFILE_CF],
    "profile_div100": [PROFILE_DIV],
}

ALIBABA_SAMPLE = b"""name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time
openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0
openb-pod-0001,6000,12288,1,460,,LS,Running,427061,12902960,427061
openb-pod-0002,8000,30000,0,0,,BE,Running,500000,600000,500000
openb-pod-0003,6000,12288,2,1000,V100M32,LS,Pending,2690044,12902960,
"""


def scenario_seeds(out: Path) -> int:
    count = 0
    files = sorted((SOURCE / "scenarios").glob("*.yaml"))
    files += sorted((SOURCE / "scenarios" / "validation").glob("*.yaml"))
    files += sorted((SOURCE / "tests" / "fixtures" / "scenarios").glob("*.yaml"))
    files += sorted((SOURCE / "tests" / "bad_input").glob("*.yaml"))
    for path in files:
        text = path.read_bytes()
        overrides: list[bytes] = []
        for line in text.splitlines():
            if line.startswith(b"# args:"):
                words = shlex.split(line[len(b"# args:") :].decode("utf-8", "surrogateescape"))
                for i, word in enumerate(words[:-1]):
                    if word == "--set":
                        overrides.append(words[i + 1].encode("utf-8", "surrogateescape"))
        (out / f"{path.parent.name}_{path.stem}").write_bytes(b"\0".join([text, *overrides]))
        count += 1
    return count


def sweep_seeds(out: Path) -> int:
    count = 0
    for folder in (SOURCE / "scenarios" / "sweeps", SOURCE / "tests" / "bad_sweep"):
        for path in sorted(folder.glob("*.yaml")):
            (out / f"{folder.name}_{path.stem}").write_bytes(path.read_bytes())
            count += 1
    return count


def readers_for_header(header: bytes) -> list[int]:
    columns = {c.strip().decode("utf-8", "replace") for c in header.split(b",")}
    readers = []
    if {"wind_mw", "coal_mw"} <= columns:
        readers.append(EIA930)
    if "hard_coal_mw" in columns or "biomass_mw" in columns:
        readers.append(ENTSOE)
    if "ci_lifecycle_gco2eq_per_kwh" in columns:
        readers.append(EMAPS)
    if "ci_direct_gco2eq_per_kwh" in columns:
        readers.append(EMAPS_DIRECT)
    if {"ci", "cfe"} <= columns:
        readers.append(COLUMNS)
    if {"ci_g_per_kwh", "cfe_pct"} <= columns:
        readers.append(COLUMNS_PCT)
    if "cf" in columns:
        readers.append(PROFILE_CF)
    if "mw" in columns:
        readers += [PROFILE_MAX, PROFILE_DIV]
    if "q" in columns:
        readers.append(PROFILE_RAW)
    if "submit_s" in columns:
        readers.append(TRACE)
    if "num_gpu" in columns:
        readers.append(TRACE_ALIBABA)
    if "TIMESTAMP" in columns:
        readers.append(REQUESTS)
    return readers


def axis_options(text: bytes, fill: int) -> int:
    """The options byte of a grid or profile seed: the fixture's own start, a run of 3 hours."""
    lines = text.splitlines()
    first = lines[1].decode("utf-8", "replace") if len(lines) > 1 else ""
    start = next((i for i, s in enumerate(STARTS) if first.startswith(s)), 0)
    hours = HOURS.index(6) if len(lines) > 6 else HOURS.index(3)
    return fill + 3 * (0 + 3 * (hours + 4 * start))


def csv_seeds(out: Path) -> int:
    manifest: dict[str, list[tuple[int, int]]] = {}
    for line in (SOURCE / "tests" / "bad_csv" / "cases.txt").read_text().splitlines():
        fields = line.split("|")
        if line.startswith("#") or len(fields) != 4:
            continue
        readers = MANIFEST_FORMATS.get(fields[1], [])
        manifest.setdefault(fields[0], []).extend((r, FILLS[fields[2]]) for r in readers)
    files = sorted((SOURCE / "tests" / "bad_csv").glob("*.csv"))
    files += sorted((SOURCE / "tests" / "fixtures").glob("*.csv"))
    files += sorted((SOURCE / "tests" / "fixtures" / "grid").glob("*.csv"))
    count = 0
    seen: set[bytes] = set()

    def write(name: str, reader: int, options: int, text: bytes) -> None:
        nonlocal count
        data = bytes([reader, options]) + text
        if data in seen:
            return
        seen.add(data)
        (out / f"{name}_{reader}_{options}").write_bytes(data)
        count += 1

    for path in files:
        text = path.read_bytes()
        header = text.splitlines()[0] if text else b""
        pairs = list(manifest.get(path.name, []))
        pairs += [(r, 1) for r in readers_for_header(header)]
        if not pairs:
            pairs = [(COLUMNS, 0)]
        for reader, fill in pairs:
            if reader in (TRACE, TRACE_ALIBABA):
                write(path.stem, reader, 0, text)
                write(path.stem, reader, 1 | 16, text)
            elif reader == REQUESTS:
                write(path.stem, reader, 0, text)
            else:
                write(path.stem, reader, axis_options(text, fill), text)
    write("alibaba_sample", TRACE_ALIBABA, 0, ALIBABA_SAMPLE)
    write("alibaba_sample", TRACE_ALIBABA, 1 | 2 | 16 | 32, ALIBABA_SAMPLE)
    return count


def foreign_hdf5_seeds(out: Path) -> int:
    """Small HDF5 files of layouts the writer does not use, to reach more of the reader."""
    try:
        import h5py
        import numpy as np
    except ImportError:
        print("make_seeds.py: h5py missing, no foreign HDF5 seeds", file=sys.stderr)
        return 0
    string = h5py.string_dtype("utf-8")
    with h5py.File(out / "foreign_layouts.h5", "w", track_order=True) as f:
        f.attrs["format_version"] = 1
        f.attrs["complete"] = np.int8(1)
        f.attrs["scenario_name"] = "foreign"
        f.attrs["hours"] = np.float32(3)
        f.create_dataset("scalar", data=2.5)
        compact = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        compact.set_layout(h5py.h5d.COMPACT)
        space = h5py.h5s.create_simple((4,))
        h5py.h5d.create(f.id, b"compact", h5py.h5t.STD_I16LE, space, dcpl=compact).write(
            h5py.h5s.ALL, h5py.h5s.ALL, np.arange(4, dtype="<i2")
        )
        f.create_dataset("contiguous", data=np.arange(6, dtype=">f4").reshape(2, 3))
        f.create_dataset("chunked", data=np.arange(20, dtype="u8"), chunks=(4,), compression="gzip", shuffle=True)
        f.create_dataset("fixed_strings", data=np.array([b"ab", b"c"], dtype="S3"))
        f.create_dataset("vlen_strings", data=["north", "south"], dtype=string)
        f.create_dataset("empty", shape=(0,), dtype="f8")
        summary = f.create_group("summary", track_order=True)
        summary.attrs["cfe_score"] = 0.5
        summary.attrs["text"] = "x"
        region = summary.create_group("region")
        region.create_dataset("region", data=["north"], dtype=string)
        region.create_dataset("it_energy_mwh", data=[1.0])
        region.create_dataset("gpus_total", data=[8], dtype="i4")
        year = summary.create_group("year")
        year.create_dataset("year", data=[2024], dtype="i8")
        f["soft"] = h5py.SoftLink("/summary")
    with h5py.File(out / "not_a_run.h5", "w") as f:
        f.create_dataset("x", data=[1, 2, 3])
    return 2


def summary_only_seeds(out: Path, run_files: list[Path]) -> int:
    """A run file's root attributes and /summary alone: what `fleetsim inspect` reads, in a few
    KB instead of the ~140 KB of a whole run file, so that the fuzzer runs it many times faster."""
    try:
        import h5py
    except ImportError:
        return 0

    def copy_attributes(source, target) -> None:
        for name, value in source.attrs.items():
            if name not in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME"):
                target.attrs[name] = value

    # Copied by hand, not with h5py's copy (HDF5 1.10's H5Ocopy crashed on the dimension-scale
    # references of the second file copied in one process).
    def copy_group(source, target) -> None:
        copy_attributes(source, target)
        for name, item in source.items():
            if isinstance(item, h5py.Group):
                copy_group(item, target.create_group(name))
            else:
                copy_attributes(item, target.create_dataset(name, data=item[()], dtype=item.dtype))

    for path in run_files:
        with h5py.File(path, "r") as source, h5py.File(out / f"{path.stem}_summary.h5", "w") as target:
            copy_attributes(source, target)
            for group in ("summary", "baseline"):
                if group in source:
                    copy_group(source[group], target.create_group(group))
    return len(run_files)


def run_file_seeds(out: Path, make_run_files: str | None) -> int:
    count = 0
    if make_run_files:
        subprocess.run([make_run_files, str(out)], check=True)
        run_files = sorted(out.glob("*.h5"))
        count += len(run_files) + summary_only_seeds(out, run_files)
    return count + foreign_hdf5_seeds(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("harness", choices=["scenario", "sweep", "csv", "run_file"])
    parser.add_argument("out", type=Path)
    parser.add_argument("--make-run-files", help="the fuzz_make_run_files program (run_file seeds)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.harness == "scenario":
        count = scenario_seeds(args.out)
    elif args.harness == "sweep":
        count = sweep_seeds(args.out)
    elif args.harness == "csv":
        count = csv_seeds(args.out)
    else:
        count = run_file_seeds(args.out, args.make_run_files)
    print(f"make_seeds.py: {count} {args.harness} seeds in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
