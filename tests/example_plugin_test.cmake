# Installs NeuroReg into a scratch prefix, builds examples/regularizer_plugin
# against it with find_package(neuroreg), and trains one tiny run with the
# example regularizer through the installed CLI.
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
# No build type given, as a newcomer would: the example must still optimise.
run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}")
file(STRINGS "${WORK_DIR}/build/CMakeCache.txt" build_type REGEX "^CMAKE_BUILD_TYPE:")
if(NOT build_type STREQUAL "CMAKE_BUILD_TYPE:STRING=Release")
  message(FATAL_ERROR "the example builds as '${build_type}' by default, not Release")
endif()
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")

run("${prefix}/bin/neuroreg" plugins --plugin-path "${WORK_DIR}/build")
if(NOT out MATCHES "  decorrelate - push the feature similarity")
  message(FATAL_ERROR "the example regularizer is not listed:\n${out}\n${err}")
endif()
if(err MATCHES "warning")
  message(FATAL_ERROR "plugin loading warned:\n${err}")
endif()

file(WRITE "${WORK_DIR}/example.toml" "
[run]
output_dir = \"${WORK_DIR}/runs\"
threads = 1
plugin_paths = [\"build\"]
[dataset]
name = \"synthetic\"
train_size = 32
test_size = 16
[backbone]
name = \"resnet18\"
width = 2
[train]
epochs = 1
batch_size = 16
[eval]
noise_sigmas = [0.1]
[[regularizer]]
name = \"decorrelate\"
alpha = 1
")
run("${prefix}/bin/neuroreg" train "${WORK_DIR}/example.toml")
file(GLOB records "${WORK_DIR}/runs/example/decorrelate-seed0-*/record.pb")
if(NOT records)
  message(FATAL_ERROR "no run record written:\n${out}\n${err}")
endif()
# The record formats are installed for other tools to read the records.
foreach(proto run_record robustness_record tensorboard_event)
  if(NOT EXISTS "${prefix}/share/neuroreg/proto/neuroreg/${proto}.proto")
    message(FATAL_ERROR "${proto}.proto is not installed under ${prefix}/share/neuroreg/proto")
  endif()
endforeach()
message(STATUS "example plugin built out of tree, loaded and trained:\n${out}")
