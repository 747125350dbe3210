// Compiled against the record layer alone by Layers.AnIncludeUpALayerDoesNotCompile,
// which expects it to fail: record/ sits below train/, so the build gives
// record no way to reach train's headers (framework/CMakeLists.txt).
#include "train/trainer.h"
