// sn_switch_alloc: the switch allocator of sn_router: iterative request-grant-accept over VCs (iSLIP).
//
// Every eligible VC of every input requests its output (req_i, port_i; eligibility, folded VC
// allocation, is sn_router's). In each of AllocIters iterations within the cycle: every output not
// yet matched grants one of the unmatched inputs requesting it, round robin (a grant arbiter per
// output); every input granted by some outputs accepts one of its requesting VCs that head for a
// granting output, round robin over VCs (an accept arbiter per input). Accepted pairs are matched
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

  // 1. The output each VC asks for, decoded: dec[(i*V + v)*N + o] when VC v of input i requests
  //    output o. From it the request matrices: req_to[o*N + i] (input i requests output o with some
  //    VC) and prio_to (with a high-class VC). Flattened, because Yosys 0.23 treats unpacked arrays
  //    as memories. Everything below selects through dec with AND-OR trees and reduces with OR
  //    trees, never by a dynamic index, so that no loop synthesizes as a priority chain
  //    (docs/synthesis.md).
  logic [N*V*PortW-1:0] tgt;
  logic [N*V*N-1:0]     dec;
  logic [N*N-1:0]       req_to, prio_to;
  logic [N-1:0]         in_req;

  always_comb begin
    tgt = port_i;
`ifdef SN_FAULT_INJECT
    if (fault_misroute_q) begin
      for (int unsigned k = 0; k < N*V; k++) begin
        tgt[k*PortW +: PortW] = (port_i[k*PortW +: PortW] == PortW'(N - 1)) ? '0
                                : port_i[k*PortW +: PortW] + 1'b1;
      end
    end
`endif
    for (int unsigned k = 0; k < N*V; k++) begin
      for (int unsigned o = 0; o < N; o++) dec[k*N + o] = req_i[k] && tgt[k*PortW +: PortW] == PortW'(o);
    end
    for (int unsigned o = 0; o < N; o++) begin
      for (int unsigned i = 0; i < N; i++) begin
        logic [V-1:0] hit;  // input i's VCs that request output o
        for (int unsigned v = 0; v < V; v++) hit[v] = dec[(i*V + v)*N + o];
        req_to[o*N + i]  = (hit != '0);
        prio_to[o*N + i] = ((hit & prio_i[i*V +: V]) != '0);
      end
    end
    for (int unsigned i = 0; i < N; i++) in_req[i] = (req_i[i*V +: V] != '0);
  end

  // 2. The iterations. Iteration k sees the inputs and outputs still free (in_free, out_free at
  //    [k*N +: N]; all free in iteration 0) and yields the pairs it matched: the VC each input
  //    accepted (acc_res at [k*N*V +: N*V]) and the input each output is matched to (pair_res at
  //    [k*N*N +: N*N], [o*N + i]). Iteration 0's arbiters hold the pointers; later iterations pick
  //    against the same masks. split_var: the iterations chain through in_free and out_free, and
  //    without it Verilator would schedule them as a combinational loop (UNOPTFLAT).
  logic [(AllocIters+1)*N-1:0] in_free  /*verilator split_var*/;
  logic [(AllocIters+1)*N-1:0] out_free /*verilator split_var*/;
  logic [AllocIters*N*V-1:0]   acc_res;
  logic [AllocIters*N*N-1:0]   pair_res;
  logic [N-1:0]                in_won0, out_won0;  // matched in iteration 0: the pointers move
  logic [N*N-1:0]              gnt_mask;           // output o's grant arbiter mask at [o*N +: N]
  logic [N*V-1:0]              acc_mask;           // input i's accept arbiter mask at [i*V +: V]

  // With one iteration, or one VC, nothing picks against the arbiters' masks beyond the arbiters.
  logic unused_masks;
  assign unused_masks = ^{gnt_mask, acc_mask};

  assign in_free[0 +: N]  = '1;
  assign out_free[0 +: N] = '1;

  for (genvar k = 0; k < AllocIters; k++) begin : g_iter
    logic [N*N-1:0] req_k;    // requests of free inputs to free outputs, [o*N + i]
    logic [N*N-1:0] gnt_k;    // output o grants input i, [o*N + i]
    logic [N*V-1:0] acc_req;  // VCs heading for an output that granted their input, [i*V + v]
    logic [N*V-1:0] acc_k;    // input i accepts its VC v, [i*V + v]
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

    // Accept: one arbiter per input over its VCs whose output granted it.
    always_comb begin
      for (int unsigned i = 0; i < N; i++) begin
        logic [N-1:0] gnt_in;  // the outputs that granted input i
        for (int unsigned o = 0; o < N; o++) gnt_in[o] = gnt_k[o*N + i];
        for (int unsigned v = 0; v < V; v++) acc_req[i*V + v] = ((dec[(i*V + v)*N +: N] & gnt_in) != '0);
      end
    end

    for (genvar i = 0; i < N; i++) begin : g_accept
      if (k == 0) begin : g_arb
        logic [VcW-1:0] unused_idx;
        logic           unused_valid;
        sn_rr_arb #(.N(V), .IdxW(VcW)) u_arb (
          .clk_i    (clk_i),
          .rst_ni   (rst_ni),
          .req_i    (acc_req[i*V +: V]),
          .prio_i   (prio_i[i*V +: V]),
          .update_i (in_won0[i]),
          .gnt_o    (acc_k[i*V +: V]),
          .idx_o    (unused_idx),
          .valid_o  (unused_valid),
          .mask_o   (acc_mask[i*V +: V])
        );
      end else if (V == 1) begin : g_single
        assign acc_k[i] = acc_req[i];
      end else begin : g_pick
        sn_rr_pick #(.N(V)) u_pick (
          .req_i  (acc_req[i*V +: V]),
          .prio_i (prio_i[i*V +: V]),
          .mask_i (acc_mask[i*V +: V]),
          .gnt_o  (acc_k[i*V +: V])
        );
      end
    end

    // The matched pairs: input i if it accepted; output o with input i if i accepted a VC heading
    // for o (o then granted i, and only i: pair_k's rows are one-hot or zero).
    always_comb begin
      for (int unsigned i = 0; i < N; i++) in_won_k[i] = (acc_k[i*V +: V] != '0);
      for (int unsigned o = 0; o < N; o++) begin
        for (int unsigned i = 0; i < N; i++) begin
          logic [V-1:0] hit;  // input i accepted VC v, and v heads for o
          for (int unsigned v = 0; v < V; v++) hit[v] = acc_k[i*V + v] && dec[(i*V + v)*N + o];
          pair_k[o*N + i] = (hit != '0);
        end
        out_won_k[o] = (pair_k[o*N +: N] != '0);
      end
    end

    assign in_free[(k+1)*N +: N]   = in_free_k & ~in_won_k;
    assign out_free[(k+1)*N +: N]  = out_free_k & ~out_won_k;
    assign acc_res[k*N*V +: N*V]   = acc_k;
    assign pair_res[k*N*N +: N*N]  = pair_k;
    if (k == 0) begin : g_won0
      assign in_won0  = in_won_k;
      assign out_won0 = out_won_k;
    end
  end

  // 3. The matching: each matched input's VC, each matched output's input (each is matched in at
  //    most one iteration, so the iterations' one-hot vectors OR together), encoded by OR trees.
  logic [N*V-1:0] acc_all;
  logic [N*N-1:0] pair_all;

  always_comb begin
    acc_all  = acc_res[0 +: N*V];
    pair_all = pair_res[0 +: N*N];
    for (int unsigned k = 1; k < AllocIters; k++) begin
      acc_all  = acc_all | acc_res[k*N*V +: N*V];
      pair_all = pair_all | pair_res[k*N*N +: N*N];
    end
  end

  for (genvar i = 0; i < N; i++) begin : g_in_vc
    sn_onehot_enc #(.N(V), .IdxW(VcW)) u_enc (
      .onehot_i (acc_all[i*V +: V]),
      .idx_o    (in_vc_o[i*VcW +: VcW])
    );
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
