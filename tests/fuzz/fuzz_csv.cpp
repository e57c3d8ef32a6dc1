// libFuzzer harness: every CSV reader (docs/reliability.md, "Fuzzing"). The first byte of the
// input chooses the reader and its settings (Reader), the second byte the options (for grid
// and profile files the fill policy, shift, run length and start, decoded by Axis; for traces
// horizon, offset, job limit, deadline rule and GPU types); the rest is the file.
// tests/fuzz/make_seeds.py writes the same two bytes in front of each seed CSV. Fine: the
// data, or an InputError whose message keeps the promise.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "energy/grid_csv.hpp"
#include "fuzz_support.hpp"
#include "workload/inference_demand.hpp"
#include "workload/trace_reader.hpp"

namespace {

using namespace fleetsim;

enum class Reader {
  kEia930,
  kElectricityMaps,
  kElectricityMapsDirect,
  kEntsoe,
  kColumns,
  kColumnsPercent,
  kProfileCapacityFactor,
  kProfileDivideByMax,
  kProfileDivideBy,
  kProfileRaw,
  kTraceFleetsim,
  kTraceAlibaba,
  kRequestTrace,
};
// The selector byte is taken modulo this count.
constexpr size_t kReaders = 13;

constexpr std::array<energy::FillPolicy, 3> kFill{energy::FillPolicy::kNone, energy::FillPolicy::kPrevious,
                                                  energy::FillPolicy::kLinear};
constexpr std::array<core::Seconds, 3> kShiftS{0, 3600, -86'400};
constexpr std::array<int64_t, 4> kHours{6, 48, 1, 3};
// The first hours of the fixtures: 2022-01-01, 2024-01-01, 2020-01-01, 2022-06-30T22:00,
// 2020-02-29T22:00 (UTC).
constexpr std::array<core::Seconds, 5> kStartEpochS{1'640'995'200, 1'704'067'200, 1'577'836'800, 1'656'626'400,
                                                    1'583'013'600};

// The options byte of a grid or profile file: fill + 3 x (shift + 3 x (hours + 4 x start)).
struct Axis {
  energy::FillPolicy fill;
  core::Seconds shift_s;
  energy::TimeAxis axis;

  explicit Axis(unsigned options)
      : fill(kFill[options % 3]),
        shift_s(kShiftS[(options / 3) % 3]),
        axis{kStartEpochS[(options / 36) % 5], kHours[(options / 9) % 4]} {}
};

void read_grid(Reader reader, uint8_t options, const std::string& path) {
  const Axis run(options);
  energy::GridCsvSpec spec;
  spec.path = path;
  spec.fill = run.fill;
  spec.shift_s = run.shift_s;
  switch (reader) {
    case Reader::kEia930:
      spec.format = energy::GridFormat::kEia930;
      break;
    case Reader::kElectricityMaps:
      spec.format = energy::GridFormat::kElectricityMaps;
      break;
    case Reader::kElectricityMapsDirect:
      spec.format = energy::GridFormat::kElectricityMaps;
      spec.carbon_intensity_column = "ci_direct_gco2eq_per_kwh";
      break;
    case Reader::kEntsoe:
      spec.format = energy::GridFormat::kEntsoe;
      break;
    case Reader::kColumnsPercent:
      spec.format = energy::GridFormat::kColumns;
      spec.carbon_intensity_column = "ci_g_per_kwh";
      spec.cfe_share_column = "cfe_pct";
      spec.cfe_share_scale = 0.01;
      break;
    default:
      spec.format = energy::GridFormat::kColumns;
      spec.carbon_intensity_column = "ci";
      spec.cfe_share_column = "cfe";
      break;
  }
  (void)energy::read_grid_csv(spec, run.axis);
}

void read_profile(Reader reader, uint8_t options, const std::string& path) {
  const Axis run(options);
  energy::ProfileCsvSpec spec;
  spec.path = path;
  spec.fill = run.fill;
  spec.shift_s = run.shift_s;
  switch (reader) {
    case Reader::kProfileCapacityFactor:
      spec.column = "cf";
      break;
    case Reader::kProfileDivideByMax:
      spec.column = "mw";
      spec.scale = energy::ProfileCsvSpec::Scale::kDivideByMax;
      break;
    case Reader::kProfileDivideBy:
      spec.column = "mw";
      spec.scale = energy::ProfileCsvSpec::Scale::kDivideBy;
      spec.divisor_mw = 100.0;
      break;
    default:
      spec.column = "q";
      spec.scale = energy::ProfileCsvSpec::Scale::kRaw;
      break;
  }
  int64_t filled = 0;
  (void)energy::read_profile_csv(spec, run.axis, &filled);
}

void read_trace(Reader reader, uint8_t options, const std::string& path) {
  workload::TraceSpec spec;
  spec.path = path;
  spec.format =
      reader == Reader::kTraceAlibaba ? workload::TraceFormat::kAlibabaOpenb : workload::TraceFormat::kFleetsim;
  if ((options & 1U) != 0) spec.known_gpu_types = {"A100", "H100", "V100"};
  if ((options & 2U) != 0) spec.max_jobs = 3;
  if ((options & 4U) != 0) spec.gpu_type = "H100";
  if ((options & 8U) != 0) spec.offset_s = 3600;
  if ((options & 16U) != 0) spec.deadline = workload::DeadlineRule{workload::DeadlineRuleKind::kSlack, 1.5};
  const core::Seconds horizon_s = (options & 32U) != 0 ? 48 * core::kSecondsPerHour : workload::kMaxTraceTimeS;
  (void)workload::read_trace(spec, horizon_s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::ScratchFile file("input.csv");
  if (size < 2) return 0;
  const auto reader = static_cast<Reader>(data[0] % kReaders);
  const uint8_t options = data[1];
  const std::string& path = file.write(std::string_view(reinterpret_cast<const char*>(data + 2), size - 2));
  try {
    switch (reader) {
      case Reader::kProfileCapacityFactor:
      case Reader::kProfileDivideByMax:
      case Reader::kProfileDivideBy:
      case Reader::kProfileRaw:
        read_profile(reader, options, path);
        break;
      case Reader::kTraceFleetsim:
      case Reader::kTraceAlibaba:
        read_trace(reader, options, path);
        break;
      case Reader::kRequestTrace:
        (void)workload::read_request_trace(path);
        break;
      default:
        read_grid(reader, options, path);
        break;
    }
  } catch (const core::InputError& e) {
    fuzz::check_message("InputError", e.what());
  }
  return 0;
}
