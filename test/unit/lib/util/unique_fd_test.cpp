// unique_fd: closes on destruction, moves ownership, gives it up on release,
// and closes what it held on reset and close.
#include "lib/util/unique_fd.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

using namespace uun;

namespace {

bool is_open(int fd)
{
    return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

// A fresh descriptor to hand to a unique_fd.
int open_null()
{
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    return fd;
}

}  // namespace

TEST_CASE("unique_fd closes its descriptor when it goes")
{
    int fd = open_null();
    {
        unique_fd owner(fd);
        CHECK(owner);
        CHECK(owner.get() == fd);
        CHECK(is_open(fd));
    }
    CHECK_FALSE(is_open(fd));
    unique_fd empty;
    CHECK_FALSE(empty);
    CHECK(empty.get() == -1);
}

TEST_CASE("a moved unique_fd passes ownership on and closes nothing twice")
{
    int fd = open_null();
    unique_fd first(fd);
    unique_fd second(std::move(first));
    CHECK_FALSE(first);  // NOLINT(bugprone-use-after-move): the moved-from state is what is tested
    CHECK(second.get() == fd);

    int other = open_null();
    unique_fd third(other);
    third = std::move(second);
    CHECK_FALSE(is_open(other));  // the one it held before is closed
    CHECK(third.get() == fd);
    CHECK(is_open(fd));
    unique_fd& same = third;
    third = std::move(same);  // a self-move keeps the descriptor
    CHECK(third.get() == fd);
    CHECK(is_open(fd));
}

TEST_CASE("release gives the descriptor up without closing it")
{
    int fd = open_null();
    int released = -1;
    {
        unique_fd owner(fd);
        released = owner.release();
        CHECK_FALSE(owner);
    }
    CHECK(released == fd);
    CHECK(is_open(fd));
    ::close(fd);
}

TEST_CASE("reset and close close what was held")
{
    int a = open_null();
    int b = open_null();
    unique_fd owner(a);
    owner.reset(b);
    CHECK_FALSE(is_open(a));
    CHECK(owner.get() == b);
    owner.reset(b);  // the same descriptor again stays open
    CHECK(is_open(b));
    CHECK(owner.close() == 0);
    CHECK_FALSE(owner);
    CHECK_FALSE(is_open(b));
    CHECK(owner.close() == 0);  // nothing held: nothing to fail
    owner.reset();
    CHECK_FALSE(owner);
}
