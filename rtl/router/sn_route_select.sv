// sn_route_select: picks the output port of a flow from its forwarding-table entry.
//
// port = base + floor(flow_hash(src, dst) * count / 2^16) (sn_flit_pkg::select_port): a given
// (src, dst) always gets the same port, so a flow stays in order, and flows spread evenly over the
// equal-cost set. ok_o is low when the entry is invalid or any port of its set, base .. base +
// count_m1, is one the router does not have (the sum is taken without wrapping, so a set cannot
// wrap from port 255 back to port 0).
// Works with: sn_router_input.
module sn_route_select #(
  /// Router radix, 2..128.
  parameter int unsigned NumPorts = 5,
  /// Derived: port index width. Do not override.
  parameter int unsigned PortW = $clog2(NumPorts)
) (
  input  logic [sn_flit_pkg::EntryW-1:0] entry_i,
  input  logic [sn_flit_pkg::EpIdW-1:0]  src_i,
  input  logic [sn_flit_pkg::EpIdW-1:0]  dst_i,
  output logic [PortW-1:0]               port_o,
  output logic                           ok_o
);

  logic [sn_flit_pkg::PortIdW-1:0] port_full;
  logic [sn_flit_pkg::PortIdW:0]   last_port;  // base + count_m1, one bit wider: no wrap-around

  always_comb begin
    port_full = sn_flit_pkg::select_port(entry_i[sn_flit_pkg::EntBaseLsb +: sn_flit_pkg::PortIdW],
                                         entry_i[sn_flit_pkg::EntCountLsb +: sn_flit_pkg::PortIdW],
                                         sn_flit_pkg::flow_hash(src_i, dst_i));
    port_o    = port_full[PortW-1:0];
    last_port = {1'b0, entry_i[sn_flit_pkg::EntBaseLsb +: sn_flit_pkg::PortIdW]} +
                {1'b0, entry_i[sn_flit_pkg::EntCountLsb +: sn_flit_pkg::PortIdW]};
    ok_o      = entry_i[sn_flit_pkg::EntValidBit] &&
                (last_port < (sn_flit_pkg::PortIdW + 1)'(NumPorts));
  end

endmodule
