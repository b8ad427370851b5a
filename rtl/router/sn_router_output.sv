// sn_router_output: one output port of sn_router: credits, output-VC ownership, output register.
//
// Holds one credit counter per VC (the downstream buffer's free slots) and the VC allocation state:
// an output VC is claimed by the head flit that wins the switch and released by its tail, so the
// flits of two packets never interleave on one output VC (wormhole). A flit that wins the switch is
// registered and leaves in the next cycle. Exposes, per VC, whether a credit is available and
// whether the VC is claimed, for the router's eligibility check.
// Works with: sn_credit_counter, sn_switch_alloc, sn_crossbar, sn_router.
`include "sn_assert.svh"

module sn_router_output #(
  /// Router radix, 2..128.
  parameter int unsigned NumPorts = 5,
  /// Virtual channels, 1..16.
  parameter int unsigned NumVcs = 2,
  /// Downstream buffer depth per VC = initial credits.
  parameter int unsigned BufDepth = 8,
  /// Flit width.
  parameter int unsigned FlitW = 98,
  /// Derived widths. Do not override.
  parameter int unsigned VcW = (NumVcs > 1) ? $clog2(NumVcs) : 1,
  parameter int unsigned PortW = $clog2(NumPorts)
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  /// A flit won this output: from input send_in_i, on VC send_vc_i.
  input  logic                send_i,
  input  logic [PortW-1:0]    send_in_i,
  input  logic [VcW-1:0]      send_vc_i,
  input  logic [FlitW-1:0]    send_flit_i,
  /// Per VC: a credit is available / the VC is claimed by a packet in flight.
  output logic [NumVcs-1:0]   credit_avail_o,
  output logic [NumVcs-1:0]   vc_busy_o,
  // Downstream link.
  output logic                out_valid_o,
  output logic [VcW-1:0]      out_vc_o,
  output logic [FlitW-1:0]    out_flit_o,
  input  logic                out_credit_i,
  input  logic [VcW-1:0]      out_credit_vc_i
);

  logic send_head, send_tail;
  assign send_head = send_flit_i[sn_flit_pkg::HeadBit];
  assign send_tail = send_flit_i[sn_flit_pkg::TailBit];

  // 1. Credits, one counter per VC.
  for (genvar v = 0; v < NumVcs; v++) begin : g_credit
    sn_credit_counter #(.MaxCredits(BufDepth)) u_credit (
      .clk_i   (clk_i),
      .rst_ni  (rst_ni),
      .inc_i   (out_credit_i && out_credit_vc_i == VcW'(v)),
      .dec_i   (send_i && send_vc_i == VcW'(v)),
      .avail_o (credit_avail_o[v]),
      .count_o ()
    );
  end

  // 2. Output-VC ownership: claimed by a head, released by a tail (a 1-flit packet does both).
  logic [NumVcs-1:0]       busy_q, busy_d;
  logic [NumVcs*PortW-1:0] owner_q, owner_d;

`ifdef SN_FAULT_INJECT
  // Test-only fault hook (testbenches/rtl), chosen by plusarg; never defined for lint or synthesis.
  // sn_fault_owner records the wrong input as a claimed VC's owner (BodyFollowsOwner).
  logic fault_owner_q;
  initial fault_owner_q = $test$plusargs("sn_fault_owner");
`endif

  always_comb begin
    busy_d  = busy_q;
    owner_d = owner_q;
    if (send_i) begin
      if (send_head) owner_d[send_vc_i*PortW +: PortW] = send_in_i;
      busy_d[send_vc_i] = !send_tail;
    end
`ifdef SN_FAULT_INJECT
    if (fault_owner_q && send_i && send_head) owner_d[send_vc_i*PortW +: PortW] = send_in_i + 1'b1;
`endif
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q  <= '0;
      owner_q <= '0;
    end else begin
      busy_q  <= busy_d;
      owner_q <= owner_d;
    end
  end
  assign vc_busy_o = busy_q;

  // 3. Output register.
  logic             valid_q;
  logic [VcW-1:0]   vc_q;
  logic [FlitW-1:0] flit_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      vc_q    <= '0;
      flit_q  <= '0;
    end else begin
      valid_q <= send_i;
      if (send_i) begin
        vc_q   <= send_vc_i;
        flit_q <= send_flit_i;
      end
    end
  end
  assign out_valid_o = valid_q;
  assign out_vc_o    = vc_q;
  assign out_flit_o  = flit_q;

  // Assertions
  // The VC id width was not overridden: one bit for one VC, else clog2 of the VC count.
  `SN_ASSERT_INIT(VcWDerived, VcW == ((NumVcs > 1) ? $clog2(NumVcs) : 1))
  // The port index width was not overridden: clog2 of the radix.
  `SN_ASSERT_INIT(PortWDerived, PortW == $clog2(NumPorts))
  // A head flit claims only a free output VC.
  `SN_ASSERT(HeadClaimsFreeVc, !(send_i && send_head) || !busy_q[send_vc_i], clk_i, rst_ni)
  // A body flit follows its own packet's head: the VC is claimed by the same input.
  `SN_ASSERT(BodyFollowsOwner, !(send_i && !send_head) ||
             (busy_q[send_vc_i] && owner_q[send_vc_i*PortW +: PortW] == send_in_i), clk_i, rst_ni)

endmodule
