// updater.yaml (see header). lib/config.hpp does types, unknown keys and line
// numbers; this file adds what only the updater knows: URL, paths, ranges.
#include "milter/updater/updater_config.hpp"

#include "lib/proto/identity.hpp"
#include "lib/proto/poll_messages.hpp"
#include "lib/proto/uun_header.hpp"
#include "lib/util/address.hpp"
#include "lib/util/config.hpp"
#include "lib/util/file_util.hpp"
#include "milter/updater/machine_id.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <set>

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uun::updater {

namespace {

constexpr std::size_t max_hook_args = 64;
constexpr std::size_t max_trusted_keys = 16;

bool is_directory(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_absolute(const std::string& path)
{
    return !path.empty() && path.front() == '/';
}

// An https URL with a host and nothing after the path; returns why not.
// What is wrong with url as uun-server's base URL (https) or, with proxy, as
// a proxy's (http or https), if anything.
std::optional<std::string> url_problem(const std::string& url, bool proxy)
{
    struct url_deleter {
        void operator()(CURLU* u) const { curl_url_cleanup(u); }
    };
    std::unique_ptr<CURLU, url_deleter> u(curl_url());
    if (!u)
        return "cannot parse (out of memory)";
    if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
        return "is not a URL";
    auto part = [&](CURLUPart which) -> std::optional<std::string> {
        char* value = nullptr;
        if (curl_url_get(u.get(), which, &value, 0) != CURLUE_OK || value == nullptr)
            return std::nullopt;
        std::string out(value);
        curl_free(value);
        return out;
    };
    auto scheme = part(CURLUPART_SCHEME);
    if (!proxy && scheme != "https")
        return "must start with https:// (the updater speaks only HTTPS)";
    if (proxy && scheme != "http" && scheme != "https")
        return "must start with http:// or https:// (a proxy that takes CONNECT)";
    if (!part(CURLUPART_HOST))
        return "has no host";
    if (part(CURLUPART_USER) || part(CURLUPART_PASSWORD))
        return proxy ? "must not carry a user name or password: put them in proxy.credentials_file (the URL is "
                       "logged and shown by --print-config)"
                     : "must not carry a user name or password";
    if (auto path = part(CURLUPART_PATH); proxy && path && *path != "/")
        return "must not have a path";
    if (part(CURLUPART_QUERY) || part(CURLUPART_FRAGMENT))
        return "must not have a query or fragment";
    return std::nullopt;
}

void check_absolute_file(config::section& s, std::string_view key, const std::string& path)
{
    if (!is_absolute(path))
        s.report(key, cat("'", path, "' must be an absolute path"));
    else if (!is_file(path))
        s.report_missing(key, cat("'", path, "' is not a readable file"));
}

void read_channel(config::section& s, const std::string& name, updater_config& out)
{
    channel_config ch;
    ch.name = name;
    ch.file = s.string("file");
    ch.hook = s.string_list_or("hook", {});
    ch.hook_timeout = s.duration_or("hook_timeout", ch.hook_timeout);
    ch.max_size = s.size_or("max_size", ch.max_size);
    if (!ch.file.empty()) {
        if (!is_absolute(ch.file) || ch.file.back() == '/')
            s.report("file", cat("'", ch.file, "' must be an absolute path to a file"));
        else if (!is_directory(parent_directory(ch.file)))
            s.report_missing("file", cat("directory '", parent_directory(ch.file), "' does not exist"));
        else if (is_directory(ch.file))
            s.report("file", cat("'", ch.file, "' is a directory"));
    }
    if (ch.hook.size() > max_hook_args)
        s.report("hook", cat("has more than ", max_hook_args, " arguments"));
    else if (!ch.hook.empty() && !is_absolute(ch.hook.front()))
        s.report("hook", cat("the program '", ch.hook.front(), "' must be an absolute path (no shell, no PATH search)"));
    else if (!ch.hook.empty() && ::access(ch.hook.front().c_str(), X_OK) != 0)
        s.report_missing("hook", cat("the program '", ch.hook.front(), "' is not executable"));
    if (ch.hook_timeout < std::chrono::seconds(1) || ch.hook_timeout > std::chrono::hours(24))
        s.report("hook_timeout", "must be from 1s to 24h");
    if (ch.max_size == 0)
        s.report("max_size", "must be more than 0");
    out.channels.emplace(name, std::move(ch));
}

void read_timeouts(config::section& s, timeouts_config& t)
{
    t.connect = s.duration_or("connect", t.connect);
    t.request = s.duration_or("request", t.request);
    t.download = s.duration_or("download", t.download);
    t.low_speed_time = s.duration_or("low_speed_time", t.low_speed_time);
    t.low_speed_limit = s.size_or("low_speed_limit", t.low_speed_limit);
    for (auto [key, value] : {std::pair{"connect", t.connect}, {"request", t.request}, {"download", t.download},
                              {"low_speed_time", t.low_speed_time}})
        if (value < std::chrono::seconds(1) || value > std::chrono::hours(24))
            s.report(key, "must be from 1s to 24h");
    if (t.low_speed_limit == 0)
        s.report("low_speed_limit", "must be more than 0 bytes per second");
}

// The server and how it is reached.
void read_server(config::section& root, updater_config& c)
{
    c.server = root.string("server");
    if (!c.server.empty()) {
        if (auto problem = url_problem(c.server, false))
            root.report("server", cat("'", c.server, "' ", *problem));
        while (!c.server.empty() && c.server.back() == '/')
            c.server.pop_back();
    }
    c.ca_file = root.string_or("ca_file", "");
    if (!c.ca_file.empty())
        check_absolute_file(root, "ca_file", c.ca_file);
    c.pinned_public_key = root.string_or("pinned_public_key", "");
    if (!c.pinned_public_key.empty() && !c.pinned_public_key.starts_with("sha256//") &&
        !is_absolute(c.pinned_public_key))
        root.report("pinned_public_key", "must be sha256//<base64> hashes or an absolute path to a public key file");
    c.source_address = root.string_or("source_address", "");
    if (!c.source_address.empty() && !is_ip_address(c.source_address))
        root.report("source_address", cat("'", c.source_address, "' is not an IPv4 or IPv6 address"));
    if (auto proxy = root.child("proxy")) {
        c.proxy.url = proxy->string("url");
        if (!c.proxy.url.empty())
            if (auto problem = url_problem(c.proxy.url, true))
                proxy->report("url", cat("'", c.proxy.url, "' ", *problem));
        c.proxy.credentials_file = proxy->string_or("credentials_file", "");
        if (!c.proxy.credentials_file.empty())
            check_absolute_file(*proxy, "credentials_file", c.proxy.credentials_file);
        c.proxy.ca_file = proxy->string_or("ca_file", "");
        if (!c.proxy.ca_file.empty())
            check_absolute_file(*proxy, "ca_file", c.proxy.ca_file);
    }
}

// Who the appliance is and where its UUNs go (doc/protocol.md "Identity").
void read_identity(config::section& root, updater_config& c)
{
    auto appliance = root.child_required("appliance");
    // No fixed id in a packaged updater.yaml: each machine gets its own, and
    // --print-config shows it as the default.
    if (appliance.has("id")) {
        c.appliance.id = appliance.string("id");
    } else if (auto derived = machine_appliance_id()) {
        c.appliance.id = appliance.string_or("id", *derived);
    } else {
        appliance.report("id", derived.error().message);
    }
    c.enrollment_secret_file = appliance.string_or("enrollment_secret_file", "");
    if (!c.enrollment_secret_file.empty())
        check_absolute_file(appliance, "enrollment_secret_file", c.enrollment_secret_file);
    c.certificate_file = appliance.string_or("certificate_file", "");
    if (!c.certificate_file.empty())
        check_absolute_file(appliance, "certificate_file", c.certificate_file);
    c.appliance.product = appliance.string("product");
    c.appliance.version = appliance.string("version");
    if (appliance.has("id") && !proto::is_valid_appliance_id(c.appliance.id))
        appliance.report("id", cat("must be 1 to ", proto::max_appliance_id_bytes,
                                   " of a-z 0-9 . _ - (lower case: the vendor's MTA routes ids without case)"));
    if (appliance.has("product") && !proto::is_valid_product_text(c.appliance.product))
        appliance.report("product", cat("must be 1 to ", proto::max_product_bytes, " of A-Z a-z 0-9 . _ + ~ : -"));
    if (appliance.has("version") && !proto::is_valid_product_text(c.appliance.version))
        appliance.report("version", cat("must be 1 to ", proto::max_product_bytes, " of A-Z a-z 0-9 . _ + ~ : -"));

    auto notify = root.child_required("notify");
    c.notify_recipient = notify.string("recipient");
    c.notify_port = static_cast<int>(notify.integer_or("port", 25, 1, 65535));
    if (notify.has("recipient") && !proto::is_valid_notify_recipient(c.notify_recipient))
        notify.report("recipient", cat("must be local@domain or local@[ip], printable, at most ",
                                        proto::max_recipient_bytes, " bytes"));
}

void read_keys_and_directories(config::section& root, updater_config& c)
{
    auto trust = root.child_or_defaults("trust");
    c.trust_root = trust.string_or("root", "");
    if (!c.trust_root.empty())
        check_absolute_file(trust, "root", c.trust_root);
    if (root.has("trusted_keys") && trust.has("root"))
        root.report("trusted_keys", "and 'trust.root' are both set; set one: trusted_keys is the v1 trust "
                                    "model, trust.root the v2 one (the keys come from the root)");
    else if (!root.has("trusted_keys") && !trust.has("root"))
        root.report("trusted_keys", "or 'trust.root' is required: the keys that sign updates, or the root that "
                                    "names them");
    c.trusted_keys = root.string_list_or("trusted_keys", {});
    if (root.has("trusted_keys") && c.trusted_keys.empty())
        root.report("trusted_keys", "must name at least one publisher key");
    if (c.trusted_keys.size() > max_trusted_keys)
        root.report("trusted_keys", cat("must name at most ", max_trusted_keys, " keys"));
    for (const auto& key : c.trusted_keys)
        check_absolute_file(root, "trusted_keys", key);

    c.state_dir = root.string("state_dir");
    if (root.has("state_dir") && !is_absolute(c.state_dir))
        root.report("state_dir", cat("'", c.state_dir, "' must be an absolute path"));
    else if (root.has("state_dir") && !is_directory(parent_directory(c.state_dir)))
        root.report_missing("state_dir", cat("the parent of '", c.state_dir, "' does not exist"));
    c.spool_dir = root.string("spool_dir");
    if (root.has("spool_dir") && !is_absolute(c.spool_dir))
        root.report("spool_dir", cat("'", c.spool_dir, "' must be an absolute path"));
    else if (root.has("spool_dir") && !is_directory(c.spool_dir))
        root.report_missing("spool_dir", cat("'", c.spool_dir, "' is not a directory (the milter drops triggers there)"));
}

void read_schedule(config::section& root, updater_config& c)
{
    using std::chrono::seconds;
    c.poll_interval = root.duration_or("poll_interval", c.poll_interval);
    c.max_poll_interval = root.duration_or("max_poll_interval", std::max(c.max_poll_interval, c.poll_interval));
    c.jitter_percent = static_cast<int>(root.integer_or("jitter", c.jitter_percent, 0, 50));
    c.backoff_min = root.duration_or("backoff_min", c.backoff_min);
    c.reset_countdown_on_urgent = root.boolean_or("reset_countdown_on_urgent", false);
    c.coalesce_window = root.duration_or("coalesce_window", c.coalesce_window);
    c.max_answer_size = root.size_or("max_answer_size", c.max_answer_size);
    if (c.poll_interval < seconds(1) || c.poll_interval > std::chrono::days(365))
        root.report("poll_interval", "must be from 1s to 365d");
    if (c.max_poll_interval < c.poll_interval || c.max_poll_interval > std::chrono::days(365))
        root.report("max_poll_interval", "must be from poll_interval to 365d");
    if (c.backoff_min < seconds(1) || c.backoff_min > c.poll_interval)
        root.report("backoff_min", "must be from 1s to poll_interval");
    if (c.coalesce_window > seconds(60))
        root.report("coalesce_window", "must be from 0s to 60s");
    if (c.max_answer_size < 4096 || c.max_answer_size > (64ull << 20))
        root.report("max_answer_size", "must be from 4KiB to 64MiB");
}

void read_channels(config::section& root, updater_config& c)
{
    auto channels = root.children("channels");
    if (!root.has("channels"))
        root.report("channels", "required: name at least one channel (name: {file, hook, hook_timeout, max_size})");
    if (channels.size() > proto::max_poll_channels)
        root.report("channels", cat("must name at most ", proto::max_poll_channels, " channels"));
    std::set<std::string> files;
    for (auto& [name, section] : channels) {
        if (!proto::is_valid_channel_name(name))
            root.report("channels", cat("'", name, "' is not a channel name ([a-z0-9][a-z0-9._-]{0,63})"));
        read_channel(section, name, c);
        const auto& file = c.channels.at(name).file;
        if (!file.empty() && !files.insert(file).second)
            section.report("file", cat("'", file, "' is already the file of another channel"));
    }
}

result<updater_config> read_config(config::document doc, config::host_checks host)
{
    updater_config c;
    auto root = doc.root();
    read_server(root, c);
    read_identity(root, c);
    read_keys_and_directories(root, c);
    read_schedule(root, c);
    auto timeouts = root.child_or_defaults("timeouts");
    read_timeouts(timeouts, c.timeouts);
    read_channels(root, c);
    {
        auto log = root.child_or_defaults("log");
        auto level = log.string_or("level", "info");
        if (level != "info" && level != "debug")
            log.report("level", "must be info or debug");
        c.log_debug = level == "debug";
    }

    if (auto ok = doc.finish(host); !ok)
        return std::unexpected(ok.error());
    c.as_read = doc.values();
    return c;
}

}  // namespace

const channel_config* updater_config::channel(const std::string& name) const
{
    auto it = channels.find(name);
    return it == channels.end() ? nullptr : &it->second;
}

std::vector<std::string> updater_config::channel_names() const
{
    std::vector<std::string> out;
    for (const auto& [name, ch] : channels)
        out.push_back(name);
    return out;
}

result<updater_config> load_updater_config(const std::string& path, config::host_checks host)
{
    auto doc = config::document::load(path);
    if (!doc)
        return std::unexpected(doc.error());
    return read_config(std::move(*doc), host);
}

result<updater_config> parse_updater_config(std::string_view text, const std::string& name)
{
    auto doc = config::document::parse(text, name);
    if (!doc)
        return std::unexpected(doc.error());
    return read_config(std::move(*doc), config::host_checks::enforce);
}

}  // namespace uun::updater
