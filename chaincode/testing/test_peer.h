// A stand-in for a Fabric peer's side of the chaincode shim protocol, for the
// tests: it dials the chaincode server, completes the handshake, sends
// TRANSACTION messages and serves the chaincode's state calls from an
// in-memory world state with the peer's rules. Reads see only committed
// values, writes are collected in a write set, and range results come in
// batches with an iterator ID. The write set is applied only when the caller
// commits a successful outcome whose reads still hold. That is Fabric's MVCC
// and phantom read check, comparing values instead of versions.
//
// It does not check signatures or endorsement policies: it tests the
// chaincode, not Fabric.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "core/clock.h"
#include "peer/chaincode_shim.grpc.pb.h"

namespace orc::chaincode::testing {

// Committed world state: channel, then key, then value.
using WorldState = std::map<std::string, std::map<std::string, std::string>>;

struct Proposal {
  std::string channel = "mychannel";
  std::string txid;
  std::string msp_id;
  Micros time = 0;
  std::vector<std::string> args;
};

// Result of validating a transaction at commit, as the peer's
// TxValidationCode names it.
enum class Validation { kNotCommitted, kValid, kMvccReadConflict, kPhantomReadConflict };

// One range the transaction scanned: the bounds and the results it was sent.
struct RangeRead {
  std::string start;
  std::string end;  // empty = unbounded
  std::vector<std::pair<std::string, std::string>> results;
  // False when the chaincode closed the iterator before its end.
  bool exhausted = false;
};

struct Outcome {
  // COMPLETED, or ERROR when the chaincode failed the transaction itself.
  protos::ChaincodeMessage::Type type = protos::ChaincodeMessage::UNDEFINED;
  protos::Response response;
  // Payload of an ERROR message.
  std::string error;
  std::optional<protos::ChaincodeEvent> event;
  // Write set in key order; nullopt is a delete.
  std::map<std::string, std::optional<std::string>> writes;
  // Number of state calls by message type.
  std::map<protos::ChaincodeMessage::Type, int> calls;
  // Read set: each key read with GET_STATE and the value it had, and the
  // ranges scanned, checked again when the transaction commits.
  std::map<std::string, std::string> reads;
  std::vector<RangeRead> ranges;
  Validation validation = Validation::kNotCommitted;

  bool ok() const { return type == protos::ChaincodeMessage::COMPLETED && response.status() < 400; }
};

class TestPeer {
 public:
  // Connects to the chaincode at `address` and completes the handshake.
  // Range results are sent `range_batch` at a time. Throws
  // std::runtime_error when the chaincode cannot be reached or misbehaves.
  TestPeer(const std::string& address, WorldState& state, std::size_t range_batch = 100);
  ~TestPeer();

  TestPeer(const TestPeer&) = delete;
  TestPeer& operator=(const TestPeer&) = delete;

  // Name the chaincode sent in REGISTER.
  const std::string& registered_name() const { return registered_name_; }

  // Runs a proposal without committing it. Thread-safe.
  Outcome Execute(const Proposal& proposal);
  // Runs a proposal and commits it when it succeeded.
  Outcome Submit(const Proposal& proposal);
  // Validates the read set against the committed state as the peer does
  // (MVCC, then phantom reads) and applies the write set when it is valid.
  Validation Commit(const std::string& channel, const Outcome& outcome);

  // True while the stream to the chaincode is open.
  bool connected() const { return connected_; }

  // Called on the reader thread with each message from the chaincode before
  // it is served. A hook that blocks holds the transaction in flight, so a
  // test can act in the middle of it. Set it before sending transactions.
  void set_before_serve(std::function<void(const protos::ChaincodeMessage&)> hook) {
    before_serve_ = std::move(hook);
  }

 private:
  struct Running {
    Outcome outcome;
    bool done = false;
    // Open range iterators: ID, then the results not sent yet.
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> iterators;
    // Index in outcome.ranges of each open iterator.
    std::map<std::string, std::size_t> iterator_ranges;
  };

  void ReadLoop();
  void Serve(const protos::ChaincodeMessage& message);
  void Send(const protos::ChaincodeMessage& message);

  WorldState& state_;
  std::size_t range_batch_;
  std::unique_ptr<protos::Chaincode::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<protos::ChaincodeMessage, protos::ChaincodeMessage>> stream_;
  std::string registered_name_;
  std::mutex write_mutex_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Running> running_;  // by channel and txid
  std::atomic<bool> connected_{false};
  std::uint64_t next_iterator_ = 0;
  std::function<void(const protos::ChaincodeMessage&)> before_serve_;
  std::thread reader_;
};

// Builds the args of an orchestrator function call: the name and the wrapper
// {"msg": <request JSON>, "request_id": <id>}.
std::vector<std::string> OrchestratorArgs(const std::string& function, const std::string& request_json,
                                          const std::string& request_id = "test");

}  // namespace orc::chaincode::testing
