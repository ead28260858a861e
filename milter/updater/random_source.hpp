// Where the updater's randomness for jitter comes from: the OS CSPRNG in the
// daemon, a seeded PRNG in tests, so schedules are reproducible there.
// Callers: countdown. Never fails (the CSPRNG aborts if the OS cannot give bytes).
#pragma once

#include <cstdint>
#include <limits>
#include <random>

namespace uun::updater {

class random_source {
public:
    virtual ~random_source() = default;
    virtual std::uint64_t next() = 0;

    // Uniform in [low, high], without modulo bias; low <= high.
    std::int64_t uniform(std::int64_t low, std::int64_t high);
};

class csprng_source final : public random_source {
public:
    std::uint64_t next() override;
};

class seeded_source final : public random_source {
public:
    explicit seeded_source(std::uint64_t seed) : engine_(seed) {}
    std::uint64_t next() override { return engine_(); }

private:
    std::mt19937_64 engine_;
};

}  // namespace uun::updater
