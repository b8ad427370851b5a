// VerilatedRouter<V>: RouterModel over one verilated sn_router configuration (class V).
//
// Every configuration's model has the same port names, so one template adapts them all; only the
// configurations verilated with TRACE_FST have a trace() member, detected at compile time. The
// adapter owns its VerilatedContext, so several routers (even of one configuration) live in one
// process without sharing state. Include only from translation units that link the verilated
// library (its headers are SYSTEM includes there).
//
// Idle skipping (enable_idle_skip, which make_rtl_router turns on): a step() with nothing staged
// that leaves the whole model state (Verilator's root object: every register, memory, port and
// trigger flag) byte for byte as it was has found a fixed point of the idle clock edge; as eval() is
// a function of that state, every further idle step() would leave it again, so they only count the
// cycle until something is staged. The test is a copy and a compare of the state, tried only in
// steps with nothing staged whose registered outputs are idle. Not while a trace is open (every
// edge is dumped). Sound only while Verilator inlines every submodule into the root object (it
// does for sn_router at its default inlining limits: the __Syms class holds only TOP); a
// configuration verilated with --no-inline or past the limits would keep state outside the
// compared bytes. test_router_fast_step checks the skip against the two-eval step on every
// built configuration.
#pragma once

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <verilated.h>
#include <verilated_fst_c.h>

#include "noc/router_model.h"

namespace snsim::noc {

namespace detail {
// Field access on a Verilator port whatever its C type: CData..QData (integers) or VlWide (arrays
// of 32-bit words, least significant first).
template <class T>
void set_field(T& sig, unsigned lsb, unsigned width, uint64_t value) {
  if constexpr (std::is_integral_v<T>) {
    const uint64_t ones = width >= 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1);
    const uint64_t mask = ones << lsb;
    sig = static_cast<T>((static_cast<uint64_t>(sig) & ~mask) | ((value << lsb) & mask));
  } else {
    put_bits(sig.data(), lsb, width, value);
  }
}
template <class T>
uint64_t get_field(const T& sig, unsigned lsb, unsigned width) {
  if constexpr (std::is_integral_v<T>) {
    const uint64_t ones = width >= 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1);
    return (static_cast<uint64_t>(sig) >> lsb) & ones;
  } else {
    return get_bits(sig.data(), lsb, width);
  }
}
// The 32-bit words of a VlWide port (Verilator 5.006's VlWide names its size only as a template
// argument, no Words member; ports that wide appear from 65 router ports on).
template <class T>
constexpr unsigned kWideWords = sizeof(T) / sizeof(uint32_t);
template <class T>
bool is_zero(const T& sig) {
  if constexpr (std::is_integral_v<T>) {
    return sig == 0;
  } else {
    for (unsigned w = 0; w < kWideWords<T>; ++w) {
      if (sig[w] != 0) return false;
    }
    return true;
  }
}
template <class T>
void clear(T& sig) {
  if constexpr (std::is_integral_v<T>) {
    sig = 0;
  } else {
    std::memset(sig.data(), 0, sizeof(uint32_t) * kWideWords<T>);
  }
}
}  // namespace detail

template <class V>
class VerilatedRouter final : public RouterModel {
 public:
  // seed: Verilator's seed for the randomized initial register values (-x-initial unique).
  // plusargs: command-line arguments for the model ("+sn_fault_owner", ...), read by $test$plusargs
  // in initial blocks, which run in the first eval() below, hence set here. They are always set
  // (maybe empty): Verilator aborts a model that calls $test$plusargs before commandArgs.
  VerilatedRouter(const RouterParams& p, uint64_t seed, const std::vector<std::string>& plusargs = {})
      : params_(p), vc_w_(p.vcs > 1 ? clog2(p.vcs) : 1) {
    ctx_ = std::make_unique<VerilatedContext>();
    std::vector<const char*> argv{"snsim"};
    for (const std::string& a : plusargs) argv.push_back(a.c_str());
    ctx_->commandArgs(static_cast<int>(argv.size()), argv.data());
    ctx_->randReset(2);
    ctx_->randSeed(static_cast<int>(seed & 0x7fffffff));
    ctx_->fatalOnError(true);
    model_ = std::make_unique<V>(ctx_.get(), "router");
    model_->vc_any_i = p.vc_alloc == VcAlloc::any;
    clear_inputs();
    model_->clk_i = 0;
    model_->rst_ni = 1;
    model_->eval();
    reset();
  }

  ~VerilatedRouter() override {
    // Verilator 5.006 tears a model down through the thread's current context, which is the one
    // constructed last, not necessarily this model's; point it at ours first, or destroying
    // routers in another order than they were built uses a freed context.
    Verilated::threadContextp(ctx_.get());
    close_trace();
    model_->final();
    model_.reset();
  }

  static constexpr bool kCanTrace = requires(V& v, VerilatedFstC* t) { v.trace(t, 99); };

  const RouterParams& params() const override { return params_; }

  void reset() override {
    model_->rst_ni = 0;
    model_->eval();
    staged_ = true;
    step();
    model_->rst_ni = 1;
    model_->eval();
    fixed_point_ = false;
  }

  // What only a translation unit that includes the model's V<name>___024root.h can know:
  // sizeof(*model().rootp) and &model().rootp->__Vtrigrprev__TOP__clk_i.
  struct Internals {
    std::size_t state_bytes;
    CData* clk_prev;
  };
  // Idle skipping and one eval() per cycle (both above).
  void enable_fast_step(const Internals& in) {
    state_bytes_ = in.state_bytes;
    snapshot_.reset(new unsigned char[in.state_bytes]);
    clk_prev_ = in.clk_prev;
  }
  // Steps that idle skipping did not evaluate (for tests and benchmarks).
  uint64_t skipped_steps() const { return skipped_; }

  void write_table(uint32_t dst, const TableEntry& entry) override {
    staged_ = true;
    model_->tbl_we_i = 1;
    model_->tbl_addr_i = dst;
    model_->tbl_wdata_i = pack_entry(entry);
    step();
    model_->tbl_we_i = 0;
  }

  void set_in(unsigned port, const LinkFlit& f) override {
    staged_ = true;
    detail::set_field(model_->in_valid_i, port, 1, f.valid);
    detail::set_field(model_->in_vc_i, port * vc_w_, vc_w_, f.vc);
    static_assert(!std::is_integral_v<decltype(model_->in_flit_i)>, "flit ports are always wide");
    pack_flit(f.flit, params_.payload_bits, model_->in_flit_i.data(), port * flit_w());
  }

  void set_out_credit(unsigned port, const LinkCredit& c) override {
    staged_ = true;
    detail::set_field(model_->out_credit_i, port, 1, c.valid);
    detail::set_field(model_->out_credit_vc_i, port * vc_w_, vc_w_, c.vc);
  }

  void step() override {
    const bool idle = !staged_ && state_bytes_ != 0 && !tracing();
    staged_ = false;
    if (idle && fixed_point_) {
      ++cycle_;
      ++skipped_;
      return;
    }
    const bool probe = idle && detail::is_zero(model_->out_valid_o) && detail::is_zero(model_->in_credit_o);
    const void* state = model_->rootp;
    if (probe) std::memcpy(snapshot_.get(), state, state_bytes_);
    if (clk_prev_ != nullptr && !tracing()) {
      // One eval() per cycle: Verilator 5.006 finds a rising edge by comparing clk_i with its record
      // of clk_i at the previous eval(); lowering that record stands for the falling edge's eval(),
      // which would only settle the same input logic that this eval() settles before its edge.
      *clk_prev_ = 0;
      model_->eval();
    } else {
      model_->clk_i = 0;
      model_->eval();
      dump(2 * cycle_);
      model_->clk_i = 1;
      model_->eval();
      dump(2 * cycle_ + 1);
    }
    ++cycle_;
    clear_inputs();
    fixed_point_ = probe && std::memcmp(snapshot_.get(), state, state_bytes_) == 0;
  }

  LinkFlit out(unsigned port) const override {
    LinkFlit f;
    f.valid = detail::get_field(model_->out_valid_o, port, 1) != 0;
    if (!f.valid) return f;  // an idle link's flit bits are meaningless; skip unpacking them
    f.vc = static_cast<uint8_t>(detail::get_field(model_->out_vc_o, port * vc_w_, vc_w_));
    f.flit = unpack_flit(model_->out_flit_o.data(), params_.payload_bits, port * flit_w());
    return f;
  }

  LinkCredit in_credit(unsigned port) const override {
    LinkCredit c;
    c.valid = detail::get_field(model_->in_credit_o, port, 1) != 0;
    c.vc = static_cast<uint8_t>(detail::get_field(model_->in_credit_vc_o, port * vc_w_, vc_w_));
    return c;
  }

  uint64_t cycle() const override { return cycle_; }

  // Starts writing an FST of every signal of the router; one time unit is half a clock cycle.
  void open_trace(const std::string& path) override {
    if constexpr (kCanTrace) {
      ctx_->traceEverOn(true);
      trace_ = std::make_unique<VerilatedFstC>();
      model_->trace(trace_.get(), 99);
      trace_->open(path.c_str());
      if (!trace_->isOpen()) throw std::runtime_error("cannot open waveform file " + path);
    } else {
      throw std::runtime_error("this router configuration was verilated without waveform support; "
                               "cannot write " + path);
    }
  }
  void close_trace() override {
    if constexpr (kCanTrace) {
      if (trace_) trace_->close();
      trace_.reset();
    }
  }
  V& model() { return *model_; }
  VerilatedContext& context() { return *ctx_; }

 private:
  static unsigned clog2(unsigned n) {
    unsigned b = 0;
    while ((1u << b) < n) ++b;
    return b;
  }
  unsigned flit_w() const { return kCtrlW + params_.payload_bits; }
  void clear_inputs() {
    detail::clear(model_->in_valid_i);
    detail::clear(model_->out_credit_i);
  }
  bool tracing() const {
    if constexpr (kCanTrace) {
      return trace_ != nullptr;
    } else {
      return false;
    }
  }
  void dump(uint64_t t) {
    if constexpr (kCanTrace) {
      if (trace_) trace_->dump(t);
    } else {
      (void)t;
    }
  }

  RouterParams params_;
  unsigned vc_w_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> model_;
  // Only a traced configuration holds a trace writer, so untraced ones need no FST runtime.
  std::conditional_t<kCanTrace, std::unique_ptr<VerilatedFstC>, std::nullptr_t> trace_{};
  uint64_t cycle_ = 0;
  // Idle skipping: off while state_bytes_ is 0.
  std::size_t state_bytes_ = 0;
  std::unique_ptr<unsigned char[]> snapshot_;
  bool staged_ = false;       // something was staged (or reset / a table write is under way) for this step
  bool fixed_point_ = false;  // the last step was idle and left the state unchanged
  CData* clk_prev_ = nullptr;  // Verilator's clk_i at the previous eval(), when one eval per step is on
  uint64_t skipped_ = 0;
};

}  // namespace snsim::noc
