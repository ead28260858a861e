// The server host's end (see header). Every word is checked before anything
// is opened; payloads are hashed here whatever the admin host claimed; the
// envelope is verified against this host's publish.root before the store
// sees it, so a bad request leaves the log as it was.
#include "server/publish/serve.hpp"

#include "lib/proto/dsse.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/util/digest.hpp"
#include "lib/util/log.hpp"
#include "server/publish/remote_link.hpp"
#include "server/store/payload_dir.hpp"
#include "server/store/store.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <iterator>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

namespace uun::publish {

namespace {

// An envelope: a 64 KiB entry in base64 plus up to eight signatures.
constexpr std::size_t max_envelope_bytes = 256 * 1024;

std::string peer()
{
    const char* c = std::getenv("SSH_CLIENT");
    return c ? cat(" from ", std::string(c).substr(0, std::string(c).find(' '))) : "";
}

outcome<std::uint64_t> number_word(const std::string& word, std::string_view what)
{
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
    if (ec != std::errc() || end != word.data() + word.size())
        return fail_with(exit_code::usage, cat(what, " '", word, "' is not a number"));
    return n;
}

outcome<std::unique_ptr<store::store>> local_store(const command_env& env)
{
    auto s = store::open_sqlite_store(env.config.store.sqlite);
    if (!s)
        return fail_with(exit_code::store, cat("store: ", s.error().message));
    return std::move(*s);
}

void answer(const command_env& env, const nlohmann::json& j)
{
    env.out << j.dump() << "\n";
}

outcome<void> serve_heads(const command_env& env)
{
    auto s = local_store(env);
    if (!s)
        return std::unexpected(s.error());
    auto heads = (*s)->channel_heads();
    if (!heads)
        return fail_with(exit_code::store, cat("store: ", heads.error().message));
    answer(env, {{"log_head", heads->log_head}, {"channels", heads->channels}});
    return {};
}

outcome<void> serve_entry(const std::string& seq_word, const command_env& env)
{
    auto seq = number_word(seq_word, "seq");
    if (!seq)
        return std::unexpected(seq.error());
    auto s = local_store(env);
    if (!s)
        return std::unexpected(s.error());
    auto stored = (*s)->entry(*seq);
    if (!stored)
        return fail_with(exit_code::store, cat("store: ", stored.error().message));
    answer(env, {{"envelope", *stored ? nlohmann::json((*stored)->envelope) : nlohmann::json(nullptr)}});
    return {};
}

outcome<void> serve_payload(const std::string& sha_word, const std::string& size_word, const command_env& env)
{
    if (!is_sha256_hex(sha_word))
        return fail_with(exit_code::usage, cat("payload: '", sha_word, "' is not a sha256 in hex"));
    auto size = number_word(size_word, "payload size");
    if (!size)
        return std::unexpected(size.error());
    if (*size == 0 || *size > env.config.store.max_payload_size)
        return fail_with(exit_code::input, cat("payload: ", *size, " bytes is not from 1 to store.max_payload_size (",
                                               env.config.store.max_payload_size, ")"));
    store::payload_dir payloads(env.config.store.payload_dir);
    auto info = payloads.import_stream(STDIN_FILENO, *size);
    if (!info)
        return fail_with(exit_code::store, cat("payload: ", info.error().message));
    if (info->sha256 != sha_word || info->size != *size) {
        if (info->sha256 != sha_word)
            ::unlink(payloads.path_of(info->sha256).c_str());
        return fail_with(exit_code::input, cat("payload: what arrived (", info->size, " bytes, sha256 ", info->sha256,
                                               ") is not what was announced (", *size, " bytes, sha256 ", sha_word,
                                               "); not kept"));
    }
    answer(env, {{"sha256", info->sha256}, {"size", info->size}});
    return {};
}

// The entry in the envelope, if a threshold of the publisher role signed it
// and it fits this host: a v2 entry on one of publish.channels whose payload
// was uploaded whole.
outcome<proto::update_entry> checked_entry(const nlohmann::json& envelope, const command_env& env)
{
    const auto& c = env.config;
    if (c.publish.root.empty())
        return fail_with(exit_code::usage, "append: this host has no publish.root, so it cannot tell who signed an "
                                           "entry; set publish.root to the vendor's current root");
    auto root_env = proto::load_root_envelope(c.publish.root);
    if (!root_env)
        return fail_with(exit_code::input, cat("publish.root: ", root_env.error().message));
    auto root = proto::verify_first_root(*root_env);
    if (!root)
        return fail_with(exit_code::input, cat("publish.root ", c.publish.root, ": ", root.error().message));
    auto payload = proto::verify_by_role(*root, proto::role_name::publisher, envelope, proto::update_payload_type);
    if (!payload)
        return fail_with(exit_code::input, cat("append refused: ", payload.error().message, " (this host's publish.root ",
                                               c.publish.root, ")"));
    auto entry = proto::update_entry_from_json(*payload);
    if (!entry)
        return fail_with(exit_code::input, cat("append refused: ", entry.error().message));
    if (entry->channel_seq == 0)
        return fail_with(exit_code::input, "append refused: the entry has no channel_seq (a v1 entry)");
    if (std::find(c.publish.channels.begin(), c.publish.channels.end(), entry->channel) == c.publish.channels.end())
        return fail_with(exit_code::input, cat("append refused: channel '", entry->channel, "' is not in this host's ",
                                               "publish.channels"));
    store::payload_dir payloads(c.store.payload_dir);
    struct stat st {};
    if (::stat(payloads.path_of(entry->sha256).c_str(), &st) != 0 ||
        static_cast<std::uint64_t>(st.st_size) != entry->size)
        return fail_with(exit_code::input, cat("append refused: payload sha256 ", entry->sha256, " (", entry->size,
                                               " bytes) was not uploaded"));
    return std::move(*entry);
}

outcome<void> serve_append(const command_env& env)
{
    std::string text;
    char buf[8192];
    for (ssize_t n; (n = ::read(STDIN_FILENO, buf, sizeof buf)) > 0;) {
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_envelope_bytes)
            return fail_with(exit_code::input, cat("append: the envelope is over ", max_envelope_bytes, " bytes"));
    }
    auto envelope = nlohmann::json::parse(text, nullptr, false);
    if (envelope.is_discarded() || !envelope.is_object())
        return fail_with(exit_code::input, "append: the envelope is not a JSON object");
    auto entry = checked_entry(envelope, env);
    if (!entry)
        return std::unexpected(entry.error());
    auto s = local_store(env);
    if (!s)
        return std::unexpected(s.error());
    std::string exact = envelope.dump();
    auto stored = (*s)->append_signed_entry(*entry, exact);
    if (!stored)
        return fail_with(exit_code::store, cat("store: entry seq ", entry->seq, " not appended: ",
                                               stored.error().message));
    log::info(cat("published seq ", entry->seq, " (", entry->id, ") channel ", entry->channel, " channel_seq ",
                  entry->channel_seq, " sha256 ", entry->sha256, " through uun-publish --serve", peer()));
    answer(env, {{"seq", entry->seq}});
    return {};
}

outcome<void> serve_run(const std::vector<std::string>& words, const command_env& env)
{
    for (const auto& w : words)
        if (w == "-c" || w.starts_with("--config"))
            return fail_with(exit_code::usage, "run: the config is this host's; -c/--config is not forwarded");
    std::vector<const char*> argv{"uun-publish"};
    for (std::size_t i = 1; i < words.size(); ++i)
        argv.push_back(words[i].c_str());
    auto options = parse_cli(static_cast<int>(argv.size()), argv.data());
    if (!options)
        return std::unexpected(options.error());
    return run_query_command(*options, env);
}

}  // namespace

std::vector<std::string> serve_words(const char* ssh_original_command, const std::vector<std::string>& after_serve)
{
    std::vector<std::string> words;
    if (ssh_original_command) {
        std::istringstream in(ssh_original_command);
        words.assign(std::istream_iterator<std::string>(in), std::istream_iterator<std::string>());
    } else {
        words = after_serve;
    }
    if (!words.empty() && (words.front() == "uun-publish" || words.front().ends_with("/uun-publish")))
        words.erase(words.begin());
    if (!words.empty() && words.front() == "--serve")
        words.erase(words.begin());
    return words;
}

outcome<void> run_serve(const std::vector<std::string>& words, const command_env& env)
{
    if (words.empty())
        return fail_with(exit_code::usage, "--serve: no request (heads, entry SEQ, payload SHA256 SIZE, append, "
                                           "run ARGS...)");
    for (const auto& w : words)
        if (!is_remote_word(w))
            return fail_with(exit_code::usage, cat("--serve: '", w.substr(0, 64), "' is not a request word"));
    const auto& op = words.front();
    if (op == "heads" && words.size() == 1)
        return serve_heads(env);
    if (op == "entry" && words.size() == 2)
        return serve_entry(words[1], env);
    if (op == "payload" && words.size() == 3)
        return serve_payload(words[1], words[2], env);
    if (op == "append" && words.size() == 1)
        return serve_append(env);
    if (op == "run" && words.size() >= 2)
        return serve_run(words, env);
    return fail_with(exit_code::usage, cat("--serve: '", op, "' with ", words.size() - 1, " arguments is not a request"));
}

}  // namespace uun::publish
