// Topology: the wiring and forwarding tables of a network of sn_routers and endpoints, and the
// builders that make the shapes snsim simulates (a single switch, a 2D mesh, a two-tier Clos, a
// CloudMatrix384 UB network, an NVL72-like single tier), plus the checks that refuse a network
// which cannot work before any cycle is simulated.
//
// Model. Nodes are routers (a radix) or endpoints (one or more ports). A link joins port a of one
// node with port b of another and is two channels, one each way, each with a latency in cycles.
// Endpoint ids are the endpoints' indices in creation order; every router has one table entry
// per endpoint id (docs/network.md). An endpoint reaches a destination through the ports listed
// for it in inject_mask (all its ports that lie on a shortest path).
//
// Checks (check()): every port wired at most once (connect() refuses a second wire at once), every
// endpoint reachable from every other, every table entry a packet can meet routes to wired ports
// and ends at its destination, and the channel dependency graph of the tables has no cycle (Dally
// and Seitz 1987: an acyclic graph cannot deadlock with wormhole flow control); a cycle is named
// channel by channel. All failures are TopologyError with a message naming routers and ports.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "noc/sn_flit.h"

namespace snsim::noc {

struct TopologyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TopoNode {
  enum class Kind { Router, Endpoint };
  Kind kind = Kind::Router;
  std::string name;
  unsigned ports = 0;
  uint32_t endpoint_id = 0;  // endpoints: id in packets; routers: unused
};

struct PortRef {
  uint32_t node = 0;
  uint32_t port = 0;
  friend bool operator==(const PortRef&, const PortRef&) = default;
};

// One direction of a link: flits go from `from` (an output port) to `to` (an input port); credits
// for them flow back on the same channel with the same latency.
struct Channel {
  PortRef from;
  PortRef to;
  uint32_t latency = 1;  // cycles from the upstream output register to the downstream input
};

inline constexpr uint32_t kNoChannel = ~uint32_t{0};

class Topology {
 public:
  uint32_t add_router(std::string name, unsigned ports);
  // An endpoint has 1..64 ports.
  uint32_t add_endpoint(std::string name, unsigned ports);
  // Wires a.port <-> b.port as two channels of the given latency. Throws TopologyError when either
  // port does not exist or is already wired.
  void connect(PortRef a, PortRef b, uint32_t latency);

  const std::vector<TopoNode>& nodes() const { return nodes_; }
  const std::vector<Channel>& channels() const { return channels_; }
  const std::vector<uint32_t>& routers() const { return routers_; }
  const std::vector<uint32_t>& endpoints() const { return endpoints_; }  // node of endpoint id i
  uint32_t num_endpoints() const { return static_cast<uint32_t>(endpoints_.size()); }
  // The channel leaving / entering a port, or kNoChannel.
  uint32_t out_channel(PortRef p) const { return out_ch_[p.node][p.port]; }
  uint32_t in_channel(PortRef p) const { return in_ch_[p.node][p.port]; }
  std::string port_name(PortRef p) const;
  std::string channel_name(uint32_t ch) const;

  // Forwarding tables, table(router)[endpoint id]; sized by fill_tables_*.
  const std::vector<TableEntry>& table(uint32_t router_node) const { return tables_[router_node]; }
  void set_entry(uint32_t router_node, uint32_t dst, const TableEntry& e);
  // Ports endpoint `src` may inject into for destination `dst`, as a bit set (bit p: port p).
  uint64_t inject_mask(uint32_t src, uint32_t dst) const { return inject_[size_t{src} * endpoints_.size() + dst]; }

  // Tables from shortest paths: at every router the destination's equal-cost next ports, when they
  // form one contiguous run (else the lowest of them); `adaptive` sets the entry's adaptive bit on
  // sets of more than one port. Endpoints inject on every port that starts a shortest path.
  void route_shortest_paths(bool adaptive);
  // Endpoints inject on every port that starts a shortest path; tables are left as they are.
  void compute_inject_ports();

  // The checks described above; throws TopologyError on the first failure.
  void check() const;
  // Channels whose credit round trip (2 x latency + router pipeline + 2 flits, DECISIONS.md D4)
  // exceeds buf_depth flits, as "a -> b (needs N)" texts; empty when every channel is covered.
  std::vector<std::string> shallow_channels(unsigned buf_depth, unsigned pipeline_cycles) const;

 private:
  void ensure_tables();
  // Hops from every node to endpoint node `dst` (routers forward, endpoints only receive);
  // ~0u where unreachable.
  std::vector<uint32_t> distances_to(uint32_t dst_node) const;

  std::vector<TopoNode> nodes_;
  std::vector<uint32_t> routers_, endpoints_;
  std::vector<Channel> channels_;
  std::vector<std::vector<uint32_t>> out_ch_, in_ch_;
  std::vector<std::vector<TableEntry>> tables_;  // by node; empty for endpoints
  std::vector<uint64_t> inject_;                 // [src * endpoints + dst]: port bit set
};

// The builders. Latencies are in cycles of the network clock (>= 1). Port numbering is documented
// per builder in docs/network.md.

// One switch of `ports` ports, endpoint p on port p.
Topology build_switch(unsigned ports, uint32_t link_latency);

// x by y routers of 5 ports (0 local endpoint, 1 east +x, 2 west -x, 3 north +y, 4 south -y),
// endpoint id y * x_dim + x; dimension-order (x then y) tables.
Topology build_mesh(unsigned x_dim, unsigned y_dim, uint32_t link_latency);

// Two-tier folded Clos: `leaves` leaf switches of down + spines ports (ports 0..down-1 to
// endpoints, down + s to spine s) and `spines` spine switches of `leaves` ports (port l to leaf
// l); up-ports form one equal-cost set per destination, hashed or adaptive. With one leaf there
// are no spines.
Topology build_clos(unsigned leaves, unsigned down, unsigned spines, bool adaptive, uint32_t link_latency);

// A CloudMatrix384-class UB network (HARDWARE.md §1): `nodes` nodes of `dies` dies (endpoints of
// `planes` ports), `planes` independent planes; plane k has one leaf per node (ports 0..dies-1 to
// the node's dies, port dies + s to spine s) and `spines` spines of `nodes` ports; die d of a node
// has its port k on plane k's leaf of that node. One node means leaves only.
struct Cm384Shape {
  unsigned nodes = 48;
  unsigned dies = 16;
  unsigned planes = 7;
  unsigned spines = 16;
};
Topology build_cm384(const Cm384Shape& shape, bool adaptive, uint32_t link_latency);

// An NVL72-like single tier: `endpoints` endpoints of `switches` ports; switch s has `endpoints`
// ports, port e to endpoint e's port s.
Topology build_single_tier(unsigned endpoints, unsigned switches, uint32_t link_latency);

}  // namespace snsim::noc
