// --expire-queue's choice: postqueue -j lines read strictly, and only UUNs
// (uun+<id>@<sender_domain>, any case) that arrived more than the UUN
// lifetime ago picked, with queue ids fit for postsuper's stdin.
#include "server/publish/queue_expiry.hpp"

#include <doctest/doctest.h>

using namespace uun::publish;

TEST_CASE("postqueue -j lines become queued mails; anything else is counted, not guessed")
{
    auto q = parse_postqueue_json(
        R"({"queue_name": "deferred", "queue_id": "4A1B2C3D", "arrival_time": 1000, "message_size": 900, "sender": "uun+gw-1@uun.vendor.test", "recipients": [{"address": "uun@gw-1.example", "delay_reason": "connect refused"}]})"
        "\n"
        R"({"queue_name": "active", "queue_id": "5E6F", "arrival_time": 2000, "sender": "alice@vendor.test"})"
        "\n\nnot json\n"
        R"({"queue_id": 7, "arrival_time": 1, "sender": "x"})"
        "\n"
        R"({"queue_id": "ABC", "sender": "uun+gw-2@uun.vendor.test"})");
    REQUIRE(q.mails.size() == 2);
    CHECK(q.mails[0].queue_id == "4A1B2C3D");
    CHECK(q.mails[0].queue_name == "deferred");
    CHECK(q.mails[0].sender == "uun+gw-1@uun.vendor.test");
    CHECK(q.mails[0].arrival_time == 1000);
    CHECK(q.mails[1].sender == "alice@vendor.test");
    CHECK(q.unreadable_lines == 3);
}

TEST_CASE("only UUNs past arrival + lifetime are expired")
{
    std::vector<queued_mail> mails = {
        {"AAA1", "deferred", "uun+gw-1@uun.vendor.test", 1000},      // 3600 s old at 4601: 1 s past
        {"AAA2", "deferred", "UUN+gw-2@UUN.Vendor.Test", 1000},      // the same, as Postfix may keep its case
        {"AAA3", "deferred", "uun+gw-3@uun.vendor.test", 1001},      // exactly at its x=: not yet
        {"AAA4", "deferred", "alice@uun.vendor.test", 0},            // not a UUN sender
        {"AAA5", "deferred", "uun+gw-5@other.test", 0},              // another domain
        {"AAA6", "deferred", "uun+bad id@uun.vendor.test", 0},       // not an appliance id
        {"A-7", "deferred", "uun+gw-7@uun.vendor.test", 0},          // a queue id postsuper would not take
        {"", "deferred", "uun+gw-8@uun.vendor.test", 0},
    };
    auto expired = expired_uuns(mails, "uun.vendor.test", 3600, 4601);
    REQUIRE(expired.size() == 2);
    CHECK(expired[0].mail.queue_id == "AAA1");
    CHECK(expired[0].appliance_id == "gw-1");
    CHECK(expired[0].past_expiry == 1);
    CHECK(expired[1].mail.queue_id == "AAA2");
    CHECK(expired[1].appliance_id == "gw-2");
    CHECK(expired_uuns(mails, "uun.vendor.test", 3600, 4600).size() == 0);
}
