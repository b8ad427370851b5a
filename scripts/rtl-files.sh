# The RTL source list in compile order (package first), shared by lint, synthesis and CMake.
SN_RTL_FILES=(
  rtl/common/sn_flit_pkg.sv
  rtl/common/sn_fifo.sv
  rtl/common/sn_onehot_enc.sv
  rtl/common/sn_rr_pick.sv
  rtl/common/sn_rr_arb.sv
  rtl/common/sn_credit_counter.sv
  rtl/router/sn_route_table.sv
  rtl/router/sn_route_select.sv
  rtl/router/sn_router_input.sv
  rtl/router/sn_switch_alloc.sv
  rtl/router/sn_crossbar.sv
  rtl/router/sn_router_output.sv
  rtl/router/sn_router_param_check.sv
  rtl/router/sn_router.sv
)
