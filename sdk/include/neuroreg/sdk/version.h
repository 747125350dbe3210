// NeuroReg SDK version.
//
// NEUROREG_SDK_VERSION is the ABI version of the plugin SDK. The host refuses
// a plugin whose recorded version differs from its own: the interfaces below
// are C++ classes, so any change to them is an ABI change and bumps this.
//   1  the first SDK
//   2  RegularizerInput.unaugmented, RegularizerContext.make_backbone,
//      SimilarityMatcher drops collapsed taps (drop_gamma_below)
//   3  Attack::run takes an AttackRequest (per-sample ε), AttackTraits.randomized,
//      shared attack math (attack_math.h)
//   4  OptionSpec declares constraints (range, allowed values, paths) that the
//      host checks; the plugin stamp carries the LibTorch version and C++ ABI
//   5  RegularizerInput.rank/world_size/shard(): data-parallel training;
//      SimilarityTarget.ids/tiers/subset(): auditable target rows
//   6  AttackTraits.takes_starting_points, AttackRequest.starting_points: the
//      host seeds boundary attacks with the closest adversarial found so far
#pragma once

#ifndef NEUROREG_SDK_VERSION
#define NEUROREG_SDK_VERSION 6
#endif

/// Marks SDK symbols that cross the plugin boundary. Everything is built with
/// hidden visibility; these classes need default visibility so that typeinfo
/// (dynamic_cast, exceptions) is shared between host and plugins.
#define NEUROREG_SDK_API __attribute__((visibility("default")))
