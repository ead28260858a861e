// Which failed SMTP hand-offs uun-publish tries again.
#include "server/publish/smtp_submit.hpp"

#include <curl/curl.h>
#include <doctest/doctest.h>

using namespace uun::publish;
using outcome = handoff::outcome;

TEST_CASE("no connection, a timeout or a lost session is deferred")
{
    for (CURLcode rc : {CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
                        CURLE_GOT_NOTHING}) {
        CAPTURE(rc);
        CHECK(smtp_failure_outcome(rc, 0) == outcome::deferred);
    }
}

TEST_CASE("the reply code decides when there is one: 4xx deferred, 5xx refused")
{
    CHECK(smtp_failure_outcome(CURLE_RECV_ERROR, 421) == outcome::deferred);
    CHECK(smtp_failure_outcome(CURLE_SEND_ERROR, 452) == outcome::deferred);
    CHECK(smtp_failure_outcome(CURLE_SEND_ERROR, 550) == outcome::refused);
    CHECK(smtp_failure_outcome(CURLE_RECV_ERROR, 554) == outcome::refused);
    // A 250 left from an earlier step does not make a lost session permanent.
    CHECK(smtp_failure_outcome(CURLE_RECV_ERROR, 250) == outcome::deferred);
}

TEST_CASE("a local or protocol problem is refused: trying again changes nothing")
{
    CHECK(smtp_failure_outcome(CURLE_UNSUPPORTED_PROTOCOL, 0) == outcome::refused);
    CHECK(smtp_failure_outcome(CURLE_WEIRD_SERVER_REPLY, 0) == outcome::refused);
    CHECK(smtp_failure_outcome(CURLE_OUT_OF_MEMORY, 0) == outcome::refused);
}
