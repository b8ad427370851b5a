// sn_rr_pick: the combinational half of a round-robin arbiter, with two priority classes.
//
// Grants one requester: among the requesters of the high class (prio_i) if there is any, else
// among all of them, the first at or above the priority mask (mask_i: the positions strictly above
// the last winner), wrapping around to the lowest when none is above it. The "doubled request" form
// keeps it free of combinational loops (a wrap-around priority chain would be one, which Yosys
// `check -assert` rejects). The grant is one-hot, or zero when nothing requests. No state: the mask
// belongs to the caller, so several picks in one cycle can share one priority (sn_rr_arb holds a
// mask; sn_switch_alloc's later iterations pick against its arbiters' masks).
// Works with: sn_rr_arb, sn_switch_alloc.

module sn_rr_pick #(
  /// Requesters, >= 2 (one requester needs no arbiter: sn_rr_arb handles it).
  parameter int unsigned N = 4
) (
  input  logic [N-1:0] req_i,
  /// High-class requesters (a subset of req_i counts; other bits are ignored).
  input  logic [N-1:0] prio_i,
  /// Positions strictly above the last winner.
  input  logic [N-1:0] mask_i,
  /// One-hot grant (zero when nothing requests).
  output logic [N-1:0] gnt_o
);

  logic [N-1:0] cand, masked, pick_from;

`ifdef SN_FAULT_INJECT
  // Test-only fault hooks (testbenches/rtl), chosen by plusargs; never defined for lint or synthesis.
  // sn_fault_arb_multi grants every candidate (breaks sn_rr_arb GrantOneHot); sn_fault_arb_rotate
  // grants the winner's neighbour instead (one-hot, but not always a requester: breaks GrantIsRequest).
  logic fault_multi_q, fault_rotate_q;
  initial begin
    fault_multi_q  = $test$plusargs("sn_fault_arb_multi");
    fault_rotate_q = $test$plusargs("sn_fault_arb_rotate");
  end
`endif

  always_comb begin
    cand      = ((req_i & prio_i) != '0) ? (req_i & prio_i) : req_i;
    masked    = cand & mask_i;
    pick_from = (masked != '0) ? masked : cand;
    // Lowest set bit of pick_from: x & -x.
    gnt_o     = pick_from & (~pick_from + 1'b1);
`ifdef SN_FAULT_INJECT
    if (fault_multi_q)  gnt_o = pick_from;
    if (fault_rotate_q) gnt_o = {gnt_o[N-2:0], gnt_o[N-1]};
`endif
  end

endmodule
