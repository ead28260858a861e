// YAML config validation (see header): the section accessors. yaml-cpp
// parses; we walk the tree once and remember which keys were asked for, so
// leftovers are unknown keys (document::finish, config_document.cpp).
#include "lib/util/config.hpp"

#include "lib/util/config_state.hpp"
#include "lib/util/units.hpp"

namespace uun::config {

section::section(std::shared_ptr<document_state> state, YAML::Node node, std::string path)
    : state_(std::move(state)), node_(std::move(node)), path_(std::move(path))
{
    state_->mapping(node_, path_);
}

int section::line_of(const YAML::Node& node) const
{
    auto mark = node.Mark();
    return mark.line < 0 ? 1 : mark.line + 1;
}

std::string section::dotted(std::string_view key) const
{
    return path_.empty() ? std::string(key) : cat(path_, ".", key);
}

bool section::has(std::string_view key) const
{
    return node_.IsMap() && node_[std::string(key)].IsDefined() && !node_[std::string(key)].IsNull();
}

void section::record(std::string_view key, std::string value)
{
    state_->read.insert_or_assign(dotted(key), std::move(value));
}

std::optional<YAML::Node> section::take(std::string_view key, bool required)
{
    state_->mapping(node_, path_).used.emplace(key);
    YAML::Node value = node_.IsMap() ? node_[std::string(key)] : YAML::Node();
    if (!value.IsDefined() || value.IsNull()) {
        if (required)
            state_->add(line_of(node_), cat("'", dotted(key), "' is required"));
        return std::nullopt;
    }
    return value;
}

void section::type_error(std::string_view key, const YAML::Node& node, std::string_view want)
{
    std::string got = node.IsScalar() ? cat("'", node.Scalar(), "'") : (node.IsSequence() ? "a list" : "a mapping");
    state_->add(line_of(node), cat("'", dotted(key), "' must be ", want, ", not ", got));
}

int section::line_of_key(std::string_view key) const
{
    YAML::Node value = node_.IsMap() ? node_[std::string(key)] : YAML::Node();
    return value.IsDefined() ? line_of(value) : line_of(node_);
}

void section::report(std::string_view key, std::string_view message)
{
    state_->add(line_of_key(key), cat("'", dotted(key), "': ", message));
}

void section::report_missing(std::string_view key, std::string_view message)
{
    state_->missing.emplace_back(line_of_key(key), cat("'", dotted(key), "': ", message));
}

void section::warn(std::string_view key, std::string_view message)
{
    state_->warnings.emplace_back(line_of_key(key), cat("'", dotted(key), "': ", message));
}

std::optional<std::string> section::take_scalar(std::string_view key, bool required, std::string_view want)
{
    auto value = take(key, required);
    if (!value)
        return std::nullopt;
    if (!value->IsScalar()) {
        type_error(key, *value, want);
        return std::nullopt;
    }
    return value->Scalar();
}

std::string section::string(std::string_view key)
{
    auto value = take_scalar(key, true, "a string").value_or("");
    record(key, value);
    return value;
}

std::string section::string_or(std::string_view key, std::string fallback)
{
    auto value = take_scalar(key, false, "a string").value_or(std::move(fallback));
    record(key, value);
    return value;
}

std::int64_t section::integer(std::string_view key, std::int64_t min, std::int64_t max)
{
    if (!has(key)) {
        take(key, true);
        return min;
    }
    return integer_or(key, min, min, max);
}

std::int64_t section::integer_or(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max)
{
    auto n = read_integer(key, fallback, min, max);
    record(key, std::to_string(n));
    return n;
}

std::int64_t section::read_integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max)
{
    auto value = take(key, false);
    if (!value)
        return fallback;
    std::string want = cat("an integer from ", min, " to ", max);
    long long n = 0;
    if (!value->IsScalar() || !YAML::convert<long long>::decode(*value, n) || n < min || n > max) {
        type_error(key, *value, want);
        return fallback;
    }
    return n;
}

bool section::boolean_or(std::string_view key, bool fallback)
{
    bool b = read_boolean(key, fallback);
    record(key, b ? "true" : "false");
    return b;
}

bool section::read_boolean(std::string_view key, bool fallback)
{
    auto value = take(key, false);
    if (!value)
        return fallback;
    bool b = false;
    if (!value->IsScalar() || !YAML::convert<bool>::decode(*value, b)) {
        type_error(key, *value, "true or false");
        return fallback;
    }
    return b;
}

std::chrono::seconds section::duration(std::string_view key)
{
    if (!has(key)) {
        take(key, true);
        return std::chrono::seconds(0);
    }
    return duration_or(key, std::chrono::seconds(0));
}

std::chrono::seconds section::duration_or(std::string_view key, std::chrono::seconds fallback)
{
    auto d = read_duration(key, fallback);
    record(key, format_duration(d));
    return d;
}

std::chrono::seconds section::read_duration(std::string_view key, std::chrono::seconds fallback)
{
    auto value = take(key, false);
    if (!value)
        return fallback;
    std::optional<std::chrono::seconds> d;
    if (value->IsScalar())
        d = parse_duration(value->Scalar());
    if (!d) {
        type_error(key, *value, "a duration such as 30s, 15m, 24h or 7d");
        return fallback;
    }
    return *d;
}

std::uint64_t section::size_or(std::string_view key, std::uint64_t fallback)
{
    auto n = read_size(key, fallback);
    record(key, std::to_string(n));
    return n;
}

std::uint64_t section::read_size(std::string_view key, std::uint64_t fallback)
{
    auto value = take(key, false);
    if (!value)
        return fallback;
    std::optional<std::uint64_t> n;
    if (value->IsScalar())
        n = parse_size(value->Scalar());
    if (!n) {
        type_error(key, *value, "a size such as 65536, 64KiB or 10MiB");
        return fallback;
    }
    return *n;
}

std::vector<std::string> section::string_list(std::string_view key)
{
    if (!has(key)) {
        take(key, true);
        return {};
    }
    return string_list_or(key, {});
}

std::vector<std::string> section::string_list_or(std::string_view key, std::vector<std::string> fallback)
{
    auto list = read_string_list(key, std::move(fallback));
    std::string text = "[";
    for (const auto& item : list)
        text += (text.size() > 1 ? ", " : "") + item;
    record(key, text + "]");
    return list;
}

std::vector<std::string> section::read_string_list(std::string_view key, std::vector<std::string> fallback)
{
    auto value = take(key, false);
    if (!value)
        return fallback;
    if (!value->IsSequence()) {
        type_error(key, *value, "a list of strings");
        return fallback;
    }
    std::vector<std::string> out;
    for (const auto& item : *value) {
        if (!item.IsScalar()) {
            type_error(key, item, "a list of strings");
            return fallback;
        }
        out.push_back(item.Scalar());
    }
    return out;
}

std::optional<section> section::child(std::string_view key)
{
    auto value = take(key, false);
    if (!value)
        return std::nullopt;
    if (!value->IsMap()) {
        type_error(key, *value, "a mapping");
        return std::nullopt;
    }
    return section(state_, *value, dotted(key));
}

section section::child_required(std::string_view key)
{
    auto value = take(key, true);
    if (value && !value->IsMap())
        type_error(key, *value, "a mapping");
    if (!value || !value->IsMap())
        return section(state_, YAML::Node(YAML::NodeType::Map), dotted(key));
    return section(state_, *value, dotted(key));
}

section section::child_or_defaults(std::string_view key)
{
    auto value = take(key, false);
    if (value && !value->IsMap())
        type_error(key, *value, "a mapping");
    if (!value || !value->IsMap())
        return section(state_, YAML::Node(YAML::NodeType::Map), dotted(key));
    return section(state_, *value, dotted(key));
}

std::vector<std::pair<std::string, section>> section::children(std::string_view key)
{
    std::vector<std::pair<std::string, section>> out;
    auto value = take(key, false);
    if (!value)
        return out;
    if (!value->IsMap()) {
        type_error(key, *value, "a mapping of names to mappings");
        return out;
    }
    for (auto it = value->begin(); it != value->end(); ++it) {
        std::string name = it->first.Scalar();
        if (!it->second.IsMap()) {
            type_error(cat(key, ".", name), it->second, "a mapping");
            continue;
        }
        out.emplace_back(name, section(state_, it->second, cat(dotted(key), ".", name)));
    }
    return out;
}

}  // namespace uun::config
