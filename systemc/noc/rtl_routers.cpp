// make_rtl_router: picks, by parameter set, one of the router configurations verilated into this
// binary (rtl/CMakeLists.txt), with idle skipping on. Adding a configuration there and its two
// headers and a line here makes it available.
// make_router: the same, or the fast model, by implementation.
#include <fmt/format.h>

#include <stdexcept>

#include "Vsn_router_p32_v2_d8_w64.h"
#include "Vsn_router_p32_v2_d8_w64___024root.h"
#include "Vsn_router_p48_v2_d8_w64.h"
#include "Vsn_router_p48_v2_d8_w64___024root.h"
#include "Vsn_router_p5_v2_d4_w64.h"
#include "Vsn_router_p5_v2_d4_w64___024root.h"
#include "Vsn_router_p8_v2_d8_w256.h"
#include "Vsn_router_p8_v2_d8_w256___024root.h"
#ifdef SNSIM_LARGE_ROUTERS
#include "Vsn_router_p72_v2_d8_w64.h"
#include "Vsn_router_p72_v2_d8_w64___024root.h"
#endif
#ifdef SNSIM_BENCH_ROUTERS
#include "Vsn_router_p5_v2_d8_w64_t64.h"
#include "Vsn_router_p5_v2_d8_w64_t64___024root.h"
#endif
#include "noc/fast_router.h"
#include "noc/router_model.h"
#include "noc/verilated_router.h"

namespace snsim::noc {
namespace {

struct Entry {
  RouterParams params;
  std::unique_ptr<RouterModel> (*make)(const RouterParams&, uint64_t);
};

// With idle skipping and one eval() per cycle (verilated_router.h), which need the model's root.
template <class V>
std::unique_ptr<RouterModel> make(const RouterParams& p, uint64_t seed) {
  auto r = std::make_unique<VerilatedRouter<V>>(p, seed);
  r->enable_fast_step({sizeof(*r->model().rootp), &r->model().rootp->__Vtrigrprev__TOP__clk_i});
  return r;
}

const Entry kBuilt[] = {
    {{8, 2, 8, 256, 1024}, &make<Vsn_router_p8_v2_d8_w256>},
    {{5, 2, 4, 64, 1024}, &make<Vsn_router_p5_v2_d4_w64>},
    {{32, 2, 8, 64, 1024}, &make<Vsn_router_p32_v2_d8_w64>},
    {{48, 2, 8, 64, 1024}, &make<Vsn_router_p48_v2_d8_w64>},
#ifdef SNSIM_LARGE_ROUTERS
    {{72, 2, 8, 64, 1024}, &make<Vsn_router_p72_v2_d8_w64>},
#endif
#ifdef SNSIM_BENCH_ROUTERS
    {{5, 2, 8, 64, 64}, &make<Vsn_router_p5_v2_d8_w64_t64>},  // make bench: the 8x8 mesh's router
#endif
};

}  // namespace

std::unique_ptr<RouterModel> make_rtl_router(const RouterParams& p, uint64_t seed) {
  // The VC allocation is an input of the RTL, so every configuration serves both.
  RouterParams built = p;
  built.vc_alloc = VcAlloc::keep;
  for (const Entry& e : kBuilt) {
    if (e.params == built) return e.make(p, seed);
  }
  return nullptr;
}

std::unique_ptr<RouterModel> make_router(const RouterParams& p, Impl impl, uint64_t seed) {
  if (impl == Impl::fast) return std::make_unique<FastRouter>(p);
  auto r = make_rtl_router(p, seed);
  if (!r) {
    throw std::invalid_argument(fmt::format("no verilated router with ports={} vcs={} buf_depth={} payload_bits={} "
                                            "table_depth={}; built: {}",
                                            p.ports, p.vcs, p.buf_depth, p.payload_bits, p.table_depth,
                                            available_rtl_routers()));
  }
  return r;
}

std::vector<RouterParams> built_rtl_routers() {
  std::vector<RouterParams> v;
  for (const Entry& e : kBuilt) v.push_back(e.params);
  return v;
}

std::string available_rtl_routers() {
  std::string s;
  for (const Entry& e : kBuilt) {
    s += fmt::format("{}ports={} vcs={} buf_depth={} payload_bits={} table_depth={}", s.empty() ? "" : "; ",
                     e.params.ports, e.params.vcs, e.params.buf_depth, e.params.payload_bits,
                     e.params.table_depth);
  }
  return s;
}

}  // namespace snsim::noc
