// uun-publish --serve: the server host's end of the publish path
// (doc/protocol.md, "The publish path"). sshd runs it for the admin host,
// usually as the forced command of one authorized key; it answers one
// request (heads, entry, payload, append, run) and exits. An append is
// stored only when a threshold of the publisher role of publish.root signed
// it: a stolen ssh key alone adds nothing to the log. Callers: publish_app.
#pragma once

#include "server/publish/commands.hpp"

#include <string>
#include <vector>

namespace uun::publish {

// The request's words: $SSH_ORIGINAL_COMMAND when sshd forced the command,
// else the words after --serve; a leading "uun-publish --serve" is dropped.
std::vector<std::string> serve_words(const char* ssh_original_command, const std::vector<std::string>& after_serve);

outcome<void> run_serve(const std::vector<std::string>& words, const command_env& env);

}  // namespace uun::publish
