// sn_router_synth_p48: sn_router as synthesized for the 48-port Clos-spine configuration (docs/synthesis.md).
//
// One fixed-parameter wrapper per synthesized configuration, because Yosys 0.23 aborts on
// `hierarchy -chparam` (DECISIONS.md D8). The ports carry sn_router's names and flattened widths, so
// the C++ adapter of a verilated sn_router (systemc/noc/verilated_router.h) also drives the
// verilated netlist of this wrapper. Works with: sn_router, scripts/synth.sh, rtl/synth/flow.ys.
module sn_router_synth_p48 #(
  /// The configuration. Fixed: scripts/synth.sh and docs/synthesis.md rely on these values.
  parameter int unsigned NumPorts   = 48,
  parameter int unsigned NumVcs     = 2,
  parameter int unsigned BufDepth   = 8,
  parameter int unsigned PayloadW   = 64,
  parameter int unsigned TableDepth = 1024,
  /// Derived widths, as in sn_router. Do not override.
  parameter int unsigned VcW      = (NumVcs > 1) ? $clog2(NumVcs) : 1,
  parameter int unsigned FlitW    = sn_flit_pkg::CtrlW + PayloadW,
  parameter int unsigned TblAddrW = $clog2(TableDepth)
) (
  input  logic                           clk_i,
  input  logic                           rst_ni,
  input  logic                           tbl_we_i,
  input  logic [TblAddrW-1:0]            tbl_addr_i,
  input  logic [sn_flit_pkg::EntryW-1:0] tbl_wdata_i,
  input  logic [NumPorts-1:0]            in_valid_i,
  input  logic [NumPorts*VcW-1:0]        in_vc_i,
  input  logic [NumPorts*FlitW-1:0]      in_flit_i,
  output logic [NumPorts-1:0]            in_credit_o,
  output logic [NumPorts*VcW-1:0]        in_credit_vc_o,
  output logic [NumPorts-1:0]            out_valid_o,
  output logic [NumPorts*VcW-1:0]        out_vc_o,
  output logic [NumPorts*FlitW-1:0]      out_flit_o,
  input  logic [NumPorts-1:0]            out_credit_i,
  input  logic [NumPorts*VcW-1:0]        out_credit_vc_i
);

  sn_router #(
    .NumPorts(NumPorts), .NumVcs(NumVcs), .BufDepth(BufDepth), .PayloadW(PayloadW),
    .TableDepth(TableDepth)
  ) u_router (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .tbl_we_i        (tbl_we_i),
    .tbl_addr_i      (tbl_addr_i),
    .tbl_wdata_i     (tbl_wdata_i),
    .in_valid_i      (in_valid_i),
    .in_vc_i         (in_vc_i),
    .in_flit_i       (in_flit_i),
    .in_credit_o     (in_credit_o),
    .in_credit_vc_o  (in_credit_vc_o),
    .out_valid_o     (out_valid_o),
    .out_vc_o        (out_vc_o),
    .out_flit_o      (out_flit_o),
    .out_credit_i    (out_credit_i),
    .out_credit_vc_i (out_credit_vc_i)
  );

endmodule
