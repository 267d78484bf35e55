// The simulator's only source of randomness: xoshiro256** seeded through
// SplitMix64. Both algorithms are written out here, and every derived draw
// uses only integer arithmetic and correctly rounded floating-point
// operations (+, -, *, /, sqrt), so a seed gives the same sequence with any
// compiler and standard library. std:: distributions are not used: their
// output differs between library implementations.
#pragma once

#include <cstdint>
#include <string>

namespace orc::sim {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  // Next 64 random bits.
  std::uint64_t Next();
  // Uniform in [0, 1), with 53 random bits.
  double NextDouble();
  // Uniform in [min, max).
  double Uniform(double min, double max);
  // Uniform integer in [0, bound); bound > 0. Unbiased (rejection sampling).
  std::uint64_t Below(std::uint64_t bound);
  // True with probability p.
  bool Bernoulli(double p);
  // Approximately normal: the Irwin-Hall sum of 12 uniforms, shifted and
  // scaled. Its range is mean +/- 6 standard deviations.
  double Normal(double mean, double stddev);
  // A random version 4 UUID in lower-case canonical form.
  std::string Uuid();

 private:
  std::uint64_t state_[4];
};

}  // namespace orc::sim
