// sn_router_param_check: the elaboration-time parameter checks of sn_router, on their own.
//
// Checks that sn_router's parameters lie inside their documented ranges and that its derived widths
// ("do not override") equal their formulas; each failed check stops elaboration with its name. It has
// no ports and no logic, so synthesis (which removes the checks) leaves nothing of it. Kept apart from
// sn_router so that a test can verilate the checks alone with parameters that the router itself could
// not be built with (one port gives zero-width port indices; 129 ports is ~480k lines of C++).
// Works with: sn_router (which instantiates it with its own parameters).
`include "sn_assert.svh"

module sn_router_param_check #(
  /// Radix: inputs = outputs, 2..128.
  parameter int unsigned NumPorts = 5,
  /// Virtual channels per port, 1..16.
  parameter int unsigned NumVcs = 2,
  /// Flits per VC buffer, power of two, 2..4096.
  parameter int unsigned BufDepth = 8,
  /// Payload bits per flit, 1..512.
  parameter int unsigned PayloadW = 256,
  /// Forwarding-table entries, power of two, 2..65536.
  parameter int unsigned TableDepth = 1024,
  /// sn_router's derived widths, checked against their formulas below. Do not override.
  parameter int unsigned VcW = (NumVcs > 1) ? $clog2(NumVcs) : 1,
  parameter int unsigned FlitW = sn_flit_pkg::CtrlW + PayloadW,
  parameter int unsigned TblAddrW = $clog2(TableDepth),
  parameter int unsigned PortW = $clog2(NumPorts)
) ();

  // Assertions
  // The radix is inside its documented range.
  `SN_ASSERT_INIT(RadixInRange, NumPorts >= 2 && NumPorts <= 128)
  // The VC count is inside its documented range.
  `SN_ASSERT_INIT(VcsInRange, NumVcs >= 1 && NumVcs <= 16)
  // The VC buffer depth is a power of two inside its documented range.
  `SN_ASSERT_INIT(DepthPow2, BufDepth >= 2 && BufDepth <= 4096 && (BufDepth & (BufDepth - 1)) == 0)
  // The payload width is inside its documented range.
  `SN_ASSERT_INIT(PayloadInRange, PayloadW >= 1 && PayloadW <= 512)
  // The forwarding table has a power-of-two number of entries inside its documented range.
  `SN_ASSERT_INIT(TablePow2, TableDepth >= 2 && TableDepth <= 65536 &&
                  (TableDepth & (TableDepth - 1)) == 0)
  // The VC id width was not overridden: one bit for one VC, else clog2 of the VC count.
  `SN_ASSERT_INIT(VcWDerived, VcW == ((NumVcs > 1) ? $clog2(NumVcs) : 1))
  // The flit width was not overridden: the control field of sn_flit_pkg plus the payload.
  `SN_ASSERT_INIT(FlitWDerived, FlitW == sn_flit_pkg::CtrlW + PayloadW)
  // The table address width was not overridden: clog2 of the table depth.
  `SN_ASSERT_INIT(TblAddrWDerived, TblAddrW == $clog2(TableDepth))
  // The port index width was not overridden: clog2 of the radix.
  `SN_ASSERT_INIT(PortWDerived, PortW == $clog2(NumPorts))

endmodule
