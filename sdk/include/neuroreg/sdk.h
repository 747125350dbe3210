// NeuroReg plugin SDK: the one header a plugin includes.
//
// See docs/writing-a-regularizer.md for a walk through examples/.
#pragma once

#include "neuroreg/sdk/atomic_file.h"
#include "neuroreg/sdk/attack.h"
#include "neuroreg/sdk/attack_math.h"
#include "neuroreg/sdk/backbone.h"
#include "neuroreg/sdk/dataset.h"
#include "neuroreg/sdk/npy.h"
#include "neuroreg/sdk/options.h"
#include "neuroreg/sdk/plugin.h"
#include "neuroreg/sdk/random.h"
#include "neuroreg/sdk/registrar.h"
#include "neuroreg/sdk/regularizer.h"
#include "neuroreg/sdk/similarity.h"
#include "neuroreg/sdk/stimuli.h"
#include "neuroreg/sdk/target.h"
#include "neuroreg/sdk/version.h"
