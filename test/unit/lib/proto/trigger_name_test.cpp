// Trigger file names (lib/proto/trigger_name): what the milter builds is
// what the updater parses, and every malformed or hostile name is refused.
#include "lib/proto/trigger_name.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>

using namespace uun::proto;

namespace {

const std::string milter_nonce = "CngAlZFyLMhIJcqV7n_6Ug";
const std::string updater_nonce = "AbCdEfGhIjKlMnOpQr_-09";  // 22 characters

}  // namespace

TEST_CASE("trigger names the milter writes are exactly those the updater reads")
{
    struct row {
        const char* label;
        std::string name;
        bool want;
    };
    const row rows[] = {
        {"ordinary", "uun-42-" + milter_nonce, true},
        {"nonce starting with '-'", "uun-1--Vf5Roq8_tc_jljW1ReIWw", true},
        {"20-digit seq", "uun-18446744073709551615-" + milter_nonce, true},
        {"21-digit seq", "uun-184467440737095516150-" + milter_nonce, false},
        {"no seq", "uun--" + milter_nonce, false},
        {"nonce one short", "uun-42-" + milter_nonce.substr(1), false},
        {"nonce one long", "uun-42-" + milter_nonce + "A", false},
        {"padding in nonce", "uun-42-CngAlZFyLMhIJcqV7n_6U=", false},
        {"slash in nonce", "uun-42-CngAlZFyLMhIJcqV7n/6Ug", false},
        {"temp file", ".uun-42-" + milter_nonce, false},
        {"other prefix", "xun-42-" + milter_nonce, false},
        {"letters in seq", "uun-4a-" + milter_nonce, false},
        {"empty", "", false},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label), ": ", r.name);
        CHECK(parse_trigger_name(r.name).has_value() == r.want);
    }
    CHECK(trigger_name(42, milter_nonce) == "uun-42-" + milter_nonce);
}

TEST_CASE("trigger names are accepted or refused")
{
    struct row {
        const char* label;
        std::string name;
        std::optional<std::uint64_t> want;
    };
    const row rows[] = {
        {"plain", "uun-42-" + updater_nonce, 42},
        {"seq 0", "uun-0-" + updater_nonce, 0},
        {"largest seq", "uun-18446744073709551615-" + updater_nonce, 18446744073709551615ull},
        {"20 digits over 2^64", "uun-18446744073709551616-" + updater_nonce, std::nullopt},
        {"21 digits", "uun-100000000000000000000-" + updater_nonce, std::nullopt},
        {"temp name", ".uun-42-" + updater_nonce, std::nullopt},
        {"no seq", "uun--" + updater_nonce, std::nullopt},
        {"seq not a number", "uun-4x-" + updater_nonce, std::nullopt},
        {"signed seq", "uun-+4-" + updater_nonce, std::nullopt},
        {"nonce too short", "uun-42-" + updater_nonce.substr(1), std::nullopt},
        {"nonce too long", "uun-42-" + updater_nonce + "A", std::nullopt},
        {"nonce with a dot", "uun-42-" + updater_nonce.substr(1) + ".", std::nullopt},
        {"nonce with a slash", "uun-42-" + updater_nonce.substr(1) + "/", std::nullopt},
        {"wrong prefix", "UUN-42-" + updater_nonce, std::nullopt},
        {"other prefix", "xuun-42-" + updater_nonce, std::nullopt},
        {"empty", "", std::nullopt},
        {"just the prefix", "uun-", std::nullopt},
        {"trailing newline", "uun-42-" + updater_nonce + "\n", std::nullopt},
        {"path", "../uun-42-" + updater_nonce, std::nullopt},
    };
    for (const auto& r : rows) {
        auto got = parse_trigger_name(r.name);
        INFO(std::string(r.label), ": got ", got ? std::to_string(*got) : "none", ", want ",
             r.want ? std::to_string(*r.want) : "none");
        CHECK(got == r.want);
    }
}

