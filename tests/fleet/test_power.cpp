#include <catch2/catch.hpp>

#include "fleet/gpu_catalog.hpp"
#include "fleet/power.hpp"

using namespace fleetsim::fleet;

TEST_CASE("the built-in catalog has the required types with their spec-sheet figures", "[fleet]") {
  const GpuCatalog catalog = GpuCatalog::builtin();
  for (const char* name : {"V100", "A100", "H100", "H200", "B200"}) REQUIRE(catalog.find(name) != nullptr);
  const GpuType& a100 = *catalog.find("A100");
  CHECK(a100.max_power_w == 400.0);
  CHECK(a100.training_throughput == 1.0);
  // DGX A100: 6.5 kW for 8 GPUs at full load.
  CHECK(8.0 * server_power_per_gpu_w(a100, 1.0) == Approx(6500.0));
  // DGX H100: 10.2 kW; DGX B200: 14.3 kW; DGX-1 (V100): 3.5 kW.
  CHECK(8.0 * server_power_per_gpu_w(*catalog.find("H100"), 1.0) == Approx(10200.0));
  CHECK(8.0 * server_power_per_gpu_w(*catalog.find("B200"), 1.0) == Approx(14300.0));
  CHECK(8.0 * server_power_per_gpu_w(*catalog.find("V100"), 1.0) == Approx(3500.0));
}

TEST_CASE("P(u) interpolates linearly between idle and max power", "[fleet]") {
  const GpuType t{"X", 400.0, 100.0, 50.0, 1.0, ""};
  CHECK(gpu_power_w(t, 0.0) == 100.0);
  CHECK(gpu_power_w(t, 1.0) == 400.0);
  CHECK(gpu_power_w(t, 0.25) == 175.0);
  CHECK(server_power_per_gpu_w(t, 0.25) == 225.0);
  CHECK(dynamic_power_per_gpu_w(t, 0.25) == 75.0);
}

TEST_CASE("catalog overrides are range-checked", "[fleet]") {
  GpuCatalog catalog = GpuCatalog::builtin();
  GpuType a100 = *catalog.find("A100");
  a100.max_power_w = 300.0;
  catalog.upsert(a100);
  CHECK(catalog.find("A100")->max_power_w == 300.0);
  CHECK(catalog.types().size() == 5);
  GpuType bad = a100;
  bad.idle_power_w = 500.0;  // above max
  CHECK_THROWS_WITH(catalog.upsert(bad), Catch::Contains("idle_power_w"));
  bad = a100;
  bad.training_throughput = 0.0;
  CHECK_THROWS_WITH(catalog.upsert(bad), Catch::Contains("training_throughput"));
  catalog.upsert(GpuType{"MI300X", 750.0, 90.0, 400.0, 2.5, "test"});
  CHECK(catalog.types().size() == 6);
}
