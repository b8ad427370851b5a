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

namespace snsim::noc::tb {
namespace {

namespace fs = std::filesystem;

// Full names of every variable in a VCD header: "scope.scope.name" and, for vectors, also
// "scope.scope.name[msb:lsb]" (the form GTKWave writes into save files).
std::set<std::string> vcd_signals(const fs::path& vcd) {
  std::ifstream in(vcd);
  std::set<std::string> names;
  std::vector<std::string> scope;
  std::string tok;
  while (in >> tok) {
    if (tok == "$scope") {
      std::string kind, name;
      in >> kind >> name;
      scope.push_back(name);
    } else if (tok == "$upscope") {
      if (!scope.empty()) scope.pop_back();
    } else if (tok == "$var") {
      std::string type, width, id, name, next;
      in >> type >> width >> id >> name >> next;
      std::string full;
      for (const std::string& s : scope) full += s + ".";
      full += name;
      names.insert(full);
      if (next != "$end") names.insert(full + next);
    } else if (tok == "$enddefinitions") {
      break;
    }
  }
  return names;
}

// Signal lines of a .gtkw file: everything that is not a directive ([...]), a display flag (@...),
// a marker (*...), a comment or a blank/grouping line.
std::vector<std::string> gtkw_signals(const fs::path& gtkw) {
  std::ifstream in(gtkw);
  std::vector<std::string> sigs;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '[' || line[0] == '@' || line[0] == '*' || line[0] == '-' || line[0] == '#') {
      continue;
    }
    sigs.push_back(line);
  }
  return sigs;
}

TEST(RouterWaveTest, EverySavedSignalExistsInTheFst) {
  const fs::path gtkw = fs::path(SNSIM_SOURCE_DIR) / "rtl/router/sn_router.gtkw";
  const std::vector<std::string> wanted = gtkw_signals(gtkw);
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
  const std::set<std::string> have = vcd_signals(vcd);
  ASSERT_GT(have.size(), 100u) << "the FST holds almost nothing";
  for (const std::string& s : wanted) EXPECT_TRUE(have.count(s)) << s << " is not in the FST";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace snsim::noc::tb
