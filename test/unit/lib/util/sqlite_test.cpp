// The SQLite wrapper's statement cache: a statement prepared again is the
// same one, reset and unbound; the same text lent out twice at once works;
// the cache stops growing at its limit; transactions still roll back; a file
// that cannot be opened is named with what the caller calls it.
#include "lib/util/sqlite.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

using namespace uun;

namespace {

sqlite_db open_db(const test::scratch_dir& dir)
{
    auto db = sqlite_db::open(dir.file("db.sqlite"));
    REQUIRE(db);
    REQUIRE(db->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"));
    return std::move(*db);
}

std::int64_t count(sqlite_db& db)
{
    auto st = db.prepare("SELECT count(*) FROM t");
    REQUIRE(st);
    REQUIRE(st->step().value_or(false));
    return st->int64(0);
}

}  // namespace

TEST_CASE("a statement prepared again is taken from the cache, reset and without bindings")
{
    test::scratch_dir dir;
    auto db = open_db(dir);
    for (std::int64_t k = 1; k <= 3; ++k) {
        auto ins = db.prepare("INSERT INTO t (k, v) VALUES (?1, ?2)");
        REQUIRE(ins);
        ins->bind(1, k).bind(2, "x");
        CHECK(ins->run());
    }
    CHECK(db.cached_statements() == 1);
    {
        auto sel = db.prepare("SELECT v FROM t WHERE k = ?1");
        REQUIRE(sel);
        sel->bind(1, std::int64_t{2});
        CHECK(sel->step().value_or(false));  // left in the middle of a result
    }
    auto again = db.prepare("SELECT v FROM t WHERE k = ?1");
    REQUIRE(again);
    CHECK(again->step().value_or(true) == false);  // reset, and ?1 is NULL again
    CHECK(db.cached_statements() == 2);
    CHECK(count(db) == 3);
}

TEST_CASE("the same text lent out twice at once gives two working statements")
{
    test::scratch_dir dir;
    auto db = open_db(dir);
    REQUIRE(db.exec("INSERT INTO t VALUES (1, 'a'), (2, 'b')"));
    {
        auto a = db.prepare("SELECT v FROM t WHERE k = ?1");
        auto b = db.prepare("SELECT v FROM t WHERE k = ?1");
        REQUIRE(a);
        REQUIRE(b);
        a->bind(1, std::int64_t{1});
        b->bind(1, std::int64_t{2});
        REQUIRE(a->step().value_or(false));
        REQUIRE(b->step().value_or(false));
        CHECK(a->text(0) == "a");
        CHECK(b->text(0) == "b");
    }
    CHECK(db.cached_statements() == 1);  // one went back, the other was finalized
}

TEST_CASE("the cache stops at max_cached_statements; later statements still work")
{
    test::scratch_dir dir;
    auto db = open_db(dir);
    for (std::size_t i = 0; i < max_cached_statements + 10; ++i) {
        auto st = db.prepare(cat("SELECT ", i, " FROM t"));
        REQUIRE(st);
        CHECK(st->run());
    }
    CHECK(db.cached_statements() == max_cached_statements);
    CHECK(count(db) == 0);
}

TEST_CASE("a transaction that is not committed rolls back; a committed one stays")
{
    test::scratch_dir dir;
    auto db = open_db(dir);
    for (bool commit : {false, true}) {
        auto tx = sqlite_transaction::begin(db);
        REQUIRE(tx);
        REQUIRE(db.exec("INSERT INTO t (v) VALUES ('x')"));
        if (commit)
            CHECK(tx->commit());
    }
    CHECK(count(db) == 1);
    auto bad = db.prepare("SELECT nonsense FROM nowhere");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("db.sqlite") != std::string::npos);
}

TEST_CASE("a database that cannot be opened is named as the caller calls it")
{
    test::scratch_dir dir;
    auto db = sqlite_db::open(dir.file("missing/dir/cache.sqlite"), "the replay cache");
    REQUIRE_FALSE(db);
    CHECK(db.error().message.find(dir.file("missing/dir/cache.sqlite") + ": cannot open the replay cache: ") == 0);
    auto plain = sqlite_db::open(dir.file("missing/dir/x.sqlite"));
    REQUIRE_FALSE(plain);
    CHECK(plain.error().message.find(": cannot open the database: ") != std::string::npos);
}
