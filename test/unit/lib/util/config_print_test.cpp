// What --print-config shows: every value a program read, defaults included
// (also those of an absent section), in the config's own notation; one KEY
// alone; an unknown KEY refused; problems of the host ignored only when the
// caller asks.
#include "lib/util/config.hpp"
#include "lib/util/config_print.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace uun;

namespace {

// Reads the shape a small daemon would read and returns what was recorded.
result<config::settings> read_sample(std::string_view text, config::host_checks host = config::host_checks::enforce)
{
    auto doc = config::document::parse(text, "test.yaml");
    if (!doc)
        return std::unexpected(doc.error());
    auto root = doc->root();
    root.string("socket");
    root.integer_or("port", 25, 1, 65535);
    root.duration_or("interval", std::chrono::hours(24));
    root.size_or("max_body", 65536);
    root.string_list_or("keys", {"/etc/uun/a.pem", "/etc/uun/b.pem"});
    auto log = root.child_or_defaults("log");
    log.boolean_or("debug", false);
    log.string_or("to", "syslog");
    auto spool = root.string_or("spool", "/var/spool/uun");
    if (spool != "/var/spool/uun")
        root.report_missing("spool", "is not a directory");
    if (auto ok = doc->finish(host); !ok)
        return std::unexpected(ok.error());
    return doc->values();
}

}  // namespace

TEST_CASE("every value read is recorded, defaults and an absent section's defaults included")
{
    auto values = read_sample("socket: unix:/run/m.sock\ninterval: 90m\n");
    REQUIRE(values);
    CHECK(values->at("socket") == "unix:/run/m.sock");
    CHECK(values->at("port") == "25");
    CHECK(values->at("interval") == "90m");
    CHECK(values->at("max_body") == "65536");
    CHECK(values->at("keys") == "[/etc/uun/a.pem, /etc/uun/b.pem]");
    CHECK(values->at("log.debug") == "false");
    CHECK(values->at("log.to") == "syslog");
    CHECK(values->at("spool") == "/var/spool/uun");

    auto given = read_sample("socket: s\nmax_body: 64KiB\ninterval: 2d\nkeys: [/k.pem]\nlog: {debug: true}\n");
    REQUIRE(given);
    CHECK(given->at("max_body") == "65536");
    CHECK(given->at("interval") == "2d");
    CHECK(given->at("keys") == "[/k.pem]");
    CHECK(given->at("log.debug") == "true");
}

TEST_CASE("a problem of the host fails the load unless host checks are ignored; a format problem always does")
{
    auto strict = read_sample("socket: s\nspool: /nowhere\n");
    REQUIRE_FALSE(strict);
    CHECK(strict.error().message == "test.yaml:2: 'spool': is not a directory");
    auto lenient = read_sample("socket: s\nspool: /nowhere\n", config::host_checks::ignore);
    REQUIRE(lenient);
    CHECK(lenient->at("spool") == "/nowhere");
    auto bad = read_sample("socket: s\nport: 99999\nspool: /nowhere\n", config::host_checks::ignore);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("'port' must be an integer from 1 to 65535") != std::string::npos);
    CHECK(bad.error().message.find("spool") == std::string::npos);
}

TEST_CASE("print_settings: all as 'key = value' in key order, one KEY's value alone, an unknown KEY refused")
{
    config::settings values{{"socket", "unix:/s"}, {"log.to", "syslog"}, {"port", "25"}};
    std::ostringstream out, err;
    CHECK(config::print_settings(values, "", "m.yaml", "uun-test", out, err) == 0);
    CHECK(out.str() == "log.to = syslog\nport = 25\nsocket = unix:/s\n");
    CHECK(err.str().empty());

    out.str("");
    CHECK(config::print_settings(values, "log.to", "m.yaml", "uun-test", out, err) == 0);
    CHECK(out.str() == "syslog\n");

    out.str("");
    CHECK(config::print_settings(values, "log", "m.yaml", "uun-test", out, err) == 1);
    CHECK(out.str().empty());
    CHECK(err.str() == "uun-test: 'log' is not a setting of m.yaml (--print-config without a key lists them)\n");
}
