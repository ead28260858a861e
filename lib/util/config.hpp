// YAML config files read against what the program expects: every key a
// program does not ask for is reported as unknown, and every wrong type or
// missing required key is reported with file, line and dotted key name.
// All problems are collected, so an operator sees every one in one run.
//
//   auto doc = config::document::load("server.yaml");
//   auto root = (*doc)->root();
//   auto cert = root.child_required("tls").string("certificate");
//   if (auto ok = (*doc)->finish(); !ok) die(ok.error().message);
//
// Every value a program reads is recorded with its dotted key, defaults
// included, so `--print-config [KEY]` shows what the program runs with and
// shell scripts never parse YAML themselves.
#pragma once

#include "lib/util/result.hpp"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace uun::config {

struct document_state;

// Dotted key -> the value as read (or defaulted), in the config's own
// notation: strings as they are, durations as 30s/15m/24h/7d, sizes in
// bytes, lists as [a, b].
using settings = std::map<std::string, std::string, std::less<>>;

// ignore: problems of the host (report_missing) do not fail the load, so
// --print-config works on a config whose files are not in place yet.
enum class host_checks { enforce, ignore };

class section {
public:
    section(std::shared_ptr<document_state> state, YAML::Node node, std::string path);

    bool has(std::string_view key) const;

    std::string string(std::string_view key);
    std::string string_or(std::string_view key, std::string fallback);
    std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max);
    std::int64_t integer_or(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max);
    bool boolean_or(std::string_view key, bool fallback);
    std::chrono::seconds duration(std::string_view key);
    std::chrono::seconds duration_or(std::string_view key, std::chrono::seconds fallback);
    std::uint64_t size_or(std::string_view key, std::uint64_t fallback);
    std::vector<std::string> string_list(std::string_view key);
    std::vector<std::string> string_list_or(std::string_view key, std::vector<std::string> fallback);

    std::optional<section> child(std::string_view key);
    section child_required(std::string_view key);
    // The mapping under key, or an empty one when it is absent, so its
    // keys' defaults are read (and recorded) the same way.
    section child_or_defaults(std::string_view key);
    // A mapping of names to mappings, such as "channels: { av: {...}, sys: {...} }".
    std::vector<std::pair<std::string, section>> children(std::string_view key);

    // Reports a problem with a value the caller validated itself.
    void report(std::string_view key, std::string_view message);
    // The same for a problem of the host, not of the file: a path that does
    // not exist (yet). --print-config ignores these (host_checks::ignore).
    void report_missing(std::string_view key, std::string_view message);
    // A value that works but is unwise (two keys that fit badly together):
    // the load succeeds, and the program logs document::warnings().
    void warn(std::string_view key, std::string_view message);
    std::string dotted(std::string_view key) const;

private:
    std::optional<YAML::Node> take(std::string_view key, bool required);
    std::optional<std::string> take_scalar(std::string_view key, bool required, std::string_view want);
    void type_error(std::string_view key, const YAML::Node& node, std::string_view want);
    int line_of(const YAML::Node& node) const;
    int line_of_key(std::string_view key) const;  // key's line, else the section's
    void record(std::string_view key, std::string value);
    // The *_or accessors without the record.
    std::int64_t read_integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max);
    bool read_boolean(std::string_view key, bool fallback);
    std::chrono::seconds read_duration(std::string_view key, std::chrono::seconds fallback);
    std::uint64_t read_size(std::string_view key, std::uint64_t fallback);
    std::vector<std::string> read_string_list(std::string_view key, std::vector<std::string> fallback);

    std::shared_ptr<document_state> state_;
    YAML::Node node_;
    std::string path_;
};

class document {
public:
    static result<document> load(const std::string& path);
    static result<document> parse(std::string_view text, const std::string& name);

    section root();
    const std::string& name() const;
    // Every error found, one per line, unknown keys included.
    result<void> finish(host_checks host = host_checks::enforce);
    // What was read so far (see settings).
    const settings& values() const;
    // "file:line: 'key': message" for each section::warn, in the order given.
    std::vector<std::string> warnings() const;

private:
    explicit document(std::shared_ptr<document_state> state);
    std::shared_ptr<document_state> state_;
};

}  // namespace uun::config
