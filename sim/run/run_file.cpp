#include "run/run_file.hpp"

#include <filesystem>

#include "core/error.hpp"
#include "core/version.hpp"
#include "output/h5_reader.hpp"
#include "output/h5_writer.hpp"

namespace fleetsim::run {

void write_run_file(const scenario::Scenario& sc, const RunResult& r, const std::string& path) {
  output::RunFileWriter w(path, sc.deflate_level);
  std::string overrides;
  for (const auto& o : sc.overrides) overrides += (overrides.empty() ? "" : "\n") + o;
  w.set_attribute("/", "format_version", int64_t{core::kFormatVersion});
  w.set_attribute("/", "program", std::string("fleetsim"));
  w.set_attribute("/", "program_version", std::string(core::kVersion));
  w.set_attribute("/", "scenario_name", sc.name);
  w.set_attribute("/", "scenario", sc.source_text);
  w.set_attribute("/", "scenario_path", sc.source_path);
  w.set_attribute("/", "scenario_overrides", overrides);
  w.set_attribute("/", "scenario_effective", sc.effective_yaml);
  w.set_attribute("/", "seed", static_cast<int64_t>(sc.seed));
  w.set_attribute("/", "start", core::format_utc(sc.start_epoch_s));
  w.set_attribute("/", "start_epoch_s", sc.start_epoch_s);
  w.set_attribute("/", "hours", r.hours);

  w.add_series_group("/site", r.hour_epoch_s, "site", r.site_names);
  w.write_series("/site", "it_energy_mwh", r.site_it_energy_mwh, "MWh", "IT (server) energy in the hour");
  w.write_series("/site", "facility_energy_mwh", r.site_facility_energy_mwh, "MWh",
                 "facility energy in the hour: IT energy x PUE");
  w.write_series("/site", "gpus_busy_training", r.site_gpus_busy_training, "GPUs",
                 "mean number of GPUs running training jobs over the hour");
  w.write_series("/site", "gpus_busy_inference", r.site_gpus_busy_inference, "GPUs",
                 "mean number of GPUs serving inference over the hour (no inference model yet: 0)");
  w.write_series("/site", "gpus_total", r.site_gpus_total, "GPUs", "GPUs installed");
  w.write_series("/site", "queue_length", r.site_queue_length, "jobs", "training jobs waiting at the end of the hour");
  w.write_series("/site", "pue", r.site_pue, "1", "power usage effectiveness in the hour");
  w.write_entity_column("/site", "site_region", r.site_region, "", "grid region of each site");

  w.add_series_group("/region", r.hour_epoch_s, "region", r.region_names);
  w.write_series("/region", "load_mwh", r.region_load_mwh, "MWh", "facility energy of the region's sites in the hour");

  std::vector<int64_t> ids;
  std::vector<std::string> name;
  std::vector<std::string> source;
  std::vector<int64_t> submit;
  std::vector<int64_t> start;
  std::vector<int64_t> end;
  std::vector<int64_t> deadline;
  std::vector<std::string> site;
  std::vector<int64_t> gpus;
  std::vector<std::string> gpu_type;
  std::vector<double> energy;
  std::vector<std::string> status;
  std::vector<std::string> reason;
  std::vector<int64_t> deferred;
  for (const JobRecord& j : r.jobs) {
    ids.push_back(j.id);
    name.push_back(j.name);
    source.push_back(workload::to_string(j.source));
    submit.push_back(j.submit_s);
    start.push_back(j.start_s);
    end.push_back(j.end_s);
    deadline.push_back(j.deadline_s);
    site.push_back(j.site >= 0 ? r.site_names[static_cast<size_t>(j.site)] : std::string());
    gpus.push_back(j.gpus);
    gpu_type.push_back(j.gpu_type);
    energy.push_back(j.energy_mwh);
    status.push_back(to_string(j.status));
    reason.push_back(j.reason);
    deferred.push_back(0);
  }
  w.add_table("/jobs", "job", ids);
  w.write_column("/jobs", "id", ids, "", "job id: position in submission order");
  w.write_column("/jobs", "name", name, "", "job name");
  w.write_column("/jobs", "source", source, "", "listed, synthetic or trace");
  w.write_column("/jobs", "submit_s", submit, "s",
                 "submission time, seconds after the run start (root attribute start)");
  w.write_column("/jobs", "start_s", start, "s", "start time, seconds after the run start; -1: never started");
  w.write_column("/jobs", "end_s", end, "s",
                 "end time, seconds after the run start; -1: not finished within the horizon");
  w.write_column("/jobs", "deadline_s", deadline, "s", "deadline, seconds after the run start; -1: none");
  w.write_column("/jobs", "site", site, "", "site it was placed on; empty: rejected");
  w.write_column("/jobs", "gpus", gpus, "GPUs", "GPUs used");
  w.write_column("/jobs", "gpu_type", gpu_type, "", "GPU type it ran on (or asked for, if rejected; empty: any)");
  w.write_column("/jobs", "energy_mwh", energy, "MWh", "facility energy of the job up to the horizon");
  w.write_column("/jobs", "status", status, "",
                 "completed, deadline_missed, rejected, running_at_end or waiting_at_end");
  w.write_column("/jobs", "reason", reason, "", "why a job was rejected; empty otherwise");
  w.write_column("/jobs", "deferred_s", deferred, "s", "time a policy held the job back on purpose (first_fit: 0)");

  for (const SummaryItem& item : r.summary) w.set_attribute("/summary", item.name, item.value);
  std::vector<double> fac;
  std::vector<double> itv;
  std::vector<double> peak;
  std::vector<int64_t> region_gpus;
  std::vector<int64_t> region_sites;
  for (const RegionSummary& g : r.regions) {
    fac.push_back(g.facility_energy_mwh);
    itv.push_back(g.it_energy_mwh);
    peak.push_back(g.peak_load_mw);
    region_gpus.push_back(g.gpus_total);
    region_sites.push_back(g.sites);
  }
  w.add_table("/summary/region", "region", r.region_names);
  w.write_column("/summary/region", "facility_energy_mwh", fac, "MWh", "facility energy (load) of the region");
  w.write_column("/summary/region", "it_energy_mwh", itv, "MWh", "IT energy of the region");
  w.write_column("/summary/region", "peak_load_mw", peak, "MW", "highest hourly mean load");
  w.write_column("/summary/region", "gpus_total", region_gpus, "GPUs", "GPUs installed");
  w.write_column("/summary/region", "sites", region_sites, "", "number of sites");
  w.commit();
}

namespace {

std::string attribute_text(const output::Attribute& a) {
  if (const auto* i = std::get_if<int64_t>(&a)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&a)) return std::to_string(*d);
  return std::get<std::string>(a);
}

}  // namespace

StoredRun read_run_summary(const std::string& path) {
  if (!std::filesystem::is_regular_file(path))
    throw core::InputError(core::SourceLocation{path, 0, ""}, "no such file");
  StoredRun run;
  try {
    const output::RunFileReader reader(path);
    if (!reader.attribute("/", "format_version")) {
      throw core::InputError(core::SourceLocation{path, 0, ""}, "not a fleetsim run file (no format_version)");
    }
    const auto complete = reader.attribute("/", "complete");
    run.complete = complete && std::holds_alternative<int64_t>(*complete) && std::get<int64_t>(*complete) == 1;
    for (const char* name : {"scenario_name", "program_version", "format_version", "seed", "start", "hours",
                             "scenario_path", "scenario_overrides"}) {
      if (const auto a = reader.attribute("/", name)) run.info.emplace_back(name, attribute_text(*a));
    }
    if (reader.exists("/summary")) {
      for (const std::string& name : reader.attribute_names("/summary")) {
        const auto a = reader.attribute("/summary", name);
        if (a && std::holds_alternative<double>(*a)) run.summary.push_back({name, std::get<double>(*a), ""});
      }
    }
    if (reader.exists("/summary/region")) {
      run.region_names = reader.read_strings("/summary/region/region");
      const auto fac = reader.read_doubles("/summary/region/facility_energy_mwh");
      const auto it = reader.read_doubles("/summary/region/it_energy_mwh");
      const auto peak = reader.read_doubles("/summary/region/peak_load_mw");
      const auto gpus = reader.read_int64("/summary/region/gpus_total");
      const auto sites = reader.read_int64("/summary/region/sites");
      for (size_t i = 0; i < run.region_names.size(); ++i) {
        run.regions.push_back(RegionSummary{fac.at(i), it.at(i), peak.at(i), gpus.at(i), sites.at(i)});
      }
    }
  } catch (const output::H5Error& e) {
    throw core::InputError(core::SourceLocation{path, 0, ""}, std::string("cannot read as HDF5: ") + e.what());
  }
  return run;
}

}  // namespace fleetsim::run
