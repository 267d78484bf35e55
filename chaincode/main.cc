// chaincode: the orchestrator chaincode as a Fabric chaincode-as-a-service.
//
//   chaincode [--id PACKAGE_ID] [--address HOST:PORT] [--version TEXT]
//
// Options fall back to the environment variables CHAINCODE_ID,
// CHAINCODE_SERVER_ADDRESS (default 127.0.0.1:9999) and CHAINCODE_VERSION
// (default "dev"). The package ID must be the one the peer installed, because
// the peer rejects a chaincode that registers under another name. Prints
// "listening on HOST:PORT" once the server is up; SIGINT or SIGTERM stops it.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "chaincode/shim.h"

namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : std::move(fallback);
}

int Usage(const char* message) {
  std::fprintf(stderr, "chaincode: %s\nusage: chaincode [--id PACKAGE_ID] [--address HOST:PORT] [--version TEXT]\n",
               message);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  orc::chaincode::ShimOptions options;
  options.chaincode_id = EnvOr("CHAINCODE_ID", "");
  options.contract.version = EnvOr("CHAINCODE_VERSION", "dev");
  std::string address = EnvOr("CHAINCODE_SERVER_ADDRESS", "127.0.0.1:9999");

  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) return Usage(("missing value after " + std::string(flag)).c_str());
    std::string value = argv[++i];
    if (flag == "--id") {
      options.chaincode_id = value;
    } else if (flag == "--address") {
      address = value;
    } else if (flag == "--version") {
      options.contract.version = value;
    } else {
      return Usage(("unknown option " + std::string(flag)).c_str());
    }
  }
  if (options.chaincode_id.empty()) return Usage("the package ID is missing: set CHAINCODE_ID or pass --id");

  // Block the stop signals before gRPC starts its threads, so that only
  // sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  orc::chaincode::ChaincodeService service(options);
  int port = 0;
  auto server = orc::chaincode::StartChaincodeServer(address, service, &port);
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "chaincode: cannot listen on %s\n", address.c_str());
    return 1;
  }
  const std::string host = address.substr(0, address.rfind(':'));
  std::printf("listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);

  int received = 0;
  sigwait(&stop_signals, &received);
  std::fprintf(stderr, "chaincode: stopping on signal %d\n", received);
  // Open streams end when the peer hangs up; give them two seconds.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
