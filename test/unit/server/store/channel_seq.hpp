// For the tests of the v2 log (channel_log_test.cpp, api_trust_test.cpp):
// stores an entry's channel_seq as uun-publish's v2 append leaves it, since
// the store's append_entry (the v1 one) writes 0. Fails the test on an error.
#pragma once

#include "lib/util/sqlite.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

namespace uun::test {

inline void set_channel_seq(const std::string& store_path, std::uint64_t seq, std::uint64_t channel_seq)
{
    auto db = sqlite_db::open(store_path);
    REQUIRE(db);
    auto st = db->prepare("UPDATE entries SET channel_seq = ?1 WHERE seq = ?2");
    REQUIRE(st);
    st->bind(1, static_cast<std::int64_t>(channel_seq)).bind(2, static_cast<std::int64_t>(seq));
    REQUIRE(st->run());
    CHECK(db->changes() == 1);
}

}  // namespace uun::test
