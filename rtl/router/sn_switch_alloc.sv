// sn_switch_alloc: output side of the separable input-first switch allocator.
//
// Each input presents at most one request (already chosen among its VCs by sn_router_input); each
// output grants one of the inputs requesting it with a round-robin arbiter whose priority moves only
// when it grants. Every grant is accepted, since an input asks for only one output, so per cycle each
// input wins at most one output and each output at most one input: the crossbar selects are a
// matching. Works with: sn_router_input (requests, grants), sn_crossbar (selects), sn_router_output.
`include "sn_assert.svh"

module sn_switch_alloc #(
  /// Router radix, 2..128.
  parameter int unsigned NumPorts = 5,
  /// Derived: port index width. Do not override.
  parameter int unsigned PortW = $clog2(NumPorts)
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  /// Input i requests output req_port_i[i].
  input  logic [NumPorts-1:0]       req_i,
  input  logic [NumPorts*PortW-1:0] req_port_i,
  /// Input i won its output.
  output logic [NumPorts-1:0]       in_gnt_o,
  /// Output o sends a flit this cycle, from input out_sel_o[o].
  output logic [NumPorts-1:0]       out_valid_o,
  output logic [NumPorts*PortW-1:0] out_sel_o
);

  // req_to[o*NumPorts + i]: input i requests output o (the transposed request matrix), flattened
  // because Yosys 0.23 treats unpacked arrays as memories.
  logic [NumPorts*NumPorts-1:0] req_to, gnt_of;

`ifdef SN_FAULT_INJECT
  // Test-only fault hooks (testbenches/rtl), chosen by plusargs; never defined for lint or synthesis.
  // sn_fault_sa_phantom grants input 0 whether or not it requests (GrantOnlyRequesters,
  // sn_router_input GrantOnlyRequest); sn_fault_sa_drop loses the lowest input grant while its output
  // still sends (GrantsMatchOutputs); sn_fault_sa_misroute offers each request to the next output
  // (sn_router NoMisroute).
  logic fault_phantom_q, fault_drop_q, fault_misroute_q;
  initial begin
    fault_phantom_q  = $test$plusargs("sn_fault_sa_phantom");
    fault_drop_q     = $test$plusargs("sn_fault_sa_drop");
    fault_misroute_q = $test$plusargs("sn_fault_sa_misroute");
  end
`endif

  for (genvar o = 0; o < NumPorts; o++) begin : g_out
    for (genvar i = 0; i < NumPorts; i++) begin : g_in
`ifdef SN_FAULT_INJECT
      localparam int unsigned Prev = (o + NumPorts - 1) % NumPorts;
      assign req_to[o*NumPorts + i] = req_i[i] &&
          (req_port_i[i*PortW +: PortW] == (fault_misroute_q ? PortW'(Prev) : PortW'(o)));
`else
      assign req_to[o*NumPorts + i] = req_i[i] && (req_port_i[i*PortW +: PortW] == PortW'(o));
`endif
    end

    sn_rr_arb #(.N(NumPorts), .IdxW(PortW)) u_arb (
      .clk_i    (clk_i),
      .rst_ni   (rst_ni),
      .req_i    (req_to[o*NumPorts +: NumPorts]),
      .update_i (1'b1),
      .gnt_o    (gnt_of[o*NumPorts +: NumPorts]),
      .idx_o    (out_sel_o[o*PortW +: PortW]),
      .valid_o  (out_valid_o[o])
    );
  end

  always_comb begin
    in_gnt_o = '0;
    for (int unsigned o = 0; o < NumPorts; o++) in_gnt_o = in_gnt_o | gnt_of[o*NumPorts +: NumPorts];
`ifdef SN_FAULT_INJECT
    if (fault_phantom_q) in_gnt_o[0] = 1'b1;
    if (fault_drop_q)    in_gnt_o = in_gnt_o & (in_gnt_o - 1'b1);
`endif
  end

  // Assertions
  // The port index width was not overridden: clog2 of the radix.
  `SN_ASSERT_INIT(PortWDerived, PortW == $clog2(NumPorts))
  // An input is granted only if it requested.
  `SN_ASSERT(GrantOnlyRequesters, (in_gnt_o & ~req_i) == '0, clk_i, rst_ni)
  // Each requesting input is granted by at most its one output, so grants equal busy outputs.
  `SN_ASSERT(GrantsMatchOutputs, $countones(in_gnt_o) == $countones(out_valid_o), clk_i, rst_ni)

endmodule
