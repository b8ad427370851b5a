#include "config/machine_config.h"

#include <algorithm>

#include <fmt/format.h>

namespace snsim {

namespace {

bool declares(const config::SchemaBase& schema, std::string_view key) {
  const auto fields = schema.field_infos();
  return std::any_of(fields.begin(), fields.end(), [&](const config::FieldInfo* f) { return f->name == key; });
}

}  // namespace

void MachineCfg::describe(Schema<MachineCfg>& s) {
  s.field("npus", &MachineCfg::npus, 1u).unit("NPUs").range(1, 4096).doc("NPUs of the machine");
  s.field("dies_per_npu", &MachineCfg::dies_per_npu, 2u)
      .unit("dies")
      .range(1, 16)
      .doc("Dies per NPU (HARDWARE.md §2: two per Ascend 910C package); each die is one network endpoint");
  s.field("d2d_bytes_per_second", &MachineCfg::d2d_bytes_per_second, 270e9)
      .unit("B/s")
      .greater_than(0)
      .doc("Die-to-die link of an NPU, per direction (HARDWARE.md §2: 540 GB/s total, 270 GB/s each way "
           "[P CM 3.3.1])");
  s.time("d2d_latency", &MachineCfg::d2d_latency_s, "100ns")
      .min(0)
      .doc("One-way latency of the die-to-die link (assumed: no public figure; half a UB switch hop)");
  s.field("ni_max_outstanding", &MachineCfg::ni_max_outstanding, 1024u)
      .unit("commands")
      .range(1, 65535)
      .doc("UB commands a die's network interface holds in flight before it pushes back (calibrated: enough for "
           "the inter-node bandwidth of HARDWARE.md §4 over its loaded round trip, docs/machine.md "
           "\"Calibration\")");
  s.field("ni_response_queue", &MachineCfg::ni_response_queue, 256u)
      .unit("responses")
      .range(1, 4096)
      .doc("Responses a network interface queues before holding back requests (calibrated: enough for the "
           "bandwidths of HARDWARE.md §4, docs/machine.md \"Calibration\")");
  s.time("ni_command_latency", &MachineCfg::ni_command_latency_s, "530ns")
      .min(0)
      .doc("A UB command's latency in the issuing die, from the core to its first flit on a link (the die's "
           "request path and the NI's transaction layer; at least one network cycle). Calibrated to the 512 B "
           "latencies of HARDWARE.md §4 (docs/machine.md \"Calibration\")");
  s.time("ni_request_gap", &MachineCfg::ni_request_gap_s, "0.3ns")
      .min(0)
      .doc("Requests from the network reach the die's memory one at a time, each occupying the die's request "
           "path for its bytes at the memory port's rate (gm.l2 read / write_bytes_per_cycle) plus this long. "
           "Calibrated to the read and write bandwidths of HARDWARE.md §4 (docs/machine.md \"Calibration\")");
  s.field("dma_chunk_bytes", &MachineCfg::dma_chunk_bytes, 512u)
      .unit("B")
      .range(32, 512)
      .doc("Bytes per DMA read / write (HARDWARE.md §1: the UB access granularity is 512 B)");
  s.field("dma_max_outstanding", &MachineCfg::dma_max_outstanding, 16u)
      .unit("chunks")
      .range(1, 4096)
      .doc("Chunks a die's DMA engine has in flight at once (assumed)");
  s.time("dma_startup", &MachineCfg::dma_startup_s, "500ns")
      .min(0)
      .doc("Start-up of each DMA copy before its first chunk (assumed: CM 4.2.1 names a DMA start-up cost that "
           "AIV-Direct writes avoid, without a figure)");
}

void MachineFileCfg::describe(Schema<MachineFileCfg>& s) {
  s.section("machine", &MachineFileCfg::machine)
      .doc("The machine: NPU and die counts, die-to-die link, network interfaces, DMA engines");
}

bool is_machine_config(const std::string& path) {
  return config::read_tree(path).find("machine") != nullptr;
}

MachineConfig load_machine_config(const std::string& path) {
  // 1. One tree, its top-level keys dealt to the part whose schema declares them.
  const config::Node tree = config::read_tree(path);
  config::Node parts[3];  // machine, network, die
  for (config::Node& p : parts) {
    p.kind = config::Node::Kind::Map;
    p.file = tree.file;
    p.line = tree.line;
  }
  const config::SchemaBase& net_schema = schema_of<NetConfig>();
  const config::SchemaBase& die_schema = schema_of<DieConfig>();
  for (const config::MapEntry& e : tree.entries) {
    const int part = e.key == "machine" ? 0 : declares(net_schema, e.key) ? 1 : declares(die_schema, e.key) ? 2 : -1;
    if (part < 0) {
      config::Node at = e.value;
      at.line = e.key_line;
      config::fail(at, e.key, "unknown key: a machine config holds `machine`, a network config's keys and a die "
                              "config's keys");
    }
    parts[part].entries.push_back(e);
  }
  // 2. Each part with its own schema and checks.
  MachineConfig m;
  MachineFileCfg file = config_defaults<MachineFileCfg>();
  config::LoadContext ctx(path);
  schema_of<MachineFileCfg>().load_into(file, &parts[0], "", ctx);
  m.machine = file.machine;
  m.net = config_from_tree<NetConfig>(parts[1], path);
  m.die = config_from_tree<DieConfig>(parts[2], path);
  // 3. One network endpoint per die.
  const std::uint32_t endpoints = endpoint_count(m.net);
  if (endpoints != m.num_dies()) {
    Checker(ctx, "machine")
        .fail("npus", fmt::format("{} NPUs x {} dies = {} dies, but the network's topology has {} endpoints (one per "
                                  "die)", m.machine.npus, m.machine.dies_per_npu, m.num_dies(), endpoints));
  }
  // 4. The network interfaces carry a packet's bytes in flits of router.payload_bits, so the link
  //    width the network is timed with (topology.flit_bytes) must be that many bits: a narrower
  //    payload would send each packet in more flits than its link rate says.
  if (flit_bytes(m.net) * 8 != m.net.router.payload_bits) {
    const config::Node* router = tree.find("router");
    const config::Node* bits = router ? router->find("payload_bits") : nullptr;
    config::fail(bits ? *bits : router ? *router : tree, "router.payload_bits",
                 fmt::format("{} bits, but the links carry {} B per flit (topology.flit_bytes): a machine's network "
                             "interfaces put their packets' bytes in the flits, so payload_bits must be {}",
                             m.net.router.payload_bits, flit_bytes(m.net), 8 * flit_bytes(m.net)));
  }
  return m;
}

}  // namespace snsim
