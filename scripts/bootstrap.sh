#!/usr/bin/env bash
# Set-up, build and run on a fresh Debian machine (the README's two commands).
#   scripts/bootstrap.sh quickstart   install, build, run scenarios/quickstart.yaml
#   scripts/bootstrap.sh test         install, build, run every test (ctest), then build again
#                                     under ASan + UBSan (clang) and run the unit tests, the
#                                     bad-input corpus and short fuzz runs there (what CI runs)
#   scripts/bootstrap.sh deps|build   only install / only install and build
# Environment: BUILD_DIR (default build), BUILD_TYPE (default Release), FUZZ_SECONDS (each
# harness's short run in `test`, default 45), SANITIZE=0 (skip the sanitizer stage of `test`).
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Release}

# Every package comes from Debian; docs/dependencies.md says why each is used.
PACKAGES=(
  cmake ninja-build g++ pkg-config clang-format
  libboost-graph-dev libboost-program-options-dev
  libhdf5-dev libyaml-cpp-dev libfccp-dev liblemon-dev libxxhash-dev libdeflate-dev
  catch2 libbenchmark-dev libopenmpi-dev openmpi-bin
  clang libclang-rt-14-dev
  python3 python3-dev pybind11-dev python3-numpy python3-h5py python3-pandas python3-matplotlib
  python3-xarray python3-h5netcdf python3-pytest python3-pip python3-setuptools
  python3-nbclient python3-nbformat python3-ipykernel
  chromium
)

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "== all ${#PACKAGES[@]} Debian packages are installed"
    return
  fi
  echo "== installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  echo "== configuring ($BUILD_TYPE) in $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
  echo "== building with 2 jobs"
  cmake --build "$BUILD_DIR" -j2
}

# The sanitizer stage of `test` (docs/reliability.md, "Fuzzing and sanitizers"): one clang
# build with ASan + UBSan and libFuzzer's instrumentation (cmake --preset sanitize), where the
# unit tests, the fuzz regression inputs, the bad-input corpus and the output-failure tests
# run, then each libFuzzer harness for FUZZ_SECONDS. Any sanitizer report fails its test.
sanitize() {
  echo "== configuring the sanitizer build (clang, ASan + UBSan) in build-sanitize"
  cmake --preset sanitize -DFLEETSIM_FUZZ_SECONDS="${FUZZ_SECONDS:-45}" >/dev/null
  echo "== building it with 2 jobs"
  cmake --build --preset sanitize
  echo "== running the tests under the sanitizers, then each fuzz harness for ${FUZZ_SECONDS:-45} s"
  ctest --preset sanitize -L "$SANITIZE_LABELS"
}
# Catch2 tests are labelled by module; python tests only those whose subject is bad input.
SANITIZE_LABELS='^(core|engine|energy|fleet|workload|footprint|policy|scenario|output|run|planner|fuzz|sanitize)$'

case "${1:-}" in
  deps) install_deps ;;
  build) install_deps; build ;;
  quickstart)
    install_deps
    build
    echo "== running scenarios/quickstart.yaml"
    "$BUILD_DIR/sim/cli/fleetsim" run scenarios/quickstart.yaml -o quickstart.h5
    echo "== inspect it again any time with: $BUILD_DIR/sim/cli/fleetsim inspect quickstart.h5"
    ;;
  test)
    install_deps
    build
    echo "== running the tests"
    ctest --test-dir "$BUILD_DIR" -j2 --output-on-failure
    [ "${SANITIZE:-1}" = 0 ] || sanitize
    ;;
  *)
    echo "usage: $0 quickstart|test|deps|build" >&2
    exit 2
    ;;
esac
