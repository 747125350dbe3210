// The simulated V1 population's parameters, and where they come from.
//
// Two presets:
//   mouse   the default: tuning and receptive fields from mouse V1
//           physiology, seen through the paper's screen geometry (below);
//           fixed before any robustness result was looked at, never tuned on
//           one (a simulator tuned to make the paper's effect appear would
//           prove nothing).
//   legacy  the earlier simulator, kept as a sensitivity arm: spatial
//           frequency 0.1-0.3 cycles/pixel, receptive fields in the central
//           half of the screen, half-saturation at the median drive, targets
//           without Eq. 1 weighting. Same seed, same rates as before.
#pragma once

#include <string>

namespace neuroreg {

enum class V1Physiology { kMouse, kLegacy };

/// "mouse" or "legacy"; anything else throws std::invalid_argument naming
/// the value and the allowed ones.
V1Physiology parse_physiology(const std::string& name);

/// The preset's name, as parse_physiology takes it.
std::string physiology_name(V1Physiology physiology);

/// The screen the recordings' stimuli were shown on (Sinz et al. 2018,
/// Walker et al. 2019, the Sensorium recordings: a 55 × 31 cm monitor 15 cm
/// from the mouse's eye). The stimulus image is stretched over the whole
/// screen.
struct ScreenGeometry {
  double width_cm = 55;
  double height_cm = 31;
  double distance_cm = 15;

  /// Visual angle the screen subtends, centred on the eye: 2·atan(w/2d).
  double width_deg() const;
  double height_deg() const;
  /// Planar approximation: each axis's angle shared evenly among its pixels
  /// (a linear pixel → angle map). A flat screen's pixels subtend more angle
  /// at its centre than at its edges; the map averages that out.
  double deg_per_pixel_x(int64_t width_pixels) const;
  double deg_per_pixel_y(int64_t height_pixels) const;
};

/// Mouse V1 tuning, the `mouse` preset's numbers.
struct MouseV1Tuning {
  /// Preferred spatial frequency: log-normal with this median and spread,
  /// truncated to [sf_min_cpd, sf_max_cpd] (Niell & Stryker 2008, J Neurosci
  /// 28:7520: preferred SFs of mouse V1 spread over about 0.02-0.16 cycles
  /// per degree with a median near 0.04).
  double sf_median_cpd = 0.04;
  double sf_sigma_octaves = 1.0;
  double sf_min_cpd = 0.02;
  double sf_max_cpd = 0.16;
  /// Spatial-frequency bandwidth (full width at half height, octaves) of the
  /// Gabor, which sets the envelope: σ = k/f with
  /// k = √(ln2/2)/π · (2^b+1)/(2^b−1) (b = 1.5 → k = 0.392). Then receptive
  /// fields (envelope FWHM, 2.355σ) are about 23° at the median SF and
  /// 10-30° for SFs of 0.03-0.09 cpd, as mouse V1 fields are (Niell &
  /// Stryker 2008).
  double bandwidth_octaves = 1.5;
  /// Spontaneous rate as a fraction of the neuron's peak rate: mouse V1
  /// neurons fire at a low rate without a stimulus, so no noise-free rate is
  /// exactly 0. A stated modelling choice, not a fitted value.
  double spontaneous_fraction = 0.05;

  /// k of the envelope rule above.
  double envelope_constant() const;
};

/// The preset's parameters with their sources, one per line, for
/// provenance.txt, the command's output and the README.
std::string describe_physiology(V1Physiology physiology, int64_t height, int64_t width);

}  // namespace neuroreg
