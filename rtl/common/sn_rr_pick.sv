// sn_rr_pick: the combinational half of a round-robin arbiter, with two priority classes.
//
// Grants one requester: among the requesters of the high class (prio_i) if there is any, else
// among all of them, the first at or above the priority mask (mask_i: the positions strictly above
// the last winner), wrapping around to the lowest when none is above it. That is the lowest
// requester of the first non-empty set of four, in order: high class above the mask, high class,
// above the mask, all. The four lowest-bit picks (x & -x, each an increment's carry, a prefix tree
// in synthesis) and the four "any" flags are computed side by side and a mux takes the first, so
// the grant is one carry tree plus a 4:1 mux from the requests; picking the class, then the mask,
// then the lowest bit one after the other was nearly twice as deep (32 requesters: 13 gate levels
// against 23). No wrap-around chain, so no
// combinational loop (Yosys `check -assert` rejects one). The grant is one-hot, or zero when
// nothing requests. No state: the mask belongs to the caller, so several picks in one cycle can
// share one priority (sn_rr_arb holds a mask; sn_switch_alloc's later iterations pick against its
// arbiters' masks).
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

  // The candidate sets in priority order (s0 .. s3), the lowest requester of each (l0 .. l3). Four
  // signals rather than one vector of four fields written in a loop: Verilator turns each field
  // write into a read-modify-write of the whole vector, and the grant arbiters run ten to a mesh
  // router every cycle (docs/performance.md). The logic is the same.
  logic [N-1:0] s0, s1, s2, s3, l0, l1, l2, l3;

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
    s0 = req_i & prio_i & mask_i;
    s1 = req_i & prio_i;
    s2 = req_i & mask_i;
    s3 = req_i;
    l0 = s0 & (~s0 + 1'b1);
    l1 = s1 & (~s1 + 1'b1);
    l2 = s2 & (~s2 + 1'b1);
    l3 = s3 & (~s3 + 1'b1);
    gnt_o = (s0 != '0) ? l0 : (s1 != '0) ? l1 : (s2 != '0) ? l2 : l3;
`ifdef SN_FAULT_INJECT
    if (fault_multi_q) gnt_o = (s0 != '0) ? s0 : (s1 != '0) ? s1 : (s2 != '0) ? s2 : s3;
    if (fault_rotate_q) gnt_o = {gnt_o[N-2:0], gnt_o[N-1]};
`endif
  end

endmodule
