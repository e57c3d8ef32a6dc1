#include "workload/trace_reader.hpp"

#define CSV_IO_NO_THREAD
#pragma GCC diagnostic push
#ifndef __clang__  // a GCC warning; clang (the fuzz build) has no such group
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#endif
#include <libfccp/csv.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <memory>

#include "core/error.hpp"
#include "core/text.hpp"

namespace fleetsim::workload {
namespace {

using Reader = io::CSVReader<7, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>>;

class FieldParser {
 public:
  FieldParser(const std::string& path, const Reader& reader) : path_(path), reader_(reader) {}

  core::SourceLocation at(const char* column) const {
    return core::SourceLocation{path_, static_cast<int64_t>(reader_.get_file_line()), column};
  }

  int64_t integer(const char* column, const char* text) const {
    const std::string_view s = require(column, text);
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
      throw core::InputError(at(column), core::quote(s) + " is not an integer");
    }
    return value;
  }

  double number(const char* column, const char* text) const {
    const std::string_view s = require(column, text);
    double value = 0.0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(value)) {
      throw core::InputError(at(column), core::quote(s) + " is not a finite number");
    }
    return value;
  }

  static bool empty(const char* text) { return text == nullptr || *text == '\0'; }

  // A name that is stored in the run file: UTF-8, one line of printable text.
  std::string name(const char* column, const char* text) const {
    const std::string_view s = require(column, text);
    if (core::invalid_utf8_at(s)) {
      throw core::InputError(at(column), core::quote(s) + " is not valid UTF-8 (save the file as UTF-8)");
    }
    if (core::has_control_character(s)) {
      throw core::InputError(at(column), core::quote(s) + " holds a control character");
    }
    return std::string(s);
  }

 private:
  std::string_view require(const char* column, const char* text) const {
    if (empty(text)) throw core::InputError(at(column), "missing value");
    return text;
  }

  const std::string& path_;
  const Reader& reader_;
};

void require_columns(const Reader& reader, const std::string& path, std::initializer_list<const char*> columns) {
  for (const char* c : columns) {
    if (!reader.has_column(c)) {
      throw core::InputError(core::SourceLocation{path, 1, c}, "required column is missing from the header");
    }
  }
}

}  // namespace

TraceReadResult read_trace(const TraceSpec& spec, core::Seconds horizon_s) {
  if (spec.deadline) check_deadline_rule(*spec.deadline);  // std::invalid_argument: a programming error
  if (!std::filesystem::is_regular_file(spec.path)) {
    throw core::InputError(core::SourceLocation{spec.path, 0, ""}, "trace file not found");
  }
  core::check_csv_header_utf8(spec.path);
  TraceReadResult result;
  std::unique_ptr<Reader> reader;
  try {
    reader = std::make_unique<Reader>(spec.path);
    const bool alibaba = spec.format == TraceFormat::kAlibabaOpenb;
    if (alibaba) {
      reader->read_header(io::ignore_extra_column | io::ignore_missing_column, "name", "num_gpu", "gpu_milli",
                          "creation_time", "deletion_time", "scheduled_time", "pod_phase");
      require_columns(*reader, spec.path,
                      {"name", "num_gpu", "gpu_milli", "creation_time", "deletion_time", "scheduled_time"});
    } else {
      reader->read_header(io::ignore_extra_column | io::ignore_missing_column, "name", "submit_s", "gpus", "duration_s",
                          "gpu_type", "deadline_s", "utilization");
      require_columns(*reader, spec.path, {"submit_s", "gpus", "duration_s"});
    }
    const FieldParser parse(spec.path, *reader);
    char* f[7] = {};
    while (reader->read_row(f[0], f[1], f[2], f[3], f[4], f[5], f[6])) {
      ++result.rows;
      TrainingJob job;
      job.source = JobSource::kTrace;
      job.gpu_type = spec.gpu_type;
      job.allowed_regions = spec.allowed_regions;
      job.flexibility = spec.flexibility;
      job.checkpoint_s = spec.checkpoint_s;
      job.utilization = spec.utilization;
      core::Seconds submit_trace_s = 0;
      if (alibaba) {
        job.name = parse.name("name", f[0]);
        job.gpus = parse.integer("num_gpu", f[1]);
        const int64_t milli = parse.integer("gpu_milli", f[2]);
        submit_trace_s = parse.integer("creation_time", f[3]);
        const int64_t deleted = parse.integer("deletion_time", f[4]);
        if (job.gpus < 0) throw core::InputError(parse.at("num_gpu"), "negative GPU count");
        if (job.gpus == 0) {
          ++result.skipped_no_gpu;
          continue;
        }
        if (FieldParser::empty(f[5])) {  // never scheduled: it never ran
          ++result.skipped_never_ran;
          continue;
        }
        const int64_t scheduled = parse.integer("scheduled_time", f[5]);
        if (milli <= 0 || milli > 1000) {
          throw core::InputError(parse.at("gpu_milli"), std::to_string(milli) + " is not in (0, 1000]");
        }
        if (scheduled < submit_trace_s) {
          throw core::InputError(parse.at("scheduled_time"), "scheduled_time is before creation_time");
        }
        if (deleted < scheduled)
          throw core::InputError(parse.at("deletion_time"), "deletion_time is before scheduled_time");
        if (deleted > kMaxTraceTimeS) throw core::InputError(parse.at("deletion_time"), "larger than 1e7 hours");
        job.utilization = static_cast<double>(milli) / 1000.0;
        job.duration_s = std::max<core::Seconds>(1, deleted - scheduled);
      } else {
        job.name = FieldParser::empty(f[0]) ? "trace-" + std::to_string(result.rows) : parse.name("name", f[0]);
        submit_trace_s = parse.integer("submit_s", f[1]);
        job.gpus = parse.integer("gpus", f[2]);
        job.duration_s = parse.integer("duration_s", f[3]);
        if (!FieldParser::empty(f[4])) {
          job.gpu_type = parse.name("gpu_type", f[4]);
          const auto& known = spec.known_gpu_types;
          if (!known.empty() && std::find(known.begin(), known.end(), job.gpu_type) == known.end()) {
            std::string names;
            for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
            throw core::InputError(parse.at("gpu_type"),
                                   "unknown GPU type " + core::quote(job.gpu_type) + "; known types: " + names);
          }
        }
        if (job.gpus < 0) throw core::InputError(parse.at("gpus"), "negative GPU count");
        if (job.duration_s <= 0) throw core::InputError(parse.at("duration_s"), "must be > 0");
        if (job.duration_s > kMaxTraceDurationS)
          throw core::InputError(parse.at("duration_s"), "larger than 1e6 hours");
        if (submit_trace_s > kMaxTraceTimeS) throw core::InputError(parse.at("submit_s"), "larger than 1e7 hours");
        if (!FieldParser::empty(f[5])) {
          const int64_t deadline = parse.integer("deadline_s", f[5]);
          if (deadline < submit_trace_s) throw core::InputError(parse.at("deadline_s"), "before submit_s");
          if (deadline > kMaxTraceTimeS) throw core::InputError(parse.at("deadline_s"), "larger than 1e7 hours");
          job.deadline_s = deadline + spec.offset_s;
        }
        if (!FieldParser::empty(f[6])) job.utilization = parse.number("utilization", f[6]);
        if (job.gpus == 0) {
          ++result.skipped_no_gpu;
          continue;
        }
        if (!(job.utilization > 0.0 && job.utilization <= 1.0)) {
          throw core::InputError(parse.at("utilization"), "must be in (0, 1]");
        }
      }
      const char* submit_column = alibaba ? "creation_time" : "submit_s";
      if (submit_trace_s < 0) throw core::InputError(parse.at(submit_column), "negative time");
      if (submit_trace_s > kMaxTraceTimeS) throw core::InputError(parse.at(submit_column), "larger than 1e7 hours");
      job.submit_s = submit_trace_s + spec.offset_s;
      if (job.submit_s >= horizon_s) {
        ++result.skipped_after_horizon;
        continue;
      }
      if (spec.deadline && !job.deadline_s)
        job.deadline_s = job_deadline_s(*spec.deadline, job.submit_s, job.duration_s);
      result.jobs.push_back(std::move(job));
      if (spec.max_jobs > 0 && static_cast<int64_t>(result.jobs.size()) >= spec.max_jobs) break;
    }
  } catch (const io::error::base& e) {
    const int64_t line = reader ? static_cast<int64_t>(reader->get_file_line()) : 0;
    throw core::InputError(core::SourceLocation{spec.path, line, ""}, e.what());
  }
  return result;
}

}  // namespace fleetsim::workload
