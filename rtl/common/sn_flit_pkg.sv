// sn_flit_pkg: the flit and forwarding-table formats of the snsim network, shared by every RTL module.
//
// systemc/noc/sn_flit.h mirrors this package bit for bit; testbenches/rtl/test_flit_pkg.cpp proves
// they agree by driving sn_flit_probe (which uses these functions) and the C++ header with the same
// fields.
// Layouts are documented in docs/router.md. Bit 0 is the LSB.
package sn_flit_pkg;

  /// Endpoint ids are 16 bits: up to 65,536 endpoints in one network.
  localparam int unsigned EpIdW = 16;
  /// Port numbers inside table entries: radix up to 256 (the router allows 2..128).
  localparam int unsigned PortIdW = 8;

  // Flit control field, below the payload.
  localparam int unsigned HeadBit    = 0;
  localparam int unsigned TailBit    = 1;
  localparam int unsigned DstLsb     = 2;
  localparam int unsigned SrcLsb     = DstLsb + EpIdW;
  localparam int unsigned PayloadLsb = SrcLsb + EpIdW;
  /// Control bits in front of the payload; a flit is CtrlW + PayloadW bits wide.
  localparam int unsigned CtrlW      = PayloadLsb;

  // Forwarding-table entry: the equal-cost set base .. base + count_m1, a valid bit, and the adaptive
  // bit (choose the port of the set with the most credits instead of the flow hash's port).
  localparam int unsigned EntBaseLsb     = 0;
  localparam int unsigned EntCountLsb    = PortIdW;
  localparam int unsigned EntValidBit    = 2 * PortIdW;
  localparam int unsigned EntAdaptiveBit = 2 * PortIdW + 1;
  localparam int unsigned EntryW         = 2 * PortIdW + 2;

  /// 16-bit flow hash of (src, dst): XOR and shifts only, so it costs no multiplier. A flow always
  /// hashes to the same value, which is what keeps it on one path and in order.
  function automatic logic [15:0] flow_hash(logic [EpIdW-1:0] src, logic [EpIdW-1:0] dst);
    logic [15:0] h;
    h = src ^ {dst[10:0], dst[15:11]} ^ 16'h9e37;
    h = h ^ {h[8:0], 7'b0};
    h = h ^ {9'b0, h[15:9]};
    h = h ^ {h[7:0], 8'b0};
    h = h ^ {4'b0, h[15:4]};
    flow_hash = h;
  endfunction

  /// The key an adaptive entry starts its scan from (sn_route_select): dst with its 16 bits reversed.
  /// Consecutive destinations then give the van der Corput sequence, spread as evenly as possible
  /// over any count by select_port, and for a count of 2^k the port is dst's low k bits reversed: a
  /// destination-mod-k choice, under which the 2^k endpoints of a leaf, sending to 2^k consecutive
  /// endpoints of another (a shift all-to-all), take 2^k different spines and reach their leaf over
  /// 2^k different down-links (InfiniBand fat-tree d-mod-k routing: Zahavi et al., "Optimized
  /// InfiniBand fat-tree routing for shift all-to-all communication patterns", CCPE 22(2), 2010).
  /// Wiring only: no gates.
  function automatic logic [15:0] dest_spread(logic [EpIdW-1:0] dst);
    for (int unsigned b = 0; b < 16; b++) dest_spread[b] = dst[15 - b];
  endfunction

  /// The output port that the equal-cost set base .. base + count_m1 gives a flow with this hash:
  /// base + floor(hash * (count_m1 + 1) / 2^16), which spreads hashes evenly over any count without
  /// a divider.
  function automatic logic [PortIdW-1:0] select_port(logic [PortIdW-1:0] base,
                                                     logic [PortIdW-1:0] count_m1,
                                                     logic [15:0] hash);
    logic [PortIdW:0]    count;
    logic [PortIdW+16:0] prod;  // only bits [16 +: PortIdW] are the result (waived in lint.vlt)
    count = {1'b0, count_m1} + 1'b1;
    prod  = {{(PortIdW+1){1'b0}}, hash} * {16'b0, count};
    select_port = base + prod[16 +: PortIdW];
  endfunction

endpackage
