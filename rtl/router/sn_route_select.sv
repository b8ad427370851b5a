// sn_route_select: picks the output port of a packet from its forwarding-table entry.
//
// Hashed entry: port = base + floor(flow_hash(src, dst) * count / 2^16) (sn_flit_pkg::select_port):
// a given (src, dst) always gets the same port, so a flow stays in order, and flows spread evenly
// over the equal-cost set.
// Adaptive entry (DECISIONS.md D5): among the ports base .. base + count_m1, scored by their output
// VC vc_i (credits_i: sn_router's registered credits less the flits it holds), the candidates are
// those within Slack of the best score, and the first candidate found scanning from the
// destination's port (select_port over dest_spread(dst) instead of the flow hash: d-mod-k for a set
// of 2^k ports) upward and wrapping within the set wins. So a head keeps its destination's port
// unless another port has more than Slack more room, and heads that see the same scores in one
// cycle still part by destination instead of herding onto one port. In hardware the scan is a max
// tree over the set's scores, in parallel with the multiply, then one saturating subtract of Slack
// from the maximum (the threshold), a compare per port against it (score >= max(best - Slack, 0),
// which is score + Slack >= best without an adder per port) and two priority encoders over the
// ports that qualify: log2(NumPorts) levels each, no chain over the ports. Every magnitude compare
// (the max tree's and the threshold's) is at_least, an XOR and a multiplexer per bit: Yosys maps
// `>` and `>=` through a carry-lookahead subtractor that abc -fast leaves at about twice the cells,
// and this module is instantiated once per input with a compare per port, NumPorts^2 in all
// (docs/synthesis.md, the adapt3 section: p32's selection 6,408 cells with a `+ Slack` and a `>=`
// per port, 4,787 so; main's equality rule 4,897). It is evaluated only
// while lookup_i is high for an adaptive entry (a head flit is being routed); otherwise port_o is
// the selected port of the entry's key (flow hash, or dest_spread for an adaptive entry), so the
// simulation pays nothing for it.
// ok_o is low when the entry is invalid or any port of its set, base .. base + count_m1, is one the
// router does not have (the sum is taken without wrapping, so a set cannot wrap from port 255 back to
// port 0); port_o is then meaningless.
// Works with: sn_router_input; systemc/noc/sn_flit.h (select_port, select_port_adaptive) mirrors it.
module sn_route_select #(
  /// Router radix, 2..128.
  parameter int unsigned NumPorts = 5,
  /// Virtual channels per port, 1..16.
  parameter int unsigned NumVcs = 2,
  /// Score width (sn_router's ScoreW), >= 1.
  parameter int unsigned CntW = 4,
  /// How far below the set's best score a port may be and still be taken, in flits (sn_router:
  /// BufDepth / 8; 0 takes only the best).
  parameter int unsigned Slack = 0,
  /// Derived widths. Do not override.
  parameter int unsigned VcW = (NumVcs > 1) ? $clog2(NumVcs) : 1,
  parameter int unsigned PortW = $clog2(NumPorts)
) (
  input  logic [sn_flit_pkg::EntryW-1:0]  entry_i,
  input  logic [sn_flit_pkg::EpIdW-1:0]   src_i,
  input  logic [sn_flit_pkg::EpIdW-1:0]   dst_i,
  /// A head flit is routed in this cycle: only then does an adaptive entry scan the credits.
  input  logic                            lookup_i,
  /// The packet's VC, whose output credits an adaptive entry compares.
  input  logic [VcW-1:0]                  vc_i,
  /// Credits of every output VC, output o VC v at [(o*NumVcs + v)*CntW +: CntW].
  input  logic [NumPorts*NumVcs*CntW-1:0] credits_i,
  output logic [PortW-1:0]                port_o,
  output logic                            ok_o
);

  localparam int unsigned PortIdW = sn_flit_pkg::PortIdW;
  // The adaptive scan works on Leaves = 2^PortW >= NumPorts slots (slots from NumPorts on are never
  // in the set) with three trees, each numbered as a heap: node 1 the root, node n the parent of 2n
  // and 2n+1, leaf p at node Leaves + p; node n is stored at [(n-1)*Width +: Width].
  localparam int unsigned Leaves = 1 << PortW;
  localparam int unsigned EncW   = 1 + PortW;  // priority-encoder node: {any, port}

  logic [PortIdW-1:0]           base, count_m1;
  logic [PortIdW-1:0]           port_full;
  logic [PortIdW:0]             last_port;     // base + count_m1, one bit wider: no wrap-around
  // Scan temporaries, meaningful only inside the adaptive branch below.
  logic [NumVcs*CntW-1:0]       port_credits;  // one port's credits, all VCs
  logic [NumPorts-1:0]          in_set;
  logic [(2*Leaves-1)*CntW-1:0] max_tree;      // leaf: the port's score, 0 outside the set
  logic [CntW-1:0]              thresh;        // the least score within Slack of the best
  logic [Leaves-1:0]            cand, late;    // ports of the set within Slack of the best; of
                                               // those, the ones at or after the first port
  logic [(2*Leaves-1)*EncW-1:0] late_tree, cand_tree;  // lowest port of late / of cand

  assign base     = entry_i[sn_flit_pkg::EntBaseLsb +: PortIdW];
  assign count_m1 = entry_i[sn_flit_pkg::EntCountLsb +: PortIdW];

  // a >= b: a chain from the least significant bit up, in which the highest bit where a and b
  // differ decides (equal: true). abc keeps its depth near a tree's (p32's longest path: 103 levels,
  // 108 with `>` and `>=`).
  function automatic logic at_least(logic [CntW-1:0] a, logic [CntW-1:0] b);
    at_least = 1'b1;
    for (int unsigned i = 0; i < CntW; i++) at_least = (a[i] ^ b[i]) ? a[i] : at_least;
  endfunction

  always_comb begin
    port_full    = sn_flit_pkg::select_port(base, count_m1,
                                            entry_i[sn_flit_pkg::EntAdaptiveBit] ? sn_flit_pkg::dest_spread(dst_i)
                                                                                 : sn_flit_pkg::flow_hash(src_i, dst_i));
    last_port    = {1'b0, base} + {1'b0, count_m1};
    ok_o         = entry_i[sn_flit_pkg::EntValidBit] && (last_port < (PortIdW + 1)'(NumPorts));
    port_o       = port_full[PortW-1:0];
    port_credits = '0;
    in_set       = '0;
    max_tree     = '0;
    thresh       = '0;
    cand         = '0;
    late         = '0;
    late_tree    = '0;
    cand_tree    = '0;
    if (lookup_i && entry_i[sn_flit_pkg::EntAdaptiveBit]) begin
      // 1. The score of the packet's VC on each port of the set.
      for (int unsigned p = 0; p < NumPorts; p++) begin
        port_credits = credits_i[p*NumVcs*CntW +: NumVcs*CntW];
        in_set[p]    = (PortIdW + 1)'(p) >= {1'b0, base} && (PortIdW + 1)'(p) <= last_port;
        if (in_set[p]) max_tree[(Leaves + p - 1)*CntW +: CntW] = port_credits[vc_i*CntW +: CntW];
      end
      // 2. The best score in the set. Independent of the key, so it runs beside the multiply.
      for (int n = Leaves - 1; n >= 1; n--) begin
        if (!at_least(max_tree[(2*n - 1)*CntW +: CntW], max_tree[(2*n)*CntW +: CntW])) begin
          max_tree[(n - 1)*CntW +: CntW] = max_tree[(2*n)*CntW +: CntW];
        end else begin
          max_tree[(n - 1)*CntW +: CntW] = max_tree[(2*n - 1)*CntW +: CntW];
        end
      end
      // 3. The candidates: score + Slack >= best, that is score >= thresh = max(best - Slack, 0)
      //    (the best port always is one). The scan from the first port upward, wrapping within the
      //    set, meets the candidates at or after the first port first, each group in port order:
      //    the lowest late candidate wins, else the lowest candidate.
      thresh = ({1'b0, max_tree[0 +: CntW]} > (CntW + 1)'(Slack)) ? max_tree[0 +: CntW] - CntW'(Slack) : '0;
      for (int unsigned p = 0; p < NumPorts; p++) begin
        cand[p] = in_set[p] && at_least(max_tree[(Leaves + p - 1)*CntW +: CntW], thresh);
        late[p] = cand[p] && PortIdW'(p) >= port_full;
      end
      for (int unsigned p = 0; p < Leaves; p++) begin
        late_tree[(Leaves + p - 1)*EncW +: EncW] = {late[p], PortW'(p)};
        cand_tree[(Leaves + p - 1)*EncW +: EncW] = {cand[p], PortW'(p)};
      end
      for (int n = Leaves - 1; n >= 1; n--) begin
        late_tree[(n - 1)*EncW +: EncW] = late_tree[(2*n - 1)*EncW + PortW] ?
                                          late_tree[(2*n - 1)*EncW +: EncW] : late_tree[(2*n)*EncW +: EncW];
        cand_tree[(n - 1)*EncW +: EncW] = cand_tree[(2*n - 1)*EncW + PortW] ?
                                          cand_tree[(2*n - 1)*EncW +: EncW] : cand_tree[(2*n)*EncW +: EncW];
      end
      // A set with no port on this router has no candidate: keep the first port (ok_o is low).
      if (late_tree[PortW])      port_o = late_tree[0 +: PortW];
      else if (cand_tree[PortW]) port_o = cand_tree[0 +: PortW];
    end
  end

endmodule
