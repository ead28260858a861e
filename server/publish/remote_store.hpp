// The server host's update log as the admin host's uun-publish sees it
// through publish.remote: the three calls signing makes (heads, one entry,
// the append of a signed entry) and the payload upload. Everything else
// travels as a whole forwarded command (remote_link). Callers: run_publish in
// remote mode; failures name the server host's answer.
#pragma once

#include "server/publish/publish_log.hpp"
#include "server/publish/remote_link.hpp"
#include "server/store/payload_dir.hpp"

#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

namespace uun::publish {

class remote_store final : public signed_log {
public:
    explicit remote_store(remote_link link) : link_(std::move(link)) {}

    // Hashes the file here, then sends it; the far side keeps it only if its
    // own hash and size agree.
    outcome<store::payload_info> upload_payload(const std::string& path, std::uint64_t max_size);

    result<store::log_heads> channel_heads() override;
    result<std::optional<store::stored_entry>> entry(std::uint64_t seq) override;
    result<store::stored_entry> append_signed_entry(const proto::update_entry& entry,
                                                    const std::string& envelope) override;

    exit_code failure_code() const override { return last_code_; }

private:
    result<nlohmann::json> call(const std::vector<std::string>& words, std::string_view input, std::string_view what);
    remote_link link_;
    exit_code last_code_ = exit_code::store;
};

}  // namespace uun::publish
