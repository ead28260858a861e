// Wall-clock time as unix seconds behind an interface, so schedules, expiry
// and validity windows are tested with an injected clock.
#pragma once

#include <cstdint>
#include <ctime>

namespace uun {

class clock {
public:
    virtual ~clock() = default;
    virtual std::int64_t now() const = 0;
};

class system_clock final : public clock {
public:
    std::int64_t now() const override { return static_cast<std::int64_t>(std::time(nullptr)); }
};

class manual_clock final : public clock {
public:
    explicit manual_clock(std::int64_t start) : now_(start) {}
    std::int64_t now() const override { return now_; }
    void set(std::int64_t t) { now_ = t; }
    void advance(std::int64_t seconds) { now_ += seconds; }

private:
    std::int64_t now_;
};

}  // namespace uun
