// sn_tb_bad_widths: testbench wrapper whose building blocks are given illegal parameters on purpose,
// so that their elaboration-time checks (SN_ASSERT_INIT) fire (testbenches/rtl/
// test_router_assertions.cpp). Each instance breaks exactly one kind of check, named after it: an
// sn_fifo depth that is not a power of two, an allocator with too many iterations, and one
// overridden "do not override" width per block.
// Ports are left open: the checks run at time 0 and nothing is clocked. Not part of the router.
module sn_tb_bad_widths;

  // Depth 3: not a power of two (sn_fifo DepthPow2); its AddrW is derived and must stay silent.
  sn_fifo #(.Depth(3), .Width(8)) u_fifo_depth ();
  // AddrW 3 for depth 4 (sn_fifo AddrWDerived).
  sn_fifo #(.Depth(4), .Width(8), .AddrW(3)) u_fifo_addrw ();
  // CntW 4 for 4 credits (sn_credit_counter CntWDerived).
  sn_credit_counter #(.MaxCredits(4), .CntW(4)) u_credit_cntw ();
  // IdxW 3 for 4 requesters (sn_rr_arb IdxWDerived).
  sn_rr_arb #(.N(4), .IdxW(3)) u_arb_idxw ();
  // AddrW 3 for 4 entries (sn_route_table AddrWDerived).
  sn_route_table #(.TableDepth(4), .NumReads(1), .AddrW(3)) u_table_addrw ();
  // EntryW one wider than sn_flit_pkg's entry (sn_route_table EntryWDerived).
  sn_route_table #(.TableDepth(4), .NumReads(1), .EntryW(sn_flit_pkg::EntryW + 1)) u_table_entryw ();
  // PortW 3 for 4 ports (sn_switch_alloc PortWDerived; its arbiters get IdxW 3 as well).
  sn_switch_alloc #(.NumPorts(4), .PortW(3)) u_alloc_portw ();
  // Five iterations (sn_switch_alloc AllocItersInRange).
  sn_switch_alloc #(.NumPorts(4), .AllocIters(5)) u_alloc_iters ();
  // SelW 3 for 4 ports (sn_crossbar SelWDerived).
  sn_crossbar #(.NumPorts(4), .Width(8), .SelW(3)) u_xbar_selw ();
  // VcW 2 for 2 VCs (sn_router_output VcWDerived).
  sn_router_output #(.NumPorts(4), .NumVcs(2), .BufDepth(4), .FlitW(40), .VcW(2)) u_output_vcw ();
  // PortW 3 for 4 ports (sn_router_output PortWDerived).
  sn_router_output #(.NumPorts(4), .NumVcs(2), .BufDepth(4), .FlitW(40), .PortW(3)) u_output_portw ();

endmodule
