#include "policy/clairvoyant.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>

#include <lemon/list_graph.h>
#include <lemon/network_simplex.h>

namespace fleetsim::policy {
namespace {

constexpr double kSecondsPerHourD = static_cast<double>(core::kSecondsPerHour);
// MW x s x g/kWh = kg x 3600 / 1000... : MW x s = MWh / 3600; MWh x g/kWh = kg; kg / 1000 = t.
constexpr double kTonnesPerMwSecondGramPerKwh = 1.0 / 3.6e6;

// Integrals of one region's hourly carbon intensity over time, g/kWh x s.
class Intensity {
 public:
  explicit Intensity(std::span<const double> ci) : ci_(ci), prefix_(ci.size() + 1, 0.0) {
    for (size_t h = 0; h < ci.size(); ++h) prefix_[h + 1] = prefix_[h] + ci[h] * kSecondsPerHourD;
  }
  // CI of hour h; 0 past the horizon (nothing is booked there).
  double at(int64_t h) const {
    return h >= 0 && h < static_cast<int64_t>(ci_.size()) ? ci_[static_cast<size_t>(h)] : 0.0;
  }
  // integral over [0, t)
  double upto(core::Seconds t) const {
    if (t <= 0) return 0.0;
    const int64_t h = core::hour_of(t);
    if (h >= static_cast<int64_t>(ci_.size())) return prefix_.back();
    return prefix_[static_cast<size_t>(h)] + static_cast<double>(t - core::hour_start(h)) * ci_[static_cast<size_t>(h)];
  }
  double over(core::Seconds from, core::Seconds to) const { return upto(to) - upto(from); }
  // The lowest hourly CI over the hours [from, to) touches (0 past the horizon): a sparse table.
  double lowest(core::Seconds from, core::Seconds to) const {
    const int64_t a = std::max<int64_t>(0, core::hour_of(from));
    const int64_t b = core::hour_of(to - 1);  // inclusive
    const auto n = static_cast<int64_t>(ci_.size());
    if (b >= n) return 0.0;
    if (a > b) return at(a);
    const auto level = static_cast<size_t>(std::bit_width(static_cast<uint64_t>(b - a + 1)) - 1);
    const std::vector<double>& row = min_[level];
    return std::min(row[static_cast<size_t>(a)], row[static_cast<size_t>(b - (int64_t{1} << level) + 1)]);
  }
  void build_minima() {
    min_.assign(1, std::vector<double>(ci_.begin(), ci_.end()));
    for (size_t k = 1; (size_t{1} << k) <= ci_.size(); ++k) {
      const std::vector<double>& prev = min_[k - 1];
      std::vector<double> row(ci_.size() - (size_t{1} << k) + 1);
      for (size_t i = 0; i < row.size(); ++i) row[i] = std::min(prev[i], prev[i + (size_t{1} << (k - 1))]);
      min_.push_back(std::move(row));
    }
  }

 private:
  std::span<const double> ci_;
  std::vector<double> prefix_;
  std::vector<std::vector<double>> min_;  // min_[k][i]: the lowest of hours [i, i + 2^k)
};

struct Piece {
  double ci;
  core::Seconds from;
  core::Seconds to;
};

// A job's least emissions on one option, and the time it runs then.
struct OptionOptimum {
  double t = std::numeric_limits<double>::infinity();
  std::vector<std::pair<core::Seconds, core::Seconds>> runs;  // in time order, merged
};

OptionOptimum optimum(const BoundJob& job, const BoundOption& option, const Intensity& ci, std::vector<Piece>& pieces) {
  OptionOptimum out;
  const core::Seconds run = option.run_s;
  const core::Seconds from = job.submit_s;
  const core::Seconds end_by = std::max(job.end_by_s, from + run);
  const double scale = option.facility_mw * kTonnesPerMwSecondGramPerKwh;
  switch (job.flexibility) {
    case workload::Flexibility::kNone:
      out.t = scale * ci.over(from, from + run);
      out.runs.emplace_back(from, from + run);
      return out;
    case workload::Flexibility::kDeferrable: {
      // f(s) is linear between the breaks: s on an hour boundary or s + run on one
      const core::Seconds last = end_by - run;
      core::Seconds best_s = from;
      double best = ci.over(from, from + run);
      auto consider = [&](core::Seconds s) {
        if (s < from || s > last) return;
        const double f = ci.over(s, s + run);
        if (f < best) {
          best = f;
          best_s = s;
        }
      };
      consider(last);
      for (int64_t h = core::hour_of(from) + 1; core::hour_start(h) <= last; ++h) consider(core::hour_start(h));
      for (int64_t h = core::hour_of(from + run) + 1; core::hour_start(h) - run <= last; ++h) {
        consider(core::hour_start(h) - run);
      }
      out.t = scale * best;
      out.runs.emplace_back(best_s, best_s + run);
      return out;
    }
    case workload::Flexibility::kInterruptible: {
      pieces.clear();
      for (core::Seconds t = from; t < end_by;) {
        const int64_t h = core::hour_of(t);
        const core::Seconds next = std::min(end_by, core::hour_start(h + 1));
        pieces.push_back(Piece{ci.at(h), t, next});
        t = next;
      }
      std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.ci < b.ci; });
      core::Seconds left = run;
      double integral = 0.0;
      for (const Piece& p : pieces) {
        if (left <= 0) break;
        const core::Seconds take = std::min(left, p.to - p.from);
        integral += p.ci * static_cast<double>(take);
        out.runs.emplace_back(p.from, p.from + take);
        left -= take;
      }
      std::sort(out.runs.begin(), out.runs.end());
      size_t k = 0;  // merge adjacent pieces
      for (size_t i = 1; i < out.runs.size(); ++i) {
        if (out.runs[i].first == out.runs[k].second) {
          out.runs[k].second = out.runs[i].second;
        } else {
          out.runs[++k] = out.runs[i];
        }
      }
      if (!out.runs.empty()) out.runs.resize(k + 1);
      out.t = scale * integral;
      return out;
    }
  }
  return out;
}

// A pool's GPUs in `hour` from its (from hour, GPUs) steps.
int64_t gpus_at(const std::vector<std::pair<int64_t, int64_t>>& steps, int64_t hour) {
  const auto it = std::upper_bound(steps.begin(), steps.end(), std::pair<int64_t, int64_t>{hour, INT64_MAX});
  return it == steps.begin() ? int64_t{0} : std::prev(it)->second;
}

// The capacity bound (clairvoyant.hpp): a min-cost flow over jobs x (pool, hour). -1 when it is
// too large (input.max_flow_arcs) or infeasible (the pools cannot hold the work in the windows).
double capacity_bound(const BoundInput& input, const std::vector<Intensity>& intensity) {
  const int64_t hours = input.hours;
  const size_t pools = input.cluster_gpus.size();
  if (pools == 0 || hours <= 0) return -1.0;
  // a job's window on an option: [submit, end) (a non-flexible job: its run as submitted)
  auto window_end = [](const BoundJob& j, const BoundOption& o) {
    return j.flexibility == workload::Flexibility::kNone ? j.submit_s + o.run_s
                                                         : std::max(j.end_by_s, j.submit_s + o.run_s);
  };
  int64_t arcs = 0;
  double max_cost = 0.0;
  double total_work = 0.0;
  for (const BoundJob& j : input.jobs) {
    if (j.options.empty() || j.gpus <= 0) continue;
    total_work +=
        static_cast<double>(j.gpus) * static_cast<double>(j.options.front().run_s) * j.options.front().throughput;
    for (const BoundOption& o : j.options) {
      if (o.cluster_key >= pools) return -1.0;  // an option without a pool: no capacity to model
      const int64_t first = core::hour_of(j.submit_s);
      const int64_t last = std::min(core::hour_of(window_end(j, o) - 1), hours - 1);
      arcs += std::max<int64_t>(0, last - first + 1) + 1;
      double top = 0.0;
      for (int64_t t = first; t <= last; ++t) top = std::max(top, intensity[o.region].at(t));
      max_cost = std::max(max_cost, o.facility_mw / (static_cast<double>(j.gpus) * o.throughput) * top);
    }
    if (arcs > input.max_flow_arcs) return -1.0;
  }
  if (total_work <= 0.0 || max_cost <= 0.0) return -1.0;
  // integer costs: the dearest unit of work at most 1e6, and the total below int64's range
  const double scale = std::min(1e6 / max_cost, 4e18 / (max_cost * total_work));
  using Graph = lemon::ListDigraph;
  Graph g;
  Graph::ArcMap<int64_t> upper(g);
  Graph::ArcMap<int64_t> cost(g);
  Graph::NodeMap<int64_t> supply(g, 0);
  const Graph::Node sink = g.addNode();
  std::vector<std::vector<Graph::Node>> slot(pools);  // (pool, hour) nodes, made on first use
  std::vector<Graph::Node> beyond(pools, lemon::INVALID);
  auto capacity = [&](size_t k, int64_t hour) { return gpus_at(input.cluster_gpus[k], hour); };
  std::vector<double> throughput(pools, 1.0);
  for (const BoundJob& j : input.jobs) {
    for (const BoundOption& o : j.options) throughput[o.cluster_key] = o.throughput;
  }
  auto slot_node = [&](size_t k, int64_t t) {
    if (slot[k].empty()) slot[k].assign(static_cast<size_t>(hours), lemon::INVALID);
    Graph::Node& n = slot[k][static_cast<size_t>(t)];
    if (n == lemon::INVALID) {
      n = g.addNode();
      const Graph::Arc a = g.addArc(n, sink);
      upper[a] = std::llround(static_cast<double>(capacity(k, t)) * 3600.0 * throughput[k]);
      cost[a] = 0;
    }
    return n;
  };
  int64_t total = 0;
  for (const BoundJob& j : input.jobs) {
    if (j.options.empty() || j.gpus <= 0) continue;
    const Graph::Node node = g.addNode();
    const int64_t work = std::llround(static_cast<double>(j.gpus) * static_cast<double>(j.options.front().run_s) *
                                      j.options.front().throughput);
    supply[node] = work;
    total += work;
    for (const BoundOption& o : j.options) {
      const core::Seconds end = window_end(j, o);
      const double per_unit = o.facility_mw / (static_cast<double>(j.gpus) * o.throughput);
      for (int64_t t = core::hour_of(j.submit_s); t <= core::hour_of(end - 1) && t < hours; ++t) {
        const core::Seconds seconds =
            std::min(end, core::hour_start(t + 1)) - std::max(j.submit_s, core::hour_start(t));
        if (seconds <= 0) continue;
        const Graph::Arc a = g.addArc(node, slot_node(o.cluster_key, t));
        upper[a] = std::llround(static_cast<double>(j.gpus) * static_cast<double>(seconds) * o.throughput);
        cost[a] = static_cast<int64_t>(std::floor(per_unit * intensity[o.region].at(t) * scale));
      }
      const core::Seconds past = end - std::max(j.submit_s, core::hour_start(hours));
      if (past > 0) {  // after the horizon: nothing is booked
        if (beyond[o.cluster_key] == lemon::INVALID) {
          beyond[o.cluster_key] = g.addNode();
          const Graph::Arc a = g.addArc(beyond[o.cluster_key], sink);
          upper[a] = std::numeric_limits<int64_t>::max() / 4;
          cost[a] = 0;
        }
        const Graph::Arc a = g.addArc(node, beyond[o.cluster_key]);
        upper[a] = std::llround(static_cast<double>(j.gpus) * static_cast<double>(past) * o.throughput);
        cost[a] = 0;
      }
    }
  }
  supply[sink] = -total;
  lemon::NetworkSimplex<Graph, int64_t, int64_t> solver(g);
  solver.upperMap(upper).costMap(cost).supplyMap(supply);
  if (solver.run() != lemon::NetworkSimplex<Graph, int64_t, int64_t>::OPTIMAL) return -1.0;
  // t = MW x s x g/kWh / 3.6e6; the costs were scaled by `scale` (per unit of work)
  return solver.totalCost<double>() / scale * kTonnesPerMwSecondGramPerKwh;
}

}  // namespace

BoundResult clairvoyant_bound(const BoundInput& input) {
  BoundResult result;
  std::vector<Intensity> intensity;
  intensity.reserve(input.carbon_intensity_g_per_kwh.size());
  for (const auto& ci : input.carbon_intensity_g_per_kwh) {
    intensity.emplace_back(ci);
    intensity.back().build_minima();
  }
  // capacity events per cluster: (time, +gpus at a start / -gpus at an end)
  std::vector<std::vector<std::pair<core::Seconds, int64_t>>> events(input.cluster_gpus.size());
  std::vector<Piece> pieces;
  std::vector<std::pair<double, size_t>> order;
  result.job_t.assign(input.jobs.size(), 0.0);
  for (size_t j = 0; j < input.jobs.size(); ++j) {
    const BoundJob& job = input.jobs[j];
    OptionOptimum best;
    size_t best_option = 0;
    // Options in order of a cheap lower bound (power x run time x the lowest CI of the window);
    // none whose lower bound is no better than the best so far can win.
    order.clear();
    if (job.flexibility == workload::Flexibility::kNone) {  // one evaluation per option: no ordering
      for (size_t o = 0; o < job.options.size(); ++o) order.emplace_back(0.0, o);
    }
    for (size_t o = 0; o < job.options.size() && job.flexibility != workload::Flexibility::kNone; ++o) {
      const BoundOption& opt = job.options[o];
      const core::Seconds end_by = std::max(job.end_by_s, job.submit_s + opt.run_s);
      const core::Seconds window_end =
          job.flexibility == workload::Flexibility::kNone ? job.submit_s + opt.run_s : end_by;
      const double low = opt.facility_mw * kTonnesPerMwSecondGramPerKwh * static_cast<double>(opt.run_s) *
                         intensity[opt.region].lowest(job.submit_s, window_end);
      order.emplace_back(low, o);
    }
    std::sort(order.begin(), order.end());
    for (const auto& [low, o] : order) {
      if (low >= best.t) break;
      OptionOptimum candidate = optimum(job, job.options[o], intensity[job.options[o].region], pieces);
      if (candidate.t < best.t) {
        best = std::move(candidate);
        best_option = o;
      }
    }
    if (job.options.empty()) continue;
    result.job_t[j] = best.t;
    result.job_emissions_t += best.t;
    if (job.flexibility == workload::Flexibility::kInterruptible) {
      const auto pauses = static_cast<int64_t>(best.runs.size()) - 1;
      if ((pauses > 0 && job.checkpoint_s > 0) || pauses > input.max_pauses) ++result.pausing_jobs;
    }
    const size_t key = job.options[best_option].cluster_key;
    if (key < events.size()) {
      for (const auto& [a, b] : best.runs) {
        events[key].emplace_back(a, job.gpus);
        events[key].emplace_back(b, -job.gpus);
      }
    }
  }
  // The per-job optima fit when no cluster ever runs more GPUs than it has.
  for (size_t k = 0; k < events.size(); ++k) {
    const auto& steps = input.cluster_gpus[k];
    if (steps.empty()) continue;
    auto capacity = [&steps](int64_t hour) { return gpus_at(steps, hour); };
    auto& e = events[k];
    std::sort(e.begin(), e.end());  // at equal times ends (negative) first
    int64_t in_use = 0;
    int64_t last_over_hour = -1;
    for (size_t i = 0; i < e.size(); ++i) {
      in_use += e[i].second;
      if (i + 1 < e.size() && e[i + 1].first == e[i].first) continue;  // settle all changes at one time
      if (i + 1 == e.size() || in_use <= 0) continue;
      // the usage holds until the next event: check every hour it spans
      const int64_t first = core::hour_of(e[i].first);
      const int64_t last = std::min(core::hour_of(e[i + 1].first - 1), input.hours - 1);
      for (int64_t t = std::max<int64_t>(first, 0); t <= last; ++t) {
        if (in_use > capacity(t) && t != last_over_hour) {
          ++result.over_capacity_hours;
          last_over_hour = t;
        }
      }
    }
  }
  result.exact = result.over_capacity_hours == 0 && result.pausing_jobs == 0;
  result.per_job_t = result.job_emissions_t;
  if (result.over_capacity_hours > 0) {
    result.capacity_t = capacity_bound(input, intensity);
    result.job_emissions_t = std::max(result.job_emissions_t, result.capacity_t);
  }
  return result;
}

}  // namespace fleetsim::policy
