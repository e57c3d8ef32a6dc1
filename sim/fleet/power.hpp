#pragma once
// Power model (docs/models.md, "Power").
//   GPU board power      P_gpu(u) = P_idle + (P_max - P_idle) * u,     u in [0, 1]
//   server power per GPU P_srv(u) = P_gpu(u) + P_overhead
//   facility power       P_fac    = PUE * sum over GPUs of P_srv(u_i)
// Linear interpolation between idle and full load is the standard server power model
// (Fan, Weber, Barroso, "Power provisioning for a warehouse-sized computer", ISCA 2007).

#include "fleet/gpu_catalog.hpp"

namespace fleetsim::fleet {

inline double gpu_power_w(const GpuType& type, double utilization) {
  return type.idle_power_w + (type.max_power_w - type.idle_power_w) * utilization;
}

inline double server_power_per_gpu_w(const GpuType& type, double utilization) {
  return gpu_power_w(type, utilization) + type.overhead_w;
}

// Power a busy GPU adds above an idle, powered-on one.
inline double dynamic_power_per_gpu_w(const GpuType& type, double utilization) {
  return (type.max_power_w - type.idle_power_w) * utilization;
}

}  // namespace fleetsim::fleet
