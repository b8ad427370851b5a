// sn_rr_arb: round-robin arbiter without combinational loops.
//
// Grants the first requester at or after the position following the last accepted winner, wrapping
// around: a thermometer mask selects the requesters above the last winner, and if none of them
// requests, the lowest requester wins (the "doubled request" form; a wrap-around priority chain would
// be a combinational loop that Yosys `check -assert` rejects). The priority moves only when
// update_i accepts the grant, so a requester that keeps requesting is granted within N accepted
// grants: no starvation. The grant is one-hot or zero, purely combinational from req_i and state.
// Works with: sn_router_input (over VCs), sn_switch_alloc (over inputs).
`include "sn_assert.svh"

module sn_rr_arb #(
  /// Requesters, >= 1.
  parameter int unsigned N = 4,
  /// Derived: index width. Do not override.
  parameter int unsigned IdxW = (N > 1) ? $clog2(N) : 1
) (
  input  logic            clk_i,
  input  logic            rst_ni,
  input  logic [N-1:0]    req_i,
  /// The grant was used: move priority past the winner.
  input  logic            update_i,
  /// One-hot grant (zero when nothing requests).
  output logic [N-1:0]    gnt_o,
  /// Index of the granted requester; meaningful when valid_o.
  output logic [IdxW-1:0] idx_o,
  output logic            valid_o
);

  if (N == 1) begin : g_single
    // One requester always wins: no priority state, so the clock, reset and update_i are unused
    // (the `unused` name is Verilator's -Wall exemption; synthesis removes the unloaded gate).
    logic unused_single;
    assign unused_single = ^{clk_i, rst_ni, update_i};
    assign gnt_o   = req_i;
    assign idx_o   = '0;
    assign valid_o = req_i[0];
  end else begin : g_multi
    // mask_q[i] is set for the requesters strictly above the last accepted winner.
    logic [N-1:0] mask_q, mask_d;
    logic [N-1:0] masked, pick_from;

`ifdef SN_FAULT_INJECT
    // Test-only fault hooks (testbenches/rtl), chosen by plusargs; never defined for lint or synthesis.
    // sn_fault_arb_multi grants every candidate (breaks GrantOneHot); sn_fault_arb_rotate grants the
    // winner's neighbour instead (one-hot, but not always a requester: breaks GrantIsRequest).
    logic fault_multi_q, fault_rotate_q;
    initial begin
      fault_multi_q  = $test$plusargs("sn_fault_arb_multi");
      fault_rotate_q = $test$plusargs("sn_fault_arb_rotate");
    end
`endif

    always_comb begin
      masked    = req_i & mask_q;
      pick_from = (masked != '0) ? masked : req_i;
      // Lowest set bit of pick_from: x & -x.
      gnt_o     = pick_from & (~pick_from + 1'b1);
`ifdef SN_FAULT_INJECT
      if (fault_multi_q)  gnt_o = pick_from;
      if (fault_rotate_q) gnt_o = {gnt_o[N-2:0], gnt_o[N-1]};
`endif
      valid_o   = (req_i != '0);
      idx_o     = '0;
      for (int unsigned i = 0; i < N; i++) begin
        if (gnt_o[i]) idx_o = IdxW'(i);
      end
    end

    // Kept apart from the grant logic so that update_i (which depends on the grant through the
    // allocator) does not form a combinational cycle with it.
    always_comb begin
      // Bits above the winner: ~(gnt | (gnt - 1)).
      mask_d = mask_q;
      if (update_i && valid_o) mask_d = ~(gnt_o | (gnt_o - 1'b1));
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) mask_q <= '0;
      else         mask_q <= mask_d;
    end

    // Assertions
    // The grant is one-hot whenever anybody requests, and zero otherwise.
    `SN_ASSERT(GrantOneHot, (req_i != '0) ? $onehot(gnt_o) : (gnt_o == '0), clk_i, rst_ni)
    // Only a requester is granted.
    `SN_ASSERT(GrantIsRequest, (gnt_o & ~req_i) == '0, clk_i, rst_ni)
  end

  // Assertions
  // The index width was not overridden (users pass their own port or VC width, which must agree):
  // one bit for one requester, else clog2 of the requester count.
  `SN_ASSERT_INIT(IdxWDerived, IdxW == ((N > 1) ? $clog2(N) : 1))

endmodule
