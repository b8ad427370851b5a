// NetworkInterface: see ni.h for the protocol and docs/ni.md for the packet format and timing.
#include "noc/ni.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "common/prefetch.h"
#include "common/thread_timer.h"

namespace snsim::noc {

namespace {

constexpr unsigned kHeaderBytes = 16;  // two 64-bit header words (docs/ni.md)

std::uint64_t load_le(const std::uint8_t* p, unsigned n) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

void store_le(std::uint8_t* p, unsigned n, std::uint64_t v) {
  for (unsigned i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// A flit's payload words from n * 8 packet bytes, and back: little-endian, as the header words.
void load_words(std::uint64_t* words, const std::uint8_t* p, unsigned n) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(words, p, std::size_t{n} * 8);
  } else {
    for (unsigned w = 0; w < n; ++w) words[w] = load_le(p + 8 * w, 8);
  }
}

void store_words(std::uint8_t* p, const std::uint64_t* words, unsigned n) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, words, std::size_t{n} * 8);
  } else {
    for (unsigned w = 0; w < n; ++w) store_le(p + 8 * w, 8, words[w]);
  }
}

// A status as the header carries it: 0 for OK, else the negated TLM error (an incomplete answer
// from a memory target counts as a generic error).
std::uint8_t encode_status(tlm::tlm_response_status s) {
  if (s == tlm::TLM_OK_RESPONSE) return 0;
  if (s == tlm::TLM_INCOMPLETE_RESPONSE) return static_cast<std::uint8_t>(-tlm::TLM_GENERIC_ERROR_RESPONSE);
  return static_cast<std::uint8_t>(-s);
}

tlm::tlm_response_status decode_status(std::uint8_t s) {
  return s == 0 ? tlm::TLM_OK_RESPONSE : static_cast<tlm::tlm_response_status>(-static_cast<int>(s));
}

// Data bytes a packet carries after its header.
std::uint32_t data_bytes(UbKind kind, bool response, std::uint8_t status, std::uint32_t size) {
  if (status != 0) return 0;
  switch (kind) {
    case UbKind::write:
    case UbKind::notify:
      return response ? 0 : size;
    case UbKind::read:
      return response ? size : 0;
    case UbKind::atomic_add:
      return 8;
  }
  return 0;
}

}  // namespace

const char* to_string(UbKind kind) {
  switch (kind) {
    case UbKind::write:
      return "remote write";
    case UbKind::read:
      return "remote read";
    case UbKind::atomic_add:
      return "atomic add";
    case UbKind::notify:
      return "notify";
  }
  return "unknown command";
}

NetworkInterface::NetworkInterface(sc_core::sc_module_name name, NocFabric& fabric, std::uint32_t endpoint,
                                   const NiParams& params, StatsRegistry& stats, const std::string& stats_prefix)
    : sc_module(name),
      socket("socket"),
      memory("memory"),
      fabric_(fabric),
      ep_(endpoint),
      params_(params),
      flit_bytes_(fabric.router_params().payload_bits / 8),
      st_errors_(stats.counter(stats_prefix + ".errors", "commands", "commands refused or answered with an error")),
      st_req_packets_(stats.counter(stats_prefix + ".request_packets", "packets", "request packets sent")),
      st_resp_packets_(stats.counter(stats_prefix + ".response_packets", "packets", "response packets sent")),
      st_bytes_out_(stats.counter(stats_prefix + ".bytes_sent", "B", "data bytes in the packets sent")),
      st_served_(stats.counter(stats_prefix + ".requests_served", "requests", "requests performed on the local memory")),
      st_notifies_(stats.counter(stats_prefix + ".notifies_received", "notifies", "notify flags written locally")),
      st_stalls_(stats.counter(stats_prefix + ".credit_stalls", "port cycles",
                               "cycles a port had a flit to send and no credit for it")),
      st_latency_(stats.histogram(stats_prefix + ".latency", "cycles", "command acceptance to completion")) {
  const char* kinds[] = {"writes", "reads", "atomics", "notifies"};
  for (unsigned k = 0; k < 4; ++k) {
    st_kind_[k] = &stats.counter(stats_prefix + "." + kinds[k], "commands",
                                 fmt::format("{} commands accepted", to_string(static_cast<UbKind>(k + 1))));
  }
  const RouterParams& rp = fabric.router_params();
  if (rp.vcs < 2 || rp.payload_bits % 64 != 0 || params.max_outstanding < 1 || params.max_outstanding > 65536 ||
      params.response_queue < 1 || params.command_latency < 1) {
    throw std::invalid_argument(fmt::format("{}: needs routers of at least 2 VCs (requests, responses) and a payload "
                                            "of a multiple of 64 bits (have {} VCs, {} bits), max_outstanding "
                                            "1..65536 (have {}), response_queue >= 1 (have {}) and command_latency "
                                            ">= 1 cycle (have {})",
                                            this->name(), rp.vcs, rp.payload_bits, params.max_outstanding,
                                            params.response_queue, params.command_latency));
  }
  const Topology& topo = fabric.topology();
  ports_.resize(topo.nodes()[topo.endpoints().at(endpoint)].ports);
  for (std::size_t k = 0; k < ports_.size(); ++k) {
    ports_[k].credits.assign(rp.vcs, rp.buf_depth);
    for (FlitRing& r : ports_[k].rx) r.set_width(flit_bytes_ / 8);
    ports_[k].flits_sent = &stats.counter(fmt::format("{}.port{}.flits_sent", stats_prefix, k), "flits",
                                          "flits sent into the network on this port");
    ports_[k].credit_stalls = &stats.counter(fmt::format("{}.port{}.credit_stalls", stats_prefix, k), "cycles",
                                             "cycles this port had a flit to send and no credit for it");
  }
  slots_.resize(params.max_outstanding);
  for (unsigned t = params.max_outstanding; t-- > 0;) free_slots_.push_back(static_cast<std::uint16_t>(t));
  socket.register_nb_transport_fw(this, &NetworkInterface::nb_transport_fw);
  fabric.attach(endpoint, *this);
}

std::string NetworkInterface::describe(const tlm::tlm_generic_payload& trans, const UbExtension& ext) const {
  return fmt::format("{}{} of {} B at offset {:#x} of endpoint {}", to_string(ext.kind), ext.ordered ? " (ordered)" : "",
                     trans.get_data_length(), trans.get_address(), ext.dst);
}

NetworkInterface::Refusal NetworkInterface::check(const tlm::tlm_generic_payload& trans,
                                                   const UbExtension* ext) const {
  using tlm::TLM_BURST_ERROR_RESPONSE, tlm::TLM_GENERIC_ERROR_RESPONSE;
  if (ext == nullptr) return {TLM_GENERIC_ERROR_RESPONSE, "the payload carries no UbExtension (kind, destination)"};
  if (ext->kind < UbKind::write || ext->kind > UbKind::notify) {
    return {TLM_GENERIC_ERROR_RESPONSE, fmt::format("unknown command kind {}", static_cast<unsigned>(ext->kind))};
  }
  const std::uint32_t n = fabric_.topology().num_endpoints();
  if (ext->dst >= n) {
    return {TLM_GENERIC_ERROR_RESPONSE,
            fmt::format("destination endpoint {} does not exist (endpoints 0..{})", ext->dst, n - 1)};
  }
  if (ext->dst == ep_) {
    return {TLM_GENERIC_ERROR_RESPONSE, "the destination is this NI's own endpoint (use the local memory)"};
  }
  const unsigned len = trans.get_data_length();
  if (len == 0 || len > kUbMaxBytes) {
    return {TLM_BURST_ERROR_RESPONSE, fmt::format("size {} B is outside 1..{} B", len, kUbMaxBytes)};
  }
  if (ext->kind == UbKind::atomic_add && (len != 8 || trans.get_address() % 8 != 0)) {
    return {TLM_BURST_ERROR_RESPONSE, "an atomic add takes 8 bytes at an 8-byte aligned offset"};
  }
  if (trans.get_data_ptr() == nullptr) return {TLM_GENERIC_ERROR_RESPONSE, "no data pointer"};
  if (trans.get_byte_enable_ptr() != nullptr) {
    return {tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, "byte enables are not supported"};
  }
  return {tlm::TLM_OK_RESPONSE, ""};
}

tlm::tlm_sync_enum NetworkInterface::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                     sc_core::sc_time& delay) {
  if (phase == tlm::END_RESP) return tlm::TLM_COMPLETED;
  if (phase != tlm::BEGIN_REQ) {
    throw std::logic_error(fmt::format("{}: unexpected phase {} on the UB socket", name(), phase.get_name()));
  }
  UbExtension* ext = trans.get_extension<UbExtension>();
  if (const Refusal r = check(trans, ext); r.status != tlm::TLM_OK_RESPONSE) {
    trans.set_response_status(r.status);
    if (ext != nullptr) ext->error = fmt::format("{}: {}: {}", name(), describe(trans, *ext), r.why);
    st_errors_.inc();
    return tlm::TLM_COMPLETED;
  }
  if (held_ != nullptr) {
    throw std::logic_error(fmt::format("{}: BEGIN_REQ of a {} while the previous request awaits END_REQ (TLM base "
                                       "protocol)", name(), describe(trans, *ext)));
  }
  if (free_slots_.empty()) {
    held_ = &trans;  // END_REQ when a command completes
    return tlm::TLM_ACCEPTED;
  }
  accept(trans, fabric_.cycle_at(sc_core::sc_time_stamp() + delay));
  phase = tlm::END_REQ;
  return tlm::TLM_UPDATED;
}

void NetworkInterface::accept(tlm::tlm_generic_payload& trans, std::uint64_t cycle) {
  const std::uint16_t tag = free_slots_.back();
  free_slots_.pop_back();
  Slot& s = slots_[tag];
  s.trans = &trans;
  s.ext = trans.get_extension<UbExtension>();
  s.seq = next_seq_++;
  s.accepted = cycle;
  s.ready = cycle + params_.command_latency;
  if (s.ext->dst >= incomplete_.size()) incomplete_.resize(s.ext->dst + 1);
  incomplete_[s.ext->dst].push_back({s.seq, tag});
  if (pending_.empty()) pending_sorted_ = true;
  else if (s.ready < pending_.back().ready) pending_sorted_ = false;
  pending_.push_back({s.ready, tag});
  scan_ready_ = std::min(scan_ready_, s.ready);
  st_kind_[static_cast<unsigned>(s.ext->kind) - 1]->inc();
}

unsigned NetworkInterface::pick_port(std::uint32_t dst) {
  const std::uint64_t mask = fabric_.topology().inject_mask(ep_, dst);
  const unsigned n = static_cast<unsigned>(std::popcount(mask));
  const auto nth = [mask](unsigned i) {
    std::uint64_t m = mask;
    for (unsigned j = 0; j < i; ++j) m &= m - 1;
    return static_cast<unsigned>(std::countr_zero(m));
  };
  switch (params_.spread) {
    case NiSpread::hash: return nth(flow_hash(static_cast<std::uint16_t>(ep_), static_cast<std::uint16_t>(dst)) % n);
    case NiSpread::round_robin: return nth(static_cast<unsigned>(rr_next_++ % n));
    case NiSpread::adaptive: break;
  }
  const auto first = static_cast<unsigned>(rr_next_++ % n);  // ties rotate
  unsigned best = nth(first);
  for (unsigned k = 1; k < n; ++k) {
    const unsigned port = nth((first + k) % n);
    if (ports_[port].queued_flits < ports_[best].queued_flits) best = port;
  }
  return best;
}

void NetworkInterface::send_packet(const Packet& p, const std::uint8_t* data, std::uint32_t n) {
  // 1. The bytes: two header words, padded to whole flits, then the data, padded to whole flits.
  //    cycle() cuts a flit from them as it sends it.
  const std::size_t header_bytes = std::size_t{(kHeaderBytes + flit_bytes_ - 1) / flit_bytes_} * flit_bytes_;
  const std::size_t flits = (header_bytes + n + flit_bytes_ - 1) / flit_bytes_;
  TxPacket tx;
  if (!spare_bytes_.empty()) {
    tx.bytes = std::move(spare_bytes_.back());
    spare_bytes_.pop_back();
  }
  std::vector<std::uint8_t>& bytes = tx.bytes;
  // Only the padding is zeroed: the header words and the data are written over the rest.
  bytes.resize(flits * flit_bytes_);
  std::fill(bytes.begin() + kHeaderBytes, bytes.begin() + static_cast<std::ptrdiff_t>(header_bytes), 0);
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(header_bytes + n), bytes.end(), 0);
  const std::uint64_t w0 = static_cast<std::uint64_t>(p.kind) | (std::uint64_t{p.response} << 4) |
                           (std::uint64_t{p.ordered} << 5) | (std::uint64_t{p.status} << 8) |
                           (std::uint64_t{p.size} << 16) | (std::uint64_t{p.tag} << 32);
  store_le(bytes.data(), 8, w0);
  store_le(bytes.data() + 8, 8, p.offset);
  if (n > 0) std::memcpy(bytes.data() + header_bytes, data, n);
  tx.flits = static_cast<std::uint32_t>(flits);
  tx.dst = static_cast<std::uint16_t>(p.peer);
  tx.response = p.response;
  // 2. Queued on a port towards the peer, on the VC of its class.
  Port& port = ports_[pick_port(p.peer)];
  port.queued_flits += flits;
  tx_flits_ += flits;
  port.tx[p.response ? kRespVc : kReqVc].push_back(std::move(tx));
  (p.response ? st_resp_packets_ : st_req_packets_).inc();
  st_bytes_out_.add(n);
}

void NetworkInterface::on_flit(unsigned port, const LinkFlit& flit) {
  if (flit.vc > kRespVc || ports_[port].rx[flit.vc].size() >= fabric_.router_params().buf_depth) {
    throw std::logic_error(fmt::format("{}: port {}: a flit on VC {} without a credit for it", name(), port, flit.vc));
  }
  ports_[port].rx[flit.vc].push_back(flit.flit);
  ++rx_flits_;
}

void NetworkInterface::on_credit(unsigned port, std::uint8_t vc) {
  if (vc > kRespVc || ports_[port].credits[vc] >= fabric_.router_params().buf_depth) {
    throw std::logic_error(fmt::format("{}: port {}: a credit on VC {} beyond the router's {} buffer slots", name(),
                                       port, vc, fabric_.router_params().buf_depth));
  }
  ++ports_[port].credits[vc];
}

void NetworkInterface::prefetch_cycle(std::uint64_t c) const {
  // What cycle(c) reads and would otherwise wait for: on CM384 an NI's state has left the cache by
  // its next cycle, and the copy of each sent flit out of its packet's bytes was the NIs' largest
  // stall (docs/performance.md, "Prefetching the network interfaces"). It prefetches for every
  // VC that cycle() may serve, a little more than the one per port that it takes or sends.
  // 1. Each port's packets being assembled, where a flit taken now is written.
  if (rx_flits_ > 0) {
    for (const Port& port : ports_) {
      for (std::uint8_t vc : {kReqVc, kRespVc}) {
        if (port.rx[vc].empty()) continue;
        const std::vector<std::uint8_t>& bytes = port.assembling[vc];
        __builtin_prefetch(bytes.data() + bytes.size(), 1);
      }
    }
  }
  // 2. The oldest command waiting to go, when cycle() will look: its slot's extension and payload.
  if (scans_pending(c) && !pending_.empty()) {
    const Slot& s = slots_[pending_.front().tag];
    __builtin_prefetch(s.ext);
    __builtin_prefetch(s.trans);
  }
  // 3. Each port's next flit to send (its bytes in its packet), the port's credits and counter.
  if (tx_flits_ > 0) {
    for (const Port& port : ports_) {
      if (port.queued_flits == 0) continue;
      __builtin_prefetch(port.credits.data(), 1);  // both written when a flit goes
      __builtin_prefetch(port.flits_sent, 1);
      for (const std::deque<TxPacket>& queue : port.tx) {
        if (queue.empty()) continue;
        const TxPacket& packet = queue.front();
        prefetch_bytes(packet.bytes.data() + std::size_t{packet.next} * flit_bytes_, flit_bytes_);
      }
    }
  }
}

void NetworkInterface::cycle(std::uint64_t c) {
  // 1. Take at most one flit per port from the ejection buffers (responses first; requests only
  //    while the response queue has room), return its credit, and handle complete packets.
  for (unsigned pi = 0; pi < ports_.size() && rx_flits_ > 0; ++pi) {
    Port& port = ports_[pi];
    std::uint8_t vc;
    if (!port.rx[kRespVc].empty()) {
      vc = kRespVc;
    } else if (!port.rx[kReqVc].empty() && responses_waiting_ < params_.response_queue) {
      vc = kReqVc;
    } else {
      continue;
    }
    // The flit's payload goes straight into the packet's bytes; of its head fields only the
    // source (of the first flit) and the tail bit are kept.
    FlitRing& ring = port.rx[vc];
    std::vector<std::uint8_t>& bytes = port.assembling[vc];
    if (bytes.empty()) port.assembling_src[vc] = ring.front_src();
    const std::size_t at = bytes.size();
    bytes.resize(at + flit_bytes_);
    store_words(bytes.data() + at, ring.front_payload(), flit_bytes_ / 8);
    const bool tail = ring.front_tail();
    ring.pop_front();
    --rx_flits_;
    fabric_.send_credit(ep_, pi, vc);
    if (!tail) continue;
    Packet p;
    const std::uint64_t w0 = load_le(bytes.data(), 8);
    p.kind = static_cast<UbKind>(w0 & 0xf);
    p.response = ((w0 >> 4) & 1) != 0;
    p.ordered = ((w0 >> 5) & 1) != 0;
    p.status = static_cast<std::uint8_t>(w0 >> 8);
    p.size = static_cast<std::uint32_t>((w0 >> 16) & 0x3ff);
    p.tag = static_cast<std::uint16_t>(w0 >> 32);
    p.offset = load_le(bytes.data() + 8, 8);
    p.peer = port.assembling_src[vc];
    const std::size_t begin = std::size_t{(kHeaderBytes + flit_bytes_ - 1) / flit_bytes_} * flit_bytes_;
    const std::uint32_t n = data_bytes(p.kind, p.response, p.status, p.size);
    const bool known = p.kind >= UbKind::write && p.kind <= UbKind::notify;
    if (!known || begin + n > bytes.size() || p.response != (vc == kRespVc)) {
      throw std::logic_error(fmt::format("{}: port {}: a malformed packet from endpoint {} ({} flits)", name(), pi,
                                         p.peer, bytes.size() / flit_bytes_));
    }
    p.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(begin),
                  bytes.begin() + static_cast<std::ptrdiff_t>(begin + n));
    bytes.clear();
    if (p.response) {
      complete(p, c);
    } else {
      serve(p, c);
    }
  }

  // 2. Responses whose memory access is done, then commands free to go, become packets.
  while (!responses_.empty() && responses_.begin()->first <= c) {
    const Packet& resp = responses_.begin()->second;
    send_packet(resp, resp.data.data(), static_cast<std::uint32_t>(resp.data.size()));
    responses_.erase(responses_.begin());
  }
  const bool look = scans_pending(c);
  scan_completed_ = false;
  if (look) {
    scan_ready_ = std::numeric_limits<std::uint64_t>::max();
    scan_ordered_ = 0;
  }
  for (auto it = look ? pending_.begin() : pending_.end(); it != pending_.end();) {
    if (it->ready > c) {
      scan_ready_ = std::min(scan_ready_, it->ready);
      if (pending_sorted_) break;  // every later command is not ready either
      ++it;
      continue;
    }
    const Slot& s = slots_[it->tag];
    if (s.ext->ordered && incomplete_[s.ext->dst].front().seq != s.seq) {
      ++scan_ordered_;
      ++it;
      continue;
    }
    Packet p;
    p.kind = s.ext->kind;
    p.ordered = s.ext->ordered;
    p.tag = it->tag;
    p.size = s.trans->get_data_length();
    p.offset = s.trans->get_address();
    p.peer = s.ext->dst;
    send_packet(p, s.trans->get_data_ptr(), data_bytes(p.kind, false, 0, p.size));
    it = pending_.erase(it);
  }

  // 3. One flit per port: a response's if it has a credit, else a request's.
  for (unsigned pi = 0; pi < ports_.size() && tx_flits_ > 0; ++pi) {
    Port& port = ports_[pi];
    bool stalled = false;
    for (std::uint8_t vc : {kRespVc, kReqVc}) {
      if (port.tx[vc].empty()) continue;
      if (port.credits[vc] == 0) {
        stalled = true;
        continue;
      }
      TxPacket& tx = port.tx[vc].front();
      --port.credits[vc];
      LinkFlit lf{true, vc, {}};  // the payload above the link width stays 0
      lf.flit.head = tx.next == 0;
      lf.flit.tail = tx.next + 1 == tx.flits;
      lf.flit.src = static_cast<std::uint16_t>(ep_);
      lf.flit.dst = tx.dst;
      load_words(lf.flit.payload.data(), tx.bytes.data() + std::size_t{tx.next} * flit_bytes_, flit_bytes_ / 8);
      fabric_.send_flit(ep_, pi, lf);
      port.flits_sent->inc();
      --port.queued_flits;
      --tx_flits_;
      if (++tx.next == tx.flits) {
        if (tx.response) --responses_waiting_;
        spare_bytes_.push_back(std::move(tx.bytes));
        port.tx[vc].pop_front();
      }
      stalled = false;
      break;
    }
    if (stalled) {
      st_stalls_.inc();
      port.credit_stalls->inc();
    }
  }
}

void NetworkInterface::serve(Packet& req, std::uint64_t c) {
  // 1. The access on the local memory. An atomic add is a read and a write back to back (nothing
  // comes between them), both issued at the arrival, as an atomic unit at the memory pipelines
  // them: issuing the write after the read's latency would hold a memory that serves requests one
  // at a time (npu::DieGm) for that latency, so that atomics from many sources reached a die one
  // per L2 hit. The response waits for the later of the two.
  Packet resp;
  resp.kind = req.kind;
  resp.response = true;
  resp.tag = req.tag;
  resp.size = req.size;
  resp.offset = req.offset;
  resp.peer = req.peer;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  tlm::tlm_generic_payload gp;
  auto access = [&](tlm::tlm_command cmd, std::uint8_t* data, unsigned len, sc_core::sc_time& at) {
    gp.set_command(cmd);
    gp.set_address(req.offset);
    gp.set_data_ptr(data);
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_dmi_allowed(false);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    memory->b_transport(gp, at);
    resp.status = encode_status(gp.get_response_status());
    return resp.status == 0;
  };
  std::vector<std::uint8_t>& data = req.data;  // the request ends here: its bytes are used in place
  switch (req.kind) {
    case UbKind::write:
    case UbKind::notify:
      access(tlm::TLM_WRITE_COMMAND, data.data(), req.size, delay);
      break;
    case UbKind::read:
      data.assign(req.size, 0);
      if (access(tlm::TLM_READ_COMMAND, data.data(), req.size, delay)) resp.data = std::move(data);
      break;
    case UbKind::atomic_add: {
      std::uint8_t old[8];
      if (!access(tlm::TLM_READ_COMMAND, old, 8, delay)) break;
      std::uint8_t sum[8];
      store_le(sum, 8, load_le(old, 8) + load_le(data.data(), 8));
      sc_core::sc_time write_delay = sc_core::SC_ZERO_TIME;
      if (access(tlm::TLM_WRITE_COMMAND, sum, 8, write_delay)) resp.data.assign(old, old + 8);
      delay = std::max(delay, write_delay);
      break;
    }
  }
  st_served_.inc();
  if (req.kind == UbKind::notify && resp.status == 0) {
    st_notifies_.inc();
    on_main_thread([this] { notified_.notify(fabric_.period()); });  // from the fabric's worker, too
  }
  // 2. The response is ready once the memory's delay has passed, at least one cycle on.
  const std::uint64_t p = fabric_.period().value();
  const std::uint64_t wait = std::max<std::uint64_t>(1, (delay.value() + p - 1) / p);
  responses_.emplace(c + wait, std::move(resp));
  ++responses_waiting_;
}

void NetworkInterface::complete(const Packet& resp, std::uint64_t c) {
  // 1. The issuer's payload gets the data and status; the command leaves the ordering sets.
  if (resp.tag >= slots_.size() || slots_[resp.tag].trans == nullptr) {
    throw std::logic_error(fmt::format("{}: a response from endpoint {} for tag {}, which no command holds", name(),
                                       resp.peer, resp.tag));
  }
  Slot& s = slots_[resp.tag];
  // A response must answer its command field by field: a misrouted or corrupted one (what the
  // co-simulation exists to catch) must not complete another command or overrun its buffer.
  const char* wrong = resp.peer != s.ext->dst                          ? "source endpoint"
                      : resp.kind != s.ext->kind                       ? "kind"
                      : resp.size != s.trans->get_data_length()        ? "size"
                      : resp.offset != s.trans->get_address()          ? "offset"
                      : resp.data.size() > s.trans->get_data_length()  ? "data length"
                                                                        : nullptr;
  if (wrong != nullptr) {
    throw std::logic_error(fmt::format("{}: a response from endpoint {} for tag {} does not match its command ({}): {}",
                                       name(), resp.peer, resp.tag, describe(*s.trans, *s.ext), wrong));
  }
  tlm::tlm_generic_payload& trans = *std::exchange(s.trans, nullptr);
  const tlm::tlm_response_status status = decode_status(resp.status);
  if (status == tlm::TLM_OK_RESPONSE) {
    std::copy(resp.data.begin(), resp.data.end(), trans.get_data_ptr());
  } else {
    tlm::tlm_generic_payload named;
    named.set_response_status(status);
    s.ext->error = fmt::format("{}: {}: endpoint {}'s memory answered {}", name(), describe(trans, *s.ext),
                               s.ext->dst, named.get_response_string());
    st_errors_.inc();
  }
  trans.set_response_status(status);
  // s.trans is cleared above: this command's entry, and any completed ones behind it, leave.
  IssuedQueue& issued = incomplete_[s.ext->dst];
  while (!issued.empty() && (slots_[issued.front().tag].trans == nullptr ||
                             slots_[issued.front().tag].seq != issued.front().seq))
    issued.pop_front();
  scan_completed_ = true;
  st_latency_.record(c - s.accepted);
  if (on_complete_) {
    on_complete_({s.ext->kind, s.ext->dst, static_cast<std::uint32_t>(trans.get_data_length()), s.ext->ordered,
                  status != tlm::TLM_OK_RESPONSE, resp.tag, s.accepted, c});
  }
  free_slots_.push_back(resp.tag);
  // 2. A command held back for lack of room is accepted now.
  if (held_ != nullptr) {
    tlm::tlm_generic_payload& h = *held_;
    held_ = nullptr;
    accept(h, c);
    tlm::tlm_phase ph = tlm::END_REQ;
    sc_core::sc_time d = fabric_.period();
    socket->nb_transport_bw(h, ph, d);
  }
  // 3. The issuer is told, one cycle on (D13).
  tlm::tlm_phase ph = tlm::BEGIN_RESP;
  sc_core::sc_time d = fabric_.period();
  if (socket->nb_transport_bw(trans, ph, d) != tlm::TLM_COMPLETED) {
    // The NI sends the next BEGIN_RESP without waiting for an END_RESP, which the base protocol
    // allows only if the initiator completes each response at once.
    throw std::logic_error(fmt::format("{}: the initiator did not answer BEGIN_RESP of {} with TLM_COMPLETED", name(),
                                       describe(trans, *s.ext)));
  }
}

}  // namespace snsim::noc
