// chaincode_replay: plays a scenario through the chaincode with the test peer
// and prints how long it took, for measurements.
//
//   chaincode_replay SCENARIO [--address HOST:PORT]
//
// Without --address the chaincode server runs in this process on a free
// port. The output gives the wall time, the number of transactions and the
// outcome next to a run of the same scenario on the in-process core.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "chaincode/shim.h"
#include "chaincode/testing/chaincode_api.h"
#include "sim/scenario.h"
#include "sim/simulator.h"

int main(int argc, char** argv) {
  if (argc != 2 && !(argc == 4 && std::string(argv[2]) == "--address")) {
    std::fprintf(stderr, "usage: chaincode_replay SCENARIO [--address HOST:PORT]\n");
    return 2;
  }
  namespace cc = orc::chaincode;
  orc::sim::Scenario scenario = orc::sim::LoadScenario(argv[1]);

  std::unique_ptr<cc::ChaincodeService> service;
  std::unique_ptr<grpc::Server> server;
  std::string address;
  if (argc == 4) {
    address = argv[3];
  } else {
    service = std::make_unique<cc::ChaincodeService>(cc::ShimOptions{"replay:0", cc::ContractOptions{}});
    int port = 0;
    server = cc::StartChaincodeServer("127.0.0.1:0", *service, &port);
    if (server == nullptr) {
      std::fprintf(stderr, "chaincode_replay: cannot start the chaincode server\n");
      return 1;
    }
    address = "127.0.0.1:" + std::to_string(port);
  }

  const auto memory_start = std::chrono::steady_clock::now();
  orc::sim::RunResult expected = orc::sim::RunInMemory(scenario, orc::sim::RunOptions{});
  const double memory_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - memory_start).count();

  cc::testing::WorldState world;
  cc::testing::TestPeer peer(address, world);
  orc::sim::VirtualClock clock;
  cc::testing::ChaincodeApi api(peer, clock);
  const auto start = std::chrono::steady_clock::now();
  orc::sim::RunResult actual = orc::sim::RunScenario(scenario, api, &clock, orc::sim::RunOptions{});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::size_t keys = 0;
  for (const auto& [channel, state] : world) keys += state.size();
  std::printf("scenario        %s\n", argv[1]);
  std::printf("tasks           %d, plan %s\n", actual.task_count, actual.plan_status.c_str());
  std::printf("transactions    %llu\n", static_cast<unsigned long long>(api.transaction_count()));
  std::printf("state calls     %llu (%.1f per transaction)\n", static_cast<unsigned long long>(api.state_call_count()),
              static_cast<double>(api.state_call_count()) / static_cast<double>(api.transaction_count()));
  std::printf("chaincode run   %.2f s, %.0f transactions/s\n", seconds,
              static_cast<double>(api.transaction_count()) / seconds);
  std::printf("in-memory run   %.2f s\n", memory_seconds);
  std::printf("world state     %zu keys\n", keys);
  std::printf("same trace      %s\n", actual.trace_hash == expected.trace_hash ? "yes" : "NO");
  if (server) server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return actual.trace_hash == expected.trace_hash ? 0 : 1;
}
