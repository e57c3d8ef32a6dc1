// The clairvoyant bound (policy/clairvoyant.hpp) on hand-computed cases.
#include <catch2/catch.hpp>

#include <vector>

#include "policy/clairvoyant.hpp"

using namespace fleetsim;

namespace {

constexpr core::Seconds kHour = 3600;

// One job of `gpus` GPUs on one 1 MW option of region 0, run time 1.5 h, window [0, 4 h).
policy::BoundJob job(workload::Flexibility flexibility, int64_t gpus = 8) {
  policy::BoundJob j;
  j.submit_s = 0;
  j.end_by_s = 4 * kHour;
  j.flexibility = flexibility;
  j.gpus = gpus;
  j.options.push_back(policy::BoundOption{0, 0, 3 * kHour / 2, 1.0});
  return j;
}

// CI by hour: 100, 500, 50, 300 g/kWh; four pauses allowed.
const std::vector<double> kIntensity{100, 500, 50, 300};
policy::BoundInput four_hours() {
  policy::BoundInput in;
  in.hours = 4;
  in.carbon_intensity_g_per_kwh.emplace_back(kIntensity);
  in.max_pauses = 4;
  return in;
}

}  // namespace

TEST_CASE("each job's least emissions: at submission, best start, cleanest pieces", "[policy][clairvoyant]") {
  // CI by hour: 100, 500, 50, 300 g/kWh. 1 MW for 1.5 h; MW x h x g/kWh = kg.
  policy::BoundInput in = four_hours();
  in.jobs = {job(workload::Flexibility::kNone), job(workload::Flexibility::kDeferrable),
             job(workload::Flexibility::kInterruptible)};
  const policy::BoundResult r = policy::clairvoyant_bound(in);
  // none: [0, 1.5 h) = 100 + 0.5 x 500 = 350 kg.
  CHECK(r.job_t[0] == Approx(0.350));
  // deferrable: the starts at breaks 0, 0.5, 1, 1.5, 2, 2.5 h cost 350, 550, 525, 300, 200, 325: 2 h.
  CHECK(r.job_t[1] == Approx(0.200));
  // interruptible: hour 2 (50) whole and half of hour 0 (100): 50 + 50 = 100 kg.
  CHECK(r.job_t[2] == Approx(0.100));
  CHECK(r.job_emissions_t == Approx(0.650));
  CHECK(r.exact);  // no capacity given, the one pause costs no checkpoint time
}

TEST_CASE("the bound is exact only when the per-job optima fit the GPUs and need no costly pause",
          "[policy][clairvoyant]") {
  policy::BoundInput in = four_hours();
  // two deferrable jobs of 8 GPUs, both best in [2 h, 3.5 h)
  in.jobs = {job(workload::Flexibility::kDeferrable), job(workload::Flexibility::kDeferrable)};
  in.cluster_gpus = {{{0, 16}}};
  CHECK(policy::clairvoyant_bound(in).exact);
  in.cluster_gpus = {{{0, 12}}};  // 16 GPUs wanted in hours 2 and 3
  const policy::BoundResult tight = policy::clairvoyant_bound(in);
  CHECK_FALSE(tight.exact);
  CHECK(tight.over_capacity_hours == 2);
  CHECK(tight.job_emissions_t == Approx(0.400));  // still each job's own minimum: a lower bound
  // an interruptible optimum in two pieces needs a pause: exact only if it costs nothing
  in.cluster_gpus.clear();
  in.jobs = {job(workload::Flexibility::kInterruptible)};
  in.jobs[0].checkpoint_s = 360;
  const policy::BoundResult pausing = policy::clairvoyant_bound(in);
  CHECK(pausing.pausing_jobs == 1);
  CHECK_FALSE(pausing.exact);
  in.jobs[0].checkpoint_s = 0;
  in.max_pauses = 0;  // no pause allowed
  CHECK_FALSE(policy::clairvoyant_bound(in).exact);
}

TEST_CASE("the bound takes the cheapest option and counts nothing past the horizon", "[policy][clairvoyant]") {
  const std::vector<double> dirty{400, 400, 400, 400};
  const std::vector<double> clean{100, 100, 100, 100};
  policy::BoundInput in;
  in.hours = 4;
  in.carbon_intensity_g_per_kwh = {dirty, clean};
  policy::BoundJob j = job(workload::Flexibility::kNone);
  j.options.push_back(policy::BoundOption{1, 1, 3 * kHour / 2, 2.0});  // twice the power, in the clean region
  in.jobs = {j};
  CHECK(policy::clairvoyant_bound(in).job_t[0] == Approx(2.0 * 1.5 * 100 / 1000));  // 0.3 t < 0.6 t dirty
  // a deferrable job whose window runs past the 4-hour horizon may start at 3.5 h: half an hour counts
  policy::BoundJob late = job(workload::Flexibility::kDeferrable);
  late.end_by_s = 6 * kHour;
  in.jobs = {late};
  in.carbon_intensity_g_per_kwh = {dirty};
  CHECK(policy::clairvoyant_bound(in).job_t[0] == Approx(0.0));  // starts at 4 h: all past the horizon
}

TEST_CASE("with capacity binding, the min-cost flow raises the bound to what the GPUs can hold",
          "[policy][clairvoyant]") {
  // Two interruptible jobs of 8 GPUs, 1.5 h each (12 GPU-hours of work each), one pool of 8
  // GPUs: each alone would take hour 2 (50) and half of hour 0 (100): 0.1 t, 0.2 t together.
  // The pool holds 8 GPU-hours an hour, so the 24 GPU-hours fill hours 2, 0 and 3 (50, 100,
  // 300 g/kWh) at 1 MWh per 8 GPU-hours: 50 + 100 + 300 kg = 0.45 t.
  policy::BoundInput in = four_hours();
  in.jobs = {job(workload::Flexibility::kInterruptible), job(workload::Flexibility::kInterruptible)};
  in.cluster_gpus = {{{0, 8}}};
  const policy::BoundResult r = policy::clairvoyant_bound(in);
  CHECK_FALSE(r.exact);
  CHECK(r.per_job_t == Approx(0.2));
  CHECK(r.capacity_t == Approx(0.45).epsilon(1e-6));
  CHECK(r.job_emissions_t == Approx(0.45).epsilon(1e-6));
  CHECK(r.job_t[0] == Approx(0.1));  // per job: still its own minimum
  // too large for the flow (a budget of 1 arc): the per-job sum stands
  in.max_flow_arcs = 1;
  const policy::BoundResult small = policy::clairvoyant_bound(in);
  CHECK(small.capacity_t == -1.0);
  CHECK(small.job_emissions_t == Approx(0.2));
}
