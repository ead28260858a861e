// The updater's side of POST /v1/poll and POST /v1/report: its config and
// state mapped onto the shared messages of lib/proto/poll_messages.hpp,
// which also parses the answer. Called by the poll cycle.
#pragma once

#include "lib/proto/poll_messages.hpp"
#include "milter/updater/updater_config.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace uun::updater {

std::string poll_request_body(const updater_config& config, const std::string& token, std::uint64_t last_seq,
                              proto::poll_reason reason);

// Root mode: also the trusted root's version, the position of every followed
// channel (0 when nothing is finished yet) and the seqs UUNs announced.
struct root_poll_fields {
    std::uint64_t root_version = 0;
    std::map<std::string, std::uint64_t> positions;
    std::vector<std::uint64_t> wanted;
};
std::string poll_request_body(const updater_config& config, const std::string& token, std::uint64_t last_seq,
                              proto::poll_reason reason, root_poll_fields root);

// detail is untrusted text (hook output): made printable and cut to fit.
std::string report_body(const updater_config& config, const std::string& token, std::uint64_t seq,
                        proto::report_status status, std::string_view detail);

}  // namespace uun::updater
