// Who the milter becomes: root is never a target, unknown users and groups
// are errors that name them. (The drop itself is irreversible in-process; the
// milter suites check the running milter's user.)
#include "milter/filter/privileges.hpp"

#include <doctest/doctest.h>

#include <string>

#include <pwd.h>
#include <unistd.h>

using namespace uun::filter;

TEST_CASE("root is refused as the milter user")
{
    auto who = resolve_identity("root", "");
    REQUIRE_FALSE(who);
    CHECK(who.error().message.find("must run unprivileged") != std::string::npos);
}

TEST_CASE("unknown users and groups are named in the error")
{
    auto user = resolve_identity("uun-no-such-user", "");
    REQUIRE_FALSE(user);
    CHECK(user.error().message.find("user 'uun-no-such-user' does not exist") != std::string::npos);
    auto group = resolve_group("uun-no-such-group");
    REQUIRE_FALSE(group);
    CHECK(group.error().message.find("group 'uun-no-such-group' does not exist") != std::string::npos);
    auto with_group = resolve_identity("nobody", "uun-no-such-group");
    REQUIRE_FALSE(with_group);
}

TEST_CASE("a known user resolves to its ids, and a switch is needed only as root")
{
    auto who = resolve_identity("nobody", "");
    const passwd* pw = ::getpwnam("nobody");
    REQUIRE(pw != nullptr);
    if (::geteuid() == 0) {
        REQUIRE(who);
        CHECK(who->uid == pw->pw_uid);
        CHECK(who->gid == pw->pw_gid);
        CHECK(who->switch_needed);
    } else {
        // Not root: only the current user is acceptable.
        REQUIRE_FALSE(who);
        CHECK(who.error().message.find("start as root or as that user") != std::string::npos);
    }
    auto root_group = resolve_group("root");
    REQUIRE(root_group);
    CHECK(*root_group == 0);
}
