// sn_router: input-queued wormhole switch of the snsim supernode network.
//
// NumPorts inputs and outputs, NumVcs virtual channels per port with credit-based flow control and
// BufDepth flits per VC, routing by a loadable forwarding table indexed by destination endpoint id
// with a flow hash over equal-cost ports or, per entry, adaptively to the port of the set with the
// most credits. A packet keeps its VC, or, with vc_any_i, its head takes any free output VC of its
// port that has a credit (VCs reassigned per hop). The same RTL is a mesh router or a Clos leaf or
// spine; only the table differs. docs/router.md is the full contract (formats, ports, timing).
//
// Pipeline (2 cycles per hop at zero load):
//   cycle t   : flit on in_*; a head flit looks up its route; the flit and its port enter the VC buffer
//   cycle t+1 : VC/switch allocation among buffer heads; the winners cross the crossbar into the
//               output registers; their credits return upstream in t+2
//   cycle t+2 : flit on out_*
// Guarantees: no flit lost, duplicated or corrupted; the flits of a packet stay together on one output
// VC; with vc_any_i low, each (src, dst, VC) flow leaves in order (a packet keeps its VC and one flow
// always hashes to one port); a VC without credits never blocks another VC
// (it does not request); iSLIP allocation, pointers moved only by first-iteration accepts: no requester
// starves. Blocks: sn_route_table, sn_router_input, sn_switch_alloc, sn_crossbar, sn_router_output.
`include "sn_assert.svh"

module sn_router #(
  /// Radix: inputs = outputs, 2..128.
  parameter int unsigned NumPorts = 5,
  /// Virtual channels per port, 1..16.
  parameter int unsigned NumVcs = 2,
  /// Flits per VC buffer (and initial credits per output VC), power of two, 2..4096.
  parameter int unsigned BufDepth = 8,
  /// Payload bits per flit, 1..512.
  parameter int unsigned PayloadW = 256,
  /// Forwarding-table entries (endpoint ids), power of two, 2..65536.
  parameter int unsigned TableDepth = 1024,
  /// Switch-allocator iterations per cycle, 1..4 (sn_switch_alloc; the fast model implements 2).
  parameter int unsigned AllocIters = 2,
  /// Derived widths. Do not override.
  parameter int unsigned VcW = (NumVcs > 1) ? $clog2(NumVcs) : 1,
  parameter int unsigned FlitW = sn_flit_pkg::CtrlW + PayloadW,
  parameter int unsigned TblAddrW = $clog2(TableDepth),
  parameter int unsigned PortW = $clog2(NumPorts)
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  /// VC allocation (a strap: change it only during reset, which must span a clock edge: it is
  /// registered). 0: a packet keeps its VC end to end.
  /// 1: a head flit takes the lowest-numbered output VC of its port that is free and has a credit.
  input  logic                          vc_any_i,
  // Forwarding-table write port.
  input  logic                          tbl_we_i,
  input  logic [TblAddrW-1:0]           tbl_addr_i,
  input  logic [sn_flit_pkg::EntryW-1:0] tbl_wdata_i,
  // Input links: flits in, credits back upstream.
  input  logic [NumPorts-1:0]           in_valid_i,
  input  logic [NumPorts*VcW-1:0]       in_vc_i,
  input  logic [NumPorts*FlitW-1:0]     in_flit_i,
  output logic [NumPorts-1:0]           in_credit_o,
  output logic [NumPorts*VcW-1:0]       in_credit_vc_o,
  // Output links: flits out, credits from downstream.
  output logic [NumPorts-1:0]           out_valid_o,
  output logic [NumPorts*VcW-1:0]       out_vc_o,
  output logic [NumPorts*FlitW-1:0]     out_flit_o,
  input  logic [NumPorts-1:0]           out_credit_i,
  input  logic [NumPorts*VcW-1:0]       out_credit_vc_i
);

  localparam int unsigned EntryW = sn_flit_pkg::EntryW;
  // Crossbar word: {output VC, flit}.
  localparam int unsigned XbarW  = VcW + FlitW;
  // Flits this router can hold for one output VC (every input's buffer of that VC), the width of
  // an adaptive score: credits + MaxHeld - held, 0 .. BufDepth + MaxHeld.
  localparam int unsigned MaxHeld = NumPorts * BufDepth;
  localparam int unsigned ScoreW  = $clog2(MaxHeld + BufDepth + 1);

  // 1. Forwarding table: one read port per input.
  logic [NumPorts*TblAddrW-1:0] tbl_raddr;
  logic [NumPorts*EntryW-1:0]   tbl_rdata;

  sn_route_table #(.TableDepth(TableDepth), .NumReads(NumPorts)) u_table (
    .clk_i   (clk_i),
    .we_i    (tbl_we_i),
    .waddr_i (tbl_addr_i),
    .wdata_i (tbl_wdata_i),
    .raddr_i (tbl_raddr),
    .rdata_o (tbl_rdata)
  );

  // 2. Inputs.
  logic [NumPorts*NumVcs-1:0]       head_valid, head_is_head, vc_elig;
  logic [NumPorts*NumVcs*PortW-1:0] head_port;
  logic [NumPorts-1:0]              in_gnt;
  logic [NumPorts*VcW-1:0]          in_gnt_vc;
  logic [NumPorts*XbarW-1:0]        xbar_in, xbar_out;
  logic [NumPorts*PortW-1:0]        arr_port;
  // The adaptive score of output o VC v at [(o*NumVcs + v)*ScoreW +: ScoreW] (step 5b).
  logic [NumPorts*NumVcs*ScoreW-1:0] score;

  for (genvar i = 0; i < NumPorts; i++) begin : g_in
    logic [FlitW-1:0] gnt_flit;

    sn_router_input #(
      .NumPorts(NumPorts), .NumVcs(NumVcs), .BufDepth(BufDepth), .FlitW(FlitW),
      .TableDepth(TableDepth)
    ) u_input (
      .clk_i          (clk_i),
      .rst_ni         (rst_ni),
      .in_valid_i     (in_valid_i[i]),
      .in_vc_i        (in_vc_i[i*VcW +: VcW]),
      .in_flit_i      (in_flit_i[i*FlitW +: FlitW]),
      .credit_o       (in_credit_o[i]),
      .credit_vc_o    (in_credit_vc_o[i*VcW +: VcW]),
      .tbl_addr_o     (tbl_raddr[i*TblAddrW +: TblAddrW]),
      .tbl_entry_i    (tbl_rdata[i*EntryW +: EntryW]),
      .out_scores_i   (score),
      .arr_port_o     (arr_port[i*PortW +: PortW]),
      .head_valid_o   (head_valid[i*NumVcs +: NumVcs]),
      .head_is_head_o (head_is_head[i*NumVcs +: NumVcs]),
      .head_port_o    (head_port[i*NumVcs*PortW +: NumVcs*PortW]),
      .vc_elig_i      (vc_elig[i*NumVcs +: NumVcs]),
      .gnt_i          (in_gnt[i]),
      .gnt_vc_i       (in_gnt_vc[i*VcW +: VcW]),
      .gnt_flit_o     (gnt_flit)
    );
    assign xbar_in[i*XbarW +: XbarW] = {send_ovc[i*VcW +: VcW], gnt_flit};
  end

  // 3. Eligibility and VC allocation, folded into the switch grant. Output o offers its VCs that are
  //    free and have a credit (vc_open), the lowest of them first (open_vc). Input VC (i, v), whose
  //    head goes to output o, may request: a head flit keeping its VC when (o, v) is open; a head
  //    flit with vc_any_i when any VC of o is open; a body flit when the output VC its packet's head
  //    claimed (ovc_q) has a credit. A head that wins takes (o, v), or with vc_any_i open_vc[o]: the
  //    switch matching sends one flit per output per cycle, so no two heads claim one VC and no VC
  //    arbiter is needed. The output VC travels with the flit through the crossbar. Each input VC
  //    selects its output's state once (a NumPorts-way select of a few bits) and picks from it by
  //    constant or VC-wide indices only.
  logic [NumPorts*NumVcs-1:0]     credit_avail, vc_busy, vc_open;
  logic [NumPorts*VcW-1:0]        open_vc, send_ovc;
  logic [NumPorts*NumVcs*VcW-1:0] ovc_q, ovc_d;  // output VC of the packet at input VC (i, v)
  logic                           vc_any_q;      // vc_any_i, registered

  // The strap is registered (it changes only during reset, which lasts at least one clock edge), so
  // that everything from eligibility on depends on registers only: Verilator then evaluates the
  // allocator once per cycle, after the clock edge, and not again in its input region, where every
  // cycle's new flits and credits would have it evaluated a second time (docs/performance.md).
  always_ff @(posedge clk_i) vc_any_q <= vc_any_i;

  for (genvar o = 0; o < NumPorts; o++) begin : g_open
    logic [NumVcs-1:0] open, lowest;
    assign open        = credit_avail[o*NumVcs +: NumVcs] & ~vc_busy[o*NumVcs +: NumVcs];
    assign lowest      = open & (~open + 1'b1);
    assign vc_open[o*NumVcs +: NumVcs] = open;
    sn_onehot_enc #(.N(NumVcs), .IdxW(VcW)) u_enc (
      .onehot_i (lowest),
      .idx_o    (open_vc[o*VcW +: VcW])
    );
  end

`ifdef SN_FAULT_INJECT
  // Test-only fault hooks (testbenches/rtl), chosen by plusargs; never defined for lint or synthesis.
  // sn_fault_ignore_busy lets a head flit request a claimed output VC (sn_router_output
  // HeadClaimsFreeVc); sn_fault_ignore_credit lets a flit request without a credit (sn_credit_counter
  // NoSendWithoutCredit). Both as if VCs were kept.
  logic fault_ignore_busy_q, fault_ignore_credit_q;
  initial begin
    fault_ignore_busy_q   = $test$plusargs("sn_fault_ignore_busy");
    fault_ignore_credit_q = $test$plusargs("sn_fault_ignore_credit");
  end
`endif

  always_comb begin
    for (int unsigned i = 0; i < NumPorts; i++) begin
      for (int unsigned v = 0; v < NumVcs; v++) begin
        logic [PortW-1:0]  o;
        logic [VcW-1:0]    ov;
        logic [NumVcs-1:0] o_credit, o_open;  // output o's VCs with a credit / open
        o        = head_port[(i*NumVcs + v)*PortW +: PortW];
        ov       = ovc_q[(i*NumVcs + v)*VcW +: VcW];
        o_credit = credit_avail[o*NumVcs +: NumVcs];
        o_open   = vc_open[o*NumVcs +: NumVcs];
        if (head_is_head[i*NumVcs + v]) begin
          vc_elig[i*NumVcs + v] = head_valid[i*NumVcs + v] && (vc_any_q ? (o_open != '0) : o_open[v]);
        end else begin
          vc_elig[i*NumVcs + v] = head_valid[i*NumVcs + v] && o_credit[ov];
        end
`ifdef SN_FAULT_INJECT
        if (fault_ignore_busy_q) begin
          vc_elig[i*NumVcs + v] = head_valid[i*NumVcs + v] && o_credit[v];
        end
        if (fault_ignore_credit_q) begin
          vc_elig[i*NumVcs + v] = head_valid[i*NumVcs + v] &&
                                  !(head_is_head[i*NumVcs + v] && vc_busy[o*NumVcs + v]);
        end
`endif
      end
    end
  end

  // The output VC each input sends on, for its granted VC g (the allocator's one-hot accept,
  // encoded): a head flit's (g, or open_vc of its output), a body flit's packet's (ovc_q). A
  // granted head records it for the packet's body flits.
  always_comb begin
    ovc_d = ovc_q;
    for (int unsigned i = 0; i < NumPorts; i++) begin
      logic [VcW-1:0]         g;
      logic [NumVcs*VcW-1:0]  i_ovc;   // input i's ovc_q
      logic [NumVcs*PortW-1:0] i_port; // input i's head ports
      logic [PortW-1:0]       o;
      logic                   head;
      g      = in_gnt_vc[i*VcW +: VcW];
      i_ovc  = ovc_q[i*NumVcs*VcW +: NumVcs*VcW];
      i_port = head_port[i*NumVcs*PortW +: NumVcs*PortW];
      o      = i_port[g*PortW +: PortW];
      head   = head_is_head[i*NumVcs + 32'(g)];
      send_ovc[i*VcW +: VcW] = !head ? i_ovc[g*VcW +: VcW] : vc_any_q ? open_vc[o*VcW +: VcW] : g;
      for (int unsigned v = 0; v < NumVcs; v++) begin
        if (in_gnt[i] && head && g == VcW'(v)) ovc_d[(i*NumVcs + v)*VcW +: VcW] = send_ovc[i*VcW +: VcW];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) ovc_q <= '0;
    else         ovc_q <= ovc_d;
  end

  // 4. Switch allocation (every eligible VC requests; body flits first) and crossbar.
  logic [NumPorts-1:0]       send;
  logic [NumPorts*PortW-1:0] send_sel;

  sn_switch_alloc #(.NumPorts(NumPorts), .NumVcs(NumVcs), .AllocIters(AllocIters)) u_alloc (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .req_i       (vc_elig),
    .prio_i      (~head_is_head),
    .port_i      (head_port),
    .in_gnt_o    (in_gnt),
    .in_vc_o     (in_gnt_vc),
    .out_valid_o (send),
    .out_sel_o   (send_sel)
  );

  sn_crossbar #(.NumPorts(NumPorts), .Width(XbarW)) u_xbar (
    .data_i (xbar_in),
    .sel_i  (send_sel),
    .data_o (xbar_out)
  );

  // 5. Outputs.
  for (genvar o = 0; o < NumPorts; o++) begin : g_out
    sn_router_output #(
      .NumPorts(NumPorts), .NumVcs(NumVcs), .BufDepth(BufDepth), .FlitW(FlitW)
    ) u_output (
      .clk_i           (clk_i),
      .rst_ni          (rst_ni),
      .send_i          (send[o]),
      .send_in_i       (send_sel[o*PortW +: PortW]),
      .send_vc_i       (xbar_out[o*XbarW + FlitW +: VcW]),  // the output VC
      .send_flit_i     (xbar_out[o*XbarW +: FlitW]),
      .credit_avail_o  (credit_avail[o*NumVcs +: NumVcs]),
      .vc_busy_o       (vc_busy[o*NumVcs +: NumVcs]),
      .out_valid_o     (out_valid_o[o]),
      .out_vc_o        (out_vc_o[o*VcW +: VcW]),
      .out_flit_o      (out_flit_o[o*FlitW +: FlitW]),
      .out_credit_i    (out_credit_i[o]),
      .out_credit_vc_i (out_credit_vc_i[o*VcW +: VcW])
    );
  end

  // 5b. Adaptive scores. Output VC (o, v) scores its credits plus MaxHeld less the flits buffered
  //     in this router for it (counted on arrival with their port, until sent), so an adaptive head
  //     sees the traffic already committed to a port, not only the credits it has spent: heads
  //     arriving together no longer all pick the port that happens to show the most credits
  //     (DECISIONS.md D5, issue 3 §2). The score is kept as a register rather than summed from the
  //     credit counter and a held count each cycle: a send spends a credit and releases a held flit
  //     at once, so the score moves only with credits returned from downstream (up) and arrivals
  //     (down). The held flits are counted by the VC they arrived on, the credits by the output VC
  //     they leave on: with vc_any_i a send from input VC u onto output VC w (u != w) also raises the
  //     score of (o, u) and lowers that of (o, w) by one.
  //     The arrivals of a cycle depend on the routes just chosen, late in the cycle: each input's
  //     arrival (VC, port) is registered as it is, and the next cycle counts the registered
  //     arrivals per output VC ($countones, an adder tree in synthesis) and takes them off score_q:
  //     score = score_q - arrivals of the previous cycle. The count thus starts at registers instead
  //     of running on from route selection, and Verilator evaluates it once per cycle, after the
  //     clock edge; counted from the inputs it ran twice, in the input region and again after the
  //     edge (docs/performance.md).
  logic [NumPorts*NumVcs*ScoreW-1:0] score_q, score_d;
  // The arrivals of the previous cycle as vectors over the inputs (bit i for input i), so that the
  // count is a few word operations per output VC: arr_on_vc_q at [v*NumPorts +: NumPorts], a flit
  // came on VC v; arr_port_bit_q at [b*NumPorts +: NumPorts], bit b of its output port.
  logic [NumVcs*NumPorts-1:0]        arr_on_vc_q;
  logic [PortW*NumPorts-1:0]         arr_port_bit_q;
  logic [NumPorts*VcW-1:0]           send_in_vc;  // the input VC output o's flit left

  always_comb begin
    for (int unsigned o = 0; o < NumPorts; o++) begin
      send_in_vc[o*VcW +: VcW] = in_gnt_vc[send_sel[o*PortW +: PortW]*VcW +: VcW];
    end
  end

  // From registers only: Verilator evaluates it once per cycle, after the clock edge.
  always_comb begin
    for (int unsigned o = 0; o < NumPorts; o++) begin
      for (int unsigned v = 0; v < NumVcs; v++) begin
        logic [NumPorts-1:0] arrive;  // input i's flit of the previous cycle came on VC v for output o
        arrive = arr_on_vc_q[v*NumPorts +: NumPorts];
        for (int unsigned b = 0; b < PortW; b++) begin
          arrive = arrive & (((o >> b) % 2 == 1) ? arr_port_bit_q[b*NumPorts +: NumPorts]
                                                 : ~arr_port_bit_q[b*NumPorts +: NumPorts]);
        end
        score[(o*NumVcs + v)*ScoreW +: ScoreW] = score_q[(o*NumVcs + v)*ScoreW +: ScoreW] -
                                                 ScoreW'($countones(arrive));
      end
    end
  end

  always_comb begin
    for (int unsigned o = 0; o < NumPorts; o++) begin
      for (int unsigned v = 0; v < NumVcs; v++) begin
        score_d[(o*NumVcs + v)*ScoreW +: ScoreW] =
            score[(o*NumVcs + v)*ScoreW +: ScoreW]
               + ScoreW'(out_credit_i[o] && out_credit_vc_i[o*VcW +: VcW] == VcW'(v))
               + ScoreW'(send[o] && send_in_vc[o*VcW +: VcW] == VcW'(v))
               - ScoreW'(send[o] && xbar_out[o*XbarW + FlitW +: VcW] == VcW'(v));
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      score_q        <= {(NumPorts*NumVcs){ScoreW'(BufDepth + MaxHeld)}};
      arr_on_vc_q    <= '0;
      arr_port_bit_q <= '0;
    end else begin
      score_q <= score_d;
      for (int unsigned i = 0; i < NumPorts; i++) begin
        for (int unsigned v = 0; v < NumVcs; v++) begin
          arr_on_vc_q[v*NumPorts + i] <= in_valid_i[i] && in_vc_i[i*VcW +: VcW] == VcW'(v);
        end
        for (int unsigned b = 0; b < PortW; b++) arr_port_bit_q[b*NumPorts + i] <= arr_port[i*PortW + b];
      end
    end
  end

  // 6. Parameter checks: ranges and derived widths, in a module of their own so that a test can
  //    verilate them with parameters the router itself cannot be built with. No logic.
  sn_router_param_check #(
    .NumPorts(NumPorts), .NumVcs(NumVcs), .BufDepth(BufDepth), .PayloadW(PayloadW),
    .TableDepth(TableDepth), .VcW(VcW), .FlitW(FlitW), .TblAddrW(TblAddrW), .PortW(PortW)
  ) u_param_check ();

  // Assertions
  // Parameters and derived widths: see u_param_check above.
`ifndef SYNTHESIS
  logic misroute;
  always_comb begin
    misroute = 1'b0;
    for (int unsigned o = 0; o < NumPorts; o++) begin
      int unsigned from, vc;
      from = 32'(send_sel[o*PortW +: PortW]);
      vc   = 32'(in_gnt_vc[from*VcW +: VcW]);
      if (send[o] && head_port[(from*NumVcs + vc)*PortW +: PortW] != PortW'(o)) misroute = 1'b1;
    end
  end
  // Each flit crosses to the output its input asked for: the crossbar never misroutes.
  `SN_ASSERT(NoMisroute, !misroute, clk_i, rst_ni)
`endif

endmodule
