# The fuzz harnesses, shared by the libFuzzer build (fuzz/CMakeLists.txt) and
# the smoke test of the normal test build (fuzz/smoke.cmake).
#
# neuroreg_fuzz_harnesses(<out-var>): the names NAME of fuzz/NAME_fuzz.cpp.
# neuroreg_fuzz_setup(<target>): what any target compiling harnesses needs:
# the readers' libraries and sources, and the plugin folder for the harnesses
# that resolve component names.
set(NEUROREG_FUZZ_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(neuroreg_fuzz_harnesses out)
  file(GLOB sources CONFIGURE_DEPENDS "${NEUROREG_FUZZ_DIR}/*_fuzz.cpp")
  set(names)
  foreach(source ${sources})
    get_filename_component(name "${source}" NAME_WE)
    string(REGEX REPLACE "_fuzz$" "" name "${name}")
    list(APPEND names ${name})
  endforeach()
  list(SORT names)
  set(${out} ${names} PARENT_SCOPE)
endfunction()

function(neuroreg_fuzz_setup target)
  # The VGG plugin's state-dict reader lives in the plugin itself: its two
  # sources are compiled in again here.
  target_sources(${target} PRIVATE
    "${PROJECT_SOURCE_DIR}/plugins/backbones/vgg/state_dict_file.cpp"
    "${PROJECT_SOURCE_DIR}/plugins/backbones/vgg/pickle.cpp")
  target_include_directories(${target} PRIVATE "${NEUROREG_FUZZ_DIR}"
    "${PROJECT_SOURCE_DIR}/plugins/backbones/vgg")
  target_link_libraries(${target} PRIVATE neuroreg_framework neuroreg_idx neuroreg_cifar_reader)
  target_compile_definitions(${target} PRIVATE
    NEUROREG_FUZZ_PLUGIN_DIR="${NEUROREG_PLUGIN_OUTPUT_DIR}")
  target_precompile_headers(${target} REUSE_FROM neuroreg_sdk)
  get_property(plugins GLOBAL PROPERTY NEUROREG_BUILTIN_PLUGINS)
  add_dependencies(${target} ${plugins})
endfunction()
