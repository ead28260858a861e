// server.yaml: the one config file uun-server and uun-publish both read.
// Each program asks for what it needs (`purpose`); keys belonging to the
// other program are still validated, so a typo anywhere is an error.
#pragma once

#include "lib/util/config.hpp"
#include "lib/util/result.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace uun::settings {

struct tls_config {
    std::string certificate;  // PEM chain
    std::string key;
    bool session_tickets = true;  // false: every connection makes a full handshake
};

struct store_config {
    std::string sqlite;
    std::string payload_dir;
    std::uint64_t max_payload_size = 1ull << 30;
};

struct registry_config {
    std::chrono::seconds expire_after{7 * 86400};
    std::chrono::seconds sweep_interval{3600};
    int max_sweep_share = 25;  // percent of the rows one sweep may remove (a clock jump)
    std::vector<std::string> trusted_proxies;
    std::int64_t max_appliances = 1000000;  // a poll that would add a row past this gets 503
    // Who may add a registry row (doc/protocol.md, "Admission"): open, any
    // appliance; secret, a signed poll with its product line's enrollment
    // secret; accept, none until an admin accepts its key. Until admitted an
    // appliance gets its entries but no UUNs.
    std::string admission = "open";
    // <product>.secret files, one per product line (policy secret).
    std::string enrollment_dir;
    // PEM CA certificate(s) that issue device certificates (policy certificate).
    std::string device_ca;
};

struct poll_config {
    std::chrono::seconds interval{86400};
    std::int64_t max_entries = 64;
};

// Per TCP peer address (IPv6: per /64); trusted proxies are exempt.
struct per_address_config {
    std::int64_t max_connections = 32;
    std::int64_t max_handshakes = 8;     // TLS handshakes in progress
    std::int64_t new_registrations = 60;  // new registry rows per hour (token bucket)
};

struct limits_config {
    std::int64_t workers = 0;  // 0: one per core
    std::int64_t max_connections = 4096;
    std::int64_t max_inflight = 512;  // requests being handled at once
    std::uint64_t max_body = 16 * 1024;
    std::chrono::seconds request_timeout{30};
    std::chrono::seconds handshake_timeout{5};  // TLS handshake, separate from request_timeout
    std::chrono::seconds idle_timeout{60};
    std::chrono::seconds retry_after{30};
    per_address_config per_address;
};

// The operator's listener: /metrics and the status page, nowhere else.
struct admin_config {
    std::vector<std::string> listen{"127.0.0.1:8444"};  // empty: no admin listener
};

struct publish_config {
    std::string key;                    // publisher private key (PEM)
    std::vector<std::string> channels;  // channels that may be published to
    std::chrono::seconds uun_lifetime{3600};
    std::string from;           // header From: of UUN mails
    std::string sender_domain;  // envelope sender uun+<appliance>@sender_domain
    std::string notify_key;     // signs UUN headers (PEM); default: key
    std::string counters;       // what this publisher signed; default: publisher-counters.json beside store.sqlite
    std::string root;           // the vendor's current root envelope; empty: v1 entries
    // The admin host's way to the server host (doc/protocol.md, "The publish
    // path"): an argv prefix such as [/usr/bin/ssh, -o, BatchMode=yes,
    // uun@update-1]; empty: this host holds the store itself.
    std::vector<std::string> remote;
    // The vendor's own mail domains beyond those of `from` and `sender_domain`:
    // no UUN is ever addressed into them (vendor_domains()).
    std::vector<std::string> vendor_domains;
};

// Every domain a notify recipient must not be in: publish.vendor_domains, the
// domain of publish.from and publish.sender_domain (lib/proto/identity
// refused_recipient_reason). Used by uun-server's polls and uun-publish's plan.
std::vector<std::string> vendor_domains(const publish_config& publish);

enum class submit_method { sendmail, smtp };

struct mta_config {
    // smtp: ~340 mails/s into a stock Postfix on 2 cores; sendmail: ~50/s
    // (Postfix's single pickup process serialises maildrop).
    submit_method submit = submit_method::smtp;
    std::vector<std::string> sendmail{"/usr/sbin/sendmail"};
    std::int64_t parallel = 4;          // sendmail processes or SMTP connections at once
    std::string smtp = "127.0.0.1:25";  // submit: smtp; each connection carries many transactions
    std::string relay_map;  // sender_dependent_default_transport_maps source file
    std::string map_type = "hash";
    std::vector<std::string> postmap{"/usr/sbin/postmap"};
    std::vector<std::string> reload;  // e.g. [/usr/sbin/postfix, reload]; empty: none
    // uun-publish --expire-queue: lists the queue (uun adds -j) and deletes
    // the UUNs past their x= (uun adds -d - and gives the queue ids on stdin).
    std::vector<std::string> postqueue{"/usr/sbin/postqueue"};
    std::vector<std::string> postsuper{"/usr/sbin/postsuper"};
};

// The v2 trust model (doc/trust.md) on uun-server; all absent: a v1 server.
struct trust_config {
    std::string roots_dir;      // N.root.json, N = 1, 2, ...
    std::string timestamp_key;  // PEM Ed25519 private key of the timestamp role
    std::chrono::seconds timestamp_lifetime{86400};

    bool enabled() const { return !roots_dir.empty(); }
};

struct log_config {
    bool syslog = true;
    bool debug = false;
};

struct server_config {
    std::string path;  // where it was read from
    std::vector<std::string> listen;
    admin_config admin;
    tls_config tls;
    store_config store;
    registry_config registry;
    poll_config poll;
    limits_config limits;
    publish_config publish;
    mta_config mta;
    trust_config trust;
    log_config log;
    config::settings as_read;  // every key as read, defaults included (--print-config)
    // Keys that work but fit badly together ("file:line: 'key': why"): logged at
    // start by uun-server, printed by uun-publish.
    std::vector<std::string> warnings;
};

enum class config_purpose { daemon, publish };

result<server_config> load_server_config(const std::string& path, config_purpose purpose);

}  // namespace uun::settings
