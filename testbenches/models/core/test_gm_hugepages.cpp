// SimpleGm's large regions when the process's allocator advises transparent huge pages, as the
// snsim executable's jemalloc does (sim/main.cpp). ctest runs this binary with
// GLIBC_TUNABLES=glibc.malloc.hugetlb=1, which makes glibc's malloc and calloc advise their
// mappings the same way. A region sparsely written must still cost only the 4 KiB pages written:
// on huge pages each write would take 2 MiB, and a CM384 run maps every tensor on each of its 768
// dies, most of them barely touched (docs/performance.md "jemalloc and huge pages").
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "core/gm.h"

namespace snsim::core::test {
namespace {

constexpr std::uint64_t kBase = 0x1000'0000;

// Resident bytes of this process (/proc/self/statm's second field, in pages).
long resident_bytes() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

TEST(SimpleGmHugePages, SparseWritesToALargeRegionTakeOnlyTheirPages) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's calloc ignores glibc's tunables: it gives no huge pages to tell apart";
#endif
  std::ifstream mode_file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  std::getline(mode_file, mode);
  if (mode.empty() || mode.find("[never]") != std::string::npos)
    GTEST_SKIP() << "this kernel gives no transparent huge pages ('" << mode << "'): nothing to tell apart";
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  ASSERT_TRUE(tunables != nullptr && std::string(tunables).find("glibc.malloc.hugetlb=1") != std::string::npos)
      << "run through ctest, which sets GLIBC_TUNABLES=glibc.malloc.hugetlb=1; without it this test "
         "cannot fail";

  // One byte in each 2 MiB of a 64 MiB region: 32 pages of 4 KiB, or the whole region on huge pages.
  constexpr std::uint64_t kSize = 64 << 20, kHuge = 2 << 20;
  SimpleGm gm;
  gm.map(kBase, kSize);
  const long before = resident_bytes();
  const std::vector<std::uint8_t> one{0x5a};
  for (std::uint64_t at = 0; at < kSize; at += kHuge) gm.write(kBase + at + 100, one);
  const long grown = resident_bytes() - before;
  EXPECT_LT(grown, 4 << 20) << "resident memory grew by " << grown << " bytes for 32 one-byte writes";

  std::vector<std::uint8_t> out(kHuge, 0xff);
  gm.read(kBase + kHuge, out);
  for (std::uint64_t i = 0; i < kHuge; ++i) ASSERT_EQ(out[i], i == 100 ? 0x5a : 0) << "byte " << i;
}

}  // namespace
}  // namespace snsim::core::test
