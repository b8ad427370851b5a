// sn_router_input: one input port of sn_router: VC buffers, route lookup and the input-side arbiter.
//
// An arriving head flit looks up its route in the forwarding table (one lookup per port per cycle)
// and sn_route_select picks its output port: by flow hash, or for an adaptive entry by the score of
// the flit's output VC as it stands in that cycle (the router's: credits less the flits it already
// holds for that VC). The chosen port is stored beside the flit,
// and body flits inherit their packet's port, so each VC buffer can hold several packets and a
// packet never changes port. The router marks which VC heads are eligible (vc_elig_i: the output VC
// is free or already ours, and has a credit) and sn_switch_alloc grants the input at most one of
// them per cycle (gnt_i, gnt_vc_i); the granted VC's head goes to the crossbar and is popped, and one
// credit for that VC goes back upstream in the next cycle. Flits of one VC leave in arrival order.
// Works with: sn_route_table, sn_route_select, sn_fifo, sn_switch_alloc, sn_router.
`include "sn_assert.svh"

module sn_router_input #(
  /// Router radix, 2..128.
  parameter int unsigned NumPorts = 5,
  /// Virtual channels, 1..16.
  parameter int unsigned NumVcs = 2,
  /// Flits per VC buffer, power of two >= 2.
  parameter int unsigned BufDepth = 8,
  /// Flit width (sn_flit_pkg::CtrlW + payload).
  parameter int unsigned FlitW = 98,
  /// Table entries (endpoint ids the router can route), power of two.
  parameter int unsigned TableDepth = 1024,
  /// Derived widths. Do not override.
  parameter int unsigned VcW = (NumVcs > 1) ? $clog2(NumVcs) : 1,
  parameter int unsigned PortW = $clog2(NumPorts),
  parameter int unsigned TblAddrW = $clog2(TableDepth),
  parameter int unsigned ScoreW = $clog2((NumPorts + 1) * BufDepth + 1)
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  // Upstream link.
  input  logic                          in_valid_i,
  input  logic [VcW-1:0]                in_vc_i,
  input  logic [FlitW-1:0]              in_flit_i,
  output logic                          credit_o,
  output logic [VcW-1:0]                credit_vc_o,
  // Forwarding-table read port.
  output logic [TblAddrW-1:0]           tbl_addr_o,
  input  logic [sn_flit_pkg::EntryW-1:0] tbl_entry_i,
  /// Score of every output VC of the router (registered credits + NumPorts*BufDepth - flits held
  /// for it), output o VC v at [(o*NumVcs + v)*ScoreW +: ScoreW], for adaptive entries.
  input  logic [NumPorts*NumVcs*ScoreW-1:0] out_scores_i,
  /// The output port of the arriving flit (its route, or its packet's), meaningful with in_valid_i.
  output logic [PortW-1:0]              arr_port_o,
  // Head of every VC buffer, for the router's eligibility check.
  output logic [NumVcs-1:0]             head_valid_o,
  output logic [NumVcs-1:0]             head_is_head_o,
  output logic [NumVcs*PortW-1:0]       head_port_o,
  /// VC v may request: its output VC is free (head flit) or ours, and it has a credit.
  input  logic [NumVcs-1:0]             vc_elig_i,
  /// The switch allocator granted VC gnt_vc_i (0 when not granted) of this input.
  input  logic                          gnt_i,
  input  logic [VcW-1:0]                gnt_vc_i,
  /// The granted VC's head flit, to the crossbar.
  output logic [FlitW-1:0]              gnt_flit_o
);

  localparam int unsigned EntW = PortW + FlitW;  // buffer entry: {port, flit}

  // 1. Route lookup for the arriving flit: head flits use the table, body flits their packet's port.
  logic [PortW-1:0] route_port;
  logic             route_ok;
  logic [NumVcs*PortW-1:0] cur_port_q;  // the port of the packet in flight per VC
  logic [PortW-1:0] arr_port;
  logic             arr_head;
  logic [VcW-1:0]   arr_vc;

  assign tbl_addr_o = in_flit_i[sn_flit_pkg::DstLsb +: TblAddrW];
  assign arr_head   = in_flit_i[sn_flit_pkg::HeadBit];
  assign arr_vc     = in_vc_i;

  // An adaptive head may take a port up to an eighth of a VC buffer below the best (docs/router.md;
  // systemc/noc/sn_flit.h adapt_slack).
  sn_route_select #(
    .NumPorts(NumPorts), .NumVcs(NumVcs), .CntW(ScoreW), .Slack(BufDepth / 8)
  ) u_select (
    .entry_i   (tbl_entry_i),
    .src_i     (in_flit_i[sn_flit_pkg::SrcLsb +: sn_flit_pkg::EpIdW]),
    .dst_i     (in_flit_i[sn_flit_pkg::DstLsb +: sn_flit_pkg::EpIdW]),
    .lookup_i  (in_valid_i && arr_head),
    .vc_i      (arr_vc),
    .credits_i (out_scores_i),
    .port_o    (route_port),
    .ok_o      (route_ok)
  );

  assign arr_port   = arr_head ? route_port : cur_port_q[arr_vc*PortW +: PortW];
  assign arr_port_o = arr_port;

  for (genvar v = 0; v < NumVcs; v++) begin : g_cur_port
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) cur_port_q[v*PortW +: PortW] <= '0;
      else if (in_valid_i && arr_head && arr_vc == VcW'(v)) cur_port_q[v*PortW +: PortW] <= route_port;
    end
  end

  // Packet framing per VC, for the protocol assertions: set between a head and its tail.
  logic [NumVcs-1:0] in_pkt_q;
  for (genvar v = 0; v < NumVcs; v++) begin : g_framing
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) in_pkt_q[v] <= 1'b0;
      else if (in_valid_i && arr_vc == VcW'(v)) in_pkt_q[v] <= !in_flit_i[sn_flit_pkg::TailBit];
    end
  end

  // 2. One buffer per VC.
  logic [NumVcs-1:0]      pop;
  logic [NumVcs-1:0]      empty, full;
  logic [NumVcs*EntW-1:0] head_ent;

  for (genvar v = 0; v < NumVcs; v++) begin : g_vc
    sn_fifo #(.Depth(BufDepth), .Width(EntW)) u_buf (
      .clk_i   (clk_i),
      .rst_ni  (rst_ni),
      .push_i  (in_valid_i && in_vc_i == VcW'(v)),
      .data_i  ({arr_port, in_flit_i}),
      .pop_i   (pop[v]),
      .data_o  (head_ent[v*EntW +: EntW]),
      .empty_o (empty[v]),
      .full_o  (full[v]),
      .count_o ()
    );
    assign head_valid_o[v]               = !empty[v];
    assign head_is_head_o[v]             = head_ent[v*EntW + sn_flit_pkg::HeadBit];
    assign head_port_o[v*PortW +: PortW] = head_ent[v*EntW + FlitW +: PortW];
  end

  // 3. The granted VC's head leaves its buffer.
  assign gnt_flit_o = head_ent[gnt_vc_i*EntW +: FlitW];
  assign pop        = gnt_i ? ((NumVcs'(1) << gnt_vc_i) & head_valid_o) : '0;

  // 4. One credit upstream per popped flit, registered.
  logic           credit_q;
  logic [VcW-1:0] credit_vc_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      credit_q    <= 1'b0;
      credit_vc_q <= '0;
    end else begin
      credit_q    <= gnt_i;
      credit_vc_q <= gnt_vc_i;
    end
  end
  assign credit_o    = credit_q;
  assign credit_vc_o = credit_vc_q;

  // Assertions
  // The VC of an arriving flit exists.
  `SN_ASSERT(ArrivingVcExists, !in_valid_i || {1'b0, in_vc_i} < (VcW + 1)'(NumVcs), clk_i, rst_ni)
  // Upstream never sends into a full VC buffer: it holds a credit for every flit it sends.
  `SN_ASSERT(NoFlitWithoutCredit, !(in_valid_i && (full & (NumVcs'(1) << in_vc_i)) != '0), clk_i, rst_ni)
  // A head flit's destination is inside the table and its entry routes to a port this router has.
  `SN_ASSERT(HeadRoutable, !(in_valid_i && arr_head) ||
             (route_ok && (in_flit_i[sn_flit_pkg::DstLsb +: sn_flit_pkg::EpIdW] >> TblAddrW) == '0),
             clk_i, rst_ni)
  // Packets arrive whole on each VC: a head only between packets, a body flit only inside one.
  `SN_ASSERT(PacketFraming, !in_valid_i || (arr_head == !in_pkt_q[arr_vc]), clk_i, rst_ni)
  // The switch grants only a VC that requested: an eligible VC holding a flit.
  `SN_ASSERT(GrantOnlyRequest, !gnt_i || (vc_elig_i & head_valid_o & (NumVcs'(1) << gnt_vc_i)) != '0,
             clk_i, rst_ni)

endmodule
