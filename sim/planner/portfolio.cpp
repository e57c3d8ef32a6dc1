#include "planner/portfolio.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace fleetsim::planner {
namespace {

constexpr double kTonnesPerMwhPerGPerKwh = 1e-3;  // MWh x g/kWh = kg; / 1000 = t
constexpr double kHoursPerYear = 8760.0;
// A target counts as reached within this absolute margin (rounding in the sums).
constexpr double kTargetSlack = 1e-12;
// Relative tolerance of the optimizer's battery bisection.
constexpr double kSearchTolerance = 1e-4;

double nan() {
  return std::numeric_limits<double>::quiet_NaN();
}

double years_of(size_t hours) {
  return static_cast<double>(hours) / kHoursPerYear;
}

double capacity_cost(const Portfolio& p, const Costs& c, double years) {
  return years * (p.solar_mw * c.solar_usd_per_mw_year + p.wind_mw * c.wind_usd_per_mw_year +
                  p.firm_mw * c.firm_usd_per_mw_year + p.battery_mwh * c.battery_usd_per_mwh_year +
                  p.battery_mw * c.battery_usd_per_mw_year);
}

double supply_at(const PlanInputs& in, const Portfolio& p, size_t h) {
  double s = p.firm_mw * in.firm_cf;
  if (p.solar_mw != 0.0) s += p.solar_mw * in.solar_cf[h];
  if (p.wind_mw != 0.0) s += p.wind_mw * in.wind_cf[h];
  return s;
}

double smallest_battery(const PlanInputs& in, std::span<const double> load, Portfolio p, const BatteryModel& battery,
                        const Costs& costs, Metric metric, double target, double max_mwh, double power_mw,
                        double tolerance, int64_t* evaluations) {
  auto reach = [&](double e) {
    p.battery_mwh = e;
    p.battery_mw = power_mw > 0.0 ? power_mw : e / battery.hours;
    if (evaluations) ++*evaluations;
    return value_of(evaluate(in, load, p, battery, costs), metric) >= target - kTargetSlack;
  };
  if (reach(0.0)) return 0.0;
  // A coarse scan from small to large first: with a fixed power, coverage and CFE never fall
  // as the battery grows (docs/planning.md); when the power grows with the energy, the CFE
  // score can dip slightly, and the scan keeps the bisection near the smallest battery that
  // reaches the target. The answer always reaches it.
  double lo = 0.0;
  double hi = nan();
  for (int k = 12; k >= 0 && max_mwh > 0.0; --k) {
    const double e = max_mwh / std::pow(2.0, k);
    if (reach(e)) {
      hi = e;
      break;
    }
    lo = e;
  }
  if (std::isnan(hi)) return nan();
  while (hi - lo > tolerance * std::max(1.0, hi)) {
    const double mid = 0.5 * (lo + hi);
    (reach(mid) ? hi : lo) = mid;
  }
  return hi;
}

// The load a candidate is evaluated on: shifted within each day when flexibility is on.
struct Evaluator {
  const PlanInputs& in;
  const PlanOptions& options;
  int64_t evaluations = 0;
  std::vector<double> shifted;

  std::span<const double> load_for(const Portfolio& p) {
    if (options.flexible_share <= 0.0) return in.load_mwh;
    shifted = shift_load(in, p, options.flexible_share, options.headroom);
    return shifted;
  }
  Evaluation eval(const Portfolio& p, std::span<const double> load) {
    ++evaluations;
    return evaluate(in, load, p, options.battery, options.costs, options.carbon);
  }
  // The smallest battery for p on this load (bisection); NaN if max_mwh is not enough.
  double battery_for(const Portfolio& p, std::span<const double> load, double target, double max_mwh) {
    return smallest_battery(in, load, p, options.battery, options.costs, options.metric, target, max_mwh, 0.0,
                            kSearchTolerance, &evaluations);
  }
};

}  // namespace

double value_of(const Evaluation& e, Metric metric) {
  return metric == Metric::kCfeScore ? e.cfe_score : e.coverage;
}

const char* to_string(Objective objective) {
  switch (objective) {
    case Objective::kCarbon:
      return "carbon";
    case Objective::kCostUnderCap:
      return "cost_under_cap";
    default:
      return "cost";
  }
}

// embodied t/yr = sum over technologies of capacity x E / L (portfolio.hpp, CarbonModel)
double embodied_t_per_year(const Portfolio& p, const CarbonModel& carbon) {
  return p.solar_mw * carbon.solar_t_per_mw_year + p.wind_mw * carbon.wind_t_per_mw_year +
         p.firm_mw * carbon.firm_t_per_mw_year + p.battery_mwh * carbon.battery_t_per_mwh_year;
}

Evaluation evaluate(const PlanInputs& in, const Portfolio& p, const BatteryModel& battery, const Costs& costs,
                    const CarbonModel& carbon) {
  return evaluate(in, in.load_mwh, p, battery, costs, carbon);
}

Evaluation evaluate(const PlanInputs& in, std::span<const double> load_mwh, const Portfolio& p,
                    const BatteryModel& battery, const Costs& costs, const CarbonModel& carbon) {
  const size_t hours = load_mwh.size();
  const double eta = battery.round_trip_efficiency;
  const double energy = p.battery_mwh;
  const double power = p.battery_mw;
  double soc = battery.initial_soc * energy;
  if (battery.cyclic && energy > 0.0) {
    // the battery's state alone, over the horizon, from empty until its end state repeats
    auto advance = [&](double s) {
      for (size_t h = 0; h < hours; ++h) {
        const double supply = supply_at(in, p, h);
        const double used = std::min(load_mwh[h], supply);
        const double charge = std::max(0.0, std::min({supply - used, power, (energy - s) / eta}));
        const double discharge = std::max(0.0, std::min({load_mwh[h] - used, power, s}));
        s = std::clamp(s + eta * charge - discharge, 0.0, energy);
      }
      return s;
    };
    soc = 0.0;
    for (int pass = 0; pass < 8; ++pass) {
      const double end = advance(soc);
      const bool repeats = std::fabs(end - soc) <= 1e-12 * energy;
      soc = end;
      if (repeats) break;
    }
  }
  Evaluation e;
  double used_sum = 0.0;
  double location = 0.0;
  double market = 0.0;
  // The same steps as energy::RegionLedger::step, hour by hour.
  for (size_t h = 0; h < hours; ++h) {
    const double load = load_mwh[h];
    const double supply = supply_at(in, p, h);
    const double used = std::min(load, supply);
    const double surplus = supply - used;
    const double deficit = load - used;
    double charge = 0.0;
    double discharge = 0.0;
    if (energy > 0.0) {
      charge = std::max(0.0, std::min({surplus, power, (energy - soc) / eta}));
      discharge = std::max(0.0, std::min({deficit, power, soc}));
      soc = std::clamp(soc + eta * charge - discharge, 0.0, energy);
    }
    const double grid = deficit - discharge;
    const double ci = in.carbon_intensity_g_per_kwh[h];
    e.load_mwh += load;
    e.supply_mwh += supply;
    used_sum += used;
    e.battery_discharge_mwh += discharge;
    e.excess_mwh += surplus - charge;
    e.grid_draw_mwh += grid;
    e.cfe_mwh += used + discharge + in.grid_cfe_share[h] * grid;
    location += load * ci;
    market += grid * ci;
  }
  e.emissions_location_t = location * kTonnesPerMwhPerGPerKwh;
  e.emissions_market_hourly_t = market * kTonnesPerMwhPerGPerKwh;
  e.cfe_score = e.load_mwh > 0.0 ? e.cfe_mwh / e.load_mwh : nan();
  e.coverage = e.load_mwh > 0.0 ? (used_sum + e.battery_discharge_mwh) / e.load_mwh : nan();
  e.annual_matching = e.load_mwh > 0.0 ? std::min(1.0, e.supply_mwh / e.load_mwh) : nan();
  e.cost_usd = capacity_cost(p, costs, years_of(hours)) + e.grid_draw_mwh * costs.grid_usd_per_mwh -
               e.excess_mwh * costs.excess_usd_per_mwh;
  // total carbon t = N x (operational t/yr + embodied t/yr) (portfolio.hpp, CarbonModel)
  e.operational_t_per_year = hours > 0 ? e.emissions_market_hourly_t / years_of(hours) : 0.0;
  e.embodied_t_per_year = embodied_t_per_year(p, carbon);
  e.total_carbon_t = carbon.horizon_years * (e.operational_t_per_year + e.embodied_t_per_year);
  return e;
}

double smallest_battery_mwh(const PlanInputs& in, Portfolio p, const BatteryModel& battery, const Costs& costs,
                            Metric metric, double target, double max_mwh, double power_mw, double tolerance) {
  return smallest_battery(in, in.load_mwh, p, battery, costs, metric, target, max_mwh, power_mw, tolerance, nullptr);
}

double ideal_battery_for_full_coverage(std::span<const double> load_mwh, std::span<const double> supply_mwh,
                                       bool cyclic) {
  double best = 0.0;  // the largest window sum of x = load - supply (Kadane)
  double run = 0.0;
  double worst = 0.0;  // the smallest window sum
  double low = 0.0;
  double total = 0.0;
  for (size_t h = 0; h < load_mwh.size(); ++h) {
    const double x = load_mwh[h] - supply_mwh[h];
    run = std::max(0.0, run) + x;
    best = std::max(best, run);
    low = std::min(0.0, low) + x;
    worst = std::min(worst, low);
    total += x;
  }
  if (!cyclic) return best;
  if (total > 0.0) return nan();  // less supply than load over the horizon
  // a window that wraps around is the whole horizon less a window that does not
  return std::max(best, total - worst);
}

std::vector<double> shift_load(const PlanInputs& in, const Portfolio& p, double share, double headroom) {
  std::vector<double> load = in.load_mwh;
  if (share <= 0.0 || load.empty()) return load;
  const double cap = (1.0 + headroom) * *std::max_element(load.begin(), load.end());
  std::vector<size_t> from;
  std::vector<size_t> to;
  for (size_t day = 0; day < load.size(); day += 24) {
    const size_t end = std::min(load.size(), day + 24);
    from.clear();
    to.clear();
    double removable = 0.0;
    double absorbable = 0.0;
    for (size_t h = day; h < end; ++h) {
      const double s = supply_at(in, p, h);
      if (s < load[h]) {
        from.push_back(h);
        removable += std::min(load[h] - s, share * load[h]);
      } else if (s > load[h] && cap > load[h]) {
        to.push_back(h);
        absorbable += std::min(s - load[h], cap - load[h]);
      }
    }
    double moved = std::min(removable, absorbable);
    if (moved <= 0.0) continue;
    // out of the dirtiest grid hours first, into the largest surpluses first (ties: earlier hour)
    std::stable_sort(from.begin(), from.end(),
                     [&](size_t a, size_t b) { return in.grid_cfe_share[a] < in.grid_cfe_share[b]; });
    std::vector<double> surplus(to.size());
    for (size_t k = 0; k < to.size(); ++k) surplus[k] = supply_at(in, p, to[k]) - load[to[k]];
    std::vector<size_t> order(to.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return surplus[a] > surplus[b]; });
    double left = moved;
    for (const size_t h : from) {
      const double take = std::min({left, load[h] - supply_at(in, p, h), share * load[h]});
      load[h] -= take;
      left -= take;
      if (left <= 0.0) break;
    }
    left = moved;
    for (const size_t k : order) {
      const size_t h = to[k];
      const double put = std::min({left, surplus[k], cap - load[h]});
      load[h] += put;
      left -= put;
      if (left <= 0.0) break;
    }
  }
  return load;
}

Evaluation evaluate_planned(const PlanInputs& in, const Portfolio& p, const PlanOptions& options) {
  const Evaluation plain = evaluate(in, p, options.battery, options.costs, options.carbon);
  if (options.flexible_share <= 0.0) return plain;
  const std::vector<double> moved = shift_load(in, p, options.flexible_share, options.headroom);
  const Evaluation shifted = evaluate(in, moved, p, options.battery, options.costs, options.carbon);
  return value_of(shifted, options.metric) >= value_of(plain, options.metric) ? shifted : plain;
}

Evaluation baseline(const PlanInputs& in, const PlanOptions& options) {
  return evaluate(in, Portfolio{}, options.battery, options.costs, options.carbon);
}

Plan optimize(const PlanInputs& in, double target, const PlanOptions& options) {
  Plan plan;
  plan.target = target;
  if (in.hours() == 0) return plan;
  const double peak = *std::max_element(in.load_mwh.begin(), in.load_mwh.end());
  if (!(std::accumulate(in.load_mwh.begin(), in.load_mwh.end(), 0.0) > 0.0)) return plan;  // no load: no plan
  const Bounds& b = options.bounds;
  const double max_solar = !b.solar ? 0.0 : b.max_solar_mw >= 0.0 ? b.max_solar_mw : 8.0 * peak;
  const double max_wind = !b.wind ? 0.0 : b.max_wind_mw >= 0.0 ? b.max_wind_mw : 6.0 * peak;
  const double max_firm = !b.firm ? 0.0 : b.max_firm_mw >= 0.0 ? b.max_firm_mw : 1.05 * peak / in.firm_cf;
  const double max_battery = !b.battery ? 0.0 : b.max_battery_mwh >= 0.0 ? b.max_battery_mwh : 24.0 * peak;
  const double years = years_of(in.hours());
  const bool by_carbon = options.objective == Objective::kCarbon;
  const bool capped = options.objective == Objective::kCostUnderCap;
  // What the search minimises: cost, or total carbon over the horizon.
  auto score_of = [&](const Evaluation& e) { return by_carbon ? e.total_carbon_t : e.cost_usd; };
  // A lower bound of it from the capacities alone (no battery), to prune with: capacity cost
  // when excess earns nothing; the horizon's embodied carbon (operational emissions are never
  // negative).
  auto lower_bound = [&](const Portfolio& q) {
    return by_carbon ? options.carbon.horizon_years * embodied_t_per_year(q, options.carbon)
                     : capacity_cost(q, options.costs, years);
  };
  const bool prune = by_carbon || options.costs.excess_usd_per_mwh <= 0.0;
  Evaluator ev{in, options, 0, {}};
  double best_score = std::numeric_limits<double>::infinity();
  // The best few points of the coarse grid (the successive best ones, as pruning skips the
  // rest), each refined: the cost (carbon) surface is not convex.
  struct Seed {
    double score;
    Portfolio p;
  };
  std::vector<Seed> seeds;
  constexpr size_t kSeeds = 3;
  bool coarse = true;
  auto reaches = [&](const Evaluation& e) { return value_of(e, options.metric) >= target - kTargetSlack; };
  auto with_battery = [&](Portfolio q, double mwh) {
    q.battery_mwh = mwh;
    q.battery_mw = mwh / options.battery.hours;
    return q;
  };
  auto eval_planned = [&](const Portfolio& q) {
    ev.evaluations += options.flexible_share > 0.0 ? 2 : 1;
    return evaluate_planned(in, q, options);
  };
  // Carbon objectives: q's least-carbon battery from its own (the smallest for the target) up
  // to the bound, among those that reach the target. A scan of from + (max - from) / 2^k,
  // k = 12..0, then golden section between the best scanned point's neighbours to the
  // search's battery tolerance: exact when total carbon is unimodal in the battery size
  // (operational emissions fall with diminishing returns, embodied carbon grows linearly).
  auto least_carbon_battery = [&](Portfolio& q, Evaluation& e) {
    const double from = q.battery_mwh;
    const double span = max_battery - from;
    if (!(span > 0.0)) return;
    const double inf = std::numeric_limits<double>::infinity();
    double best_mwh = from;
    Evaluation best = e;
    auto carbon_at = [&](double mwh) {
      const Evaluation x = eval_planned(with_battery(q, mwh));
      if (!reaches(x)) return inf;
      if (x.total_carbon_t < best.total_carbon_t) {
        best_mwh = mwh;
        best = x;
      }
      return x.total_carbon_t;
    };
    std::vector<double> at{from};
    std::vector<double> carbon{e.total_carbon_t};
    size_t low = 0;
    for (int k = 12; k >= 0; --k) {
      at.push_back(from + span / std::pow(2.0, k));
      carbon.push_back(carbon_at(at.back()));
      if (carbon.back() < carbon[low]) low = carbon.size() - 1;
    }
    constexpr double kInversePhi = 0.6180339887498949;  // (sqrt(5) - 1) / 2
    double a = at[low > 0 ? low - 1 : 0];
    double c = at[std::min(low + 1, at.size() - 1)];
    double x1 = c - kInversePhi * (c - a);
    double x2 = a + kInversePhi * (c - a);
    double f1 = carbon_at(x1);
    double f2 = carbon_at(x2);
    while (c - a > kSearchTolerance * std::max(1.0, c)) {
      if (f1 <= f2) {
        c = x2;
        x2 = x1;
        f2 = f1;
        x1 = c - kInversePhi * (c - a);
        f1 = carbon_at(x1);
      } else {
        a = x1;
        x1 = x2;
        f1 = f2;
        x2 = a + kInversePhi * (c - a);
        f2 = carbon_at(x2);
      }
    }
    if (best_mwh != from) {
      q = with_battery(q, best_mwh);
      e = best;
    }
  };
  // kCostUnderCap: q's smallest battery from its own whose total carbon is within the cap: if
  // its own is over, the least-carbon battery above (none if that too is over), then bisection
  // between the two (carbon falls on that interval when it is unimodal in the battery size).
  auto battery_under_cap = [&](Portfolio& q, Evaluation& e) {
    if (e.total_carbon_t <= options.carbon_cap_t) return true;
    double lo = q.battery_mwh;
    least_carbon_battery(q, e);
    if (!(e.total_carbon_t <= options.carbon_cap_t)) return false;
    double hi = q.battery_mwh;
    while (hi - lo > kSearchTolerance * std::max(1.0, hi)) {
      const double mid = 0.5 * (lo + hi);
      const Evaluation x = eval_planned(with_battery(q, mid));
      if (reaches(x) && x.total_carbon_t <= options.carbon_cap_t) {
        hi = mid;
        e = x;
      } else {
        lo = mid;
      }
    }
    q = with_battery(q, hi);
    return true;
  };
  auto consider = [&](double s, double w, double f) {
    Portfolio q{std::clamp(s, 0.0, max_solar), std::clamp(w, 0.0, max_wind), std::clamp(f, 0.0, max_firm), 0.0, 0.0};
    if (prune && lower_bound(q) >= best_score) return;
    std::span<const double> load = ev.load_for(q);
    Evaluation e = ev.eval(q, load);
    if (!reaches(e) && options.flexible_share > 0.0) {  // shifting may not help this portfolio
      const Evaluation plain = ev.eval(q, in.load_mwh);
      if (value_of(plain, options.metric) > value_of(e, options.metric)) {
        e = plain;
        load = in.load_mwh;
      }
    }
    if (!reaches(e)) {
      const double battery = ev.battery_for(q, load, target, max_battery);
      if (std::isnan(battery)) return;
      q.battery_mwh = battery;
      q.battery_mw = battery / options.battery.hours;
      ev.evaluations += options.flexible_share > 0.0 ? 2 : 1;
      e = evaluate_planned(in, q, options);
      if (!reaches(e)) return;
    }
    if (by_carbon) least_carbon_battery(q, e);
    if (capped && !battery_under_cap(q, e)) return;
    const double score = score_of(e);
    if (score < best_score) {
      best_score = score;
      plan.reached = true;
      plan.portfolio = q;
      plan.evaluation = e;
    }
    if (coarse) seeds.push_back(Seed{score, q});
  };
  auto axis = [](double max, int n) {
    std::vector<double> v;
    for (int i = 0; i < n; ++i) v.push_back(n == 1 ? 0.0 : max * i / (n - 1));
    if (max <= 0.0) v.assign(1, 0.0);
    return v;
  };
  const std::vector<double> solar = axis(max_solar, 9);
  const std::vector<double> wind = axis(max_wind, 9);
  const std::vector<double> firm = axis(max_firm, 9);
  for (double f : firm) {
    for (double w : wind) {
      for (double s : solar) consider(s, w, f);
    }
  }
  coarse = false;
  std::sort(seeds.begin(), seeds.end(), [](const Seed& x, const Seed& y) { return x.score < y.score; });
  std::vector<Portfolio> starts;
  for (const Seed& seed : seeds) {
    if (starts.size() == kSeeds) break;
    starts.push_back(seed.p);
  }
  const double ds0 = solar.size() > 1 ? solar[1] : 0.0;
  const double dw0 = wind.size() > 1 ? wind[1] : 0.0;
  const double df0 = firm.size() > 1 ? firm[1] : 0.0;
  double ds = ds0;
  double dw = dw0;
  double df = df0;
  for (const Portfolio& start : starts) {
    Portfolio c = start;
    ds = ds0;
    dw = dw0;
    df = df0;
    for (int round = 0; round < 6; ++round) {
      ds /= 2;
      dw /= 2;
      df /= 2;
      const double before = best_score;
      const Portfolio centre = c;
      for (int i = -1; i <= 1; ++i) {
        for (int j = -1; j <= 1; ++j) {
          for (int k = -1; k <= 1; ++k) {
            if (i == 0 && j == 0 && k == 0) continue;
            if ((ds == 0 && i != 0) || (dw == 0 && j != 0) || (df == 0 && k != 0)) continue;
            consider(centre.solar_mw + i * ds, centre.wind_mw + j * dw, centre.firm_mw + k * df);
          }
        }
      }
      // follow the best point of this start's neighbourhood
      if (best_score < before) c = plan.portfolio;
    }
  }
  // Polish: move by one final step in any dimension while that is better, so no neighbour
  // at the search's resolution is a better way to the target.
  for (int moves = 0; moves < 200 && plan.reached; ++moves) {
    const double before = best_score;
    const Portfolio c = plan.portfolio;
    for (int d = 0; d < 3; ++d) {
      for (int sign : {-1, 1}) {
        const double step = d == 0 ? ds : d == 1 ? dw : df;
        if (step == 0.0) continue;
        consider(c.solar_mw + (d == 0 ? sign * step : 0.0), c.wind_mw + (d == 1 ? sign * step : 0.0),
                 c.firm_mw + (d == 2 ? sign * step : 0.0));
      }
    }
    if (!(best_score < before)) break;
  }
  plan.resolution = Portfolio{ds, dw, df, kSearchTolerance * std::max(1.0, plan.portfolio.battery_mwh), 0.0};
  plan.max_battery_mwh = max_battery;
  plan.candidates = ev.evaluations;
  return plan;
}

std::vector<Plan> frontier(const PlanInputs& in, std::span<const double> targets, const PlanOptions& options,
                           const std::function<void()>& target_done) {
  // Each target's search is independent and deterministic: run them on the cores, each
  // result in its own slot, so the answer does not depend on the thread count.
  std::vector<Plan> plans(targets.size());
  const auto n = static_cast<int64_t>(targets.size());
#pragma omp parallel for schedule(dynamic)
  for (int64_t k = 0; k < n; ++k) {
    plans[static_cast<size_t>(k)] = optimize(in, targets[static_cast<size_t>(k)], options);
    if (target_done) {
#pragma omp critical(fleetsim_frontier_progress)
      target_done();
    }
  }
  return plans;
}

std::vector<std::vector<double>> coverage_grid(const PlanInputs& in, std::span<const double> wind_mw,
                                               std::span<const double> solar_mw, Metric metric) {
  // No battery: each hour stands alone, so only the supply used (and, for the CFE score, the
  // grid's carbon-free share of the rest) is summed, in one pass per point.
  std::vector<std::vector<double>> grid(wind_mw.size(), std::vector<double>(solar_mw.size(), 0.0));
  const size_t hours = in.hours();
  const double* load = in.load_mwh.data();
  const double* scf = in.solar_cf.data();
  const double* wcf = in.wind_cf.data();
  const double* share = in.grid_cfe_share.data();
  double total = 0.0;
  for (size_t h = 0; h < hours; ++h) total += load[h];
  for (size_t i = 0; i < wind_mw.size(); ++i) {
    for (size_t j = 0; j < solar_mw.size(); ++j) {
      const double w = wind_mw[i];
      const double s = solar_mw[j];
      double cfe = 0.0;
      if (metric == Metric::kCoverage) {
        for (size_t h = 0; h < hours; ++h) cfe += std::min(load[h], s * scf[h] + w * wcf[h]);
      } else {
        for (size_t h = 0; h < hours; ++h) {
          const double used = std::min(load[h], s * scf[h] + w * wcf[h]);
          cfe += used + share[h] * (load[h] - used);
        }
      }
      grid[i][j] = total > 0.0 ? cfe / total : nan();
    }
  }
  return grid;
}

}  // namespace fleetsim::planner
