#pragma once
// Training-job traces from CSV (docs/scenario-reference.md, "workload.traces"; columns in
// docs/models.md, "Job traces"). Two formats:
//   fleetsim       columns submit_s, gpus, duration_s (required);
//                  name, gpu_type, deadline_s, utilization (optional)
//   alibaba_openb  the Alibaba GPU cluster trace 2023 (openb_pod_list): name, num_gpu,
//                  gpu_milli, creation_time, deletion_time, scheduled_time. A task with
//                  num_gpu = 0 uses no GPU, and one never scheduled (empty scheduled_time,
//                  phase Pending) never ran: both are skipped and counted. gpu_milli / 1000
//                  is the GPU utilisation; the run time is deletion_time - scheduled_time
//                  (the time it held its GPUs; the simulator models queueing itself) and the
//                  submission time is creation_time.
// Rows without a deadline of their own get the spec's deadline rule, if any. A missing file,
// a missing column, an empty or malformed required field, or a deadline_s before submit_s is
// an InputError naming the file, line and column.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workload/deadline.hpp"
#include "workload/job.hpp"

namespace fleetsim::workload {

enum class TraceFormat { kFleetsim, kAlibabaOpenb };

struct TraceSpec {
  std::string path;
  TraceFormat format = TraceFormat::kFleetsim;
  core::Seconds offset_s = 0;            // trace time 0 is this many seconds after the run start
  std::string gpu_type;                  // type for rows that name none; empty: any
  std::optional<DeadlineRule> deadline;  // for rows without a deadline_s (workload/deadline.hpp)
  double utilization = 1.0;              // for rows that give none (fleetsim format)
  int64_t max_jobs = 0;                  // 0: all rows
  std::vector<std::string> allowed_regions;
  Flexibility flexibility = Flexibility::kNone;
  core::Seconds checkpoint_s = 360;
  std::vector<std::string> known_gpu_types;  // a row naming another type is an error; empty: no check
};

// Largest times a trace may give, s: the schema's limits for scenario times.
inline constexpr core::Seconds kMaxTraceTimeS = 10'000'000LL * 3600;     // 1e7 h
inline constexpr core::Seconds kMaxTraceDurationS = 1'000'000LL * 3600;  // 1e6 h

struct TraceReadResult {
  std::vector<TrainingJob> jobs;
  int64_t rows = 0;                   // data rows read
  int64_t skipped_no_gpu = 0;         // rows asking for no GPU
  int64_t skipped_never_ran = 0;      // alibaba_openb rows never scheduled
  int64_t skipped_after_horizon = 0;  // rows submitted at or after the horizon
};

TraceReadResult read_trace(const TraceSpec& spec, core::Seconds horizon_s);

}  // namespace fleetsim::workload
