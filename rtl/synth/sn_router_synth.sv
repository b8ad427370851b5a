// sn_router_synth_<cfg>: sn_router with the fixed parameters of one synthesized configuration.
//
// One fixed-parameter module per configuration, because Yosys 0.23 aborts on `hierarchy -chparam`
// (DECISIONS.md D8). This one file makes each of them: the reader defines SN_SYNTH_TOP (the module
// name, sn_router_synth_<cfg>) and SN_SYNTH_PORTS, _VCS, _DEPTH, _PAYLOAD, _TABLE from
// rtl/synth/configs.json (scripts/synth.sh, testbenches/synth/CMakeLists.txt). The ports carry
// sn_router's names and flattened widths, so the C++ adapter of a verilated sn_router
// (systemc/noc/verilated_router.h) also drives the verilated netlist of this wrapper.
// Works with: sn_router, scripts/synth.sh, rtl/synth/flow.ys.
module `SN_SYNTH_TOP #(
  /// The configuration, from rtl/synth/configs.json.
  parameter int unsigned NumPorts   = `SN_SYNTH_PORTS,
  parameter int unsigned NumVcs     = `SN_SYNTH_VCS,
  parameter int unsigned BufDepth   = `SN_SYNTH_DEPTH,
  parameter int unsigned PayloadW   = `SN_SYNTH_PAYLOAD,
  parameter int unsigned TableDepth = `SN_SYNTH_TABLE,
  /// Derived widths, as in sn_router. Do not override.
  parameter int unsigned VcW      = (NumVcs > 1) ? $clog2(NumVcs) : 1,
  parameter int unsigned FlitW    = sn_flit_pkg::CtrlW + PayloadW,
  parameter int unsigned TblAddrW = $clog2(TableDepth)
) (
  input  logic                           clk_i,
  input  logic                           rst_ni,
  input  logic                           vc_any_i,
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
    .vc_any_i        (vc_any_i),
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
