// config::document (see config.hpp): load and parse a file, and at the end
// collect every problem, unknown keys included, into one message.
#include "lib/util/config.hpp"
#include "lib/util/config_state.hpp"
#include "lib/util/file_util.hpp"

#include <algorithm>

namespace uun::config {

namespace {

constexpr std::uint64_t max_config_bytes = 1 << 20;

}  // namespace

document::document(std::shared_ptr<document_state> state) : state_(std::move(state)) {}

result<document> document::load(const std::string& path)
{
    auto text = read_file(path, max_config_bytes);
    if (!text)
        return std::unexpected(text.error());
    return parse(*text, path);
}

result<document> document::parse(std::string_view text, const std::string& name)
{
    auto state = std::make_shared<document_state>();
    state->name = name;
    try {
        state->root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        return fail(cat(name, ":", e.mark.line + 1, ":", e.mark.column + 1, ": YAML syntax error: ", e.msg));
    }
    if (!state->root.IsDefined() || state->root.IsNull())
        state->root = YAML::Node(YAML::NodeType::Map);
    if (!state->root.IsMap())
        return fail(cat(name, ":1: the top level must be a mapping of keys to values"));
    return document(std::move(state));
}

section document::root()
{
    return section(state_, state_->root, "");
}

const settings& document::values() const
{
    return state_->read;
}

const std::string& document::name() const
{
    return state_->name;
}

std::vector<std::string> document::warnings() const
{
    std::vector<std::string> out;
    for (const auto& [line, text] : state_->warnings)
        out.push_back(cat(state_->name, ":", line, ": ", text));
    return out;
}

result<void> document::finish(host_checks host)
{
    auto errors = state_->errors;
    if (host == host_checks::enforce)
        errors.insert(errors.end(), state_->missing.begin(), state_->missing.end());
    for (const auto& m : state_->visited) {
        if (!m->node.IsMap())
            continue;
        for (auto it = m->node.begin(); it != m->node.end(); ++it) {
            const std::string& key = it->first.Scalar();
            if (m->used.find(key) != m->used.end())
                continue;
            std::string known;
            for (const auto& u : m->used)
                known += known.empty() ? u : ", " + u;
            std::string where = m->path.empty() ? "" : cat(" in '", m->path, "'");
            errors.emplace_back(it->first.Mark().line + 1,
                                cat("unknown key '", key, "'", where, known.empty() ? "" : cat(" (known: ", known, ")")));
        }
    }
    if (errors.empty())
        return {};
    std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string message;
    for (const auto& [line, text] : errors)
        message += cat(message.empty() ? "" : "\n", state_->name, ":", line, ": ", text);
    return fail(message);
}

}  // namespace uun::config
