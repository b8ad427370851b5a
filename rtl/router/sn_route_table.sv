// sn_route_table: the forwarding table, one memory with one write port and NumReads read ports.
//
// Indexed by destination endpoint id; each entry (sn_flit_pkg::EntryW bits) names a set of equal-cost
// output ports and a valid bit (docs/router.md). Reads are combinational, one port per router input,
// and are used only for head flits (D5: one lookup per input port per cycle, never per VC). The table
// is written by the configuration port and is not reset: software loads it before traffic starts.
// Works with: sn_router_input (read ports), sn_router (write port).
`include "sn_assert.svh"

module sn_route_table #(
  /// Entries (endpoint ids), a power of two, 2..65536.
  parameter int unsigned TableDepth = 1024,
  /// Read ports, >= 1.
  parameter int unsigned NumReads = 5,
  /// Derived: address width. Do not override.
  parameter int unsigned AddrW = $clog2(TableDepth),
  /// Derived: entry width. Do not override.
  parameter int unsigned EntryW = sn_flit_pkg::EntryW
) (
  input  logic                       clk_i,
  input  logic                       we_i,
  input  logic [AddrW-1:0]           waddr_i,
  input  logic [EntryW-1:0]          wdata_i,
  input  logic [NumReads*AddrW-1:0]  raddr_i,
  output logic [NumReads*EntryW-1:0] rdata_o
);

  logic [EntryW-1:0] tbl_q [TableDepth];

  always_ff @(posedge clk_i) begin
    if (we_i) tbl_q[waddr_i] <= wdata_i;
  end

  for (genvar r = 0; r < NumReads; r++) begin : g_read
    assign rdata_o[r*EntryW +: EntryW] = tbl_q[raddr_i[r*AddrW +: AddrW]];
  end

  // Assertions
  // The address width was not overridden: clog2 of the table depth.
  `SN_ASSERT_INIT(AddrWDerived, AddrW == $clog2(TableDepth))
  // The entry width was not overridden: the entry format of sn_flit_pkg.
  `SN_ASSERT_INIT(EntryWDerived, EntryW == sn_flit_pkg::EntryW)

endmodule
