#pragma once
// The GPU catalog: per accelerator type, board power at full load and at idle, the per-GPU
// share of server overhead, training throughput relative to an A100, and the embodied carbon and
// purchase price of a GPU with its share of the server. Figures and their
// public sources are in docs/models.md ("GPU catalog"); a scenario may override any field
// or add a type (scenario key `gpu_types`).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetsim::fleet {

struct GpuType {
  std::string name;
  double max_power_w = 0.0;          // board power at full load (TDP/TBP), W
  double idle_power_w = 0.0;         // board power when powered on and idle, W
  double overhead_w = 0.0;           // per-GPU share of host CPUs, memory, NICs, fans, PSU loss, W
  double training_throughput = 1.0;  // training work per GPU-hour relative to A100 = 1
  std::string source;                // short citation, expanded in docs/models.md
  // The whole footprint (docs/models.md, "Footprint"): per GPU with its share of the server
  // (host, memory, storage, network cards, chassis: the 8-GPU server / 8).
  double embodied_kg = 0.0;  // embodied (manufacturing) carbon, kgCO2e
  double capex_usd = 0.0;    // purchase price, USD
  std::string footprint_source;
};

// Checks every field's range; throws std::invalid_argument naming the bad value.
void check_gpu_type(const GpuType& type);

class GpuCatalog {
 public:
  // The built-in catalog: V100, A100, H100, H200, B200.
  static GpuCatalog builtin();

  const std::vector<GpuType>& types() const { return types_; }
  const GpuType* find(std::string_view name) const;
  std::optional<size_t> index_of(std::string_view name) const;
  const GpuType& at(size_t index) const { return types_.at(index); }
  // Adds a type or replaces the one of the same name (after check_gpu_type).
  void upsert(GpuType type);
  // Comma-separated list of names, for error messages.
  std::string names() const;

 private:
  std::vector<GpuType> types_;
};

}  // namespace fleetsim::fleet
