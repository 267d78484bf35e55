#include "chaincode/shim.h"

#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "common/common.pb.h"
#include "core/error.h"
#include "ledger/queryresult/kv_query_result.pb.h"
#include "msp/identities.pb.h"
#include "peer/proposal.pb.h"

namespace orc::chaincode {

namespace {

using Message = protos::ChaincodeMessage;
using Stream = grpc::ServerReaderWriter<Message, Message>;

// Message size limit of the peer's side of the link (100 MiB in Fabric 2.5).
constexpr int kMaxMessageBytes = 100 * 1024 * 1024;

void Log(const std::string& text) { std::fprintf(stderr, "chaincode: %s\n", text.c_str()); }

std::string TransactionLabel(const Message& message) {
  return message.channel_id() + "/" + message.txid();
}

// Requester and time of a proposal, read from its headers.
struct ProposalContext {
  std::string requester;
  Micros time = 0;
};

// Reads the creator's MSP ID and the channel header timestamp. Returns an
// error text when the proposal cannot be read.
std::string ReadProposal(const protos::SignedProposal& signed_proposal, ProposalContext* out) {
  protos::Proposal proposal;
  if (!proposal.ParseFromString(signed_proposal.proposal_bytes())) return "proposal: not a valid Proposal";
  common::Header header;
  if (!header.ParseFromString(proposal.header())) return "proposal header: not a valid Header";
  common::ChannelHeader channel_header;
  if (!channel_header.ParseFromString(header.channel_header())) return "channel header: not a valid ChannelHeader";
  common::SignatureHeader signature_header;
  if (!signature_header.ParseFromString(header.signature_header())) {
    return "signature header: not a valid SignatureHeader";
  }
  msp::SerializedIdentity creator;
  if (!creator.ParseFromString(signature_header.creator())) return "creator: not a valid SerializedIdentity";
  if (creator.mspid().empty()) return "creator: the MSP ID is empty";
  out->requester = creator.mspid();
  out->time = channel_header.timestamp().seconds() * 1'000'000 + channel_header.timestamp().nanos() / 1000;
  return std::string();
}

// One Connect stream: the handshake, then the transactions of the peer.
class Connection {
 public:
  Connection(Stream& stream, const ShimOptions& options) : stream_(stream), options_(options) {}

  // Runs until the peer closes the stream. Returns once every transaction
  // thread has finished.
  grpc::Status Run() {
    grpc::Status status = Handshake();
    if (status.ok()) ReadLoop();
    Close();
    return status;
  }

  // Sends a state call of a transaction and waits for the peer's reply.
  // Throws OrcError when the peer replies ERROR or the stream is gone.
  std::string Call(const std::string& channel, const std::string& txid, Message::Type type,
                   const google::protobuf::Message& body) {
    const std::string key = SlotKey(channel, txid);
    Message request;
    request.set_type(type);
    request.set_channel_id(channel);
    request.set_txid(txid);
    body.SerializeToString(request.mutable_payload());
    {
      std::lock_guard lock(mutex_);
      if (closed_) Fail(ErrorKind::kUnavailable, "the connection to the peer is closed");
      slots_[key].reply.reset();
    }
    if (!Send(request)) Fail(ErrorKind::kUnavailable, "the connection to the peer is closed");

    std::unique_lock lock(mutex_);
    auto& slot = slots_[key];
    replied_.wait(lock, [&] { return slot.reply.has_value() || closed_; });
    if (!slot.reply) Fail(ErrorKind::kUnavailable, "the connection to the peer closed during " + Message::Type_Name(type));
    Message reply = std::move(*slot.reply);
    slot.reply.reset();
    lock.unlock();
    if (reply.type() == Message::ERROR) {
      Fail(ErrorKind::kInternal, "the peer rejected " + Message::Type_Name(type) + ": " + reply.payload());
    }
    if (reply.type() != Message::RESPONSE) {
      Fail(ErrorKind::kInternal, "the peer replied to " + Message::Type_Name(type) + " with " +
                                     Message::Type_Name(reply.type()));
    }
    return std::move(*reply.mutable_payload());
  }

 private:
  struct Slot {
    // The peer's reply to the transaction's outstanding call.
    std::optional<Message> reply;
  };

  static std::string SlotKey(const std::string& channel, const std::string& txid) {
    return channel + '\0' + txid;
  }

  bool Send(const Message& message) {
    std::lock_guard lock(write_mutex_);
    return stream_.Write(message);
  }

  grpc::Status Handshake() {
    Message registration;
    registration.set_type(Message::REGISTER);
    protos::ChaincodeID id;
    id.set_name(options_.chaincode_id);
    id.SerializeToString(registration.mutable_payload());
    if (!Send(registration)) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream closed before REGISTER");

    bool registered = false;
    Message message;
    while (stream_.Read(&message)) {
      if (message.type() == Message::KEEPALIVE) {
        Send(message);
        continue;
      }
      if (!registered && message.type() == Message::REGISTERED) {
        registered = true;
        continue;
      }
      // The READY payload is empty in Fabric 2.5; 3.x sends optional
      // parameters that this chaincode does not use.
      if (registered && message.type() == Message::READY) {
        Log("registered as \"" + options_.chaincode_id + "\" and ready");
        return grpc::Status::OK;
      }
      const std::string text = "unexpected " + Message::Type_Name(message.type()) + " during the handshake" +
                               (message.type() == Message::ERROR ? ": " + message.payload() : std::string());
      Log(text);
      Message error;
      error.set_type(Message::ERROR);
      error.set_payload(text);
      Send(error);
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, text);
    }
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream closed during the handshake");
  }

  void ReadLoop() {
    Message message;
    while (stream_.Read(&message)) {
      switch (message.type()) {
        case Message::TRANSACTION:
        case Message::INIT:
          StartTransaction(std::move(message));
          break;
        case Message::RESPONSE:
        case Message::ERROR:
          Deliver(std::move(message));
          break;
        case Message::KEEPALIVE:
          Send(message);
          break;
        default:
          Log("ignored unexpected " + Message::Type_Name(message.type()) + " for " + TransactionLabel(message));
      }
      message = Message();
    }
  }

  void Deliver(Message message) {
    std::lock_guard lock(mutex_);
    auto slot = slots_.find(SlotKey(message.channel_id(), message.txid()));
    if (slot == slots_.end()) {
      Log("ignored " + Message::Type_Name(message.type()) + " for unknown transaction " + TransactionLabel(message));
      return;
    }
    slot->second.reply = std::move(message);
    replied_.notify_all();
  }

  void StartTransaction(Message message) {
    const std::string key = SlotKey(message.channel_id(), message.txid());
    {
      std::lock_guard lock(mutex_);
      if (slots_.contains(key)) {
        Message error;
        error.set_type(Message::ERROR);
        error.set_channel_id(message.channel_id());
        error.set_txid(message.txid());
        error.set_payload("transaction " + TransactionLabel(message) + " is already running");
        Send(error);
        return;
      }
      slots_.emplace(key, Slot{});
      ++running_;
    }
    std::thread([this, key, message = std::move(message)]() mutable {
      Message reply = Execute(message);
      Send(reply);
      std::lock_guard lock(mutex_);
      slots_.erase(key);
      --running_;
      finished_.notify_all();
    }).detach();
  }

  Message Execute(const Message& message);

  void Close() {
    std::unique_lock lock(mutex_);
    closed_ = true;
    replied_.notify_all();
    finished_.wait(lock, [this] { return running_ == 0; });
  }

  Stream& stream_;
  const ShimOptions& options_;
  std::mutex write_mutex_;
  std::mutex mutex_;
  std::condition_variable replied_;
  std::condition_variable finished_;
  std::map<std::string, Slot> slots_;
  int running_ = 0;
  bool closed_ = false;
};

// The world state through the state calls of one transaction.
class ShimState final : public StateAccess {
 public:
  ShimState(Connection& connection, std::string channel, std::string txid)
      : connection_(connection), channel_(std::move(channel)), txid_(std::move(txid)) {}

  std::string GetState(const std::string& key) override {
    protos::GetState request;
    request.set_key(key);
    return connection_.Call(channel_, txid_, Message::GET_STATE, request);
  }

  void PutState(const std::string& key, const std::string& value) override {
    protos::PutState request;
    request.set_key(key);
    request.set_value(value);
    connection_.Call(channel_, txid_, Message::PUT_STATE, request);
  }

  void DelState(const std::string& key) override {
    protos::DelState request;
    request.set_key(key);
    connection_.Call(channel_, txid_, Message::DEL_STATE, request);
  }

  void ScanRange(const std::string& start, const std::string& end, const Visitor& visit) override {
    protos::GetStateByRange request;
    request.set_startkey(start);
    request.set_endkey(end);
    protos::QueryResponse response = ParseQueryResponse(
        connection_.Call(channel_, txid_, Message::GET_STATE_BY_RANGE, request));
    while (true) {
      for (const protos::QueryResultBytes& result : response.results()) {
        queryresult::KV kv;
        if (!kv.ParseFromString(result.resultbytes())) {
          Fail(ErrorKind::kInternal, "the peer sent a range result that is not a KV");
        }
        if (!visit(kv.key(), kv.value())) {
          if (response.has_more()) CloseIterator(response.id());
          return;
        }
      }
      if (!response.has_more()) return;
      protos::QueryStateNext next;
      next.set_id(response.id());
      response = ParseQueryResponse(connection_.Call(channel_, txid_, Message::QUERY_STATE_NEXT, next));
    }
  }

 private:
  static protos::QueryResponse ParseQueryResponse(const std::string& bytes) {
    protos::QueryResponse response;
    if (!response.ParseFromString(bytes)) Fail(ErrorKind::kInternal, "the peer sent an invalid QueryResponse");
    return response;
  }

  void CloseIterator(const std::string& id) {
    protos::QueryStateClose request;
    request.set_id(id);
    connection_.Call(channel_, txid_, Message::QUERY_STATE_CLOSE, request);
  }

  Connection& connection_;
  std::string channel_;
  std::string txid_;
};

Message Connection::Execute(const Message& message) {
  Message reply;
  reply.set_channel_id(message.channel_id());
  reply.set_txid(message.txid());
  auto fail = [&](const std::string& text) {
    Log("transaction " + TransactionLabel(message) + " failed: " + text);
    reply.set_type(Message::ERROR);
    reply.set_payload(text);
    return reply;
  };

  protos::ChaincodeInput input;
  if (!input.ParseFromString(message.payload())) return fail("payload: not a valid ChaincodeInput");
  protos::Response response;
  if (message.type() == Message::INIT) {
    // The contract needs no initialisation, as Fabric's contract APIs.
    response.set_status(200);
  } else {
    ProposalContext proposal;
    if (!message.has_proposal()) return fail("the transaction carries no signed proposal");
    if (std::string error = ReadProposal(message.proposal(), &proposal); !error.empty()) return fail(error);

    Invocation invocation;
    invocation.channel = message.channel_id();
    invocation.transaction_id = message.txid();
    invocation.requester = proposal.requester;
    invocation.time = proposal.time;
    invocation.args.assign(input.args().begin(), input.args().end());
    ShimState state(*this, message.channel_id(), message.txid());
    ContractResult result = Invoke(invocation, state, options_.contract);

    response.set_status(result.status);
    response.set_message(result.message);
    response.set_payload(result.payload);
    if (result.status < 400 && result.event_payload) {
      protos::ChaincodeEvent* event = reply.mutable_chaincode_event();
      event->set_event_name(kEventName);
      event->set_payload(*result.event_payload);
    }
  }
  reply.set_type(Message::COMPLETED);
  response.SerializeToString(reply.mutable_payload());
  return reply;
}

}  // namespace

grpc::Status ChaincodeService::Connect(grpc::ServerContext* context, Stream* stream) {
  Log("peer connected from " + context->peer());
  Connection connection(*stream, options_);
  grpc::Status status = connection.Run();
  Log("peer " + context->peer() + " disconnected" + (status.ok() ? "" : ": " + status.error_message()));
  return status;
}

std::unique_ptr<grpc::Server> StartChaincodeServer(const std::string& address, ChaincodeService& service, int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // The peer pings every 60 s even when idle. gRPC's default policy answers
  // such pings with GOAWAY after a few minutes, which drops the chaincode.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  return builder.BuildAndStart();
}

}  // namespace orc::chaincode
