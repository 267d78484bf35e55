#include "chaincode/testing/test_peer.h"

#include <chrono>
#include <stdexcept>

#include "chaincode/json.h"
#include "common/common.pb.h"
#include "ledger/queryresult/kv_query_result.pb.h"
#include "msp/identities.pb.h"
#include "peer/proposal.pb.h"

namespace orc::chaincode::testing {

namespace {

using Message = protos::ChaincodeMessage;

std::string RunningKey(const std::string& channel, const std::string& txid) { return channel + '\0' + txid; }

// True when `text` is valid UTF-8, which the peer requires of keys.
bool IsUtf8(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t j = 1; j < length; ++j) {
      if ((static_cast<unsigned char>(text[i + j]) & 0xc0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

protos::SignedProposal MakeSignedProposal(const Proposal& proposal) {
  common::ChannelHeader channel_header;
  channel_header.set_type(common::ENDORSER_TRANSACTION);
  channel_header.set_channel_id(proposal.channel);
  channel_header.set_tx_id(proposal.txid);
  channel_header.mutable_timestamp()->set_seconds(proposal.time / 1'000'000);
  channel_header.mutable_timestamp()->set_nanos(static_cast<int>(proposal.time % 1'000'000) * 1000);

  msp::SerializedIdentity creator;
  creator.set_mspid(proposal.msp_id);
  creator.set_id_bytes("-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n");
  common::SignatureHeader signature_header;
  creator.SerializeToString(signature_header.mutable_creator());
  signature_header.set_nonce("nonce");

  common::Header header;
  channel_header.SerializeToString(header.mutable_channel_header());
  signature_header.SerializeToString(header.mutable_signature_header());
  protos::Proposal body;
  header.SerializeToString(body.mutable_header());

  protos::SignedProposal signed_proposal;
  body.SerializeToString(signed_proposal.mutable_proposal_bytes());
  signed_proposal.set_signature("not checked");
  return signed_proposal;
}

}  // namespace

TestPeer::TestPeer(const std::string& address, WorldState& state, std::size_t range_batch)
    : state_(state), range_batch_(range_batch) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(100 * 1024 * 1024);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    throw std::runtime_error("cannot connect to the chaincode at " + address);
  }
  stub_ = protos::Chaincode::NewStub(channel);
  stream_ = stub_->Connect(&context_);

  Message registration;
  if (!stream_->Read(&registration) || registration.type() != Message::REGISTER) {
    throw std::runtime_error("the chaincode did not start with REGISTER");
  }
  protos::ChaincodeID id;
  id.ParseFromString(registration.payload());
  registered_name_ = id.name();
  Message reply;
  reply.set_type(Message::REGISTERED);
  Send(reply);
  reply.set_type(Message::READY);
  Send(reply);
  connected_ = true;
  reader_ = std::thread([this] { ReadLoop(); });
}

TestPeer::~TestPeer() {
  {
    std::lock_guard lock(write_mutex_);
    stream_->WritesDone();
  }
  context_.TryCancel();
  reader_.join();
}

void TestPeer::Send(const Message& message) {
  std::lock_guard lock(write_mutex_);
  stream_->Write(message);
}

Outcome TestPeer::Execute(const Proposal& proposal) {
  const std::string key = RunningKey(proposal.channel, proposal.txid);
  {
    std::lock_guard lock(mutex_);
    running_[key] = Running{};
  }
  Message transaction;
  transaction.set_type(Message::TRANSACTION);
  transaction.set_channel_id(proposal.channel);
  transaction.set_txid(proposal.txid);
  protos::ChaincodeInput input;
  for (const std::string& arg : proposal.args) input.add_args(arg);
  input.SerializeToString(transaction.mutable_payload());
  *transaction.mutable_proposal() = MakeSignedProposal(proposal);
  Send(transaction);

  std::unique_lock lock(mutex_);
  // The peer's default execute timeout is 30 s.
  const bool done = changed_.wait_for(lock, std::chrono::seconds(30), [&] { return running_[key].done || !connected_; });
  Outcome outcome = std::move(running_[key].outcome);
  const bool finished = running_[key].done;
  running_.erase(key);
  if (!done || !finished) {
    outcome.type = Message::UNDEFINED;
    outcome.error = connected_ ? "timed out" : "the chaincode disconnected";
  }
  return outcome;
}

Outcome TestPeer::Submit(const Proposal& proposal) {
  Outcome outcome = Execute(proposal);
  if (outcome.ok()) outcome.validation = Commit(proposal.channel, outcome);
  return outcome;
}

Validation TestPeer::Commit(const std::string& channel, const Outcome& outcome) {
  std::lock_guard lock(mutex_);
  auto& world = state_[channel];
  for (const auto& [key, value] : outcome.reads) {
    auto current = world.find(key);
    if ((current == world.end() ? std::string() : current->second) != value) return Validation::kMvccReadConflict;
  }
  for (const RangeRead& range : outcome.ranges) {
    // The range is scanned again up to where the chaincode stopped reading,
    // and must return the same keys and values.
    auto it = world.lower_bound(range.start);
    auto end = range.end.empty() ? world.end() : world.lower_bound(range.end);
    std::size_t matched = 0;
    for (; it != end; ++it) {
      if (!range.exhausted && matched == range.results.size()) break;
      if (matched == range.results.size() || range.results[matched].first != it->first ||
          range.results[matched].second != it->second) {
        return Validation::kPhantomReadConflict;
      }
      ++matched;
    }
    if (matched != range.results.size()) return Validation::kPhantomReadConflict;
  }
  for (const auto& [key, value] : outcome.writes) {
    if (value) {
      world[key] = *value;
    } else {
      world.erase(key);
    }
  }
  return Validation::kValid;
}

void TestPeer::ReadLoop() {
  Message message;
  while (stream_->Read(&message)) {
    if (before_serve_) before_serve_(message);
    Serve(message);
    message = Message();
  }
  std::lock_guard lock(mutex_);
  connected_ = false;
  changed_.notify_all();
}

void TestPeer::Serve(const Message& message) {
  Message reply;
  reply.set_channel_id(message.channel_id());
  reply.set_txid(message.txid());
  auto answer = [&](const std::string& payload) {
    reply.set_type(Message::RESPONSE);
    reply.set_payload(payload);
    Send(reply);
  };
  auto reject = [&](const std::string& text) {
    reply.set_type(Message::ERROR);
    reply.set_payload(text);
    Send(reply);
  };

  if (message.type() == Message::KEEPALIVE) return;
  std::unique_lock lock(mutex_);
  auto found = running_.find(RunningKey(message.channel_id(), message.txid()));
  if (found == running_.end()) {
    lock.unlock();
    return reject("no transaction " + message.txid() + " on channel " + message.channel_id());
  }
  Running& running = found->second;
  Outcome& outcome = running.outcome;
  const auto& world = state_[message.channel_id()];

  switch (message.type()) {
    case Message::COMPLETED: {
      outcome.type = Message::COMPLETED;
      outcome.response.ParseFromString(message.payload());
      if (message.has_chaincode_event()) outcome.event = message.chaincode_event();
      running.done = true;
      changed_.notify_all();
      return;
    }
    case Message::ERROR: {
      outcome.type = Message::ERROR;
      outcome.error = message.payload();
      running.done = true;
      changed_.notify_all();
      return;
    }
    case Message::GET_STATE: {
      ++outcome.calls[message.type()];
      protos::GetState request;
      request.ParseFromString(message.payload());
      if (request.key().empty()) break;
      auto value = world.find(request.key());
      std::string payload = value == world.end() ? std::string() : value->second;
      outcome.reads.emplace(request.key(), payload);
      lock.unlock();
      return answer(payload);
    }
    case Message::PUT_STATE: {
      ++outcome.calls[message.type()];
      protos::PutState request;
      request.ParseFromString(message.payload());
      if (request.key().empty() || !IsUtf8(request.key())) break;
      // An empty value is recorded as a delete, as the peer does.
      if (request.value().empty()) {
        outcome.writes[request.key()] = std::nullopt;
      } else {
        outcome.writes[request.key()] = request.value();
      }
      lock.unlock();
      return answer(std::string());
    }
    case Message::DEL_STATE: {
      ++outcome.calls[message.type()];
      protos::DelState request;
      request.ParseFromString(message.payload());
      if (request.key().empty() || !IsUtf8(request.key())) break;
      outcome.writes[request.key()] = std::nullopt;
      lock.unlock();
      return answer(std::string());
    }
    case Message::GET_STATE_BY_RANGE:
    case Message::QUERY_STATE_NEXT: {
      ++outcome.calls[message.type()];
      std::string id;
      if (message.type() == Message::GET_STATE_BY_RANGE) {
        protos::GetStateByRange request;
        request.ParseFromString(message.payload());
        if (!IsUtf8(request.startkey()) || !IsUtf8(request.endkey())) break;
        id = "iterator-" + std::to_string(++next_iterator_);
        auto& results = running.iterators[id];
        auto end = request.endkey().empty() ? world.end() : world.lower_bound(request.endkey());
        for (auto it = world.lower_bound(request.startkey()); it != end; ++it) results.emplace_back(*it);
        running.iterator_ranges[id] = outcome.ranges.size();
        outcome.ranges.push_back(RangeRead{request.startkey(), request.endkey(), {}, false});
      } else {
        protos::QueryStateNext request;
        request.ParseFromString(message.payload());
        id = request.id();
        if (!running.iterators.contains(id)) {
          lock.unlock();
          return reject("unknown iterator " + id);
        }
      }
      auto& results = running.iterators[id];
      protos::QueryResponse response;
      const std::size_t count = std::min(range_batch_, results.size());
      for (std::size_t i = 0; i < count; ++i) {
        queryresult::KV kv;
        kv.set_namespace_("orchestrator");
        kv.set_key(results[i].first);
        kv.set_value(results[i].second);
        kv.SerializeToString(response.add_results()->mutable_resultbytes());
      }
      RangeRead& range = outcome.ranges[running.iterator_ranges[id]];
      range.results.insert(range.results.end(), results.begin(),
                           results.begin() + static_cast<std::ptrdiff_t>(count));
      results.erase(results.begin(), results.begin() + static_cast<std::ptrdiff_t>(count));
      response.set_has_more(!results.empty());
      response.set_id(id);
      if (results.empty()) {
        range.exhausted = true;
        running.iterators.erase(id);
        running.iterator_ranges.erase(id);
      }
      lock.unlock();
      return answer(response.SerializeAsString());
    }
    case Message::QUERY_STATE_CLOSE: {
      ++outcome.calls[message.type()];
      protos::QueryStateClose request;
      request.ParseFromString(message.payload());
      running.iterators.erase(request.id());
      running.iterator_ranges.erase(request.id());
      protos::QueryResponse response;
      response.set_id(request.id());
      lock.unlock();
      return answer(response.SerializeAsString());
    }
    default:
      lock.unlock();
      return reject("unsupported message " + Message::Type_Name(message.type()));
  }
  lock.unlock();
  reject("invalid " + Message::Type_Name(message.type()) + " request: the key is empty or not valid UTF-8");
}

std::vector<std::string> OrchestratorArgs(const std::string& function, const std::string& request_json,
                                          const std::string& request_id) {
  return {function, "{\"msg\":" + JsonQuote(request_json) + ",\"request_id\":" + JsonQuote(request_id) + "}"};
}

}  // namespace orc::chaincode::testing
