// The fleet simulator's set-up (see header): option parsing with range
// checks, addresses, the descriptor limit and the appliances' worlds.
#include "bench/fleet/fleet_setup.hpp"

#include "lib/util/address.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>
#include <utility>

#include <arpa/inet.h>
#include <sys/stat.h>

namespace uun::bench {

namespace {

// Sets `into` to the whole of `text` as a decimal number in [low, high], or
// says what `option` wants.
template <typename N>
result<void> number_in(std::string_view option, std::string_view text, N low, N high, N& into)
{
    N n{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < low || n > high)
        return fail(cat(option, ": want a whole number from ", low, " to ", high, ", got '", text, "'"));
    into = n;
    return {};
}

// first was checked with is_ipv4_address before any of this runs.
std::uint32_t host_order(const std::string& ipv4)
{
    return ipv4_host_order(ipv4).value_or(0);
}

// Whether fleet_addresses(first, count) stays at or below 255.255.255.255
// (it skips two of every 256, so the end is not simply first + count).
bool addresses_fit(const std::string& first, std::size_t count)
{
    std::uint64_t h = host_order(first);
    for (std::size_t taken = 0; taken < count; ++h) {
        if (h > 0xffffffffu)
            return false;
        if ((h & 0xff) != 0 && (h & 0xff) != 0xff)
            ++taken;
    }
    return true;
}

result<void> check(const fleet_options& o)
{
    const std::pair<const char*, const std::string*> required[] = {
        {"--server", &o.server}, {"--ca", &o.ca}, {"--key", &o.key}, {"--work", &o.work}, {"--events", &o.events}};
    for (const auto& [name, value] : required)
        if (value->empty())
            return fail(cat(name, " is required"));
    if (!is_ipv4_address(o.first))
        return fail(cat("--first: want an IPv4 address such as 127.16.0.1, got '", o.first, "'"));
    if (!addresses_fit(o.first, o.count))
        return fail(cat("--first ", o.first, " with --count ", o.count, ": the addresses run past 255.255.255.255"));
    return {};
}

}  // namespace

const char* fleet_usage()
{
    return "usage: bench-fleet-sim --count N --server URL --ca CA.pem --key PUB.pem --work DIR "
           "--events FILE [--threads T] [--port 25] [--first 127.16.0.1]\n";
}

result<fleet_options> parse_fleet_options(int argc, char** argv)
{
    fleet_options o;
    for (int i = 1; i < argc; i += 2) {
        std::string k = argv[i];
        if (i + 1 >= argc)
            return fail(cat(k, " needs a value"));
        std::string v = argv[i + 1];
        result<void> ok;
        if (k == "--count")
            ok = number_in(k, v, std::size_t{1}, max_appliances, o.count);
        else if (k == "--threads")
            ok = number_in(k, v, 1, max_threads, o.threads);
        else if (k == "--port")
            ok = number_in(k, v, 1, 65535, o.port);
        else if (k == "--server")
            o.server = v;
        else if (k == "--ca")
            o.ca = v;
        else if (k == "--key")
            o.key = v;
        else if (k == "--work")
            o.work = v;
        else if (k == "--events")
            o.events = v;
        else if (k == "--first")
            o.first = v;
        else
            return fail(cat("unknown option ", k));
        if (!ok)
            return std::unexpected(ok.error());
    }
    if (auto ok = check(o); !ok)
        return std::unexpected(ok.error());
    return o;
}

std::vector<in_addr> fleet_addresses(const std::string& first, std::size_t count)
{
    std::uint32_t h = host_order(first);
    std::vector<in_addr> out;
    while (out.size() < count) {
        if ((h & 0xff) != 0 && (h & 0xff) != 0xff) {
            in_addr x{};
            x.s_addr = htonl(h);
            out.push_back(x);
        }
        ++h;
    }
    return out;
}

std::string address_text(in_addr a)
{
    char s[INET_ADDRSTRLEN] = "";
    ::inet_ntop(AF_INET, &a, s, sizeof s);
    return s;
}

result<rlim_t> raise_fd_limit(rlim_t need, rlim_t want)
{
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_max < want) {
        rlimit higher{want, want};
        if (::setrlimit(RLIMIT_NOFILE, &higher) == 0)
            return want;
    }
    r.rlim_cur = std::min(want, r.rlim_max);
    if (r.rlim_cur < need || ::setrlimit(RLIMIT_NOFILE, &r) != 0)
        return fail(cat("RLIMIT_NOFILE: need ", need, " descriptors, the hard limit is ", r.rlim_max));
    return r.rlim_cur;
}

result<std::vector<std::unique_ptr<appliance>>> build_appliances(const fleet_options& o,
                                                                 const std::vector<in_addr>& addrs)
{
    std::string tmpl = o.work + "/template";
    for (const char* d : {"", "/state", "/spool", "/av"})
        ::mkdir((tmpl + d).c_str(), 0700);
    std::string yaml = cat("server: ", o.server, "\nca_file: ", o.ca,
                           "\nappliance: {id: fleet-0, product: mg-5000, version: 3.2.1}\n"
                           "notify: {recipient: uun@fleet-0.fleet.test, port: ",
                           o.port, "}\ntrusted_keys: [", o.key, "]\nstate_dir: ", tmpl, "/state\nspool_dir: ", tmpl,
                           "/spool\npoll_interval: 24h\n", "channels:\n  av: {file: ", tmpl, "/av/signatures.db}\n");
    auto parsed = updater::parse_updater_config(yaml, "fleet template");
    if (!parsed)
        return fail(parsed.error().message);
    std::vector<std::unique_ptr<appliance>> out(addrs.size());
    for (std::size_t i = 0; i < addrs.size(); ++i) {
        auto& a = out[i];
        a = std::make_unique<appliance>();
        a->config = *parsed;
        std::string id = cat("fleet-", i + 1);
        std::string dir = cat(o.work, "/", id);
        ::mkdir(dir.c_str(), 0700);
        ::mkdir((dir + "/av").c_str(), 0700);
        a->config.appliance.id = id;
        a->config.notify_recipient = cat("uun@", id, ".fleet.test");
        a->config.source_address = address_text(addrs[i]);
        a->config.state_dir = dir + "/state";
        a->config.spool_dir = dir + "/spool";
        a->config.channels["av"].file = dir + "/av/signatures.db";
        a->store = std::make_unique<updater::state_store>(a->config.state_dir);
        if (auto ok = a->store->prepare(); !ok)
            return std::unexpected(ok.error());
        auto token = a->store->token();
        if (!token)
            return std::unexpected(token.error());
        a->token = *token;
    }
    return out;
}

}  // namespace uun::bench
