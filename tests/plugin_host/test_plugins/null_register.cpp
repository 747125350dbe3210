// A broken entry: no registration function.
#include <neuroreg/sdk.h>

NEUROREG_PLUGIN("null_register", "0.0.1", nullptr)
