// orchestrator: the standalone gRPC server of orc.
//
// Every option can also be set by the environment variable named in
// `orchestrator --help`; a flag wins over the variable.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <spdlog/spdlog.h>

#include "core/orchestrator.h"
#include "core/persistence/memory_store.h"
#include "core/persistence/postgres/postgres_store.h"
#include "server/options.h"
#include "server/server.h"
#include "server/system_clock.h"

namespace {

constexpr int kExitUsage = 2;

struct CommandLine {
  orc::server::ServerOptions server;
  std::string channel_config;
  std::vector<std::string> channel_specs;
  std::string database = "memory";
  std::string log_level = "info";
  std::string ready_file;
  int shutdown_grace_seconds = 20;
};

void AddOptions(CLI::App& app, CommandLine& line) {
  app.add_option("--listen", line.server.listen_address, "gRPC listen address, host:port (port 0 picks a free one)")
      ->envname("ORCHESTRATOR_LISTEN_ADDRESS")
      ->capture_default_str();
  app.add_option("--database", line.database,
                 "Where assets are kept: \"memory\" (in this process, lost on exit) or a PostgreSQL URL, "
                 "postgres:// or postgresql://USER:PASSWORD@HOST:PORT/DATABASE (schema migrations are applied at "
                 "start-up)")
      ->envname("ORCHESTRATOR_DATABASE_URL")
      ->capture_default_str();
  app.add_option("--channel-config", line.channel_config,
                 "YAML file `channels: {CHANNEL: [MSPID, ...]}` listing who may use which channel")
      ->envname("ORCHESTRATOR_CHANNEL_CONFIG");
  app.add_option("--channel", line.channel_specs,
                 "Allow organisations on a channel, CHANNEL=MSPID1,MSPID2 (repeatable). Without --channel and "
                 "--channel-config every organisation may use every channel");
  app.add_option("--tls-cert", line.server.tls_cert_path, "PEM file of the server certificate; enables TLS")
      ->envname("ORCHESTRATOR_TLS_CERT_PATH");
  app.add_option("--tls-key", line.server.tls_key_path, "PEM file of the server private key")
      ->envname("ORCHESTRATOR_TLS_KEY_PATH");
  app.add_option("--tls-client-ca", line.server.tls_client_ca_path,
                 "PEM file of the CA of client certificates; enables mutual TLS, and then the `mspid` header must "
                 "be an organisation (O=) of the client certificate's subject")
      ->envname("ORCHESTRATOR_TLS_CLIENT_CA_PATH");
  app.add_option("--metrics-listen", line.server.metrics_address,
                 "Serve Prometheus metrics at http://ADDRESS/metrics, host:port (default: off)")
      ->envname("ORCHESTRATOR_METRICS_ADDRESS");
  app.add_option("--replay-batch-size", line.server.replay_batch_size,
                 "Events read per batch when a subscription replays stored events")
      ->envname("ORCHESTRATOR_REPLAY_EVENTS_BATCH_SIZE")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--log-level", line.log_level, "Log level: trace, debug, info, warn, error, critical or off")
      ->envname("LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.add_option("--shutdown-grace", line.shutdown_grace_seconds,
                 "Seconds in-flight calls get to finish after SIGTERM or SIGINT before they are cancelled")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--ready-file", line.ready_file,
                 "Once serving, write the bound address (127.0.0.1:PORT) to this file, for scripts");
}

// Builds the channel policy from the configuration file and --channel values.
orc::server::ChannelPolicy BuildChannelPolicy(const CommandLine& line) {
  orc::server::ChannelPolicy policy;
  if (!line.channel_config.empty()) policy = orc::server::LoadChannelConfig(line.channel_config);
  for (const std::string& spec : line.channel_specs) orc::server::AddChannelSpec(policy, spec);
  return policy;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"orchestrator: the Substra orchestrator 0.37.0 gRPC API served by orc's core"};
  CommandLine line;
  AddOptions(app, line);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : kExitUsage;
  }

  spdlog::set_level(spdlog::level::from_str(line.log_level));
  spdlog::flush_on(spdlog::level::info);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);

  try {
    line.server.channels = BuildChannelPolicy(line);
  } catch (const std::exception& error) {
    std::cerr << "orchestrator: " << error.what() << "\n";
    return kExitUsage;
  }
  const bool postgres = line.database.starts_with("postgres://") || line.database.starts_with("postgresql://");
  if (line.database != "memory" && !postgres) {
    std::cerr << "orchestrator: unsupported --database \"" << line.database
              << "\": expected \"memory\" or a postgres:// or postgresql:// URL\n";
    return kExitUsage;
  }

  // SIGTERM and SIGINT are taken by sigwait below, so every thread must
  // block them, and threads inherit the mask of the thread that starts them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<orc::persistence::Store> store;
  try {
    if (postgres) {
      auto postgres_store = std::make_unique<orc::persistence::PostgresStore>(line.database);
      // Each subscription listens on a connection of its own, as 0.37 does,
      // so that it also sees events written by other servers.
      line.server.open_event_waiter = [raw = postgres_store.get()]() -> orc::server::EventWaiter {
        std::shared_ptr<orc::persistence::EventListener> listener = raw->ListenForEvents();
        return [listener](std::string_view channel, std::uint64_t after, std::chrono::milliseconds timeout) {
          return listener->WaitForEvents(channel, after, timeout);
        };
      };
      store = std::move(postgres_store);
    } else {
      store = std::make_unique<orc::persistence::MemoryStore>();
    }
  } catch (const orc::OrcError& error) {
    // The store's message names the host and database, never the password.
    spdlog::error("cannot open the database: {}", error.what());
    return 1;
  }
  orc::server::SystemClock clock;
  orc::Orchestrator core(*store, clock, orc::OrchestratorOptions{.version = ORC_VERSION});
  orc::server::Server server(core, line.server);
  try {
    server.Start();
  } catch (const std::exception& error) {
    spdlog::error("cannot start: {}", error.what());
    return 1;
  }

  const auto& channels = line.server.channels;
  spdlog::info("orchestrator {} serving on port {} (listen {}), store {}, TLS {}, mutual TLS {}, channels {}",
               ORC_VERSION, server.port(), line.server.listen_address, postgres ? "postgres" : "memory",
               line.server.tls_cert_path.empty() ? "off" : "on",
               line.server.tls_client_ca_path.empty() ? "off" : "on",
               channels.open() ? std::string("open to every organisation")
                               : std::to_string(channels.channels().size()) + " configured");
  if (server.metrics_port() != 0) spdlog::info("metrics on port {} at /metrics", server.metrics_port());
  if (!line.ready_file.empty()) {
    // Written aside and renamed, so that a reader never sees half a line.
    const std::string partial = line.ready_file + ".partial";
    std::ofstream ready(partial);
    ready << "127.0.0.1:" << server.port() << "\n";
    ready.close();
    std::error_code error;
    if (ready) std::filesystem::rename(partial, line.ready_file, error);
    if (!ready || error) spdlog::error("cannot write the ready file {}", line.ready_file);
  }

  int received = 0;
  sigwait(&stop_signals, &received);
  spdlog::info("received {}, shutting down (grace {} s)", received == SIGTERM ? "SIGTERM" : "SIGINT",
               line.shutdown_grace_seconds);
  server.Shutdown(std::chrono::seconds(line.shutdown_grace_seconds));
  server.Wait();
  spdlog::info("stopped");
  return 0;
}
