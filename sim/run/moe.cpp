#include "run/moe.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "run/host_ref.h"

namespace snsim::run {

namespace {

constexpr std::uint64_t kUbBytes = 192 * 1024;  // HARDWARE.md §3
constexpr std::uint64_t kUbFixed = 0xc00;       // moe.s: reduction scratch and scale blocks before BUFS
constexpr std::uint64_t kMaxHidden = 16256;     // 255 f32 repeats of 64, a multiple of 128

std::uint64_t elements(const std::vector<std::uint64_t>& shape) {
  std::uint64_t n = 1;
  for (std::uint64_t d : shape) n *= d;
  return n;
}

std::size_t tensor_index(const Workload& w, const std::string& name) {
  for (std::size_t i = 0; i < w.tensors.size(); ++i)
    if (w.tensors[i].name == name) return i;
  return w.tensors.size();
}

// Dimensions from the reference's inputs [x, ids, wts, factor, recv] (shapes checked already).
MoeDims dims_of(const Workload& w, const WorkloadRefCfg& r) {
  const auto& x = w.tensor(r.inputs[0])->shape;
  const auto& ids = w.tensor(r.inputs[1])->shape;
  const auto& recv = w.tensor(r.inputs[4])->shape;
  return {x[0], x[1], ids[1], recv[0], elements(w.tensor(r.inputs[3])->shape), recv[1]};
}

// One token quantized as moe.s does it: scale = max |x| / 127 in f32, q = s8(f16(x / scale)).
struct Quantized {
  std::vector<std::int8_t> q;
  float scale = 0;
};

Quantized quantize(const double* x, std::uint64_t hidden) {
  Quantized out;
  out.q.resize(hidden);
  float amax = 0;
  for (std::uint64_t i = 0; i < hidden; ++i) amax = std::max(amax, std::abs(static_cast<float>(x[i])));
  out.scale = amax / 127.0f;
  if (amax == 0) return out;  // x / 0 is NaN, which s8 takes as 0
  for (std::uint64_t i = 0; i < hidden; ++i) {
    const float v = static_cast<float>(x[i]) / out.scale;
    const double h = static_cast<double>(static_cast<_Float16>(v));
    out.q[i] = static_cast<std::int8_t>(std::clamp(std::nearbyint(h), -128.0, 127.0));
  }
  return out;
}

template <class T>
void put(std::int8_t* p, T v, int copies) {
  for (int i = 0; i < copies; ++i) std::memcpy(p + i * sizeof v, &v, sizeof v);
}

// The tag (t x topk + k) in the pad of slot j of source s in the receive buffer `bytes`.
std::int32_t slot_tag(const void* bytes, std::uint64_t s, std::uint64_t j, const MoeDims& d) {
  std::int32_t tag;
  std::memcpy(&tag, static_cast<const std::uint8_t*>(bytes) + (s * d.capacity + j) * d.slot_bytes() + d.hidden + 32,
              sizeof tag);
  return tag;
}

// The kernel fills source s's slots 0 .. n - 1 in the order its cores took them (timing): order[j]
// = the slot of the token-order reference `ref` whose pair the simulated slot j of `got` names by
// its tag, when those tags are each of the n pairs once; empty otherwise (a pair missing, doubled or
// unknown: the reference stays in token order and the check fails).
std::vector<std::uint64_t> slot_order(const std::vector<std::int8_t>& ref, std::span<const std::uint8_t> got,
                                      std::uint64_t s, std::uint64_t n, const MoeDims& d) {
  if (got.size() < ref.size()) return {};
  std::map<std::int32_t, std::uint64_t> slot_of;
  for (std::uint64_t j = 0; j < n; ++j) slot_of[slot_tag(ref.data(), s, j, d)] = j;
  std::vector<std::uint64_t> order(n);
  for (std::uint64_t j = 0; j < n; ++j) {
    const auto it = slot_of.find(slot_tag(got.data(), s, j, d));
    if (it == slot_of.end()) return {};
    order[j] = it->second;
    slot_of.erase(it);
  }
  return order;
}

}  // namespace

void check_moe_kernel(const Kernel& k, const std::string& key, const Workload& w, const Checker& at) {
  const auto index = [&](const char* name) {
    for (std::size_t i = 0; i < k.object.args.size(); ++i)
      if (k.object.args[i].name == name) return i;
    at.fail(key + ".file", fmt::format("kernel {} has no argument '{}'", k.name, name));
  };
  const auto akey = [&](const char* name) { return config::index_path(key + ".args", index(name)); };
  const auto value = [&](const char* name) { return k.args[index(name)]; };
  const auto tensor = [&](const char* name) -> const Tensor& {
    for (const Tensor& t : w.tensors)
      if (t.addr == value(name)) return t;
    at.fail(akey(name), fmt::format("argument '{}' is not a tensor", name));
  };
  const MoeDims d{value("tokens"), value("hidden"), value("topk"), value("ranks"), value("epr"), value("capacity")};
  for (const char* name : {"tokens", "hidden", "topk", "ranks", "epr", "capacity"})
    if (value(name) == 0) at.fail(akey(name), fmt::format("{} must be at least 1", name));
  if (d.hidden % 128 != 0 || d.hidden > kMaxHidden)
    at.fail(akey("hidden"), fmt::format("hidden {} must be a multiple of 128 (one s8 vector repeat) and at most {} "
                                        "(255 f32 repeats)", d.hidden, kMaxHidden));
  const std::uint64_t ub = kUbFixed + 10 * d.hidden + d.topk * d.slot_bytes();
  if (ub > kUbBytes)
    at.fail(akey("topk"), fmt::format("hidden {} with topk {} needs {} bytes of UB (10 hidden + topk (hidden + 512) + "
                                      "3 KiB), the AIV has {}", d.hidden, d.topk, ub, kUbBytes));
  // Tensors: element type and shape where the kernel reads them, bytes where it writes.
  const auto expect = [&](const char* name, DType dtype, std::vector<std::uint64_t> shape) {
    const Tensor& t = tensor(name);
    if (t.dtype != dtype || t.shape != shape)
      at.fail(akey(name), fmt::format("{} must be {} {} for tokens {}, hidden {}, topk {}, epr {}; {} is {} {}", name,
                                      dtype_name(dtype), shape_text(shape), d.tokens, d.hidden, d.topk, d.epr, t.name,
                                      dtype_name(t.dtype), shape_text(t.shape)));
  };
  expect("x", DType::Bf16, {d.tokens, d.hidden});
  expect("ids", DType::I32, {d.tokens, d.topk});
  expect("wts", DType::F32, {d.tokens, d.topk});
  expect("factor", DType::F32, {d.epr});
  expect("out", DType::Bf16, {d.tokens, d.hidden});
  const auto room = [&](const char* name, std::uint64_t bytes, const std::string& what) {
    const Tensor& t = tensor(name);
    if (t.bytes < bytes)
      at.fail(akey(name), fmt::format("{} ({} bytes) is too small: {} need {} bytes", t.name, t.bytes, what, bytes));
  };
  room("recv", d.ranks * d.capacity * d.slot_bytes(),
       fmt::format("ranks {} x capacity {} slots of hidden + 512 = {} bytes", d.ranks, d.capacity, d.slot_bytes()));
  room("flags", 24 * d.ranks, fmt::format("3 x ranks {} u64 flags and counters", d.ranks));
  room("comb", d.tokens * d.topk * d.hidden * 2, fmt::format("tokens {} x topk {} bf16 tokens of {}", d.tokens,
                                                              d.topk, d.hidden));
  // Every rank's routing table: experts that exist, and at most capacity pairs to any one rank.
  if (tensor("ids").initial.data.empty())
    at.fail(akey("ids"), "the kernel routes by the contents of ids, which a timing-only run leaves zero (every "
                         "token to expert 0): run it with data");
  const std::size_t ids = tensor_index(w, tensor("ids").name);
  const std::uint64_t experts = d.ranks * d.epr;
  for (std::uint32_t r = 0; r < d.ranks; ++r) {
    const std::vector<double> e = to_values(tensor_initial(w, ids, die_seed(w.seed, r)));
    std::vector<std::uint64_t> count(d.ranks, 0);
    for (std::size_t i = 0; i < e.size(); ++i) {
      if (e[i] < 0 || e[i] >= static_cast<double>(experts))
        at.fail(akey("ids"), fmt::format("rank {}: ids[{}][{}] = {} is not an expert (ranks {} x epr {} = {})", r,
                                         i / d.topk, i % d.topk, e[i], d.ranks, d.epr, experts));
      const auto to = static_cast<std::uint64_t>(e[i]) / d.epr;
      if (++count[to] > d.capacity)
        at.fail(akey("capacity"), fmt::format("rank {} sends more than capacity {} (token, expert) pairs to rank {}: "
                                              "its receive slots would overflow", r, d.capacity, to));
    }
  }
}

void check_moe_reference(const Tensor& out, const Workload& w, const std::string& key, const Checker& at) {
  const WorkloadRefCfg& r = out.reference;
  const auto& x = w.tensor(r.inputs[0])->shape;
  const auto& ids = w.tensor(r.inputs[1])->shape;
  const auto& wts = w.tensor(r.inputs[2])->shape;
  const auto& factor = w.tensor(r.inputs[3])->shape;
  const auto& recv = w.tensor(r.inputs[4])->shape;
  const bool ok = x.size() == 2 && ids.size() == 2 && ids[0] == x[0] && wts == ids && factor.size() == 1 &&
                  recv.size() == 3 && recv[2] == x[1] + 512 &&
                  (r.op == RefOp::MoeDispatch ? out.shape == recv : out.shape == x);
  if (!ok)
    at.fail(key + ".inputs",
            fmt::format("{} of {} {} needs x [tokens, hidden], ids and wts [tokens, topk], factor [epr], recv "
                        "[ranks, capacity, hidden + 512] and the output shaped as {}; they are {}, {}, {}, {}, {}",
                        to_string(r.op), out.name, shape_text(out.shape), r.op == RefOp::MoeDispatch ? "recv" : "x",
                        shape_text(x), shape_text(ids), shape_text(wts), shape_text(factor), shape_text(recv)));
}

MoeReference::MoeReference(const Workload& w, std::uint32_t dies) {
  for (const Tensor& t : w.tensors) {
    const WorkloadRefCfg& r = t.reference;
    if (r.op != RefOp::MoeDispatch && r.op != RefOp::MoeCombine) continue;
    const MoeDims d = dims_of(w, r);
    const std::uint64_t ranks = std::min<std::uint64_t>(d.ranks, dies);
    const auto initial = [&](std::size_t input, std::uint64_t rank) {
      return to_values(tensor_initial(w, tensor_index(w, r.inputs[input]), die_seed(w.seed, static_cast<std::uint32_t>(rank))));
    };
    if (factors_.empty())
      for (std::uint64_t s = 0; s < ranks; ++s) factors_.push_back(initial(3, s));
    if (r.op != RefOp::MoeDispatch) continue;
    // recv[s][j] of rank e / epr: the j-th pair (t, k) of source s in token order, with expert e
    // there (values() reorders them as the kernel placed them).
    auto& recv = recv_[t.name];
    auto& sent = sent_[t.name];
    recv.assign(ranks, std::vector<std::int8_t>(d.ranks * d.capacity * d.slot_bytes(), 0));
    sent.assign(ranks, std::vector<std::uint64_t>(ranks, 0));
    for (std::uint64_t s = 0; s < ranks; ++s) {
      const std::vector<double> x = initial(0, s), ids = initial(1, s);
      std::vector<std::uint64_t> next(d.ranks, 0);
      for (std::uint64_t tok = 0; tok < d.tokens; ++tok) {
        const Quantized q = quantize(&x[tok * d.hidden], d.hidden);
        for (std::uint64_t k = 0; k < d.topk; ++k) {
          const auto e = static_cast<std::int32_t>(ids[tok * d.topk + k]);
          const std::uint64_t to = static_cast<std::uint64_t>(e) / d.epr, j = next[to]++;
          if (to >= ranks) continue;  // a rank beyond the machine: the kernel faults
          ++sent[to][s];
          std::int8_t* slot = &recv[to][(s * d.capacity + j) * d.slot_bytes()];
          std::memcpy(slot, q.q.data(), d.hidden);
          put(slot + d.hidden, q.scale, 8);
          put(slot + d.hidden + 32, static_cast<std::int32_t>(tok * d.topk + k), 8);
          put(slot + d.hidden + 64, e, 8);
        }
      }
    }
  }
}

std::vector<double> MoeReference::values(const Tensor& t, const Workload& w, std::uint32_t die,
                                         std::span<const std::uint8_t> got) const {
  const MoeDims d = dims_of(w, t.reference);
  std::vector<double> out(elements(t.shape), 0.0);
  if (die >= d.ranks || die >= factors_.size()) return out;  // not a rank: untouched
  if (t.reference.op == RefOp::MoeDispatch) {
    const std::vector<std::int8_t>& recv = recv_.at(t.name)[die];
    std::vector<std::int8_t> want = recv;
    const std::vector<std::uint64_t>& sent = sent_.at(t.name)[die];
    for (std::uint64_t s = 0; s < sent.size(); ++s)
      if (const std::vector<std::uint64_t> order = slot_order(recv, got, s, sent[s], d); !order.empty())
        for (std::uint64_t j = 0; j < sent[s]; ++j)
          std::memcpy(&want[(s * d.capacity + j) * d.slot_bytes()], &recv[(s * d.capacity + order[j]) * d.slot_bytes()],
                      d.slot_bytes());
    std::copy(want.begin(), want.end(), out.begin());
    return out;
  }
  const std::vector<double> x = to_values(w.tensor(t.reference.inputs[0])->initial);
  const std::vector<double> ids = to_values(w.tensor(t.reference.inputs[1])->initial);
  const std::vector<double> wts = to_values(w.tensor(t.reference.inputs[2])->initial);
  for (std::uint64_t tok = 0; tok < d.tokens; ++tok) {
    const Quantized q = quantize(&x[tok * d.hidden], d.hidden);
    for (std::uint64_t k = 0; k < d.topk; ++k) {
      const auto e = static_cast<std::uint64_t>(ids[tok * d.topk + k]);
      const auto factor = static_cast<float>(factors_.at(e / d.epr)[e % d.epr]);
      const double wt = wts[tok * d.topk + k];
      for (std::uint64_t i = 0; i < d.hidden; ++i) {
        const float y = static_cast<float>(q.q[i]) * q.scale * factor;
        out[tok * d.hidden + i] += wt * round_to(DType::Bf16, y);  // the expert's bf16 output
      }
    }
  }
  return out;
}

}  // namespace snsim::run
