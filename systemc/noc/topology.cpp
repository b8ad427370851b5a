// Topology: see topology.h for the model and the checks.
#include "noc/topology.h"

#include <fmt/format.h>

#include <bit>
#include <deque>

namespace snsim::noc {
namespace {

constexpr uint32_t kUnreached = ~uint32_t{0};

void check_radix(const std::string& what, unsigned ports) {
  if (ports < 2 || ports > 128) {
    throw TopologyError(fmt::format("{} would need {} ports; an sn_router has 2..128", what, ports));
  }
}

}  // namespace

uint32_t Topology::add_router(std::string name, unsigned ports) {
  check_radix("router " + name, ports);
  const auto id = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back(TopoNode{TopoNode::Kind::Router, std::move(name), ports, 0});
  routers_.push_back(id);
  out_ch_.emplace_back(ports, kNoChannel);
  in_ch_.emplace_back(ports, kNoChannel);
  tables_.emplace_back();
  return id;
}

uint32_t Topology::add_endpoint(std::string name, unsigned ports) {
  if (ports < 1 || ports > 64) {
    throw TopologyError(fmt::format("endpoint {} has {} ports; an endpoint has 1..64", name, ports));
  }
  const auto id = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back(TopoNode{TopoNode::Kind::Endpoint, std::move(name), ports,
                            static_cast<uint32_t>(endpoints_.size())});
  endpoints_.push_back(id);
  out_ch_.emplace_back(ports, kNoChannel);
  in_ch_.emplace_back(ports, kNoChannel);
  tables_.emplace_back();
  return id;
}

std::string Topology::port_name(PortRef p) const { return fmt::format("{}.{}", nodes_.at(p.node).name, p.port); }

std::string Topology::channel_name(uint32_t ch) const {
  const Channel& c = channels_.at(ch);
  return fmt::format("{} -> {}", port_name(c.from), port_name(c.to));
}

void Topology::connect(PortRef a, PortRef b, uint32_t latency) {
  for (const PortRef& p : {a, b}) {
    if (p.node >= nodes_.size()) throw TopologyError(fmt::format("link to node {}, which does not exist", p.node));
    if (p.port >= nodes_[p.node].ports) {
      throw TopologyError(fmt::format("link to port {} of {}, which has {} ports", p.port, nodes_[p.node].name,
                                      nodes_[p.node].ports));
    }
    if (out_ch_[p.node][p.port] != kNoChannel) {
      throw TopologyError(fmt::format("port {} is wired twice: to {} and to {}", port_name(p),
                                      port_name(channels_[out_ch_[p.node][p.port]].to),
                                      port_name(p == a ? b : a)));
    }
  }
  if (a == b) throw TopologyError(fmt::format("port {} is wired to itself", port_name(a)));
  if (latency < 1) {
    throw TopologyError(fmt::format("link {} <-> {}: latency must be at least 1 cycle (DECISIONS.md D13)",
                                    port_name(a), port_name(b)));
  }
  const auto ab = static_cast<uint32_t>(channels_.size());
  channels_.push_back(Channel{a, b, latency});
  channels_.push_back(Channel{b, a, latency});
  out_ch_[a.node][a.port] = ab;
  in_ch_[b.node][b.port] = ab;
  out_ch_[b.node][b.port] = ab + 1;
  in_ch_[a.node][a.port] = ab + 1;
}

void Topology::ensure_tables() {
  for (uint32_t r : routers_) {
    if (tables_[r].size() != endpoints_.size()) tables_[r].assign(endpoints_.size(), TableEntry{});
  }
}

void Topology::set_entry(uint32_t router_node, uint32_t dst, const TableEntry& e) {
  ensure_tables();
  tables_.at(router_node).at(dst) = e;
}

std::vector<uint32_t> Topology::distances_to(uint32_t dst_node) const {
  std::vector<uint32_t> d(nodes_.size(), kUnreached);
  std::deque<uint32_t> todo{dst_node};
  d[dst_node] = 0;
  while (!todo.empty()) {
    const uint32_t u = todo.front();
    todo.pop_front();
    // Packets cross routers only: an endpoint other than the destination is where a path starts.
    if (u != dst_node && nodes_[u].kind != TopoNode::Kind::Router) continue;
    for (uint32_t ch : in_ch_[u]) {
      if (ch == kNoChannel) continue;
      const uint32_t v = channels_[ch].from.node;
      if (d[v] != kUnreached) continue;
      d[v] = d[u] + 1;
      todo.push_back(v);
    }
  }
  return d;
}

void Topology::route_shortest_paths(bool adaptive) {
  ensure_tables();
  for (uint32_t e = 0; e < endpoints_.size(); ++e) {
    const uint32_t dst = endpoints_[e];
    const std::vector<uint32_t> d = distances_to(dst);
    for (uint32_t r : routers_) {
      if (d[r] == kUnreached) continue;
      unsigned base = 0, count = 0;
      bool contiguous = true;
      for (unsigned p = 0; p < nodes_[r].ports; ++p) {
        const uint32_t ch = out_ch_[r][p];
        if (ch == kNoChannel) continue;
        const uint32_t t = channels_[ch].to.node;
        const bool forwards = t == dst || nodes_[t].kind == TopoNode::Kind::Router;
        if (!forwards || d[t] + 1 != d[r]) continue;
        if (count == 0) {
          base = p;
        } else if (p != base + count) {
          contiguous = false;
        }
        if (contiguous) ++count;
      }
      if (count == 0) continue;
      tables_[r][e] = TableEntry{static_cast<uint8_t>(base), static_cast<uint16_t>(count), true,
                                 adaptive && count > 1};
    }
  }
  compute_inject_ports();
}

void Topology::compute_inject_ports() {
  const size_t n = endpoints_.size();
  inject_.assign(n * n, 0);
  for (uint32_t e = 0; e < n; ++e) {
    const std::vector<uint32_t> d = distances_to(endpoints_[e]);
    for (uint32_t s = 0; s < n; ++s) {
      const uint32_t src = endpoints_[s];
      if (s == e || d[src] == kUnreached) continue;
      uint64_t mask = 0;
      for (unsigned p = 0; p < nodes_[src].ports; ++p) {
        const uint32_t ch = out_ch_[src][p];
        if (ch != kNoChannel && d[channels_[ch].to.node] + 1 == d[src]) mask |= uint64_t{1} << p;
      }
      inject_[size_t{s} * n + e] = mask;
    }
  }
}

void Topology::check() const {
  const size_t n = endpoints_.size();
  if (n < 2) throw TopologyError("a network needs at least two endpoints");
  if (inject_.size() != n * n) throw TopologyError("the network has no routes (no tables were computed)");
  for (uint32_t e = 0; e < n; ++e) {
    const TopoNode& ep = nodes_[endpoints_[e]];
    bool wired = false;
    for (uint32_t ch : out_ch_[endpoints_[e]]) wired |= ch != kNoChannel;
    if (!wired) throw TopologyError(fmt::format("endpoint {} is not wired to anything: it is unreachable", ep.name));
  }

  // Per-router dependency matrices: bit (in port i, out port o) set when some packet can arrive on
  // i and leave on o.
  std::vector<std::vector<uint64_t>> dep(nodes_.size());
  auto words = [&](uint32_t r) { return (nodes_[r].ports + 63) / 64; };
  for (uint32_t r : routers_) dep[r].assign(size_t{nodes_[r].ports} * words(r), 0);

  // Follow every packet that can exist, destination by destination, along every choice the tables
  // allow. A channel is followed once per destination.
  std::vector<uint32_t> seen(channels_.size(), kUnreached);
  std::vector<uint32_t> todo;
  for (uint32_t e = 0; e < n; ++e) {
    const uint32_t dst = endpoints_[e];
    todo.clear();
    for (uint32_t s = 0; s < n; ++s) {
      if (s == e) continue;
      const uint64_t mask = inject_mask(s, e);
      if (mask == 0) {
        throw TopologyError(fmt::format("endpoint {} cannot reach endpoint {}: no path joins them",
                                        nodes_[endpoints_[s]].name, nodes_[dst].name));
      }
      for (uint64_t m = mask; m != 0; m &= m - 1) {
        const uint32_t ch = out_ch_[endpoints_[s]][static_cast<unsigned>(std::countr_zero(m))];
        if (seen[ch] != e) {
          seen[ch] = e;
          todo.push_back(ch);
        }
      }
    }
    while (!todo.empty()) {
      const uint32_t ch = todo.back();
      todo.pop_back();
      const PortRef at = channels_[ch].to;
      const TopoNode& node = nodes_[at.node];
      if (node.kind == TopoNode::Kind::Endpoint) {
        if (at.node != dst) {
          throw TopologyError(fmt::format("packets for endpoint {} are delivered to endpoint {} (on {})",
                                          nodes_[dst].name, node.name, channel_name(ch)));
        }
        continue;
      }
      const TableEntry& te = tables_[at.node].empty() ? TableEntry{} : tables_[at.node][e];
      if (!entry_routable(te, node.ports)) {
        throw TopologyError(fmt::format("router {} has no route to endpoint {} (id {}), which packets arriving "
                                        "on port {} need",
                                        node.name, nodes_[dst].name, e, at.port));
      }
      for (unsigned o = te.base; o < unsigned{te.base} + te.count; ++o) {
        const uint32_t out = out_ch_[at.node][o];
        if (out == kNoChannel) {
          throw TopologyError(fmt::format("router {} routes endpoint {} (id {}) to port {}, which is not wired",
                                          node.name, nodes_[dst].name, e, o));
        }
        dep[at.node][size_t{at.port} * words(at.node) + o / 64] |= uint64_t{1} << (o % 64);
        if (seen[out] != e) {
          seen[out] = e;
          todo.push_back(out);
        }
      }
    }
  }

  // The channel dependency graph (channel into a router -> channel out of it), searched depth
  // first for a cycle. Its vertices are links, not (link, VC) pairs, which covers both VC
  // allocations: with VCs kept end to end every VC uses the same tables, so each VC's graph is this
  // one; with VCs reassigned per hop (router.vc_alloc: any) any VC of a link may wait for any VC
  // of the next, and the (link, VC) graph has a cycle exactly when this one does.
  std::vector<uint32_t> first(channels_.size() + 1, 0), succ;
  for (uint32_t ch = 0; ch < channels_.size(); ++ch) {
    first[ch] = static_cast<uint32_t>(succ.size());
    const PortRef at = channels_[ch].to;
    if (nodes_[at.node].kind != TopoNode::Kind::Router) continue;
    const uint64_t* row = &dep[at.node][size_t{at.port} * words(at.node)];
    for (unsigned w = 0; w < words(at.node); ++w) {
      for (uint64_t m = row[w]; m != 0; m &= m - 1) {
        succ.push_back(out_ch_[at.node][w * 64 + static_cast<unsigned>(std::countr_zero(m))]);
      }
    }
  }
  first[channels_.size()] = static_cast<uint32_t>(succ.size());
  enum : uint8_t { kWhite, kGrey, kBlack };
  std::vector<uint8_t> colour(channels_.size(), kWhite);
  std::vector<std::pair<uint32_t, uint32_t>> stack;  // channel, next successor index
  for (uint32_t root = 0; root < channels_.size(); ++root) {
    if (colour[root] != kWhite) continue;
    stack.push_back({root, first[root]});
    colour[root] = kGrey;
    while (!stack.empty()) {
      auto& [ch, next] = stack.back();
      if (next == first[ch + 1]) {
        colour[ch] = kBlack;
        stack.pop_back();
        continue;
      }
      const uint32_t s = succ[next++];
      if (colour[s] == kWhite) {
        colour[s] = kGrey;
        stack.push_back({s, first[s]});
      } else if (colour[s] == kGrey) {
        size_t start = stack.size() - 1;
        while (stack[start].first != s) --start;
        std::string cycle;
        for (size_t i = start; i < stack.size(); ++i) cycle += fmt::format("{}\n  ", channel_name(stack[i].first));
        throw TopologyError(fmt::format(
            "the routing tables can deadlock: their channel dependencies form a cycle of {} channels:\n  {}"
            "(back to {})",
            stack.size() - start, cycle, channel_name(s)));
      }
    }
  }
}

std::vector<std::string> Topology::shallow_channels(unsigned buf_depth, unsigned pipeline_cycles) const {
  std::vector<std::string> out;
  for (uint32_t ch = 0; ch < channels_.size(); ++ch) {
    const uint64_t round_trip = 2 * uint64_t{channels_[ch].latency} + pipeline_cycles + 2;
    if (buf_depth < round_trip) out.push_back(fmt::format("{} (needs {})", channel_name(ch), round_trip));
  }
  return out;
}

// ---- Builders -----------------------------------------------------------------------------------

Topology build_switch(unsigned ports, uint32_t link_latency) {
  Topology t;
  std::vector<uint32_t> eps;
  for (unsigned p = 0; p < ports; ++p) eps.push_back(t.add_endpoint(fmt::format("ep{}", p), 1));
  const uint32_t sw = t.add_router("sw0", ports);
  for (unsigned p = 0; p < ports; ++p) t.connect({eps[p], 0}, {sw, p}, link_latency);
  t.route_shortest_paths(false);
  return t;
}

Topology build_mesh(unsigned x_dim, unsigned y_dim, uint32_t link_latency) {
  if (x_dim < 1 || y_dim < 1 || x_dim * y_dim < 2) {
    throw TopologyError(fmt::format("a {}x{} mesh has fewer than two endpoints", x_dim, y_dim));
  }
  Topology t;
  std::vector<uint32_t> r(size_t{x_dim} * y_dim);
  for (unsigned y = 0; y < y_dim; ++y) {
    for (unsigned x = 0; x < x_dim; ++x) {
      const uint32_t ep = t.add_endpoint(fmt::format("ep{}_{}", x, y), 1);
      r[y * x_dim + x] = t.add_router(fmt::format("r{}_{}", x, y), 5);
      t.connect({ep, 0}, {r[y * x_dim + x], 0}, link_latency);
    }
  }
  for (unsigned y = 0; y < y_dim; ++y) {
    for (unsigned x = 0; x < x_dim; ++x) {
      if (x + 1 < x_dim) t.connect({r[y * x_dim + x], 1}, {r[y * x_dim + x + 1], 2}, link_latency);
      if (y + 1 < y_dim) t.connect({r[y * x_dim + x], 3}, {r[(y + 1) * x_dim + x], 4}, link_latency);
    }
  }
  // Dimension order: correct x first, then y; deadlock-free on a mesh with one VC.
  for (unsigned y = 0; y < y_dim; ++y) {
    for (unsigned x = 0; x < x_dim; ++x) {
      for (unsigned dy = 0; dy < y_dim; ++dy) {
        for (unsigned dx = 0; dx < x_dim; ++dx) {
          const uint8_t port = dx > x ? 1 : dx < x ? 2 : dy > y ? 3 : dy < y ? 4 : 0;
          t.set_entry(r[y * x_dim + x], dy * x_dim + dx, TableEntry{port, 1, true, false});
        }
      }
    }
  }
  t.compute_inject_ports();
  return t;
}

Topology build_clos(unsigned leaves, unsigned down, unsigned spines, bool adaptive, uint32_t link_latency) {
  Cm384Shape s;
  s.nodes = leaves;
  s.dies = down;
  s.planes = 1;
  s.spines = spines;
  return build_cm384(s, adaptive, link_latency);
}

Topology build_cm384(const Cm384Shape& s, bool adaptive, uint32_t link_latency) {
  if (s.nodes < 1 || s.dies < 1 || s.planes < 1 || s.nodes * s.dies < 2) {
    throw TopologyError("the network needs at least one plane and two endpoints");
  }
  if (s.nodes > 1 && s.spines < 1) throw TopologyError("more than one leaf needs at least one spine");
  Topology t;
  const bool one_plane = s.planes == 1;
  std::vector<uint32_t> dies(size_t{s.nodes} * s.dies);
  for (unsigned n = 0; n < s.nodes; ++n) {
    for (unsigned d = 0; d < s.dies; ++d) {
      dies[n * s.dies + d] =
          t.add_endpoint(one_plane ? fmt::format("ep{}", n * s.dies + d) : fmt::format("n{}.die{}", n, d), s.planes);
    }
  }
  const unsigned up = s.nodes > 1 ? s.spines : 0;
  for (unsigned k = 0; k < s.planes; ++k) {
    const std::string plane = one_plane ? "" : fmt::format("p{}.", k);
    std::vector<uint32_t> leaf(s.nodes), spine(s.nodes > 1 ? s.spines : 0);
    for (unsigned n = 0; n < s.nodes; ++n) leaf[n] = t.add_router(fmt::format("{}leaf{}", plane, n), s.dies + up);
    for (unsigned j = 0; j < spine.size(); ++j) spine[j] = t.add_router(fmt::format("{}spine{}", plane, j), s.nodes);
    for (unsigned n = 0; n < s.nodes; ++n) {
      for (unsigned d = 0; d < s.dies; ++d) t.connect({dies[n * s.dies + d], k}, {leaf[n], d}, link_latency);
      for (unsigned j = 0; j < spine.size(); ++j) t.connect({leaf[n], s.dies + j}, {spine[j], n}, link_latency);
    }
  }
  t.route_shortest_paths(adaptive);
  return t;
}

Topology build_single_tier(unsigned endpoints, unsigned switches, uint32_t link_latency) {
  Topology t;
  std::vector<uint32_t> eps, sw;
  for (unsigned e = 0; e < endpoints; ++e) eps.push_back(t.add_endpoint(fmt::format("ep{}", e), switches));
  for (unsigned s = 0; s < switches; ++s) sw.push_back(t.add_router(fmt::format("sw{}", s), endpoints));
  for (unsigned e = 0; e < endpoints; ++e) {
    for (unsigned s = 0; s < switches; ++s) t.connect({eps[e], s}, {sw[s], e}, link_latency);
  }
  t.route_shortest_paths(false);
  return t;
}

}  // namespace snsim::noc
