// Update entries: JSON round trip, strict parsing, target selectors, versions.
#include "lib/proto/update_entry.hpp"

#include <doctest/doctest.h>

using namespace uun::proto;

namespace {

update_entry sample_entry()
{
    update_entry e;
    e.seq = 12;
    e.id = "av-12";
    e.channel = "av";
    e.name = "signatures-2026.db";
    e.sha256 = std::string(64, 'a');
    e.size = 1234;
    e.urgent = true;
    e.published = 1763900000;
    e.target = *parse_target_list("product=mg-5000,version>=3.2");
    return e;
}

}  // namespace

TEST_CASE("an entry survives its JSON form")
{
    auto e = sample_entry();
    auto back = update_entry_from_json(entry_payload(e));
    REQUIRE(back);
    CHECK(*back == e);
}

TEST_CASE("entries with a bad field are refused")
{
    struct row {
        const char* label;
        const char* key;
        nlohmann::json value;
    };
    const row rows[] = {
        {"seq is a string", "seq", "12"},
        {"seq is zero", "seq", 0},
        {"seq is negative", "seq", -1},
        {"name is a path", "name", "../../etc/passwd"},
        {"name is hidden", "name", ".profile"},
        {"sha256 upper case", "sha256", std::string(64, 'A')},
        {"sha256 short", "sha256", "abc"},
        {"channel invalid", "channel", "A V"},
        {"urgent is a string", "urgent", "yes"},
        {"target is a string", "target", "product=x"},
        {"target selector unknown field", "target", nlohmann::json::array({"colour=red"})},
        {"size is a float", "size", 1.5},
    };
    for (const auto& r : rows) {
        auto j = to_json(sample_entry());
        j[r.key] = r.value;
        INFO(std::string(r.label));
        CHECK_FALSE(update_entry_from_json(j.dump()));
    }
    auto j = to_json(sample_entry());
    j.erase("sha256");
    CHECK_FALSE(update_entry_from_json(j.dump()));
    CHECK_FALSE(update_entry_from_json("[1,2]"));
    CHECK_FALSE(update_entry_from_json("{"));
}

TEST_CASE("versions compare piece by piece, numbers as numbers")
{
    struct row {
        const char* a;
        const char* b;
        int want;
    };
    const row rows[] = {
        {"3.10", "3.9", 1}, {"3.2", "3.2", 0},   {"3.2", "3.2.0", -1}, {"3.2.1", "3.2", 1},
        {"3.02", "3.2", 0}, {"3.0", "3.rc1", 1}, {"2.9", "10.0", -1},  {"1.0-rc2", "1.0-rc10", -1},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.a), " vs ", std::string(r.b));
        CHECK(compare_versions(r.a, r.b) == r.want);
        CHECK(compare_versions(r.b, r.a) == -r.want);
    }
}

TEST_CASE("target selectors decide which appliances an entry affects")
{
    struct row {
        const char* target;
        appliance_facts appliance;
        bool want;
    };
    const row rows[] = {
        {"", {"gw-1", "mg-5000", "3.0"}, true},
        {"product=mg-5000", {"gw-1", "mg-5000", "3.0"}, true},
        {"product=mg-5000", {"gw-1", "mg-3000", "3.0"}, false},
        {"product!=mg-3000", {"gw-1", "mg-5000", "3.0"}, true},
        {"version>=3.2", {"gw-1", "mg-5000", "3.10"}, true},
        {"version>=3.2", {"gw-1", "mg-5000", "3.1.9"}, false},
        {"version<4", {"gw-1", "mg-5000", "3.99"}, true},
        {"version>3.2,version<=3.4", {"gw-1", "mg-5000", "3.4"}, true},
        {"version>3.2,version<=3.4", {"gw-1", "mg-5000", "3.2"}, false},
        {"id=gw-2", {"gw-1", "mg-5000", "3.0"}, false},
        {"product=mg-5000,id!=gw-1", {"gw-1", "mg-5000", "3.0"}, false},
    };
    for (const auto& r : rows) {
        auto t = parse_target_list(r.target);
        REQUIRE(t);
        INFO("target '", std::string(r.target), "' on ", r.appliance.id, "/", r.appliance.product, "/", r.appliance.version);
        CHECK(target_matches(*t, r.appliance) == r.want);
    }
    for (const char* bad : {"product", "colour=red", "product>=x", "version>=", "version==3", "version>=3 2"}) {
        INFO(std::string(bad));
        CHECK_FALSE(parse_target_list(bad));
    }
}
