// The host references of the collectives (sim/run/collective_ref.h) on three dies with values
// written out by hand, and the shape checks `snsim run` reports before simulating.
#include <gtest/gtest.h>

#include <vector>

#include "run/collective_ref.h"

namespace snsim::run {
namespace {

// Die d's input: 6 values, 100 d + i.
const DieValues kX = [](std::uint32_t d) {
  std::vector<double> v(6);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 100.0 * d + static_cast<double>(i);
  return v;
};

TEST(CollectiveRef, DieSumAddsEveryDie) {
  EXPECT_EQ(ref_die_sum(kX, 3), (std::vector<double>{300, 303, 306, 309, 312, 315}));
}

TEST(CollectiveRef, ReduceScatterGivesDieDBlockDOfTheSum) {
  const auto out = ref_reduce_scatter(kX, 3);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (std::vector<double>{300, 303}));
  EXPECT_EQ(out[1], (std::vector<double>{306, 309}));
  EXPECT_EQ(out[2], (std::vector<double>{312, 315}));
}

TEST(CollectiveRef, AllGatherPutsEveryDieInOrder) {
  const auto out = ref_all_gather(kX, 2);
  ASSERT_EQ(out.size(), 2u);
  const std::vector<double> want{0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105};
  EXPECT_EQ(out[0], want);
  EXPECT_EQ(out[1], want);
}

TEST(CollectiveRef, AllToAllGivesDieDEveryDiesBlockD) {
  const auto out = ref_all_to_all(kX, 3);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (std::vector<double>{0, 1, 100, 101, 200, 201}));
  EXPECT_EQ(out[1], (std::vector<double>{2, 3, 102, 103, 202, 203}));
  EXPECT_EQ(out[2], (std::vector<double>{4, 5, 104, 105, 204, 205}));
}

TEST(CollectiveRef, DiesOfAnotherSizeAreRefused) {
  const DieValues uneven = [](std::uint32_t d) { return std::vector<double>(d == 1 ? 5 : 6); };
  EXPECT_THROW(ref_die_sum(uneven, 2), std::invalid_argument);
  EXPECT_THROW(ref_all_to_all(uneven, 2), std::invalid_argument);
}

TEST(CollectiveRef, ShapeErrorsNameTheSizes) {
  EXPECT_EQ(collective_shape_error(RefOp::ReduceScatter, 32768, 2048, 16), "");
  EXPECT_EQ(collective_shape_error(RefOp::ReduceScatter, 32768, 2048, 4),
            "x has 32768 elements, the output 2048: on 4 dies a reduce-scatter's x is dies x output = 8192");
  EXPECT_EQ(collective_shape_error(RefOp::AllGather, 64, 256, 4), "");
  EXPECT_NE(collective_shape_error(RefOp::AllGather, 64, 256, 8), "");
  EXPECT_EQ(collective_shape_error(RefOp::AllToAll, 60, 60, 4), "");
  EXPECT_EQ(collective_shape_error(RefOp::AllToAll, 60, 60, 8),
            "x has 60 elements, not a multiple of the 8 dies: an all-to-all sends each die an equal block");
  EXPECT_NE(collective_shape_error(RefOp::DieSum, 60, 64, 4), "");
}

}  // namespace
}  // namespace snsim::run
