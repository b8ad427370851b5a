// DECISIONS.md D10: every signal named in the committed GTKWave save file rtl/router/sn_router.gtkw
// exists in the waveform that `make wave` writes. That FST comes from VerilatedRouter::open_trace on
// the traced switch8 configuration (p8_v2_d8_w256); this test writes one the same way under traffic,
// converts it with fst2vcd (gtkwave package) and looks up each save-file signal in the VCD header.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "Vsn_router_p8_v2_d8_w256.h"
#include "noc/verilated_router.h"
#include "router_harness.h"
#include "wave_signals.h"

namespace snsim::noc::tb {
namespace {

namespace fs = std::filesystem;

TEST(RouterWaveTest, EverySavedSignalExistsInTheFst) {
  const fs::path gtkw = fs::path(SNSIM_SOURCE_DIR) / "rtl/router/sn_router.gtkw";
  const std::vector<std::string> wanted = snsim_test::gtkw_signals(gtkw);
  ASSERT_GE(wanted.size(), 20u) << "too few signals in " << gtkw;

  const fs::path dir = fs::temp_directory_path() / ("snsim_wave_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path fst = dir / "switch8.fst", vcd = dir / "switch8.vcd";
  {
    VerilatedRouter<Vsn_router_p8_v2_d8_w256> router(RouterParams{8, 2, 8, 256, 1024}, 1);
    router.open_trace(fst.string());
    HarnessOptions opt;
    opt.load = 0.6;
    opt.credit_delay_max = 3;
    RouterHarness h(router, opt);
    h.load_identity_table();
    h.run(400);
    ASSERT_TRUE(h.drain(2000));
    EXPECT_TRUE(h.errors().empty()) << h.error_report();
    router.close_trace();
  }
  const std::string cmd = "fst2vcd -f '" + fst.string() + "' -o '" + vcd.string() + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::set<std::string> have = snsim_test::vcd_signals(vcd);
  ASSERT_GT(have.size(), 100u) << "the FST holds almost nothing";
  for (const std::string& s : wanted) EXPECT_TRUE(have.count(s)) << s << " is not in the FST";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace snsim::noc::tb
