// server.yaml loading and validation (see header). Every problem is
// collected and reported at once with file, line and key.
#include "server/settings/server_config.hpp"

#include "lib/proto/timestamp_statement.hpp"
#include "lib/proto/uun_header.hpp"
#include "lib/util/address.hpp"
#include "lib/util/config.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/units.hpp"

#include <algorithm>

#include <arpa/inet.h>
#include <sys/stat.h>

namespace uun::settings {

namespace {

// "host:port" or "[v6]:port".
bool is_listen_address(const std::string& text)
{
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 >= text.size())
        return false;
    std::string host = text.substr(0, colon), port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string::npos)
        return false;
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535)
        return false;
    return is_ip_address(host);
}

// Only called on text is_listen_address accepted.
bool is_loopback_listen_address(const std::string& text)
{
    std::string host = text.substr(0, text.rfind(':'));
    if (host.front() == '[')
        return host == "[::1]";
    return is_ipv4_loopback(host);
}

void require_absolute(config::section& s, const char* key, const std::string& path)
{
    if (!path.empty() && path.front() != '/')
        s.report(key, cat("must be an absolute path, not '", path, "'"));
}

void require_argv(config::section& s, const char* key, const std::vector<std::string>& argv, bool may_be_empty)
{
    if (argv.empty() && !may_be_empty)
        s.report(key, "must name a program");
    else if (!argv.empty() && argv.front().front() != '/')
        s.report(key, cat("must start with an absolute program path, not '", argv.front(), "'"));
}

void read_tls(config::section& root, bool daemon, server_config& c)
{
    if (auto tls = daemon ? std::optional(root.child_required("tls")) : root.child("tls")) {
        c.tls.certificate = tls->string("certificate");
        c.tls.key = tls->string("key");
        c.tls.session_tickets = tls->boolean_or("session_tickets", c.tls.session_tickets);
        require_absolute(*tls, "certificate", c.tls.certificate);
        require_absolute(*tls, "key", c.tls.key);
    }
}

// On an admin host with publish.remote the store is the server host's.
void read_store(config::section& root, server_config& c)
{
    auto found = c.publish.remote.empty() ? std::optional(root.child_required("store")) : root.child("store");
    if (!found)
        return;
    auto& store = *found;
    c.store.sqlite = store.string("sqlite");
    c.store.payload_dir = store.string("payload_dir");
    c.store.max_payload_size = store.size_or("max_payload_size", c.store.max_payload_size);
    require_absolute(store, "sqlite", c.store.sqlite);
    require_absolute(store, "payload_dir", c.store.payload_dir);
}

void read_registry(config::section& root, server_config& c)
{
    auto reg = root.child_or_defaults("registry");
    c.registry.expire_after = reg.duration_or("expire_after", c.registry.expire_after);
    c.registry.sweep_interval = reg.duration_or("sweep_interval", c.registry.sweep_interval);
    c.registry.max_sweep_share = static_cast<int>(reg.integer_or("max_sweep_share", c.registry.max_sweep_share, 1, 100));
    c.registry.trusted_proxies = reg.string_list_or("trusted_proxies", {});
    for (const auto& p : c.registry.trusted_proxies)
        if (!is_ip_address(p))
            reg.report("trusted_proxies", cat("'", p, "' is not an IP address"));
    c.registry.max_appliances = reg.integer_or("max_appliances", c.registry.max_appliances, 1, 1000000000);
    c.registry.admission = reg.string_or("admission", c.registry.admission);
    if (c.registry.admission != "open" && c.registry.admission != "secret" && c.registry.admission != "accept" &&
        c.registry.admission != "certificate")
        reg.report("admission", cat("'", c.registry.admission, "' is not open, secret, certificate or accept"));
    c.registry.device_ca = reg.string_or("device_ca", "");
    if (!c.registry.device_ca.empty())
        require_absolute(reg, "device_ca", c.registry.device_ca);
    if (c.registry.admission == "certificate" && c.registry.device_ca.empty())
        reg.report("admission", "certificate needs registry.device_ca (the CA that issues device certificates)");
    c.registry.enrollment_dir = reg.string_or("enrollment_dir", "");
    if (!c.registry.enrollment_dir.empty())
        require_absolute(reg, "enrollment_dir", c.registry.enrollment_dir);
    if (c.registry.admission == "secret" && c.registry.enrollment_dir.empty())
        reg.report("admission", "secret needs registry.enrollment_dir (a <product>.secret file per product line)");
    if (c.registry.expire_after.count() < 60)
        reg.report("expire_after", "must be at least 1m");
    if (c.registry.sweep_interval.count() < 1)
        reg.report("sweep_interval", "must be at least 1s");
}

void read_poll(config::section& root, server_config& c)
{
    auto poll = root.child_or_defaults("poll");
    c.poll.interval = poll.duration_or("interval", c.poll.interval);
    c.poll.max_entries = poll.integer_or("max_entries", c.poll.max_entries, 1, 1000);
    if (c.poll.interval.count() < 1)
        poll.report("interval", "must be at least 1s");
}

// An appliance polls every poll.interval, later by up to the updaters'
// largest jitter (50 %). A registry row that does not outlive that gap
// expires between two polls, and its appliance never gets a UUN.
void check_expiry_against_polls(config::section& root, const server_config& c)
{
    auto reg = root.child_or_defaults("registry");
    auto expire = c.registry.expire_after;
    auto interval = c.poll.interval;
    auto longest_gap = interval + interval / 2;
    if (expire < longest_gap)
        reg.report("expire_after", cat(format_duration(expire), " is shorter than the longest gap between two polls "
                                       "of one appliance, poll.interval (", format_duration(interval),
                                       ") plus the updaters' jitter of up to 50 % (", format_duration(longest_gap),
                                       "): every appliance would expire between polls and get no UUN; make it "
                                       "at least 3 x poll.interval (", format_duration(3 * interval), ")"));
    else if (expire < 3 * interval)
        reg.warn("expire_after", cat(format_duration(expire), " is under 3 x poll.interval (",
                                     format_duration(3 * interval), "): one or two missed polls (a reboot, an "
                                     "outage) drop an appliance from the registry until it polls again"));
    if (c.registry.sweep_interval > expire)
        reg.warn("sweep_interval", cat(format_duration(c.registry.sweep_interval), " is longer than "
                                       "registry.expire_after (", format_duration(expire), "): expired rows "
                                       "stay up to that long (uun-publish --appliances shows them as expired)"));
}

void read_limits(config::section& root, server_config& c)
{
    auto lim = root.child_or_defaults("limits");
    c.limits.workers = lim.integer_or("workers", c.limits.workers, 0, 256);
    c.limits.max_connections = lim.integer_or("max_connections", c.limits.max_connections, 1, 1000000);
    c.limits.max_inflight = lim.integer_or("max_inflight", c.limits.max_inflight, 1, 1000000);
    c.limits.max_body = lim.size_or("max_body", c.limits.max_body);
    c.limits.request_timeout = lim.duration_or("request_timeout", c.limits.request_timeout);
    c.limits.idle_timeout = lim.duration_or("idle_timeout", c.limits.idle_timeout);
    c.limits.retry_after = lim.duration_or("retry_after", c.limits.retry_after);
    if (c.limits.max_body < 1024 || c.limits.max_body > (1u << 24))
        lim.report("max_body", "must be from 1KiB to 16MiB");
    if (c.limits.request_timeout.count() < 1)
        lim.report("request_timeout", "must be at least 1s");
    c.limits.handshake_timeout = lim.duration_or("handshake_timeout", c.limits.handshake_timeout);
    if (c.limits.handshake_timeout.count() < 1 || c.limits.handshake_timeout.count() > 60)
        lim.report("handshake_timeout", "must be from 1s to 60s");
    auto per = lim.child_or_defaults("per_address");
    auto& p = c.limits.per_address;
    p.max_connections = per.integer_or("max_connections", p.max_connections, 1, 1000000);
    p.max_handshakes = per.integer_or("max_handshakes", p.max_handshakes, 1, 1000000);
    p.new_registrations = per.integer_or("new_registrations", p.new_registrations, 1, 1000000);
}

void read_admin(config::section& root, server_config& c)
{
    auto admin = root.child_or_defaults("admin");
    c.admin.listen = admin.string_list_or("listen", c.admin.listen);
    for (const auto& l : c.admin.listen)
        if (!is_listen_address(l))
            admin.report("listen", cat("'", l, "' is not address:port (IPv6 as [addr]:port)"));
    for (const auto& l : c.admin.listen)
        if (std::find(c.listen.begin(), c.listen.end(), l) != c.listen.end())
            admin.report("listen", cat("'", l, "' is also in listen: the admin listener needs an address of its own"));
}

// The publisher's own record and keys (doc/trust.md): read after store.sqlite,
// whose directory holds the counters by default.
void read_publish_trust(config::section& pub, server_config& c)
{
    c.publish.notify_key = pub.string_or("notify_key", c.publish.key);
    require_absolute(pub, "notify_key", c.publish.notify_key);
    std::string beside_store = c.store.sqlite.empty() ? "" : parent_directory(c.store.sqlite) + "/publisher-counters.json";
    c.publish.counters = pub.string_or("counters", beside_store);
    require_absolute(pub, "counters", c.publish.counters);
    if (c.publish.counters.empty() && !c.publish.remote.empty())
        pub.report("counters", "must be set with publish.remote (there is no store.sqlite here to keep it beside)");
    c.publish.root = pub.string_or("root", "");
    require_absolute(pub, "root", c.publish.root);
}

// Read first: it decides whether this host needs a store and an MTA.
void read_publish_remote(config::section& root, server_config& c)
{
    auto pub = root.child("publish");
    if (!pub)
        return;
    c.publish.remote = pub->string_list_or("remote", {});
    require_argv(*pub, "remote", c.publish.remote, true);
}

void read_publish(config::section& root, bool publishing, server_config& c)
{
    if (auto pub = publishing ? std::optional(root.child_required("publish")) : root.child("publish")) {
        // A server host that only notifies (--serve) holds the notify key and
        // no publisher key; an admin host with publish.remote sends no mail.
        c.publish.key = pub->string_or("key", "");
        require_absolute(*pub, "key", c.publish.key);
        c.publish.channels = pub->string_list("channels");
        for (const auto& ch : c.publish.channels)
            if (!proto::is_valid_channel_name(ch))
                pub->report("channels", cat("'", ch, "' is not a channel name ([a-z0-9][a-z0-9._-]*, up to 64)"));
        c.publish.uun_lifetime = pub->duration_or("uun_lifetime", c.publish.uun_lifetime);
        if (c.publish.uun_lifetime.count() < 60 || c.publish.uun_lifetime.count() > proto::max_uun_lifetime_seconds)
            pub->report("uun_lifetime", "must be from 1m to 24h (the X-UUN format's maximum)");
        bool mails = c.publish.remote.empty();
        c.publish.from = mails ? pub->string("from") : pub->string_or("from", "");
        c.publish.sender_domain = mails ? pub->string("sender_domain") : pub->string_or("sender_domain", "");
        if (!c.publish.from.empty() && c.publish.from.find('@') == std::string::npos)
            pub->report("from", "must be a mail address");
        // Both end up in mail headers and envelopes: no line breaks, no controls.
        auto control = [](char ch) {
            return static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f;
        };
        if (std::any_of(c.publish.from.begin(), c.publish.from.end(), control))
            pub->report("from", "must be printable ASCII on one line");
        const char* domain_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";
        const auto& domain = c.publish.sender_domain;
        if ((mails && domain.empty()) || domain.find_first_not_of(domain_chars) != std::string::npos)
            pub->report("sender_domain", "must be a bare domain");
        c.publish.vendor_domains = pub->string_list_or("vendor_domains", {});
        for (const auto& d : c.publish.vendor_domains)
            if (d.empty() || d.find_first_not_of(domain_chars) != std::string::npos)
                pub->report("vendor_domains", cat("'", d, "' is not a bare domain"));
        read_publish_trust(*pub, c);
        if (c.publish.key.empty() && c.publish.notify_key.empty())
            pub->report("key", "must be set: the publisher key (a server host that only notifies for "
                                       "--serve may set publish.notify_key instead)");
    }
}

void read_mta(config::section& root, bool publishing, server_config& c)
{
    if (auto mta = root.child("mta")) {
        auto submit = mta->string_or("submit", "smtp");
        if (submit == "sendmail")
            c.mta.submit = submit_method::sendmail;
        else if (submit != "smtp")
            mta->report("submit", cat("must be sendmail or smtp, not '", submit, "'"));
        c.mta.parallel = mta->integer_or("parallel", c.mta.parallel, 1, 64);
        c.mta.smtp = mta->string_or("smtp", c.mta.smtp);
        if (!is_listen_address(c.mta.smtp))
            mta->report("smtp", cat("'", c.mta.smtp, "' is not address:port (IPv6 as [addr]:port)"));
        else if (!is_loopback_listen_address(c.mta.smtp))
            mta->report("smtp", cat("'", c.mta.smtp, "' must be a loopback address: the submission is plain SMTP"));
        c.mta.sendmail = mta->string_list_or("sendmail", c.mta.sendmail);
        c.mta.relay_map = mta->string("relay_map");
        c.mta.map_type = mta->string_or("map_type", c.mta.map_type);
        c.mta.postmap = mta->string_list_or("postmap", c.mta.postmap);
        c.mta.reload = mta->string_list_or("reload", {});
        c.mta.postqueue = mta->string_list_or("postqueue", c.mta.postqueue);
        c.mta.postsuper = mta->string_list_or("postsuper", c.mta.postsuper);
        require_argv(*mta, "postqueue", c.mta.postqueue, false);
        require_argv(*mta, "postsuper", c.mta.postsuper, false);
        require_argv(*mta, "sendmail", c.mta.sendmail, false);
        require_argv(*mta, "postmap", c.mta.postmap, false);
        require_argv(*mta, "reload", c.mta.reload, true);
        require_absolute(*mta, "relay_map", c.mta.relay_map);
        if (c.mta.map_type != "hash" && c.mta.map_type != "lmdb" && c.mta.map_type != "cdb" &&
            c.mta.map_type != "btree")
            mta->report("map_type", "must be hash, lmdb, cdb or btree");
    } else if (publishing && c.publish.remote.empty()) {
        root.child_required("mta");
    }
}

// Only uun-server uses the section, but uun-publish reads the same file and
// must not call its keys unknown. A section that is there needs both paths.
void read_trust(config::section& root, bool daemon, server_config& c)
{
    auto trust = root.child("trust");
    if (!trust)
        return;
    c.trust.roots_dir = trust->string("roots_dir");
    c.trust.timestamp_key = trust->string("timestamp_key");
    c.trust.timestamp_lifetime = trust->duration_or("timestamp_lifetime", c.trust.timestamp_lifetime);
    require_absolute(*trust, "roots_dir", c.trust.roots_dir);
    require_absolute(*trust, "timestamp_key", c.trust.timestamp_key);
    auto lifetime = c.trust.timestamp_lifetime.count();
    if (lifetime < 60 || lifetime > proto::max_timestamp_lifetime_seconds)
        trust->report("timestamp_lifetime", "must be from 1m to 7d (what an appliance accepts)");
    struct stat st {};
    if (daemon && !c.trust.roots_dir.empty() && c.trust.roots_dir.front() == '/' &&
        (::stat(c.trust.roots_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
        trust->report_missing("roots_dir", cat("'", c.trust.roots_dir, "' is not a directory"));
}

void read_log(config::section& root, server_config& c)
{
    auto log = root.child_or_defaults("log");
    c.log.syslog = log.boolean_or("syslog", c.log.syslog);
    c.log.debug = log.boolean_or("debug", c.log.debug);
}

}  // namespace

std::vector<std::string> vendor_domains(const publish_config& publish)
{
    auto out = publish.vendor_domains;
    if (auto at = publish.from.rfind('@'); at != std::string::npos && at + 1 < publish.from.size()) {
        // From: may be "Name <uun@vendor.example>": the domain ends at '>'.
        auto domain = publish.from.substr(at + 1);
        out.push_back(domain.substr(0, domain.find('>')));
    }
    if (!publish.sender_domain.empty())
        out.push_back(publish.sender_domain);
    return out;
}

result<server_config> load_server_config(const std::string& path, config_purpose purpose)
{
    auto doc = config::document::load(path);
    if (!doc)
        return std::unexpected(doc.error());
    server_config c;
    c.path = path;
    bool daemon = purpose == config_purpose::daemon;
    bool publishing = purpose == config_purpose::publish;
    auto root = doc->root();

    c.listen = daemon ? root.string_list("listen") : root.string_list_or("listen", {});
    for (const auto& l : c.listen)
        if (!is_listen_address(l))
            root.report("listen", cat("'", l, "' is not address:port (IPv6 as [addr]:port)"));
    read_admin(root, c);
    read_tls(root, daemon, c);
    read_publish_remote(root, c);
    read_store(root, c);
    read_registry(root, c);
    read_poll(root, c);
    check_expiry_against_polls(root, c);
    read_limits(root, c);
    read_publish(root, publishing, c);
    read_mta(root, publishing, c);
    read_trust(root, daemon, c);
    read_log(root, c);

    if (auto ok = doc->finish(); !ok)
        return std::unexpected(ok.error());
    c.as_read = doc->values();
    c.warnings = doc->warnings();
    return c;
}

}  // namespace uun::settings
