#include "run/collective_ref.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace snsim::run {

namespace {

// x(d), checked to have the size of die 0's (a reference must not read past a die's values).
std::vector<double> input(const DieValues& x, std::uint32_t d, std::size_t size) {
  std::vector<double> v = x(d);
  if (v.size() != size) {
    throw std::invalid_argument(
        fmt::format("collective reference: die {}'s input has {} values, die 0's {}", d, v.size(), size));
  }
  return v;
}

}  // namespace

std::vector<double> ref_die_sum(const DieValues& x, std::uint32_t dies) {
  std::vector<double> sum = x(0);
  for (std::uint32_t d = 1; d < dies; ++d) {
    const std::vector<double> v = input(x, d, sum.size());
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += v[i];
  }
  return sum;
}

std::vector<std::vector<double>> ref_reduce_scatter(const DieValues& x, std::uint32_t dies) {
  const std::vector<double> sum = ref_die_sum(x, dies);
  const std::size_t block = sum.size() / dies;
  std::vector<std::vector<double>> out(dies);
  for (std::uint32_t d = 0; d < dies; ++d)
    out[d].assign(sum.begin() + static_cast<std::ptrdiff_t>(d * block),
                  sum.begin() + static_cast<std::ptrdiff_t>((d + 1) * block));
  return out;
}

std::vector<std::vector<double>> ref_all_gather(const DieValues& x, std::uint32_t dies) {
  std::vector<double> all;
  for (std::uint32_t d = 0; d < dies; ++d) {
    const std::vector<double> v = d == 0 ? x(0) : input(x, d, all.size() / d);
    all.insert(all.end(), v.begin(), v.end());
  }
  return std::vector<std::vector<double>>(dies, all);
}

std::vector<std::vector<double>> ref_all_to_all(const DieValues& x, std::uint32_t dies) {
  std::vector<std::vector<double>> out(dies);
  std::size_t size = 0;
  for (std::uint32_t j = 0; j < dies; ++j) {
    const std::vector<double> v = j == 0 ? x(0) : input(x, j, size);
    size = v.size();
    const std::size_t block = size / dies;
    for (std::uint32_t d = 0; d < dies; ++d) {
      out[d].resize(size);
      std::copy_n(v.begin() + static_cast<std::ptrdiff_t>(d * block), block,
                  out[d].begin() + static_cast<std::ptrdiff_t>(j * block));
    }
  }
  return out;
}

std::string collective_shape_error(RefOp op, std::uint64_t in, std::uint64_t out, std::uint32_t dies) {
  const std::string on = fmt::format("on {} die{}", dies, dies == 1 ? "" : "s");
  switch (op) {
    case RefOp::DieSum:
      if (in != out) return fmt::format("x has {} elements, the output {}: an all-reduce keeps the size", in, out);
      break;
    case RefOp::ReduceScatter:
      if (in != out * dies)
        return fmt::format("x has {} elements, the output {}: {} a reduce-scatter's x is dies x output = {}", in, out,
                           on, out * dies);
      break;
    case RefOp::AllGather:
      if (out != in * dies)
        return fmt::format("x has {} elements, the output {}: {} an all-gather's output is dies x x = {}", in, out,
                           on, in * dies);
      break;
    case RefOp::AllToAll:
      if (in != out) return fmt::format("x has {} elements, the output {}: an all-to-all keeps the size", in, out);
      if (in % dies != 0)
        return fmt::format("x has {} elements, not a multiple of the {} dies: an all-to-all sends each die an equal "
                           "block", in, dies);
      break;
    default:
      break;
  }
  return {};
}

}  // namespace snsim::run
