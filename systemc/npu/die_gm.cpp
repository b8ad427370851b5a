#include "npu/die_gm.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/thread_timer.h"

namespace snsim::npu {

using core::AsyncKind;

namespace {

std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (unsigned k = 0; k < 8; ++k) v |= std::uint64_t{p[k]} << (8 * k);
  return v;
}

noc::UbKind ub_kind(AsyncKind k) {
  switch (k) {
    case AsyncKind::read:
      return noc::UbKind::read;
    case AsyncKind::atomic_add:
      return noc::UbKind::atomic_add;
    case AsyncKind::notify:
      return noc::UbKind::notify;
    default:
      return noc::UbKind::write;
  }
}

const char* kind_name(AsyncKind k) { return k == AsyncKind::copy ? "copy" : noc::to_string(ub_kind(k)); }

}  // namespace

DieGm::DieGm(sc_core::sc_module_name name, std::uint32_t index, const DieGmParams& params, core::SimpleGm& store,
             core::GlobalMemory& local, sc_core::sc_time core_period, StatsRegistry& stats, const std::string& prefix)
    : sc_module(name),
      ni("ni"),
      target("target"),
      index_(index),
      params_(params),
      store_(store),
      local_(local),
      core_period_(core_period),
      st_link_ops_(stats.counter(prefix + ".link_accesses", "accesses", "accesses to another die of the NPU")),
      st_link_bytes_(stats.counter(prefix + ".link_bytes", "B", "bytes read or written over the die-to-die link")),
      st_net_ops_(stats.counter(prefix + ".net_accesses", "accesses", "accesses to dies of other NPUs")),
      st_net_commands_(stats.counter(prefix + ".net_commands", "commands", "UB commands offered to the NI")),
      st_net_bytes_(stats.counter(prefix + ".net_bytes", "B", "bytes read or written over the network")),
      st_ni_stalls_(stats.counter(prefix + ".ni_pushbacks", "commands", "commands the NI took only later (END_REQ)")),
      st_served_(stats.counter(prefix + ".served", "commands", "network requests served by this die's memory")),
      st_dma_copies_(stats.counter(prefix + ".dma_copies", "copies", "DMA copies started")),
      st_dma_bytes_(stats.counter(prefix + ".dma_bytes", "B", "bytes copied by the DMA engine")),
      st_dma_peak_(stats.scalar(prefix + ".dma_peak_chunks", "chunks", "most DMA chunks in flight at once")),
      st_latency_(stats.histogram(prefix + ".async_latency", "cycles", "start to completion of link / network "
                                                                        "accesses")) {
  ni.register_nb_transport_bw(this, &DieGm::nb_transport_bw);
  target.register_b_transport(this, &DieGm::b_transport);
  SC_HAS_PROCESS(DieGm);
  SC_METHOD(pump);
  sensitive << kick_;
  dont_initialize();
}

bool DieGm::local_range(std::uint64_t addr, std::uint64_t len) const {
  return core::die_of(addr) == index_ && core::die_of(addr + std::max<std::uint64_t>(len, 1) - 1) == index_;
}

DieGm* DieGm::owner(std::uint64_t addr, std::uint64_t len) const {
  const std::uint64_t d = core::die_of(addr);
  if (d >= dies_.size() || core::die_of(addr + std::max<std::uint64_t>(len, 1) - 1) != d) return nullptr;
  DieGm* die = dies_[d];
  return die->store_.mapped(addr & core::kDieOffsetMask, len) ? die : nullptr;
}

void DieGm::check_owned(std::uint64_t addr, std::uint64_t len, const char* what) const {
  if (owner(addr, len) == nullptr) {
    throw core::GmError(fmt::format("{} [0x{:x}, +{}) of die {} is in no die's memory (die {} of {})", what, addr,
                                    len, index_, core::die_of(addr), dies_.size()));
  }
}

bool DieGm::mapped(std::uint64_t addr, std::uint64_t len) const {
  return local_range(addr, len) && local_.mapped(addr & core::kDieOffsetMask, len);
}
void DieGm::read(std::uint64_t addr, std::span<std::uint8_t> out) const {
  local_.read(addr & core::kDieOffsetMask, out);
}
void DieGm::write(std::uint64_t addr, std::span<const std::uint8_t> in) {
  local_.write(addr & core::kDieOffsetMask, in);
}
core::GlobalMemory::Timing DieGm::transfer(Cycle now, const core::GmAccess& access) {
  core::GmAccess a = access;
  a.addr &= core::kDieOffsetMask;
  return local_.transfer(now, a);
}

bool DieGm::remote(std::uint64_t addr, std::uint64_t len) const {
  const DieGm* o = owner(addr, len);
  return o != nullptr && o != this;
}

void DieGm::schedule(Cycle at, std::function<void(Cycle)> f) { events_.emplace(at, std::move(f)); }

void DieGm::deliver(Cycle now) {
  now_ = std::max(now_, now);
  for (auto& c : retired_) {
    c->op.reset();  // the access's state goes now, as when the command was freed
    spare_.push_back(std::move(c));
  }
  retired_.clear();
  while (!events_.empty() && events_.begin()->first <= now) {
    auto f = std::move(events_.begin()->second);
    events_.erase(events_.begin());
    f(now);
  }
}

Cycle DieGm::core_cycle(const sc_core::sc_time& t) const {
  const std::uint64_t p = core_period_.value();
  return (t.value() + p - 1) / p;
}

void DieGm::start_async(Cycle now, core::AsyncAccess a, core::AsyncDone done) {
  now_ = std::max(now_, now);
  if (a.kind == AsyncKind::copy) {
    if (a.len == 0) {  // nothing to move: done next cycle
      schedule(now + 1, [done = std::move(done)](Cycle c) { done(c, {}, {}); });
      return;
    }
    check_owned(a.src, a.len, "DMA copy source");
    check_owned(a.addr, a.len, "DMA copy destination");
    st_dma_copies_.inc();
    dma_.push_back(CopyJob{a.addr, a.src, a.len, 0, 0, now + std::max<Cycle>(params_.dma_startup, 1), {}, false,
                           std::move(done)});
    schedule(dma_.back().ready, [this](Cycle c) { dma_step(c); });
    return;
  }
  const std::uint64_t len = a.kind == AsyncKind::read ? a.len : a.data.size();
  if (a.kind == AsyncKind::atomic_add && (len != 8 || a.addr % 8 != 0))
    throw core::GmError(fmt::format("atomic add at 0x{:x}: needs 8 bytes at an 8-byte aligned address", a.addr));
  if (!remote(a.addr, len)) {
    throw core::GmError(fmt::format("remote {} [0x{:x}, +{}) from die {}: {}", kind_name(a.kind), a.addr, len,
                                    index_,
                                    local_range(a.addr, len) && owner(a.addr, len) ? "in this die's own memory"
                                                                                    : "in no die's memory"));
  }
  issue(now, a.kind, a.addr, len, std::move(a.data),
        [this, now, done = std::move(done)](Cycle c, std::vector<std::uint8_t> data, std::string error) {
          st_latency_.record(c - now);
          done(c, data, error);
        });
}

void DieGm::issue(Cycle now, AsyncKind kind, std::uint64_t addr, std::uint64_t len, std::vector<std::uint8_t> data,
                  Callback cb) {
  const std::uint64_t d = core::die_of(addr);
  if (d == index_) issue_local(now, kind, addr, len, std::move(data), std::move(cb));
  else if (d / params_.dies_per_npu == index_ / params_.dies_per_npu)
    issue_link(now, kind, addr, len, std::move(data), std::move(cb));
  else
    issue_network(now, kind, addr, len, std::move(data), std::move(cb));
}

std::vector<std::uint8_t> DieGm::perform(AsyncKind kind, std::uint64_t offset, std::uint64_t len,
                                         const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> out;
  switch (kind) {
    case AsyncKind::read:
      out.resize(len);
      store_.read(offset, out);
      break;
    case AsyncKind::atomic_add: {
      out.resize(8);
      store_.read(offset, out);
      const std::uint64_t sum = load_le64(out.data()) + load_le64(data.data());
      std::uint8_t b[8];
      for (unsigned k = 0; k < 8; ++k) b[k] = static_cast<std::uint8_t>(sum >> (8 * k));
      store_.write(offset, b);
      break;
    }
    default:
      store_.write(offset, data);
      break;
  }
  return out;
}

void DieGm::issue_local(Cycle now, AsyncKind kind, std::uint64_t addr, std::uint64_t len,
                        std::vector<std::uint8_t> data, Callback cb) {
  const std::uint64_t offset = addr & core::kDieOffsetMask;
  const Timing t = local_.transfer(
      now, core::GmAccess{.port = kDmaPort, .is_write = kind != AsyncKind::read, .addr = offset, .burst = len});
  std::vector<std::uint8_t> out = perform(kind, offset, len, data);
  // The DMA engine's writes into this die wake its gwait-blocked cores like a peer's would (the core
  // that issued the copy may change no state of its own when it ends).
  if (kind != AsyncKind::read && on_remote_write_) on_remote_write_(now, offset, len);
  schedule(std::max(t.complete, now + 1),
           [cb = std::move(cb), out = std::move(out)](Cycle c) mutable { cb(c, std::move(out), {}); });
}

void DieGm::issue_link(Cycle now, AsyncKind kind, std::uint64_t addr, std::uint64_t len,
                       std::vector<std::uint8_t> data, Callback cb) {
  // 1. The request's data crosses this die -> peer (in order: the link is one FIFO per direction).
  DieGm& peer = *dies_[core::die_of(addr)];
  ++ops_in_flight_;
  st_link_ops_.inc();
  st_link_bytes_.add(len);
  const double rate = params_.d2d_bytes_per_cycle;
  link_free_ = std::max(static_cast<double>(now), link_free_) +
               (kind == AsyncKind::read ? 0.0 : static_cast<double>(data.size()) / rate);
  const Cycle arrive = std::max(core::ceil_cycles(link_free_) + params_.d2d_latency, now + 1);
  // 2. At the peer: the access on its store, timed by its memory; 3. the answer back.
  schedule(arrive, [this, &peer, kind, addr, len, rate, data = std::move(data), cb = std::move(cb)](Cycle c) mutable {
    const std::uint64_t offset = addr & core::kDieOffsetMask;
    const Timing t = peer.local_.transfer(
        c, core::GmAccess{.port = kRemotePort, .is_write = kind != AsyncKind::read, .addr = offset, .burst = len});
    std::vector<std::uint8_t> out = peer.perform(kind, offset, len, data);
    if (kind != AsyncKind::read && peer.on_remote_write_) peer.on_remote_write_(c, offset, len);
    Cycle done = t.complete + params_.d2d_latency;
    if (kind == AsyncKind::read) {
      peer.link_free_ = std::max(static_cast<double>(t.complete), peer.link_free_) + static_cast<double>(len) / rate;
      done = core::ceil_cycles(peer.link_free_) + params_.d2d_latency;
    }
    schedule(std::max(done, c + 1), [this, cb = std::move(cb), out = std::move(out)](Cycle d) mutable {
      --ops_in_flight_;
      cb(d, std::move(out), {});
    });
  });
}

void DieGm::issue_network(Cycle now, AsyncKind kind, std::uint64_t addr, std::uint64_t len,
                          std::vector<std::uint8_t> data, Callback cb) {
  (void)now;
  ++ops_in_flight_;
  st_net_ops_.inc();
  st_net_bytes_.add(len);
  auto op = std::make_shared<Op>();
  op->kind = kind;
  op->cb = std::move(cb);
  if (kind == AsyncKind::read || kind == AsyncKind::atomic_add) op->data.resize(len);
  const std::uint64_t offset = addr & core::kDieOffsetMask;
  for (std::uint64_t at = 0; at < len; at += noc::kUbMaxBytes) {
    const std::uint64_t n = std::min<std::uint64_t>(noc::kUbMaxBytes, len - at);
    std::unique_ptr<Command> cmd;
    if (spare_.empty()) {
      cmd = std::make_unique<Command>();
      cmd->gp.set_extension(new noc::UbExtension);
    } else {
      cmd = std::move(spare_.back());
      spare_.pop_back();
    }
    cmd->op = op;
    cmd->at = at;
    if (kind == AsyncKind::read) cmd->buf.assign(n, 0);
    else cmd->buf.assign(data.begin() + static_cast<std::ptrdiff_t>(at), data.begin() + static_cast<std::ptrdiff_t>(at + n));
    tlm::tlm_generic_payload& gp = cmd->gp;
    auto* ext = gp.get_extension<noc::UbExtension>();
    ext->kind = ub_kind(kind);
    ext->dst = static_cast<std::uint32_t>(core::die_of(addr));
    ext->ordered = kind == AsyncKind::notify;
    ext->error.clear();
    gp.set_command(kind == AsyncKind::read ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
    gp.set_address(offset + at);
    gp.set_data_ptr(cmd->buf.data());
    gp.set_data_length(static_cast<unsigned>(n));
    gp.set_streaming_width(static_cast<unsigned>(n));
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    ++op->remaining;
    queue_.push_back(cmd.get());
    commands_.emplace(&gp, std::move(cmd));
  }
  kick_.notify(sc_core::SC_ZERO_TIME);
}

void DieGm::pump() {
  while (!end_req_pending_ && !queue_.empty()) {
    Command* c = queue_.front();
    queue_.pop_front();
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    st_net_commands_.inc();
    const tlm::tlm_sync_enum r = ni->nb_transport_fw(c->gp, phase, delay);
    if (r == tlm::TLM_ACCEPTED) {
      end_req_pending_ = true;
      st_ni_stalls_.inc();
    } else if (r == tlm::TLM_COMPLETED) {
      finish_command(c->gp, sc_core::sc_time_stamp());  // refused: the status says why
    }
  }
}

tlm::tlm_sync_enum DieGm::nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                          sc_core::sc_time& delay) {
  if (phase == tlm::END_REQ) {
    end_req_pending_ = false;
    on_main_thread([this] { kick_.notify(sc_core::SC_ZERO_TIME); });  // the NI may run on the fabric's worker
    return tlm::TLM_ACCEPTED;
  }
  finish_command(gp, sc_core::sc_time_stamp() + delay);
  return tlm::TLM_COMPLETED;
}

void DieGm::finish_command(tlm::tlm_generic_payload& gp, const sc_core::sc_time& at) {
  auto it = commands_.find(&gp);
  Command& c = *it->second;
  Op& op = *c.op;
  if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) {
    const auto* ext = gp.get_extension<noc::UbExtension>();
    if (op.error.empty()) op.error = ext && !ext->error.empty() ? ext->error : gp.get_response_string();
  } else if (!op.data.empty()) {
    std::copy(c.buf.begin(), c.buf.end(), op.data.begin() + static_cast<std::ptrdiff_t>(c.at));
  }
  if (--op.remaining == 0) {
    const Cycle when = std::max(core_cycle(at), now_ + 1);
    schedule(when, [this, op = c.op](Cycle d) {
      --ops_in_flight_;
      if (!op->error.empty()) op->data.clear();
      op->cb(d, std::move(op->data), op->error);
    });
    if (wake_) wake_(when);
  }
  retired_.push_back(std::move(it->second));
  commands_.erase(it);
}

void DieGm::dma_step(Cycle now) {
  for (CopyJob& j : dma_) {
    if (j.ready > now) break;  // copies start in order
    while (j.issued < j.len && dma_outstanding_ < params_.dma_max_outstanding) {
      const std::uint64_t at = j.issued, n = std::min<std::uint64_t>(params_.dma_chunk_bytes, j.len - at);
      j.issued += n;
      ++dma_outstanding_;
      st_dma_peak_.set(std::max(st_dma_peak_.value(), static_cast<double>(dma_outstanding_)));
      CopyJob* job = &j;  // deque elements stay in place while others are added or the front removed
      issue(now, AsyncKind::read, j.src + at, n, {},
            [this, job, at, n](Cycle c, std::vector<std::uint8_t> data, std::string error) {
              if (!error.empty()) return chunk_done(*job, n, c, error);
              issue(c, AsyncKind::write, job->dst + at, n, std::move(data),
                    [this, job, n](Cycle c2, std::vector<std::uint8_t>, std::string e2) { chunk_done(*job, n, c2, e2); });
            });
    }
    if (j.issued < j.len) break;
  }
}

void DieGm::chunk_done(CopyJob& job, std::uint64_t bytes, Cycle now, const std::string& error) {
  --dma_outstanding_;
  job.done += bytes;
  st_dma_bytes_.add(bytes);
  if (job.error.empty()) job.error = error;
  if (job.done == job.len) {
    job.complete = true;
    core::AsyncDone f = std::move(job.finish);
    f(now, {}, job.error);
  }
  while (!dma_.empty() && dma_.front().complete) dma_.pop_front();
  dma_step(now);
}

void DieGm::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const std::uint64_t offset = gp.get_address(), len = gp.get_data_length();
  if (!store_.mapped(offset, len)) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const Cycle now = core_cycle(sc_core::sc_time_stamp() + delay);
  // One request at a time over the die's request path (DieGmParams::net_request_gap).
  const double start = std::max(static_cast<double>(now), net_free_);
  net_free_ = start + static_cast<double>(len) / (gp.is_write() ? params_.net_write_bytes_per_cycle
                                                                : params_.net_read_bytes_per_cycle) +
              params_.net_request_gap;
  const Timing t = local_.transfer(
      core::ceil_cycles(start),
      core::GmAccess{.port = kNetworkPort, .is_write = gp.is_write(), .addr = offset, .burst = len});
  std::span<std::uint8_t> bytes(gp.get_data_ptr(), len);
  if (gp.is_write()) store_.write(offset, bytes);
  else store_.read(offset, bytes);
  st_served_.inc();
  delay += core_period_ * static_cast<double>(t.complete - now);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  if (gp.is_write() && on_remote_write_) on_remote_write_(now, offset, len);
}

}  // namespace snsim::npu
