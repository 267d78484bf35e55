// chaincode_call: one chaincode transaction through the test peer, with the
// world state kept in a file between calls, so that shell tests can drive
// the chaincode the way they drive Fabric's peer CLI.
//
//   chaincode_call ADDRESS STATE_FILE MSP_ID invoke|query '{"Args":["function","argument"]}'
//
// invoke runs the transaction and commits it when it succeeds and its reads
// still hold; it prints "Chaincode invoke successful. result: status:200
// payload:..." like `peer chaincode invoke`. query only runs it and prints
// the payload like `peer chaincode query`. A failure prints the chaincode's
// status and message and exits 1. The channel is "mychannel"; transaction
// IDs count up from the number stored in the state file.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "chaincode/testing/test_peer.h"

namespace {

namespace testing = orc::chaincode::testing;

void WriteString(std::ofstream& out, const std::string& text) {
  const auto size = static_cast<std::uint32_t>(text.size());
  out.write(reinterpret_cast<const char*>(&size), sizeof size);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

bool ReadString(std::ifstream& in, std::string* text) {
  std::uint32_t size = 0;
  if (!in.read(reinterpret_cast<char*>(&size), sizeof size)) return false;
  text->resize(size);
  return static_cast<bool>(in.read(text->data(), size));
}

// File layout: transaction count, then (channel, key, value) records.
bool Load(const std::string& path, testing::WorldState* state, std::uint64_t* transactions) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return true;  // no file yet: empty state
  if (!in.read(reinterpret_cast<char*>(transactions), sizeof *transactions)) return false;
  std::string channel, key, value;
  while (ReadString(in, &channel)) {
    if (!ReadString(in, &key) || !ReadString(in, &value)) return false;
    (*state)[channel][key] = value;
  }
  return true;
}

bool Save(const std::string& path, const testing::WorldState& state, std::uint64_t transactions) {
  std::ofstream out(path + ".tmp", std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(&transactions), sizeof transactions);
  for (const auto& [channel, entries] : state) {
    for (const auto& [key, value] : entries) {
      WriteString(out, channel);
      WriteString(out, key);
      WriteString(out, value);
    }
  }
  out.close();
  return out && std::rename((path + ".tmp").c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6 || (std::string(argv[4]) != "invoke" && std::string(argv[4]) != "query")) {
    std::fprintf(stderr, "usage: chaincode_call ADDRESS STATE_FILE MSP_ID invoke|query '{\"Args\":[...]}'\n");
    return 2;
  }
  const std::string address = argv[1], state_path = argv[2], msp_id = argv[3];
  const bool invoke = std::string(argv[4]) == "invoke";

  testing::Proposal proposal;
  proposal.msp_id = msp_id;
  auto input = nlohmann::json::parse(argv[5], nullptr, false);
  if (input.is_discarded() || !input.contains("Args") || !input["Args"].is_array()) {
    std::fprintf(stderr, "chaincode_call: the input must be {\"Args\": [...]}\n");
    return 2;
  }
  for (const auto& arg : input["Args"]) {
    if (!arg.is_string()) {
      std::fprintf(stderr, "chaincode_call: every element of Args must be a string\n");
      return 2;
    }
    proposal.args.push_back(arg.get<std::string>());
  }

  testing::WorldState state;
  std::uint64_t transactions = 0;
  if (!Load(state_path, &state, &transactions)) {
    std::fprintf(stderr, "chaincode_call: cannot read the state file %s\n", state_path.c_str());
    return 1;
  }
  proposal.txid = "call-" + std::to_string(++transactions);
  proposal.time = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();

  testing::Outcome outcome;
  try {
    testing::TestPeer peer(address, state);
    outcome = invoke ? peer.Submit(proposal) : peer.Execute(proposal);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "Error: %s\n", error.what());
    return 1;
  }
  if (!outcome.ok()) {
    std::fprintf(stderr, "Error: endorsement failure: status:%d message:\"%s\"%s\n", outcome.response.status(),
                 outcome.response.message().c_str(), outcome.error.c_str());
    return 1;
  }
  if (invoke) {
    if (outcome.validation != testing::Validation::kValid) {
      std::fprintf(stderr, "Error: transaction %s invalidated at commit\n", proposal.txid.c_str());
      return 1;
    }
    if (!Save(state_path, state, transactions)) {
      std::fprintf(stderr, "chaincode_call: cannot write the state file %s\n", state_path.c_str());
      return 1;
    }
    std::printf("Chaincode invoke successful. result: status:200 payload:%s\n",
                nlohmann::json(outcome.response.payload()).dump().c_str());
  } else {
    std::printf("%s\n", outcome.response.payload().c_str());
  }
  return 0;
}
