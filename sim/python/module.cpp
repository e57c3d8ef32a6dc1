// fleetsim._core: the Python binding (pybind11) of the sim/ libraries, a thin layer as the CLI
// is. The Python package sim/python/fleetsim/ wraps it into the documented API (docs/python.md):
// scenarios from files, YAML text or dicts; runs whose results are the run file's groups held in
// memory (emit_run into a MemorySink), written with to_hdf5 to the very file `fleetsim run`
// writes; plans, sweeps, comparisons; the GPU catalog and the scenario key reference.
// Errors become Python exceptions (InputError with file, line and key); the GIL is released
// while a simulation, a plan or a write runs.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "core/version.hpp"
#include "fleet/gpu_catalog.hpp"
#include "output/h5_error.hpp"
#include "output/run_sink.hpp"
#include "planner/plan.hpp"
#include "run/comparison.hpp"
#include "run/run_file.hpp"
#include "run/simulation.hpp"
#include "scenario/effective.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"
#include "scenario/sweep.hpp"

namespace py = pybind11;

namespace fleetsim::python {
namespace {

using ScenarioPtr = std::shared_ptr<const scenario::Scenario>;

// Text from C++ as a Python str; bytes that are not UTF-8 (a name read from a foreign file)
// are replaced, never an exception in the middle of a result.
py::str text(const std::string& s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

py::list texts(std::span<const std::string> values) {
  py::list out;
  for (const std::string& v : values) out.append(text(v));
  return out;
}

template <class T>
py::bytes raw(std::span<const T> values) {
  return py::bytes(reinterpret_cast<const char*>(values.data()), values.size_bytes());
}

// A column or series as (kind, payload): "f8"/"i8" with the raw bytes (numpy.frombuffer on the
// Python side, one copy) or "str" with a list.
py::tuple column(std::span<const double> v) {
  return py::make_tuple("f8", raw(v));
}
py::tuple column(std::span<const int64_t> v) {
  return py::make_tuple("i8", raw(v));
}
py::tuple column(std::span<const std::string> v) {
  return py::make_tuple("str", texts(v));
}

py::object attribute(const output::Attribute& a) {
  return std::visit(
      [](const auto& v) -> py::object {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
          return text(v);
        } else {
          return py::cast(v);
        }
      },
      a);
}

// The run file's contents, call by call, as Python data (docs/python.md, "Results"):
//   {"attrs": {object_path: {name: value}},
//    "series": {group: {"hour": (kind, bytes), "dim": str, "entities": [str],
//                       "data": {name: (kind, bytes, units, description)},
//                       "columns": {name: (kind, payload, units, description)}}},
//    "tables": {group: {"dim": str, "keys": (kind, payload, units, description),
//                       "columns": {name: (kind, payload, units, description)}}}}
// Groups and datasets keep the file's order (dicts keep insertion order).
class MemorySink final : public output::RunSink {
 public:
  MemorySink() {
    out_["attrs"] = attrs_;
    out_["series"] = series_;
    out_["tables"] = tables_;
  }
  py::dict contents() const { return out_; }

  void set_attribute(const std::string& object_path, const std::string& name, const output::Attribute& value) override {
    const py::str key = text(object_path);
    if (!attrs_.contains(key)) attrs_[key] = py::dict();
    attrs_[key].cast<py::dict>()[text(name)] = attribute(value);
  }
  void add_series_group(const std::string& group, std::span<const int64_t> hour_epoch_s, const std::string& entity_dim,
                        std::span<const std::string> entity_names) override {
    py::dict g;
    g["hour"] = column(hour_epoch_s);
    g["dim"] = text(entity_dim);
    g["entities"] = texts(entity_names);
    g["data"] = py::dict();
    g["columns"] = py::dict();
    series_[text(group)] = g;
  }
  void write_series(const std::string& group, const std::string& name, std::span<const double> data,
                    const std::string& units, const std::string& description,
                    const output::PrecompressedSeries*) override {
    add(series_, "data", group, name, column(data), units, description);
  }
  void write_series(const std::string& group, const std::string& name, std::span<const int64_t> data,
                    const std::string& units, const std::string& description,
                    const output::PrecompressedSeries*) override {
    add(series_, "data", group, name, column(data), units, description);
  }
  void write_entity_column(const std::string& group, const std::string& name, std::span<const std::string> values,
                           const std::string& units, const std::string& description) override {
    add(series_, "columns", group, name, column(values), units, description);
  }
  void add_table(const std::string& group, const std::string& row_dim, std::span<const int64_t> keys,
                 const std::string& units, const std::string& description) override {
    table(group, row_dim, column(keys), units, description);
  }
  void add_table(const std::string& group, const std::string& row_dim, std::span<const std::string> keys,
                 const std::string& units, const std::string& description) override {
    table(group, row_dim, column(keys), units, description);
  }
  void write_column(const std::string& group, const std::string& name, std::span<const int64_t> values,
                    const std::string& units, const std::string& description) override {
    add(tables_, "columns", group, name, column(values), units, description);
  }
  void write_column(const std::string& group, const std::string& name, std::span<const double> values,
                    const std::string& units, const std::string& description) override {
    add(tables_, "columns", group, name, column(values), units, description);
  }
  void write_column(const std::string& group, const std::string& name, std::span<const std::string> values,
                    const std::string& units, const std::string& description) override {
    add(tables_, "columns", group, name, column(values), units, description);
  }

 private:
  void table(const std::string& group, const std::string& row_dim, const py::tuple& keys, const std::string& units,
             const std::string& description) {
    py::dict t;
    t["dim"] = text(row_dim);
    t["keys"] = py::make_tuple(keys[0], keys[1], text(units), text(description));
    t["columns"] = py::dict();
    tables_[text(group)] = t;
  }
  static void add(const py::dict& groups, const char* member, const std::string& group, const std::string& name,
                  const py::tuple& values, const std::string& units, const std::string& description) {
    py::dict g = groups[text(group)].cast<py::dict>();
    g[member].cast<py::dict>()[text(name)] = py::make_tuple(values[0], values[1], text(units), text(description));
  }

  py::dict out_;
  py::dict attrs_;
  py::dict series_;
  py::dict tables_;
};

// A thread that wants the GIL back while the interpreter is finalising (a daemon thread whose
// run outlived the program) would be ended by CPython with pthread_exit, which aborts the
// process when it unwinds through a destructor. Such a thread waits instead, until the process
// exits, as CPython 3.14's own threads do.
void wait_out_finalisation() {
  if (_Py_IsFinalizing() == 0) return;
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

// py::gil_scoped_release that never takes the GIL back from a finalising interpreter.
class ReleaseGil {
 public:
  ReleaseGil() : state_(PyEval_SaveThread()) {}
  ~ReleaseGil() {
    wait_out_finalisation();
    PyEval_RestoreThread(state_);
  }
  ReleaseGil(const ReleaseGil&) = delete;
  ReleaseGil& operator=(const ReleaseGil&) = delete;

 private:
  PyThreadState* state_;
};

// One simulated run: the scenario, its result and, with a baseline policy, the baseline's.
struct Result {
  ScenarioPtr scenario;
  run::RunResult result;
  std::string baseline_policy;
  std::shared_ptr<run::RunResult> baseline;
  int threads = 1;
};

ScenarioPtr reparse(const scenario::Scenario& sc, const std::vector<std::string>& more) {
  std::vector<std::string> overrides = sc.overrides;
  overrides.insert(overrides.end(), more.begin(), more.end());
  return std::make_shared<const scenario::Scenario>(
      scenario::parse_scenario(sc.source_text, sc.source_path, overrides));
}

int thread_count(int threads, const char* where = "fleetsim.run", const char* key = "threads") {
  if (threads < 0 || threads > run::kMaxThreads) {
    throw core::InputError(
        core::SourceLocation{where, 0, key},
        "must be 0 (all cores) to " + std::to_string(run::kMaxThreads) + ", got " + std::to_string(threads));
  }
  return threads == 0 ? static_cast<int>(std::max(1U, std::thread::hardware_concurrency())) : threads;
}

// fleetsim run SCENARIO [--baseline POLICY] [--threads N], without the file.
Result simulate(const ScenarioPtr& sc, int threads, const std::string& baseline_policy, const py::object& progress) {
  Result out;
  out.scenario = sc;
  out.threads = thread_count(threads);
  std::optional<scenario::Scenario> baseline_sc;
  if (!baseline_policy.empty()) {
    baseline_sc = run::baseline_scenario(*sc, baseline_policy, core::SourceLocation{"fleetsim.run", 0, "baseline"});
    out.baseline_policy = baseline_policy;
    out.baseline = std::make_shared<run::RunResult>();
  }
  run::RunOptions options;
  options.threads = out.threads;
  // Between simulated hours, on this thread, with the GIL taken only when needed (another
  // Python thread keeps running; a daemon thread's run never touches a finalising interpreter):
  // a progress callback, if any, every hour with (hour, hours); and on the main thread, where
  // Ctrl-C lands, a check for a pending KeyboardInterrupt at most every kSignalCheck.
  const py::module_ threading = py::module_::import("threading");
  const bool main_thread = threading.attr("current_thread")().is(threading.attr("main_thread")());
  const bool call_back = !progress.is_none();
  if (call_back || main_thread) {
    constexpr auto kSignalCheck = std::chrono::milliseconds(100);
    auto last_check = std::chrono::steady_clock::now();
    options.progress = [&progress, call_back, main_thread, last_check, kSignalCheck](int64_t hour,
                                                                                     int64_t hours) mutable {
      const auto now = std::chrono::steady_clock::now();
      const bool check = main_thread && now - last_check >= kSignalCheck;
      if (!call_back && !check) return;
      wait_out_finalisation();
      py::gil_scoped_acquire gil;
      if (check) {
        last_check = now;
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      }
      if (call_back) progress(hour, hours);
    };
  }
  {
    ReleaseGil release;
    out.result = run::simulate_with_baseline(*sc, baseline_sc ? &*baseline_sc : nullptr, out.baseline.get(), options);
  }
  if (call_back) progress(out.result.hours, out.result.hours);  // done: a progress bar reaches its end
  return out;
}

py::list summary_items(const std::vector<run::SummaryItem>& items) {
  py::list out;
  for (const run::SummaryItem& item : items)
    out.append(py::make_tuple(text(item.name), item.value, text(item.description)));
  return out;
}

py::list comparison_rows(const std::vector<run::ComparisonRow>& rows) {
  py::list out;
  for (const run::ComparisonRow& r : rows) {
    py::dict d;
    d["figure"] = text(r.name);
    d["policy"] = r.policy;
    d["baseline"] = r.baseline;
    d["difference"] = r.difference;
    d["relative"] = r.relative;
    d["attainable"] = r.attainable;
    d["description"] = text(r.description);
    out.append(d);
  }
  return out;
}

py::dict evaluation(const planner::Evaluation& e) {
  py::dict d;
  d["load_mwh"] = e.load_mwh;
  d["supply_mwh"] = e.supply_mwh;
  d["cfe_mwh"] = e.cfe_mwh;
  d["cfe_score"] = e.cfe_score;
  d["coverage"] = e.coverage;
  d["annual_matching"] = e.annual_matching;
  d["grid_draw_mwh"] = e.grid_draw_mwh;
  d["excess_mwh"] = e.excess_mwh;
  d["battery_discharge_mwh"] = e.battery_discharge_mwh;
  d["emissions_location_t"] = e.emissions_location_t;
  d["emissions_market_hourly_t"] = e.emissions_market_hourly_t;
  d["cost_usd"] = e.cost_usd;
  d["operational_t_per_year"] = e.operational_t_per_year;
  d["embodied_t_per_year"] = e.embodied_t_per_year;
  d["total_carbon_t"] = e.total_carbon_t;
  return d;
}

py::dict plan_row(const planner::Plan& p) {
  py::dict d;
  d["target"] = p.target;
  d["reached"] = p.reached;
  d["solar_mw"] = p.portfolio.solar_mw;
  d["wind_mw"] = p.portfolio.wind_mw;
  d["firm_mw"] = p.portfolio.firm_mw;
  d["battery_mwh"] = p.portfolio.battery_mwh;
  d["battery_mw"] = p.portfolio.battery_mw;
  for (auto item : evaluation(p.evaluation)) d[item.first] = item.second;
  d["candidates"] = p.candidates;
  return d;
}

// The effective scenario as nested dicts and lists; each scalar a (text, quoted) pair, which the
// package resolves as YAML does (fleetsim/_yaml.py, resolve).
py::object plain_object(const scenario::PlainNode& node) {
  switch (node.kind) {
    case scenario::PlainNode::Kind::kScalar:
      return py::make_tuple(text(node.scalar), node.quoted);
    case scenario::PlainNode::Kind::kList: {
      py::list out;
      for (const scenario::PlainNode& item : node.items) out.append(plain_object(item));
      return out;
    }
    case scenario::PlainNode::Kind::kMap: {
      py::dict out;
      for (size_t i = 0; i < node.items.size(); ++i) out[text(node.keys[i])] = plain_object(node.items[i]);
      return out;
    }
    default:
      return py::none();
  }
}

struct PlanOutcome {
  ScenarioPtr scenario;
  planner::PlanRequest request;
  planner::PlanResult result;
};

py::list key_reference() {
  py::list out;
  // Depth-first over the schema, each key with its documentation path ("sites[].pue").
  auto walk = [&out](auto&& self, const scenario::Section& section) -> void {
    for (const scenario::Key& key : section.keys) {
      py::dict d;
      const std::string path = section.path.empty() ? key.name : section.path + "." + key.name;
      d["path"] = text(path);
      static const char* const kinds[] = {"number",       "integer",        "string",      "timestamp",
                                          "number list",  "integer list",   "string list", "section",
                                          "section list", "named sections", "number map",  "bool"};
      d["kind"] = kinds[static_cast<int>(key.kind)];
      d["unit"] = text(key.unit);
      d["default"] = key.default_text.empty() ? py::object(py::none()) : py::object(text(key.default_text));
      d["required"] = key.required;
      d["min"] = key.min > -1e299 ? py::object(py::float_(key.min)) : py::object(py::none());
      d["max"] = key.max < 1e299 ? py::object(py::float_(key.max)) : py::object(py::none());
      d["choices"] = texts(key.choices);
      d["description"] = text(key.description);
      out.append(d);
      if (key.section != nullptr) self(self, *key.section);
    }
  };
  walk(walk, scenario::root_section());
  return out;
}

}  // namespace
}  // namespace fleetsim::python

PYBIND11_MODULE(_core, m) {
  using namespace fleetsim;
  using namespace fleetsim::python;
  m.doc() = "fleetsim's C++ core; use the fleetsim package (docs/python.md), not this module.";
  m.attr("__version__") = core::kVersion;
  m.attr("format_version") = core::kFormatVersion;

  // The exceptions (the package re-exports them). InputError carries file, line and key.
  static py::exception<core::InputError> input_error(m, "InputError", PyExc_ValueError);
  static py::exception<core::SimulationError> simulation_error(m, "SimulationError", PyExc_RuntimeError);
  static py::exception<output::H5Error> output_error(m, "OutputError", simulation_error.ptr());
  input_error.attr("__doc__") =
      "Bad input (a scenario, a CSV, an argument): file ('<text>' or '<dict>' for inline scenarios), line "
      "(1-based; 0: unknown) and key path, as the CLI's one-line message (exit code 2) says them.";
  simulation_error.attr("__doc__") = "A failure while simulating (a broken invariant) or writing (the CLI's exit 1).";
  output_error.attr("__doc__") =
      "A failed write (HDF5): disk full, file-size limit; nothing incomplete is left at the path.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const core::InputError& e) {
      py::object error = py::reinterpret_borrow<py::object>(input_error.ptr())(text(e.what()));
      error.attr("file") = text(e.where().file);
      error.attr("line") = e.where().line;
      error.attr("key") = text(e.where().key);
      error.attr("detail") = text(e.detail());
      PyErr_SetObject(input_error.ptr(), error.ptr());
    } catch (const output::H5Error& e) {
      PyErr_SetObject(output_error.ptr(), text(e.what()).ptr());
    } catch (const core::SimulationError& e) {
      PyErr_SetObject(simulation_error.ptr(), text(e.what()).ptr());
    }
  });

  py::class_<scenario::Scenario, std::shared_ptr<scenario::Scenario>>(m, "Scenario")
      .def_readonly("name", &scenario::Scenario::name)
      .def_readonly("description", &scenario::Scenario::description)
      .def_readonly("seed", &scenario::Scenario::seed)
      .def_readonly("hours", &scenario::Scenario::hours)
      .def_readonly("start_epoch_s", &scenario::Scenario::start_epoch_s)
      .def_readonly("regions", &scenario::Scenario::regions)
      .def_property_readonly("sites",
                             [](const scenario::Scenario& sc) {
                               std::vector<std::string> names;
                               for (const auto& s : sc.sites) names.push_back(s.name);
                               return names;
                             })
      .def_property_readonly("policy", [](const scenario::Scenario& sc) { return sc.scheduler.policy.name(); })
      .def_readonly("warnings", &scenario::Scenario::warnings)
      .def_readonly("source_path", &scenario::Scenario::source_path)
      .def_readonly("source_text", &scenario::Scenario::source_text)
      .def_readonly("overrides", &scenario::Scenario::overrides)
      .def_readonly("base_dir", &scenario::Scenario::base_dir)
      .def_readonly("effective_yaml", &scenario::Scenario::effective_yaml)
      .def("plain", [](const scenario::Scenario& sc) { return plain_object(scenario::plain_tree(sc)); });

  m.def(
      "load",
      [](const std::string& path, const std::vector<std::string>& overrides) {
        return std::shared_ptr<scenario::Scenario>(
            std::make_shared<scenario::Scenario>(scenario::load_scenario(path, overrides)));
      },
      py::arg("path"), py::arg("overrides"));
  m.def(
      "parse",
      [](const std::string& text, const std::string& source_name, const std::vector<std::string>& overrides) {
        return std::make_shared<scenario::Scenario>(scenario::parse_scenario(text, source_name, overrides));
      },
      py::arg("text"), py::arg("source_name"), py::arg("overrides"));
  m.def(
      "with_overrides",
      [](const std::shared_ptr<scenario::Scenario>& sc, const std::vector<std::string>& more) {
        return std::const_pointer_cast<scenario::Scenario>(reparse(*sc, more));
      },
      py::arg("scenario").none(false), py::arg("overrides"));

  py::class_<Result, std::shared_ptr<Result>>(m, "Result")
      .def_property_readonly("summary", [](const Result& r) { return summary_items(r.result.summary); })
      .def_property_readonly("baseline_summary",
                             [](const Result& r) -> py::object {
                               if (!r.baseline) return py::none();
                               return summary_items(r.baseline->summary);
                             })
      .def_readonly("baseline_policy", &Result::baseline_policy)
      .def_property_readonly("wall_time_s", [](const Result& r) { return r.result.wall_time_s; })
      .def_readonly("threads", &Result::threads)
      .def("contents",
           [](const Result& r) {
             MemorySink sink;
             const run::Baseline stored{r.baseline_policy, r.baseline.get()};
             run::emit_run(*r.scenario, r.result, r.baseline ? &stored : nullptr, sink);
             return sink.contents();
           })
      .def(
          "to_hdf5",
          [](const Result& r, const std::string& path) {
            run::check_run_output(path, *r.scenario);
            const run::Baseline stored{r.baseline_policy, r.baseline.get()};
            ReleaseGil release;
            run::write_run_file(*r.scenario, r.result, path, r.baseline ? &stored : nullptr);
          },
          py::arg("path"))
      .def("comparison", [](const Result& r) -> py::object {
        if (!r.baseline) return py::none();
        return comparison_rows(run::compare(r.result, *r.baseline));
      });

  m.def(
      "simulate",
      [](const std::shared_ptr<scenario::Scenario>& sc, int threads, const std::string& baseline,
         const py::object& progress) { return std::make_shared<Result>(simulate(sc, threads, baseline, progress)); },
      py::arg("scenario").none(false), py::arg("threads"), py::arg("baseline"), py::arg("progress") = py::none());
  m.def(
      "compare",
      [](const Result& policy, const Result& baseline) {
        return comparison_rows(run::compare(policy.result, baseline.result));
      },
      py::arg("policy").none(false), py::arg("baseline").none(false));
  m.def(
      "compare_summaries",
      [](const std::vector<std::pair<std::string, double>>& policy,
         const std::vector<std::pair<std::string, double>>& baseline) {
        auto items = [](const std::vector<std::pair<std::string, double>>& v) {
          std::vector<run::SummaryItem> out;
          for (const auto& [name, value] : v) out.push_back(run::SummaryItem{name, value, ""});
          return out;
        };
        return comparison_rows(run::compare(items(policy), items(baseline)));
      },
      py::arg("policy"), py::arg("baseline"));

  py::class_<PlanOutcome, std::shared_ptr<PlanOutcome>>(m, "PlanResult")
      .def_property_readonly("regions",
                             [](const PlanOutcome& p) {
                               py::list out;
                               for (const planner::RegionPlan& r : p.result.regions) {
                                 py::dict d;
                                 d["region"] = text(r.region);
                                 d["peak_load_mw"] = r.peak_load_mw;
                                 d["mean_load_mw"] = r.mean_load_mw;
                                 d["grid_alone"] = evaluation(r.baseline);
                                 d["plan"] = plan_row(r.plan);
                                 py::list frontier;
                                 for (const planner::Plan& f : r.frontier) frontier.append(plan_row(f));
                                 d["frontier"] = frontier;
                                 if (p.result.objective != planner::Objective::kCost) {
                                   d["least_cost"] = plan_row(r.least_cost);
                                   py::list by_objective;
                                   for (const planner::Plan& f : r.objective_frontier) by_objective.append(plan_row(f));
                                   d["objective_frontier"] = by_objective;
                                 }
                                 d["solar_profile"] = text(r.solar_profile);
                                 d["wind_profile"] = text(r.wind_profile);
                                 out.append(d);
                               }
                               return out;
                             })
      .def_property_readonly("objective",
                             [](const PlanOutcome& p) { return std::string(planner::to_string(p.result.objective)); })
      .def_property_readonly("horizon_years", [](const PlanOutcome& p) { return p.result.horizon_years; })
      .def_property_readonly("load_source", [](const PlanOutcome& p) { return p.result.load_source; })
      .def_property_readonly("simulations", [](const PlanOutcome& p) { return p.result.simulations; })
      .def_property_readonly("converged", [](const PlanOutcome& p) { return p.result.converged; })
      .def_property_readonly("wall_time_s", [](const PlanOutcome& p) { return p.result.wall_time_s; })
      .def(
          "to_hdf5",
          [](const PlanOutcome& p, const std::string& path) {
            std::vector<std::pair<std::string, std::string>> inputs;
            if (!p.request.load_csv.empty()) inputs.emplace_back(p.request.load_csv, "load_csv");
            run::check_run_output(path, *p.scenario, inputs);
            ReleaseGil release;
            planner::write_plan_file(*p.scenario, p.request, p.result, path);
          },
          py::arg("path"));

  m.def(
      "plan",
      [](const std::shared_ptr<scenario::Scenario>& sc, double target, const std::vector<std::string>& regions,
         const std::vector<double>& frontier, bool study, const std::string& load_csv, const std::string& load_column,
         bool target_given) {
        auto out = std::make_shared<PlanOutcome>();
        out->scenario = sc;
        out->request.target = target;
        out->request.target_given = target_given;
        out->request.regions = regions;
        out->request.frontier_targets = frontier;
        out->request.study = study;
        out->request.load_csv = load_csv;
        out->request.load_column = load_column;
        planner::check_request(out->request, "fleetsim.plan", "target", "frontier", "load_csv", "load_column");
        ReleaseGil release;
        out->result = planner::plan_scenario(*sc, out->request);
        return out;
      },
      py::arg("scenario").none(false), py::arg("target"), py::arg("regions"), py::arg("frontier"), py::arg("study"),
      py::arg("load_csv"), py::arg("load_column"), py::arg("target_given") = true);

  // The runs of a sweep file (text) over a scenario, simulated in `jobs` threads; one row per
  // run: its name, point, replicate, parameter values, status, error and summary.
  m.def(
      "sweep",
      [](const std::shared_ptr<scenario::Scenario>& sc, const std::string& sweep_text, const std::string& source_name,
         int jobs) {
        const scenario::SweepPlan plan = scenario::parse_sweep(sweep_text, source_name, sc->seed);
        // bad keys and values before any run, as `fleetsim sweep` (run::validate_sweep): each
        // parameter's values (the first and last 10; a range's ends), then the first run
        for (const scenario::SweepParameter& p : plan.parameters) {
          std::vector<std::string> values;
          if (p.is_range) {
            values = {scenario::format_value(p.from), scenario::format_value(p.to)};
          } else {
            for (size_t i = 0; i < p.values.size(); ++i) {
              if (i < 10 || i + 10 >= p.values.size()) values.push_back(p.values[i]);
            }
          }
          for (const std::string& v : values) (void)reparse(*sc, {p.path + "=" + v});
        }
        if (!plan.runs.empty()) (void)reparse(*sc, plan.runs.front().overrides);
        const int workers = std::min<int>(thread_count(jobs, "fleetsim.sweep", "jobs"),
                                          static_cast<int>(std::max<size_t>(1, plan.runs.size())));
        struct Row {
          std::string status = "ok";
          std::string error;
          std::vector<run::SummaryItem> summary;
        };
        std::vector<Row> rows(plan.runs.size());
        {
          ReleaseGil release;
          std::atomic<size_t> next{0};
          auto work = [&] {
            for (size_t i = next++; i < plan.runs.size(); i = next++) {
              try {
                const ScenarioPtr run_sc = reparse(*sc, plan.runs[i].overrides);
                rows[i].summary = run::simulate(*run_sc).summary;
              } catch (const std::exception& e) {
                rows[i].status = "failed";
                rows[i].error = core::one_line(e.what());
              }
            }
          };
          std::vector<std::thread> pool;
          try {
            pool.reserve(static_cast<size_t>(workers - 1));
            for (int t = 1; t < workers; ++t) pool.emplace_back(work);
          } catch (const std::exception&) {  // no more threads to be had: those started share the runs
          }
          work();
          for (std::thread& t : pool) t.join();
        }
        py::list parameters;
        for (const scenario::SweepParameter& p : plan.parameters) parameters.append(text(p.path));
        py::list out;
        for (size_t i = 0; i < plan.runs.size(); ++i) {
          const scenario::SweepRun& r = plan.runs[i];
          py::dict d;
          d["run"] = text(r.name);
          d["point"] = r.point;
          d["replicate"] = r.replicate;
          d["values"] = texts(r.values);
          d["status"] = rows[i].status;
          d["error"] = text(rows[i].error);
          d["summary"] = summary_items(rows[i].summary);
          out.append(d);
        }
        return py::make_tuple(text(plan.name), parameters, out);
      },
      py::arg("scenario").none(false), py::arg("sweep_text"), py::arg("source_name"), py::arg("jobs"));

  m.def("catalog", [] {
    py::list out;
    const fleet::GpuCatalog catalog = fleet::GpuCatalog::builtin();
    for (const fleet::GpuType& t : catalog.types()) {
      py::dict d;
      d["name"] = text(t.name);
      d["max_power_w"] = t.max_power_w;
      d["idle_power_w"] = t.idle_power_w;
      d["overhead_w"] = t.overhead_w;
      d["training_throughput"] = t.training_throughput;
      d["source"] = text(t.source);
      d["embodied_kg"] = t.embodied_kg;
      d["capex_usd"] = t.capex_usd;
      d["footprint_source"] = text(t.footprint_source);
      out.append(d);
    }
    return out;
  });
  m.def("keys", &key_reference);
}
