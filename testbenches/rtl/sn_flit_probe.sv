// sn_flit_probe: testbench probe that exposes sn_flit_pkg to C++ (testbenches/rtl/test_flit_pkg.cpp).
//
// Builds a flit and a table entry from fields using only the package's constants, splits a flit back
// into fields, and evaluates the package's flow_hash, dest_spread and select_port. The C++ test drives the same
// fields through systemc/noc/sn_flit.h and requires identical bits, so the SV package and the C++
// header cannot drift apart. Purely combinational; not part of the router.
module sn_flit_probe #(
  /// Payload bits; an odd width so fields straddle 32-bit word boundaries in the C++ layout.
  parameter int unsigned PayloadW = 100,
  /// Derived: flit width. Do not override.
  parameter int unsigned FlitW = sn_flit_pkg::CtrlW + PayloadW
) (
  // Fields -> flit.
  input  logic                            head_i,
  input  logic                            tail_i,
  input  logic [sn_flit_pkg::EpIdW-1:0]   src_i,
  input  logic [sn_flit_pkg::EpIdW-1:0]   dst_i,
  input  logic [PayloadW-1:0]             payload_i,
  output logic [FlitW-1:0]                flit_o,
  // Flit -> fields.
  input  logic [FlitW-1:0]                flit_i,
  output logic                            head_o,
  output logic                            tail_o,
  output logic [sn_flit_pkg::EpIdW-1:0]   src_o,
  output logic [sn_flit_pkg::EpIdW-1:0]   dst_o,
  output logic [PayloadW-1:0]             payload_o,
  // Package functions on (src_i, dst_i) and an equal-cost set.
  output logic [15:0]                     hash_o,
  output logic [15:0]                     spread_o,
  input  logic [sn_flit_pkg::PortIdW-1:0] base_i,
  input  logic [sn_flit_pkg::PortIdW-1:0] count_m1_i,
  input  logic                            valid_i,
  input  logic                            adaptive_i,
  output logic [sn_flit_pkg::PortIdW-1:0] port_o,
  output logic [sn_flit_pkg::EntryW-1:0]  entry_o,
  // The package's widths, for the C++ constants.
  output logic [15:0]                     ctrl_w_o,
  output logic [15:0]                     entry_w_o
);

  assign ctrl_w_o  = 16'(sn_flit_pkg::CtrlW);
  assign entry_w_o = 16'(sn_flit_pkg::EntryW);

  always_comb begin
    flit_o = '0;
    flit_o[sn_flit_pkg::HeadBit]                        = head_i;
    flit_o[sn_flit_pkg::TailBit]                        = tail_i;
    flit_o[sn_flit_pkg::DstLsb +: sn_flit_pkg::EpIdW]   = dst_i;
    flit_o[sn_flit_pkg::SrcLsb +: sn_flit_pkg::EpIdW]   = src_i;
    flit_o[sn_flit_pkg::PayloadLsb +: PayloadW]         = payload_i;

    entry_o = '0;
    entry_o[sn_flit_pkg::EntBaseLsb +: sn_flit_pkg::PortIdW]  = base_i;
    entry_o[sn_flit_pkg::EntCountLsb +: sn_flit_pkg::PortIdW] = count_m1_i;
    entry_o[sn_flit_pkg::EntValidBit]                          = valid_i;
    entry_o[sn_flit_pkg::EntAdaptiveBit]                       = adaptive_i;
  end

  assign head_o    = flit_i[sn_flit_pkg::HeadBit];
  assign tail_o    = flit_i[sn_flit_pkg::TailBit];
  assign dst_o     = flit_i[sn_flit_pkg::DstLsb +: sn_flit_pkg::EpIdW];
  assign src_o     = flit_i[sn_flit_pkg::SrcLsb +: sn_flit_pkg::EpIdW];
  assign payload_o = flit_i[sn_flit_pkg::PayloadLsb +: PayloadW];

  assign hash_o   = sn_flit_pkg::flow_hash(src_i, dst_i);
  assign spread_o = sn_flit_pkg::dest_spread(dst_i);
  assign port_o = sn_flit_pkg::select_port(base_i, count_m1_i, hash_o);

endmodule
