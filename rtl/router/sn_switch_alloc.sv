// sn_switch_alloc: the switch allocator of sn_router: iterative request-grant-accept over VCs (iSLIP).
//
// Every eligible VC of every input requests its output (req_i, port_i; eligibility, folded VC
// allocation, is sn_router's). In each of AllocIters iterations within the cycle: every output not
// yet matched grants one of the unmatched inputs requesting it, round robin (a grant arbiter per
// output); every input granted by some outputs accepts one of its requesting VCs that head for a
// granting output, round robin over VCs (an accept arbiter per input, computed for all inputs at
// once over vectors of the inputs, section 2). Accepted pairs are matched
// and drop out of the later iterations, which fill outputs left idle by unaccepted grants. Both
// arbiters prefer the high class (prio_i: VCs whose head is a body flit, so that packets holding an
// output VC finish first). The pointers move as iSLIP's: an output's past its input and an input's
// past its VC only when the grant was accepted in the first iteration, so no requester starves and
// the arbiters desynchronize. Per cycle each input wins at most one output and each output at most
// one input: the crossbar selects are a matching, and the VC an input sends is one it asked with.
// Works with: sn_rr_arb, sn_rr_pick, sn_onehot_enc, sn_router (requests, eligibility),
// sn_router_input (grants), sn_crossbar (selects), sn_router_output.
`include "sn_assert.svh"

module sn_switch_alloc #(
  /// Router radix, 2..128.
  parameter int unsigned NumPorts = 5,
  /// Virtual channels per input, 1..16.
  parameter int unsigned NumVcs = 2,
  /// Request-grant-accept iterations per cycle, 1..4.
  parameter int unsigned AllocIters = 2,
  /// Derived widths. Do not override.
  parameter int unsigned PortW = $clog2(NumPorts),
  parameter int unsigned VcW = (NumVcs > 1) ? $clog2(NumVcs) : 1
) (
  input  logic                             clk_i,
  input  logic                             rst_ni,
  /// VC v of input i requests (bit i*NumVcs + v), for output port_i[(i*NumVcs + v)*PortW +: PortW].
  input  logic [NumPorts*NumVcs-1:0]       req_i,
  /// VC v of input i is in the high class (its head is a body flit).
  input  logic [NumPorts*NumVcs-1:0]       prio_i,
  input  logic [NumPorts*NumVcs*PortW-1:0] port_i,
  /// Input i won an output with VC in_vc_o[i] (0 when not granted).
  output logic [NumPorts-1:0]              in_gnt_o,
  output logic [NumPorts*VcW-1:0]          in_vc_o,
  /// Output o sends a flit this cycle, from input out_sel_o[o].
  output logic [NumPorts-1:0]              out_valid_o,
  output logic [NumPorts*PortW-1:0]        out_sel_o
);

  localparam int unsigned N = NumPorts;
  localparam int unsigned V = NumVcs;

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

  // 1. The requests as vectors over the inputs, bit i for input i: rq_v / pr_v at [v*N +: N], VC v
  //    requests / is in the high class; to_v at [(v*N + o)*N +: N], VC v requests output o (its
  //    port equals o in every bit: an AND over the port's bit planes); req_to / prio_to at
  //    [o*N +: N], some VC / some high-class VC requests output o. Every step below is then an AND
  //    or OR of whole vectors, so the allocator costs Verilator a few word operations per output
  //    and VC, where one bit per (input, VC, output) written one at a time cost it thousands of
  //    instructions per cycle (docs/performance.md); in synthesis they are the same AND-OR trees.
  //    Flattened, because Yosys 0.23 treats unpacked arrays as memories. No loop assigns by
  //    dynamic index or keeps a last set bit, so none synthesizes as a priority chain
  //    (docs/synthesis.md).
  logic [N*V*PortW-1:0] tgt;
  logic [V*N-1:0]       rq_v, pr_v;
  logic [V*N*N-1:0]     to_v;
  logic [N*N-1:0]       req_to, prio_to;
  logic [N-1:0]         in_req;

  always_comb begin
    logic [V*PortW*N-1:0] tgt_bit;  // plane (v, b) at [(v*PortW + b)*N +: N]: bit b of VC v's port
    logic [PortW*N-1:0]   lit;      // bit b of the port agrees with o's, at [b*N +: N]
    logic [N-1:0]         m;
    tgt = port_i;
`ifdef SN_FAULT_INJECT
    if (fault_misroute_q) begin
      for (int unsigned k = 0; k < N*V; k++) begin
        tgt[k*PortW +: PortW] = (port_i[k*PortW +: PortW] == PortW'(N - 1)) ? '0
                                : port_i[k*PortW +: PortW] + 1'b1;
      end
    end
`endif
    for (int unsigned i = 0; i < N; i++) begin
      for (int unsigned v = 0; v < V; v++) begin
        rq_v[v*N + i] = req_i[i*V + v];
        pr_v[v*N + i] = prio_i[i*V + v];
        for (int unsigned b = 0; b < PortW; b++) tgt_bit[(v*PortW + b)*N + i] = tgt[(i*V + v)*PortW + b];
      end
    end
    for (int unsigned o = 0; o < N; o++) begin
      req_to[o*N +: N]  = '0;
      prio_to[o*N +: N] = '0;
      for (int unsigned v = 0; v < V; v++) begin
        for (int unsigned b = 0; b < PortW; b++) begin
          lit[b*N +: N] = ((o >> b) % 2 == 1) ? tgt_bit[(v*PortW + b)*N +: N] : ~tgt_bit[(v*PortW + b)*N +: N];
        end
        // An AND tree over the port bits (a chain would add levels in synthesis), then the request,
        // which arrives last (eligibility is the allocator's long path).
        for (int unsigned step = 1; step < PortW; step = step * 2) begin
          for (int unsigned b = 0; b + step < PortW; b = b + 2 * step) begin
            lit[b*N +: N] = lit[b*N +: N] & lit[(b + step)*N +: N];
          end
        end
        m = lit[0 +: N] & rq_v[v*N +: N];
        to_v[(v*N + o)*N +: N] = m;
        req_to[o*N +: N]       = req_to[o*N +: N] | m;
        prio_to[o*N +: N]      = prio_to[o*N +: N] | (m & pr_v[v*N +: N]);
      end
    end
    in_req = '0;
    for (int unsigned v = 0; v < V; v++) in_req = in_req | rq_v[v*N +: N];
  end

  // Over a vector of V planes of N bits (plane v at [v*N +: N], bit i for input i): each bit set
  // when the same input's bit is set in a lower plane (a prefix OR over the planes by doubling,
  // log2(V) levels); the planes with every bit cleared whose input has a lower plane set; the OR of
  // all planes.
  function automatic logic [V*N-1:0] lower_set(logic [V*N-1:0] x);
    lower_set = x << N;
    for (int unsigned step = 1; step < V; step = step * 2) lower_set = lower_set | (lower_set << (step * N));
  endfunction

  function automatic logic [V*N-1:0] lowest_vcs(logic [V*N-1:0] x);
    lowest_vcs = x & ~lower_set(x);
  endfunction

  function automatic logic [N-1:0] any_vc(logic [V*N-1:0] x);
    any_vc = '0;
    for (int unsigned v = 0; v < V; v++) any_vc = any_vc | x[v*N +: N];
  endfunction

  // 2. The iterations. Iteration k sees the inputs and outputs still free (in_free, out_free at
  //    [k*N +: N]; all free in iteration 0) and yields the pairs it matched: the VCs the inputs
  //    accepted (acc_res at [k*V*N +: V*N], as rq_v) and the input each output is matched to
  //    (pair_res at [k*N*N +: N*N], [o*N + i]). Iteration 0's arbiters hold the pointers; later
  //    iterations pick against the same masks. split_var: the iterations chain through in_free and
  //    out_free, and without it Verilator would schedule them as a combinational loop (UNOPTFLAT).
  logic [(AllocIters+1)*N-1:0] in_free  /*verilator split_var*/;
  logic [(AllocIters+1)*N-1:0] out_free /*verilator split_var*/;
  logic [AllocIters*V*N-1:0]   acc_res;
  logic [AllocIters*N*N-1:0]   pair_res;
  logic [N-1:0]                out_won0;  // matched in iteration 0: the grant pointers move
  logic [N*N-1:0]              gnt_mask;           // output o's grant arbiter mask at [o*N +: N]
  // The accept arbiters' masks, as rq_v: bit v*N + i set for the VCs of input i above the VC it
  // last accepted in a first iteration (all zero after reset).
  logic [V*N-1:0]              acc_mask_q, acc_mask_d;

  // With one iteration nothing picks against the grant arbiters' masks beyond the arbiters.
  logic unused_masks;
  assign unused_masks = ^gnt_mask;

  assign in_free[0 +: N]  = '1;
  assign out_free[0 +: N] = '1;

  for (genvar k = 0; k < AllocIters; k++) begin : g_iter
    logic [N*N-1:0] req_k;    // requests of free inputs to free outputs, [o*N + i]
    logic [N*N-1:0] gnt_k;    // output o grants input i, [o*N + i]
    logic [V*N-1:0] acc_req;  // VCs heading for an output that granted their input, as rq_v
    logic [V*N-1:0] acc_k;    // input i accepts its VC v, as rq_v
    logic [N*N-1:0] pair_k;   // output o is matched to input i, [o*N + i]
    logic [N-1:0]   in_won_k, out_won_k;
    logic [N-1:0]   in_free_k, out_free_k;

    assign in_free_k  = in_free[k*N +: N];
    assign out_free_k = out_free[k*N +: N];
    always_comb begin
      for (int unsigned o = 0; o < N; o++) req_k[o*N +: N] = req_to[o*N +: N] & in_free_k & {N{out_free_k[o]}};
    end

    // Grant: one arbiter per output over the inputs.
    for (genvar o = 0; o < N; o++) begin : g_grant
      if (k == 0) begin : g_arb
        logic [PortW-1:0] unused_idx;
        logic             unused_valid;
        sn_rr_arb #(.N(N), .IdxW(PortW)) u_arb (
          .clk_i    (clk_i),
          .rst_ni   (rst_ni),
          .req_i    (req_k[o*N +: N]),
          .prio_i   (prio_to[o*N +: N]),
          .update_i (out_won0[o]),
          .gnt_o    (gnt_k[o*N +: N]),
          .idx_o    (unused_idx),
          .valid_o  (unused_valid),
          .mask_o   (gnt_mask[o*N +: N])
        );
      end else begin : g_pick
        sn_rr_pick #(.N(N)) u_pick (
          .req_i  (req_k[o*N +: N]),
          .prio_i (prio_to[o*N +: N]),
          .mask_i (gnt_mask[o*N +: N]),
          .gnt_o  (gnt_k[o*N +: N])
        );
      end
    end

    // Accept: every input granted by some outputs picks one of its VCs that head for a granting
    // output, round robin over its VCs with the high class first: sn_rr_pick's rule (the lowest VC
    // of the first non-empty set of: high class above the mask, high class, above the mask, all),
    // computed for all inputs at once over the VC vectors.
    always_comb begin
      logic [N*N-1:0] term;              // output o granted the input and VC v heads for o, at [o*N +: N]
      logic [V*N-1:0] s0, s1, s2, s3;    // the four candidate sets, as rq_v
      logic [V*N-1:0] a0, a1, a2;        // per input, sets 0..2 non-empty, copied to every VC
      logic [N-1:0]   any;
      for (int unsigned v = 0; v < V; v++) begin
        for (int unsigned o = 0; o < N; o++) term[o*N +: N] = gnt_k[o*N +: N] & to_v[(v*N + o)*N +: N];
        // An OR tree over the outputs: log2(N) levels in synthesis, where a chain would take N.
        for (int unsigned step = 1; step < N; step = step * 2) begin
          for (int unsigned o = 0; o + step < N; o = o + 2 * step) begin
            term[o*N +: N] = term[o*N +: N] | term[(o + step)*N +: N];
          end
        end
        acc_req[v*N +: N] = term[0 +: N];
      end
      // Whole-vector operations over all inputs and VCs at once; each set keeps only its lowest VC
      // per input (lowest_vcs clears a VC when a lower VC of the same input is set).
      s0 = lowest_vcs((pr_v & acc_mask_q) & acc_req);
      s1 = lowest_vcs(pr_v & acc_req);
      s2 = lowest_vcs(acc_mask_q & acc_req);
      s3 = lowest_vcs(acc_req);
      any = any_vc(s0);
      a0  = {V{any}};
      any = any_vc(s1);
      a1  = {V{any}};
      any = any_vc(s2);
      a2  = {V{any}};
      // Per input, the first non-empty set's lowest VC: a chain of three multiplexers per bit, as in
      // sn_rr_pick (an AND-OR over four "first non-empty" terms synthesized two levels deeper).
      acc_k = (a0 & s0) | (~a0 & ((a1 & s1) | (~a1 & ((a2 & s2) | (~a2 & s3)))));
    end

    // The matched pairs: input i if it accepted; output o with input i if i accepted a VC heading
    // for o (o then granted i, and only i: pair_k's rows are one-hot or zero).
    always_comb begin
      in_won_k = any_vc(acc_k);
      for (int unsigned o = 0; o < N; o++) begin
        pair_k[o*N +: N] = '0;
        for (int unsigned v = 0; v < V; v++) begin
          pair_k[o*N +: N] = pair_k[o*N +: N] | (acc_k[v*N +: N] & to_v[(v*N + o)*N +: N]);
        end
        out_won_k[o] = (pair_k[o*N +: N] != '0);
      end
    end

    assign in_free[(k+1)*N +: N]   = in_free_k & ~in_won_k;
    assign out_free[(k+1)*N +: N]  = out_free_k & ~out_won_k;
    assign acc_res[k*V*N +: V*N]   = acc_k;
    assign pair_res[k*N*N +: N*N]  = pair_k;
    if (k == 0) begin : g_won0
      assign out_won0 = out_won_k;
      // An input that accepted in the first iteration moves its mask past the VC it accepted: to
      // the VCs above it, those with the accepted VC below them.
      assign acc_mask_d = ({V{in_won_k}} & lower_set(acc_k)) | (~{V{in_won_k}} & acc_mask_q);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) acc_mask_q <= '0;
    else         acc_mask_q <= acc_mask_d;
  end

  // 3. The matching: each matched input's VC, each matched output's input (each is matched in at
  //    most one iteration, so the iterations' one-hot vectors OR together), encoded by OR trees:
  //    bit b of input i's VC is set when it accepted a VC whose number has bit b set.
  logic [V*N-1:0] acc_all;
  logic [N*N-1:0] pair_all;

  always_comb begin
    acc_all  = acc_res[0 +: V*N];
    pair_all = pair_res[0 +: N*N];
    for (int unsigned k = 1; k < AllocIters; k++) begin
      acc_all  = acc_all | acc_res[k*V*N +: V*N];
      pair_all = pair_all | pair_res[k*N*N +: N*N];
    end
  end

  always_comb begin
    logic [N-1:0] idx_bit;  // bit b of the accepted VC's number, per input
    for (int unsigned b = 0; b < VcW; b++) begin
      idx_bit = '0;
      for (int unsigned v = 0; v < V; v++) begin
        if ((v >> b) % 2 == 1) idx_bit = idx_bit | acc_all[v*N +: N];
      end
      for (int unsigned i = 0; i < N; i++) in_vc_o[i*VcW + b] = idx_bit[i];
    end
  end
  for (genvar o = 0; o < N; o++) begin : g_out_sel
    sn_onehot_enc #(.N(N), .IdxW(PortW)) u_enc (
      .onehot_i (pair_all[o*N +: N]),
      .idx_o    (out_sel_o[o*PortW +: PortW])
    );
  end

  assign out_valid_o = ~out_free[AllocIters*N +: N];
  always_comb begin
    in_gnt_o = ~in_free[AllocIters*N +: N];
`ifdef SN_FAULT_INJECT
    if (fault_phantom_q) in_gnt_o[0] = 1'b1;
    if (fault_drop_q)    in_gnt_o = in_gnt_o & (in_gnt_o - 1'b1);
`endif
  end

  // Assertions
  // The port index width was not overridden: clog2 of the radix.
  `SN_ASSERT_INIT(PortWDerived, PortW == $clog2(NumPorts))
  // The iteration count is in range.
  `SN_ASSERT_INIT(AllocItersInRange, AllocIters >= 1 && AllocIters <= 4)
  // An input is granted only if it requested.
  `SN_ASSERT(GrantOnlyRequesters, (in_gnt_o & ~in_req) == '0, clk_i, rst_ni)
  // Each matched input holds exactly one output, so grants equal busy outputs.
  `SN_ASSERT(GrantsMatchOutputs, $countones(in_gnt_o) == $countones(out_valid_o), clk_i, rst_ni)

endmodule
