// Reads and checks milter.yaml (see header). Values are checked here, once,
// so the rest of the milter can trust them.
#include "milter/filter/milter_config.hpp"

#include "lib/proto/uun_header.hpp"
#include "lib/util/config.hpp"
#include "milter/filter/key_source.hpp"

#include <charconv>

namespace uun::filter {

namespace {

bool is_absolute(std::string_view path)
{
    return !path.empty() && path.front() == '/';
}

bool is_port(std::string_view text)
{
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    return ec == std::errc{} && ptr == text.data() + text.size() && port >= 1 && port <= 65535;
}

// libmilter's own syntax: "unix:/path" or "inet:port[@host]".
std::string socket_problem(std::string_view socket)
{
    if (socket.starts_with("unix:")) {
        std::string_view path = socket.substr(5);
        if (!is_absolute(path))
            return "a unix socket needs an absolute path, such as unix:/var/spool/postfix/uun/milter.sock";
        if (path.size() > 100)
            return "a unix socket path must be at most 100 characters";
        return "";
    }
    if (socket.starts_with("inet:")) {
        std::string_view rest = socket.substr(5);
        auto at = rest.find('@');
        std::string_view port = rest.substr(0, at);
        if (!is_port(port))
            return "an inet socket needs a port from 1 to 65535, such as inet:8891@127.0.0.1";
        // libmilter listens on every interface without a host: anyone on the
        // internet could then talk to the milter and plant triggers.
        if (at == std::string_view::npos)
            return cat("an inet socket needs an explicit address (without one libmilter listens on every "
                       "interface), such as inet:", port, "@127.0.0.1");
        if (at + 1 == rest.size())
            return "an inet socket needs a host after '@'";
        return "";
    }
    return "must start with unix: or inet:";
}

std::optional<mode_t> parse_mode(std::string_view text)
{
    if (text.empty() || text.size() > 4)
        return std::nullopt;
    unsigned mode = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
    if (ec != std::errc{} || ptr != text.data() + text.size() || mode > 0777)
        return std::nullopt;
    return static_cast<mode_t>(mode);
}

void require_absolute(config::section& sec, std::string_view key, const std::string& path)
{
    if (!path.empty() && !is_absolute(path))
        sec.report(key, "must be an absolute path");
}

void require_absolute_list(config::section& sec, std::string_view key, const std::vector<std::string>& paths)
{
    for (const auto& path : paths)
        if (!is_absolute(path)) {
            sec.report(key, cat("'", path, "' is not an absolute path"));
            return;
        }
}

// trusted_keys (v1) or trusted_root (v2), exactly one of them. Without
// trusted_root the reading (and its messages) is exactly v1's.
void read_trust(config::section& root, milter_config& c)
{
    if (!root.has("trusted_root")) {
        c.trusted_keys = root.string_list("trusted_keys");
        if (root.has("trusted_keys") && c.trusted_keys.empty())
            root.report("trusted_keys", "must list at least one public key file");
        require_absolute_list(root, "trusted_keys", c.trusted_keys);
        return;
    }
    c.trusted_root = root.string_list("trusted_root");
    if (c.trusted_root.empty())
        root.report("trusted_root", "must list at least one root file");
    if (c.trusted_root.size() > max_trusted_root_paths)
        root.report("trusted_root", cat("lists more than ", max_trusted_root_paths, " files"));
    require_absolute_list(root, "trusted_root", c.trusted_root);
    if (root.has("trusted_keys")) {
        root.string_list("trusted_keys");  // read, so it is not also reported as unknown
        root.report("trusted_root", "'trusted_keys' and 'trusted_root' exclude each other: keep one "
                                    "(trusted_root for the v2 trust model)");
    }
}

result<milter_config> read_config(config::document& doc)
{
    milter_config c;
    auto root = doc.root();

    c.socket = root.string_or("socket", c.socket);
    if (auto problem = socket_problem(c.socket); !problem.empty())
        root.report("socket", problem);
    c.user = root.string_or("user", c.user);
    if (c.user.empty())
        root.report("user", "must name a user");
    c.group = root.string_or("group", "");
    c.socket_group = root.string_or("socket_group", "");
    if (std::string mode = root.string_or("socket_mode", ""); !mode.empty()) {
        if (auto parsed = parse_mode(mode))
            c.socket_mode = *parsed;
        else
            root.report("socket_mode", "must be an octal mode such as \"0660\"");
    }
    c.pid_file = root.string_or("pid_file", c.pid_file);
    require_absolute(root, "pid_file", c.pid_file);

    read_trust(root, c);

    c.clock_skew = root.duration_or("clock_skew", std::chrono::seconds(c.clock_skew)).count();
    if (c.clock_skew > 24 * 3600)
        root.report("clock_skew", "must be at most 24h");

    c.spool_dir = root.string("spool_dir");
    require_absolute(root, "spool_dir", c.spool_dir);
    c.state_dir = root.string_or("state_dir", c.state_dir);
    require_absolute(root, "state_dir", c.state_dir);

    // lib's parser refuses anything longer than max_uun_header_bytes anyway.
    c.max_header_bytes = static_cast<std::size_t>(root.integer_or(
        "max_header_bytes", static_cast<std::int64_t>(proto::max_uun_header_bytes), 128,
        static_cast<std::int64_t>(proto::max_uun_header_bytes)));
    c.replay_cache_entries = static_cast<std::uint64_t>(root.integer_or(
        "replay_cache_entries", static_cast<std::int64_t>(c.replay_cache_entries), 100, 10'000'000));

    {
        auto variants = root.child_or_defaults("variants");
        c.subject_marker = variants.boolean_or("subject_marker", false);
        c.body_token = variants.boolean_or("body_token", false);
        c.max_body_bytes = variants.size_or("max_body_bytes", c.max_body_bytes);
        if (c.max_body_bytes < 1024 || c.max_body_bytes > max_max_body_bytes)
            variants.report("max_body_bytes", "must be from 1KiB to 1MiB");
    }

    {
        auto log = root.child_or_defaults("log");
        std::string to = log.string_or("to", "syslog");
        if (to == "syslog")
            c.log_to = log::sink::syslog;
        else if (to == "stderr")
            c.log_to = log::sink::stderr_stream;
        else
            log.report("to", "must be syslog or stderr");
        c.debug = log.boolean_or("debug", false);
    }

    if (auto ok = doc.finish(); !ok)
        return std::unexpected(ok.error());
    c.as_read = doc.values();
    return c;
}

}  // namespace

std::string unix_socket_path(std::string_view socket)
{
    return socket.starts_with("unix:") ? std::string(socket.substr(5)) : std::string();
}

result<milter_config> parse_milter_config(std::string_view text, const std::string& name)
{
    auto doc = config::document::parse(text, name);
    if (!doc)
        return std::unexpected(doc.error());
    return read_config(*doc);
}

result<milter_config> load_milter_config(const std::string& path)
{
    auto doc = config::document::load(path);
    if (!doc)
        return std::unexpected(doc.error());
    return read_config(*doc);
}

}  // namespace uun::filter
