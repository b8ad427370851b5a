// sn_crossbar: NumPorts x NumPorts multiplexer crossbar.
//
// Output o carries input sel_i[o]; the switch allocator guarantees each input feeds at most one
// output per cycle, so no data is duplicated. Purely combinational; the output register is in
// sn_router_output. Works with: sn_switch_alloc (selects), sn_router_input (data).
`include "sn_assert.svh"

module sn_crossbar #(
  /// Radix, 2..128.
  parameter int unsigned NumPorts = 5,
  /// Bits carried per port.
  parameter int unsigned Width = 64,
  /// Derived: select width. Do not override.
  parameter int unsigned SelW = $clog2(NumPorts)
) (
  input  logic [NumPorts*Width-1:0] data_i,
  input  logic [NumPorts*SelW-1:0]  sel_i,
  output logic [NumPorts*Width-1:0] data_o
);

  for (genvar o = 0; o < NumPorts; o++) begin : g_out
    logic [SelW-1:0] sel;
    assign sel = sel_i[o*SelW +: SelW];
    assign data_o[o*Width +: Width] = data_i[sel*Width +: Width];
  end

  // Assertions
  // The select width was not overridden: clog2 of the radix.
  `SN_ASSERT_INIT(SelWDerived, SelW == $clog2(NumPorts))

endmodule
