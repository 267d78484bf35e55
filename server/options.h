// Configuration of the orchestrator gRPC server.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

namespace orc::server {

// The organisations allowed on each channel. An empty policy is open: every
// organisation may use every channel (meant for local runs and tests).
class ChannelPolicy {
 public:
  // Grants `organization` access to `channel`.
  void Allow(const std::string& channel, const std::string& organization);

  bool open() const { return channels_.empty(); }
  bool KnowsOrganization(const std::string& organization) const;
  bool Allows(const std::string& channel, const std::string& organization) const;
  const std::map<std::string, std::set<std::string>>& channels() const { return channels_; }

 private:
  std::map<std::string, std::set<std::string>> channels_;
};

// Reads a channel configuration file in the 0.37 format: a YAML mapping
// `channels: {CHANNEL: [ORG, ...]}`. Throws std::runtime_error naming the
// file and the problem.
ChannelPolicy LoadChannelConfig(const std::string& path);

// Parses one `CHANNEL=ORG1,ORG2` value of the --channel option. Throws
// std::runtime_error on a malformed value.
void AddChannelSpec(ChannelPolicy& policy, const std::string& spec);

// Waits until the channel holds a committed event with a position above
// `after_position`, or the timeout passes; returns true when one is there.
// Used by one subscription at a time.
using EventWaiter =
    std::function<bool(std::string_view channel, std::uint64_t after_position, std::chrono::milliseconds timeout)>;

struct ServerOptions {
  // host:port of the gRPC listener. Port 0 picks a free port (see
  // Server::port()).
  std::string listen_address = "0.0.0.0:9000";
  // host:port of the Prometheus /metrics endpoint, or empty to disable it.
  std::string metrics_address;
  // PEM files of the server's certificate and key; both empty disables TLS.
  std::string tls_cert_path;
  std::string tls_key_path;
  // PEM file of the CA that signs client certificates. Setting it turns on
  // mutual TLS: every client must present a certificate signed by this CA,
  // and the `mspid` header must be one of the certificate's subject
  // organisations (O=).
  std::string tls_client_ca_path;
  ChannelPolicy channels;
  // Events read per batch when a subscription replays stored events.
  int replay_batch_size = 100;
  // Opens a waiter for one subscription, for stores that other processes
  // also write to (PostgreSQL: LISTEN/NOTIFY on a connection of its own).
  // Without it, a caught-up subscription wakes on the writes made through
  // this server, and reads the store again every 250 ms.
  std::function<EventWaiter()> open_event_waiter;
};

}  // namespace orc::server
