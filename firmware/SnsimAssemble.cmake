# snsim_assemble(<target> SOURCES <file.s>... [STRICT] [INCLUDE_DIRS <dir>...])
#
# Assembles each kernel source with snsim-as at build time (DECISIONS.md D20) into
# ${CMAKE_CURRENT_BINARY_DIR}/kernels/<name>.o, re-assembling when the source or anything it
# .includes changes (snsim-as writes a depfile). <target> is a custom target that builds them all,
# part of `all`; its SNSIM_OBJECTS property lists the object paths for loaders and tests.
function(snsim_assemble target)
  cmake_parse_arguments(ARG "STRICT" "" "SOURCES;INCLUDE_DIRS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "snsim_assemble(${target}): no SOURCES")
  endif()
  set(flags)
  if(ARG_STRICT)
    list(APPEND flags --strict)
  endif()
  foreach(dir IN LISTS ARG_INCLUDE_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE)
    list(APPEND flags -I "${dir}")
  endforeach()
  set(objects)
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(abs "${src}" ABSOLUTE)
    get_filename_component(name "${src}" NAME_WE)
    set(obj "${CMAKE_CURRENT_BINARY_DIR}/kernels/${name}.o")
    add_custom_command(
      OUTPUT "${obj}"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${CMAKE_CURRENT_BINARY_DIR}/kernels"
      COMMAND snsim-as "${abs}" -o "${obj}" --depfile "${obj}.d" ${flags}
      DEPENDS snsim-as "${abs}"
      DEPFILE "${obj}.d"
      COMMENT "Assembling ${src}"
      VERBATIM)
    list(APPEND objects "${obj}")
  endforeach()
  add_custom_target(${target} ALL DEPENDS ${objects})
  set_property(TARGET ${target} PROPERTY SNSIM_OBJECTS "${objects}")
endfunction()
