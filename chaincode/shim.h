// The chaincode side of Fabric's chaincode shim protocol, served as a
// chaincode-as-a-service: the peer dials this gRPC server and opens one
// protos.Chaincode/Connect stream per connection.
//
// On each stream the chaincode sends REGISTER with its package ID and waits
// for REGISTERED and READY. Then the peer sends INIT and TRANSACTION
// messages, several at once if it likes. Each runs on its own thread and
// talks to the peer through state calls (GET_STATE, PUT_STATE, DEL_STATE,
// GET_STATE_BY_RANGE, QUERY_STATE_NEXT, QUERY_STATE_CLOSE) tagged with its
// channel and transaction ID, one call at a time, and finishes with COMPLETED
// (a Response, and the chaincode event if any) or ERROR. KEEPALIVE is echoed.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "chaincode/contract.h"
#include "peer/chaincode_shim.grpc.pb.h"

namespace orc::chaincode {

struct ShimOptions {
  // Name sent in REGISTER: the package ID ("<label>:<sha256 hex>") the peer
  // launched the chaincode for.
  std::string chaincode_id;
  ContractOptions contract;
};

class ChaincodeService final : public protos::Chaincode::Service {
 public:
  explicit ChaincodeService(ShimOptions options) : options_(std::move(options)) {}

  grpc::Status Connect(grpc::ServerContext* context,
                       grpc::ServerReaderWriter<protos::ChaincodeMessage, protos::ChaincodeMessage>* stream) override;

 private:
  ShimOptions options_;
};

// Starts a plaintext server for `service` on `address` ("host:port", port 0
// picks a free one) with the message size and keepalive settings the peer
// needs. Returns null when the address cannot be bound. Sets `*port` to the
// bound port.
std::unique_ptr<grpc::Server> StartChaincodeServer(const std::string& address, ChaincodeService& service, int* port);

}  // namespace orc::chaincode
