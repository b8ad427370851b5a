#pragma once
// NetworkInterface: one endpoint of a NocFabric turned into UB memory semantics (HARDWARE.md §1,
// issue 6 §2; docs/ni.md has the packet format, the ordering rules and the timing).
//
// Issuer side. An initiator (a die's cores or DMA; a traffic generator in tests) sends UB commands
// to `socket` with nb_transport_fw: a generic payload whose UbExtension names the kind (remote
// write, remote read, 64-bit atomic add, notify), the destination endpoint and the ordering bit;
// the address is the offset in the destination's memory and the data pointer / length the bytes
// (write, notify: the data; read: where the data goes; atomic add: 8 bytes, the addend in, the old
// value out, little-endian). Base protocol, approximately timed:
//   BEGIN_REQ -> TLM_UPDATED with END_REQ when the NI has room (fewer than max_outstanding
//                commands in flight), else TLM_ACCEPTED and END_REQ later through nb_transport_bw
//                (back-pressure: the initiator sends no other BEGIN_REQ meanwhile);
//             -> TLM_COMPLETED at once for a bad command (unknown or own destination, size 0 or
//                above 512 B, an atomic add that is not 8 aligned bytes, no UbExtension): the
//                response status says which class, UbExtension::error says what, naming the NI
//                and the command.
//   BEGIN_RESP through nb_transport_bw when the response packet is back (data copied, status set:
//                TLM_OK_RESPONSE, or the destination memory's error, e.g. TLM_ADDRESS_ERROR_RESPONSE
//                for an offset outside it, with UbExtension::error set); the initiator must answer
//                TLM_COMPLETED (the NI sends the next BEGIN_RESP without waiting for an END_RESP;
//                any other answer is a std::logic_error naming the NI and the command).
//                A response that does not match its command (source, kind, size, offset) is a
//                std::logic_error too, never a completion.
// The payload must stay valid from BEGIN_REQ until BEGIN_RESP.
//
// Packets. A command becomes one request packet, answered by one response packet (write ack, read
// data, atomic old value, notify ack); a packet is header flits then data flits of the link width,
// at most 512 B of data. Requests travel on VC 0 and responses on VC 1, so responses never wait
// behind requests (no protocol deadlock). A packet goes out on one of the endpoint's ports towards
// its destination (Topology::inject_mask): by flow hash (a flow keeps one port), or round-robin.
//
// Ordering. Relaxed by default: commands free to go are injected in acceptance order per port
// (a later unordered command may overtake an ordered one that waits) and may complete in any order. A command with the ordering bit waits before injection until every command this NI
// accepted earlier for the same destination has completed.
//
// Target side. A request packet, once all its flits are in, is performed at once on the local
// memory through `memory` with b_transport (the target must not call wait(): this runs in the
// fabric's SC_METHOD, like GmTlmTarget); the response is ready after the delay the target returned
// (at least one cycle) and goes out as soon as a port has a credit. Request flits are taken from
// the ejection buffer only while fewer than response_queue responses wait, so a busy target holds
// back its senders through the credits (end-to-end back-pressure).
#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "common/stats.h"
#include "noc/fabric.h"

namespace snsim::noc {

enum class UbKind : std::uint8_t { write = 1, read = 2, atomic_add = 3, notify = 4 };
const char* to_string(UbKind kind);

// The UB attributes of a command's generic payload.
struct UbExtension : tlm::tlm_extension<UbExtension> {
  UbKind kind = UbKind::write;
  std::uint32_t dst = 0;  // destination endpoint id
  bool ordered = false;
  std::string error;      // set by the NI with an error response
  tlm::tlm_extension_base* clone() const override { return new UbExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const UbExtension&>(other); }
};

inline constexpr std::uint32_t kUbMaxBytes = 512;  // UB access granularity (HARDWARE.md §1)

// A command from acceptance to completion (network cycles), as the NI's observer sees it: `slot`
// is the tag it held, which no other command holds in that time.
struct UbCommandSpan {
  UbKind kind = UbKind::write;
  std::uint32_t dst = 0;
  std::uint32_t bytes = 0;
  bool ordered = false;
  bool error = false;  // the destination's memory answered an error
  std::uint16_t slot = 0;
  std::uint64_t accepted = 0, completed = 0;  // completed - accepted is the `latency` statistic's sample
};

// How an NI picks one of its ports towards a destination: by flow hash (a flow stays on one port),
// in turn, or the port with the fewest flits queued (ties: in turn), as snsim net's endpoints do
// for topology.spread hash / round_robin / adaptive (docs/network.md).
enum class NiSpread { hash, round_robin, adaptive };

// Parameters (docs/ni.md: sources or "assumed").
struct NiParams {
  unsigned max_outstanding = 32;  // commands accepted and not completed (assumed)
  unsigned response_queue = 8;    // responses waiting to be sent before requests are held back (assumed)
  NiSpread spread = NiSpread::hash;
  // Cycles from a command's acceptance to the first cycle it may be injected: the issuer's
  // per-command latency (transaction layer, and on a die the path from its cores). At least 1 (D13).
  std::uint64_t command_latency = 1;
};

class NetworkInterface : public sc_core::sc_module, public FabricEndpoint {
 public:
  tlm_utils::simple_target_socket<NetworkInterface> socket;     // UB commands in
  tlm_utils::simple_initiator_socket<NetworkInterface> memory;  // the endpoint's local memory

  // Attaches itself to endpoint `endpoint` of `fabric`. Statistics under `stats_prefix`.
  NetworkInterface(sc_core::sc_module_name name, NocFabric& fabric, std::uint32_t endpoint, const NiParams& params,
                   StatsRegistry& stats, const std::string& stats_prefix);

  std::uint32_t endpoint() const { return ep_; }
  // Notified when a notify command has written this endpoint's memory.
  const sc_core::sc_event& notified() const { return notified_; }
  // Commands accepted and not yet completed.
  std::size_t outstanding() const { return slots_.size() - free_slots_.size(); }
  // Called for every command that completes (with a response, OK or error), in completion order.
  void on_complete(std::function<void(const UbCommandSpan&)> f) { on_complete_ = std::move(f); }

  // FabricEndpoint.
  void on_flit(unsigned port, const LinkFlit& flit) override;
  void on_credit(unsigned port, std::uint8_t vc) override;
  void cycle(std::uint64_t c) override;
  void prefetch_cycle(std::uint64_t c) const override;

 private:
  static constexpr std::uint8_t kReqVc = 0, kRespVc = 1;

  // A command from acceptance to completion; its slot index is the packet tag.
  struct Slot {
    tlm::tlm_generic_payload* trans = nullptr;
    UbExtension* ext = nullptr;
    std::uint64_t seq = 0;       // acceptance order
    std::uint64_t accepted = 0;  // cycle of acceptance
    std::uint64_t ready = 0;     // accepted + command_latency: the first cycle it may be injected in
  };
  // A packet's fields (the header) and its data bytes.
  struct Packet {
    UbKind kind = UbKind::write;
    bool response = false;
    bool ordered = false;
    std::uint8_t status = 0;  // 0 ok, else tlm_response_status negated (responses)
    std::uint16_t tag = 0;
    std::uint32_t size = 0;
    std::uint64_t offset = 0;
    std::uint32_t peer = 0;   // the other endpoint
    std::vector<std::uint8_t> data;
  };
  // A packet queued to send: its bytes (header words, padding, data, in whole flits), from which
  // each flit is built as it goes. (A std::vector of 72-byte Flits built at queueing was read back
  // cycles later, out of the cache, and copied again into the LinkFlit: the top of
  // NetworkInterface::cycle's profile on CM384.)
  struct TxPacket {
    std::vector<std::uint8_t> bytes;
    std::uint32_t flits = 0;
    std::uint32_t next = 0;  // the flit to send next
    std::uint16_t dst = 0;
    bool response = false;
  };
  // A port's ejection buffer of one VC: at most buf_depth flits (the router sends one only with a
  // credit; on_flit checks), in a ring that doubles when full and never shrinks (a std::deque of
  // flits allocated a block every few flits; a ring of buf_depth flits from the start took 0.3 GB
  // on CM384, whose 512-flit buffers an NI's ports rarely fill). A flit is kept as what the NI
  // reads of it: its source and tail bit in one word, then the payload words of the link width
  // (not the 72-byte Flit of kMaxPayloadW bits, copied twice more on its way to the packet).
  class FlitRing {
   public:
    void set_width(unsigned payload_words) { stride_ = 1 + payload_words; }
    bool empty() const { return count_ == 0; }
    std::size_t size() const { return count_; }
    std::uint16_t front_src() const { return static_cast<std::uint16_t>(buf_[head_ * stride_]); }
    bool front_tail() const { return ((buf_[head_ * stride_] >> 16) & 1u) != 0; }
    const std::uint64_t* front_payload() const { return &buf_[head_ * stride_ + 1]; }
    void pop_front() {
      head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
      --count_;
    }
    void push_back(const Flit& f) {
      if (count_ == capacity_) grow();
      std::uint64_t* e = &buf_[((head_ + count_++) % capacity_) * stride_];
      e[0] = std::uint64_t{f.src} | (std::uint64_t{f.tail} << 16);
      std::copy_n(f.payload.begin(), stride_ - 1, e + 1);
    }

   private:
    void grow() {
      const std::size_t cap = std::max<std::size_t>(8, 2 * capacity_);
      std::vector<std::uint64_t> bigger(cap * stride_);
      for (std::size_t k = 0; k < count_; ++k) {
        std::copy_n(&buf_[((head_ + k) % capacity_) * stride_], stride_, &bigger[k * stride_]);
      }
      buf_ = std::move(bigger);
      capacity_ = cap;
      head_ = 0;
    }
    std::vector<std::uint64_t> buf_;  // capacity_ entries of stride_ words
    std::size_t stride_ = 1, capacity_ = 0, head_ = 0, count_ = 0;
  };
  struct Port {
    std::vector<unsigned> credits;              // per VC
    std::deque<TxPacket> tx[2];                 // per VC: packets waiting or being sent
    std::size_t queued_flits = 0;               // flits in tx not yet sent
    FlitRing rx[2];                             // per VC: the ejection buffer
    // Per VC, the packet arriving: its payload bytes so far (each flit's written here as it is
    // taken from the ejection buffer) and its source, from its first flit.
    std::vector<std::uint8_t> assembling[2];
    std::uint16_t assembling_src[2] = {0, 0};
    Counter* flits_sent = nullptr;
    Counter* credit_stalls = nullptr;
  };

  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  // Why `trans` cannot be issued: the response status and the reason (TLM_OK_RESPONSE when it can).
  struct Refusal {
    tlm::tlm_response_status status;
    std::string why;
  };
  Refusal check(const tlm::tlm_generic_payload& trans, const UbExtension* ext) const;
  void accept(tlm::tlm_generic_payload& trans, std::uint64_t cycle);
  std::string describe(const tlm::tlm_generic_payload& trans, const UbExtension& ext) const;
  unsigned pick_port(std::uint32_t dst);
  // Queues `p` with the n data bytes at `data` (p.data is not read).
  void send_packet(const Packet& p, const std::uint8_t* data, std::uint32_t n);
  void receive_packet(const Packet& p, std::uint64_t c);
  void serve(Packet& req, std::uint64_t c);
  void complete(const Packet& resp, std::uint64_t c);

  NocFabric& fabric_;
  const std::uint32_t ep_;
  const NiParams params_;
  const unsigned flit_bytes_;
  std::vector<Port> ports_;
  std::vector<Slot> slots_;
  std::vector<std::uint16_t> free_slots_;
  // A command accepted and not yet injected: its tag and, copied from its slot, the first cycle it
  // may go (the scan below reads it from here, in order, instead of from a slot per command).
  struct Pending {
    std::uint64_t ready;
    std::uint16_t tag;
  };
  std::deque<Pending> pending_;  // in acceptance order
  // True while pending_'s `ready`s do not decrease front to back (commands accepted in cycle order,
  // all of them but for an issuer's delayed BEGIN_REQ): then the scan stops at the first command
  // not ready, as every later one is not ready either.
  bool pending_sorted_ = true;
  // When cycle() must look through pending_ again: at scan_ready_ (the earliest `ready` of the
  // commands not yet ready at the last look, or accepted since) or after a completion while
  // scan_ordered_ commands were ready but held (an ordered command waits for the commands before
  // it to its destination). Between them none can go, and a look through hundreds of commands
  // waiting out command_latency cost every network cycle.
  std::uint64_t scan_ready_ = std::numeric_limits<std::uint64_t>::max();
  bool scan_completed_ = false;
  std::size_t scan_ordered_ = 0;
  // Whether cycle(c) looks through pending_ (by the rule above).
  bool scans_pending(std::uint64_t c) const { return c >= scan_ready_ || (scan_completed_ && scan_ordered_ > 0); }
  // Flits in every port's ejection buffers, and queued to send: cycle() skips its look at the
  // ports when there are none (most of a machine's NIs, most cycles).
  std::size_t rx_flits_ = 0;
  std::size_t tx_flits_ = 0;
  // Per destination endpoint (indexed by it, grown as commands reach further ones; a map's walk
  // per command and completion missed the cache on CM384's 768 endpoints): the commands accepted
  // for it, in acceptance order, whose front is the oldest not completed (an ordered command may go
  // when it is the front). A completed command's entry stays until it reaches the front; an entry
  // is live while its slot holds its seq (a std::set of the seqs, as before, cost a node's
  // allocation and a tree walk per command).
  struct Issued {
    std::uint64_t seq;
    std::uint16_t tag;
  };
  // A queue that allocates nothing while empty (a std::deque allocates a block when constructed,
  // and an NI has a queue for every destination up to the furthest it has written).
  class IssuedQueue {
   public:
    bool empty() const { return head_ == v_.size(); }
    const Issued& front() const { return v_[head_]; }
    void push_back(const Issued& i) { v_.push_back(i); }
    void pop_front() {
      if (++head_ == v_.size()) {
        v_.clear();
        head_ = 0;
      } else if (head_ >= 64 && 2 * head_ >= v_.size()) {  // drop the popped front now and then
        v_.erase(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
    }

   private:
    std::vector<Issued> v_;
    std::size_t head_ = 0;
  };
  std::vector<IssuedQueue> incomplete_;
  std::multimap<std::uint64_t, Packet> responses_;     // by the cycle they are ready
  unsigned responses_waiting_ = 0;                      // in responses_ or not yet fully sent
  tlm::tlm_generic_payload* held_ = nullptr;           // BEGIN_REQ refused for lack of room
  std::vector<std::vector<std::uint8_t>> spare_bytes_; // TxPacket::bytes of packets sent, for reuse (no allocation per packet)
  std::uint64_t next_seq_ = 0;
  std::uint64_t rr_next_ = 0;
  sc_core::sc_event notified_;
  std::function<void(const UbCommandSpan&)> on_complete_;

  Counter* st_kind_[4];  // commands accepted, by UbKind - 1
  Counter& st_errors_;
  Counter& st_req_packets_;
  Counter& st_resp_packets_;
  Counter& st_bytes_out_;
  Counter& st_served_;
  Counter& st_notifies_;
  Counter& st_stalls_;
  Histogram& st_latency_;
};

}  // namespace snsim::noc
