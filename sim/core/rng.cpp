#include "core/rng.hpp"

#include <cmath>
#include <numbers>

namespace fleetsim::core {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

RngStream::RngStream(uint64_t seed, uint64_t entity, RngPurpose purpose)
    : engine_(splitmix64(splitmix64(splitmix64(seed) ^ entity) ^ static_cast<uint64_t>(purpose))) {}

double RngStream::uniform() {
  constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;
  return static_cast<double>(engine_() >> 11U) * kTwoPowMinus53;
}

double RngStream::uniform_open_low() {
  return 1.0 - uniform();
}

double RngStream::exponential(double rate) {
  return -std::log(uniform_open_low()) / rate;
}

double RngStream::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  const double radius = std::sqrt(-2.0 * std::log(uniform_open_low()));
  const double angle = 2.0 * std::numbers::pi * uniform();
  spare_normal_ = radius * std::sin(angle);
  has_spare_ = true;
  return radius * std::cos(angle);
}

double RngStream::lognormal(double mu, double sigma) {
  return std::exp(mu + sigma * normal());
}

}  // namespace fleetsim::core
