// sn_rr_arb: round-robin arbiter without combinational loops.
//
// Grants the first requester at or after the position following the last accepted winner, wrapping
// around, preferring the high class (prio_i) when any of it requests (sn_rr_pick): a thermometer
// mask selects the requesters above the last winner. The priority moves only when update_i accepts
// the grant, so a requester that keeps requesting, and is in the high class or sees none of it,
// is granted within N accepted grants: no starvation. The grant is one-hot or zero, purely
// combinational from req_i, prio_i and state. mask_o shows the priority so that further picks in the
// same cycle (sn_switch_alloc's later iterations) can use it.
// Works with: sn_rr_pick, sn_onehot_enc (index), sn_switch_alloc (grant arbiters over inputs, accept
// arbiters over VCs).
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
  /// High-class requesters: if any of them requests, one of them wins.
  input  logic [N-1:0]    prio_i,
  /// The grant was used: move priority past the winner.
  input  logic            update_i,
  /// One-hot grant (zero when nothing requests).
  output logic [N-1:0]    gnt_o,
  /// Index of the granted requester; meaningful when valid_o.
  output logic [IdxW-1:0] idx_o,
  output logic            valid_o,
  /// Positions strictly above the last accepted winner (all zero after reset).
  output logic [N-1:0]    mask_o
);

  if (N == 1) begin : g_single
    // One requester always wins: no priority state, so the clock, reset, prio_i and update_i are
    // unused (the `unused` name is Verilator's -Wall exemption; synthesis removes the unloaded gate).
    logic unused_single;
    assign unused_single = ^{clk_i, rst_ni, prio_i, update_i};
    assign gnt_o   = req_i;
    assign idx_o   = '0;
    assign valid_o = req_i[0];
    assign mask_o  = '0;
  end else begin : g_multi
    // mask_q[i] is set for the requesters strictly above the last accepted winner.
    logic [N-1:0] mask_q, mask_d;

    sn_rr_pick #(.N(N)) u_pick (
      .req_i  (req_i),
      .prio_i (prio_i),
      .mask_i (mask_q),
      .gnt_o  (gnt_o)
    );

    sn_onehot_enc #(.N(N), .IdxW(IdxW)) u_idx (
      .onehot_i (gnt_o),
      .idx_o    (idx_o)
    );
    assign valid_o = (req_i != '0);
    assign mask_o  = mask_q;

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
