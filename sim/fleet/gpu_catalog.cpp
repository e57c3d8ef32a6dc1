#include "fleet/gpu_catalog.hpp"

#include <cmath>
#include <stdexcept>

namespace fleetsim::fleet {
namespace {

void require(bool ok, const std::string& type, const std::string& field, double value, const char* rule) {
  if (!ok) {
    throw std::invalid_argument("GPU type '" + type + "': " + field + " = " + std::to_string(value) + " must be " +
                                rule);
  }
}

}  // namespace

void check_gpu_type(const GpuType& t) {
  if (t.name.empty()) throw std::invalid_argument("GPU type with an empty name");
  require(std::isfinite(t.max_power_w) && t.max_power_w > 0.0, t.name, "max_power_w", t.max_power_w, "> 0");
  require(std::isfinite(t.idle_power_w) && t.idle_power_w >= 0.0 && t.idle_power_w <= t.max_power_w, t.name,
          "idle_power_w", t.idle_power_w, "in [0, max_power_w]");
  require(std::isfinite(t.overhead_w) && t.overhead_w >= 0.0, t.name, "overhead_w", t.overhead_w, ">= 0");
  require(std::isfinite(t.training_throughput) && t.training_throughput > 0.0, t.name, "training_throughput",
          t.training_throughput, "> 0");
  require(std::isfinite(t.embodied_kg) && t.embodied_kg >= 0.0, t.name, "embodied_kg", t.embodied_kg, ">= 0");
  require(std::isfinite(t.capex_usd) && t.capex_usd >= 0.0, t.name, "capex_usd", t.capex_usd, ">= 0");
}

GpuCatalog GpuCatalog::builtin() {
  // Max power: NVIDIA data sheets (SXM boards). Overhead: the DGX/HGX system's maximum power
  // divided by its 8 GPUs, minus the GPU's max power. Idle: typical idle board power of an
  // SXM part (estimate; NVIDIA publishes none). Throughput: dense FP16/BF16 tensor peak
  // relative to A100 (312 TFLOPS). See docs/models.md for every number's source.
  GpuCatalog catalog;
  catalog.types_ = {
      {"V100", 300.0, 40.0, 137.5, 125.0 / 312.0, "V100 SXM2 data sheet; DGX-1 3.5 kW / 8"},
      {"A100", 400.0, 50.0, 412.5, 1.0, "A100 SXM4 data sheet; DGX A100 6.5 kW / 8"},
      {"H100", 700.0, 70.0, 575.0, 989.0 / 312.0, "H100 SXM5 data sheet; DGX H100 10.2 kW / 8"},
      {"H200", 700.0, 70.0, 575.0, 989.0 / 312.0, "H200 SXM data sheet; DGX H200 10.2 kW / 8"},
      {"B200", 1000.0, 100.0, 787.5, 2250.0 / 312.0, "HGX B200 data sheet; DGX B200 14.3 kW / 8"},
  };
  // Embodied carbon and price per GPU, server share included (docs/models.md, "Footprint").
  struct Footprint {
    double embodied_kg;
    double capex_usd;
    const char* source;
  };
  const Footprint footprints[] = {
      {388.0, 18'625.0,
       "GPU: Luccioni et al. 2023 A100 150 kg scaled by LLMCarbon die + HBM; server 2,500 kg / 8; "
       "DGX-1 (V100) $149k / 8"},
      {462.5, 24'875.0, "Luccioni et al. 2023 (BLOOM): A100 150 kg + HPE server 2,500 kg / 8; DGX A100 $199k / 8"},
      {471.0, 45'000.0,
       "GPU: A100's 150 kg scaled by LLMCarbon die + HBM; server 2,500 kg / 8; price: market "
       "estimate"},
      {553.0, 50'000.0, "H100's + 61 GB HBM (LLMCarbon 0.4 kg/GB, scaled); price: market estimate"},
      {587.0, 60'000.0,
       "GPU: H100's x 1.74 (NVIDIA HGX B200 vs HGX H100 footprint); server 2,500 kg / 8; price: "
       "market estimate"},
  };
  for (size_t i = 0; i < catalog.types_.size(); ++i) {
    catalog.types_[i].embodied_kg = footprints[i].embodied_kg;
    catalog.types_[i].capex_usd = footprints[i].capex_usd;
    catalog.types_[i].footprint_source = footprints[i].source;
  }
  for (const auto& t : catalog.types_) check_gpu_type(t);
  return catalog;
}

const GpuType* GpuCatalog::find(std::string_view name) const {
  for (const auto& t : types_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::optional<size_t> GpuCatalog::index_of(std::string_view name) const {
  for (size_t i = 0; i < types_.size(); ++i) {
    if (types_[i].name == name) return i;
  }
  return std::nullopt;
}

void GpuCatalog::upsert(GpuType type) {
  check_gpu_type(type);
  for (auto& t : types_) {
    if (t.name == type.name) {
      t = std::move(type);
      return;
    }
  }
  types_.push_back(std::move(type));
}

std::string GpuCatalog::names() const {
  std::string out;
  for (const auto& t : types_) out += (out.empty() ? "" : ", ") + t.name;
  return out;
}

}  // namespace fleetsim::fleet
